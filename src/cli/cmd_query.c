/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm list, show, status and pool: ask xenplmd and print its answer.  The
 * daemon renders the text and the JSON (daemon/render.c), so these only
 * check their command line and pass it on.
 */
#include "config.h"

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
    return client_simple(xenplm_command_find("pool"), argc, argv);
}
