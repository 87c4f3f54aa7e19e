/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulator's faults (xenplm-sim(5)): those of dom0's xenstore
 * connection (xs-fail lines: what each makes the port's calls return, how
 * many attempts it takes, and when it ends), watch events lost, doubled
 * or held back, what a guest or the operator does to a domain behind the
 * daemon's back (pause, crash, shutdown, grow, maxmem, maxvcpus), and the
 * wall clock set (clock jump).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "sim_test.h"

#define WEB "domain web memory=1024\n"

static int watch(struct port *p, const char *token)
{
    return port_xs_watch(p, "/local/domain/1/data", token);
}

static int write1(struct port *p)
{
    struct port_kv kv = {"/local/domain/1/data/x", "1", 1};
    return port_xs_write_txn(p, &kv, 1);
}

/* A count of watch registrations fail, then they work again; nothing is
 * registered by a refused one. */
START_TEST(test_xs_fail_watch_count)
{
    struct port *p = sim_open(HOST WEB "at 1s xs-fail watch 2\n");
    struct port_event ev[4];

    port_sim_advance(p, 1000);
    ck_assert_int_eq(watch(p, "a"), PLM_EIO);
    ck_assert_int_eq(watch(p, "a"), PLM_EIO);
    ck_assert_uint_eq(sim_drain(p, ev, 4), 0);
    ck_assert_int_eq(watch(p, "a"), 0);
    ck_assert_uint_eq(sim_drain(p, ev, 4), 1); /* the new watch fires once */
    struct port_sim_stats st = sim_stats(p);
    ck_assert_uint_eq(st.xs_fault.injected[PORT_SIM_XSF_WATCH], 2);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_XS_WATCH].injected, 2);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_XS_WATCH].failures, 2);
    port_destroy(p);
}
END_TEST

/* For a while, with xenstored's quota error; the fault ends on time. */
START_TEST(test_xs_fail_watch_for)
{
    struct port *p = sim_open(HOST WEB "at 1s xs-fail watch for 10s quota\n");

    port_sim_advance(p, 1000);
    ck_assert_int_eq(watch(p, "a"), PLM_ETOOMANY);
    port_sim_advance(p, 9999);
    ck_assert_int_eq(watch(p, "a"), PLM_ETOOMANY);
    port_sim_advance(p, 1);
    ck_assert_int_eq(watch(p, "a"), 0);
    port_destroy(p);
}
END_TEST

/* EAGAIN: the port makes a transaction again, at most PORT_SIM_TXN_TRIES
 * times in one call; the last try's failure is PLM_EIO, and nothing was
 * written. */
START_TEST(test_xs_fail_txn_eagain)
{
    struct port *p = sim_open(HOST WEB "at 1s xs-fail txn 13\n");
    char buf[8];

    port_sim_advance(p, 1000);
    ck_assert_int_eq(write1(p), PLM_EIO);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/data/x", buf, sizeof(buf)), PLM_ENOENT);
    ck_assert_uint_eq(sim_stats(p).xs_fault.injected[PORT_SIM_XSF_TXN], PORT_SIM_TXN_TRIES);
    /* Three attempts left to fail: the fourth of the next call succeeds. */
    ck_assert_int_eq(write1(p), 0);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/data/x", buf, sizeof(buf)), 0);
    struct port_sim_stats st = sim_stats(p);
    ck_assert_uint_eq(st.xs_fault.injected[PORT_SIM_XSF_TXN], 13);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_XS_WRITE_TXN].injected, 1);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_XS_WRITE_TXN].calls, 2);
    port_destroy(p);
}
END_TEST

/* Another code is not tried again: one attempt, that code; mkdir_ro is a
 * transaction too.  A later line replaces the fault, 0 ends it. */
