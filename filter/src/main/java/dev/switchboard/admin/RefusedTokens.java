package dev.switchboard.admin;

import dev.switchboard.ops.Log;
import java.util.concurrent.TimeUnit;

/**
 * Says in the log that a wrong admin token was presented (the admin API's bearer token, the dashboard's sign-in):
 * at most once a minute, with how many more were refused since the last such line, so that someone guessing tokens
 * shows in the log without filling it. A request that presents no token at all (a dashboard page before its sign-in)
 * is not counted. Thread-safe.
 */
public final class RefusedTokens {

    private static final Log LOG = Log.get(RefusedTokens.class);
    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    private final String what;
    /** Guarded by this. */
    private boolean said;
    /** Guarded by this: when the last line was said ({@link System#nanoTime()}). */
    private long saidAt;
    /** Guarded by this: refusals since the last line. */
    private int unsaid;

    /** @param what what was refused, for the line ({@code "an admin API request"}) */
    public RefusedTokens(String what) {
        this.what = what;
    }

    /** @param from the client's address */
    public void note(String from) {
        long now = System.nanoTime();
        int more;
        synchronized (this) {
            if (said && now - saidAt < MINUTE) {
                unsaid++;
                return;
            }
            more = unsaid;
            unsaid = 0;
            said = true;
            saidAt = now;
        }
        LOG.warn("Switchboard admin: refused {} with a wrong admin token from {}{} (said at most once a minute)", what,
                from, more == 0 ? "" : "; " + more + " more refused since the last such line");
    }
}
