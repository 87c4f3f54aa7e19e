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

#include "cli/commands.h"
#include "cli/options.h"
#include "policy/policy.h"

static const struct option longopts[] = {
    {"schema", required_argument, NULL, 'S'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* --schema (an xenplm_option_fn): the only option but --help. */
static int take_option(void *ctx, int opt, const char *arg)
{
    if (opt == 'S')
        *(const char **)ctx = arg;
    return 0;
}

int cmd_policy_check(int argc, char **argv)
{
    const struct xenplm_command *self = xenplm_command_find("policy-check");
    const char *schema = NULL;
    struct pol_policy policy;
    char err[POL_ERR_MAX];
    int rc;

    rc = xenplm_options(self, argc, argv, ":h", longopts, take_option, &schema);
    if (rc != -1)
        return rc;
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
