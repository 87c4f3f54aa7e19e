/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest<->dom0 protocol codec: a table of good and hostile request
 * values with the exact code and text each must get, round trips of every
 * value, the rate limiter, and a seeded mutation fuzzer.  Set
 * XENPLM_TEST_SEED to vary the fuzzer's inputs and XENPLM_FUZZ_ITERATIONS
 * to run more or fewer of them; a failure names the seed and iteration.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "protocol/boost.h"
#include "protocol/feature.h"
#include "protocol/grant.h"
#include "protocol/ratelimit.h"
#include "protocol/request.h"
#include "tests/unit/suite_run.h"

#define U(x) PLM_UNITS(x)
/* A literal and its length, NUL bytes included. */
#define V(s) s, sizeof(s) - 1

#define HDR "xenplm-request 1\n"
#define SEQ "seq 1\n"
#define P HDR SEQ /* 23 bytes: line 3 starts at offset 23 */

/*
 * Check records every passing ck_assert (a write to a pipe), which is far
 * too slow for the fuzz loop; hot loops check with this and name the seed
 * and iteration to replay.
 */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg("seed %u iteration %ld: '%s' failed", seed, it, #cond);                   \
    } while (0)

/* Check that an error's line field agrees with the "line N: " of its text. */
static void check_line_prefix(const struct proto_error *err)
{
    unsigned n = 0;
    if (sscanf(err->text, "line %u: ", &n) == 1)
        ck_assert_uint_eq(err->line, n);
    else
        ck_assert_uint_eq(err->line, 0);
}

/* ---- request: the table ------------------------------------------------ */

static const struct {
    const char *text;
    size_t len;
    int rc;
    const char *msg;
} rcases[] = {
    /* good values */
    {V(HDR "seq 42\ncpu pct 50 120 200\nmem mib 512 768 1024\n"), 0, ""},
    {V(HDR "seq 0\ncpu pct 0\n"), 0, ""},
    {V(HDR "seq 18446744073709551615\nmem mib 1024\n"), 0, ""},
    {V(P "mem mib 1\ncpu pct 2\n"), 0, ""},
    {V(P "cpu pct 0.5 1.25 1.125 2.000 2.50\n"), 0, ""},
    {V(P "cpu pct 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"), 0, ""},
    {V(P "cpu pct 1000000000\nmem mib 999999999.999\n"), 0, ""},
    {V(P "cpu pct 200 100 300\n"), 0, ""}, /* non-monotonic: normalised */
    {V(P "cpu pct 0.050\n"), 0, ""},

    /* whole value */
    {V(""), PLM_EGRAMMAR, "empty value"},
    {V("\n"), PLM_EGRAMMAR, "line 1: empty line"},
    {V(HDR), PLM_EGRAMMAR, "line 2: missing seq line"},
    {V(P), PLM_EGRAMMAR, "line 3: missing resource line (want cpu or mem)"},
    {V(P "cpu pct 1"), PLM_EGRAMMAR, "line 3: missing final newline"},
    {V(P "cpu pct 1\ngarbage"), PLM_EGRAMMAR, "line 4: missing final newline"},
    {V(P "cpu pct 1\ngarbage\n"), PLM_EGRAMMAR, "line 4: unknown keyword 'garbage'"},
    {V(P "\ncpu pct 1\n"), PLM_EGRAMMAR, "line 3: empty line"},
    {V(P "cpu pct 1\n\n"), PLM_EGRAMMAR, "line 4: empty line"},

    /* bytes */
    {V("\0"), PLM_EGRAMMAR, "line 1: NUL byte at offset 0"},
    {V(HDR "seq 4\0\ncpu pct 1\n"), PLM_EGRAMMAR, "line 2: NUL byte at offset 22"},
    {V("xenplm-request 1\r\nseq 1\r\ncpu pct 1\r\n"), PLM_EGRAMMAR,
     "line 1: carriage return at offset 16 (lines end in LF alone)"},
    {V(P "cpu\tpct 1\n"), PLM_EGRAMMAR,
     "line 3: tab at offset 26 (fields are separated by one space)"},
    {V(P "cpu pct 1\xc3"
         "\xa9\n"),
     PLM_EGRAMMAR, "line 3: byte 0xc3 at offset 32: not printable ASCII"},
    {V(P "cpu pct 1\x7f\n"), PLM_EGRAMMAR, "line 3: byte 0x7f at offset 32: not printable ASCII"},
    {V(P "cpu pct 1\x1b[0m\n"), PLM_EGRAMMAR,
     "line 3: byte 0x1b at offset 32: not printable ASCII"},
    /* a stray byte wins over every other fault */
    {V("bogus\nstuff\n\0"), PLM_EGRAMMAR, "line 3: NUL byte at offset 12"},

    /* spaces */
    {V(P "cpu pct  1\n"), PLM_EGRAMMAR,
     "line 3: extra space at offset 31 (fields are separated by one space)"},
    {V(P "cpu pct 1 \n"), PLM_EGRAMMAR, "line 3: trailing space at offset 32"},
    {V(" xenplm-request 1\n" SEQ "cpu pct 1\n"), PLM_EGRAMMAR,
     "line 1: extra space at offset 0 (fields are separated by one space)"},
    {V(P " \n"), PLM_EGRAMMAR,
     "line 3: extra space at offset 23 (fields are separated by one space)"},

    /* header */
    {V("seq 1\ncpu pct 1\n"), PLM_EGRAMMAR, "line 1: missing header (want 'xenplm-request 1')"},
    {V("XENPLM-REQUEST 1\n" SEQ "cpu pct 1\n"), PLM_EGRAMMAR,
     "line 1: missing header (want 'xenplm-request 1')"},
    {V("xenplm-request\n" SEQ "cpu pct 1\n"), PLM_EGRAMMAR, "line 1: header: missing version"},
    {V("xenplm-request 2\n" SEQ "cpu pct 1\n"), PLM_ERANGE,
     "line 1: unsupported version 2 (want 1)"},
    {V("xenplm-request 0\n" SEQ "cpu pct 1\n"), PLM_ERANGE,
     "line 1: unsupported version 0 (want 1)"},
    {V("xenplm-request 99999999999999999999\n" SEQ "cpu pct 1\n"), PLM_ERANGE,
     "line 1: version: out of range"},
    {V("xenplm-request 1.0\n" SEQ "cpu pct 1\n"), PLM_EGRAMMAR, "line 1: version: not a number"},
    {V("xenplm-request 01\n" SEQ "cpu pct 1\n"), PLM_EGRAMMAR, "line 1: version: leading zero"},
    {V("xenplm-request 1 x\n" SEQ "cpu pct 1\n"), PLM_EGRAMMAR, "line 1: header: extra field 'x'"},

    /* seq */
    {V(HDR "cpu pct 1\n"), PLM_EGRAMMAR, "line 2: expected 'seq', found 'cpu'"},
    {V(HDR "seq\ncpu pct 1\n"), PLM_EGRAMMAR, "line 2: seq: missing number"},
    {V(HDR "seq x\ncpu pct 1\n"), PLM_EGRAMMAR, "line 2: seq: not a number"},
    {V(HDR "seq -1\ncpu pct 1\n"), PLM_EGRAMMAR, "line 2: seq: not a number"},
    {V(HDR "seq +1\ncpu pct 1\n"), PLM_EGRAMMAR, "line 2: seq: not a number"},
    {V(HDR "seq 0x10\ncpu pct 1\n"), PLM_EGRAMMAR, "line 2: seq: not a number"},
    {V(HDR "seq 1e3\ncpu pct 1\n"), PLM_EGRAMMAR, "line 2: seq: not a number"},
    {V(HDR "seq 007\ncpu pct 1\n"), PLM_EGRAMMAR, "line 2: seq: leading zero"},
    {V(HDR "seq 18446744073709551616\ncpu pct 1\n"), PLM_ERANGE, "line 2: seq: out of range"},
    {V(HDR "seq 99999999999999999999999\ncpu pct 1\n"), PLM_ERANGE, "line 2: seq: out of range"},
    {V(HDR "seq 1 2\ncpu pct 1\n"), PLM_EGRAMMAR, "line 2: seq: extra field '2'"},
    {V(P "cpu pct 1\nseq 2\n"), PLM_EGRAMMAR, "line 4: seq: duplicate line"},
    {V(P "cpu pct 1\n" HDR), PLM_EGRAMMAR, "line 4: xenplm-request: duplicate line"},

    /* resource lines */
    {V(P "disk gib 10\n"), PLM_EGRAMMAR, "line 3: unknown keyword 'disk'"},
    {V(P "averyveryverylongkeyword 1\n"), PLM_EGRAMMAR,
     "line 3: unknown keyword 'averyveryverylon...'"},
    {V(P "CPU pct 1\n"), PLM_EGRAMMAR, "line 3: unknown keyword 'CPU'"},
    {V(P "cpu pct 1\ncpu pct 2\n"), PLM_EGRAMMAR, "line 4: cpu: duplicate line (first on line 3)"},
    {V(P "mem mib 1\ncpu pct 2\nmem mib 3\n"), PLM_EGRAMMAR,
     "line 5: mem: duplicate line (first on line 3)"},
    {V(P "cpu\n"), PLM_EGRAMMAR, "line 3: cpu: missing unit (want pct)"},
    {V(P "cpu pct\n"), PLM_EGRAMMAR, "line 3: cpu: no levels"},
    {V(P "cpu mib 1\n"), PLM_EGRAMMAR, "line 3: cpu: unknown unit 'mib' (want pct)"},
    {V(P "mem pct 1\n"), PLM_EGRAMMAR, "line 3: mem: unknown unit 'pct' (want mib)"},
    {V(P "cpu PCT 1\n"), PLM_EGRAMMAR, "line 3: cpu: unknown unit 'PCT' (want pct)"},
    {V(P "cpu pct 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"), PLM_ETOOMANY,
     "line 3: cpu level 17: too many levels (max 16)"},
    {V(P "mem mib 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n"), PLM_ETOOMANY,
     "line 3: mem level 17: too many levels (max 16)"},

    /* amounts */
    {V(P "cpu pct -5\n"), PLM_EGRAMMAR, "line 3: cpu level 1: not a number"},
    {V(P "cpu pct 1 -5\n"), PLM_EGRAMMAR, "line 3: cpu level 2: not a number"},
    {V(P "cpu pct 1 2 x\n"), PLM_EGRAMMAR, "line 3: cpu level 3: not a number"},
    {V(P "cpu pct +5\n"), PLM_EGRAMMAR, "line 3: cpu level 1: not a number"},
    {V(P "cpu pct 1e30\n"), PLM_EGRAMMAR, "line 3: cpu level 1: not a number"},
    {V(P "cpu pct 1000000000000000000000000000000\n"), PLM_ERANGE,
     "line 3: cpu level 1: above the limit (max 1000000000)"},
    {V(P "mem mib 1 1000000000.001\n"), PLM_ERANGE,
     "line 3: mem level 2: above the limit (max 1000000000)"},
    {V(P "cpu pct 1.2345\n"), PLM_EPRECISION, "line 3: cpu level 1: more than 3 decimal places"},
    {V(P "cpu pct 1.5000\n"), PLM_EPRECISION, "line 3: cpu level 1: more than 3 decimal places"},
    {V(P "cpu pct 1.\n"), PLM_EGRAMMAR, "line 3: cpu level 1: not a number"},
    {V(P "cpu pct .5\n"), PLM_EGRAMMAR, "line 3: cpu level 1: not a number"},
    {V(P "cpu pct 1.2.3\n"), PLM_EGRAMMAR, "line 3: cpu level 1: not a number"},
    {V(P "cpu pct 1,5\n"), PLM_EGRAMMAR, "line 3: cpu level 1: not a number"},
    {V(P "cpu pct nan\n"), PLM_EGRAMMAR, "line 3: cpu level 1: not a number"},
    {V(P "cpu pct inf\n"), PLM_EGRAMMAR, "line 3: cpu level 1: not a number"},
    {V(P "cpu pct 0x10\n"), PLM_EGRAMMAR, "line 3: cpu level 1: not a number"},
    {V(P "cpu pct 050\n"), PLM_EGRAMMAR, "line 3: cpu level 1: leading zero"},
    {V(P "cpu pct 00.5\n"), PLM_EGRAMMAR, "line 3: cpu level 1: leading zero"},
};

