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

/* fabric "DIR" HOST: this host's name on the directory it shares with others. */
static int parse_fabric(struct sim_parser *ps, struct sim_lex *lx)
{
    struct sim_scenario *s = ps->s;
    struct sim_word w;
    char why[64];
    size_t len;
    int rc;

    snprintf(ps->prefix, sizeof(ps->prefix), "fabric");
    if (s->fabric_dir)
        return sim_scn_fail(ps, "duplicate 'fabric' line");
    if (!sim_lex_at_string(lx))
        return sim_scn_fail(ps, "expected a quoted directory");
    rc = sim_lex_string(lx, &s->fabric_dir, &len, why, sizeof(why));
    if (rc != 0)
        return sim_scn_fail(ps, "%s", why);
    if (len == 0 || strlen(s->fabric_dir) != len || len > 200)
        return sim_scn_fail(ps, "bad directory (empty, a NUL byte, or over 200 bytes)");
    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "expected this host's name after the directory");
    if (w.n >= sizeof(s->fabric_host))
        return sim_scn_fail(ps, "host name too long (max %zu bytes)", sizeof(s->fabric_host) - 1);
    memcpy(s->fabric_host, w.s, w.n);
    s->fabric_host[w.n] = '\0';
    if (!sim_host_name_valid(s->fabric_host))
        return sim_scn_fail(ps, "bad host name '%.*s%s'", SIM_QUOTE(&w));
    if (sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "unexpected '%.*s%s'", SIM_QUOTE(&w));
    return 0;
}

/* migrate-rate MIB: MiB per second of virtual time. */
static int parse_mig_rate(struct sim_parser *ps, struct sim_lex *lx)
{
    struct sim_word w;
    uint64_t v;

    snprintf(ps->prefix, sizeof(ps->prefix), "migrate-rate");
    if (!sim_lex_word(lx, &w) || sim_word_u64(&w, 1, 1024 * 1024, &v) != 0)
        return sim_scn_fail(ps, "expected MiB per second, 1 to 1048576");
    if (sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "unexpected '%.*s%s'", SIM_QUOTE(&w));
    ps->s->mig_rate_kib_s = v * 1024;
    return 0;
}

/* migrate-fault fail|stall|stall-suspended|stall-handed [COUNT]: COUNT migrations (1) after those
 * of the lines before: "migrate-fault stall" then "migrate-fault fail" makes the first to start
 * stall and the second fail; the rest go well. */
static int parse_mig_fault(struct sim_parser *ps, struct sim_lex *lx)
{
    struct sim_scenario *s = ps->s;
    struct sim_word w;
    enum sim_mig_fault f;
    uint64_t n = 1;

    snprintf(ps->prefix, sizeof(ps->prefix), "migrate-fault");
    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "expected fail, stall, stall-suspended or stall-handed");
    if (sim_word_is(&w, "fail"))
        f = SIM_MIG_FAIL;
    else if (sim_word_is(&w, "stall"))
        f = SIM_MIG_STALL;
    else if (sim_word_is(&w, "stall-suspended"))
        f = SIM_MIG_STALL_SUSPENDED;
    else if (sim_word_is(&w, "stall-handed"))
        f = SIM_MIG_STALL_HANDED;
    else
        return sim_scn_fail(ps,
                            "expected fail, stall, stall-suspended or stall-handed, found "
                            "'%.*s%s'",
                            SIM_QUOTE(&w));
    if (sim_lex_word(lx, &w) && sim_word_u64(&w, 1, SIM_MIG_FAULTS_MAX, &n) != 0)
        return sim_scn_fail(ps, "expected a count of 1 to %d", SIM_MIG_FAULTS_MAX);
    if (sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "unexpected '%.*s%s'", SIM_QUOTE(&w));
    if (s->nmig_fault + n > SIM_MIG_FAULTS_MAX)
        return sim_scn_fail(ps, "more than %d migrations with a fault", SIM_MIG_FAULTS_MAX);
    while (n--)
        s->mig_fault[s->nmig_fault++] = f;
    return 0;
}

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
    if (sim_word_is(&w, "fabric"))
        return parse_fabric(ps, &lx);
    if (sim_word_is(&w, "migrate-rate"))
        return parse_mig_rate(ps, &lx);
    if (sim_word_is(&w, "migrate-fault"))
        return parse_mig_fault(ps, &lx);
    return sim_scn_fail(ps,
                        "unknown statement '%.*s%s' (want host, domain, at, fabric, "
                        "migrate-rate or migrate-fault)",
                        SIM_QUOTE(&w));
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
    out->mig_rate_kib_s = SIM_MIG_RATE_KIB_S;
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
    free(s->fabric_dir);
    memset(s, 0, sizeof(*s));
}
