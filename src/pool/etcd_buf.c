/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The etcd client's byte buffer and base64 (etcd_int.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "pool/etcd_int.h"

void ebuf_init(struct ebuf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void ebuf_free(struct ebuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void ebuf_reset(struct ebuf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->p)
        b->p[0] = '\0';
}

void ebuf_add(struct ebuf *b, const void *data, size_t len)
{
    if (b->failed)
        return;
    if (len > SIZE_MAX / 2 - b->len || (b->max && b->len + len > b->max)) {
        b->failed = true;
        return;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void ebuf_str(struct ebuf *b, const char *s)
{
    ebuf_add(b, s, strlen(s));
}

void ebuf_i64(struct ebuf *b, int64_t v)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "\"%" PRId64 "\"", v);
    ebuf_add(b, num, (size_t)n);
}

void ebuf_b64(struct ebuf *b, const void *data, size_t len)
{
    size_t n = etcd_b64_len(len);
    char *tmp;

    if (b->failed)
        return;
    if (n == SIZE_MAX || !(tmp = malloc(n + 1))) {
        b->failed = true;
        return;
    }
    etcd_b64_encode(data, len, tmp);
    ebuf_add(b, "\"", 1);
    ebuf_add(b, tmp, n);
    ebuf_add(b, "\"", 1);
    free(tmp);
}

void ebuf_consume(struct ebuf *b, size_t n)
{
    if (n >= b->len) {
        ebuf_reset(b);
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
    b->p[b->len] = '\0';
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t etcd_b64_len(size_t n)
{
    if (n > (SIZE_MAX - 2) / 4 * 3 - 3)
        return SIZE_MAX;
    return (n + 2) / 3 * 4;
}

void etcd_b64_encode(const void *data, size_t n, char *out)
{
    const unsigned char *s = data;
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int etcd_b64_decode(const char *s, size_t n, size_t max, char **out, size_t *out_len)
{
    size_t pad = 0, len, o = 0;
    char *p;

    *out = NULL;
    *out_len = 0;
    if (n % 4)
        return PLM_EGRAMMAR;
    if (n && s[n - 1] == '=')
        pad = n >= 2 && s[n - 2] == '=' ? 2 : 1;
    len = n / 4 * 3 - pad;
    if (len > max)
        return PLM_ERANGE;
    if (!(p = malloc(len + 1)))
        return PLM_ENOMEM;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        bool last = i + 4 == n;
        for (int k = 0; k < 4; k++) {
            v[k] = b64_value(s[i + k]);
            if (v[k] < 0 && !(last && s[i + k] == '=' && k >= 4 - (int)pad)) {
                free(p);
                return PLM_EGRAMMAR;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
                     (uint32_t)(v[2] < 0 ? 0 : v[2]) << 6 | (uint32_t)(v[3] < 0 ? 0 : v[3]);
        /* Bits under the padding must be zero (a canonical encoding). */
        if ((last && pad == 2 && (w & 0xffff)) || (last && pad == 1 && (w & 0xff))) {
            free(p);
            return PLM_EGRAMMAR;
        }
        p[o++] = (char)(w >> 16);
        if (!(last && pad == 2))
            p[o++] = (char)(w >> 8 & 0xff);
        if (!(last && pad))
            p[o++] = (char)(w & 0xff);
    }
    p[o] = '\0';
    *out = p;
    *out_len = o;
    return 0;
}
