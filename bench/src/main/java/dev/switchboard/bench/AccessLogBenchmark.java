package dev.switchboard.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Listeners;
import dev.switchboard.exchange.Usage;
import dev.switchboard.jetty.LineEncoder;
import dev.switchboard.jetty.LoggingConfigurator;
import dev.switchboard.observe.AccessLog;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one access-log line costs the thread that ends an exchange, in its two parts: the JSON line
 * ({@link AccessLog#line}) and its encoding into the bytes the appender buffers, by the bundled proxy's
 * {@link LineEncoder} ({@code lineEncoder}) and, for comparison, by logback's pattern layout with the same pattern
 * ({@code encode}, what the jar used before). The exchange is the load run's: a redirect of a two-target split,
 * one attempt, usage.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AccessLogBenchmark {

    private Exchange exchange;
    private Completion completion;
    private String line;
    private LoggerContext context;
    private PatternLayoutEncoder encoder;
    private LineEncoder lineEncoder;

    @Setup
    public void setUp() {
        SwitchboardConfig config = new ConfigLoader(name -> null).parse("""
                providers:
                  mock: {type: openai-compatible, base_url: "http://127.0.0.1:18081"}
                default_provider: mock
                virtual_models:
                  - {source: regular, targets: [mock/gpt-bench-a, mock/gpt-bench-b]}
                """);
        Decision d = Resolver.resolve(config.rules(), "regular", Caller.ANONYMOUS, Picker.create());
        exchange = Exchange.start("6cbb2b58345a4defa828c44332b010d4", "POST", Endpoint.JSON_MODEL,
                "/v1/chat/completions", false, config, Caller.ANONYMOUS, List.of(), Listeners.of(List.of())).withDecision(d, null);
        completion = new Completion(200, null, false, List.of(new Attempt(1, d.chosen(), 200, null, 812_345)),
                1_234_567, 801_234, new Usage(12L, 9L, null, null, null, "stop"), null);
        line = AccessLog.line(exchange, completion);
        context = new LoggerContext();
        encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(LoggingConfigurator.PATTERN);
        encoder.start();
        lineEncoder = new LineEncoder();
        lineEncoder.setContext(context);
        lineEncoder.start();
    }

    @Benchmark
    public String line() {
        return AccessLog.line(exchange, completion);
    }

    @Benchmark
    public byte[] encode() {
        return encoder.encode(new LoggingEvent("bench", context.getLogger(AccessLog.LOGGER), Level.INFO, line, null,
                null));
    }

    @Benchmark
    public byte[] lineEncoder() {
        return lineEncoder.encode(new LoggingEvent("bench", context.getLogger(AccessLog.LOGGER), Level.INFO, line, null,
                null));
    }
}
