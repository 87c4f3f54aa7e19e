/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm: the operator's command.  main only dispatches; each subcommand
 * lives in its own cmd_*.c file and is listed in the table below.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client.h"
#include "cli/commands.h"
#include "protocol/ctl_wire.h"

/* The lines the help texts share. */
#define OPTIONS "\nOptions:\n"
#define HELP_JSON "  -j, --json          print a JSON document\n"
#define HELP_SOCKET                                                                                \
    "  -s, --socket PATH   the daemon's control socket (default: $XENPLM_SOCKET,\n"                \
    "                      else " CTL_DEFAULT_SOCKET ")\n"
#define HELP_HELP "  -h, --help          show this help\n"
/* The options of a command that only talks to the daemon. */
#define HELP_CONTROL OPTIONS HELP_SOCKET HELP_HELP
#define HELP_CONTROL_JSON OPTIONS HELP_JSON HELP_SOCKET HELP_HELP

/* Name, function, summary, usage (NULL: the daemon's), help, has -j. */
const struct xenplm_command xenplm_commands[] = {
    {"arbitrate", cmd_arbitrate, "share a pool among the domains of a request file",
     /* Broken over lines so that it reads in 80 columns. */
     "--total N [--minimum M] [--unit U]\n"
     "         [--mode levelling|proportional|max-satisfied]\n"
     "         [--leftover reserve|split|default=NAME]\n"
     "         [--raw] [-j|--json] [--trace] [FILE|-]",
     "Share a pool of one resource among the domains listed in FILE (or on\n"
     "standard input when FILE is '-' or absent), by priority level, and\n"
     "print each domain's allocation.\n"
     "\n"
     "Each line of FILE reads 'NAME Q1 Q2 ... Qk [min=X] [max=Y]': the\n"
     "cumulative amounts the domain asks for at levels 1..k (at most 16),\n"
     "and its policy minimum and maximum.  '#' starts a comment.\n"
     "\n"
     "Options:\n"
     "  --total N        the pool to share (required)\n"
     "  --minimum M      minimal allotment of every domain (default 1)\n"
     "  --unit U         granularity of the rounded allocations (default 1)\n"
     "  --mode MODE      how the level the pool cannot cover is shared:\n"
     "                   levelling (default), proportional, max-satisfied\n"
     "  --leftover RULE  what happens to what nobody asked for: reserve\n"
     "                   (default), split, or default=NAME to give it to NAME\n"
     "  --raw            print exact allocations instead of rounded ones\n"
     "  -j, --json       print the full result as a JSON document\n"
     "  --trace          show every step of the walk, a column per step\n"
     "  -h, --help       show this help\n",
     true},
    {"list", cmd_list, "list the managed domains and what they hold", NULL,
     "Ask xenplmd for one line per domain: its name and id, where its request\n"
     "comes from (agent, agentless, override, none), the levels it asks for\n"
     "each resource (\"100/200/400\": cumulative, level 1 first), what it is\n"
     "granted (CPU in hundredths of a pCPU, vcpus, memory in MiB), its memory\n"
     "target and actual memory (MiB), its scheduler weight and cap, and flags:\n"
     "override, rejected (its last request was refused), uncooperative (its\n"
     "balloon does not follow its target), limited (a request waits on the\n"
     "rate limit), dying, gone, paused (the daemon does not enforce).\n" HELP_CONTROL_JSON,
     true},
    {"show", cmd_show, "show everything about one domain", NULL,
     "Ask xenplmd about the domain DOM (a name or a domain id): the policy rule\n"
     "it matched (file:line), its last request (seq, age) and the status the\n"
     "daemon wrote back; for an agentless guest with the I/O signal on, its\n"
     "network and disk rates and whether they make it busy; when its rule says\n"
     "<boost>, its time-critical boost (the CPU marked and the time left while\n"
     "one runs, the cooldown, the boost time used of the hour's budget); for\n"
     "each resource what it asked, what the arbiter saw (levels, min, max), the\n"
     "effective maximum and what sets it (the policy, maxmem or the vcpus),\n"
     "what it decided (raw, rounded, floor, the highest level met, the level\n"
     "levelled and its water level, why), the reason of the last change, the\n"
     "reallocation trigger's streaks, what it anticipates when its rule says\n"
     "<anticipate> (the peak, the amount, since when) and any override (as\n"
     "asked, and in effect); then what is enforced (weight, cap, vcpus, memory\n"
     "target, balloon) and its counters.\n" HELP_CONTROL_JSON,
     true},
    {"status", cmd_status, "show the daemon's policy, pools and counters", NULL,
     "Ask xenplmd how it is doing: the policy file in force, whether it is\n"
     "paused, its uptime, the last arbitration, the host's CPUs and memory, the\n"
     "CPU and memory pools (allocated, reserve, the level at which each ran\n"
     "out), what the domains whose rule anticipates anticipate now, and its\n"
     "event, arbitration, xenstore and enforcement counters.\n" HELP_CONTROL_JSON,
     true},
    {"pool", cmd_pool, "show the pool and the leader's plan; drain a host, migrate a domain", NULL,
     "In pool mode (xenplm-policy(5), POOL), show what this host's xenplmd last\n"
     "read of its pool in etcd (every plan interval), without asking etcd:\n"
     "'pool status': the leader (its host and election revision), and per host\n"
     "what its guests share (CPU, memory), its free memory and headroom, its\n"
     "domains and what they ask by level (CPU | memory);\n"
     "'pool plan': the leader's last plan, its election revision and time, its\n"
     "work and whether the work cap cut it, and each planned move (domain,\n"
     "source, destination, reason, level, expected gain), then the orders in\n"
     "etcd (automatic mode) and their state;\n"
     "'pool drain HOST [--off]': put HOST in maintenance (the leader moves every\n"
     "domain off it, in priority order), or take it out;\n"
     "'pool migrate DOM HOST': ask the leader to move DOM (a uuid, or a name\n"
     "only one domain has) to HOST, through the same fenced orders; it refuses,\n"
     "saying why in the plan, a move HOST cannot take.  Both are written to\n"
     "etcd by this host's daemon at its next round; migrate needs automatic "
     "mode.\n" HELP_CONTROL_JSON,
     true},
    {"reload", cmd_reload, "make the daemon re-read its policy file", NULL,
     "Ask xenplmd to load its policy file again, as SIGHUP does.  A file that\n"
     "does not load is reported and the policy in force stays.  Check a file\n"
     "first with 'xenplm policy-check FILE'.\n" HELP_CONTROL,
     false},
    {"pause", cmd_pause, "stop enforcing (keep watching and arbitrating)", NULL,
     "Ask xenplmd to stop changing domains: it goes on reading requests and\n"
     "arbitrating, so 'list' and 'show' stay current, but sets no weight, cap,\n"
     "vcpu count or memory target until 'xenplm resume'.\n" HELP_CONTROL,
     false},
    {"resume", cmd_resume, "enforce again after pause", NULL,
     "Ask xenplmd to enforce its allocations again after 'xenplm pause'.\n" HELP_CONTROL, false},
    {"set", cmd_set, "override a domain's allocation by hand", NULL,
     "Give the domain DOM (a name or an id) a fixed allocation, whatever it\n"
     "asks: cpu=N hundredths of a pCPU, mem=N MiB, or both.  The override lasts\n"
     "for DURATION (such as 90s, 2m, 10min, 2h or 1d; at most 30d) or, without\n"
     "for=, until 'xenplm set DOM clear' drops it and the domain's requests\n"
     "count again.  Each 'set' replaces the domain's previous override.\n"
     "Amounts take up to three decimals.  An override never goes above what\n"
     "the domain can hold (its maxmem, its vcpus x 100) nor above its policy\n"
     "maximum: the daemon says what it clamped, and to what.\n" HELP_CONTROL,
     false},
    {"top", cmd_top, "'list', refreshed every few seconds",
     "[-d SECONDS] [-n ITERATIONS] [-s SOCKET]",
     "Show 'xenplm list' and refresh it until interrupted.  On a terminal the\n"
     "screen is redrawn in place; otherwise each listing follows the last,\n"
     "after a blank line.\n"
     "\n"
     "Options:\n"
     "  -d, --delay SECONDS time between refreshes, up to three decimals\n"
     "                      (default 2)\n"
     "  -n, --iterations N  stop after N listings\n" HELP_SOCKET HELP_HELP,
     false},
    {"policy-check", cmd_policy_check, "check a policy file without a daemon",
     "FILE [--schema XSD]",
     "Load the policy FILE as xenplmd would, validating it against the schema,\n"
     "and report.  A good file prints 'FILE: configuration OK' and a summary of\n"
     "the policy, and exits 0; a bad one prints the one-line error\n"
     "'FILE:LINE: problem' on standard error and exits 1.  No daemon is needed.\n"
     "\n"
     "Options:\n"
     "  --schema XSD        validate against XSD instead of the built-in schema\n" HELP_HELP,
     false},
    {"help", cmd_help, "show the commands, or the options of one command", "[COMMAND]",
     "Without COMMAND, list the commands; with it, describe COMMAND.\n", false},
};

