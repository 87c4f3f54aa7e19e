/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The local time of day against the monotonic clock.  Anticipation
 * (ahead.c) counts a guest's requests by the wall clock's time of day;
 * every interval the daemon measures is on the monotonic clock, which
 * never jumps.  Between two turns the time of day should move on as far
 * as the monotonic clock did: when it moves ENG_TOD_JUMP_MS further or
 * less, the wall clock was set (an operator's date, NTP's first step, a
 * host's clock restored) or the local time changed (daylight saving).
 * That is said once, for the host, and anticipation follows the new time
 * of day from then on.  After a jump back, what the domains' histories
 * hold for a time after the new one is forgotten: it was recorded at a
 * time of day that has not come yet, and would otherwise be taken, once
 * it comes, for what the guest asked then.
 *
 * Pure: the times are the caller's (eng_input), nothing is read here.
 */
#include "config.h"

#include "engine/engine.h"
#include "engine/engine_int.h"

int64_t eng_tod_jump_ms(struct ant_clock was, uint64_t was_ms, struct ant_clock now,
                        uint64_t now_ms)
{
    int64_t wall_ms = (now.day - was.day) * 86400000 + ((int64_t)now.sec - (int64_t)was.sec) * 1000;
    int64_t mono_ms = now_ms >= was_ms ? (int64_t)(now_ms - was_ms) : -(int64_t)(was_ms - now_ms);
    return wall_ms - mono_ms;
}

void eng_tod_turn(const struct eng_input *in, struct eng_state *st, struct eng_table dom,
                  struct eng_plan *plan)
{
    /* An unreadable time of day is no jump: the next one read is
     * compared with the last one, the monotonic time between counted. */
    if (!in->tod_ok)
        return;
    int64_t jump_ms =
        st->tod_seen_ok ? eng_tod_jump_ms(st->tod_seen, st->tod_seen_ms, in->tod, in->now_ms) : 0;
    st->tod_seen = in->tod;
    st->tod_seen_ms = in->now_ms;
    st->tod_seen_ok = true;
    if (jump_ms < ENG_TOD_JUMP_MS && jump_ms > -ENG_TOD_JUMP_MS)
        return;
    unsigned forgotten = 0;
    for (size_t i = 0; jump_ms < 0 && i < dom.n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (e->hist)
            forgotten += ant_forget_after(e->hist, in->tod);
    }
    st->tod_jumps++;
    eng_plan_note(plan, -1, true,
                  "the local time of day jumped %+lld s against the monotonic clock (the clock "
                  "was set, or daylight saving changed): anticipation follows %02u:%02u; %u "
                  "request history slots dated after it forgotten",
                  (long long)(jump_ms / 1000), in->tod.sec / 3600, in->tod.sec / 60 % 60,
                  forgotten);
}