START_TEST(test_xs_fail_txn_quota)
{
    struct port *p = sim_open(
        HOST WEB "at 1s xs-fail txn 5 quota\nat 2s xs-fail txn 1 fail\nat 3s xs-fail txn 0\n");

    port_sim_advance(p, 1000);
    ck_assert_int_eq(write1(p), PLM_ETOOMANY);
    ck_assert_int_eq(port_xs_mkdir_ro(p, "/local/domain/1/data/ro", 1), PLM_ETOOMANY);
    ck_assert_uint_eq(sim_stats(p).xs_fault.injected[PORT_SIM_XSF_TXN], 2);
    port_sim_advance(p, 1000);
    ck_assert_int_eq(write1(p), PLM_EIO);
    ck_assert_int_eq(write1(p), 0);
    port_sim_advance(p, 1000);
    ck_assert_int_eq(write1(p), 0);
    ck_assert_int_eq(port_xs_mkdir_ro(p, "/local/domain/1/data/ro", 1), 0);
    port_destroy(p);
}
END_TEST

/* watch lose: the next events next_event would return are dropped;
 * watch dup: the next is returned twice. */
START_TEST(test_watch_lose_dup)
{
    struct port *p = sim_open(HOST WEB "at 1s watch lose 1\nat 2s watch dup 1\n");
    struct port_event ev;

    ck_assert_int_eq(watch(p, "a"), 0);
    ck_assert_int_eq(port_xs_watch(p, "/local/domain/1/memory", "b"), 0);
    port_sim_advance(p, 1000);
    /* Two initial fires queued: the first is lost. */
    ck_assert_int_eq(port_next_event(p, &ev), 0);
    ck_assert_str_eq(ev.token, "b");
    ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT);
    ck_assert_uint_eq(sim_stats(p).xs_fault.injected[PORT_SIM_XSF_LOSE], 1);
    port_sim_advance(p, 1000);
    ck_assert_int_eq(write1(p), 0);
    ck_assert_int_eq(port_next_event(p, &ev), 0);
    ck_assert_str_eq(ev.path, "/local/domain/1/data/x");
    ck_assert_int_eq(port_next_event(p, &ev), 0);
    ck_assert_str_eq(ev.path, "/local/domain/1/data/x");
    ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT);
    ck_assert_int_eq(write1(p), 0);
    ck_assert_int_eq(port_next_event(p, &ev), 0);
    ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT);
    ck_assert_uint_eq(sim_stats(p).xs_fault.injected[PORT_SIM_XSF_DUP], 1);
    port_destroy(p);
}
END_TEST

/* xs-slow: each xenstore call of dom0 moves the clock on that much; 0 ends
 * it.  Other calls take no time. */
START_TEST(test_xs_slow)
{
    struct port *p = sim_open(HOST WEB "at 1s xs-slow 50ms\nat 2s xs-slow 0ms\n");
    char buf[32];
    struct port_host h;

    port_sim_advance(p, 1000);
    uint64_t t0 = port_sim_clock_ms(p);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/name", buf, sizeof(buf)), 0);
    ck_assert_int_eq(write1(p), 0);
    ck_assert_uint_eq(port_sim_clock_ms(p), t0 + 100);
    ck_assert_int_eq(port_host_info(p, &h), 0);
    ck_assert_uint_eq(port_sim_clock_ms(p), t0 + 100);
    port_sim_advance(p, 1000);
    t0 = port_sim_clock_ms(p);
    ck_assert_int_eq(write1(p), 0);
    ck_assert_uint_eq(port_sim_clock_ms(p), t0);
    port_destroy(p);
}
END_TEST

/* watch delay: the events it takes arrive that late, in order, with
 * those behind them; the wait ends when they are due; the count runs
 * out. */
START_TEST(test_watch_delay)
{
    struct port *p = sim_open(HOST WEB "at 1s watch delay 2s 1\n");
    struct port_event ev;

    ck_assert_int_eq(watch(p, "a"), 0);
    ck_assert_int_eq(port_next_event(p, &ev), 0); /* the initial fire, before the line */
    port_sim_advance(p, 1000);
    ck_assert_int_eq(write1(p), 0);
    ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT); /* held */
    port_sim_advance(p, 500);
    ck_assert_int_eq(port_xs_write_txn(p, &(struct port_kv){"/local/domain/1/data/y", "2", 1}, 1),
                     0);
    ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT); /* behind the held one */
    /* The daemon's wait returns when the first is due, not before. */
    ck_assert_int_eq(port_wait(p, NULL, 0, 60000), 0);
    ck_assert_uint_eq(port_sim_clock_ms(p), 3000);
    ck_assert_int_eq(port_next_event(p, &ev), 0);
    ck_assert_str_eq(ev.path, "/local/domain/1/data/x");
    ck_assert_int_eq(port_next_event(p, &ev), 0);
    ck_assert_str_eq(ev.path, "/local/domain/1/data/y");
    ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT);
    ck_assert_uint_eq(sim_stats(p).xs_fault.injected[PORT_SIM_XSF_DELAY], 1);
    /* The count ran out: at once again. */
    ck_assert_int_eq(write1(p), 0);
    ck_assert_int_eq(port_next_event(p, &ev), 0);
    port_destroy(p);
}
END_TEST

