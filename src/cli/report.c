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

void plm_report_json_string(FILE *fp, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    fputc('"', fp);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '"':
            fputs("\\\"", fp);
            break;
        case '\\':
            fputs("\\\\", fp);
            break;
        case '\b':
            fputs("\\b", fp);
            break;
        case '\f':
            fputs("\\f", fp);
            break;
        case '\n':
            fputs("\\n", fp);
            break;
        case '\r':
            fputs("\\r", fp);
            break;
        case '\t':
            fputs("\\t", fp);
            break;
        default:
            /* Other control characters need \u escapes; DEL is legal
             * JSON but escaped too, so the output stays printable. */
            if (c < 0x20 || c == 0x7f) {
                fputs("\\u00", fp);
                fputc(hex[c >> 4], fp);
                fputc(hex[c & 0xf], fp);
            } else {
                fputc(c, fp);
            }
        }
    }
    fputc('"', fp);
}

/* An amount as a JSON number: plm_amt_format never writes an exponent, a
 * leading zero before digits, or a bare point, so its text is valid JSON. */
static void json_amt(FILE *fp, plm_amt_t v)
{
    char a[PLM_AMT_STRLEN];

    fputs(plm_amt_format(v, a), fp);
}

static void json_amt_array(FILE *fp, const plm_amt_t *v, size_t n)
{
    fputc('[', fp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            fputs(", ", fp);
        json_amt(fp, v[i]);
    }
    fputc(']', fp);
}

static void json_params(FILE *fp, const struct plm_report *r)
{
    const struct plm_params *p = r->params;

    fputs("  \"params\": {\n", fp);
    fputs("    \"total\": ", fp);
    json_amt(fp, p->total);
    fputs(",\n    \"minimum\": ", fp);
    json_amt(fp, p->minimal);
    fputs(",\n    \"unit\": ", fp);
    json_amt(fp, p->unit);
    fputs(",\n    \"mode\": ", fp);
    plm_report_json_string(fp, plm_mode_name(p->mode));
    fputs(",\n    \"leftover\": ", fp);
    plm_report_json_string(fp, plm_leftover_name(p->leftover));
    if (p->leftover == PLM_LEFTOVER_DEFAULT) {
        fputs(",\n    \"default_domain\": ", fp);
        plm_report_json_string(fp, plm_reqfile_name(r->file, p->default_domain));
    }
    fputs("\n  },\n", fp);
}

static void json_flags(FILE *fp, unsigned flags)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {PLM_OUT_AT_MIN, "at_min"},
        {PLM_OUT_AT_MAX, "at_max"},
        {PLM_OUT_LEFTOVER, "leftover"},
    };
    bool first = true;

    fputc('[', fp);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(flags & names[i].bit))
            continue;
        if (!first)
            fputs(", ", fp);
        plm_report_json_string(fp, names[i].name);
        first = false;
    }
    fputc(']', fp);
}

static void json_domain(FILE *fp, const struct plm_report *r, size_t i)
{
    const struct plm_request *q = &r->file->req[i];
    const struct plm_outcome *o = &r->out[i];

    fputs("    {\n      \"name\": ", fp);
    plm_report_json_string(fp, plm_reqfile_name(r->file, i));
    fputs(",\n      \"requested\": ", fp);
    json_amt_array(fp, q->level, q->nlevels);
    fputs(",\n      \"min\": ", fp);
    json_amt(fp, q->min);
    fputs(",\n      \"max\": ", fp);
    if (q->max == PLM_AMT_MAX)
        fputs("null", fp);
    else
        json_amt(fp, q->max);
    fputs(",\n      \"floor\": ", fp);
    json_amt(fp, o->floor);
    fputs(",\n      \"raw\": ", fp);
    json_amt(fp, o->raw);
    fputs(",\n      \"allocation\": ", fp);
    json_amt(fp, o->rounded);
    fputs(",\n      \"extra\": ", fp);
    json_amt(fp, o->extra);
    fprintf(fp, ",\n      \"satisfied\": %u", o->satisfied);
    fprintf(fp, ",\n      \"levelled\": %u", o->levelled);
    fputs(",\n      \"water\": ", fp);
    if (o->levelled != 0 && r->params->mode == PLM_MODE_LEVELLING)
        json_amt(fp, o->water);
    else
        fputs("null", fp);
    fputs(",\n      \"why\": ", fp);
    plm_report_json_string(fp, plm_why_name(o->why));
    fputs(",\n      \"flags\": ", fp);
    json_flags(fp, o->flags);
    fputs("\n    }", fp);
}

static void json_summary(FILE *fp, const struct plm_report *r)
{
    const struct plm_summary *s = r->summary;

    fputs("  \"summary\": {\n    \"total\": ", fp);
    json_amt(fp, s->total);
    fputs(",\n    \"allocated\": {\"raw\": ", fp);
    json_amt(fp, s->allocated);
    fputs(", \"rounded\": ", fp);
    json_amt(fp, s->rounded_allocated);
    fputs("},\n    \"reserve\": {\"raw\": ", fp);
    json_amt(fp, s->reserve);
    fputs(", \"rounded\": ", fp);
    json_amt(fp, s->total - s->rounded_allocated);
    fprintf(fp, "},\n    \"levelled\": %u", s->levelled);
    fputs(",\n    \"water\": ", fp);
    if (s->levelled != 0 && r->params->mode == PLM_MODE_LEVELLING)
        json_amt(fp, s->water);
    else
        fputs("null", fp);
    fprintf(fp, ",\n    \"starved\": %s\n  }", s->starved ? "true" : "false");
}

static void json_trace(FILE *fp, const struct plm_report *r)
{
    const struct plm_tracelog *t = r->trace;

    fputs("  \"trace\": [", fp);
    for (size_t k = 0; k < t->nsteps; k++) {
        const struct plm_tracestep *s = &t->steps[k];

        fputs(k > 0 ? ",\n    {\"step\": " : "\n    {\"step\": ", fp);
        plm_report_json_string(fp, step_kind_name(s->kind));
        fprintf(fp, ", \"level\": %u, \"target\": ", s->level);
        if (step_has_target(r, s))
            json_amt(fp, s->target);
        else
            fputs("null", fp);
        fputs(", \"remaining\": ", fp);
        json_amt(fp, s->remaining);
        fputs(", \"allocation\": ", fp);
        json_amt_array(fp, t->cells + k * t->n, t->n);
        fputc('}', fp);
    }
    fputs(t->nsteps > 0 ? "\n  ]" : "]", fp);
}

int plm_report_json(FILE *fp, const struct plm_report *r)
{
    fputs("{\n", fp);
    json_params(fp, r);
    fputs("  \"domains\": [\n", fp);
    for (size_t i = 0; i < r->file->n; i++) {
        json_domain(fp, r, i);
        fputs(i + 1 < r->file->n ? ",\n" : "\n", fp);
    }
    fputs("  ],\n", fp);
    json_summary(fp, r);
    if (r->trace) {
        fputs(",\n", fp);
        json_trace(fp, r);
    }
    fputs("\n}\n", fp);
    return stream_rc(fp);
}
