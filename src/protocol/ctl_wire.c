/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol's wire format; see ctl_wire.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "core/error.h"
#include "protocol/ctl_wire.h"

#if defined(__GNUC__)
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#endif

/* Fill err (which may be NULL) and return rc, so callers write `return fail(...)`. */
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The request grammar                                                      */

static bool is_printable(unsigned char c)
{
    return c >= 0x20 && c <= 0x7e;
}

/*
 * The version word: "XENPLM/" and a decimal.  Returns the version, or 0
 * when the word is not of that form at all.
 */
static unsigned version_of(const char *word)
{
    static const char prefix[] = "XENPLM/";
    const char *p = word + sizeof(prefix) - 1;
    unsigned long v = 0;

    if (strncmp(word, prefix, sizeof(prefix) - 1) != 0 || *p < '1' || *p > '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 999999)
            return 0;
    }
    return *p == '\0' ? (unsigned)v : 0;
}

int ctl_request_parse(const char *buf, size_t len, struct ctl_request *req, char *err,
                      size_t errlen)
{
    const char *field[CTL_MAX_ARGS + 2];
    size_t nfield = 0;
    char *p, *line_end;

    if (err && errlen)
        err[0] = '\0';
    /* The size is checked before a single byte is looked at. */
    if (len == 0)
        return fail(err, errlen, PLM_EGRAMMAR, "empty request");
    if (len > CTL_REQUEST_MAX)
        return fail(err, errlen, PLM_ERANGE, "request longer than %d bytes", CTL_REQUEST_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (c == '\n' && i + 1 < len)
            return fail(err, errlen, PLM_EGRAMMAR, "more than one line");
        if (c == '\0')
            return fail(err, errlen, PLM_EGRAMMAR, "NUL byte at offset %zu", i);
        if (c != '\n' && !is_printable(c))
            return fail(err, errlen, PLM_EGRAMMAR, "non-printable byte 0x%02x at offset %zu", c, i);
    }
    if (buf[len - 1] != '\n')
        return fail(err, errlen, PLM_EGRAMMAR, "request does not end in a newline");

    memset(req, 0, sizeof(*req));
    memcpy(req->buf, buf, len - 1);
    req->buf[len - 1] = '\0';
    line_end = req->buf + len - 1;

    /* Split on single spaces; an empty field is a leading, trailing or
     * doubled space, refused so that each request has one spelling. */
    p = req->buf;
    for (;;) {
        char *sp = strchr(p, ' ');
        char *end = sp ? sp : line_end;

        if (end == p)
            return fail(err, errlen, PLM_EGRAMMAR,
                        "empty field at offset %zu (fields are separated by one space)",
                        (size_t)(p - req->buf));
        if (nfield == CTL_MAX_ARGS + 2)
            return fail(err, errlen, PLM_ERANGE, "too many arguments (at most %d)", CTL_MAX_ARGS);
        field[nfield++] = p;
        if (!sp)
            break;
        *sp = '\0';
        p = sp + 1;
    }

    req->version = version_of(field[0]);
    if (req->version == 0)
        return fail(err, errlen, PLM_EGRAMMAR, "not a xenplm request (expected '%s COMMAND ...')",
                    CTL_MAGIC);
    if (req->version != CTL_VERSION)
        return fail(err, errlen, PLM_ERANGE,
                    "unsupported protocol version %u (this daemon speaks %s)", req->version,
                    CTL_MAGIC);
    if (nfield < 2)
        return fail(err, errlen, PLM_EGRAMMAR, "missing command");
    if (strlen(field[1]) > CTL_ARG_MAX)
        return fail(err, errlen, PLM_ERANGE, "command longer than %d bytes", CTL_ARG_MAX);
    req->command = field[1];
    for (size_t i = 2; i < nfield; i++) {
        if (strlen(field[i]) > CTL_ARG_MAX)
            return fail(err, errlen, PLM_ERANGE, "argument %zu longer than %d bytes", i - 1,
                        CTL_ARG_MAX);
        if (strcmp(field[i], "--json") == 0 || strcmp(field[i], "-j") == 0)
            req->json = true;
        else
            req->argv[req->argc++] = field[i];
    }
    req->argv[req->argc] = NULL;
    return 0;
}

