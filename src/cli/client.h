/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client side of xenplmd's control socket, shared by the subcommands
 * that talk to the daemon (list, show, status, reload, pause, resume, set,
 * top): where the socket is, their common options, and one request's
 * round trip.  The wire format itself is in protocol/ctl_wire.h.
 */
#ifndef XENPLM_CLI_CLIENT_H
#define XENPLM_CLI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/commands.h"

/* Environment variable naming the socket when no --socket is given. */
#define CLIENT_SOCKET_ENV "XENPLM_SOCKET"
/* How long the client waits for the daemon's answer, in seconds. */
#define CLIENT_TIMEOUT_S 30

/*
 * The socket to use: opt (a subcommand's --socket) if set, else
 * $XENPLM_SOCKET if set and not empty, else CTL_DEFAULT_SOCKET.
 */
const char *client_socket(const char *opt);

/*
 * Send `command argv...` and read the answer.  On "ok", write the body to
 * out and return XENPLM_EXIT_OK.  Otherwise print one message on stderr
 * ("xenplm: MESSAGE" for the daemon's error, or why the daemon could not
 * be reached) and return XENPLM_EXIT_FAILURE, or XENPLM_EXIT_USAGE (with
 * cmd's usage) when the arguments cannot be sent at all.
 */
int client_call(const struct xenplm_command *cmd, const char *socket, const char *command,
                size_t argc, const char *const *argv, FILE *out);

/* The options every client subcommand takes. */
struct client_opts {
    const char *socket; /* -s, --socket; NULL when not given */
    bool json;          /* -j, --json */
};

/*
 * Parse -s/--socket, -h/--help and, when allow_json, -j/--json, then check
 * that between min and max operands follow.  Returns -1 to go on, with
 * the operands at argv[*first .. argc), or the exit status to return at
 * once (help printed, or a usage error).
 */
int client_options(const struct xenplm_command *cmd, int argc, char **argv, bool allow_json,
                   int min, int max, struct client_opts *o, int *first);

/*
 * The common case: parse the options, send `cmd->name OPERANDS [--json]`
 * and print the body on stdout.  The operands and whether --json is taken
 * are the daemon's command's (ctl_command_find).
 */
int client_simple(const struct xenplm_command *cmd, int argc, char **argv);

#endif
