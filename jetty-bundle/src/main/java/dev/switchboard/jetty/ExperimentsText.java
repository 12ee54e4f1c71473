package dev.switchboard.jetty;

import dev.switchboard.json.JsonTree;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code switchboard experiments}: the experiments report of a running gateway ({@code GET /admin/experiments}
 * and {@code /admin/experiments/{source}}, SPEC section 10) as text, one block per experiment: the arms (requests,
 * share against the weights, error rate, latency and first-byte percentiles, mean tokens, feedback), the
 * sample-ratio check, every comparison with the baseline, and the warnings. The figures are the JSON's, rounded
 * for reading; {@code --json} prints the JSON itself. Stateless.
 */
final class ExperimentsText {

    private ExperimentsText() {
    }

    /**
     * @param out where the text goes
     * @param report an experiment's JSON report, as parsed by {@link JsonTree#parse}
     */
    static void print(PrintStream out, Map<String, Object> report) {
        String kind = str(report.get("kind"));
        out.println(str(report.get("source")) + ": " + ("split".equals(kind) ? "split" : "before/after") + ", "
                + str(report.get("strategy")) + ", since " + str(report.get("since"))
                + (report.get("changed_at") != null ? ", target changed " + str(report.get("changed_at")) : ""));
        out.printf(Locale.ROOT, "  %-28s %9s %16s %7s %24s %14s %15s %14s%n", "arm", "requests", "share (weight)",
                "errors", "latency ms p50/p90/p99", "first byte p50", "tokens in/out", "feedback");
        for (Object a : list(report.get("arms"))) {
            Map<String, Object> arm = map(a);
            Map<String, Object> latency = map(arm.get("latency_ms"));
            Map<String, Object> firstByte = map(arm.get("first_byte_ms"));
            Map<String, Object> tokens = map(arm.get("tokens"));
            Map<String, Object> feedback = map(arm.get("feedback"));
            String share = percent(arm.get("share")) + (arm.get("expected_share") == null ? ""
                    : " (" + percent(arm.get("expected_share")) + ")");
            long scores = num(feedback.get("count")) == null ? 0 : num(feedback.get("count")).longValue();
            out.printf(Locale.ROOT, "  %-28s %9s %16s %7s %24s %14s %15s %14s%n",
                    str(arm.get("target")) + (Boolean.TRUE.equals(arm.get("baseline")) ? " (baseline)" : ""),
                    str(arm.get("requests")), share, percent(arm.get("error_rate")),
                    fixed(latency.get("p50")) + " / " + fixed(latency.get("p90")) + " / " + fixed(latency.get("p99")),
                    fixed(firstByte.get("p50")),
                    fixed(map(tokens.get("input")).get("mean")) + " / " + fixed(map(tokens.get("output")).get("mean")),
                    scores == 0 ? "-" : scores + " x " + fixed(feedback.get("mean")));
        }
        Map<String, Object> ratio = map(report.get("sample_ratio"));
        if (!ratio.isEmpty()) {
            out.println("  sample ratio" + ("callers".equals(ratio.get("unit")) ? " of callers" : "") + ": "
                    + (Boolean.TRUE.equals(ratio.get("mismatch")) ? "MISMATCH" : "as weighted")
                    + " (" + pIs(ratio.get("p_value")) + ")");
        }
        List<Object> comparisons = list(report.get("comparisons"));
        if (!comparisons.isEmpty()) {
            out.println("  against the baseline (95% confidence interval of the difference):");
        }
        for (Object c : comparisons) {
            Map<String, Object> cmp = map(c);
            String verdict = str(cmp.get("verdict")).replace('_', ' ');
            // An error rate in percent and its difference in percentage points: on the 0-1 scale with two decimals a
            // rate of 0.4 % read 0.00, and an interval that leaves 0 out read [+0.00, +0.40]. Feedback too (a rate of
            // thumbs up, as the dashboard shows it).
            boolean rate = "error_rate".equals(cmp.get("metric")) || "feedback".equals(cmp.get("metric"));
            java.util.function.Function<Object, String> value = rate ? ExperimentsText::percent : ExperimentsText::fixed;
            java.util.function.Function<Object, String> change = rate ? ExperimentsText::points : ExperimentsText::signed;
            out.printf(Locale.ROOT, "    %-28s %-16s %10s -> %-10s %s%n", str(cmp.get("target")), str(cmp.get("metric")),
                    value.apply(cmp.get("baseline")), value.apply(cmp.get("candidate")), "not enough data".equals(verdict)
                            ? verdict : change.apply(cmp.get("difference")) + " [" + change.apply(cmp.get("ci_low")) + ", "
                            + change.apply(cmp.get("ci_high")) + "], " + pIs(cmp.get("p_value")) + ": " + verdict);
        }
        for (Object w : list(report.get("warnings"))) {
            out.println("  warning: " + str(w));
        }
    }

    private static String str(Object v) {
        return v == null ? "-" : v instanceof JsonTree.Num n ? n.text() : v.toString();
    }

    private static Double num(Object v) {
        return v instanceof JsonTree.Num n ? Double.valueOf(n.text()) : null;
    }

    private static String fixed(Object v) {
        Double d = num(v);
        if (d == null) {
            return "-";
        }
        return String.format(Locale.ROOT, Math.abs(d) >= 100 ? "%.0f" : Math.abs(d) >= 10 ? "%.1f" : "%.2f", d);
    }

    private static String signed(Object v) {
        Double d = num(v);
        return d == null ? "-" : (d >= 0 ? "+" : "") + fixed(v);
    }

    /** A difference of two rates, in percentage points. */
    private static String points(Object v) {
        Double d = num(v);
        return d == null ? "-" : String.format(Locale.ROOT, "%+.1f pp", d * 100);
    }

    private static String percent(Object v) {
        Double d = num(v);
        return d == null ? "-" : String.format(Locale.ROOT, "%.1f%%", d * 100);
    }

    /**
     * A p-value in words, as the dashboard writes it: "p = 0.0496" (three significant digits: "0.050" read as the
     * threshold itself beside a verdict of "higher"), "p < 0.05" for one that rounds up to the threshold from below,
     * "p < 0.0001" (never "p = <0.001").
     */
    private static String pIs(Object v) {
        Double d = num(v);
        if (d == null) {
            return "p = -";
        }
        if (d < 0.0001) {
            return "p < 0.0001";
        }
        java.math.BigDecimal shown = new java.math.BigDecimal(d).round(new java.math.MathContext(3));
        return d < 0.05 && shown.doubleValue() >= 0.05 ? "p < 0.05" : "p = " + shown.stripTrailingZeros().toPlainString();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object v) {
        return v instanceof List<?> l ? (List<Object>) l : new ArrayList<>();
    }
}
