package io.berth.cli.format;

/**
 * Re-indents compact JSON the way docker's inspect prints it (four spaces, `"key": value`,
 * empty containers as {} and []), copying strings and numbers byte for byte.
 */
public final class JsonIndenter {
    private static final String INDENT = "    ";

    private JsonIndenter() {
    }

    public static String indent(String json) {
        StringBuilder out = new StringBuilder(json.length() * 2);
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                out.append(c);
                if (c == '\\') {
                    out.append(json.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            switch (c) {
                case '"' -> {
                    inString = true;
                    out.append(c);
                }
                case '{', '[' -> {
                    int next = skipWhitespace(json, i + 1);
                    if (next < json.length() && json.charAt(next) == (c == '{' ? '}' : ']')) {
                        out.append(c).append(json.charAt(next));
                        i = next;
                    } else {
                        out.append(c);
                        newline(out, ++depth);
                    }
                }
                case '}', ']' -> {
                    newline(out, --depth);
                    out.append(c);
                }
                case ',' -> {
                    out.append(c);
                    newline(out, depth);
                }
                case ':' -> out.append(": ");
                case ' ', '\t', '\n', '\r' -> {
                }
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static int skipWhitespace(String json, int from) {
        int i = from;
        while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
            i++;
        }
        return i;
    }

    private static void newline(StringBuilder out, int depth) {
        out.append('\n').repeat(INDENT, depth);
    }
}
