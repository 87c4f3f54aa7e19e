/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulator's faults of dom0's xenstore connection (xs-fail lines of
 * xenplm-sim(5)): what each makes the port's calls return, how many
 * attempts it takes, and when it ends.
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

TCase *sim_tcase_faults(void)
{
    TCase *tc = tcase_create("faults");

    tcase_add_test(tc, test_xs_fail_watch_count);
    tcase_add_test(tc, test_xs_fail_watch_for);
    tcase_add_test(tc, test_xs_fail_txn_eagain);
    tcase_add_test(tc, test_xs_fail_txn_quota);
    return tc;
}
