/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Anticipation on the simulated host (issue 13, point 2): a guest asks
 * 3 GiB from 09:00 to 11:00 every day and 1 GiB otherwise.  From the third
 * day on, with <anticipate> in its rule, the daemon raises its memory
 * before 09:00, by the time its balloon needs to get there (2 GiB at
 * 256 MiB/s) plus the minute's margin, so that it holds the 3 GiB when
 * the peak comes; without it, the balloon only starts at 09:00.  (The
 * simulated clock's 0 is midnight of day 0.)  The history survives a
 * restart of the daemon in its state directory; a corrupt file there is
 * logged and ignored.  A jump of the wall clock (clock jump) is said
 * once, and anticipation follows the new time of day.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <syslog.h>

#include "common/log.h"

#include "daemon_test.h"

#define H(h) ((uint64_t)(h)*3600 * 1000)
#define M(m) ((uint64_t)(m)*60 * 1000)
#define DAY H(24)
#define PEAK_HOST "host pcpus=2 memory=8192 dom0=1024\ndomain rep memory=1024 maxmem=4096\n"
/* The same guest every day, as times of the scenario (minutes). */
#define PEAK_SCENARIO                                                                              \
    PEAK_HOST "at 1s rep request mem=1024\n"                                                       \
              "at 540min rep request mem=3072\nat 660min rep request mem=1024\n"                   \
              "at 1980min rep request mem=3072\nat 2100min rep request mem=1024\n"                 \
              "at 3420min rep request mem=3072\nat 3540min rep request mem=1024\n"

/* To exactly ms of the simulated clock (a step may otherwise pass it). */
static void run_to(struct dt *t, uint64_t ms)
{
    dt_run_exactly(t, ms - dt_now(t));
}

static uint64_t held_mib(struct dt *t)
{
    return dt_sim(t, "rep").info.mem_actual_kib / MIB;
}

/* Day 2, the last seconds before 09:00 and the peak's first: what the
 * guest holds, and what it is allotted a minute before, with and without
 * anticipation. */
static const struct {
    const char *policy;
    long before;       /* MiB allotted at 08:59:30 */
    uint64_t at_peak;  /* MiB held at 09:00:00 (at least) */
    const char *words; /* in the log by then (NULL: none anticipating) */
} peak_rows[] = {
    {"base.xml", 1024, 1024, NULL},
    {"anticipate.xml", 3072, 3072, "anticipating the 09:00 memory peak: 3072 MiB"},
};

START_TEST(ahead_daily_peak)
{
    struct dt t;
    struct dt_logcap cap;
    dt_open(&t, peak_rows[_i].policy, PEAK_SCENARIO);
    /* The first two days only teach it: nothing is anticipated. */
    run_to(&t, DAY + H(8) + M(59));
    ck_assert_int_eq(dt_alloc(&t, "rep", POL_MEMORY), 1024);
    run_to(&t, 2 * DAY + H(8) + M(50));
    ck_assert_int_eq(dt_alloc(&t, "rep", POL_MEMORY), 1024);
    log_set_priority(LOG_INFO); /* the note is an info line */
    dt_cap_start(&cap);
    run_to(&t, 2 * DAY + H(8) + M(59) + 30000);
    unsigned said = dt_cap_stop(&cap, "anticipating the 09:00 memory peak");
    log_set_priority(getenv("DT_VERBOSE") ? LOG_DEBUG : LOG_WARNING);
    ck_assert_int_eq(dt_alloc(&t, "rep", POL_MEMORY), peak_rows[_i].before);
    ck_assert_uint_eq(said, peak_rows[_i].words ? 1 : 0);
    run_to(&t, 2 * DAY + H(9));
    if (peak_rows[_i].words)
        ck_assert_uint_ge(held_mib(&t), peak_rows[_i].at_peak);
    else
        ck_assert_uint_lt(held_mib(&t), 3072);
    /* Once the peak is over, it is let go. */
    run_to(&t, 2 * DAY + H(11) + M(5));
    ck_assert_int_eq(dt_alloc(&t, "rep", POL_MEMORY), 1024);
    dt_close(&t);
}
END_TEST

/* ---- the wall clock set (clock jump) ------------------------------------ */

#define PEAK_DAYS_0_1                                                                              \
    PEAK_HOST "at 1s rep request mem=1024\n"                                                       \
              "at 540min rep request mem=3072\nat 660min rep request mem=1024\n"                   \
              "at 1980min rep request mem=3072\nat 2100min rep request mem=1024\n"

/*
 * Day 2: at 08:00 the wall clock is set 50 minutes ahead.  The daemon says
 * so once, and anticipates the 09:00 peak of the new time of day: the
 * guest is raised by 08:09:30 of the monotonic day (08:59:30 of the new
 * one), not before the jump.  Or, within the peak, at 10:00, it is set an
 * hour back: said once, what was recorded after 09:00 is forgotten (to be
 * recorded again as the time of day comes back), and the guest keeps its
 * 3 GiB through the peak.  Without the jump neither happens.
 */
START_TEST(ahead_clock_jump_forward)
{
    struct dt t;
    struct dt_logcap cap;

    dt_open(&t, "anticipate.xml",
            PEAK_DAYS_0_1 "at 3360min clock jump +50min\n"
                          "at 3420min rep request mem=3072\nat 3540min rep request mem=1024\n");
    run_to(&t, 2 * DAY + H(7) + M(59));
    ck_assert_int_eq(dt_alloc(&t, "rep", POL_MEMORY), 1024);
    dt_cap_start(&cap);
    run_to(&t, 2 * DAY + H(8) + M(9) + 30000);
    dt_cap_end(&cap);
    ck_assert_uint_eq(dt_cap_count(&cap, "the local time of day jumped +3000 s"), 1);
    fclose(cap.f);
    ck_assert_int_eq(dt_alloc(&t, "rep", POL_MEMORY), 3072);
    ck_assert_uint_eq(t.d.st.eng.tod_jumps, 1);
    /* Nothing said again while the clocks keep in step. */
    run_to(&t, 2 * DAY + H(12));
    ck_assert_uint_eq(t.d.st.eng.tod_jumps, 1);
    dt_close(&t);
}
END_TEST

START_TEST(ahead_clock_jump_back)
{
    struct dt t;
    struct dt_logcap cap;

    dt_open(&t, "anticipate.xml",
            PEAK_DAYS_0_1 "at 3420min rep request mem=3072\n"
                          "at 3480min clock jump -1h\n"
                          "at 3600min rep request mem=1024\n");
    run_to(&t, 2 * DAY + H(9) + M(59));
    ck_assert_int_eq(dt_alloc(&t, "rep", POL_MEMORY), 3072);
    dt_cap_start(&cap);
    run_to(&t, 2 * DAY + H(10) + M(1));
    dt_cap_end(&cap);
    ck_assert_uint_eq(dt_cap_count(&cap, "the local time of day jumped -3600 s"), 1);
    ck_assert_uint_eq(dt_cap_count(&cap, " 0 request history slots"), 0);
    fclose(cap.f);
    /* Through the peak (to 11:00 of the new time of day), at 3 GiB. */
    for (uint64_t m = 10; m < 60; m += 10) {
        run_to(&t, 2 * DAY + H(10) + M(m));
        ck_assert_int_eq(dt_alloc(&t, "rep", POL_MEMORY), 3072);
    }
    ck_assert_uint_eq(t.d.st.eng.tod_jumps, 1);
    dt_close(&t);
}
END_TEST

/* ---- the histories across a restart (history.c) ------------------------ */

enum keep { KEEP_NONE, KEEP_DIR, KEEP_CORRUPT, KEEP_LONG, KEEP_FIFO };

static const struct {
    const char *name;
    enum keep keep;
    long before;       /* MiB allotted at 08:59:30 on day 2, after the restart */
    const char *words; /* logged at the restart */
} keep_rows[] = {
    {"no state directory: learnt anew", KEEP_NONE, 1024, NULL},
    {"kept in the state directory", KEEP_DIR, 3072, "request history read from"},
    {"a corrupt file is ignored", KEEP_CORRUPT, 1024, "ignoring its request history"},
    {"a file too long is ignored", KEEP_LONG, 1024, "ignoring its request history"},
    {"a FIFO in its place is ignored, without blocking", KEEP_FIFO, 1024, "not a regular file"},
};

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

START_TEST(ahead_kept_across_restart)
{
    struct dt t;
    struct dt_logcap cap;
    char dir[256], file[400];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/hist.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));

    dt_open(&t, "anticipate.xml", PEAK_SCENARIO);
    if (keep_rows[_i].keep != KEEP_NONE)
        t.opt.state_dir = t.d.opt.state_dir = dir;
    snprintf(file, sizeof(file), "%s/%s.hist", dir, dt_sim(&t, "rep").info.uuid);
    run_to(&t, 2 * DAY + H(1));
    /* Stopped: written whole (or not at all without a directory). */
    dmn_fini(&t.d);
    t.up = false;
    ck_assert_int_eq(file_size(file), keep_rows[_i].keep == KEEP_NONE ? -1 : (off_t)ANT_ENCODED);
    if (keep_rows[_i].keep != KEEP_NONE) {
        /* State, not a figure: for the daemon's user alone. */
        struct stat st;
        ck_assert_int_eq(stat(file, &st), 0);
        ck_assert_uint_eq(st.st_mode & 0777, 0600);
    }
    if (keep_rows[_i].keep == KEEP_FIFO) {
        ck_assert_int_eq(unlink(file), 0);
        ck_assert_int_eq(mkfifo(file, 0600), 0);
    }
    if (keep_rows[_i].keep == KEEP_CORRUPT || keep_rows[_i].keep == KEEP_LONG) {
        FILE *f = fopen(file, keep_rows[_i].keep == KEEP_LONG ? "ab" : "r+b");
        ck_assert_ptr_nonnull(f);
        if (keep_rows[_i].keep == KEEP_CORRUPT)
            fseek(f, 200, SEEK_SET); /* a day's amounts, without their level */
        fputs("\x7f\x7f\x7f\x7f\x00", f);
        ck_assert_int_eq(fclose(f), 0);
    }
    log_set_priority(LOG_INFO);
    dt_cap_start(&cap);
    ck_assert_int_eq(dmn_init(&t.d, &t.opt, t.p), 0);
    t.up = true;
    run_to(&t, 2 * DAY + H(1) + 2000);
    unsigned said = keep_rows[_i].words ? dt_cap_stop(&cap, keep_rows[_i].words)
                                        : dt_cap_stop(&cap, "request history");
    log_set_priority(getenv("DT_VERBOSE") ? LOG_DEBUG : LOG_WARNING);
    ck_assert_uint_eq(said, keep_rows[_i].words ? 1 : 0);
    run_to(&t, 2 * DAY + H(8) + M(59) + 30000);
    ck_assert_int_eq(dt_alloc(&t, "rep", POL_MEMORY), keep_rows[_i].before);
    /* A bad file is replaced by a good one at the next write. */
    run_to(&t, 2 * DAY + H(9) + M(30));
    if (keep_rows[_i].keep != KEEP_NONE) {
        struct stat st;
        ck_assert_int_eq(lstat(file, &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_int_eq(st.st_size, (off_t)ANT_ENCODED);
    }
    dt_close(&t);
    unlink(file);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The clock set back a day while the daemon is stopped: the history it
 * reads at its restart holds the rest of what is now today, and the
 * first hour of tomorrow: that is forgotten and said; the rest is kept. */
START_TEST(ahead_history_after_clock_back)
{
    struct dt t;
    struct dt_logcap cap;
    char dir[256], file[400];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/hist.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));

    dt_open(&t, "anticipate.xml",
            PEAK_DAYS_0_1 "at 176401000ms clock jump -1d\n"
                          "at 3420min rep request mem=3072\n");
    t.opt.state_dir = t.d.opt.state_dir = dir;
    snprintf(file, sizeof(file), "%s/%s.hist", dir, dt_sim(&t, "rep").info.uuid);
    run_to(&t, 2 * DAY + H(1));
    dmn_fini(&t.d);
    t.up = false;
    ck_assert_int_eq(port_sim_advance(t.p, 2000), 0);
    dt_cap_start(&cap);
    ck_assert_int_eq(dmn_init(&t.d, &t.opt, t.p), 0);
    t.up = true;
    run_to(&t, 2 * DAY + H(1) + 4000);
    dt_cap_end(&cap);
    ck_assert_uint_eq(dt_cap_count(&cap, "dated after the local time now"), 1);
    fclose(cap.f);
    ck_assert_ptr_nonnull(dt_dom(&t, "rep")->eng.hist);
    const struct ant_hist *h = dt_dom(&t, "rep")->eng.hist;
    ck_assert_int_eq(h->day[2 % ANT_DAYS], -1);        /* day 2: gone */
    ck_assert_int_eq(h->day[0], 0);                    /* day 0: kept */
    ck_assert_uint_eq(h->level[1][36][POL_MEMORY], 0); /* day 1, 09:00: gone */
    ck_assert_uint_ne(h->level[1][0][POL_MEMORY], 0);  /* day 1, 00:00: kept */
    dt_close(&t);
    unlink(file);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* ---- pruning the state directory (history.c) ---------------------------- */

static void touch_days_ago(const char *dir, const char *name, int days)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fclose(f), 0);
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= (time_t)days * 86400;
    tv[1] = tv[0];
    ck_assert_int_eq(utimes(path, tv), 0);
}

