/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm-xenfloor: the floor under xenplmd's reaction times, measured in the
 * QEMU rig's dom0 (tests/xen/scenario-daemon.sh): the cost of the Xen calls
 * the daemon makes between a guest's request and its effect, each alone.
 *
 *   xenplm-xenfloor DOMID [ROUNDS]
 *
 * For ROUNDS rounds (default 50), it times:
 *   xs_write+watch   an xs_write in dom0's own area and the watch event it
 *                    fires, read back (the daemon learns of a request so)
 *   xs_read          one xs_read of that node
 *   sched_set        one libxl_domain_sched_params_set on DOMID, with the
 *                    weight and cap it already has (nothing changes)
 *   sched_get        one libxl_domain_sched_params_get on DOMID (the port
 *                    reads before it sets: the domain's cpupool decides
 *                    what the parameters mean; libxl reads the cpupool's
 *                    name from xenstore for it)
 *   host_facts       libxl_get_physinfo, the port's host_info (free
 *                    memory comes from the same reading, the scheduler of
 *                    cpupool 0 is read once)
 *   mem_target       one libxl_set_memory_target on DOMID, to the target it
 *                    already has (nothing moves, the transactions are made)
 * and prints, for each, one line:
 *   floor: NAME median M ms, min A ms, max B ms, ROUNDS rounds
 * after one on the clock they are read with (how often two successive
 * readings are equal, the least and largest step between them).
 *
 *   xenplm-xenfloor reactor STOPFILE
 *
 * The floor timed the way the reaction is: the least a daemon could do,
 * in place of xenplmd, for xenplm-xenmeter's rounds on dom0 ("react 0
 * ..."), so that the meter's own polling, the wake-up of a second process
 * and the load of the moment weigh on both sides alike.  It watches dom0's
 * own request node (data/xenplm/request; xenplmd never manages dom0), and
 * for each event makes one xs_read, one libxl_domain_sched_params_set on
 * dom0 (its weight one or two above what it was at the start, by the
 * request's seq: always a change, never a lower weight than dom0 had) and
 * the seq answer (xenplm/seq), until STOPFILE exists; then dom0's
 * parameters go back as they were.  Prints how many requests it answered.
 *
 * Exit status: 0 when every call succeeded, 1 otherwise, 2 on bad usage.
 *
 * A test program, not part of xenplm: it talks to libxl and libxenstore
 * directly, on purpose, to time them without the daemon's port around them.
 */
#include "config.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <xenstore.h>
#include <xentoollog.h>

#define MAX_ROUNDS 1000
#define FLOOR_PATH "/local/domain/0/data/xenplm-floor"
#define REACTOR_REQ "/local/domain/0/data/xenplm/request"
#define REACTOR_SEQ "/local/domain/0/xenplm/seq"

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
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
    printf("floor: %s median %.3f ms, min %.3f ms, max %.3f ms, %d rounds\n", name, ms[rounds / 2],
           ms[0], ms[rounds - 1], rounds);
}

/* Wait for the next event of the watch with TOKEN; 0 when it came. */
static int next_event(struct xs_handle *xs, const char *token)
{
    for (;;) {
        unsigned int num;
        char **ev = xs_read_watch(xs, &num);
        int mine;

        if (!ev)
            return -1;
        mine = num > XS_WATCH_TOKEN && strcmp(ev[XS_WATCH_TOKEN], token) == 0;
        free(ev);
        if (mine)
            return 0;
    }
}

static int time_xenstore(struct xs_handle *xs, int rounds, double *ms)
{
    const char *token = "xenplm-floor";
    char value[32];
    int i;

    if (!xs_write(xs, XBT_NULL, FLOOR_PATH, "0", 1)) {
        perror("xenplm-xenfloor: xs_write " FLOOR_PATH);
        return -1;
    }
    if (!xs_watch(xs, FLOOR_PATH, token) || next_event(xs, token) != 0) {
        perror("xenplm-xenfloor: xs_watch " FLOOR_PATH);
        return -1;
    }
    for (i = 0; i < rounds; i++) {
        double t0 = now_ms();
        int len = snprintf(value, sizeof(value), "%d", i + 1);

        if (!xs_write(xs, XBT_NULL, FLOOR_PATH, value, (unsigned int)len) ||
            next_event(xs, token) != 0) {
            perror("xenplm-xenfloor: xs_write and watch");
            return -1;
        }
        ms[i] = now_ms() - t0;
    }
    report("xs_write+watch", ms, rounds);
    xs_unwatch(xs, FLOOR_PATH, token);

    for (i = 0; i < rounds; i++) {
        double t0 = now_ms();
        unsigned int len;
        char *v = xs_read(xs, XBT_NULL, FLOOR_PATH, &len);

        if (!v) {
            perror("xenplm-xenfloor: xs_read " FLOOR_PATH);
            return -1;
        }
        ms[i] = now_ms() - t0;
        free(v);
    }
    report("xs_read", ms, rounds);
    xs_rm(xs, XBT_NULL, FLOOR_PATH);
    return 0;
}