START_TEST(test_request_table)
{
    struct proto_request out, before;
    struct proto_error err;
    int rc;

    memset(&out, 0xa5, sizeof(out));
    before = out;
    memset(&err, 0x5a, sizeof(err));
    rc = proto_request_decode(rcases[_i].text, rcases[_i].len, &out, &err);
    ck_assert_msg(rc == rcases[_i].rc, "case %d: rc %d, want %d (%s)", _i, rc, rcases[_i].rc,
                  err.text);
    ck_assert_int_eq(err.rc, rc);
    ck_assert_str_eq(err.text, rcases[_i].msg);
    check_line_prefix(&err);
    if (rc < 0)
        ck_assert(memcmp(&out, &before, sizeof(out)) == 0); /* untouched */
    else
        ck_assert_uint_eq(err.line, 0);
}
END_TEST

/* ---- request: values built at run time -------------------------------- */

/* P "mem mib 10 1 1 ... 1\n", exactly len bytes (len >= 34). */
static size_t build_long(char *buf, size_t len)
{
    size_t n = strlen(P "mem mib");
    size_t rem = len - n - 1; /* bytes of " 1" fields, less the LF */

    memcpy(buf, P "mem mib", n);
    /* Fields are two bytes each; an odd remainder needs one wider field. */
    if (rem % 2) {
        memcpy(buf + n, " 10", 3);
        n += 3;
        rem -= 3;
    }
    for (; rem > 0; rem -= 2, n += 2)
        memcpy(buf + n, " 1", 2);
    buf[n++] = '\n';
    return n;
}

START_TEST(test_request_size_limit)
{
    static char buf[PROTO_VALUE_MAX + 8];
    struct proto_request out;
    struct proto_error err;

    /* Exactly the limit passes the size check and fails for its levels. */
    ck_assert_uint_eq(build_long(buf, PROTO_VALUE_MAX), PROTO_VALUE_MAX);
    ck_assert_int_eq(proto_request_decode(buf, PROTO_VALUE_MAX, &out, &err), PLM_ETOOMANY);
    ck_assert_str_eq(err.text, "line 3: mem level 17: too many levels (max 16)");

    ck_assert_uint_eq(build_long(buf, PROTO_VALUE_MAX + 1), PROTO_VALUE_MAX + 1);
    ck_assert_int_eq(proto_request_decode(buf, PROTO_VALUE_MAX + 1, &out, &err), PLM_ERANGE);
    ck_assert_str_eq(err.text, "value too large: 2049 bytes (max 2048)");
    ck_assert_uint_eq(err.line, 0);

    /* Refused by its length alone: not one byte is read. */
    ck_assert_int_eq(proto_request_decode("x", SIZE_MAX, &out, &err), PLM_ERANGE);
    ck_assert_str_eq(err.text, "value too large: 18446744073709551615 bytes (max 2048)");
}
END_TEST

START_TEST(test_request_stops_at_len)
{
    static const char good[] = P "cpu pct 1\n";
    struct proto_request out;
    struct proto_error err;

    /* Bytes past len are never part of the value. */
    ck_assert_int_eq(proto_request_decode(good, sizeof(good) - 2, &out, &err), PLM_EGRAMMAR);
    ck_assert_str_eq(err.text, "line 3: missing final newline");
    ck_assert_int_eq(proto_request_decode(good, strlen(P), &out, &err), PLM_EGRAMMAR);
    ck_assert_str_eq(err.text, "line 3: missing resource line (want cpu or mem)");
    ck_assert_int_eq(proto_request_decode(good, sizeof(good) - 1, &out, NULL), 0);
}
END_TEST

START_TEST(test_request_arguments)
{
    struct proto_request out;
    struct proto_error err;
    struct proto_limits lim = {{U(1), -1}};

    ck_assert_int_eq(proto_request_decode(NULL, 3, &out, &err), PLM_EINVAL);
    ck_assert_str_eq(err.text, "invalid argument");
    ck_assert_int_eq(proto_request_decode(P, strlen(P), NULL, &err), PLM_EINVAL);
    ck_assert_int_eq(proto_request_decode(NULL, 0, &out, &err), PLM_EGRAMMAR);
    ck_assert_str_eq(err.text, "empty value");
    ck_assert_int_eq(proto_request_decode_limited(V(P "cpu pct 1\n"), &lim, &out, NULL),
                     PLM_EINVAL);
    ck_assert_int_eq(proto_request_decode(NULL, 0, &out, NULL), PLM_EGRAMMAR);
}
END_TEST

START_TEST(test_request_values)
{
    static const char text[] = HDR "seq 42\ncpu pct 50 120.5 200\nmem mib 512 768 1024\n";
    struct proto_request r;
    struct proto_error err;

    ck_assert_int_eq(proto_request_decode(text, sizeof(text) - 1, &r, &err), 0);
    ck_assert_uint_eq(r.seq, 42);
    ck_assert_uint_eq(r.flags, PROTO_REQ_HAS_ANY);
    ck_assert_uint_eq(r.res[PROTO_RES_CPU].nlevels, 3);
    ck_assert_int_eq(r.res[PROTO_RES_CPU].level[0], U(50));
    ck_assert_int_eq(r.res[PROTO_RES_CPU].level[1], 120500);
    ck_assert_int_eq(r.res[PROTO_RES_CPU].level[2], U(200));
    ck_assert_int_eq(r.res[PROTO_RES_CPU].level[3], 0);
    ck_assert_uint_eq(r.res[PROTO_RES_MEM].nlevels, 3);
    ck_assert_int_eq(r.res[PROTO_RES_MEM].level[2], U(1024));
    ck_assert_str_eq(err.text, "");
    ck_assert_int_eq(err.rc, 0);
}
END_TEST

