package io.berth.cli.format;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TableWriterTest {
    @Test
    void padsColumnsToLongestCellPlusThreeWithMinimumTen() {
        String table = new TableWriter()
                .row("A", "LONGER HEADER", "LAST")
                .row("x", "y", "tail value")
                .render();
        assertEquals("""
                A         LONGER HEADER   LAST
                x         y               tail value
                """, table);
    }

    @Test
    void countsAnEllipsisAsOneColumn() {
        String table = new TableWriter().row("\"abcdefghijklmnopqrs…\"", "N").row("\"short\"", "M").render();
        assertEquals("\"abcdefghijklmnopqrs…\"   N\n\"short\"                  M\n", table);
    }
}
