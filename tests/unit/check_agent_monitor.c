/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest agent's monitors: each parser on good, malformed, truncated and
 * huge input; agent_snapshot_read on the recorded trees in
 * tests/fixtures/agent (see its README for the story of each); and the
 * metrics derived from pairs of them, with every expected value worked out
 * by hand in the comments.
 *
 * Parsers are always given a copy of exactly len bytes with no terminator,
 * so a read past the end shows up under the sanitizers and valgrind.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "guest-agent/monitor.h"
#include "tests/unit/suite_run.h"

typedef int (*snap_parser)(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                           size_t errlen);

static char err[AGENT_ERR_MAX];

/* A heap copy of text without its NUL: exactly len readable bytes. */
static char *exact_copy(const char *text, size_t len)
{
    char *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, text, len);
    return p;
}

static int parse_n(snap_parser fn, const char *text, size_t len, struct agent_snapshot *s)
{
    char *p = exact_copy(text, len);
    int rc;

    err[0] = '\0';
    rc = fn(p, len, s, err, sizeof(err));
    free(p);
    return rc;
}

static int parse(snap_parser fn, const char *text, struct agent_snapshot *s)
{
    return parse_n(fn, text, strlen(text), s);
}

static int psi(const char *text, plm_amt_t *some, plm_amt_t *full)
{
    size_t len = strlen(text);
    char *p = exact_copy(text, len);
    int rc;

    err[0] = '\0';
    rc = agent_parse_psi(p, len, some, full, err, sizeof(err));
    free(p);
    return rc;
}

static int cpulist(const char *text, unsigned *count)
{
    size_t len = strlen(text);
    char *p = exact_copy(text, len);
    int rc;

    err[0] = '\0';
    rc = agent_parse_cpulist(p, len, count, err, sizeof(err));
    free(p);
    return rc;
}

/* Parse and expect failure with exactly this code and reason. */
#define ck_parse_fails(fn, text, s, rc_want, why)                                                  \
    do {                                                                                           \
        ck_assert_int_eq(parse(fn, text, s), rc_want);                                             \
        ck_assert_str_eq(err, why);                                                                \
    } while (0)

/* ------------------------------------------------------------------------ */
/* /proc/stat                                                               */

/* Linux 6.1's layout, with guest time (inside user) on cpu and cpu1. */
static const char stat_61[] =
    "cpu  892016 7 101449 921472 6482 11 1452 19171 500 3\n"
    "cpu0 427278 3 48707 483313 1553 5 665 9767 0 0\n"
    "cpu1 464738 4 52742 438159 4929 6 787 9404 500 3\n"
    "intr 7268427 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 17\n"
    "ctxt 14748148\n"
    "btime 1795294989\n"
    "processes 429454\n"
    "procs_running 3\n"
    "procs_blocked 0\n"
    "softirq 3077377 0 525539 4 3132 244351 0 6 814371 0 1489974\n";

START_TEST(test_stat_good)
{
    struct agent_snapshot s;

    memset(&s, 0, sizeof(s));
    s.cpu[2].busy = 99; /* a parser owns every entry: unused ones are zeroed */
    ck_assert_int_eq(parse(agent_parse_stat, stat_61, &s), 0);
    /* busy = user + nice + system + irq + softirq = 892016+7+101449+11+1452 (not guest's 500) */
    ck_assert_uint_eq(s.total.busy, 994935);
    ck_assert_uint_eq(s.total.idle, 921472 + 6482);
    ck_assert_uint_eq(s.total.steal, 19171);
    ck_assert_uint_eq(s.ncpu, 2);
    ck_assert_uint_eq(s.cpu[0].busy, 427278 + 3 + 48707 + 5 + 665);
    ck_assert_uint_eq(s.cpu[0].idle, 483313 + 1553);
    ck_assert_uint_eq(s.cpu[0].steal, 9767);
    ck_assert_uint_eq(s.cpu[1].busy, 464738 + 4 + 52742 + 6 + 787);
    ck_assert_uint_eq(s.cpu[1].idle, 438159 + 4929);
    ck_assert_uint_eq(s.cpu[1].steal, 9404);
    ck_assert_uint_eq(s.cpu[2].busy, 0);
    ck_assert_uint_eq(s.procs_running, 3);
    /* Fields of other files are not the parser's. */
    ck_assert_uint_eq(s.uptime_ms, 0);
}
END_TEST

START_TEST(test_stat_field_counts)
{
    struct agent_snapshot s;

    memset(&s, 0, sizeof(s));
    /* Linux 2.4: user nice system idle. */
    ck_assert_int_eq(parse(agent_parse_stat, "cpu  10 20 30 40\ncpu0 10 20 30 40\n", &s), 0);
    ck_assert_uint_eq(s.total.busy, 60);
    ck_assert_uint_eq(s.total.idle, 40);
    ck_assert_uint_eq(s.total.steal, 0);
    /* 2.6.0: iowait irq softirq; still no steal. */
    ck_assert_int_eq(parse(agent_parse_stat, "cpu 1 2 3 4 5 6 7\n", &s), 0);
    ck_assert_uint_eq(s.total.busy, 1 + 2 + 3 + 6 + 7);
    ck_assert_uint_eq(s.total.idle, 4 + 5);
    ck_assert_uint_eq(s.total.steal, 0);
    ck_assert_uint_eq(s.ncpu, 0);
    /* 2.6.11: steal. */
    ck_assert_int_eq(parse(agent_parse_stat, "cpu 1 2 3 4 5 6 7 8\n", &s), 0);
    ck_assert_uint_eq(s.total.steal, 8);
    /* 2.6.24 and 2.6.33: guest and guest_nice, not added (already in user and nice). */
    ck_assert_int_eq(parse(agent_parse_stat, "cpu 1 2 3 4 5 6 7 8 9 10\n", &s), 0);
    ck_assert_uint_eq(s.total.busy, 19);
    ck_assert_uint_eq(s.total.idle, 9);
    ck_assert_uint_eq(s.total.steal, 8);
    /* A future counter is checked but not used. */
    ck_assert_int_eq(parse(agent_parse_stat, "cpu 1 2 3 4 5 6 7 8 9 10 11\n", &s), 0);
    ck_assert_uint_eq(s.total.busy, 19);
}
END_TEST

START_TEST(test_stat_nul)
{
    struct agent_snapshot s;

    memset(&s, 0, sizeof(s));
    s.ncpu = 77;
    /* A NUL is an unprintable byte like any other, not the end of the text. */
    ck_assert_int_eq(parse_n(agent_parse_stat, "cpu 1 \0 3 4\n", 12, &s), PLM_EGRAMMAR);
    ck_assert_str_eq(err, "line 1: cpu nice: '?' is not a number");
    ck_assert_uint_eq(s.ncpu, 77);
    ck_assert_uint_eq(s.total.busy, 0);
}
END_TEST

START_TEST(test_stat_huge)
{
    struct agent_snapshot s;

    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(parse(agent_parse_stat,
                           "cpu 18446744073709551615 0 0 0 0 0 0 "
                           "18446744073709551615\n",
                           &s),
                     0);
    ck_assert_uint_eq(s.total.busy, UINT64_MAX);
    ck_assert_uint_eq(s.total.steal, UINT64_MAX);
    ck_assert_int_eq(parse(agent_parse_stat, "cpu 1 2 3 4\nprocs_running 4294967295\n", &s), 0);
    ck_assert_uint_eq(s.procs_running, 4294967295u);
}
END_TEST

START_TEST(test_stat_tolerant)
{
    struct agent_snapshot s;

    memset(&s, 0, sizeof(s));
    /* Unknown keys, even malformed, blank lines and "cpu"-prefixed words that are not CPUs. */
    ck_assert_int_eq(parse(agent_parse_stat,
                           "\n"
                           "cpufreq x y\n"
                           "cpu_total z\n"
                           "cpu1x 1 2 3 4\n"
                           "cpu 1 2 3 4\n"
                           "   \n"
                           "intr x y\n"
                           "procs_blocked -\n",
                           &s),
                     0);
    ck_assert_uint_eq(s.ncpu, 0);
    ck_assert_uint_eq(s.total.busy, 6);
    ck_assert_uint_eq(s.procs_running, 0);

    /* A CPU past the array is counted but not kept; fields are separated by any blanks. */
    ck_assert_int_eq(parse(agent_parse_stat,
                           "cpu\t5 0 0 0\ncpu0 2 0 0 0\ncpu600 3 0 0 0\n"
                           "cpu511  \t4 0 0 0\n",
                           &s),
                     0);
    ck_assert_uint_eq(s.ncpu, 3);
    ck_assert_uint_eq(s.total.busy, 5);
    ck_assert_uint_eq(s.cpu[0].busy, 2);
    ck_assert_uint_eq(s.cpu[511].busy, 4);
}
END_TEST