START_TEST(test_request_normalised)
{
    struct proto_request r;
    const struct proto_levels *cpu = &r.res[PROTO_RES_CPU];

    ck_assert_int_eq(proto_request_decode(V(P "mem mib 1 2\ncpu pct 200 100 300 50\n"), &r, NULL),
                     0);
    ck_assert_uint_eq(r.flags, PROTO_REQ_HAS_ANY | PROTO_REQ_NORM(PROTO_RES_CPU));
    ck_assert_uint_eq(cpu->nlevels, 4);
    ck_assert_int_eq(cpu->level[0], U(200));
    ck_assert_int_eq(cpu->level[1], U(200));
    ck_assert_int_eq(cpu->level[2], U(300));
    ck_assert_int_eq(cpu->level[3], U(300));

    /* Equal levels are already cumulative. */
    ck_assert_int_eq(proto_request_decode(V(P "cpu pct 5 5 5\n"), &r, NULL), 0);
    ck_assert_uint_eq(r.flags, PROTO_REQ_HAS(PROTO_RES_CPU));

    /* The helper for the agent does the same and says what it changed. */
    memset(&r, 0, sizeof(r));
    r.flags = PROTO_REQ_HAS(PROTO_RES_MEM);
    r.res[PROTO_RES_MEM].nlevels = 2;
    r.res[PROTO_RES_MEM].level[0] = U(9);
    r.res[PROTO_RES_MEM].level[1] = U(3);
    ck_assert_uint_eq(proto_request_normalise(&r), PROTO_REQ_NORM(PROTO_RES_MEM));
    ck_assert_int_eq(r.res[PROTO_RES_MEM].level[1], U(9));
    ck_assert_uint_eq(proto_request_normalise(&r), 0);
}
END_TEST

START_TEST(test_request_limits)
{
    struct proto_limits lim = {{U(6400), U(65536)}};
    struct proto_request r;
    struct proto_error err;

    ck_assert_int_eq(
        proto_request_decode_limited(V(P "cpu pct 6400\nmem mib 65536\n"), &lim, &r, &err), 0);
    ck_assert_int_eq(proto_request_decode_limited(V(P "cpu pct 1 6400.001\n"), &lim, &r, &err),
                     PLM_ERANGE);
    ck_assert_str_eq(err.text, "line 3: cpu level 2: above the limit (max 6400)");
    ck_assert_int_eq(
        proto_request_decode_limited(V(P "cpu pct 1\nmem mib 65537\n"), &lim, &r, &err),
        PLM_ERANGE);
    ck_assert_str_eq(err.text, "line 4: mem level 1: above the limit (max 65536)");
    /* A ceiling above PLM_AMT_MAX is PLM_AMT_MAX. */
    lim.max[PROTO_RES_CPU] = INT64_MAX;
    ck_assert_int_eq(proto_request_decode_limited(V(P "cpu pct 1000000001\n"), &lim, &r, &err),
                     PLM_ERANGE);
    ck_assert_str_eq(err.text, "line 3: cpu level 1: above the limit (max 1000000000)");
    /* A zero ceiling still takes zero. */
    lim.max[PROTO_RES_CPU] = 0;
    ck_assert_int_eq(proto_request_decode_limited(V(P "cpu pct 0\n"), &lim, &r, &err), 0);
    ck_assert_int_eq(proto_request_decode_limited(V(P "cpu pct 0.001\n"), &lim, &r, &err),
                     PLM_ERANGE);
    ck_assert_str_eq(err.text, "line 3: cpu level 1: above the limit (max 0)");
}
END_TEST

START_TEST(test_request_to_plm)
{
    struct proto_request r;
    struct plm_request p;

    ck_assert_int_eq(proto_request_decode(V(P "cpu pct 50 120 200\n"), &r, NULL), 0);
    ck_assert_int_eq(proto_request_to_plm(&r, PROTO_RES_CPU, &p), 0);
    ck_assert_uint_eq(p.nlevels, 3);
    ck_assert_int_eq(p.min, 0);
    ck_assert_int_eq(p.max, PLM_AMT_MAX);
    ck_assert_int_eq(plm_request_at(&p, 2), U(120));
    ck_assert_int_eq(plm_request_at(&p, 3), U(200));
    ck_assert_int_eq(proto_request_to_plm(&r, PROTO_RES_MEM, &p), PLM_ENOENT);
    ck_assert_uint_eq(p.nlevels, 0);
    ck_assert_int_eq(proto_request_to_plm(&r, (enum proto_resource)7, &p), PLM_EINVAL);
    ck_assert_str_eq(proto_resource_name(PROTO_RES_MEM), "mem");
    ck_assert_str_eq(proto_resource_unit(PROTO_RES_CPU), "pct");
    ck_assert_ptr_null(proto_resource_name((enum proto_resource)2));
}
END_TEST

/* ---- request: encoding ------------------------------------------------- */

static void set_levels(struct proto_request *r, enum proto_resource res, unsigned n,
                       const plm_amt_t *lv)
{
    r->flags |= PROTO_REQ_HAS(res);
    r->res[res].nlevels = n;
    memcpy(r->res[res].level, lv, n * sizeof(*lv));
}

START_TEST(test_request_encode)
{
    static const char want[] = HDR "seq 42\ncpu pct 50 120.5 200\nmem mib 512 768 1024\n";
    static const plm_amt_t cpu[] = {U(50), 120500, U(200)}, mem[] = {U(512), U(768), U(1024)};
    struct proto_request r, back;
    char buf[PROTO_REQUEST_ENCODED_MAX + 1];
    int n;

    memset(&r, 0, sizeof(r));
    r.seq = 42;
    set_levels(&r, PROTO_RES_MEM, 3, mem);
    set_levels(&r, PROTO_RES_CPU, 3, cpu);
    r.flags |= PROTO_REQ_NORM(PROTO_RES_CPU); /* ignored */
    n = proto_request_encode(&r, buf, sizeof(buf));
    ck_assert_int_eq(n, (int)sizeof(want) - 1);
    ck_assert_str_eq(buf, want);
    ck_assert_int_eq(proto_request_decode(buf, (size_t)n, &back, NULL), 0);
    ck_assert(proto_request_equal(&back, &r));

    /* Every buffer too small is refused, and nothing is written past it. */
    for (size_t sz = 0; sz <= (size_t)n; sz++) {
        memset(buf, '#', sizeof(buf));
        ck_assert_int_eq(proto_request_encode(&r, buf, sz), PLM_ERANGE);
        for (size_t i = sz; i < sizeof(buf); i++)
            ck_assert_int_eq(buf[i], '#');
    }
    ck_assert_int_eq(proto_request_encode(&r, buf, (size_t)n + 1), n);
}
END_TEST

START_TEST(test_request_encode_invalid)
{
    static const plm_amt_t up[] = {U(1), U(2)}, down[] = {U(2), U(1)};
    struct proto_request r;
    char buf[PROTO_REQUEST_ENCODED_MAX + 1];

    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(proto_request_encode(&r, buf, sizeof(buf)), PLM_EINVAL); /* no resource */
    set_levels(&r, PROTO_RES_CPU, 2, up);
    ck_assert_int_gt(proto_request_encode(&r, buf, sizeof(buf)), 0);
    ck_assert_int_eq(proto_request_encode(NULL, buf, sizeof(buf)), PLM_EINVAL);
    ck_assert_int_eq(proto_request_encode(&r, NULL, sizeof(buf)), PLM_EINVAL);

    r.flags |= 0x4u;
    ck_assert_int_eq(proto_request_encode(&r, buf, sizeof(buf)), PLM_EINVAL);
    r.flags &= ~0x4u;
    set_levels(&r, PROTO_RES_CPU, 2, down);
    ck_assert_int_eq(proto_request_encode(&r, buf, sizeof(buf)), PLM_EINVAL);
    set_levels(&r, PROTO_RES_CPU, 0, up);
    ck_assert_int_eq(proto_request_encode(&r, buf, sizeof(buf)), PLM_EINVAL);
    set_levels(&r, PROTO_RES_CPU, 1, up);
    r.res[PROTO_RES_CPU].level[0] = -1;
    ck_assert_int_eq(proto_request_encode(&r, buf, sizeof(buf)), PLM_EINVAL);
    r.res[PROTO_RES_CPU].level[0] = PLM_AMT_MAX + 1;
    ck_assert_int_eq(proto_request_encode(&r, buf, sizeof(buf)), PLM_EINVAL);
    r.res[PROTO_RES_CPU].level[0] = PLM_AMT_MAX;
    r.res[PROTO_RES_CPU].nlevels = PLM_MAX_LEVELS + 1;
    ck_assert_int_eq(proto_request_encode(&r, buf, sizeof(buf)), PLM_EINVAL);
}
END_TEST

