/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm set: a manual override of a domain's allocation, for a while or
 * until cleared.  The arguments are checked here with the very parser the
 * daemon uses (ctl_set_parse), so a typo is a usage error before anything
 * is sent, and the daemon never sees a request it would refuse for form.
 */
#include "config.h"

#include "cli/client.h"
#include "cli/commands.h"
#include "protocol/ctl_wire.h"

int cmd_set(int argc, char **argv)
{
    const struct xenplm_command *self = xenplm_command_find("set");
    const char *args[CTL_MAX_ARGS];
    char err[CTL_ERR_MAX];
    struct client_opts o;
    struct ctl_set set;
    size_t n = 0;
    int first, rc;

    rc = client_options(self, argc, argv, false, 1, CTL_MAX_ARGS, &o, &first);
    if (rc >= 0)
        return rc;
    for (int i = first; i < argc; i++)
        args[n++] = argv[i];
    if (n == 1)
        return xenplm_usage_error(self, "nothing to set (give cpu=N, mem=N or clear)");
    if (ctl_set_parse(n, args, &set, err, sizeof(err)) < 0)
        return xenplm_usage_error(self, "%s", err);
    return client_call(self, client_socket(o.socket), "set", n, args, stdout);
}
