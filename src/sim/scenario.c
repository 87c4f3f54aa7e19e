/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scenario parser: statements (host, domain, at) into a struct
 * sim_scenario.  Everything that can be checked before the simulation runs
 * is checked here, so that a scenario that loads plays as written: option
 * ranges, memory that fits at the start, events in time order, and every
 * event naming a domain that exists at that point of the file.  The first
 * problem is reported as "FILE:LINE: context: problem".
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "core/error.h"
#include "sim/scenario_int.h"
#include "sim/sim_host.h"

/* ---- statements --------------------------------------------------------- */

static int parse_domain(struct sim_parser *ps, struct sim_lex *lx)
{
    struct sim_scenario *s = ps->s;
    struct port_sim_domspec sp, *d;
    uint64_t left = s->total_kib - s->dom0_kib - ps->used_kib;
    int rc;

    if (ps->last_at_line)
        return sim_scn_fail(ps, "'domain' lines come before the first 'at' line (line %u)",
                            ps->last_at_line);
    rc = sim_scn_new_name(ps, lx, "domain", sp.name);
    if (rc == 0)
        rc = sim_scn_spec(ps, lx, &sp);
    if (rc != 0)
        return rc;
    snprintf(sp.name, sizeof(sp.name), "%s", ps->names[ps->nnames - 1].name);
    if (sp.mem_kib > left)
        return sim_scn_fail(ps, "%llu MiB does not fit: %llu MiB free",
                            (unsigned long long)sp.mem_kib / 1024, (unsigned long long)left / 1024);
    d = sim_scn_grow(s->dom, &s->dom_cap, s->ndom, sizeof(*d));
    if (!d)
        return PLM_ENOMEM;
    s->dom = d;
    s->dom[s->ndom++] = sp;
    ps->used_kib += sp.mem_kib;
    return 0;
}

static int parse_at(struct sim_parser *ps, struct sim_lex *lx)
{
    struct sim_scenario *s = ps->s;
    struct sim_event ev, *v;
    struct sim_word w;
    int rc;

    snprintf(ps->prefix, sizeof(ps->prefix), "at");
    if (ps->end_line)
        return sim_scn_fail(ps, "nothing may follow 'end' (line %u)", ps->end_line);
    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "missing time");
    memset(&ev, 0, sizeof(ev));
    rc = sim_word_time(&w, &ev.at_ms);
    if (rc == PLM_EGRAMMAR)
        return sim_scn_fail(ps, "bad time '%.*s%s' (want a duration such as %s)", SIM_QUOTE(&w),
                            PLM_DURATION_EXAMPLES);
    if (rc != 0)
        return sim_scn_fail(ps, "time '%.*s%s' out of range", SIM_QUOTE(&w));
    if (ps->last_at_line && ev.at_ms < ps->last_ms)
        return sim_scn_fail(ps, "'%.*s%s' is before the previous event (line %u)", SIM_QUOTE(&w),
                            ps->last_at_line);
    ev.line = ps->line;
    rc = sim_scn_event(ps, lx, &ev);
    if (rc != 0) {
        free(ev.path);
        free(ev.value);
        return rc;
    }
    v = sim_scn_grow(s->ev, &s->ev_cap, s->nev, sizeof(*v));
    if (!v) {
        free(ev.path);
        free(ev.value);
        return PLM_ENOMEM;
    }
    s->ev = v;
    s->ev[s->nev++] = ev;
    ps->last_at_line = ps->line;
    ps->last_ms = ev.at_ms;
    if (ev.act == SIM_ACT_END)
        ps->end_line = ps->line;
    return 0;
}

/* ---- lines and files ------------------------------------------------------ */

static int check_bytes(struct sim_parser *ps, const char *p, size_t n)
{
    if (n > SIM_SCN_LINE_MAX)
        return sim_scn_fail(ps, "line too long (max %d bytes)", SIM_SCN_LINE_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r')
            return sim_scn_fail(ps, "carriage return (lines end in LF)");
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return sim_scn_fail(ps, "control byte 0x%02x at column %zu", c, i + 1);
    }
    return 0;
}

static int parse_statement(struct sim_parser *ps, const char *p, size_t n)
{
    struct sim_lex lx = {p, p + n};
    struct sim_word w;

    ps->prefix[0] = '\0';
    if (check_bytes(ps, p, n) != 0)
        return PLM_EGRAMMAR;
    if (!sim_lex_word(&lx, &w))
        return 0;
    if (sim_word_is(&w, "host"))
        return sim_scn_host(ps, &lx);
    if (!ps->host_line)
        return sim_scn_fail(ps, "expected 'host' before anything else, found '%.*s%s'",
                            SIM_QUOTE(&w));
    if (sim_word_is(&w, "domain"))
        return parse_domain(ps, &lx);
    if (sim_word_is(&w, "at"))
        return parse_at(ps, &lx);
    return sim_scn_fail(ps, "unknown statement '%.*s%s' (want host, domain or at)", SIM_QUOTE(&w));
}

int sim_scenario_parse(const char *name, const char *text, size_t len, struct sim_scenario *out,
                       char *err, size_t errlen)
{
    struct sim_parser ps = {.file = name, .err = err, .errlen = errlen, .s = out};
    const char *p = text, *end = text + len;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (err && errlen)
        err[0] = '\0';
    out->name = strdup(name);
    if (!out->name)
        rc = PLM_ENOMEM;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        ps.line++;
        rc = parse_statement(&ps, p, n);
        p += n + (nl != NULL);
    }
    if (rc == 0 && !ps.host_line) {
        if (err && errlen)
            snprintf(err, errlen, "%s: no 'host' line", name);
        rc = PLM_EGRAMMAR;
    }
    if (rc == PLM_ENOMEM && err && errlen)
        snprintf(err, errlen, "%s: out of memory", name);
    free(ps.names);
    if (rc != 0)
        sim_scenario_free(out);
    return rc;
}

int sim_scenario_load(const char *file, struct sim_scenario *out, char *err, size_t errlen)
{
    FILE *f = fopen(file, "rb");
    char *buf = NULL;
    size_t n = 0;
    int rc = PLM_EIO, e = errno;

    memset(out, 0, sizeof(*out));
    if (f) {
        buf = malloc(SIM_SCN_FILE_MAX + 1);
        if (buf)
            n = fread(buf, 1, SIM_SCN_FILE_MAX + 1, f);
        e = !buf ? ENOMEM : ferror(f) ? errno : 0;
        fclose(f);
    }
    if (e == ENOMEM)
        rc = PLM_ENOMEM;
    if (!f || e) {
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot read: %s", file, strerror(e));
    } else if (n > SIM_SCN_FILE_MAX) {
        if (err && errlen)
            snprintf(err, errlen, "%s: too large (max %d bytes)", file, SIM_SCN_FILE_MAX);
        rc = PLM_ERANGE;
    } else {
        rc = sim_scenario_parse(file, buf, n, out, err, errlen);
    }
    free(buf);
    return rc;
}

void sim_scenario_free(struct sim_scenario *s)
{
    for (size_t i = 0; i < s->nev; i++) {
        free(s->ev[i].path);
        free(s->ev[i].value);
    }
    free(s->ev);
    free(s->dom);
    free(s->name);
    memset(s, 0, sizeof(*s));
}
