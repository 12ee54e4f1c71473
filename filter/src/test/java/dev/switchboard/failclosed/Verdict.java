package dev.switchboard.failclosed;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** Holds a client's answer and what the upstream received to what a {@link Corpus.Attack} expects. */
public final class Verdict {

    private Verdict() {
    }

    /**
     * @param a the request sent
     * @param r what the client got
     * @param got what the upstream received for it
     * @param judge the emulated upstream parsers
     * @param checkPath whether the upstream must have received the canonical path (a proxy; not a bare filter)
     */
    public static void check(Corpus.Attack a, RawClient.Response r, List<Judge.Received> got, Judge judge,
                             boolean checkPath) {
        String why = a + " | " + r.status() + " " + r.text();
        switch (a.expect().kind()) {
            case REFUSED -> {
                assertThat(r.status()).as(why).isEqualTo(a.expect().status());
                String target = a.target().toLowerCase(Locale.ROOT);
                // SPEC 5: the Anthropic shape on the Anthropic paths has a type, not a code.
                boolean anthropic = target.startsWith("/v1/messages") || target.equals("/v1/complete");
                assertThat(r.text()).as(why).contains(anthropic
                        ? "{\"type\":\"error\",\"error\":{\"type\":\"" + a.expect().code() + "\""
                        : "\"code\":\"" + a.expect().code() + "\"");
                assertThat(got).as(why).isEmpty();
            }
            case NOT_FORWARDED -> {
                assertThat(r.status()).as(why).isBetween(400, 499);
                assertThat(got).as(why).isEmpty();
            }
            case FORWARDED -> {
                assertThat(r.status()).as(why).isEqualTo(200);
                assertThat(got).as(why).hasSize(1);
                Judge.Received u = got.get(0);
                if (checkPath) {
                    assertThat(u.path()).as(why).isEqualTo(a.expect().upstreamPath());
                }
                assertThat(judge.violations(u)).as(why + " | upstream got " + new String(u.body(), StandardCharsets.UTF_8))
                        .isEmpty();
            }
        }
    }
}