START_TEST(test_request_encode_largest)
{
    struct proto_request r, back;
    char buf[PROTO_REQUEST_ENCODED_MAX + 1];
    int n;

    memset(&r, 0, sizeof(r));
    r.seq = UINT64_MAX;
    r.flags = PROTO_REQ_HAS_ANY;
    for (unsigned res = 0; res < PROTO_NRES; res++) {
        r.res[res].nlevels = PLM_MAX_LEVELS;
        for (unsigned k = 0; k < PLM_MAX_LEVELS; k++)
            r.res[res].level[k] = PLM_AMT_MAX - 1;
    }
    n = proto_request_encode(&r, buf, sizeof(buf));
    ck_assert_int_gt(n, 0);
    ck_assert_int_le(n, PROTO_REQUEST_ENCODED_MAX);
    ck_assert_int_eq(proto_request_decode(buf, (size_t)n, &back, NULL), 0);
    ck_assert(proto_request_equal(&back, &r));
}
END_TEST

/* A small, fast, seedable generator (xorshift64*), the same everywhere. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return n ? rng_next(s) % n : 0;
}

static unsigned base_seed(void)
{
    const char *s = getenv("XENPLM_TEST_SEED");
    return s ? (unsigned)strtoul(s, NULL, 10) : 20261121u;
}

/* A random request the decoder could return. */
static void random_request(uint64_t *s, struct proto_request *r)
{
    memset(r, 0, sizeof(*r));
    r->seq = rng_below(s, 4) == 0 ? UINT64_MAX - rng_below(s, 3) : rng_below(s, 100000);
    r->flags = (unsigned)(1 + rng_below(s, 3)); /* cpu, mem or both */
    for (unsigned res = 0; res < PROTO_NRES; res++) {
        plm_amt_t q = 0;
        if (!(r->flags & PROTO_REQ_HAS(res)))
            continue;
        r->res[res].nlevels = (unsigned)(1 + rng_below(s, PLM_MAX_LEVELS));
        for (unsigned k = 0; k < r->res[res].nlevels; k++) {
            /* whole units, thousandths, and now and then the very top */
            plm_amt_t step =
                rng_below(s, 3) == 0 ? (plm_amt_t)rng_below(s, 5000) : U(rng_below(s, 3000));
            q = q + step > PLM_AMT_MAX || rng_below(s, 50) == 0 ? PLM_AMT_MAX : q + step;
            r->res[res].level[k] = q;
        }
    }
}

START_TEST(test_request_round_trip_random)
{
    unsigned seed = base_seed();
    uint64_t s = (uint64_t)seed * 2654435761u + 1;

    for (long it = 0; it < 20000; it++) {
        struct proto_request r, back;
        char buf[PROTO_REQUEST_ENCODED_MAX + 1], again[PROTO_REQUEST_ENCODED_MAX + 1];
        int n;

        random_request(&s, &r);
        n = proto_request_encode(&r, buf, sizeof(buf));
        REQUIRE(n > 0 && n <= PROTO_REQUEST_ENCODED_MAX);
        REQUIRE(proto_request_decode(buf, (size_t)n, &back, NULL) == 0);
        REQUIRE(proto_request_equal(&back, &r));
        REQUIRE((back.flags & PROTO_REQ_NORMALISED) == 0);
        REQUIRE(proto_request_encode(&back, again, sizeof(again)) == n);
        REQUIRE(strcmp(again, buf) == 0);
    }
}
END_TEST

/* ---- boost ------------------------------------------------------------- */

#define BH "xenplm-boost 1\nseq 7\n"

static const struct {
    const char *text;
    size_t len;
    plm_amt_t max;
    int rc;
    const char *msg;
    struct proto_boost want;
} bcases[] = {
    {V(BH "cpu pct 150\nfor ms 5000\n"), PLM_AMT_MAX, 0, "", {7, U(150), 5000}},
    {V(BH "cpu pct 0.5\nfor ms 0\n"), PLM_AMT_MAX, 0, "", {7, 500, 0}},
    {V(BH "cpu pct 400\nfor ms 3600000\n"), U(400), 0, "", {7, U(400), 3600000}},
    {V(BH "cpu pct 400.001\nfor ms 1\n"),
     U(400),
     PLM_ERANGE,
     "line 3: cpu: above the limit (max 400)",
     {0}},
    {V(BH "cpu pct 1\nfor ms 3600001\n"),
     PLM_AMT_MAX,
     PLM_ERANGE,
     "line 4: for: above the limit (max 3600000)",
     {0}},
    {V(""), PLM_AMT_MAX, PLM_EGRAMMAR, "empty value", {0}},
    {V("xenplm-boost 2\nseq 7\ncpu pct 1\nfor ms 1\n"),
     PLM_AMT_MAX,
     PLM_ERANGE,
     "line 1: unsupported version 2 (want 1)",
     {0}},
    {V("xenplm-request 1\nseq 7\ncpu pct 1\nfor ms 1\n"),
     PLM_AMT_MAX,
     PLM_EGRAMMAR,
     "line 1: missing header (want 'xenplm-boost 1')",
     {0}},
    {V(BH "mem mib 1\nfor ms 1\n"),
     PLM_AMT_MAX,
     PLM_EGRAMMAR,
     "line 3: mem: only cpu can be boosted",
     {0}},
    {V(BH "for ms 1\ncpu pct 1\n"),
     PLM_AMT_MAX,
     PLM_EGRAMMAR,
     "line 3: expected 'cpu', found 'for'",
     {0}},
    {V(BH "cpu mib 1\nfor ms 1\n"), PLM_AMT_MAX, PLM_EGRAMMAR, "line 3: cpu: want unit pct", {0}},
    {V(BH "cpu pct\nfor ms 1\n"), PLM_AMT_MAX, PLM_EGRAMMAR, "line 3: cpu: missing number", {0}},
    {V(BH "cpu\nfor ms 1\n"), PLM_AMT_MAX, PLM_EGRAMMAR, "line 3: cpu: want unit pct", {0}},
    {V(BH "cpu pct 1\nfor s 1\n"), PLM_AMT_MAX, PLM_EGRAMMAR, "line 4: for: want unit ms", {0}},
    {V(BH "cpu pct 1\nfor ms\n"), PLM_AMT_MAX, PLM_EGRAMMAR, "line 4: for: missing number", {0}},
    {V(BH "cpu pct 1 2\nfor ms 1\n"),
     PLM_AMT_MAX,
     PLM_EGRAMMAR,
     "line 3: cpu: extra field '2'",
     {0}},
    {V(BH "cpu pct 1\nfor ms 1\nfor ms 1\n"), PLM_AMT_MAX, PLM_EGRAMMAR, "line 5: extra line", {0}},
    {V(BH "cpu pct 1\n"), PLM_AMT_MAX, PLM_EGRAMMAR, "line 4: missing 'for' line", {0}},
    {V(BH "cpu pct 1.2345\nfor ms 1\n"),
     PLM_AMT_MAX,
     PLM_EPRECISION,
     "line 3: cpu: more than 3 decimal places",
     {0}},
    {V(BH "cpu pct 1\nfor ms -1\n"), PLM_AMT_MAX, PLM_EGRAMMAR, "line 4: for: not a number", {0}},
    {V(BH "cpu pct 1\nfor ms 1"), PLM_AMT_MAX, PLM_EGRAMMAR, "line 4: missing final newline", {0}},
    {V("xenplm-boost 1\nseq 7\n\nfor ms 1\n"),
     PLM_AMT_MAX,
     PLM_EGRAMMAR,
     "line 3: empty line",
     {0}},
};

START_TEST(test_boost_table)
{
    struct proto_boost b, before;
    struct proto_error err;
    int rc;

    memset(&b, 0xa5, sizeof(b));
    before = b;
    rc = proto_boost_decode(bcases[_i].text, bcases[_i].len, bcases[_i].max, &b, &err);
    ck_assert_msg(rc == bcases[_i].rc, "case %d: rc %d, want %d (%s)", _i, rc, bcases[_i].rc,
                  err.text);
    ck_assert_str_eq(err.text, bcases[_i].msg);
    check_line_prefix(&err);
    if (rc < 0) {
        ck_assert(memcmp(&b, &before, sizeof(b)) == 0);
        return;
    }
    ck_assert(b.seq == bcases[_i].want.seq && b.cpu == bcases[_i].want.cpu &&
              b.for_ms == bcases[_i].want.for_ms);
}
END_TEST

