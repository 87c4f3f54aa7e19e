/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decoding and encoding the guest's boost value (boost.h).  Like the
 * request's decoder, a first line of defence: fixed lines in a fixed
 * order, every field checked, nothing committed before the whole value
 * is accepted.
 */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "protocol/boost.h"

#define HEADER_WORD "xenplm-boost"

/* Longest amount: "999999999.999". */
_Static_assert(sizeof(HEADER_WORD " 1\n") - 1 + sizeof("seq 18446744073709551615\n") - 1 +
                       sizeof("cpu pct 999999999.999\n") - 1 + sizeof("for ms 3600000\n") - 1 <=
                   PROTO_BOOST_ENCODED_MAX,
               "PROTO_BOOST_ENCODED_MAX is too small");
_Static_assert(PROTO_BOOST_ENCODED_MAX <= PROTO_BOOST_VALUE_MAX, "an encoded boost must be read");

/* The fixed lines: their keyword and the word after it (NULL: none). */
static const struct {
    const char *word, *unit;
} lines[] = {
    {HEADER_WORD, NULL},
    {"seq", NULL},
    {"cpu", "pct"},
    {"for", "ms"},
};
#define NLINES (sizeof(lines) / sizeof(lines[0]))

/* The number field of line k (1-based), after its keyword and unit. */
static int line_number(const char *buf, const struct proto_span *line, unsigned k,
                       struct proto_span *num, struct proto_error *err)
{
    struct proto_fields f;
    struct proto_span w, extra;
    const char *word = lines[k - 1].word, *unit = lines[k - 1].unit;
    int rc;

    if (line->n == 0)
        return proto_fail(err, PLM_EGRAMMAR, k, line->off, "empty line");
    proto_fields_init(&f, buf, line, k);
    rc = proto_fields_next(&f, &w, err);
    if (rc < 0)
        return rc;
    if (!proto_span_is(&w, word)) {
        if (k == 1)
            return proto_fail(err, PLM_EGRAMMAR, 1, w.off,
                              "missing header (want '" HEADER_WORD " %d')", PROTO_BOOST_VERSION);
        /* Memory is not boosted: say so rather than "expected". */
        if (proto_span_is(&w, "mem"))
            return proto_fail(err, PLM_EGRAMMAR, k, w.off, "mem: only cpu can be boosted");
        return proto_fail(err, PLM_EGRAMMAR, k, w.off, "expected '%s', found '%.*s%s'", word,
                          PROTO_QUOTE(&w));
    }
    if (unit) {
        rc = proto_fields_next(&f, &w, err);
        if (rc < 0)
            return rc;
        if (rc == 0 || !proto_span_is(&w, unit))
            return proto_fail(err, PLM_EGRAMMAR, k, rc ? w.off : line->off + line->n,
                              "%s: want unit %s", word, unit);
    }
    rc = proto_fields_next(&f, num, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return proto_fail(err, PLM_EGRAMMAR, k, line->off + line->n, "%s: missing number", word);
    rc = proto_fields_next(&f, &extra, err);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return proto_fail(err, PLM_EGRAMMAR, k, extra.off, "%s: extra field '%.*s%s'", word,
                          PROTO_QUOTE(&extra));
    return 0;
}

int proto_boost_decode(const char *buf, size_t len, plm_amt_t max_cpu, struct proto_boost *out,
                       struct proto_error *err_out)
{
    struct proto_lines it;
    struct proto_span line, num;
    struct proto_boost b;
    unsigned k = 0;
    int rc;

    proto_error_clear(err_out);
    if ((!buf && len > 0) || !out || max_cpu < 0)
        return proto_fail(err_out, PLM_EINVAL, 0, 0, "invalid argument");
    memset(&b, 0, sizeof(b));
    rc = proto_check_text(buf, len, PROTO_BOOST_VALUE_MAX, err_out);
    if (rc < 0)
        return rc;
    proto_lines_init(&it, buf, len);
    while (proto_lines_next(&it, &line)) {
        const char *why = "";
        uint64_t v = 0;

        if (++k > NLINES)
            return proto_fail(err_out, PLM_EGRAMMAR, k, line.off, "extra line");
        rc = line_number(buf, &line, k, &num, err_out);
        if (rc < 0)
            return rc;
        if (k == 3) {
            plm_amt_t a = 0;
            rc = proto_lex_amount(&num, &a, &why);
            if (rc == PLM_ERANGE || (rc == 0 && a > max_cpu)) {
                char lim[PLM_AMT_STRLEN];
                return proto_fail(err_out, PLM_ERANGE, k, num.off, "cpu: above the limit (max %s)",
                                  plm_amt_format(max_cpu, lim));
            }
            if (rc < 0)
                return proto_fail(err_out, rc, k, num.off, "cpu: %s", why);
            b.cpu = a;
            continue;
        }
        rc = proto_lex_u64(&num, &v, &why);
        if (rc < 0)
            return proto_fail(err_out, rc, k, num.off, "%s: %s", lines[k - 1].word, why);
        if (k == 1 && v != PROTO_BOOST_VERSION)
            return proto_fail(err_out, PLM_ERANGE, 1, num.off, "unsupported version %llu (want %d)",
                              (unsigned long long)v, PROTO_BOOST_VERSION);
        if (k == 2)
            b.seq = v;
        if (k == 4) {
            if (v > PROTO_BOOST_FOR_MAX_MS)
                return proto_fail(err_out, PLM_ERANGE, 4, num.off, "for: above the limit (max %u)",
                                  PROTO_BOOST_FOR_MAX_MS);
            b.for_ms = v;
        }
    }
    if (k < NLINES)
        return proto_fail(err_out, PLM_EGRAMMAR, k + 1, len, "missing '%s' line", lines[k].word);
    *out = b;
    return 0;
}

int proto_boost_encode(const struct proto_boost *b, char *buf, size_t bufsz)
{
    struct proto_out o;

    if (!b || !buf || b->cpu < 0 || b->cpu > PLM_AMT_MAX || b->for_ms > PROTO_BOOST_FOR_MAX_MS)
        return PLM_EINVAL;
    proto_out_init(&o, buf, bufsz);
    proto_out_str(&o, HEADER_WORD " ");
    proto_out_u64(&o, PROTO_BOOST_VERSION);
    proto_out_str(&o, "\nseq ");
    proto_out_u64(&o, b->seq);
    proto_out_str(&o, "\ncpu pct ");
    proto_out_amount(&o, b->cpu);
    proto_out_str(&o, "\nfor ms ");
    proto_out_u64(&o, b->for_ms);
    proto_out_str(&o, "\n");
    return proto_out_finish(&o);
}
