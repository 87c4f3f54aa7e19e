/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon when xenstored refuses dom0 (the scenario's xs-fail lines,
 * xenplm-sim(5)): a watch that cannot be registered when a domain is
 * adopted is logged once and registered again with a backoff, and the
 * guest's request written meanwhile is read once it is there; a
 * transaction that ends with EAGAIN a few times is made again and the
 * guest sees nothing of it; watch events delivered twice change nothing,
 * one lost is made good by the guest's next write only, and events handed
 * over late make the daemon act on the request as it is then, never on
 * one it replaced.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_test.h"
#include "core/error.h"

#define HOST                                                                                       \
    "host pcpus=4 memory=8192 dom0=1024\n"                                                         \
    "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"

#define CREATE_B "create b memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"

static uint64_t watch_calls(struct dt *t)
{
    return dt_stats(t).op[PORT_SIM_OP_XS_WATCH].calls;
}

/*
 * b is created while xenstored refuses dom0's next three watches: its
 * three watches (request, balloon key, boost key) fail at its adoption.  Its request, written in
 * between, is read all the same: b gets the memory it asked for, after one warning.
 */
START_TEST(xs_watch_refused_at_adoption)
{
    struct dt t;
    struct dt_logcap lc;

    dt_open(&t, "base.xml",
            HOST "at 5s xs-fail watch 3\n"
                 "at 6s " CREATE_B "at 6500ms b request mem=1024,1536\n");
    dt_run_exactly(&t, 4000 - dt_now(&t));
    uint64_t before = watch_calls(&t);

    dt_cap_start(&lc);
    dt_run_until(&t, 60000);
    unsigned warned = dt_cap_stop(&lc, "cannot set up its");
    ck_assert_int_eq(dt_alloc(&t, "b", POL_MEMORY), 1536);
    ck_assert_uint_eq(warned, 1);
    ck_assert_uint_eq(dt_stats(&t).xs_fault.injected[PORT_SIM_XSF_WATCH], 3);
    ck_assert_uint_eq(dt_dom(&t, "b")->setup_missing, 0);
    /* Three refused at the adoption, then the three that worked. */
    ck_assert_uint_eq(watch_calls(&t) - before, 6);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "b", &cpu, &vcpus, &mem);
    ck_assert_int_eq(mem, PLM_UNITS(1536));

    /* The watch works: a later request is read at once. */
    dt_request(&t, "b", NULL, "1024,1280");
    dt_run_for(&t, 2000);
    ck_assert_int_eq(dt_alloc(&t, "b", POL_MEMORY), 1280);
    dt_close(&t);
}
END_TEST

/*
 * For five minutes every watch is refused: b's are tried again with a
 * backoff (a handful of tries, not one per turn), one warning says so,
 * and its request is read within a minute of the fault's end.
 */
START_TEST(xs_watch_refused_for_a_while)
{
    struct dt t;
    struct dt_logcap lc;

    dt_open(&t, "base.xml",
            HOST "at 5s xs-fail watch for 300s\n"
                 "at 6s " CREATE_B "at 8s b request mem=1024,1536\n");
    dt_run_exactly(&t, 4000 - dt_now(&t));
    uint64_t before = watch_calls(&t), steps = t.steps;

    dt_cap_start(&lc);
    dt_run_exactly(&t, 300000 - dt_now(&t));
    ck_assert_uint_ne(dt_dom(&t, "b")->setup_missing, 0);
    ck_assert_int_ne(dt_alloc(&t, "b", POL_MEMORY), 1536);
    /* 1, 2, 4 ... 60 s apart: about a dozen tries in five minutes. */
    uint64_t tries = watch_calls(&t) - before;
    ck_assert_uint_ge(tries, 6);
    ck_assert_uint_le(tries, 16);
    ck_assert_uint_le(t.steps - steps, 100);

    dt_run_until(&t, 370000);
    ck_assert_uint_eq(dt_cap_stop(&lc, "cannot set up its"), 1);
    ck_assert_uint_eq(dt_dom(&t, "b")->setup_missing, 0);
    ck_assert_int_eq(dt_alloc(&t, "b", POL_MEMORY), 1536);
    dt_close(&t);
}
END_TEST

