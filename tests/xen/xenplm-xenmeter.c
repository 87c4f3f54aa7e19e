/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm-xenmeter: measurements taken in the QEMU rig's dom0 while xenplmd
 * runs (tests/xen/scenario-daemon.sh), with dom0's own clock only: a
 * guest's clock cannot be compared with dom0's.
 *
 *   xenplm-xenmeter react DOMID ROUNDS SEQ MEM_MIB CPU_A CPU_B
 *
 *     The daemon's CPU reaction.  For ROUNDS rounds, write DOMID's request
 *     key (data/xenplm/request) as dom0, asking in turn for CPU_A and CPU_B
 *     pct and always MEM_MIB MiB, with the seq numbers SEQ, SEQ+1...; time
 *     from just before the xs_write to the moment the domain's credit
 *     weight is seen to change (xc_sched_credit_domain_get, polled every
 *     0.5 ms) and to the moment the daemon's xenplm/seq answer arrives (a
 *     watch).  Rounds are 300 ms apart, within the rig policy's request
 *     rate.  The weight is polled with libxenctrl, one hypercall: libxl's
 *     sched_params_get also reads xenstore (the cpupool's name), and
 *     polling it would load the xenstored the daemon waits on.  So the
 *     domain must be in a cpupool running credit.  Prints
 *         react: sched median M ms, min A ms, max B ms, N rounds
 *         react: seq median M ms, min A ms, max B ms, N rounds
 *     The writer is dom0, not the guest: the floor (xenplm-xenfloor) is
 *     timed from a dom0 write too, so the two compare.  DOMID 0 times
 *     "xenplm-xenfloor reactor" instead of xenplmd (which never manages
 *     dom0): the floor measured exactly as the reaction is.
 *
 *   xenplm-xenmeter mem STOPFILE
 *
 *     Sample every 10 ms, until STOPFILE exists, Xen's free memory
 *     (libxl_get_free_memory, what xenplmd reads) and the memory each
 *     domain holds (libxl_list_domain's current_memkb).  Prints
 *         mem: N samples over S s
 *         mem: free min X max Y KiB
 *         mem: total min X max Y KiB, K steady samples
 *                            (free + every domain's pages, counted only in
 *                            the K samples where free memory read the same
 *                            before and after the domains)
 *         mem: domain D min X max Y KiB   (one line per domain seen)
 *
 *   xenplm-xenmeter watch STOPFILE PATTERN...
 *
 *     Log, until STOPFILE exists, every xenstore write under /local/domain
 *     whose path matches one of the shell patterns (fnmatch), read at once
 *     in this process: one line per write,
 *         UPTIME PATH VALUE
 *     UPTIME dom0's /proc/uptime (seconds), VALUE as xenstore-read prints
 *     it (a newline as \n, a tab as \t, a backslash doubled, other
 *     control bytes in octal), and "UPTIME set" first, once the watch is
 *     set.  The rig's shell version (lib-dom0.sh, watch_log) forks
 *     xenstore-read for each write: on a loaded host those reads land
 *     seconds late, after a short-lived value (a boost's grant, 4 s) has
 *     already changed again.
 *
 * Exit status: 0 when every call succeeded (and, for react, every round saw
 * its effect within 5 s), 1 otherwise, 2 on bad usage.
 * A test program, not part of xenplm: it talks to libxl and libxenstore
 * directly.
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <xenctrl.h>
#include <xenstore.h>
#include <xentoollog.h>

#define MAX_ROUNDS 200
#define MAX_DOMS 64
#define REACT_LIMIT_MS 5000.0
#define REACT_GAP_MS 300.0

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
    struct timespec ts;

    if (ms <= 0)
        return;
    ts.tv_sec = (time_t)(ms / 1e3);
    ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1e3) * 1e6);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

static void report(const char *name, double *ms, int rounds)
{
    qsort(ms, (size_t)rounds, sizeof(*ms), cmp_double);
    printf("react: %s median %.3f ms, min %.3f ms, max %.3f ms, %d rounds\n", name, ms[rounds / 2],
           ms[0], ms[rounds - 1], rounds);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    char *end;

    errno = 0;
    *out = strtoul(s, &end, 10);
    return *s && !*end && errno == 0 && *out <= max ? 0 : -1;
}

static int weight_of(xc_interface *xch, uint32_t domid, int *weight)
{
    struct xen_domctl_sched_credit sc;

    if (xc_sched_credit_domain_get(xch, domid, &sc) != 0)
        return -1;
    *weight = sc.weight;
    return 0;
}

/* Whether a watch event for seq_path came and the node now holds want. */
static int seq_seen(struct xs_handle *xs, const char *seq_path, const char *want)
{
    char **ev;
    int seen = 0;

    while ((ev = xs_check_watch(xs)) != NULL) {
        if (strcmp(ev[XS_WATCH_PATH], seq_path) == 0) {
            unsigned int len;
            char *v = xs_read(xs, XBT_NULL, seq_path, &len);
            if (v && strlen(want) == len && memcmp(v, want, len) == 0)
                seen = 1;
            free(v);
        }
        free(ev);
    }
    return seen;
}

static int react(uint32_t domid, int rounds, unsigned long seq, unsigned long mem,
                 unsigned long cpu_a, unsigned long cpu_b)
{
    static double t_sched[MAX_ROUNDS], t_seq[MAX_ROUNDS];
    char req_path[128], seq_path[128], value[256], want[32];
    struct xs_handle *xs = xs_open(0);
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    int status = 0;

    if (!xs || !xch) {
        perror("xenplm-xenmeter: xs_open or xc_interface_open");
        if (xs)
            xs_close(xs);
        if (xch)
            xc_interface_close(xch);
        return 1;
    }
    snprintf(req_path, sizeof(req_path), "/local/domain/%u/data/xenplm/request", domid);
    snprintf(seq_path, sizeof(seq_path), "/local/domain/%u/xenplm/seq", domid);
    if (!xs_watch(xs, seq_path, "seq")) {
        perror("xenplm-xenmeter: xs_watch");
        xs_close(xs);
        xc_interface_close(xch);
        return 1;
    }
    sleep_ms(50);
    seq_seen(xs, seq_path, ""); /* the event of the watch's registration */
    for (int i = 0; i < rounds && status == 0; i++) {
        unsigned long cpu = i % 2 ? cpu_b : cpu_a;
        int before, w;
        int len =
            snprintf(value, sizeof(value), "xenplm-request 1\nseq %lu\ncpu pct %lu\nmem mib %lu\n",
                     seq + i, cpu, mem);
        snprintf(want, sizeof(want), "%lu\n", seq + i);

        if (weight_of(xch, domid, &before) != 0) {
            fprintf(stderr, "xenplm-xenmeter: domain %u: cannot read its weight\n", domid);
            status = 1;
            break;
        }
        double t0 = now_ms();
        if (!xs_write(xs, XBT_NULL, req_path, value, (unsigned int)len)) {
            perror("xenplm-xenmeter: xs_write");
            status = 1;
            break;
        }
        t_sched[i] = t_seq[i] = -1;
        while (t_sched[i] < 0 || t_seq[i] < 0) {
            double t = now_ms() - t0;
            if (t > REACT_LIMIT_MS) {
                fprintf(stderr,
                        "xenplm-xenmeter: round %d (cpu %lu): no %s within %.0f ms (weight %d)\n",
                        i, cpu, t_sched[i] < 0 ? "weight change" : "seq answer", REACT_LIMIT_MS,
                        before);
                status = 1;
                break;
            }
            if (t_sched[i] < 0 && weight_of(xch, domid, &w) == 0 && w != before)
                t_sched[i] = now_ms() - t0;
            if (t_seq[i] < 0 && seq_seen(xs, seq_path, want))
                t_seq[i] = now_ms() - t0;
            sleep_ms(0.5);
        }
        sleep_ms(REACT_GAP_MS - (now_ms() - t0));
    }
    xs_unwatch(xs, seq_path, "seq");
    xs_close(xs);
    xc_interface_close(xch);
    if (status == 0) {
        report("sched", t_sched, rounds);
        report("seq", t_seq, rounds);
    }
    return status;
}

struct dom_range {
    uint32_t domid;
    uint64_t min, max;
};

static int mem(libxl_ctx *ctx, const char *stopfile)
{
    static struct dom_range doms[MAX_DOMS];
    size_t ndoms = 0;
    uint64_t free_min = UINT64_MAX, free_max = 0, tot_min = UINT64_MAX, tot_max = 0;
    unsigned long samples = 0, totals = 0;
    double t0 = now_ms();

    while (access(stopfile, F_OK) != 0) {
        uint64_t free_kib = 0, free_after = 0, total;
        libxl_dominfo *list;
        int nb = 0;

        if (libxl_get_free_memory(ctx, &free_kib) != 0) {
            fprintf(stderr, "xenplm-xenmeter: libxl_get_free_memory failed\n");
            return 1;
        }
        list = libxl_list_domain(ctx, &nb);
        if (!list && nb != 0) {
            fprintf(stderr, "xenplm-xenmeter: libxl_list_domain failed\n");
            return 1;
        }
        total = free_kib;
        for (int i = 0; i < nb; i++) {
            uint64_t kib = list[i].current_memkb;
            size_t k = 0;

            total += kib;
            while (k < ndoms && doms[k].domid != list[i].domid)
                k++;
            if (k == ndoms && ndoms < MAX_DOMS) {
                doms[ndoms].domid = list[i].domid;
                doms[ndoms].min = UINT64_MAX;
                doms[ndoms].max = 0;
                ndoms++;
            }
            if (k < ndoms) {
                if (kib < doms[k].min)
                    doms[k].min = kib;
                if (kib > doms[k].max)
                    doms[k].max = kib;
            }
        }
        if (list)
            libxl_dominfo_list_free(list, nb);
        if (libxl_get_free_memory(ctx, &free_after) != 0) {
            fprintf(stderr, "xenplm-xenmeter: libxl_get_free_memory failed\n");
            return 1;
        }
        free_min = free_kib < free_min ? free_kib : free_min;
        free_max = free_kib > free_max ? free_kib : free_max;
        free_min = free_after < free_min ? free_after : free_min;
        free_max = free_after > free_max ? free_after : free_max;
        /* The domains are read between two readings of free memory; only
         * when free memory did not move meanwhile is the sum one instant's. */
        if (free_after == free_kib) {
            tot_min = total < tot_min ? total : tot_min;
            tot_max = total > tot_max ? total : tot_max;
            totals++;
        }
        samples++;
        sleep_ms(10);
    }
    if (samples == 0) {
        fprintf(stderr, "xenplm-xenmeter: %s existed before the first sample\n", stopfile);
        return 1;
    }
    printf("mem: %lu samples over %.1f s\n", samples, (now_ms() - t0) / 1e3);
    printf("mem: free min %" PRIu64 " max %" PRIu64 " KiB\n", free_min, free_max);
    if (totals)
        printf("mem: total min %" PRIu64 " max %" PRIu64 " KiB, %lu steady samples\n", tot_min,
               tot_max, totals);
    else
        printf("mem: total none: free memory moved during every sample\n");
    for (size_t k = 0; k < ndoms; k++)
        printf("mem: domain %u min %" PRIu64 " max %" PRIu64 " KiB\n", doms[k].domid, doms[k].min,
               doms[k].max);
    return 0;
}

/* dom0's uptime in seconds, as /proc/uptime gives it ("?" when unreadable). */
static void uptime_str(char *buf, size_t len)
{
    FILE *f = fopen("/proc/uptime", "r");

    snprintf(buf, len, "?");
    if (f) {
        if (fscanf(f, "%31s", buf) != 1)
            snprintf(buf, len, "?");
        fclose(f);
    }
}

/* VALUE escaped as xenstore-read prints it. */
static void print_value(const char *v, unsigned int len)
{
    for (unsigned int i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c == '\\')
            fputs("\\\\", stdout);
        else if (c < 0x20 || c == 0x7f)
            printf("\\%03o", c);
        else
            putchar(c);
    }
}