/* A node written again and again while its event is held: one event,
 * folded as xenstored folds them, so a flood neither fills the delay
 * nor holds the daemon's wait at the same time for ever. */
START_TEST(test_watch_delay_fold)
{
    struct port *p = sim_open(HOST WEB "at 1s watch delay 1s for 10s\n");
    struct port_event ev;

    ck_assert_int_eq(watch(p, "a"), 0);
    ck_assert_int_eq(port_next_event(p, &ev), 0);
    port_sim_advance(p, 1000);
    for (int i = 0; i < 3000; i++) {
        ck_assert_int_eq(write1(p), 0);
        ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT);
    }
    ck_assert_int_eq(port_wait(p, NULL, 0, 60000), 0);
    ck_assert_uint_eq(port_sim_clock_ms(p), 2000);
    ck_assert_int_eq(port_next_event(p, &ev), 0);
    ck_assert_str_eq(ev.path, "/local/domain/1/data/x");
    ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT);
    port_destroy(p);
}
END_TEST

/* Held events are lost with the connection. */
START_TEST(test_watch_delay_disconnect)
{
    struct port *p = sim_open(HOST WEB "at 1s watch delay 5s for 1m\n");
    struct port_event ev;

    ck_assert_int_eq(watch(p, "a"), 0);
    port_sim_advance(p, 1000);
    ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT); /* the initial fire, held */
    ck_assert_int_eq(port_sim_disconnect(p), 0);
    ck_assert_int_eq(port_reconnect(p), 0);
    port_sim_advance(p, 10000);
    /* The new connection's fire, held too; the old one's is gone. */
    ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT);
    port_sim_advance(p, 5000);
    ck_assert_int_eq(port_next_event(p, &ev), 0);
    ck_assert_int_eq(port_next_event(p, &ev), PLM_ENOENT);
    port_destroy(p);
}
END_TEST

/* maxvcpus: the count libxl reports changes, online vcpus beyond it go,
 * and so do their cpu/<n>; a vcpu added is offline until set. */
START_TEST(test_maxvcpus)
{
    struct port *p = sim_open(HOST "domain web memory=1024 vcpus=3 maxvcpus=4\n"
                                   "at 1s web maxvcpus 2\nat 2s web maxvcpus 6\n");
    uint32_t id = sim_domid(p, "web");
    struct port_domain info;
    char buf[32];

    port_sim_advance(p, 1000);
    ck_assert_int_eq(port_domain_info(p, id, &info), 0);
    ck_assert_uint_eq(info.max_vcpus, 2);
    ck_assert_uint_eq(info.online_vcpus, 2);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/cpu/2/availability", buf, sizeof(buf)),
                     PLM_ENOENT);
    ck_assert_int_eq(port_vcpus_set(p, id, 3), PLM_EINVAL);
    port_sim_advance(p, 1000);
    ck_assert_int_eq(port_domain_info(p, id, &info), 0);
    ck_assert_uint_eq(info.max_vcpus, 6);
    ck_assert_uint_eq(info.online_vcpus, 2);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/cpu/5/availability", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "offline");
    ck_assert_int_eq(port_vcpus_set(p, id, 6), 0);
    ck_assert_uint_eq(sim_dom(p, "web").info.online_vcpus, 6);
    port_destroy(p);
}
END_TEST

