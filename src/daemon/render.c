/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's state as text and JSON; see render.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/amount.h"
#include "core/arbiter.h"
#include "core/error.h"
#include "daemon/render.h"
#include "policy/policy.h"

/* The protocol's resource for each policy resource (same order today, but
 * the two enums are separate promises). */
static const enum proto_resource proto_res[DMN_NRES] = {
    [POL_CPU] = PROTO_RES_CPU,
    [POL_MEMORY] = PROTO_RES_MEM,
};

/* Short names, as in the guest protocol and the JSON keys. */
static const char *const res_name[DMN_NRES] = {[POL_CPU] = "cpu", [POL_MEMORY] = "mem"};
static const char *const res_unit[DMN_NRES] = {
    [POL_CPU] = "hundredths of a pCPU",
    [POL_MEMORY] = "MiB",
};

/* A cell of the list, or a value of show: long enough for 16 levels. */
#define CELL_MAX 512

/* ------------------------------------------------------------------------ */
/* Small formatting helpers                                                 */

static int finish(FILE *f)
{
    return ferror(f) ? PLM_EIO : 0;
}

/* Printable ASCII as is, anything else as '?'. */
static void put_safe(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        fputc(c >= 0x20 && c <= 0x7e ? c : '?', f);
    }
}

/* The same into a buffer (cut to fit). */
static void copy_safe(char *buf, size_t size, const char *s)
{
    size_t i = 0;

    for (; s[i] && i + 1 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (char)(c >= 0x20 && c <= 0x7e ? c : '?');
    }
    buf[i] = '\0';
}

char *render_duration(uint64_t ms, char buf[RENDER_DURATION_MAX])
{
    uint64_t s = ms / 1000;

    if (ms < 1000)
        snprintf(buf, RENDER_DURATION_MAX, "%" PRIu64 "ms", ms);
    else if (s < 60)
        snprintf(buf, RENDER_DURATION_MAX, "%" PRIu64 "s", s);
    else if (s < 3600)
        snprintf(buf, RENDER_DURATION_MAX, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, RENDER_DURATION_MAX, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
    else
        snprintf(buf, RENDER_DURATION_MAX, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s / 3600 % 24);
    return buf;
}

/* How long ago `then` was; a time in the future counts as now. */
static uint64_t age_ms(uint64_t now, uint64_t then)
{
    return now > then ? now - then : 0;
}

/* KiB to whole MiB, rounded to the nearest. */
static int64_t mib_of_kib(int64_t kib)
{
    return kib >= 0 ? (kib + 512) / 1024 : -((-kib + 512) / 1024);
}

/* KiB to an exact-to-the-thousandth MiB amount (balloon rates may be small). */
static plm_amt_t mib_amt_of_kib(int64_t kib)
{
    return (kib * PLM_SCALE + 512) / 1024;
}

/* "50/120/200", or "-" for no levels. */
static void levels_format(char *buf, size_t size, const plm_amt_t *lv, unsigned n)
{
    char a[PLM_AMT_STRLEN];
    size_t len = 0;

    if (n == 0) {
        snprintf(buf, size, "-");
        return;
    }
    buf[0] = '\0';
    for (unsigned i = 0; i < n && len < size; i++) {
        int w = snprintf(buf + len, size - len, "%s%s", i ? "/" : "", plm_amt_format(lv[i], a));
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

/*
 * The levels a domain asked for one resource: the agent's request when it
 * has one for the resource, the synthesized request when the daemon
 * measures the domain instead; nothing otherwise.
 */
static unsigned requested(const struct dmn_domain *d, int r, const plm_amt_t **lv)
{
    const struct proto_levels *pl = &d->req.res[proto_res[r]];

    if (d->have_req && (d->req.flags & PROTO_REQ_HAS(proto_res[r])) && pl->nlevels > 0) {
        *lv = pl->level;
        return pl->nlevels > PLM_MAX_LEVELS ? PLM_MAX_LEVELS : pl->nlevels;
    }
    if (d->eng.source == ENG_SRC_AGENTLESS && d->eng.plm[r].nlevels > 0) {
        *lv = d->eng.plm[r].level;
        return d->eng.plm[r].nlevels > PLM_MAX_LEVELS ? PLM_MAX_LEVELS : d->eng.plm[r].nlevels;
    }
    *lv = NULL;
    return 0;
}

static bool has_override(const struct dmn_domain *d)
{
    for (int r = 0; r < DMN_NRES; r++) {
        if (d->eng.override.active[r])
            return true;
    }
    return false;
}

/* A domain's flags, in a fixed order. */
static size_t domain_flags(const struct dmn_state *s, const struct dmn_domain *d,
                           const char *names[8])
{
    size_t n = 0;

    if (has_override(d))
        names[n++] = "override";
    if (strncmp(d->status, "rejected", 8) == 0)
        names[n++] = "rejected";
    if (d->eng.mem.uncooperative)
        names[n++] = "uncooperative";
    if (d->pending_read)
        names[n++] = "limited";
    if (d->info.dying)
        names[n++] = "dying";
    if (!d->present)
        names[n++] = "gone";
    if (s->paused)
        names[n++] = "paused";
    return n;
}

/* The policy file the state was loaded from, for people. */
static const char *policy_file(const struct dmn_state *s)
{
    if (s->policy_path[0])
        return s->policy_path;
    if (s->policy.source)
        return s->policy.source;
    return "";
}

/* ------------------------------------------------------------------------ */
/* JSON helpers                                                             */

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;

    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1fu;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0fu;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07u;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void render_json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    fputc('"', f);
    while (*p) {
        unsigned char c = *p;
        size_t n;

        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
        } else if (c < 0x80) {
            fputc(c, f);
        } else if ((n = utf8_len(p)) > 0) {
            fwrite(p, 1, n, f);
            p += n;
            continue;
        } else {
            fputs("\\ufffd", f);
        }
        p++;
    }
    fputc('"', f);
}

static void json_amt(FILE *f, plm_amt_t v)
{
    char a[PLM_AMT_STRLEN];

    fputs(plm_amt_format(v, a), f);
}

/* An amount, or null for "none". */
static void json_amt_or_null(FILE *f, plm_amt_t v)
{
    if (v == PLM_AMT_MAX)
        fputs("null", f);
    else
        json_amt(f, v);
}

static void json_levels(FILE *f, const plm_amt_t *lv, unsigned n)
{
    if (!lv) {
        fputs("null", f);
        return;
    }
    fputc('[', f);
    for (unsigned i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        json_amt(f, lv[i]);
    }
    fputc(']', f);
}

static void json_names(FILE *f, const char *const *names, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        render_json_string(f, names[i]);
    }
    fputc(']', f);
}

