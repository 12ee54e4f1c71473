package dev.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.rules.VirtualModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash at any moment leaves the old store or the new one, never a torn one, and loses no acknowledged
 * write (SPEC section 7): a child JVM ({@link StoreWriterMain}) writes the admin store in a loop and is
 * killed with SIGKILL at a random moment, twenty times on the same store.
 */
final class AdminStoreCrashTest {

    private static final int KILLS = 20;
    private static final long SEED = 20261124L;

    @TempDir
    Path dir;

    @Test
    void shouldKeepEveryAcknowledgedWriteAcrossKills() throws Exception {
        Path config = dir.resolve(AdminServer.CONFIG_NAME);
        Path store = dir.resolve(AdminServer.STORE_NAME);
        Files.writeString(config, """
                virtual_models:
                  - source: managed-alias
                    target: gpt-5
                admin:
                  token: %s
                """.formatted(AdminServer.TOKEN));
        Random random = new Random(SEED);
        Set<String> acked = new HashSet<>();
        int storedBefore = 0;
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int run = 0; run < KILLS; run++) {
                long delay = 50 + random.nextInt(551);
                Path stderr = dir.resolve("child-" + run + ".err");
                // C1 only and the serial collector: a child lives about a second, and starts in less CPU so.
                Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-cp", System.getProperty("java.class.path"), StoreWriterMain.class.getName(), config.toString())
                        .redirectError(stderr.toFile())
                        .start();
                // A child that never acknowledges must not hang the build.
                var watchdog = timer.schedule(child::destroyForcibly, 30, TimeUnit.SECONDS);
                List<String> lines = new ArrayList<>();
                try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    boolean killScheduled = false;
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        if (line.startsWith("ACK ") && !killScheduled) {
                            // SIGKILL through the ProcessHandle: Process.destroyForcibly() would also close our
                            // end of the pipe, racing this read and losing ACK lines still buffered in it.
                            ProcessHandle handle = child.toHandle();
                            timer.schedule(handle::destroyForcibly, delay, TimeUnit.MILLISECONDS);
                            killScheduled = true;
                        }
                        lines.add(line);
                    }
                }
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                watchdog.cancel(false);
                String why = "run " + run + ", stderr: " + Files.readString(stderr);
                assertThat(lines).as(why).isNotEmpty();
                assertThat(lines.get(0)).as(why).isEqualTo("START " + storedBefore);
                List<String> ackedNow = lines.stream().skip(1).map(l -> l.substring("ACK ".length())).toList();
                assertThat(lines.stream().skip(1)).as(why).allMatch(l -> l.startsWith("ACK s-"));
                assertThat(ackedNow).as(why).isNotEmpty();
                // Killed by us (SIGKILL), not ended by a failure of its own.
                assertThat(child.exitValue()).as(why).isEqualTo(137);
                acked.addAll(ackedNow);

                List<VirtualModel> rows = new ConfigLoader(n -> null).readStore(Files.readAllBytes(store), Set.of());
                List<String> sources = rows.stream().map(VirtualModel::source).toList();
                assertThat(sources).as(why).containsAll(acked).doesNotHaveDuplicates();
                assertThat(rows).as(why).allSatisfy(vm -> assertThat(vm.targets()).extracting(t -> t.model())
                        .containsExactly("model-" + vm.source()));
                // Beyond what this run acknowledged, at most the write in flight when the kill came.
                assertThat(sources.size()).as(why).isBetween(storedBefore + ackedNow.size(),
                        storedBefore + ackedNow.size() + 1);
                // The next start sees exactly this store, temp files of killed writes or not.
                LiveConfig reloader = LiveConfig.load(config, new ConfigLoader(n -> null));
                assertThat(reloader.snapshot().stored()).as(why).isEqualTo(rows);
                assertThat(reloader.lastError()).isNull();
                reloader.close();
                storedBefore = rows.size();
            }
        } finally {
            timer.shutdownNow();
        }
        assertThat(acked).hasSizeGreaterThanOrEqualTo(KILLS);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .allMatch(name -> name.equals(AdminServer.CONFIG_NAME) || name.equals(AdminServer.STORE_NAME)
                            || name.startsWith("child-") || name.equals("." + AdminServer.STORE_NAME + ".lock")
                            || name.matches("\\." + AdminServer.STORE_NAME.replace(".", "\\.") + "\\.\\d+\\.tmp"));
        }
    }
}