/*
 * The transaction that makes b's grant directory at its adoption fails
 * (xenstored's quota): the directory is made again a second later, with
 * the permissions that keep the guest from writing there, after one
 * warning.
 */
START_TEST(xs_grant_dir_refused_at_adoption)
{
    struct dt t;
    struct dt_logcap lc;
    char perms[64], path[64];

    dt_open(&t, "base.xml", HOST "at 5s xs-fail txn 1 quota\nat 6s " CREATE_B);
    dt_run_exactly(&t, 4000 - dt_now(&t));
    dt_cap_start(&lc);
    dt_run_until(&t, 30000);
    unsigned warned = dt_cap_stop(&lc, "cannot set up its grant directory");
    snprintf(path, sizeof(path), "/local/domain/%u/xenplm", (unsigned)dt_id(&t, "b"));
    ck_assert_int_eq(port_sim_xs_perms(t.p, path, perms, sizeof(perms)), 0);
    char want[64];
    snprintf(want, sizeof(want), "n0,r%u", (unsigned)dt_id(&t, "b"));
    ck_assert_str_eq(perms, want);
    ck_assert_uint_eq(warned, 1);
    ck_assert_uint_eq(dt_stats(&t).xs_fault.injected[PORT_SIM_XSF_TXN], 1);
    ck_assert_uint_eq(dt_dom(&t, "b")->setup_missing, 0);
    dt_close(&t);
}
END_TEST

/*
 * Nine attempts at a transaction end with EAGAIN: the tenth goes through,
 * as a xenstore client makes it, and the guest reads its grant without a
 * word in the log.
 */
START_TEST(xs_txn_eagain_retried)
{
    struct dt t;
    struct dt_logcap lc;

    dt_open(&t, "base.xml", HOST "at 5s xs-fail txn 9\nat 6s a request mem=1024,1536\n");
    dt_run_exactly(&t, 4000 - dt_now(&t));
    dt_cap_start(&lc);
    dt_run_until(&t, 60000);
    ck_assert_uint_eq(dt_cap_stop(&lc, "cannot write"), 0);
    ck_assert_uint_eq(dt_stats(&t).xs_fault.injected[PORT_SIM_XSF_TXN], 9);
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_XS_WRITE_TXN].injected, 0);
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "a", &cpu, &vcpus, &mem);
    ck_assert_int_eq(mem, PLM_UNITS(1536));
    dt_close(&t);
}
END_TEST

/*
 * Every transaction fails for 30 s (not a conflict: xenstored's error)
 * while a asks for more memory: its grant and its answer cannot be
 * written.  Each is logged once, written again with a backoff, and both
 * are there within a minute of the fault's end, without a new request.
 */
