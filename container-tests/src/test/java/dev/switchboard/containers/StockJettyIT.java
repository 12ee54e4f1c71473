package dev.switchboard.containers;

import java.nio.file.Path;

/** The WAR and the filter in a stock Jetty 12.1 ({@code ee10-deploy}): their lines on its console (stderr). */
final class StockJettyIT extends StockContainerContract {

    @Override
    StockContainer create(Path base) throws Exception {
        return new StandaloneJetty(home("jetty.home"), base);
    }

    @Override
    boolean noticesAClientThatLeft() {
        return true;
    }

    @Override
    int upstreamHeaderBound() {
        return 12 * 1024;
    }

    @Override
    int traceStatus() {
        return 403;
    }
}
