/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor's rule for a running migration (src/engine/mig_guard.c),
 * one row per phase and moment: never stopped once its guest is
 * suspended unless no "go" can have been sent, never resumed here when
 * the destination may run it, left alone when the daemon stops.
 */
#include "config.h"

#include <check.h>

#include "engine/mig_guard.h"
#include "tests/unit/suite_run.h"

#define T0 100000u /* the deadline */
#define SETTLED (T0 + ENG_MIG_SETTLE_MS)

START_TEST(table)
{
    static const struct {
        const char *what;
        struct eng_mig_input in;
        enum eng_mig_action want;
    } t[] = {
        /* xl runs, before its timeout: whatever the phase, wait. */
        {"live, in time", {ENG_MIG_LIVE, true, false, false, false, T0 - 1, T0}, ENG_MIG_WAIT},
        {"suspended, in time",
         {ENG_MIG_SUSPENDED, true, false, false, false, T0 - 1, T0},
         ENG_MIG_WAIT},
        {"handed, in time", {ENG_MIG_HANDED, true, false, false, false, 0, T0}, ENG_MIG_WAIT},
        /* Its timeout: stopped only while the guest runs here. */
        {"live, timed out", {ENG_MIG_LIVE, true, false, false, false, T0, T0}, ENG_MIG_ABORT},
        {"live, aborted", {ENG_MIG_LIVE, true, false, false, true, T0 + 1, T0}, ENG_MIG_WAIT},
        {"suspended, timed out",
         {ENG_MIG_SUSPENDED, true, false, false, false, T0, T0},
         ENG_MIG_SETTLE},
        {"suspended, settling",
         {ENG_MIG_SUSPENDED, true, false, false, false, SETTLED - 1, T0},
         ENG_MIG_SETTLE},
        {"suspended, settled",
         {ENG_MIG_SUSPENDED, true, false, false, false, SETTLED, T0},
         ENG_MIG_ABORT},
        {"suspended, settled, aborted",
         {ENG_MIG_SUSPENDED, true, false, false, true, SETTLED, T0},
         ENG_MIG_WAIT},
        {"handed, timed out", {ENG_MIG_HANDED, true, false, false, false, T0, T0}, ENG_MIG_SETTLE},
        {"handed, settled",
         {ENG_MIG_HANDED, true, false, false, false, SETTLED, T0},
         ENG_MIG_GIVE_UP},
        {"unsure, settled",
         {ENG_MIG_UNSURE, true, false, false, false, SETTLED + 9, T0},
         ENG_MIG_GIVE_UP},
        {"gone, xl finishing",
         {ENG_MIG_GONE, true, false, false, false, SETTLED, T0},
         ENG_MIG_WAIT},
        /* The daemon stops: xl is left to end by itself, in every phase. */
        {"stop, live", {ENG_MIG_LIVE, true, false, true, false, T0 - 1, T0}, ENG_MIG_LEAVE},
        {"stop, live, timed out", {ENG_MIG_LIVE, true, false, true, false, T0, T0}, ENG_MIG_LEAVE},
        {"stop, suspended", {ENG_MIG_SUSPENDED, true, false, true, false, T0, T0}, ENG_MIG_LEAVE},
        {"stop, handed", {ENG_MIG_HANDED, true, false, true, false, 0, T0}, ENG_MIG_LEAVE},
        /* xl ended: where the domain is says what became of it. */
        {"ended ok, gone", {ENG_MIG_GONE, false, true, false, false, 0, T0}, ENG_MIG_DONE},
        {"ended failed, gone", {ENG_MIG_GONE, false, false, false, false, 0, T0}, ENG_MIG_LOST},
        {"ended failed, live", {ENG_MIG_LIVE, false, false, false, false, 0, T0}, ENG_MIG_FAILED},
        {"ended ok, live", {ENG_MIG_LIVE, false, true, false, false, 0, T0}, ENG_MIG_FAILED},
        {"killed, suspended",
         {ENG_MIG_SUSPENDED, false, false, false, true, SETTLED, T0},
         ENG_MIG_RESUME},
        {"ended failed, suspended",
         {ENG_MIG_SUSPENDED, false, false, false, false, 0, T0},
         ENG_MIG_RESUME},
        {"ended ok, suspended",
         {ENG_MIG_SUSPENDED, false, true, false, false, 0, T0},
         ENG_MIG_STRANDED},
        {"killed, handed", {ENG_MIG_HANDED, false, false, false, true, 0, T0}, ENG_MIG_STRANDED},
        {"ended ok, handed", {ENG_MIG_HANDED, false, true, false, false, 0, T0}, ENG_MIG_STRANDED},
        {"ended, unsure", {ENG_MIG_UNSURE, false, false, false, false, 0, T0}, ENG_MIG_STRANDED},
        {"ended while stopping, suspended",
         {ENG_MIG_SUSPENDED, false, false, true, false, 0, T0},
         ENG_MIG_RESUME},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        enum eng_mig_action a = eng_mig_decide(&t[i].in);
        ck_assert_msg(a == t[i].want, "%s: %s, want %s", t[i].what, eng_mig_action_name(a),
                      eng_mig_action_name(t[i].want));
    }
}
END_TEST

/* No row of any input ever resumes a copy here while xl runs, or one
 * that is renamed, of unknown state, or that xl said it moved. */
START_TEST(never_resumes_unsafely)
{
    for (int stage = ENG_MIG_LIVE; stage <= ENG_MIG_UNSURE; stage++)
        for (int bits = 0; bits < 16; bits++)
            for (uint64_t now = T0 - 1; now <= SETTLED + 1; now += ENG_MIG_SETTLE_MS / 2) {
                struct eng_mig_input in = {.stage = (enum eng_mig_stage)stage,
                                           .running = bits & 1,
                                           .ok = bits & 2,
                                           .stopping = bits & 4,
                                           .aborted = bits & 8,
                                           .now_ms = now,
                                           .deadline_ms = T0};
                enum eng_mig_action a = eng_mig_decide(&in);
                if (a == ENG_MIG_RESUME)
                    ck_assert_msg(!in.running && !in.ok && stage == ENG_MIG_SUSPENDED,
                                  "stage %d bits %d", stage, bits);
                if (a == ENG_MIG_ABORT)
                    ck_assert_msg(in.running && !in.stopping && now >= T0 &&
                                      (stage == ENG_MIG_LIVE || stage == ENG_MIG_SUSPENDED),
                                  "stage %d bits %d", stage, bits);
                if (a == ENG_MIG_ABORT && stage == ENG_MIG_SUSPENDED)
                    ck_assert_uint_ge(now, SETTLED);
            }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mig_guard");
    TCase *tc = tcase_create("rule");
    tcase_add_test(tc, table);
    tcase_add_test(tc, never_resumes_unsafely);
    suite_add_tcase(s, tc);
    return check_run(s);
}
