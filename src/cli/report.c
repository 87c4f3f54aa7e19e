/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Formatting of arbitration results (see report.h).
 */
#include "config.h"

#include "cli/report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/amount.h"
#include "core/error.h"
#include "json/jw.h"
#include "json/jw_arbiter.h"

/* Longest column header: "T16=" and an amount. */
#define HEADER_MAX (8 + PLM_AMT_STRLEN)

/* ---- trace log --------------------------------------------------------- */

void plm_tracelog_init(struct plm_tracelog *t, size_t n)
{
    memset(t, 0, sizeof(*t));
    t->n = n;
}

void plm_tracelog_dispose(struct plm_tracelog *t)
{
    free(t->steps);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

static int tracelog_grow(struct plm_tracelog *t)
{
    size_t cap = t->cap ? t->cap * 2 : 32;
    void *p;

    if (t->n != 0 && cap > SIZE_MAX / sizeof(plm_amt_t) / t->n)
        return PLM_ENOMEM;
    p = realloc(t->steps, cap * sizeof(*t->steps));
    if (!p)
        return PLM_ENOMEM;
    t->steps = p;
    p = realloc(t->cells, cap * (t->n ? t->n : 1) * sizeof(*t->cells));
    if (!p)
        return PLM_ENOMEM;
    t->cells = p;
    t->cap = cap;
    return 0;
}

void plm_tracelog_hook(void *arg, const struct plm_step *step)
{
    struct plm_tracelog *t = arg;
    struct plm_tracestep *s;

    /* A step that cannot be kept spoils the whole table: remember the
     * failure, keep nothing more, and let the caller report it. */
    if (t->rc != 0)
        return;
    if (step->n != t->n) {
        t->rc = PLM_EINVAL;
        return;
    }
    /* The arbiter offers every held and requested amount as a levelling
     * target, including those that cost nothing (at or below what every
     * domain holds).  Such a target changes no allocation: allocations
     * only grow, so an unchanged pool means an unchanged column. */
    if (step->kind == PLM_STEP_TARGET && t->nsteps > 0 &&
        step->remaining == t->steps[t->nsteps - 1].remaining)
        return;
    if (t->nsteps == t->cap) {
        t->rc = tracelog_grow(t);
        if (t->rc != 0)
            return;
    }
    s = &t->steps[t->nsteps];
    s->kind = step->kind;
    s->level = step->level;
    s->target = step->target;
    s->remaining = step->remaining;
    if (t->n > 0)
        memcpy(t->cells + t->nsteps * t->n, step->alloc, t->n * sizeof(*t->cells));
    t->nsteps++;
}

/* ---- helpers ----------------------------------------------------------- */

static const char *step_kind_name(enum plm_step_kind k)
{
    switch (k) {
    case PLM_STEP_FLOOR:
        return "floor";
    case PLM_STEP_LEVEL:
        return "level";
    case PLM_STEP_TARGET:
        return "target";
    case PLM_STEP_SHARE:
        return "share";
    case PLM_STEP_LEFTOVER:
        return "leftover";
    }
    return "?";
}

/*
 * Only levelling has a water level; the arbiter passes 0 as the SHARE
 * target for the other modes, which must not read as "levelled to 0".
 */
static bool step_has_target(const struct plm_report *r, const struct plm_tracestep *s)
{
    return s->kind == PLM_STEP_TARGET ||
           (s->kind == PLM_STEP_SHARE && r->params->mode == PLM_MODE_LEVELLING);
}

static int stream_rc(FILE *fp)
{
    return ferror(fp) ? PLM_EIO : 0;
}

/* ---- plain text -------------------------------------------------------- */

int plm_report_text(FILE *fp, const struct plm_report *r, bool raw)
{
    char a[PLM_AMT_STRLEN];

    for (size_t i = 0; i < r->file->n; i++) {
        plm_amt_t v = raw ? r->out[i].raw : r->out[i].rounded;

        fprintf(fp, "%s %s\n", plm_reqfile_name(r->file, i), plm_amt_format(v, a));
    }
    return stream_rc(fp);
}

/* ---- trace table ------------------------------------------------------- */

/*
 * Column c of the table: 0 is the name, 1..nsteps the steps, and
 * nsteps + 1 the rounded result when shown.  Row n is the pool left.
 */
static void trace_header(const struct plm_report *r, size_t c, char buf[HEADER_MAX])
{
    const struct plm_tracelog *t = r->trace;
    const struct plm_tracestep *s;
    char a[PLM_AMT_STRLEN];

    if (c == 0) {
        snprintf(buf, HEADER_MAX, "domain");
        return;
    }
    if (c > t->nsteps) {
        snprintf(buf, HEADER_MAX, "rounded");
        return;
    }
    s = &t->steps[c - 1];
    switch (s->kind) {
    case PLM_STEP_FLOOR:
        snprintf(buf, HEADER_MAX, "floor");
        break;
    case PLM_STEP_LEVEL:
        snprintf(buf, HEADER_MAX, "L%u", s->level);
        break;
    case PLM_STEP_TARGET:
        snprintf(buf, HEADER_MAX, "T%u=%s", s->level, plm_amt_format(s->target, a));
        break;
    case PLM_STEP_SHARE:
        if (step_has_target(r, s))
            snprintf(buf, HEADER_MAX, "S%u=%s", s->level, plm_amt_format(s->target, a));
        else
            snprintf(buf, HEADER_MAX, "S%u", s->level);
        break;
    case PLM_STEP_LEFTOVER:
        snprintf(buf, HEADER_MAX, "leftover");
        break;
    }
}

/* Cell (row, c) for c >= 1, as text in a. */
static const char *trace_cell(const struct plm_report *r, size_t row, size_t c,
                              char a[PLM_AMT_STRLEN])
{
    const struct plm_tracelog *t = r->trace;
    size_t n = r->file->n;
    plm_amt_t v;

    if (c <= t->nsteps) {
        v = row < n ? t->cells[(c - 1) * n + row] : t->steps[c - 1].remaining;
    } else {
        v = row < n ? r->out[row].rounded : r->summary->total - r->summary->rounded_allocated;
    }
    return plm_amt_format(v, a);
}

static const char *trace_name(const struct plm_report *r, size_t row)
{
    /* Parentheses cannot occur in a domain name, so this row cannot be
     * mistaken for a domain. */
    return row < r->file->n ? plm_reqfile_name(r->file, row) : "(left)";
}

int plm_report_trace(FILE *fp, const struct plm_report *r, bool raw)
{
    const struct plm_tracelog *t = r->trace;
    size_t n = r->file->n;
    size_t ncols = 1 + t->nsteps + (raw ? 0 : 1);
    char h[HEADER_MAX];
    char a[PLM_AMT_STRLEN];
    size_t *width;

    width = calloc(ncols, sizeof(*width));
    if (!width)
        return PLM_ENOMEM;
    for (size_t c = 0; c < ncols; c++) {
        trace_header(r, c, h);
        width[c] = strlen(h);
        for (size_t row = 0; row <= n; row++) {
            size_t w = strlen(c == 0 ? trace_name(r, row) : trace_cell(r, row, c, a));

            if (w > width[c])
                width[c] = w;
        }
    }

    /* Names left-aligned, numbers right-aligned, so that the columns of
     * figures line up on their last digit. */
    for (size_t c = 0; c < ncols; c++) {
        trace_header(r, c, h);
        if (c == 0)
            fprintf(fp, "%-*s", (int)width[c], h);
        else
            fprintf(fp, "  %*s", (int)width[c], h);
    }
    fputc('\n', fp);
    for (size_t row = 0; row <= n; row++) {
        fprintf(fp, "%-*s", (int)width[0], trace_name(r, row));
        for (size_t c = 1; c < ncols; c++)
            fprintf(fp, "  %*s", (int)width[c], trace_cell(r, row, c, a));
        fputc('\n', fp);
    }
    free(width);
    return stream_rc(fp);
}

/* ---- JSON -------------------------------------------------------------- */

/* Written by the one JSON writer (json/jw.h): one document on one line. */

static void json_amt_array(struct jw *w, const plm_amt_t *v, size_t n)
{
    jw_array(w);
    for (size_t i = 0; i < n; i++)
        jw_amt(w, v[i]);
    jw_array_end(w);
}

static void json_params(struct jw *w, const struct plm_report *r)
{
    const struct plm_params *p = r->params;

    jw_key(w, "params");
    jw_object(w);
    jw_kamt(w, "total", p->total);
    jw_kamt(w, "minimum", p->minimal);
    jw_kamt(w, "unit", p->unit);
    jw_kstring(w, "mode", plm_mode_name(p->mode));
    jw_kstring(w, "leftover", plm_leftover_name(p->leftover));
    if (p->leftover == PLM_LEFTOVER_DEFAULT) {
        jw_kstring(w, "default_domain", plm_reqfile_name(r->file, p->default_domain));
    }
    jw_object_end(w);
}

static void json_flags(struct jw *w, unsigned flags)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {PLM_OUT_AT_MIN, "at_min"},
        {PLM_OUT_AT_MAX, "at_max"},
        {PLM_OUT_LEFTOVER, "leftover"},
    };

    jw_array(w);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (flags & names[i].bit)
            jw_string(w, names[i].name);
    }
    jw_array_end(w);
}

