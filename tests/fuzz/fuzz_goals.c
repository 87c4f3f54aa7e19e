/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the guest agent's goals loader
 * (guest-agent/goals*.c, xenplm-goals(5)): agent_goals_load_memory on the
 * input, validated against the tree's policies/xenplm-goals.xsd as the
 * agent does, so that the code after the schema (the checks it cannot
 * express, the conversion to plain structs) sees what the schema lets
 * through.  Built and run by tests/fuzz/fuzz.sh (`make fuzz`).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest-agent/goals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct agent_goals g;
    char err[512];
    int rc;

    err[0] = '\0';
    rc = agent_goals_load_memory((const char *)data, size, "fuzz.xml",
                                 XENPLM_FUZZ_SRCDIR "/policies/xenplm-goals.xsd", &g, err,
                                 sizeof(err));
    if (rc == 0) {
        if (g.ngoals > AGENT_MAX_GOALS || g.nprobes > AGENT_MAX_PROBES)
            abort();
    } else if (err[0] == '\0' || rc > 0) {
        abort();
    }
    return 0;
}
