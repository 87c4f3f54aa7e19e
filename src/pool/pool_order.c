/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Orders and their states, both ways (pool_order.h).  The decoders read
 * each line in order, each word against its grammar, then encode what
 * they read and accept the value only when that gives back its very
 * bytes: one spelling per order, nothing before, between or after.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/errbuf.h"
#include "core/error.h"
#include "pool/pool_order.h"

#define PREFIX "/xenplm/"

static const char *const reasons[PORD_REASONS] = {"balance", "drain", "manual"};
static const char *const phases[PORD_PHASES] = {"accepted", "running", "done", "failed", "refused"};

const char *pord_reason_name(enum pord_reason r)
{
    return (unsigned)r < PORD_REASONS ? reasons[r] : "?";
}

const char *pord_phase_name(enum pord_phase p)
{
    return (unsigned)p < PORD_PHASES ? phases[p] : "?";
}

bool pord_final(enum pord_phase p)
{
    return p == PORD_DONE || p == PORD_FAILED || p == PORD_REFUSED;
}

bool pord_addr_ok(const char *a)
{
    size_t n = a ? strnlen(a, PORD_ADDR_MAX + 1) : 0;

    if (n == 0 || n > PORD_ADDR_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (!prec_plain_byte(c) && c != ':' && c != '@' && c != '[' && c != ']')
            return false;
    }
    return true;
}

int pord_prefix(const char *pool, const char *source, char *buf, size_t len)
{
    int n;

    if (!plm_pool_name_ok(pool, PLM_POOL_NAME_MAX) ||
        (source && !plm_pool_name_ok(source, PLM_POOL_NAME_MAX)))
        return PLM_EINVAL;
    if (source)
        n = snprintf(buf, len, PREFIX "%s/orders/%s/", pool, source);
    else
        n = snprintf(buf, len, PREFIX "%s/orders/", pool);
    return n < 0 || (size_t)n >= len ? PLM_EINVAL : 0;
}

static int key(const char *pool, const char *source, const char *uuid, const char *tail, char *buf,
               size_t len)
{
    int rc = pord_prefix(pool, source, buf, len);
    size_t at = strlen(buf);

    if (rc == 0 && (!source || !prec_uuid_ok(uuid)))
        rc = PLM_EINVAL;
    if (rc == 0) {
        int n = snprintf(buf + at, len - at, "%s%s", uuid, tail);
        if (n < 0 || (size_t)n >= len - at)
            rc = PLM_EINVAL;
    }
    return rc;
}

int pord_order_key(const char *pool, const char *source, const char *uuid, char *buf, size_t len)
{
    return key(pool, source, uuid, "", buf, len);
}

int pord_state_key(const char *pool, const char *source, const char *uuid, char *buf, size_t len)
{
    return key(pool, source, uuid, "/state", buf, len);
}

int pord_parse_key(const char *k, size_t len, const char *pool, char *source,
                   char uuid[PREC_UUID_LEN + 1], enum pord_kind *kind, char *err, size_t errlen)
{
    char prefix[PREC_KEY_MAX];
    size_t pl, hl = 0;
    int q = len < 80 ? (int)len : 80; /* not NUL-terminated: quote at most this */

    if (pord_prefix(pool, NULL, prefix, sizeof(prefix)))
        return plm_errf(err, errlen, PLM_EINVAL, "a bad pool name");
    pl = strlen(prefix);
    if (len >= PREC_KEY_MAX || memchr(k, '\0', len))
        return plm_errf(err, errlen, PLM_EINVAL, "a key too long, or holding a NUL");
    if (len <= pl || memcmp(k, prefix, pl) != 0)
        return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': not under %s", q, k, prefix);
    while (pl + hl < len && k[pl + hl] != '/' && hl <= PLM_POOL_NAME_MAX)
        hl++;
    if (pl + hl >= len || hl > PLM_POOL_NAME_MAX)
        return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': no source host", q, k);
    memcpy(source, k + pl, hl);
    source[hl] = '\0';
    if (!plm_pool_name_ok(source, PLM_POOL_NAME_MAX))
        return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': a bad host name", q, k);
    size_t at = pl + hl + 1, rest = len - at;
    if (rest != PREC_UUID_LEN && rest != PREC_UUID_LEN + 6)
        return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': neither '<uuid>' nor '<uuid>/state'",
                        q, k);
    memcpy(uuid, k + at, PREC_UUID_LEN);
    uuid[PREC_UUID_LEN] = '\0';
    if (!prec_uuid_ok(uuid))
        return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': a bad uuid", q, k);
    if (rest == PREC_UUID_LEN) {
        *kind = PORD_ORDER;
        return 0;
    }
    if (memcmp(k + at + PREC_UUID_LEN, "/state", 6) != 0)
        return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': neither '<uuid>' nor '<uuid>/state'",
                        q, k);
    *kind = PORD_STATE;
    return 0;
}