static int watch(struct xs_handle *xs, const char *stopfile, char **patterns, int npatterns)
{
    char up[32];

    if (!xs_watch(xs, "/local/domain", "xenmeter")) {
        fprintf(stderr, "xenplm-xenmeter: cannot watch /local/domain: %s\n", strerror(errno));
        return 1;
    }
    while (access(stopfile, F_OK) != 0) {
        struct pollfd pfd = {.fd = xs_fileno(xs), .events = POLLIN};
        if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
            return 1;
        char **ev;
        while ((ev = xs_check_watch(xs)) != NULL) {
            const char *path = ev[XS_WATCH_PATH];
            uptime_str(up, sizeof(up));
            if (strcmp(path, "/local/domain") == 0) {
                printf("%s set\n", up);
            } else {
                for (int i = 0; i < npatterns; i++) {
                    if (fnmatch(patterns[i], path, 0) != 0)
                        continue;
                    unsigned int len = 0;
                    char *v = xs_read(xs, XBT_NULL, path, &len);
                    printf("%s %s ", up, path);
                    if (v)
                        print_value(v, len);
                    putchar('\n');
                    free(v);
                    break;
                }
            }
            free(ev);
            fflush(stdout);
        }
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: xenplm-xenmeter react DOMID ROUNDS SEQ MEM_MIB CPU_A CPU_B\n"
                    "       xenplm-xenmeter mem STOPFILE\n"
                    "       xenplm-xenmeter watch STOPFILE PATTERN...\n");
    return 2;
}

