package dev.switchboard.servlet;

/** The fail-closed corpus on the bare filter in embedded Tomcat (11, and 10.1 in the tomcat10 execution). */
final class TomcatFailClosedTest extends FailClosedContract {

    @Override
    String kind() {
        return "tomcat";
    }
}