/* Writing (pool_record.h's writer). */

static int finish(struct prec_out *o, size_t *out_len)
{
    if (o->full)
        return PLM_ERANGE;
    *out_len = o->at;
    return 0;
}

static bool host_ok(const char *h)
{
    return plm_pool_name_ok(h, PLM_POOL_NAME_MAX);
}

int pord_encode_order(const struct pord_order *ord, char *buf, size_t len, size_t *out_len,
                      char *err, size_t errlen)
{
    struct prec_out o = {.buf = buf, .len = len};
    size_t nl = strnlen(ord->name, PREC_NAME_MAX + 1);

    if (!host_ok(ord->leader))
        return plm_errf(err, errlen, PLM_EINVAL, "'leader': not a host name");
    if (ord->revision <= 0)
        return plm_errf(err, errlen, PLM_EINVAL, "'revision': not above 0");
    if (nl == 0 || nl > PREC_NAME_MAX)
        return plm_errf(err, errlen, PLM_EINVAL, "'name': empty or too long");
    if (!host_ok(ord->from) || !host_ok(ord->to))
        return plm_errf(err, errlen, PLM_EINVAL, "'from' or 'to': not a host name");
    if (strcmp(ord->from, ord->to) == 0)
        return plm_errf(err, errlen, PLM_EINVAL, "'to': the source itself");
    if (!pord_addr_ok(ord->addr))
        return plm_errf(err, errlen, PLM_EINVAL, "'address': not an address");
    if ((unsigned)ord->reason >= PORD_REASONS)
        return plm_errf(err, errlen, PLM_EINVAL, "'reason': unknown");
    if (ord->at_ms > PORD_MS_MAX)
        return plm_errf(err, errlen, PLM_EINVAL, "'at': out of range");
    if (len == 0)
        return PLM_ERANGE;
    prec_put(&o, "xenplm-order 1\nleader %s\nrevision %lld\nname ", ord->leader,
             (long long)ord->revision);
    prec_put_name(&o, ord->name);
    prec_put(&o, "\nfrom %s\nto %s\naddress %s\nreason %s\nat %llu\n", ord->from, ord->to,
             ord->addr, reasons[ord->reason], (unsigned long long)ord->at_ms);
    return finish(&o, out_len);
}

int pord_encode_state(const struct pord_state *s, char *buf, size_t len, size_t *out_len, char *err,
                      size_t errlen)
{
    struct prec_out o = {.buf = buf, .len = len};
    size_t wl = strnlen(s->why, PORD_WHY_MAX + 1);
    bool why = s->phase == PORD_FAILED || s->phase == PORD_REFUSED;

    if (s->revision <= 0)
        return plm_errf(err, errlen, PLM_EINVAL, "'revision': not above 0");
    if (s->at_ms > PORD_MS_MAX)
        return plm_errf(err, errlen, PLM_EINVAL, "'at': out of range");
    if ((unsigned)s->phase >= PORD_PHASES)
        return plm_errf(err, errlen, PLM_EINVAL, "'state': unknown");
    if (s->phase == PORD_RUNNING && s->pct > 100)
        return plm_errf(err, errlen, PLM_EINVAL, "'state': running past 100 %%");
    if (why && (wl == 0 || wl > PORD_WHY_MAX))
        return plm_errf(err, errlen, PLM_EINVAL, "'state': a reason empty or too long");
    if (len == 0)
        return PLM_ERANGE;
    prec_put(&o, "xenplm-order-state 1\nrevision %lld\nat %llu\nstate %s", (long long)s->revision,
             (unsigned long long)s->at_ms, phases[s->phase]);
    if (s->phase == PORD_RUNNING)
        prec_put(&o, " %u", s->pct);
    if (why) {
        prec_put(&o, " ");
        prec_put_name(&o, s->why);
    }
    prec_put(&o, "\n");
    return finish(&o, out_len);
}

