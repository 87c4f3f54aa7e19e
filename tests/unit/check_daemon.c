/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplmd on the simulated host: a test program in several files, one per
 * concern (CPU, memory, hostile guests, the host and the daemon itself),
 * on the harness of daemon_test.c.
 *
 * The daemon logs only warnings and worse, to stderr, and the simulator's
 * own messages are dropped: tests assert on state, not on log lines.
 */
#include "config.h"

#include <stdlib.h>

#include "common/log.h"
#include "daemon_test.h"
#include "policy/policy.h"
#include "tests/unit/suite_run.h"

int main(void)
{
    Suite *s = suite_create("daemon");

    TCase *cases[] = {dt_tcase_cpu(),      dt_tcase_mem(),   dt_tcase_guest(), dt_tcase_host(),
                      dt_tcase_control(),  dt_tcase_fault(), dt_tcase_kinds(), dt_tcase_xs(),
                      dt_tcase_domstate(), dt_tcase_pool(),  dt_tcase_ahead(), dt_tcase_affinity(),
                      dt_tcase_migrate(),  dt_tcase_boost()};

    log_open("xenplmd-test", true, LOG_WARNING);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tcase_add_unchecked_fixture(cases[i], dt_fixture_setup, dt_fixture_teardown);
        suite_add_tcase(s, cases[i]);
    }
    int rc = check_run(s);

    log_close();
    pol_cleanup();
    return rc;
}
