/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decoding and encoding the guest's request value.  The decoder is the
 * daemon's first line of defence against a hostile guest: it works on a
 * (pointer, length) pair, on the stack, and commits nothing to the
 * caller's output until the whole value has been accepted.
 */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "protocol/request.h"

#define HEADER_WORD "xenplm-request"

/* Longest amount plm_amt_format writes for 0..PLM_AMT_MAX: "999999999.999". */
#define AMOUNT_TEXT_MAX 13
_Static_assert(sizeof(HEADER_WORD " 1\n") - 1 + sizeof("seq 18446744073709551615\n") - 1 +
                       PROTO_NRES *
                           (sizeof("cpu pct\n") - 1 + PLM_MAX_LEVELS * (1 + AMOUNT_TEXT_MAX)) <=
                   PROTO_REQUEST_ENCODED_MAX,
               "PROTO_REQUEST_ENCODED_MAX is too small");
_Static_assert(PROTO_REQUEST_ENCODED_MAX <= PROTO_VALUE_MAX,
               "an encoded request must fit in a xenstore node");

static const struct {
    const char *name;
    const char *unit;
} resources[PROTO_NRES] = {
    [PROTO_RES_CPU] = {"cpu", "pct"},
    [PROTO_RES_MEM] = {"mem", "mib"},
};

const char *proto_resource_name(enum proto_resource res)
{
    return (unsigned)res < PROTO_NRES ? resources[res].name : NULL;
}

const char *proto_resource_unit(enum proto_resource res)
{
    return (unsigned)res < PROTO_NRES ? resources[res].unit : NULL;
}

/* State of one decode, to keep the line handlers' signatures short. */
struct decoder {
    const char *buf;
    struct proto_error *err;
    plm_amt_t max[PROTO_NRES];
    unsigned seen_on[PROTO_NRES]; /* line of each resource, 0 if not yet seen */
    struct proto_request r;
};

/* First field of a line, refusing an empty line with its own message. */
static int first_field(struct decoder *d, const struct proto_span *line, unsigned lineno,
                       struct proto_fields *f, struct proto_span *word)
{
    int rc;

    if (line->n == 0)
        return proto_fail(d->err, PLM_EGRAMMAR, lineno, line->off, "empty line");
    proto_fields_init(f, d->buf, line, lineno);
    rc = proto_fields_next(f, word, d->err);
    return rc < 0 ? rc : 0;
}

/* Refuse a field after the last one the line may have. */
static int no_more_fields(struct decoder *d, struct proto_fields *f, const char *what)
{
    struct proto_span extra;
    int rc = proto_fields_next(f, &extra, d->err);

    if (rc < 0)
        return rc;
    if (rc > 0)
        return proto_fail(d->err, PLM_EGRAMMAR, f->line, extra.off, "%s: extra field '%.*s%s'",
                          what, PROTO_QUOTE(&extra));
    return 0;
}

