/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scenario parser's pieces, used by the statement parser (scenario.c)
 * and the event parser (scenario_event.c), calling neither: the one-line
 * error, key=value options, the host line's options, a domain's spec, and
 * the domain names seen so far.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sim/scenario_int.h"
#include "sim/sim_host.h"

#define MIB_MAX (1ull << 30) /* 1 PiB */

int sim_scn_fail(struct sim_parser *ps, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (ps->err && ps->errlen)
        snprintf(ps->err, ps->errlen, "%s:%u: %s%s%s", ps->file, ps->line, ps->prefix,
                 ps->prefix[0] ? ": " : "", msg);
    return PLM_EGRAMMAR;
}

/* ---- key=value options ------------------------------------------------- */

enum opt_kind { OPT_NUM, OPT_ONOFF, OPT_SCHED, OPT_TYPE };

struct opt_def {
    const char *key;
    enum opt_kind kind;
    uint64_t min, max;
    const char *unit; /* for messages */
};

static const struct opt_def host_opts[] = {
    {"pcpus", OPT_NUM, 1, 4096, ""},
    {"memory", OPT_NUM, 1, MIB_MAX, " MiB"},
    {"dom0", OPT_NUM, 1, MIB_MAX, " MiB"},
    {"sched", OPT_SCHED, 0, 1, ""},
};
enum { H_PCPUS, H_MEMORY, H_DOM0, H_SCHED, H_N };

static const struct opt_def dom_opts[] = {
    {"memory", OPT_NUM, 1, MIB_MAX, " MiB"},
    {"maxmem", OPT_NUM, 1, MIB_MAX, " MiB"},
    {"vcpus", OPT_NUM, 1, 512, ""},
    {"maxvcpus", OPT_NUM, 1, 512, ""},
    {"balloon-rate", OPT_NUM, 1, 1u << 20, " MiB/s"},
    {"floor", OPT_NUM, 0, MIB_MAX, " MiB"},
    {"cpu", OPT_NUM, 0, 1000000, ""},
    {"weight", OPT_NUM, 1, 65535, ""},
    {"cap", OPT_NUM, 0, 51200, ""},
    {"stuck", OPT_ONOFF, 0, 1, ""},
    {"balloon", OPT_ONOFF, 0, 1, ""},
    {"hotplug", OPT_ONOFF, 0, 1, ""},
    {"type", OPT_TYPE, 0, 2, ""},
};
enum {
    D_MEMORY,
    D_MAXMEM,
    D_VCPUS,
    D_MAXVCPUS,
    D_RATE,
    D_FLOOR,
    D_CPU,
    D_WEIGHT,
    D_CAP,
    D_STUCK,
    D_BALLOON,
    D_HOTPLUG,
    D_TYPE,
    D_N
};

static int opt_value(struct sim_parser *ps, const struct opt_def *d, const struct sim_word *v,
                     uint64_t *out)
{
    int rc;

    if (d->kind == OPT_TYPE) {
        /* pv, pvh or hvm: 0, 1, 2. */
        static const char *const types[] = {"pv", "pvh", "hvm"};
        for (uint64_t i = 0; i < 3; i++) {
            if (sim_word_is(v, types[i])) {
                *out = i;
                return 0;
            }
        }
        return sim_scn_fail(ps, "%s: want pv, pvh or hvm, found '%.*s%s'", d->key, SIM_QUOTE(v));
    }
    if (d->kind == OPT_ONOFF || d->kind == OPT_SCHED) {
        /* Two words; the value is 1 for the first (on, credit2). */
        const char *one = d->kind == OPT_ONOFF ? "on" : "credit2";
        const char *zero = d->kind == OPT_ONOFF ? "off" : "credit";
        if (sim_word_is(v, one) || sim_word_is(v, zero)) {
            *out = sim_word_is(v, one);
            return 0;
        }
        return sim_scn_fail(ps, "%s: want %s or %s, found '%.*s%s'", d->key,
                            d->kind == OPT_ONOFF ? one : zero, d->kind == OPT_ONOFF ? zero : one,
                            SIM_QUOTE(v));
    }
    rc = sim_word_u64(v, d->min, d->max, out);
    if (rc == PLM_EGRAMMAR)
        return sim_scn_fail(ps, "%s: not a number '%.*s%s'", d->key, SIM_QUOTE(v));
    if (rc != 0)
        return sim_scn_fail(ps, "%s: '%.*s%s' out of range (%llu..%llu%s)", d->key, SIM_QUOTE(v),
                            (unsigned long long)d->min, (unsigned long long)d->max, d->unit);
    return 0;
}

