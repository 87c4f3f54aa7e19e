/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The quality benchmark's scenarios.  Every one runs two simulated days
 * from midnight (the second day repeats the first with other noise and
 * bursts); --quick runs a few hours of the subset marked quick.  Sizes in
 * MiB and hundredths of a pCPU; every guest's minimum is 512 MiB, the
 * default policy's floor.  Balloons move at 64 MiB/s unless said.
 */
#include "bench/quality/scenarios.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GIB 1024.0
#define TWO_DAYS (2 * QM_DAY)

static struct qm_scenario *all[10];

static struct qm_guest_spec *add(struct qm_scenario *sc, const char *name, enum qm_kind kind,
                                 unsigned vcpus, double maxmem, double initmem, unsigned cpu_prio,
                                 unsigned mem_prio)
{
    struct qm_guest_spec *g = &sc->g[sc->n++];
    memset(g, 0, sizeof(*g));
    snprintf(g->name, sizeof(g->name), "%s", name);
    g->kind = kind;
    g->vcpus = vcpus;
    g->maxmem = maxmem;
    g->minmem = 512;
    g->initmem = initmem;
    g->balloon_rate = 64;
    g->cpu_prio = cpu_prio;
    g->mem_prio = mem_prio;
    g->util = kind == QM_LATENCY ? 0.75 : 1.0;
    return g;
}

static void part(struct qm_trace *t, enum qm_part_kind kind, double amp, double a, double b,
                 double c)
{
    struct qm_part *p = &t->part[t->nparts++];
    p->kind = kind;
    p->amp = amp;
    p->a = a;
    p->b = b;
    p->c = c;
}

static struct qm_scenario *scenario(const char *name, const char *title, unsigned pcpus,
                                    double host, double dom0, size_t cap)
{
    struct qm_scenario *sc = calloc(1, sizeof(*sc));
    if (!sc)
        abort();
    sc->g = calloc(cap, sizeof(*sc->g));
    if (!sc->g)
        abort();
    sc->name = name;
    sc->title = title;
    sc->pcpus = pcpus;
    sc->dom0_cpu = 100;
    sc->host_mib = host;
    sc->dom0_mib = dom0;
    sc->seconds = TWO_DAYS;
    sc->quick_from = 7 * 3600;
    sc->quick_s = 4 * 3600;
    sc->seed = 13;
    return sc;
}

/* Four web servers with a daily curve (peak at 14:00) and two batch
 * guests working from 22:00 to 06:00 on a large memory set. */
static struct qm_scenario *web_batch(void)
{
    struct qm_scenario *sc =
        scenario("web-batch", "diurnal web tier, nightly batch window", 16, 64 * GIB, 2 * GIB, 6);
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof(name), "web%d", i + 1);
        struct qm_guest_spec *g = add(sc, name, QM_LATENCY, 4, 8 * GIB, 4 * GIB, 1, 1);
        g->cpu.base = 40;
        g->cpu.noise = 0.1;
        part(&g->cpu, QM_DIURNAL, 220, 14, 0, 0);
        g->ws.base = 2 * GIB;
        part(&g->ws, QM_DIURNAL, 1.5 * GIB, 14, 0, 0);
    }
    for (int i = 0; i < 2; i++) {
        struct qm_guest_spec *g =
            add(sc, i ? "batch2" : "batch1", QM_BATCH, 8, 32 * GIB, 8 * GIB, 3, 2);
        g->cpu.base = 20;
        part(&g->cpu, QM_WINDOW, 700, 22, 6, 600);
        g->ws.base = 2 * GIB;
        part(&g->ws, QM_WINDOW, 20 * GIB, 22, 6, 1200);
    }
    sc->quick = true;
    sc->quick_from = 20 * 3600;
    return sc;
}

/* A database whose working set grows through the working day against a
 * batch guest that would take all memory. */
static struct qm_scenario *db_batch(void)
{
    struct qm_scenario *sc =
        scenario("db-growth", "database working set grows against a memory-hungry batch guest", 8,
                 32 * GIB, 2 * GIB, 2);
    struct qm_guest_spec *g = add(sc, "db", QM_LATENCY, 4, 24 * GIB, 8 * GIB, 2, 1);
    g->mem_avail_mib = 2048; /* as policies/goals/database.xml asks */
    g->cpu.base = 100;
    g->cpu.noise = 0.1;
    part(&g->cpu, QM_DIURNAL, 150, 14, 0, 0);
    g->ws.base = 4 * GIB;
    part(&g->ws, QM_RAMP, 12 * GIB, 8, 18, 22);
    g = add(sc, "batch", QM_BATCH, 4, 28 * GIB, 20 * GIB, 3, 3);
    g->cpu.base = 300;
    g->ws.base = 20 * GIB;
    return sc;
}

