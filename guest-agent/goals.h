/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest administrator's goals (xenplm-goals(5), policies/xenplm-goals.xsd).
 *
 * A goal says: keep this metric on this side of this target, using this
 * resource, at this priority (1 most important), optionally only in given
 * time windows, and with optional bounds on what it may ask for.  Probes
 * name application metrics: a command run on an interval that prints a
 * number, or a file holding one.
 *
 * This module reads the XML with libxml2, validates it against the
 * schema, checks what the schema cannot express and fills plain structs;
 * no libxml2 type leaves it.  A failure is one line, "FILE:LINE: problem",
 * and leaves *out untouched, so the agent keeps its last good goals.
 */
#ifndef XENPLM_AGENT_GOALS_H
#define XENPLM_AGENT_GOALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/amount.h"

#define AGENT_MAX_GOALS 32
#define AGENT_MAX_PROBES 8
#define AGENT_MAX_WINDOWS 8
#define AGENT_NAME_MAX 32     /* goal and probe names, with the NUL */
#define AGENT_PATH_MAX 256    /* probe commands and files, workloads, with the NUL */
#define AGENT_MAX_PRIORITY 16 /* = PLM_MAX_LEVELS */
#define AGENT_GOALS_MAX_FILE ((size_t)256 * 1024)
#define AGENT_GOALS_ERR_MAX 512

/* Same values as enum proto_resource. */
enum agent_resource {
    AGENT_RES_CPU = 0, /* hundredths of a CPU */
    AGENT_RES_MEM = 1, /* MiB */
};
#define AGENT_NRES 2

enum agent_metric {
    AGENT_M_CPU_UTIL = 0,  /* "cpu-util": percent of the online vcpus busy; at most */
    AGENT_M_CPU_PRESSURE,  /* "cpu-pressure": PSI cpu some avg10, percent; at most */
    AGENT_M_RUNQUEUE,      /* "runqueue": 1-minute load per online vcpu; at most */
    AGENT_M_MEM_AVAILABLE, /* "mem-available": MemAvailable, MiB; at least */
    AGENT_M_MEM_PRESSURE,  /* "mem-pressure": PSI memory some avg10, percent; at most */
    AGENT_M_SWAPIN,        /* "swap-in": pages swapped in per second; at most */
    AGENT_M_PROBE,         /* "probe": the value a named probe reports; either way */
};
#define AGENT_NMETRICS 7

enum agent_direction {
    AGENT_AT_MOST = 0,  /* "le": met while metric <= target; more resource lowers it */
    AGENT_AT_LEAST = 1, /* "ge": met while metric >= target; more resource raises it */
};

/* A period of the week in local time.  from == to means the whole day. */
struct agent_window {
    uint8_t days;      /* bit d set: weekday d (0 = Sunday, as in struct tm) */
    uint16_t from_min; /* minutes after midnight, 0..1439 */
    uint16_t to_min;   /* end, exclusive; below from_min: the window runs past midnight */
};

struct agent_probe {
    char name[AGENT_NAME_MAX];
    char command[AGENT_PATH_MAX]; /* run with /bin/sh -c; "" when file is used */
    char file[AGENT_PATH_MAX];    /* read; "" when command is used */
    uint32_t interval_ms;         /* how often to run or read it */
    uint32_t timeout_ms;          /* a command running longer is killed */
};

struct agent_goal {
    char name[AGENT_NAME_MAX];
    unsigned line;     /* in the goals file, for messages */
    unsigned priority; /* 1..AGENT_MAX_PRIORITY */
    enum agent_resource res;
    enum agent_metric metric;
    unsigned probe; /* index into agent_goals.probe when metric is AGENT_M_PROBE */
    enum agent_direction dir;
    plm_amt_t target; /* in the metric's unit */
    plm_amt_t
        margin;    /* mem-available: none; others: hysteresis band, metric's unit (0 = default) */
    plm_amt_t min; /* least this goal asks for, in the resource's unit (0 = none) */
    plm_amt_t max; /* most it asks for (-1 = no bound) */
    char workload[AGENT_PATH_MAX]; /* cgroup v2 path below /sys/fs/cgroup; "" = the whole guest */
    uint32_t boost_ms;             /* a cpu goal newly missed asks a boost this long (0: none) */
    unsigned nwindows;             /* 0 = always active */
    struct agent_window window[AGENT_MAX_WINDOWS];
};

struct agent_goals {
    uint32_t interval_ms;           /* sampling period (default 5 s) */
    uint32_t heartbeat_ms;          /* republish at least this often (default 60 s) */
    plm_amt_t deadband[AGENT_NRES]; /* publish only changes larger than this (cpu 10, mem 32) */
    plm_amt_t idle[AGENT_NRES]; /* asked at level 1 when the goals on a resource are all inactive */
    bool apply_cgroups;         /* divide the grant among workloads (cgroup v2) */
    char metrics_dir[AGENT_PATH_MAX]; /* node_exporter's textfile directory, "" for none */
    unsigned nprobes;
    struct agent_probe probe[AGENT_MAX_PROBES];
    unsigned ngoals;
    struct agent_goal goal[AGENT_MAX_GOALS];
};

/* Defaults for everything: no goals, no probes. */
void agent_goals_init(struct agent_goals *g);

/*
 * Load and validate a goals file against the schema at schema_path (NULL:
 * the schema built into the program).  0 and *out filled,
 * or a negative PLM_E* code, *out untouched and "FILE:LINE: problem" in err.
 */
int agent_goals_load(const char *path, const char *schema_path, struct agent_goals *out, char *err,
                     size_t errlen);
/* The same from memory; name stands for the file in messages. */
int agent_goals_load_memory(const char *buf, size_t len, const char *name, const char *schema_path,
                            struct agent_goals *out, char *err, size_t errlen);
/* Where the schema's copy for other tools is installed (not read by the loaders). */
const char *agent_goals_default_schema(void);

/*
 * Free libxml2's global state.  Call once, at exit, when nothing else in
 * the process uses libxml2 any more (it keeps valgrind quiet), so that
 * callers need no libxml2 header of their own.
 */
void agent_goals_cleanup(void);

/* Whether goal g is active at local time *now (true when it has no windows). */
bool agent_goal_active(const struct agent_goal *g, const struct tm *now);

/* "cpu-util", ...; "cpu", "mem"; NULL when out of range. */
const char *agent_metric_name(enum agent_metric m);
const char *agent_resource_name(enum agent_resource r);

#endif