START_TEST(test_stat_truncated)
{
    struct agent_snapshot s;
    const char *text = "cpu 1 2 3 4\nprocs_running 5";

    memset(&s, 0, sizeof(s));
    /* No final newline: the last line still counts. */
    ck_assert_int_eq(parse(agent_parse_stat, text, &s), 0);
    ck_assert_uint_eq(s.procs_running, 5);
    /* Only len bytes are read: "procs_running 5" cut to "procs_runn" is an unknown key. */
    ck_assert_int_eq(parse_n(agent_parse_stat, text, 22, &s), 0);
    ck_assert_uint_eq(s.procs_running, 0);
    /* Cut inside the cpu line: "cpu 1 2 3". */
    ck_assert_int_eq(parse_n(agent_parse_stat, text, 9, &s), PLM_EGRAMMAR);
    ck_assert_str_eq(err, "line 1: cpu: 3 counters, want at least 4");
    /* Cut inside a number: "cpu 1 2 3 45" read as "cpu 1 2 3 4". */
    ck_assert_int_eq(parse_n(agent_parse_stat, "cpu 1 2 3 45", 11, &s), 0);
    ck_assert_uint_eq(s.total.idle, 4);
    ck_assert_int_eq(parse_n(agent_parse_stat, "", 0, &s), PLM_EGRAMMAR);
    /* A NULL buffer is an empty one. */
    ck_assert_int_eq(agent_parse_stat(NULL, 0, &s, err, sizeof(err)), PLM_EGRAMMAR);
    /* The reason is cut to the room given, and none at all is fine. */
    ck_assert_int_eq(agent_parse_stat("cpu", 3, &s, err, 12), PLM_EGRAMMAR);
    ck_assert_str_eq(err, "line 1: cpu");
    ck_assert_int_eq(agent_parse_stat("cpu", 3, &s, NULL, 0), PLM_EGRAMMAR);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* /proc/uptime, /proc/loadavg                                              */

START_TEST(test_uptime)
{
    struct agent_snapshot s;

    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(parse(agent_parse_uptime, "9703.58 9214.72\n", &s), 0);
    ck_assert_uint_eq(s.uptime_ms, 9703580);
    ck_assert_int_eq(parse(agent_parse_uptime, "12.5", &s), 0);
    ck_assert_uint_eq(s.uptime_ms, 12500);
    /* The idle sum is not needed and may be anything. */
    ck_assert_int_eq(parse(agent_parse_uptime, "0.01 99999999999999999999.99\nmore\n", &s), 0);
    ck_assert_uint_eq(s.uptime_ms, 10);
    ck_assert_int_eq(parse(agent_parse_uptime, "999999999.999 0\n", &s), 0);
    ck_assert_uint_eq(s.uptime_ms, 999999999999u);
}
END_TEST

START_TEST(test_loadavg)
{
    struct agent_snapshot s;

    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(parse(agent_parse_loadavg, "1.37 0.78 0.76 3/103 7534\n", &s), 0);
    ck_assert_int_eq(s.load1, 1370);
    ck_assert_int_eq(parse(agent_parse_loadavg, "12.05 0.00 0.00", &s), 0);
    ck_assert_int_eq(s.load1, 12050);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* /proc/meminfo, /proc/vmstat                                              */

static const char meminfo_61[] = "MemTotal:       24684096 kB\n"
                                 "MemFree:        22741908 kB\n"
                                 "MemAvailable:   23204300 kB\n"
                                 "Buffers:            6552 kB\n"
                                 "Cached:           632104 kB\n"
                                 "SwapCached:            0 kB\n"
                                 "Active(anon):       1564 kB\n"
                                 "SwapTotal:        999424 kB\n"
                                 "SwapFree:         999000 kB\n"
                                 "CommitLimit:    12342048 kB\n"
                                 "Committed_AS:    3461952 kB\n"
                                 "VmallocTotal:   34359738367 kB\n"
                                 "HugePages_Total:       0\n"
                                 "Hugepagesize:       2048 kB\n";

START_TEST(test_meminfo_good)
{
    struct agent_snapshot s;

    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(parse(agent_parse_meminfo, meminfo_61, &s), 0);
    ck_assert_uint_eq(s.mem_total_kib, 24684096);
    ck_assert_uint_eq(s.mem_free_kib, 22741908);
    ck_assert_uint_eq(s.mem_available_kib, 23204300);
    ck_assert(s.have_mem_available);
    ck_assert_uint_eq(s.committed_as_kib, 3461952);
    ck_assert_uint_eq(s.swap_total_kib, 999424);
    ck_assert_uint_eq(s.swap_free_kib, 999000);

    /* Before 3.14: MemFree + Cached + Buffers = 1000 + 300 + 20, flagged as an estimate. */
    s.swap_total_kib = 5;
    ck_assert_int_eq(parse(agent_parse_meminfo,
                           "MemTotal: 4000 kB\nMemFree: 1000 kB\n"
                           "Buffers: 20 kB\nCached: 300 kB",
                           &s),
                     0);
    ck_assert_uint_eq(s.mem_available_kib, 1320);
    ck_assert(!s.have_mem_available);
    /* Keys the file lacks read as zero. */
    ck_assert_uint_eq(s.swap_total_kib, 0);
    ck_assert_uint_eq(s.committed_as_kib, 0);

    /* The estimate never exceeds MemTotal, even when the sum overflows. */
    ck_assert_int_eq(parse(agent_parse_meminfo,
                           "MemTotal: 4000 kB\nMemFree: 3000 kB\n"
                           "Cached: 2000 kB\n",
                           &s),
                     0);
    ck_assert_uint_eq(s.mem_available_kib, 4000);
    ck_assert_int_eq(parse(agent_parse_meminfo,
                           "MemTotal: 4000 kB\n"
                           "MemFree: 18446744073709551615 kB\n"
                           "Cached: 2 kB\n",
                           &s),
                     0);
    ck_assert_uint_eq(s.mem_available_kib, 4000);
    ck_assert_uint_eq(s.mem_free_kib, UINT64_MAX);
}
END_TEST

START_TEST(test_meminfo_tolerant)
{
    struct agent_snapshot s;

    memset(&s, 0, sizeof(s));
    /* Unknown keys are not checked, nor are lines without the "Key:" shape. */
    ck_assert_int_eq(parse(agent_parse_meminfo,
                           "Foo: bar\n:\nMemTotal 9 MB\nMemTotal: 7 kB\n"
                           "MemFree: 6 kB\nMemAvailableX: z\n",
                           &s),
                     0);
    ck_assert_uint_eq(s.mem_total_kib, 7);
    ck_assert(!s.have_mem_available);
}
END_TEST

START_TEST(test_vmstat)
{
    struct agent_snapshot s;

    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(parse(agent_parse_vmstat,
                           "nr_free_pages 1438104\npgpgin 5659133\n"
                           "pswpin 17\npswpout 0\npgfault 153971519\n"
                           "pgmajfault 12896\noom_kill 0\n",
                           &s),
                     0);
    ck_assert(s.have_vmstat);
    ck_assert_uint_eq(s.pswpin, 17);
    ck_assert_uint_eq(s.pgmajfault, 12896);
    /* No swap configured: no pswpin line; no final newline. */
    ck_assert_int_eq(parse(agent_parse_vmstat, "pgmajfault 18446744073709551615", &s), 0);
    ck_assert_uint_eq(s.pswpin, 0);
    ck_assert_uint_eq(s.pgmajfault, UINT64_MAX);

    /* An empty vmstat is a vmstat without the keys. */
    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(parse(agent_parse_vmstat, "", &s), 0);
    ck_assert(s.have_vmstat);
}
END_TEST

/*
 * Every parser on text it must refuse: the code and the one-line reason
 * expected.  A refusal leaves the snapshot as it was.
 */
static const struct {
    snap_parser fn;
    const char *text;
    int rc;
    const char *why;
} parse_fails[] = {
    /* /proc/stat: too few counters, and a counter past the known ones is checked too. */
    {agent_parse_stat, "cpu 1 2 3 4 5 6 7 8 9 10 x\n", PLM_EGRAMMAR,
     "line 1: cpu field 11: 'x' is not a number"},
    {agent_parse_stat, "cpu 1 2 3\n", PLM_EGRAMMAR, "line 1: cpu: 3 counters, want at least 4"},
    {agent_parse_stat, "cpu 1 2 3 4\ncpu0\n", PLM_EGRAMMAR,
     "line 2: cpu0: 0 counters, want at least 4"},
    /* Counters that are not plain decimals. */
    {agent_parse_stat, "cpu  1 2 x 4\n", PLM_EGRAMMAR, "line 1: cpu system: 'x' is not a number"},
    {agent_parse_stat, "cpu 1 2 3 4\ncpu0 1 -2 3 4\n", PLM_EGRAMMAR,
     "line 2: cpu0 nice: '-2' is not a number"},
    {agent_parse_stat, "cpu 1 2 3 4\ncpu0 1 2 3 4.5\n", PLM_EGRAMMAR,
     "line 2: cpu0 idle: '4.5' is not a number"},
    {agent_parse_stat, "cpu 1 2 3 4\ncpu0 1 2 3 +4\n", PLM_EGRAMMAR,
     "line 2: cpu0 idle: '+4' is not a number"},
    /* Unprintable bytes are not copied into the reason. */
    {agent_parse_stat, "cpu 1 \x01\x7f 3 4\n", PLM_EGRAMMAR,
     "line 1: cpu nice: '?"
     "?' is not a number"},
    /* The "cpu" line is required, and no line may come twice. */
    {agent_parse_stat, "cpu0 1 2 3 4\nintr 5\n", PLM_EGRAMMAR, "no 'cpu' line"},
    {agent_parse_stat, "", PLM_EGRAMMAR, "no 'cpu' line"},
    {agent_parse_stat, "cpu 1 2 3 4\ncpu 1 2 3 4\n", PLM_EGRAMMAR,
     "line 2: cpu: duplicate line (first on line 1)"},
    {agent_parse_stat, "cpu 1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2 3 4\ncpu0 1 2 3 4\n", PLM_EGRAMMAR,
     "line 4: cpu0: duplicate line (first on line 2)"},
    /* procs_running: one number. */
    {agent_parse_stat, "cpu 1 2 3 4\nprocs_running x\n", PLM_EGRAMMAR,
     "line 2: procs_running: 'x' is not a number"},
    {agent_parse_stat, "cpu 1 2 3 4\nprocs_running\n", PLM_EGRAMMAR,
     "line 2: procs_running: missing value"},
    {agent_parse_stat, "cpu 1 2 3 4\nprocs_running 3 4\n", PLM_EGRAMMAR,
     "line 2: procs_running: extra field '4'"},
    {agent_parse_stat, "procs_running 3\ncpu 1 2 3 4\nprocs_running 3\n", PLM_EGRAMMAR,
     "line 3: procs_running: duplicate line (first on line 1)"},
    /* Counters past 64 bits; long text is cut at 32 bytes in the reason. */
    {agent_parse_stat, "cpu 18446744073709551616 0 0 0\n", PLM_ERANGE,
     "line 1: cpu user: '18446744073709551616' is out of range"},
    {agent_parse_stat, "cpu 0 1234567890123456789012345678901234567890 0 0\n", PLM_ERANGE,
     "line 1: cpu nice: '12345678901234567890123456789012...' is out "
     "of range"},
    /* Grammar is judged before range. */
    {agent_parse_stat, "cpu 0 99999999999999999999x 0 0\n", PLM_EGRAMMAR,
     "line 1: cpu nice: '99999999999999999999x' is not a number"},
    /* Each counter fits, their sum does not. */
    {agent_parse_stat, "cpu 18446744073709551615 1 0 0\n", PLM_ERANGE,
     "line 1: cpu: counters overflow when added"},
    {agent_parse_stat, "cpu 0 0 0 18446744073709551615 1\n", PLM_ERANGE,
     "line 1: cpu: counters overflow when added"},
    /* A CPU number or procs_running out of range. */
    {agent_parse_stat, "cpu 1 2 3 4\ncpu99999999999999999999 1 2 3 4\n", PLM_ERANGE,
     "line 2: 'cpu99999999999999999999': CPU number out of range"},
    {agent_parse_stat, "cpu 1 2 3 4\nprocs_running 4294967296\n", PLM_ERANGE,
     "line 2: procs_running: '4294967296' is out of range"},
    /* /proc/uptime */
    {agent_parse_uptime, "", PLM_EGRAMMAR, "line 1: uptime: missing value"},
    {agent_parse_uptime, "\n1.00 2.00\n", PLM_EGRAMMAR, "line 1: uptime: missing value"},
    {agent_parse_uptime, "abc 1.00\n", PLM_EGRAMMAR, "line 1: uptime: 'abc' is not a number"},
    {agent_parse_uptime, "1. 1.00\n", PLM_EGRAMMAR, "line 1: uptime: '1.' is not a number"},
    {agent_parse_uptime, "-1.00 1.00\n", PLM_EGRAMMAR, "line 1: uptime: '-1.00' is not a number"},
    {agent_parse_uptime, "1.2345 1.00\n", PLM_EGRAMMAR,
     "line 1: uptime: '1.2345' has more than three decimals"},
    {agent_parse_uptime, "10000000000.00 1.00\n", PLM_ERANGE,
     "line 1: uptime: '10000000000.00' is out of range"},
    /* /proc/loadavg */
    {agent_parse_loadavg, "1.37 0.78\n", PLM_EGRAMMAR, "line 1: load15: missing value"},
    {agent_parse_loadavg, "", PLM_EGRAMMAR, "line 1: load1: missing value"},
    {agent_parse_loadavg, "1.37 x 0.76 3/103 7534\n", PLM_EGRAMMAR,
     "line 1: load5: 'x' is not a number"},
    {agent_parse_loadavg, "1,37 0.78 0.76 3/103 7534\n", PLM_EGRAMMAR,
     "line 1: load1: '1,37' is not a number"},
    {agent_parse_loadavg, "1.00001 0.78 0.76\n", PLM_EGRAMMAR,
     "line 1: load1: '1.00001' has more than three decimals"},
    {agent_parse_loadavg, "0.00 0.00 18446744073709551616.00\n", PLM_ERANGE,
     "line 1: load15: '18446744073709551616.00' is out of range"},
    /* /proc/meminfo */
    {agent_parse_meminfo, "MemTotal:  12x kB\nMemFree: 1 kB\n", PLM_EGRAMMAR,
     "line 1: MemTotal: '12x' is not a number"},
    {agent_parse_meminfo, "MemTotal: 12 kB\nMemFree: 5 MB\n", PLM_EGRAMMAR,
     "line 2: MemFree: unit 'MB', want 'kB'"},
    {agent_parse_meminfo, "MemTotal: 12 kB\nMemFree: 5\n", PLM_EGRAMMAR,
     "line 2: MemFree: missing unit 'kB'"},
    {agent_parse_meminfo, "MemTotal: 12 kB\nMemFree:\n", PLM_EGRAMMAR,
     "line 2: MemFree: missing value"},
    {agent_parse_meminfo, "MemTotal: 12 kB\nMemFree: 5 kB x\n", PLM_EGRAMMAR,
     "line 2: MemFree: extra field 'x'"},
    {agent_parse_meminfo, "MemTotal: 12 kB\nMemFree: 5 kB\nMemTotal: 12 kB\n", PLM_EGRAMMAR,
     "line 3: MemTotal: duplicate line (first on line 1)"},
    {agent_parse_meminfo, "MemFree: 5 kB\n", PLM_EGRAMMAR, "no MemTotal line"},
    {agent_parse_meminfo, "MemTotal: 5 kB\n", PLM_EGRAMMAR, "no MemFree line"},
    {agent_parse_meminfo, "", PLM_EGRAMMAR, "no MemTotal line"},
    {agent_parse_meminfo, "MemTotal: 18446744073709551616 kB\nMemFree: 1 kB\n", PLM_ERANGE,
     "line 1: MemTotal: '18446744073709551616' is out of range"},
    {agent_parse_meminfo, "MemTotal: 1 kB\nMemFree: 1 kB\nSwapFree: -1 kB\n", PLM_EGRAMMAR,
     "line 3: SwapFree: '-1' is not a number"},
    /* /proc/vmstat */
    {agent_parse_vmstat, "pswpin 1\npgmajfault 0x10\n", PLM_EGRAMMAR,
     "line 2: pgmajfault: '0x10' is not a number"},
    {agent_parse_vmstat, "pswpin\n", PLM_EGRAMMAR, "line 1: pswpin: missing value"},
    {agent_parse_vmstat, "pswpin 1 2\n", PLM_EGRAMMAR, "line 1: pswpin: extra field '2'"},
    {agent_parse_vmstat, "pswpin 1\npgfault 2\npswpin 1\n", PLM_EGRAMMAR,
     "line 3: pswpin: duplicate line (first on line 1)"},
    {agent_parse_vmstat, "pswpin 18446744073709551616\n", PLM_ERANGE,
     "line 1: pswpin: '18446744073709551616' is out of range"},
};

/* Run once per row of parse_fails (_i). */
START_TEST(test_parse_fails)
{
    static struct agent_snapshot s, before;

    memset(&s, 0x5a, sizeof(s));
    memcpy(&before, &s, sizeof(s));
    ck_assert_int_eq(parse(parse_fails[_i].fn, parse_fails[_i].text, &s), parse_fails[_i].rc);
    ck_assert_str_eq(err, parse_fails[_i].why);
    ck_assert(memcmp(&s, &before, sizeof(s)) == 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* /proc/pressure                                                           */

START_TEST(test_psi_good)
{
    plm_amt_t some = -1, full = -1;

    ck_assert_int_eq(psi("some avg10=10.29 avg60=6.79 avg300=2.32 total=2402366982\n"
                         "full avg10=0.08 avg60=0.14 avg300=0.15 total=42349717\n",
                         &some, &full),
                     0);
    ck_assert_int_eq(some, 10290);
    ck_assert_int_eq(full, 80);
    /* cpu before 5.13: no full line, which reads as zero; no final newline. */
    ck_assert_int_eq(psi("some avg10=100.00 avg60=0.00 avg300=0.00 total=0", &some, &full), 0);
    ck_assert_int_eq(some, 100000);
    ck_assert_int_eq(full, 0);
    /* Keys in any order, unknown keys and lines skipped, NULL outputs allowed. */
    ck_assert_int_eq(psi("\nwhat ever\nsome total=5 avg300=0.00 avg10=1.25 new=x\n", &some, NULL),
                     0);
    ck_assert_int_eq(some, 1250);
    ck_assert_int_eq(psi("some avg10=0.00\n", NULL, NULL), 0);
}
END_TEST

/* Pressure files psi must refuse, and why. */
static const struct {
    const char *text;
    int rc;
    const char *why;
} psi_fails[] = {
    {"some avg10=x avg60=0.00 avg300=0.00 total=0\n", PLM_EGRAMMAR,
     "line 1: some avg10: 'x' is not a number"},
    {"some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
     "full avg10=0.00 avg60=0.00 avg300=0.00 total=abc\n",
     PLM_EGRAMMAR, "line 2: full total: 'abc' is not a number"},
    {"some avg10 avg60=0.00\n", PLM_EGRAMMAR, "line 1: some: 'avg10' is not key=value"},
    {"some avg10=\n", PLM_EGRAMMAR, "line 1: some avg10: '' is not a number"},
    {"some avg60=1.00 total=5\n", PLM_EGRAMMAR, "line 1: some: no avg10"},
    {"some avg10=1.00 avg10=2.00\n", PLM_EGRAMMAR, "line 1: some: avg10 given twice"},
    {"some avg10=1.2345\n", PLM_EGRAMMAR,
     "line 1: some avg10: '1.2345' has more than three decimals"},
    {"full avg10=0.00\n", PLM_EGRAMMAR, "no 'some' line"},
    {"", PLM_EGRAMMAR, "no 'some' line"},
    {"some avg10=0.00\nsome avg10=0.00\n", PLM_EGRAMMAR,
     "line 2: some: duplicate line (first on line 1)"},
    {"some avg10=1000000000.001\n", PLM_ERANGE,
     "line 1: some avg10: '1000000000.001' is out of range"},
    {"some avg10=0 total=18446744073709551616\n", PLM_ERANGE,
     "line 1: some total: '18446744073709551616' is out of range"},
};

/* Run once per row of psi_fails (_i): a refusal leaves the outputs alone. */
START_TEST(test_psi_malformed)
{
    plm_amt_t some = 7, full = 8;

    ck_assert_int_eq(psi(psi_fails[_i].text, &some, &full), psi_fails[_i].rc);
    ck_assert_str_eq(err, psi_fails[_i].why);
    ck_assert_int_eq(some, 7);
    ck_assert_int_eq(full, 8);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* CPU lists                                                                */

/* CPU lists and how many CPUs they name. */
static const struct {
    const char *text;
    unsigned count;
} cpulist_goods[] = {
    {"0-3,6,8-9\n", 7},
    {"0\n", 1},
    {"0-1", 2},
    {"5-5,7\n\n", 2},
    {"0-65535\n", 65536},
    {"\n", 0}, /* "offline" on a machine with none */
    {"", 0},
};

/* Run once per row of cpulist_goods (_i). */
START_TEST(test_cpulist_good)
{
    unsigned n = 99;

    ck_assert_int_eq(cpulist(cpulist_goods[_i].text, &n), 0);
    ck_assert_uint_eq(n, cpulist_goods[_i].count);
}
END_TEST

/* CPU lists that are refused, and why. */
static const struct {
    const char *text;
    int rc;
    const char *why;
} cpulist_fails[] = {
    {"3-1\n", PLM_EGRAMMAR, "line 1: cpu list: range '3-1' runs backwards"},
    {"0-3,2\n", PLM_EGRAMMAR, "line 1: cpu list: '2' is not above the CPUs before it"},
    {"4,1-2\n", PLM_EGRAMMAR, "line 1: cpu list: '1-2' is not above the CPUs before it"},
    {"1,1\n", PLM_EGRAMMAR, "line 1: cpu list: '1' is not above the CPUs before it"},
    {"0,,1\n", PLM_EGRAMMAR, "line 1: cpu list: empty item"},
    {"0,\n", PLM_EGRAMMAR, "line 1: cpu list: empty item"},
    {",0\n", PLM_EGRAMMAR, "line 1: cpu list: empty item"},
    {"a\n", PLM_EGRAMMAR, "line 1: cpu list: 'a' is not a CPU number"},
    {"0-\n", PLM_EGRAMMAR, "line 1: cpu list: '' is not a CPU number"},
    {"1-2-3\n", PLM_EGRAMMAR, "line 1: cpu list: '2-3' is not a CPU number"},
    {"0 - 1\n", PLM_EGRAMMAR, "line 1: cpu list: '0 ' is not a CPU number"},
    {"0-65536\n", PLM_ERANGE, "line 1: cpu list: CPU '65536' is out of range (max 65535)"},
    {"99999999999999999999\n", PLM_ERANGE,
     "line 1: cpu list: CPU '99999999999999999999' is out of range (max "
     "65535)"},
    {"0-1\n2\n", PLM_EGRAMMAR, "line 2: text after the cpu list"},
};

/* Run once per row of cpulist_fails (_i): a refusal leaves the count alone. */
START_TEST(test_cpulist_malformed)
{
    unsigned n = 99;

    ck_assert_int_eq(cpulist(cpulist_fails[_i].text, &n), cpulist_fails[_i].rc);
    ck_assert_str_eq(err, cpulist_fails[_i].why);
    ck_assert_uint_eq(n, 99);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* agent_snapshot_read                                                      */

static const char *fixture(const char *name, char *buf, size_t size)
{
    const char *top = getenv("top_srcdir");
    snprintf(buf, size, "%s/tests/fixtures/agent/%s", top && *top ? top : ".", name);
    return buf;
}

static void read_fixture(const char *name, struct agent_snapshot *s)
{
    char root[1024];

    fixture(name, root, sizeof(root));
    err[0] = '\0';
    ck_assert_msg(agent_snapshot_read(root, s, err, sizeof(err)) == 0, "%s: %s", name, err);
}

/* s holds, field by field, what want holds (every CPU entry included). */
static void ck_snapshot(const struct agent_snapshot *s, const struct agent_snapshot *want)
{
    ck_assert_uint_eq(s->uptime_ms, want->uptime_ms);
    ck_assert_uint_eq(s->ncpu, want->ncpu);
    for (size_t i = 0; i <= AGENT_MAX_CPUS; i++) {
        const struct agent_cpu_ticks *t = i ? &s->cpu[i - 1] : &s->total;
        const struct agent_cpu_ticks *w = i ? &want->cpu[i - 1] : &want->total;
        ck_assert_msg(t->busy == w->busy && t->idle == w->idle && t->steal == w->steal,
                      "%s%zu: %llu/%llu/%llu, want %llu/%llu/%llu", i ? "cpu" : "total, ",
                      i ? i - 1 : 0, (unsigned long long)t->busy, (unsigned long long)t->idle,
                      (unsigned long long)t->steal, (unsigned long long)w->busy,
                      (unsigned long long)w->idle, (unsigned long long)w->steal);
    }
    ck_assert_uint_eq(s->procs_running, want->procs_running);
    ck_assert_uint_eq(s->cpus_online, want->cpus_online);
    ck_assert_uint_eq(s->cpus_possible, want->cpus_possible);
    ck_assert_int_eq(s->load1, want->load1);
    ck_assert_int_eq(s->have_psi_cpu, want->have_psi_cpu);
    ck_assert_int_eq(s->cpu_some_avg10, want->cpu_some_avg10);
    ck_assert_int_eq(s->have_psi_mem, want->have_psi_mem);
    ck_assert_int_eq(s->mem_some_avg10, want->mem_some_avg10);
    ck_assert_int_eq(s->mem_full_avg10, want->mem_full_avg10);
    ck_assert_uint_eq(s->mem_total_kib, want->mem_total_kib);
    ck_assert_uint_eq(s->mem_free_kib, want->mem_free_kib);
    ck_assert_uint_eq(s->mem_available_kib, want->mem_available_kib);
    ck_assert_int_eq(s->have_mem_available, want->have_mem_available);
    ck_assert_uint_eq(s->committed_as_kib, want->committed_as_kib);
    ck_assert_uint_eq(s->swap_total_kib, want->swap_total_kib);
    ck_assert_uint_eq(s->swap_free_kib, want->swap_free_kib);
    ck_assert_int_eq(s->have_vmstat, want->have_vmstat);
    ck_assert_uint_eq(s->pswpin, want->pswpin);
    ck_assert_uint_eq(s->pgmajfault, want->pgmajfault);
}

/*
 * What each recorded tree reads as.  The tick sums are, from each line of
 * the fixture's proc/stat, user+nice+system+irq+softirq (guest time is in
 * user, not added again), idle+iowait, and steal.
 */
static const struct {
    const char *fixture;
    struct agent_snapshot want;
} read_cases[] = {
    {"idle/0",
     {
         .uptime_ms = 5000000,
         /* cpu  40000 20 17500 962000 1200 0 550 1750 0 0 */
         .total = {40000 + 20 + 17500 + 550, 962000 + 1200, 1750},
         .ncpu = 2,
         .cpu = {{21000 + 12 + 9000 + 300, 480000 + 700, 900},
                 {19000 + 8 + 8500 + 250, 482000 + 500, 850}},
         .procs_running = 1,
         .cpus_online = 2,
         .cpus_possible = 4,
         .load1 = 100,
         .have_psi_cpu = true,
         .cpu_some_avg10 = 120,
         .have_psi_mem = true,
         .mem_total_kib = 4030464,
         .mem_free_kib = 3100000,
         .mem_available_kib = 3501000,
         .have_mem_available = true,
         .committed_as_kib = 812345,
         .swap_total_kib = 1048572,
         .swap_free_kib = 1048572,
         .have_vmstat = true,
         .pgmajfault = 1200,
     }},
    {"idle/1",
     {
         .uptime_ms = 5010000,
         /* cpu  40040 20 17515 963925 1205 0 555 1760 0 0 */
         .total = {40040 + 20 + 17515 + 555, 963925 + 1205, 1760},
         .ncpu = 2,
         .cpu = {{21022 + 12 + 9008 + 303, 480959 + 703, 905},
                 {19018 + 8 + 8507 + 252, 482966 + 502, 855}},
         .procs_running = 1,
         .cpus_online = 2,
         .cpus_possible = 4,
         .load1 = 80,
         .have_psi_cpu = true,
         .cpu_some_avg10 = 120,
         .have_psi_mem = true,
         .mem_total_kib = 4030464,
         .mem_free_kib = 3100000,
         .mem_available_kib = 3500032,
         .have_mem_available = true,
         .committed_as_kib = 812345,
         .swap_total_kib = 1048572,
         .swap_free_kib = 1048572,
         .have_vmstat = true,
         .pgmajfault = 1230,
     }},
    {"busy/1",
     {
         .uptime_ms = 86405530,
         /* cpu  17800895 50 790032 410009 4102 0 159008 610060 2980050 0 */
         .total = {17800895 + 50 + 790032 + 159008, 410009 + 4102, 610060},
         .ncpu = 2,
         .cpu = {{9000455 + 30 + 400018 + 80004, 200004 + 2001, 300021},
                 {8800440 + 20 + 390014 + 79004, 210005 + 2101, 310039}},
         .procs_running = 4,
         .cpus_online = 2,
         .cpus_possible = 2,
         .load1 = 3470,
         .have_psi_cpu = true,
         .cpu_some_avg10 = 45200,
         .have_psi_mem = true,
         .mem_total_kib = 8155136,
         .mem_free_kib = 5200000,
         .mem_available_kib = 6000000,
         .have_mem_available = true,
         .committed_as_kib = 3100000,
         .have_vmstat = true,
         .pgmajfault = 505,
     }},
    {"memstarved/1",
     {
         .uptime_ms = 12010000,
         /* cpu  290230 0 185150 1390690 410900 0 18120 6110 0 0 */
         .total = {290230 + 185150 + 18120, 1390690 + 410900, 6110},
         .ncpu = 2,
         .cpu = {{150120 + 90070 + 9010, 700345 + 200450, 3005},
                 {140110 + 95080 + 9110, 690345 + 210450, 3105}},
         .procs_running = 1,
         .cpus_online = 2,
         .cpus_possible = 4,
         .load1 = 5100,
         .have_psi_cpu = true,
         .cpu_some_avg10 = 3050,
         .have_psi_mem = true,
         .mem_some_avg10 = 38500,
         .mem_full_avg10 = 21750,
         .mem_total_kib = 1015808,
         .mem_free_kib = 21000,
         .mem_available_kib = 41000,
         .have_mem_available = true,
         .committed_as_kib = 1400000,
         .swap_total_kib = 1048572,
         .swap_free_kib = 600000,
         .have_vmstat = true,
         .pswpin = 56000,
         .pgmajfault = 84500,
     }},
    {"nopsi/0",
     {
         .uptime_ms = 3600000,
         /* cpu  580000 190 230000 10100000 59000 3900 17800 8100: eight counters */
         .total = {580000 + 190 + 230000 + 3900 + 17800, 10100000 + 59000, 8100},
         .ncpu = 2,
         .cpu = {{300000 + 100 + 120000 + 2000 + 9000, 5000000 + 30000, 4000},
                 {280000 + 90 + 110000 + 1900 + 8800, 5100000 + 29000, 4100}},
         .procs_running = 1,
         /* 2.6.18 has no sysfs lists, no PSI, no MemAvailable. */
         .load1 = 850,
         .mem_total_kib = 2097152,
         .mem_free_kib = 300000,
         /* MemFree + Cached + Buffers = 300000 + 700000 + 50000 */
         .mem_available_kib = 1050000,
         .have_mem_available = false,
         .committed_as_kib = 900000,
         .swap_total_kib = 2097144,
         .swap_free_kib = 2097144,
         .have_vmstat = true,
         .pswpin = 10,
         .pgmajfault = 300,
     }},
    {"nopsi/1",
     {
         .uptime_ms = 3610000,
         /* cpu  580550 190 230190 10101170 59040 3910 17830 8110 */
         .total = {580550 + 190 + 230190 + 3910 + 17830, 10101170 + 59040, 8110},
         .ncpu = 2,
         .cpu = {{300300 + 100 + 120100 + 2005 + 9015, 5000560 + 30020, 4000},
                 {280250 + 90 + 110090 + 1905 + 8815, 5100610 + 29020, 4110}},
         .procs_running = 2,
         .load1 = 900,
         .mem_total_kib = 2097152,
         .mem_free_kib = 300000,
         .mem_available_kib = 1050000,
         .committed_as_kib = 900000,
         .swap_total_kib = 2097144,
         .swap_free_kib = 2097144,
         .have_vmstat = true,
         .pswpin = 10,
         .pgmajfault = 320,
     }},
    {"minimal/0",
     {
         /* Only stat, uptime and meminfo: every optional part reads as absent. */
         .uptime_ms = 1000000,
         .total = {5000 + 2000 + 50, 90000 + 100, 0},
         .ncpu = 1,
         .cpu = {{5000 + 2000 + 50, 90000 + 100, 0}},
         .procs_running = 1,
         .mem_total_kib = 524288,
         .mem_free_kib = 100000,
         .mem_available_kib = 262144,
         .have_mem_available = true,
     }},
};

/* Run once per row of read_cases (_i).  The snapshot starts as garbage:
 * the reader must set every field, absent parts included. */
START_TEST(test_read_fixtures)
{
    static struct agent_snapshot s;
    char slashed[256];

    memset(&s, 0xa5, sizeof(s));
    read_fixture(read_cases[_i].fixture, &s);
    ck_snapshot(&s, &read_cases[_i].want);
    /* A trailing slash on the root changes nothing. */
    snprintf(slashed, sizeof(slashed), "%s/", read_cases[_i].fixture);
    memset(&s, 0x5a, sizeof(s));
    read_fixture(slashed, &s);
    ck_snapshot(&s, &read_cases[_i].want);
}
END_TEST

/* A scratch tree for the failures, under $TMPDIR. */
static char tree[512];

static void tree_make(void)
{
    const char *tmp = getenv("TMPDIR");
    char path[700];

    snprintf(tree, sizeof(tree), "%s/check_agent_monitor.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tree));
    snprintf(path, sizeof(path), "%s/proc", tree);
    ck_assert_int_eq(mkdir(path, 0700), 0);
}

static void tree_mkdir(const char *rel)
{
    char path[700];

    snprintf(path, sizeof(path), "%s/%s", tree, rel);
    ck_assert_int_eq(mkdir(path, 0700), 0);
}

static void tree_put(const char *rel, const char *text, size_t len)
{
    char path[700];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tree, rel);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static void tree_puts(const char *rel, const char *text)
{
    tree_put(rel, text, strlen(text));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void tree_remove(void)
{
    ck_assert_int_eq(nftw(tree, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* The three required files, good. */
static void tree_basics(void)
{
    tree_puts("proc/stat", "cpu 1 2 3 4\ncpu0 1 2 3 4\n");
    tree_puts("proc/uptime", "10.00 5.00\n");
    tree_puts("proc/meminfo", "MemTotal: 100 kB\nMemFree: 50 kB\n");
}

static int tree_read(struct agent_snapshot *s)
{
    err[0] = '\0';
    return agent_snapshot_read(tree, s, err, sizeof(err));
}

/* The reason expected for a file of the scratch tree. */
static void ck_tree_err(const char *rel, const char *why)
{
    char want[1200];

    snprintf(want, sizeof(want), "%s/%s: %s", tree, rel, why);
    ck_assert_str_eq(err, want);
}

/*
 * The scratch tree, built up one file at a time: each step writes a file
 * (text NULL: writes nothing) and reads the tree, which fails with rc and
 * a reason naming the file (fails, or the file just written), or succeeds.
 * A file once right stays right: each failure is the step's own.
 */
static const struct {
    const char *rel;
    const char *text;
    int rc;
    const char *fails;
    const char *why;
} read_steps[] = {
    /* Each required file missing in turn. */
    {NULL, NULL, PLM_ENOENT, "proc/stat", "No such file or directory"},
    {"proc/stat", "cpu 1 2 3 4\n", PLM_ENOENT, "proc/uptime", "No such file or directory"},
    {"proc/uptime", "10.00 5.00\n", PLM_ENOENT, "proc/meminfo", "No such file or directory"},
    /* A parser's reason, behind the file's path. */
    {"proc/meminfo", "MemTotal: 100 kB\n", PLM_EGRAMMAR, NULL, "no MemFree line"},
    {"proc/meminfo", "MemTotal: 100 kB\nMemFree: 50 kB\n", 0, NULL, NULL},
    {"proc/stat", "cpu 1 2 3 4\ncpu0 1 2 3 x\n", PLM_EGRAMMAR, NULL,
     "line 2: cpu0 idle: 'x' is not a number"},
    {"proc/stat", "cpu 1 2 3 4\ncpu0 1 2 3 4\n", 0, NULL, NULL},
    /* An optional file that is there must be right. */
    {"proc/loadavg", "0.00 x 0.00 1/1 1\n", PLM_EGRAMMAR, NULL,
     "line 1: load5: 'x' is not a number"},
    {"proc/loadavg", "0.00 0.00 0.00 1/1 1\n", 0, NULL, NULL},
    {"proc/vmstat", "pgmajfault -\n", PLM_EGRAMMAR, NULL,
     "line 1: pgmajfault: '-' is not a number"},
    {"proc/vmstat", "pgmajfault 1\n", 0, NULL, NULL},
    {"proc/pressure/memory", "some avg10=0.00\nfull avg10=1.0.0\n", PLM_EGRAMMAR, NULL,
     "line 2: full avg10: '1.0.0' is not a number"},
    {"proc/pressure/memory", "some avg10=0.00\n", 0, NULL, NULL},
    {"proc/pressure/cpu", "some avg10=0.00 avg60=0.00\nsome avg10=0.00\n", PLM_EGRAMMAR, NULL,
     "line 2: some: duplicate line (first on line 1)"},
    {"proc/pressure/cpu", "some avg10=2.50\n", 0, NULL, NULL},
    {"sys/devices/system/cpu/online", "0-1\n", 0, NULL, NULL},
    {"sys/devices/system/cpu/possible", "0-3,2\n", PLM_EGRAMMAR, NULL,
     "line 1: cpu list: '2' is not above the CPUs before it"},
    {"sys/devices/system/cpu/possible", "0-7\n", 0, NULL, NULL},
};

START_TEST(test_read_errors)
{
    static struct agent_snapshot s;
    char root[1024], want[1200];

    memset(&s, 0, sizeof(s));
    s.ncpu = 77;

    fixture("no-such-guest/", root, sizeof(root));
    ck_assert_int_eq(agent_snapshot_read(root, &s, err, sizeof(err)), PLM_ENOENT);
    fixture("no-such-guest/proc/stat: No such file or directory", want, sizeof(want));
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(agent_snapshot_read("", &s, err, sizeof(err)), PLM_EINVAL);
    ck_assert_str_eq(err, "no root directory");
    ck_assert_int_eq(agent_snapshot_read(NULL, &s, NULL, 0), PLM_EINVAL);

    tree_make();
    tree_mkdir("proc/pressure");
    tree_mkdir("sys");
    tree_mkdir("sys/devices");
    tree_mkdir("sys/devices/system");
    tree_mkdir("sys/devices/system/cpu");
    for (size_t i = 0; i < sizeof(read_steps) / sizeof(read_steps[0]); i++) {
        const char *rel = read_steps[i].rel;

        if (read_steps[i].text)
            tree_puts(rel, read_steps[i].text);
        s.ncpu = 77;
        ck_assert_msg(tree_read(&s) == read_steps[i].rc, "step %zu: %s", i, err);
        if (read_steps[i].rc == 0)
            continue;
        ck_tree_err(read_steps[i].fails ? read_steps[i].fails : rel, read_steps[i].why);
        ck_assert_uint_eq(s.ncpu, 77); /* nothing written on failure */
    }

    /* All present and right (the last step). */
    ck_assert_uint_eq(s.ncpu, 1);
    ck_assert_uint_eq(s.cpus_online, 2);
    ck_assert_uint_eq(s.cpus_possible, 8);
    ck_assert(s.have_psi_cpu);
    ck_assert_int_eq(s.cpu_some_avg10, 2500);
    ck_assert(!s.have_mem_available);
    ck_assert_uint_eq(s.mem_available_kib, 50);
    tree_remove();
}
END_TEST

START_TEST(test_read_limits)
{
    static struct agent_snapshot s;
    static const char head[] = "MemTotal: 100 kB\nMemFree: 50 kB\n";
    char *big = malloc(AGENT_MAX_FILE + 1);
    char path[700];

    ck_assert_ptr_nonnull(big);
    tree_make();
    tree_basics();

    /* Exactly AGENT_MAX_FILE bytes is read: a long unknown line after the keys. */
    memset(big, 'x', AGENT_MAX_FILE + 1);
    memcpy(big, head, sizeof(head) - 1);
    tree_put("proc/meminfo", big, AGENT_MAX_FILE);
    ck_assert_int_eq(tree_read(&s), 0);
    ck_assert_uint_eq(s.mem_total_kib, 100);
    /* One more is refused. */
    tree_put("proc/meminfo", big, AGENT_MAX_FILE + 1);
    ck_assert_int_eq(tree_read(&s), PLM_ERANGE);
    ck_tree_err("proc/meminfo", "larger than 262144 bytes");
    tree_basics();

    /* A FIFO where a file should be is refused, without blocking on it. */
    snprintf(path, sizeof(path), "%s/proc/loadavg", tree);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(tree_read(&s), PLM_EIO);
    ck_tree_err("proc/loadavg", "not a regular file");
    ck_assert_int_eq(unlink(path), 0);
    /* So is a directory. */
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_int_eq(tree_read(&s), PLM_EIO);
    ck_tree_err("proc/loadavg", "not a regular file");
    ck_assert_int_eq(rmdir(path), 0);

    /* The reason is cut to the room given. */
    tree_puts("proc/stat", "nothing\n");
    ck_assert_int_eq(agent_snapshot_read(tree, &s, err, 5), PLM_EGRAMMAR);
    ck_assert_uint_eq(strlen(err), 4);
    ck_assert_int_eq(agent_snapshot_read(tree, &s, NULL, 0), PLM_EGRAMMAR);

    /* A root so long the paths cannot be built. */
    memset(big, 'a', 5000);
    big[0] = '/';
    big[5000] = '\0';
    ck_assert_int_eq(agent_snapshot_read(big, &s, err, sizeof(err)), PLM_EINVAL);
    ck_assert(strncmp(err, "/aaaa", 5) == 0);
    free(big);
    tree_remove();
}
END_TEST

/* ------------------------------------------------------------------------ */
/* agent_metrics_derive                                                     */

static void derive_fixtures(const char *name, struct agent_metrics *m)
{
    static struct agent_snapshot a, b;
    char path[256];

    snprintf(path, sizeof(path), "%s/0", name);
    read_fixture(path, &a);
    snprintf(path, sizeof(path), "%s/1", name);
    read_fixture(path, &b);
    memset(m, 0xa5, sizeof(*m));
    agent_metrics_derive(&a, &b, m);
}

/* m says, figure by figure, what want says (every field of struct agent_metrics). */
static void ck_metrics(const struct agent_metrics *m, const struct agent_metrics *want)
{
    ck_assert_uint_eq(m->interval_ms, want->interval_ms);
    ck_assert_uint_eq(m->vcpus_online, want->vcpus_online);
    ck_assert_uint_eq(m->vcpus_max, want->vcpus_max);
    ck_assert_int_eq(m->cpu_used, want->cpu_used);
    ck_assert_int_eq(m->cpu_steal, want->cpu_steal);
    ck_assert_int_eq(m->cpu_util, want->cpu_util);
    ck_assert_int_eq(m->runqueue, want->runqueue);
    ck_assert_int_eq(m->have_cpu_pressure, want->have_cpu_pressure);
    ck_assert_int_eq(m->cpu_pressure, want->cpu_pressure);
    ck_assert_int_eq(m->have_mem_pressure, want->have_mem_pressure);
    ck_assert_int_eq(m->mem_pressure, want->mem_pressure);
    ck_assert_int_eq(m->mem_total, want->mem_total);
    ck_assert_int_eq(m->mem_available, want->mem_available);
    ck_assert_int_eq(m->mem_used, want->mem_used);
    ck_assert_int_eq(m->swapin_rate, want->swapin_rate);
    ck_assert_int_eq(m->majfault_rate, want->majfault_rate);
}

/* What each recorded guest's two snapshots derive to, and why. */
static const struct {
    const char *fixture;
    struct agent_metrics want;
} derive_cases[] = {
    {"idle",
     {
         /* uptime 5000.00 -> 5010.00 */
         .interval_ms = 10000,
         /* online "0-1", possible "0-3" */
         .vcpus_online = 2,
         .vcpus_max = 4,
         /*
          * Over 10 s the "cpu" line moved busy 58070 -> 58130 (+60), idle
          * 963200 -> 965130 (+1930), steal 1750 -> 1760 (+10): 2000 ticks, two
          * CPUs for ten seconds at 100 ticks a second.
          * used  = 60 / (10 s * 100) CPUs = 0.06 CPU = 6 pct -> 6000
          * steal = 10 / 1000 = 0.01 CPU = 1 pct -> 1000
          * util  = 60 / 2000 = 3 % -> 3000
          */
         .cpu_used = 6000,
         .cpu_steal = 1000,
         .cpu_util = 3000,
         /* load1 0.08 over 2 vcpus = 0.04 */
         .runqueue = 40,
         .have_cpu_pressure = true,
         .cpu_pressure = 120,
         .have_mem_pressure = true,
         .mem_pressure = 0,
         /* 4030464 KiB = 3936 MiB; 3500032 KiB = 3418 MiB; used 530432 KiB = 518 MiB */
         .mem_total = 3936000,
         .mem_available = 3418000,
         .mem_used = 518000,
         .swapin_rate = 0,
         /* pgmajfault 1200 -> 1230 in 10 s: 3 a second */
         .majfault_rate = 3000,
     }},
    {"busy",
     {
         /* uptime 86400.50 -> 86405.53 */
         .interval_ms = 5030,
         .vcpus_online = 2,
         .vcpus_max = 2,
         /*
          * busy 18749050 -> 18749985 (+935; guest grew by 50 inside user and is
          * not counted twice), idle 414100 -> 414111 (+11), steal 610000 ->
          * 610060 (+60); 1006 ticks in all.
          * used  = 935 / (5.03 s * 100) CPUs = 1.85884.. CPU = 185.884.. pct -> 185884
          * steal = 60 / 503 CPU = 11.928.. pct -> 11928
          * util  = 935 / 1006 = 92.942.. % -> 92942
          */
         .cpu_used = 185884,
         .cpu_steal = 11928,
         .cpu_util = 92942,
         /* load1 3.47 / 2 = 1.735 */
         .runqueue = 1735,
         .have_cpu_pressure = true,
         .cpu_pressure = 45200,
         .have_mem_pressure = true,
         .mem_pressure = 0,
         /* 8155136 KiB = 7964 MiB; 6000000 KiB = 5859.375 MiB; used 2155136 KiB = 2104.625 MiB */
         .mem_total = 7964000,
         .mem_available = 5859375,
         .mem_used = 2104625,
         .swapin_rate = 0,
         /* pgmajfault +5 in 5.03 s = 0.994.. a second */
         .majfault_rate = 994,
     }},
    {"memstarved",
     {
         .interval_ms = 10000,
         .vcpus_online = 2,
         .vcpus_max = 4,
         /*
          * busy 493100 -> 493500 (+400), idle (mostly iowait) 1800000 -> 1801590
          * (+1590), steal 6100 -> 6110 (+10).
          * used = 400 / 1000 = 0.4 CPU -> 40000; steal 10 / 1000 -> 1000;
          * util = 400 / 2000 = 20 % -> 20000
          */
         .cpu_used = 40000,
         .cpu_steal = 1000,
         .cpu_util = 20000,
         /* load1 5.10 / 2 (tasks waiting on I/O count in the load) */
         .runqueue = 2550,
         .have_cpu_pressure = true,
         .cpu_pressure = 3050,
         .have_mem_pressure = true,
         .mem_pressure = 38500,
         /*
          * 1015808 KiB = 992 MiB; 41000 KiB = 40.0390625 MiB -> 40039;
          * used 974808 KiB = 951.9609375 MiB -> 951960 (from the KiB difference:
          * 992000 - 40039 would say 951961)
          */
         .mem_total = 992000,
         .mem_available = 40039,
         .mem_used = 951960,
         /* pswpin 50000 -> 56000 and pgmajfault 80000 -> 84500 over 10 s */
         .swapin_rate = 600000,
         .majfault_rate = 450000,
     }},
    {"nopsi",
     {
         .interval_ms = 10000,
         /* No sysfs lists: the two cpuN lines stand in for both counts. */
         .vcpus_online = 2,
         .vcpus_max = 2,
         /*
          * busy 831890 -> 832670 (+780), idle 10159000 -> 10160210 (+1210),
          * steal 8100 -> 8110 (+10): 2000 ticks.
          * used = 780 / 1000 -> 78000; steal 1000; util = 780 / 2000 = 39 % -> 39000
          */
         .cpu_used = 78000,
         .cpu_steal = 1000,
         .cpu_util = 39000,
         /* load1 0.90 / 2 */
         .runqueue = 450,
         .have_cpu_pressure = false,
         .cpu_pressure = 0,
         .have_mem_pressure = false,
         .mem_pressure = 0,
         /*
          * 2097152 KiB = 2048 MiB; the estimate 1050000 KiB = 1025.390625 MiB;
          * used 1047152 KiB = 1022.609375 MiB
          */
         .mem_total = 2048000,
         .mem_available = 1025390,
         .mem_used = 1022609,
         .swapin_rate = 0,
         /* pgmajfault 300 -> 320 in 10 s */
         .majfault_rate = 2000,
     }},
};

/* Run once per row of derive_cases (_i). */
START_TEST(test_derive_fixtures)
{
    struct agent_metrics m;

    derive_fixtures(derive_cases[_i].fixture, &m);
    ck_metrics(&m, &derive_cases[_i].want);
}
END_TEST

START_TEST(test_derive_first_sample)
{
    static struct agent_snapshot s;
    struct agent_metrics m;
    static const struct agent_metrics want = {
        /* No interval: no CPU figures and no rates ... */
        .interval_ms = 0,
        .cpu_used = 0,
        .cpu_steal = 0,
        .cpu_util = 0,
        .swapin_rate = 0,
        .majfault_rate = 0,
        /* ... but every level is there. */
        .vcpus_online = 2,
        .vcpus_max = 4,
        .runqueue = 2550,
        .have_cpu_pressure = true,
        .cpu_pressure = 3050,
        .have_mem_pressure = true,
        .mem_pressure = 38500,
        .mem_total = 992000,
        .mem_available = 40039,
        .mem_used = 951960,
    };

    read_fixture("memstarved/1", &s);
    memset(&m, 0xa5, sizeof(m));
    agent_metrics_derive(NULL, &s, &m);
    ck_metrics(&m, &want);
}
END_TEST

START_TEST(test_derive_backwards)
{
    static struct agent_snapshot a, b;
    struct agent_metrics m;

    /* The snapshots the wrong way round: the clock went back, so no interval. */
    read_fixture("busy/0", &a);
    read_fixture("busy/1", &b);
    agent_metrics_derive(&b, &a, &m);
    ck_assert_uint_eq(m.interval_ms, 0);
    ck_assert_int_eq(m.cpu_used, 0);
    ck_assert_int_eq(m.cpu_util, 0);
    ck_assert_int_eq(m.majfault_rate, 0);
    ck_assert_int_eq(m.runqueue, 1700); /* busy/0's load1 3.40 / 2 */

    /* The same snapshot twice: no time passed. */
    agent_metrics_derive(&b, &b, &m);
    ck_assert_uint_eq(m.interval_ms, 0);
    ck_assert_int_eq(m.cpu_used, 0);

    /*
     * Time moved on 2 s but some counters went back (a recorded tree out of
     * order): those count as no progress; the others still do.
     */
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.uptime_ms = 1000;
    b.uptime_ms = 3000;
    a.total = (struct agent_cpu_ticks){.busy = 500, .idle = 100, .steal = 50};
    b.total = (struct agent_cpu_ticks){.busy = 400, .idle = 300, .steal = 40};
    a.have_vmstat = b.have_vmstat = true;
    a.pswpin = 10;
    b.pswpin = 4;
    a.pgmajfault = 10;
    b.pgmajfault = 30;
    a.ncpu = b.ncpu = 1;
    agent_metrics_derive(&a, &b, &m);
    ck_assert_uint_eq(m.interval_ms, 2000);
    ck_assert_int_eq(m.cpu_used, 0);
    ck_assert_int_eq(m.cpu_steal, 0);
    ck_assert_int_eq(m.cpu_util, 0); /* busy 0 of 0 + 200 + 0 */
    ck_assert_int_eq(m.swapin_rate, 0);
    ck_assert_int_eq(m.majfault_rate, 10000); /* 20 in 2 s */

    /* Busy moves, idle goes back: 100 of 100 ticks busy. */
    b.total = (struct agent_cpu_ticks){.busy = 600, .idle = 50, .steal = 50};
    agent_metrics_derive(&a, &b, &m);
    ck_assert_int_eq(m.cpu_used, 50000); /* 100 ticks / 2 s = 0.5 CPU = 50 pct */
    ck_assert_int_eq(m.cpu_util, 100000);

    /* Rates need vmstat on both sides. */
    a.have_vmstat = false;
    agent_metrics_derive(&a, &b, &m);
    ck_assert_int_eq(m.majfault_rate, 0);
}
END_TEST

START_TEST(test_derive_arithmetic)
{
    static struct agent_snapshot a, b;
    struct agent_metrics m;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));

    /* Levels: MemAvailable above MemTotal means nothing used; no CPUs at all means one. */
    b.mem_total_kib = 1023;
    b.mem_available_kib = 2048;
    b.load1 = 1234;
    agent_metrics_derive(NULL, &b, &m);
    ck_assert_int_eq(m.mem_total, 999); /* 1023 * 1000 / 1024 = 999.02 */
    ck_assert_int_eq(m.mem_available, 2000);
    ck_assert_int_eq(m.mem_used, 0);
    ck_assert_uint_eq(m.vcpus_online, 0);
    ck_assert_int_eq(m.runqueue, 1234);
    ck_assert(!m.have_cpu_pressure);
    /* The lists win over the cpuN lines; possible is never below online. */
    b.ncpu = 5;
    b.cpus_online = 4;
    b.cpus_possible = 2;
    agent_metrics_derive(NULL, &b, &m);
    ck_assert_uint_eq(m.vcpus_online, 4);
    ck_assert_uint_eq(m.vcpus_max, 4);
    ck_assert_int_eq(m.runqueue, 308); /* 1.234 / 4 = 0.3085 */
    /* But an online list naming more CPUs than /proc/stat shows (one line
     * per online CPU) is not believed, and no count passes AGENT_MAX_VCPUS. */
    b.ncpu = 3;
    agent_metrics_derive(NULL, &b, &m);
    ck_assert_uint_eq(m.vcpus_online, 3);
    ck_assert_uint_eq(m.vcpus_max, 3);
    b.ncpu = 70000;
    b.cpus_online = 65536;
    b.cpus_possible = 65536;
    agent_metrics_derive(NULL, &b, &m);
    ck_assert_uint_eq(m.vcpus_online, AGENT_MAX_VCPUS);
    ck_assert_uint_eq(m.vcpus_max, AGENT_MAX_VCPUS);
    b.ncpu = 5;
    b.cpus_online = 4;
    b.cpus_possible = 2;
    /* A MemTotal no Xen host has is taken as 16 TiB. */
    b.mem_total_kib = UINT64_MAX;
    b.mem_available_kib = UINT64_MAX - 1;
    agent_metrics_derive(NULL, &b, &m);
    ck_assert_int_eq(m.mem_total, 16777216000); /* 16 Ti KiB = 16 Mi MiB */
    ck_assert_int_eq(m.mem_available, 16777216000);
    ck_assert_int_eq(m.mem_used, 0);
    b.mem_total_kib = 1023;
    b.mem_available_kib = 2048;
    /* Pressure read as absent is zero even if the snapshot carries a value. */
    b.cpu_some_avg10 = 5;
    agent_metrics_derive(NULL, &b, &m);
    ck_assert_int_eq(m.cpu_pressure, 0);

    /* Products beyond 64 bits stay exact: 123456789012345 ticks over 987654321 ms is
     * 123456789012345 * 10^8 / (987654321 * 100) = 124999998873.4.. */
    a.uptime_ms = 1;
    b.uptime_ms = 987654322;
    b.total.busy = 123456789012345u;
    agent_metrics_derive(&a, &b, &m);
    ck_assert_int_eq(m.cpu_used, 124999998873);
    ck_assert_int_eq(m.cpu_util, 100000);
    /* 2^62 busy of 2^62 + 2^62 + 2^63 (which saturates at 2^64 - 1): 25 % */
    b.total.busy = (uint64_t)1 << 62;
    b.total.idle = (uint64_t)1 << 62;
    b.total.steal = (uint64_t)1 << 63;
    agent_metrics_derive(&a, &b, &m);
    ck_assert_int_eq(m.cpu_util, 25000);
    /* Past PLM_AMT_MAX, figures are clamped. */
    b.uptime_ms = 2;
    b.total.busy = UINT64_MAX;
    b.mem_total_kib = UINT64_MAX;
    b.mem_available_kib = 0;
    b.have_vmstat = a.have_vmstat = true;
    b.pswpin = UINT64_MAX;
    agent_metrics_derive(&a, &b, &m);
    ck_assert_int_eq(m.cpu_used, PLM_AMT_MAX);
    ck_assert_int_eq(m.cpu_steal, PLM_AMT_MAX);
    /* Memory is bounded before that: AGENT_MAX_MEM_KIB, 16 Mi MiB. */
    ck_assert_int_eq(m.mem_total, 16777216000);
    ck_assert_int_eq(m.mem_used, 16777216000);
    ck_assert_int_eq(m.swapin_rate, PLM_AMT_MAX);
    /* One tick in a whole second is a hundredth of a CPU: exactly 1000. */
    b.uptime_ms = 1001;
    b.total = (struct agent_cpu_ticks){.busy = 1, .idle = 0, .steal = 0};
    b.pswpin = 1;
    agent_metrics_derive(&a, &b, &m);
    ck_assert_int_eq(m.cpu_used, 1000);
    ck_assert_int_eq(m.swapin_rate, 1000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("agent_monitor");
    TCase *parse_tc = tcase_create("parse");
    TCase *read_tc = tcase_create("read");
    TCase *derive_tc = tcase_create("derive");

    tcase_add_test(parse_tc, test_stat_good);
    tcase_add_test(parse_tc, test_stat_field_counts);
    tcase_add_test(parse_tc, test_stat_nul);
    tcase_add_test(parse_tc, test_stat_huge);
    tcase_add_test(parse_tc, test_stat_tolerant);
    tcase_add_test(parse_tc, test_stat_truncated);
    tcase_add_test(parse_tc, test_uptime);
    tcase_add_test(parse_tc, test_loadavg);
    tcase_add_test(parse_tc, test_meminfo_good);
    tcase_add_test(parse_tc, test_meminfo_tolerant);
    tcase_add_test(parse_tc, test_vmstat);
    tcase_add_loop_test(parse_tc, test_parse_fails, 0,
                        (int)(sizeof(parse_fails) / sizeof(parse_fails[0])));
    tcase_add_test(parse_tc, test_psi_good);
    tcase_add_loop_test(parse_tc, test_psi_malformed, 0,
                        (int)(sizeof(psi_fails) / sizeof(psi_fails[0])));
    tcase_add_loop_test(parse_tc, test_cpulist_good, 0,
                        (int)(sizeof(cpulist_goods) / sizeof(cpulist_goods[0])));
    tcase_add_loop_test(parse_tc, test_cpulist_malformed, 0,
                        (int)(sizeof(cpulist_fails) / sizeof(cpulist_fails[0])));
    tcase_add_loop_test(read_tc, test_read_fixtures, 0,
                        (int)(sizeof(read_cases) / sizeof(read_cases[0])));
    tcase_add_test(read_tc, test_read_errors);
    tcase_add_test(read_tc, test_read_limits);
    tcase_add_loop_test(derive_tc, test_derive_fixtures, 0,
                        (int)(sizeof(derive_cases) / sizeof(derive_cases[0])));
    tcase_add_test(derive_tc, test_derive_first_sample);
    tcase_add_test(derive_tc, test_derive_backwards);
    tcase_add_test(derive_tc, test_derive_arithmetic);
    /* Reading the fixtures takes a moment under valgrind. */
    tcase_set_timeout(read_tc, 60);
    tcase_set_timeout(derive_tc, 60);
    suite_add_tcase(s, parse_tc);
    suite_add_tcase(s, read_tc);
    suite_add_tcase(s, derive_tc);

    return check_run(s);
}
