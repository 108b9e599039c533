package io.berth.image.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Aborts blob downloads that stop delivering bytes: HttpClient's request timeout ends with the
 * headers, so a registry that stalls mid-body would otherwise block a pull forever.
 */
final class StallGuard implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "registry-stall-guard");
        thread.setDaemon(true);
        return thread;
    });
    private final Duration limit;

    StallGuard(Duration limit) {
        this.limit = limit;
    }

    /** Wraps a body stream; it is closed (failing the blocked read) after {@code limit} without data. */
    InputStream guard(InputStream body, String what) {
        return new Guarded(body, what);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private final class Guarded extends FilterInputStream {
        private final String what;
        private final ScheduledFuture<?> check;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean stalled;

        Guarded(InputStream in, String what) {
            super(in);
            this.what = what;
            long period = Math.max(1, limit.toMillis() / 4);
            this.check = timer.scheduleAtFixedRate(this::checkProgress, period, period, TimeUnit.MILLISECONDS);
        }

        private void checkProgress() {
            if (System.nanoTime() - lastProgress < limit.toNanos()) return;
            stalled = true;
            check.cancel(false);
            try {
                in.close();
            } catch (IOException ignored) {
                // closing is how the blocked reader is woken; its read reports the stall
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                int n = super.read(b, off, len);
                lastProgress = System.nanoTime();
                return n;
            } catch (IOException e) {
                if (stalled) throw new IOException(what + ": no data received for " + limit.toSeconds() + " s", e);
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            check.cancel(false);
            super.close();
        }
    }
}
