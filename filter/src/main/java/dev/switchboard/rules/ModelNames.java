package dev.switchboard.rules;

/**
 * What a requested model name is, as every common upstream would read it (SPEC section 15). Python's
 * {@code str.strip()}, JavaScript's {@code trim()} and Go's {@code strings.TrimSpace} each strip a
 * different set of spaces (no-break space, NEL, the byte-order mark...), so the gateway strips the union
 * of them before it resolves a name, and refuses a name that still holds a space, control or invisible
 * character anywhere: an upstream could trim, split or ignore it and run a model other than the one
 * that was checked. Stateless.
 */
public final class ModelNames {

    /** The longest model name accepted (SPEC section 15, limits). */
    public static final int MAX_LENGTH = 256;
    /** Why a name holding a space, control or invisible character, or a comma, is refused. */
    public static final String UNUSABLE = "model names may not contain spaces, control or invisible characters, or commas";

    private ModelNames() {
    }

    /**
     * @param requested the name as sent
     * @return it without the leading and trailing characters any common reader strips
     */
    public static String strip(String requested) {
        int start = 0;
        int end = requested.length();
        while (start < end && stripped(requested.charAt(start))) {
            start++;
        }
        while (end > start && stripped(requested.charAt(end - 1))) {
            end--;
        }
        return requested.substring(start, end);
    }

    /**
     * @param requested the name as sent
     * @return why no upstream may be sent it, or {@code null} when it is usable: too long, empty once
     *     stripped, or holding a space, control, format (zero-width, bidi) or unpaired surrogate character
     */
    public static String problem(String requested) {
        if (requested.length() > MAX_LENGTH) {
            return "model names are at most " + MAX_LENGTH + " characters";
        }
        String name = strip(requested);
        if (name.isEmpty()) {
            return "model must be a non-empty string";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean pairedSurrogate = Character.isHighSurrogate(c) && i + 1 < name.length()
                    && Character.isLowSurrogate(name.charAt(i + 1));
            if (pairedSurrogate) {
                i++;
                continue;
            }
            // A comma: LiteLLM reads "a,b" as two models and calls both, so one checked name would be two called.
            if (stripped(c) || Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                    || Character.isSurrogate(c) || c == ',') {
                return UNUSABLE;
            }
        }
        return null;
    }

    /** Whitespace to Java, Python, JavaScript or Go, and the byte-order mark. */
    private static boolean stripped(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085' || c == '\uFEFF';
    }
}
