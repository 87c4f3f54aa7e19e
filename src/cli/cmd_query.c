/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm list, show, status and pool: ask xenplmd and print its answer.  The
 * daemon renders the text and the JSON (daemon/render.c), so these only
 * check their command line and pass it on.
 */
#include "config.h"

#include <string.h>

#include "cli/client.h"
#include "cli/commands.h"

int cmd_list(int argc, char **argv)
{
    return client_simple(xenplm_command_find("list"), argc, argv);
}

int cmd_show(int argc, char **argv)
{
    return client_simple(xenplm_command_find("show"), argc, argv);
}

int cmd_status(int argc, char **argv)
{
    return client_simple(xenplm_command_find("status"), argc, argv);
}

int cmd_pool(int argc, char **argv)
{
    char *args[64];
    static char off[] = "off";

    /* `pool drain HOST --off`: sent as "off" (getopt knows no --off; the
     * daemon takes either). */
    if (argc < 1 || argc > 63)
        return client_simple(xenplm_command_find("pool"), argc, argv);
    for (int i = 0; i < argc; i++)
        args[i] = strcmp(argv[i], "--off") == 0 ? off : argv[i];
    args[argc] = NULL;
    return client_simple(xenplm_command_find("pool"), argc, args);
}
