/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Anticipation from request history (src/engine/anticip.c), table-driven:
 * a history of asks, a time and a lead; the need found, and the request
 * that need raises.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "core/error.h"
#include "engine/anticip.h"
#include "engine/engine.h"
#include "suite_run.h"

#define DAY0 20000 /* the day asked about */
#define MEM 1
#define CPU 0
#define HM(h, m) ((uint32_t)((h)*3600 + (m)*60))

struct ask {
    int dback; /* days before DAY0 (0: DAY0 itself, -1: the day after) */
    uint32_t sec;
    int res;
    int64_t total; /* whole units */
    unsigned level;
};

#define MAXASK 24
static const struct {
    const char *name;
    struct ask ask[MAXASK];
    uint32_t at;                /* second of DAY0 asked about */
    int res;                    /* resource */
    int64_t held, rate, margin; /* the lead */
    bool found;
    int64_t total;
    unsigned level, misses;
    uint32_t peak;
} cases[] = {
    {"nothing recorded: no need", {{0}}, HM(9, 0), MEM, 2048, 32768, 60, false, 0, 0, 0, 0},
    {"a peak on two of the last days recurs",
     {{1, HM(9, 5), MEM, 10240, 1}, {2, HM(9, 1), MEM, 10240, 1}},
     HM(9, 0),
     MEM,
     2048,
     32768,
     60,
     true,
     10240,
     1,
     0,
     HM(9, 0)},
    {"a one-off spike is ignored: the second-highest counts",
     {{1, HM(9, 0), MEM, 12288, 1},
      {2, HM(9, 0), MEM, 3072, 1},
      {3, HM(9, 0), MEM, 2048, 1},
      {4, HM(9, 0), MEM, 2048, 1}},
     HM(9, 0),
     MEM,
     2048,
     32768,
     60,
     true,
     3072,
     1,
     0,
     HM(9, 0)},
    {"one day alone is no pattern",
     {{1, HM(9, 0), MEM, 10240, 1}},
     HM(9, 0),
     MEM,
     2048,
     32768,
     60,
     false,
     0,
     0,
     0,
     0},
    {"within a slot the most asked that day counts",
     {{1, HM(9, 0), MEM, 4096, 1},
      {1, HM(9, 10), MEM, 6144, 2},
      {1, HM(9, 12), MEM, 5000, 1},
      {2, HM(9, 14), MEM, 6144, 2}},
     HM(9, 0),
     MEM,
     2048,
     32768,
     60,
     true,
     6144,
     2,
     0,
     HM(9, 0)},
    {"today's own asks do not count for today",
     {{0, HM(9, 0), MEM, 10240, 1}, {1, HM(9, 0), MEM, 10240, 1}},
     HM(9, 0),
     MEM,
     2048,
     32768,
     60,
     false,
     0,
     0,
     0,
     0},
    {"a peak eight days back has left the daily window",
     {{8, HM(9, 0), MEM, 10240, 1}, {9, HM(9, 0), MEM, 10240, 1}},
     HM(9, 0),
     MEM,
     2048,
     32768,
     60,
     false,
     0,
     0,
     0,
     0},
    /* 8192 MiB at 32 MiB/s is 256 s, and a 60 s margin: 316 s ahead. */
    {"lead: 300 s before the peak it is planned for",
     {{1, HM(9, 0), MEM, 10240, 1}, {2, HM(9, 0), MEM, 10240, 1}},
     HM(8, 55),
     MEM,
     2048,
     32768,
     60,
     true,
     10240,
     1,
     0,
     HM(9, 0)},
    {"lead: 330 s before the peak it is not yet",
     {{1, HM(9, 0), MEM, 10240, 1}, {2, HM(9, 0), MEM, 10240, 1}},
     HM(8, 54) + 30,
     MEM,
     2048,
     32768,
     60,
     false,
     0,
     0,
     0,
     0},
    {"lead: a slower balloon starts earlier (16 MiB/s: 572 s)",
     {{1, HM(9, 0), MEM, 10240, 1}, {2, HM(9, 0), MEM, 10240, 1}},
     HM(8, 51),
     MEM,
     2048,
     16384,
     60,
     true,
     10240,
     1,
     0,
     HM(9, 0)},
    {"lead: CPU is enforced at once, the margin alone",
     {{1, HM(9, 0), CPU, 300, 1}, {2, HM(9, 0), CPU, 300, 1}},
     HM(8, 58),
     CPU,
     40,
     0,
     120,
     true,
     300,
     1,
     0,
     HM(9, 0)},
    {"lead: CPU 3 minutes ahead is outside a 2-minute margin",
     {{1, HM(9, 0), CPU, 300, 1}, {2, HM(9, 0), CPU, 300, 1}},
     HM(8, 57),
     CPU,
     40,
     0,
     120,
     false,
     0,
     0,
     0,
     0},
    {"the resources are kept apart",
     {{1, HM(9, 0), CPU, 300, 1}, {2, HM(9, 0), CPU, 300, 1}},
     HM(9, 0),
     MEM,
     0,
     32768,
     60,
     false,
     0,
     0,
     0,
     0},
    {"during the peak its slot still counts",
     {{1, HM(10, 30), MEM, 10240, 1}, {2, HM(10, 30), MEM, 10240, 1}},
     HM(10, 40),
     MEM,
     10240,
     32768,
     60,
     true,
     10240,
     1,
     0,
     HM(10, 30)},
    {"the larger of two needs in the window",
     {{1, HM(9, 0), MEM, 4096, 1},
      {2, HM(9, 0), MEM, 4096, 1},
      {1, HM(9, 15), MEM, 6144, 1},
      {2, HM(9, 15), MEM, 6144, 1}},
     HM(9, 13),
     MEM,
     2048,
     32768,
     60,
     true,
     6144,
     1,
     0,
     HM(9, 15)},
    {"across midnight: tomorrow's 00:00 from today's and yesterday's",
     {{0, HM(0, 0), MEM, 8192, 1}, {1, HM(0, 0), MEM, 8192, 1}},
     HM(23, 57),
     MEM,
     2048,
     32768,
     60,
     true,
     8192,
     1,
     0,
     0},
    {"weekly: the same weekday one and two weeks back",
     {{7, HM(9, 0), MEM, 8192, 1},
      {14, HM(9, 0), MEM, 8192, 1},
      {1, HM(9, 0), MEM, 1024, 1},
      {2, HM(9, 0), MEM, 1024, 1},
      {3, HM(9, 0), MEM, 1024, 1}},
     HM(9, 0),
     MEM,
     1024,
     32768,
     60,
     true,
     8192,
     1,
     0, /* a weekly need misses nothing on the days between */
     HM(9, 0)},
    {"weekly: one week alone is no pattern",
     {{7, HM(9, 0), MEM, 8192, 1}, {1, HM(9, 0), MEM, 1024, 1}, {2, HM(9, 0), MEM, 1024, 1}},
     HM(9, 0),
     MEM,
     1024,
     32768,
     60,
     true,
     1024,
     1,
     0,
     HM(9, 0)},
    {"weekly: the lower of the two weeks",
     {{7, HM(9, 0), MEM, 8192, 1}, {14, HM(9, 0), MEM, 6144, 3}},
     HM(9, 0),
     MEM,
     1024,
     32768,
     60,
     true,
     6144,
     3,
     0,
     HM(9, 0)},
    {"decay: two recorded days without the peak",
     {{1, HM(9, 0), MEM, 2048, 1},
      {2, HM(9, 0), MEM, 2048, 1},
      {3, HM(9, 0), MEM, 10240, 1},
      {4, HM(9, 0), MEM, 10240, 1},
      {5, HM(9, 0), MEM, 10240, 1}},
     HM(9, 0),
     MEM,
     2048,
     32768,
     60,
     true,
     10240,
     1,
     2,
     HM(9, 0)},
    {"decay: a day not recorded counts for nothing",
     {{1, HM(9, 0), MEM, 10240, 1}, {3, HM(9, 0), MEM, 10240, 1}},
     HM(9, 0),
     MEM,
     2048,
     32768,
     60,
     true,
     10240,
     1,
     0,
     HM(9, 0)},
};

