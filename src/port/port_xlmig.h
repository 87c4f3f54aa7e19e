/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The real host's live migration, the way xl does it: `xl migrate [-s
 * TRANSPORT] DOMID ADDR` run as a child of the daemon, which never waits
 * for it.  No Xen header here (port_xen.c adds the check that the domain
 * is gone), so it is tested with a stand-in for xl (check_xlmig).
 *
 * The child runs in its own process group, so that xl and the transport
 * it starts (ssh by default) end together: an abort sends the group
 * SIGTERM, and SIGKILL if it is still there XLMIG_KILL_GRACE_MS later.
 * Its standard output and error go to one non-blocking pipe, of which the
 * last XLMIG_TAIL_MAX bytes are kept: the last line is the reason given
 * when it fails, and the last "NN%" the progress.  It is reaped with
 * waitpid(WNOHANG) at each poll (the daemon leaves SIGCHLD at its
 * default, so nothing else reaps it); a runner disposed of while its
 * child runs kills the group and reaps it.  One left to run on (a daemon
 * that stops, mig_guard.h) is never killed: it ignores SIGPIPE, so the
 * pipe closed under it does not end it either.
 */
#ifndef XENPLM_PORT_PORT_XLMIG_H
#define XENPLM_PORT_PORT_XLMIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define XLMIG_TAIL_MAX 1024
/* What xl migrate prints just before it tells the destination to start
 * the domain (xl_migrate.c, after renaming its own copy away). */
#define XLMIG_GO_LINE "Giving target permission to start"

#define XLMIG_KILL_GRACE_MS 5000
#define XLMIG_ADDR_MAX 256

struct port_xlmig {
    pid_t pid; /* 0: no child */
    int fd;    /* its output, -1 once closed */
    char tail[XLMIG_TAIL_MAX];
    size_t ntail;
    int pct; /* the last "NN%" it printed, -1: none yet */
    bool aborting;
    uint64_t kill_at_ms; /* aborting: SIGKILL then */
    char abort_why[160];
    bool go_said; /* it printed XLMIG_GO_LINE: the destination may run the domain */
    pid_t left;   /* a child left to run on, not yet reaped (0: none) */
};

/* Whether addr may be handed to xl, which puts it into a shell command
 * line of its own (`TRANSPORT ADDR xl migrate-receive`): a host name, an
 * address, user@host, [v6]; no blank, no shell character, no leading '-'. */
bool port_xlmig_addr_ok(const char *addr);

void port_xlmig_init(struct port_xlmig *m);
/* Start `XL migrate [-s TRANSPORT] DOMID ADDR` (xl is looked up in PATH
 * when it has no '/'): 0, or PLM_EINVAL (bad address, a child already
 * running) / PLM_EIO with the reason in err. */
int port_xlmig_start(struct port_xlmig *m, const char *xl, uint32_t domid, const char *addr,
                     const char *transport, char *err, size_t errlen);
/* Read its output and see whether it ended: true while it runs (*pct_out
 * its last percentage or -1); false once it has ended and is reaped, with
 * *ok_out whether xl exited 0 and not aborted, and why otherwise. */
bool port_xlmig_poll(struct port_xlmig *m, uint64_t now_ms, int *pct_out, bool *ok_out, char *why,
                     size_t whylen);
/* SIGTERM to its group now, SIGKILL after the grace; why is what the
 * poll that sees it end will say. */
void port_xlmig_abort(struct port_xlmig *m, uint64_t now_ms, const char *why);
/* Let the child run on unwatched: its pipe closed (it ignores SIGPIPE),
 * never killed, reaped at a later call if it ends while this process
 * lives (else by init). */
void port_xlmig_leave(struct port_xlmig *m);
/* Kill and reap a child still running (bounded), close the pipe. */
void port_xlmig_dispose(struct port_xlmig *m);

/*
 * Whether an `xl migrate` runs on this host, whoever started it: one this
 * daemon left to end by itself (mig_guard.h), one an earlier run of it
 * left when it stopped, or the operator's own.  Xen hosts migrate one
 * domain at a time here, so none is started beside it.  proc is where
 * procfs is ("/proc"; a test gives a tree of its own): each process's
 * cmdline (argv, NUL-separated) is read, at most 4 KiB of it.  Returns
 * its pid (the first found) with the domain argument it was given in
 * dom (may be empty), or 0.
 */
pid_t port_xlmig_find(const char *proc, char *dom, size_t domlen);
/* One cmdline (argv NUL-separated, len bytes): `xl [OPTIONS] migrate
 * [OPTIONS] DOMAIN HOST`, xl by any path?  dom gets DOMAIN. */
bool port_xlmig_cmdline(const char *buf, size_t len, char *dom, size_t domlen);

#endif
