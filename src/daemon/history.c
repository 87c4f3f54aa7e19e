/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The request histories anticipation learns from (engine/anticip.h), kept
 * across restarts of the daemon and of the domain in the state directory
 * (--state-dir): one file per domain identity, DIR/<uuid>.hist (or
 * DIR/name-<hex of the name>.hist for a domain with no uuid), of exactly
 * ANT_ENCODED bytes.  Read when a domain whose rule anticipates is first
 * seen; written every DMN_HIST_SAVE_MS, when the domain goes, and when the
 * daemon stops, whole, through a temporary file renamed over it
 * (common/textfile.h).  A file that is not a history (cut short, too
 * long, corrupted, hostile) is logged and ignored: the domain starts
 * with an empty one, which the next write replaces; what one holds for a
 * time after the local time now (written before the clock was set back)
 * is forgotten, and said; so is anything there
 * that is not a regular file (a FIFO, a device, a symbolic link), which
 * is never opened for reading in a way that could block the loop.
 *
 * The files are the daemon's state, not figures: written 0600 and synced
 * before the rename (and the directory after).  A file no domain has
 * written for ANT_DAYS days holds nothing anticipation still uses (its
 * ring covers the last ANT_DAYS days): it is removed by
 * dmn_history_prune, 15 minutes after the daemon starts and then once a
 * day, with the temporary files a killed writer left (those also when the
 * daemon starts).  A file's age is its time on the
 * wall clock, which may be set wrong: a history is removed only at a look
 * that finds the wall clock ran in step with the monotonic clock since
 * the previous one (never at the first, when the daemon starts), and the
 * forward jumps seen are left out of the age of what was written before
 * them.  Removing is for good; keeping a stale file costs 14 KiB and
 * nothing else (its rows carry their days: anticipation uses none older
 * than ANT_DAYS).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/textfile.h"
#include "common/walltime.h"
#include "core/error.h"
#include "daemon/daemon.h"

/* The file's name for a domain: its uuid, else its name in hex. */
static void file_name(const struct dmn_domain *dom, char *out, size_t cap)
{
    if (dom->info.uuid[0]) {
        snprintf(out, cap, "%s.hist", dom->info.uuid);
        return;
    }
    size_t k = (size_t)snprintf(out, cap, "name-");
    for (const char *p = dom->info.name; *p && k + 3 < cap; p++)
        k += (size_t)snprintf(out + k, cap - k, "%02x", (unsigned char)*p);
    snprintf(out + k, cap - k, ".hist");
}

void dmn_history_load(struct dmn *d, struct dmn_domain *dom)
{
    char name[2 * PORT_NAME_MAX + 16], path[TEXTFILE_PATH_MAX], err[96];
    uint8_t buf[ANT_ENCODED + 1];

    if (!d->opt.state_dir || !dom->eng.hist)
        return;
    file_name(dom, name, sizeof(name));
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", d->opt.state_dir, name) >= sizeof(path))
        return;
    /* O_NONBLOCK: a FIFO put there must not hold the loop in open(2). */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            log_warn("Domain %u: cannot read its request history %s", dom->info.domid, path);
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        log_warnx("Domain %u: ignoring its request history %s: not a regular file", dom->info.domid,
                  path);
        close(fd);
        return;
    }
    /* At most one byte more than a history: enough to see it is too long. */
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof(buf) - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == sizeof(buf))
            break;
    }
    close(fd);
    if (ant_decode(buf, len, dom->eng.hist, err, sizeof(err)) != 0) {
        log_warnx("Domain %u: ignoring its request history %s: %s", dom->info.domid, path, err);
        ant_init(dom->eng.hist);
        return;
    }
    log_info("Domain %u: request history read from %s", dom->info.domid, path);
    /* Written before the clock was set back: what it holds for a time of
     * day that has not come yet would be taken for what the guest asks
     * then (engine/tod.c forgets it the same way while running). */
    struct ant_clock now;
    if (port_local_time(d->port, &now.day, &now.sec) == 0) {
        unsigned n = ant_forget_after(dom->eng.hist, now);
        if (n)
            log_warnx("Domain %u: its request history %s holds %u slots dated after the local "
                      "time now (the clock was set back): forgotten",
                      dom->info.domid, path, n);
    }
}

void dmn_history_save(struct dmn *d, const struct dmn_domain *dom)
{
    char name[2 * PORT_NAME_MAX + 16];
    uint8_t buf[ANT_ENCODED];

    if (!d->opt.state_dir || !dom->eng.hist)
        return;
    if (mkdir(d->opt.state_dir, 0750) != 0 && errno != EEXIST) {
        if (!d->hist_failing)
            log_warn("cannot make the state directory %s", d->opt.state_dir);
        d->hist_failing = true;
        return;
    }
    file_name(dom, name, sizeof(name));
    struct textfile tf = {
        .failing = d->hist_failing, .mode = 0600, .durable = true, .kind = "request history"};
    if (textfile_set(&tf, d->opt.state_dir, name) != 0)
        return;
    ant_encode(dom->eng.hist, buf);
    textfile_write(&tf, (const char *)buf, sizeof(buf));
    d->hist_failing = tf.failing;
}

