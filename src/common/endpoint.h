/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What pool mode (issue 14) accepts of what names etcd: an endpoint URL
 * (http or https, a host, an optional port, no path, query or user; http
 * only to a loopback address: 127.0.0.0/8, ::1, localhost) and a pool's,
 * a host's or a tag's name, which go into etcd's keys.  Pure: the policy
 * loader checks the pool section with them whether or not pool support
 * is built, and the etcd client and the pool records check again.
 */
#ifndef XENPLM_COMMON_ENDPOINT_H
#define XENPLM_COMMON_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

/* 0, or PLM_EINVAL with the reason in err ("endpoint 'URL': ..."). */
int plm_endpoint_check(const char *url, char *err, size_t errlen);

/* The longest name plm_pool_name_ok accepts. */
#define PLM_POOL_NAME_MAX 63
/* [A-Za-z0-9][A-Za-z0-9._-]*, 1 to max bytes (NULL: no). */
bool plm_pool_name_ok(const char *s, size_t max);

/*
 * A host's address for migrations (the pool section's address, published
 * in its host record, carried in orders): what `xl migrate` and ssh are
 * given to reach it.  A DNS host name (labels of letters, digits and '-',
 * not at either end of a label, 1 to 63 bytes each, dot-separated, 253
 * bytes at most, the last label not all digits), an IPv4 address in
 * dotted quad, or an IPv6 address without brackets; nothing else (no
 * user@, no port, no space).  0, or PLM_EINVAL with the reason in err
 * ("address 'A': ...").
 */
#define PLM_MIG_ADDR_MAX 253
int plm_mig_address_check(const char *a, char *err, size_t errlen);

#endif
