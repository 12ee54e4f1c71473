package dev.switchboard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The filter contract on embedded Jetty 12 (ee10). */
final class JettyFilterTest extends FilterContract {

    @Override
    String kind() {
        return "jetty";
    }

    @Test
    void shouldRefuseADeclaredBodyOverTheLimitWithoutAskingForIt() throws IOException {
        // Jetty sends "100 Continue" when the filter opens the input stream: a client that waits for it (curl does for
        // bodies over 1 MiB) would then send the whole body only to be refused. Tomcat sends it before any filter runs.
        try (Socket s = new Socket("127.0.0.1", port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(("POST " + CHAT + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Expect: 100-continue\r\nContent-Length: 10000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 413 ");
            assertThat(head).doesNotContain("100 Continue");
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder out = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            out.append((char) c);
            if (out.length() >= 4 && out.substring(out.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        return out.toString();
    }
}
