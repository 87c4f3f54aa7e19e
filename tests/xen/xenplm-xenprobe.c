/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm-xenprobe: a smoke test of the real-Xen host port, for a dom0 (the
 * QEMU rig).  It opens the port as xenplmd does, prints the host and the
 * domains it sees and their network and disk counters (libxenstat, with
 * what a reading costs: the first opens it, the second is what the
 * daemon pays once a second), optionally reads xenstore nodes, and
 * optionally watches domains come and go for a while.  It changes nothing
 * on the host.
 *
 *   xenplm-xenprobe [-v] [-r PATH]... [-w SECONDS]
 *
 * Exit status: 0 when every call succeeded, 1 when one failed, 2 on
 * bad usage (the counters are optional for the daemon: their failure is
 * printed, not counted).  Port failures are logged on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "core/error.h"
#include "port/port.h"

#define MAX_READS 16

static void usage(FILE *f)
{
    fprintf(f,
            "usage: xenplm-xenprobe [-v] [-r PATH]... [-w SECONDS]\n"
            "\n"
            "Open the real-Xen host port and print what it sees.\n"
            "\n"
            "  -v          log debug messages too\n"
            "  -r PATH     read a xenstore node (up to %d times)\n"
            "  -w SECONDS  then watch domains come and go, printing each event\n",
            MAX_READS);
}

static int print_host(struct port *p)
{
    struct port_host h;
    int rc = port_host_info(p, &h);

    if (rc) {
        fprintf(stderr, "host_info: %s\n", plm_strerror(rc));
        return rc;
    }
    printf("host: %u pcpus, %llu MiB total, %llu MiB free, scheduler %s\n", h.pcpus,
           (unsigned long long)(h.total_kib / 1024), (unsigned long long)(h.free_kib / 1024),
           h.sched);
    return 0;
}

static double mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Every domain's I/O counters, read twice, each reading timed. */
static void print_io(struct port *p)
{
    struct port_io io[64];
    size_t n = 0;
    int rc = 0;

    for (int k = 0; k < 2; k++) {
        double t0 = mono_us();
        rc = port_dom_io(p, io, sizeof(io) / sizeof(io[0]), &n);
        double t1 = mono_us();
        if (rc) {
            printf("dom_io: %s (the daemon goes on with CPU time alone)\n", plm_strerror(rc));
            return;
        }
        printf("dom_io: %zu domains read in %.0f us%s\n", n, t1 - t0,
               k ? "" : " (opening libxenstat)");
    }
    for (size_t i = 0; i < n && i < sizeof(io) / sizeof(io[0]); i++)
        printf("io: domain %u net %llu bytes, disk %llu requests\n", (unsigned)io[i].domid,
               (unsigned long long)io[i].net_bytes, (unsigned long long)io[i].disk_reqs);
}

static int print_domains(struct port *p)
{
    struct port_domain *list = NULL;
    size_t cap = 16, n = 0;
    int rc;

    for (;;) {
        struct port_domain *nl = realloc(list, cap * sizeof(*nl));
        if (!nl) {
            rc = PLM_ENOMEM;
            fprintf(stderr, "list_domains: %s\n", plm_strerror(rc));
            goto out;
        }
        list = nl;
        rc = port_list_domains(p, list, cap, &n);
        if (rc) {
            fprintf(stderr, "list_domains: %s\n", plm_strerror(rc));
            goto out;
        }
        if (n <= cap)
            break;
        cap = n * 2;
    }
    printf("%5s %-20s %-36s %9s %28s %10s %s\n", "ID", "Name", "UUID", "VCPUs",
           "Mem MiB actual/target/max", "CPU s", "State");
    for (size_t i = 0; i < n; i++) {
        const struct port_domain *d = &list[i];
        char vcpus[24], mem[64];
        snprintf(vcpus, sizeof(vcpus), "%u/%u", d->online_vcpus, d->max_vcpus);
        snprintf(mem, sizeof(mem), "%llu/%llu/%llu", (unsigned long long)(d->mem_actual_kib / 1024),
                 (unsigned long long)(d->mem_target_kib / 1024),
                 (unsigned long long)(d->mem_max_kib / 1024));
        printf("%5u %-20.20s %-36s %9s %28s %10.1f %s\n", d->domid, d->name, d->uuid, vcpus, mem,
               (double)d->cpu_time_ns / 1e9, d->dying ? "dying" : "running");
    }
    printf("%zu domains\n", n);
out:
    free(list);
    return rc;
}

static int read_node(struct port *p, const char *path)
{
    char buf[4096 + 1];
    size_t len = 0;
    int rc = port_xs_read(p, path, buf, sizeof(buf) - 1, &len);

    if (rc) {
        fprintf(stderr, "xs_read %s: %s\n", path, plm_strerror(rc));
        return rc;
    }
    buf[len] = '\0';
    printf("%s = \"%s\"\n", path, buf);
    return 0;
}

/* Watch domains come and go: each watch fires once at once, as on Xen. */
static int watch_domains(struct port *p, unsigned seconds)
{
    uint64_t end = port_now_ms(p) + (uint64_t)seconds * 1000;
    struct port_event ev;
    int rc;

    rc = port_xs_watch(p, "@introduceDomain", "domains");
    if (rc == 0)
        rc = port_xs_watch(p, "@releaseDomain", "domains");
    if (rc) {
        fprintf(stderr, "xs_watch: %s\n", plm_strerror(rc));
        return rc;
    }
    printf("watching for %u s\n", seconds);
    fflush(stdout);
    while (port_now_ms(p) < end) {
        rc = port_wait(p, NULL, 0, end);
        if (rc == PLM_EIO) {
            fprintf(stderr, "wait: xenstore connection lost; reconnecting\n");
            rc = port_reconnect(p);
            if (rc)
                return rc;
        } else if (rc) {
            fprintf(stderr, "wait: %s\n", plm_strerror(rc));
            return rc;
        }
        while (port_next_event(p, &ev) == 0) {
            printf("[%llu ms left] event %s (token %s)\n",
                   (unsigned long long)(end - port_now_ms(p)), ev.path, ev.token);
            fflush(stdout);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *reads[MAX_READS];
    size_t nreads = 0;
    unsigned seconds = 0;
    bool verbose = false;
    struct port *p = NULL;
    char err[256];
    int c, rc, failed = 0;

    while ((c = getopt(argc, argv, "vr:w:h")) != -1) {
        switch (c) {
        case 'v':
            verbose = true;
            break;
        case 'r':
            if (nreads == MAX_READS) {
                usage(stderr);
                return 2;
            }
            reads[nreads++] = optarg;
            break;
        case 'w': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (!*optarg || *end || v > 86400) {
                fprintf(stderr, "xenplm-xenprobe: -w wants seconds, at most 86400\n");
                return 2;
            }
            seconds = (unsigned)v;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    log_open("xenplm-xenprobe", true, verbose ? LOG_DEBUG : LOG_INFO);
    rc = port_xen_open(&p, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "xenplm-xenprobe: %s\n", err);
        log_close();
        return 1;
    }
    printf("port: %s\n", port_name(p));
    failed |= print_host(p) != 0;
    failed |= print_domains(p) != 0;
    print_io(p);
    for (size_t i = 0; i < nreads; i++)
        failed |= read_node(p, reads[i]) != 0;
    if (seconds)
        failed |= watch_domains(p, seconds) != 0;
    port_destroy(p);
    log_close();
    return failed ? 1 : 0;
}
