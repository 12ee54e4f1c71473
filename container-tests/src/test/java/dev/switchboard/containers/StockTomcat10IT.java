package dev.switchboard.containers;

import java.nio.file.Path;

/** The WAR and the filter in a stock Tomcat 10.1: their lines in {@code catalina.out}. */
final class StockTomcat10IT extends StockContainerContract {

    @Override
    StockContainer create(Path base) throws Exception {
        return new StandaloneTomcat(home("tomcat10.home"), base);
    }

    @Override
    boolean noticesAClientThatLeft() {
        return false;
    }

    @Override
    int upstreamHeaderBound() {
        return 7 * 1024;
    }
}
