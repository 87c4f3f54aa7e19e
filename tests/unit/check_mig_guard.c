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
        struct {
            enum eng_mig_stage stage;
            bool running, ok, stopping, aborted;
            uint64_t now_ms, deadline_ms;
        } in; /* the destination listed in the pool throughout */
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
        struct eng_mig_input in = {.stage = t[i].in.stage,
                                   .running = t[i].in.running,
                                   .ok = t[i].in.ok,
                                   .stopping = t[i].in.stopping,
                                   .aborted = t[i].in.aborted,
                                   .now_ms = t[i].in.now_ms,
                                   .deadline_ms = t[i].in.deadline_ms};
        enum eng_mig_action a = eng_mig_decide(&in);
        ck_assert_msg(a == t[i].want, "%s: %s, want %s", t[i].what, eng_mig_action_name(a),
                      eng_mig_action_name(t[i].want));
    }
}
END_TEST

/* A destination gone from the pool: due once two reads in a row missed
 * it and the first of them is the grace old, never later than the
 * timeout, then by the same rule per phase. */
START_TEST(destination_gone)
{
#define GRACE 10000u
#define MISS 40000u /* the first read that missed it */
    static const struct {
        const char *what;
        enum eng_mig_stage stage;
        unsigned missed;
        uint64_t now;
        enum eng_mig_action want;
        bool gone;
    } t[] = {
        {"listed", ENG_MIG_LIVE, 0, MISS + GRACE, ENG_MIG_WAIT, false},
        {"one read missed it, past the grace", ENG_MIG_LIVE, 1, MISS + 5 * GRACE, ENG_MIG_WAIT,
         false},
        {"two reads, inside the grace", ENG_MIG_LIVE, 2, MISS + GRACE - 1, ENG_MIG_WAIT, true},
        {"two reads, past the grace: abort", ENG_MIG_LIVE, 2, MISS + GRACE, ENG_MIG_ABORT, true},
        {"many reads, live", ENG_MIG_LIVE, 9, MISS + 2 * GRACE, ENG_MIG_ABORT, true},
        {"suspended: settle first", ENG_MIG_SUSPENDED, 2, MISS + GRACE, ENG_MIG_SETTLE, true},
        {"suspended, settled: abort", ENG_MIG_SUSPENDED, 2, MISS + GRACE + ENG_MIG_SETTLE_MS,
         ENG_MIG_ABORT, true},
        {"handed over: settle", ENG_MIG_HANDED, 2, MISS + GRACE, ENG_MIG_SETTLE, true},
        {"handed over, settled: give up", ENG_MIG_HANDED, 2, MISS + GRACE + ENG_MIG_SETTLE_MS,
         ENG_MIG_GIVE_UP, true},
        {"gone here: xl finishing", ENG_MIG_GONE, 2, MISS + GRACE, ENG_MIG_WAIT, true},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct eng_mig_input in = {.stage = t[i].stage,
                                   .running = true,
                                   .now_ms = t[i].now,
                                   .deadline_ms = T0 * 10,
                                   .dest_missed = t[i].missed,
                                   .dest_missed_ms = MISS,
                                   .dest_grace_ms = GRACE};
        bool gone;
        enum eng_mig_action a = eng_mig_decide(&in);
        uint64_t due = eng_mig_due(&in, &gone);
        ck_assert_msg(a == t[i].want, "%s: %s, want %s", t[i].what, eng_mig_action_name(a),
                      eng_mig_action_name(t[i].want));
        ck_assert_msg(gone == t[i].gone, "%s: gone %d", t[i].what, gone);
        ck_assert_uint_eq(due, gone ? MISS + GRACE : T0 * 10);
    }
    /* The timeout comes first: it stays what is due. */
    struct eng_mig_input in = {.stage = ENG_MIG_LIVE,
                               .running = true,
                               .now_ms = T0,
                               .deadline_ms = T0,
                               .dest_missed = 2,
                               .dest_missed_ms = T0 - 1,
                               .dest_grace_ms = GRACE};
    bool gone;
    ck_assert_uint_eq(eng_mig_due(&in, &gone), T0);
    ck_assert(!gone);
    ck_assert_int_eq(eng_mig_decide(&in), ENG_MIG_ABORT);
    /* Stopping: left running, gone or not. */
    in.stopping = true;
    in.now_ms = T0 * 2;
    ck_assert_int_eq(eng_mig_decide(&in), ENG_MIG_LEAVE);
#undef GRACE
#undef MISS
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
    tcase_add_test(tc, destination_gone);
    suite_add_tcase(s, tc);
    return check_run(s);
}
