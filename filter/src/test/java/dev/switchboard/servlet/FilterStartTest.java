package dev.switchboard.servlet;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.Enumeration;

/** Why the filter does not start, said so that an operator can act on it. */
final class FilterStartTest {

    // Regression (a probe of 2026-12-07): the example webapp in a Tomcat with unpackWARs="false" said
    // "/WEB-INF/switchboard.yaml: no such file", although the WAR holds it: a packed webapp has no file to read and watch.
    @org.junit.jupiter.api.Test
    void shouldSayThatAConfigInsideAPackedWebappIsNoFile() {
        // A container serving the WAR as it is: getRealPath answers null.
        ServletContext packed = (ServletContext) Proxy.newProxyInstance(ServletContext.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> null);
        FilterConfig config = new FilterConfig() {
            @Override
            public String getFilterName() {
                return "switchboard";
            }

            @Override
            public ServletContext getServletContext() {
                return packed;
            }

            @Override
            public String getInitParameter(String name) {
                return name.equals(VirtualModelFilter.CONFIG_INIT_PARAM) ? "/WEB-INF/switchboard.yaml" : null;
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(java.util.List.of(VirtualModelFilter.CONFIG_INIT_PARAM));
            }
        };

        assertThatThrownBy(() -> new VirtualModelFilter().init(config)).isInstanceOf(ServletException.class)
                .hasMessage("Switchboard: the config /WEB-INF/switchboard.yaml is inside a webapp that is not unpacked"
                        + " (Tomcat: unpackWARs=\"false\"), so it is no file to read and watch; unpack the webapp, or name a"
                        + " config file outside it (the init-param 'config', the context parameter or system property"
                        + " 'switchboard.config')");
    }
}
