/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Output of `xenplm arbitrate`: the plain listing, the JSON document and
 * the step-by-step trace table, each written to a stdio stream.  Nothing
 * here decides anything: it formats what the arbiter returned.
 */
#ifndef XENPLM_CLI_REPORT_H
#define XENPLM_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/reqfile.h"
#include "core/arbiter.h"

/* Largest table --trace accepts: the walk has O(domains) steps. */
#define PLM_TRACE_MAX_DOMAINS ((size_t)1000)

/* One recorded step; its allocations are in plm_tracelog.cells. */
struct plm_tracestep {
    enum plm_step_kind kind;
    unsigned level;
    plm_amt_t target;
    plm_amt_t remaining;
};

/*
 * A copy of every step the arbiter reported.  The arbiter's step points
 * at its workspace, which the next step overwrites, so the hook copies.
 */
struct plm_tracelog {
    size_t n;      /* domains per step */
    size_t nsteps; /* steps recorded */
    size_t cap;    /* room, in steps */
    struct plm_tracestep *steps;
    plm_amt_t *cells; /* nsteps rows of n allocations */
    int rc;           /* 0, or PLM_ENOMEM / PLM_EINVAL once a step was lost */
};

void plm_tracelog_init(struct plm_tracelog *t, size_t n);
void plm_tracelog_dispose(struct plm_tracelog *t);
/* A plm_trace_fn: pass it as plm_params.trace with the log as trace_arg. */
void plm_tracelog_hook(void *arg, const struct plm_step *step);

/* Everything a report shows. */
struct plm_report {
    const struct plm_reqfile *file;    /* names and requests */
    const struct plm_params *params;   /* as given to the arbiter */
    const struct plm_outcome *out;     /* file->n outcomes */
    const struct plm_summary *summary; /* the pool */
    const struct plm_tracelog *trace;  /* the walk, or NULL */
};

/*
 * "NAME ALLOCATION" per domain, in file order: the rounded allocation, or
 * the exact one when raw is set.  Returns 0, or PLM_EIO if the stream
 * reports an error.
 */
int plm_report_text(FILE *fp, const struct plm_report *r, bool raw);

/*
 * The walk as a table: a row per domain, a column per step, a last column
 * with the result (rounded unless raw), and a last row with the pool left.
 * r->trace must be set.  Returns 0, PLM_ENOMEM, or PLM_EIO.
 */
int plm_report_trace(FILE *fp, const struct plm_report *r, bool raw);

/*
 * The whole result as one JSON document (json/jw.h, on one line): params,
 * domains, summary, and the trace when r->trace is set.  Returns 0,
 * PLM_ENOMEM or PLM_EIO.
 */
int plm_report_json(FILE *fp, const struct plm_report *r);

#endif