static int parse_options(struct sim_parser *ps, struct sim_lex *lx, const struct opt_def *defs,
                         size_t n, uint64_t *val, bool *seen)
{
    struct sim_word w;

    while (sim_lex_word(lx, &w)) {
        const char *eq = memchr(w.s, '=', w.n);
        struct sim_word key = {w.s, eq ? (size_t)(eq - w.s) : 0}, v;
        size_t i;

        if (!eq)
            return sim_scn_fail(ps, "expected KEY=VALUE, found '%.*s%s'", SIM_QUOTE(&w));
        for (i = 0; i < n && !sim_word_is(&key, defs[i].key); i++)
            ;
        if (i == n) {
            char list[160] = "";
            for (size_t j = 0; j < n; j++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", j ? ", " : "",
                         defs[j].key);
            return sim_scn_fail(ps, "unknown option '%.*s%s' (want %s)", SIM_QUOTE(&key), list);
        }
        if (seen[i])
            return sim_scn_fail(ps, "duplicate option '%s'", defs[i].key);
        v.s = eq + 1;
        v.n = w.n - key.n - 1;
        if (opt_value(ps, &defs[i], &v, &val[i]) != 0)
            return PLM_EGRAMMAR;
        seen[i] = true;
    }
    return 0;
}

/* ---- the host line and domain specs ------------------------------------- */

int sim_scn_host(struct sim_parser *ps, struct sim_lex *lx)
{
    uint64_t v[H_N] = {0};
    bool seen[H_N] = {false};
    struct sim_scenario *s = ps->s;

    snprintf(ps->prefix, sizeof(ps->prefix), "host");
    if (ps->host_line)
        return sim_scn_fail(ps, "duplicate 'host' line (first on line %u)", ps->host_line);
    ps->host_line = ps->line;
    if (parse_options(ps, lx, host_opts, H_N, v, seen) != 0)
        return PLM_EGRAMMAR;
    for (int i = 0; i < H_SCHED; i++)
        if (!seen[i])
            return sim_scn_fail(ps, "missing %s=", host_opts[i].key);
    if (v[H_DOM0] >= v[H_MEMORY])
        return sim_scn_fail(ps, "dom0 %llu MiB leaves nothing for guests (memory %llu MiB)",
                            (unsigned long long)v[H_DOM0], (unsigned long long)v[H_MEMORY]);
    s->pcpus = (unsigned)v[H_PCPUS];
    s->total_kib = v[H_MEMORY] * 1024;
    s->dom0_kib = v[H_DOM0] * 1024;
    snprintf(s->sched, sizeof(s->sched), "%s", v[H_SCHED] ? "credit2" : "credit");
    return 0;
}

