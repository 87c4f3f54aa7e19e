/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxenstat for the host-side activity of agentless guests.  One
 * xenstat_get_node call collects every domain: on Linux its network part
 * parses dom0's /proc/net/dev for the vifN.M interfaces (so what a vif
 * received is what the guest sent, and the sum of both directions is the
 * guest's traffic either way), its vbd part reads each backend's
 * statistics in sysfs and xenstore.  A domain with no vif or no vbd
 * simply has 0 there.  The handle (a libxenctrl and a xenstore
 * connection of its own) is kept between calls.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstat.h>

#include "core/error.h"
#include "port/xen_stat.h"

struct xen_stat {
    xenstat_handle *h;
    unsigned flags; /* what is collected: both, or what alone could be */
};

void xen_stat_close(struct xen_stat **st)
{
    if (!*st)
        return;
    if ((*st)->h)
        xenstat_uninit((*st)->h);
    free(*st);
    *st = NULL;
}

static void fill(xenstat_domain *d, struct port_io *out)
{
    unsigned nnet = xenstat_domain_num_networks(d), nvbd = xenstat_domain_num_vbds(d);

    memset(out, 0, sizeof(*out));
    out->domid = xenstat_domain_id(d);
    for (unsigned k = 0; k < nnet; k++) {
        xenstat_network *n = xenstat_domain_network(d, k);
        if (n)
            out->net_bytes += xenstat_network_rbytes(n) + xenstat_network_tbytes(n);
    }
    for (unsigned k = 0; k < nvbd; k++) {
        xenstat_vbd *v = xenstat_domain_vbd(d, k);
        if (v)
            out->disk_reqs += xenstat_vbd_rd_reqs(v) + xenstat_vbd_wr_reqs(v);
    }
}

int xen_stat_read(struct xen_stat **st, struct port_io *out, size_t cap, size_t *n_out, char *err,
                  size_t errlen)
{
    if (!*st) {
        *st = calloc(1, sizeof(**st));
        if (!*st)
            return PLM_ENOMEM;
        (*st)->flags = XENSTAT_NETWORK | XENSTAT_VBD;
        errno = 0;
        (*st)->h = xenstat_init();
        if (!(*st)->h) {
            snprintf(err, errlen, "xenstat_init failed%s%s", errno ? ": " : "",
                     errno ? strerror(errno) : "");
            xen_stat_close(st);
            return PLM_EIO;
        }
    }
    errno = 0;
    xenstat_node *node = xenstat_get_node((*st)->h, (*st)->flags);
    if (!node && (*st)->flags == (XENSTAT_NETWORK | XENSTAT_VBD)) {
        /* libxenstat gives up on the whole node when one part cannot be
         * read (a vbd's statistics in sysfs, /proc/net/dev): keep what
         * can be, until the handle is opened again. */
        static const unsigned alone[] = {XENSTAT_NETWORK, XENSTAT_VBD};
        for (size_t k = 0; k < 2 && !node; k++) {
            node = xenstat_get_node((*st)->h, alone[k]);
            if (node) {
                (*st)->flags = alone[k];
                snprintf(err, errlen, "only its %s statistics can be read",
                         alone[k] == XENSTAT_NETWORK ? "network" : "disk");
            }
        }
    }
    if (!node) {
        snprintf(err, errlen, "xenstat_get_node failed%s%s", errno ? ": " : "",
                 errno ? strerror(errno) : "");
        xen_stat_close(st);
        return PLM_EIO;
    }
    unsigned n = xenstat_node_num_domains(node);
    size_t k = 0;
    for (unsigned i = 0; i < n; i++) {
        xenstat_domain *d = xenstat_node_domain_by_index(node, i);
        if (!d)
            continue;
        if (k < cap)
            fill(d, &out[k]);
        k++;
    }
    xenstat_free_node(node);
    *n_out = k;
    return 0;
}
