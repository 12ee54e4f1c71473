package dev.switchboard.jetty;

import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import java.lang.reflect.Field;

/**
 * Ends a committed response in Tomcat as broken: the connection closes and no terminating chunk is written, so a
 * client sees a cut, never a clean end. The Servlet API has no abort; Tomcat's own way is its coyote response's
 * {@code CLOSE_NOW} action, which its {@code ErrorReportValve} takes for an error after the commit. It is reached
 * through the response facade's {@code response} field (Tomcat 10.1 and 11), by reflection: the WAR does not depend
 * on Tomcat, and in any other container this finds no facade and does nothing.
 */
final class TomcatAbort {

    private static final String FACADE = "org.apache.catalina.connector.ResponseFacade";

    private TomcatAbort() {
    }

    /**
     * @param response the response, or a wrapper of it
     * @return whether Tomcat took the action (the connection closes without ending the response)
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static boolean abort(ServletResponse response) {
        ServletResponse r = response;
        while (r instanceof ServletResponseWrapper w) {
            r = w.getResponse();
        }
        Class<?> facade = r.getClass();
        while (facade != null && !facade.getName().equals(FACADE)) {
            facade = facade.getSuperclass();
        }
        if (facade == null) {
            return false;
        }
        try {
            Field field = facade.getDeclaredField("response");
            field.setAccessible(true);
            Object catalina = field.get(r);
            Object coyote = catalina.getClass().getMethod("getCoyoteResponse").invoke(catalina);
            Class<? extends Enum> actionCode = (Class<? extends Enum>) Class.forName("org.apache.coyote.ActionCode",
                    false, coyote.getClass().getClassLoader());
            coyote.getClass().getMethod("action", actionCode, Object.class)
                    .invoke(coyote, Enum.valueOf(actionCode, "CLOSE_NOW"), null);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
