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
/* The request grammar                                                      */

static bool is_printable(unsigned char c)
{
    return c >= 0x20 && c <= 0x7e;
}

/*
 * The version word: "XENPLM/" and a decimal.  Returns the version, or 0
 * when the word is not of that form at all.
 */
static unsigned version_of(const char *word)
{
    static const char prefix[] = "XENPLM/";
    const char *p = word + sizeof(prefix) - 1;
    unsigned long v = 0;

    if (strncmp(word, prefix, sizeof(prefix) - 1) != 0 || *p < '1' || *p > '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 999999)
            return 0;
    }
    return *p == '\0' ? (unsigned)v : 0;
}

int ctl_request_parse(const char *buf, size_t len, struct ctl_request *req, char *err,
                      size_t errlen)
{
    const char *field[CTL_MAX_ARGS + 2];
    size_t nfield = 0;
    char *p, *line_end;

    if (err && errlen)
        err[0] = '\0';
    /* The size is checked before a single byte is looked at. */
    if (len == 0)
        return fail(err, errlen, PLM_EGRAMMAR, "empty request");
    if (len > CTL_REQUEST_MAX)
        return fail(err, errlen, PLM_ERANGE, "request longer than %d bytes", CTL_REQUEST_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (c == '\n' && i + 1 < len)
            return fail(err, errlen, PLM_EGRAMMAR, "more than one line");
        if (c == '\0')
            return fail(err, errlen, PLM_EGRAMMAR, "NUL byte at offset %zu", i);
        if (c != '\n' && !is_printable(c))
            return fail(err, errlen, PLM_EGRAMMAR, "non-printable byte 0x%02x at offset %zu", c, i);
    }
    if (buf[len - 1] != '\n')
        return fail(err, errlen, PLM_EGRAMMAR, "request does not end in a newline");

    memset(req, 0, sizeof(*req));
    memcpy(req->buf, buf, len - 1);
    req->buf[len - 1] = '\0';
    line_end = req->buf + len - 1;

    /* Split on single spaces; an empty field is a leading, trailing or
     * doubled space, refused so that each request has one spelling. */
    p = req->buf;
    for (;;) {
        char *sp = strchr(p, ' ');
        char *end = sp ? sp : line_end;

        if (end == p)
            return fail(err, errlen, PLM_EGRAMMAR,
                        "empty field at offset %zu (fields are separated by one space)",
                        (size_t)(p - req->buf));
        if (nfield == CTL_MAX_ARGS + 2)
            return fail(err, errlen, PLM_ERANGE, "too many arguments (at most %d)", CTL_MAX_ARGS);
        field[nfield++] = p;
        if (!sp)
            break;
        *sp = '\0';
        p = sp + 1;
    }

    req->version = version_of(field[0]);
    if (req->version == 0)
        return fail(err, errlen, PLM_EGRAMMAR, "not a xenplm request (expected '%s COMMAND ...')",
                    CTL_MAGIC);
    if (req->version != CTL_VERSION)
        return fail(err, errlen, PLM_ERANGE,
                    "unsupported protocol version %u (this daemon speaks %s)", req->version,
                    CTL_MAGIC);
    if (nfield < 2)
        return fail(err, errlen, PLM_EGRAMMAR, "missing command");
    if (strlen(field[1]) > CTL_ARG_MAX)
        return fail(err, errlen, PLM_ERANGE, "command longer than %d bytes", CTL_ARG_MAX);
    req->command = field[1];
    for (size_t i = 2; i < nfield; i++) {
        if (strlen(field[i]) > CTL_ARG_MAX)
            return fail(err, errlen, PLM_ERANGE, "argument %zu longer than %d bytes", i - 1,
                        CTL_ARG_MAX);
        if (strcmp(field[i], "--json") == 0 || strcmp(field[i], "-j") == 0)
            req->json = true;
        else
            req->argv[req->argc++] = field[i];
    }
    req->argv[req->argc] = NULL;
    return 0;
}

