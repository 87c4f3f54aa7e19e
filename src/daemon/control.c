/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket server and the request grammar; see control.h.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "daemon/control.h"

/* A struct the compiler checks against sockaddr_un, so path[] can never
 * hold a name bind() would cut. */
_Static_assert(sizeof(((struct ctl_server *)0)->path) ==
                   sizeof(((struct sockaddr_un *)0)->sun_path),
               "ctl_server.path must match sun_path");

#if defined(__GNUC__)
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#endif

/* Fill err (which may be NULL) and return rc, so callers write `return fail(...)`. */
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The server                                                               */

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, for poll(); 0 once it has passed. */
static int remaining_ms(uint64_t deadline)
{
    uint64_t now = now_ms();

    return now >= deadline ? 0 : (int)(deadline - now);
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
        return fail(err, errlen, PLM_EIO, "socket: %s", strerror(errno));
    if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno == EAGAIN ||
        errno == EINPROGRESS)
        rc = 1;
    else if (errno == ECONNREFUSED)
        rc = 0;
    else
        rc = fail(err, errlen, PLM_EIO, "cannot probe %s: %s", sa->sun_path, strerror(errno));
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
        return fail(err, errlen, PLM_ERANGE, "%s: socket path empty or longer than %zu bytes", path,
                    sizeof(sa.sun_path) - 1);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);

    /* /run is a tmpfs: the directory is gone after every boot.  Its mode is
     * set whatever the daemon's umask, so that clients can reach in. */
    parent_of(path, dir, sizeof(dir));
    if (mkdir(dir, 0755) == 0) {
        if (chmod(dir, 0755) < 0)
            return fail(err, errlen, PLM_EIO, "cannot chmod %s: %s", dir, strerror(errno));
    } else if (errno != EEXIST) {
        return fail(err, errlen, PLM_EIO, "cannot create %s: %s", dir, strerror(errno));
    }

    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return fail(err, errlen, PLM_EINVAL, "%s exists and is not a socket", path);
        rc = probe_live(&sa, err, errlen);
        if (rc < 0)
            return rc;
        if (rc > 0)
            return fail(err, errlen, PLM_EINVAL, "%s: another xenplmd is already listening there",
                        path);
        /* Left over by a daemon that did not exit cleanly. */
        if (unlink(path) < 0 && errno != ENOENT)
            return fail(err, errlen, PLM_EIO, "cannot remove stale socket %s: %s", path,
                        strerror(errno));
    } else if (errno != ENOENT) {
        return fail(err, errlen, PLM_EIO, "%s: %s", path, strerror(errno));
    }

    srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (srv->fd < 0)
        return fail(err, errlen, PLM_EIO, "socket: %s", strerror(errno));
    /* The mode is set by the umask at bind time, so the socket is never
     * reachable by others, not even between bind and a chmod. */
    old_umask = umask(0177);
    rc = bind(srv->fd, (const struct sockaddr *)&sa, sizeof(sa));
    umask(old_umask);
    if (rc < 0) {
        rc = fail(err, errlen, PLM_EIO, "cannot bind %s: %s", path, strerror(errno));
        goto out;
    }
    if (lstat(path, &st) < 0) {
        rc = fail(err, errlen, PLM_EIO, "%s: %s", path, strerror(errno));
        unlink(path);
        goto out;
    }
    srv->dev = st.st_dev;
    srv->ino = st.st_ino;
    memcpy(srv->path, path, strlen(path) + 1);
    if (listen(srv->fd, 16) < 0) {
        rc = fail(err, errlen, PLM_EIO, "cannot listen on %s: %s", path, strerror(errno));
        goto out;
    }
    return 0;

out:
    ctl_server_close(srv);
    return rc;
}