/* Reading: a cursor over the value, one line at a time. */
struct in {
    const char *p, *end;
    char line[PORD_VALUE_MAX + 1];
    char *err;
    size_t errlen;
};

static int bad(struct in *in, const char *what, const char *why)
{
    return plm_errf(in->err, in->errlen, PLM_EINVAL, "'%s': %s", what, why);
}

/* The next line "word rest", its newline required; in->line holds rest. */
static int line(struct in *in, const char *word)
{
    size_t w = strlen(word);
    const char *nl = in->p < in->end ? memchr(in->p, '\n', (size_t)(in->end - in->p)) : NULL;

    if (!nl)
        return bad(in, word, "missing, or its line has no end");
    size_t n = (size_t)(nl - in->p);
    if (n <= w || memcmp(in->p, word, w) != 0 || in->p[w] != ' ')
        return bad(in, word, "expected here, with a value");
    memcpy(in->line, in->p + w + 1, n - w - 1);
    in->line[n - w - 1] = '\0';
    in->p = nl + 1;
    return 0;
}

/* A decimal without leading zeros, up to max. */
static bool number(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t x = 0;
    size_t n = strlen(s);

    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || x > (max - (uint64_t)(s[i] - '0')) / 10)
            return false;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *out = x;
    return true;
}

/* %XX-escaped text into out (at most max bytes); false when it is not
 * the one spelling put_escaped gives. */
static bool unescape(const char *s, char *out, size_t max)
{
    size_t n = 0;

    for (; *s; s++) {
        if (n == max)
            return false;
        if (prec_plain_byte((unsigned char)*s)) {
            out[n++] = *s;
            continue;
        }
        unsigned v = 0;
        if (*s != '%')
            return false;
        for (int j = 1; j <= 2; j++) {
            char c = s[j];
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
                return false;
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'A' + 10);
        }
        if (v == 0 || prec_plain_byte((unsigned char)v))
            return false;
        out[n++] = (char)v;
        s += 2;
    }
    out[n] = '\0';
    return n > 0;
}

static int start(struct in *in, const char *v, size_t len, const char *what, char *err,
                 size_t errlen)
{
    in->p = v;
    in->end = v ? v + len : NULL;
    in->err = err;
    in->errlen = errlen;
    if (!v || len == 0 || len > PORD_VALUE_MAX)
        return plm_errf(err, errlen, PLM_EINVAL, "%s of %zu bytes (1 to %d)", what, len,
                        PORD_VALUE_MAX);
    if (memchr(v, '\0', len))
        return plm_errf(err, errlen, PLM_EINVAL, "%s holding a NUL byte", what);
    return 0;
}

/* What was read, encoded again, must be the value itself. */
static int same(const char *v, size_t len, const char *again, size_t again_len, int rc, char *err,
                size_t errlen)
{
    if (rc)
        return plm_errf(err, errlen, PLM_EINVAL, "a value out of range");
    if (again_len != len || memcmp(again, v, len) != 0)
        return plm_errf(err, errlen, PLM_EINVAL,
                        "not in its one spelling (spaces, zeros, escapes, or more after the end)");
    return 0;
}

static int host_line(struct in *in, const char *word, char *out)
{
    int rc = line(in, word);
    if (rc == 0 && !host_ok(in->line))
        rc = bad(in, word, "not a host name");
    if (rc == 0)
        memcpy(out, in->line, strlen(in->line) + 1);
    return rc;
}

static int word_of(struct in *in, const char *word, const char *const *names, unsigned n,
                   const char *s, size_t slen, unsigned *out)
{
    for (unsigned i = 0; i < n; i++)
        if (strlen(names[i]) == slen && memcmp(names[i], s, slen) == 0) {
            *out = i;
            return 0;
        }
    return bad(in, word, "not one of its words");
}

