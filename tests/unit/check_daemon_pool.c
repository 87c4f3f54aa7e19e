/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplmd in a pool: the records its report hands the publisher
 * (src/daemon/pool_snap.c), as the daemon's own state says them: every
 * guest but dom0, with its uuid, name, the requests the arbiter saw, its
 * grant and the memory it holds; the host's pools, free memory and
 * headroom; and what another host would read back of them.  (Publishing
 * itself, against a real etcd, is tests/pool/publish.sh.)
 */
#include "config.h"

#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_test.h"

#ifdef HAVE_POOL
#include "daemon/pool.h"
#include "daemon/pool_int.h"
#include "pool/pool_record.h"

#define POOL_SCN                                                                                   \
    "host pcpus=4 memory=16384 dom0=2048\n"                                                        \
    "domain db memory=4096 maxmem=8192 vcpus=2 maxvcpus=4 cpu=150\n"                               \
    "domain web memory=1024 maxmem=4096 vcpus=1 maxvcpus=2 cpu=60\n"                               \
    "domain idle memory=512 maxmem=512\n"                                                          \
    "at 1s db request cpu=100,200 mem=4096,6144\n"                                                 \
    "at 1s web request cpu=50 mem=1024\n"

START_TEST(pool_records_are_the_daemons_state)
{
    static struct prec_domain d[8];
    struct prec_host h;
    struct dt t;

    dt_open(&t, "base.xml", POOL_SCN);
    dt_run_until(&t, 10000);
    size_t n = dmn_pool_records(&t.d, &h, d, 8);
    ck_assert_uint_eq(n, 3); /* not dom0 */
    ck_assert_int_eq(h.cpu, t.d.st.eng.pool[POL_CPU]);
    ck_assert_int_eq(h.memory, t.d.st.eng.pool[POL_MEMORY]);
    ck_assert_int_eq(h.free, (plm_amt_t)t.d.st.host.free_kib * PLM_SCALE / 1024);
    ck_assert_int_eq(h.headroom, t.d.st.policy.host.share[POL_MEMORY].pool.headroom);
    for (size_t i = 0; i < n; i++) {
        struct dmn_domain *dom = dt_dom(&t, d[i].name);
        ck_assert_ptr_nonnull(dom);
        ck_assert_str_eq(d[i].uuid, dom->info.uuid);
        ck_assert_uint_eq(d[i].ncpu, dom->eng.plm[POL_CPU].nlevels);
        for (unsigned l = 0; l < d[i].ncpu; l++)
            ck_assert_int_eq(d[i].cpu[l], plm_request_at(&dom->eng.plm[POL_CPU], l + 1));
        ck_assert_int_eq(d[i].grant_cpu, dom->eng.granted[POL_CPU]);
        ck_assert_int_eq(d[i].grant_mem, dom->eng.granted[POL_MEMORY]);
        ck_assert_int_eq(d[i].memory,
                         (plm_amt_t)dt_sim(&t, d[i].name).info.mem_actual_kib * PLM_SCALE / 1024);
        ck_assert(d[i].migratable);
    }
    /* db's own values, as its agent asked them. */
    struct dmn_domain *db = dt_dom(&t, "db");
    size_t k = 0;
    while (k < n && strcmp(d[k].name, "db") != 0)
        k++;
    ck_assert_uint_lt(k, n);
    ck_assert_int_eq(d[k].cpu[0], PLM_UNITS(100));
    ck_assert_int_eq(d[k].cpu[1], PLM_UNITS(200));
    ck_assert_int_gt(d[k].grant_cpu, 0);
    ck_assert_int_eq(d[k].grant_cpu, dt_alloc(&t, "db", POL_CPU) * PLM_SCALE);
    ck_assert_ptr_nonnull(db);

    /* What another host reads back is what the daemon holds. */
    struct prec_set s;
    char err[256];
    ck_assert_int_eq(prec_encode("rack", "xen-a", &h, d, n, &s, err, sizeof(err)), 0);
    ck_assert_uint_eq(s.n, n + 1);
    for (size_t i = 0; i + 1 < s.n; i++) {
        struct prec_domain back;
        ck_assert_int_eq(prec_decode_domain(s.kv[i].value, s.kv[i].len, &back, err, sizeof(err)),
                         0);
        ck_assert_ptr_nonnull(dt_dom(&t, back.name));
    }
    prec_set_free(&s);
    /* A bound on the records: at most max. */
    ck_assert_uint_eq(dmn_pool_records(&t.d, &h, d, 2), 2);
    dt_close(&t);
}
END_TEST

/* The pool thread blocks every signal, so that SIGTERM, SIGINT and SIGHUP
 * always reach the loop's wait: each thread but the main one (the task
 * whose id is the process's) must have them in its blocked set. */
static unsigned threads_blocking(int sig, unsigned *others)
{
    char path[320], line[256];
    unsigned blocking = 0;
    DIR *dir = opendir("/proc/self/task");
    ck_assert_ptr_nonnull(dir);
    *others = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        if (e->d_name[0] == '.' || atol(e->d_name) == (long)getpid())
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* gone meanwhile */
        (*others)++;
        while (fgets(line, sizeof(line), f))
            if (strncmp(line, "SigBlk:", 7) == 0 && (strtoull(line + 7, NULL, 16) >> (sig - 1) & 1))
                blocking++;
        fclose(f);
    }
    closedir(dir);
    return blocking;
}