const size_t xenplm_ncommands = sizeof(xenplm_commands) / sizeof(xenplm_commands[0]);

const struct xenplm_command *xenplm_command_find(const char *name)
{
    for (size_t i = 0; i < xenplm_ncommands; i++) {
        if (strcmp(xenplm_commands[i].name, name) == 0)
            return &xenplm_commands[i];
    }
    return NULL;
}

void xenplm_usage_line(FILE *fp, const struct xenplm_command *cmd)
{
    const struct ctl_command_spec *spec;
    char line[1024];

    if (cmd->usage) {
        fprintf(fp, "usage: xenplm %s %s\n", cmd->name, cmd->usage);
        return;
    }
    /* A daemon command: its usage is the daemon's, plus the socket. */
    spec = ctl_command_find(cmd->name);
    if (spec &&
        ctl_command_usage(spec, "xenplm ", " [-s SOCKET]", "\n       ", line, sizeof(line)) >= 0)
        fprintf(fp, "usage: %s\n", line);
}

int xenplm_usage_error(const struct xenplm_command *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "xenplm %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    xenplm_usage_line(stderr, cmd);
    return XENPLM_EXIT_USAGE;
}

static void main_usage(FILE *fp)
{
    fputs("usage: xenplm [-s SOCKET] [-j] COMMAND [ARGS...]\n"
          "       xenplm -h|--help | -V|--version\n",
          fp);
}

