/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated host: a test program in several files, one per part of the
 * simulator (xenstore and its permissions, watches, the hypervisor and its
 * balloons, the scenario parser, the clock).  This file holds main and the
 * helpers they share.
 *
 * The program runs from $top_srcdir (set by make check) so that scenario
 * paths, and the messages quoting them, are the same in every build tree.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_test.h"
#include "core/error.h"
#include "tests/unit/suite_run.h"

struct port *sim_open(const char *text)
{
    struct port *p = NULL;
    char err[256];
    int rc = port_sim_open_text("test.scn", text, 0, &p, err, sizeof(err));

    ck_assert_msg(rc == 0, "open failed: %s", err);
    port_sim_set_log(p, NULL, NULL);
    return p;
}

struct port_sim_domain sim_dom(struct port *p, const char *name)
{
    struct port_sim_domain d;

    ck_assert_int_eq(port_sim_domain_by_name(p, name, &d), 0);
    return d;
}

uint32_t sim_domid(struct port *p, const char *name)
{
    return sim_dom(p, name).info.domid;
}

struct port_sim_stats sim_stats(struct port *p)
{
    struct port_sim_stats st;

    ck_assert_int_eq(port_sim_stats(p, &st), 0);
    return st;
}

int sim_read(struct port *p, const char *path, char *buf, size_t cap)
{
    size_t len = 0;
    int rc = port_xs_read(p, path, buf, cap - 1, &len);

    buf[rc == 0 ? len : 0] = '\0';
    return rc;
}

size_t sim_drain(struct port *p, struct port_event *ev, size_t max)
{
    struct port_event e;
    size_t n = 0;

    while (port_next_event(p, &e) == 0) {
        if (n < max)
            ev[n] = e;
        n++;
    }
    return n;
}

int sim_target(struct port *p, uint32_t domid, uint64_t mib)
{
    return port_mem_target_set(p, domid, mib * MIB);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    Suite *s = suite_create("sim");

    if (chdir(top && *top ? top : ".") != 0) {
        perror("check_sim: chdir $top_srcdir");
        return EXIT_FAILURE;
    }
    suite_add_tcase(s, sim_tcase_xs());
    suite_add_tcase(s, sim_tcase_watch());
    suite_add_tcase(s, sim_tcase_host());
    suite_add_tcase(s, sim_tcase_balloon());
    suite_add_tcase(s, sim_tcase_scenario());
    suite_add_tcase(s, sim_tcase_clock());
    suite_add_tcase(s, sim_tcase_faults());
    suite_add_tcase(s, sim_tcase_fabric());
    return check_run(s);
}
