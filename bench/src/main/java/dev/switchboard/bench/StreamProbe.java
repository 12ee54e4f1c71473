package dev.switchboard.bench;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Streams N chat completions one after another from a URL and prints the median and p99
 * time-to-first-chunk and the number of SSE chunks each response carried:
 * {@code StreamProbe URL N [WARM [MODEL [NAME:VALUE...]]]} ->
 * {@code ttfc_p50_ms=... ttfc_p99_ms=... chunks_min=... chunks_max=...}. MODEL (default {@code regular}) is the
 * request's {@code model}; NAME:VALUE pairs are extra request headers.
 * The first WARM streams (default 20) are not counted: they warm this probe's own JIT and connection pool. A
 * cold probe JVM adds milliseconds of its own to every figure: for sub-millisecond comparisons give it
 * hundreds.
 */
public final class StreamProbe {

    private StreamProbe() {
    }

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        int n = Integer.parseInt(args[1]);
        int warm = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String model = args.length > 3 ? args[3] : "regular";
        byte[] body = ("{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        List<String> headers = new ArrayList<>(List.of("Content-Type", "application/json"));
        for (int i = 4; i < args.length; i++) {
            int colon = args[i].indexOf(':');
            headers.add(args[i].substring(0, colon));
            headers.add(args[i].substring(colon + 1));
        }
        double[] ttfc = new double[n];
        int minChunks = Integer.MAX_VALUE;
        int maxChunks = 0;
        for (int i = 0; i < n + warm; i++) {
            long start = System.nanoTime();
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(uri)
                    .headers(headers.toArray(String[]::new))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                System.out.println("status " + r.statusCode() + " from " + uri + ": " + new String(r.body().readAllBytes(),
                        StandardCharsets.UTF_8));
                System.exit(1);
            }
            int chunks = 0;
            double first = -1;
            byte[] buf = new byte[8192];
            StringBuilder text = new StringBuilder();
            try (InputStream in = r.body()) {
                int k;
                while ((k = in.read(buf)) > 0) {
                    if (first < 0) {
                        first = (System.nanoTime() - start) / 1e6;
                    }
                    text.append(new String(buf, 0, k, StandardCharsets.UTF_8));
                }
            }
            for (int at = text.indexOf("data: {"); at >= 0; at = text.indexOf("data: {", at + 1)) {
                chunks++;
            }
            if (i >= warm) {
                ttfc[i - warm] = first;
                minChunks = Math.min(minChunks, chunks);
                maxChunks = Math.max(maxChunks, chunks);
            }
        }
        Arrays.sort(ttfc);
        System.out.printf("ttfc_p50_ms=%.3f ttfc_p99_ms=%.3f chunks_min=%d chunks_max=%d%n",
                ttfc[n / 2], ttfc[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)], minChunks, maxChunks);
    }
}