/* -1 means unknown in the state: null. */
static void json_int_or_null(FILE *f, int v)
{
    if (v < 0)
        fputs("null", f);
    else
        fprintf(f, "%d", v);
}

static void json_key(FILE *f, bool *first, const char *key)
{
    if (!*first)
        fputc(',', f);
    *first = false;
    render_json_string(f, key);
    fputc(':', f);
}

/* ------------------------------------------------------------------------ */
/* list                                                                     */

enum list_col {
    COL_NAME,
    COL_ID,
    COL_SOURCE,
    COL_REQ_CPU,
    COL_REQ_MEM,
    COL_CPU,
    COL_VCPUS,
    COL_MEM,
    COL_TGT_ACT,
    COL_WEIGHT_CAP,
    COL_FLAGS,
    NCOLS,
};

static const struct {
    const char *title;
    bool right; /* numbers are aligned to the right */
} list_cols[NCOLS] = {
    [COL_NAME] = {"Name", false},
    [COL_ID] = {"ID", true},
    [COL_SOURCE] = {"Source", false},
    [COL_REQ_CPU] = {"Req cpu", false},
    [COL_REQ_MEM] = {"Req mem", false},
    [COL_CPU] = {"CPU", true},
    [COL_VCPUS] = {"VCPUs", true},
    [COL_MEM] = {"Mem", true},
    [COL_TGT_ACT] = {"Target/Actual", true},
    [COL_WEIGHT_CAP] = {"Weight/Cap", true},
    [COL_FLAGS] = {"Flags", false},
};

