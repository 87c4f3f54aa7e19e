/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the agent measures inside the guest.
 *
 * A snapshot is the raw state of the guest's /proc and /sys at one moment:
 * cumulative counters (CPU ticks, swap-ins, major faults) and levels
 * (MemAvailable, load, pressure).  Two snapshots taken some time apart give
 * the metrics the controller works with: CPU used over the interval, rates
 * of swap-in, and so on.
 *
 * The parsers (mon_parse.c) are pure: each takes the text of one file and
 * fills its part of a snapshot, so the tests feed them recorded files.
 * agent_snapshot_read (mon_read.c) is the only code that opens files; it
 * reads everything below a root directory ("/" on a live guest, a
 * recorded tree in tests and with `xenplm-agent --root`).
 *
 * Amounts are plm_amt_t thousandths, as everywhere in xenplm, so a
 * pressure of "1.25" is 1250 and a CPU use of one and a half CPUs is
 * 150000 (150 hundredths of a CPU, the protocol's "pct" unit).
 */
#ifndef XENPLM_AGENT_MONITOR_H
#define XENPLM_AGENT_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/amount.h"

/* Most CPUs a snapshot records one by one; more are counted in the total only. */
#define AGENT_MAX_CPUS 512
/*
 * The most vcpus a guest is taken to have, whatever its sysfs lists say (a
 * list may name CPUs up to 65535): above what Xen gives a guest, far
 * below what a corrupt or hostile tree may claim.
 */
#define AGENT_MAX_VCPUS 512u
/*
 * The most memory a guest is taken to hold, in KiB, whatever MemTotal
 * says: 16 TiB, the most a default build of Xen supports on x86 for the
 * whole host.
 */
#define AGENT_MAX_MEM_KIB (16ull * 1024 * 1024 * 1024)
/* Largest /proc or /sys file read, in bytes: bigger files are an error. */
#define AGENT_MAX_FILE (256u * 1024u)
/* Room for any error text the monitors write, with its NUL. */
#define AGENT_ERR_MAX 256
/*
 * Ticks per second of the /proc/stat counters (USER_HZ).  It is part of the
 * kernel's ABI, 100 on every architecture Xen guests run on, whatever the
 * kernel's internal HZ; sysconf(_SC_CLK_TCK) says the same.  Added for
 * agent_metrics_derive, which turns ticks into CPUs.
 */
#define AGENT_USER_HZ 100u

/* One CPU's (or the sum's) counters from /proc/stat, in USER_HZ ticks. */
struct agent_cpu_ticks {
    uint64_t busy;  /* user + nice + system + irq + softirq (guest time is in user) */
    uint64_t idle;  /* idle + iowait */
    uint64_t steal; /* time the hypervisor ran someone else while we were runnable */
};

struct agent_snapshot {
    uint64_t uptime_ms; /* /proc/uptime, first field: the clock deltas are taken on */

    /* /proc/stat */
    struct agent_cpu_ticks total;               /* the "cpu" line */
    unsigned ncpu;                              /* "cpuN" lines seen */
    struct agent_cpu_ticks cpu[AGENT_MAX_CPUS]; /* by N; unused entries zero */
    unsigned procs_running;                     /* "procs_running" */

    /* /sys/devices/system/cpu/{online,possible}: CPU counts from the lists;
     * 0 when the file is missing (then ncpu stands in for both). */
    unsigned cpus_online;
    unsigned cpus_possible;

    /* /proc/loadavg */
    plm_amt_t load1; /* 1-minute load average */

    /* /proc/pressure/{cpu,memory}: absent on old kernels or with psi=0 */
    bool have_psi_cpu;
    plm_amt_t cpu_some_avg10; /* percent */
    bool have_psi_mem;
    plm_amt_t mem_some_avg10; /* percent */
    plm_amt_t mem_full_avg10; /* percent */

    /* /proc/meminfo, in KiB */
    uint64_t mem_total_kib;
    uint64_t mem_free_kib;
    uint64_t mem_available_kib; /* estimated from MemFree+Cached when the kernel lacks it */
    bool have_mem_available;    /* false when estimated */
    uint64_t committed_as_kib;
    uint64_t swap_total_kib;
    uint64_t swap_free_kib;

    /* /proc/vmstat, cumulative counts */
    bool have_vmstat;
    uint64_t pswpin;     /* pages swapped in */
    uint64_t pgmajfault; /* major page faults */
};

/* What the controller sees: derived from two snapshots. */
struct agent_metrics {
    uint64_t interval_ms;  /* between the two snapshots (uptime delta); 0 = no CPU figures */
    unsigned vcpus_online; /* at most AGENT_MAX_VCPUS */
    unsigned vcpus_max;    /* possible CPUs: the most the domain can be given (same bound) */

    plm_amt_t cpu_used;  /* hundredths of a CPU busy on average: 150000 = 1.5 CPUs */
    plm_amt_t cpu_steal; /* same unit */
    plm_amt_t cpu_util;  /* percent of the online vcpus busy, 0..100 (in thousandths) */
    plm_amt_t runqueue;  /* 1-minute load per online vcpu */

    bool have_cpu_pressure;
    plm_amt_t cpu_pressure; /* some avg10, percent */
    bool have_mem_pressure;
    plm_amt_t mem_pressure; /* some avg10, percent */

    plm_amt_t mem_total;     /* MiB the guest holds (MemTotal, at most AGENT_MAX_MEM_KIB) */
    plm_amt_t mem_available; /* MiB (MemAvailable) */
    plm_amt_t mem_used;      /* MiB in use: MemTotal - MemAvailable (the working set) */
    plm_amt_t swapin_rate;   /* pages per second */
    plm_amt_t majfault_rate; /* per second */
};

/*
 * Parsers.  Each reads the text of one file (len bytes, not necessarily
 * NUL-terminated), fills its fields of *s and returns 0, or returns
 * PLM_EGRAMMAR / PLM_ERANGE and writes a one-line reason naming the line to
 * err.  Fields a parser does not own are left alone.  Unknown lines and
 * keys are ignored (kernels add them); a known key with a malformed value
 * is an error.
 */
int agent_parse_stat(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                     size_t errlen);
int agent_parse_uptime(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                       size_t errlen);
int agent_parse_loadavg(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                        size_t errlen);
int agent_parse_meminfo(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                        size_t errlen);
int agent_parse_vmstat(const char *buf, size_t len, struct agent_snapshot *s, char *err,
                       size_t errlen);
/* /proc/pressure/cpu or memory: "some avg10=.. avg60=.. avg300=.. total=.." and "full ..." */
int agent_parse_psi(const char *buf, size_t len, plm_amt_t *some_avg10, plm_amt_t *full_avg10,
                    char *err, size_t errlen);
/* A CPU list such as "0-3,6,8-9\n": *count gets how many CPUs it names. */
int agent_parse_cpulist(const char *buf, size_t len, unsigned *count, char *err, size_t errlen);

/*
 * Read a whole snapshot from the tree below root ("/" for the live
 * guest).  /proc/stat, /proc/uptime and /proc/meminfo are required; the
 * rest is optional and its absence recorded (have_* false, counts 0).
 * Errors name the file: "ROOT/proc/stat: line 3: ...".
 */
int agent_snapshot_read(const char *root, struct agent_snapshot *s, char *err, size_t errlen);

/*
 * Metrics from two snapshots of the same guest, prev taken before cur.
 * prev may be NULL (first sample): CPU and rate figures are then zero and
 * interval_ms is 0.  Counters that went backwards (a CPU unplugged, a
 * recorded tree out of order) count as no progress, never as negative.
 * CPU counts and memory are bounded by AGENT_MAX_VCPUS and
 * AGENT_MAX_MEM_KIB, and the online count by the cpuN lines of /proc/stat.
 */
void agent_metrics_derive(const struct agent_snapshot *prev, const struct agent_snapshot *cur,
                          struct agent_metrics *out);

#endif