/* A value one byte over the bound is refused for its size alone. */
START_TEST(test_boost_size_and_round_trip)
{
    char buf[PROTO_BOOST_VALUE_MAX + 2], enc[PROTO_BOOST_ENCODED_MAX + 1];
    struct proto_boost b = {UINT64_MAX, PLM_AMT_MAX, PROTO_BOOST_FOR_MAX_MS}, back;
    struct proto_error err;
    int n;

    memset(buf, 'x', sizeof(buf));
    buf[sizeof(buf) - 1] = '\n';
    ck_assert_int_eq(proto_boost_decode(buf, sizeof(buf), PLM_AMT_MAX, &back, &err), PLM_ERANGE);
    /* The largest boost encodes within its bound and reads back. */
    n = proto_boost_encode(&b, enc, sizeof(enc));
    ck_assert_int_gt(n, 0);
    ck_assert_int_le(n, PROTO_BOOST_ENCODED_MAX);
    ck_assert_int_eq(proto_boost_decode(enc, (size_t)n, PLM_AMT_MAX, &back, &err), 0);
    ck_assert(back.seq == b.seq && back.cpu == b.cpu && back.for_ms == b.for_ms);
    ck_assert_int_eq(proto_boost_encode(&b, enc, 10), PLM_ERANGE);
    b.for_ms = PROTO_BOOST_FOR_MAX_MS + 1;
    ck_assert_int_eq(proto_boost_encode(&b, enc, sizeof(enc)), PLM_EINVAL);
    b.for_ms = 1;
    b.cpu = -1;
    ck_assert_int_eq(proto_boost_encode(&b, enc, sizeof(enc)), PLM_EINVAL);
    ck_assert_int_eq(proto_boost_decode(NULL, 1, PLM_AMT_MAX, &back, &err), PLM_EINVAL);
    ck_assert_int_eq(proto_boost_decode(enc, (size_t)n, -1, &back, &err), PLM_EINVAL);
}
END_TEST

/* ---- granted, status, seq ----------------------------------------------- */

static const struct {
    const char *text;
    size_t len;
    int rc;
    const char *msg;
    struct proto_grant want;
} gcases[] = {
    {V("cpu 150 vcpus 2 mem 1024\n"), 0, "", {PROTO_GRANT_ALL, U(150), 2, U(1024)}},
    {V("cpu 150\n"), 0, "", {PROTO_GRANT_CPU, U(150), 0, 0}},
    {V("vcpus 65535\n"), 0, "", {PROTO_GRANT_VCPUS, 0, 65535, 0}},
    {V("mem 0.5\n"), 0, "", {PROTO_GRANT_MEM, 0, 0, 500}},
    {V("cpu 1.5 mem 2\n"), 0, "", {PROTO_GRANT_CPU | PROTO_GRANT_MEM, 1500, 0, U(2)}},
    {V(""), PLM_EGRAMMAR, "empty value", {0}},
    {V("\n"), PLM_EGRAMMAR, "line 1: empty line", {0}},
    {V("cpu 1"), PLM_EGRAMMAR, "line 1: missing final newline", {0}},
    {V("cpu 1\nmem 2\n"), PLM_EGRAMMAR, "line 2: extra line (want one line)", {0}},
    {V("mem 1 cpu 2\n"), PLM_EGRAMMAR, "line 1: cpu: out of order (want cpu, vcpus, mem)", {0}},
    {V("cpu 1 cpu 2\n"), PLM_EGRAMMAR, "line 1: cpu: duplicate", {0}},
    {V("cpu\n"), PLM_EGRAMMAR, "line 1: cpu: missing value", {0}},
    {V("cpu x\n"), PLM_EGRAMMAR, "line 1: cpu: not a number", {0}},
    {V("cpu 1.2345\n"), PLM_EPRECISION, "line 1: cpu: more than 3 decimal places", {0}},
    {V("mem 1000000001\n"), PLM_ERANGE, "line 1: mem: out of range", {0}},
    {V("vcpus 0\n"), PLM_ERANGE, "line 1: vcpus: out of range (1 to 65535)", {0}},
    {V("vcpus 65536\n"), PLM_ERANGE, "line 1: vcpus: out of range (1 to 65535)", {0}},
    {V("vcpus 99999999999999999999999\n"),
     PLM_ERANGE,
     "line 1: vcpus: out of range (1 to 65535)",
     {0}},
    {V("vcpus 1.5\n"), PLM_EGRAMMAR, "line 1: vcpus: not a number", {0}},
    {V("vcpus 02\n"), PLM_EGRAMMAR, "line 1: vcpus: leading zero", {0}},
    {V("disk 1\n"), PLM_EGRAMMAR, "line 1: unknown keyword 'disk'", {0}},
    {V("cpu 1  mem 2\n"),
     PLM_EGRAMMAR,
     "line 1: extra space at offset 6 (fields are separated by one space)",
     {0}},
    {V("cpu 1 \n"), PLM_EGRAMMAR, "line 1: trailing space at offset 5", {0}},
    {V("cpu 1\r\n"),
     PLM_EGRAMMAR,
     "line 1: carriage return at offset 5 (lines end in LF alone)",
     {0}},
    {V("cpu 1\0\n"), PLM_EGRAMMAR, "line 1: NUL byte at offset 5", {0}},
};

START_TEST(test_grant_table)
{
    struct proto_grant g, before;
    struct proto_error err;
    int rc;

    memset(&g, 0xa5, sizeof(g));
    before = g;
    rc = proto_grant_decode(gcases[_i].text, gcases[_i].len, &g, &err);
    ck_assert_msg(rc == gcases[_i].rc, "case %d: rc %d, want %d (%s)", _i, rc, gcases[_i].rc,
                  err.text);
    ck_assert_str_eq(err.text, gcases[_i].msg);
    check_line_prefix(&err);
    if (rc < 0) {
        ck_assert(memcmp(&g, &before, sizeof(g)) == 0);
        return;
    }
    ck_assert(memcmp(&g, &gcases[_i].want, sizeof(g)) == 0);
}
END_TEST

START_TEST(test_grant_round_trip)
{
    char buf[PROTO_GRANT_ENCODED_MAX + 1];
    struct proto_grant g, back;
    int n;

    for (unsigned flags = 1; flags <= PROTO_GRANT_ALL; flags++) {
        memset(&g, 0, sizeof(g));
        g.flags = flags;
        if (flags & PROTO_GRANT_CPU)
            g.cpu = PLM_AMT_MAX - 1;
        if (flags & PROTO_GRANT_VCPUS)
            g.vcpus = PROTO_VCPUS_MAX;
        if (flags & PROTO_GRANT_MEM)
            g.mem = 1;
        n = proto_grant_encode(&g, buf, sizeof(buf));
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(proto_grant_decode(buf, (size_t)n, &back, NULL), 0);
        ck_assert(memcmp(&g, &back, sizeof(g)) == 0);
    }
    g = (struct proto_grant){PROTO_GRANT_ALL, U(150), 2, U(1024)};
    ck_assert_int_eq(proto_grant_encode(&g, buf, sizeof(buf)), 25);
    ck_assert_str_eq(buf, "cpu 150 vcpus 2 mem 1024\n");
    ck_assert_int_eq(proto_grant_encode(&g, buf, 25), PLM_ERANGE);
    g = (struct proto_grant){PROTO_GRANT_MEM, 0, 0, 1500};
    ck_assert_int_eq(proto_grant_encode(&g, buf, sizeof(buf)), 8);
    ck_assert_str_eq(buf, "mem 1.5\n");
}
END_TEST

START_TEST(test_grant_encode_invalid)
{
    char buf[PROTO_GRANT_ENCODED_MAX + 1];
    struct proto_grant g = {0};

    ck_assert_int_eq(proto_grant_encode(&g, buf, sizeof(buf)), PLM_EINVAL);
    g.flags = 0x8u;
    ck_assert_int_eq(proto_grant_encode(&g, buf, sizeof(buf)), PLM_EINVAL);
    g = (struct proto_grant){PROTO_GRANT_VCPUS, 0, 0, 0};
    ck_assert_int_eq(proto_grant_encode(&g, buf, sizeof(buf)), PLM_EINVAL);
    g = (struct proto_grant){PROTO_GRANT_VCPUS, 0, PROTO_VCPUS_MAX + 1, 0};
    ck_assert_int_eq(proto_grant_encode(&g, buf, sizeof(buf)), PLM_EINVAL);
    g = (struct proto_grant){PROTO_GRANT_CPU, -1, 0, 0};
    ck_assert_int_eq(proto_grant_encode(&g, buf, sizeof(buf)), PLM_EINVAL);
    g = (struct proto_grant){PROTO_GRANT_MEM, 0, 0, PLM_AMT_MAX + 1};
    ck_assert_int_eq(proto_grant_encode(&g, buf, sizeof(buf)), PLM_EINVAL);
    ck_assert_int_eq(proto_grant_encode(NULL, buf, sizeof(buf)), PLM_EINVAL);
}
END_TEST

/* A status value decodes back to the reason written, cut and sanitised. */
static void check_status(const char *buf, int n, bool ok, const char *reason)
{
    bool got_ok = !ok;
    const char *r = "x";
    size_t rn = 99;
    struct proto_error err;

    ck_assert_int_eq(n, (int)strlen(buf));
    ck_assert_int_le(n, PROTO_STATUS_MAX);
    ck_assert_int_eq(proto_status_decode(buf, (size_t)n, &got_ok, &r, &rn, &err), 0);
    ck_assert(got_ok == ok);
    if (!reason) {
        ck_assert_ptr_null(r);
        ck_assert_uint_eq(rn, 0);
    } else {
        ck_assert_uint_eq(rn, strlen(reason));
        ck_assert(memcmp(r, reason, rn) == 0);
    }
}

