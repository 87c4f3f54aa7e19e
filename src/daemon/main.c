/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplmd: the dom0 daemon.  Options and signals only; the work is in
 * loop.c and its neighbours.
 */
#include "config.h"
#include "paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/cmdline.h"
#include "daemon/control.h"
#include "daemon/daemon.h"
#include "common/log.h"
#include "policy/policy.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: xenplmd [-F] [-n] [-v] [-f POLICY] [-s SOCKET | --no-socket]\n"
            "               [--schema XSD] [--pidfile FILE] [--table] [--metrics-dir DIR]\n"
            "               [--state-dir DIR]\n"
            "\n"
            "Arbitrate CPU and memory among the guests of a Xen host by priority.\n"
            "(xenplmd-sim runs the same daemon on a simulated host.)\n"
            "\n"
            "  -F, --foreground    log to stderr instead of syslog\n"
            "  -n, --check         check the policy, print a summary and exit\n"
            "  -v, --verbose       log debug messages too\n"
            "  -f, --policy FILE   policy (default %s/xenplm/default.xml)\n"
            "  -s, --socket PATH   control socket (default %s)\n"
            "      --no-socket     run without a control socket\n"
            "      --schema XSD    validate the policy against XSD, not the built-in schema\n"
            "      --pidfile FILE  write the daemon's pid there\n"
            "      --table         print the allocation table whenever it changes\n"
            "      --metrics-dir DIR  write Prometheus metrics to DIR/xenplm.prom for\n"
            "                      node_exporter's textfile collector (default: the\n"
            "                      policy's <metrics dir>, else none)\n"
            "      --state-dir DIR  keep the request histories anticipation learns\n"
            "                      from in DIR (default %s)\n"
            "  -h, --help          this text\n"
            "  -V, --version       the version\n",
            XENPLM_SYSCONFDIR, CTL_DEFAULT_SOCKET, XENPLM_STATEDIR);
}

/* xenplmd's own options, beyond the shared ones of cmdline.c. */
struct own {
    struct dmn_options *opt;
    bool no_socket, table;
    const char *pidfile;
};

static int take_own(void *ctx, int c, const char *arg)
{
    struct own *own = ctx;

    switch (c) {
    case 'n':
        own->opt->check_only = true;
        return 0;
    case 'N':
        own->no_socket = true;
        return 0;
    case 'P':
        own->pidfile = arg;
        return 0;
    case 'T':
        own->table = true;
        return 0;
    default:
        usage(stderr);
        return 2;
    }
}

int main(int argc, char **argv)
{
    static const struct option own_opts[] = {
        {"check", no_argument, NULL, 'n'},
        {"no-socket", no_argument, NULL, 'N'},
        {"pidfile", required_argument, NULL, 'P'},
        {"table", no_argument, NULL, 'T'},
    };
    struct own own = {0};
    struct dmn_cmdline cl = {
        .prog = "xenplmd",
        .usage = usage,
        .extra = own_opts,
        .nextra = sizeof(own_opts) / sizeof(own_opts[0]),
        .extra_short = "n",
        .take = take_own,
        .ctx = &own,
        .opt =
            {
                .policy_path = XENPLM_SYSCONFDIR "/xenplm/default.xml",
                .socket_path = CTL_DEFAULT_SOCKET,
                .state_dir = XENPLM_STATEDIR,
            },
    };
    struct dmn_options *opt = &cl.opt;
    int status;

    own.opt = opt;
    status = dmn_cmdline_parse(&cl, argc, argv);
    if (status >= 0)
        return status;
    if (cl.next_arg != argc) {
        fprintf(stderr, "xenplmd: unexpected argument '%s'\n", argv[cl.next_arg]);
        usage(stderr);
        return 2;
    }
    if (own.no_socket)
        opt->socket_path = NULL;
    opt->print_table = own.table;

    log_open("xenplmd", cl.foreground || opt->check_only, cl.verbose ? LOG_DEBUG : LOG_INFO);
    dmn_install_signals();
    if (own.pidfile && !opt->check_only) {
        FILE *f = fopen(own.pidfile, "w");
        if (!f) {
            log_err("cannot write %s", own.pidfile);
            return 1;
        }
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
    status = dmn_run(opt);
    if (own.pidfile && !opt->check_only)
        unlink(own.pidfile);
    pol_cleanup();
    log_close();
    return status;
}
