/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket server, non-blocking; see control.h.  The request
 * grammar is protocol/ctl_wire.c.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/errbuf.h"
#include "core/error.h"
#include "daemon/control.h"

/*
 * One connection.  It reads until its request is complete (a newline, the
 * end of the stream, or one byte past CTL_REQUEST_MAX), is answered at
 * once, and then writes until the reply is gone; either phase ends at
 * the deadline.
 */
struct ctl_conn {
    int fd;
    bool writing;         /* the reply is ready: out, outlen, outoff */
    uint64_t deadline_ms; /* ctl_now_ms() */
    char *out;            /* malloc'd */
    size_t outlen, outoff;
    struct ctl_conn_info info;
    size_t inlen;
    char in[CTL_REQUEST_MAX + 1]; /* last: a new connection clears what is above */
};

/* A struct the compiler checks against sockaddr_un, so path[] can never
 * hold a name bind() would cut. */
_Static_assert(sizeof(((struct ctl_server *)0)->path) ==
                   sizeof(((struct sockaddr_un *)0)->sun_path),
               "ctl_server.path must match sun_path");

/* ------------------------------------------------------------------------ */
/* The server                                                               */

uint64_t ctl_now_ms(void)
{
    return plm_mono_ms();
}

/* The directory part of path, "." when there is none. */
static void parent_of(const char *path, char *dir, size_t dirlen)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        snprintf(dir, dirlen, ".");
    else if (slash == path)
        snprintf(dir, dirlen, "/");
    else
        snprintf(dir, dirlen, "%.*s", (int)(slash - path), path);
}

/*
 * Whether something answers on the socket file at path: 1 yes, 0 no (a
 * stale file), negative with err set when it cannot be told.  The probe is
 * non-blocking so that a live daemon with a full backlog (EAGAIN) still
 * counts as live instead of stalling this one.
 */
static int probe_live(const struct sockaddr_un *sa, char *err, size_t errlen)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc;

    if (fd < 0)
        return plm_errf(err, errlen, PLM_EIO, "socket: %s", strerror(errno));
    if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno == EAGAIN ||
        errno == EINPROGRESS)
        rc = 1;
    else if (errno == ECONNREFUSED)
        rc = 0;
    else
        rc = plm_errf(err, errlen, PLM_EIO, "cannot probe %s: %s", sa->sun_path, strerror(errno));
    close(fd);
    return rc;
}

