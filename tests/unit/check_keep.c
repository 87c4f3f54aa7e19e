/* SPDX-License-Identifier: GPL-2.0-only */
/* Lazy reclaim (core/keep.h): what is kept, who gives back first, the units, the pool. */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/keep.h"
#include "tests/unit/suite_run.h"

#define M(x) PLM_UNITS(x) /* MiB in ticks */

struct kcase {
    const char *name;
    size_t n;
    plm_amt_t pool, unit;
    plm_amt_t alloc[4], held[4];
    plm_amt_t want[4];
    plm_amt_t total;
};

static const struct kcase kcases[] = {
    /* daily-peak's night: the report guest's request dropped to 2.5 GiB,
     * the cache's to 16.5 GiB; nobody needs what they hold. */
    {"nobody needs it: everyone keeps it",
     2,
     M(29696),
     M(64),
     {M(2560), M(16896)},
     {M(10752), M(18944)},
     {M(8192), M(2048)},
     M(10240)},
    /* daily-peak's first 09:00: the report guest grows into the room,
     * the cache gives back only what that needs. */
    {"a grower takes back what it needs, no more",
     2,
     M(29696),
     M(64),
     {M(10752), M(16896)},
     {M(3072), M(22528)},
     {0, M(2048)},
     M(2048)},
    {"the largest keeper gives back first",
     3,
     M(80),
     M(1),
     {M(10), M(10), M(10)},
     {M(50), M(30), M(10)},
     {M(30), M(20), 0},
     M(50)},
    {"then all keepers down to a common level",
     3,
     M(50),
     M(1),
     {M(10), M(10), M(10)},
     {M(50), M(30), M(10)},
     {M(10), M(10), 0},
     M(20)},
    {"a pool the allocations fill: nothing kept",
     3,
     M(30),
     M(1),
     {M(10), M(10), M(10)},
     {M(20), M(20), M(20)},
     {0, 0, 0},
     0},
    {"a pool that shrank below the allocations: nothing kept",
     3,
     M(20),
     M(1),
     {M(10), M(10), M(10)},
     {M(15), M(15), M(15)},
     {0, 0, 0},
     0},
    {"one that grows keeps nothing",
     2,
     M(100),
     M(1),
     {M(40), M(10)},
     {M(20), M(30)},
     {0, M(20)},
     M(20)},
    {"held 0: not a keeper (unmanaged, fixed)", 2, M(100), M(1), {M(10), 0}, {0, 0}, {0, 0}, 0},
    {"whole units only", 1, M(4096), M(64), {M(512)}, {M(600)}, {M(64)}, M(64)},
    {"a level between units: the rest stays free",
     2,
     M(320),
     M(64),
     {0, 0},
     {M(192), M(192)},
     {M(128), M(128)},
     M(256)},
    {"no domains", 0, M(100), M(1), {0}, {0}, {0}, 0},
};

START_TEST(test_keep_case)
{
    const struct kcase *c = &kcases[_i];
    plm_amt_t kept[4] = {-1, -1, -1, -1};
    plm_amt_t total = plm_keep(c->pool, c->unit, c->alloc, 0, c->held, kept, c->n);
    ck_assert_msg(total == c->total, "%s: total %lld, want %lld", c->name, (long long)total,
                  (long long)c->total);
    for (size_t i = 0; i < c->n; i++)
        ck_assert_msg(kept[i] == c->want[i], "%s: [%zu] = %lld, want %lld", c->name, i,
                      (long long)kept[i], (long long)c->want[i]);
}
END_TEST

START_TEST(test_keep_invalid)
{
    plm_amt_t alloc[1] = {M(1)}, held[1] = {M(2)}, kept[1];
    ck_assert_int_eq(plm_keep(M(10), 0, alloc, 0, held, kept, 1), PLM_EINVAL);
    ck_assert_int_eq(plm_keep(-1, M(1), alloc, 0, held, kept, 1), PLM_EINVAL);
    held[0] = -1;
    ck_assert_int_eq(plm_keep(M(10), M(1), alloc, 0, held, kept, 1), PLM_EINVAL);
    held[0] = M(2);
    alloc[0] = PLM_AMT_MAX + 1;
    ck_assert_int_eq(plm_keep(M(10), M(1), alloc, 0, held, kept, 1), PLM_EINVAL);
}
END_TEST

/* The allocations read through a stride, as the engine passes its outcomes. */
START_TEST(test_keep_strided)
{
    struct {
        plm_amt_t raw, rounded;
    } out[2] = {{0, M(10)}, {0, M(20)}};
    plm_amt_t held[2] = {M(15), M(20)}, kept[2];
    ck_assert_int_eq(plm_keep(M(40), M(1), &out[0].rounded, sizeof(out[0]), held, kept, 2), M(5));
    ck_assert_int_eq(kept[0], M(5));
    ck_assert_int_eq(kept[1], 0);
}
END_TEST

/* On random tables: whole units, never above what it holds, never
 * overcommitting the pool, and nothing left that one more unit of the
 * common level could have kept. */
START_TEST(test_keep_properties)
{
    unsigned seed = 4242;
    plm_amt_t alloc[32], held[32], kept[32];
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(rand_r(&seed) % 32);
        plm_amt_t unit = M(1 + rand_r(&seed) % 64), sum = 0, pool = M(rand_r(&seed) % 20000);
        for (size_t i = 0; i < n; i++) {
            alloc[i] = M(rand_r(&seed) % 1000);
            held[i] = rand_r(&seed) % 3 ? M(rand_r(&seed) % 2000) : 0;
            sum += alloc[i];
        }
        plm_amt_t total = plm_keep(pool, unit, alloc, 0, held, kept, n);
        ck_assert_int_ge(total, 0);
        plm_amt_t room = pool > sum ? pool - sum : 0, top = 0, k = 0, more = 0;
        for (size_t i = 0; i < n; i++) {
            plm_amt_t x = held[i] > alloc[i] ? (held[i] - alloc[i]) / unit * unit : 0;
            ck_assert_int_eq(kept[i] % unit, 0);
            ck_assert_int_ge(kept[i], 0);
            ck_assert_int_le(kept[i], x);
            if (kept[i] > top)
                top = kept[i];
            k += kept[i];
        }
        ck_assert_int_eq(k, total);
        ck_assert_int_le(total, room);
        /* Everyone short of what it could keep is at the common level, and
         * raising that level by a unit would not fit. */
        bool short_of = false;
        for (size_t i = 0; i < n; i++) {
            plm_amt_t x = held[i] > alloc[i] ? (held[i] - alloc[i]) / unit * unit : 0;
            if (kept[i] < x) {
                short_of = true;
                ck_assert_int_eq(kept[i], top);
            }
            more += x < top + unit ? x : top + unit;
        }
        if (short_of)
            ck_assert_int_gt(more, room);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("keep");
    TCase *tc = tcase_create("keep");
    tcase_add_loop_test(tc, test_keep_case, 0, (int)(sizeof(kcases) / sizeof(kcases[0])));
    tcase_add_test(tc, test_keep_invalid);
    tcase_add_test(tc, test_keep_strided);
    tcase_add_test(tc, test_keep_properties);
    suite_add_tcase(s, tc);
    return check_run(s);
}