/* A time-critical guest with one-minute bursts against three busy
 * batch guests on a small host. */
static struct qm_scenario *bursty(void)
{
    struct qm_scenario *sc = scenario("bursty", "bursty time-critical guest among batch guests", 8,
                                      32 * GIB, 2 * GIB, 4);
    struct qm_guest_spec *g = add(sc, "rt", QM_LATENCY, 4, 4 * GIB, 2 * GIB, 1, 1);
    g->cpu.base = 20;
    part(&g->cpu, QM_BURSTS, 250, 600, 60, 0);
    g->ws.base = 1 * GIB;
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "batch%d", i + 1);
        g = add(sc, name, QM_BATCH, 4, 8 * GIB, 6 * GIB, 3, 3);
        g->cpu.base = 250;
        g->ws.base = 4 * GIB;
    }
    sc->quick = true;
    return sc;
}

/* Three web servers and a low-priority guest that asks for everything. */
static struct qm_scenario *greedy(void)
{
    struct qm_scenario *sc = scenario("greedy", "a greedy low-priority guest asks for everything",
                                      8, 24 * GIB, 2 * GIB, 4);
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "web%d", i + 1);
        struct qm_guest_spec *g = add(sc, name, QM_LATENCY, 2, 6 * GIB, 3 * GIB, 1, 1);
        g->cpu.base = 30;
        g->cpu.noise = 0.1;
        part(&g->cpu, QM_DIURNAL, 100, 14, 0, 0);
        g->ws.base = 1536;
        part(&g->ws, QM_DIURNAL, 2 * GIB, 14, 0, 0);
    }
    struct qm_guest_spec *g = add(sc, "greedy", QM_GREEDY, 8, 20 * GIB, 8 * GIB, 3, 3);
    g->cpu.base = 800;
    g->ws.base = 20 * GIB;
    sc->quick = true;
    return sc;
}

/* 200 small guests on one host, their maxmem adding up to 1.5x the
 * memory they share, their days shifted over six hours; a third each at
 * priorities 1, 2 and 3. */
static struct qm_scenario *consolidation(void)
{
    struct qm_scenario *sc = scenario("consol-200", "200 guests, memory overcommitted 1.5x", 64,
                                      256 * GIB, 4 * GIB, 200);
    double maxmem = 1.5 * (252 * GIB) / 200;
    for (int i = 0; i < 200; i++) {
        char name[32];
        snprintf(name, sizeof(name), "vm%03d", i + 1);
        unsigned prio = (unsigned)(i % 3) + 1;
        bool batch = i % 5 == 4;
        struct qm_guest_spec *g = add(sc, name, batch ? QM_BATCH : QM_LATENCY, 2, maxmem,
                                      (252 * GIB - 1024) / 200, prio, prio);
        g->cpu.base = 8;
        g->cpu.noise = 0.15;
        part(&g->cpu, QM_DIURNAL, 40, 13, 0, 0);
        g->ws.base = 560;
        g->ws.noise = 0.05;
        part(&g->ws, QM_DIURNAL, 720, 13, 0, 0);
        g->phase_h = (double)(i % 7) - 3.0;
    }
    sc->seconds = QM_DAY;
    return sc;
}

/* A report guest whose working set jumps by 8 GiB in a minute at 09:00
 * every day (for two hours), faster than its balloon can grow, next to a
 * cache guest that holds what is spare. */
static struct qm_scenario *recurring_peak(void)
{
    struct qm_scenario *sc = scenario("daily-peak", "a daily peak faster than a balloon can grow",
                                      8, 32 * GIB, 2 * GIB, 2);
    struct qm_guest_spec *g = add(sc, "report", QM_LATENCY, 4, 12 * GIB, 3 * GIB, 1, 1);
    g->balloon_rate = 32;
    g->cpu.base = 40;
    part(&g->cpu, QM_WINDOW, 250, 9, 11, 60);
    g->ws.base = 2 * GIB;
    part(&g->ws, QM_WINDOW, 8 * GIB, 9, 11, 60);
    g = add(sc, "cache", QM_BATCH, 4, 24 * GIB, 22 * GIB, 3, 3);
    g->cpu.base = 150;
    g->ws.base = 16 * GIB;
    g->balloon_rate = 32;
    sc->quick = true;
    /* Four days: two to learn the peak from, two to be measured on. */
    sc->seconds = 2 * TWO_DAYS;
    sc->peak = true;
    sc->peak_h = 9;
    return sc;
}

