package dev.switchboard.config;

import java.util.function.Function;

/**
 * Replaces {@code ${NAME}} with the environment variable NAME and {@code ${NAME:-default}} with it or,
 * when unset or empty, the default (as the shell does, references in the default expanded when it is used).
 * {@code $${} writes a literal {@code ${}.
 */
final class Interpolator {

    private final Function<String, String> env;

    Interpolator(Function<String, String> env) {
        this.env = env;
    }

    /**
     * @param text a scalar as written
     * @return the text with every reference replaced
     * @throws IllegalArgumentException naming the variable, when one is unset without default or malformed
     */
    String apply(String text) {
        int start = text.indexOf("${");
        if (start < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (start >= 0) {
            if (start > 0 && text.charAt(start - 1) == '$') {
                out.append(text, i, start - 1).append("${");
                i = start + 2;
                start = text.indexOf("${", i);
                continue;
            }
            int end = closing(text, start + 2);
            if (end < 0) {
                throw new IllegalArgumentException("unclosed '${' in \"" + text + "\"");
            }
            out.append(text, i, start);
            String expr = text.substring(start + 2, end);
            int sep = expr.indexOf(":-");
            String name = sep < 0 ? expr : expr.substring(0, sep);
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("'" + name + "' is not an environment variable name in \"${" + expr + "}\"");
            }
            String value = env.apply(name);
            if (sep >= 0) {
                // A default is itself expanded, and only when used ("${A:-${B}}", as the shell reads it).
                out.append(value == null || value.isEmpty() ? apply(expr.substring(sep + 2)) : value);
            } else if (value == null) {
                throw new IllegalArgumentException("environment variable " + name + " is not set (write ${" + name
                        + ":-} for an empty default)");
            } else {
                out.append(value);
            }
            i = end + 1;
            start = text.indexOf("${", i);
        }
        return out.append(text, i, text.length()).toString();
    }

    /** @return the index of the '}' that closes the reference whose name starts at {@code from}, or -1 */
    private static int closing(String text, int from) {
        int depth = 1;
        for (int j = from; j < text.length(); j++) {
            char c = text.charAt(j);
            // An escaped "$${" opens a brace too: its "}" is the literal's, not the reference's.
            if (c == '$' && text.startsWith("${", j)) {
                depth++;
                j++;
            } else if (c == '}' && --depth == 0) {
                return j;
            }
        }
        return -1;
    }
}
