/* SPDX-License-Identifier: GPL-2.0-only */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench_machine.h"

/* The value of the first "key : value" line of /proc/cpuinfo for key. */
static bool cpuinfo_field(const char *key, char *buf, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    size_t klen = strlen(key);
    bool found = false;

    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, klen) != 0 ||
            (line[klen] != ' ' && line[klen] != '\t' && line[klen] != ':'))
            continue;
        const char *v = strchr(line, ':');
        if (!v)
            continue;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        snprintf(buf, len, "%s", v);
        buf[strcspn(buf, "\n")] = '\0';
        found = buf[0] != '\0';
    }
    fclose(f);
    return found;
}

void bench_print_machine(bool with_load)
{
    struct utsname u;
    char cpu[256];
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double load[1];

    /* x86 says "model name"; other architectures use other names. */
    if (!cpuinfo_field("model name", cpu, sizeof(cpu)) &&
        !cpuinfo_field("Model", cpu, sizeof(cpu)) &&
        !cpuinfo_field("cpu model", cpu, sizeof(cpu)) && !cpuinfo_field("cpu", cpu, sizeof(cpu)))
        snprintf(cpu, sizeof(cpu), "unknown CPU");

    if (uname(&u) == 0)
        printf("machine:  %s, %s %s, %s, %ld CPUs online", u.machine, u.sysname, u.release, cpu,
               ncpu);
    else
        printf("machine:  %s, %ld CPUs online", cpu, ncpu);
    if (with_load && getloadavg(load, 1) == 1)
        printf(", load %.2f at start", load[0]);
    printf("\n");
}

int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

double bench_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double bench_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double bench_percentile(double *v, size_t n, double p)
{
    size_t k;

    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), bench_cmp_double);
    k = (size_t)(p / 100.0 * (double)n + 0.999999);
    k = k < 1 ? 1 : (k > n ? n : k);
    return v[k - 1];
}

bool bench_read_vm(uint64_t *rss, uint64_t *hwm)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long v;
    int found = 0;

    if (!f)
        return false;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "VmRSS: %llu kB", &v) == 1) {
            *rss = v;
            found++;
        } else if (sscanf(line, "VmHWM: %llu kB", &v) == 1) {
            *hwm = v;
            found++;
        }
    }
    fclose(f);
    return found == 2;
}
