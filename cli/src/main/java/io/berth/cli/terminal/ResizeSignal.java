package io.berth.cli.terminal;

import sun.misc.Signal;

/**
 * SIGWINCH, which the kernel sends when the controlling terminal changes size. sun.misc.Signal
 * (module jdk.unsupported) is the only signal API the JDK exposes to applications.
 */
public final class ResizeSignal {
    private ResizeSignal() {
    }

    /** Runs the action (on a fresh virtual thread, as it may call the daemon) at every resize. */
    public static void onResize(Runnable action) {
        Signal.handle(new Signal("WINCH"), signal -> Thread.ofVirtual().start(action));
    }
}
