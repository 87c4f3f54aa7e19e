/* SPDX-License-Identifier: GPL-2.0-only */
/* Application probes: see probe.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "guest-agent/probe.h"
#include "guest-agent/probe_int.h"
#include "guest-agent/util.h"

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int agent_probe_parse(const char *buf, size_t len, plm_amt_t *out, char *err, size_t errlen)
{
    size_t i = 0, end = len;
    plm_amt_t whole = 0, frac = 0, scale = PLM_SCALE;
    bool digits = false;

    while (i < end && blank(buf[i]))
        i++;
    while (end > i && blank(buf[end - 1]))
        end--;
    if (i == end) {
        snprintf(err, errlen, "no output");
        return PLM_EGRAMMAR;
    }
    for (; i < end && buf[i] >= '0' && buf[i] <= '9'; i++) {
        whole = whole * 10 + (buf[i] - '0');
        digits = true;
        if (whole > PLM_AMT_MAX / PLM_SCALE) {
            snprintf(err, errlen, "number too large");
            return PLM_ERANGE;
        }
    }
    if (i < end && buf[i] == '.') {
        for (i++; i < end && buf[i] >= '0' && buf[i] <= '9'; i++) {
            digits = true;
            if (scale > 1) {
                scale /= 10;
                frac += (buf[i] - '0') * scale;
            }
        }
    }
    if (!digits || i != end) {
        snprintf(err, errlen, "output is not one unsigned number");
        return PLM_EGRAMMAR;
    }
    *out = whole * PLM_SCALE + frac;
    return 0;
}

static int read_file(const char *root, const char *file, char *buf, size_t cap, size_t *len,
                     char *err, size_t errlen)
{
    char path[AGENT_PATH_MAX * 2];
    int fd;
    ssize_t n;

    snprintf(path, sizeof(path), "%s%s", agent_root_prefix(root), file);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return PLM_EIO;
    }
    n = read(fd, buf, cap);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return PLM_EIO;
    }
    if ((size_t)n == cap) {
        snprintf(err, errlen, "%s: more than %zu bytes", path, cap - 1);
        return PLM_ERANGE;
    }
    *len = (size_t)n;
    return 0;
}

int agent_probe_run(const struct agent_probe *p, const char *root,
                    const struct agent_probe_ctl *ctl, plm_amt_t *out, char *err, size_t errlen)
{
    char buf[AGENT_PROBE_OUTPUT_MAX + 1];
    size_t len = 0;
    int rc;

    if (p->command[0] != '\0')
        rc = agent_probe_command(p, ctl, buf, sizeof(buf), &len, err, errlen);
    else
        rc = read_file(root, p->file, buf, sizeof(buf), &len, err, errlen);
    if (rc != 0)
        return rc;
    return agent_probe_parse(buf, len, out, err, errlen);
}

void agent_probes_poll(const struct agent_goals *g, const char *root,
                       const struct agent_probe_ctl *ctl, uint64_t now_ms,
                       struct agent_probe_state st[AGENT_MAX_PROBES])
{
    for (unsigned i = 0; i < g->nprobes && i < AGENT_MAX_PROBES; i++) {
        const struct agent_probe *p = &g->probe[i];
        struct agent_probe_state *s = &st[i];
        plm_amt_t v = 0;

        if (s->ran && now_ms - s->last_ms < p->interval_ms)
            continue;
        if (ctl && ctl->stop && *ctl->stop)
            return; /* the agent is stopping: no new command */
        s->ran = true;
        s->last_ms = now_ms;
        if (agent_probe_run(p, root, ctl, &v, s->err, sizeof(s->err)) == 0) {
            s->value = v;
            s->ok_ms = now_ms;
            s->have_value = true;
            s->failing = false;
            s->err[0] = '\0';
        } else {
            s->failing = true;
        }
    }
}

bool agent_probe_value(const struct agent_probe *p, const struct agent_probe_state *st,
                       uint64_t now_ms, plm_amt_t *out)
{
    /* A failed last run means the application's state is unknown now: the
     * goal gets no data (its amount is held) rather than an old value. */
    if (!st->have_value || st->failing)
        return false;
    if (now_ms - st->ok_ms > 3u * (uint64_t)p->interval_ms)
        return false;
    *out = st->value;
    return true;
}