/*
 * The soak's "refused" oracle (port_sim_refused_foreseeable): a vcpus
 * count above a maxvcpus lowered behind the caller's back is refused, and
 * excused while every reading of the domain since has failed (an injected
 * domain_info failure, however long); once one reading got through, the
 * same refusal is a stale limit the caller should have known, and counts.
 * The same for a crash: excused until the domain is listed.
 */
START_TEST(test_refused_unread)
{
    struct port *p = sim_open(HOST "domain web memory=1024 vcpus=3 maxvcpus=4\n"
                                   "domain db memory=1024\n"
                                   "at 1s web maxvcpus 2\nat 1s web fail domain-info 1\n"
                                   "at 2s db crash\n");
    uint32_t id = sim_domid(p, "web"), db = sim_domid(p, "db");
    struct port_domain info, list[4];
    size_t n = 0;

    port_sim_advance(p, 1000);
    ck_assert(sim_dom(p, "web").changed_unread);
    ck_assert_int_eq(port_vcpus_set(p, id, 3), PLM_EINVAL);
    ck_assert_int_eq(port_domain_info(p, id, &info), PLM_EIO); /* injected */
    ck_assert(sim_dom(p, "web").changed_unread);
    ck_assert_int_eq(port_vcpus_set(p, id, 3), PLM_EINVAL);
    struct port_sim_stats st = sim_stats(p);
    ck_assert_uint_eq(st.refused_unread, 2);
    ck_assert_uint_eq(port_sim_refused_foreseeable(&st), 0);

    /* Read: the new limit is known; the same call is now the caller's bug. */
    ck_assert_int_eq(port_domain_info(p, id, &info), 0);
    ck_assert_uint_eq(info.max_vcpus, 2);
    ck_assert(!sim_dom(p, "web").changed_unread);
    ck_assert_int_eq(port_vcpus_set(p, id, 3), PLM_EINVAL);
    st = sim_stats(p);
    ck_assert_uint_eq(sim_dom(p, "web").refused_calls, 3);
    ck_assert_uint_eq(sim_dom(p, "web").refused_unread, 2);
    ck_assert_uint_eq(port_sim_refused_foreseeable(&st), 1);

    /* A crash: refused, excused until a listing reports it. */
    port_sim_advance(p, 1000);
    ck_assert_int_eq(port_sched_set(p, db, 256, 0), PLM_ENOENT);
    st = sim_stats(p);
    ck_assert_uint_eq(port_sim_refused_foreseeable(&st), 1);
    ck_assert_int_eq(port_list_domains(p, list, 4, &n), 0);
    ck_assert(!sim_dom(p, "db").changed_unread);
    ck_assert_int_eq(port_sched_set(p, db, 256, 0), PLM_ENOENT);
    st = sim_stats(p);
    ck_assert_uint_eq(port_sim_refused_foreseeable(&st), 2);
    ck_assert_uint_eq(sim_dom(p, "db").refused_unread, 1);
    port_destroy(p);
}
END_TEST

/* clock jump: the local time of day moves, forward and back, across
 * midnight; the port's monotonic clock does not. */
START_TEST(test_clock_jump)
{
    struct port *p = sim_open(HOST WEB "at 10s clock jump +1h\nat 20s clock jump -1d\n");
    int64_t day;
    uint32_t sec;

    port_sim_advance(p, 10000);
    ck_assert_uint_eq(port_now_ms(p), 10000);
    ck_assert_int_eq(port_local_time(p, &day, &sec), 0);
    ck_assert_int_eq(day, 0);
    ck_assert_uint_eq(sec, 3610);
    port_sim_advance(p, 10000);
    ck_assert_uint_eq(port_now_ms(p), 20000);
    ck_assert_int_eq(port_local_time(p, &day, &sec), 0);
    ck_assert_int_eq(day, -1);
    ck_assert_uint_eq(sec, 3620);
    port_destroy(p);
}
END_TEST

/* A call about a destroyed domain is refused and counted as absent; one
 * about a crashed domain (kept, shut down) is refused but not absent. */
