/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplmd-sim: xenplmd's own loop (dmn_init, dmn_step, dmn_fini) on the
 * simulated host of a scenario file, printing the allocation table as it
 * changes.  This is how a policy is tried, or the daemon shown, without
 * Xen; xenplmd itself links the Xen port alone.
 *
 * The loop stops when the simulated host says it is gone: at the
 * scenario's end its wait() returns PLM_ENOENT, which dmn_step takes as
 * "stop", as it would for any host.
 */
#include "config.h"
#include "paths.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "common/log.h"
#include "policy/policy.h"
#include "sim/port_sim.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: xenplmd-sim [-F] [-v] [-f POLICY] [--schema XSD] [-s SOCKET]\n"
            "                   [--speed X] --sim SCENARIO\n"
            "\n"
            "Run xenplmd's loop on the simulated host of SCENARIO (xenplm-sim(5)),\n"
            "printing the allocation table whenever it changes, until the scenario ends.\n"
            "\n"
            "      --sim SCENARIO  the scenario file (may also be given as the last argument)\n"
            "      --speed X       simulated ms per real ms (default 0: as fast as possible)\n"
            "  -f, --policy FILE   policy (default %s/xenplm/default.xml)\n"
            "      --schema XSD    validate the policy against XSD, not the built-in schema\n"
            "  -s, --socket PATH   open a control socket there (default: none)\n"
            "  -v, --verbose       log debug messages too\n"
            "  -F, --foreground    accepted for xenplmd's sake: the log always goes to stderr\n"
            "  -h, --help          this text\n"
            "  -V, --version       the version\n",
            XENPLM_SYSCONFDIR);
}

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        dmn_request_reload();
    else
        dmn_request_stop();
}

static int run(const struct dmn_options *opt, const struct port_sim_options *so)
{
    char err[256];
    struct port *port = NULL;
    struct dmn d;
    int rc = port_sim_open(so, &port, err, sizeof(err));

    if (rc) {
        log_errx("%s", err);
        return 1;
    }
    /* The port is ours: dmn_fini leaves it open, we close it after. */
    if (dmn_init(&d, opt, port) != 0) {
        port_destroy(port);
        return 1;
    }
    while (dmn_step(&d) == 0)
        ;
    log_info("%s", port_sim_finished(port) ? "end of the scenario; stopping" : "stopping");
    dmn_fini(&d);
    port_destroy(port);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"foreground", no_argument, NULL, 'F'},   {"verbose", no_argument, NULL, 'v'},
        {"policy", required_argument, NULL, 'f'}, {"socket", required_argument, NULL, 's'},
        {"schema", required_argument, NULL, 'X'}, {"sim", required_argument, NULL, 'S'},
        {"speed", required_argument, NULL, 'R'},  {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
    };
    static const int signals[] = {SIGTERM, SIGINT, SIGHUP};
    struct dmn_options opt = {
        .policy_path = XENPLM_SYSCONFDIR "/xenplm/default.xml",
        .print_table = true,
    };
    struct port_sim_options so = {.scenario = NULL, .speed = 0};
    bool verbose = false;
    struct sigaction sa;
    char *end;
    int c, status;

    while ((c = getopt_long(argc, argv, "Fvf:s:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'F':
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
        case 'X':
            opt.schema_path = optarg;
            break;
        case 'S':
            so.scenario = optarg;
            break;
        case 'R':
            so.speed = strtod(optarg, &end);
            if (*end || !(so.speed >= 0 && so.speed <= 1e6)) {
                fprintf(stderr, "xenplmd-sim: --speed: '%s' is not a speed from 0 to 1000000\n",
                        optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("xenplmd-sim %s\n", PACKAGE_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!so.scenario && optind < argc)
        so.scenario = argv[optind++];
    if (optind != argc || !so.scenario) {
        if (optind != argc)
            fprintf(stderr, "xenplmd-sim: unexpected argument '%s'\n", argv[optind]);
        else
            fprintf(stderr, "xenplmd-sim: no scenario (--sim SCENARIO)\n");
        usage(stderr);
        return 2;
    }

    log_open("xenplmd-sim", true, verbose ? LOG_DEBUG : LOG_INFO);
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        sigaction(signals[i], &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    status = run(&opt, &so);
    pol_cleanup();
    log_close();
    return status;
}
