/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xenplm pool status` and `xenplm pool plan` (render_pool.h).
 */
#include "config.h"

#include <string.h>

#include "core/amount.h"
#include "core/error.h"
#include "common/walltime.h"
#include "daemon/render_pool.h"
#include "json/jw.h"
#include "pool/pool_record.h"

static const char *amt(plm_amt_t a, char buf[PLM_AMT_STRLEN])
{
    return plm_amt_format(a, buf);
}

/* The levels' amounts, space-separated ("-" for none). */
static void levels_text(FILE *f, const plm_amt_t *a, unsigned n)
{
    char b[PLM_AMT_STRLEN];
    if (n == 0)
        fputs("-", f);
    for (unsigned l = 0; l < n; l++)
        fprintf(f, "%s%s", l ? " " : "", amt(a[l], b));
}

/* A domain's name as the plan writes it: bytes other than letters,
 * digits, '.', '_', '-' as %XX (a name is untrusted input). */
static void name_text(FILE *f, const char *s, int width)
{
    int n = 0;
    for (; *s; s++, n++) {
        unsigned char c = (unsigned char)*s;
        if (prec_plain_byte(c)) {
            fputc(c, f);
        } else {
            fprintf(f, "%%%02X", c);
            n += 2;
        }
    }
    for (; n < width; n++)
        fputc(' ', f);
}

/* A reason as it reads: printable ASCII as it is, other bytes %XX. */
static void why_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7f && c != '%')
            fputc(c, f);
        else
            fprintf(f, "%%%02X", c);
    }
}

/* An order's state, in words: "waiting" (no state yet), "running 40%", "refused: why". */
static void state_text(FILE *f, const struct pop_known *k)
{
    if (!k->have_state) {
        fputs(k->state_mod ? "(a state that does not read)" : "waiting", f);
        return;
    }
    fputs(pord_phase_name(k->state.phase), f);
    if (k->state.phase == PORD_RUNNING)
        fprintf(f, " %u%%", k->state.pct);
    if (k->state.phase == PORD_FAILED || k->state.phase == PORD_REFUSED) {
        fputs(": ", f);
        why_text(f, k->state.why);
    }
}

/* One line per order (only those not finished, when live_only). */
static size_t orders_text(FILE *f, const struct dmn_pool_view *v, bool live_only)
{
    size_t shown = 0;

    for (size_t i = 0; i < v->norders; i++) {
        const struct pop_known *k = &v->orders[i];
        if (live_only && !pop_live(k))
            continue;
        if (shown++ == 0)
            fprintf(f, "%-24s %-20s %-20s %-8s %8s  %s\n", "ORDER", "FROM", "TO", "REASON",
                    "REVISION", "STATE");
        if (!k->have_order) {
            fprintf(f, "%-24s %-20s %-20s %-8s %8s  ", k->uuid, k->source, "?", "?", "?");
        } else {
            name_text(f, k->order.name, 24);
            fprintf(f, " %-20s %-20s %-8s %8lld  ", k->order.from, k->order.to,
                    pord_reason_name(k->order.reason), (long long)k->order.revision);
        }
        state_text(f, k);
        fputs("\n", f);
    }
    return shown;
}

static void orders_json(struct jw *j, const struct dmn_pool_view *v, bool live_only)
{
    jw_key(j, "orders");
    jw_array(j);
    for (size_t i = 0; i < v->norders; i++) {
        const struct pop_known *k = &v->orders[i];
        if (live_only && !pop_live(k))
            continue;
        jw_object(j);
        jw_kstring(j, "uuid", k->uuid);
        jw_kstring(j, "source", k->source);
        jw_key(j, "order");
        if (!k->have_order) {
            jw_null(j);
        } else {
            jw_object(j);
            jw_kstring(j, "name", k->order.name);
            jw_kstring(j, "from", k->order.from);
            jw_kstring(j, "to", k->order.to);
            jw_kstring(j, "address", k->order.addr);
            jw_kstring(j, "reason", pord_reason_name(k->order.reason));
            jw_kstring(j, "leader", k->order.leader);
            jw_kint(j, "revision", k->order.revision);
            jw_kuint(j, "at_ms", k->order.at_ms);
            jw_object_end(j);
        }
        jw_key(j, "state");
        if (!k->have_state) {
            jw_null(j);
        } else {
            jw_object(j);
            jw_kstring(j, "state", pord_phase_name(k->state.phase));
            if (k->state.phase == PORD_RUNNING)
                jw_kuint(j, "pct", k->state.pct);
            if (k->state.phase == PORD_FAILED || k->state.phase == PORD_REFUSED)
                jw_kstring(j, "why", k->state.why);
            jw_kuint(j, "at_ms", k->state.at_ms);
            jw_object_end(j);
        }
        jw_object_end(j);
    }
    jw_array_end(j);
}

static size_t live_orders(const struct dmn_pool_view *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->norders; i++)
        n += pop_live(&v->orders[i]);
    return n;
}

static void leader_text(FILE *f, const struct dmn_pool_leader *l)
{
    if (!l->known)
        fputs("not known (etcd has not answered)\n", f);
    else if (!l->host[0] && !l->rev)
        fputs("none\n", f);
    else
        fprintf(f, "%s (election revision %lld)%s\n", l->host[0] ? l->host : "?", (long long)l->rev,
                l->self ? ", this host" : "");
}

static int status_text(FILE *f, const struct render_pool_who *w, const struct dmn_pool_leader *l,
                       const struct dmn_pool_view *v, uint64_t age)
{
    char b1[PLM_AMT_STRLEN], b2[PLM_AMT_STRLEN], b3[PLM_AMT_STRLEN], b4[PLM_AMT_STRLEN];

    fprintf(f, "pool '%s' (mode %s), this host '%s'\n", w->pool, w->mode, w->host);
    fputs("leader: ", f);
    leader_text(f, l);
    if (!v->read) {
        fputs("hosts: not read yet\n", f);
        return 0;
    }
    fprintf(f, "hosts: %zu, read %llu.%llu s ago", v->nhosts, (unsigned long long)age / 1000,
            (unsigned long long)age % 1000 / 100);
    if (v->left_out)
        fprintf(f, " (%zu left out: records that do not decode)", v->left_out);
    fputs("\n", f);
    fprintf(f, "%-20s %9s %10s %10s %9s %4s  %s\n", "HOST", "CPU", "MEMORY", "FREE", "HEADROOM",
            "DOMS", "ASKED BY LEVEL (CPU | MEMORY)");
    for (size_t i = 0; i < v->nhosts; i++) {
        const struct dmn_pool_hostview *h = &v->hosts[i];
        fprintf(f, "%-20s %9s %10s %10s %9s %4zu  ", h->name, amt(h->rec.cpu, b1),
                amt(h->rec.memory, b2), amt(h->rec.free, b3), amt(h->rec.headroom, b4),
                h->rec.ndomains);
        levels_text(f, h->cpu, h->nlevels);
        fputs(" | ", f);
        levels_text(f, h->mem, h->nlevels);
        /* Where migrations to it go, when not to its name. */
        if (h->rec.address[0])
            fprintf(f, "  (migrations to %s)", h->rec.address);
        fputs(h->drain ? "  (draining)\n" : "\n", f);
    }
    fprintf(f, "orders in flight: %zu\n", live_orders(v));
    orders_text(f, v, true);
    return ferror(f) ? PLM_EIO : 0;
}

static void levels_json(struct jw *j, const char *key, const plm_amt_t *a, unsigned n)
{
    jw_key(j, key);
    jw_array(j);
    for (unsigned l = 0; l < n; l++)
        jw_amt(j, a[l]);
    jw_array_end(j);
}

static void who_json(struct jw *j, const struct render_pool_who *w)
{
    jw_kstring(j, "pool", w->pool);
    jw_kstring(j, "host", w->host);
    jw_kstring(j, "mode", w->mode);
}

static int status_json(FILE *f, const struct render_pool_who *w, const struct dmn_pool_leader *l,
                       const struct dmn_pool_view *v, uint64_t age)
{
    struct jw j;
    int rc = jw_begin(&j, f);

    if (rc)
        return rc;
    jw_object(&j);
    who_json(&j, w);
    jw_key(&j, "leader");
    if (!l->known || (!l->host[0] && !l->rev)) {
        jw_null(&j);
    } else {
        jw_object(&j);
        jw_kstring(&j, "host", l->host);
        jw_kint(&j, "revision", l->rev);
        jw_kbool(&j, "self", l->self);
        jw_object_end(&j);
    }
    jw_kbool(&j, "leader_known", l->known);
    jw_key(&j, "read_ms_ago");
    if (v->read)
        jw_uint(&j, age);
    else
        jw_null(&j);
    jw_kuint(&j, "left_out", v->left_out);
    jw_key(&j, "hosts");
    jw_array(&j);
    for (size_t i = 0; i < v->nhosts; i++) {
        const struct dmn_pool_hostview *h = &v->hosts[i];
        jw_object(&j);
        jw_kstring(&j, "name", h->name);
        jw_kamt(&j, "cpu", h->rec.cpu);
        jw_kamt(&j, "memory", h->rec.memory);
        jw_kamt(&j, "free", h->rec.free);
        jw_kamt(&j, "headroom", h->rec.headroom);
        jw_kuint(&j, "domains", h->rec.ndomains);
        /* Where migrations to it go: its published address, else its name. */
        jw_kstring(&j, "address", h->rec.address[0] ? h->rec.address : h->name);
        levels_json(&j, "cpu_asked", h->cpu, h->nlevels);
        levels_json(&j, "mem_asked", h->mem, h->nlevels);
        jw_kbool(&j, "drain", h->drain);
        jw_object_end(&j);
    }
    jw_array_end(&j);
    orders_json(&j, v, true);
    jw_object_end(&j);
    return jw_end(&j);
}

int render_pool_status(FILE *f, const struct render_pool_who *who, const struct dmn_pool_leader *l,
                       const struct dmn_pool_view *v, uint64_t read_age_ms, bool json)
{
    return json ? status_json(f, who, l, v, read_age_ms) : status_text(f, who, l, v, read_age_ms);
}

static int moves_text(FILE *f, const struct render_pool_who *w, const struct dmn_pool_view *v)
{
    const struct pin_plan_read *p = &v->plan;
    char at[32];

    if (!v->have_plan) {
        fprintf(f, "pool '%s': no plan (no leader has published one, or it does not read)\n",
                w->pool);
        return 0;
    }
    plm_format_utc(p->at_ms, at, sizeof(at));
    fprintf(f, "pool '%s': plan by '%s' at election revision %lld, %s\n", w->pool, p->leader,
            (long long)p->revision, at);
    fprintf(f, "%zu hosts, %zu domains; %zu host arbitrations%s; %zu held, %zu stuck; %zu moves\n",
            p->hosts, p->domains, p->work, p->cut ? " (cut by the work cap)" : "", p->held,
            p->stuck, p->nmoves);
    if (p->nmoves)
        fprintf(f, "%-24s %-20s %-20s %-8s %5s %6s  %s\n", "DOMAIN", "FROM", "TO", "REASON",
                "LEVEL", "GAIN", "UUID");
    for (size_t i = 0; i < p->nmoves; i++) {
        const struct pin_plan_move *m = &p->move[i];
        fprintf(f, "%-24s %-20s %-20s %-8s %5u %6lld  %s\n", m->name, m->from, m->to,
                pp_reason_name(m->reason), m->level, (long long)m->gain, m->uuid);
    }
    return ferror(f) ? PLM_EIO : 0;
}

/* Manual moves waiting for the leader, and those it refused. */
static void asked_text(FILE *f, const struct dmn_pool_view *v)
{
    for (size_t i = 0; i < v->nmoves; i++) {
        const struct dmn_pool_move *m = &v->moves[i];
        if (i == 0)
            fputs("manual moves:\n", f);
        if (m->refused) {
            fprintf(f, "  %s: refused: ", m->dom);
            why_text(f, m->answer.why);
            fputs("\n", f);
        } else {
            fprintf(f, "  %s: to %s, asked by %s, waiting for the leader\n", m->dom, m->req.to,
                    m->req.by);
        }
    }
}

static int plan_text(FILE *f, const struct render_pool_who *w, const struct dmn_pool_view *v)
{
    int rc = moves_text(f, w, v);

    if (rc == 0 && v->norders) {
        fprintf(f, "orders: %zu (%zu in flight)\n", v->norders, live_orders(v));
        orders_text(f, v, false);
    }
    if (rc == 0)
        asked_text(f, v);
    return rc ? rc : ferror(f) ? PLM_EIO : 0;
}

static int plan_json(FILE *f, const struct render_pool_who *w, const struct dmn_pool_view *v)
{
    const struct pin_plan_read *p = &v->plan;
    struct jw j;
    int rc = jw_begin(&j, f);

    if (rc)
        return rc;
    jw_object(&j);
    who_json(&j, w);
    jw_key(&j, "plan");
    if (!v->have_plan) {
        jw_null(&j);
    } else {
        jw_object(&j);
        jw_kstring(&j, "leader", p->leader);
        jw_kint(&j, "revision", p->revision);
        jw_kuint(&j, "at_ms", p->at_ms);
        jw_kuint(&j, "hosts", p->hosts);
        jw_kuint(&j, "domains", p->domains);
        jw_kuint(&j, "work", p->work);
        jw_kbool(&j, "cut", p->cut);
        jw_kuint(&j, "held", p->held);
        jw_kuint(&j, "stuck", p->stuck);
        jw_key(&j, "moves");
        jw_array(&j);
        for (size_t i = 0; i < p->nmoves; i++) {
            const struct pin_plan_move *m = &p->move[i];
            jw_object(&j);
            jw_kstring(&j, "uuid", m->uuid);
            jw_kstring(&j, "name", m->name);
            jw_kstring(&j, "from", m->from);
            jw_kstring(&j, "to", m->to);
            jw_kstring(&j, "reason", pp_reason_name(m->reason));
            jw_kuint(&j, "level", m->level);
            jw_kint(&j, "gain", m->gain);
            jw_object_end(&j);
        }
        jw_array_end(&j);
        jw_object_end(&j);
    }
    orders_json(&j, v, false);
    jw_key(&j, "manual");
    jw_array(&j);
    for (size_t i = 0; i < v->nmoves; i++) {
        const struct dmn_pool_move *m = &v->moves[i];
        jw_object(&j);
        jw_kstring(&j, "domain", m->dom);
        jw_kbool(&j, "refused", m->refused);
        if (m->refused) {
            jw_kstring(&j, "why", m->answer.why);
            jw_kuint(&j, "at_ms", m->answer.at_ms);
        } else {
            jw_kstring(&j, "to", m->req.to);
            jw_kstring(&j, "by", m->req.by);
            jw_kuint(&j, "at_ms", m->req.at_ms);
        }
        jw_object_end(&j);
    }
    jw_array_end(&j);
    jw_object_end(&j);
    return jw_end(&j);
}

int render_pool_plan(FILE *f, const struct render_pool_who *who, const struct dmn_pool_view *v,
                     bool json)
{
    return json ? plan_json(f, who, v) : plan_text(f, who, v);
}

int render_pool_asked(FILE *f, const char *what, const char *of, const char *to, bool json)
{
    bool move = to != NULL;

    if (json) {
        struct jw j;
        int rc = jw_begin(&j, f);
        if (rc)
            return rc;
        jw_object(&j);
        jw_kstring(&j, "asked", what);
        jw_kstring(&j, move ? "domain" : "host", of);
        if (move)
            jw_kstring(&j, "to", to);
        jw_object_end(&j);
        return jw_end(&j);
    }
    if (move)
        fprintf(f, "asked: move %s to %s (the leader orders it, or refuses it: xenplm pool plan)\n",
                of, to);
    else
        fprintf(f, "asked: host %s %s (xenplm pool status shows it)\n", of,
                strcmp(what, "drain") == 0 ? "to drain" : "to drain no more");
    return ferror(f) ? PLM_EIO : 0;
}
