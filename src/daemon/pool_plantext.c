/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The plan's text, both ways (pool_plantext.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/pool_plantext.h"
#include "pool/pool_record.h"

int pin_encode_plan(const struct pin_plan_meta *m, const struct pp_plan *plan,
                    const struct pp_host *hosts, size_t nhosts, const struct pp_domain *doms,
                    size_t ndoms, char *buf, size_t len, size_t *out_len)
{
    struct prec_out o = {.buf = buf, .len = len};

    if (len == 0)
        return PLM_ERANGE;
    buf[0] = '\0';
    prec_put(&o, "xenplm-plan 1\nleader %s\nrevision %lld\nat %llu\n", m->leader,
             (long long)m->revision, (unsigned long long)m->at_ms);
    prec_put(&o, "hosts %zu\ndomains %zu\nwork %zu\ncut %s\nheld %zu\nstuck %zu\nmoves %zu\n",
             nhosts, ndoms, plan->work, plan->cut ? "yes" : "no", plan->held, plan->stuck,
             plan->nmoves);
    for (size_t i = 0; i < plan->nmoves; i++) {
        const struct pp_move *mv = &plan->move[i];
        if (mv->dom >= ndoms || mv->from >= nhosts || mv->to >= nhosts)
            return PLM_EINVAL;
        prec_put(&o, "move %s ", doms[mv->dom].uuid);
        prec_put_name(&o, doms[mv->dom].name);
        prec_put(&o, " %s %s %s %u %lld\n", hosts[mv->from].name, hosts[mv->to].name,
                 pp_reason_name(mv->reason), mv->level, (long long)mv->gain);
    }
    if (o.full)
        return PLM_ERANGE;
    /* No newline after the last line, as the records have it. */
    if (o.at && buf[o.at - 1] == '\n')
        buf[--o.at] = '\0';
    *out_len = o.at;
    return 0;
}

/* Reading: a cursor over the value, one line at a time. */
struct in {
    const char *p, *end;
    char line[PP_UUID_MAX + PP_NAME_MAX * 3 + 2 * (PLM_POOL_NAME_MAX + 1) + 64];
};

/* The next line, without its newline (the last has none); false at the end or when too long. */
static bool next_line(struct in *in)
{
    if (in->p >= in->end)
        return false;
    const char *nl = memchr(in->p, '\n', (size_t)(in->end - in->p));
    size_t n = nl ? (size_t)(nl - in->p) : (size_t)(in->end - in->p);
    if (n >= sizeof(in->line) || memchr(in->p, '\0', n))
        return false;
    memcpy(in->line, in->p, n);
    in->line[n] = '\0';
    in->p += n + (nl ? 1 : 0);
    /* A newline after the last line is not what the encoder writes. */
    return !(nl && in->p == in->end);
}

/* A decimal of at most 18 digits, nothing else. */
static bool number(const char *s, uint64_t *out)
{
    uint64_t x = 0;
    size_t n = strlen(s);

    if (n == 0 || n > 18)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *out = x;
    return true;
}

/* "word N": the line's number. */
static bool field(struct in *in, const char *word, uint64_t *out)
{
    size_t w = strlen(word);
    return next_line(in) && strncmp(in->line, word, w) == 0 && in->line[w] == ' ' &&
           number(in->line + w + 1, out);
}

static bool plain_name(const char *s, size_t max)
{
    return plm_pool_name_ok(s, max);
}

static bool hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* The escaped name: letters, digits, '.', '_', '-' and %XX (upper-case hex). */
static bool escaped_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= 3 * PP_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (prec_plain_byte(c))
            continue;
        if (c != '%' || i + 2 >= n || !hex(s[i + 1]) || !hex(s[i + 2]))
            return false;
        i += 2;
    }
    return true;
}

/* Split the line at single spaces into at most max words; their count. */
static size_t words(char *line, char **w, size_t max)
{
    size_t n = 0;
    char *s = line;

    while (n < max) {
        w[n++] = s;
        char *sp = strchr(s, ' ');
        if (!sp)
            return n;
        *sp = '\0';
        s = sp + 1;
    }
    return max + 1; /* too many */
}

static bool move_line(struct in *in, struct pin_plan_move *m)
{
    char *w[9];
    uint64_t level, gain;
    bool neg;

    if (!next_line(in) || words(in->line, w, 8) != 8 || strcmp(w[0], "move") != 0)
        return false;
    if (!prec_uuid_ok(w[1]) || !escaped_name(w[2]) || !plain_name(w[3], PLM_POOL_NAME_MAX) ||
        !plain_name(w[4], PLM_POOL_NAME_MAX) || !number(w[6], &level) || level > PP_LEVELS)
        return false;
    neg = w[7][0] == '-';
    if (!number(w[7] + neg, &gain) || gain > 1000000000000ull)
        return false;
    if (strcmp(w[5], pp_reason_name(PP_BALANCE)) == 0)
        m->reason = PP_BALANCE;
    else if (strcmp(w[5], pp_reason_name(PP_DRAIN)) == 0)
        m->reason = PP_DRAIN;
    else
        return false;
    memcpy(m->uuid, w[1], 37);
    /* Each checked for its length above. */
    memcpy(m->name, w[2], strlen(w[2]) + 1);
    memcpy(m->from, w[3], strlen(w[3]) + 1);
    memcpy(m->to, w[4], strlen(w[4]) + 1);
    m->level = (unsigned)level;
    m->gain = neg ? -(int64_t)gain : (int64_t)gain;
    return true;
}

int pin_decode_plan(const char *v, size_t len, struct pin_plan_read *out)
{
    struct in in = {.p = v, .end = v ? v + len : NULL};
    uint64_t rev, at, hosts, doms, work, held, stuck, moves;

    memset(out, 0, sizeof(*out));
    if (!v || len == 0 || len > PIN_PLAN_MAX)
        return PLM_EINVAL;
    if (!next_line(&in) || strcmp(in.line, "xenplm-plan 1") != 0)
        return PLM_EINVAL;
    if (!next_line(&in) || strncmp(in.line, "leader ", 7) != 0 ||
        !plain_name(in.line + 7, PLM_POOL_NAME_MAX))
        return PLM_EINVAL;
    memcpy(out->leader, in.line + 7, strlen(in.line + 7) + 1);
    if (!field(&in, "revision", &rev) || rev == 0 || !field(&in, "at", &at) ||
        !field(&in, "hosts", &hosts) || hosts > PP_MAX_HOSTS || !field(&in, "domains", &doms) ||
        doms > PP_MAX_DOMAINS || !field(&in, "work", &work))
        return PLM_EINVAL;
    if (!next_line(&in) || (strcmp(in.line, "cut yes") != 0 && strcmp(in.line, "cut no") != 0))
        return PLM_EINVAL;
    out->cut = strcmp(in.line, "cut yes") == 0;
    if (!field(&in, "held", &held) || held > hosts || !field(&in, "stuck", &stuck) ||
        stuck > doms || !field(&in, "moves", &moves) || moves > PP_MAX_MOVES)
        return PLM_EINVAL;
    for (uint64_t i = 0; i < moves; i++)
        if (!move_line(&in, &out->move[i]))
            return PLM_EINVAL;
    if (in.p != in.end)
        return PLM_EINVAL; /* more than it says */
    out->revision = (int64_t)rev;
    out->at_ms = at;
    out->hosts = hosts;
    out->domains = doms;
    out->work = work;
    out->held = held;
    out->stuck = stuck;
    out->nmoves = moves;
    return 0;
}