START_TEST(xs_txn_failing_for_a_while)
{
    struct dt t;
    struct dt_logcap lc;
    char buf[64];

    dt_open(&t, "base.xml",
            HOST "at 1s a request mem=1024\n"
                 "at 5s xs-fail txn for 30s fail\n"
                 "at 6s a request mem=1024,1536\n");
    dt_run_exactly(&t, 4000 - dt_now(&t));
    uint64_t before = dt_stats(&t).op[PORT_SIM_OP_XS_WRITE_TXN].calls;

    dt_cap_start(&lc);
    dt_run_exactly(&t, 34000 - dt_now(&t));
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 1536);
    ck_assert_int_eq(dt_guest_read(&t, "a", "seq", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "1\n");
    /* A handful of tries in 30 s, not one per turn. */
    uint64_t tries = dt_stats(&t).op[PORT_SIM_OP_XS_WRITE_TXN].calls - before;
    ck_assert_uint_ge(tries, 4);
    ck_assert_uint_le(tries, 16);

    dt_run_until(&t, 100000);
    unsigned grant_warned = dt_cap_stop(&lc, "cannot write its grant");
    plm_amt_t cpu, mem;
    unsigned vcpus;
    dt_granted(&t, "a", &cpu, &vcpus, &mem);
    ck_assert_int_eq(mem, PLM_UNITS(1536));
    ck_assert_int_eq(dt_guest_read(&t, "a", "seq", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "2\n");
    ck_assert_int_eq(dt_guest_read(&t, "a", "status", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "ok\n");
    ck_assert_uint_eq(grant_warned, 1);
    dt_close(&t);
}
END_TEST

/*
 * Every watch event is delivered twice for a minute, while a changes its
 * request three times: each is read and answered as once, without a word
 * in the log.
 */
START_TEST(watch_events_doubled)
{
    struct dt t;
    struct dt_logcap lc;
    char buf[64];

    dt_open(&t, "base.xml",
            HOST "at 5s watch dup for 60s\n"
                 "at 6s a request mem=1024,1280\n"
                 "at 16s a request mem=1024,1536\n"
                 "at 26s a request cpu=50 mem=1024,1536\n");
    dt_run_exactly(&t, 4000 - dt_now(&t));
    dt_cap_start(&lc);
    dt_run_until(&t, 90000);
    ck_assert_uint_eq(dt_cap_stop(&lc, " warning: "), 0);
    ck_assert_uint_ge(dt_stats(&t).xs_fault.injected[PORT_SIM_XSF_DUP], 3);
    ck_assert_uint_eq(dt_dom(&t, "a")->requests, 3);
    ck_assert_int_eq(dt_guest_read(&t, "a", "seq", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "3\n");
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 1536);
    dt_close(&t);
}
END_TEST

/*
 * The event of a's request is lost: the daemon reads it at its next
 * periodic listing of the domains (a minute after the last), says so once
 * and counts it, and answers it; the guest's next write is read as usual,
 * from its watch.  An unchanged request is read at each listing and
 * neither answered again nor counted.  (What xenstored would have to lose
 * for this is in xenplm-sim(5).)
 */
START_TEST(watch_event_lost)
{
    struct dt t;
    struct dt_logcap lc;
    char buf[64];

    dt_open(&t, "base.xml",
            HOST "at 5s watch lose 1\n"
                 "at 6s a request mem=1024,1536\n"
                 "at 200s a request mem=1024,1280\n");
    dt_cap_start(&lc);
    dt_run_exactly(&t, 10000 - dt_now(&t));
    ck_assert_uint_eq(dt_stats(&t).xs_fault.injected[PORT_SIM_XSF_LOSE], 1);
    ck_assert_uint_eq(dt_dom(&t, "a")->requests, 0);
    dt_run_until(&t, 75000);
    ck_assert_uint_eq(dt_cap_stop(&lc, "its watch event was lost"), 1);
    ck_assert_uint_eq(dt_dom(&t, "a")->requests, 1);
    ck_assert_uint_eq(t.d.st.stats.watch_missed, 1);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 1536);
    ck_assert_int_eq(dt_guest_read(&t, "a", "seq", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "1\n");
    /* Listings with nothing new: no answer, no count. */
    uint64_t writes = t.d.st.stats.xs_writes;
    dt_run_until(&t, 190000);
    ck_assert_uint_eq(t.d.st.stats.xs_writes, writes);
    ck_assert_uint_eq(t.d.st.stats.watch_missed, 1);
    dt_run_until(&t, 260000);
    ck_assert_uint_eq(dt_dom(&t, "a")->requests, 2);
    ck_assert_uint_eq(t.d.st.stats.watch_missed, 1);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 1280);
    dt_close(&t);
}
END_TEST

/*
 * Watch events handed over late (watch delay): a's request is replaced
 * before the event of the first write arrives.  The daemon reads the
 * request once the event comes, at its latest value, accepts that one
 * alone, and never grants what a replaced request asked (checked after
 * every step), without a warning; nothing is read before the event.
 */
static const struct {
    const char *name, *scenario;
    uint64_t quiet_until_ms; /* nothing read before */
    long never[2];           /* MiB never allotted (0: none) */
} delay_rows[] = {
    {"one event held, the next behind it",
     HOST "at 5s watch delay 2s 1\n"
          "at 6s a request mem=1024,1280\n"
          "at 6500ms a request mem=1024,1536\n",
     7900,
     {1280, 0}},
    {"every event held for a while",
     HOST "at 5s watch delay 1s for 30s\n"
          "at 6s a request mem=1024,1280\n"
          "at 6200ms a request mem=1024,1792\n"
          "at 6400ms a request mem=1024,1536\n",
     6900,
     {1280, 1792}},
};

struct delay_seen {
    const long *never;
    long stale; /* a replaced request's grant, once seen */
};

static void no_stale_grant(struct dt *t, void *ctx)
{
    struct delay_seen *seen = ctx;
    if (!dt_known(t, "a"))
        return;
    long mib = dt_alloc(t, "a", POL_MEMORY);
    for (int k = 0; k < 2; k++)
        if (seen->never[k] && mib == seen->never[k])
            seen->stale = mib;
}

START_TEST(watch_events_late)
{
    struct dt t;
    struct dt_logcap lc;
    struct delay_seen seen = {delay_rows[_i].never, 0};
    char buf[64];

    dt_open(&t, "base.xml", delay_rows[_i].scenario);
    t.observe = no_stale_grant;
    t.observe_ctx = &seen;
    dt_cap_start(&lc);
    dt_run_exactly(&t, delay_rows[_i].quiet_until_ms - dt_now(&t));
    ck_assert_uint_eq(dt_dom(&t, "a")->requests, 0);
    ck_assert_uint_ge(dt_stats(&t).xs_fault.injected[PORT_SIM_XSF_DELAY], 1);
    dt_run_until(&t, 40000);
    ck_assert_uint_eq(dt_cap_stop(&lc, " warning: "), 0);
    ck_assert_uint_eq(dt_dom(&t, "a")->requests, 1);
    ck_assert_int_eq(dt_guest_read(&t, "a", "seq", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, delay_rows[_i].never[1] ? "3\n" : "2\n");
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 1536);
    ck_assert_msg(seen.stale == 0, "%s: %ld MiB allotted from a replaced request",
                  delay_rows[_i].name, seen.stale);
    dt_close(&t);
}
END_TEST

/*
 * xenstored answers each call in 200 ms for two minutes: a's requests are
 * still read and answered, each after the calls of its turn, without a
 * warning, and the loop takes no more turns for it than it would.
 */
START_TEST(xs_slow_store)
{
    struct dt t;
    struct dt_logcap lc;
    char buf[64];

    dt_open(&t, "base.xml",
            HOST "at 5s xs-slow 200ms\n"
                 "at 6s a request mem=1024,1536\n"
                 "at 30s a request cpu=80 mem=1024,1280\n"
                 "at 125s xs-slow 0ms\n");
    dt_run_exactly(&t, 4000 - dt_now(&t));
    uint64_t steps = t.steps;
    dt_cap_start(&lc);
    dt_run_until(&t, 120000);
    ck_assert_uint_eq(dt_cap_stop(&lc, " warning: "), 0);
    ck_assert_uint_le(t.steps - steps, 200);
    ck_assert_int_eq(dt_guest_read(&t, "a", "seq", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "2\n");
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), 1280);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 80);
    /* Its two reactions were slow: each a read and a write of 200 ms at
     * least. */
    ck_assert_uint_eq(t.d.st.stats.reaction.count, 2);
    ck_assert_uint_ge(t.d.st.stats.reaction.sum_ms, 2 * 400);
    dt_close(&t);
}
END_TEST

TCase *dt_tcase_xs(void)
{
    TCase *tc = tcase_create("xs");
    tcase_add_test(tc, xs_watch_refused_at_adoption);
    tcase_add_test(tc, xs_watch_refused_for_a_while);
    tcase_add_test(tc, xs_grant_dir_refused_at_adoption);
    tcase_add_test(tc, xs_txn_eagain_retried);
    tcase_add_test(tc, xs_txn_failing_for_a_while);
    tcase_add_test(tc, watch_events_doubled);
    tcase_add_test(tc, watch_event_lost);
    tcase_add_loop_test(tc, watch_events_late, 0, sizeof(delay_rows) / sizeof(delay_rows[0]));
    tcase_add_test(tc, xs_slow_store);
    return tc;
}
