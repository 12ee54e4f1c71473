package dev.switchboard.servlet;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.failclosed.Corpus;
import dev.switchboard.failclosed.Judge;
import dev.switchboard.failclosed.RawClient;
import dev.switchboard.failclosed.Verdict;
import dev.switchboard.rules.Picker;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC section 15 on the bare filter, as an attacker would try it: the adversarial {@link Corpus} against
 * a real container (subclasses pick Jetty or Tomcat) whose servlet behind the filter records what it
 * received, as an upstream would. A case passes when the client got what the corpus says and, for a
 * forwarded request, no emulated upstream parser ({@link Judge}) reads a denied model in it. The filter
 * runs with {@code unknown-paths=refuse}, as the bundled proxy does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FailClosedContract {

    private final Recorder recorder = new Recorder();
    private final Judge judge = new Judge(Corpus.DENIED);
    private Harness harness;

    abstract String kind();

    @BeforeAll
    void start() throws Exception {
        SwitchboardConfig config = new ConfigLoader(name -> null).parse(Corpus.CONFIG.formatted("http://upstream.invalid"));
        harness = Harness.start(kind(), new VirtualModelFilter(() -> config, Picker.create(), List.of(),
                VirtualModelFilter.UnknownPaths.REFUSE), recorder);
    }

    @AfterAll
    void stop() throws Exception {
        harness.close();
    }

    static Stream<Corpus.Attack> corpus() {
        return Corpus.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void shouldLetNoUpstreamReadADeniedModel(Corpus.Attack a) throws IOException {
        String id = "fc-" + System.nanoTime();
        RawClient.Response r = RawClient.send(harness.port(), a, "X-Request-Id: " + id);

        Verdict.check(a, r, recorder.take(id), judge, false);
    }

    /** The servlet behind the filter: records every request by its request id and answers 200. */
    static final class Recorder extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient ConcurrentLinkedQueue<Map.Entry<String, Judge.Received>> received = new ConcurrentLinkedQueue<>();

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String name : Collections.list(req.getHeaderNames())) {
                headers.put(name.toLowerCase(Locale.ROOT), Collections.list(req.getHeaders(name)));
            }
            byte[] body = req.getInputStream().readAllBytes();
            received.add(Map.entry(String.valueOf(req.getHeader("X-Request-Id")),
                    new Judge.Received(req.getMethod(), req.getRequestURI(), req.getQueryString(), headers, body)));
            resp.setContentType("application/json");
            resp.getWriter().write("{\"ok\":true}");
        }

        /** The servlet runs before the response is sent: once the client has it, the record is complete. */
        List<Judge.Received> take(String id) {
            List<Judge.Received> out = new ArrayList<>();
            received.removeIf(e -> {
                if (e.getKey().equals(id)) {
                    out.add(e.getValue());
                    return true;
                }
                return false;
            });
            return out;
        }
    }
}
