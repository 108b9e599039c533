/*
 * berth-shim <plan> [<report file>]: starts one container as the plan describes and reports on stdout
 * (or in the report file, when the container inherits the shim's stdio)
 *   "started <container pid> <monitor pid>", "created <pid> <monitor pid>" (waiting for SIGUSR1 to the
 *   monitor before its execve)  or  "failed <errno> <step>\t<message>".
 * The foreground process forks a detached monitor, relays its report and exits; the monitor
 * clones the container, logs its output, records its exit status, then exits too.
 *
 * berth-shim --no-monitor <plan> <report file> [<start fifo>]: for a caller that is a subreaper (containerd's
 * shim, or berth-runtime's own foreground run), as with runc. The container keeps the caller's stdio, and once it
 * is reported nothing of the shim stays: pid 1 is re-parented to the caller, who reaps it. No exit file is written.
 * A created container waits for a byte on the start fifo (made here; the child holds it open read-write, so it
 * blocks until `start` writes and never sees EOF), since no monitor is left to get SIGUSR1.
 * With --wait (after --no-monitor), the shim is that subreaper itself, for a foreground run: it reports, passes the
 * signals it gets on to pid 1, and exits with pid 1's status (128 + signal if killed), so its caller needs nothing
 * but to wait for it.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define CHILD_STACK_SIZE (256 * 1024)

struct child_args {
    const struct plan *plan;
    int in_fd, out_fd, err_fd, error_fd, sync_fd, start_fd, console_fd;
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

/* The control socket's path once it listens: a failed start leaves no socket file behind. */
static const char *listening_path;

/* Monitor-side failure before the container exists: errno text like crun's. */
static void fail(int report_fd, const char *step) __attribute__((noreturn));
static void fail(int report_fd, const char *step)
{
    int err = errno;
    if (listening_path)
        unlink(listening_path);
    report(report_fd, "failed %d %s\t%s: %s\n", err, step, step, strerror(err));
    _exit(1);
}

static int child_main(void *arg)
{
    struct child_args *a = arg;
    struct failure f;
    memset(&f, 0, sizeof(f));
    if (dup2(a->in_fd, STDIN_FILENO) < 0 || dup2(a->out_fd, STDOUT_FILENO) < 0 || dup2(a->err_fd, STDERR_FILENO) < 0) {
        f.err = errno;
        snprintf(f.step, sizeof(f.step), "stdio");
        snprintf(f.message, sizeof(f.message), "stdio: %s", strerror(errno));
        if (write(a->error_fd, &f, sizeof(f)) < 0)
            _exit(127);
        _exit(127);
    }
    /* Nothing of the monitor's (log, signalfd, pipes, the caller's fds) stays open in the container; this also
     * closes the sync pipe's write end, else the child would wait for its own EOF. */
    int keep[] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, a->error_fd, a->sync_fd, a->start_fd, a->console_fd };
    close_fds_except(keep, sizeof(keep) / sizeof(keep[0]));
    container_run(a->plan, a->error_fd, a->sync_fd, a->start_fd, a->console_fd, &f);
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

/* The cgroup's OOM kill count ("oom_kill N" in memory.events on v2, memory.oom_control on v1); 0 if unreadable. */
static long long read_oom_kills(const char *path)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    for (char *line = buf; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, "oom_kill ", 9) == 0)
            return strtoll(line + 9, NULL, 10);
    return 0;
}

