/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm top: `xenplm list`, refreshed.  Each round asks the daemon for
 * the list into memory first, so the screen is cleared only when there is
 * something to replace it with, and an error stops the loop at once.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/amount.h"
#include "core/error.h"

/* Longest interval: a day. */
#define TOP_DELAY_MAX_MS ((uint64_t)86400 * 1000)

static const struct option longopts[] = {
    {"socket", required_argument, NULL, 's'},
    {"delay", required_argument, NULL, 'd'},
    {"iterations", required_argument, NULL, 'n'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* -d: seconds, up to three decimals ("0.5"), above 0. */
static int parse_delay(const struct xenplm_command *self, const char *s, uint64_t *ms)
{
    plm_amt_t a;

    /* Amounts are thousandths, so the parsed value is already in ms. */
    if (plm_amt_parse(s, &a) < 0 || a <= 0 || (uint64_t)a > TOP_DELAY_MAX_MS)
        return xenplm_usage_error(self, "-d: '%s' is not a number of seconds in 0.001..86400", s);
    *ms = (uint64_t)a;
    return 0;
}

static int parse_count(const struct xenplm_command *self, const char *s, unsigned long *n)
{
    char *end;

    errno = 0;
    *n = strtoul(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno || *n == 0 || *n > 1000000000ul)
        return xenplm_usage_error(self, "-n: '%s' is not a whole number in 1..1000000000", s);
    return 0;
}

struct top_opts {
    const struct xenplm_command *self;
    const char *socket;       /* -s; NULL when not given */
    uint64_t delay_ms;        /* -d */
    unsigned long iterations; /* -n; 0: until interrupted */
};

/* One option into a struct top_opts (an xenplm_option_fn). */
static int take_option(void *ctx, int opt, const char *arg)
{
    struct top_opts *o = ctx;

    switch (opt) {
    case 's':
        o->socket = arg;
        break;
    case 'd':
        if (parse_delay(o->self, arg, &o->delay_ms) != 0)
            return XENPLM_EXIT_USAGE;
        break;
    case 'n':
        if (parse_count(o->self, arg, &o->iterations) != 0)
            return XENPLM_EXIT_USAGE;
        break;
    }
    return 0;
}

int cmd_top(int argc, char **argv)
{
    const struct xenplm_command *self = xenplm_command_find("top");
    struct top_opts o = {.self = self, .delay_ms = 2000};
    const char *socket;
    uint64_t delay_ms;
    unsigned long iterations;
    bool tty = isatty(STDOUT_FILENO);
    int rc;

    rc = xenplm_options(self, argc, argv, ":s:d:n:h", longopts, take_option, &o);
    if (rc != -1)
        return rc;
    if (optind < argc)
        return xenplm_usage_error(self, "too many arguments");
    socket = client_socket(o.socket);
    delay_ms = o.delay_ms;
    iterations = o.iterations;

    for (unsigned long i = 0; iterations == 0 || i < iterations; i++) {
        char *body = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&body, &len);

        if (!mem) {
            perror("xenplm top");
            return XENPLM_EXIT_FAILURE;
        }
        rc = client_call(self, socket, "list", 0, NULL, mem);
        if (fclose(mem) != 0 && rc == XENPLM_EXIT_OK) {
            perror("xenplm top");
            rc = XENPLM_EXIT_FAILURE;
        }
        if (rc != XENPLM_EXIT_OK) {
            free(body);
            return rc;
        }
        /* On a terminal, redraw in place; in a pipe (batch, tests), one
         * listing after another, separated by a blank line. */
        if (tty)
            fputs("\033[H\033[2J", stdout);
        else if (i > 0)
            fputc('\n', stdout);
        fwrite(body, 1, len, stdout);
        free(body);
        if (fflush(stdout) != 0)
            return XENPLM_EXIT_FAILURE;
        if (iterations == 0 || i + 1 < iterations)
            sleep_ms(delay_ms);
    }
    return XENPLM_EXIT_OK;
}