static void int_or_dash(char *buf, size_t size, int v)
{
    if (v < 0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%d", v);
}

static void list_cell(const struct dmn_state *s, const struct dmn_domain *d, enum list_col col,
                      char *buf, size_t size)
{
    char a[PLM_AMT_STRLEN], w[16], c[16];
    const char *names[8];
    const plm_amt_t *lv;
    unsigned n;
    size_t nflags, len = 0;

    switch (col) {
    case COL_NAME:
        copy_safe(buf, size, d->info.name);
        break;
    case COL_ID:
        snprintf(buf, size, "%" PRIu32, d->info.domid);
        break;
    case COL_SOURCE:
        snprintf(buf, size, "%s", eng_source_name(d->eng.source));
        break;
    case COL_REQ_CPU:
    case COL_REQ_MEM:
        n = requested(d, col == COL_REQ_CPU ? POL_CPU : POL_MEMORY, &lv);
        levels_format(buf, size, lv, n);
        break;
    case COL_CPU:
        snprintf(buf, size, "%s", plm_amt_format(d->eng.granted[POL_CPU], a));
        break;
    case COL_VCPUS:
        if (d->eng.vcpus)
            snprintf(buf, size, "%u", d->eng.vcpus);
        else
            snprintf(buf, size, "-");
        break;
    case COL_MEM:
        snprintf(buf, size, "%s", plm_amt_format(d->eng.granted[POL_MEMORY], a));
        break;
    case COL_TGT_ACT:
        snprintf(buf, size, "%" PRId64 "/%" PRId64, mib_of_kib((int64_t)d->info.mem_target_kib),
                 mib_of_kib((int64_t)d->info.mem_actual_kib));
        break;
    case COL_WEIGHT_CAP:
        int_or_dash(w, sizeof(w), d->eng.weight);
        int_or_dash(c, sizeof(c), d->eng.cap);
        snprintf(buf, size, "%s/%s", w, c);
        break;
    case COL_FLAGS:
        nflags = domain_flags(s, d, names);
        snprintf(buf, size, "-");
        for (size_t i = 0; i < nflags && len < size; i++) {
            int k = snprintf(buf + len, size - len, "%s%s", i ? "," : "", names[i]);
            if (k < 0)
                break;
            len += (size_t)k;
        }
        break;
    case NCOLS:
        buf[0] = '\0';
        break;
    }
}

static void list_row(FILE *f, const size_t width[NCOLS], const char *const cells[NCOLS])
{
    for (int col = 0; col < NCOLS; col++) {
        int pad = (int)(width[col] - strlen(cells[col]));

        if (col)
            fputs("  ", f);
        if (list_cols[col].right)
            fprintf(f, "%*s%s", pad, "", cells[col]);
        else if (col == NCOLS - 1)
            fputs(cells[col], f); /* no trailing blanks */
        else
            fprintf(f, "%s%*s", cells[col], pad, "");
    }
    fputc('\n', f);
}

static int list_text(FILE *f, const struct dmn_state *s)
{
    size_t width[NCOLS];
    const char *titles[NCOLS];
    char cell[NCOLS][CELL_MAX];
    const char *cells[NCOLS];

    /* Two passes, formatting each cell twice, rather than holding a whole
     * table of cells: widths first, then the rows. */
    for (int col = 0; col < NCOLS; col++) {
        titles[col] = list_cols[col].title;
        width[col] = strlen(titles[col]);
        cells[col] = cell[col];
    }
    for (size_t i = 0; i < s->ndom; i++) {
        for (int col = 0; col < NCOLS; col++) {
            list_cell(s, &s->dom[i], (enum list_col)col, cell[col], CELL_MAX);
            if (strlen(cell[col]) > width[col])
                width[col] = strlen(cell[col]);
        }
    }
    list_row(f, width, titles);
    for (size_t i = 0; i < s->ndom; i++) {
        for (int col = 0; col < NCOLS; col++)
            list_cell(s, &s->dom[i], (enum list_col)col, cell[col], CELL_MAX);
        list_row(f, width, cells);
    }
    return finish(f);
}

static void json_list_domain(FILE *f, const struct dmn_state *s, const struct dmn_domain *d)
{
    const char *names[8];
    const plm_amt_t *lv;
    unsigned n;
    size_t nflags = domain_flags(s, d, names);

    fputs("{\"name\":", f);
    render_json_string(f, d->info.name);
    fprintf(f, ",\"domid\":%" PRIu32 ",\"source\":", d->info.domid);
    render_json_string(f, eng_source_name(d->eng.source));
    fputs(",\"requested\":{", f);
    for (int r = 0; r < DMN_NRES; r++) {
        n = requested(d, r, &lv);
        fprintf(f, "%s\"%s\":", r ? "," : "", res_name[r]);
        json_levels(f, lv, n);
    }
    fputs("},\"granted\":{\"cpu\":", f);
    json_amt(f, d->eng.granted[POL_CPU]);
    fprintf(f, ",\"vcpus\":%u,\"mem\":", d->eng.vcpus);
    json_amt(f, d->eng.granted[POL_MEMORY]);
    fprintf(f, "},\"memory\":{\"target\":%" PRId64 ",\"actual\":%" PRId64 "}",
            mib_of_kib((int64_t)d->info.mem_target_kib),
            mib_of_kib((int64_t)d->info.mem_actual_kib));
    fputs(",\"weight\":", f);
    json_int_or_null(f, d->eng.weight);
    fputs(",\"cap\":", f);
    json_int_or_null(f, d->eng.cap);
    fputs(",\"flags\":", f);
    json_names(f, names, nflags);
    fputc('}', f);
}

int render_list(FILE *f, const struct dmn_state *s, bool json)
{
    if (!json)
        return list_text(f, s);
    fprintf(f, "{\"paused\":%s,\"domains\":[", s->paused ? "true" : "false");
    for (size_t i = 0; i < s->ndom; i++) {
        fputs(i ? ",\n" : "\n", f);
        json_list_domain(f, s, &s->dom[i]);
    }
    fputs(s->ndom ? "\n]}\n" : "]}\n", f);
    return finish(f);
}

/* ------------------------------------------------------------------------ */
/* show                                                                     */

/* "  key            " or "    key          ": the two depths of `show`
 * and `status`, values aligned on one column. */
static void key(FILE *f, int depth, const char *k)
{
    if (depth == 0)
        fprintf(f, "  %-15s", k);
    else
        fprintf(f, "    %-13s", k);
}

static void show_rule(FILE *f, const struct dmn_state *s, const struct pol_domain *rule)
{
    key(f, 0, "rule");
    if (!rule || rule->kind == POL_MATCH_NONE) {
        fputs("built-in rule for domains no entry matches\n", f);
        return;
    }
    put_safe(f, policy_file(s));
    fprintf(f, ":%u, ", rule->line);
    if (rule->kind == POL_MATCH_NAME) {
        fputs("name '", f);
        put_safe(f, rule->name ? rule->name : "");
        fputs("'\n", f);
    } else {
        fputs("uuid ", f);
        put_safe(f, rule->uuid);
        fputc('\n', f);
    }
}

static const char *const out_flag_names[] = {"at_min", "at_max", "leftover"};
static const unsigned out_flag_bits[] = {PLM_OUT_AT_MIN, PLM_OUT_AT_MAX, PLM_OUT_LEFTOVER};

static size_t outcome_flags(unsigned flags, const char *names[3])
{
    size_t n = 0;

    for (size_t i = 0; i < 3; i++) {
        if (flags & out_flag_bits[i])
            names[n++] = out_flag_names[i];
    }
    return n;
}

/* Rules in force for a resource's trigger: the streaks to show. */
static size_t trigger_rules(const struct dmn_state *s, int r)
{
    size_t n = s->policy.host.share[r].trigger.nrules;

    return n > PLM_TRIGGER_MAX_RULES ? PLM_TRIGGER_MAX_RULES : n;
}

static const char *direction_name(int dir)
{
    return dir > 0 ? "grow" : dir < 0 ? "shrink" : "none";
}

static void show_resource_text(FILE *f, const struct dmn_state *s, const struct dmn_domain *d,
                               int r, uint64_t now_ms)
{
    const struct plm_outcome *o = &d->eng.outcome[r];
    const struct plm_request *q = &d->eng.plm[r];
    const struct plm_trigger_state *t = &d->eng.trig[r];
    char cell[CELL_MAX], a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], c[PLM_AMT_STRLEN];
    char dur[RENDER_DURATION_MAX];
    const char *names[3];
    const plm_amt_t *lv;
    unsigned n = requested(d, r, &lv);
    size_t nflags, nrules;

    fprintf(f, "  %s (%s)\n", res_name[r], res_unit[r]);
    levels_format(cell, sizeof(cell), lv, n);
    key(f, 1, "requested");
    fprintf(f, "%s\n", cell);
    levels_format(cell, sizeof(cell), q->level,
                  q->nlevels > PLM_MAX_LEVELS ? PLM_MAX_LEVELS : q->nlevels);
    key(f, 1, "arbitrated");
    fprintf(f, "levels %s, min %s, max %s\n", cell, plm_amt_format(q->min, a),
            q->max == PLM_AMT_MAX ? "none" : plm_amt_format(q->max, b));
    key(f, 1, "outcome");
    fprintf(f, "raw %s, rounded %s, floor %s", plm_amt_format(o->raw, a),
            plm_amt_format(o->rounded, b), plm_amt_format(o->floor, c));
    if (o->extra)
        fprintf(f, ", leftover %s", plm_amt_format(o->extra, a));
    nflags = outcome_flags(o->flags, names);
    for (size_t i = 0; i < nflags; i++)
        fprintf(f, "%s%s", i ? "," : " (", names[i]);
    fputs(nflags ? ")\n" : "\n", f);
    key(f, 1, "levels");
    fprintf(f, "satisfied %u", o->satisfied);
    if (o->levelled)
        fprintf(f, ", levelled %u at water %s\n", o->levelled, plm_amt_format(o->water, a));
    else
        fputs(", not levelled\n", f);
    key(f, 1, "why");
    fprintf(f, "%s\n", plm_why_name(o->why));
    key(f, 1, "last change");
    put_safe(f, d->eng.why[r][0] ? d->eng.why[r] : "none");
    fputc('\n', f);
    key(f, 1, "granted");
    fprintf(f, "%s\n", plm_amt_format(d->eng.granted[r], a));
    key(f, 1, "trigger");
    nrules = trigger_rules(s, r);
    if (nrules == 0) {
        fputs("no rules\n", f);
    } else {
        fputs("streaks ", f);
        for (size_t i = 0; i < nrules; i++)
            fprintf(f, "%s%" PRIu32, i ? "/" : "", t->streak[i]);
        fprintf(f, ", direction %s\n", direction_name(t->direction));
    }
    key(f, 1, "override");
    if (!d->eng.override.active[r])
        fputs("none\n", f);
    else if (d->eng.override.until_ms == 0)
        fprintf(f, "%s until cleared\n", plm_amt_format(d->eng.override.amount[r], a));
    else
        fprintf(
            f, "%s for %s more\n", plm_amt_format(d->eng.override.amount[r], a),
            render_duration(
                d->eng.override.until_ms > now_ms ? d->eng.override.until_ms - now_ms : 0, dur));
}