START_TEST(test_status_format)
{
    char buf[512], longr[1001], want[300];
    int n;

    n = proto_status_format(buf, sizeof(buf), NULL);
    ck_assert_str_eq(buf, "ok\n");
    check_status(buf, n, true, NULL);

    n = proto_status_format(buf, sizeof(buf), "line 3: cpu level 17: too many levels (max 16)");
    ck_assert_str_eq(buf, "rejected: line 3: cpu level 17: too many levels (max 16)\n");
    check_status(buf, n, false, "line 3: cpu level 17: too many levels (max 16)");

    n = proto_status_format(buf, sizeof(buf),
                            "a\tb\x01"
                            "c\xff\n");
    ck_assert_str_eq(buf, "rejected: a?b?c??\n");
    check_status(buf, n, false, "a?b?c??");

    n = proto_status_format(buf, sizeof(buf), "");
    ck_assert_str_eq(buf, "rejected: unspecified\n");
    check_status(buf, n, false, "unspecified");

    /* Bounded by PROTO_STATUS_MAX: 10 + 242 + "..." + LF = 256. */
    memset(longr, 'x', 1000);
    longr[1000] = '\0';
    n = proto_status_format(buf, sizeof(buf), longr);
    ck_assert_int_eq(n, PROTO_STATUS_MAX);
    memset(want, 'x', 242);
    memcpy(want + 242, "...", 4);
    check_status(buf, n, false, want);

    /* 245 bytes fit exactly; one more is cut. */
    longr[245] = '\0';
    n = proto_status_format(buf, sizeof(buf), longr);
    ck_assert_int_eq(n, PROTO_STATUS_MAX);
    check_status(buf, n, false, longr);
    longr[245] = 'x';
    longr[246] = '\0';
    n = proto_status_format(buf, sizeof(buf), longr);
    ck_assert_int_eq(n, PROTO_STATUS_MAX);
    check_status(buf, n, false, want);

    /* ...and by the buffer. */
    memset(buf, '#', sizeof(buf));
    n = proto_status_format(buf, PROTO_STATUS_MIN_BUF, longr);
    ck_assert_str_eq(buf, "rejected: x...\n");
    ck_assert_int_eq(buf[PROTO_STATUS_MIN_BUF], '#');
    check_status(buf, n, false, "x...");
    ck_assert_int_eq(proto_status_format(buf, PROTO_STATUS_MIN_BUF - 1, NULL), PLM_ERANGE);
    ck_assert_int_eq(proto_status_format(NULL, sizeof(buf), NULL), PLM_ERANGE);
}
END_TEST

/* A guest's feature flag: only "1" (a final LF allowed) is on; nothing
 * or an empty value is unsaid; anything else is off. */
START_TEST(test_feature_flag)
{
    static const struct {
        const char *v;
        size_t len;
        enum proto_feature want;
    } rows[] = {
        {"1", 1, PROTO_FEATURE_ON},      {"1\n", 2, PROTO_FEATURE_ON},
        {"", 0, PROTO_FEATURE_UNSAID},   {NULL, 0, PROTO_FEATURE_UNSAID},
        {"0", 1, PROTO_FEATURE_OFF},     {"1 ", 2, PROTO_FEATURE_OFF},
        {"11", 2, PROTO_FEATURE_OFF},    {"1\0", 2, PROTO_FEATURE_OFF},
        {"yes", 3, PROTO_FEATURE_OFF},   {"\n", 1, PROTO_FEATURE_OFF},
        {"1\n\n", 3, PROTO_FEATURE_OFF},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        ck_assert_msg(proto_feature_parse(rows[i].v, rows[i].len) == rows[i].want, "row %zu", i);
}
END_TEST

/* An accepted request the daemon cannot carry out in full: "ok: <note>". */
START_TEST(test_status_ok_note)
{
    char buf[512], longr[1001], want[300];
    int n;

    n = proto_status_format_ok(buf, sizeof(buf), NULL);
    ck_assert_str_eq(buf, "ok\n");
    check_status(buf, n, true, NULL);
    n = proto_status_format_ok(buf, sizeof(buf), "no balloon (memory levels not enforced)");
    ck_assert_str_eq(buf, "ok: no balloon (memory levels not enforced)\n");
    check_status(buf, n, true, "no balloon (memory levels not enforced)");
    n = proto_status_format_ok(buf, sizeof(buf), "a\tb");
    ck_assert_str_eq(buf, "ok: a?b\n");
    check_status(buf, n, true, "a?b");
    /* Cut as a reason is: 4 + 248 + "..." + LF = 256. */
    memset(longr, 'y', 1000);
    longr[1000] = '\0';
    n = proto_status_format_ok(buf, sizeof(buf), longr);
    ck_assert_int_eq(n, PROTO_STATUS_MAX);
    memset(want, 'y', 248);
    memcpy(want + 248, "...", 4);
    check_status(buf, n, true, want);
    /* A bare "ok: " is no status. */
    bool ok;
    const char *r;
    size_t rn;
    ck_assert_int_eq(proto_status_decode("ok: \n", 5, &ok, &r, &rn, NULL), PLM_EGRAMMAR);
}
END_TEST

START_TEST(test_status_decode_bad)
{
    static const struct {
        const char *text;
        size_t len;
        const char *msg;
    } bad[] = {
        {V("okay\n"), "line 1: want 'ok', 'ok: <note>' or 'rejected: <reason>'"},
        {V("OK\n"), "line 1: want 'ok', 'ok: <note>' or 'rejected: <reason>'"},
        {V("rejected:\n"), "line 1: want 'ok', 'ok: <note>' or 'rejected: <reason>'"},
        {V("rejected: \n"), "line 1: want 'ok', 'ok: <note>' or 'rejected: <reason>'"},
        {V("ok"), "line 1: missing final newline"},
        {V("ok\nok\n"), "line 2: extra line (want one line)"},
        {V(""), "empty value"},
    };
    bool ok;
    const char *r;
    size_t rn;
    struct proto_error err;
    char big[PROTO_STATUS_MAX + 1];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(proto_status_decode(bad[i].text, bad[i].len, &ok, &r, &rn, &err),
                         PLM_EGRAMMAR);
        ck_assert_str_eq(err.text, bad[i].msg);
    }
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(proto_status_decode(big, sizeof(big), &ok, &r, &rn, &err), PLM_ERANGE);
    ck_assert_str_eq(err.text, "value too large: 257 bytes (max 256)");
    ck_assert_int_eq(proto_status_decode(V("ok\n"), NULL, &r, &rn, &err), PLM_EINVAL);
}
END_TEST

START_TEST(test_seq_value)
{
    static const struct {
        const char *text;
        size_t len;
        int rc;
        const char *msg;
    } cases[] = {
        {V("42\n"), 0, ""},
        {V("18446744073709551615\n"), 0, ""},
        {V("18446744073709551616\n"), PLM_ERANGE, "line 1: seq: out of range"},
        {V("118446744073709551616\n"), PLM_ERANGE, "value too large: 22 bytes (max 21)"},
        {V("007\n"), PLM_EGRAMMAR, "line 1: seq: leading zero"},
        {V("-1\n"), PLM_EGRAMMAR, "line 1: seq: not a number"},
        {V("4 2\n"), PLM_EGRAMMAR, "line 1: seq: not a number"},
        {V("42"), PLM_EGRAMMAR, "line 1: missing final newline"},
        {V("42\n\n"), PLM_EGRAMMAR, "line 2: extra line (want one line)"},
        {V("\n"), PLM_EGRAMMAR, "line 1: empty line"},
    };
    char buf[PROTO_SEQ_MAX + 1];
    struct proto_error err;
    uint64_t v;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v = 7;
        ck_assert_int_eq(proto_seq_decode(cases[i].text, cases[i].len, &v, &err), cases[i].rc);
        ck_assert_str_eq(err.text, cases[i].msg);
        if (cases[i].rc < 0)
            ck_assert_uint_eq(v, 7);
    }
    ck_assert_int_eq(proto_seq_encode(UINT64_MAX, buf, sizeof(buf)), PROTO_SEQ_MAX);
    ck_assert_str_eq(buf, "18446744073709551615\n");
    ck_assert_int_eq(proto_seq_decode(buf, PROTO_SEQ_MAX, &v, NULL), 0);
    ck_assert_uint_eq(v, UINT64_MAX);
    ck_assert_int_eq(proto_seq_encode(0, buf, sizeof(buf)), 2);
    ck_assert_str_eq(buf, "0\n");
    ck_assert_int_eq(proto_seq_encode(UINT64_MAX, buf, PROTO_SEQ_MAX), PLM_ERANGE);
}
END_TEST

/* ---- rate limiter ------------------------------------------------------ */

