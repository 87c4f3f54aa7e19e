/* SPDX-License-Identifier: GPL-2.0-only */
/* Sets of physical CPUs and xl's cpu-list syntax (cpumap.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/cpumap.h"
#include "core/error.h"

void plm_cpumap_zero(struct plm_cpumap *m)
{
    memset(m, 0, sizeof(*m));
}

void plm_cpumap_first(struct plm_cpumap *m, unsigned n)
{
    plm_cpumap_zero(m);
    for (unsigned c = 0; c < n && c < PLM_CPUMAP_BITS; c++)
        plm_cpumap_set(m, c);
}

void plm_cpumap_set(struct plm_cpumap *m, unsigned cpu)
{
    if (cpu < PLM_CPUMAP_BITS)
        m->w[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static void clear_bit(struct plm_cpumap *m, unsigned cpu)
{
    m->w[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
}

bool plm_cpumap_test(const struct plm_cpumap *m, unsigned cpu)
{
    return cpu < PLM_CPUMAP_BITS && (m->w[cpu / 64] >> (cpu % 64)) & 1u;
}

bool plm_cpumap_empty(const struct plm_cpumap *m)
{
    for (size_t i = 0; i < PLM_CPUMAP_WORDS; i++)
        if (m->w[i])
            return false;
    return true;
}

bool plm_cpumap_full(const struct plm_cpumap *m)
{
    for (size_t i = 0; i < PLM_CPUMAP_WORDS; i++)
        if (m->w[i] != UINT64_MAX)
            return false;
    return true;
}

bool plm_cpumap_equal(const struct plm_cpumap *a, const struct plm_cpumap *b)
{
    return memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

unsigned plm_cpumap_count(const struct plm_cpumap *m)
{
    unsigned n = 0;

    for (size_t i = 0; i < PLM_CPUMAP_WORDS; i++)
        for (uint64_t w = m->w[i]; w; w &= w - 1)
            n++;
    return n;
}

bool plm_cpumap_clamp(struct plm_cpumap *m, unsigned ncpus)
{
    bool dropped = false;

    for (unsigned c = ncpus; c < PLM_CPUMAP_BITS; c++) {
        if (plm_cpumap_test(m, c)) {
            clear_bit(m, c);
            dropped = true;
        }
    }
    return dropped;
}

/* A CPU number at *p, below PLM_CPUMAP_BITS: 0 and *p past it, or a code. */
static int parse_cpu(const char **p, unsigned *cpu, char *why, size_t whylen)
{
    const char *s = *p;
    unsigned long v = 0;

    if (*s < '0' || *s > '9') {
        snprintf(why, whylen, "expected a pCPU number or 'all' at '%.32s'", s);
        return PLM_EGRAMMAR;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (unsigned long)(*s - '0');
        if (v >= PLM_CPUMAP_BITS) {
            int digits = (int)strspn(*p, "0123456789");
            snprintf(why, whylen, "pCPU %.*s is beyond the %u a list may name",
                     digits > 24 ? 24 : digits, *p, PLM_CPUMAP_BITS);
            return PLM_ERANGE;
        }
    }
    *cpu = (unsigned)v;
    *p = s;
    return 0;
}

int plm_cpumap_parse(const char *s, struct plm_cpumap *out, char *why, size_t whylen)
{
    struct plm_cpumap m;
    char scratch[1];
    const char *p = s;

    if (!why) {
        why = scratch;
        whylen = sizeof(scratch);
    }
    plm_cpumap_zero(&m);
    if (!s || !*s) {
        snprintf(why, whylen, "an empty cpu list");
        return PLM_EGRAMMAR;
    }
    if (strlen(s) > PLM_CPUMAP_TEXT_MAX) {
        snprintf(why, whylen, "a cpu list longer than %u bytes", PLM_CPUMAP_TEXT_MAX);
        return PLM_ERANGE;
    }
    for (;;) {
        bool minus = *p == '^';
        unsigned lo, hi;

        if (minus)
            p++;
        if (strncmp(p, "all", 3) == 0) {
            lo = 0;
            hi = PLM_CPUMAP_BITS - 1;
            p += 3;
        } else {
            int rc = parse_cpu(&p, &lo, why, whylen);
            if (rc)
                return rc;
            hi = lo;
            if (*p == '-') {
                p++;
                rc = parse_cpu(&p, &hi, why, whylen);
                if (rc)
                    return rc;
                if (hi < lo) {
                    snprintf(why, whylen, "the range %u-%u runs backwards", lo, hi);
                    return PLM_ERANGE;
                }
            }
        }
        for (unsigned c = lo; c <= hi; c++) {
            if (minus)
                clear_bit(&m, c);
            else
                plm_cpumap_set(&m, c);
        }
        if (*p == '\0')
            break;
        if (*p != ',') {
            snprintf(why, whylen, "expected ',' at '%.32s'", p);
            return PLM_EGRAMMAR;
        }
        p++;
    }
    if (plm_cpumap_empty(&m)) {
        snprintf(why, whylen, "'%.64s' leaves no pCPU", s);
        return PLM_EINVAL;
    }
    *out = m;
    return 0;
}

char *plm_cpumap_format(const struct plm_cpumap *m, char *buf, size_t len)
{
    size_t at = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (plm_cpumap_full(m)) {
        snprintf(buf, len, "all");
        return buf;
    }
    if (plm_cpumap_empty(m)) {
        snprintf(buf, len, "none");
        return buf;
    }
    for (unsigned c = 0; c < PLM_CPUMAP_BITS && at < len; c++) {
        if (!plm_cpumap_test(m, c))
            continue;
        unsigned end = c;
        while (end + 1 < PLM_CPUMAP_BITS && plm_cpumap_test(m, end + 1))
            end++;
        int w = end == c ? snprintf(buf + at, len - at, "%s%u", at ? "," : "", c)
                         : snprintf(buf + at, len - at, "%s%u-%u", at ? "," : "", c, end);
        if (w < 0)
            break;
        at += (size_t)w;
        c = end;
    }
    return buf;
}