int ctl_server_open(struct ctl_server *srv, const char *path, ctl_handler_fn *handler, void *arg,
                    char *err, size_t errlen)
{
    struct sockaddr_un sa;
    char dir[sizeof(sa.sun_path)];
    struct stat st;
    mode_t old_umask;
    int rc;

    memset(srv, 0, sizeof(*srv));
    srv->fd = -1;
    srv->owner_uid = geteuid();
    srv->timeout_ms = CTL_TIMEOUT_MS;
    srv->handler = handler;
    srv->arg = arg;
    if (!path)
        path = CTL_DEFAULT_SOCKET;
    if (!*path || strlen(path) >= sizeof(sa.sun_path))
        return plm_errf(err, errlen, PLM_ERANGE, "%s: socket path empty or longer than %zu bytes",
                        path, sizeof(sa.sun_path) - 1);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);

    /* /run is a tmpfs: the directory is gone after every boot.  Its mode is
     * set whatever the daemon's umask, so that clients can reach in. */
    parent_of(path, dir, sizeof(dir));
    if (mkdir(dir, 0755) == 0) {
        if (chmod(dir, 0755) < 0)
            return plm_errf(err, errlen, PLM_EIO, "cannot chmod %s: %s", dir, strerror(errno));
    } else if (errno != EEXIST) {
        return plm_errf(err, errlen, PLM_EIO, "cannot create %s: %s", dir, strerror(errno));
    }

    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return plm_errf(err, errlen, PLM_EINVAL, "%s exists and is not a socket", path);
        rc = probe_live(&sa, err, errlen);
        if (rc < 0)
            return rc;
        if (rc > 0)
            return plm_errf(err, errlen, PLM_EINVAL,
                            "%s: another xenplmd is already listening there", path);
        /* Left over by a daemon that did not exit cleanly. */
        if (unlink(path) < 0 && errno != ENOENT)
            return plm_errf(err, errlen, PLM_EIO, "cannot remove stale socket %s: %s", path,
                            strerror(errno));
    } else if (errno != ENOENT) {
        return plm_errf(err, errlen, PLM_EIO, "%s: %s", path, strerror(errno));
    }

    srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (srv->fd < 0)
        return plm_errf(err, errlen, PLM_EIO, "socket: %s", strerror(errno));
    srv->conn = calloc(CTL_MAX_CONN, sizeof(*srv->conn));
    if (!srv->conn) {
        rc = plm_errf(err, errlen, PLM_ENOMEM, "out of memory");
        goto out;
    }
    /* The mode is set by the umask at bind time, so the socket is never
     * reachable by others, not even between bind and a chmod. */
    old_umask = umask(0177);
    rc = bind(srv->fd, (const struct sockaddr *)&sa, sizeof(sa));
    umask(old_umask);
    if (rc < 0) {
        rc = plm_errf(err, errlen, PLM_EIO, "cannot bind %s: %s", path, strerror(errno));
        goto out;
    }
    if (lstat(path, &st) < 0) {
        rc = plm_errf(err, errlen, PLM_EIO, "%s: %s", path, strerror(errno));
        unlink(path);
        goto out;
    }
    srv->dev = st.st_dev;
    srv->ino = st.st_ino;
    memcpy(srv->path, path, strlen(path) + 1);
    if (listen(srv->fd, 16) < 0) {
        rc = plm_errf(err, errlen, PLM_EIO, "cannot listen on %s: %s", path, strerror(errno));
        goto out;
    }
    return 0;

out:
    ctl_server_close(srv);
    return rc;
}

/* The message after "error: " is one line of printable ASCII, whatever the
 * handler wrote. */
static void sanitize(char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = '?';
    }
}

static void start_writing(const struct ctl_server *srv, struct ctl_conn *c, char *out,
                          size_t outlen)
{
    c->writing = true;
    c->out = out;
    c->outlen = outlen;
    c->outoff = 0;
    c->deadline_ms = ctl_now_ms() + (uint64_t)srv->timeout_ms;
}

/* Answer "error: " and info.error; without memory for it, just close. */
static void reply_error(const struct ctl_server *srv, struct ctl_conn *c)
{
    char *line;
    int n;

    c->info.ok = false;
    sanitize(c->info.error);
    line = malloc(CTL_ERR_MAX + 16);
    if (!line) {
        start_writing(srv, c, NULL, 0);
        c->info.write_failed = true;
        return;
    }
    n = snprintf(line, CTL_ERR_MAX + 16, "error: %s\n", c->info.error);
    if (n < 0)
        n = 0;
    if ((size_t)n >= CTL_ERR_MAX + 16) {
        n = CTL_ERR_MAX + 15;
        line[n - 1] = '\n';
    }
    start_writing(srv, c, line, (size_t)n);
}