static void fill(struct ant_hist *h, const struct ask *a)
{
    ant_init(h);
    /* Oldest first, as time goes. */
    for (int back = 15; back >= -1; back--)
        for (size_t k = 0; k < MAXASK && a[k].level; k++)
            if (a[k].dback == back)
                ant_record(h, (struct ant_clock){DAY0 - back, a[k].sec}, a[k].res,
                           PLM_UNITS(a[k].total), a[k].level);
}

START_TEST(test_need)
{
    static struct ant_hist h;
    fill(&h, cases[_i].ask);
    struct ant_lead lead = {cases[_i].held, cases[_i].rate, (uint32_t)cases[_i].margin, 3600};
    struct ant_need n = ant_need(&h, (struct ant_clock){DAY0, cases[_i].at}, cases[_i].res, &lead);
    ck_assert_msg(n.found == cases[_i].found, "%s: found %d", cases[_i].name, n.found);
    if (!n.found)
        return;
    ck_assert_msg(n.total == cases[_i].total, "%s: total %lld", cases[_i].name, (long long)n.total);
    ck_assert_msg(n.level == cases[_i].level, "%s: level %u", cases[_i].name, n.level);
    ck_assert_msg(n.misses == cases[_i].misses, "%s: misses %u", cases[_i].name, n.misses);
    ck_assert_msg(n.peak_sec == cases[_i].peak, "%s: peak %u", cases[_i].name, n.peak_sec);
    /* Bounded: never above what was asked in that slot on some day. */
    int64_t most = 0;
    for (size_t k = 0; k < MAXASK && cases[_i].ask[k].level; k++)
        if (cases[_i].ask[k].res == cases[_i].res &&
            cases[_i].ask[k].sec / ANT_SLOT_S == n.peak_sec / ANT_SLOT_S &&
            cases[_i].ask[k].total > most)
            most = cases[_i].ask[k].total;
    ck_assert_int_le(n.total, most);
}
END_TEST

