/* docker json-file log writer: {"log":"...","stream":"stdout","time":"<RFC 3339 UTC, 9 digits>"} per line. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void format_time_now(char *out, size_t size)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%09ldZ", ts.tv_nsec);
}

struct out {
    char *buf;
    size_t len;
};

static void put(struct out *o, const char *s, size_t n)
{
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

/*
 * Length of the valid UTF-8 sequence at s, or 0 if it is invalid (Go, and so docker, writes U+FFFD then). Strict
 * as RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF, so that every line the log holds is
 * valid JSON text for its readers.
 */
static size_t utf8_length(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    size_t len;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        if (s[0] == 0xe0)
            lo = 0xa0;
        else if (s[0] == 0xed)
            hi = 0x9f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        if (s[0] == 0xf0)
            lo = 0x90;
        else if (s[0] == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (len > n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* Escapes like Go's encoding/json with HTML escaping, which docker's log driver uses. */
static void put_escaped(struct out *o, const char *data, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)data;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t len = utf8_length(s + i, n - i);
            if (len) {
                put(o, (const char *)s + i, len);
                i += len;
            } else {
                put(o, "\\ufffd", 6);
                i++;
            }
            continue;
        }
        char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
        switch (c) {
        case '"': put(o, "\\\"", 2); break;
        case '\\': put(o, "\\\\", 2); break;
        case '\n': put(o, "\\n", 2); break;
        case '\r': put(o, "\\r", 2); break;
        case '\t': put(o, "\\t", 2); break;
        case '<': case '>': case '&': put(o, esc, 6); break;
        default:
            if (c < 0x20)
                put(o, esc, 6);
            else
                put(o, (const char *)&c, 1);
        }
        i++;
    }
}

static void write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* a full disk must not stop the container: the line is lost, as with docker */
        buf += w;
        n -= w;
    }
}

int log_open(struct log_file *log, const char *path, long long max_size, int max_files)
{
    *log = (struct log_file){ .path = path, .fd = -1, .max_size = max_size, .max_files = max_files };
    if (!path)
        return 0;
    struct stat st;
    if ((log->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0 || fstat(log->fd, &st) < 0)
        return -1;
    log->size = st.st_size;
    return 0;
}

/* docker's names: <log>.1 is the newest rotated file; the one past max_files - 1 is overwritten by the rename. */
static void rotate(struct log_file *log)
{
    if (log->max_files < 2) {
        if (ftruncate(log->fd, 0) == 0) /* O_APPEND writes follow the new end */
            log->size = 0;
        return;
    }
    char from[4096], to[4096];
    for (int i = log->max_files - 1; i > 1; i--) {
        snprintf(from, sizeof(from), "%s.%d", log->path, i - 1);
        snprintf(to, sizeof(to), "%s.%d", log->path, i);
        rename(from, to); /* a missing one (fewer rotations so far) is no error */
    }
    snprintf(to, sizeof(to), "%s.1", log->path);
    int fresh = -1;
    if (rename(log->path, to) < 0 || (fresh = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0)
        return; /* keep writing where we are: losing the limit beats losing output */
    close(log->fd);
    log->fd = fresh;
    log->size = 0;
}

static int utf8_valid(const char *data, size_t n)
{
    const unsigned char *s = (const unsigned char *)data;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_length(s + i, n - i);
        if (len == 0)
            return 0;
        i += len;
    }
    return 1;
}

static void put_base64(struct out *o, const char *data, size_t n)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = (const unsigned char *)data;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = s[i] << 16 | (i + 1 < n ? s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
        char q[4] = { alphabet[v >> 18 & 63], alphabet[v >> 12 & 63], i + 1 < n ? alphabet[v >> 6 & 63] : '=',
                      i + 2 < n ? alphabet[v & 63] : '=' };
        put(o, q, 4);
    }
}

/*
 * Output that is not valid UTF-8 (binary data) cannot survive the JSON string docker's format keeps it in
 * (docker writes U+FFFD): such entries also carry the exact bytes, base64, in a "raw" field, so that attach,
 * exec and logs hand back what the process wrote.
 */
static void write_entry(struct log_file *log, const char *stream, const char *data, size_t n)
{
    static char line[16 * 1024 * 6 + 16 * 1024 / 3 * 4 + 512]; /* every byte escaped to \u00XX, plus base64 */
    char now[64];
    if (log->fd < 0)
        return;
    struct out o = { line, 0 };
    format_time_now(now, sizeof(now));
    put(&o, "{\"log\":\"", 8);
    put_escaped(&o, data, n);
    put(&o, "\",\"stream\":\"", 12);
    put(&o, stream, strlen(stream));
    put(&o, "\",\"time\":\"", 10);
    put(&o, now, strlen(now));
    if (!utf8_valid(data, n)) {
        put(&o, "\",\"raw\":\"", 9);
        put_base64(&o, data, n);
    }
    put(&o, "\"}\n", 3);
    if (log->max_size > 0 && log->size > 0 && log->size + (long long)o.len > log->max_size)
        rotate(log);
    write_all(log->fd, line, o.len);
    log->size += o.len;
}

void log_consume(struct log_file *log, struct log_stream *s, const char *data, size_t n)
{
    while (n > 0) {
        const char *newline = memchr(data, '\n', n);
        size_t take = newline ? (size_t)(newline - data) + 1 : n;
        size_t room = sizeof(s->buf) - s->len;
        if (take > room)
            take = room;
        memcpy(s->buf + s->len, data, take);
        s->len += take;
        data += take;
        n -= take;
        if (s->buf[s->len - 1] == '\n' || s->len == sizeof(s->buf)) {
            write_entry(log, s->name, s->buf, s->len);
            s->len = 0;
        }
    }
}

void log_flush_partial(struct log_file *log, struct log_stream *s)
{
    if (s->len > 0)
        write_entry(log, s->name, s->buf, s->len);
    s->len = 0;
}