static int show_text(FILE *f, const struct dmn_state *s, const struct dmn_domain *d,
                     uint64_t now_ms)
{
    char dur[RENDER_DURATION_MAX], a[PLM_AMT_STRLEN];
    const char *names[8];
    size_t nflags = domain_flags(s, d, names);

    put_safe(f, d->info.name);
    fprintf(f, " (domain %" PRIu32 ")\n", d->info.domid);
    key(f, 0, "uuid");
    put_safe(f, d->info.uuid[0] ? d->info.uuid : "-");
    fputc('\n', f);
    show_rule(f, s, d->rule);
    key(f, 0, "source");
    fprintf(f, "%s\n", eng_source_name(d->eng.source));
    key(f, 0, "flags");
    if (!nflags)
        fputc('-', f);
    for (size_t i = 0; i < nflags; i++)
        fprintf(f, "%s%s", i ? "," : "", names[i]);
    fputc('\n', f);
    key(f, 0, "request");
    if (d->have_req)
        fprintf(f, "seq %" PRIu64 ", %s ago\n", d->req.seq,
                render_duration(age_ms(now_ms, d->req_at_ms), dur));
    else
        fputs("none\n", f);
    key(f, 0, "status");
    put_safe(f, d->status[0] ? d->status : "-");
    fputc('\n', f);
    key(f, 0, "requests");
    fprintf(f, "%" PRIu64 " read, %" PRIu64 " rejected%s\n", d->requests, d->rejected,
            d->pending_read ? ", one waiting (rate-limited)" : "");
    for (int r = 0; r < DMN_NRES; r++)
        show_resource_text(f, s, d, r, now_ms);

    fputs("  enforcement\n", f);
    key(f, 1, "weight/cap");
    if (d->eng.weight < 0)
        fputs("-/", f);
    else
        fprintf(f, "%d/", d->eng.weight);
    if (d->eng.cap < 0)
        fputs("-\n", f);
    else
        fprintf(f, "%d\n", d->eng.cap);
    key(f, 1, "vcpus");
    fprintf(f, "%u set, %u online, %u max\n", d->eng.vcpus, d->info.online_vcpus,
            d->info.max_vcpus);
    key(f, 1, "memory");
    fprintf(f, "target %" PRId64 ", actual %" PRId64 ", max %" PRId64 " MiB\n",
            mib_of_kib((int64_t)d->info.mem_target_kib),
            mib_of_kib((int64_t)d->info.mem_actual_kib), mib_of_kib((int64_t)d->info.mem_max_kib));
    key(f, 1, "balloon");
    fprintf(f, "want %" PRId64 ", floor %" PRId64 " MiB, rate %s MiB/s%s\n",
            mib_of_kib(d->eng.mem.want_kib), mib_of_kib(d->eng.mem.floor_kib),
            plm_amt_format(mib_amt_of_kib(d->eng.mem.rate_kib_s), a),
            d->eng.mem.uncooperative ? ", uncooperative" : "");
    key(f, 1, "cpu used");
    fprintf(f, "%s\n", plm_amt_format(d->eng.cpu_used_pct, a));
    key(f, 1, "errors");
    fprintf(f, "%" PRIu64 "\n", d->errors);
    return finish(f);
}

