/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's answer values: granted, status and seq.  The daemon is
 * trusted, but the guest agent decodes these strictly all the same: a
 * stale or hand-edited value must be noticed, not half-read.
 */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "protocol/grant.h"

_Static_assert(sizeof("cpu 999999999.999 vcpus 65535 mem 999999999.999\n") - 1 <=
                   PROTO_GRANT_ENCODED_MAX,
               "PROTO_GRANT_ENCODED_MAX is too small");
_Static_assert(PROTO_STATUS_MAX <= PROTO_VALUE_MAX, "a status must fit in a xenstore node");

/* The pairs of a granted value, in the one order they may appear. */
static const struct {
    const char *name;
    unsigned flag;
} pairs[] = {
    {"cpu", PROTO_GRANT_CPU},
    {"vcpus", PROTO_GRANT_VCPUS},
    {"mem", PROTO_GRANT_MEM},
};
#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

/*
 * How every answer's decoding starts: clear err, refuse bad arguments
 * (args_ok false, or no buffer for a length), check the text against max,
 * and find the value's single line; a second line is refused.
 */
static int one_line(const char *buf, size_t len, bool args_ok, size_t max, struct proto_span *line,
                    struct proto_error *err)
{
    struct proto_lines it;
    struct proto_span extra;
    int rc;

    proto_error_clear(err);
    if ((!buf && len > 0) || !args_ok)
        return proto_fail(err, PLM_EINVAL, 0, 0, "invalid argument");
    rc = proto_check_text(buf, len, max, err);
    if (rc < 0)
        return rc;
    proto_lines_init(&it, buf, len);
    if (!proto_lines_next(&it, line))
        return proto_fail(err, PLM_EGRAMMAR, 0, 0, "empty value");
    if (proto_lines_next(&it, &extra))
        return proto_fail(err, PLM_EGRAMMAR, 2, extra.off, "extra line (want one line)");
    if (line->n == 0)
        return proto_fail(err, PLM_EGRAMMAR, 1, 0, "empty line");
    return 0;
}

/* The value of the pair at index i into g. */
static int decode_value(size_t i, const struct proto_span *val, struct proto_grant *g,
                        struct proto_error *err)
{
    const char *why = "";
    int rc;

    if (pairs[i].flag == PROTO_GRANT_VCPUS) {
        uint64_t v = 0;
        rc = proto_lex_u64(val, &v, &why);
        if (rc == 0 && (v == 0 || v > PROTO_VCPUS_MAX))
            rc = PLM_ERANGE;
        if (rc == PLM_ERANGE)
            return proto_fail(err, rc, 1, val->off, "vcpus: out of range (1 to %u)",
                              PROTO_VCPUS_MAX);
        if (rc < 0)
            return proto_fail(err, rc, 1, val->off, "vcpus: %s", why);
        g->vcpus = (unsigned)v;
        return 0;
    }
    rc = proto_lex_amount(val, pairs[i].flag == PROTO_GRANT_CPU ? &g->cpu : &g->mem, &why);
    if (rc < 0)
        return proto_fail(err, rc, 1, val->off, "%s: %s", pairs[i].name, why);
    return 0;
}

int proto_grant_decode(const char *buf, size_t len, struct proto_grant *out,
                       struct proto_error *err_out)
{
    struct proto_grant g;
    struct proto_span line, name, val;
    struct proto_fields f;
    size_t next = 0; /* index of the first pair still allowed */
    int rc;

    rc = one_line(buf, len, out != NULL, PROTO_VALUE_MAX, &line, err_out);
    if (rc < 0)
        return rc;

    memset(&g, 0, sizeof(g));
    proto_fields_init(&f, buf, &line, 1);
    while ((rc = proto_fields_next(&f, &name, err_out)) > 0) {
        size_t i;

        for (i = 0; i < NPAIRS; i++)
            if (proto_span_is(&name, pairs[i].name))
                break;
        if (i == NPAIRS)
            return proto_fail(err_out, PLM_EGRAMMAR, 1, name.off, "unknown keyword '%.*s%s'",
                              PROTO_QUOTE(&name));
        if (g.flags & pairs[i].flag)
            return proto_fail(err_out, PLM_EGRAMMAR, 1, name.off, "%s: duplicate", pairs[i].name);
        /* One order only, so that each grant has exactly one spelling. */
        if (i < next)
            return proto_fail(err_out, PLM_EGRAMMAR, 1, name.off,
                              "%s: out of order (want cpu, vcpus, mem)", pairs[i].name);
        rc = proto_fields_next(&f, &val, err_out);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return proto_fail(err_out, PLM_EGRAMMAR, 1, line.n, "%s: missing value", pairs[i].name);
        rc = decode_value(i, &val, &g, err_out);
        if (rc < 0)
            return rc;
        g.flags |= pairs[i].flag;
        next = i + 1;
    }
    if (rc < 0)
        return rc;
    if (g.flags == 0)
        return proto_fail(err_out, PLM_EGRAMMAR, 1, 0, "no figures (want cpu, vcpus or mem)");
    *out = g;
    return 0;
}

