/* SPDX-License-Identifier: GPL-2.0-only */
/* The box a probe runs in: see probe_box.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guest-agent/probe_box.h"

static void nap_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};

    nanosleep(&ts, NULL);
}

/* Where cgroup v2 is mounted (its root mounted at that point), from
 * /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT POINT OPTS... - cgroup2 ...". */
static bool cgroup2_mount(char *out, size_t cap)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[1024];
    bool found = false;

    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f)) {
        char root[256], point[256];
        const char *sep = strstr(line, " - cgroup2 ");

        if (!sep || sscanf(line, "%*s %*s %*s %255s %255s", root, point) != 2)
            continue;
        /* A bind of a subtree, or a path with escapes: not ours to guess. */
        if (strcmp(root, "/") != 0 || strchr(point, '\\'))
            continue;
        found = (size_t)snprintf(out, cap, "%s", point) < cap;
    }
    fclose(f);
    return found;
}

/* The agent's own cgroup v2 path, from the "0::PATH" line of /proc/self/cgroup. */
static bool own_cgroup(char *out, size_t cap)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[1024];
    bool found = false;

    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "0::/", 4) != 0)
            continue;
        line[strcspn(line, "\n")] = '\0';
        /* "/" is the root: nothing to add to the mount point. */
        found = (size_t)snprintf(out, cap, "%s", strcmp(line + 3, "/") == 0 ? "" : line + 3) < cap;
    }
    fclose(f);
    return found;
}

/* Kill the members of a cgroup one by one (kernels before cgroup.kill). */
static void kill_members(const char *cgroup)
{
    char path[AGENT_BOX_PATH_MAX + 16];

    snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
    /* A member may fork while we read: go round until none is left. */
    for (int round = 0; round < 50; round++) {
        FILE *f = fopen(path, "re");
        long pid;
        int seen = 0;

        if (!f)
            return;
        while (fscanf(f, "%ld", &pid) == 1) {
            if (pid > 1 && pid != (long)getpid())
                kill((pid_t)pid, SIGKILL);
            seen++;
        }
        fclose(f);
        if (seen == 0)
            return;
        nap_ms(2);
    }
}

static bool write_str(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    size_t len = strlen(s);
    bool ok;

    if (fd < 0)
        return false;
    ok = write(fd, s, len) == (ssize_t)len;
    return close(fd) == 0 && ok;
}

void agent_box_open(struct agent_probe_box *b, bool want_cgroup)
{
    char mnt[256], own[256];
    int n;

    memset(b, 0, sizeof(*b));
    if (!want_cgroup || !cgroup2_mount(mnt, sizeof(mnt)) || !own_cgroup(own, sizeof(own)))
        return;
    /* One probe runs at a time: one name per agent. */
    n = snprintf(b->cgroup, sizeof(b->cgroup), "%s%s/xenplm-probe.%ld", mnt, own, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(b->cgroup) - 16)
        goto none;
    if (mkdir(b->cgroup, 0755) != 0) {
        /* Left over by a probe this agent could not clean up: try again. */
        if (errno != EEXIST)
            goto none;
        kill_members(b->cgroup);
        if (rmdir(b->cgroup) != 0 || mkdir(b->cgroup, 0755) != 0)
            goto none;
    }
    snprintf(b->procs, sizeof(b->procs), "%s/cgroup.procs", b->cgroup);
    return;
none:
    b->cgroup[0] = '\0';
    b->procs[0] = '\0';
}

bool agent_box_has_cgroup(const struct agent_probe_box *b)
{
    return b->cgroup[0] != '\0';
}

void agent_box_enter(const struct agent_probe_box *b)
{
    setpgid(0, 0);
    if (b->procs[0] != '\0') {
        /* "0" is the writer itself.  Failing that, the group still holds. */
        int fd = open(b->procs, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (write(fd, "0", 1) != 1) {
                /* nothing better to do in a child about to exec */
            }
            close(fd);
        }
    }
}

void agent_box_started(struct agent_probe_box *b, pid_t pid)
{
    /* Both sides set the group, so it is set whichever runs first. */
    setpgid(pid, pid);
    b->pgid = pid;
}

void agent_box_kill(const struct agent_probe_box *b)
{
    if (b->cgroup[0] != '\0') {
        char path[AGENT_BOX_PATH_MAX + 16];

        snprintf(path, sizeof(path), "%s/cgroup.kill", b->cgroup);
        if (!write_str(path, "1"))
            kill_members(b->cgroup);
    }
    if (b->pgid > 1)
        kill(-b->pgid, SIGKILL);
}

void agent_box_close(struct agent_probe_box *b, unsigned wait_ms)
{
    if (b->cgroup[0] != '\0') {
        /* Killed members take a moment to leave; until then rmdir says EBUSY. */
        for (unsigned t = 0; rmdir(b->cgroup) != 0 && errno == EBUSY && t < wait_ms; t += 2)
            nap_ms(2);
    }
    b->cgroup[0] = '\0';
    b->procs[0] = '\0';
    b->pgid = 0;
}