static void json_rule(FILE *f, const struct dmn_state *s, const struct pol_domain *rule)
{
    fputs("{\"match\":", f);
    if (!rule || rule->kind == POL_MATCH_NONE) {
        fputs("\"none\",\"file\":null,\"line\":null,\"pattern\":null}", f);
        return;
    }
    render_json_string(f, rule->kind == POL_MATCH_NAME ? "name" : "uuid");
    fputs(",\"file\":", f);
    render_json_string(f, policy_file(s));
    fprintf(f, ",\"line\":%u,\"pattern\":", rule->line);
    render_json_string(f,
                       rule->kind == POL_MATCH_NAME ? (rule->name ? rule->name : "") : rule->uuid);
    fputc('}', f);
}

static void json_resource(FILE *f, const struct dmn_state *s, const struct dmn_domain *d, int r,
                          uint64_t now_ms)
{
    const struct plm_outcome *o = &d->eng.outcome[r];
    const struct plm_request *q = &d->eng.plm[r];
    const struct plm_trigger_state *t = &d->eng.trig[r];
    const char *names[3];
    const plm_amt_t *lv;
    unsigned n = requested(d, r, &lv);
    size_t nflags = outcome_flags(o->flags, names);
    size_t nrules = trigger_rules(s, r);

    fputs("{\"requested\":", f);
    json_levels(f, lv, n);
    fputs(",\"arbitrated\":{\"levels\":", f);
    json_levels(f, q->level, q->nlevels > PLM_MAX_LEVELS ? PLM_MAX_LEVELS : q->nlevels);
    fputs(",\"min\":", f);
    json_amt(f, q->min);
    fputs(",\"max\":", f);
    json_amt_or_null(f, q->max);
    fputs("},\"raw\":", f);
    json_amt(f, o->raw);
    fputs(",\"rounded\":", f);
    json_amt(f, o->rounded);
    fputs(",\"floor\":", f);
    json_amt(f, o->floor);
    fputs(",\"extra\":", f);
    json_amt(f, o->extra);
    fprintf(f, ",\"satisfied\":%u,\"levelled\":%u,\"water\":", o->satisfied, o->levelled);
    json_amt(f, o->water);
    fputs(",\"why\":", f);
    render_json_string(f, plm_why_name(o->why));
    fputs(",\"outcome_flags\":", f);
    json_names(f, names, nflags);
    fputs(",\"last_change\":", f);
    if (d->eng.why[r][0])
        render_json_string(f, d->eng.why[r]);
    else
        fputs("null", f);
    fputs(",\"granted\":", f);
    json_amt(f, d->eng.granted[r]);
    fputs(",\"trigger\":{\"streaks\":[", f);
    for (size_t i = 0; i < nrules; i++)
        fprintf(f, "%s%" PRIu32, i ? "," : "", t->streak[i]);
    fputs("],\"direction\":", f);
    render_json_string(f, direction_name(t->direction));
    fputs("},\"override\":", f);
    if (!d->eng.override.active[r]) {
        fputs("null}", f);
        return;
    }
    fputs("{\"amount\":", f);
    json_amt(f, d->eng.override.amount[r]);
    fputs(",\"remaining_ms\":", f);
    if (d->eng.override.until_ms == 0)
        fputs("null", f);
    else
        fprintf(f, "%" PRIu64,
                d->eng.override.until_ms > now_ms ? d->eng.override.until_ms - now_ms
                                                  : (uint64_t)0);
    fputs("}}", f);
}