/* The lead itself: (need - held) MiB at rate KiB/s, rounded up, plus the
 * margin, capped. */
START_TEST(test_lead)
{
    static const struct {
        int64_t held, rate;
        uint32_t margin, max;
        int64_t total;
        uint32_t s;
    } t[] = {
        {2048, 32768, 60, 3600, 10240, 316}, {2048, 32768, 0, 3600, 2048, 0},
        {2048, 32768, 30, 3600, 1024, 30},   {0, 1000, 0, 3600, 1, 2},
        {0, 1, 0, 3600, 100000, 3600},       {0, 1, 0, 99999999, 100000, ANT_LEAD_MAX_S},
        {40, 0, 120, 3600, 300, 120},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct ant_lead l = {t[i].held, t[i].rate, t[i].margin, t[i].max};
        ck_assert_uint_eq(ant_lead_s(&l, t[i].total), t[i].s);
    }
}
END_TEST

#define U PLM_UNITS
/* Raising a request by a need. */
static const struct {
    const char *name;
    plm_amt_t lv[4];
    unsigned n;
    int64_t total;
    unsigned level, misses;
    plm_amt_t expect[4];
    unsigned en;
    bool raised;
} raises[] = {
    {"level 1 raised", {U(2048)}, 1, 10240, 1, 0, {U(10240)}, 1, true},
    {"never lowered", {U(12000)}, 1, 10240, 1, 0, {U(12000)}, 1, false},
    {"levels below untouched, above at least it",
     {U(512), U(1024), U(2048)},
     3,
     4096,
     2,
     0,
     {U(512), U(4096), U(4096)},
     3,
     true},
    {"levels added up to the need's", {U(512)}, 1, 4096, 3, 0, {U(512), U(512), U(4096)}, 3, true},
    {"nothing asked: the need alone", {0}, 0, 4096, 2, 0, {0, U(4096)}, 2, true},
    {"decay: one miss halves what is added", {U(2048)}, 1, 10240, 1, 1, {U(6144)}, 1, true},
    {"decay: three misses an eighth", {U(2048)}, 1, 10240, 1, 3, {U(3072)}, 1, true},
    {"decay: long gone adds nothing", {U(2048)}, 1, 10240, 1, 40, {U(2048)}, 1, false},
};

