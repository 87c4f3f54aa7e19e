/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parsers of the files the monitors read: /proc/stat, uptime, loadavg,
 * meminfo, vmstat, pressure/{cpu,memory} and the sysfs CPU lists.
 *
 * They work on (pointer, length) pairs and never read outside them, and
 * they allocate nothing.  The kernel adds lines and keys from one release
 * to the next, so unknown ones are skipped; but the keys we use are read
 * strictly, because a value we misread silently would steer the controller
 * wrong for as long as the guest runs.  Each parser works on locals and
 * writes its fields of the snapshot only once the whole file is accepted.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/errbuf.h"
#include "core/error.h"
#include "guest-agent/monitor.h"

/* Longest piece of input quoted in an error, before "...". */
#define QUOTE_LEN 32
/* CPU numbers in a sysfs list are below this (Linux's NR_CPUS tops out at 8192). */
#define CPU_ID_LIMIT 65536u

/* A piece of the input: a line, or a field of one. */
struct span {
    const char *p;
    size_t n;
};

/* Walks a buffer line by line; the last line needs no newline. */
struct cursor {
    const char *buf;
    size_t len, pos;
    unsigned line; /* number of the line last returned, from 1 */
};

/* Where a parser writes its reason, and the line it is on. */
struct perr {
    char *buf;
    size_t len;
    unsigned line;
};

static void cursor_init(struct cursor *c, const char *buf, size_t len)
{
    c->buf = buf;
    c->len = buf ? len : 0;
    c->pos = 0;
    c->line = 0;
}

