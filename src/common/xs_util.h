/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every user of xenstore needs and no Xen header provides: errno
 * translation, strict number parsing, path arithmetic and uuid text.  The
 * daemon's Xen port and the guest agent's store both use them; they need
 * no libxenstore, so they are built and unit-tested on any machine.
 */
#ifndef XENPLM_COMMON_XS_UTIL_H
#define XENPLM_COMMON_XS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The PLM_E* code for an errno set by libxenstore (or by xenstored). */
int xu_from_errno(int e);

/* A strictly decimal, unsigned value of len bytes (no sign, no spaces):
 * 0, PLM_EGRAMMAR, or PLM_ERANGE when it does not fit 64 bits. */
int xu_parse_u64(const char *s, size_t len, uint64_t *out);

/* The domain a path "/local/domain/N/..." is about, for the log; 0 (the
 * toolstack's own) for any other path. */
uint32_t xu_path_domid(const char *path);

/* Whether child is parent or below it, as xenstore counts subpaths. */
bool xu_is_subpath(const char *parent, const char *child);

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and its NUL. */
#define XU_UUID_LEN 37

/* The text of a uuid from its 16 bytes. */
void xu_uuid_format(const uint8_t bytes[16], char out[XU_UUID_LEN]);

#endif