int ctl_request_format(char *buf, size_t bufsz, const char *command, size_t argc,
                       const char *const *argv, char *err, size_t errlen)
{
    struct ctl_request *check = NULL;
    size_t len = 0;
    int rc;

    if (!command || !*command)
        return fail(err, errlen, PLM_EINVAL, "missing command");
    if (argc > CTL_MAX_ARGS)
        return fail(err, errlen, PLM_ERANGE, "too many arguments (at most %d)", CTL_MAX_ARGS);
    /* Spaces and empty words would silently change the request's meaning
     * once split, so they are refused here rather than by the server. */
    for (size_t i = 0; i <= argc; i++) {
        const char *w = i == 0 ? command : argv[i - 1];

        if (!*w)
            return fail(err, errlen, PLM_EGRAMMAR, "empty argument");
        for (const char *c = w; *c; c++) {
            if (*c == ' ')
                return fail(err, errlen, PLM_EGRAMMAR, "argument with a space");
            if (!is_printable((unsigned char)*c))
                return fail(err, errlen, PLM_EGRAMMAR, "argument with a non-printable byte 0x%02x",
                            (unsigned char)*c);
        }
        if (strlen(w) > CTL_ARG_MAX)
            return fail(err, errlen, PLM_ERANGE, "argument longer than %d bytes", CTL_ARG_MAX);
    }
    rc = snprintf(buf, bufsz, "%s %s", CTL_MAGIC, command);
    if (rc < 0 || (size_t)rc >= bufsz)
        goto too_long;
    len = (size_t)rc;
    for (size_t i = 0; i < argc; i++) {
        rc = snprintf(buf + len, bufsz - len, " %s", argv[i]);
        if (rc < 0 || (size_t)rc >= bufsz - len)
            goto too_long;
        len += (size_t)rc;
    }
    if (len + 2 > bufsz || len + 1 > CTL_REQUEST_MAX)
        goto too_long;
    buf[len++] = '\n';
    buf[len] = '\0';

    /* Whatever is sent must be what the server accepts: check with its parser. */
    check = malloc(sizeof(*check));
    if (!check)
        return fail(err, errlen, PLM_ENOMEM, "out of memory");
    rc = ctl_request_parse(buf, len, check, err, errlen);
    free(check);
    return rc < 0 ? rc : (int)len;

too_long:
    return fail(err, errlen, PLM_ERANGE, "request longer than %d bytes", CTL_REQUEST_MAX);
}

int ctl_request_nargs(const struct ctl_request *req, size_t min, size_t max, const char *usage,
                      char *err, size_t errlen)
{
    if (req->argc < min || req->argc > max)
        return fail(err, errlen, PLM_EINVAL, "usage: %s", usage);
    return 0;
}

int ctl_duration_parse(const char *s, uint64_t max_ms, uint64_t *ms_out)
{
    static const struct {
        const char *name;
        uint64_t ms;
    } units[] = {
        {"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000}, {"d", 86400000},
    };
    uint64_t v = 0;
    const char *p = s;

    for (; *p >= '0' && *p <= '9'; p++) {
        /* Anything past max_ms is refused anyway; stop before overflowing. */
        if (v > UINT64_MAX / 10 - 9)
            return PLM_ERANGE;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (p == s)
        return PLM_EGRAMMAR;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(p, units[i].name) != 0)
            continue;
        if (v == 0)
            return PLM_ERANGE;
        if (v > max_ms / units[i].ms)
            return PLM_ERANGE;
        *ms_out = v * units[i].ms;
        return 0;
    }
    return PLM_EGRAMMAR;
}

/* One cpu= or mem= value: an amount above 0.  Messages quote the word. */
static int set_amount(const char *word, bool *has, plm_amt_t *out, char *err, size_t errlen)
{
    plm_amt_t a;
    int rc;

    if (*has)
        return fail(err, errlen, PLM_EINVAL, "%.4s given twice", word);
    rc = plm_amt_parse(word + 4, &a);
    if (rc < 0)
        return fail(err, errlen, rc, "%.40s: not an amount (such as 150 or 1.5)", word);
    if (a == 0)
        return fail(err, errlen, PLM_EINVAL, "%.40s: must be greater than 0", word);
    *has = true;
    *out = a;
    return 0;
}

int ctl_set_parse(size_t argc, const char *const *argv, struct ctl_set *out, char *err,
                  size_t errlen)
{
    bool has_for = false;
    int rc;

    memset(out, 0, sizeof(*out));
    if (argc < 1)
        return fail(err, errlen, PLM_EINVAL, "missing domain");
    out->domain = argv[0];
    if (argc == 2 && strcmp(argv[1], "clear") == 0) {
        out->clear = true;
        return 0;
    }
    for (size_t i = 1; i < argc; i++) {
        const char *w = argv[i];

        if (strncmp(w, "cpu=", 4) == 0) {
            rc = set_amount(w, &out->has_cpu, &out->cpu, err, errlen);
        } else if (strncmp(w, "mem=", 4) == 0) {
            rc = set_amount(w, &out->has_mem, &out->mem, err, errlen);
        } else if (strncmp(w, "for=", 4) == 0) {
            if (has_for)
                return fail(err, errlen, PLM_EINVAL, "for= given twice");
            has_for = true;
            rc = ctl_duration_parse(w + 4, CTL_SET_FOR_MAX_MS, &out->for_ms);
            if (rc == PLM_ERANGE)
                return fail(err, errlen, rc, "%.40s: not between 1ms and 30d", w);
            if (rc < 0)
                return fail(err, errlen, rc, "%.40s: not a duration (such as 90s, 10min, 2h or 1d)",
                            w);
        } else if (strcmp(w, "clear") == 0) {
            return fail(err, errlen, PLM_EINVAL, "clear takes no other argument");
        } else {
            return fail(err, errlen, PLM_EGRAMMAR,
                        "'%.40s' is not cpu=N, mem=N, for=DURATION or clear", w);
        }
        if (rc < 0)
            return rc;
    }
    if (!out->has_cpu && !out->has_mem)
        return fail(err, errlen, PLM_EINVAL, "nothing to set (give cpu=N, mem=N or clear)");
    return 0;
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
        if (!is_printable((unsigned char)*s))
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
