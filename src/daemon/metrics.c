/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The report's metrics file: DIR/xenplm.prom for node_exporter's textfile
 * collector, DIR from --metrics-dir or else the policy's <metrics dir>.
 * Written after a turn that changed an allocation in force, and at least
 * every <metrics interval> (the loop wakes for it); the text is
 * render_metrics's, the file replaced whole (common/textfile.c).  A write
 * that fails is logged once and tried again at the next interval, not at
 * every turn in between: a full disk never slows the loop down.  The
 * daemon's last state is written when it stops; the file stays (its age
 * is node_exporter's node_textfile_mtime_seconds).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/render.h"

#define METRICS_FILE "xenplm.prom"

static const char *metrics_dir(const struct dmn *d)
{
    return d->opt.metrics_dir ? d->opt.metrics_dir : d->st.policy.host.metrics_dir;
}

/* Aim at the directory in force (a reload may have changed it); false
 * when there is none. */
static bool aim(struct dmn *d)
{
    const char *dir = metrics_dir(d);
    struct textfile t;

    if (!dir || !*dir) {
        d->metrics.path[0] = '\0';
        return false;
    }
    memset(&t, 0, sizeof(t));
    if (textfile_set(&t, dir, METRICS_FILE) != 0) {
        if (!d->metrics_bad_dir)
            log_errx("the metrics directory %.200s... is too long: writing no metrics", dir);
        d->metrics_bad_dir = true;
        d->metrics.path[0] = '\0';
        return false;
    }
    d->metrics_bad_dir = false;
    if (strcmp(t.path, d->metrics.path) != 0) {
        d->metrics = t;
        d->metrics_at_ms = 0; /* a new file: write it now */
        log_info("writing metrics to %s", t.path);
        /* What a daemon killed in the middle of a write left there. */
        textfile_sweep(&d->metrics);
    }
    return true;
}

uint64_t dmn_metrics_at(const struct dmn *d)
{
    return d->metrics.path[0] ? d->metrics_at_ms : 0;
}

void dmn_metrics_report(struct dmn *d, uint64_t now, bool last)
{
    char *buf = NULL;
    size_t len = 0;

    if (!aim(d))
        return;
    bool changed = d->st.stats.allocations != d->metrics_serial && !d->metrics.failing;
    if (!changed && !last && now < d->metrics_at_ms)
        return;
    d->metrics_at_ms = now + d->st.policy.host.metrics_interval_ms;
    d->metrics_serial = d->st.stats.allocations;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        log_warn("cannot render the metrics");
        return;
    }
    int rc = render_metrics(f, &d->st);
    if (fclose(f) != 0 || rc != 0)
        log_warnx("cannot render the metrics: out of memory");
    else if (textfile_write(&d->metrics, buf, len) == 0)
        log_debug("metrics written (%zu bytes, allocation #%llu)", len,
                  (unsigned long long)d->metrics_serial);
    free(buf);
}
