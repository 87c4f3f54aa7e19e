/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm arbitrate: run the arbiter on a request file and print the result.
 *
 * This file owns the command line and the I/O; the parsing of the file
 * (reqfile.c), the arbitration (core/arbiter.c) and the formatting
 * (report.c) are each done elsewhere.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/reqfile.h"
#include "core/amount.h"
#include "core/arbiter.h"
#include "core/error.h"

/* What the command line asked for. */
struct options {
    plm_amt_t total;
    bool have_total;
    plm_amt_t minimum;
    plm_amt_t unit;
    enum plm_mode mode;
    enum plm_leftover leftover;
    const char *default_name; /* for --leftover default=NAME */
    bool raw;
    bool json;
    bool trace;
    const char *path; /* NULL or "-" for standard input */
};

/* Values above any character, so that getopt's optopt tells them apart. */
enum {
    OPT_TOTAL = 256,
    OPT_MINIMUM,
    OPT_UNIT,
    OPT_MODE,
    OPT_LEFTOVER,
    OPT_RAW,
    OPT_TRACE,
};

static const struct option longopts[] = {
    {"total", required_argument, NULL, OPT_TOTAL},
    {"minimum", required_argument, NULL, OPT_MINIMUM},
    {"unit", required_argument, NULL, OPT_UNIT},
    {"mode", required_argument, NULL, OPT_MODE},
    {"leftover", required_argument, NULL, OPT_LEFTOVER},
    {"raw", no_argument, NULL, OPT_RAW},
    {"json", no_argument, NULL, 'j'},
    {"trace", no_argument, NULL, OPT_TRACE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct xenplm_command *self(void)
{
    return xenplm_command_find("arbitrate");
}

static int parse_amount_option(const char *opt, const char *val, plm_amt_t *out)
{
    char msg[PLM_REQFILE_MSG_MAX];

    if (plm_reqfile_amount(val, strlen(val), out, msg, sizeof(msg)) < 0)
        return xenplm_usage_error(self(), "%s: %s", opt, msg);
    return 0;
}

static int parse_leftover(const char *val, struct options *o)
{
    char q[PLM_REQFILE_QUOTE_MAX];

    const char *dflt = plm_leftover_name(PLM_LEFTOVER_DEFAULT);
    size_t dlen = strlen(dflt);
    enum plm_leftover l;

    /* The default rule names its domain: default=NAME. */
    if (strncmp(val, dflt, dlen) == 0 && val[dlen] == '=') {
        if (val[dlen + 1] == '\0')
            return xenplm_usage_error(self(), "--leftover: default= needs a domain name");
        o->leftover = PLM_LEFTOVER_DEFAULT;
        o->default_name = val + dlen + 1;
    } else if (plm_leftover_parse(val, &l) == 0 && l != PLM_LEFTOVER_DEFAULT) {
        o->leftover = l;
    } else {
        plm_reqfile_quote(q, sizeof(q), val, strlen(val));
        return xenplm_usage_error(self(), "--leftover: %s is not reserve, split or default=NAME",
                                  q);
    }
    return 0;
}

/* One option into o (an xenplm_option_fn). */
static int take_option(void *ctx, int opt, const char *arg)
{
    struct options *o = ctx;
    char q[PLM_REQFILE_QUOTE_MAX];
    int rc = 0;

    switch (opt) {
    case OPT_TOTAL:
        rc = parse_amount_option("--total", arg, &o->total);
        o->have_total = true;
        break;
    case OPT_MINIMUM:
        rc = parse_amount_option("--minimum", arg, &o->minimum);
        break;
    case OPT_UNIT:
        rc = parse_amount_option("--unit", arg, &o->unit);
        if (rc == 0 && o->unit == 0)
            rc = xenplm_usage_error(self(), "--unit: must be greater than 0");
        break;
    case OPT_MODE:
        if (plm_mode_parse(arg, &o->mode) < 0) {
            plm_reqfile_quote(q, sizeof(q), arg, strlen(arg));
            rc = xenplm_usage_error(
                self(), "--mode: %s is not levelling, proportional or max-satisfied", q);
        }
        break;
    case OPT_LEFTOVER:
        rc = parse_leftover(arg, o);
        break;
    case OPT_RAW:
        o->raw = true;
        break;
    case 'j':
        o->json = true;
        break;
    case OPT_TRACE:
        o->trace = true;
        break;
    }
    return rc;
}

/* Returns -1 to go on, or the exit status to return at once. */
static int parse_options(int argc, char **argv, struct options *o)
{
    int rc;

    memset(o, 0, sizeof(*o));
    o->minimum = PLM_UNITS(1);
    o->unit = PLM_UNITS(1);
    o->mode = PLM_MODE_LEVELLING;
    o->leftover = PLM_LEFTOVER_RESERVE;

    rc = xenplm_options(self(), argc, argv, ":jh", longopts, take_option, o);
    if (rc != -1)
        return rc;
    if (argc - optind > 1)
        return xenplm_usage_error(self(), "more than one FILE");
    if (argc - optind == 1)
        o->path = argv[optind];
    if (!o->have_total)
        return xenplm_usage_error(self(), "--total is required");
    return -1;
}

static int load(const struct options *o, struct plm_reqfile *f)
{
    bool is_stdin = !o->path || strcmp(o->path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : o->path;
    char msg[PLM_REQFILE_MSG_MAX];
    FILE *fp = stdin;
    char *buf;
    size_t len;
    size_t line;
    int rc;

    if (!is_stdin) {
        fp = fopen(o->path, "rb");
        if (!fp) {
            fprintf(stderr, "xenplm arbitrate: %s: %s\n", name, strerror(errno));
            return XENPLM_EXIT_USAGE;
        }
    }
    rc = plm_reqfile_read(fp, PLM_REQFILE_SIZE_MAX, &buf, &len);
    if (rc == PLM_EIO)
        fprintf(stderr, "xenplm arbitrate: %s: %s\n", name, strerror(errno));
    if (!is_stdin)
        fclose(fp);
    if (rc == PLM_ERANGE) {
        fprintf(stderr, "%s: larger than %zu MiB\n", name, PLM_REQFILE_SIZE_MAX >> 20);
        return XENPLM_EXIT_USAGE;
    }
    if (rc == PLM_EIO)
        return XENPLM_EXIT_USAGE;
    if (rc < 0) {
        fprintf(stderr, "xenplm arbitrate: %s\n", plm_strerror(rc));
        return XENPLM_EXIT_FAILURE;
    }

    rc = plm_reqfile_parse(f, buf, len, &line, msg, sizeof(msg));
    free(buf);
    if (rc == PLM_ENOMEM) {
        fprintf(stderr, "xenplm arbitrate: %s\n", plm_strerror(rc));
        return XENPLM_EXIT_FAILURE;
    }
    if (rc < 0) {
        if (line > 0)
            fprintf(stderr, "%s:%zu: %s\n", name, line, msg);
        else
            fprintf(stderr, "%s: %s\n", name, msg);
        return XENPLM_EXIT_USAGE;
    }
    return XENPLM_EXIT_OK;
}

/* Arbitrate f as the options say and print the result. */
static int run(const struct options *o, const struct plm_reqfile *f)
{
    struct plm_params params;
    struct plm_work work;
    struct plm_summary summary;
    struct plm_tracelog trace;
    struct plm_outcome *out = NULL;
    struct plm_report report;
    int status = XENPLM_EXIT_FAILURE;
    int rc;

    plm_params_init(&params, o->total);
    params.minimal = o->minimum;
    params.unit = o->unit;
    params.mode = o->mode;
    params.leftover = o->leftover;
    if (o->leftover == PLM_LEFTOVER_DEFAULT &&
        plm_reqfile_find(f, o->default_name, &params.default_domain) < 0) {
        char q[PLM_REQFILE_QUOTE_MAX];

        plm_reqfile_quote(q, sizeof(q), o->default_name, strlen(o->default_name));
        return xenplm_usage_error(self(), "--leftover: no domain named %s", q);
    }
    if (o->trace && f->n > PLM_TRACE_MAX_DOMAINS) {
        fprintf(stderr, "xenplm arbitrate: --trace shows at most %zu domains, not %zu\n",
                PLM_TRACE_MAX_DOMAINS, f->n);
        return XENPLM_EXIT_USAGE;
    }

    plm_tracelog_init(&trace, f->n);
    if (o->trace) {
        params.trace = plm_tracelog_hook;
        params.trace_arg = &trace;
    }
    rc = plm_work_init(&work, f->n);
    if (rc == 0) {
        out = calloc(f->n, sizeof(*out));
        if (!out)
            rc = PLM_ENOMEM;
    }
    if (rc == 0)
        rc = plm_arbitrate(&params, f->req, 0, f->n, &work, out, &summary);
    if (rc == 0)
        rc = trace.rc;
    if (rc < 0) {
        fprintf(stderr, "xenplm arbitrate: %s\n", plm_strerror(rc));
        goto out;
    }

    report.file = f;
    report.params = &params;
    report.out = out;
    report.summary = &summary;
    report.trace = o->trace ? &trace : NULL;
    if (o->json)
        rc = plm_report_json(stdout, &report);
    else if (o->trace)
        rc = plm_report_trace(stdout, &report, o->raw);
    else
        rc = plm_report_text(stdout, &report, o->raw);
    /* A write error is reported once, by main, after the final flush. */
    if (rc == PLM_ENOMEM)
        fprintf(stderr, "xenplm arbitrate: %s\n", plm_strerror(rc));
    else
        status = XENPLM_EXIT_OK;
out:
    free(out);
    plm_work_dispose(&work);
    plm_tracelog_dispose(&trace);
    return status;
}

int cmd_arbitrate(int argc, char **argv)
{
    struct options o;
    struct plm_reqfile f;
    int status;

    status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    plm_reqfile_init(&f);
    status = load(&o, &f);
    if (status == XENPLM_EXIT_OK)
        status = run(&o, &f);
    plm_reqfile_dispose(&f);
    return status;
}