/* "<code> <finish time> <oom kills during the run>" */
static void write_exit_file(const char *path, int code, long long oom_kills)
{
    char tmp[4096], now[64], line[128];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    format_time_now(now, sizeof(now));
    int n = snprintf(line, sizeof(line), "%d %s %lld\n", code, now, oom_kills);
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

static int exit_code(int status)
{
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* Everything the monitor relays: output to the log, input from control clients to the container's stdin. */
struct relay {
    struct log_file log;
    struct log_stream streams[2];
    int nstreams;
    struct control control;
};

static void drain(struct log_file *log, struct log_stream *s)
{
    char buf[65536];
    ssize_t n;
    while (s->fd >= 0 && (n = read(s->fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break; /* EAGAIN: a process outside the container's pid 1 still holds it; EIO: the pty's end */
        }
        log_consume(log, s, buf, n);
    }
}

static void close_stream(struct log_stream *s)
{
    close(s->fd);
    s->fd = -1;
}

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * An unfinished line (a shell's prompt, "Password: ") is logged once no more of it has come for a moment:
 * attach follows the log and must show it, while output that arrives in pieces still makes whole lines.
 * Returns the poll timeout until the next partial line is due, -1 when none waits.
 */
#define PARTIAL_LINE_MS 15
static int flush_partial_lines(struct relay *r)
{
    long long now = monotonic_ms(), timeout = -1;
    for (int i = 0; i < r->nstreams; i++) {
        struct log_stream *s = &r->streams[i];
        if (s->len == 0)
            continue;
        long long due = s->since_ms + PARTIAL_LINE_MS - now;
        if (due <= 0) {
            log_flush_partial(&r->log, s);
            continue;
        }
        if (timeout < 0 || due < timeout)
            timeout = due;
    }
    return (int)timeout;
}

/* The monitor's event loop until pid 1 exits: output to the log, control clients, pending stdin. */
static int monitor_loop(pid_t child, int signal_fd, struct relay *r)
{
    enum { SIGNAL_SLOT, LISTEN_SLOT, STDIN_SLOT, FIRST_STREAM_SLOT, FIRST_CLIENT_SLOT = FIRST_STREAM_SLOT + 2 };
    struct control *c = &r->control;
    struct pollfd *fds = NULL;
    int capacity = 0;
    for (;;) {
        int clients = c->count;
        if (FIRST_CLIENT_SLOT + clients > capacity) {
            capacity = FIRST_CLIENT_SLOT + clients * 2;
            struct pollfd *grown = realloc(fds, capacity * sizeof(*fds));
            if (!grown)
                return 255;
            fds = grown;
        }
        fds[SIGNAL_SLOT] = (struct pollfd){ .fd = signal_fd, .events = POLLIN };
        fds[LISTEN_SLOT] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
        fds[STDIN_SLOT] = (struct pollfd){ .fd = c->pending > 0 ? c->stdin_fd : -1, .events = POLLOUT };
        for (int i = 0; i < 2; i++)
            fds[FIRST_STREAM_SLOT + i] = (struct pollfd){ .fd = i < r->nstreams ? r->streams[i].fd : -1, .events = POLLIN };
        /* back-pressure: with stdin's buffer full, clients wait in their sockets */
        int reading = control_accepts_input(c);
        for (int i = 0; i < clients; i++)
            fds[FIRST_CLIENT_SLOT + i] = (struct pollfd){ .fd = reading ? c->clients[i].fd : -1, .events = POLLIN };
        if (poll(fds, FIRST_CLIENT_SLOT + clients, flush_partial_lines(r)) < 0) {
            if (errno == EINTR)
                continue;
            return 255;
        }
        for (int i = 0; i < r->nstreams; i++) {
            if (!(fds[FIRST_STREAM_SLOT + i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[65536];
            ssize_t n = read(r->streams[i].fd, buf, sizeof(buf));
            if (n > 0) {
                int had_partial = r->streams[i].len > 0;
                log_consume(&r->log, &r->streams[i], buf, n);
                if (!had_partial && r->streams[i].len > 0)
                    r->streams[i].since_ms = monotonic_ms();
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN))
                close_stream(&r->streams[i]);
        }
        if (fds[STDIN_SLOT].revents)
            control_flush_stdin(c);
        /* backwards: dropping a client moves the last one, already handled, into its slot */
        for (int i = clients - 1; i >= 0; i--)
            if (fds[FIRST_CLIENT_SLOT + i].revents)
                control_read(c, i);
        if (fds[LISTEN_SLOT].revents & POLLIN)
            control_accept(c);
        if (fds[SIGNAL_SLOT].revents & POLLIN) {
            struct signalfd_siginfo info;
            if (read(signal_fd, &info, sizeof(info)) < 0 && errno != EAGAIN)
                return 255;
            int status;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                if (pid != child)
                    continue;
                /* Whatever the container wrote before dying is still in the pipes or the pty: log it all. */
                for (int i = 0; i < r->nstreams; i++) {
                    if (r->streams[i].fd >= 0) {
                        fcntl(r->streams[i].fd, F_SETFL, O_NONBLOCK);
                        drain(&r->log, &r->streams[i]);
                    }
                    log_flush_partial(&r->log, &r->streams[i]);
                }
                free(fds);
                return exit_code(status);
            }
        }
    }
}

/* A failure once the child exists: it goes down with the monitor. */
static void fail_with_child(pid_t child, int report_fd, const char *step) __attribute__((noreturn));
static void fail_with_child(pid_t child, int report_fd, const char *step)
{
    int err = errno;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    errno = err;
    fail(report_fd, step);
}

/* runc's --console-socket: the pty master goes to whoever listens there, with the pty's name. */
static int hand_over_console(const char *path, int master, const char *name)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -1 : send_fd(fd, master, name);
    int err = errno;
    close(fd);
    errno = err;
    return rc;
}

/* The monitor's fd for the container's stdio slot: the caller's own with stdio_inherit, else a fresh pipe end. */
static int inherited_stdio(int fd, int report_fd)
{
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        fail(report_fd, "inherit stdio");
    return copy;
}

/* Blocks until SIGUSR1 (start) or the child's death; returns the child's wait status if it died first, else -1. */
static int await_start(pid_t child, int signal_fd)
{
    for (;;) {
        struct pollfd p = { .fd = signal_fd, .events = POLLIN };
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            return 255 << 8;
        struct signalfd_siginfo info;
        while (read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
            if (info.ssi_signo == SIGUSR1)
                return -1;
            int status;
            if (waitpid(child, &status, WNOHANG) == child)
                return status;
        }
    }
}

/* With --no-monitor: where a created container waits for its start byte (NULL: not given). */
static const char *start_fifo;
static int no_monitor;

/* The read-write fifo end a created container blocks on until `start` writes to the fifo. */
static int open_start_fifo(int report_fd)
{
    if (!start_fifo) {
        errno = EINVAL;
        fail(report_fd, "start fifo");
    }
    if (mkfifo(start_fifo, 0600) < 0)
        fail(report_fd, "start fifo");
    int fd = open(start_fifo, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        unlink(start_fifo);
        errno = err;
        fail(report_fd, "start fifo");
    }
    return fd;
}

static void monitor(const struct plan *plan, int report_fd) __attribute__((noreturn));
static void monitor(const struct plan *plan, int report_fd)
{
    const struct record *log_rec = plan_find(plan, "log");
    const struct record *rotate_rec = plan_find(plan, "log_rotate");
    const struct record *exit_rec = plan_find(plan, "exit_file");
    const struct record *clone_rec = plan_find(plan, "clone_flags");
    const struct record *oom_rec = plan_find(plan, "oom_events");
    const struct record *control_rec = plan_find(plan, "control_socket");
    const struct record *console_rec = plan_find(plan, "console_socket");
    int inherit = plan_find(plan, "stdio_inherit") != NULL, wait_start = plan_find(plan, "wait_start") != NULL;
    int terminal = plan_find(plan, "terminal") != NULL, open_stdin = !inherit && plan_find(plan, "open_stdin") != NULL;
    /* A terminal whose master nobody would read is refused, as runc refuses a detached tty without console socket. */
    if ((log_rec && (log_rec->argc != 1 || inherit)) || (no_monitor && (!inherit || log_rec || control_rec)) ||
        (!no_monitor && (!exit_rec || exit_rec->argc != 1)) || (rotate_rec && rotate_rec->argc != 2) ||
        (control_rec && control_rec->argc != 1) || (console_rec && (console_rec->argc != 1 || !terminal)) ||
        (terminal && inherit && !console_rec)) {
        errno = EINVAL;
        fail(report_fd, "plan");
    }
    int in_fd = -1, out[2] = { -1, -1 }, err[2] = { -1, -1 }, stdin_pipe[2] = { -1, -1 };
    if (inherit) {
        in_fd = inherited_stdio(STDIN_FILENO, report_fd);
        out[1] = inherited_stdio(STDOUT_FILENO, report_fd);
        err[1] = inherited_stdio(STDERR_FILENO, report_fd);
    }
    /* Detached from the caller's session and working directory, so it keeps no mount busy. */
    if (!no_monitor && (setsid() < 0 || chdir("/") < 0))
        fail(report_fd, "detach");
    int null_fd = no_monitor ? -1 : open("/dev/null", O_RDWR);
    if (!no_monitor && (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(null_fd, 2) < 0))
        fail(report_fd, "open /dev/null");
    if (null_fd > 2)
        close(null_fd);
    if (!inherit)
        in_fd = STDIN_FILENO;

    struct relay relay = { .control = { .listen_fd = -1, .stdin_fd = -1, .resize_fd = -1 } };
    if (log_open(&relay.log, log_rec ? log_rec->argv[0] : NULL, rotate_rec ? arg_num(rotate_rec, 0) : 0,
                 rotate_rec ? (int)arg_num(rotate_rec, 1) : 0) < 0)
        fail(report_fd, "open log");

    signal(SIGPIPE, SIG_IGN); /* a closed log or stdin must not kill the monitor */
    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    sigaddset(&handled, SIGUSR1); /* "start" of a created container */
    sigprocmask(SIG_BLOCK, &handled, NULL);
    int signal_fd = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd < 0)
        fail(report_fd, "signalfd");

    int error_pipe[2], sync_pipe[2], start_pipe[2] = { -1, -1 }, console_pair[2] = { -1, -1 };
    int piped_output = !inherit && !terminal;
    if ((piped_output && (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))) || pipe2(error_pipe, O_CLOEXEC) ||
        pipe2(sync_pipe, O_CLOEXEC) || (wait_start && !no_monitor && pipe2(start_pipe, O_CLOEXEC)) ||
        (open_stdin && !terminal && pipe2(stdin_pipe, O_CLOEXEC)) ||
        (terminal && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, console_pair)))
        fail(report_fd, "pipe");
    if (wait_start && no_monitor)
        start_pipe[0] = open_start_fifo(report_fd);
    if (stdin_pipe[0] >= 0) {
        in_fd = stdin_pipe[0];
        relay.control.stdin_fd = stdin_pipe[1];
        fcntl(stdin_pipe[1], F_SETFL, O_NONBLOCK);
    }
    if (terminal && !inherit) /* stdio is /dev/null until the terminal step replaces it */
        out[1] = err[1] = STDIN_FILENO;
    /* Listening before the container exists: a client may connect as soon as the start is reported. */
    if (control_rec) {
        if (control_listen(&relay.control, control_rec->argv[0]) < 0)
            fail(report_fd, "control socket");
        listening_path = control_rec->argv[0];
    }

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

    long long oom_kills_before = oom_rec ? read_oom_kills(oom_rec->argv[0]) : 0;
    int flags = clone_rec ? (int)arg_num(clone_rec, 0) : 0;
    struct child_args args = { plan, in_fd, out[1], err[1], error_pipe[1], sync_pipe[0], start_pipe[0], console_pair[1] };
    char *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        fail(report_fd, "mmap");
    pid_t child = clone(child_main, stack + CHILD_STACK_SIZE, flags | SIGCHLD, &args);
    if (child < 0)
        fail(report_fd, "clone");
    if (in_fd != STDIN_FILENO)
        close(in_fd);
    if (out[1] != STDIN_FILENO) {
        close(out[1]);
        close(err[1]);
    }
    close(error_pipe[1]);
    close(sync_pipe[0]);
    if (wait_start)
        close(start_pipe[0]);
    if (terminal)
        close(console_pair[1]);

    /* The monitor, still host root, moves the child into its cgroups: a child in a user namespace could not. */
    for (int i = 0; i < plan->count; i++) {
        const struct record *r = &plan->records[i];
        if (strcmp(r->op, "join_cgroup") != 0)
            continue;
        char pid_text[16];
        int len = snprintf(pid_text, sizeof(pid_text), "%d", child);
        int fd = open(r->argv[0], O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, pid_text, len) < 0)
            fail_with_child(child, report_fd, "join cgroup");
        close(fd);
    }

    const struct record *uid_map = plan_find(plan, "uid_map"), *gid_map = plan_find(plan, "gid_map");
    if (uid_map)
        write_id_map(child, "uid_map", uid_map, report_fd);
    if (gid_map)
        write_id_map(child, "gid_map", gid_map, report_fd);
    const struct record *idmapped = plan_find(plan, "idmapped_overlay");
    if (idmapped && mount_idmapped_overlay(idmapped, child) < 0)
        fail_with_child(child, report_fd, "mount the id-mapped rootfs");
    const struct record *stdio_owner = plan_find(plan, "stdio_owner");
    int stdio_pipes[] = { out[0], err[0], stdin_pipe[1] };
    if (stdio_owner && chown_stdio_pipes(stdio_owner, stdio_pipes, 3) < 0)
        fail_with_child(child, report_fd, "give the stdio pipes to the container's root");
    close(sync_pipe[1]); /* EOF tells the child its namespaces are ready */

    /* The child's first message: a failure, "ready" (created, waiting for start), or EOF (exec'd). */
    struct failure f;
    ssize_t n;
    while ((n = read(error_pipe[0], &f, sizeof(f))) < 0 && errno == EINTR)
        ;
    int created = n > 0 && f.err == 0;
    if (n > 0 && !created) {
        waitpid(child, NULL, 0);
        f.step[sizeof(f.step) - 1] = f.message[sizeof(f.message) - 1] = '\0';
        report(report_fd, "failed %d %s\t%s\n", f.err, f.step, f.message);
        control_shutdown(&relay.control);
        _exit(1);
    }
    /* The terminal step ran before the child's exec or "ready": its pty master is waiting in the socket. */
    if (terminal) {
        char name[64];
        int master = recv_fd(console_pair[0], name, sizeof(name));
        if (master < 0)
            fail_with_child(child, report_fd, "receive the pty master");
        close(console_pair[0]);
        if (console_rec) {
            if (hand_over_console(console_rec->argv[0], master, name) < 0)
                fail_with_child(child, report_fd, "console socket");
            close(master);
        } else {
            relay.streams[relay.nstreams++] = (struct log_stream){ .name = "stdout", .fd = master };
            relay.control.resize_fd = master;
            if (open_stdin) {
                relay.control.stdin_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
                relay.control.stdin_is_tty = 1;
            }
            fcntl(master, F_SETFL, O_NONBLOCK);
        }
    }
    if (piped_output) {
        relay.streams[relay.nstreams++] = (struct log_stream){ .name = "stdout", .fd = out[0] };
        relay.streams[relay.nstreams++] = (struct log_stream){ .name = "stderr", .fd = err[0] };
    }
    report(report_fd, "%s %d %d\n", created ? "created" : "started", child, no_monitor ? 0 : getpid());
    close(report_fd);
    if (no_monitor) /* the caller, a subreaper, inherits pid 1 */
        _exit(0);

    if (created) {
        int status = await_start(child, signal_fd);
        if (status != -1) { /* killed before it was started */
            control_shutdown(&relay.control);
            write_exit_file(exit_rec->argv[0], exit_code(status), 0);
            _exit(0);
        }
        if (write(start_pipe[1], "s", 1) < 0) {
            /* the child is gone; its exit is reaped below */
        }
        close(start_pipe[1]);
        /* An exec failure after start ends in the child's exit status (127); the message goes to its stderr log. */
        while ((n = read(error_pipe[0], &f, sizeof(f))) < 0 && errno == EINTR)
            ;
        if (n > 0) {
            struct log_stream failure_log = { .name = "stderr", .fd = -1 };
            f.message[sizeof(f.message) - 1] = '\0';
            log_consume(&relay.log, &failure_log, f.message, strlen(f.message));
            log_consume(&relay.log, &failure_log, "\n", 1);
        }
    }
    close(error_pipe[0]);

    int code = monitor_loop(child, signal_fd, &relay);
    if (relay.log.fd >= 0)
        close(relay.log.fd);
    /* The socket goes before the exit is recorded: whoever sees the exit finds no control socket either. */
    control_shutdown(&relay.control);
    long long oom_kills = oom_rec ? read_oom_kills(oom_rec->argv[0]) - oom_kills_before : 0;
    write_exit_file(exit_rec->argv[0], code, oom_kills);
    _exit(0);
}

