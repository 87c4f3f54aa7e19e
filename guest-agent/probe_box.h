/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The box a probe command runs in, so that everything it starts can be
 * killed when it is over: its background children, and the children of
 * those that called setsid().
 *
 *  - Its own cgroup v2 directory, below the agent's own cgroup, where the
 *    guest mounts cgroup v2 and the agent may create one (root, or a
 *    delegated subtree).  A cgroup holds every descendant whatever it
 *    does with sessions or process groups; killing it (cgroup.kill, or
 *    SIGKILL to each member where the kernel predates cgroup.kill) kills
 *    them all.
 *  - Always also its own process group, which is all there is without
 *    cgroup v2.  A process group does not hold a child that calls
 *    setsid() or setpgid(): such a child escapes.
 *
 * The child enters the box itself, between fork and exec, so nothing it
 * starts can be outside.
 */
#ifndef XENPLM_AGENT_PROBE_BOX_H
#define XENPLM_AGENT_PROBE_BOX_H

#include <stdbool.h>
#include <sys/types.h>

#define AGENT_BOX_PATH_MAX 512

struct agent_probe_box {
    char cgroup[AGENT_BOX_PATH_MAX];     /* the probe's cgroup directory, "" when none */
    char procs[AGENT_BOX_PATH_MAX + 16]; /* its cgroup.procs */
    pid_t pgid;                          /* the probe's process group, 0 before it starts */
};

/*
 * Make the box for the next probe: a fresh cgroup when want_cgroup and
 * the guest allows it (agent_box_has_cgroup tells), else only a process
 * group.
 */
void agent_box_open(struct agent_probe_box *b, bool want_cgroup);

/* Whether the box has its own cgroup. */
bool agent_box_has_cgroup(const struct agent_probe_box *b);

/* In the child, after fork and before exec: enter the box.  Uses only
 * async-signal-safe calls. */
void agent_box_enter(const struct agent_probe_box *b);

/* In the parent, after fork: the child is pid (its process group too). */
void agent_box_started(struct agent_probe_box *b, pid_t pid);

/* SIGKILL everything in the box (the cgroup's members and the process
 * group).  Call it while the probe's own process is not reaped yet, so
 * its process group id cannot have been reused. */
void agent_box_kill(const struct agent_probe_box *b);

/* Remove the cgroup once its members are gone (waits up to wait_ms for
 * them to die); the box is then empty. */
void agent_box_close(struct agent_probe_box *b, unsigned wait_ms);

#endif
