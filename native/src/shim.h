/* berth-shim: shared declarations. See native/README.md for the plan format. */
#ifndef BERTH_SHIM_H
#define BERTH_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One plan record: an op name and its arguments, all NUL-terminated strings inside the plan buffer. */
struct record {
    const char *op;
    int argc;
    char **argv;
};

struct plan {
    struct record *records;
    int count;
};

int plan_load(const char *path, struct plan *plan);
/* First record with this op, or NULL. */
const struct record *plan_find(const struct plan *plan, const char *op);
long long arg_num(const struct record *r, int i);

/* Failure reported by the container child over the error pipe: errno, step, message. */
struct failure {
    int err;
    char step[256];
    char message[1536];
};

/* Runs in the cloned child and never returns: execs the process or reports a failure and exits. start_fd, when
 * not -1, is read for the start signal (the OCI create/start split) once everything but execve is done;
 * console_fd, when not -1, is where the "terminal" step sends the pty master it opens. */
void container_run(const struct plan *plan, int error_fd, int sync_fd, int start_fd, int console_fd, struct failure *f)
    __attribute__((noreturn));

/* Run by the monitor once the child's id maps are written: "idmapped_overlay <target> <upperdir> <workdir> <lower>..."
 * (top layer first) mounts an overlay of the layers id-mapped to the child's user namespace at target in the child's
 * mount namespace. Returns -1 with errno on failure. */
int mount_idmapped_overlay(const struct record *r, pid_t child);
/* "stdio_owner <host uid> <host gid>": the container root's host ids, given the monitor's pipes (any end will do). */
int chown_stdio_pipes(const struct record *owner, const int *fds, int n);

/* Closes every fd but those listed (-1 entries are ignored). */
void close_fds_except(const int *keep, int n);

/* fd passing over a unix socket (SCM_RIGHTS) with a short text payload, as runc's console socket does. */
int send_fd(int socket_fd, int fd, const char *text);
/* Returns the received fd (close-on-exec), or -1; the payload, NUL-terminated, goes to text. */
int recv_fd(int socket_fd, char *text, size_t size);

/* The log writer: docker json-file lines, rotated like docker's --log-opt max-size/max-file. */
struct log_file {
    const char *path;     /* NULL: output is discarded */
    int fd;
    long long size;       /* bytes in the current file */
    long long max_size;   /* 0: unbounded */
    int max_files;
};

struct log_stream {
    const char *name;     /* "stdout" or "stderr" */
    int fd;               /* read end of the container's pipe or the pty master, -1 once closed */
    size_t len;           /* bytes buffered of the current line */
    long long since_ms;   /* when the buffered partial line began (monotonic ms) */
    char buf[16 * 1024];  /* docker splits lines longer than 16 KiB */
};

int log_open(struct log_file *log, const char *path, long long max_size, int max_files);
void log_consume(struct log_file *log, struct log_stream *s, const char *data, size_t n);
void log_flush_partial(struct log_file *log, struct log_stream *s);
void format_time_now(char *out, size_t size);

/*
 * The input side: the control socket's clients and the container's stdin (a pipe's write end or the pty master).
 * Nothing here blocks: stdin bytes wait in a bounded buffer, and while it is full no client is read.
 */
#define STDIN_PENDING_MAX (64 * 1024)
#define FRAME_PAYLOAD_MAX (1024 * 1024)
enum frame_type { FRAME_STDIN = 0, FRAME_CLOSE_STDIN = 1, FRAME_RESIZE = 2 };

struct control_client {
    int fd;
    unsigned char header[8];
    size_t header_len;
    uint32_t remaining;       /* payload bytes still to read */
    unsigned char resize[4];  /* rows u16 BE, cols u16 BE */
    size_t resize_len;
};

struct control {
    int listen_fd;            /* -1 without a control socket */
    const char *path;
    struct control_client *clients;
    int count, capacity;
    int stdin_fd;             /* -1: no stdin to write (none, or closed); input is discarded */
    int stdin_is_tty;
    int close_requested;      /* no more input: close the pipe, or send ^D to the terminal, once pending is written */
    int eof_queued;
    int resize_fd;            /* the pty master, or -1 */
    size_t pending;
    char buf[STDIN_PENDING_MAX];
};

int control_listen(struct control *c, const char *path);
void control_accept(struct control *c);
/* True while the stdin buffer has room, so clients may be read. */
int control_accepts_input(const struct control *c);
/* Reads what one client sent; drops it on EOF, an unknown frame type or an oversized payload. */
void control_read(struct control *c, int index);
/* Writes pending stdin bytes as far as the container takes them. */
void control_flush_stdin(struct control *c);
/* Closes every client and the listening socket, and unlinks its path. */
void control_shutdown(struct control *c);

#endif
