/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which etcd endpoints are accepted (endpoint.h): http or https, a host
 * and a port, nothing else; plain http to a loopback address only.  And
 * which names may go into a key.  The policy's pool section, the etcd
 * client and the pool records (src/pool/) all ask.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "core/error.h"
#include "common/endpoint.h"

/* 127.0.0.0/8 in dotted quad, all four parts. */
static bool ipv4_loopback(const char *h, size_t n)
{
    unsigned part = 0, parts = 0, digits = 0, first = 0;

    for (size_t i = 0; i <= n; i++) {
        if (i == n || h[i] == '.') {
            if (!digits || part > 255)
                return false;
            if (parts == 0)
                first = part;
            parts++;
            part = digits = 0;
        } else if (h[i] >= '0' && h[i] <= '9' && digits < 3) {
            part = part * 10 + (unsigned)(h[i] - '0');
            digits++;
        } else {
            return false;
        }
    }
    return parts == 4 && first == 127;
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

int plm_endpoint_check(const char *url, char *err, size_t errlen)
{
    const char *h, *p;
    size_t hn;
    bool tls, loopback;

    if (strncmp(url, "https://", 8) == 0) {
        tls = true;
        h = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        tls = false;
        h = url + 7;
    } else {
        return plm_errf(err, errlen, PLM_EINVAL, "endpoint '%.80s': not http:// or https://", url);
    }
    if (*h == '[') {
        const char *end = strchr(h, ']');
        if (!end)
            return plm_errf(err, errlen, PLM_EINVAL, "endpoint '%.80s': an unclosed '['", url);
        for (const char *q = h + 1; q < end; q++)
            if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                  (*q >= 'A' && *q <= 'F') || *q == ':' || *q == '.'))
                return plm_errf(err, errlen, PLM_EINVAL, "endpoint '%.80s': a bad IPv6 address",
                                url);
        hn = (size_t)(end - h) + 1;
        loopback = hn == 5 && strncmp(h, "[::1]", 5) == 0;
    } else {
        hn = 0;
        while (host_char(h[hn]))
            hn++;
        loopback = (hn == 9 && strncmp(h, "localhost", 9) == 0) || ipv4_loopback(h, hn);
    }
    if (hn == 0 || (h[0] == '[' && hn <= 2))
        return plm_errf(err, errlen, PLM_EINVAL, "endpoint '%.80s': no host", url);
    p = h + hn;
    if (*p == ':') {
        unsigned long port = 0;
        size_t digits = 0;
        for (p++; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
            port = port * 10 + (unsigned long)(*p - '0');
        if (!digits || port == 0 || port > 65535)
            return plm_errf(err, errlen, PLM_EINVAL, "endpoint '%.80s': a bad port", url);
    }
    if (*p == '/' && p[1] == '\0')
        p++;
    if (*p != '\0')
        return plm_errf(err, errlen, PLM_EINVAL,
                        "endpoint '%.80s': only scheme://host[:port] (no user, path or query)",
                        url);
    if (!tls && !loopback)
        return plm_errf(err, errlen, PLM_EINVAL,
                        "endpoint '%.80s': plain http is allowed only to a loopback address "
                        "(127.0.0.0/8, ::1, localhost); use https with a client certificate",
                        url);
    return 0;
}

bool plm_pool_name_ok(const char *s, size_t max)
{
    size_t n = 0;

    if (!s)
        return false;
    for (; s[n] && n <= max; n++) {
        char c = s[n];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (n == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return n >= 1 && n <= max;
}
