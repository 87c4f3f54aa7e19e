/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplmd: the dom0 daemon.  Options and signals only; the work is in
 * loop.c and its neighbours.
 */
#include "config.h"
#include "paths.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/control.h"
#include "daemon/daemon.h"
#include "common/log.h"
#include "policy/policy.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: xenplmd [-F] [-n] [-v] [-f POLICY] [-s SOCKET | --no-socket]\n"
            "               [--schema XSD] [--pidfile FILE] [--table]\n"
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
            "  -h, --help          this text\n"
            "  -V, --version       the version\n",
            XENPLM_SYSCONFDIR, CTL_DEFAULT_SOCKET);
}

static void on_stop(int sig)
{
    (void)sig;
    dmn_request_stop();
}

static void on_hup(int sig)
{
    (void)sig;
    dmn_request_reload();
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"foreground", no_argument, NULL, 'F'},   {"check", no_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},      {"policy", required_argument, NULL, 'f'},
        {"socket", required_argument, NULL, 's'}, {"no-socket", no_argument, NULL, 'N'},
        {"schema", required_argument, NULL, 'X'}, {"pidfile", required_argument, NULL, 'P'},
        {"table", no_argument, NULL, 'T'},        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
    };
    struct dmn_options opt = {
        .policy_path = XENPLM_SYSCONFDIR "/xenplm/default.xml",
        .socket_path = CTL_DEFAULT_SOCKET,
    };
    bool foreground = false, verbose = false, table = false, no_socket = false;
    const char *pidfile = NULL;
    int c;

    while ((c = getopt_long(argc, argv, "Fnvf:s:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'F':
            foreground = true;
            break;
        case 'n':
            opt.check_only = true;
            break;
        case 'v':
            verbose = true;
            break;
        case 'f':
            opt.policy_path = optarg;
            break;
        case 's':
            opt.socket_path = optarg;
            break;
        case 'N':
            no_socket = true;
            break;
        case 'X':
            opt.schema_path = optarg;
            break;
        case 'P':
            pidfile = optarg;
            break;
        case 'T':
            table = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("xenplmd %s\n", PACKAGE_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "xenplmd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (no_socket)
        opt.socket_path = NULL;
    opt.print_table = table;

    log_open("xenplmd", foreground || opt.check_only, verbose ? LOG_DEBUG : LOG_INFO);
    install_signals();
    if (pidfile && !opt.check_only) {
        FILE *f = fopen(pidfile, "w");
        if (!f) {
            log_err("cannot write %s", pidfile);
            return 1;
        }
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
    int status = dmn_run(&opt);
    if (pidfile && !opt.check_only)
        unlink(pidfile);
    pol_cleanup();
    log_close();
    return status;
}