int pord_decode_order(const char *v, size_t len, struct pord_order *out, char *err, size_t errlen)
{
    struct in in;
    char again[PORD_VALUE_MAX + 1];
    size_t again_len = 0;
    uint64_t x;
    unsigned r = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = start(&in, v, len, "an order", err, errlen)))
        return rc;
    if ((rc = line(&in, "xenplm-order")) == 0 && strcmp(in.line, "1") != 0)
        rc = bad(&in, "xenplm-order", "not version 1");
    if (rc == 0)
        rc = host_line(&in, "leader", out->leader);
    if (rc == 0 && (rc = line(&in, "revision")) == 0) {
        if (!number(in.line, INT64_MAX, &x) || x == 0)
            rc = bad(&in, "revision", "not a number above 0");
        out->revision = (int64_t)x;
    }
    if (rc == 0 && (rc = line(&in, "name")) == 0 && !unescape(in.line, out->name, PREC_NAME_MAX))
        rc = bad(&in, "name", "not a name (plain bytes and %XX), or too long");
    if (rc == 0)
        rc = host_line(&in, "from", out->from);
    if (rc == 0)
        rc = host_line(&in, "to", out->to);
    if (rc == 0 && (rc = line(&in, "address")) == 0) {
        if (!pord_addr_ok(in.line))
            rc = bad(&in, "address", "not an address");
        else
            memcpy(out->addr, in.line, strlen(in.line) + 1);
    }
    if (rc == 0 && (rc = line(&in, "reason")) == 0 &&
        (rc = word_of(&in, "reason", reasons, PORD_REASONS, in.line, strlen(in.line), &r)) == 0)
        out->reason = (enum pord_reason)r;
    if (rc == 0 && (rc = line(&in, "at")) == 0) {
        if (!number(in.line, PORD_MS_MAX, &out->at_ms))
            rc = bad(&in, "at", "not a time in Unix milliseconds");
    }
    if (rc == 0 && strcmp(out->from, out->to) == 0)
        rc = bad(&in, "to", "the source itself");
    if (rc)
        return rc;
    rc = pord_encode_order(out, again, sizeof(again), &again_len, NULL, 0);
    return same(v, len, again, again_len, rc, err, errlen);
}

int pord_decode_state(const char *v, size_t len, struct pord_state *out, char *err, size_t errlen)
{
    struct in in;
    char again[PORD_VALUE_MAX + 1];
    size_t again_len = 0;
    uint64_t x;
    unsigned ph = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = start(&in, v, len, "a state", err, errlen)))
        return rc;
    if ((rc = line(&in, "xenplm-order-state")) == 0 && strcmp(in.line, "1") != 0)
        rc = bad(&in, "xenplm-order-state", "not version 1");
    if (rc == 0 && (rc = line(&in, "revision")) == 0) {
        if (!number(in.line, INT64_MAX, &x) || x == 0)
            rc = bad(&in, "revision", "not a number above 0");
        out->revision = (int64_t)x;
    }
    if (rc == 0 && (rc = line(&in, "at")) == 0 && !number(in.line, PORD_MS_MAX, &out->at_ms))
        rc = bad(&in, "at", "not a time in Unix milliseconds");
    if (rc == 0 && (rc = line(&in, "state")) == 0) {
        char *sp = strchr(in.line, ' ');
        size_t wl = sp ? (size_t)(sp - in.line) : strlen(in.line);
        rc = word_of(&in, "state", phases, PORD_PHASES, in.line, wl, &ph);
        out->phase = (enum pord_phase)ph;
        if (rc == 0 && ph == PORD_RUNNING) {
            if (!sp || !number(sp + 1, 100, &x))
                rc = bad(&in, "state", "running without a percentage up to 100");
            out->pct = (unsigned)x;
        } else if (rc == 0 && (ph == PORD_FAILED || ph == PORD_REFUSED)) {
            if (!sp || !unescape(sp + 1, out->why, PORD_WHY_MAX))
                rc = bad(&in, "state", "no reason, or not one (plain bytes and %XX)");
        } else if (rc == 0 && sp) {
            rc = bad(&in, "state", "a value after it");
        }
    }
    if (rc)
        return rc;
    rc = pord_encode_state(out, again, sizeof(again), &again_len, NULL, 0);
    return same(v, len, again, again_len, rc, err, errlen);
}

/* Drains and manual moves. */

bool pord_dom_ok(const char *dom)
{
    return prec_uuid_ok(dom) || plm_pool_name_ok(dom, PLM_POOL_NAME_MAX);
}

int pord_drain_key(const char *pool, const char *host, char *buf, size_t len)
{
    int n;

    if (!plm_pool_name_ok(pool, PLM_POOL_NAME_MAX) || (host && !host_ok(host)))
        return PLM_EINVAL;
    n = snprintf(buf, len, PREFIX "%s/drain/%s", pool, host ? host : "");
    return n < 0 || (size_t)n >= len ? PLM_EINVAL : 0;
}

