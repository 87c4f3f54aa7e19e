/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Anticipation from request history: the record and its statistics
 * (anticip.h says what they are and why).
 */
#include "config.h"

#include <string.h>

#include "engine/anticip.h"

static unsigned row_of(int64_t day)
{
    int64_t m = day % ANT_DAYS;
    return (unsigned)(m < 0 ? m + ANT_DAYS : m);
}

/* The row holding day, or -1 when it holds another day (or none). */
static int row_for(const struct ant_hist *h, int64_t day)
{
    unsigned row = row_of(day);
    return h->day[row] == day && day >= 0 ? (int)row : -1;
}

void ant_init(struct ant_hist *h)
{
    memset(h, 0, sizeof(*h));
    for (unsigned i = 0; i < ANT_DAYS; i++)
        h->day[i] = -1;
}

void ant_record(struct ant_hist *h, struct ant_clock t, int r, plm_amt_t total, unsigned level)
{
    if (r < 0 || r >= ANT_NRES || t.day < 0 || t.sec >= 86400 || level == 0 ||
        level > PLM_MAX_LEVELS)
        return;
    unsigned row = row_of(t.day), slot = t.sec / ANT_SLOT_S;
    if (h->day[row] != t.day) {
        /* A new day takes the row of the day ANT_DAYS before it. */
        memset(h->total[row], 0, sizeof(h->total[row]));
        memset(h->level[row], 0, sizeof(h->level[row]));
        h->day[row] = t.day;
    }
    plm_amt_t units = total > 0 ? total / PLM_SCALE : 0;
    uint32_t u = units > (plm_amt_t)UINT32_MAX ? UINT32_MAX : (uint32_t)units;
    if (h->level[row][slot][r] == 0 || u > h->total[row][slot][r] ||
        (u == h->total[row][slot][r] && level < h->level[row][slot][r])) {
        h->total[row][slot][r] = u;
        h->level[row][slot][r] = (uint8_t)level;
    }
}

unsigned ant_forget_after(struct ant_hist *h, struct ant_clock t)
{
    unsigned n = 0;

    if (t.sec >= 86400)
        return 0;
    for (unsigned row = 0; row < ANT_DAYS; row++) {
        if (h->day[row] < 0 || h->day[row] < t.day)
            continue;
        unsigned from = h->day[row] == t.day ? t.sec / ANT_SLOT_S + 1 : 0;
        for (unsigned slot = from; slot < ANT_SLOTS; slot++)
            for (int r = 0; r < ANT_NRES; r++) {
                n += h->level[row][slot][r] != 0;
                h->total[row][slot][r] = 0;
                h->level[row][slot][r] = 0;
            }
        if (h->day[row] > t.day)
            h->day[row] = -1; /* an empty row, as ant_init leaves it */
    }
    return n;
}

struct ant_need ant_slot_need(const struct ant_hist *h, int64_t day, unsigned slot, int r)
{
    struct ant_need need = {0};
    if (r < 0 || r >= ANT_NRES || slot >= ANT_SLOTS)
        return need;
    need.peak_sec = slot * ANT_SLOT_S;

    /* Daily: the second-highest of the last ANT_WINDOW days. */
    int best = -1, second = -1; /* rows */
    for (int64_t d = day - 1; d >= day - ANT_WINDOW; d--) {
        int row = row_for(h, d);
        if (row < 0 || h->level[row][slot][r] == 0)
            continue;
        uint32_t v = h->total[row][slot][r];
        if (best < 0 || v > h->total[best][slot][r]) {
            second = best;
            best = row;
        } else if (second < 0 || v > h->total[second][slot][r]) {
            second = row;
        }
    }
    int pick = second;
    bool weekly = false;
    /* Weekly: the lower of the same weekday one and two weeks back. */
    int w1 = row_for(h, day - 7), w2 = row_for(h, day - 14);
    if (w1 >= 0 && w2 >= 0 && h->level[w1][slot][r] && h->level[w2][slot][r]) {
        int low = h->total[w2][slot][r] < h->total[w1][slot][r] ? w2 : w1;
        if (pick < 0 || h->total[low][slot][r] > h->total[pick][slot][r]) {
            pick = low;
            weekly = true; /* it came on both weeks: nothing missed */
        }
    }
    if (pick < 0 || h->total[pick][slot][r] == 0)
        return need;
    need.found = true;
    need.total = h->total[pick][slot][r];
    need.level = h->level[pick][slot][r];

    /* Decay: recorded days, most recent first, on which it did not come. */
    for (int64_t d = day - 1; !weekly && d >= day - (ANT_DAYS - 1); d--) {
        int row = row_for(h, d);
        if (row < 0 || h->level[row][slot][r] == 0)
            continue;
        if (h->total[row][slot][r] >= need.total)
            break;
        need.misses++;
    }
    return need;
}

uint32_t ant_lead_s(const struct ant_lead *lead, int64_t total)
{
    uint32_t cap = lead->max_s < ANT_LEAD_MAX_S ? lead->max_s : ANT_LEAD_MAX_S;
    uint64_t s = lead->margin_s;
    if (lead->rate_kib_s > 0 && total > lead->held) {
        uint64_t kib = (uint64_t)(total - lead->held) * 1024;
        s += (kib + (uint64_t)lead->rate_kib_s - 1) / (uint64_t)lead->rate_kib_s;
    }
    return s > cap ? cap : (uint32_t)s;
}

struct ant_need ant_need(const struct ant_hist *h, struct ant_clock t, int r,
                         const struct ant_lead *lead)
{
    struct ant_need best = {0};
    if (t.day < 0 || t.sec >= 86400)
        return best;
    uint32_t cap = lead->max_s < ANT_LEAD_MAX_S ? lead->max_s : ANT_LEAD_MAX_S;
    unsigned first = t.sec / ANT_SLOT_S;
    /* Slots after the current one start (k * ANT_SLOT_S - into) from now. */
    uint32_t into = t.sec - first * ANT_SLOT_S;
    for (unsigned k = 0;; k++) {
        uint32_t ahead = k == 0 ? 0 : k * ANT_SLOT_S - into;
        if (ahead > cap)
            break;
        unsigned s = first + k;
        int64_t day = t.day + s / ANT_SLOTS;
        struct ant_need n = ant_slot_need(h, day, s % ANT_SLOTS, r);
        if (!n.found || ahead > ant_lead_s(lead, n.total))
            continue;
        if (!best.found || n.total > best.total)
            best = n;
    }
    return best;
}

bool ant_raise(plm_amt_t lv[PLM_MAX_LEVELS], unsigned *n, const struct ant_need *need)
{
    if (!need->found || need->level == 0 || need->level > PLM_MAX_LEVELS || *n > PLM_MAX_LEVELS)
        return false;
    plm_amt_t want = need->total > PLM_AMT_MAX / PLM_SCALE ? PLM_AMT_MAX : need->total * PLM_SCALE;
    unsigned at = need->level - 1;
    /* What it asks at that level now (its total when it asks fewer). */
    plm_amt_t now = *n == 0 ? 0 : lv[(at < *n ? at : *n - 1)];
    if (want <= now)
        return false;
    /* Decay: each missed day halves what is added. */
    plm_amt_t add = want - now;
    add = need->misses >= 62 ? 0 : add >> need->misses;
    if (add <= 0)
        return false;
    want = now + add;
    while (*n < need->level) {
        lv[*n] = *n == 0 ? 0 : lv[*n - 1];
        (*n)++;
    }
    bool raised = false;
    for (unsigned k = at; k < *n; k++)
        if (lv[k] < want) {
            lv[k] = want;
            raised = true;
        }
    return raised;
}
