/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenstore helpers that need no Xen header: see xs_util.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xs_util.h"
#include "core/error.h"

int xu_from_errno(int e)
{
    switch (e) {
    case 0:
        /* A library that failed without saying why: still a failure. */
        return PLM_EIO;
    case ENOENT:
        return PLM_ENOENT;
    case ENOMEM:
        return PLM_ENOMEM;
    case EEXIST:
        return PLM_EEXIST;
    case EINVAL:
    case EISDIR:
    case ENOTEMPTY:
        return PLM_EINVAL;
    case E2BIG: /* a value or path past xenstored's limits */
        return PLM_ERANGE;
    case ENOSPC: /* a xenstored quota (nodes, watches, transactions) */
        return PLM_ETOOMANY;
    default:
        /* EACCES and EPERM as the simulated host reports them; EIO, EBADF,
         * EPIPE, ECONNRESET and friends: the connection or the daemon
         * behind it failed. */
        return PLM_EIO;
    }
}

int xu_parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (!s || !out || len == 0)
        return PLM_EGRAMMAR;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return PLM_EGRAMMAR;
        if (v > (UINT64_MAX - d) / 10)
            return PLM_ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

uint32_t xu_path_domid(const char *path)
{
    static const char prefix[] = "/local/domain/";
    const char *p;
    uint64_t id = 0;
    size_t n;

    if (!path || strncmp(path, prefix, sizeof(prefix) - 1) != 0)
        return 0;
    p = path + sizeof(prefix) - 1;
    n = strcspn(p, "/");
    if (xu_parse_u64(p, n, &id) != 0 || id > UINT32_MAX)
        return 0;
    return (uint32_t)id;
}

bool xu_is_subpath(const char *parent, const char *child)
{
    size_t n;

    if (!parent || !child)
        return false;
    n = strlen(parent);
    if (strncmp(child, parent, n) != 0)
        return false;
    return child[n] == '\0' || child[n] == '/' || (n > 0 && parent[n - 1] == '/');
}

void xu_uuid_format(const uint8_t bytes[16], char out[XU_UUID_LEN])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[bytes[i] >> 4];
        out[o++] = hex[bytes[i] & 0xf];
    }
    out[o] = '\0';
}
