package dev.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.json.JsonTree;
import dev.switchboard.rules.VirtualModel;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin writes racing each other over HTTP: every acknowledged upsert is in the live table and in the store
 * file; none is lost to a read-modify-write race (SPEC section 7).
 */
final class AdminConcurrentUpsertTest {

    private static final int THREADS = 16;
    private static final int PER_THREAD = 25;

    @TempDir
    Path dir;

    @Test
    void shouldKeepEveryConcurrentUpsert() throws Exception {
        AdminServer admin = AdminServer.start(dir, """
                virtual_models:
                  - source: managed-alias
                    target: gpt-5
                admin:
                  token: %s
                """.formatted(AdminServer.TOKEN));
        // The watcher runs too, as in production: its reloads must not undo a write either.
        admin.reloader.start();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Integer>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    go.await();
                    List<Integer> statuses = new ArrayList<>();
                    for (int i = 0; i < PER_THREAD; i++) {
                        HttpResponse<String> r = admin.put("{\"source\":\"c-" + thread + "-" + i + "\",\"target_model\":\"m-"
                                + thread + "-" + i + "\"}");
                        statuses.add(r.statusCode());
                    }
                    return statuses;
                }));
            }
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<List<Integer>> f : futures) {
                statuses.addAll(f.get(60, TimeUnit.SECONDS));
            }

            Set<String> expected = new java.util.TreeSet<>();
            for (int t = 0; t < THREADS; t++) {
                for (int i = 0; i < PER_THREAD; i++) {
                    expected.add("c-" + t + "-" + i);
                }
            }
            assertThat(statuses).hasSize(THREADS * PER_THREAD).containsOnly(200);

            HttpResponse<String> list = admin.get("/admin/virtual-models");
            assertThat(list.statusCode()).isEqualTo(200);
            List<String> listed = new ArrayList<>();
            for (Object row : (List<?>) JsonTree.parse(list.body().getBytes(StandardCharsets.UTF_8))) {
                Map<?, ?> m = (Map<?, ?>) row;
                if (m.get("managed").equals(Boolean.FALSE)) {
                    listed.add((String) m.get("source"));
                }
            }
            assertThat(listed).containsExactlyElementsOf(expected);

            List<VirtualModel> stored = new ConfigLoader(n -> null).readStore(Files.readAllBytes(admin.store), Set.of());
            assertThat(stored).hasSize(THREADS * PER_THREAD);
            assertThat(stored).extracting(VirtualModel::source).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(stored).allSatisfy(vm -> assertThat(vm.targets().get(0).model())
                    .isEqualTo("m-" + vm.source().substring(2)));
            assertThat(list.headers().firstValue("ETag")).hasValue(AdminApiTest.etagOf(admin.store));
        } finally {
            pool.shutdownNow();
            admin.close();
        }
    }
}
