package io.berth.cli.format;

import java.util.ArrayList;
import java.util.List;

/**
 * Aligns columns like the tabwriter docker's tables use (minimum width 10, padding 3, spaces):
 * every column but the last is as wide as its longest cell plus three, and at least ten.
 */
public final class TableWriter {
    private static final int MIN_WIDTH = 10;
    private static final int PADDING = 3;

    private final List<List<String>> rows = new ArrayList<>();

    public TableWriter row(String... cells) {
        rows.add(List.of(cells));
        return this;
    }

    public TableWriter row(List<String> cells) {
        rows.add(List.copyOf(cells));
        return this;
    }

    /** The table, one line per row, each ending in a newline. */
    public String render() {
        int columns = rows.stream().mapToInt(List::size).max().orElse(0);
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int column = 0; column < row.size() - 1; column++) {
                widths[column] = Math.max(widths[column], Math.max(MIN_WIDTH, displayWidth(row.get(column)) + PADDING));
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            for (int column = 0; column < row.size(); column++) {
                String cell = row.get(column);
                out.append(cell);
                if (column < row.size() - 1) {
                    out.repeat(' ', widths[column] - displayWidth(cell));
                }
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static int displayWidth(String text) {
        return text.codePointCount(0, text.length());
    }
}