static int time_libxl(libxl_ctx *ctx, uint32_t domid, int rounds, double *ms)
{
    libxl_domain_sched_params params;
    uint64_t target;
    int i, rc;

    libxl_domain_sched_params_init(&params);
    rc = libxl_domain_sched_params_get(ctx, domid, &params);
    if (rc) {
        fprintf(stderr, "xenplm-xenfloor: domain %u: libxl_domain_sched_params_get: %d\n", domid,
                rc);
        libxl_domain_sched_params_dispose(&params);
        return -1;
    }
    for (i = 0; i < rounds; i++) {
        double t0 = now_ms();

        rc = libxl_domain_sched_params_set(ctx, domid, &params);
        if (rc) {
            fprintf(stderr, "xenplm-xenfloor: domain %u: libxl_domain_sched_params_set: %d\n",
                    domid, rc);
            libxl_domain_sched_params_dispose(&params);
            return -1;
        }
        ms[i] = now_ms() - t0;
    }
    libxl_domain_sched_params_dispose(&params);
    report("sched_set", ms, rounds);

    for (i = 0; i < rounds; i++) {
        double t0 = now_ms();

        libxl_domain_sched_params_init(&params);
        rc = libxl_domain_sched_params_get(ctx, domid, &params);
        libxl_domain_sched_params_dispose(&params);
        if (rc) {
            fprintf(stderr, "xenplm-xenfloor: domain %u: libxl_domain_sched_params_get: %d\n",
                    domid, rc);
            return -1;
        }
        ms[i] = now_ms() - t0;
    }
    report("sched_get", ms, rounds);

    for (i = 0; i < rounds; i++) {
        libxl_physinfo pi;
        double t0 = now_ms();

        libxl_physinfo_init(&pi);
        rc = libxl_get_physinfo(ctx, &pi);
        libxl_physinfo_dispose(&pi);
        if (rc) {
            fprintf(stderr, "xenplm-xenfloor: host facts: %d\n", rc);
            return -1;
        }
        ms[i] = now_ms() - t0;
    }
    report("host_facts", ms, rounds);

    rc = libxl_get_memory_target(ctx, domid, &target);
    if (rc) {
        fprintf(stderr, "xenplm-xenfloor: domain %u: libxl_get_memory_target: %d\n", domid, rc);
        return -1;
    }
    for (i = 0; i < rounds; i++) {
        double t0 = now_ms();

        rc = libxl_set_memory_target(ctx, domid, (int64_t)target, 0, 1);
        if (rc) {
            fprintf(stderr, "xenplm-xenfloor: domain %u: libxl_set_memory_target: %d\n", domid, rc);
            return -1;
        }
        ms[i] = now_ms() - t0;
    }
    report("mem_target", ms, rounds);
    return 0;
}

/*
 * What dom0's clock can tell apart: the steps between successive readings
 * of CLOCK_MONOTONIC, 1000 pairs; under emulation a call shorter than the
 * step reads as 0.000 ms above.
 */
static void clock_steps(void)
{
    double least = -1, most = 0;
    int same = 0;

    for (int i = 0; i < 1000; i++) {
        double a = now_ms(), b = now_ms();
        if (b == a) {
            same++;
            continue;
        }
        if (least < 0 || b - a < least)
            least = b - a;
        if (b - a > most)
            most = b - a;
    }
    printf("floor: clock, %d of 1000 successive readings equal; the least step %.6f ms, the "
           "largest %.3f ms\n",
           same, least < 0 ? 0.0 : least, most);
}

/* The request's seq, from its "seq N" line; -1 without one. */
static long request_seq(const char *v, unsigned int len)
{
    for (unsigned int i = 0; i + 4 < len; i++) {
        if ((i == 0 || v[i - 1] == '\n') && memcmp(v + i, "seq ", 4) == 0) {
            long seq = 0;
            unsigned int k = i + 4;
            for (; k < len && v[k] >= '0' && v[k] <= '9' && seq < 100000000; k++)
                seq = seq * 10 + (v[k] - '0');
            return k > i + 4 ? seq : -1;
        }
    }
    return -1;
}

/* One request answered: read, set dom0's weight, write the seq. */
static int react_once(struct xs_handle *xs, libxl_ctx *ctx, libxl_domain_sched_params *set,
                      int base_weight)
{
    unsigned int len;
    char *v = xs_read(xs, XBT_NULL, REACTOR_REQ, &len);
    char answer[32];
    long seq;
    int rc;

    if (!v)
        return 0; /* none yet (the watch's first event) */
    seq = request_seq(v, len);
    free(v);
    if (seq < 0)
        return 0;
    set->weight = base_weight + 1 + (int)(seq % 2);
    if ((rc = libxl_domain_sched_params_set(ctx, 0, set)) != 0) {
        fprintf(stderr, "xenplm-xenfloor: dom0: libxl_domain_sched_params_set: %d\n", rc);
        return -1;
    }
    int n = snprintf(answer, sizeof(answer), "%ld\n", seq);
    if (!xs_write(xs, XBT_NULL, REACTOR_SEQ, answer, (unsigned int)n)) {
        perror("xenplm-xenfloor: xs_write " REACTOR_SEQ);
        return -1;
    }
    return 1;
}

