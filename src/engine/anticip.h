/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Anticipation from request history (issue 13, point 2): a per-domain
 * record of what its guest asked at each time of day, and the request to
 * plan for now when a need recurs.
 *
 * The record is a ring of ANT_DAYS days, each cut into ANT_SLOTS slots of
 * ANT_SLOT_S seconds.  A slot keeps, per resource, the most the guest
 * asked in total during it (its highest cumulative level, in whole MiB or
 * hundredths of a pCPU, rounded down) and the level that total was asked
 * at.  A slot never seen (the domain absent, the daemon stopped) is empty
 * and counts for nothing either way.
 *
 * The recurring need of a slot on day d is the larger of
 *   - daily: the second-highest total of that slot over days d-1 .. d-7,
 *     so that a value counts only once it came on at least two of the
 *     last seven days: a one-off spike is ignored;
 *   - weekly: the lower of that slot's totals on days d-7 and d-14 (both
 *     must be recorded): a need that comes on one weekday.
 * Its level is the level of the recorded total chosen.  The need is
 * therefore never more than what the guest asked at that time of day,
 * at that level, on some earlier day.
 *
 * Decay: counting back from day d-1, each recorded day on which the slot
 * stayed below the recurring need (the peak did not come) halves what the
 * anticipation adds above the guest's current request; the day it comes
 * again, the count restarts.  Once it stops for good, it leaves the
 * seven-day window and the fortnight altogether.
 *
 * Lead time: a future slot's need is planned for from the moment its raise
 * would take that long to enforce: for memory (need - held) MiB at the
 * balloon's rate in KiB/s, plus a margin; for CPU (enforced at once) the
 * margin alone; never more than the lead cap.
 *
 * Pure: no I/O, no clock (the caller passes the local day number and the
 * second of the day), no allocation.
 */
#ifndef XENPLM_ENGINE_ANTICIP_H
#define XENPLM_ENGINE_ANTICIP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/amount.h"
#include "core/arbiter.h"

#define ANT_SLOT_S 900u                 /* 15 minutes */
#define ANT_SLOTS (86400u / ANT_SLOT_S) /* 96 a day */
#define ANT_DAYS 15                     /* d-14 .. d: two weeks back and today */
#define ANT_WINDOW 7                    /* the daily statistic's days */
#define ANT_NRES 2                      /* as POL_NRES: CPU, memory */
#define ANT_LEAD_MAX_S (6u * 3600u)     /* the longest lead ever looked ahead */

/* The local time of day, as the daemon reads it: days since 1970-01-01
 * in local time, and the second of that day (0..86399). */
struct ant_clock {
    int64_t day;
    uint32_t sec;
};

/* One domain's record.  An empty row has day -1. */
struct ant_hist {
    int64_t day[ANT_DAYS];
    uint32_t total[ANT_DAYS][ANT_SLOTS][ANT_NRES]; /* whole units */
    uint8_t level[ANT_DAYS][ANT_SLOTS][ANT_NRES];  /* 1..PLM_MAX_LEVELS; 0: empty */
};

/* How long a raise takes to enforce. */
struct ant_lead {
    int64_t held;       /* what it holds now, whole units */
    int64_t rate_kib_s; /* memory: the balloon's rate; 0: enforced at once */
    uint32_t margin_s;  /* added to every lead */
    uint32_t max_s;     /* the longest lead (capped at ANT_LEAD_MAX_S) */
};

/* What to plan for a resource now. */
struct ant_need {
    bool found;        /* a recurring need lies in the lead window */
    int64_t total;     /* its total, whole units */
    unsigned level;    /* the level it was asked at, 1..PLM_MAX_LEVELS */
    uint32_t peak_sec; /* the start of its slot, second of the day */
    unsigned misses;   /* recorded days since it last came (the decay) */
};

void ant_init(struct ant_hist *h);
/* The guest asked total (an amount, in ticks) at level (1..) for resource
 * r at time t: kept when it is the most of that slot that day. */
void ant_record(struct ant_hist *h, struct ant_clock t, int r, plm_amt_t total, unsigned level);
/* Forget what is recorded after time t (the slots of t's day after t's
 * own, and every later day): after the clock went back, that was
 * recorded at a time of day that has not come yet.  The number of slots
 * forgotten that held anything. */
unsigned ant_forget_after(struct ant_hist *h, struct ant_clock t);
/* The recurring need of one slot of day d (the statistic above). */
struct ant_need ant_slot_need(const struct ant_hist *h, int64_t day, unsigned slot, int r);
/* The largest recurring need whose lead reaches now: the slot of t and the
 * slots after it up to lead->max_s ahead, each counted when its start is
 * within its own lead. */
struct ant_need ant_need(const struct ant_hist *h, struct ant_clock t, int r,
                         const struct ant_lead *lead);
/* Seconds a raise from lead->held to total takes, margin included, capped. */
uint32_t ant_lead_s(const struct ant_lead *lead, int64_t total);
/*
 * The request to plan for: the guest's cumulative levels lv[0..*n-1]
 * raised by the need (levels from need->level on at least its total,
 * decayed), with levels added up to need->level when it asked fewer.
 * Returns true when anything was raised.  Never lowers a level.
 */
bool ant_raise(plm_amt_t lv[PLM_MAX_LEVELS], unsigned *n, const struct ant_need *need);

/*
 * The record as bytes, for the daemon's state directory (anticip_codec.c):
 * "XPLMHIST", then little-endian u32 version 1, slots, days, resources;
 * ANT_DAYS i64 day numbers; then per day, slot and resource a u32 total
 * and a u8 level.  Always ANT_ENCODED bytes.
 */
#define ANT_ENCODED (8 + 4 * 4 + ANT_DAYS * 8 + ANT_DAYS * ANT_SLOTS * ANT_NRES * 5)
void ant_encode(const struct ant_hist *h, uint8_t out[ANT_ENCODED]);
/* Strict: 0 and *h filled, or PLM_EGRAMMAR (not a record: magic, size,
 * dimensions) or PLM_ERANGE (a value out of place: a day in the wrong row
 * or twice, a level above PLM_MAX_LEVELS, an amount without a level or in
 * an empty row) with *h untouched and why in err (may be NULL). */
int ant_decode(const uint8_t *buf, size_t len, struct ant_hist *h, char *err, size_t errlen);

#endif