START_TEST(test_raise)
{
    plm_amt_t lv[PLM_MAX_LEVELS] = {0};
    memcpy(lv, raises[_i].lv, sizeof(raises[_i].lv));
    unsigned n = raises[_i].n;
    struct ant_need need = {true, raises[_i].total, raises[_i].level, 0, raises[_i].misses};
    bool r = ant_raise(lv, &n, &need);
    ck_assert_msg(r == raises[_i].raised, "%s: raised %d", raises[_i].name, r);
    ck_assert_msg(n == raises[_i].en, "%s: %u levels", raises[_i].name, n);
    for (unsigned k = 0; k < n; k++)
        ck_assert_msg(lv[k] == raises[_i].expect[k], "%s: level %u is %lld", raises[_i].name, k + 1,
                      (long long)lv[k]);
    for (unsigned k = 1; k < n; k++)
        ck_assert_int_le(lv[k - 1], lv[k]); /* still cumulative */
}
END_TEST

/* A row is reused for the day ANT_DAYS later, emptied first; bad input is
 * ignored. */
START_TEST(test_record_edges)
{
    static struct ant_hist h;
    ant_init(&h);
    ant_record(&h, (struct ant_clock){DAY0 - 15, HM(9, 0)}, MEM, U(9000), 1);
    ant_record(&h, (struct ant_clock){DAY0 - 16, HM(9, 0)}, MEM, U(9000), 1);
    /* Day DAY0 - 15 takes row of DAY0 and DAY0 - 15: asking DAY0 - 1 uses
     * neither (outside every window), so nothing. */
    struct ant_lead lead = {0, 0, 0, 0};
    ck_assert(!ant_need(&h, (struct ant_clock){DAY0, HM(9, 0)}, MEM, &lead).found);
    ant_record(&h, (struct ant_clock){DAY0, HM(9, 0)}, MEM, U(100), 1);
    ck_assert_int_eq(h.day[DAY0 % ANT_DAYS], DAY0);
    ck_assert_uint_eq(h.total[DAY0 % ANT_DAYS][36][MEM], 100);
    ck_assert_uint_eq(h.total[DAY0 % ANT_DAYS][36][CPU], 0);
    /* Ignored: a level of 0 or above the most, a resource out of range,
     * a second past the day, a negative day. */
    ant_record(&h, (struct ant_clock){DAY0, HM(9, 0)}, MEM, U(500), 0);
    ant_record(&h, (struct ant_clock){DAY0, HM(9, 0)}, MEM, U(500), PLM_MAX_LEVELS + 1);
    ant_record(&h, (struct ant_clock){DAY0, HM(9, 0)}, 2, U(500), 1);
    ant_record(&h, (struct ant_clock){DAY0, 86400}, MEM, U(500), 1);
    ant_record(&h, (struct ant_clock){-1, HM(9, 0)}, MEM, U(500), 1);
    ck_assert_uint_eq(h.total[DAY0 % ANT_DAYS][36][MEM], 100);
    /* A huge ask saturates. */
    ant_record(&h, (struct ant_clock){DAY0, HM(9, 0)}, MEM, PLM_AMT_MAX, 1);
    ck_assert_uint_eq(h.total[DAY0 % ANT_DAYS][36][MEM], 1000000000u);
}
END_TEST

/* After the clock went back: what lies after the new time goes, the
 * rest stays (the slot of the time itself included). */
