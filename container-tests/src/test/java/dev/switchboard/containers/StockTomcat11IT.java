package dev.switchboard.containers;

import java.nio.file.Path;

/** The WAR and the filter in a stock Tomcat 11: their lines in {@code catalina.out}. */
final class StockTomcat11IT extends StockContainerContract {

    @Override
    StockContainer create(Path base) throws Exception {
        return new StandaloneTomcat(home("tomcat11.home"), base);
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