static void json_domain(struct jw *w, const struct plm_report *r, size_t i)
{
    const struct plm_request *q = &r->file->req[i];
    const struct plm_outcome *o = &r->out[i];

    jw_object(w);
    jw_kstring(w, "name", plm_reqfile_name(r->file, i));
    jw_key(w, "requested");
    json_amt_array(w, q->level, q->nlevels);
    jw_kamt(w, "min", q->min);
    jw_key(w, "max");
    if (q->max == PLM_AMT_MAX)
        jw_null(w);
    else
        jw_amt(w, q->max);
    jw_kamt(w, "floor", o->floor);
    jw_kamt(w, "raw", o->raw);
    jw_kamt(w, "allocation", o->rounded);
    jw_outcome_members(w, o, r->params->mode == PLM_MODE_LEVELLING);
    jw_key(w, "flags");
    json_flags(w, o->flags);
    jw_object_end(w);
}

/* A raw and a rounded amount. */
static void json_pair(struct jw *w, const char *key, plm_amt_t raw, plm_amt_t rounded)
{
    jw_key(w, key);
    jw_object(w);
    jw_kamt(w, "raw", raw);
    jw_kamt(w, "rounded", rounded);
    jw_object_end(w);
}

static void json_summary(struct jw *w, const struct plm_report *r)
{
    const struct plm_summary *s = r->summary;

    jw_key(w, "summary");
    jw_object(w);
    jw_kamt(w, "total", s->total);
    json_pair(w, "allocated", s->allocated, s->rounded_allocated);
    json_pair(w, "reserve", s->reserve, s->total - s->rounded_allocated);
    jw_kuint(w, "levelled", s->levelled);
    jw_key(w, "water");
    jw_water(w, r->params->mode == PLM_MODE_LEVELLING, s->levelled, s->water);
    jw_kbool(w, "starved", s->starved);
    jw_object_end(w);
}

