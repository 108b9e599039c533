/* Plan parsing: the file is a sequence of records "op\0argc\0arg1\0...argN\0" (argc in decimal). */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *read_file(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && (buf = malloc(st.st_size + 1)) != NULL) {
        size_t done = 0;
        while (done < (size_t)st.st_size) {
            ssize_t n = read(fd, buf + done, st.st_size - done);
            if (n <= 0) {
                free(buf);
                buf = NULL;
                break;
            }
            done += n;
        }
        if (buf) {
            buf[done] = '\0';
            *size = done;
        }
    }
    close(fd);
    return buf;
}

/* Returns the next token starting at *pos, or NULL when the buffer ends without a terminating NUL. */
static char *next_token(char *buf, size_t size, size_t *pos)
{
    if (*pos >= size)
        return NULL;
    char *token = buf + *pos;
    char *end = memchr(token, '\0', size - *pos);
    if (!end)
        return NULL;
    *pos = end - buf + 1;
    return token;
}

int plan_load(const char *path, struct plan *plan)
{
    size_t size, pos = 0;
    char *buf = read_file(path, &size);
    if (!buf)
        return -1;
    plan->count = 0;
    plan->records = NULL;
    int capacity = 0;
    while (pos < size) {
        char *op = next_token(buf, size, &pos);
        char *count = next_token(buf, size, &pos);
        if (!op || !count)
            goto malformed;
        int argc = atoi(count);
        if (argc < 0)
            goto malformed;
        char **argv = calloc(argc + 1, sizeof(char *));
        if (!argv)
            return -1;
        for (int i = 0; i < argc; i++)
            if (!(argv[i] = next_token(buf, size, &pos)))
                goto malformed;
        if (plan->count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            plan->records = realloc(plan->records, capacity * sizeof(struct record));
            if (!plan->records)
                return -1;
        }
        plan->records[plan->count++] = (struct record){ op, argc, argv };
    }
    return 0;
malformed:
    errno = EINVAL;
    return -1;
}

const struct record *plan_find(const struct plan *plan, const char *op)
{
    for (int i = 0; i < plan->count; i++)
        if (strcmp(plan->records[i].op, op) == 0)
            return &plan->records[i];
    return NULL;
}

long long arg_num(const struct record *r, int i)
{
    return i < r->argc ? strtoll(r->argv[i], NULL, 0) : 0;
}
