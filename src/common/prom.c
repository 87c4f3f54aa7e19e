/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The text exposition format's pieces (prom.h).
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "common/prom.h"

/* 1 ms to 30 s: a turn of the loop takes milliseconds, a rate-limited or
 * retried one seconds. */
const uint32_t prom_hist_le_ms[PROM_HIST_BUCKETS] = {1,   5,    10,   25,   50,    100,  250,
                                                     500, 1000, 2500, 5000, 10000, 30000};

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_label(char *buf, size_t size, const char *name, const char *value)
{
    size_t len = strnlen(buf, size);
    /* Room kept for the closing quote and the NUL. */
    if (len + 2 >= size)
        return;
    int n = snprintf(buf + len, size - len, "%s%s=\"", len ? "," : "", name);
    if (n < 0 || (size_t)n >= size - len - 2) {
        buf[len] = '\0';
        return;
    }
    len += (size_t)n;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        char esc[3] = {0};
        if (*p == '\\' || *p == '"')
            esc[0] = '\\', esc[1] = (char)*p;
        else if (*p == '\n')
            esc[0] = '\\', esc[1] = 'n';
        else
            esc[0] = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
        size_t k = strlen(esc);
        if (len + k + 2 > size)
            break;
        memcpy(buf + len, esc, k);
        len += k;
    }
    buf[len++] = '"';
    buf[len] = '\0';
}

void prom_label_u(char *buf, size_t size, const char *name, uint64_t value)
{
    char v[24];
    snprintf(v, sizeof(v), "%" PRIu64, value);
    prom_label(buf, size, name, v);
}

static void head(FILE *f, const char *name, const char *labels)
{
    if (labels && *labels)
        fprintf(f, "%s{%s} ", name, labels);
    else
        fprintf(f, "%s ", name);
}

void prom_u64(FILE *f, const char *name, const char *labels, uint64_t v)
{
    head(f, name, labels);
    fprintf(f, "%" PRIu64 "\n", v);
}

void prom_i64(FILE *f, const char *name, const char *labels, int64_t v)
{
    head(f, name, labels);
    fprintf(f, "%" PRId64 "\n", v);
}

void prom_ratio(FILE *f, const char *name, const char *labels, int64_t v, int64_t div)
{
    char frac[16];
    uint64_t mag, whole, rest;
    int places = 0;

    head(f, name, labels);
    if (div <= 0) {
        fputs("NaN\n", f);
        return;
    }
    mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    whole = mag / (uint64_t)div;
    rest = mag % (uint64_t)div;
    /* The fraction, digit by digit, while it does not come out even. */
    while (rest && places < 9) {
        rest *= 10;
        frac[places++] = (char)('0' + rest / (uint64_t)div);
        rest %= (uint64_t)div;
    }
    frac[places] = '\0';
    fprintf(f, "%s%" PRIu64 "%s%s\n", v < 0 && (whole || places) ? "-" : "", whole,
            places ? "." : "", frac);
}

void prom_hist_observe(struct prom_hist *h, uint64_t ms)
{
    h->count++;
    h->sum_ms += ms;
    for (size_t i = 0; i < PROM_HIST_BUCKETS; i++) {
        if (ms <= prom_hist_le_ms[i]) {
            h->bucket[i]++;
            return;
        }
    }
    /* Above the last bound: counted only in +Inf (the count). */
}

void prom_hist_write(FILE *f, const char *name, const char *labels, const struct prom_hist *h)
{
    char series[160], lab[PROM_LABELS_MAX], le[24];
    uint64_t cum = 0;

    snprintf(series, sizeof(series), "%s_bucket", name);
    for (size_t i = 0; i <= PROM_HIST_BUCKETS; i++) {
        snprintf(lab, sizeof(lab), "%s", labels ? labels : "");
        if (i < PROM_HIST_BUCKETS) {
            cum += h->bucket[i];
            uint32_t ms = prom_hist_le_ms[i];
            if (ms % 1000 == 0)
                snprintf(le, sizeof(le), "%u", ms / 1000);
            else if (ms % 100 == 0)
                snprintf(le, sizeof(le), "%u.%u", ms / 1000, ms % 1000 / 100);
            else if (ms % 10 == 0)
                snprintf(le, sizeof(le), "%u.%02u", ms / 1000, ms % 1000 / 10);
            else
                snprintf(le, sizeof(le), "%u.%03u", ms / 1000, ms % 1000);
        } else {
            cum = h->count;
            snprintf(le, sizeof(le), "+Inf");
        }
        prom_label(lab, sizeof(lab), "le", le);
        prom_u64(f, series, lab, cum);
    }
    snprintf(series, sizeof(series), "%s_sum", name);
    prom_ratio(f, series, labels, (int64_t)h->sum_ms, 1000);
    snprintf(series, sizeof(series), "%s_count", name);
    prom_u64(f, series, labels, h->count);
}
