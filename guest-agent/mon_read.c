/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a snapshot: the only code of the monitors that touches files.
 *
 * Every file is read whole, with a bound, into one buffer and handed to its
 * parser, so the parsers never see a short read.  A recorded tree is read
 * exactly like the live /proc, which is what lets the tests and
 * `xenplm-agent --root` replay a guest.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "core/error.h"
#include "guest-agent/monitor.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* The snapshot being built and the buffer files are read into: one allocation. */
struct reader {
    const char *root;
    size_t rootlen; /* without trailing slashes */
    char *err;
    size_t errlen;
    char path[PATH_MAX];
    size_t len; /* bytes of the current file in buf */
    struct agent_snapshot snap;
    char buf[AGENT_MAX_FILE + 1];
};

#if defined(__GNUC__)
static int fail(struct reader *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif

static int fail(struct reader *r, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    plm_verrf(r->err, r->errlen, rc, fmt, ap);
    va_end(ap);
    return rc;
}

/*
 * Read ROOT/rel into r->buf.  Returns 0, 1 when an optional file is absent
 * (ENOENT; EOPNOTSUPP is what /proc/pressure answers when PSI is disabled),
 * or a negative code with the path in the reason.
 */
static int read_file(struct reader *r, const char *rel, bool optional)
{
    struct stat st;
    int fd, n, e;

    n = snprintf(r->path, sizeof(r->path), "%.*s/%s", (int)r->rootlen, r->root, rel);
    if (n < 0 || (size_t)n >= sizeof(r->path))
        return fail(r, PLM_EINVAL, "%.*s/%s: path too long", (int)r->rootlen, r->root, rel);

    /* O_NONBLOCK: a FIFO planted in a recorded tree must not hang the agent. */
    fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        e = errno;
        if (optional && (e == ENOENT || e == EOPNOTSUPP))
            return 1;
        return fail(r, e == ENOENT ? PLM_ENOENT : PLM_EIO, "%s: %s", r->path, strerror(e));
    }
    if (fstat(fd, &st) != 0) {
        e = errno;
        close(fd);
        return fail(r, PLM_EIO, "%s: %s", r->path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fail(r, PLM_EIO, "%s: not a regular file", r->path);
    }

    /* One byte more than allowed, to tell "exactly the limit" from "too big". */
    r->len = 0;
    for (;;) {
        ssize_t got = read(fd, r->buf + r->len, sizeof(r->buf) - r->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            e = errno;
            close(fd);
            if (optional && e == EOPNOTSUPP && r->len == 0)
                return 1;
            return fail(r, PLM_EIO, "%s: %s", r->path, strerror(e));
        }
        if (got == 0)
            break;
        r->len += (size_t)got;
        if (r->len > AGENT_MAX_FILE) {
            close(fd);
            return fail(r, PLM_ERANGE, "%s: larger than %u bytes", r->path, AGENT_MAX_FILE);
        }
    }
    close(fd);
    return 0;
}

typedef int (*snap_parser)(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                           size_t errlen);

/* Read and parse one file; a parser's "line N: ..." gets the path in front. */
static int read_parse(struct reader *r, const char *rel, bool optional, snap_parser parse)
{
    char why[AGENT_ERR_MAX];
    int rc = read_file(r, rel, optional);

    if (rc != 0)
        return rc < 0 ? rc : 0;
    why[0] = '\0';
    rc = parse(r->buf, r->len, &r->snap, why, sizeof(why));
    if (rc < 0)
        return fail(r, rc, "%s: %s", r->path, why);
    return 0;
}

static int read_psi(struct reader *r, const char *rel, bool *have, plm_amt_t *some, plm_amt_t *full)
{
    char why[AGENT_ERR_MAX];
    int rc = read_file(r, rel, true);

    if (rc != 0)
        return rc < 0 ? rc : 0;
    why[0] = '\0';
    rc = agent_parse_psi(r->buf, r->len, some, full, why, sizeof(why));
    if (rc < 0)
        return fail(r, rc, "%s: %s", r->path, why);
    *have = true;
    return 0;
}

static int read_cpulist(struct reader *r, const char *rel, unsigned *count)
{
    char why[AGENT_ERR_MAX];
    int rc = read_file(r, rel, true);

    if (rc != 0)
        return rc < 0 ? rc : 0;
    why[0] = '\0';
    rc = agent_parse_cpulist(r->buf, r->len, count, why, sizeof(why));
    if (rc < 0)
        return fail(r, rc, "%s: %s", r->path, why);
    return 0;
}

int agent_snapshot_read(const char *root, struct agent_snapshot *s, char *err, size_t errlen)
{
    struct reader *r;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    if (!root || !*root || !s) {
        if (err && errlen)
            snprintf(err, errlen, "no root directory");
        return PLM_EINVAL;
    }
    /* The reader holds a 256 KiB buffer: too big for the stack. */
    r = calloc(1, sizeof(*r));
    if (!r) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return PLM_ENOMEM;
    }
    r->root = root;
    r->rootlen = strlen(root);
    /* "/" and "dir/" join as "/proc/..." and "dir/proc/...". */
    while (r->rootlen > 0 && root[r->rootlen - 1] == '/')
        r->rootlen--;
    r->err = err;
    r->errlen = errlen;

    /* Optional files that are absent leave their fields zero (calloc). */
    rc = read_parse(r, "proc/stat", false, agent_parse_stat);
    if (rc == 0)
        rc = read_parse(r, "proc/uptime", false, agent_parse_uptime);
    if (rc == 0)
        rc = read_parse(r, "proc/meminfo", false, agent_parse_meminfo);
    if (rc == 0)
        rc = read_parse(r, "proc/loadavg", true, agent_parse_loadavg);
    if (rc == 0)
        rc = read_parse(r, "proc/vmstat", true, agent_parse_vmstat);
    if (rc == 0)
        rc = read_psi(r, "proc/pressure/cpu", &r->snap.have_psi_cpu, &r->snap.cpu_some_avg10, NULL);
    if (rc == 0)
        rc = read_psi(r, "proc/pressure/memory", &r->snap.have_psi_mem, &r->snap.mem_some_avg10,
                      &r->snap.mem_full_avg10);
    if (rc == 0)
        rc = read_cpulist(r, "sys/devices/system/cpu/online", &r->snap.cpus_online);
    if (rc == 0)
        rc = read_cpulist(r, "sys/devices/system/cpu/possible", &r->snap.cpus_possible);

    if (rc == 0)
        *s = r->snap;
    free(r);
    return rc;
}