static int show_json(FILE *f, const struct dmn_state *s, const struct dmn_domain *d,
                     uint64_t now_ms)
{
    const char *names[8];
    size_t nflags = domain_flags(s, d, names);

    fputs("{\"name\":", f);
    render_json_string(f, d->info.name);
    fprintf(f, ",\"domid\":%" PRIu32 ",\"uuid\":", d->info.domid);
    render_json_string(f, d->info.uuid);
    fprintf(f, ",\"present\":%s,\"dying\":%s,\"rule\":", d->present ? "true" : "false",
            d->info.dying ? "true" : "false");
    json_rule(f, s, d->rule);
    fputs(",\"source\":", f);
    render_json_string(f, eng_source_name(d->eng.source));
    fputs(",\"flags\":", f);
    json_names(f, names, nflags);
    fputs(",\n\"request\":", f);
    if (d->have_req)
        fprintf(f, "{\"seq\":%" PRIu64 ",\"age_ms\":%" PRIu64 "}", d->req.seq,
                age_ms(now_ms, d->req_at_ms));
    else
        fputs("null", f);
    fputs(",\"status\":", f);
    render_json_string(f, d->status);
    fprintf(f,
            ",\"requests\":%" PRIu64 ",\"rejected\":%" PRIu64 ",\"pending_read\":%s,"
            "\n\"resources\":{",
            d->requests, d->rejected, d->pending_read ? "true" : "false");
    for (int r = 0; r < DMN_NRES; r++) {
        fprintf(f, "%s\"%s\":", r ? ",\n" : "\n", res_name[r]);
        json_resource(f, s, d, r, now_ms);
    }
    fputs("},\n\"enforcement\":{\"weight\":", f);
    json_int_or_null(f, d->eng.weight);
    fputs(",\"cap\":", f);
    json_int_or_null(f, d->eng.cap);
    fprintf(f, ",\"vcpus\":%u,\"online_vcpus\":%u,\"max_vcpus\":%u", d->eng.vcpus,
            d->info.online_vcpus, d->info.max_vcpus);
    fprintf(f,
            ",\"memory\":{\"target\":%" PRId64 ",\"actual\":%" PRId64 ",\"max\":%" PRId64
            ",\"want\":%" PRId64 ",\"floor\":%" PRId64 ",\"rate\":",
            mib_of_kib((int64_t)d->info.mem_target_kib),
            mib_of_kib((int64_t)d->info.mem_actual_kib), mib_of_kib((int64_t)d->info.mem_max_kib),
            mib_of_kib(d->eng.mem.want_kib), mib_of_kib(d->eng.mem.floor_kib));
    json_amt(f, mib_amt_of_kib(d->eng.mem.rate_kib_s));
    fprintf(f, ",\"uncooperative\":%s},\"cpu_used\":", d->eng.mem.uncooperative ? "true" : "false");
    json_amt(f, d->eng.cpu_used_pct);
    fprintf(f, ",\"errors\":%" PRIu64 "}}\n", d->errors);
    return finish(f);
}

