package io.berth.runtime.json;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON text to and from plain values (Map, List, String, Number, Boolean, null) without Jackson or reflection:
 * a standalone runtime starts a JVM per command, and Jackson's set-up, or even reflective binding to records
 * (method handles spun at first use), cost more than the container start itself. {@link JsonObject} and
 * {@link SpecJson} turn the values into records by hand.
 */
public final class Json {
    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** Parses {@code text} into Map (insertion ordered), List, String, Long or BigInteger, Double, Boolean or null. */
    public static Object parse(String text) {
        Json parser = new Json(text);
        Object value = parser.value();
        parser.skipSpace();
        if (parser.pos != text.length()) throw parser.error("trailing characters");
        return value;
    }

    private Object value() {
        skipSpace();
        if (pos >= text.length()) throw error("unexpected end");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Map<String, Object> object() {
        Map<String, Object> map = new LinkedHashMap<>();
        pos++;
        skipSpace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        for (;;) {
            skipSpace();
            if (peek() != '"') throw error("expected a key");
            String key = string();
            skipSpace();
            expect(':');
            map.put(key, value());
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else {
                expect('}');
                return map;
            }
        }
    }

    private List<Object> array() {
        List<Object> list = new ArrayList<>();
        pos++;
        skipSpace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        for (;;) {
            list.add(value());
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else {
                expect(']');
                return list;
            }
        }
    }

    private String string() {
        pos++;
        StringBuilder out = new StringBuilder();
        for (;;) {
            if (pos >= text.length()) throw error("unterminated string");
            char c = text.charAt(pos++);
            if (c == '"') return out.toString();
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> out.append(e); // \" \\ \/
            }
        }
    }

    private Object number() {
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) pos++;
        String number = text.substring(start, pos);
        if (number.isEmpty()) throw error("unexpected character '" + text.charAt(pos) + "'");
        if (number.contains(".") || number.contains("e") || number.contains("E")) return Double.parseDouble(number);
        BigInteger big = new BigInteger(number);
        return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) throw error("unexpected character '" + text.charAt(pos) + "'");
        pos += word.length();
        return value;
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
    }

    private char peek() {
        if (pos >= text.length()) throw error("unexpected end");
        return text.charAt(pos);
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "'");
        pos++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("malformed JSON at offset " + pos + ": " + what);
    }

    /** Writes a Map, List, String, Number, Boolean or null as JSON; {@code indent} pretty-prints like runc's state. */
    public static String write(Object value, boolean indent) {
        StringBuilder out = new StringBuilder();
        write(value, out, indent ? "\n" : null);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out, String newline) {
        switch (value) {
            case null -> out.append("null");
            case String s -> quote(s, out);
            case Number n -> out.append(n);
            case Boolean b -> out.append(b);
            case List<?> list -> {
                out.append('[');
                String inner = newline == null ? null : newline + "  ";
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) out.append(',');
                    if (inner != null) out.append(inner);
                    write(list.get(i), out, inner);
                }
                if (newline != null && !list.isEmpty()) out.append(newline);
                out.append(']');
            }
            case Map<?, ?> map -> writeObject(map, out, newline);
            default -> throw new IllegalArgumentException("cannot write " + value.getClass() + " as JSON");
        }
    }

    private static void writeObject(Map<?, ?> map, StringBuilder out, String newline) {
        out.append('{');
        String inner = newline == null ? null : newline + "  ";
        boolean first = true;
        for (var e : map.entrySet()) {
            if (!first) out.append(',');
            first = false;
            if (inner != null) out.append(inner);
            quote(String.valueOf(e.getKey()), out);
            out.append(newline == null ? ":" : ": ");
            write(e.getValue(), out, inner);
        }
        if (newline != null && !map.isEmpty()) out.append(newline);
        out.append('}');
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