START_TEST(test_forget_after)
{
    static struct ant_hist h;
    ant_init(&h);
    for (int64_t d = DAY0 - 3; d <= DAY0 + 1; d++) {
        ant_record(&h, (struct ant_clock){d, HM(9, 0)}, MEM, U(1000), 1);
        ant_record(&h, (struct ant_clock){d, HM(17, 0)}, CPU, U(200), 2);
    }
    /* Back to DAY0 09:10: DAY0 17:00 and all of DAY0 + 1 go (3 slots). */
    ck_assert_uint_eq(ant_forget_after(&h, (struct ant_clock){DAY0, HM(9, 10)}), 3);
    ck_assert_int_eq(h.day[(DAY0 + 1) % ANT_DAYS], -1);
    ck_assert_int_eq(h.day[DAY0 % ANT_DAYS], DAY0);
    ck_assert_uint_eq(h.level[DAY0 % ANT_DAYS][36][MEM], 1);
    ck_assert_uint_eq(h.level[DAY0 % ANT_DAYS][68][CPU], 0);
    ck_assert_uint_eq(h.level[(DAY0 - 1) % ANT_DAYS][68][CPU], 2);
    /* Nothing after it any more; a time past the day is refused. */
    ck_assert_uint_eq(ant_forget_after(&h, (struct ant_clock){DAY0, HM(9, 10)}), 0);
    ck_assert_uint_eq(ant_forget_after(&h, (struct ant_clock){DAY0 - 5, 86400}), 0);
    /* Back two days: every recorded slot of those days goes. */
    ck_assert_uint_eq(ant_forget_after(&h, (struct ant_clock){DAY0 - 2, HM(0, 0)}), 5);
    ck_assert_int_eq(h.day[(DAY0 - 3) % ANT_DAYS], DAY0 - 3);
    ck_assert_int_eq(h.day[(DAY0 - 2) % ANT_DAYS], DAY0 - 2);
    ck_assert_int_eq(h.day[(DAY0 - 1) % ANT_DAYS], -1);
}
END_TEST

/* ---- the time of day against the monotonic clock (tod.c) ---------------- */

