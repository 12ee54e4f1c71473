package dev.switchboard.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the resolver writes down its steps: nowhere for live traffic, a list for {@code explain} and
 * {@code /admin/resolve}. Texts are built only when {@link #recording()} says they are wanted.
 */
abstract class Trace {

    /** Records nothing. */
    static final Trace NONE = new Trace() {
        @Override
        boolean recording() {
            return false;
        }

        @Override
        void step(String text) {
        }

        @Override
        List<String> steps() {
            return List.of();
        }
    };

    /** @return a trace that keeps every step */
    static Trace keep() {
        return new Trace() {
            private final List<String> steps = new ArrayList<>();

            @Override
            boolean recording() {
                return true;
            }

            @Override
            void step(String text) {
                steps.add(text);
            }

            @Override
            List<String> steps() {
                return steps;
            }
        };
    }

    /** @return whether steps are kept (build a step's text only then) */
    abstract boolean recording();

    abstract void step(String text);

    abstract List<String> steps();
}
