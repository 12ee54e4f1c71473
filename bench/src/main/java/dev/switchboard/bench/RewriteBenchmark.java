package dev.switchboard.bench;

import dev.switchboard.body.JsonModelLocator;
import dev.switchboard.body.ModelField;
import dev.switchboard.body.Shape;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The filter's {@code model} rewrite (locate by one byte scan + byte splice) against a plain copy of
 * the same body, the least any rewrite must do. Bodies are chat requests with realistic escaped
 * content (newlines, quotes, unicode escapes, code), with {@code model} first or last (openai-python
 * sends it last). MB/s = size / time per op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RewriteBenchmark {

    private static final Shape CHAT = Shape.of(true, "model");

    @Param({"1024", "102400", "1048576"})
    public int size;

    @Param({"first", "last"})
    public String position;

    private byte[] body;
    private JsonModelLocator locator;

    @Setup
    public void setup() {
        body = Bodies.chat(size, position.equals("first"));
        locator = new JsonModelLocator(64 * 1024 * 1024);
        if (locator.locate(body, body.length, CHAT).status() != ModelField.Status.FOUND) {
            throw new IllegalStateException("benchmark body has no model");
        }
    }

    /** Baseline: copying the body, which every rewrite must at least do. */
    @Benchmark
    public byte[] copy() {
        return Arrays.copyOf(body, body.length);
    }

    /** What the filter does per request: find the top-level model, splice the new value in. */
    @Benchmark
    public byte[] rewrite() {
        ModelField f = locator.locate(body, body.length, CHAT);
        return f.splice(body, body.length, s -> "claude-sonnet-4-6");
    }

    /** Request bodies shaped like real chat completions. */
    public static final class Bodies {

        private Bodies() {
        }

        /**
         * @param size the target size in bytes (the result is within one message of it)
         * @param modelFirst whether {@code model} comes before {@code messages}
         */
        public static byte[] chat(int size, boolean modelFirst) {
            StringBuilder messages = new StringBuilder("[");
            String text = "Here is my code:\\n```java\\nString s = \\\"caf\\u00e9 \\u4e2d\\u6587\\\";\\n"
                    + "if (a < b && c > d) { return \\\"x\\\"; }\\n```\\nWhy does it fail? \\ud83d\\ude00 Thanks!";
            int i = 0;
            while (messages.length() < size - 200) {
                if (i > 0) {
                    messages.append(',');
                }
                messages.append("{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant")
                        .append("\",\"content\":\"").append(text).append(' ').append(i).append("\"}");
                i++;
            }
            messages.append(']');
            String model = "\"model\":\"regular\"";
            String json = modelFirst
                    ? "{" + model + ",\"messages\":" + messages + ",\"temperature\":0.7,\"stream\":false}"
                    : "{\"messages\":" + messages + ",\"temperature\":0.7,\"stream\":false," + model + "}";
            return json.getBytes(StandardCharsets.UTF_8);
        }
    }
}