int main(int argc, char **argv)
{
    xentoollog_logger_stdiostream *logger;
    libxl_ctx *ctx = NULL;
    unsigned long domid, rounds, seq, mib, cpu_a, cpu_b;
    int status;

    if (argc >= 4 && strcmp(argv[1], "watch") == 0) {
        struct xs_handle *xs = xs_open(0);
        if (!xs) {
            fprintf(stderr, "xenplm-xenmeter: cannot open xenstore: %s\n", strerror(errno));
            return 1;
        }
        status = watch(xs, argv[2], argv + 3, argc - 3);
        xs_close(xs);
        return status;
    }
    if (argc == 8 && strcmp(argv[1], "react") == 0) {
        if (parse_ulong(argv[2], 0x7fef, &domid) || parse_ulong(argv[3], MAX_ROUNDS, &rounds) ||
            rounds == 0 || parse_ulong(argv[4], 1000000000, &seq) ||
            parse_ulong(argv[5], 1 << 24, &mib) || parse_ulong(argv[6], 100000, &cpu_a) ||
            parse_ulong(argv[7], 100000, &cpu_b))
            return usage();
    } else if (!(argc == 3 && strcmp(argv[1], "mem") == 0)) {
        return usage();
    }
    logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (!logger || libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)logger)) {
        fprintf(stderr, "xenplm-xenmeter: cannot open libxl\n");
        if (logger)
            xtl_logger_destroy((xentoollog_logger *)logger);
        return 1;
    }
    if (argv[1][0] == 'r')
        status = react((uint32_t)domid, (int)rounds, seq, mib, cpu_a, cpu_b);
    else
        status = mem(ctx, argv[2]);
    libxl_ctx_free(ctx);
    xtl_logger_destroy((xentoollog_logger *)logger);
    return status;
}
