/*
 * berth-shim <plan>: starts one container as the plan describes and reports on stdout
 *   "started <container pid> <monitor pid>"  or  "failed <errno> <step>\t<message>".
 * The foreground process forks a detached monitor, relays its report and exits; the monitor
 * clones the container, logs its output, records its exit status, then exits too.
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_STACK_SIZE (256 * 1024)

struct child_args {
    const struct plan *plan;
    int out_fd, err_fd, error_fd, sync_fd, sync_write_fd;
};

static void report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int fd, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 1)
        n = sizeof(line) - 1;
    if (write(fd, line, n) < 0) {
        /* nobody is left to tell */
    }
}

/* Monitor-side failure before the container exists: errno text like crun's. */
static void fail(int report_fd, const char *step) __attribute__((noreturn));
static void fail(int report_fd, const char *step)
{
    int err = errno;
    report(report_fd, "failed %d %s\t%s: %s\n", err, step, step, strerror(err));
    _exit(1);
}

static int child_main(void *arg)
{
    struct child_args *a = arg;
    struct failure f;
    memset(&f, 0, sizeof(f));
    close(a->sync_write_fd); /* else the child would wait for its own EOF */
    if (dup2(a->out_fd, STDOUT_FILENO) < 0 || dup2(a->err_fd, STDERR_FILENO) < 0) {
        f.err = errno;
        snprintf(f.step, sizeof(f.step), "stdio");
        snprintf(f.message, sizeof(f.message), "stdio: %s", strerror(errno));
        if (write(a->error_fd, &f, sizeof(f)) < 0)
            _exit(127);
        _exit(127);
    }
    container_run(a->plan, a->error_fd, a->sync_fd, &f);
}

/* Writes a user namespace id map of the child; a failure takes the waiting child down with it. */
static void write_id_map(pid_t pid, const char *file, const struct record *r, int report_fd)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, r->argv[0], strlen(r->argv[0])) < 0) {
        int err = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        errno = err;
        fail(report_fd, file);
    }
    close(fd);
}

static void write_exit_file(const char *path, int code)
{
    char tmp[4096], now[64], line[128];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    format_time_now(now, sizeof(now));
    int n = snprintf(line, sizeof(line), "%d %s\n", code, now);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write(fd, line, n) == n && fsync(fd) == 0) {
        close(fd);
        rename(tmp, path);
        return;
    }
    close(fd);
}

