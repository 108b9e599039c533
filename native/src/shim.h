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
 * not -1, is read for the start signal (the OCI create/start split) once everything but execve is done. */
void container_run(const struct plan *plan, int error_fd, int sync_fd, int start_fd, struct failure *f) __attribute__((noreturn));

/* Closes every fd but those listed (-1 entries are ignored). */
void close_fds_except(const int *keep, int n);

/* The log writer: docker json-file lines. */
struct log_stream {
    const char *name;     /* "stdout" or "stderr" */
    int fd;               /* read end of the container's pipe, -1 once closed */
    size_t len;           /* bytes buffered of the current line */
    char buf[16 * 1024];  /* docker splits lines longer than 16 KiB */
};

void log_consume(int log_fd, struct log_stream *s, const char *data, size_t n);
void log_flush_partial(int log_fd, struct log_stream *s);
void format_time_now(char *out, size_t size);

#endif
