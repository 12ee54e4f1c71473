package dev.switchboard.containers;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * A stock servlet container run as its own process, the way an operator runs it: its unpacked distribution
 * (the home, never written to), a base folder of its own under {@code target/}, its own launcher, its own
 * log, a free port it picks itself (read back from its log). Stopped by {@link #stop()}, or by a shutdown
 * hook when the test JVM ends first.
 */
abstract class StockContainer {

    /** A container starts in 2-5 s on a loaded 2-core machine; past this, something is wrong. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    /** Variables of the test's environment that would change how the container runs or what it prints. */
    private static final List<String> SCRUBBED_ENV = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS",
            "JAVA_OPTS", "CATALINA_OPTS", "CATALINA_OUT", "CATALINA_OUT_CMD", "CATALINA_PID", "CATALINA_TMPDIR",
            "CATALINA_HOME", "CATALINA_BASE", "JRE_HOME", "JETTY_HOME", "JETTY_BASE");

    final Path home;
    final Path base;
    private ProcessHandle process;
    private Thread killer;
    private int port;

    StockContainer(Path home, Path base) throws IOException {
        assertThat(home).as("the unpacked distribution (maven-dependency-plugin, pre-integration-test)").isDirectory();
        this.home = home;
        this.base = base;
        Files.createDirectories(base);
    }

    /** Deploys a WAR at {@code contextPath} with the context parameter {@code name=value}, as the container's docs say. */
    abstract void deployWar(Path war, String contextPath, String name, String value) throws IOException;

    /** Launches the container; returns its process once it runs (it may still be starting). */
    abstract ProcessHandle launch() throws IOException, InterruptedException;

    /** What the container logs once it serves. */
    abstract String startedMarker();

    /** Where the container's log tells the port it bound. */
    abstract Pattern portPattern();

    /** The container's own log. */
    abstract Path logFile();

    /** Deploys a webapp unpacked under {@code webapps/} (its {@code WEB-INF} files can then be edited); returns its folder. */
    final Path deployExploded(Path war, String contextPath) throws IOException {
        Path dir = base.resolve("webapps").resolve(contextPath.substring(1));
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(war))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                Path target = dir.resolve(e.getName()).normalize();
                assertThat(target.startsWith(dir)).as("%s stays inside the webapp", e.getName()).isTrue();
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return dir;
    }

    /** Starts the container and waits until it serves. */
    final void start() throws IOException, InterruptedException {
        process = launch();
        ProcessHandle started = process;
        killer = new Thread(started::destroyForcibly, "kill-" + getClass().getSimpleName());
        Runtime.getRuntime().addShutdownHook(killer);
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .failFast("the process ended", () -> !started.isAlive())
                    .until(() -> log().contains(startedMarker()));
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            fail(getClass().getSimpleName() + " did not start (" + e.getMessage() + "); its log:\n" + log());
        }
        Matcher m = portPattern().matcher(log());
        if (!m.find()) {
            fail("no bound port (" + portPattern() + ") in the log:\n" + log());
        }
        port = Integer.parseInt(m.group(1));
    }

    final int port() {
        return port;
    }

    /** Everything the container's log holds so far. */
    final String log() {
        try {
            return Files.exists(logFile()) ? Files.readString(logFile(), UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the container (SIGTERM, then SIGKILL if it does not end). */
    final void stop() throws Exception {
        if (process == null) {
            return;
        }
        try {
            process.destroy();
            try {
                process.onExit().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                process.destroyForcibly();
                process.onExit().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            Runtime.getRuntime().removeShutdownHook(killer);
        }
    }

    // ---- for the launchers -------------------------------------------------------------------------

    /** A command run in {@code directory} with the test's own JDK and none of the test environment's JVM options. */
    static ProcessBuilder command(Path directory, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("SWITCHBOARD_") || SCRUBBED_ENV.contains(name));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // What the built-in config reads: set, the WAR without a config file must still keep its admin API off.
        builder.environment().put("SWITCHBOARD_ADMIN_TOKEN", StockContainerContract.ENV_ADMIN_TOKEN);
        return builder;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs a short command to its end; fails with its output unless it exits 0. */
    static void runToEnd(ProcessBuilder builder, Path output) throws IOException, InterruptedException {
        Process p = builder.redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!p.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail(builder.command() + " did not finish; its output:\n" + Files.readString(output, UTF_8));
        }
        assertThat(p.exitValue()).as("exit code of %s; its output:%n%s", builder.command(), Files.readString(output, UTF_8))
                .isZero();
    }

    static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
}
