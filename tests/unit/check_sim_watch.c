/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Watches on the simulated xenstore, as xenstored fires them: once at
 * registration, on the changed node and every parent, below a removed
 * node, on domain introduction and release; in order, through a bounded
 * queue that coalesces rather than loses; and a broken connection that
 * loses its queue but fires every watch again on reconnection.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sim_test.h"
#include "core/error.h"

#define W1 "/local/domain/1"

static struct port *one_guest(void)
{
    return sim_open(HOST "domain web memory=1024\n");
}

static void expect(const struct port_event *ev, const char *path, const char *token)
{
    ck_assert_str_eq(ev->path, path);
    ck_assert_str_eq(ev->token, token);
}

START_TEST(test_initial_fire)
{
    struct port *p = one_guest();
    struct port_event ev[4];

    ck_assert_int_eq(sim_drain(p, ev, 4), 0);
    ck_assert_int_eq(port_xs_watch(p, W1 "/data/nothing-here", "a"), 0);
    ck_assert_int_eq(port_xs_watch(p, "@introduceDomain", "b"), 0);
    ck_assert_int_eq(sim_drain(p, ev, 4), 2);
    expect(&ev[0], W1 "/data/nothing-here", "a");
    expect(&ev[1], "@introduceDomain", "b");
    ck_assert_int_eq(port_next_event(p, &ev[0]), PLM_ENOENT);
    /* "none pending" is not a failure */
    ck_assert_uint_eq(sim_stats(p).op[PORT_SIM_OP_NEXT_EVENT].failures, 0);
    port_destroy(p);
}
END_TEST

START_TEST(test_parents_fire)
{
    struct port *p = one_guest();
    struct port_event ev[8];

    ck_assert_int_eq(port_xs_watch(p, "/", "root"), 0);
    ck_assert_int_eq(port_xs_watch(p, "/local/domain", "all"), 0);
    ck_assert_int_eq(port_xs_watch(p, W1 "/data/xenplm/request", "exact"), 0);
    ck_assert_int_eq(port_xs_watch(p, W1 "/data/xenplm/request/below", "child"), 0);
    ck_assert_int_eq(port_xs_watch(p, W1 "/data/xenplm/requestx", "sibling"), 0);
    ck_assert_int_eq(port_xs_watch(p, W1 "/memory", "other"), 0);
    ck_assert_int_eq(sim_drain(p, ev, 8), 6);
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/xenplm/request", "x", 1), 0);
    /* One event per matching watch, in registration order, each with the changed path. */
    ck_assert_int_eq(sim_drain(p, ev, 8), 3);
    expect(&ev[0], W1 "/data/xenplm/request", "root");
    expect(&ev[1], W1 "/data/xenplm/request", "all");
    expect(&ev[2], W1 "/data/xenplm/request", "exact");
    /* A failed write fires nothing. */
    ck_assert_int_eq(port_sim_guest_write(p, 1, "memory/target", "1", 1), PLM_EIO);
    ck_assert_int_eq(sim_drain(p, ev, 8), 0);
    port_destroy(p);
}
END_TEST

START_TEST(test_rm_fires_below)
{
    struct port *p = one_guest();
    struct port_event ev[8];

    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/xenplm/request", "x", 1), 0);
    ck_assert_int_eq(port_xs_watch(p, W1 "/data/xenplm/request", "req"), 0);
    ck_assert_int_eq(port_xs_watch(p, W1 "/data", "data"), 0);
    ck_assert_int_eq(port_xs_watch(p, W1 "/memory", "mem"), 0);
    ck_assert_int_eq(sim_drain(p, ev, 8), 3);
    ck_assert_int_eq(port_sim_guest_rm(p, 1, "data/xenplm"), 0);
    ck_assert_int_eq(sim_drain(p, ev, 8), 2);
    expect(&ev[0], W1 "/data/xenplm/request", "req"); /* its own path */
    expect(&ev[1], W1 "/data/xenplm", "data");        /* the removed path */
    /* Removing a node that is not there changes nothing. */
    ck_assert_int_eq(port_sim_guest_rm(p, 1, "data/xenplm"), 0);
    ck_assert_int_eq(sim_drain(p, ev, 8), 0);
    port_destroy(p);
}
END_TEST

