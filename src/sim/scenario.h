/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scenario files for the simulated host (xenplm-sim(5)): the host, the
 * domains running at the start, and what guests and operators do at given
 * times.  Parsing is strict and reports the first problem as one line,
 * "FILE:LINE: problem"; it knows nothing of the running simulation, which
 * plays the parsed events (sim_play.c).
 */
#ifndef XENPLM_SIM_SCENARIO_H
#define XENPLM_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/port_sim.h"
#include "protocol/request.h"

#define SIM_SCN_FILE_MAX (1024 * 1024) /* bytes in a scenario file */
#define SIM_SCN_LINE_MAX 4096          /* bytes in one line, LF excluded */
#define SIM_SCN_VALUE_MAX 4096         /* bytes in a raw value (xenstore's payload limit) */
#define SIM_SCN_FLOOD_MAX 100000       /* writes in one flood */
#define SIM_SCN_VCPUS_MAX 512          /* vcpus of a domain */

enum sim_act {
    SIM_ACT_REQUEST,    /* the guest writes an encoded request: req */
    SIM_ACT_WRITE,      /* the guest writes value (len bytes) at path */
    SIM_ACT_RM,         /* the guest removes path */
    SIM_ACT_CPU,        /* the workload's CPU demand becomes num (hundredths) */
    SIM_ACT_NET,        /* its network traffic becomes num KiB/s */
    SIM_ACT_DISK,       /* its disk requests become num per second */
    SIM_ACT_STUCK,      /* the balloon stops (num 1) or moves again (num 0) */
    SIM_ACT_BALLOON,    /* the balloon driver starts (num 1) or goes (num 0) */
    SIM_ACT_HOTPLUG,    /* the vcpus follow hotplug (num 1) or not (num 0) */
    SIM_ACT_FLOOR,      /* the balloon's floor becomes num KiB */
    SIM_ACT_RATE,       /* the balloon's speed becomes num KiB/s */
    SIM_ACT_DESTROY,    /* xl destroy */
    SIM_ACT_FLOOD,      /* num requests, each with a new seq, in the same ms */
    SIM_ACT_FAIL,       /* the daemon's fault_op calls fail: num of them, or for_ms */
    SIM_ACT_CREATE,     /* xl create: spec */
    SIM_ACT_DISCONNECT, /* the xenstore connection breaks */
    SIM_ACT_XS_FAIL,    /* dom0's xs_op attempts fail: num of them, or for_ms */
    SIM_ACT_PAUSE,      /* xl pause */
    SIM_ACT_UNPAUSE,    /* xl unpause */
    SIM_ACT_CRASH,      /* the guest crashes (on_crash=preserve) */
    SIM_ACT_SHUTDOWN,   /* the guest shuts down (on_poweroff=destroy) */
    SIM_ACT_GROW,       /* the guest takes num KiB more, above its target */
    SIM_ACT_MAXMEM,     /* xl mem-max: num KiB */
    SIM_ACT_XS_SLOW,    /* each of dom0's xenstore calls takes num ms */
    SIM_ACT_MAXVCPUS,   /* the domain's vcpus at most become num */
    SIM_ACT_CLOCK_JUMP, /* the wall clock moves by jump_ms (monotonic time does not) */
    SIM_ACT_END,        /* the scenario is over */
};

/* A migrate-fault line: what becomes of the next migration to start. */
enum sim_mig_fault {
    SIM_MIG_OK = 0,
    SIM_MIG_FAIL,            /* the destination refuses it at the end of the transfer */
    SIM_MIG_STALL,           /* the transfer stops making progress (until aborted) */
    SIM_MIG_STALL_SUSPENDED, /* the domain suspended, its last pages never cross */
    SIM_MIG_STALL_HANDED,    /* handed over, the destination's word never comes back */
};
#define SIM_MIG_FAULTS_MAX 64
/* Default transfer rate: 100 MiB/s, a 1 GiB domain in about 10 s. */
#define SIM_MIG_RATE_KIB_S (100 * 1024)

struct sim_event {
    uint64_t at_ms;
    unsigned line;
    enum sim_act act;
    char dom[PORT_NAME_MAX]; /* the domain acted on or created; "" when none */
    uint64_t num;
    struct proto_request req;
    char *path;  /* write, rm */
    char *value; /* write */
    size_t len;
    struct port_sim_domspec spec;    /* create */
    enum port_sim_fault_op fault_op; /* fail ("" dom: host-wide) */
    uint64_t for_ms;                 /* fail: 0 = count num calls instead */
    int fault_rc;                    /* fail, xs-fail: the code */
    enum port_sim_xs_fault_op xs_op; /* xs-fail */
    uint64_t delay_ms;               /* watch delay: how late events are handed over */
    int64_t jump_ms;                 /* clock jump */
};

struct sim_scenario {
    char *name; /* the file, as named in messages */
    unsigned pcpus;
    uint64_t total_kib, dom0_kib;
    char sched[16];
    struct port_sim_domspec *dom; /* running at the start, in file order */
    size_t ndom, dom_cap;
    struct sim_event *ev; /* in time order */
    size_t nev, ev_cap;
    /* Live migration between simulated hosts (sim_fabric.h): the shared
     * directory (NULL: none) and this host's name there; the transfer's
     * rate; migrations that fail or stall, in the order they start. */
    char *fabric_dir;
    char fabric_host[PORT_NAME_MAX];
    uint64_t mig_rate_kib_s;
    enum sim_mig_fault mig_fault[SIM_MIG_FAULTS_MAX];
    size_t nmig_fault;
};

/*
 * Parse a scenario of len bytes; name is used in messages.  Returns 0 and
 * fills *out (free it with sim_scenario_free), or PLM_EGRAMMAR with
 * "NAME:LINE: problem" in err, or PLM_ENOMEM.  load reads a file first:
 * PLM_EIO ("FILE: cannot read: reason") or PLM_ERANGE when it is larger
 * than SIM_SCN_FILE_MAX.
 */
int sim_scenario_parse(const char *name, const char *text, size_t len, struct sim_scenario *out,
                       char *err, size_t errlen);
int sim_scenario_load(const char *file, struct sim_scenario *out, char *err, size_t errlen);
void sim_scenario_free(struct sim_scenario *s);

#endif
