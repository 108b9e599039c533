package io.berth.image.layer;

import io.berth.linux.Errno;
import io.berth.linux.LinuxException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import static io.berth.image.layer.DirectoryCalls.O_CREAT;
import static io.berth.image.layer.DirectoryCalls.O_EXCL;
import static io.berth.image.layer.DirectoryCalls.O_NOFOLLOW;
import static io.berth.image.layer.DirectoryCalls.O_WRONLY;

/**
 * Worker threads that create small regular files of a layer while the extractor goes on reading the
 * tar: creating files is kernel time, and on several cores it overlaps. Each task names one entry in
 * a directory fd the extractor keeps open for it ({@link DirHandle}), so the workers follow the same
 * no-symlink rules. The extractor waits for all tasks ({@link #barrier()}) before anything that could
 * touch a name a task may still be creating (removals, hard links, reused names, directory times).
 */
final class FileWriters implements AutoCloseable {
    /** Files up to this size are handed over (their content copied); bigger ones are written in line. */
    static final int MAX_FILE = 1 << 20;
    private static final int BYTES_IN_FLIGHT = 32 << 20;

    /** An open directory fd shared by the extractor and tasks, closed when the last user lets go. */
    static final class DirHandle {
        final int fd;
        private final AtomicInteger users = new AtomicInteger(1);

        DirHandle(int fd) {
            this.fd = fd;
        }

        DirHandle retain() {
            users.incrementAndGet();
            return this;
        }

        void release(DirectoryCalls calls) {
            if (users.decrementAndGet() == 0) calls.close(fd);
        }
    }

    /** Everything a worker needs to create one file, decided by the extractor. */
    record FileTask(DirHandle dir, String base, String name, byte[] content, int mode, int uid, int gid, boolean chown,
                    boolean chmod, List<Map.Entry<String, byte[]>> xattrs, long seconds, long nanos) {}

    private static final FileTask STOP = new FileTask(null, null, null, new byte[0], 0, 0, 0, false, false, List.of(), 0, 0);

    private final BlockingQueue<FileTask> tasks = new ArrayBlockingQueue<>(1024);
    private final Semaphore bytes = new Semaphore(BYTES_IN_FLIGHT);
    private final List<Thread> workers = new ArrayList<>();
    private final Object idle = new Object();
    private int pending;
    private volatile IOException failure;

    FileWriters(int threads) {
        for (int i = 0; i < threads; i++) workers.add(Thread.ofPlatform().daemon().name("layer-file-writer-" + i).start(this::work));
    }

    /** How many workers suit this machine: none on one core (the extractor writes everything itself). */
    static int defaultThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        return cores < 2 ? 0 : Math.min(cores, 4);
    }

    void submit(FileTask task) throws IOException {
        rethrowFailure();
        try {
            bytes.acquire(task.content().length);
            synchronized (idle) {
                pending++;
            }
            tasks.put(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while unpacking a layer");
        }
    }

    /** Waits until every submitted file is written; rethrows the first failure. */
    void barrier() throws IOException {
        synchronized (idle) {
            while (pending > 0) {
                try {
                    idle.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while unpacking a layer");
                }
            }
        }
        rethrowFailure();
    }

    private void rethrowFailure() throws IOException {
        if (failure != null) throw failure;
    }

    private void work() {
        try (DirectoryCalls calls = new DirectoryCalls()) {
            while (true) {
                FileTask task = tasks.take();
                if (task == STOP) return;
                try {
                    if (failure == null) write(calls, task);
                } catch (IOException e) {
                    if (failure == null) failure = new IOException("writing layer entry " + task.name() + ": " + e.getMessage(), e);
                } finally {
                    task.dir().release(calls);
                    bytes.release(task.content().length);
                    synchronized (idle) {
                        if (--pending == 0) idle.notifyAll();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Create, write, owner, mode, xattrs, times: the extractor's order (chown before mode and security.capability). */
    private static void write(DirectoryCalls calls, FileTask task) throws IOException {
        int fd = calls.openat(task.dir().fd, task.base(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, task.mode() & 0777);
        try {
            calls.write(fd, task.content(), 0, task.content().length);
            if (task.chown()) calls.fchown(fd, task.uid(), task.gid());
            if (task.chmod()) calls.fchmod(fd, task.mode() & 07777);
            for (Map.Entry<String, byte[]> xattr : task.xattrs()) {
                try {
                    calls.fsetxattr(fd, xattr.getKey(), xattr.getValue());
                } catch (LinuxException e) {
                    if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EPERM) throw e;
                }
            }
            calls.futimens(fd, task.seconds(), task.nanos());
        } finally {
            calls.close(fd);
        }
    }

    /** Stops the workers after the tasks already queued (call {@link #barrier()} first to see their failures). */
    @Override
    public void close() {
        for (int i = 0; i < workers.size(); i++) {
            try {
                tasks.put(STOP);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
