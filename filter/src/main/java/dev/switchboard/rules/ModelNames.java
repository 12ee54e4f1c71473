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

    /** Why a name sent upstream as written may not hold a URL delimiter ({@link #sendable}). */
    public static final String URL_DELIMITER = "a model name sent upstream as written may not contain %, ?, #, ; or a"
            + " backslash (an upstream may put it in a URL path)";

    private ModelNames() {
    }

    /**
     * Whether a name may be sent upstream as written: an upstream that puts the model in a URL path unescaped (Azure's
     * {@code /deployments/{model}}, as openai-python's AzureOpenAI builds it; a translator to another provider's paths)
     * reads {@code de%6Eied} as {@code denied}, and {@code denied?x}, {@code denied#x}, {@code denied;x} up to the
     * delimiter, so a name checked as one would run as another. A virtual name may hold them: it is never sent, its
     * target is.
     *
     * @param name a model name as the upstream gets it, or {@code null} when none is sent (a request without a model)
     * @return whether it holds none of {@code % ? # ;} and the backslash
     */
    public static boolean sendable(String name) {
        for (int i = 0; name != null && i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%' || c == '?' || c == '#' || c == ';' || c == '\\') {
                return false;
            }
        }
        return true;
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
                if (invisible(name.codePointAt(i))) {
                    return UNUSABLE;
                }
                i++;
                continue;
            }
            // A comma: LiteLLM reads "a,b" as two models and calls both, so one checked name would be two called.
            if (stripped(c) || Character.isISOControl(c) || invisible(c) || Character.isSurrogate(c) || c == ',') {
                return UNUSABLE;
            }
        }
        return null;
    }

    /**
     * Control, invisible, line-breaking and unusual space characters as escapes (a line feed as backslash-n, a
     * zero-width space as backslash-u200b): a message is one line in a log, and says what the value holds.
     *
     * @param s a name or value to show
     * @return it, its hidden characters escaped
     */
    public static String visible(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int type = Character.getType(c);
            boolean hidden = Character.isISOControl(c) || invisible(c) || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SPACE_SEPARATOR && c != ' '
                    || Character.isSurrogate(c) && (!paired(s, i) || invisible(s.codePointAt(Character.isHighSurrogate(c)
                    ? i : i - 1)));
            if (hidden && out == null) {
                out = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (out == null) {
                continue;
            }
            if (!hidden) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out == null ? s : out.toString();
    }

    private static boolean paired(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /**
     * @return whether a character shows nothing: a format character (zero-width, bidi, tags), any other of Unicode's
     *     default-ignorable ones (the combining grapheme joiner, Hangul fillers, Khmer inherent vowels, variation
     *     selectors, Mongolian ones), and the blank Braille pattern; a name holding one looks like another in a log
     */
    static boolean invisible(int cp) {
        // Names are ASCII mostly: none below the soft hyphen (U+00AD) is one, so those cost one comparison.
        return cp >= 0xAD && (Character.getType(cp) == Character.FORMAT || cp == 0x034F || cp == 0x115F || cp == 0x1160
                || cp == 0x17B4 || cp == 0x17B5 || (cp >= 0x180B && cp <= 0x180F) || (cp >= 0x2060 && cp <= 0x206F)
                || cp == 0x2800 || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFFA0
                || (cp >= 0xFFF0 && cp <= 0xFFF8) || (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0x1D173 && cp <= 0x1D17A)
                || (cp >= 0xE0000 && cp <= 0xE0FFF));
    }

    /** Whitespace to Java, Python, JavaScript or Go, and the byte-order mark. */
    private static boolean stripped(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085' || c == '\uFEFF';
    }
}