static void main_help(FILE *fp)
{
    main_usage(fp);
    fputs("\nxenplm manages the sharing of resources among Xen domains.\n\nCommands:\n", fp);
    for (size_t i = 0; i < xenplm_ncommands; i++)
        fprintf(fp, "  %-12s  %s\n", xenplm_commands[i].name, xenplm_commands[i].summary);
    fputs("\nGlobal options, before or after COMMAND:\n" HELP_SOCKET
          "  -j, --json          print a JSON document (arbitrate, list, show, status)\n"
          "\nRun 'xenplm help COMMAND' for the options of a command.\n",
          fp);
}

void xenplm_command_help(FILE *fp, const struct xenplm_command *cmd)
{
    xenplm_usage_line(fp, cmd);
    fprintf(fp, "\n%s", cmd->help);
}

int cmd_help(int argc, char **argv)
{
    const struct xenplm_command *self = xenplm_command_find("help");
    const struct xenplm_command *cmd;

    if (argc == 1) {
        main_help(stdout);
        return XENPLM_EXIT_OK;
    }
    if (argc > 2)
        return xenplm_usage_error(self, "too many arguments");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        xenplm_command_help(stdout, self);
        return XENPLM_EXIT_OK;
    }
    cmd = xenplm_command_find(argv[1]);
    if (!cmd) {
        fprintf(stderr, "xenplm help: unknown command '%s'\n", argv[1]);
        return XENPLM_EXIT_USAGE;
    }
    xenplm_command_help(stdout, cmd);
    return XENPLM_EXIT_OK;
}

