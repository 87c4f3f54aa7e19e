/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a command probe: fork, read its output, wait for it, all under
 * one deadline that holds until the command is reaped, whatever it does
 * with its standard output; then kill whatever it left behind (see
 * probe_box.h).  The caller's stop flag cuts it short.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "core/error.h"
#include "guest-agent/probe.h"
#include "guest-agent/probe_box.h"
#include "guest-agent/probe_int.h"

/* How often the stop flag and the child are looked at while waiting, ms:
 * a signal that lands just before a poll is seen this late at worst. */
#define SLICE_MS 20
/* How long a killed command may take to die before it is left to the
 * next run to reap, ms. */
#define REAP_GRACE_MS 1000

static bool stopping(const struct agent_probe_ctl *ctl)
{
    return ctl && ctl->stop && *ctl->stop;
}

static void nap_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};

    nanosleep(&ts, NULL);
}

/* Whether the child has exited, leaving it unreaped (so its process group
 * id stays taken until the box is killed). */
static bool exited(pid_t pid)
{
    siginfo_t si;

    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD;
    return si.si_pid == pid;
}

/* Reap the child, for at most grace_ms. */
static bool reap(pid_t pid, int *status, unsigned grace_ms)
{
    for (unsigned t = 0;; t += 2) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
        if (t >= grace_ms)
            return false;
        nap_ms(2);
    }
}

/* A killed command that had not died by the end of its run: reaped by
 * the next run.  The agent runs one probe at a time. */
static pid_t unreaped;

enum outcome { RAN, TIMED_OUT, OVERFLOW, STOPPED };

/* Read the command's output until it exits (or the deadline, or stop). */
static enum outcome collect(int fd, pid_t pid, uint64_t deadline, const struct agent_probe_ctl *ctl,
                            char *buf, size_t cap, size_t *got)
{
    bool reading = true;

    for (;;) {
        uint64_t now = plm_mono_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        unsigned slice;

        if (stopping(ctl))
            return STOPPED;
        if (exited(pid)) {
            /* What it wrote before exiting is in the pipe: take it, but do
             * not wait for an end of file a background child may hold off. */
            while (reading && *got < cap) {
                ssize_t n = read(fd, buf + *got, cap - *got);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    break;
                *got += (size_t)n;
            }
            return *got == cap ? OVERFLOW : RAN;
        }
        if (now >= deadline)
            return TIMED_OUT;
        slice = deadline - now < SLICE_MS ? (unsigned)(deadline - now) : SLICE_MS;
        if (!reading) {
            nap_ms(slice);
            continue;
        }
        if (poll(&pfd, 1, (int)slice) <= 0)
            continue; /* a slice passed, or a signal: look again */
        if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        {
            ssize_t n = read(fd, buf + *got, cap - *got);
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                reading = false; /* closed: now wait for the exit */
                continue;
            }
            *got += (size_t)n;
            if (*got == cap)
                return OVERFLOW; /* one byte more than a value may have */
        }
    }
}

int agent_probe_command(const struct agent_probe *p, const struct agent_probe_ctl *ctl, char *buf,
                        size_t cap, size_t *len, char *err, size_t errlen)
{
    struct agent_probe_box box;
    int fds[2];
    pid_t pid;
    int status = 0;
    size_t got = 0;
    enum outcome how;
    bool reaped;
    uint64_t deadline = plm_mono_ms() + p->timeout_ms;

    /* A command killed earlier that took too long to die. */
    if (unreaped > 0 && waitpid(unreaped, NULL, WNOHANG) != 0)
        unreaped = 0;
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return PLM_EIO;
    }
    agent_box_open(&box, !(ctl && ctl->no_cgroup));
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        agent_box_close(&box, 0);
        return PLM_EIO;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        struct sigaction dfl;

        agent_box_enter(&box);
        /* The agent's handlers and ignored signals are not the probe's. */
        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(SIGPIPE, &dfl, NULL);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 2);
        }
        dup2(fds[1], 1);
        fcntl(1, F_SETFL, 0); /* the command's end blocks as usual */
        execl("/bin/sh", "sh", "-c", p->command, (char *)NULL);
        _exit(127);
    }
    agent_box_started(&box, pid);
    close(fds[1]);
    how = collect(fds[0], pid, deadline, ctl, buf, cap, &got);
    close(fds[0]);
    /* Whatever it started dies with it, finished or not. */
    agent_box_kill(&box);
    reaped = reap(pid, &status, REAP_GRACE_MS);
    if (!reaped)
        unreaped = pid;
    agent_box_close(&box, REAP_GRACE_MS);

    switch (how) {
    case TIMED_OUT:
        snprintf(err, errlen, "command timed out after %u ms", (unsigned)p->timeout_ms);
        return PLM_EIO;
    case STOPPED:
        snprintf(err, errlen, "command stopped: the agent is stopping");
        return PLM_EIO;
    case OVERFLOW:
        snprintf(err, errlen, "command printed more than %zu bytes", cap - 1);
        return PLM_ERANGE;
    case RAN:
        break;
    }
    if (!reaped) {
        snprintf(err, errlen, "command could not be reaped");
        return PLM_EIO;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFEXITED(status))
            snprintf(err, errlen, "command exited with status %d", WEXITSTATUS(status));
        else
            snprintf(err, errlen, "command killed by signal %d", WTERMSIG(status));
        return PLM_EIO;
    }
    *len = got;
    return 0;
}