int sim_scn_spec(struct sim_parser *ps, struct sim_lex *lx, struct port_sim_domspec *sp)
{
    uint64_t v[D_N] = {0};
    bool seen[D_N] = {false};

    if (parse_options(ps, lx, dom_opts, D_N, v, seen) != 0)
        return PLM_EGRAMMAR;
    if (!seen[D_MEMORY])
        return sim_scn_fail(ps, "missing memory=");
    port_sim_domspec_init(sp, NULL, v[D_MEMORY] * 1024);
    if (!seen[D_MAXMEM])
        v[D_MAXMEM] = v[D_MEMORY];
    if (!seen[D_VCPUS])
        v[D_VCPUS] = seen[D_MAXVCPUS] ? v[D_MAXVCPUS] : 1;
    if (!seen[D_MAXVCPUS])
        v[D_MAXVCPUS] = v[D_VCPUS];
    if (v[D_MEMORY] > v[D_MAXMEM])
        return sim_scn_fail(ps, "memory %llu MiB is above maxmem %llu MiB",
                            (unsigned long long)v[D_MEMORY], (unsigned long long)v[D_MAXMEM]);
    if (v[D_MAXMEM] * 1024 > ps->s->total_kib)
        return sim_scn_fail(ps, "maxmem %llu MiB is above the host's %llu MiB",
                            (unsigned long long)v[D_MAXMEM],
                            (unsigned long long)ps->s->total_kib / 1024);
    if (v[D_FLOOR] > v[D_MAXMEM])
        return sim_scn_fail(ps, "floor %llu MiB is above maxmem %llu MiB",
                            (unsigned long long)v[D_FLOOR], (unsigned long long)v[D_MAXMEM]);
    if (v[D_VCPUS] > v[D_MAXVCPUS])
        return sim_scn_fail(ps, "vcpus %llu is above maxvcpus %llu", (unsigned long long)v[D_VCPUS],
                            (unsigned long long)v[D_MAXVCPUS]);
    if (v[D_CAP] > 100 * v[D_MAXVCPUS])
        return sim_scn_fail(ps, "cap %llu is above 100 x maxvcpus (%llu)",
                            (unsigned long long)v[D_CAP],
                            (unsigned long long)(100 * v[D_MAXVCPUS]));
    sp->maxmem_kib = v[D_MAXMEM] * 1024;
    sp->vcpus = (unsigned)v[D_VCPUS];
    sp->max_vcpus = (unsigned)v[D_MAXVCPUS];
    if (seen[D_RATE])
        sp->balloon_kib_s = v[D_RATE] * 1024;
    sp->floor_kib = v[D_FLOOR] * 1024;
    sp->cpu_demand = (unsigned)v[D_CPU];
    if (seen[D_WEIGHT])
        sp->weight = (unsigned)v[D_WEIGHT];
    sp->cap = (unsigned)v[D_CAP];
    sp->stuck = v[D_STUCK] != 0;
    sp->no_balloon = seen[D_BALLOON] && v[D_BALLOON] == 0;
    sp->no_hotplug = seen[D_HOTPLUG] && v[D_HOTPLUG] == 0;
    sp->type = v[D_TYPE] == 2 ? PORT_DOM_HVM : v[D_TYPE] == 1 ? PORT_DOM_PVH : PORT_DOM_PV;
    return 0;
}

void *sim_scn_grow(void *arr, size_t *cap, size_t n, size_t size)
{
    size_t want;
    void *grown;

    if (n < *cap)
        return arr;
    want = *cap ? 2 * *cap : 8;
    if (want < *cap || want > SIZE_MAX / size)
        return NULL;
    grown = realloc(arr, want * size);
    if (grown)
        *cap = want;
    return grown;
}

struct sim_scn_name *sim_scn_find_name(struct sim_parser *ps, const struct sim_word *w)
{
    for (size_t i = ps->nnames; i-- > 0;)
        if (sim_word_is(w, ps->names[i].name))
            return &ps->names[i];
    return NULL;
}

int sim_scn_new_name(struct sim_parser *ps, struct sim_lex *lx, const char *what, char *out)
{
    static const char *const reserved[] = {"create",  "disconnect", "end",   "fail",    "xs-fail",
                                           "xs-slow", "watch",      "clock", "Domain-0"};
    struct sim_scn_name *prev, *nn;
    struct sim_word w;

    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "%s: missing name", what);
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (sim_word_is(&w, reserved[i]))
            return sim_scn_fail(ps, "%s: name '%s' is reserved", what, reserved[i]);
    snprintf(out, PORT_NAME_MAX, "%.*s", (int)(w.n < PORT_NAME_MAX ? w.n : PORT_NAME_MAX - 1), w.s);
    if (w.n >= PORT_NAME_MAX || !sim_host_name_valid(out))
        return sim_scn_fail(
            ps, "%s: bad name '%.*s%s' (letters, digits, '-', '_', '.'; at most %d bytes)", what,
            SIM_QUOTE(&w), PORT_NAME_MAX - 1);
    snprintf(ps->prefix, sizeof(ps->prefix), "%s %s", what, out);
    prev = sim_scn_find_name(ps, &w);
    if (prev && !prev->destroyed)
        return sim_scn_fail(ps, "name already used on line %u", prev->line);
    nn = sim_scn_grow(ps->names, &ps->names_cap, ps->nnames, sizeof(*nn));
    if (!nn)
        return PLM_ENOMEM;
    ps->names = nn;
    nn = &ps->names[ps->nnames++];
    snprintf(nn->name, sizeof(nn->name), "%s", out);
    nn->line = ps->line;
    nn->destroyed = 0;
    return 0;
}
