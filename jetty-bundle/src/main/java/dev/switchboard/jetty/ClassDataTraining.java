package dev.switchboard.jetty;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The training run of the jar's class-data sharing archive (README "Start-up"):
 * {@code java -XX:ArchiveClassesAtExit=switchboard.jsa -cp switchboard.jar dev.switchboard.jetty.ClassDataTraining}.
 * It serves the built-in demo (echo provider: no network, no key) from a config file, as {@code java -jar
 * switchboard.jar --config FILE} does, on a free port of 127.0.0.1; sends it three rounds of one exchange of each
 * kind (a chat completion, a stream, an Anthropic message, a response, an embedding, the models list); and stops it
 * as SIGTERM does. The JVM then writes the classes the start and those exchanges loaded, parsed and verified, into
 * the archive, and {@code java -XX:SharedArchiveFile=switchboard.jsa -jar switchboard.jar} maps them.
 *
 * <p>The build makes {@code jetty-bundle/target/switchboard.jsa} with it (the README's first command starts from
 * that archive) and {@code deploy/cds-archive.sh} the Docker image's. Silent when it works; when an exchange fails
 * it prints why and the gateway's log on stderr and exits 1.
 */
public final class ClassDataTraining {

    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

    /** One exchange of each kind the gateway serves, and the readiness probe (method, path, body). */
    private static final List<String[]> EXCHANGES = List.of(
            new String[] {"POST", "/v1/chat/completions",
                "{\"model\":\"regular\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}"},
            new String[] {"POST", "/v1/chat/completions",
                "{\"model\":\"regular\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"},
            new String[] {"POST", "/v1/messages",
                "{\"model\":\"regular\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"},
            new String[] {"POST", "/v1/responses", "{\"model\":\"regular\",\"input\":\"Hi\"}"},
            new String[] {"POST", "/v1/embeddings", "{\"model\":\"regular\",\"input\":\"Hi\"}"},
            new String[] {"GET", "/v1/models", null},
            new String[] {"GET", "/readyz", null});

    private ClassDataTraining() {
    }

    /** @param args none */
    public static void main(String[] args) {
        PrintStream console = System.err;
        // The gateway's log (logback writes to System.err as it is at each write) and its listening line, kept
        // for a failure: a build that trains quietly prints nothing.
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream captured = new PrintStream(log, true, UTF_8);
        System.setOut(captured);
        System.setErr(captured);
        // The command line's own error stream: the log until the exchanges are done, the console for the stop, so
        // that a stop that fails (exit 1) says why.
        Redirectable errors = new Redirectable(log);
        try {
            train(log, captured, new PrintStream(errors, true, UTF_8));
        } catch (Exception e) {
            console.println("error: the class-data training run failed: " + e.getMessage());
            console.println("the gateway's log:");
            console.print(log.toString(UTF_8));
            console.flush();
            // halt: the gateway's shutdown hook would end the process with 0 once it stopped cleanly.
            Runtime.getRuntime().halt(1);
        }
        // As SIGTERM: Cli's shutdown hook drains the gateway and ends the JVM (0 after a clean stop, else 1); the
        // JVM writes the archive as it ends.
        errors.target = console;
        System.exit(0);
    }

    private static void train(ByteArrayOutputStream log, PrintStream captured, PrintStream errors) throws Exception {
        Path dir = Files.createTempDirectory("switchboard-cds");
        Path config = dir.resolve("switchboard.yaml");
        try {
            Files.write(config, Cli.defaultConfig());
            serveAndSend(config, log, captured, errors);
        } finally {
            Files.deleteIfExists(config);
            Files.delete(dir);
        }
    }

    private static void serveAndSend(Path config, ByteArrayOutputStream log, PrintStream captured, PrintStream errors)
            throws Exception {
        int[] code = {-1};
        Thread serve = new Thread(() -> code[0] = Cli.run(new String[] {"--config", config.toString(), "--host",
            "127.0.0.1", "--port", "0"}, captured, errors), "switchboard-training");
        serve.setDaemon(true);
        serve.start();
        String base = null;
        for (long deadline = System.nanoTime() + 60_000_000_000L; base == null; Thread.sleep(20)) {
            Matcher m = LISTENING.matcher(log.toString(UTF_8));
            if (m.find()) {
                base = m.group(1);
            } else if (!serve.isAlive()) {
                throw new IllegalStateException("the gateway did not start (exit code " + code[0] + ")");
            } else if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the gateway did not start within 60 s");
            }
        }
        // The command line prints its listening line once the webapp is in: ready, nothing to wait for.
        for (int round = 0; round < 3; round++) {
            for (String[] exchange : EXCHANGES) {
                int status = send(base, exchange[0], exchange[1], exchange[2]);
                if (status != 200) {
                    throw new IllegalStateException(exchange[0] + " " + exchange[1] + " answered " + status);
                }
            }
        }
    }

    /** @return the status of one exchange, its whole body read */
    private static int send(String base, String method, String path, String body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
        // A gateway that stops answering fails the build instead of hanging it.
        c.setConnectTimeout(10_000);
        c.setReadTimeout(30_000);
        c.setRequestMethod(method);
        c.setRequestProperty("anthropic-version", "2023-06-01");
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.getBytes(UTF_8));
            }
        }
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            if (in != null) {
                in.readAllBytes();
            }
        }
        return status;
    }

    /** An output stream whose target can change (from the log to the console) while the gateway holds it. */
    private static final class Redirectable extends OutputStream {
        volatile OutputStream target;

        Redirectable(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            target.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            target.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            target.flush();
        }
    }
}