static void json_trace(struct jw *w, const struct plm_report *r)
{
    const struct plm_tracelog *t = r->trace;

    jw_key(w, "trace");
    jw_array(w);
    for (size_t k = 0; k < t->nsteps; k++) {
        const struct plm_tracestep *s = &t->steps[k];

        jw_object(w);
        jw_kstring(w, "step", step_kind_name(s->kind));
        jw_kuint(w, "level", s->level);
        jw_key(w, "target");
        if (step_has_target(r, s))
            jw_amt(w, s->target);
        else
            jw_null(w);
        jw_kamt(w, "remaining", s->remaining);
        jw_key(w, "allocation");
        json_amt_array(w, t->cells + k * t->n, t->n);
        jw_object_end(w);
    }
    jw_array_end(w);
}

int plm_report_json(FILE *fp, const struct plm_report *r)
{
    struct jw w;
    int rc = jw_begin(&w, fp);

    if (rc)
        return rc;
    jw_object(&w);
    json_params(&w, r);
    jw_key(&w, "domains");
    jw_array(&w);
    for (size_t i = 0; i < r->file->n; i++)
        json_domain(&w, r, i);
    jw_array_end(&w);
    json_summary(&w, r);
    if (r->trace)
        json_trace(&w, r);
    jw_object_end(&w);
    rc = jw_end(&w);
    return rc ? rc : stream_rc(fp);
}
