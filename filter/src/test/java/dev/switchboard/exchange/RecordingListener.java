package dev.switchboard.exchange;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that writes every event down, for tests: {@code "decision"}, {@code "attempt"}, ... by request id. */
public final class RecordingListener implements ExchangeListener {

    /**
     * One event.
     *
     * @param kind decision, attempt, first_byte, usage or complete
     * @param exchange the exchange as the listener saw it
     * @param detail the event's own data (Attempt, Long nanos, Usage, Completion), or {@code null}
     */
    public record Event(String kind, Exchange exchange, Object detail) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void onDecision(Exchange exchange) {
        events.add(new Event("decision", exchange, null));
    }

    @Override
    public void onAttempt(Exchange exchange, Attempt attempt) {
        events.add(new Event("attempt", exchange, attempt));
    }

    @Override
    public void onFirstByte(Exchange exchange, long nanosSinceStart) {
        events.add(new Event("first_byte", exchange, nanosSinceStart));
    }

    @Override
    public void onUsage(Exchange exchange, Usage usage) {
        events.add(new Event("usage", exchange, usage));
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        events.add(new Event("complete", exchange, completion));
    }

    /** @return the events of one request id, in order */
    public List<Event> of(String requestId) {
        List<Event> out = new ArrayList<>();
        for (Event e : events) {
            if (e.exchange().id().equals(requestId)) {
                out.add(e);
            }
        }
        return out;
    }

    /** @return the kinds of one request id's events, in order */
    public List<String> kinds(String requestId) {
        return of(requestId).stream().map(Event::kind).toList();
    }

    /** @return the completion of a request id, or {@code null} when it has not ended */
    public Completion completion(String requestId) {
        for (Event e : of(requestId)) {
            if (e.kind().equals("complete")) {
                return (Completion) e.detail();
            }
        }
        return null;
    }
}