/*
 * The CVE-2019-5736 class: a container process must not be able to write the shim binary through
 * /proc/<shim pid>/exe. The shim therefore runs from a sealed memfd copy of itself: on first start it copies
 * /proc/self/exe into a memfd, seals it against any change and re-executes it; the copy finds its seals and goes on.
 */
#define SHIM_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static FILE *report_out;

static void run_from_sealed_copy(char **argv)
{
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0) {
        fprintf(report_out, "failed %d seal\topen /proc/self/exe: %s\n", errno, strerror(errno));
        exit(1);
    }
    int seals = fcntl(self, F_GET_SEALS);
    if (seals >= 0 && (seals & SHIM_SEALS) == SHIM_SEALS) {
        close(self);
        return;
    }
    struct stat st;
    int copy = memfd_create("berth-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (copy < 0 || fstat(self, &st) < 0) {
        fprintf(report_out, "failed %d seal\tmemfd: %s\n", errno, strerror(errno));
        exit(1);
    }
    for (off_t done = 0; done < st.st_size;) {
        ssize_t n = sendfile(copy, self, NULL, st.st_size - done);
        if (n <= 0) {
            fprintf(report_out, "failed %d seal\tcopy the shim: %s\n", n < 0 ? errno : EIO, strerror(n < 0 ? errno : EIO));
            exit(1);
        }
        done += n;
    }
    close(self);
    if (fcntl(copy, F_ADD_SEALS, SHIM_SEALS) < 0) {
        fprintf(report_out, "failed %d seal\tseal the shim: %s\n", errno, strerror(errno));
        exit(1);
    }
    /* A static binary needs no path after exec, so the close-on-exec memfd may go with it. */
    syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
    fprintf(report_out, "failed %d seal\texec the sealed shim: %s\n", errno, strerror(errno));
    exit(1);
}