START_TEST(test_rl_init)
{
    struct proto_ratelimit rl;

    ck_assert_int_eq(proto_rl_init(&rl, 0, 1000, 0), PLM_EINVAL);
    ck_assert_int_eq(proto_rl_init(&rl, PROTO_RL_BURST_MAX + 1, 1000, 0), PLM_EINVAL);
    ck_assert_int_eq(proto_rl_init(&rl, 1, -1, 0), PLM_EINVAL);
    ck_assert_int_eq(proto_rl_init(&rl, 1, PLM_AMT_MAX + 1, 0), PLM_EINVAL);
    ck_assert_int_eq(proto_rl_init(NULL, 1, 1, 0), PLM_EINVAL);
    ck_assert_int_eq(proto_rl_init(&rl, PROTO_RL_BURST_MAX, PLM_AMT_MAX, 0), 0);
}
END_TEST

START_TEST(test_rl_burst_then_limited)
{
    struct proto_ratelimit rl;
    uint64_t t0 = 5000;

    ck_assert_int_eq(proto_rl_init(&rl, 3, 1000, t0), 0); /* 3 at once, then 1/s */
    ck_assert(proto_rl_allow(&rl, t0));
    ck_assert(proto_rl_allow(&rl, t0));
    ck_assert(proto_rl_allow(&rl, t0 + 1));
    ck_assert(!proto_rl_allow(&rl, t0 + 1));
    ck_assert_uint_eq(proto_rl_wait_ms(&rl, t0 + 1), 999);
    ck_assert(!proto_rl_allow(&rl, t0 + 999));
    ck_assert_uint_eq(proto_rl_wait_ms(&rl, t0 + 999), 1);
    ck_assert(proto_rl_allow(&rl, t0 + 1001));
    ck_assert(!proto_rl_allow(&rl, t0 + 1001));
    /* The millisecond gained at t0 + 1 was kept. */
    ck_assert_uint_eq(proto_rl_wait_ms(&rl, t0 + 1001), 999);

    /* A steady writer at 10/s against 1/s gets one in ten through. */
    unsigned served = 0;
    ck_assert_int_eq(proto_rl_init(&rl, 1, 1000, 0), 0);
    ck_assert(proto_rl_allow(&rl, 0));
    for (uint64_t t = 100; t <= 60000; t += 100)
        served += proto_rl_allow(&rl, t);
    ck_assert_uint_eq(served, 60);
}
END_TEST

START_TEST(test_rl_refill)
{
    struct proto_ratelimit rl;
    uint64_t t;

    /* 0.2 per second: one every five seconds. */
    ck_assert_int_eq(proto_rl_init(&rl, 1, 200, 0), 0);
    ck_assert(proto_rl_allow(&rl, 0));
    ck_assert(!proto_rl_allow(&rl, 4999));
    ck_assert(proto_rl_allow(&rl, 5000));

    /* Refills are exact however the calls are spaced: 0.003/s is one
     * token after 333333.3 ms, so the 333334th millisecond. */
    ck_assert_int_eq(proto_rl_init(&rl, 1, 3, 0), 0);
    ck_assert(proto_rl_allow(&rl, 0));
    for (t = 7; !proto_rl_allow(&rl, t) && t <= 400000; t += 7)
        continue;
    ck_assert_uint_ge(t, 333334);
    ck_assert_uint_lt(t, 333334 + 7);

    /* Idle time fills the bucket to its burst and no further. */
    ck_assert_int_eq(proto_rl_init(&rl, 2, 1000, 0), 0);
    ck_assert(proto_rl_allow(&rl, 0));
    ck_assert(proto_rl_allow(&rl, 0));
    ck_assert(proto_rl_allow(&rl, 3600000));
    ck_assert(proto_rl_allow(&rl, 3600000));
    ck_assert(!proto_rl_allow(&rl, 3600000));

    /* The query does not consume or refill. */
    ck_assert_uint_eq(proto_rl_wait_ms(&rl, 3600500), 500);
    ck_assert_uint_eq(proto_rl_wait_ms(&rl, 3600500), 500);
    ck_assert_uint_eq(proto_rl_wait_ms(&rl, 3601000), 0);
    ck_assert(proto_rl_allow(&rl, 3601000));
}
END_TEST

START_TEST(test_rl_extremes)
{
    struct proto_ratelimit rl;

    /* A gap of the whole clock range, at the highest rate and burst. */
    ck_assert_int_eq(proto_rl_init(&rl, PROTO_RL_BURST_MAX, PLM_AMT_MAX, 0), 0);
    unsigned taken = 0;
    while (taken <= PROTO_RL_BURST_MAX && proto_rl_allow(&rl, 0))
        taken++;
    ck_assert_uint_eq(taken, PROTO_RL_BURST_MAX);
    ck_assert(proto_rl_allow(&rl, UINT64_MAX));
    ck_assert_uint_eq(rl.level, rl.cap - PROTO_RL_TOKEN);

    /* The slowest rate across the whole range: full, not wrapped. */
    ck_assert_int_eq(proto_rl_init(&rl, 5, 1, 0), 0);
    for (int i = 0; i < 5; i++)
        ck_assert(proto_rl_allow(&rl, 0));
    ck_assert_uint_eq(proto_rl_wait_ms(&rl, 0), 1000000);
    ck_assert_uint_eq(proto_rl_wait_ms(&rl, UINT64_MAX), 0);
    for (int i = 0; i < 5; i++)
        ck_assert(proto_rl_allow(&rl, UINT64_MAX));
    ck_assert(!proto_rl_allow(&rl, UINT64_MAX));

    /* Rate 0: the burst and nothing more. */
    ck_assert_int_eq(proto_rl_init(&rl, 1, 0, 0), 0);
    ck_assert(proto_rl_allow(&rl, 0));
    ck_assert(!proto_rl_allow(&rl, UINT64_MAX));
    ck_assert_uint_eq(proto_rl_wait_ms(&rl, UINT64_MAX), UINT64_MAX);

    /* A clock that goes back gains nothing, then counts from there. */
    ck_assert_int_eq(proto_rl_init(&rl, 1, 1000, 10000), 0);
    ck_assert(proto_rl_allow(&rl, 10000));
    ck_assert(!proto_rl_allow(&rl, 5000));
    ck_assert(!proto_rl_allow(&rl, 5999));
    ck_assert(proto_rl_allow(&rl, 6000));
}
END_TEST

/* ---- fuzzing ------------------------------------------------------------- */

#define FUZZ_CAP (PROTO_VALUE_MAX + 64)

/* Pieces a mutation may splice in: the usual suspects of a hostile value. */
static const char *const dict[] = {
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "\0",
    "\x7f",
    "\xff",
    "0",
    "00",
    "-",
    "+",
    ".",
    "1.",
    ".5",
    "0.001",
    "1.2345",
    "999999999.999",
    "1000000000",
    "1000000000.001",
    "1e30",
    "1000000000000000000000000000000",
    "18446744073709551615",
    "18446744073709551616",
    "xenplm-request 1\n",
    "xenplm-request 2\n",
    "xenplm-boost 1\n",
    "cpu pct 1\nfor ms 1\n",
    "for ms ",
    "seq ",
    "seq 1\n",
    "cpu ",
    "mem ",
    "pct ",
    "mib ",
    "cpu pct 1\n",
    "mem mib 1\n",
    "vcpus ",
    "ok\n",
    "rejected: ",
    "cpu pct 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
};

static size_t mutate(uint64_t *s, char *buf, size_t len)
{
    size_t pos = rng_below(s, len + 1);

    switch (rng_below(s, 7)) {
    case 0: /* overwrite a byte */
        if (len)
            buf[rng_below(s, len)] = (char)rng_below(s, 256);
        break;
    case 1: /* insert a byte */
        if (len < FUZZ_CAP) {
            memmove(buf + pos + 1, buf + pos, len - pos);
            /* half random bytes, half the grammar's own separators and digits */
            buf[pos] = rng_below(s, 2) ? (char)rng_below(s, 256) : "0 \n.9"[rng_below(s, 5)];
            len++;
        }
        break;
    case 2: /* delete a run */
        if (pos < len) {
            size_t n = 1 + rng_below(s, len - pos < 8 ? len - pos : 8);
            memmove(buf + pos, buf + pos + n, len - pos - n);
            len -= n;
        }
        break;
    case 3: /* duplicate a run, up to the cap */
        if (pos < len) {
            size_t n = 1 + rng_below(s, len - pos);
            if (n > FUZZ_CAP - len)
                n = FUZZ_CAP - len;
            memmove(buf + pos + n, buf + pos, len - pos);
            len += n;
        }
        break;
    case 4: /* truncate */
        len = pos;
        break;
    default: { /* splice in a dictionary word (its NUL too, for "\0") */
        const char *w = dict[rng_below(s, sizeof(dict) / sizeof(dict[0]))];
        size_t n = w[0] ? strlen(w) : 1;
        if (n <= FUZZ_CAP - len) {
            memmove(buf + pos + n, buf + pos, len - pos);
            memcpy(buf + pos, w, n);
            len += n;
        }
        break;
    }
    }
    return len;
}