START_TEST(test_domain_lifecycle_events)
{
    struct port *p = one_guest();
    struct port_sim_domspec spec;
    struct port_event ev[8];
    uint32_t id = 0;

    ck_assert_int_eq(port_xs_watch(p, "@introduceDomain", "in"), 0);
    ck_assert_int_eq(port_xs_watch(p, "@releaseDomain", "out"), 0);
    ck_assert_int_eq(port_xs_watch(p, W1 "/data", "home"), 0);
    ck_assert_int_eq(sim_drain(p, ev, 8), 3);
    port_sim_domspec_init(&spec, "db", 512 * MIB);
    ck_assert_int_eq(port_sim_create_domain(p, &spec, &id), 0);
    ck_assert_uint_eq(id, 2);
    ck_assert_int_eq(sim_drain(p, ev, 8), 1);
    expect(&ev[0], "@introduceDomain", "in");
    /* Destruction removes the domain's directory, then xenstored releases it. */
    ck_assert_int_eq(port_sim_destroy_domain(p, 1), 0);
    ck_assert_int_eq(sim_drain(p, ev, 8), 2);
    expect(&ev[0], W1 "/data", "home");
    expect(&ev[1], "@releaseDomain", "out");
    /* ... and again once it is gone. */
    ck_assert_int_eq(port_sim_advance(p, 99), 0);
    ck_assert_int_eq(sim_drain(p, ev, 8), 0);
    ck_assert_int_eq(port_sim_advance(p, 1), 0);
    ck_assert_int_eq(sim_drain(p, ev, 8), 1);
    expect(&ev[0], "@releaseDomain", "out");
    port_destroy(p);
}
END_TEST

START_TEST(test_watch_arguments)
{
    struct port *p = one_guest();
    struct port_event ev[4];
    char token[PORT_TOKEN_MAX + 1];

    memset(token, 't', PORT_TOKEN_MAX);
    token[PORT_TOKEN_MAX] = '\0';
    ck_assert_int_eq(port_xs_watch(p, "data", "t"), PLM_EINVAL);
    ck_assert_int_eq(port_xs_watch(p, "@introduce", "t"), PLM_EINVAL);
    ck_assert_int_eq(port_xs_watch(p, "/a//b", "t"), PLM_EINVAL);
    ck_assert_int_eq(port_xs_watch(p, "/a", token), PLM_EINVAL);
    ck_assert_int_eq(port_xs_watch(p, "/a", "t"), 0);
    ck_assert_int_eq(port_xs_watch(p, "/a", "t"), PLM_EEXIST);
    ck_assert_int_eq(port_xs_watch(p, "/a", "u"), 0);
    ck_assert_int_eq(port_xs_unwatch(p, "/a", "v"), PLM_ENOENT);
    /* Unwatching drops the watch's events not yet read. */
    ck_assert_int_eq(port_xs_unwatch(p, "/a", "t"), 0);
    ck_assert_int_eq(sim_drain(p, ev, 4), 1);
    expect(&ev[0], "/a", "u");
    ck_assert_int_eq(port_next_event(p, NULL), PLM_EINVAL);
    port_destroy(p);
}
END_TEST

START_TEST(test_queue_coalesces_same_path)
{
    struct port *p = one_guest();
    static struct port_event ev[PORT_SIM_EVQ_MAX + 8];
    const int writes = PORT_SIM_EVQ_MAX + 500;
    struct port_sim_stats st;

    ck_assert_int_eq(port_xs_watch(p, "/local/domain", "all"), 0);
    ck_assert_int_eq(sim_drain(p, ev, 1), 1);
    for (int i = 0; i < writes; i++)
        ck_assert_int_eq(port_sim_guest_write(p, 1, "data/xenplm/request", "x", 1), 0);
    st = sim_stats(p);
    ck_assert_uint_eq(st.events_coalesced, 500);
    ck_assert_uint_eq(st.events_overflowed, 0);
    ck_assert_uint_eq(st.event_queue_peak, PORT_SIM_EVQ_MAX);
    ck_assert_int_eq(sim_drain(p, ev, PORT_SIM_EVQ_MAX + 8), PORT_SIM_EVQ_MAX);
    port_destroy(p);
}
END_TEST

