/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An etcd endpoint URL, checked: http or https, a host, an optional port,
 * no path, query or user; http only to a loopback address (127.0.0.0/8,
 * ::1, localhost).  Pure: the policy loader checks the pool section's
 * endpoints with it whether or not pool support is built.
 */
#ifndef XENPLM_COMMON_ENDPOINT_H
#define XENPLM_COMMON_ENDPOINT_H

#include <stddef.h>

/* 0, or PLM_EINVAL with the reason in err ("endpoint 'URL': ..."). */
int plm_endpoint_check(const char *url, char *err, size_t errlen);

#endif