static int reactor(libxl_ctx *ctx, const char *stopfile)
{
    libxl_domain_sched_params start, set;
    struct xs_handle *xs = xs_open(0);
    unsigned long answered = 0;
    int status = 0, got = 0, rc;

    if (!xs) {
        perror("xenplm-xenfloor: xs_open");
        return 1;
    }
    libxl_domain_sched_params_init(&start);
    libxl_domain_sched_params_init(&set);
    if ((rc = libxl_domain_sched_params_get(ctx, 0, &start)) != 0 ||
        (rc = libxl_domain_sched_params_get(ctx, 0, &set)) != 0) {
        fprintf(stderr, "xenplm-xenfloor: dom0: libxl_domain_sched_params_get: %d\n", rc);
        status = 1;
    } else if (start.weight < 1 || start.weight > 65533) {
        fprintf(stderr, "xenplm-xenfloor: dom0's weight %d: not a credit weight\n", start.weight);
        status = 1;
    } else {
        got = 1;
        if (!xs_watch(xs, REACTOR_REQ, "req")) {
            perror("xenplm-xenfloor: xs_watch " REACTOR_REQ);
            status = 1;
        }
    }
    while (status == 0 && access(stopfile, F_OK) != 0) {
        struct pollfd pfd = {.fd = xs_fileno(xs), .events = POLLIN};
        char **ev;
        int due = 0;

        if (poll(&pfd, 1, 100) <= 0)
            continue;
        while ((ev = xs_check_watch(xs)) != NULL) {
            due = 1;
            free(ev);
        }
        if (!due)
            continue;
        rc = react_once(xs, ctx, &set, start.weight);
        if (rc < 0)
            status = 1;
        else
            answered += (unsigned long)rc;
    }
    if (got && (rc = libxl_domain_sched_params_set(ctx, 0, &start)) != 0) {
        fprintf(stderr, "xenplm-xenfloor: dom0: its parameters back: %d\n", rc);
        status = 1;
    }
    xs_rm(xs, XBT_NULL, REACTOR_SEQ);
    xs_rm(xs, XBT_NULL, REACTOR_REQ);
    printf("reactor: %lu requests answered\n", answered);
    libxl_domain_sched_params_dispose(&start);
    libxl_domain_sched_params_dispose(&set);
    xs_close(xs);
    return status;
}

/* libxl, logging its errors to stderr; NULL, said, when it cannot be opened. */
static libxl_ctx *open_libxl(xentoollog_logger_stdiostream **logger)
{
    libxl_ctx *ctx = NULL;

    *logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (!*logger || libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)*logger)) {
        fprintf(stderr, "xenplm-xenfloor: cannot open libxl\n");
        return NULL;
    }
    return ctx;
}

static void close_libxl(libxl_ctx *ctx, xentoollog_logger_stdiostream *logger)
{
    libxl_ctx_free(ctx);
    if (logger)
        xtl_logger_destroy((xentoollog_logger *)logger);
}

int main(int argc, char **argv)
{
    static double ms[MAX_ROUNDS];
    xentoollog_logger_stdiostream *logger;
    struct xs_handle *xs;
    libxl_ctx *ctx = NULL;
    char *end;
    unsigned long domid;
    long rounds = 50;
    int status = 0;

    if (argc == 3 && strcmp(argv[1], "reactor") == 0) {
        ctx = open_libxl(&logger);
        status = ctx ? reactor(ctx, argv[2]) : 1;
        close_libxl(ctx, logger);
        return status;
    }
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: xenplm-xenfloor DOMID [ROUNDS]\n"
                        "       xenplm-xenfloor reactor STOPFILE\n");
        return 2;
    }
    domid = strtoul(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end != '\0' || domid == 0 || domid > 0x7fef) {
        fprintf(stderr, "xenplm-xenfloor: not a guest domain id: %s\n", argv[1]);
        return 2;
    }
    if (argc == 3) {
        rounds = strtol(argv[2], &end, 10);
        if (*argv[2] == '\0' || *end != '\0' || rounds < 1 || rounds > MAX_ROUNDS) {
            fprintf(stderr, "xenplm-xenfloor: rounds: 1 to %d\n", MAX_ROUNDS);
            return 2;
        }
    }

    xs = xs_open(0);
    if (!xs) {
        perror("xenplm-xenfloor: xs_open");
        return 1;
    }
    clock_steps();
    if (time_xenstore(xs, (int)rounds, ms) != 0)
        status = 1;
    xs_close(xs);

    ctx = open_libxl(&logger);
    if (!ctx || time_libxl(ctx, (uint32_t)domid, (int)rounds, ms) != 0)
        status = 1;
    close_libxl(ctx, logger);
    return status;
}
