/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The real host's reading of every domain's network and disk counters
 * through libxenstat (port.h's dom_io), kept apart from port_xen.c: it is
 * the only file that includes xenstat.h.  Only calls that Xen 4.17 and
 * Xen 4.20 both have are used.
 */
#ifndef XENPLM_PORT_XEN_STAT_H
#define XENPLM_PORT_XEN_STAT_H

#include <stddef.h>

#include "port/port.h"

struct xen_stat;

/* Every domain's counters, as port.h's dom_io: 0, or PLM_EIO when
 * libxenstat cannot be opened or read (the reason in err), PLM_ENOMEM.
 * When only the network or only the disks can be read, 0 with the other
 * counted as 0 and err saying so (err is "" otherwise).
 * The handle is opened at the first call (*st NULL), kept, and closed
 * after a failure so that the next call opens it again. */
int xen_stat_read(struct xen_stat **st, struct port_io *out, size_t cap, size_t *n_out, char *err,
                  size_t errlen);
void xen_stat_close(struct xen_stat **st);

#endif
