/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated clock and wait(): at speed 0 the clock jumps to the
 * earlier of the deadline and the next scripted event, stops as soon as a
 * watch is pending, polls descriptors without blocking, and reports the
 * scenario's end with PLM_ENOENT; at speed > 0 it follows real time.  The
 * demo is run through a minimal daemon loop as a whole.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim_test.h"
#include "core/error.h"
#include "protocol/request.h"

static struct port *open_file(const char *file, double speed)
{
    struct port_sim_options opt = {file, speed};
    struct port *p = NULL;
    char err[256];

    ck_assert_msg(port_sim_open(&opt, &p, err, sizeof(err)) == 0, "%s", err);
    port_sim_set_log(p, NULL, NULL);
    return p;
}

START_TEST(test_wait_timing)
{
    struct port *p = open_file("tests/sim/ok-timing.scn", 0);
    struct port_event ev[4];
    struct proto_request r;
    char buf[128];
    size_t len;

    ck_assert_uint_eq(port_now_ms(p), 0);
    ck_assert_int_eq(port_xs_watch(p, "/local/domain/1/data", "d"), 0);
    /* The watch's initial fire is pending: no time passes. */
    ck_assert_int_eq(port_wait(p, NULL, 0, 10000), 0);
    ck_assert_uint_eq(port_now_ms(p), 0);
    ck_assert_int_eq(sim_drain(p, ev, 4), 1);
    /* The CPU change at 1.5 s fires nothing; the request at 2 s does. */
    ck_assert_int_eq(port_wait(p, NULL, 0, 10000), 0);
    ck_assert_uint_eq(port_now_ms(p), 2000);
    ck_assert_uint_eq(sim_dom(p, "web").cpu_demand, 80);
    ck_assert_int_eq(sim_drain(p, ev, 4), 1);
    ck_assert_str_eq(ev[0].path, "/local/domain/1/data/xenplm/request");
    ck_assert_int_eq(port_xs_read(p, ev[0].path, buf, sizeof(buf), &len), 0);
    ck_assert_int_eq(proto_request_decode(buf, len, &r, NULL), 0);
    ck_assert_uint_eq(r.seq, 1);
    ck_assert_int_eq(r.res[PROTO_RES_MEM].level[1], PLM_UNITS(1536));
    /* Deadlines. */
    ck_assert_int_eq(port_wait(p, NULL, 0, 3000), 0);
    ck_assert_uint_eq(port_now_ms(p), 3000);
    ck_assert_int_eq(port_wait(p, NULL, 0, 2500), 0);
    ck_assert_uint_eq(port_now_ms(p), 3000);
    ck_assert_int_eq(port_wait(p, NULL, 0, UINT64_MAX), 0);
    ck_assert_uint_eq(port_now_ms(p), 5000);
    ck_assert_int_eq(sim_drain(p, ev, 4), 1);
    /* The end. */
    ck_assert_int_eq(port_wait(p, NULL, 0, UINT64_MAX), PLM_ENOENT);
    ck_assert_uint_eq(port_now_ms(p), 60000);
    ck_assert(port_sim_finished(p));
    ck_assert_int_eq(port_wait(p, NULL, 0, UINT64_MAX), PLM_ENOENT);
    ck_assert_uint_eq(port_now_ms(p), 60000);
    /* Everything else still works, and a test may still move the clock. */
    ck_assert_int_eq(sim_target(p, 1, 2048), 0);
    ck_assert_int_eq(port_sim_advance(p, 1000), 0);
    ck_assert_uint_eq(port_now_ms(p), 61000);
    ck_assert_uint_eq(sim_stats(p).op[PORT_SIM_OP_WAIT].calls, 7);
    port_destroy(p);
}
END_TEST

START_TEST(test_wait_nothing_scheduled)
{
    struct port *p = sim_open(HOST);

    ck_assert_int_eq(port_wait(p, NULL, 0, UINT64_MAX), 0);
    ck_assert_uint_eq(port_now_ms(p), PORT_SIM_MAX_JUMP_MS);
    ck_assert_int_eq(port_wait(p, NULL, 0, PORT_SIM_MAX_JUMP_MS + 5), 0);
    ck_assert_uint_eq(port_now_ms(p), PORT_SIM_MAX_JUMP_MS + 5);
    ck_assert_int_eq(port_wait(p, NULL, 1, 0), PLM_EINVAL);
    port_destroy(p);
}
END_TEST

START_TEST(test_wait_fds_fast)
{
    struct port *p = sim_open(HOST);
    struct port_waitfd w[2];
    int a[2], b[2];
    char c;

    ck_assert_int_eq(pipe(a), 0);
    ck_assert_int_eq(pipe(b), 0);
    w[0].fd = a[0];
    w[1].fd = b[0];
    ck_assert_int_eq(write(b[1], "x", 1), 1);
    /* A readable descriptor returns at once, the clock unmoved. */
    ck_assert_int_eq(port_wait(p, w, 2, 5000), 0);
    ck_assert(!w[0].ready);
    ck_assert(w[1].ready);
    ck_assert_uint_eq(port_now_ms(p), 0);
    ck_assert_int_eq(read(b[0], &c, 1), 1);
    /* Nothing readable: the clock goes to the deadline. */
    ck_assert_int_eq(port_wait(p, w, 2, 5000), 0);
    ck_assert(!w[0].ready && !w[1].ready);
    ck_assert_uint_eq(port_now_ms(p), 5000);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    port_destroy(p);
}
END_TEST

