/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Balloon physics: a target is only a wish.  The balloon moves at its own
 * rate, may be stuck, stops at the guest's floor, never takes memory Xen
 * does not have free, and a target above maxmem is refused outright, as
 * libxl refuses it.  Free memory never goes below zero and the sum of
 * what domains hold plus free memory is always the host's memory.
 */
#include "config.h"

#include "sim_test.h"
#include "core/error.h"

static uint64_t actual_mib(struct port *p, const char *name)
{
    return sim_dom(p, name).info.mem_actual_kib / MIB;
}

/* Everything the host has is held by a domain or free, at every step. */
static void check_conservation(struct port *p)
{
    struct port_domain d[8];
    struct port_host h;
    uint64_t held = 0;
    size_t n;

    ck_assert_int_eq(port_list_domains(p, d, 8, &n), 0);
    ck_assert_int_eq(port_host_info(p, &h), 0);
    for (size_t i = 0; i < n && i < 8; i++)
        held += d[i].mem_actual_kib;
    ck_assert_uint_eq(held + h.free_kib, h.total_kib);
}

START_TEST(test_rate)
{
    struct port *p = sim_open(HOST "domain web memory=1024 maxmem=4096 balloon-rate=100\n");
    char buf[32];

    ck_assert_int_eq(sim_target(p, 1, 2048), 0);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/memory/target", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "2097152");
    ck_assert_uint_eq(actual_mib(p, "web"), 1024); /* nothing moves until time does */
    port_sim_advance(p, 1000);
    ck_assert_uint_eq(actual_mib(p, "web"), 1124);
    port_sim_advance(p, 9000);
    ck_assert_uint_eq(actual_mib(p, "web"), 2024);
    port_sim_advance(p, 1000);
    ck_assert_uint_eq(actual_mib(p, "web"), 2048); /* and no further */
    ck_assert_int_eq(sim_target(p, 1, 1024), 0);
    port_sim_advance(p, 5000);
    ck_assert_uint_eq(actual_mib(p, "web"), 1548);
    ck_assert_uint_eq(sim_dom(p, "web").mem_calls, 2);
    ck_assert_uint_eq(sim_dom(p, "web").last_target_kib, 1024 * MIB);
    port_destroy(p);
}
END_TEST

START_TEST(test_rate_in_small_steps)
{
    /* 1 MiB/s is 1.024 KiB per ms: the fractions must add up, not be lost. */
    struct port *p = sim_open(HOST "domain web memory=1024 maxmem=2048 balloon-rate=1\n");

    ck_assert_int_eq(sim_target(p, 1, 2048), 0);
    for (int i = 0; i < 1000; i++)
        port_sim_advance(p, 1);
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_actual_kib, 1025 * MIB);
    port_sim_advance(p, 7);
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_actual_kib, 1025 * MIB + 7);
    port_destroy(p);
}
END_TEST

START_TEST(test_maxmem_refused)
{
    struct port *p = sim_open(HOST "domain web memory=1024 maxmem=4096\n");
    char buf[32];

    ck_assert_int_eq(sim_target(p, 1, 4097), PLM_EINVAL);
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_target_kib, 1024 * MIB);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/memory/target", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "1048576");
    ck_assert_int_eq(sim_target(p, 1, 4096), 0);
    ck_assert_int_eq(sim_target(p, 9, 1024), PLM_ENOENT);
    ck_assert_uint_eq(sim_stats(p).op[PORT_SIM_OP_MEM_TARGET_SET].failures, 2);
    port_destroy(p);
}
END_TEST

START_TEST(test_stuck)
{
    struct port *p = sim_open(HOST "domain web memory=2048 stuck=on\n");

    ck_assert_int_eq(sim_target(p, 1, 1024), 0); /* accepted: Xen cannot tell */
    port_sim_advance(p, 60000);
    ck_assert_uint_eq(actual_mib(p, "web"), 2048);
    ck_assert_int_eq(port_sim_set_stuck(p, 1, false), 0);
    port_sim_advance(p, 60000);
    ck_assert_uint_eq(actual_mib(p, "web"), 1024);
    ck_assert_int_eq(port_sim_set_stuck(p, 1, true), 0);
    ck_assert_int_eq(sim_target(p, 1, 2048), 0);
    port_sim_advance(p, 60000);
    ck_assert_uint_eq(actual_mib(p, "web"), 1024);
    ck_assert(sim_dom(p, "web").stuck);
    port_destroy(p);
}
END_TEST

