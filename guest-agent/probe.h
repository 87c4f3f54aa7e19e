/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Application metrics: the probes a goals file declares.  A probe is a
 * command, run with /bin/sh -c on its interval and killed after its
 * timeout, whose standard output is one number; or a file holding one.
 *
 * Probes are the guest administrator's own programs, not hostile input,
 * but they fail like any program: a probe that exits non-zero, prints
 * something that is not a number, prints too much or hangs yields no
 * value and a reason, and its goal counts as having no data.  A value is
 * trusted for three intervals; after that it is stale.
 *
 * A command's timeout holds until it is reaped, whatever it does with
 * its output (one that closes it and goes on is killed at the deadline
 * all the same), and everything it started is killed when it is over:
 * see probe_box.h for how, and for the limits.
 */
#ifndef XENPLM_AGENT_PROBE_H
#define XENPLM_AGENT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "core/amount.h"
#include "guest-agent/goals.h"

/* Most output a probe may print, in bytes. */
#define AGENT_PROBE_OUTPUT_MAX 256

struct agent_probe_state {
    bool ran;         /* run (or read) at least once */
    uint64_t last_ms; /* when it last ran */
    bool have_value;  /* it gave a value at least once */
    uint64_t ok_ms;   /* when it last gave a value */
    plm_amt_t value;  /* that value */
    bool failing;     /* its last run failed (err says why) */
    char err[160];
};

/*
 * The number in a probe's output: optional blanks, an unsigned decimal
 * with optional fraction (digits past the third decimal are dropped),
 * optional blanks and newline.  0 and *out, or PLM_EGRAMMAR / PLM_ERANGE
 * with a reason.
 */
int agent_probe_parse(const char *buf, size_t len, plm_amt_t *out, char *err, size_t errlen);

/* How commands run; a NULL one means the defaults. */
struct agent_probe_ctl {
    /* When *stop becomes non-zero (a signal handler's flag), a running
     * command is killed at once and no other one starts. */
    const volatile sig_atomic_t *stop;
    bool no_cgroup; /* contain commands by process group only */
};

/* Run or read one probe now; files are looked up below root ("" or "/" for none). */
int agent_probe_run(const struct agent_probe *p, const char *root,
                    const struct agent_probe_ctl *ctl, plm_amt_t *out, char *err, size_t errlen);

/* Run every probe whose interval has passed (all of them on the first call). */
void agent_probes_poll(const struct agent_goals *g, const char *root,
                       const struct agent_probe_ctl *ctl, uint64_t now_ms,
                       struct agent_probe_state st[AGENT_MAX_PROBES]);

/* The probe's value if it is fresh at now_ms. */
bool agent_probe_value(const struct agent_probe *p, const struct agent_probe_state *st,
                       uint64_t now_ms, plm_amt_t *out);

#endif
