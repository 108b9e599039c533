package io.berth.cli.terminal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RawModeTest {
    private static boolean cooked(int fd) throws IOException {
        int flags = TerminalControl.localFlags(TerminalControl.attributes(fd));
        return (flags & TerminalControl.ICANON) != 0 && (flags & TerminalControl.ECHO) != 0;
    }

    @Test
    void aPseudoTerminalIsATerminalAndAPipeIsNot() throws IOException {
        try (PseudoTerminal pty = PseudoTerminal.open()) {
            assertTrue(TerminalControl.isTerminal(pty.device));
        }
        assertFalse(TerminalControl.isTerminal(-1));
        assertThrows(IOException.class, () -> TerminalControl.attributes(-1));
    }

    @Test
    void rawModeTurnsOffLineEditingAndEchoAndRestoresTheExactSettings() throws IOException {
        try (PseudoTerminal pty = PseudoTerminal.open()) {
            byte[] before = TerminalControl.attributes(pty.device);
            assertTrue(cooked(pty.device), "a new pty edits lines and echoes");
            RawMode raw = RawMode.enter(pty.device);
            int rawFlags = TerminalControl.localFlags(TerminalControl.attributes(pty.device));
            assertEquals(0, rawFlags & (TerminalControl.ICANON | TerminalControl.ECHO));
            assertNotEquals(0, TerminalControl.localFlags(before) & TerminalControl.ICANON);
            raw.restore();
            assertTrue(raw.isRestored());
            assertArrayEquals(before, TerminalControl.attributes(pty.device));
        }
    }

    @Test
    void restoringTwiceChangesNothingTheSecondTime() throws IOException {
        try (PseudoTerminal pty = PseudoTerminal.open()) {
            RawMode raw = RawMode.enter(pty.device);
            raw.restore();
            // Someone (the user's shell) changes the terminal after the session; a late restore must not undo it.
            byte[] changedLater = TerminalControl.rawAttributes(TerminalControl.attributes(pty.device));
            TerminalControl.setAttributes(pty.device, changedLater);
            raw.close();
            assertFalse(cooked(pty.device));
        }
    }

    @Test
    void aFailedEntryLeavesNothingBehind() {
        assertThrows(IOException.class, () -> RawMode.enter(-1));
    }

    @Test
    void windowSizeIsReadFromTheTerminal() throws IOException {
        try (PseudoTerminal pty = PseudoTerminal.open()) {
            assertEquals(Optional.empty(), TerminalControl.windowSize(pty.device), "a new pty reports 0x0");
            pty.resize(new WindowSize(40, 132));
            assertEquals(Optional.of(new WindowSize(40, 132)), TerminalControl.windowSize(pty.device));
            assertEquals(java.util.List.of(40, 132), new WindowSize(40, 132).consoleSize());
        }
        assertEquals(Optional.empty(), TerminalControl.windowSize(-1));
    }
}
