/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every Check program's main() ends with.  (Not named check_*.h:
 * .gitignore takes those for test binaries.)
 */
#ifndef XENPLM_TESTS_SUITE_RUN_H
#define XENPLM_TESTS_SUITE_RUN_H

#include <check.h>
#include <stdlib.h>

/* Run every test of s, report as Check does, free the runner: main()'s exit status. */
static inline int check_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