START_TEST(test_floor)
{
    struct port *p = sim_open(HOST "domain web memory=2048 floor=900\n");

    ck_assert_int_eq(sim_target(p, 1, 512), 0);
    port_sim_advance(p, 60000);
    ck_assert_uint_eq(actual_mib(p, "web"), 900);
    ck_assert_uint_eq(sim_dom(p, "web").info.mem_target_kib, 512 * MIB); /* behind its target */
    /* A floor above what the guest holds does not make it grow. */
    ck_assert_int_eq(port_sim_set_floor(p, 1, 1000 * MIB), 0);
    port_sim_advance(p, 60000);
    ck_assert_uint_eq(actual_mib(p, "web"), 900);
    /* Growing is not limited by the floor. */
    ck_assert_int_eq(sim_target(p, 1, 1500), 0);
    port_sim_advance(p, 60000);
    ck_assert_uint_eq(actual_mib(p, "web"), 1500);
    port_destroy(p);
}
END_TEST

START_TEST(test_growth_limited_by_free_memory)
{
    struct port *p = sim_open("host pcpus=2 memory=4096 dom0=1024\n"
                              "domain web memory=1024 maxmem=4096 balloon-rate=64\n"
                              "domain db memory=1536 maxmem=2048 balloon-rate=32\n");
    struct port_host h;

    ck_assert_int_eq(sim_target(p, 1, 3072), 0);
    for (int i = 0; i < 600; i++) {
        port_sim_advance(p, 100);
        check_conservation(p);
    }
    /* It took the 512 MiB there were, and stays behind its target. */
    ck_assert_uint_eq(actual_mib(p, "web"), 1536);
    ck_assert_int_eq(port_host_info(p, &h), 0);
    ck_assert_uint_eq(h.free_kib, 0);
    ck_assert_uint_eq(sim_stats(p).min_free_kib, 0);
    /* What db gives back, web takes, at db's pace. */
    ck_assert_int_eq(sim_target(p, 2, 512), 0);
    port_sim_advance(p, 10000);
    ck_assert_uint_eq(actual_mib(p, "db"), 1536 - 320);
    ck_assert_uint_eq(actual_mib(p, "web"), 1536 + 320);
    for (int i = 0; i < 600; i++) {
        port_sim_advance(p, 100);
        check_conservation(p);
    }
    ck_assert_uint_eq(actual_mib(p, "db"), 512);
    ck_assert_uint_eq(actual_mib(p, "web"), 2560);
    port_destroy(p);
}
END_TEST

START_TEST(test_min_free_tracked)
{
    struct port *p = sim_open("host pcpus=2 memory=4096 dom0=1024\n"
                              "domain web memory=1024 maxmem=2048 balloon-rate=1024\n");
    struct port_sim_domspec s;

    ck_assert_uint_eq(sim_stats(p).min_free_kib, 2048 * MIB);
    ck_assert_int_eq(sim_target(p, 1, 2048), 0);
    port_sim_advance(p, 2000);
    ck_assert_uint_eq(sim_stats(p).min_free_kib, 1024 * MIB);
    ck_assert_int_eq(sim_target(p, 1, 1024), 0);
    port_sim_advance(p, 2000);
    ck_assert_uint_eq(sim_stats(p).free_kib, 2048 * MIB);
    ck_assert_uint_eq(sim_stats(p).min_free_kib, 1024 * MIB);
    port_sim_domspec_init(&s, "db", 1800 * MIB);
    ck_assert_int_eq(port_sim_create_domain(p, &s, NULL), 0);
    ck_assert_uint_eq(sim_stats(p).min_free_kib, 248 * MIB);
    port_destroy(p);
}
END_TEST

START_TEST(test_balloon_rate_setter)
{
    struct port *p = sim_open(HOST "domain web memory=1024 maxmem=2048 balloon-rate=1\n");

    ck_assert_int_eq(port_sim_set_balloon_rate(p, 1, 0), PLM_EINVAL);
    ck_assert_int_eq(port_sim_set_balloon_rate(p, 1, 512 * MIB), 0);
    ck_assert_int_eq(sim_target(p, 1, 2048), 0);
    port_sim_advance(p, 1000);
    ck_assert_uint_eq(actual_mib(p, "web"), 1536);
    ck_assert_uint_eq(sim_dom(p, "web").balloon_kib_s, 512 * MIB);
    port_destroy(p);
}
END_TEST

TCase *sim_tcase_balloon(void)
{
    TCase *tc = tcase_create("balloon");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_rate);
    tcase_add_test(tc, test_rate_in_small_steps);
    tcase_add_test(tc, test_maxmem_refused);
    tcase_add_test(tc, test_stuck);
    tcase_add_test(tc, test_floor);
    tcase_add_test(tc, test_growth_limited_by_free_memory);
    tcase_add_test(tc, test_min_free_tracked);
    tcase_add_test(tc, test_balloon_rate_setter);
    return tc;
}
