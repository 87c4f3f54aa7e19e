/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor's rule for a migration it runs (mig_guard.h).
 */
#include "config.h"

#include "engine/mig_guard.h"

/* xl has ended: where the domain is says what became of it. */
static enum eng_mig_action ended(const struct eng_mig_input *in)
{
    switch (in->stage) {
    case ENG_MIG_GONE:
        return in->ok ? ENG_MIG_DONE : ENG_MIG_LOST;
    case ENG_MIG_LIVE:
        return ENG_MIG_FAILED;
    case ENG_MIG_SUSPENDED:
        /* Its own name: no "go" was sent, and xl, which alone sends it,
         * is gone.  Unless xl said it succeeded (then the destination
         * runs it, whatever the name here says). */
        return in->ok ? ENG_MIG_STRANDED : ENG_MIG_RESUME;
    case ENG_MIG_HANDED:
    case ENG_MIG_UNSURE:
    default:
        return ENG_MIG_STRANDED;
    }
}

uint64_t eng_mig_due(const struct eng_mig_input *in, bool *gone)
{
    uint64_t due = in->deadline_ms;

    *gone = false;
    if (in->dest_missed >= ENG_MIG_GONE_READS &&
        in->dest_missed_ms + in->dest_grace_ms < in->deadline_ms) {
        due = in->dest_missed_ms + in->dest_grace_ms;
        *gone = true;
    }
    return due;
}

enum eng_mig_action eng_mig_decide(const struct eng_mig_input *in)
{
    bool gone;
    uint64_t due = eng_mig_due(in, &gone);

    if (!in->running)
        return ended(in);
    if (in->stopping)
        return ENG_MIG_LEAVE;
    if (in->now_ms < due)
        return ENG_MIG_WAIT;
    switch (in->stage) {
    case ENG_MIG_LIVE:
        return in->aborted ? ENG_MIG_WAIT : ENG_MIG_ABORT;
    case ENG_MIG_GONE:
        /* xl destroyed its copy after the destination started it: it is
         * about to exit 0. */
        return ENG_MIG_WAIT;
    case ENG_MIG_SUSPENDED:
        if (in->now_ms - due < ENG_MIG_SETTLE_MS)
            return ENG_MIG_SETTLE;
        return in->aborted ? ENG_MIG_WAIT : ENG_MIG_ABORT;
    case ENG_MIG_HANDED:
    case ENG_MIG_UNSURE:
    default:
        return in->now_ms - due < ENG_MIG_SETTLE_MS ? ENG_MIG_SETTLE : ENG_MIG_GIVE_UP;
    }
}

const char *eng_mig_action_name(enum eng_mig_action a)
{
    switch (a) {
    case ENG_MIG_WAIT:
        return "wait";
    case ENG_MIG_ABORT:
        return "abort";
    case ENG_MIG_SETTLE:
        return "settle";
    case ENG_MIG_LEAVE:
        return "leave";
    case ENG_MIG_GIVE_UP:
        return "give up";
    case ENG_MIG_DONE:
        return "done";
    case ENG_MIG_FAILED:
        return "failed";
    case ENG_MIG_RESUME:
        return "resume";
    case ENG_MIG_STRANDED:
        return "stranded";
    case ENG_MIG_LOST:
        return "lost";
    }
    return "?";
}

const char *eng_mig_stage_name(enum eng_mig_stage s)
{
    switch (s) {
    case ENG_MIG_LIVE:
        return "live";
    case ENG_MIG_SUSPENDED:
        return "suspended";
    case ENG_MIG_HANDED:
        return "handed over";
    case ENG_MIG_GONE:
        return "gone";
    case ENG_MIG_UNSURE:
        return "unknown";
    }
    return "?";
}
