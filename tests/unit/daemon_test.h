/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the daemon's tests (check_daemon*.c): a harness that runs the
 * very same xenplmd loop (dmn_init, dmn_step, dmn_fini) against a simulated
 * host built from a scenario given as text, with a policy copied from
 * tests/daemon/ into a temporary directory in $TMPDIR (so that reload
 * tests may rewrite it), and that checks the daemon's invariants after every
 * single step:
 *   - the host's free memory never went below the policy's headroom;
 *   - per resource, the allocations of the managed domains fit the pool;
 *   - no allocation above the domain's policy maximum;
 *   - no memory target the daemon set below the domain's floor (or its
 *     maxmem, when that is lower) or above its maxmem, and none refused.
 */
#ifndef XENPLM_TESTS_DAEMON_TEST_H
#define XENPLM_TESTS_DAEMON_TEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/daemon.h"
#include "port/port.h"
#include "sim/port_sim.h"

#define MIB 1024ull

/* Steps any one dt_run may take before the test is declared stuck. */
#define DT_MAX_STEPS 20000

struct dt {
    struct dmn d;
    struct dmn_options opt;
    struct port *p;
    bool up;          /* d is initialised */
    char policy[300]; /* the policy the daemon reads, in a temporary directory */
    char socket[300]; /* its control socket, when it has one (dt_open_ex) */
    char schema[512]; /* $top_srcdir/policies/xenplm-policy.xsd */
    uint64_t headroom_kib;
    uint64_t steps;
    /* Called after every step's invariant checks (may be NULL). */
    void (*observe)(struct dt *t, void *ctx);
    void *observe_ctx;
};

/* Per test case (tcase_add_unchecked_fixture): the temporary directory
 * the policies are copied to. */
void dt_fixture_setup(void);
void dt_fixture_teardown(void);

/* Build the host from scenario, copy tests/daemon/<policy_file> and start
 * the daemon on them; fails the test when anything does not load. */
void dt_open(struct dt *t, const char *policy_file, const char *scenario);
/* The same on a host whose clock runs at speed virtual ms per real ms (0:
 * flat out), and with a control socket (t->socket) when control. */
void dt_open_ex(struct dt *t, const char *policy_file, const char *scenario, double speed,
                bool control);
/* Stop the daemon (if up), destroy the host, remove the temporary files. */
void dt_close(struct dt *t);
/* The daemon as a crash and a restart on the same host would leave it. */
void dt_restart(struct dt *t);

/* Replace the policy file the daemon reads with tests/daemon/<file>. */
void dt_install_policy(struct dt *t, const char *file);
/* Replace it with text (which may well be broken). */
void dt_write_policy(struct dt *t, const char *text);

/* One dmn_step, then the invariants; returns dmn_step's value. */
int dt_step(struct dt *t);
/*
 * Step until the host's clock reaches ms (virtual), or the scenario ends.
 * The daemon sleeps as it would anywhere, so the clock may pass ms: up to
 * the daemon's next deadline or the scenario's next event that fires a
 * watch, whichever comes first.
 */
void dt_run_until(struct dt *t, uint64_t ms);
/* Step for ms more. */
void dt_run_for(struct dt *t, uint64_t ms);
/* Step for exactly ms more: the clock stops there (port_sim_wake_at). */
void dt_run_exactly(struct dt *t, uint64_t ms);
/* The invariants, on their own (dt_step calls it). */
void dt_check(struct dt *t);

uint64_t dt_now(struct dt *t);
struct port_sim_stats dt_stats(struct dt *t);
/* The simulator's view of a domain, and its domid. */
struct port_sim_domain dt_sim(struct dt *t, const char *name);
uint32_t dt_id(struct dt *t, const char *name);
/* The daemon's record of a domain; fails the test when it has none. */
struct dmn_domain *dt_dom(struct dt *t, const char *name);
/* Whether the daemon has a record of the domain. */
bool dt_known(struct dt *t, const char *name);

/* Act as the guest's agent: cpu and mem are "L1,L2,..." or NULL. */
void dt_request(struct dt *t, const char *name, const char *cpu, const char *mem);
/* What the guest reads back at xenplm/<key> (NUL-terminated); the rc. */
int dt_guest_read(struct dt *t, const char *name, const char *key, char *buf, size_t cap);
/* xenplm/granted, expected to be there and well-formed. */
void dt_granted(struct dt *t, const char *name, plm_amt_t *cpu, unsigned *vcpus, plm_amt_t *mem);

/* Allocations in force, in whole units (pct, MiB). */
long dt_alloc(struct dt *t, const char *name, int res);

/* The daemon's log (stderr), caught in a temporary file for a while:
 * start; stop, and count the lines caught that contain needle.  Or in
 * pieces: end the catch, count as often as needed, then fclose(c->f). */
struct dt_logcap {
    FILE *f;
    int saved;
};
void dt_cap_start(struct dt_logcap *c);
unsigned dt_cap_stop(struct dt_logcap *c, const char *needle);
void dt_cap_end(struct dt_logcap *c);
unsigned dt_cap_count(struct dt_logcap *c, const char *needle);

TCase *dt_tcase_cpu(void);
TCase *dt_tcase_mem(void);
TCase *dt_tcase_guest(void);
TCase *dt_tcase_host(void);
TCase *dt_tcase_control(void);
TCase *dt_tcase_fault(void);
TCase *dt_tcase_kinds(void);
TCase *dt_tcase_pool(void);
TCase *dt_tcase_ahead(void);
TCase *dt_tcase_boost(void);
TCase *dt_tcase_xs(void);
TCase *dt_tcase_domstate(void);
TCase *dt_tcase_affinity(void);
TCase *dt_tcase_migrate(void);

#endif