int proto_grant_encode(const struct proto_grant *g, char *buf, size_t bufsz)
{
    struct proto_out o;
    const char *sep = "";

    if (!g || !buf)
        return PLM_EINVAL;
    if (g->flags == 0 || (g->flags & ~PROTO_GRANT_ALL) != 0)
        return PLM_EINVAL;
    if ((g->flags & PROTO_GRANT_CPU) && (g->cpu < 0 || g->cpu > PLM_AMT_MAX))
        return PLM_EINVAL;
    if ((g->flags & PROTO_GRANT_MEM) && (g->mem < 0 || g->mem > PLM_AMT_MAX))
        return PLM_EINVAL;
    if ((g->flags & PROTO_GRANT_VCPUS) && (g->vcpus == 0 || g->vcpus > PROTO_VCPUS_MAX))
        return PLM_EINVAL;

    proto_out_init(&o, buf, bufsz);
    for (size_t i = 0; i < NPAIRS; i++) {
        if (!(g->flags & pairs[i].flag))
            continue;
        proto_out_str(&o, sep);
        proto_out_str(&o, pairs[i].name);
        proto_out_str(&o, " ");
        if (pairs[i].flag == PROTO_GRANT_VCPUS)
            proto_out_u64(&o, g->vcpus);
        else
            proto_out_amount(&o, pairs[i].flag == PROTO_GRANT_CPU ? g->cpu : g->mem);
        sep = " ";
    }
    proto_out_str(&o, "\n");
    return proto_out_finish(&o);
}

#define STATUS_OK "ok"
#define STATUS_OK_NOTE "ok: "
#define STATUS_REJECTED "rejected: "
#define STATUS_ELLIPSIS "..."

/* prefix, then text made safe and cut to fit, then LF. */
static int status_text(char *buf, size_t bufsz, const char *prefix, const char *reason)
{
    size_t cap, room, n = 0, pre = strlen(prefix);
    bool cut = false;

    if (reason[0] == '\0')
        reason = "unspecified";

    /* Value bytes available: the whole value is bounded, and so is buf (less its NUL). */
    cap = bufsz - 1 < PROTO_STATUS_MAX ? bufsz - 1 : PROTO_STATUS_MAX;
    room = cap - pre - 1; /* less the prefix and the final LF */
    /* Never scan further than needed: the caller's string may be long. */
    while (n <= room && reason[n] != '\0')
        n++;
    if (n > room) {
        cut = true;
        n = room - (sizeof(STATUS_ELLIPSIS) - 1);
    }

    memcpy(buf, prefix, pre);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)reason[i];
        /* The guest reads this back, so keep it to the protocol's alphabet. */
        buf[pre + i] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
    }
    n += pre;
    if (cut) {
        memcpy(buf + n, STATUS_ELLIPSIS, sizeof(STATUS_ELLIPSIS) - 1);
        n += sizeof(STATUS_ELLIPSIS) - 1;
    }
    buf[n++] = '\n';
    buf[n] = '\0';
    return (int)n;
}

int proto_status_format(char *buf, size_t bufsz, const char *reason)
{
    if (!buf || bufsz < PROTO_STATUS_MIN_BUF)
        return PLM_ERANGE;
    if (!reason) {
        memcpy(buf, STATUS_OK "\n", sizeof(STATUS_OK "\n"));
        return (int)sizeof(STATUS_OK "\n") - 1;
    }
    return status_text(buf, bufsz, STATUS_REJECTED, reason);
}

int proto_status_format_ok(char *buf, size_t bufsz, const char *note)
{
    if (!note || !buf || bufsz < PROTO_STATUS_MIN_BUF)
        return proto_status_format(buf, bufsz, NULL);
    return status_text(buf, bufsz, STATUS_OK_NOTE, note);
}

int proto_status_decode(const char *buf, size_t len, bool *ok_out, const char **reason_out,
                        size_t *reason_len_out, struct proto_error *err_out)
{
    struct proto_span line;
    size_t pre = sizeof(STATUS_REJECTED) - 1;
    int rc;

    rc = one_line(buf, len, ok_out && reason_out && reason_len_out, PROTO_STATUS_MAX, &line,
                  err_out);
    if (rc < 0)
        return rc;
    if (proto_span_is(&line, STATUS_OK)) {
        *ok_out = true;
        *reason_out = NULL;
        *reason_len_out = 0;
        return 0;
    }
    if (line.n > sizeof(STATUS_OK_NOTE) - 1 &&
        memcmp(line.s, STATUS_OK_NOTE, sizeof(STATUS_OK_NOTE) - 1) == 0) {
        *ok_out = true;
        *reason_out = line.s + sizeof(STATUS_OK_NOTE) - 1;
        *reason_len_out = line.n - (sizeof(STATUS_OK_NOTE) - 1);
        return 0;
    }
    if (line.n > pre && memcmp(line.s, STATUS_REJECTED, pre) == 0) {
        *ok_out = false;
        *reason_out = line.s + pre;
        *reason_len_out = line.n - pre;
        return 0;
    }
    return proto_fail(err_out, PLM_EGRAMMAR, 1, 0,
                      "want 'ok', 'ok: <note>' or 'rejected: <reason>'");
}

int proto_seq_encode(uint64_t seq, char *buf, size_t bufsz)
{
    struct proto_out o;

    if (!buf)
        return PLM_EINVAL;
    proto_out_init(&o, buf, bufsz);
    proto_out_u64(&o, seq);
    proto_out_str(&o, "\n");
    return proto_out_finish(&o);
}

int proto_seq_decode(const char *buf, size_t len, uint64_t *out, struct proto_error *err_out)
{
    struct proto_span line;
    const char *why = "";
    uint64_t v = 0;
    int rc;

    rc = one_line(buf, len, out != NULL, PROTO_SEQ_MAX, &line, err_out);
    if (rc < 0)
        return rc;
    rc = proto_lex_u64(&line, &v, &why);
    if (rc < 0)
        return proto_fail(err_out, rc, 1, 0, "seq: %s", why);
    *out = v;
    return 0;
}