int ctl_request_format(char *buf, size_t bufsz, const char *command, size_t argc,
                       const char *const *argv, char *err, size_t errlen)
{
    struct ctl_request *check = NULL;
    size_t len = 0;
    int rc;

    if (!command || !*command)
        return fail(err, errlen, PLM_EINVAL, "missing command");
    if (argc > CTL_MAX_ARGS)
        return fail(err, errlen, PLM_ERANGE, "too many arguments (at most %d)", CTL_MAX_ARGS);
    /* Spaces and empty words would silently change the request's meaning
     * once split, so they are refused here rather than by the server. */
    for (size_t i = 0; i <= argc; i++) {
        const char *w = i == 0 ? command : argv[i - 1];

        if (!*w)
            return fail(err, errlen, PLM_EGRAMMAR, "empty argument");
        for (const char *c = w; *c; c++) {
            if (*c == ' ')
                return fail(err, errlen, PLM_EGRAMMAR, "argument with a space");
            if (!is_printable((unsigned char)*c))
                return fail(err, errlen, PLM_EGRAMMAR, "argument with a non-printable byte 0x%02x",
                            (unsigned char)*c);
        }
        if (strlen(w) > CTL_ARG_MAX)
            return fail(err, errlen, PLM_ERANGE, "argument longer than %d bytes", CTL_ARG_MAX);
    }
    rc = snprintf(buf, bufsz, "%s %s", CTL_MAGIC, command);
    if (rc < 0 || (size_t)rc >= bufsz)
        goto too_long;
    len = (size_t)rc;
    for (size_t i = 0; i < argc; i++) {
        rc = snprintf(buf + len, bufsz - len, " %s", argv[i]);
        if (rc < 0 || (size_t)rc >= bufsz - len)
            goto too_long;
        len += (size_t)rc;
    }
    if (len + 2 > bufsz || len + 1 > CTL_REQUEST_MAX)
        goto too_long;
    buf[len++] = '\n';
    buf[len] = '\0';

    /* Whatever is sent must be what the server accepts: check with its parser. */
    check = malloc(sizeof(*check));
    if (!check)
        return fail(err, errlen, PLM_ENOMEM, "out of memory");
    rc = ctl_request_parse(buf, len, check, err, errlen);
    free(check);
    return rc < 0 ? rc : (int)len;

too_long:
    return fail(err, errlen, PLM_ERANGE, "request longer than %d bytes", CTL_REQUEST_MAX);
}

/* One cpu= or mem= value: an amount above 0.  Messages quote the word. */
static int set_amount(const char *word, bool *has, plm_amt_t *out, char *err, size_t errlen)
{
    plm_amt_t a;
    int rc;

    if (*has)
        return fail(err, errlen, PLM_EINVAL, "%.4s given twice", word);
    rc = plm_amt_parse(word + 4, &a);
    if (rc < 0)
        return fail(err, errlen, rc, "%.40s: not an amount (such as 150 or 1.5)", word);
    if (a == 0)
        return fail(err, errlen, PLM_EINVAL, "%.40s: must be greater than 0", word);
    *has = true;
    *out = a;
    return 0;
}

