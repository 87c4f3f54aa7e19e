/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which etcd endpoints are accepted (endpoint.h): http or https, a host
 * and a port, nothing else; plain http to a loopback address only.  And
 * which names may go into a key.  The policy's pool section, the etcd
 * client and the pool records (src/pool/) all ask.
 */
#include "config.h"

#include <arpa/inet.h>
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

/* A DNS host name as the comment in endpoint.h has it. */
static const char *hostname_why(const char *a, size_t n)
{
    size_t label = 0;
    bool digits_only = true;

    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? a[i] : '.';
        if (c == '.') {
            if (label == 0)
                return "an empty label (two dots, or one at an end)";
            if (a[i - 1] == '-')
                return "a label ending in '-'";
            if (i == n && digits_only)
                return "not an IPv4 address, and a host name's last label is not all digits";
            label = 0;
            digits_only = true;
            continue;
        }
        bool digit = c >= '0' && c <= '9';
        bool alnum = digit || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && c != '-')
            return "a byte no host name or IP address has";
        if (c == '-' && label == 0)
            return "a label starting with '-'";
        if (++label > 63)
            return "a label longer than 63 bytes";
        digits_only &= digit;
    }
    return NULL;
}

int plm_mig_address_check(const char *a, char *err, size_t errlen)
{
    unsigned char ip[16];
    size_t n = a ? strnlen(a, PLM_MIG_ADDR_MAX + 1) : 0;
    const char *why;

    if (n == 0)
        return plm_errf(err, errlen, PLM_EINVAL, "address '': empty");
    if (n > PLM_MIG_ADDR_MAX)
        return plm_errf(err, errlen, PLM_EINVAL, "address '%.40s...': longer than %d bytes", a,
                        PLM_MIG_ADDR_MAX);
    if (strchr(a, ':'))
        return inet_pton(AF_INET6, a, ip) == 1
                   ? 0
                   : plm_errf(err, errlen, PLM_EINVAL,
                              "address '%s': not an IPv6 address (written without brackets)", a);
    if (inet_pton(AF_INET, a, ip) == 1)
        return 0;
    if ((why = hostname_why(a, n)))
        return plm_errf(err, errlen, PLM_EINVAL, "address '%s': %s", a, why);
    return 0;
}
