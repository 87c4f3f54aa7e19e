/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From two snapshots to the metrics the controller works with.
 *
 * Pure and integer-only, like the arbiter: the same two snapshots always
 * give the same metrics, bit for bit, which is what lets the tests state
 * exact expected values.  Every quotient is rounded down.  Products are
 * taken in 128 bits (mul_div), so no counter, however large, can wrap;
 * results above PLM_AMT_MAX are clamped to it.
 */
#include "config.h"

#include <string.h>

#include "guest-agent/monitor.h"

/* The 128-bit product of a and b, as two halves. */
static void mul_64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    const uint64_t m32 = 0xffffffffu;
    uint64_t a0 = a & m32, a1 = a >> 32, b0 = b & m32, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    /* The middle column: three 32-bit quantities, which cannot overflow 64 bits. */
    uint64_t mid = (p00 >> 32) + (p01 & m32) + (p10 & m32);

    *lo = (mid << 32) | (p00 & m32);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* floor(a * b / d) for d > 0, or UINT64_MAX when that does not fit in 64 bits. */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t d)
{
    uint64_t hi, lo, rem, q = 0;

    mul_64x64(a, b, &hi, &lo);
    if (hi == 0)
        return lo / d;
    if (hi >= d)
        return UINT64_MAX;
    /* Schoolbook division of hi:lo by d, one bit at a time; rem < d throughout. */
    rem = hi;
    for (int i = 63; i >= 0; i--) {
        uint64_t carry = rem >> 63;
        rem = (rem << 1) | ((lo >> i) & 1u);
        if (carry || rem >= d) {
            rem -= d;
            q |= (uint64_t)1 << i;
        }
    }
    return q;
}

static plm_amt_t clamp_amt(uint64_t v)
{
    return v > (uint64_t)PLM_AMT_MAX ? PLM_AMT_MAX : (plm_amt_t)v;
}

/* Progress of a cumulative counter; a counter that went backwards made none. */
static uint64_t since(uint64_t cur, uint64_t prev)
{
    return cur > prev ? cur - prev : 0;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* KiB to MiB in thousandths: k * 1000 / 1024, rounded down. */
static plm_amt_t kib_to_mib(uint64_t kib)
{
    return clamp_amt(mul_div(kib, 1000, 1024));
}

/*
 * Ticks over the interval as hundredths of a CPU, in thousandths:
 * ticks / (interval_s * USER_HZ) CPUs, times 100, times 1000, which is
 * ticks * 10^8 / (interval_ms * USER_HZ).  Dividing by the tick rate in a
 * second step rounds the same as one exact division (floor of a floor).
 */
static plm_amt_t ticks_to_pct(uint64_t ticks, uint64_t interval_ms)
{
    uint64_t v = mul_div(ticks, 100000000u, interval_ms);
    return clamp_amt(v == UINT64_MAX ? v : v / AGENT_USER_HZ);
}

/* Events over the interval per second, in thousandths: n * 1000 ms * 1000 / interval_ms. */
static plm_amt_t per_second(uint64_t n, uint64_t interval_ms)
{
    return clamp_amt(mul_div(n, 1000000u, interval_ms));
}

void agent_metrics_derive(const struct agent_snapshot *prev, const struct agent_snapshot *cur,
                          struct agent_metrics *out)
{
    memset(out, 0, sizeof(*out));

    /* Without the sysfs lists (old kernels), the cpuN lines are the online CPUs. */
    out->vcpus_online = cur->cpus_online ? cur->cpus_online : cur->ncpu;
    out->vcpus_max = cur->cpus_possible ? cur->cpus_possible : cur->ncpu;
    /* /proc/stat has a cpuN line for each online CPU: a list naming more
     * than that is not believed. */
    if (cur->ncpu > 0 && out->vcpus_online > cur->ncpu)
        out->vcpus_online = cur->ncpu;
    if (out->vcpus_max < out->vcpus_online)
        out->vcpus_max = out->vcpus_online;
    /* What no guest has: a list naming 65536 CPUs must not ask for them. */
    if (out->vcpus_online > AGENT_MAX_VCPUS)
        out->vcpus_online = AGENT_MAX_VCPUS;
    if (out->vcpus_max > AGENT_MAX_VCPUS)
        out->vcpus_max = AGENT_MAX_VCPUS;

    /* Levels: need only the current snapshot. */
    out->runqueue = out->vcpus_online ? cur->load1 / (plm_amt_t)out->vcpus_online : cur->load1;
    out->have_cpu_pressure = cur->have_psi_cpu;
    out->cpu_pressure = cur->have_psi_cpu ? cur->cpu_some_avg10 : 0;
    out->have_mem_pressure = cur->have_psi_mem;
    out->mem_pressure = cur->have_psi_mem ? cur->mem_some_avg10 : 0;
    uint64_t total_kib =
        cur->mem_total_kib < AGENT_MAX_MEM_KIB ? cur->mem_total_kib : AGENT_MAX_MEM_KIB;
    uint64_t avail_kib =
        cur->mem_available_kib < AGENT_MAX_MEM_KIB ? cur->mem_available_kib : AGENT_MAX_MEM_KIB;
    out->mem_total = kib_to_mib(total_kib);
    out->mem_available = kib_to_mib(avail_kib);
    /* From the KiB difference, so that used is not off by a rounding of each term. */
    out->mem_used = kib_to_mib(since(total_kib, avail_kib));

    /* Rates: need an interval.  The uptime clock is the wall time between the two. */
    if (!prev)
        return;
    out->interval_ms = since(cur->uptime_ms, prev->uptime_ms);
    if (out->interval_ms == 0)
        return;

    /* The "cpu" line sums over all possible CPUs, so unplugging one does not lower it. */
    uint64_t busy = since(cur->total.busy, prev->total.busy);
    uint64_t idle = since(cur->total.idle, prev->total.idle);
    uint64_t steal = since(cur->total.steal, prev->total.steal);
    uint64_t all = add_sat(add_sat(busy, idle), steal);

    out->cpu_used = ticks_to_pct(busy, out->interval_ms);
    out->cpu_steal = ticks_to_pct(steal, out->interval_ms);
    /* busy <= all, so this stays within 0..100 percent. */
    out->cpu_util = all ? clamp_amt(mul_div(busy, 100 * 1000, all)) : 0;

    if (prev->have_vmstat && cur->have_vmstat) {
        out->swapin_rate = per_second(since(cur->pswpin, prev->pswpin), out->interval_ms);
        out->majfault_rate = per_second(since(cur->pgmajfault, prev->pgmajfault), out->interval_ms);
    }
}
