package dev.switchboard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.ReloadSettings;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.live.ReloadError;
import dev.switchboard.live.Snapshot;
import dev.switchboard.store.FileAdminStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload (SPEC section 6) seen by a client: a file changes on disk in the ways real writers change it,
 * and the rule a request is decided with changes with it, through a real Jetty, the filter over a
 * {@link LiveConfig}, and the echo servlet ({@code X-Switchboard-Model} is the concrete model).
 *
 * <p>Except where the default poll interval is under test, the files set {@code poll_interval: 60s}: a
 * change live within 3 s then came through the directory watch, not the poll fallback (Linux inotify).
 */
final class HotReloadTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final ConfigLoader LOADER = new ConfigLoader(name -> null);
    private static final String EVENTS_ONLY = "reload: {poll_interval: 60s}\n";
    /** SPEC section 6 / ReloadSettings: a valid change is live within 3 s. */
    private static final Duration LIVE = Duration.ofSeconds(3);
    private static final String THREAD = "switchboard-reload";

    @TempDir
    Path dir;

    private LiveConfig reloader;
    private Harness harness;
    private ExecutorService clients;
    /** Tells client threads to stop: set by the test when done, and on the way out when it failed. */
    private final AtomicBoolean stop = new AtomicBoolean();

    @AfterEach
    void tearDown() throws Exception {
        stop.set(true);
        if (clients != null) {
            clients.shutdownNow();
        }
        if (harness != null) {
            harness.close();
        }
        if (reloader != null) {
            reloader.close();
        }
    }

    // ---- fixtures -------------------------------------------------------------------------------------

    private static String redirect(String target) {
        return EVENTS_ONLY + "virtual_models:\n  - {source: probe, target: " + target + "}\n";
    }

    /** Loads {@code file}, watches it when asked, and serves the filter over it. */
    private void serve(Path file, boolean watch) throws Exception {
        reloader = LiveConfig.load(file, LOADER);
        if (watch) {
            reloader.start();
        }
        harness = JettyHarness.start(new VirtualModelFilter(reloader), new EchoServlet());
    }

    private Path storeFile() {
        return ((FileAdminStore) reloader.store()).file();
    }

    private RawHttp.Response chat(String model) throws IOException {
        return RawHttp.post(harness.port(), CHAT, "{\"model\":\"" + model + "\"}", "Content-Type: application/json");
    }

    /** @return the concrete model a request for {@code model} was sent on with (failing on anything but 200) */
    private String concrete(String model) throws IOException {
        RawHttp.Response r = chat(model);
        assertThat(r.status()).as("%s -> %s", model, r.text()).isEqualTo(200);
        return r.header(VirtualModelFilter.MODEL_HEADER);
    }

    private void awaitConcrete(String model, String expected) {
        await().atMost(LIVE).pollInterval(Duration.ofMillis(50)).until(() -> concrete(model), expected::equals);
    }

    private static Set<Thread> reloadThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(THREAD) && t.isAlive())
                .collect(Collectors.toSet());
    }

    // ---- how files change ------------------------------------------------------------------------------

    @Test
    void shouldApplyInPlaceWriteWithinThreeSecondsAtDefaultPollInterval() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, "virtual_models:\n  - {source: probe, target: v1/model}\n");
        serve(file, true);
        assertThat(reloader.get().reload().pollInterval()).isEqualTo(ReloadSettings.DEFAULT_POLL_INTERVAL);
        assertThat(concrete("probe")).isEqualTo("v1/model");

        Files.writeString(file, "virtual_models:\n  - {source: probe, target: v2/model}\n");

        awaitConcrete("probe", "v2/model");
    }

    @Test
    void shouldApplyEditorSaveByRename() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        serve(file, true);
        assertThat(concrete("probe")).isEqualTo("v1/model");

        Path temp = dir.resolve(".switchboard.yaml.swp");
        Files.writeString(temp, redirect("v2/model"));
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        awaitConcrete("probe", "v2/model");
    }

    @Test
    void shouldApplyKubernetesConfigMapSymlinkSwap() throws Exception {
        Path v1 = Files.createDirectory(dir.resolve("..2026_01_01_v1"));
        Files.writeString(v1.resolve("switchboard.yaml"), redirect("v1/model"));
        Path data = Files.createSymbolicLink(dir.resolve("..data"), Path.of("..2026_01_01_v1"));
        Path file = Files.createSymbolicLink(dir.resolve("switchboard.yaml"), Path.of("..data", "switchboard.yaml"));
        serve(file, true);
        assertThat(concrete("probe")).isEqualTo("v1/model");

        // What the kubelet does: new timestamped folder, ..data_tmp -> it, rename over ..data, drop the old one.
        Path v2 = Files.createDirectory(dir.resolve("..2026_01_01_v2"));
        Files.writeString(v2.resolve("switchboard.yaml"), redirect("v2/model"));
        Path dataTmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of("..2026_01_01_v2"));
        Files.move(dataTmp, data, StandardCopyOption.ATOMIC_MOVE);
        Files.delete(v1.resolve("switchboard.yaml"));
        Files.delete(v1);
        assertThat(Files.readString(file)).isEqualTo(redirect("v2/model"));

        awaitConcrete("probe", "v2/model");
    }

    @Test
    void shouldKeepOldRulesWhileFileIsDeletedAndApplyRecreatedFile() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        serve(file, true);
        Snapshot before = reloader.snapshot();

        Files.delete(file);
        await().atMost(LIVE).until(() -> reloader.lastError() != null);
        assertThat(reloader.lastError().errors()).containsExactly(file + ": no such file");
        assertThat(reloader.snapshot()).isSameAs(before);
        assertThat(concrete("probe")).isEqualTo("v1/model");

        Files.writeString(file, redirect("v2/model"));

        awaitConcrete("probe", "v2/model");
        assertThat(reloader.lastError()).isNull();
    }

    @Test
    void shouldNeverServeEmptyOrHalfWrittenFile() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        serve(file, true);
        Snapshot v1 = reloader.snapshot();
        Semaphore answered = new Semaphore(0);
        List<String> seen = new ArrayList<>();
        clients = Executors.newSingleThreadExecutor();
        Future<?> client = clients.submit(() -> {
            while (!stop.get()) {
                RawHttp.Response r = chat("probe");
                synchronized (seen) {
                    seen.add(r.status() + " " + r.header(VirtualModelFilter.MODEL_HEADER));
                }
                answered.release();
            }
            return null;
        });

        // Briefly empty (an in-place writer between truncate and write), and a reload landing right then.
        Files.write(file, new byte[0]);
        assertThat(reloader.reload()).isSameAs(v1);
        assertThat(reloader.lastError()).isNotNull();
        answered.drainPermits();
        assertThat(answered.tryAcquire(2, 10, TimeUnit.SECONDS)).isTrue();
        Files.writeString(file, redirect("v2/model"));
        awaitConcrete("probe", "v2/model");
        assertThat(reloader.lastError()).isNull();
        Snapshot v2 = reloader.snapshot();

        // Half-written: cut inside the redirect's line, so the YAML is broken.
        String v3 = redirect("v3/model");
        Files.writeString(file, v3.substring(0, v3.indexOf("target") + 3));
        assertThat(reloader.reload()).isSameAs(v2);
        assertThat(reloader.lastError()).isNotNull();
        answered.drainPermits();
        assertThat(answered.tryAcquire(2, 10, TimeUnit.SECONDS)).isTrue();
        Files.writeString(file, v3);
        awaitConcrete("probe", "v3/model");
        assertThat(reloader.lastError()).isNull();

        stop.set(true);
        client.get(20, TimeUnit.SECONDS);
        List<String> answers;
        synchronized (seen) {
            answers = List.copyOf(seen);
        }
        assertThat(answers).isNotEmpty().allSatisfy(a -> assertThat(a).matches("200 v[123]/model"));
        // One client, one request after the other: it never goes back to an older rule.
        assertThat(answers.stream().map(a -> a.charAt(5)).toList()).isSorted();
    }

    @Test
    void shouldKeepOldRulesOnInvalidFileAndReportErrorUntilFixed() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        serve(file, true);
        Snapshot before = reloader.snapshot();
        assertThat(reloader.lastError()).isNull();

        Files.writeString(file, EVENTS_ONLY + "virtual_models:\n  - {source: probe, targets: [{model: v2/model, weight: -1}]}\n");

        await().atMost(LIVE).until(() -> reloader.lastError() != null);
        ReloadError error = reloader.lastError();
        assertThat(error.errors()).containsExactly("virtual_models[0].targets[0].weight: must be > 0, was -1 (line 3)");
        assertThat(concrete("probe")).isEqualTo("v1/model");
        assertThat(reloader.snapshot()).isSameAs(before);
        // Looking again at the same bad bytes is not a new failure (it is reported and logged once).
        assertThat(reloader.reload()).isSameAs(before);
        assertThat(reloader.lastError()).isSameAs(error);

        Files.writeString(file, redirect("v2/model"));

        awaitConcrete("probe", "v2/model");
        assertThat(reloader.lastError()).isNull();
    }

    @Test
    void shouldApplyEditOfSymlinkedFileInAnotherFolder() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real")).resolve("gateway.yaml");
        Files.writeString(real, redirect("v1/model"));
        Path conf = Files.createDirectory(dir.resolve("conf"));
        Path file = Files.createSymbolicLink(conf.resolve("switchboard.yaml"), real);
        serve(file, true);
        assertThat(concrete("probe")).isEqualTo("v1/model");

        Files.writeString(real, redirect("v2/model"));

        awaitConcrete("probe", "v2/model");
    }

    @Test
    void shouldApplyChangeWhileAnotherFileInFolderChangesConstantly() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        serve(file, true);
        Path log = dir.resolve("gateway.log");
        clients = Executors.newSingleThreadExecutor();
        Future<?> writer = clients.submit(() -> {
            // A log beside the config: file events far more often than the 300 ms debounce.
            for (long i = 0; !stop.get(); i++) {
                Files.writeString(log, i + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            return null;
        });

        Files.writeString(file, redirect("v2/model"));

        awaitConcrete("probe", "v2/model");
        stop.set(true);
        writer.get(10, TimeUnit.SECONDS);
    }

    // ---- the admin store --------------------------------------------------------------------------------

    @Test
    void shouldApplyAdminStoreBesideConfigUnderConfigEntries() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        serve(file, true);
        assertThat(storeFile()).isEqualTo(dir.resolve("virtual-models.admin.yaml"));
        assertThat(concrete("extra")).isEqualTo("extra");

        Files.writeString(storeFile(), """
                virtual_models:
                  - {source: extra, target: v9/model}
                  - {source: probe, target: v8/model}
                """);

        awaitConcrete("extra", "v9/model");
        assertThat(concrete("probe")).isEqualTo("v1/model");
    }

    @Test
    void shouldWatchAdminStoreInItsOwnFolder() throws Exception {
        Path state = Files.createDirectory(dir.resolve("state"));
        Path store = state.resolve("store.yaml");
        Path conf = Files.createDirectory(dir.resolve("conf"));
        Path file = conf.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model") + "admin: {store: '" + store + "'}\n");
        serve(file, true);
        assertThat(storeFile()).isEqualTo(store);
        assertThat(concrete("extra")).isEqualTo("extra");

        Files.writeString(store, "virtual_models: [{source: extra, target: v9/model}]\n");

        awaitConcrete("extra", "v9/model");
    }

    @Test
    void shouldReadAdminStoreNamedByNewConfig() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "virtual_models: [{source: extra, target: v9/model}]\n");
        Files.writeString(dir.resolve("b.yaml"), "virtual_models: [{source: extra, target: v7/model}]\n");
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model") + "admin: {store: a.yaml}\n");
        serve(file, false);
        assertThat(concrete("extra")).isEqualTo("v9/model");

        Files.writeString(file, redirect("v2/model") + "admin: {store: b.yaml}\n");
        reloader.reload();

        // The new config with its own store, not with the store of the config it replaces.
        assertThat(concrete("probe")).isEqualTo("v2/model");
        assertThat(concrete("extra")).isEqualTo("v7/model");
        assertThat(reloader.snapshot().files()).containsKey(dir.resolve("b.yaml")).doesNotContainKey(dir.resolve("a.yaml"));
    }

    // ---- atomicity --------------------------------------------------------------------------------------

    /**
     * Version N redirects {@code probe} to {@code vN/model}, enables {@code vN/} and disables everything else:
     * a request redirected by one version and checked against another's policies gets 403.
     */
    private static String version(int n) {
        return "virtual_models:\n"
                + "  - {source: probe, target: v" + n + "/model}\n"
                + "  - {source: v" + n + "/, enabled: true}\n"
                + "  - {source: /, enabled: false}\n";
    }

    @Test
    void shouldDecideEveryRequestWithOneVersionDuringReloadStorm() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, version(0));
        serve(file, false);
        Semaphore answered = new Semaphore(0);
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        Set<String> models = ConcurrentHashMap.newKeySet();
        Pattern concrete = Pattern.compile("v(\\d+)/model");
        clients = Executors.newFixedThreadPool(4);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            running.add(clients.submit(() -> {
                while (!stop.get()) {
                    RawHttp.Response r = chat("probe");
                    String model = r.header(VirtualModelFilter.MODEL_HEADER);
                    if (r.status() != 200 || model == null || !concrete.matcher(model).matches()) {
                        wrong.add(r.status() + " " + model + " " + r.text());
                    }
                    models.add(String.valueOf(model));
                    answered.release();
                }
                return null;
            }));
        }

        for (int n = 1; n <= 300; n++) {
            Files.writeString(file, version(n));
            Snapshot now = reloader.reload();
            assertThat(now.config().rules().virtualModels().get(0).targets().get(0).model()).isEqualTo("v" + n + "/model");
            // Requests keep flowing between swaps.
            answered.drainPermits();
            assertThat(answered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        }
        stop.set(true);
        for (Future<?> f : running) {
            f.get(20, TimeUnit.SECONDS);
        }

        assertThat(wrong).isEmpty();
        Set<Integer> versions = new HashSet<>();
        for (String m : models) {
            Matcher matcher = concrete.matcher(m);
            assertThat(matcher.matches()).as(m).isTrue();
            versions.add(Integer.parseInt(matcher.group(1)));
        }
        assertThat(versions).hasSizeGreaterThan(1).allSatisfy(v -> assertThat(v).isBetween(0, 300));
        assertThat(concrete("probe")).isEqualTo("v300/model");
    }

    // ---- lifecycle --------------------------------------------------------------------------------------

    @Test
    void shouldStopWatcherThreadOnClose() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        Set<Thread> before = reloadThreads();
        LiveConfig r = LiveConfig.load(file, LOADER).start();
        Set<Thread> started = new HashSet<>(reloadThreads());
        started.removeAll(before);
        assertThat(started).hasSize(1);

        r.close();

        assertThat(started).noneMatch(Thread::isAlive);
        assertThat(reloadThreads()).isSubsetOf(before);
    }

    @Test
    void shouldStopWatcherThreadOnDestroyOfFilterConfiguredByInitParam() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        Set<Thread> before = reloadThreads();
        FilterHolder holder = new FilterHolder(VirtualModelFilter.class);
        holder.setInitParameter(VirtualModelFilter.CONFIG_INIT_PARAM, file.toString());
        harness = JettyHarness.start(holder, new EchoServlet());
        assertThat(concrete("probe")).isEqualTo("v1/model");
        Files.writeString(file, redirect("v2/model"));
        awaitConcrete("probe", "v2/model");
        Set<Thread> started = new HashSet<>(reloadThreads());
        started.removeAll(before);
        assertThat(started).hasSize(1);

        harness.close();
        harness = null;

        assertThat(started).noneMatch(Thread::isAlive);
        assertThat(reloadThreads()).isSubsetOf(before);
    }
}
