/* SPDX-License-Identifier: GPL-2.0-only */
/* Applying the grant inside the guest: see apply.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/arbiter.h"
#include "core/error.h"
#include "guest-agent/apply.h"
#include "guest-agent/util.h"

/* Write a short value to a file that must already exist. */
static int write_file(const char *path, const char *value, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    size_t len = strlen(value);

    if (fd < 0 || write(fd, value, len) != (ssize_t)len) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return PLM_EIO;
    }
    if (close(fd) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return PLM_EIO;
    }
    return 0;
}

bool agent_vcpu_not_plugged_yet(int e)
{
    return e == ENODEV || e == ENOENT;
}

static int write_one_live(const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int e = 0;

    if (fd < 0)
        return errno;
    if (write(fd, "1", 1) != 1)
        e = errno;
    if (close(fd) != 0 && e == 0)
        e = errno;
    return e;
}

int agent_vcpus_online_with(const char *root, unsigned want, int (*write_one)(const char *path),
                            struct agent_vcpus_result *res, char *err, size_t errlen)
{
    int rc = 0;

    memset(res, 0, sizeof(*res));
    /* cpu0 cannot be taken offline and has no online file on x86. */
    for (unsigned cpu = 1; cpu < want; cpu++) {
        char path[512], buf[8];
        int fd, e;
        ssize_t n;

        snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu%u/online",
                 agent_root_prefix(root), cpu);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue; /* not present (yet): nothing to online */
        n = read(fd, buf, sizeof(buf));
        close(fd);
        if (n < 1 || buf[0] != '0')
            continue;
        e = write_one(path);
        if (e == 0) {
            res->onlined++;
        } else if (agent_vcpu_not_plugged_yet(e)) {
            res->pending++;
        } else if (rc == 0) {
            rc = PLM_EIO;
            snprintf(err, errlen, "%s: %s", path, strerror(e));
        }
    }
    return rc;
}

int agent_vcpus_online(const char *root, unsigned want, struct agent_vcpus_result *res, char *err,
                       size_t errlen)
{
    return agent_vcpus_online_with(root, want, write_one_live, res, err, errlen);
}

/* Index of a workload among those seen so far, adding it when new. */
static size_t workload_slot(const char **names, size_t *n, const char *w)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], w) == 0)
            return i;
    names[*n] = w;
    return (*n)++;
}

int agent_shares(const struct agent_goals *g, const struct agent_ctl_output *o,
                 const plm_amt_t granted[AGENT_NRES], struct agent_share *out, size_t cap)
{
    const char *names[AGENT_MAX_GOALS];
    struct plm_request req[AGENT_NRES][AGENT_MAX_GOALS];
    struct plm_outcome res_out[AGENT_MAX_GOALS];
    struct plm_work w;
    size_t n = 0;
    int rc = 0;

    for (unsigned r = 0; r < AGENT_NRES; r++)
        for (size_t k = 0; k < AGENT_MAX_GOALS; k++) {
            plm_request_init(&req[r][k]);
            req[r][k].nlevels = AGENT_MAX_PRIORITY;
        }
    memset(out, 0, cap * sizeof(*out));
    for (unsigned i = 0; i < g->ngoals; i++) {
        const struct agent_goal *goal = &g->goal[i];
        size_t k;

        if (goal->workload[0] == '\0' || o->state[i] == AGENT_GOAL_INACTIVE)
            continue;
        k = workload_slot(names, &n, goal->workload);
        /* A goal of priority p counts at levels p and below it in
         * importance: levels are cumulative, and goals on one workload
         * combine by maximum, as in the controller. */
        for (unsigned l = goal->priority - 1; l < AGENT_MAX_PRIORITY; l++)
            if (o->need[i] > req[goal->res][k].level[l])
                req[goal->res][k].level[l] = o->need[i];
        if (k < cap)
            out[k].has[goal->res] = true;
    }
    if (n == 0)
        return 0;
    if (n > cap)
        return PLM_ETOOMANY;
    if (plm_work_init(&w, n) != 0)
        return PLM_ENOMEM;
    for (unsigned r = 0; r < AGENT_NRES && rc == 0; r++) {
        struct plm_params p;

        plm_params_init(&p, granted[r] > 0 ? granted[r] : 0);
        p.minimal = 0;
        rc = plm_arbitrate(&p, req[r], 0, n, &w, res_out, NULL);
        for (size_t k = 0; rc == 0 && k < n; k++) {
            out[k].workload = names[k];
            out[k].amount[r] = res_out[k].raw;
        }
    }
    plm_work_dispose(&w);
    return rc == 0 ? (int)n : rc;
}

int agent_shares_apply(const char *root, const struct agent_share *sh, size_t n, char *err,
                       size_t errlen)
{
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        char path[AGENT_PATH_MAX + 128], val[32], e2[256];
        int r = 0;

        if (sh[i].has[AGENT_RES_CPU]) {
            /* cpu.weight takes 1..10000; a share in hundredths of a CPU
             * fits that scale and keeps the ratios between workloads. */
            plm_amt_t pct = sh[i].amount[AGENT_RES_CPU] / PLM_SCALE;
            long weight = pct < 1 ? 1 : pct > 10000 ? 10000 : (long)pct;
            snprintf(path, sizeof(path), "%s/sys/fs/cgroup/%s/cpu.weight", agent_root_prefix(root),
                     sh[i].workload);
            snprintf(val, sizeof(val), "%ld\n", weight);
            r = write_file(path, val, e2, sizeof(e2));
        }
        if (r == 0 && sh[i].has[AGENT_RES_MEM]) {
            uint64_t bytes = (uint64_t)sh[i].amount[AGENT_RES_MEM] * 1024u * 1024u / PLM_SCALE;
            snprintf(path, sizeof(path), "%s/sys/fs/cgroup/%s/memory.high", agent_root_prefix(root),
                     sh[i].workload);
            snprintf(val, sizeof(val), "%" PRIu64 "\n", bytes);
            r = write_file(path, val, e2, sizeof(e2));
        }
        if (r != 0 && rc == 0) {
            rc = r;
            snprintf(err, errlen, "%s", e2);
        }
    }
    return rc;
}