/* Run the handler over a memory stream; the body goes out only on success. */
static void dispatch(const struct ctl_server *srv, struct ctl_conn *c,
                     const struct ctl_request *req)
{
    char *body = NULL;
    size_t bodylen = 0;
    FILE *out;
    int rc;

    snprintf(c->info.command, sizeof(c->info.command), "%s", req->command);
    c->info.error[0] = '\0';
    out = open_memstream(&body, &bodylen);
    if (!out) {
        snprintf(c->info.error, sizeof(c->info.error), "out of memory");
        reply_error(srv, c);
        return;
    }
    fputs("ok\n", out);
    rc = srv->handler(srv->arg, req, out, c->info.error, sizeof(c->info.error));
    /* fclose flushes: a stream that ran out of memory says so here. */
    if (fclose(out) != 0 && rc == 0) {
        snprintf(c->info.error, sizeof(c->info.error), "out of memory");
        rc = PLM_ENOMEM;
    }
    if (rc == 0 && bodylen > CTL_REPLY_MAX) {
        snprintf(c->info.error, sizeof(c->info.error), "reply too long (%zu bytes, at most %zu)",
                 bodylen, CTL_REPLY_MAX);
        rc = PLM_ERANGE;
    }
    if (rc != 0) {
        free(body);
        if (!c->info.error[0])
            snprintf(c->info.error, sizeof(c->info.error), "command '%s' failed", req->command);
        reply_error(srv, c);
        return;
    }
    c->info.ok = true;
    start_writing(srv, c, body, bodylen);
}

/* The request is complete (or will never be): parse it and answer. */
static void answer(const struct ctl_server *srv, struct ctl_conn *c)
{
    struct ctl_request *req = malloc(sizeof(*req));

    if (!req) {
        snprintf(c->info.error, sizeof(c->info.error), "out of memory");
        reply_error(srv, c);
        return;
    }
    if (ctl_request_parse(c->in, c->inlen, req, c->info.error, sizeof(c->info.error)) < 0)
        reply_error(srv, c);
    else
        dispatch(srv, c, req);
    free(req);
}

/* Read what is there; answer once the request is complete. */
static void conn_read(const struct ctl_server *srv, struct ctl_conn *c)
{
    while (!c->writing) {
        ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0) {
            snprintf(c->info.error, sizeof(c->info.error), "read: %s", strerror(errno));
            reply_error(srv, c);
            return;
        }
        /* The end of the stream, a newline, or one byte past the limit
         * (so that an oversize request is seen as such). */
        if (n == 0 || memchr(c->in + c->inlen, '\n', (size_t)n) ||
            c->inlen + (size_t)n == sizeof(c->in)) {
            c->inlen += (size_t)n;
            answer(srv, c);
            return;
        }
        c->inlen += (size_t)n;
    }
}

/* Send what the socket takes; true once all is sent (or sending failed). */
static bool conn_write(struct ctl_conn *c)
{
    while (c->outoff < c->outlen) {
        /* MSG_NOSIGNAL: a client that went away must not kill the daemon. */
        ssize_t n =
            send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        if (n <= 0) {
            c->info.write_failed = true;
            return true;
        }
        c->outoff += (size_t)n;
    }
    return true;
}

/*
 * Closing a unix socket with unread data makes the peer's next read fail
 * with ECONNRESET instead of returning what was sent, so whatever extra the
 * client wrote (a second line, an oversize request) is drained first.
 * Bounded, and non-blocking: a client still writing is not waited for.
 */
static void close_gently(int fd)
{
    char sink[4096];

    shutdown(fd, SHUT_WR);
    for (int i = 0; i < 16; i++) {
        if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
            break;
    }
    close(fd);
}

/* Close connection i and report it; the last one takes its place. */
static void conn_end(struct ctl_server *srv, size_t i, bool report)
{
    struct ctl_conn *c = &srv->conn[i];

    close_gently(c->fd);
    free(c->out);
    c->out = NULL;
    if (report && srv->done)
        srv->done(srv->arg, &c->info);
    if (i != srv->nconn - 1)
        memcpy(c, &srv->conn[srv->nconn - 1], sizeof(*c));
    srv->nconn--;
}

/* Whether the peer may talk to the daemon: root, or the daemon's own user. */
static bool peer_allowed(const struct ctl_server *srv, int fd, struct ctl_conn_info *info)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
        return false;
    info->pid = cred.pid;
    info->uid = cred.uid;
    return cred.uid == 0 || cred.uid == srv->owner_uid;
}

