package dev.switchboard.servlet;

/** The filter contract on embedded Jetty 12 (ee10). */
final class JettyFilterTest extends FilterContract {

    @Override
    String kind() {
        return "jetty";
    }
}
