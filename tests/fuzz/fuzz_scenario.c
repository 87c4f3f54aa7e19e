/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the simulated host's scenario language
 * (src/sim/scenario*.c, xenplm-sim(5)), through the simulator's public
 * header as every test uses it (tests/layout/sim-layers.sh): the input is
 * opened with port_sim_open_text (the parse, then the host built from
 * it); a host that opens is played for its first PLAY_MS of virtual time
 * and destroyed.  port_sim_open_text reads a C string, so the input is
 * read up to its first NUL byte.  (port_sim_open, from a file, would read
 * it whole, but its 1 MiB buffer per call makes a run many times slower.)
 * Built and run by tests/fuzz/fuzz.sh (`make fuzz`).
 *
 * A scenario refused must say why (and leave nothing allocated: the leak
 * checker watches); one that opens is played, then destroyed.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "port/port.h"
#include "sim/port_sim.h"

/* Virtual time played: the events at the start of a scenario, and a few
 * steps of the balloons. */
#define PLAY_MS 5000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct port *p = NULL;
    char err[512];
    char *text = malloc(size + 1);
    int rc;

    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    err[0] = '\0';
    rc = port_sim_open_text("fuzz.scn", text, 0, &p, err, sizeof(err));
    free(text);
    if (rc != 0) {
        if (rc > 0 || p != NULL || (err[0] == '\0' && rc != PLM_ENOMEM))
            abort();
        return 0;
    }
    if (port_sim_set_log(p, NULL, NULL) != 0 || port_sim_advance(p, PLAY_MS) != 0)
        abort();
    port_destroy(p);
    return 0;
}