/* Accept what is pending while there is room: 0, or PLM_EIO. */
static int accept_pending(struct ctl_server *srv)
{
    if (srv->accept_after_ms && ctl_now_ms() < srv->accept_after_ms)
        return 0;
    srv->accept_after_ms = 0;
    while (srv->nconn < CTL_MAX_CONN) {
        struct ctl_conn *c;
        int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            /* Nothing pending, or a client that gave up before being served. */
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
                errno == ECONNABORTED || errno == EPROTO)
                return 0;
            srv->accept_after_ms = ctl_now_ms() + CTL_ACCEPT_PAUSE_MS;
            return PLM_EIO;
        }
        c = &srv->conn[srv->nconn++];
        memset(c, 0, offsetof(struct ctl_conn, in));
        c->fd = fd;
        c->info.pid = -1;
        c->info.uid = (uid_t)-1;
        c->deadline_ms = ctl_now_ms() + (uint64_t)srv->timeout_ms;
        if (!peer_allowed(srv, fd, &c->info)) {
            snprintf(c->info.error, sizeof(c->info.error), "permission denied (uid %ld)",
                     (long)c->info.uid);
            reply_error(srv, c);
        }
    }
    return 0;
}

int ctl_server_run(struct ctl_server *srv)
{
    uint64_t now;
    int ended = 0, rc = 0;

    if (srv->fd < 0)
        return 0;
    rc = accept_pending(srv);
    for (size_t i = 0; i < srv->nconn;) {
        struct ctl_conn *c = &srv->conn[i];

        if (!c->writing)
            conn_read(srv, c);
        if (c->writing && conn_write(c)) {
            conn_end(srv, i, true);
            ended++;
            continue;
        }
        now = ctl_now_ms();
        if (now >= c->deadline_ms) {
            if (c->writing) {
                c->info.write_failed = true;
            } else {
                /* Tell the client why, if its socket takes it at once. */
                snprintf(c->info.error, sizeof(c->info.error), "timed out waiting for the request");
                reply_error(srv, c);
                conn_write(c);
            }
            conn_end(srv, i, true);
            ended++;
            continue;
        }
        i++;
    }
    /* Room was made: take in who waited for it. */
    if (rc == 0 && ended)
        rc = accept_pending(srv);
    return rc < 0 ? rc : ended;
}

size_t ctl_server_fds(const struct ctl_server *srv, int *fds, size_t cap)
{
    size_t n = 0;

    if (srv->fd < 0)
        return 0;
    if (srv->nconn < CTL_MAX_CONN && !srv->accept_after_ms && n < cap)
        fds[n++] = srv->fd;
    for (size_t i = 0; i < srv->nconn && n < cap; i++) {
        if (!srv->conn[i].writing)
            fds[n++] = srv->conn[i].fd;
    }
    return n;
}

uint64_t ctl_server_deadline(const struct ctl_server *srv)
{
    uint64_t next = srv->accept_after_ms ? srv->accept_after_ms : UINT64_MAX;
    uint64_t retry = ctl_now_ms() + CTL_RETRY_MS;

    for (size_t i = 0; i < srv->nconn; i++) {
        const struct ctl_conn *c = &srv->conn[i];
        uint64_t t = c->writing && retry < c->deadline_ms ? retry : c->deadline_ms;

        if (t < next)
            next = t;
    }
    return next;
}

void ctl_server_close(struct ctl_server *srv)
{
    struct stat st;

    while (srv->nconn > 0)
        conn_end(srv, srv->nconn - 1, false);
    free(srv->conn);
    srv->conn = NULL;
    if (srv->fd >= 0)
        close(srv->fd);
    srv->fd = -1;
    /* Only the file this server bound: after a restart race, the path may
     * already belong to another daemon. */
    if (srv->path[0] && lstat(srv->path, &st) == 0 && st.st_dev == srv->dev &&
        st.st_ino == srv->ino)
        unlink(srv->path);
    srv->path[0] = '\0';
}