/* An error text is non-empty, bounded, printable ASCII, and agrees with rc. */
static void check_error(const struct proto_error *err, int rc, unsigned seed, long it)
{
    size_t n = strnlen(err->text, sizeof(err->text));
    unsigned line = 0;

    REQUIRE(n < sizeof(err->text));
    REQUIRE(err->rc == rc);
    REQUIRE(rc == 0 ? n == 0 : n > 0);
    for (size_t i = 0; i < n; i++)
        REQUIRE(err->text[i] >= 0x20 && err->text[i] <= 0x7e);
    if (sscanf(err->text, "line %u: ", &line) != 1)
        line = 0;
    REQUIRE(err->line == line);
}

/* One fuzz input through every decoder; returns whether the request decoder took it. */
static bool fuzz_one(uint64_t *s, const char *in, size_t len, unsigned seed, long it)
{
    /* An exact-size heap copy, so that ASan and valgrind see any over-read. */
    char *copy = malloc(len ? len : 1);
    struct proto_request r, back, before;
    struct proto_limits lim;
    struct proto_error err;
    char enc[PROTO_REQUEST_ENCODED_MAX + 1], enc2[PROTO_REQUEST_ENCODED_MAX + 1];
    bool limited = rng_below(s, 4) == 0;
    int rc, n;

    REQUIRE(copy != NULL);
    memcpy(copy, in, len);
    memset(&r, 0xa5, sizeof(r));
    before = r;
    lim.max[PROTO_RES_CPU] = (plm_amt_t)rng_below(s, (uint64_t)PLM_AMT_MAX + 1);
    lim.max[PROTO_RES_MEM] = (plm_amt_t)rng_below(s, (uint64_t)PLM_AMT_MAX + 1);
    rc = limited ? proto_request_decode_limited(copy, len, &lim, &r, &err)
                 : proto_request_decode(copy, len, &r, &err);
    REQUIRE(rc == 0 || rc == PLM_EGRAMMAR || rc == PLM_ERANGE || rc == PLM_EPRECISION ||
            rc == PLM_ETOOMANY);
    check_error(&err, rc, seed, it);
    if (rc < 0) {
        REQUIRE(memcmp(&r, &before, sizeof(r)) == 0); /* untouched */
    } else {
        /* Accepted: well-formed output that re-encodes and re-decodes to itself. */
        REQUIRE(r.flags & PROTO_REQ_HAS_ANY);
        for (unsigned res = 0; res < PROTO_NRES; res++) {
            if (!(r.flags & PROTO_REQ_HAS(res)))
                continue;
            REQUIRE(r.res[res].nlevels >= 1 && r.res[res].nlevels <= PLM_MAX_LEVELS);
            for (unsigned k = 0; k < r.res[res].nlevels; k++) {
                REQUIRE(r.res[res].level[k] >= 0 && r.res[res].level[k] <= PLM_AMT_MAX);
                if (limited)
                    REQUIRE(r.res[res].level[k] <= lim.max[res]);
                if (k)
                    REQUIRE(r.res[res].level[k] >= r.res[res].level[k - 1]);
            }
        }
        n = proto_request_encode(&r, enc, sizeof(enc));
        REQUIRE(n > 0);
        REQUIRE(proto_request_decode(enc, (size_t)n, &back, &err) == 0);
        REQUIRE(proto_request_equal(&r, &back));
        REQUIRE(proto_request_encode(&back, enc2, sizeof(enc2)) == n);
        REQUIRE(strcmp(enc, enc2) == 0);
    }

    /* The answer decoders see the same hostile bytes. */
    {
        struct proto_grant g, gb;
        char genc[PROTO_GRANT_ENCODED_MAX + 1];
        int grc = proto_grant_decode(copy, len, &g, &err);
        check_error(&err, grc, seed, it);
        if (grc == 0) {
            int gn = proto_grant_encode(&g, genc, sizeof(genc));
            REQUIRE(gn > 0);
            REQUIRE(proto_grant_decode(genc, (size_t)gn, &gb, NULL) == 0);
            REQUIRE(memcmp(&g, &gb, sizeof(g)) == 0);
        }
    }
    {
        struct proto_boost b, bb;
        char benc[PROTO_BOOST_ENCODED_MAX + 1];
        int brc = proto_boost_decode(copy, len, lim.max[PROTO_RES_CPU], &b, &err);
        check_error(&err, brc, seed, it);
        if (brc == 0) {
            int bn = proto_boost_encode(&b, benc, sizeof(benc));
            REQUIRE(bn > 0 && b.cpu <= lim.max[PROTO_RES_CPU]);
            REQUIRE(proto_boost_decode(benc, (size_t)bn, PLM_AMT_MAX, &bb, NULL) == 0);
            REQUIRE(bb.seq == b.seq && bb.cpu == b.cpu && bb.for_ms == b.for_ms);
        }
    }
    {
        bool ok;
        const char *reason;
        size_t rlen;
        uint64_t v;
        int src = proto_status_decode(copy, len, &ok, &reason, &rlen, &err);
        check_error(&err, src, seed, it);
        if (src == 0 && !ok)
            REQUIRE(reason >= copy && reason + rlen <= copy + len);
        check_error(&err, proto_seq_decode(copy, len, &v, &err), seed, it);
    }
    free(copy);
    return rc == 0;
}

static long fuzz_iterations(void)
{
    const char *s = getenv("XENPLM_FUZZ_ITERATIONS");
    return s ? strtol(s, NULL, 10) : 200000;
}

START_TEST(test_fuzz)
{
    static const char *const seeds[] = {
        HDR "seq 42\ncpu pct 50 120 200\nmem mib 512 768 1024\n",
        HDR "seq 0\ncpu pct 0.5\n",
        HDR "seq 18446744073709551615\nmem mib 999999999.999 1000000000\n",
        P "cpu pct 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
        P "cpu pct 200 100 300\nmem mib 3 2 1\n",
        "cpu 150 vcpus 2 mem 1024\n",
        "rejected: line 3: cpu: no levels\n",
        "18446744073709551615\n",
        "xenplm-boost 1\nseq 42\ncpu pct 150\nfor ms 5000\n",
    };
    const size_t nseeds = sizeof(seeds) / sizeof(seeds[0]);
    unsigned seed = base_seed();
    uint64_t s = (uint64_t)seed * 0x9e3779b97f4a7c15ull + 7;
    static char buf[FUZZ_CAP];
    long iters = fuzz_iterations(), accepted = 0;

    for (long it = 0; it < iters; it++) {
        size_t len;

        /* Start from a fixed seed, or from a fresh random valid request. */
        if (rng_below(&s, 3) == 0) {
            struct proto_request r;
            random_request(&s, &r);
            len = (size_t)proto_request_encode(&r, buf, sizeof(buf));
        } else {
            const char *src = seeds[rng_below(&s, nseeds)];
            len = strlen(src);
            memcpy(buf, src, len);
        }
        for (uint64_t m = rng_below(&s, 5); m > 0; m--)
            len = mutate(&s, buf, len);
        accepted += fuzz_one(&s, buf, len, seed, it);
    }
    /* Guard against a fuzzer that only ever feeds garbage (or only good input). */
    if (iters >= 1000) {
        ck_assert_int_gt(accepted, iters / 20);
        ck_assert_int_lt(accepted, iters - iters / 20);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("protocol");
    TCase *tc = tcase_create("request");
    tcase_add_loop_test(tc, test_request_table, 0, (int)(sizeof(rcases) / sizeof(rcases[0])));
    tcase_add_test(tc, test_request_size_limit);
    tcase_add_test(tc, test_request_stops_at_len);
    tcase_add_test(tc, test_request_arguments);
    tcase_add_test(tc, test_request_values);
    tcase_add_test(tc, test_request_normalised);
    tcase_add_test(tc, test_request_limits);
    tcase_add_test(tc, test_request_to_plm);
    tcase_add_test(tc, test_request_encode);
    tcase_add_test(tc, test_request_encode_invalid);
    tcase_add_test(tc, test_request_encode_largest);
    tcase_add_test(tc, test_request_round_trip_random);
    suite_add_tcase(s, tc);

    tc = tcase_create("answers");
    tcase_add_loop_test(tc, test_boost_table, 0, (int)(sizeof(bcases) / sizeof(bcases[0])));
    tcase_add_test(tc, test_boost_size_and_round_trip);
    tcase_add_loop_test(tc, test_grant_table, 0, (int)(sizeof(gcases) / sizeof(gcases[0])));
    tcase_add_test(tc, test_grant_round_trip);
    tcase_add_test(tc, test_grant_encode_invalid);
    tcase_add_test(tc, test_status_format);
    tcase_add_test(tc, test_status_ok_note);
    tcase_add_test(tc, test_feature_flag);
    tcase_add_test(tc, test_status_decode_bad);
    tcase_add_test(tc, test_seq_value);
    suite_add_tcase(s, tc);

    tc = tcase_create("ratelimit");
    tcase_add_test(tc, test_rl_init);
    tcase_add_test(tc, test_rl_burst_then_limited);
    tcase_add_test(tc, test_rl_refill);
    tcase_add_test(tc, test_rl_extremes);
    suite_add_tcase(s, tc);

    tc = tcase_create("fuzz");
    /* Generous: valgrind runs this too. */
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_fuzz);
    suite_add_tcase(s, tc);

    return check_run(s);
}