static bool exists(const char *dir, const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return lstat(path, &st) == 0;
}

static const struct {
    const char *name;
    int days_ago;
    bool kept;
} prune_rows[] = {
    {"0b5e4a1c-3f1d-4c2e-9a55-0c3d0e1f2a3b.hist", 0, true},             /* written today */
    {"name-726570.hist", ANT_DAYS - 1, true},                           /* still in the ring */
    {"9d0c1b2a-0000-4000-8000-000000000001.hist", ANT_DAYS + 1, false}, /* past it */
    {".9d0c1b2a-0000-4000-8000-000000000002.hist.Ab12Cd", 0, false},    /* a killed writer's */
    {"notes.txt", 400, true},                                           /* not ours */
    {".hidden", 400, true},                                             /* not ours */
};

START_TEST(ahead_prune_state_dir)
{
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/prune.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (size_t i = 0; i < sizeof(prune_rows) / sizeof(prune_rows[0]); i++)
        touch_days_ago(dir, prune_rows[i].name, prune_rows[i].days_ago);
    /* An old FIFO named like a history is not a file of ours: left alone. */
    char fifo[400];
    snprintf(fifo, sizeof(fifo), "%s/old-fifo.hist", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    struct timeval old[2];
    gettimeofday(&old[0], NULL);
    old[0].tv_sec -= (time_t)(ANT_DAYS + 10) * 86400;
    old[1] = old[0];
    ck_assert_int_eq(utimes(fifo, old), 0);

    struct dmn *d = calloc(1, sizeof(*d));
    ck_assert_ptr_nonnull(d);
    d->opt.state_dir = dir;
    struct timeval now;
    gettimeofday(&now, NULL);
    const int64_t day_s = 86400;
    /* The first look (the daemon starting) removes the killed writer's
     * file alone: no history before the wall clock is seen to run. */
    dmn_history_prune(d, now.tv_sec, 5000);
    ck_assert(!exists(dir, prune_rows[3].name));
    ck_assert(exists(dir, prune_rows[2].name));
    /* Nor at a look that finds it jumped (16 days in an hour). */
    dmn_history_prune(d, now.tv_sec + 16 * day_s, 5000 + 3600 * 1000);
    for (size_t i = 0; i < sizeof(prune_rows) / sizeof(prune_rows[0]); i++)
        ck_assert(exists(dir, prune_rows[i].name) || i == 3);
    /* An hour later, in step: aged without the jump, only what was past
     * the ring before it goes. */
    dmn_history_prune(d, now.tv_sec + 16 * day_s + 3600, 5000 + 7200 * 1000);
    free(d);
    for (size_t i = 0; i < sizeof(prune_rows) / sizeof(prune_rows[0]); i++) {
        if (exists(dir, prune_rows[i].name) != prune_rows[i].kept)
            ck_abort_msg("%s (%d days old): %s", prune_rows[i].name, prune_rows[i].days_ago,
                         prune_rows[i].kept ? "removed" : "kept");
        if (prune_rows[i].kept) {
            char path[512];
            snprintf(path, sizeof(path), "%s/%s", dir, prune_rows[i].name);
            ck_assert_int_eq(unlink(path), 0);
        }
    }
    ck_assert(exists(dir, "old-fifo.hist"));
    ck_assert_int_eq(unlink(fifo), 0);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The schedule of the looks, through the daemon's own call
 * (dmn_history_save_all with the loop's clock): the start's look removes
 * no history, the one DMN_HIST_PRUNE_FIRST_MS later does (a daemon
 * restarted more often than daily still prunes), then the next is a day
 * on. */
START_TEST(ahead_prune_soon_after_start)
{
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/prune-sched.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const char *old = "9d0c1b2a-0000-4000-8000-000000000003.hist";
    const char *older = "9d0c1b2a-0000-4000-8000-000000000004.hist";
    touch_days_ago(dir, old, ANT_DAYS + 1);

    struct dmn *d = calloc(1, sizeof(*d));
    ck_assert_ptr_nonnull(d);
    d->opt.state_dir = dir;
    const uint64_t t0 = 1000;
    dmn_history_save_all(d, t0, false);
    ck_assert(exists(dir, old));
    dmn_history_save_all(d, t0 + DMN_HIST_PRUNE_FIRST_MS - 1, false);
    ck_assert(exists(dir, old));
    dmn_history_save_all(d, t0 + DMN_HIST_PRUNE_FIRST_MS, false);
    ck_assert_msg(!exists(dir, old), "a stale history outlived the look after the start");
    /* The next look is a day later, not sooner. */
    touch_days_ago(dir, older, ANT_DAYS + 2);
    dmn_history_save_all(d, t0 + DMN_HIST_PRUNE_FIRST_MS + DMN_HIST_PRUNE_MS - 1, false);
    ck_assert(exists(dir, older));
    dmn_history_save_all(d, t0 + DMN_HIST_PRUNE_FIRST_MS + DMN_HIST_PRUNE_MS, false);
    ck_assert(!exists(dir, older));
    free(d);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The pruning's clock (history.c), look by look: wall and monotonic
 * seconds from the first look, whether it jumped, the skew and the age of
 * a file written at mtime (days before the first look) that makes it
 * stale. */
static const struct {
    int64_t wall_s, mono_s; /* this look */
    bool jumped;
    int64_t skew_s;
    int64_t mtime_days; /* a file written then (days from the first look) */
    bool stale;         /* past keeping at this look */
} clock_rows[] = {
    {0, 0, false, 0, -15, true},                                         /* anchored: 15 days old */
    {86400, 86400, false, 0, -14, true},                                 /* in step */
    {86400 + 3600, 86400, false, 0, -13, false},                         /* an hour: not a jump */
    {86400 + 3601 + 15 * 86400, 86400, true, 15 * 86400 + 1, -1, false}, /* +15 d */
    {86400 * 17 + 3601, 86400 * 2, false, 15 * 86400 + 1, -1, false},    /* then in step */
    {86400 * 17 + 3601, 86400 * 2, false, 15 * 86400 + 1, -14, true},    /* old already */
    {86400 * 17 + 3601, 86400 * 2, false, 15 * 86400 + 1, 17, false},    /* after the jump */
    {86400 * 2, 86400 * 3, true, 15 * 86400 + 1, -14, false}, /* set back: errs on keeping */
};

START_TEST(ahead_prune_clock)
{
    struct dmn_hist_clock c = {0};
    const int64_t base = 1700000000;

    for (size_t i = 0; i < sizeof(clock_rows) / sizeof(clock_rows[0]); i++) {
        int64_t drift = 0;
        bool jumped = dmn_hist_clock_look(&c, base + clock_rows[i].wall_s,
                                          (uint64_t)clock_rows[i].mono_s * 1000, &drift);
        ck_assert_msg(jumped == clock_rows[i].jumped, "row %zu: jumped %d (drift %lld)", i, jumped,
                      (long long)drift);
        ck_assert_msg(c.skew_s == clock_rows[i].skew_s, "row %zu: skew %lld", i,
                      (long long)c.skew_s);
        bool stale = dmn_hist_stale(&c, base + clock_rows[i].wall_s,
                                    base + clock_rows[i].mtime_days * 86400);
        ck_assert_msg(stale == clock_rows[i].stale, "row %zu: stale %d", i, stale);
    }
}
END_TEST

TCase *dt_tcase_ahead(void)
{
    TCase *tc = tcase_create("ahead");
    tcase_add_loop_test(tc, ahead_daily_peak, 0, (int)(sizeof(peak_rows) / sizeof(peak_rows[0])));
    tcase_add_loop_test(tc, ahead_kept_across_restart, 0,
                        (int)(sizeof(keep_rows) / sizeof(keep_rows[0])));
    tcase_add_test(tc, ahead_prune_state_dir);
    tcase_add_test(tc, ahead_prune_clock);
    tcase_add_test(tc, ahead_prune_soon_after_start);
    tcase_add_test(tc, ahead_clock_jump_forward);
    tcase_add_test(tc, ahead_clock_jump_back);
    tcase_add_test(tc, ahead_history_after_clock_back);
    tcase_set_timeout(tc, 120);
    return tc;
}