static void drain(int log_fd, struct log_stream *s)
{
    char buf[65536];
    ssize_t n;
    while (s->fd >= 0 && (n = read(s->fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        log_consume(log_fd, s, buf, n);
    }
}

static void close_stream(struct log_stream *s)
{
    close(s->fd);
    s->fd = -1;
}

/* The monitor's event loop: container output to the log until pid 1 exits. Step 3 adds stdin, pty and attach fds. */
static int monitor_loop(pid_t child, int signal_fd, int log_fd, struct log_stream *streams, int nstreams)
{
    enum { SIGNAL_SLOT, FIRST_STREAM_SLOT };
    struct pollfd fds[FIRST_STREAM_SLOT + 2];
    for (;;) {
        fds[SIGNAL_SLOT] = (struct pollfd){ .fd = signal_fd, .events = POLLIN };
        for (int i = 0; i < nstreams; i++)
            fds[FIRST_STREAM_SLOT + i] = (struct pollfd){ .fd = streams[i].fd, .events = POLLIN };
        if (poll(fds, FIRST_STREAM_SLOT + nstreams, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 255;
        }
        for (int i = 0; i < nstreams; i++) {
            if (!(fds[FIRST_STREAM_SLOT + i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[65536];
            ssize_t n = read(streams[i].fd, buf, sizeof(buf));
            if (n > 0)
                log_consume(log_fd, &streams[i], buf, n);
            else if (n == 0 || errno != EINTR)
                close_stream(&streams[i]);
        }
        if (fds[SIGNAL_SLOT].revents & POLLIN) {
            struct signalfd_siginfo info;
            if (read(signal_fd, &info, sizeof(info)) < 0 && errno != EAGAIN)
                return 255;
            int status;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                if (pid != child)
                    continue;
                /* Whatever the container wrote before dying is still in the pipes: log it all. */
                for (int i = 0; i < nstreams; i++) {
                    if (streams[i].fd >= 0) {
                        fcntl(streams[i].fd, F_SETFL, O_NONBLOCK);
                        drain(log_fd, &streams[i]);
                    }
                    log_flush_partial(log_fd, &streams[i]);
                }
                return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
            }
        }
    }
}

static void monitor(const struct plan *plan, int report_fd) __attribute__((noreturn));
static void monitor(const struct plan *plan, int report_fd)
{
    const struct record *log_rec = plan_find(plan, "log");
    const struct record *exit_rec = plan_find(plan, "exit_file");
    const struct record *clone_rec = plan_find(plan, "clone_flags");
    if (!log_rec || !exit_rec || log_rec->argc != 1 || exit_rec->argc != 1) {
        errno = EINVAL;
        fail(report_fd, "plan");
    }
    /* Detached from the caller's session and working directory, so it keeps no mount busy. */
    if (setsid() < 0 || chdir("/") < 0)
        fail(report_fd, "detach");
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(null_fd, 2) < 0)
        fail(report_fd, "open /dev/null");
    if (null_fd > 2)
        close(null_fd);

    int log_fd = open(log_rec->argv[0], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (log_fd < 0)
        fail(report_fd, "open log");

    signal(SIGPIPE, SIG_IGN); /* a closed log must not kill the monitor */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int signal_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd < 0)
        fail(report_fd, "signalfd");

    int out[2], err[2], error_pipe[2], sync_pipe[2];
    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(error_pipe, O_CLOEXEC) || pipe2(sync_pipe, O_CLOEXEC))
        fail(report_fd, "pipe");

    /* A pid namespace joined by setns applies to children only, so it is joined here, before clone. */
    for (int i = 0; i < plan->count; i++) {
        const struct record *r = &plan->records[i];
        if (strcmp(r->op, "pid_ns") != 0)
            continue;
        int fd = open(r->argv[0], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWPID) < 0)
            fail(report_fd, "setns pid");
        close(fd);
    }

    int flags = clone_rec ? (int)arg_num(clone_rec, 0) : 0;
    struct child_args args = { plan, out[1], err[1], error_pipe[1], sync_pipe[0], sync_pipe[1] };
    char *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        fail(report_fd, "mmap");
    pid_t child = clone(child_main, stack + CHILD_STACK_SIZE, flags | SIGCHLD, &args);
    if (child < 0)
        fail(report_fd, "clone");
    close(out[1]);
    close(err[1]);
    close(error_pipe[1]);
    close(sync_pipe[0]);

    const struct record *uid_map = plan_find(plan, "uid_map"), *gid_map = plan_find(plan, "gid_map");
    if (uid_map)
        write_id_map(child, "uid_map", uid_map, report_fd);
    if (gid_map)
        write_id_map(child, "gid_map", gid_map, report_fd);
    close(sync_pipe[1]); /* EOF tells the child its namespaces are ready */

    struct failure f;
    ssize_t n;
    while ((n = read(error_pipe[0], &f, sizeof(f))) < 0 && errno == EINTR)
        ;
    if (n > 0) {
        waitpid(child, NULL, 0);
        f.step[sizeof(f.step) - 1] = f.message[sizeof(f.message) - 1] = '\0';
        report(report_fd, "failed %d %s\t%s\n", f.err, f.step, f.message);
        _exit(1);
    }
    close(error_pipe[0]);
    report(report_fd, "started %d %d\n", child, getpid());
    close(report_fd);

    struct log_stream streams[2] = { { .name = "stdout", .fd = out[0] }, { .name = "stderr", .fd = err[0] } };
    int code = monitor_loop(child, signal_fd, log_fd, streams, 2);
    close(log_fd);
    write_exit_file(exit_rec->argv[0], code);
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <plan>\n", argv[0]);
        return 2;
    }
    struct plan plan;
    if (plan_load(argv[1], &plan) < 0) {
        printf("failed %d plan\tread plan %s: %s\n", errno, argv[1], strerror(errno));
        return 1;
    }
    int report_pipe[2];
    if (pipe2(report_pipe, O_CLOEXEC) < 0) {
        printf("failed %d pipe\tpipe: %s\n", errno, strerror(errno));
        return 1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("failed %d fork\tfork: %s\n", errno, strerror(errno));
        return 1;
    }
    if (pid == 0) {
        close(report_pipe[0]);
        monitor(&plan, report_pipe[1]);
    }
    close(report_pipe[1]);
    char line[2048];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof(line) - 1 && (n = read(report_pipe[0], line + len, sizeof(line) - 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        len += n;
    }
    if (len == 0) {
        printf("failed 0 monitor\tmonitor exited without reporting\n");
        return 1;
    }
    line[len] = '\0';
    fputs(line, stdout);
    /* On failure the monitor has already exited: reap it so nothing is left behind. */
    if (strncmp(line, "started ", 8) != 0) {
        waitpid(pid, NULL, 0);
        return 1;
    }
    return 0;
}