int pord_move_key(const char *pool, const char *dom, bool answer, char *buf, size_t len)
{
    int n;

    if (!plm_pool_name_ok(pool, PLM_POOL_NAME_MAX) || (dom && !pord_dom_ok(dom)) ||
        (answer && !dom))
        return PLM_EINVAL;
    n = snprintf(buf, len, PREFIX "%s/moves/%s%s", pool, dom ? dom : "", answer ? "/answer" : "");
    return n < 0 || (size_t)n >= len ? PLM_EINVAL : 0;
}

/* The key's last part after prefix (and before tail, when it ends so) into out. */
static bool last_part(const char *k, size_t len, const char *prefix, const char *tail, char *out,
                      size_t max)
{
    size_t pl = strlen(prefix), tl = tail ? strlen(tail) : 0;

    if (len >= PREC_KEY_MAX || len <= pl + tl || memcmp(k, prefix, pl) != 0 || memchr(k, '\0', len))
        return false;
    if (tl && memcmp(k + len - tl, tail, tl) != 0)
        return false;
    size_t n = len - pl - tl;
    if (n > max)
        return false;
    memcpy(out, k + pl, n);
    out[n] = '\0';
    return true;
}

int pord_parse_drain_key(const char *key, size_t len, const char *pool, char *host)
{
    char prefix[PREC_KEY_MAX];

    if (pord_drain_key(pool, NULL, prefix, sizeof(prefix)) ||
        !last_part(key, len, prefix, NULL, host, PLM_POOL_NAME_MAX) || !host_ok(host))
        return PLM_EINVAL;
    return 0;
}

int pord_parse_move_key(const char *key, size_t len, const char *pool, char *dom, bool *answer)
{
    char prefix[PREC_KEY_MAX];

    if (pord_move_key(pool, NULL, false, prefix, sizeof(prefix)))
        return PLM_EINVAL;
    *answer = len > 7 && memcmp(key + len - 7, "/answer", 7) == 0;
    if (!last_part(key, len, prefix, *answer ? "/answer" : NULL, dom, PORD_DOM_MAX) ||
        !pord_dom_ok(dom))
        return PLM_EINVAL;
    return 0;
}

int pord_encode_request(const struct pord_request *r, char *buf, size_t len, size_t *out_len,
                        char *err, size_t errlen)
{
    struct prec_out o = {.buf = buf, .len = len};

    if (r->move && !host_ok(r->to))
        return plm_errf(err, errlen, PLM_EINVAL, "'to': not a host name");
    if (!host_ok(r->by))
        return plm_errf(err, errlen, PLM_EINVAL, "'by': not a host name");
    if (r->at_ms > PORD_MS_MAX)
        return plm_errf(err, errlen, PLM_EINVAL, "'at': out of range");
    if (len == 0)
        return PLM_ERANGE;
    prec_put(&o, "xenplm-%s 1\n", r->move ? "move" : "drain");
    if (r->move)
        prec_put(&o, "to %s\n", r->to);
    prec_put(&o, "by %s\nat %llu\n", r->by, (unsigned long long)r->at_ms);
    return finish(&o, out_len);
}

int pord_decode_request(const char *v, size_t len, bool move, struct pord_request *out, char *err,
                        size_t errlen)
{
    struct in in;
    char again[PORD_VALUE_MAX + 1];
    size_t again_len = 0;
    const char *head = move ? "xenplm-move" : "xenplm-drain";
    int rc;

    memset(out, 0, sizeof(*out));
    out->move = move;
    if ((rc = start(&in, v, len, "a request", err, errlen)))
        return rc;
    if ((rc = line(&in, head)) == 0 && strcmp(in.line, "1") != 0)
        rc = bad(&in, head, "not version 1");
    if (rc == 0 && move)
        rc = host_line(&in, "to", out->to);
    if (rc == 0)
        rc = host_line(&in, "by", out->by);
    if (rc == 0 && (rc = line(&in, "at")) == 0 && !number(in.line, PORD_MS_MAX, &out->at_ms))
        rc = bad(&in, "at", "not a time in Unix milliseconds");
    if (rc)
        return rc;
    rc = pord_encode_request(out, again, sizeof(again), &again_len, NULL, 0);
    return same(v, len, again, again_len, rc, err, errlen);
}
