/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fabric between simulated hosts (the player's layer, sim.h): each
 * xenplmd-sim whose scenario has `fabric "DIR" NAME` owns DIR/NAME/, and
 * a migration to host B ends with the domain's description renamed into
 * DIR/B/ (atomic: B sees all of it or nothing) and the domain destroyed
 * here (@releaseDomain) in the same step; B's next step creates it
 * (@introduceDomain) and removes the file.  Before the rename the domain
 * runs here only, so a source killed mid-transfer leaves it here; after
 * it, the file is the one copy and only B takes it.  Between the two
 * steps the domain runs nowhere, as a real one is paused while its last
 * pages cross (at most one step, SIM_STEP_MS of virtual time).
 *
 * The transfer takes the domain's memory at the scenario's rate of
 * virtual time; migrate-fault lines fail or stall the next ones.
 */
#ifndef XENPLM_SIM_SIM_FABRIC_H
#define XENPLM_SIM_SIM_FABRIC_H

#include <stdbool.h>
#include <stdint.h>

#include "port/port.h"
#include "sim/port_sim.h"

/* The description file's name in the destination's directory, and its
 * size limit. */
#define SIM_FABRIC_SUFFIX ".dom"
#define SIM_FABRIC_FILE_MAX 16384

struct sim_fabric {
    bool on; /* the scenario has a fabric line */
    char mydir[512];
    /* The migration out, one at a time. */
    bool running, stall;
    int fault; /* enum sim_mig_fault */
    uint32_t handle, next_handle, domid;
    char dest[PORT_NAME_MAX];
    uint64_t start_ms, end_ms;
    size_t faults_used; /* migrate-fault entries taken */
    /* Its outcome, kept for one poll. */
    bool ended;
    struct port_mig_status outcome;
    /* An arrival that did not fit, said once. */
    char refused[128];
    uint64_t arrived, departed;
};

#endif