void ctl_server_close(struct ctl_server *srv)
{
    struct stat st;

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

/*
 * Read the request line: stop at the first newline, past CTL_REQUEST_MAX
 * bytes, at end of file, or at the deadline.  Returns the length read, or
 * -1 with err set when nothing usable arrived in time or reading failed.
 */
static ssize_t read_request(int fd, char *buf, size_t cap, uint64_t deadline, char *err,
                            size_t errlen)
{
    size_t len = 0;

    while (len < cap) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;
        int t = remaining_ms(deadline);

        n = poll(&pfd, 1, t);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(err, errlen, -1, "poll: %s", strerror(errno));
        if (n == 0)
            return fail(err, errlen, -1, "timed out waiting for the request");
        n = read(fd, buf + len, cap - len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return fail(err, errlen, -1, "read: %s", strerror(errno));
        if (n == 0)
            break;
        if (memchr(buf + len, '\n', (size_t)n)) {
            len += (size_t)n;
            break;
        }
        len += (size_t)n;
    }
    return (ssize_t)len;
}

/* Send all of buf before the deadline; false when the peer did not take it. */
static bool write_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
    while (len > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        ssize_t n;

        /* MSG_NOSIGNAL: a client that went away must not kill the daemon. */
        n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return false;
        n = poll(&pfd, 1, remaining_ms(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
    }
    return true;
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

static bool send_error(int fd, const char *msg, int timeout_ms)
{
    char line[CTL_ERR_MAX + 16];
    int n = snprintf(line, sizeof(line), "error: %s\n", msg);

    if (n < 0)
        return false;
    if ((size_t)n >= sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    return write_all(fd, line, (size_t)n, now_ms() + (uint64_t)timeout_ms);
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

/* Run the handler over a memory stream; the body goes out only on success. */
static void dispatch(struct ctl_server *srv, int fd, const struct ctl_request *req,
                     struct ctl_conn_info *info)
{
    static const char ok[] = "ok\n";
    char *body = NULL;
    size_t bodylen = 0;
    FILE *out;
    int rc;
    uint64_t deadline;

    info->error[0] = '\0';
    out = open_memstream(&body, &bodylen);
    if (!out) {
        snprintf(info->error, sizeof(info->error), "out of memory");
        goto fail;
    }
    rc = srv->handler(srv->arg, req, out, info->error, sizeof(info->error));
    /* fclose flushes: a stream that ran out of memory says so here. */
    if (fclose(out) != 0 && rc == 0) {
        snprintf(info->error, sizeof(info->error), "out of memory");
        rc = PLM_ENOMEM;
    }
    if (rc != 0) {
        if (!info->error[0])
            snprintf(info->error, sizeof(info->error), "command '%s' failed", req->command);
        goto fail;
    }
    info->ok = true;
    deadline = now_ms() + (uint64_t)srv->timeout_ms;
    if (!write_all(fd, ok, sizeof(ok) - 1, deadline) || !write_all(fd, body, bodylen, deadline))
        info->write_failed = true;
    free(body);
    return;

fail:
    free(body);
    sanitize(info->error);
    if (!send_error(fd, info->error, srv->timeout_ms))
        info->write_failed = true;
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

int ctl_server_serve(struct ctl_server *srv, struct ctl_conn_info *info)
{
    struct ctl_conn_info scratch;
    struct ctl_request *req = NULL;
    char buf[CTL_REQUEST_MAX + 1];
    ssize_t len;
    int fd;

    if (!info)
        info = &scratch;
    memset(info, 0, sizeof(*info));
    info->pid = -1;
    info->uid = (uid_t)-1;

    fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        /* Nothing pending, or a client that gave up before being served. */
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED ||
            errno == EPROTO)
            return 0;
        return PLM_EIO;
    }

    if (!peer_allowed(srv, fd, info)) {
        snprintf(info->error, sizeof(info->error), "permission denied (uid %ld)", (long)info->uid);
        if (!send_error(fd, info->error, srv->timeout_ms))
            info->write_failed = true;
        goto out;
    }

    /* One byte past the limit, so that an oversize request is seen as such. */
    len = read_request(fd, buf, sizeof(buf), now_ms() + (uint64_t)srv->timeout_ms, info->error,
                       sizeof(info->error));
    if (len < 0) {
        if (!send_error(fd, info->error, srv->timeout_ms))
            info->write_failed = true;
        goto out;
    }
    req = malloc(sizeof(*req));
    if (!req) {
        snprintf(info->error, sizeof(info->error), "out of memory");
        send_error(fd, info->error, srv->timeout_ms);
        goto out;
    }
    if (ctl_request_parse(buf, (size_t)len, req, info->error, sizeof(info->error)) < 0) {
        if (!send_error(fd, info->error, srv->timeout_ms))
            info->write_failed = true;
        goto out;
    }
    snprintf(info->command, sizeof(info->command), "%s", req->command);
    dispatch(srv, fd, req, info);

out:
    free(req);
    close_gently(fd);
    return 1;
}