START_TEST(test_queue_overflow_folds_into_watch)
{
    struct port *p = one_guest();
    static struct port_event ev[PORT_SIM_EVQ_MAX + 8];
    const int writes = PORT_SIM_EVQ_MAX + 300;
    struct port_sim_stats st;
    char path[64];
    size_t n;

    ck_assert_int_eq(port_xs_watch(p, "/local/domain", "all"), 0);
    ck_assert_int_eq(port_xs_watch(p, "@releaseDomain", "out"), 0);
    ck_assert_int_eq(sim_drain(p, ev, 2), 2);
    for (int i = 0; i < writes; i++) {
        struct port_kv kv = {path, "x", 1};
        snprintf(path, sizeof(path), "/local/domain/1/xenplm/k%d", i);
        ck_assert_int_eq(port_xs_write_txn(p, &kv, 1), 0);
    }
    ck_assert_int_eq(port_sim_destroy_domain(p, 1), 0); /* one more kind, still not lost */
    st = sim_stats(p);
    ck_assert_uint_eq(st.events_overflowed, 300 + 2);
    n = sim_drain(p, ev, PORT_SIM_EVQ_MAX + 8);
    ck_assert_uint_eq(n, PORT_SIM_EVQ_MAX + 2);
    ck_assert_str_eq(ev[PORT_SIM_EVQ_MAX - 1].path, "/local/domain/1/xenplm/k1023");
    /* The folded changes come back as one event on each watch's own path. */
    expect(&ev[PORT_SIM_EVQ_MAX], "/local/domain", "all");
    expect(&ev[PORT_SIM_EVQ_MAX + 1], "@releaseDomain", "out");
    ck_assert_uint_eq(sim_stats(p).events_delivered, 2 + PORT_SIM_EVQ_MAX + 2);
    port_destroy(p);
}
END_TEST

START_TEST(test_disconnect_reconnect)
{
    struct port *p = one_guest();
    struct port_event ev[4];
    char buf[16];

    ck_assert_int_eq(port_xs_watch(p, W1 "/data", "a"), 0);
    ck_assert_int_eq(port_xs_watch(p, "@releaseDomain", "b"), 0);
    ck_assert_int_eq(port_sim_disconnect(p), 0);
    ck_assert_int_eq(port_next_event(p, &ev[0]), PLM_EIO);
    ck_assert_int_eq(sim_read(p, W1 "/name", buf, sizeof(buf)), PLM_EIO);
    ck_assert_int_eq(port_wait(p, NULL, 0, 1000), PLM_EIO);
    ck_assert_int_eq(port_now_ms(p), 0);
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/x", "", 0), 0);
    ck_assert_int_eq(port_reconnect(p), 0);
    ck_assert_int_eq(sim_drain(p, ev, 4), 2);
    expect(&ev[0], W1 "/data", "a");
    expect(&ev[1], "@releaseDomain", "b");
    ck_assert_int_eq(sim_read(p, W1 "/name", buf, sizeof(buf)), 0);
    port_destroy(p);
}
END_TEST

TCase *sim_tcase_watch(void)
{
    TCase *tc = tcase_create("watch");

    tcase_add_test(tc, test_initial_fire);
    tcase_add_test(tc, test_parents_fire);
    tcase_add_test(tc, test_rm_fires_below);
    tcase_add_test(tc, test_domain_lifecycle_events);
    tcase_add_test(tc, test_watch_arguments);
    tcase_add_test(tc, test_queue_coalesces_same_path);
    tcase_add_test(tc, test_queue_overflow_folds_into_watch);
    tcase_add_test(tc, test_disconnect_reconnect);
    return tc;
}
