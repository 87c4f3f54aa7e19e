/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Leadership in a pool, the pure part (src/pool/pool_leader.c): the
 * election's name, until when a leader may act after its last keepalive,
 * what a leader key's value may name, and whether etcd's leader is us.
 * (The election itself, against a real etcd, is tests/pool/leader.sh.)
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "pool/pool_leader.h"
#include "suite_run.h"

START_TEST(names)
{
    static const struct {
        const char *pool;
        size_t len;
        int rc;
        const char *want;
    } t[] = {
        {"rack-1", 64, 0, "/xenplm/rack-1/leader"},
        {"a", 64, 0, "/xenplm/a/leader"},
        {"a", 17, 0, "/xenplm/a/leader"}, /* 16 bytes and the NUL: just fits */
        {"a", 16, PLM_EINVAL, NULL},      /* one short */
        {"", 64, PLM_EINVAL, NULL},
        {"a/b", 64, PLM_EINVAL, NULL},
        {"-a", 64, PLM_EINVAL, NULL},
        {NULL, 64, PLM_EINVAL, NULL},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char buf[64];
        ck_assert_msg(plead_name(t[i].pool, buf, t[i].len) == t[i].rc, "row %zu", i);
        if (t[i].want)
            ck_assert_str_eq(buf, t[i].want);
    }
}
END_TEST

START_TEST(candidates)
{
    static const struct {
        const char *name;
        int64_t lease;
        size_t len;
        int rc;
        const char *want;
    } t[] = {
        {"/xenplm/p/leader", 0x694d7a1b2c3d, 64, 0, "/xenplm/p/leader/694d7a1b2c3d"},
        {"/xenplm/p/leader", 1, 64, 0, "/xenplm/p/leader/1"},
        {"/xenplm/p/leader", INT64_MAX, 64, 0, "/xenplm/p/leader/7fffffffffffffff"},
        {"/xenplm/p/leader", 1, 19, 0, "/xenplm/p/leader/1"}, /* 18 and the NUL */
        {"/xenplm/p/leader", 1, 18, PLM_EINVAL, NULL},
        {"/xenplm/p/leader", 0, 64, PLM_EINVAL, NULL}, /* no lease, no candidacy */
        {NULL, 1, 64, PLM_EINVAL, NULL},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char buf[64];
        ck_assert_msg(plead_candidate_key(t[i].name, t[i].lease, buf, t[i].len) == t[i].rc,
                      "row %zu", i);
        if (t[i].want)
            ck_assert_str_eq(buf, t[i].want);
    }
}
END_TEST

START_TEST(until)
{
    static const struct {
        uint64_t sent;
        int64_t granted;
        uint64_t cfg;
        uint64_t want;
    } t[] = {
        {1000, 3, 3000, 3000},  /* 2/3 of 3 s after the keepalive */
        {1000, 10, 3000, 3000}, /* etcd granting more: the configured TTL bounds it */
        {1000, 2, 3000, 2332},  /* granting less (the lease nearly out): etcd's bounds it */
        {0, 30, 30000, 20000},
        {5000, 0, 3000, 0},                     /* expired */
        {5000, -1, 3000, 0},                    /* unknown */
        {UINT64_MAX - 10, 3, 3000, UINT64_MAX}, /* saturates */
        {UINT64_MAX / 2, INT64_MAX, UINT64_MAX, UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ck_assert_msg(plead_until(t[i].sent, t[i].granted, t[i].cfg) == t[i].want, "row %zu: %llu",
                      i, (unsigned long long)plead_until(t[i].sent, t[i].granted, t[i].cfg));
    /* Always before the lease could expire at etcd (sent + TTL), and after the next keepalive
     * is due (sent + TTL/3). */
    for (uint64_t ttl = 1; ttl <= 120; ttl++) {
        uint64_t u = plead_until(7777, (int64_t)ttl, ttl * 1000);
        ck_assert_uint_lt(u, 7777 + ttl * 1000);
        ck_assert_uint_gt(u, 7777 + ttl * 1000 / 3);
    }
    ck_assert(plead_acting(true, 3000, 2999));
    ck_assert(!plead_acting(true, 3000, 3000));
    ck_assert(!plead_acting(false, 3000, 1));
    ck_assert(!plead_acting(true, 0, 0));
}
END_TEST

START_TEST(values)
{
    static const struct {
        const char *v;
        size_t len;
        int rc;
    } t[] = {
        {"xen-a", 5, 0},
        {"xen-a\n", 6, PLM_EINVAL},
        {"xen\0a", 5, PLM_EINVAL},
        {"", 0, PLM_EINVAL},
        {"../x", 4, PLM_EINVAL},
        {"a b", 3, PLM_EINVAL},
        {"0123456789012345678901234567890123456789012345678901234567890123", 64, PLM_EINVAL},
        {"012345678901234567890123456789012345678901234567890123456789012", 63, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char host[PLM_POOL_NAME_MAX + 1];
        ck_assert_msg(plead_decode_value(t[i].v, t[i].len, host) == t[i].rc, "row %zu", i);
        if (t[i].rc == 0)
            ck_assert(strlen(host) == t[i].len && memcmp(host, t[i].v, t[i].len) == 0);
    }
}
END_TEST

START_TEST(same)
{
    const char *k = "/xenplm/p/leader/694d7a1b2c3d";
    size_t n = strlen(k);
    ck_assert(plead_same(k, n, 42, k, n, 42));
    ck_assert(!plead_same(k, n, 43, k, n, 42));     /* a later leader under the same key */
    ck_assert(!plead_same(k, n - 1, 42, k, n, 42)); /* another key */
    ck_assert(!plead_same("/xenplm/p/leader/694d7a1b2c3e", n, 42, k, n, 42));
    ck_assert(!plead_same(k, n, 0, k, n, 0)); /* no revision: no leader */
    ck_assert(!plead_same(NULL, 0, 42, k, n, 42));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool_leader");
    TCase *tc = tcase_create("leader");
    tcase_add_test(tc, names);
    tcase_add_test(tc, candidates);
    tcase_add_test(tc, until);
    tcase_add_test(tc, values);
    tcase_add_test(tc, same);
    suite_add_tcase(s, tc);
    return check_run(s);
}
