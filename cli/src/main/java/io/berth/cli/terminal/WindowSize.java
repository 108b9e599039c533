package io.berth.cli.terminal;

import java.util.List;

/** A terminal's size in character cells. */
public record WindowSize(int rows, int columns) {
    /** The Engine API's ConsoleSize: [height, width]. */
    public List<Integer> consoleSize() {
        return List.of(rows, columns);
    }
}