int render_show(FILE *f, const struct dmn_state *s, const struct dmn_domain *d, uint64_t now_ms,
                bool json)
{
    return json ? show_json(f, s, d, now_ms) : show_text(f, s, d, now_ms);
}

/* ------------------------------------------------------------------------ */
/* status                                                                   */

static size_t count_present(const struct dmn_state *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->ndom; i++)
        n += s->dom[i].present;
    return n;
}

static void status_pool_text(FILE *f, const struct dmn_state *s, int r)
{
    const struct plm_summary *m = &s->eng.summary[r];
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], c[PLM_AMT_STRLEN], d[PLM_AMT_STRLEN];
    char label[32];

    snprintf(label, sizeof(label), "%s pool", res_name[r]);
    key(f, 0, label);
    fprintf(f, "%s: allocated %s (rounded %s), reserve %s", plm_amt_format(s->eng.pool[r], a),
            plm_amt_format(m->allocated, b), plm_amt_format(m->rounded_allocated, c),
            plm_amt_format(m->reserve, d));
    if (m->starved)
        fputs(", starved: floors not covered\n", f);
    else if (m->levelled)
        fprintf(f, ", ran out at level %u, water %s\n", m->levelled, plm_amt_format(m->water, a));
    else
        fputs(", every level met\n", f);
}

