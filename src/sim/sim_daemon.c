/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplmd-sim: xenplmd's own loop (dmn_init, dmn_step, dmn_fini) on the
 * simulated host of a scenario file, printing the allocation table as it
 * changes.  This is how a policy is tried, or the daemon shown, without
 * Xen; xenplmd itself links the Xen port alone.
 *
 * One clock: everything it prints (log lines, tables, and what the
 * control socket answers) is in simulated time, seconds from the start.
 *
 * The loop stops when the simulated host says it is gone: at the
 * scenario's end its wait() returns PLM_ENOENT, which dmn_step takes as
 * "stop", as it would for any host.  A scenario without an end line stops
 * NO_END_TAIL_MS of simulated time after its last event at speed 0 (time
 * would otherwise run on for ever at full speed), and runs until
 * interrupted at a speed above 0.
 */
#include "config.h"
#include "paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/cmdline.h"
#include "daemon/daemon.h"
#include "common/log.h"
#include "policy/policy.h"
#include "sim/port_sim.h"

/* Without an end line, at speed 0: how long after the last event to stop. */
#define NO_END_TAIL_MS 60000

static void usage(FILE *f)
{
    fprintf(f,
            "usage: xenplmd-sim [-F] [-v] [-f POLICY] [--schema XSD] [-s SOCKET]\n"
            "                   [--speed X] [--metrics-dir DIR] [--state-dir DIR]\n"
            "                   --sim SCENARIO\n"
            "\n"
            "Run xenplmd's loop on the simulated host of SCENARIO (xenplm-sim(5)),\n"
            "printing the allocation table whenever it changes, until the scenario ends.\n"
            "Times printed are simulated seconds from the start.\n"
            "\n"
            "      --sim SCENARIO  the scenario file (may also be given as the last argument)\n"
            "      --speed X       simulated ms per real ms (default 0: as fast as\n"
            "                      possible; 1, real time, with --socket)\n"
            "  -f, --policy FILE   policy (default %s/xenplm/default.xml)\n"
            "      --schema XSD    validate the policy against XSD, not the built-in schema\n"
            "  -s, --socket PATH   open a control socket there (default: none)\n"
            "      --metrics-dir DIR  write Prometheus metrics to DIR/xenplm.prom, as\n"
            "                      xenplmd does (default: the policy's <metrics dir>)\n"
            "      --state-dir DIR  keep request histories in DIR, as xenplmd does\n"
            "                      (default: none, they are not kept)\n"
            "  -v, --verbose       log debug messages too\n"
            "  -F, --foreground    accepted for xenplmd's sake: the log always goes to stderr\n"
            "  -h, --help          this text\n"
            "  -V, --version       the version\n",
            XENPLM_SYSCONFDIR);
}

struct own {
    struct port_sim_options so;
    bool speed_given;
};

static int take_own(void *ctx, int c, const char *arg)
{
    struct own *own = ctx;
    char *end;

    switch (c) {
    case 'S':
        own->so.scenario = arg;
        return 0;
    case 'R':
        own->so.speed = strtod(arg, &end);
        if (*end || !(own->so.speed >= 0 && own->so.speed <= 1e6)) {
            fprintf(stderr, "xenplmd-sim: --speed: '%s' is not a speed from 0 to 1000000\n", arg);
            usage(stderr);
            return 2;
        }
        own->speed_given = true;
        return 0;
    default:
        usage(stderr);
        return 2;
    }
}

/* The log's clock: the simulated one, as it stands. */
static uint64_t sim_clock(void *port)
{
    return port_sim_clock_ms(port);
}

/* The simulator's own messages, in the daemon's log: failed operations as
 * warnings, the rest (the scenario's events as they play, refusals the
 * daemon expects) for -v.  Each comes stamped "[s.mmm] ", which the
 * log's own stamp replaces. */
static void sim_message(void *ctx, enum port_sim_log_level level, const char *msg)
{
    const char *text = msg;
    (void)ctx;
    if (*text == '[' && strstr(text, "] "))
        text = strstr(text, "] ") + 2;
    if (level == PORT_SIM_LOG_ERROR)
        log_warnx("simulated host: %s", text);
    else
        log_debug("simulated host: %s", text);
}