/* A pool thread of host xen-a in pool "test", in mode, whose etcd is
 * nowhere: nothing listens on port 9, and the thread retries, which is
 * all these tests need of it. */
static struct dmn_pool *start_unreachable(enum pol_pool_mode mode)
{
    static char name[] = "test", host[] = "xen-a", ep[] = "http://127.0.0.1:9";
    struct pol_pool_section cfg = {.mode = mode,
                                   .name = name,
                                   .host = host,
                                   .endpoint = {ep},
                                   .nendpoints = 1,
                                   .lease_ttl_ms = 3000,
                                   .publish_interval_ms = 1000,
                                   .plan_interval_ms = 1000,
                                   .plan_hold_ms = 5000};
    struct dmn_pool *p;

    ck_assert_int_eq(dmn_pool_start(&p, &cfg, NULL), 0);
    return p;
}

START_TEST(pool_thread_leaves_signals_to_the_loop)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    struct dmn_pool *p = start_unreachable(POL_POOL_ADVISE);
    unsigned others;

    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        unsigned blocking = threads_blocking(sigs[i], &others);
        ck_assert_uint_ge(others, 1);
        if (blocking != others)
            ck_abort_msg("signal %d: blocked in %u of the %u threads besides the loop's", sigs[i],
                         blocking, others);
    }
    /* The loop itself keeps them. */
    sigset_t mine;
    pthread_sigmask(SIG_SETMASK, NULL, &mine);
    ck_assert(!sigismember(&mine, SIGTERM));
    dmn_pool_stop(p, NULL);
}
END_TEST

/* An order given by the thread wakes the loop's wait: the pipe turns
 * readable, the loop empties it and takes the order, once. */
START_TEST(pool_order_wakes_the_loop)
{
    struct dmn_pool *p = start_unreachable(POL_POOL_AUTOMATIC);
    struct dmn_pool_order o = {.key = "/xenplm/test/orders/xen-a/u", .dest = "xen-b"}, got;

    int fd = dmn_pool_wake_fd(p);
    ck_assert_int_ge(fd, 0);
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    ck_assert_int_eq(poll(&pf, 1, 0), 0);
    ck_assert(!dmn_pool_take_order(p, &got));
    ck_assert(dmn_pool_give_order(p, &o));
    /* One at a time: a second waits in the thread until the first is taken. */
    ck_assert(!dmn_pool_give_order(p, &o));
    ck_assert_int_eq(poll(&pf, 1, 1000), 1);
    dmn_pool_wake_clear(p);
    ck_assert_int_eq(poll(&pf, 1, 0), 0);
    ck_assert(dmn_pool_take_order(p, &got));
    ck_assert_str_eq(got.dest, "xen-b");
    ck_assert(!dmn_pool_take_order(p, &got));
    dmn_pool_stop(p, NULL);
}
END_TEST

/* A reload that restarts the pool thread: the counters of the metrics go
 * on from the stopped thread's last figures, never back.  The first
 * thread's calls to its unreachable etcd (failed, and counted), and
 * orders it counted, are in the second's summary. */
static uint64_t etcd_calls(const struct dmn_pool_summary *s)
{
    uint64_t n = 0;
    for (int c = 0; c < ETCD_CALLS; c++)
        n += s->etcd.call[c].calls;
    return n;
}

START_TEST(pool_counters_survive_a_restart)
{
    struct dmn_pool *p = start_unreachable(POL_POOL_ADVISE);
    struct dmn_pool_summary last, now;
    for (int i = 0; i < 100; i++) {
        dmn_pool_sum_sync(p);
        dmn_pool_summary(p, &now);
        if (etcd_calls(&now) > 0)
            break;
        usleep(50000);
    }
    pthread_mutex_lock(&p->mu);
    p->sum.orders_done = 3;
    p->sum.orders_failed = 1;
    pthread_mutex_unlock(&p->mu);
    dmn_pool_stop(p, &last);
    ck_assert_uint_gt(etcd_calls(&last), 0);
    ck_assert_uint_ge(etcd_calls(&last), etcd_calls(&now));
    ck_assert_uint_eq(last.orders_done, 3);

    p = start_unreachable(POL_POOL_ADVISE);
    dmn_pool_carry(p, &last);
    dmn_pool_summary(p, &now);
    ck_assert_uint_eq(now.orders_done, 3);
    ck_assert_uint_eq(now.orders_failed, 1);
    ck_assert_uint_ge(etcd_calls(&now), etcd_calls(&last));
    /* And still after the new thread's own calls are synced. */
    dmn_pool_sum_sync(p);
    dmn_pool_summary(p, &now);
    ck_assert_uint_ge(etcd_calls(&now), etcd_calls(&last));
    for (int c = 0; c < ETCD_CALLS; c++)
        ck_assert_uint_ge(now.etcd.call[c].failures, last.etcd.call[c].failures);
    dmn_pool_stop(p, NULL);
}
END_TEST
#endif

TCase *dt_tcase_pool(void)
{
    TCase *tc = tcase_create("pool");
#ifdef HAVE_POOL
    tcase_add_test(tc, pool_records_are_the_daemons_state);
    tcase_add_test(tc, pool_thread_leaves_signals_to_the_loop);
    tcase_add_test(tc, pool_order_wakes_the_loop);
    tcase_add_test(tc, pool_counters_survive_a_restart);
#endif
    return tc;
}
