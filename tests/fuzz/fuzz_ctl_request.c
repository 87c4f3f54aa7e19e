/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the control socket's request side, as xenplmd reads
 * a client's line (daemon/control.c): ctl_request_parse, then what the
 * daemon does with a parsed request before acting on it (the command's
 * lookup and argument check, and for `set` its arguments and durations).
 * Built and run by tests/fuzz/fuzz.sh (`make fuzz`).
 *
 * A request that parses must format back (ctl_request_format) to the same
 * line, --json aside, and parse again to the same command and arguments;
 * a violation aborts, which libFuzzer reports as a crash with its input.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "protocol/ctl_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ctl_request req, back;

static void check_round_trip(void)
{
    char line[CTL_REQUEST_MAX + 1];
    char err[CTL_ERR_MAX];
    int n;

    n = ctl_request_format(line, sizeof(line), req.command, req.argc, req.argv, err, sizeof(err));
    if (n < 0)
        abort(); /* everything the parser accepts must be sendable */
    if (ctl_request_parse(line, (size_t)n, &back, err, sizeof(err)) != 0)
        abort();
    if (strcmp(back.command, req.command) != 0 || back.argc != req.argc || back.json)
        abort();
    for (size_t i = 0; i < req.argc; i++)
        if (strcmp(back.argv[i], req.argv[i]) != 0)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[CTL_ERR_MAX];
    const struct ctl_command_spec *spec;
    struct ctl_set set;
    uint64_t ms;

    if (ctl_request_parse((const char *)data, size, &req, err, sizeof(err)) != 0) {
        if (memchr(err, '\0', sizeof(err)) == NULL)
            abort();
        return 0;
    }
    check_round_trip();
    spec = ctl_command_find(req.command);
    if (spec)
        (void)ctl_request_check(&req, spec, err, sizeof(err));
    /* What `set` would do with these arguments, whatever the command was. */
    if (ctl_set_parse(req.argc, req.argv, &set, err, sizeof(err)) == 0) {
        if (!set.clear && ((set.has_cpu && set.cpu == 0) || (set.has_mem && set.mem == 0) ||
                           set.for_ms > CTL_SET_FOR_MAX_MS))
            abort();
    }
    /* The duration grammar every input shares: a parse that succeeds
     * reads back as the same number of milliseconds. */
    for (size_t i = 0; i < req.argc; i++) {
        char back[32];
        uint64_t again;

        if (plm_duration_parse(req.argv[i], strlen(req.argv[i]), &ms) != 0)
            continue;
        snprintf(back, sizeof(back), "%" PRIu64 "ms", ms);
        if (plm_duration_parse(back, strlen(back), &again) != 0 || again != ms)
            abort();
    }
    return 0;
}
