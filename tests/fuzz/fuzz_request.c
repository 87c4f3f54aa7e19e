/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the protocol decoders.  Not built by `make`: the
 * Check suite (tests/unit/check_protocol) already runs a seeded mutation
 * fuzzer on every `make check`; this is for longer, coverage-guided runs.
 * From the top of a configured tree (config.h must exist):
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -I. -Isrc \
 *       tests/fuzz/fuzz_request.c src/protocol/[a-z]*.c src/core/[a-z]*.c -o fuzz_request
 *   mkdir -p corpus && printf 'xenplm-request 1\nseq 1\ncpu pct 50 120\n' > corpus/a
 *   ./fuzz_request -max_len=2100 corpus
 *
 * Any accepted request must encode, decode again to an equal request and
 * encode to the same text; an accepted grant must round-trip the same way.
 * A violation aborts, which libFuzzer reports as a crash with its input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    bool ok;
    const char *reason;
    size_t rlen;
    uint64_t seq;

    check_request(buf, size);
    check_grant(buf, size);
    (void)proto_status_decode(buf, size, &ok, &reason, &rlen, NULL);
    (void)proto_seq_decode(buf, size, &seq, NULL);
    return 0;
}