static void say_clock(struct port *port, double speed, uint64_t *stop_at)
{
    uint64_t last;
    bool has_end;

    if (speed > 0)
        log_info("times are simulated seconds from the start, at %g simulated s per real s", speed);
    else
        log_info("times are simulated seconds from the start, run as fast as possible");
    *stop_at = 0;
    if (port_sim_script_span(port, &last, &has_end) != 0 || has_end)
        return;
    if (speed > 0) {
        log_info("the scenario has no end line: running until interrupted");
        return;
    }
    *stop_at = last + NO_END_TAIL_MS;
    port_sim_wake_at(port, *stop_at);
    log_info("the scenario has no end line: stopping at %llu s, %d s after its last event",
             (unsigned long long)(*stop_at / 1000), NO_END_TAIL_MS / 1000);
}

static int run(const struct dmn_options *opt, const struct port_sim_options *so)
{
    char err[256];
    struct port *port = NULL;
    struct dmn d;
    uint64_t stop_at;
    int rc = port_sim_open(so, &port, err, sizeof(err));

    if (rc) {
        log_errx("%s", err);
        return 1;
    }
    port_sim_set_log(port, sim_message, NULL);
    log_set_clock(sim_clock, port);
    say_clock(port, so->speed, &stop_at);
    /* The port is ours: dmn_fini leaves it open, we close it after. */
    if (dmn_init(&d, opt, port) != 0) {
        log_set_clock(NULL, NULL);
        port_destroy(port);
        return 1;
    }
    /* The host and the daemon start together: the tables and `xenplm
     * status` count from the scenario's 0 as the log does, not from the
     * end of dmn_init (later by the policy's loading times the speed). */
    d.st.started_ms = 0;
    while (dmn_step(&d) == 0)
        if (stop_at && port_now_ms(port) >= stop_at)
            break;
    if (port_sim_finished(port))
        log_info("end of the scenario; stopping");
    else if (stop_at && port_now_ms(port) >= stop_at)
        log_info("%d s after the last event of a scenario without end; stopping",
                 NO_END_TAIL_MS / 1000);
    else
        log_info("stopping");
    dmn_fini(&d);
    log_set_clock(NULL, NULL);
    port_destroy(port);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option own_opts[] = {
        {"sim", required_argument, NULL, 'S'},
        {"speed", required_argument, NULL, 'R'},
    };
    struct own own = {.so = {.scenario = NULL, .speed = 0}};
    struct dmn_cmdline cl = {
        .prog = "xenplmd-sim",
        .usage = usage,
        .extra = own_opts,
        .nextra = sizeof(own_opts) / sizeof(own_opts[0]),
        .extra_short = "",
        .take = take_own,
        .ctx = &own,
        .opt = {.policy_path = XENPLM_SYSCONFDIR "/xenplm/default.xml", .print_table = true},
    };
    int status = dmn_cmdline_parse(&cl, argc, argv);

    if (status >= 0)
        return status;
    if (!own.so.scenario && cl.next_arg < argc)
        own.so.scenario = argv[cl.next_arg++];
    if (cl.next_arg != argc || !own.so.scenario) {
        if (cl.next_arg != argc)
            fprintf(stderr, "xenplmd-sim: unexpected argument '%s'\n", argv[cl.next_arg]);
        else if (own.speed_given)
            fprintf(stderr, "xenplmd-sim: --speed needs a scenario (--sim SCENARIO)\n");
        else
            fprintf(stderr, "xenplmd-sim: no scenario (--sim SCENARIO)\n");
        usage(stderr);
        return 2;
    }
    /* With a control socket, real time unless told otherwise: there is
     * time to try xenplm list, show, top and set against it. */
    if (!own.speed_given && cl.opt.socket_path)
        own.so.speed = 1;

    log_open("xenplmd-sim", true, cl.verbose ? LOG_DEBUG : LOG_INFO);
    dmn_install_signals();
    status = run(&cl.opt, &own.so);
    pol_cleanup();
    log_close();
    return status;
}
