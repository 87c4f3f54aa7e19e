/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the guest<->dom0 codecs (src/protocol/, xenplm-
 * protocol(7)): the input is read as each value a guest or the daemon
 * writes to xenstore: a request (as the daemon decodes it, under the
 * ceilings it derives from a domain's maxvcpus and maxmem, and without
 * them), a granted value, a status value, a seq value, and a plain
 * decimal number (xu_parse_u64, which reads the domain's memory/static-max
 * and ids), and a boost value (protocol/boost.h).  The Check suite (tests/unit/check_protocol) also
 * runs a seeded mutation fuzzer on every `make check`; this is for longer, coverage-guided runs.
 * Built and run by tests/fuzz/fuzz.sh (`make fuzz`).
 *
 * Any accepted request must encode, decode again to an equal request and
 * encode to the same text; an accepted grant and an accepted status must
 * round-trip the same way; a request accepted under ceilings must respect
 * them.  A violation aborts, which libFuzzer reports as a crash with its
 * input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xs_util.h"
#include "protocol/boost.h"
#include "protocol/grant.h"
#include "protocol/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const char *buf, size_t len)
{
    struct proto_request r, back;
    struct proto_error err;
    char enc[PROTO_REQUEST_ENCODED_MAX + 1], enc2[PROTO_REQUEST_ENCODED_MAX + 1];
    int n;

    if (proto_request_decode(buf, len, &r, &err) != 0)
        return;
    n = proto_request_encode(&r, enc, sizeof(enc));
    if (n <= 0 || proto_request_decode(enc, (size_t)n, &back, &err) != 0 ||
        !proto_request_equal(&r, &back) || proto_request_encode(&back, enc2, sizeof(enc2)) != n ||
        memcmp(enc, enc2, (size_t)n) != 0)
        abort();
}

/* As daemon/requests.c: a 4-vcpu domain with 4096 MiB of maxmem. */
static void check_limited(const char *buf, size_t len)
{
    static const struct proto_limits lim = {.max = {PLM_UNITS(400), PLM_UNITS(4096)}};
    struct proto_request r, plain;
    struct proto_error err;

    if (proto_request_decode_limited(buf, len, &lim, &r, &err) != 0) {
        if (err.text[0] == '\0')
            abort(); /* the guest is told why */
        return;
    }
    if (proto_request_decode(buf, len, &plain, &err) != 0 || !proto_request_equal(&r, &plain))
        abort();
    for (int res = 0; res < PROTO_NRES; res++) {
        if (!(r.flags & PROTO_REQ_HAS(res)))
            continue;
        if (r.res[res].nlevels == 0 || r.res[res].nlevels > PLM_MAX_LEVELS)
            abort();
        for (unsigned i = 0; i < r.res[res].nlevels; i++)
            if (r.res[res].level[i] < 0 || r.res[res].level[i] > lim.max[res] ||
                (i > 0 && r.res[res].level[i] < r.res[res].level[i - 1]))
                abort();
    }
}

/* An accepted boost round-trips, and its amount is within the ceiling
 * (a 4-vcpu domain's, as requests.c). */
static void check_boost(const char *buf, size_t len)
{
    struct proto_boost b, back;
    struct proto_error err;
    char enc[PROTO_BOOST_ENCODED_MAX + 1];
    int n;

    if (proto_boost_decode(buf, len, PLM_UNITS(400), &b, &err) != 0) {
        if (err.text[0] == '\0')
            abort();
        return;
    }
    n = proto_boost_encode(&b, enc, sizeof(enc));
    if (n <= 0 || b.cpu > PLM_UNITS(400) ||
        proto_boost_decode(enc, (size_t)n, PLM_AMT_MAX, &back, NULL) != 0 ||
        memcmp(&b, &back, sizeof(b)) != 0)
        abort();
}

static void check_grant(const char *buf, size_t len)
{
    struct proto_grant g, back;
    char enc[PROTO_GRANT_ENCODED_MAX + 1];
    int n;

    if (proto_grant_decode(buf, len, &g, NULL) != 0)
        return;
    n = proto_grant_encode(&g, enc, sizeof(enc));
    if (n <= 0 || proto_grant_decode(enc, (size_t)n, &back, NULL) != 0 ||
        memcmp(&g, &back, sizeof(g)) != 0)
        abort();
}

/* A status the agent accepts, written again by the daemon's formatter,
 * must read back the same. */
static void check_status(const char *buf, size_t len)
{
    char reason[PROTO_STATUS_MAX + 1], enc[PROTO_STATUS_MAX + 1];
    const char *r, *r2;
    size_t rlen, rlen2;
    bool ok, ok2;
    int n;

    if (proto_status_decode(buf, len, &ok, &r, &rlen, NULL) != 0)
        return;
    if ((!ok && r == NULL) || rlen > PROTO_STATUS_MAX)
        abort();
    if (r) {
        memcpy(reason, r, rlen);
        reason[rlen] = '\0';
    }
    /* "ok", "ok: <note>" or "rejected: <reason>" */
    n = ok ? proto_status_format_ok(enc, sizeof(enc), r ? reason : NULL)
           : proto_status_format(enc, sizeof(enc), reason);
    if (n <= 0 || proto_status_decode(enc, (size_t)n, &ok2, &r2, &rlen2, NULL) != 0 || ok2 != ok ||
        rlen2 != rlen || (r && memcmp(r2, reason, rlen) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    uint64_t seq, u;

    check_request(buf, size);
    check_limited(buf, size);
    check_grant(buf, size);
    check_boost(buf, size);
    check_status(buf, size);
    (void)proto_seq_decode(buf, size, &seq, NULL);
    if (xu_parse_u64(buf, size, &u) == 0) {
        uint64_t v = 0;

        for (size_t i = 0; i < size; i++) {
            if (buf[i] < '0' || buf[i] > '9')
                abort();
            v = v * 10 + (uint64_t)(buf[i] - '0');
        }
        if (size == 0 || v != u)
            abort();
    }
    return 0;
}
