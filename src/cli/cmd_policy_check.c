/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm policy-check: load a policy file the way xenplmd would and say
 * whether it is good, without a daemon (like `vmd -n`).  Meant to be run
 * before `xenplm reload`, or by a configuration manager before it
 * installs a file.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/client.h"
#include "cli/commands.h"
#include "policy/policy.h"

static const struct option longopts[] = {
    {"schema", required_argument, NULL, 'S'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_policy_check(int argc, char **argv)
{
    const struct xenplm_command *self = xenplm_command_find("policy-check");
    const char *schema = NULL;
    struct pol_policy policy;
    char err[POL_ERR_MAX];
    int c, rc;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'S':
            schema = optarg;
            break;
        case 'h':
            xenplm_command_help(stdout, self);
            return XENPLM_EXIT_OK;
        default:
            return client_bad_option(self, longopts, c, argv[optind - 1]);
        }
    }
    if (optind == argc)
        return xenplm_usage_error(self, "missing FILE");
    if (argc - optind > 1)
        return xenplm_usage_error(self, "more than one FILE");

    memset(&policy, 0, sizeof(policy));
    rc = pol_load_file(argv[optind], schema, &policy, err, sizeof(err));
    if (rc < 0) {
        /* Already "FILE:LINE: problem", the form editors jump to. */
        fprintf(stderr, "%s\n", err);
        rc = XENPLM_EXIT_FAILURE;
        goto out;
    }
    printf("%s\n", err);
    pol_describe(&policy, stdout);
    pol_policy_dispose(&policy);
    rc = XENPLM_EXIT_OK;
out:
    pol_cleanup();
    return rc;
}