START_TEST(test_absent_counted)
{
    struct port *p = sim_open(HOST "domain web memory=1024\ndomain db memory=1024\n"
                                   "at 1s web destroy\nat 1s db crash\n");
    uint32_t web = sim_domid(p, "web"), db = sim_domid(p, "db");

    port_sim_advance(p, 1000);
    ck_assert_int_eq(port_sched_set(p, web, 256, 0), PLM_ENOENT);
    ck_assert_int_eq(port_sched_set(p, db, 256, 0), PLM_ENOENT);
    struct port_sim_stats st = sim_stats(p);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_SCHED_SET].failures, 2);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_SCHED_SET].absent, 1);
    port_destroy(p);
}
END_TEST

/* Paused: no CPU, and the balloon stands still until unpaused. */
START_TEST(test_pause)
{
    struct port *p = sim_open(HOST "domain web memory=1024 maxmem=2048 cpu=80 "
                                   "balloon-rate=1024\n"
                                   "at 1s web pause\nat 5s web unpause\n");
    uint32_t id = sim_domid(p, "web");

    port_sim_advance(p, 1000);
    ck_assert(sim_dom(p, "web").paused);
    ck_assert_int_eq(sim_target(p, id, 1536), 0);
    uint64_t cpu = sim_dom(p, "web").info.cpu_time_ns;
    port_sim_advance(p, 3000);
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_actual_kib, 1024 * MIB);
    ck_assert_uint_eq(sim_dom(p, "web").info.cpu_time_ns, cpu);
    ck_assert_uint_eq(sim_dom(p, "web").cpu_used, 0);
    port_sim_advance(p, 2000);
    ck_assert(!sim_dom(p, "web").paused);
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_actual_kib, 1536 * MIB);
    ck_assert_uint_gt(sim_dom(p, "web").info.cpu_time_ns, cpu);
    port_destroy(p);
}
END_TEST

/* Crashed: listed as dying, holding its memory, refusing every setting and
 * every guest write, skipping its events, until destroyed. */
START_TEST(test_crash)
{
    struct port *p = sim_open(HOST "domain web memory=1024 maxmem=2048\n"
                                   "at 1s web crash\nat 2s web request cpu=50\n"
                                   "at 10s web destroy\n");
    uint32_t id = sim_domid(p, "web");
    struct port_event ev[4];
    struct port_host h;
    struct port_domain info;

    ck_assert_int_eq(port_xs_watch(p, "@releaseDomain", "rel"), 0);
    sim_drain(p, ev, 4);
    ck_assert_int_eq(port_host_info(p, &h), 0);
    uint64_t free_kib = h.free_kib;
    port_sim_advance(p, 5000);
    struct port_sim_domain d = sim_dom(p, "web");
    ck_assert_int_eq(d.state, PORT_SIM_SHUTDOWN);
    ck_assert(d.crashed);
    ck_assert(d.info.dying);
    ck_assert_uint_eq(sim_drain(p, ev, 4), 1);
    ck_assert_int_eq(port_host_info(p, &h), 0);
    ck_assert_uint_eq(h.free_kib, free_kib);
    ck_assert_int_eq(port_domain_info(p, id, &info), 0);
    ck_assert(info.dying);
    ck_assert_int_eq(sim_target(p, id, 512), PLM_ENOENT);
    ck_assert_int_eq(port_sched_set(p, id, 100, -1), PLM_ENOENT);
    ck_assert_int_eq(port_vcpus_set(p, id, 1), PLM_ENOENT);
    ck_assert_int_eq(port_sim_guest_write(p, id, "data/x", "1", 1), PLM_ENOENT);
    ck_assert_uint_eq(sim_stats(p).scenario_skipped, 1);
    ck_assert_uint_eq(d.guest_seq, 0);
    port_sim_advance(p, 5000);
    ck_assert_int_eq(sim_dom(p, "web").state, PORT_SIM_DYING);
    port_sim_advance(p, 100);
    ck_assert_int_eq(sim_dom(p, "web").state, PORT_SIM_GONE);
    ck_assert_int_eq(port_host_info(p, &h), 0);
    ck_assert_uint_eq(h.free_kib, free_kib + 1024 * MIB);
    port_destroy(p);
}
END_TEST