static int decode_header(struct decoder *d, const struct proto_span *line)
{
    struct proto_fields f;
    struct proto_span word, ver;
    const char *why = "";
    uint64_t v = 0;
    int rc;

    rc = first_field(d, line, 1, &f, &word);
    if (rc < 0)
        return rc;
    if (!proto_span_is(&word, HEADER_WORD))
        return proto_fail(d->err, PLM_EGRAMMAR, 1, word.off,
                          "missing header (want '" HEADER_WORD " %d')", PROTO_REQUEST_VERSION);
    rc = proto_fields_next(&f, &ver, d->err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return proto_fail(d->err, PLM_EGRAMMAR, 1, line->off + line->n, "header: missing version");
    rc = proto_lex_u64(&ver, &v, &why);
    if (rc < 0)
        return proto_fail(d->err, rc, 1, ver.off, "version: %s", why);
    /*
     * A newer version is refused, not guessed at: the guest learns from the
     * status text which version this daemon speaks and can fall back.
     */
    if (v != PROTO_REQUEST_VERSION)
        return proto_fail(d->err, PLM_ERANGE, 1, ver.off, "unsupported version %llu (want %d)",
                          (unsigned long long)v, PROTO_REQUEST_VERSION);
    return no_more_fields(d, &f, "header");
}

static int decode_seq(struct decoder *d, const struct proto_span *line)
{
    struct proto_fields f;
    struct proto_span word, num;
    const char *why = "";
    int rc;

    rc = first_field(d, line, 2, &f, &word);
    if (rc < 0)
        return rc;
    if (!proto_span_is(&word, "seq"))
        return proto_fail(d->err, PLM_EGRAMMAR, 2, word.off, "expected 'seq', found '%.*s%s'",
                          PROTO_QUOTE(&word));
    rc = proto_fields_next(&f, &num, d->err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return proto_fail(d->err, PLM_EGRAMMAR, 2, line->off + line->n, "seq: missing number");
    rc = proto_lex_u64(&num, &d->r.seq, &why);
    if (rc < 0)
        return proto_fail(d->err, rc, 2, num.off, "seq: %s", why);
    return no_more_fields(d, &f, "seq");
}

static int decode_levels(struct decoder *d, struct proto_fields *f, enum proto_resource res)
{
    struct proto_levels *lv = &d->r.res[res];
    const char *name = resources[res].name;
    struct proto_span num;
    int rc;

    for (unsigned k = 1;; k++) {
        const char *why = "";
        plm_amt_t v = 0;

        rc = proto_fields_next(f, &num, d->err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        if (k > PLM_MAX_LEVELS)
            return proto_fail(d->err, PLM_ETOOMANY, f->line, num.off,
                              "%s level %u: too many levels (max %d)", name, k, PLM_MAX_LEVELS);
        rc = proto_lex_amount(&num, &v, &why);
        if (rc == PLM_ERANGE || (rc == 0 && v > d->max[res])) {
            char lim[PLM_AMT_STRLEN];
            return proto_fail(d->err, PLM_ERANGE, f->line, num.off,
                              "%s level %u: above the limit (max %s)", name, k,
                              plm_amt_format(d->max[res], lim));
        }
        if (rc < 0)
            return proto_fail(d->err, rc, f->line, num.off, "%s level %u: %s", name, k, why);
        lv->level[k - 1] = v;
        lv->nlevels = k;
    }
    if (lv->nlevels == 0)
        return proto_fail(d->err, PLM_EGRAMMAR, f->line, (size_t)(f->end - d->buf), "%s: no levels",
                          name);
    return 0;
}

static int decode_resource(struct decoder *d, const struct proto_span *line, unsigned lineno)
{
    struct proto_fields f;
    struct proto_span word, unit;
    enum proto_resource res;
    int rc;

    rc = first_field(d, line, lineno, &f, &word);
    if (rc < 0)
        return rc;
    for (res = 0; res < PROTO_NRES; res++)
        if (proto_span_is(&word, resources[res].name))
            break;
    if (res == PROTO_NRES) {
        /* Name the real mistake when a fixed line comes back a second time. */
        if (proto_span_is(&word, "seq") || proto_span_is(&word, HEADER_WORD))
            return proto_fail(d->err, PLM_EGRAMMAR, lineno, word.off, "%.*s%s: duplicate line",
                              PROTO_QUOTE(&word));
        return proto_fail(d->err, PLM_EGRAMMAR, lineno, word.off, "unknown keyword '%.*s%s'",
                          PROTO_QUOTE(&word));
    }
    if (d->seen_on[res])
        return proto_fail(d->err, PLM_EGRAMMAR, lineno, word.off,
                          "%s: duplicate line (first on line %u)", resources[res].name,
                          d->seen_on[res]);
    d->seen_on[res] = lineno;

    rc = proto_fields_next(&f, &unit, d->err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return proto_fail(d->err, PLM_EGRAMMAR, lineno, line->off + line->n,
                          "%s: missing unit (want %s)", resources[res].name, resources[res].unit);
    /*
     * The unit is spelt out so that a value is readable on its own, and so
     * that a future unit is refused by this version rather than misread.
     */
    if (!proto_span_is(&unit, resources[res].unit))
        return proto_fail(d->err, PLM_EGRAMMAR, lineno, unit.off,
                          "%s: unknown unit '%.*s%s' (want %s)", resources[res].name,
                          PROTO_QUOTE(&unit), resources[res].unit);
    rc = decode_levels(d, &f, res);
    if (rc < 0)
        return rc;
    d->r.flags |= PROTO_REQ_HAS(res);
    return 0;
}

int proto_request_decode_limited(const char *buf, size_t len, const struct proto_limits *lim,
                                 struct proto_request *out, struct proto_error *err_out)
{
    struct decoder d;
    struct proto_lines it;
    struct proto_span line;
    int rc;

    proto_error_clear(err_out);
    if ((!buf && len > 0) || !out)
        return proto_fail(err_out, PLM_EINVAL, 0, 0, "invalid argument");
    memset(&d, 0, sizeof(d));
    d.buf = buf;
    d.err = err_out;
    for (unsigned res = 0; res < PROTO_NRES; res++) {
        d.max[res] = PLM_AMT_MAX;
        if (!lim)
            continue;
        if (lim->max[res] < 0)
            return proto_fail(err_out, PLM_EINVAL, 0, 0, "invalid argument");
        if (lim->max[res] < PLM_AMT_MAX)
            d.max[res] = lim->max[res];
    }

    rc = proto_check_text(buf, len, PROTO_VALUE_MAX, err_out);
    if (rc < 0)
        return rc;
    proto_lines_init(&it, buf, len);
    if (!proto_lines_next(&it, &line))
        return proto_fail(err_out, PLM_EGRAMMAR, 0, 0, "empty value");
    rc = decode_header(&d, &line);
    if (rc < 0)
        return rc;
    if (!proto_lines_next(&it, &line))
        return proto_fail(err_out, PLM_EGRAMMAR, 2, len, "missing seq line");
    rc = decode_seq(&d, &line);
    if (rc < 0)
        return rc;
    while (proto_lines_next(&it, &line)) {
        rc = decode_resource(&d, &line, it.no);
        if (rc < 0)
            return rc;
    }
    if (!(d.r.flags & PROTO_REQ_HAS_ANY))
        return proto_fail(err_out, PLM_EGRAMMAR, it.no + 1, len,
                          "missing resource line (want cpu or mem)");

    proto_request_normalise(&d.r);
    *out = d.r;
    return 0;
}

int proto_request_decode(const char *buf, size_t len, struct proto_request *out,
                         struct proto_error *err_out)
{
    return proto_request_decode_limited(buf, len, NULL, out, err_out);
}

unsigned proto_request_normalise(struct proto_request *r)
{
    unsigned changed = 0;

    if (!r)
        return 0;
    for (unsigned res = 0; res < PROTO_NRES; res++) {
        struct proto_levels *lv = &r->res[res];
        unsigned n = lv->nlevels < PLM_MAX_LEVELS ? lv->nlevels : PLM_MAX_LEVELS;

        if (!(r->flags & PROTO_REQ_HAS(res)))
            continue;
        /* Cumulative maximum: the arbiter reads a lower level this way too. */
        for (unsigned k = 1; k < n; k++) {
            if (lv->level[k] < lv->level[k - 1]) {
                lv->level[k] = lv->level[k - 1];
                changed |= PROTO_REQ_NORM(res);
            }
        }
    }
    r->flags |= changed;
    return changed;
}

bool proto_request_equal(const struct proto_request *a, const struct proto_request *b)
{
    if (a->seq != b->seq || (a->flags & PROTO_REQ_HAS_ANY) != (b->flags & PROTO_REQ_HAS_ANY))
        return false;
    for (unsigned res = 0; res < PROTO_NRES; res++) {
        const struct proto_levels *x = &a->res[res], *y = &b->res[res];

        if (!(a->flags & PROTO_REQ_HAS(res)))
            continue;
        if (x->nlevels != y->nlevels || x->nlevels > PLM_MAX_LEVELS)
            return false;
        if (memcmp(x->level, y->level, x->nlevels * sizeof(x->level[0])) != 0)
            return false;
    }
    return true;
}

/* Whether the decoder could have produced r (ignoring the NORM bits). */
static bool encodable(const struct proto_request *r)
{
    if ((r->flags & ~(PROTO_REQ_HAS_ANY | PROTO_REQ_NORMALISED)) != 0)
        return false;
    if (!(r->flags & PROTO_REQ_HAS_ANY))
        return false;
    for (unsigned res = 0; res < PROTO_NRES; res++) {
        const struct proto_levels *lv = &r->res[res];

        if (!(r->flags & PROTO_REQ_HAS(res)))
            continue;
        if (lv->nlevels == 0 || lv->nlevels > PLM_MAX_LEVELS)
            return false;
        for (unsigned k = 0; k < lv->nlevels; k++) {
            if (lv->level[k] < 0 || lv->level[k] > PLM_AMT_MAX)
                return false;
            if (k > 0 && lv->level[k] < lv->level[k - 1])
                return false;
        }
    }
    return true;
}

int proto_request_encode(const struct proto_request *r, char *buf, size_t bufsz)
{
    struct proto_out o;

    if (!r || !buf || !encodable(r))
        return PLM_EINVAL;
    proto_out_init(&o, buf, bufsz);
    proto_out_str(&o, HEADER_WORD " ");
    proto_out_u64(&o, PROTO_REQUEST_VERSION);
    proto_out_str(&o, "\nseq ");
    proto_out_u64(&o, r->seq);
    proto_out_str(&o, "\n");
    for (unsigned res = 0; res < PROTO_NRES; res++) {
        const struct proto_levels *lv = &r->res[res];

        if (!(r->flags & PROTO_REQ_HAS(res)))
            continue;
        proto_out_str(&o, resources[res].name);
        proto_out_str(&o, " ");
        proto_out_str(&o, resources[res].unit);
        for (unsigned k = 0; k < lv->nlevels; k++) {
            proto_out_str(&o, " ");
            proto_out_amount(&o, lv->level[k]);
        }
        proto_out_str(&o, "\n");
    }
    return proto_out_finish(&o);
}

int proto_request_to_plm(const struct proto_request *r, enum proto_resource res,
                         struct plm_request *out)
{
    const struct proto_levels *lv;

    if (!r || !out || (unsigned)res >= PROTO_NRES)
        return PLM_EINVAL;
    plm_request_init(out);
    if (!(r->flags & PROTO_REQ_HAS(res)))
        return PLM_ENOENT;
    lv = &r->res[res];
    if (lv->nlevels > PLM_MAX_LEVELS)
        return PLM_EINVAL;
    memcpy(out->level, lv->level, lv->nlevels * sizeof(lv->level[0]));
    out->nlevels = lv->nlevels;
    return 0;
}