START_TEST(test_wait_real_time)
{
    struct port *p = NULL;
    struct port_waitfd w;
    int fds[2];
    uint64_t t0;

    ck_assert_int_eq(port_sim_open_text("rt.scn",
                                        HOST "domain web memory=64\n"
                                             "at 300ms web request cpu=1\n",
                                        100, &p, NULL, 0),
                     0);
    port_sim_set_log(p, NULL, NULL);
    ck_assert_int_eq(port_xs_watch(p, "/local/domain/1/data", "d"), 0);
    ck_assert_int_eq(sim_drain(p, NULL, 0), 1);
    /* 100 virtual ms per real ms: the request is 3 real ms away. */
    ck_assert_int_eq(port_wait(p, NULL, 0, 10000), 0);
    ck_assert_uint_ge(port_now_ms(p), 300);
    ck_assert_int_eq(sim_drain(p, NULL, 0), 1);
    t0 = port_now_ms(p);
    ck_assert_int_eq(port_wait(p, NULL, 0, t0 + 200), 0);
    ck_assert_uint_ge(port_now_ms(p), t0 + 200);
    /* A readable descriptor wakes it early. */
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(write(fds[1], "x", 1), 1);
    w.fd = fds[0];
    ck_assert_int_eq(port_wait(p, &w, 1, UINT64_MAX), 0);
    ck_assert(w.ready);
    close(fds[0]);
    close(fds[1]);
    port_destroy(p);
}
END_TEST

START_TEST(test_wait_disconnect)
{
    struct port *p = sim_open(HOST "domain web memory=64\nat 4s disconnect\nat 9s end\n");

    ck_assert_int_eq(port_wait(p, NULL, 0, UINT64_MAX), PLM_EIO);
    ck_assert_uint_eq(port_now_ms(p), 4000);
    ck_assert_int_eq(port_wait(p, NULL, 0, UINT64_MAX), PLM_EIO);
    ck_assert_int_eq(port_reconnect(p), 0);
    ck_assert_int_eq(port_wait(p, NULL, 0, UINT64_MAX), PLM_ENOENT);
    ck_assert_uint_eq(port_now_ms(p), 9000);
    port_destroy(p);
}
END_TEST

/*
 * The demo through a daemon that only watches and reads: it must reach
 * the end with every flood write seen (none lost, queue never full), the
 * hostile writes refused, and memory accounted for at every wakeup.
 */
START_TEST(test_demo_runs)
{
    struct port *p = open_file("examples/demo.scn", 0);
    struct port_sim_stats st;
    struct port_event ev;
    int rc, wakeups = 0;

    ck_assert_int_eq(port_xs_watch(p, "/local/domain", "dom"), 0);
    ck_assert_int_eq(port_xs_watch(p, "@releaseDomain", "rel"), 0);
    while ((rc = port_wait(p, NULL, 0, port_now_ms(p) + 1000)) == 0) {
        struct port_host h;
        char buf[PORT_SIM_VALUE_MAX];
        size_t len;
        wakeups++;
        while (port_next_event(p, &ev) == 0)
            port_xs_read(p, ev.path, buf, sizeof(buf), &len);
        ck_assert_int_eq(port_host_info(p, &h), 0);
        ck_assert_uint_le(h.free_kib, h.total_kib);
    }
    ck_assert_int_eq(rc, PLM_ENOENT);
    ck_assert_uint_eq(port_now_ms(p), 120000);
    ck_assert_int_ge(wakeups, 120);
    st = sim_stats(p);
    ck_assert_uint_eq(st.events_coalesced + st.events_overflowed, 0);
    ck_assert_uint_eq(st.guest_denied, 1);
    ck_assert_uint_eq(st.creates_failed, 0);
    ck_assert_uint_eq(st.scenario_skipped, 0);
    ck_assert_uint_eq(sim_dom(p, "web1").guest_seq, 5);
    ck_assert_uint_eq(sim_dom(p, "web2").guest_seq, 501);
    ck_assert_uint_eq(sim_dom(p, "web2").state, PORT_SIM_GONE);
    ck_assert_uint_eq(sim_dom(p, "web2").info.domid, 5);
    port_destroy(p);
}
END_TEST

TCase *sim_tcase_clock(void)
{
    TCase *tc = tcase_create("clock");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_wait_timing);
    tcase_add_test(tc, test_wait_nothing_scheduled);
    tcase_add_test(tc, test_wait_fds_fast);
    tcase_add_test(tc, test_wait_real_time);
    tcase_add_test(tc, test_wait_disconnect);
    tcase_add_test(tc, test_demo_runs);
    return tc;
}