/* Shut down: the toolstack destroys it a second later. */
START_TEST(test_shutdown)
{
    struct port *p = sim_open(HOST "domain web memory=1024\nat 1s web shutdown\n");

    port_sim_advance(p, 1000);
    ck_assert_int_eq(sim_dom(p, "web").state, PORT_SIM_SHUTDOWN);
    ck_assert(!sim_dom(p, "web").crashed);
    port_sim_advance(p, 999);
    ck_assert_int_eq(sim_dom(p, "web").state, PORT_SIM_SHUTDOWN);
    port_sim_advance(p, 1);
    ck_assert_int_eq(sim_dom(p, "web").state, PORT_SIM_DYING);
    port_sim_advance(p, 100);
    ck_assert_int_eq(sim_dom(p, "web").state, PORT_SIM_GONE);
    port_destroy(p);
}
END_TEST

/* Grow: above the target at once, at most maxmem and what is free; the
 * balloon then takes it back, unless stuck. */
START_TEST(test_grow)
{
    struct port *p = sim_open("host pcpus=4 memory=4096 dom0=1024\n"
                              "domain web memory=1024 maxmem=2048 balloon-rate=256\n"
                              "domain db memory=1024 maxmem=4096 stuck=on\n"
                              "at 1s web grow 512\nat 2s web grow 4096\n"
                              "at 3s db grow 4096\n");

    port_sim_advance(p, 1000);
    struct port_sim_domain d = sim_dom(p, "web");
    ck_assert_uint_eq(d.info.mem_actual_kib, 1536 * MIB);
    ck_assert_uint_eq(d.info.mem_target_kib, 1024 * MIB);
    port_sim_advance(p, 1000); /* 256 MiB back, then 768 more: up to maxmem */
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_actual_kib, 2048 * MIB);
    port_sim_advance(p, 1000); /* web gave 256 back: db takes all that is free */
    ck_assert_uint_eq(sim_dom(p, "db").info.mem_actual_kib, 1024 * MIB + 256 * MIB);
    ck_assert_uint_eq(sim_stats(p).free_kib, 0);
    port_sim_advance(p, 10000);
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_actual_kib, 1024 * MIB);
    ck_assert_uint_eq(sim_dom(p, "db").info.mem_actual_kib, 1280 * MIB);
    port_destroy(p);
}
END_TEST

/* xl mem-max: refused below the target (as libxl refuses it), else in
 * force and in memory/static-max; the guest then grows up to it. */
START_TEST(test_maxmem)
{
    struct port *p = sim_open(HOST "domain web memory=1024 maxmem=2048 balloon-rate=1024\n"
                                   "at 1s web maxmem 512\nat 2s web maxmem 3072\n");
    uint32_t id = sim_domid(p, "web");
    char buf[32];

    port_sim_advance(p, 1000);
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_max_kib, 2048 * MIB);
    port_sim_advance(p, 1000);
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_max_kib, 3072 * MIB);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/memory/static-max", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "3145728");
    ck_assert_int_eq(sim_target(p, id, 3072), 0);
    port_sim_advance(p, 3000);
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_actual_kib, 3072 * MIB);
    port_destroy(p);
}
END_TEST

TCase *sim_tcase_faults(void)
{
    TCase *tc = tcase_create("faults");

    tcase_add_test(tc, test_xs_fail_watch_count);
    tcase_add_test(tc, test_xs_fail_watch_for);
    tcase_add_test(tc, test_xs_fail_txn_eagain);
    tcase_add_test(tc, test_xs_fail_txn_quota);
    tcase_add_test(tc, test_watch_lose_dup);
    tcase_add_test(tc, test_xs_slow);
    tcase_add_test(tc, test_pause);
    tcase_add_test(tc, test_crash);
    tcase_add_test(tc, test_shutdown);
    tcase_add_test(tc, test_grow);
    tcase_add_test(tc, test_maxmem);
    tcase_add_test(tc, test_watch_delay);
    tcase_add_test(tc, test_watch_delay_fold);
    tcase_add_test(tc, test_watch_delay_disconnect);
    tcase_add_test(tc, test_maxvcpus);
    tcase_add_test(tc, test_refused_unread);
    tcase_add_test(tc, test_clock_jump);
    tcase_add_test(tc, test_absent_counted);
    return tc;
}