/* Agentless guests (issue 13, point 5): two file servers that run no
 * agent, whose CPU use is small but whose latency suffers as soon as
 * they wait for CPU, moving megabytes a second on their network and tens
 * to hundreds of requests on their disks (more in the afternoon); two
 * agentless guests that are really idle; three batch guests with agents
 * that want more CPU than the host has. */
static struct qm_scenario *agentless(void)
{
    struct qm_scenario *sc =
        scenario("agentless", "agentless file servers busy with I/O among batch guests", 8,
                 32 * GIB, 2 * GIB, 7);
    for (int i = 0; i < 2; i++) {
        struct qm_guest_spec *g =
            add(sc, i ? "files2" : "files1", QM_AGENTLESS, 2, 4 * GIB, 3 * GIB, 1, 1);
        g->cpu.base = 5;
        g->cpu.noise = 0.1;
        part(&g->cpu, QM_DIURNAL, 12, 14, 0, 0);
        g->ws.base = 2 * GIB;
        g->net.base = 1024;
        g->net.noise = 0.2;
        part(&g->net, QM_DIURNAL, 8192, 14, 0, 0);
        g->disk.base = 30;
        g->disk.noise = 0.2;
        part(&g->disk, QM_DIURNAL, 150, 14, 0, 0);
    }
    for (int i = 0; i < 2; i++) {
        struct qm_guest_spec *g =
            add(sc, i ? "idle2" : "idle1", QM_AGENTLESS, 2, 4 * GIB, 2 * GIB, 3, 3);
        g->util = 1.0;
        g->cpu.base = 3;
        g->cpu.noise = 0.1;
        g->ws.base = 1 * GIB;
    }
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "batch%d", i + 1);
        struct qm_guest_spec *g = add(sc, name, QM_BATCH, 4, 8 * GIB, 6 * GIB, 2, 2);
        g->cpu.base = 300;
        g->ws.base = 4 * GIB;
    }
    sc->quick = true;
    return sc;
}

/* Affinity (issue 13, point 4): a latency-critical guest whose requests
 * block and wake (a web application waiting on its disk and its peers),
 * beside three batch guests, each wanting batch_cpu: 300 (pinning: CPU
 * bound, together more than the host has) or 180 (pinning-mix: the host
 * holds them but for the latency guest's afternoon).  Under
 * xenplm+affinity its rule pins it to pCPUs 1-3 and the batch guests'
 * rule keeps them on 4-7 (pCPU 0 is left to dom0), which leaves the batch
 * guests 400 in all; under xenplm+pin1 it is pinned to pCPU 1 alone, too
 * few for its afternoon. */
static struct qm_scenario *pinning(const char *name, const char *title, double batch_cpu)
{
    struct qm_scenario *sc = scenario(name, title, 8, 32 * GIB, 2 * GIB, 4);
    struct qm_guest_spec *g = add(sc, "lat", QM_LATENCY, 4, 4 * GIB, 3 * GIB, 1, 1);
    g->cpu.base = 30;
    g->cpu.noise = 0.1;
    part(&g->cpu, QM_DIURNAL, 150, 14, 0, 0);
    g->ws.base = 2 * GIB;
    g->wakeups = 8;
    g->aff_hard = "1-3";
    g->aff_pin1 = "1";
    for (int i = 0; i < 3; i++) {
        char bname[32];
        snprintf(bname, sizeof(bname), "batch%d", i + 1);
        g = add(sc, bname, QM_BATCH, 4, 8 * GIB, 6 * GIB, 3, 3);
        g->cpu.base = batch_cpu;
        g->ws.base = 4 * GIB;
        g->aff_hard = "4-7";
        g->aff_pin1 = "2-7";
    }
    sc->quick = batch_cpu >= 300; /* pinning alone */
    return sc;
}

struct qm_scenario *const *qm_scenarios(void)
{
    if (!all[0]) {
        size_t k = 0;
        all[k++] = web_batch();
        all[k++] = db_batch();
        all[k++] = bursty();
        all[k++] = greedy();
        all[k++] = consolidation();
        all[k++] = recurring_peak();
        all[k++] = agentless();
        all[k++] =
            pinning("pinning", "a latency-critical guest beside CPU-bound batch guests", 300);
        all[k++] = pinning("pinning-mix",
                           "the same, the batch guests wanting less than the host has", 180);
        all[k] = NULL;
    }
    return all;
}

void qm_scenarios_dispose(void)
{
    for (size_t k = 0; all[k]; k++) {
        free(all[k]->g);
        free(all[k]);
        all[k] = NULL;
    }
}