static bool next_line(struct cursor *c, struct span *line)
{
    const char *start, *nl;
    size_t left;

    if (c->pos >= c->len)
        return false;
    start = c->buf + c->pos;
    left = c->len - c->pos;
    nl = memchr(start, '\n', left);
    line->p = start;
    line->n = nl ? (size_t)(nl - start) : left;
    c->pos += line->n + (nl ? 1 : 0);
    c->line++;
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Take the next blank-separated field off the front of *rest. */
static bool next_field(struct span *rest, struct span *field)
{
    while (rest->n && is_blank(*rest->p)) {
        rest->p++;
        rest->n--;
    }
    if (rest->n == 0)
        return false;
    field->p = rest->p;
    while (rest->n && !is_blank(*rest->p)) {
        rest->p++;
        rest->n--;
    }
    field->n = (size_t)(rest->p - field->p);
    return true;
}

static bool span_is(const struct span *s, const char *word)
{
    size_t n = strlen(word);
    return s->n == n && memcmp(s->p, word, n) == 0;
}

/*
 * Copy a piece of input into out for an error message: at most QUOTE_LEN
 * bytes, anything unprintable as '?', so the reason stays one clean line.
 */
static const char *quote(const struct span *s, char out[QUOTE_LEN + 4])
{
    size_t n = s->n > QUOTE_LEN ? QUOTE_LEN : s->n, i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s->p[i];
        out[i] = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
    }
    if (s->n > QUOTE_LEN) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

#if defined(__GNUC__)
static int fail(const struct perr *e, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif

/* Write "line N: " and the reason to e (line 0: no prefix); return rc. */
static int fail(const struct perr *e, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    plm_verrf_line(e->buf, e->len, rc, e->line, fmt, ap);
    va_end(ap);
    return rc;
}

/* Digits only; grammar is judged over the whole field before range. */
static int lex_u64(const struct span *f, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (f->n == 0)
        return PLM_EGRAMMAR;
    for (i = 0; i < f->n; i++)
        if (f->p[i] < '0' || f->p[i] > '9')
            return PLM_EGRAMMAR;
    for (i = 0; i < f->n; i++) {
        unsigned d = (unsigned)(f->p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return PLM_ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* The reason for a number lex_u64 or plm_amt_parse_n refused. */
static int bad_number(const struct perr *e, int rc, const char *what, const struct span *f)
{
    char q[QUOTE_LEN + 4];

    quote(f, q);
    if (rc == PLM_ERANGE)
        return fail(e, PLM_ERANGE, "%s: '%s' is out of range", what, q);
    if (rc == PLM_EPRECISION)
        return fail(e, PLM_EGRAMMAR, "%s: '%s' has more than three decimals", what, q);
    return fail(e, PLM_EGRAMMAR, "%s: '%s' is not a number", what, q);
}

static int field_u64(const struct perr *e, const struct span *f, const char *what, uint64_t *out)
{
    int rc = lex_u64(f, out);
    return rc < 0 ? bad_number(e, rc, what, f) : 0;
}

/*
 * A decimal such as "1.25" as thousandths.  The kernel prints two
 * decimals for load, pressure and uptime, which plm_amt_parse_n takes
 * exactly; a third is accepted too, a fourth is refused rather than
 * rounded.
 */
static int field_amt(const struct perr *e, const struct span *f, const char *what, plm_amt_t *out)
{
    int rc = plm_amt_parse_n(f->p, f->n, out);
    return rc < 0 ? bad_number(e, rc, what, f) : 0;
}

/* The next field of a line, which must be there. */
static int want_field(const struct perr *e, struct span *rest, struct span *f, const char *what)
{
    if (!next_field(rest, f))
        return fail(e, PLM_EGRAMMAR, "%s: missing value", what);
    return 0;
}

/* Nothing may follow the last field of a line with a fixed shape. */
static int no_more_fields(const struct perr *e, struct span *rest, const char *what)
{
    struct span extra;
    char q[QUOTE_LEN + 4];

    if (next_field(rest, &extra))
        return fail(e, PLM_EGRAMMAR, "%s: extra field '%s'", what, quote(&extra, q));
    return 0;
}

static int duplicate(const struct perr *e, const char *what, unsigned first)
{
    return fail(e, PLM_EGRAMMAR, "%s: duplicate line (first on line %u)", what, first);
}

/* ------------------------------------------------------------------------ */
/* /proc/stat                                                               */

/* The counters of a cpu line, in the kernel's order. */
static const char *const stat_names[] = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice",
};
enum { ST_USER, ST_NICE, ST_SYSTEM, ST_IDLE, ST_IOWAIT, ST_IRQ, ST_SOFTIRQ, ST_STEAL, ST_NFIELDS };
/* Linux 2.4 printed four counters; 2.6 added iowait, irq, softirq, then steal and guest times. */
#define STAT_MIN_FIELDS 4

static bool add_u64(uint64_t *sum, uint64_t v)
{
    if (*sum > UINT64_MAX - v)
        return false;
    *sum += v;
    return true;
}

/*
 * The counters after a "cpu" or "cpuN" key.  Missing trailing counters
 * (older kernels) are zero; counters past the ten we know are checked but
 * unused.  Guest time is already inside user, so it is not added again.
 */
static int parse_cpu_line(const struct perr *e, struct span *rest, const char *key,
                          struct agent_cpu_ticks *out)
{
    uint64_t v[ST_NFIELDS] = {0};
    unsigned n = 0;
    struct span f;
    char what[48];
    int rc;

    while (next_field(rest, &f)) {
        uint64_t x;
        if (n < sizeof(stat_names) / sizeof(stat_names[0]))
            snprintf(what, sizeof(what), "%s %s", key, stat_names[n]);
        else
            snprintf(what, sizeof(what), "%s field %u", key, n + 1);
        rc = field_u64(e, &f, what, &x);
        if (rc < 0)
            return rc;
        if (n < ST_NFIELDS)
            v[n] = x;
        n++;
    }
    if (n < STAT_MIN_FIELDS)
        return fail(e, PLM_EGRAMMAR, "%s: %u counters, want at least %d", key, n, STAT_MIN_FIELDS);

    out->busy = v[ST_USER];
    out->idle = v[ST_IDLE];
    out->steal = v[ST_STEAL];
    if (!add_u64(&out->busy, v[ST_NICE]) || !add_u64(&out->busy, v[ST_SYSTEM]) ||
        !add_u64(&out->busy, v[ST_IRQ]) || !add_u64(&out->busy, v[ST_SOFTIRQ]) ||
        !add_u64(&out->idle, v[ST_IOWAIT]))
        return fail(e, PLM_ERANGE, "%s: counters overflow when added", key);
    return 0;
}

/* "cpu" followed by digits only: the CPU's number in *id, or a negative code. */
static int cpu_key(const struct span *key, uint64_t *id)
{
    struct span digits;

    if (key->n <= 3 || memcmp(key->p, "cpu", 3) != 0)
        return PLM_ENOENT;
    digits.p = key->p + 3;
    digits.n = key->n - 3;
    return lex_u64(&digits, id);
}

/* All of stat's fields, gathered before they are committed to the snapshot. */
struct stat_acc {
    struct agent_cpu_ticks total;
    struct agent_cpu_ticks cpu[AGENT_MAX_CPUS];
    unsigned first_on[AGENT_MAX_CPUS]; /* line of each cpuN, for duplicates */
    unsigned ncpu;
    unsigned total_on, procs_on;
    unsigned procs_running;
};

int agent_parse_stat(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                     size_t errlen)
{
    struct perr e = {err, errlen, 0};
    struct stat_acc a;
    struct cursor c;
    struct span line, key, f;
    char q[QUOTE_LEN + 4];
    uint64_t id, v;
    int rc;

    memset(&a, 0, sizeof(a));
    cursor_init(&c, buf, len);
    while (next_line(&c, &line)) {
        e.line = c.line;
        if (!next_field(&line, &key))
            continue;
        if (span_is(&key, "cpu")) {
            if (a.total_on)
                return duplicate(&e, "cpu", a.total_on);
            a.total_on = c.line;
            rc = parse_cpu_line(&e, &line, "cpu", &a.total);
            if (rc < 0)
                return rc;
        } else if ((rc = cpu_key(&key, &id)) != PLM_ENOENT) {
            struct agent_cpu_ticks t;
            if (rc == PLM_EGRAMMAR)
                continue; /* "cpufreq..." or the like: not ours */
            if (rc < 0 || id > UINT_MAX)
                return fail(&e, PLM_ERANGE, "'%s': CPU number out of range", quote(&key, q));
            quote(&key, q);
            rc = parse_cpu_line(&e, &line, q, &t);
            if (rc < 0)
                return rc;
            /* CPUs past the array are counted, not kept (nor checked for repeats). */
            if (id < AGENT_MAX_CPUS) {
                if (a.first_on[id])
                    return duplicate(&e, q, a.first_on[id]);
                a.first_on[id] = c.line;
                a.cpu[id] = t;
            }
            if (a.ncpu == UINT_MAX)
                return fail(&e, PLM_ERANGE, "too many cpu lines");
            a.ncpu++;
        } else if (span_is(&key, "procs_running")) {
            if (a.procs_on)
                return duplicate(&e, "procs_running", a.procs_on);
            a.procs_on = c.line;
            rc = want_field(&e, &line, &f, "procs_running");
            if (rc == 0)
                rc = field_u64(&e, &f, "procs_running", &v);
            if (rc == 0 && v > UINT_MAX)
                rc = bad_number(&e, PLM_ERANGE, "procs_running", &f);
            if (rc == 0)
                rc = no_more_fields(&e, &line, "procs_running");
            if (rc < 0)
                return rc;
            a.procs_running = (unsigned)v;
        }
    }
    e.line = 0;
    if (!a.total_on)
        return fail(&e, PLM_EGRAMMAR, "no 'cpu' line");

    s->total = a.total;
    memcpy(s->cpu, a.cpu, sizeof(s->cpu));
    s->ncpu = a.ncpu;
    s->procs_running = a.procs_running;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* /proc/uptime, /proc/loadavg                                              */

int agent_parse_uptime(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                       size_t errlen)
{
    struct perr e = {err, errlen, 1};
    struct cursor c;
    struct span line = {"", 0}, f;
    plm_amt_t up;
    int rc;

    /*
     * Only the first field is used; the second (idle time summed over all
     * CPUs) can outgrow an amount on a large machine, so it is not parsed.
     * Seconds in thousandths are milliseconds.
     */
    cursor_init(&c, buf, len);
    next_line(&c, &line);
    rc = want_field(&e, &line, &f, "uptime");
    if (rc == 0)
        rc = field_amt(&e, &f, "uptime", &up);
    if (rc < 0)
        return rc;
    s->uptime_ms = (uint64_t)up;
    return 0;
}

int agent_parse_loadavg(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                        size_t errlen)
{
    static const char *const names[] = {"load1", "load5", "load15"};
    struct perr e = {err, errlen, 1};
    struct cursor c;
    struct span line = {"", 0}, f;
    plm_amt_t load[3];
    int rc;

    /* "0.52 0.58 0.59 1/467 12345": the three averages are checked, the rest skipped. */
    cursor_init(&c, buf, len);
    next_line(&c, &line);
    for (unsigned i = 0; i < 3; i++) {
        rc = want_field(&e, &line, &f, names[i]);
        if (rc == 0)
            rc = field_amt(&e, &f, names[i], &load[i]);
        if (rc < 0)
            return rc;
    }
    s->load1 = load[0];
    return 0;
}

/* ------------------------------------------------------------------------ */
/* /proc/meminfo, /proc/vmstat                                              */

enum {
    MI_TOTAL,
    MI_FREE,
    MI_AVAILABLE,
    MI_BUFFERS,
    MI_CACHED,
    MI_COMMITTED,
    MI_SWAP_TOTAL,
    MI_SWAP_FREE,
    MI_N
};
static const char *const meminfo_keys[MI_N] = {
    [MI_TOTAL] = "MemTotal",       [MI_FREE] = "MemFree",       [MI_AVAILABLE] = "MemAvailable",
    [MI_BUFFERS] = "Buffers",      [MI_CACHED] = "Cached",      [MI_COMMITTED] = "Committed_AS",
    [MI_SWAP_TOTAL] = "SwapTotal", [MI_SWAP_FREE] = "SwapFree",
};

/* "Key:   1234 kB", for a key we know. */
static int parse_meminfo_value(const struct perr *e, struct span *rest, const char *key,
                               uint64_t *out)
{
    struct span f;
    char q[QUOTE_LEN + 4];
    int rc;

    rc = want_field(e, rest, &f, key);
    if (rc == 0)
        rc = field_u64(e, &f, key, out);
    if (rc < 0)
        return rc;
    if (!next_field(rest, &f))
        return fail(e, PLM_EGRAMMAR, "%s: missing unit 'kB'", key);
    if (!span_is(&f, "kB"))
        return fail(e, PLM_EGRAMMAR, "%s: unit '%s', want 'kB'", key, quote(&f, q));
    return no_more_fields(e, rest, key);
}

int agent_parse_meminfo(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                        size_t errlen)
{
    struct perr e = {err, errlen, 0};
    uint64_t v[MI_N] = {0};
    unsigned first_on[MI_N] = {0};
    struct cursor c;
    struct span line, key;
    int rc;

    cursor_init(&c, buf, len);
    while (next_line(&c, &line)) {
        unsigned k;
        e.line = c.line;
        if (!next_field(&line, &key) || key.n < 2 || key.p[key.n - 1] != ':')
            continue;
        key.n--;
        for (k = 0; k < MI_N; k++)
            if (span_is(&key, meminfo_keys[k]))
                break;
        if (k == MI_N)
            continue;
        if (first_on[k])
            return duplicate(&e, meminfo_keys[k], first_on[k]);
        first_on[k] = c.line;
        rc = parse_meminfo_value(&e, &line, meminfo_keys[k], &v[k]);
        if (rc < 0)
            return rc;
    }
    e.line = 0;
    if (!first_on[MI_TOTAL])
        return fail(&e, PLM_EGRAMMAR, "no MemTotal line");
    if (!first_on[MI_FREE])
        return fail(&e, PLM_EGRAMMAR, "no MemFree line");

    s->have_mem_available = first_on[MI_AVAILABLE] != 0;
    if (!s->have_mem_available) {
        /*
         * Kernels before 3.14 do not say.  Free memory plus the page cache
         * and buffers is the classic estimate: it overstates (not all cache
         * can be dropped), so it is capped at MemTotal and flagged.
         */
        uint64_t est = v[MI_FREE];
        if (!add_u64(&est, v[MI_CACHED]) || !add_u64(&est, v[MI_BUFFERS]))
            est = UINT64_MAX;
        v[MI_AVAILABLE] = est < v[MI_TOTAL] ? est : v[MI_TOTAL];
    }
    s->mem_total_kib = v[MI_TOTAL];
    s->mem_free_kib = v[MI_FREE];
    s->mem_available_kib = v[MI_AVAILABLE];
    s->committed_as_kib = v[MI_COMMITTED];
    s->swap_total_kib = v[MI_SWAP_TOTAL];
    s->swap_free_kib = v[MI_SWAP_FREE];
    return 0;
}

int agent_parse_vmstat(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                       size_t errlen)
{
    static const char *const keys[] = {"pswpin", "pgmajfault"};
    struct perr e = {err, errlen, 0};
    uint64_t v[2] = {0, 0};
    unsigned first_on[2] = {0, 0};
    struct cursor c;
    struct span line, key, f;
    int rc;

    /* A key the kernel lacks (pswpin without CONFIG_SWAP) counts as zero. */
    cursor_init(&c, buf, len);
    while (next_line(&c, &line)) {
        unsigned k;
        e.line = c.line;
        if (!next_field(&line, &key))
            continue;
        for (k = 0; k < 2; k++)
            if (span_is(&key, keys[k]))
                break;
        if (k == 2)
            continue;
        if (first_on[k])
            return duplicate(&e, keys[k], first_on[k]);
        first_on[k] = c.line;
        rc = want_field(&e, &line, &f, keys[k]);
        if (rc == 0)
            rc = field_u64(&e, &f, keys[k], &v[k]);
        if (rc == 0)
            rc = no_more_fields(&e, &line, keys[k]);
        if (rc < 0)
            return rc;
    }
    s->have_vmstat = true;
    s->pswpin = v[0];
    s->pgmajfault = v[1];
    return 0;
}

/* ------------------------------------------------------------------------ */
/* /proc/pressure/{cpu,memory}                                              */

/* "avg10=0.00 avg60=0.00 avg300=0.00 total=0" after "some" or "full". */
static int parse_psi_line(const struct perr *e, struct span *rest, const char *kind,
                          plm_amt_t *avg10)
{
    struct span f, k, val;
    char what[32], q[QUOTE_LEN + 4];
    bool have10 = false;
    int rc;

    while (next_field(rest, &f)) {
        const char *eq = memchr(f.p, '=', f.n);
        plm_amt_t a;
        uint64_t u;

        if (!eq)
            return fail(e, PLM_EGRAMMAR, "%s: '%s' is not key=value", kind, quote(&f, q));
        k.p = f.p;
        k.n = (size_t)(eq - f.p);
        val.p = eq + 1;
        val.n = f.n - k.n - 1;
        if (span_is(&k, "avg10") || span_is(&k, "avg60") || span_is(&k, "avg300")) {
            snprintf(what, sizeof(what), "%s %.*s", kind, (int)k.n, k.p);
            rc = field_amt(e, &val, what, &a);
            if (rc < 0)
                return rc;
            if (span_is(&k, "avg10")) {
                if (have10)
                    return fail(e, PLM_EGRAMMAR, "%s: avg10 given twice", kind);
                have10 = true;
                *avg10 = a;
            }
        } else if (span_is(&k, "total")) {
            snprintf(what, sizeof(what), "%s total", kind);
            rc = field_u64(e, &val, what, &u);
            if (rc < 0)
                return rc;
        }
    }
    if (!have10)
        return fail(e, PLM_EGRAMMAR, "%s: no avg10", kind);
    return 0;
}

int agent_parse_psi(const char *buf, size_t len, plm_amt_t *some_avg10, plm_amt_t *full_avg10,
                    char *err, size_t errlen)
{
    struct perr e = {err, errlen, 0};
    plm_amt_t some = 0, full = 0;
    unsigned some_on = 0, full_on = 0;
    struct cursor c;
    struct span line, key;
    int rc;

    /* Kernels before 5.13 have no "full" line for cpu: it then reads as zero. */
    cursor_init(&c, buf, len);
    while (next_line(&c, &line)) {
        e.line = c.line;
        if (!next_field(&line, &key))
            continue;
        if (span_is(&key, "some")) {
            if (some_on)
                return duplicate(&e, "some", some_on);
            some_on = c.line;
            rc = parse_psi_line(&e, &line, "some", &some);
        } else if (span_is(&key, "full")) {
            if (full_on)
                return duplicate(&e, "full", full_on);
            full_on = c.line;
            rc = parse_psi_line(&e, &line, "full", &full);
        } else {
            continue;
        }
        if (rc < 0)
            return rc;
    }
    e.line = 0;
    if (!some_on)
        return fail(&e, PLM_EGRAMMAR, "no 'some' line");
    if (some_avg10)
        *some_avg10 = some;
    if (full_avg10)
        *full_avg10 = full;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* /sys/devices/system/cpu/{online,possible}                                */

static int cpu_id(const struct perr *e, const struct span *f, uint64_t *id)
{
    char q[QUOTE_LEN + 4];
    int rc = lex_u64(f, id);

    if (rc == PLM_EGRAMMAR)
        return fail(e, rc, "cpu list: '%s' is not a CPU number", quote(f, q));
    if (rc < 0 || *id >= CPU_ID_LIMIT)
        return fail(e, PLM_ERANGE, "cpu list: CPU '%s' is out of range (max %u)", quote(f, q),
                    CPU_ID_LIMIT - 1);
    return 0;
}

int agent_parse_cpulist(const char *buf, size_t len, unsigned *count, char *err, size_t errlen)
{
    struct perr e = {err, errlen, 1};
    struct cursor c;
    struct span line = {"", 0}, rest;
    char q[QUOTE_LEN + 4];
    uint64_t next_free = 0; /* lowest CPU number the next item may name */
    unsigned n = 0;
    int rc;

    /* The kernel writes ascending, disjoint items ("%*pbl"); anything else is refused. */
    cursor_init(&c, buf, len);
    next_line(&c, &line);
    rest = line;
    while (rest.n) {
        const char *comma = memchr(rest.p, ',', rest.n);
        struct span item = {rest.p, comma ? (size_t)(comma - rest.p) : rest.n};
        struct span lo = item, hi;
        const char *dash = memchr(item.p, '-', item.n);
        uint64_t a, b;

        rest.p += item.n + (comma ? 1 : 0);
        rest.n -= item.n + (comma ? 1 : 0);
        if (item.n == 0 || (comma && rest.n == 0))
            return fail(&e, PLM_EGRAMMAR, "cpu list: empty item");
        if (dash) {
            lo.n = (size_t)(dash - item.p);
            hi.p = dash + 1;
            hi.n = item.n - lo.n - 1;
        } else {
            hi = lo;
        }
        rc = cpu_id(&e, &lo, &a);
        if (rc == 0)
            rc = cpu_id(&e, &hi, &b);
        if (rc < 0)
            return rc;
        if (b < a)
            return fail(&e, PLM_EGRAMMAR, "cpu list: range '%s' runs backwards", quote(&item, q));
        if (a < next_free)
            return fail(&e, PLM_EGRAMMAR, "cpu list: '%s' is not above the CPUs before it",
                        quote(&item, q));
        next_free = b + 1;
        n += (unsigned)(b - a + 1);
    }
    while (next_line(&c, &line)) {
        e.line = c.line;
        if (line.n)
            return fail(&e, PLM_EGRAMMAR, "text after the cpu list");
    }
    *count = n;
    return 0;
}
