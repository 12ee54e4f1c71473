package dev.switchboard.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.store.FileAdminStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ConfigWatcher}: one synchronous {@link ConfigWatcher#scanNow() scan} at a time with an injected
 * clock (no waiting), and the folders it watches once started.
 */
final class ConfigWatcherTest {

    private static final ConfigLoader LOADER = new ConfigLoader(name -> null);
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    /** Polling so rare that a change seen within seconds came through a directory event. */
    private static final String EVENTS_ONLY = "reload: {poll_interval: 60s}\n";

    @TempDir
    Path dir;

    private LiveConfig live;

    @AfterEach
    void close() {
        if (live != null) {
            live.close();
        }
    }

    private static String redirect(String target) {
        return EVENTS_ONLY + "virtual_models:\n  - {source: probe, target: " + target + "}\n";
    }

    private static String target(Snapshot s, String source) {
        return s.config().rules().virtualModels().stream().filter(vm -> vm.source().equals(source))
                .findFirst().orElseThrow().targets().get(0).model();
    }

    // Regression: the JDK's watch thread took the caller's context class loader (in a container, the webapp's): Tomcat
    // warned of a leak at some undeploys, the thread ending a moment after the watch service closed.
    @Test
    void shouldNotLendTheCallersClassLoaderToTheJdksWatchThread() throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        ClassLoader webapp = new java.net.URLClassLoader(new java.net.URL[0], getClass().getClassLoader());
        Thread current = Thread.currentThread();
        ClassLoader before = current.getContextClassLoader();
        current.setContextClassLoader(webapp);
        try {
            live = LiveConfig.load(file, LOADER);
            live.start();
        } finally {
            current.setContextClassLoader(before);
        }

        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).contains("FileSystemWatchService");
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("FileSystemWatchService"))
                .allSatisfy(t -> assertThat(t.getContextClassLoader()).isNotSameAs(webapp));
    }

    @Test
    void shouldStampLoadsAndErrorsWithTheInjectedClock() throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        MutableClock clock = new MutableClock(START);
        live = LiveConfig.load(file, LOADER, clock);
        ConfigWatcher watcher = live.watcher();
        assertThat(live.snapshot().loadedAt()).isEqualTo(START);

        Files.writeString(file, redirect("v2/model"));
        Instant second = clock.advance(Duration.ofMinutes(1));
        Snapshot v2 = watcher.scanNow();

        assertThat(target(v2, "probe")).isEqualTo("v2/model");
        assertThat(v2.loadedAt()).isEqualTo(second);
        assertThat(live.snapshot()).isSameAs(v2);

        Files.writeString(file, EVENTS_ONLY + "virtual_models:\n  - {source: probe, target: probe}\n");
        Instant third = clock.advance(Duration.ofMinutes(1));
        assertThat(watcher.scanNow()).isSameAs(v2);

        assertThat(live.lastError()).isNotNull();
        assertThat(live.lastError().at()).isEqualTo(third);
        assertThat(live.lastError().errors()).singleElement().asString()
                .startsWith("virtual_models[0].target: virtual model 'probe' cannot target itself");

        // Regression (probe): every look at the same broken file moved the error's time, which then no longer matched
        // the one log line about it.
        Files.delete(file);
        Files.createDirectory(file);
        Instant unreadable = clock.advance(Duration.ofMinutes(1));
        watcher.scanNow();
        clock.advance(Duration.ofMinutes(1));
        watcher.scanNow();
        assertThat(live.lastError().at()).isEqualTo(unreadable);
    }

    @Test
    void shouldKeepTheSnapshotAndTheErrorWhenAScanFindsTheSameContent() throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        MutableClock clock = new MutableClock(START);
        live = LiveConfig.load(file, LOADER, clock);
        Snapshot first = live.snapshot();

        clock.advance(Duration.ofHours(1));
        assertThat(live.watcher().scanNow()).isSameAs(first);
        assertThat(first.loadedAt()).isEqualTo(START);

        Files.writeString(file, "virtual_models: [");
        Instant broken = clock.advance(Duration.ofMinutes(1));
        live.watcher().scanNow();
        ReloadError error = live.lastError();
        clock.advance(Duration.ofMinutes(1));

        // The same bad bytes again are not a new failure: same error, same time.
        assertThat(live.watcher().scanNow()).isSameAs(first);
        assertThat(live.lastError()).isSameAs(error);
        assertThat(error.at()).isEqualTo(broken);
    }

    @Test
    void shouldApplyAStoreChangeFoundByAScan() throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        live = LiveConfig.load(file, LOADER, new MutableClock(START));
        Path store = ((FileAdminStore) live.store()).file();

        Files.writeString(store, "virtual_models: [{source: extra, target: v9/model}]\n");
        Snapshot next = live.watcher().scanNow();

        assertThat(target(next, "extra")).isEqualTo("v9/model");
        assertThat(next.files()).containsKeys(file, store);
        assertThat(next.storeEtag()).isEqualTo("\"" + next.files().get(store) + "\"");
    }

    @Test
    void shouldWatchTheFolderOfAStoreThatANewConfigNames() throws IOException {
        Path conf = Files.createDirectory(dir.resolve("conf"));
        Path state = Files.createDirectory(dir.resolve("state"));
        Path file = conf.resolve("switchboard.yaml");
        Files.writeString(file, redirect("v1/model"));
        live = LiveConfig.load(file, LOADER).start();

        // The new config names a store in a folder nobody watched so far; the scan that loads it watches it.
        Files.writeString(file, redirect("v1/model") + "admin: {store: '" + state.resolve("store.yaml") + "'}\n");
        live.watcher().scanNow();
        assertThat(live.store().location()).isEqualTo(state.resolve("store.yaml").toString());
        Files.writeString(state.resolve("store.yaml"), "virtual_models: [{source: extra, target: v9/model}]\n");

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> live.snapshot().config().rules().virtualModels().size() == 2);
        assertThat(target(live.snapshot(), "extra")).isEqualTo("v9/model");
    }
}