int ctl_set_parse(size_t argc, const char *const *argv, struct ctl_set *out, char *err,
                  size_t errlen)
{
    bool has_for = false;
    int rc;

    memset(out, 0, sizeof(*out));
    if (argc < 1)
        return fail(err, errlen, PLM_EINVAL, "missing domain");
    out->domain = argv[0];
    if (argc == 2 && strcmp(argv[1], "clear") == 0) {
        out->clear = true;
        return 0;
    }
    for (size_t i = 1; i < argc; i++) {
        const char *w = argv[i];

        if (strncmp(w, "cpu=", 4) == 0) {
            rc = set_amount(w, &out->has_cpu, &out->cpu, err, errlen);
        } else if (strncmp(w, "mem=", 4) == 0) {
            rc = set_amount(w, &out->has_mem, &out->mem, err, errlen);
        } else if (strncmp(w, "for=", 4) == 0) {
            if (has_for)
                return fail(err, errlen, PLM_EINVAL, "for= given twice");
            has_for = true;
            rc = plm_duration_parse(w + 4, strlen(w + 4), &out->for_ms);
            if (rc == 0 && (out->for_ms == 0 || out->for_ms > CTL_SET_FOR_MAX_MS))
                rc = PLM_ERANGE;
            if (rc == PLM_ERANGE)
                return fail(err, errlen, rc, "%.40s: not between 1ms and 30d", w);
            if (rc < 0)
                return fail(err, errlen, rc, "%.40s: not a duration (such as %s)", w,
                            PLM_DURATION_EXAMPLES);
        } else if (strcmp(w, "clear") == 0) {
            return fail(err, errlen, PLM_EINVAL, "clear takes no other argument");
        } else {
            return fail(err, errlen, PLM_EGRAMMAR,
                        "'%.40s' is not cpu=N, mem=N, for=DURATION or clear", w);
        }
        if (rc < 0)
            return rc;
    }
    if (!out->has_cpu && !out->has_mem)
        return fail(err, errlen, PLM_EINVAL, "nothing to set (give cpu=N, mem=N or clear)");
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The commands                                                             */

const struct ctl_command_spec ctl_commands[] = {
    {.name = "list", .min_args = 0, .max_args = 0, .json = true, .usage = "[-j|--json]"},
    {.name = "show", .min_args = 1, .max_args = 1, .json = true, .usage = "DOM [-j|--json]"},
    {.name = "status", .min_args = 0, .max_args = 0, .json = true, .usage = "[-j|--json]"},
    {.name = "reload", .min_args = 0, .max_args = 0, .usage = ""},
    {.name = "pause", .min_args = 0, .max_args = 0, .usage = ""},
    {.name = "resume", .min_args = 0, .max_args = 0, .usage = ""},
    /* DOM, then cpu=, mem= and for= at most once each (ctl_set_parse says
     * which is wrong); "nothing to set" is its message too, not a usage. */
    {.name = "set",
     .min_args = 1,
     .max_args = 4,
     .usage = "DOM [cpu=N] [mem=N] [for=DURATION]\nDOM clear"},
    /* Pool mode (issue 14): what this host's pool thread last read; a
     * drain or a manual move asked of it. */
    {.name = "pool",
     .min_args = 1,
     .max_args = 3,
     .json = true,
     .usage = "status [-j|--json]\nplan [-j|--json]\ndrain HOST [--off] [-j|--json]\n"
              "migrate DOM HOST [-j|--json]"},
};
const size_t ctl_ncommands = sizeof(ctl_commands) / sizeof(ctl_commands[0]);

const struct ctl_command_spec *ctl_command_find(const char *name)
{
    for (size_t i = 0; i < ctl_ncommands; i++) {
        if (strcmp(ctl_commands[i].name, name) == 0)
            return &ctl_commands[i];
    }
    return NULL;
}

int ctl_command_usage(const struct ctl_command_spec *spec, const char *prefix, const char *suffix,
                      const char *sep, char *buf, size_t buflen)
{
    const char *line = spec->usage;
    size_t len = 0;
    int n;

    if (buflen)
        buf[0] = '\0';
    do {
        const char *nl = strchr(line, '\n');
        int linelen = nl ? (int)(nl - line) : (int)strlen(line);

        n = snprintf(buf + len, buflen > len ? buflen - len : 0, "%s%s%s%s%.*s%s", len ? sep : "",
                     prefix, spec->name, linelen ? " " : "", linelen, line, suffix);
        if (n < 0)
            return PLM_ERANGE;
        len += (size_t)n;
        line = nl ? nl + 1 : NULL;
    } while (line);
    return len < buflen ? (int)len : PLM_ERANGE;
}

int ctl_request_check(const struct ctl_request *req, const struct ctl_command_spec *spec, char *err,
                      size_t errlen)
{
    char usage[CTL_ERR_MAX];

    if (req->argc >= spec->min_args && req->argc <= spec->max_args)
        return 0;
    ctl_command_usage(spec, "", "", " | ", usage, sizeof(usage));
    return fail(err, errlen, PLM_EINVAL, "usage: %s", usage);
}