/* --wait: the container's pid 1 once reported, for the signal forwarder. */
static volatile pid_t waited_child;
/* --relay-console: set while this process relays the container's terminal; a SIGWINCH then marks a new size. */
static volatile sig_atomic_t window_changed, relaying_console;
static const int forwarded_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH };
#define FORWARDED_COUNT (int)(sizeof(forwarded_signals) / sizeof(forwarded_signals[0]))

static void forward_signal(int sig)
{
    if (sig == SIGWINCH && relaying_console)
        window_changed = 1; /* the pty's new size reaches its foreground process group as SIGWINCH */
    else if (waited_child > 0)
        kill(waited_child, sig);
}

/* Blocked from before the fork, so a signal that comes before pid 1 is known waits for it instead of being lost. */
static void hold_forwarded_signals(sigset_t *set)
{
    sigemptyset(set);
    for (int i = 0; i < FORWARDED_COUNT; i++)
        sigaddset(set, forwarded_signals[i]);
    sigprocmask(SIG_BLOCK, set, NULL);
}

static void relay_console(int master);

/* --wait: pid 1 is this process's child now (it is a subreaper and the monitor half has exited). */
static int wait_for_container(pid_t child, const sigset_t *held, int master)
{
    waited_child = child;
    struct sigaction forward = { .sa_handler = forward_signal };
    sigemptyset(&forward.sa_mask);
    for (int i = 0; i < FORWARDED_COUNT; i++)
        sigaction(forwarded_signals[i], &forward, NULL);
    sigprocmask(SIG_UNBLOCK, held, NULL);
    if (master >= 0) {
        relay_console(master);
        close(master);
    }
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            return 255;
    return exit_code(status);
}

