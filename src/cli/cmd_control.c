/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm reload, pause and resume: one word to xenplmd, no body back.
 */
#include "config.h"

#include "cli/client.h"
#include "cli/commands.h"

int cmd_reload(int argc, char **argv)
{
    return client_simple(xenplm_command_find("reload"), argc, argv);
}

int cmd_pause(int argc, char **argv)
{
    return client_simple(xenplm_command_find("pause"), argc, argv);
}

int cmd_resume(int argc, char **argv)
{
    return client_simple(xenplm_command_find("resume"), argc, argv);
}
