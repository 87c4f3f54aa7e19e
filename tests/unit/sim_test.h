/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the simulated host's tests (check_sim*.c): the test cases each
 * file contributes, and helpers to open a scenario and read the port.
 */
#ifndef XENPLM_TESTS_SIM_TEST_H
#define XENPLM_TESTS_SIM_TEST_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "port/port.h"
#include "sim/port_sim.h"

#define MIB 1024ull
/* A roomy host: 8 GiB, 1 GiB for dom0, 4 pCPUs. */
#define HOST "host pcpus=4 memory=8192 dom0=1024\n"

/* Open a scenario given as text at speed 0, with the simulator's log
 * silenced; fails the test with the parser's message. */
struct port *sim_open(const char *text);
/* The domid of a domain of the scenario. */
uint32_t sim_domid(struct port *p, const char *name);
/* The simulator's view of a domain. */
struct port_sim_domain sim_dom(struct port *p, const char *name);
struct port_sim_stats sim_stats(struct port *p);
/* Read a node as dom0 into a NUL-terminated buffer; the port's rc. */
int sim_read(struct port *p, const char *path, char *buf, size_t cap);
/* Pop every pending event; how many there were (at most max kept in ev). */
size_t sim_drain(struct port *p, struct port_event *ev, size_t max);
/* Set a memory target in MiB; the port's rc. */
int sim_target(struct port *p, uint32_t domid, uint64_t mib);

TCase *sim_tcase_xs(void);
TCase *sim_tcase_watch(void);
TCase *sim_tcase_host(void);
TCase *sim_tcase_balloon(void);
TCase *sim_tcase_scenario(void);
TCase *sim_tcase_clock(void);
TCase *sim_tcase_faults(void);
TCase *sim_tcase_fabric(void);

#endif