/*
 * --relay-console <path> (with --wait): runc's foreground run with process.terminal. The monitor half sends the pty
 * master to <path>, a socket this process listens on; this process then relays its own stdin and stdout to it, with
 * its terminal in raw mode (restored before it exits) and its window size copied to the pty, again on SIGWINCH.
 */
static void copy_window_size(int master)
{
    struct winsize ws;
    if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
}

static int write_fully(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= w;
    }
    return 0;
}

static int receive_console(int listen_fd)
{
    struct pollfd p = { .fd = listen_fd, .events = POLLIN };
    if (poll(&p, 1, 10000) <= 0)
        return -1;
    int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return -1;
    char name[64];
    int master = recv_fd(conn, name, sizeof(name));
    close(conn);
    return master;
}

static void relay_console(int master)
{
    struct termios saved;
    int raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (raw) {
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
    relaying_console = 1;
    copy_window_size(master);
    int input_open = 1;
    char buf[16384];
    for (;;) {
        if (window_changed) {
            window_changed = 0;
            copy_window_size(master);
        }
        struct pollfd p[2] = { { .fd = master, .events = POLLIN }, { .fd = input_open ? STDIN_FILENO : -1, .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(master, buf, sizeof(buf));
            if (n > 0) {
                if (write_fully(STDOUT_FILENO, buf, n) < 0)
                    break;
            } else if (n == 0 || errno != EINTR) {
                break; /* EIO: every slave fd is closed, the container is done with its terminal */
            }
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n > 0) {
                if (write_fully(master, buf, n) < 0)
                    break;
            } else if (n == 0 || errno != EINTR) {
                input_open = 0;
                if (write_fully(master, "\x04", 1) < 0) /* end of input: ^D, as a terminal's user would type it */
                    break;
            }
        }
    }
    relaying_console = 0;
    if (raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}

int main(int argc, char **argv)
{
    char **all_args = argv;
    int wait_mode = 0;
    const char *relay_path = NULL;
    if (argc >= 2 && strcmp(argv[1], "--no-monitor") == 0) {
        no_monitor = 1;
        argc--;
        argv++;
        if (argc >= 2 && strcmp(argv[1], "--wait") == 0) {
            wait_mode = 1;
            argc--;
            argv++;
            if (argc >= 3 && strcmp(argv[1], "--relay-console") == 0) {
                relay_path = argv[2];
                argc -= 2;
                argv += 2;
            }
        }
        if (argc == 4) {
            start_fifo = argv[3];
            argc--;
        }
    }
    if ((argc != 2 && argc != 3) || (no_monitor && argc != 3)) {
        fprintf(stderr, "usage: %s <plan> [<report file>] | %s --no-monitor [--wait [--relay-console <socket>]] <plan> <report file> [<start fifo>]\n",
                all_args[0], all_args[0]);
        return 2;
    }
    /* With a report file, stdout stays the caller's, for a container that inherits it. */
    report_out = argc == 3 ? fopen(argv[2], "we") : stdout;
    if (!report_out) {
        fprintf(stderr, "berth-shim: open report file %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    run_from_sealed_copy(all_args);
    struct plan plan;
    if (plan_load(argv[1], &plan) < 0) {
        fprintf(report_out, "failed %d plan\tread plan %s: %s\n", errno, argv[1], strerror(errno));
        return 1;
    }
    int report_pipe[2];
    if (pipe2(report_pipe, O_CLOEXEC) < 0) {
        fprintf(report_out, "failed %d pipe\tpipe: %s\n", errno, strerror(errno));
        return 1;
    }
    fflush(report_out);
    sigset_t held;
    if (wait_mode) {
        hold_forwarded_signals(&held);
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
            fprintf(report_out, "failed %d subreaper\tprctl(PR_SET_CHILD_SUBREAPER): %s\n", errno, strerror(errno));
            return 1;
        }
    }
    struct control console_listener = { .listen_fd = -1 };
    if (relay_path && control_listen(&console_listener, relay_path) < 0) {
        fprintf(report_out, "failed %d console\tlisten on %s: %s\n", errno, relay_path, strerror(errno));
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(report_out, "failed %d fork\tfork: %s\n", errno, strerror(errno));
        return 1;
    }
    if (pid == 0) {
        close(report_pipe[0]);
        if (console_listener.listen_fd >= 0)
            close(console_listener.listen_fd);
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
        fprintf(report_out, "failed 0 monitor\tmonitor exited without reporting\n");
        return 1;
    }
    line[len] = '\0';
    fputs(line, report_out);
    /* On failure the monitor has already exited, as it has without a monitor's job: reap it so nothing is left behind. */
    int ok = strncmp(line, "started ", 8) == 0 || strncmp(line, "created ", 8) == 0;
    if (!ok || no_monitor)
        waitpid(pid, NULL, 0);
    int master = -1;
    if (ok && console_listener.listen_fd >= 0 && (master = receive_console(console_listener.listen_fd)) < 0)
        fprintf(stderr, "berth-shim: the container's terminal did not arrive: %s\n", strerror(errno));
    if (console_listener.listen_fd >= 0) {
        close(console_listener.listen_fd);
        unlink(relay_path);
    }
    if (!ok || !wait_mode)
        return ok ? 0 : 1;
    fflush(report_out);
    return wait_for_container((pid_t)strtol(line + 8, NULL, 10), &held, master);
}