/* Is name one of ours: "<anything>.hist", or a temporary file of one
 * (".<anything>.hist.XXXXXX", textfile.c's)? */
static bool history_file(const char *name, bool *temporary)
{
    size_t n = strlen(name);
    *temporary = false;
    if (n > 5 && strcmp(name + n - 5, ".hist") == 0 && name[0] != '.')
        return true;
    if (name[0] == '.' && n > 13 && strncmp(name + n - 12, ".hist.", 6) == 0) {
        *temporary = true;
        return true;
    }
    return false;
}

bool dmn_hist_clock_look(struct dmn_hist_clock *c, int64_t wall_s, uint64_t mono_ms,
                         int64_t *drift_out)
{
    bool jumped = false;
    int64_t drift = 0;

    if (c->anchored) {
        drift = (wall_s - c->wall_s) - (int64_t)((mono_ms - c->mono_ms) / 1000);
        if (drift > DMN_HIST_JUMP_S || drift < -DMN_HIST_JUMP_S) {
            jumped = true;
            if (drift > 0)
                c->skew_s += drift;
            c->jump_at_s = wall_s;
        }
    }
    if (drift_out)
        *drift_out = drift;
    c->anchored = true;
    c->wall_s = wall_s;
    c->mono_ms = mono_ms;
    return jumped;
}

bool dmn_hist_stale(const struct dmn_hist_clock *c, int64_t wall_s, int64_t mtime_s)
{
    int64_t age_s = wall_s - mtime_s;

    /* Dated on the clock before a forward jump: that much of its age is
     * the jump's, not time that passed. */
    if (c->skew_s > 0 && mtime_s < c->jump_at_s)
        age_s -= c->skew_s;
    return age_s >= (int64_t)ANT_DAYS * 86400;
}

void dmn_history_prune(struct dmn *d, int64_t wall_s, uint64_t mono_ms)
{
    DIR *dir;
    char path[TEXTFILE_PATH_MAX + 256];
    bool first = !d->hist_clock.anchored;
    int64_t drift_s = 0;
    unsigned removed = 0;

    if (!d->opt.state_dir)
        return;
    /* Histories are aged only on a wall clock seen to run in step with
     * the monotonic one since the last look. */
    bool jumped = dmn_hist_clock_look(&d->hist_clock, wall_s, mono_ms, &drift_s);
    bool histories = !first && !jumped;
    if (jumped)
        log_warnx("state directory %s: the wall clock moved %+lld s against the monotonic clock "
                  "since the last look: no request history removed now; those written before "
                  "are aged without the jump",
                  d->opt.state_dir, (long long)drift_s);
    if (!(dir = opendir(d->opt.state_dir)))
        return;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        bool temporary;
        struct stat st;
        if (!history_file(e->d_name, &temporary))
            continue;
        snprintf(path, sizeof(path), "%s/%s", d->opt.state_dir, e->d_name);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        /* A temporary file is a killed writer's: this daemon writes none
         * between two of its turns. */
        if (!temporary && (!histories || !dmn_hist_stale(&d->hist_clock, wall_s, st.st_mtime)))
            continue;
        if (unlink(path) == 0)
            removed++;
    }
    closedir(dir);
    if (removed)
        log_info("state directory %s: %u request histories and leftovers older than %u days "
                 "removed",
                 d->opt.state_dir, removed, (unsigned)ANT_DAYS);
}

void dmn_history_save_all(struct dmn *d, uint64_t now, bool force)
{
    if (!d->opt.state_dir)
        return;
    if (now >= d->hist_prune_at_ms) {
        /* The first look only anchors the clocks: the next, soon after,
         * is the first that may age a history. */
        d->hist_prune_at_ms =
            now + (d->hist_clock.anchored ? DMN_HIST_PRUNE_MS : DMN_HIST_PRUNE_FIRST_MS);
        /* Files are dated on the host's clocks, not the port's (the
         * simulated host's runs faster). */
        dmn_history_prune(d, (int64_t)(plm_wall_ms() / 1000), plm_mono_ms());
    }
    if (!force && now < d->hist_save_at_ms)
        return;
    d->hist_save_at_ms = now + DMN_HIST_SAVE_MS;
    for (size_t i = 0; i < d->st.ndom; i++)
        dmn_history_save(d, &d->st.dom[i]);
}
