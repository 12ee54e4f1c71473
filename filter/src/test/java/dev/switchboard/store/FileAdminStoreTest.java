package dev.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link FileAdminStore} on its own: revisions, If-Match, refusals that write nothing, locking, leftovers. */
final class FileAdminStoreTest {

    @TempDir
    Path dir;

    private static StoreContents.Document doc(String yaml) {
        return StoreContents.Document.of(yaml.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(StoreContents contents) {
        return new String(((StoreContents.Document) contents).yaml(), StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private List<String> filesInDir() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void shouldReadAnAbsentStoreAsAbsent() throws IOException {
        FileAdminStore store = new FileAdminStore(dir.resolve("store.yaml"));

        StoreContents contents = store.read();

        assertThat(contents.exists()).isFalse();
        assertThat(contents.revision()).isEqualTo("absent");
        assertThat(AdminStore.etag(contents.revision())).isEqualTo("\"absent\"");
        assertThat(store.kind()).isEqualTo("file");
        assertThat(store.location()).isEqualTo(dir.resolve("store.yaml").toString());
        assertThat(store.name()).isEqualTo("store.yaml");
    }

    @Test
    void shouldWriteTheDocumentAndRevisionItByItsSha256() throws Exception {
        Path file = dir.resolve("nested").resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file);

        StoreContents written = store.write(null, now -> doc("virtual_models: []\n"));

        byte[] onDisk = Files.readAllBytes(file);
        assertThat(onDisk).asString(StandardCharsets.UTF_8).isEqualTo("virtual_models: []\n");
        assertThat(written.revision()).isEqualTo(sha256(onDisk));
        assertThat(store.read()).isEqualTo(written);
    }

    @Test
    void shouldWriteThroughASymbolicLinkAndKeepTheFilesPermissions() throws Exception {
        Path real = Files.createDirectories(dir.resolve("shared")).resolve("store.yaml");
        Files.writeString(real, "old\n");
        Files.setPosixFilePermissions(real, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-r--"));
        Path link = Files.createSymbolicLink(dir.resolve("virtual-models.admin.yaml"), real);
        FileAdminStore store = new FileAdminStore(link);

        store.write(null, now -> doc("new\n"));

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(real)).isEqualTo("new\n");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(real))).isEqualTo("rw-rw-r--");
        try (Stream<Path> left = Files.list(real.getParent())) {
            assertThat(left).containsExactly(real);
        }
    }

    @Test
    void shouldHandTheChangeTheContentsAsTheyAreOnDisk() throws Exception {
        Path file = dir.resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file);
        store.write(null, now -> doc("one\n"));
        Files.writeString(file, "edited by hand\n");
        List<String> seen = new ArrayList<>();

        store.write(null, now -> {
            seen.add(text(now));
            return doc(text(now) + "two\n");
        });

        assertThat(seen).containsExactly("edited by hand\n");
        assertThat(Files.readString(file)).isEqualTo("edited by hand\ntwo\n");
    }

    // Regression (a probe): a hand edit's comments were dropped by the next admin or dashboard write, which renders the
    // file from its rows, and nothing said so: the notes an operator wrote were gone.
    @Test
    void shouldKeepACopyOfAFileWithCommentsOfItsOwnBeforeAWriteDropsThem() throws Exception {
        Path file = dir.resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file);
        byte[] rendered = dev.switchboard.config.ConfigLoader.renderStore(List.of());
        store.write(null, now -> StoreContents.Document.of(rendered));
        String edited = new String(rendered, StandardCharsets.UTF_8)
                + "# yaml-language-server: $schema=switchboard.schema.json\n"
                + "  - source: fast   # the team's pick until 2027\n    target: up/small\n";
        Files.writeString(file, edited.replace("virtual_models: []", "virtual_models:"));
        String handEdit = Files.readString(file);
        List<String> logged;

        try (dev.switchboard.ops.LogLines lines = dev.switchboard.ops.LogLines.capture(FileAdminStore.class,
                ch.qos.logback.classic.Level.WARN)) {
            store.write(null, now -> doc("version: 1\nvirtual_models: []\n"));
            // Its own file, rendered again (the header's comments only): nothing to keep.
            store.write(null, now -> StoreContents.Document.of(rendered));
            logged = lines.messages();
        }

