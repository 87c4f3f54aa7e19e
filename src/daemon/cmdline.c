/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command line and signals xenplmd and xenplmd-sim share (cmdline.h).
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "daemon/cmdline.h"

static const struct option shared[] = {
    {"foreground", no_argument, NULL, 'F'},      {"verbose", no_argument, NULL, 'v'},
    {"policy", required_argument, NULL, 'f'},    {"socket", required_argument, NULL, 's'},
    {"schema", required_argument, NULL, 'X'},    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},         {"metrics-dir", required_argument, NULL, 'M'},
    {"state-dir", required_argument, NULL, 'D'},
};
#define NSHARED (sizeof(shared) / sizeof(shared[0]))

/* A shared option: 0 when taken, 1 to exit with 0, 2 when its argument is
 * bad (said why), -1 when not shared. */
static int take_shared(struct dmn_cmdline *cl, int c, const char *arg)
{
    switch (c) {
    case 'F':
        cl->foreground = true;
        return 0;
    case 'v':
        cl->verbose = true;
        return 0;
    case 'f':
        cl->opt.policy_path = arg;
        return 0;
    case 's':
        cl->opt.socket_path = arg;
        return 0;
    case 'X':
        cl->opt.schema_path = arg;
        return 0;
    case 'M':
        if (!*arg) {
            fprintf(stderr, "%s: --metrics-dir: an empty directory name\n", cl->prog);
            return 2;
        }
        cl->opt.metrics_dir = arg;
        return 0;
    case 'D':
        if (!*arg) {
            fprintf(stderr, "%s: --state-dir: an empty directory name\n", cl->prog);
            return 2;
        }
        cl->opt.state_dir = arg;
        return 0;
    case 'h':
        cl->usage(stdout);
        return 1;
    case 'V':
        printf("%s %s\n", cl->prog, PACKAGE_VERSION);
        return 1;
    default:
        return -1;
    }
}

int dmn_cmdline_parse(struct dmn_cmdline *cl, int argc, char **argv)
{
    struct option all[NSHARED + DMN_CMDLINE_EXTRA_MAX + 1];
    char shorts[64];
    size_t n = 0;
    int c;

    memcpy(all, shared, sizeof(shared));
    for (n = NSHARED; n - NSHARED < cl->nextra && n - NSHARED < DMN_CMDLINE_EXTRA_MAX; n++)
        all[n] = cl->extra[n - NSHARED];
    memset(&all[n], 0, sizeof(all[n]));
    snprintf(shorts, sizeof(shorts), "Fvf:s:hV%s", cl->extra_short ? cl->extra_short : "");
    optind = 1;
    while ((c = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
        int r = take_shared(cl, c, optarg);
        if (r == 1)
            return 0;
        if (r == 2) {
            cl->usage(stderr);
            return 2;
        }
        if (r == 0)
            continue;
        if (c != '?' && cl->take && cl->take(cl->ctx, c, optarg) == 0)
            continue;
        if (c == '?')
            cl->usage(stderr);
        return 2;
    }
    cl->next_arg = optind;
    return -1;
}

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        dmn_request_reload();
    else
        dmn_request_stop();
}

void dmn_install_signals(void)
{
    static const int signals[] = {SIGTERM, SIGINT, SIGHUP};
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        sigaction(signals[i], &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}
