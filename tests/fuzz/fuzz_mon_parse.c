/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the guest agent's /proc and sysfs parsers
 * (guest-agent/mon_parse.c): the input is given to each of them in turn
 * (they ignore the lines they do not know), and what they accepted is fed
 * to the metric derivation against a recorded earlier sample and against
 * itself, as the agent does every interval.  The input is also read as a
 * probe's output (guest-agent/probe.c), which a command or a file in the
 * guest supplies.  Built and run by tests/fuzz/fuzz.sh (`make fuzz`).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest-agent/monitor.h"
#include "guest-agent/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct agent_snapshot prev, cur;

/* A plausible earlier sample: a 2-vcpu guest a minute after boot. */
static void prev_init(void)
{
    static const char stat[] = "cpu  1000 0 500 10000 10 0 5 20 0 0\n"
                               "cpu0 500 0 250 5000 5 0 3 10 0 0\n"
                               "cpu1 500 0 250 5000 5 0 2 10 0 0\n"
                               "procs_running 2\n";
    static const char meminfo[] = "MemTotal: 2048000 kB\nMemFree: 1024000 kB\n"
                                  "MemAvailable: 1500000 kB\nSwapTotal: 0 kB\n";

    memset(&prev, 0, sizeof(prev));
    if (agent_parse_stat(stat, sizeof(stat) - 1, &prev, NULL, 0) != 0 ||
        agent_parse_uptime("60.00 100.00\n", 13, &prev, NULL, 0) != 0 ||
        agent_parse_meminfo(meminfo, sizeof(meminfo) - 1, &prev, NULL, 0) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    char err[256];
    plm_amt_t some, full, probe;
    unsigned count;
    struct agent_metrics m;

    if (prev.uptime_ms == 0)
        prev_init();
    cur = prev;
    (void)agent_parse_stat(buf, size, &cur, err, sizeof(err));
    (void)agent_parse_uptime(buf, size, &cur, err, sizeof(err));
    (void)agent_parse_loadavg(buf, size, &cur, err, sizeof(err));
    (void)agent_parse_meminfo(buf, size, &cur, err, sizeof(err));
    (void)agent_parse_vmstat(buf, size, &cur, err, sizeof(err));
    (void)agent_parse_psi(buf, size, &some, &full, err, sizeof(err));
    if (agent_parse_cpulist(buf, size, &count, err, sizeof(err)) == 0)
        cur.cpus_online = cur.cpus_possible = count;
    if (cur.ncpu > AGENT_MAX_CPUS)
        abort();
    if (agent_probe_parse(buf, size, &probe, err, sizeof(err)) == 0 &&
        (probe < 0 || probe > PLM_AMT_MAX))
        abort();
    agent_metrics_derive(NULL, &cur, &m);
    agent_metrics_derive(&prev, &cur, &m);
    agent_metrics_derive(&cur, &prev, &m);
    agent_metrics_derive(&cur, &cur, &m);
    return 0;
}