        String copy = "store.yaml." + sha256(handEdit.getBytes(StandardCharsets.UTF_8)).substring(0, 12) + ".bak";
        assertThat(filesInDir()).containsExactly(".store.yaml.lock", "store.yaml", copy);
        assertThat(Files.readString(dir.resolve(copy))).isEqualTo(handEdit);
        assertThat(logged).singleElement().asString().contains(file + " held comments of its own, which this write drops")
                .endsWith("the file as it was is kept in " + dir.resolve(copy));
    }

    @Test
    void shouldTellTheHeadersCommentsFromAHandEditsOnes() {
        byte[] rendered = dev.switchboard.config.ConfigLoader.renderStore(List.of());
        String text = new String(rendered, StandardCharsets.UTF_8);
        assertThat(dev.switchboard.config.ConfigLoader.storeHasComments(rendered)).isFalse();
        assertThat(dev.switchboard.config.ConfigLoader.storeHasComments((text + "\n\n").getBytes(StandardCharsets.UTF_8)))
                .as("blank lines").isFalse();
        assertThat(dev.switchboard.config.ConfigLoader.storeHasComments(
                "virtual_models: [] # none yet\n".getBytes(StandardCharsets.UTF_8))).as("a comment after a value").isTrue();
        assertThat(dev.switchboard.config.ConfigLoader.storeHasComments(
                "description: \"a # in a string\"\n".getBytes(StandardCharsets.UTF_8))).as("a # in a string").isFalse();
        assertThat(dev.switchboard.config.ConfigLoader.storeHasComments(
                "# a note\nvirtual_models: [\n".getBytes(StandardCharsets.UTF_8))).as("before a parse error").isTrue();
        assertThat(dev.switchboard.config.ConfigLoader.storeHasComments(
                text.replace("# Written", "#  Written").getBytes(StandardCharsets.UTF_8))).as("a header line edited").isTrue();
    }

    @Test
    void shouldStartOverFromAHandEditSavedWhileTheWriteRan() throws Exception {
        // An editor takes no lock: its save can land after the write read the file. The write must not replace it with
        // rows made from the file as it was before (the hand edit would be lost without a word).
        Path file = dir.resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file);
        store.write(null, now -> doc("one\n"));
        List<String> seen = new ArrayList<>();

        StoreContents written = store.write(null, now -> {
            seen.add(text(now));
            if (seen.size() == 1) {
                saveByHand(file, "edited by hand\n");
            }
            return doc(text(now) + "two\n");
        });

        assertThat(seen).containsExactly("one\n", "edited by hand\n");
        assertThat(Files.readString(file)).isEqualTo("edited by hand\ntwo\n");
        assertThat(written.revision()).isEqualTo(sha256(Files.readAllBytes(file)));
        assertThat(filesInDir()).containsExactly(".store.yaml.lock", "store.yaml");
    }

    @Test
    void shouldStartOverOnlyOnceAnInPlaceSaveHasEnded() throws Exception {
        // An editor saving in place truncates the file and writes it in steps: a prefix that parses must not be the
        // base of the write (the rest of the save would land in the file the rename replaced, and be lost).
        Path file = dir.resolve("store.yaml");
        // A settle period far longer than the editor's pause: the test must not depend on the scheduler.
        FileAdminStore store = new FileAdminStore(file, 1_000);
        store.write(null, now -> doc("one\n"));
        List<String> seen = new ArrayList<>();
        ExecutorService editor = Executors.newSingleThreadExecutor();
        try {
            store.write(null, now -> {
                seen.add(text(now));
                if (seen.size() == 1) {
                    // The save has written its first byte; its rest comes a moment later.
                    editor.submit(() -> {
                        Thread.sleep(20);
                        saveByHand(file, "one\nedited by hand\n");
                        return null;
                    });
                    saveByHand(file, "o");
                }
                return doc(text(now) + "two\n");
            });
        } finally {
            editor.shutdown();
            assertThat(editor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(seen).containsExactly("one\n", "one\nedited by hand\n");
        assertThat(Files.readString(file)).isEqualTo("one\nedited by hand\ntwo\n");
    }

    // A probe of 2026-12-07: a save in place that paused mid-file (50 ms) when a write came was taken as the write's
    // base; the rest of the save went into the file the rename replaced, and rows were lost (13 rounds of 15).
    @Test
    void shouldWaitForAnInPlaceSaveUnderWayBeforeItReadsTheFile() throws Exception {
        Path file = dir.resolve("store.yaml");
        // A settle period far longer than the editor's pause: the test must not depend on the scheduler.
        FileAdminStore store = new FileAdminStore(file, 1_000);
        store.write(null, now -> doc("one\n"));
        ExecutorService editor = Executors.newSingleThreadExecutor();
        List<String> seen = new ArrayList<>();
        try {
            // The save truncated the file and wrote its start; its rest comes 200 ms later, after the write began.
            saveByHand(file, "one\nedi");
            editor.submit(() -> {
                Thread.sleep(200);
                saveByHand(file, "one\nedited by hand\n");
                return null;
            });
            store.write(null, now -> {
                seen.add(text(now));
                return doc(text(now) + "two\n");
            });
        } finally {
            editor.shutdown();
            assertThat(editor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(seen).containsExactly("one\nedited by hand\n");
        assertThat(Files.readString(file)).isEqualTo("one\nedited by hand\ntwo\n");
    }

    @Test
    void shouldNotWaitBeforeAWriteThatFollowsItsOwnAtOnce() throws Exception {
        Path file = dir.resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file, 1_000);
        store.write(null, now -> doc("one\n"));
        long began = System.nanoTime();
        store.write(null, now -> doc(text(now) + "two\n"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began)).as("no settle period for its own write")
                .isLessThan(500);
        assertThat(Files.readString(file)).isEqualTo("one\ntwo\n");
    }

    @Test
    void shouldBeStaleWhenAHandEditIsSavedWhileAConditionalWriteRan() throws Exception {
        Path file = dir.resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file);
        String etag = AdminStore.etag(store.write(null, now -> doc("one\n")).revision());
        List<String> seen = new ArrayList<>();

        assertThatThrownBy(() -> store.write(etag, now -> {
            seen.add(text(now));
            saveByHand(file, "edited by hand\n");
            return doc(text(now) + "two\n");
        })).isInstanceOf(StaleException.class);

        assertThat(seen).containsExactly("one\n");
        assertThat(Files.readString(file)).isEqualTo("edited by hand\n");
        assertThat(filesInDir()).containsExactly(".store.yaml.lock", "store.yaml");
    }

    @Test
    void shouldGiveUpOnAFileThatKeepsChangingAndWriteNothing() throws Exception {
        Path file = dir.resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file);
        store.write(null, now -> doc("one\n"));
        List<String> seen = new ArrayList<>();

        assertThatThrownBy(() -> store.write(null, now -> {
            seen.add(text(now));
            saveByHand(file, "save " + seen.size() + "\n");
            return doc("from the write\n");
        })).isInstanceOf(IOException.class).hasMessage(file.toAbsolutePath() + ": kept changing on disk while it was"
                + " being written (is an editor saving it?); nothing was written");

        assertThat(seen).hasSize(FileAdminStore.MAX_STARTS);
        assertThat(Files.readString(file)).isEqualTo("save " + FileAdminStore.MAX_STARTS + "\n");
        assertThat(filesInDir()).containsExactly(".store.yaml.lock", "store.yaml");
    }

    @Test
    void shouldGiveUpOnAFileThatNeverStaysAsItIs() throws Exception {
        Path file = dir.resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file, 20);
        store.write(null, now -> doc("one\n"));
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger saves = new java.util.concurrent.atomic.AtomicInteger();
        Thread editor = new Thread(() -> {
            while (writing.get()) {
                // Saved whole (a rename), never truncated first: two reads that each met an in-place save's empty
                // moment would see the same revision, and the write would rightly go through (it failed this test once).
                int n = saves.incrementAndGet();
                saveByHand(dir.resolve("editor.tmp"), "save " + n + "\n");
                try {
                    Files.move(dir.resolve("editor.tmp"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        editor.start();
        try {
            // Each try waits for two more saves after its read, so its look before the rename always finds the file
            // changed, however the threads are scheduled: the write gives up whether the settle or the tries run out.
            assertThatThrownBy(() -> store.write(null, now -> {
                int after = saves.get() + 2;
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> saves.get() >= after);
                return doc("from the write\n");
            })).isInstanceOf(IOException.class)
                    .hasMessageEndingWith(": kept changing on disk while it was being written (is an editor saving it?);"
                            + " nothing was written");
        } finally {
            writing.set(false);
            editor.join();
        }

        assertThat(Files.readString(file)).isEqualTo("save " + saves.get() + "\n");
        assertThat(filesInDir()).containsExactly(".store.yaml.lock", "store.yaml");
    }

    /** As an editor saves in place (vi with {@code backupcopy=yes}, {@code sed -i} renames instead): no lock taken. */
    private static void saveByHand(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            strong            | "REV"
            weak              | W/"REV"
            in a list         | "other", "REV"
            any               | *
            """)
    void shouldAcceptAnIfMatchNamingTheCurrentRevision(String name, String ifMatch) throws Exception {
        FileAdminStore store = new FileAdminStore(dir.resolve("store.yaml"));
        String revision = store.write(null, now -> doc("v1\n")).revision();

        store.write(ifMatch.replace("REV", revision), now -> doc("v2\n"));

        assertThat(text(store.read())).isEqualTo("v2\n");
    }

    @Test
    void shouldRefuseAStaleIfMatchWithoutCallingTheChangeOrWriting() throws Exception {
        Path file = dir.resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file);
        String stale = AdminStore.etag(store.write(null, now -> doc("v1\n")).revision());
        store.write(null, now -> doc("v2\n"));
        List<StoreContents> called = new ArrayList<>();

        assertThatThrownBy(() -> store.write(stale, now -> {
            called.add(now);
            return doc("v3\n");
        })).isInstanceOf(StaleException.class)
                .hasMessage("the admin store changed since it was read (If-Match " + stale + ")");

        assertThat(called).isEmpty();
        assertThat(Files.readString(file)).isEqualTo("v2\n");
    }

    @Test
    void shouldRefuseAnIfMatchForAnAbsentStoreOnceItExists() throws Exception {
        FileAdminStore store = new FileAdminStore(dir.resolve("store.yaml"));
        String absent = AdminStore.etag(store.read().revision());
        store.write(absent, now -> doc("first\n"));

        assertThatThrownBy(() -> store.write(absent, now -> doc("second\n"))).isInstanceOf(StaleException.class);
        assertThat(text(store.read())).isEqualTo("first\n");
    }

    @Test
    void shouldWriteNothingWhenTheChangeRefuses() throws Exception {
        Path file = dir.resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file);
        store.write(null, now -> doc("v1\n"));
        IllegalStateException refusal = new IllegalStateException("no");

        assertThatThrownBy(() -> store.write(null, now -> {
            throw refusal;
        })).isSameAs(refusal);

        assertThat(Files.readString(file)).isEqualTo("v1\n");
        assertThat(filesInDir()).containsExactly(".store.yaml.lock", "store.yaml");
    }

    @Test
    void shouldRefuseToWriteAnythingButADocument() throws Exception {
        FileAdminStore store = new FileAdminStore(dir.resolve("store.yaml"));

        assertThatThrownBy(() -> store.write(null, now -> StoreContents.Document.absent()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.read().exists()).isFalse();
    }

    @Test
    void shouldHoldTheLockFileWhileTheChangeRuns() throws Exception {
        Path file = dir.resolve("store.yaml");
        FileAdminStore store = new FileAdminStore(file);
        Path lockFile = dir.resolve(".store.yaml.lock");
        List<Boolean> locked = new ArrayList<>();

        store.write(null, now -> {
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                ch.tryLock();
                locked.add(false);
            } catch (OverlappingFileLockException e) {
                // This JVM holds it: another process would wait in FileChannel.lock().
                locked.add(true);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return doc("v1\n");
        });

        assertThat(locked).containsExactly(true);
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            assertThat(ch.tryLock()).as("released after the write").isNotNull();
        }
    }

    // Regression: a write waited in FileChannel.lock() for as long as another process held the lock file (a node paused
    // in its write): hundreds of admin writes queued so held the server's threads, and the traffic stopped (probe).
    @Test
    void shouldGiveUpOnALockFileAnotherProcessHoldsAndWriteNothing() throws Exception {
        Path file = dir.resolve("store.yaml");
        new FileAdminStore(file).write(null, now -> doc("v1\n"));
        Path holder = dir.resolve("Holder.java");
        Files.writeString(holder, """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                class Holder {
                    public static void main(String[] args) throws Exception {
                        try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
                            ch.lock();
                            System.out.println("locked");
                            System.in.read();
                        }
                    }
                }
                """);
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                holder.toString(), dir.resolve(".store.yaml.lock").toString()).redirectErrorStream(true).start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream(),
                    StandardCharsets.UTF_8)).readLine()).isEqualTo("locked");
            FileAdminStore store = new FileAdminStore(file, 20, java.time.Duration.ofMillis(500));
            long start = System.nanoTime();

            assertThatThrownBy(() -> store.write(null, now -> doc("v2\n")))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessage(file + ": another process holds its lock file .store.yaml.lock (waited 500 ms); nothing"
                            + " was written");

            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(450L, 5_000L);
            assertThat(Files.readString(file)).isEqualTo("v1\n");
            other.getOutputStream().close();
            assertThat(other.waitFor(10, TimeUnit.SECONDS)).isTrue();
            store.write(null, now -> doc("v2\n"));
            assertThat(Files.readString(file)).as("written once the lock is free").isEqualTo("v2\n");
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void shouldSerializeWritersOfOneFileEvenThroughSeveralInstances() throws Exception {
        Path file = dir.resolve("store.yaml");
        int writers = 8;
        int each = 20;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                // One store object per writer, as two live configurations over one folder would have.
                FileAdminStore store = new FileAdminStore(file);
                int writer = w;
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        String line = writer + "-" + i + "\n";
                        store.write(null, now -> doc((now.exists() ? text(now) : "") + line));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        // A read-modify-write race would have lost lines.
        assertThat(Files.readAllLines(file)).hasSize(writers * each).doesNotHaveDuplicates();
        assertThat(filesInDir()).containsExactly(".store.yaml.lock", "store.yaml");
    }

    @Test
    void shouldDeleteTempFilesOfKilledWritersWhenOpened() throws IOException {
        Path leftover = dir.resolve(".store.yaml.123456.tmp");
        Files.writeString(leftover, "virtual_models: [");
        Path otherStores = dir.resolve(".other.yaml.123456.tmp");
        Files.writeString(otherStores, "x");
        Path notTemp = dir.resolve(".store.yaml.lock");
        Files.writeString(notTemp, "");

        new FileAdminStore(dir.resolve("store.yaml")).open();

        assertThat(leftover).doesNotExist();
        assertThat(otherStores).exists();
        assertThat(notTemp).exists();
    }

    @Test
    void shouldResolveTheStoreBesideTheConfigFileUnlessAbsolute() {
        Path config = dir.resolve("conf").resolve("switchboard.yaml");

        assertThat(FileAdminStore.resolve("store.yaml", config)).isEqualTo(dir.resolve("conf").resolve("store.yaml"));
        assertThat(FileAdminStore.resolve("state/store.yaml", config))
                .isEqualTo(dir.resolve("conf").resolve("state").resolve("store.yaml"));
        assertThat(FileAdminStore.resolve(dir.resolve("abs.yaml").toString(), config)).isEqualTo(dir.resolve("abs.yaml"));
        assertThat(FileAdminStore.resolve("store.yaml", null)).isEqualTo(Path.of("store.yaml").toAbsolutePath());
    }
}
