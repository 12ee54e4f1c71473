package dev.switchboard.servlet;

/** The fail-closed corpus on the bare filter in embedded Jetty 12 (ee10). */
final class JettyFailClosedTest extends FailClosedContract {

    @Override
    String kind() {
        return "jetty";
    }
}