static int status_text(FILE *f, const struct dmn_state *s, uint64_t now_ms)
{
    const struct dmn_stats *st = &s->stats;
    char dur[RENDER_DURATION_MAX], a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], c[PLM_AMT_STRLEN];

    fprintf(f, "xenplmd %s\n", PACKAGE_VERSION);
    key(f, 0, "policy");
    put_safe(f, *policy_file(s) ? policy_file(s) : "-");
    fputc('\n', f);
    key(f, 0, "enforcement");
    fputs(s->paused ? "paused (arbitrating, not enforcing)\n" : "on\n", f);
    key(f, 0, "uptime");
    fprintf(f, "%s\n", render_duration(age_ms(now_ms, s->started_ms), dur));
    key(f, 0, "arbitrated");
    if (s->eng.last_arbitration_ms || s->stats.arbitrations)
        fprintf(f, "%s ago\n", render_duration(age_ms(now_ms, s->eng.last_arbitration_ms), dur));
    else
        fputs("never\n", f);
    key(f, 0, "tick");
    fprintf(f, "%s\n", render_duration(s->policy.host.tick_ms, dur));
    key(f, 0, "host");
    fprintf(f, "%u pCPUs, %s MiB, %s MiB free, %s MiB held by guests\n", s->eng.facts.pcpus,
            plm_amt_format(s->eng.facts.mem_total, a), plm_amt_format(s->eng.facts.mem_free, b),
            plm_amt_format(s->eng.facts.mem_domu, c));
    key(f, 0, "domains");
    fprintf(f, "%zu known, %zu present\n", s->ndom, count_present(s));
    for (int r = 0; r < DMN_NRES; r++)
        status_pool_text(f, s, r);
    key(f, 0, "activity");
    fprintf(f, "%" PRIu64 " events, %" PRIu64 " arbitrations, %" PRIu64 " reallocations\n",
            st->events, st->arbitrations, st->reallocations);
    key(f, 0, "xenstore");
    fprintf(f, "%" PRIu64 " reads, %" PRIu64 " writes\n", st->xs_reads, st->xs_writes);
    key(f, 0, "enforce calls");
    fprintf(f, "%" PRIu64 ", %" PRIu64 " failed\n", st->enforce_calls, st->enforce_errors);
    return finish(f);
}

static int status_json(FILE *f, const struct dmn_state *s, uint64_t now_ms)
{
    const struct dmn_stats *st = &s->stats;
    bool first = true;

    fputc('{', f);
    json_key(f, &first, "version");
    render_json_string(f, PACKAGE_VERSION);
    json_key(f, &first, "policy");
    render_json_string(f, policy_file(s));
    json_key(f, &first, "paused");
    fputs(s->paused ? "true" : "false", f);
    json_key(f, &first, "uptime_ms");
    fprintf(f, "%" PRIu64, age_ms(now_ms, s->started_ms));
    json_key(f, &first, "last_arbitration_ms_ago");
    if (s->eng.last_arbitration_ms || s->stats.arbitrations)
        fprintf(f, "%" PRIu64, age_ms(now_ms, s->eng.last_arbitration_ms));
    else
        fputs("null", f);
    json_key(f, &first, "tick_ms");
    fprintf(f, "%" PRIu64, s->policy.host.tick_ms);
    fprintf(f, ",\n\"host\":{\"pcpus\":%u,\"mem_total\":", s->eng.facts.pcpus);
    json_amt(f, s->eng.facts.mem_total);
    fputs(",\"mem_free\":", f);
    json_amt(f, s->eng.facts.mem_free);
    fputs(",\"mem_domu\":", f);
    json_amt(f, s->eng.facts.mem_domu);
    fprintf(f, "},\n\"domains\":{\"known\":%zu,\"present\":%zu},\n\"pools\":{", s->ndom,
            count_present(s));
    for (int r = 0; r < DMN_NRES; r++) {
        const struct plm_summary *m = &s->eng.summary[r];

        fprintf(f, "%s\"%s\":{\"pool\":", r ? "," : "", res_name[r]);
        json_amt(f, s->eng.pool[r]);
        fputs(",\"usable\":", f);
        json_amt(f, m->total);
        fputs(",\"allocated\":", f);
        json_amt(f, m->allocated);
        fputs(",\"rounded_allocated\":", f);
        json_amt(f, m->rounded_allocated);
        fputs(",\"reserve\":", f);
        json_amt(f, m->reserve);
        fprintf(f, ",\"levelled\":%u,\"water\":", m->levelled);
        json_amt(f, m->water);
        fprintf(f, ",\"starved\":%s}", m->starved ? "true" : "false");
    }
    fprintf(f,
            "},\n\"stats\":{\"events\":%" PRIu64 ",\"arbitrations\":%" PRIu64
            ",\"reallocations\":%" PRIu64 ",\"xs_reads\":%" PRIu64 ",\"xs_writes\":%" PRIu64
            ",\"enforce_calls\":%" PRIu64 ",\"enforce_errors\":%" PRIu64 "}}\n",
            st->events, st->arbitrations, st->reallocations, st->xs_reads, st->xs_writes,
            st->enforce_calls, st->enforce_errors);
    return finish(f);
}

int render_status(FILE *f, const struct dmn_state *s, uint64_t now_ms, bool json)
{
    return json ? status_json(f, s, now_ms) : status_text(f, s, now_ms);
}
