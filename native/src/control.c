/*
 * The monitor's input side: a unix socket that any number of clients (the daemon, again after it restarts) connect
 * to, sending frames [type u8, 0, 0, 0, payload length u32 BE] + payload: stdin data, close stdin, resize.
 * Stdin bytes wait in a bounded buffer until the container reads them; while it is full no client is read, so a
 * client that writes faster than the container reads is held back by its own socket, never the monitor.
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int control_listen(struct control *c, const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    c->path = path;
    c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->listen_fd < 0)
        return -1;
    unlink(path); /* left by a monitor that was killed */
    mode_t old = umask(0177); /* the socket file is created 0600: stdin of a root container is root's alone */
    int rc = bind(c->listen_fd, (struct sockaddr *)&addr, sizeof(addr));
    umask(old);
    if (rc < 0 || listen(c->listen_fd, 16) < 0)
        return -1;
    return 0;
}

void control_accept(struct control *c)
{
    int fd;
    while ((fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        if (c->count == c->capacity) {
            int capacity = c->capacity ? c->capacity * 2 : 4;
            struct control_client *grown = realloc(c->clients, capacity * sizeof(*grown));
            if (!grown) {
                close(fd);
                return;
            }
            c->clients = grown;
            c->capacity = capacity;
        }
        c->clients[c->count++] = (struct control_client){ .fd = fd };
    }
}

int control_accepts_input(const struct control *c)
{
    return c->stdin_fd < 0 || c->pending < sizeof(c->buf);
}

static void drop_client(struct control *c, int index)
{
    close(c->clients[index].fd);
    c->clients[index] = c->clients[--c->count];
}

/* Whether some client has sent stdin bytes this monitor has not read yet. */
static int clients_hold_input(const struct control *c)
{
    for (int i = 0; i < c->count; i++) {
        int unread = 0;
        const struct control_client *cl = &c->clients[i];
        if ((cl->header_len == sizeof(cl->header) && cl->header[0] == FRAME_STDIN && cl->remaining > 0) ||
            (ioctl(cl->fd, FIONREAD, &unread) == 0 && unread > 0))
            return 1;
    }
    return 0;
}

/* Stdin is gone (closed on request, or its reader is): what is pending or comes later is discarded. */
static void close_stdin(struct control *c)
{
    if (c->stdin_fd >= 0)
        close(c->stdin_fd);
    c->stdin_fd = -1;
    c->pending = 0;
}

/*
 * A pipe closes once the pending bytes are written; a terminal gets VEOF (^D) after them, which a reader in
 * canonical mode sees as end of input. Input other clients sent before the close but not yet read here
 * (several writers on several connections) goes first: the close waits until no socket holds unread bytes.
 */
static void request_close(struct control *c)
{
    if (c->stdin_fd < 0)
        return;
    c->close_requested = 1;
    control_flush_stdin(c);
}

static void resize(struct control *c, const unsigned char *size)
{
    struct winsize ws = { .ws_row = size[0] << 8 | size[1], .ws_col = size[2] << 8 | size[3] };
    if (c->resize_fd >= 0)
        ioctl(c->resize_fd, TIOCSWINSZ, &ws);
}

/* A complete header: checks it and acts on a frame without payload. Returns 0 if the client must go. */
static int start_frame(struct control *c, struct control_client *cl)
{
    unsigned char *h = cl->header;
    uint32_t len = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    int type = h[0];
    if (h[1] || h[2] || h[3] || len > FRAME_PAYLOAD_MAX)
        return 0;
    if ((type == FRAME_CLOSE_STDIN && len != 0) || (type == FRAME_RESIZE && len != 4) || type > FRAME_RESIZE)
        return 0;
    cl->remaining = len;
    cl->resize_len = 0;
    if (type == FRAME_CLOSE_STDIN)
        request_close(c);
    if (len == 0)
        cl->header_len = 0;
    return 1;
}

void control_read(struct control *c, int index)
{
    struct control_client *cl = &c->clients[index];
    ssize_t n;
    if (cl->header_len < sizeof(cl->header)) {
        n = read(cl->fd, cl->header + cl->header_len, sizeof(cl->header) - cl->header_len);
        if (n > 0 && (cl->header_len += n) == sizeof(cl->header) && !start_frame(c, cl))
            n = 0;
    } else if (cl->header[0] == FRAME_RESIZE) {
        n = read(cl->fd, cl->resize + cl->resize_len, cl->remaining);
        if (n > 0 && (cl->resize_len += n, cl->remaining -= n) == 0) {
            resize(c, cl->resize);
            cl->header_len = 0;
        }
    } else {
        char discard[16384];
        int keep = c->stdin_fd >= 0 && !c->eof_queued; /* nothing after a terminal's ^D reaches the container */
        size_t room = keep ? sizeof(c->buf) - c->pending : sizeof(discard);
        size_t want = cl->remaining < room ? cl->remaining : room;
        if (want == 0)
            return; /* another client filled the buffer in this round: wait, a read of 0 bytes would look like EOF */
        n = read(cl->fd, keep ? c->buf + c->pending : discard, want);
        if (n > 0) {
            if (keep)
                c->pending += n;
            if ((cl->remaining -= n) == 0)
                cl->header_len = 0;
            control_flush_stdin(c);
        }
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        drop_client(c, index);
        control_flush_stdin(c); /* a close may have waited for this client's input */
    }
}

void control_flush_stdin(struct control *c)
{
    for (;;) {
        /* queued once there is room: several clients' input may have filled the buffer in one round */
        if (c->close_requested && c->stdin_is_tty && !c->eof_queued && c->pending < sizeof(c->buf) && !clients_hold_input(c)) {
            c->buf[c->pending++] = 0x04;
            c->eof_queued = 1;
        }
        if (c->stdin_fd < 0 || c->pending == 0)
            break;
        ssize_t n = write(c->stdin_fd, c->buf, c->pending);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) { /* EPIPE, EIO: nobody will read it any more */
            close_stdin(c);
            return;
        }
        memmove(c->buf, c->buf + n, c->pending - n);
        c->pending -= n;
    }
    if (c->close_requested && !c->stdin_is_tty && c->pending == 0 && !clients_hold_input(c))
        close_stdin(c);
}

void control_shutdown(struct control *c)
{
    for (int i = 0; i < c->count; i++)
        close(c->clients[i].fd);
    c->count = 0;
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
        unlink(c->path);
        c->listen_fd = -1;
    }
    close_stdin(c);
}