/* Flush stdout and report a failure to write it (a full disk, a closed
 * pipe): a command whose output was lost must not exit 0. */
static int finish(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("xenplm: cannot write output");
        return status == XENPLM_EXIT_OK ? XENPLM_EXIT_FAILURE : status;
    }
    return status;
}

/* The options that may come before the command. */
struct global_opts {
    const char *socket; /* -s, --socket PATH */
    bool json;          /* -j, --json */
    int used;           /* words of argv taken, after argv[0] */
};

/*
 * Take -s PATH, --socket PATH, --socket=PATH, -j and --json from the
 * front of argv[1..argc).  Returns -1 to go on, or an exit status after a
 * usage message.
 */
static int global_options(int argc, char **argv, struct global_opts *g)
{
    memset(g, 0, sizeof(*g));
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (strcmp(arg, "-j") == 0 || strcmp(arg, "--json") == 0) {
            g->json = true;
        } else if (strncmp(arg, "--socket=", 9) == 0) {
            g->socket = arg + 9;
        } else if (strcmp(arg, "-s") == 0 || strcmp(arg, "--socket") == 0) {
            g->socket = i + 1 < argc ? argv[++i] : "";
        } else {
            break;
        }
        if (g->socket && !*g->socket) {
            fprintf(stderr, "xenplm: %s needs a path\n", arg);
            main_usage(stderr);
            return XENPLM_EXIT_USAGE;
        }
        g->used = i;
    }
    return -1;
}

/*
 * Run cmd on args (args[0] is its name) with the global options: the
 * socket holds for it as $XENPLM_SOCKET would, and -j is passed on as the
 * command's own --json.
 */
static int run(const struct xenplm_command *cmd, int argc, char **argv, const struct global_opts *g)
{
    static char json_opt[] = "--json";
    char **args;
    int rc;

    if (g->socket)
        setenv(CLIENT_SOCKET_ENV, g->socket, 1);
    if (!g->json)
        return cmd->fn(argc, argv);
    if (!cmd->json) {
        fprintf(stderr, "xenplm: -j: %s has no JSON output\n", cmd->name);
        xenplm_usage_line(stderr, cmd);
        return XENPLM_EXIT_USAGE;
    }
    /* A copy with room for the option (and the NULL that ends argv). */
    args = calloc((size_t)argc + 2, sizeof(*args));
    if (!args) {
        perror("xenplm");
        return XENPLM_EXIT_FAILURE;
    }
    args[0] = argv[0];
    args[1] = json_opt;
    memcpy(args + 2, argv + 1, (size_t)(argc - 1) * sizeof(*args));
    rc = cmd->fn(argc + 1, args);
    free(args);
    return rc;
}

int main(int argc, char **argv)
{
    const struct xenplm_command *cmd;
    struct global_opts g;
    const char *arg;
    int rc = global_options(argc, argv, &g);

    if (rc >= 0)
        return rc;
    argc -= g.used;
    argv += g.used;
    if (argc < 2) {
        main_usage(stderr);
        fputs("Run 'xenplm --help' for the list of commands.\n", stderr);
        return XENPLM_EXIT_USAGE;
    }
    arg = argv[1];
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
        main_help(stdout);
        return finish(XENPLM_EXIT_OK);
    }
    if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
        printf("xenplm %s\n", PACKAGE_VERSION);
        return finish(XENPLM_EXIT_OK);
    }
    if (arg[0] == '-') {
        fprintf(stderr, "xenplm: unknown option '%s'\n", arg);
        main_usage(stderr);
        return XENPLM_EXIT_USAGE;
    }
    cmd = xenplm_command_find(arg);
    if (!cmd) {
        fprintf(stderr, "xenplm: unknown command '%s'\n", arg);
        fputs("Run 'xenplm --help' for the list of commands.\n", stderr);
        return XENPLM_EXIT_USAGE;
    }
    return finish(run(cmd, argc - 1, argv + 1, &g));
}