/* How far the time of day moved beyond the monotonic clock. */
START_TEST(test_tod_jump)
{
    static const struct {
        struct ant_clock was;
        uint64_t was_ms;
        struct ant_clock now;
        uint64_t now_ms;
        int64_t jump_ms;
    } t[] = {
        /* In step, over midnight, with a reading's rounding. */
        {{DAY0, HM(9, 0)}, 1000, {DAY0, HM(9, 1)}, 61000, 0},
        {{DAY0, 86399}, 0, {DAY0 + 1, 0}, 1000, 0},
        {{DAY0, HM(9, 0)}, 1000, {DAY0, HM(9, 0)}, 1999, -999},
        /* Set forward an hour, back ten minutes, back a day. */
        {{DAY0, HM(9, 0)}, 0, {DAY0, HM(10, 0) + 5}, 5000, 3600000},
        {{DAY0, HM(9, 0)}, 0, {DAY0, HM(8, 50)}, 0, -600000},
        {{DAY0, HM(0, 10)}, 0, {DAY0 - 1, HM(0, 10)}, 0, -86400000},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ck_assert_msg(eng_tod_jump_ms(t[i].was, t[i].was_ms, t[i].now, t[i].now_ms) == t[i].jump_ms,
                      "row %zu", i);
}
END_TEST

/* A turn: a jump of a minute or more is noted once, for the host; one
 * back makes the histories forget what lies after the new time; none
 * before the first reading, nor over an unreadable one. */
START_TEST(test_tod_turn)
{
    static struct ant_hist h;
    static struct eng_dom dom[1];
    struct eng_state st;
    struct eng_note notes[4];
    struct eng_plan plan = {.note = notes, .note_cap = 4};
    struct eng_table tab = {dom, sizeof(dom[0]), 1};
    struct eng_input in = {.tod_ok = true, .tod = {DAY0, HM(9, 0)}, .now_ms = 1000};

    memset(&st, 0, sizeof(st));
    ant_init(&h);
    dom[0].hist = &h;
    ant_record(&h, (struct ant_clock){DAY0, HM(9, 0)}, MEM, U(1000), 1);
    eng_tod_turn(&in, &st, tab, &plan);
    ck_assert_uint_eq(plan.nnote, 0);
    /* 59 s off: in step. */
    in.now_ms += 60000;
    in.tod.sec += 60 + 59;
    eng_tod_turn(&in, &st, tab, &plan);
    ck_assert_uint_eq(plan.nnote, 0);
    /* Forward an hour: said, nothing forgotten; recorded there. */
    in.now_ms += 1000;
    in.tod.sec += 1 + 3600;
    eng_tod_turn(&in, &st, tab, &plan);
    ck_assert_uint_eq(plan.nnote, 1);
    ck_assert_int_eq(notes[0].domid, -1);
    ck_assert(notes[0].warning);
    ck_assert_msg(strstr(notes[0].text, "jumped +3600 s") && strstr(notes[0].text, " 0 request"),
                  "%s", notes[0].text);
    ant_record(&h, in.tod, MEM, U(2000), 1);
    /* The time cannot be read for a while, then is back an hour: the
     * monotonic time between counts, and the hour ahead is forgotten. */
    in.tod_ok = false;
    in.now_ms += 300000;
    eng_tod_turn(&in, &st, tab, &plan);
    ck_assert_uint_eq(plan.nnote, 1);
    in.tod_ok = true;
    in.now_ms += 1000;
    in.tod.sec += 301 - 3600;
    eng_tod_turn(&in, &st, tab, &plan);
    ck_assert_uint_eq(plan.nnote, 2);
    ck_assert_msg(strstr(notes[1].text, "jumped -3600 s") && strstr(notes[1].text, " 1 request"),
                  "%s", notes[1].text);
    ck_assert_uint_eq(h.level[DAY0 % ANT_DAYS][40][MEM], 0);
    ck_assert_uint_eq(h.level[DAY0 % ANT_DAYS][36][MEM], 1);
    ck_assert_uint_eq(st.tod_jumps, 2);
}
END_TEST

/* ---- the record as bytes (anticip_codec.c) ----------------------------- */

static struct ant_hist sample, back;

static void sample_fill(void)
{
    ant_init(&sample);
    for (int d = 0; d < 20; d++)
        for (uint32_t s = 0; s < 86400; s += 1800)
            ant_record(&sample, (struct ant_clock){DAY0 - d, s}, (d + s) % 2,
                       PLM_UNITS(100 + d * 7 + s / 60), 1 + (unsigned)(s / 1800) % 16);
}

START_TEST(test_codec_round_trip)
{
    static uint8_t buf[ANT_ENCODED];
    sample_fill();
    ant_encode(&sample, buf);
    memset(&back, 0xa5, sizeof(back));
    ck_assert_int_eq(ant_decode(buf, sizeof(buf), &back, NULL, 0), 0);
    ck_assert(memcmp(&sample, &back, sizeof(sample)) == 0);
    /* An empty record too. */
    ant_init(&sample);
    ant_encode(&sample, buf);
    ck_assert_int_eq(ant_decode(buf, sizeof(buf), &back, NULL, 0), 0);
    ck_assert(memcmp(&sample, &back, sizeof(sample)) == 0);
}
END_TEST

/* Byte offsets: the header (24), the days (8 each), the entries (5 each). */
#define OFF_DAY(d) (24 + 8 * (d))
#define OFF_ENTRY(d, s, r) (24 + 8 * ANT_DAYS + 5 * (((d)*ANT_SLOTS + (s)) * ANT_NRES + (r)))
static const struct {
    const char *name;
    size_t len;  /* bytes given (ANT_ENCODED + 1: one too many) */
    size_t at;   /* a byte changed (0: none) */
    uint8_t set; /* to this */
    int rc;
    const char *why;
} refusals[] = {
    {"empty", 0, 0, 0, PLM_EGRAMMAR, "wrong size"},
    {"cut short", ANT_ENCODED - 1, 0, 0, PLM_EGRAMMAR, "wrong size"},
    {"one byte too many", ANT_ENCODED + 1, 0, 0, PLM_EGRAMMAR, "wrong size"},
    {"no magic", ANT_ENCODED, 1, 'y', PLM_EGRAMMAR, "XPLMHIST"},
    {"another version", ANT_ENCODED, 8, 2, PLM_EGRAMMAR, "version"},
    {"other slots", ANT_ENCODED, 12, 48, PLM_EGRAMMAR, "dimensions"},
    {"a day in another row", ANT_ENCODED, OFF_DAY(0), 0x1c, PLM_ERANGE,
     "wrong row"}, /* 19996 in row 0 */
    {"a negative day", ANT_ENCODED, OFF_DAY(3) + 7, 0x80, PLM_ERANGE, "wrong row"},
    {"a level above the most", ANT_ENCODED, OFF_ENTRY(0, 5, 1) + 4, 17, PLM_ERANGE, "out of range"},
    {"an amount above the most", ANT_ENCODED, OFF_ENTRY(0, 5, 1) + 3, 0xff, PLM_ERANGE,
     "out of range"},
    {"an amount without a level", ANT_ENCODED, OFF_ENTRY(0, 7, 0), 9, PLM_ERANGE, "none was"},
    {"a level in an empty row", ANT_ENCODED, OFF_ENTRY(1, 7, 0) + 4, 1, PLM_ERANGE, "none was"},
};

START_TEST(test_codec_refusals)
{
    static uint8_t buf[ANT_ENCODED + 1];
    char err[96] = "";
    /* One day recorded (DAY0 in its row), slot 5 memory at level 2. */
    ant_init(&sample);
    ant_record(&sample, (struct ant_clock){DAY0 - DAY0 % ANT_DAYS, 5 * ANT_SLOT_S}, 1,
               PLM_UNITS(4096), 2);
    ant_encode(&sample, buf);
    buf[ANT_ENCODED] = 0;
    if (refusals[_i].at)
        buf[refusals[_i].at] = refusals[_i].set;
    memset(&back, 0x5a, sizeof(back));
    struct ant_hist before = back;
    int rc = ant_decode(buf, refusals[_i].len, &back, err, sizeof(err));
    ck_assert_msg(rc == refusals[_i].rc, "%s: %d (%s)", refusals[_i].name, rc, err);
    ck_assert_msg(strstr(err, refusals[_i].why), "%s: %s", refusals[_i].name, err);
    ck_assert(memcmp(&before, &back, sizeof(back)) == 0); /* untouched */
}
END_TEST

/* Random damage is refused, or read as a record that is itself valid
 * (encodes back to the same bytes); never a crash. */
START_TEST(test_codec_damage)
{
    static uint8_t buf[ANT_ENCODED], again[ANT_ENCODED];
    uint32_t x = 12345;
    sample_fill();
    for (int k = 0; k < 2000; k++) {
        ant_encode(&sample, buf);
        for (int j = 0; j < 1 + k % 4; j++) {
            x = x * 1103515245u + 12345u;
            buf[(x >> 8) % ANT_ENCODED] ^= (uint8_t)(1u << (x % 8));
        }
        if (ant_decode(buf, sizeof(buf), &back, NULL, 0) == 0) {
            ant_encode(&back, again);
            ck_assert(memcmp(buf, again, sizeof(buf)) == 0);
        }
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("anticip");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_need, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, test_lead);
    tcase_add_loop_test(tc, test_raise, 0, (int)(sizeof(raises) / sizeof(raises[0])));
    tcase_add_test(tc, test_record_edges);
    tcase_add_test(tc, test_forget_after);
    tcase_add_test(tc, test_tod_jump);
    tcase_add_test(tc, test_tod_turn);
    tcase_add_test(tc, test_codec_round_trip);
    tcase_add_loop_test(tc, test_codec_refusals, 0, (int)(sizeof(refusals) / sizeof(refusals[0])));
    tcase_add_test(tc, test_codec_damage);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
