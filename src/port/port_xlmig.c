/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xl migrate` as a child of the daemon (port_xlmig.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "port/port_xlmig.h"

/* Descriptors the child closes above stderr: the daemon's xenstore and
 * control sockets are not xl's business. */
#define CHILD_FD_MAX 1024
/* How long disposing of a runner waits for a killed child, ms. */
#define DISPOSE_REAP_MS 2000
/* The last line of output quoted in a reason. */
#define PORT_XLMIG_LINE_MAX 120

bool port_xlmig_addr_ok(const char *addr)
{
    size_t n = addr ? strlen(addr) : 0;

    if (n == 0 || n >= XLMIG_ADDR_MAX || addr[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = addr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == ':' || c == '@' || c == '[' || c == ']'))
            return false;
    }
    return true;
}

void port_xlmig_init(struct port_xlmig *m)
{
    memset(m, 0, sizeof(*m));
    m->fd = -1;
    m->pct = -1;
}

/* What the child runs, built before fork: after it, in a daemon with
 * threads, only async-signal-safe calls are made. */
struct child_args {
    char xl[256], verb[8], opt_s[3], domid[16], addr[XLMIG_ADDR_MAX], transport[512];
    char *argv[8];
};

static void child(int out, struct child_args *a)
{
    static const char failed[] = "cannot run xl\n";
    struct sigaction dfl;
    sigset_t none;
    int devnull = open("/dev/null", O_RDONLY);

    setpgid(0, 0);
    /* What the daemon ignores or blocks is not xl's choice. */
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &dfl, NULL);
    /* Except SIGPIPE: a daemon that stops closes the pipe xl writes its
     * progress to, and xl, then told EPIPE, goes on (once its guest is
     * suspended, killing it is what must not happen); a transport that
     * breaks is an error xl handles by resuming the guest. */
    dfl.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (devnull >= 0)
        dup2(devnull, 0);
    dup2(out, 1);
    dup2(out, 2);
    fcntl(1, F_SETFL, 0);
    /* Every other descriptor, however high the daemon's limit (a system
     * call, safe after fork); a kernel without close_range (before 5.9)
     * gets the first CHILD_FD_MAX closed one by one. */
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
#endif
        for (int fd = 3; fd < CHILD_FD_MAX; fd++)
            close(fd);
    execv(a->xl, a->argv);
    if (write(2, failed, sizeof(failed) - 1) < 0)
        _exit(127);
    _exit(127);
}

/* xl's full name: as given when it has a '/', else the first executable
 * of that name in PATH (looked up here, before fork: the child of a daemon
 * with threads makes no call that may allocate). */
static bool find_xl(const char *xl, char *out, size_t cap)
{
    const char *path = getenv("PATH");

    if (strchr(xl, '/'))
        return (size_t)snprintf(out, cap, "%s", xl) < cap;
    if (!path || !*path)
        path = "/usr/sbin:/usr/bin:/sbin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        int w = snprintf(out, cap, "%.*s/%s", (int)n, n ? path : ".", xl);
        if (w > 0 && (size_t)w < cap && access(out, X_OK) == 0)
            return true;
        path += n + (path[n] == ':');
    }
    return false;
}

/* A child left to run on (port_xlmig_leave), reaped once it has ended. */
static void reap_left(struct port_xlmig *m)
{
    if (m->left > 0 && waitpid(m->left, NULL, WNOHANG) != 0)
        m->left = 0;
}

int port_xlmig_start(struct port_xlmig *m, const char *xl, uint32_t domid, const char *addr,
                     const char *transport, char *err, size_t errlen)
{
    static struct child_args a;
    int fds[2];
    size_t n = 0;
    pid_t pid, left;

    reap_left(m);
    if (m->pid > 0) {
        snprintf(err, errlen, "a migration is already running");
        return PLM_EINVAL;
    }
    if (!port_xlmig_addr_ok(addr)) {
        snprintf(err, errlen, "refusing destination address '%.64s': not a host name or address",
                 addr ? addr : "");
        return PLM_EINVAL;
    }
    if (transport && !transport[0])
        transport = NULL;
    if (transport && strlen(transport) >= sizeof(a.transport)) {
        snprintf(err, errlen, "the transport is too long");
        return PLM_EINVAL;
    }
    if (!find_xl(xl, a.xl, sizeof(a.xl))) {
        snprintf(err, errlen, "cannot find %s in PATH", xl);
        return PLM_EINVAL;
    }
    snprintf(a.domid, sizeof(a.domid), "%u", (unsigned)domid);
    snprintf(a.addr, sizeof(a.addr), "%s", addr);
    a.argv[n++] = a.xl;
    snprintf(a.verb, sizeof(a.verb), "migrate");
    snprintf(a.opt_s, sizeof(a.opt_s), "-s");
    a.argv[n++] = a.verb;
    if (transport) {
        snprintf(a.transport, sizeof(a.transport), "%s", transport);
        a.argv[n++] = a.opt_s;
        a.argv[n++] = a.transport;
    }
    a.argv[n++] = a.domid;
    a.argv[n++] = a.addr;
    a.argv[n] = NULL;
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return PLM_EIO;
    }
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return PLM_EIO;
    }
    if (pid == 0)
        child(fds[1], &a);
    /* Also here, so that a kill of the group made at once finds it. */
    setpgid(pid, pid);
    close(fds[1]);
    left = m->left;
    port_xlmig_init(m);
    m->left = left;
    m->pid = pid;
    m->fd = fds[0];
    return 0;
}

/* The last "NN%" of the tail, or -1. */
static int last_pct(const char *s, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        if (s[i] != '%' || i == 0 || s[i - 1] < '0' || s[i - 1] > '9')
            continue;
        size_t b = i;
        while (b > 0 && s[b - 1] >= '0' && s[b - 1] <= '9' && i - b < 3)
            b--;
        int v = atoi(s + b);
        if (v >= 0 && v <= 100)
            return v;
    }
    return -1;
}

/* Take what it wrote so far (the pipe is closed at its end of file). */
static void drain(struct port_xlmig *m)
{
    char buf[512];

    while (m->fd >= 0) {
        ssize_t n = read(m->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return; /* EAGAIN: nothing more for now */
        if (n == 0) {
            close(m->fd);
            m->fd = -1;
            return;
        }
        /* Keep the last XLMIG_TAIL_MAX bytes. */
        size_t add = (size_t)n; /* at most sizeof(buf), less than the tail */
        if (m->ntail + add > sizeof(m->tail)) {
            size_t drop = m->ntail + add - sizeof(m->tail);
            memmove(m->tail, m->tail + drop, m->ntail - drop);
            m->ntail -= drop;
        }
        memcpy(m->tail + m->ntail, buf, add);
        m->ntail += add;
        int pct = last_pct(m->tail, m->ntail);
        if (pct >= 0)
            m->pct = pct;
        /* Each read is at most half the tail: a line it ends is whole in
         * the tail now. */
        if (!m->go_said && memmem(m->tail, m->ntail, XLMIG_GO_LINE, strlen(XLMIG_GO_LINE)))
            m->go_said = true;
    }
}

/* Its last line of output, printable bytes only, into why. */
static void last_line(const struct port_xlmig *m, char *out, size_t cap)
{
    size_t end = m->ntail, start, k = 0;

    while (end > 0 &&
           (m->tail[end - 1] == '\n' || m->tail[end - 1] == '\r' || m->tail[end - 1] == ' '))
        end--;
    start = end;
    while (start > 0 && m->tail[start - 1] != '\n')
        start--;
    for (size_t i = start; i < end && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)m->tail[i];
        out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (cap)
        out[k] = '\0';
}

/* Whether the child has exited, left unreaped so that its group id stays
 * its own until the group is killed. */
static bool exited(pid_t pid)
{
    siginfo_t si;

    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD;
    return si.si_pid == pid;
}

bool port_xlmig_poll(struct port_xlmig *m, uint64_t now_ms, int *pct_out, bool *ok_out, char *why,
                     size_t whylen)
{
    int status = 0;
    char line[PORT_XLMIG_LINE_MAX];

    *ok_out = false;
    if (why && whylen)
        why[0] = '\0';
    reap_left(m);
    if (m->pid <= 0) {
        snprintf(why, whylen, "no migration is running");
        return false;
    }
    drain(m);
    *pct_out = m->pct;
    if (!exited(m->pid)) {
        if (m->aborting && now_ms >= m->kill_at_ms) {
            kill(-m->pid, SIGKILL);
            m->kill_at_ms = UINT64_MAX;
        }
        return true;
    }
    /* Whatever it left of its group (a transport) ends with it. */
    kill(-m->pid, SIGKILL);
    pid_t r;
    while ((r = waitpid(m->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    drain(m);
    *pct_out = m->pct;
    if (m->fd >= 0) {
        close(m->fd);
        m->fd = -1;
    }
    m->pid = 0;
    last_line(m, line, sizeof(line));
    if (r < 0) {
        /* Someone else reaped it (SIGCHLD ignored?): no status to trust. */
        snprintf(why, whylen, "xl migrate's exit status was lost (reaped elsewhere)");
    } else if (m->aborting) {
        snprintf(why, whylen, "%s", m->abort_why);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        *ok_out = true;
    } else if (WIFEXITED(status)) {
        snprintf(why, whylen, "xl migrate exited with %d%s%s", WEXITSTATUS(status),
                 line[0] ? ": " : "", line);
    } else {
        snprintf(why, whylen, "xl migrate killed by signal %d%s%s",
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0, line[0] ? ": " : "", line);
    }
    return false;
}

void port_xlmig_abort(struct port_xlmig *m, uint64_t now_ms, const char *why)
{
    if (m->pid <= 0 || m->aborting)
        return;
    m->aborting = true;
    snprintf(m->abort_why, sizeof(m->abort_why), "%s", why ? why : "aborted");
    m->kill_at_ms = now_ms + XLMIG_KILL_GRACE_MS;
    kill(-m->pid, SIGTERM);
}

void port_xlmig_leave(struct port_xlmig *m)
{
    if (m->pid <= 0)
        return;
    /* An earlier one still running is no longer waited for: the init
     * process reaps it once this daemon has gone. */
    reap_left(m);
    m->left = m->pid;
    m->pid = 0;
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
    m->aborting = false;
}

void port_xlmig_dispose(struct port_xlmig *m)
{
    if (m->pid > 0) {
        kill(-m->pid, SIGKILL);
        for (unsigned t = 0; t < DISPOSE_REAP_MS; t += 5) {
            pid_t r = waitpid(m->pid, NULL, WNOHANG);
            if (r == m->pid || (r < 0 && errno != EINTR))
                break;
            struct timespec ts = {.tv_sec = 0, .tv_nsec = 5000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (m->fd >= 0)
        close(m->fd);
    reap_left(m);
    port_xlmig_init(m);
}

/* --- an xl migrate already running on the host ------------------------------------ */

/* The NUL-separated word at *off of buf (len bytes), or NULL past the end. */
static const char *next_word(const char *buf, size_t len, size_t *off)
{
    const char *w;

    if (*off >= len)
        return NULL;
    w = buf + *off;
    const char *nul = memchr(w, '\0', len - *off);
    *off = nul ? (size_t)(nul - buf) + 1 : len;
    return w;
}

bool port_xlmig_cmdline(const char *buf, size_t len, char *dom, size_t domlen)
{
    size_t off = 0;
    const char *w = next_word(buf, len, &off), *base;
    bool verb = false;
    /* xl migrate's options that take a value (xl_cmdtable.c). */
    static const char *const with_value[] = {"-s", "-C", NULL};

    if (domlen)
        dom[0] = '\0';
    if (!w || len == 0 || buf[len - 1] != '\0')
        return false; /* not a whole argv (a kernel thread has none) */
    base = strrchr(w, '/');
    base = base ? base + 1 : w;
    if (strcmp(base, "xl") != 0)
        return false;
    while ((w = next_word(buf, len, &off))) {
        if (!verb) {
            if (w[0] == '-')
                continue; /* xl's own options (-v, -N, -f, -t, -T) come first */
            if (strcmp(w, "migrate") != 0)
                return false;
            verb = true;
            continue;
        }
        if (w[0] == '-') {
            for (size_t i = 0; with_value[i]; i++)
                if (strcmp(w, with_value[i]) == 0 && !next_word(buf, len, &off))
                    return true;
            continue;
        }
        if (domlen)
            snprintf(dom, domlen, "%s", w);
        return true;
    }
    return verb;
}

pid_t port_xlmig_find(const char *proc, char *dom, size_t domlen)
{
    DIR *d = opendir(proc);
    struct dirent *e;
    pid_t found = 0;

    if (domlen)
        dom[0] = '\0';
    if (!d)
        return 0;
    while (!found && (e = readdir(d))) {
        char path[512], buf[4096];
        const char *c = e->d_name;
        size_t n = 0;
        int fd;

        if (*c < '1' || *c > '9' || strspn(c, "0123456789") != strlen(c) || strlen(c) > 10)
            continue;
        snprintf(path, sizeof(path), "%s/%s/cmdline", proc, c);
        if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            continue; /* gone meanwhile */
        for (;;) {
            ssize_t r = read(fd, buf + n, sizeof(buf) - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            n += (size_t)r;
            if (n == sizeof(buf))
                break;
        }
        close(fd);
        if (n < sizeof(buf) && port_xlmig_cmdline(buf, n, dom, domlen))
            found = (pid_t)atol(c);
    }
    closedir(d);
    return found;
}
