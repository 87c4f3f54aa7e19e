/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for pool mode's orders (src/pool/pool_order.c): the
 * input as an order's key, an order, a state, and a drain's or a manual
 * move's request, as anybody who may write to etcd may have written them.
 * Each decoder must refuse or accept without a crash or a sanitizer
 * report, and what it accepts must be exactly what the encoder writes
 * for what was read (one spelling each), or the target aborts.  Built
 * and run by tests/fuzz/fuzz.sh (`make fuzz`).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool/pool_order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* rc from the encoder, and what it wrote: the input itself, or abort. */
static void same(int rc, const char *again, size_t n, const char *buf, size_t size)
{
    if (rc != 0 || n != size || memcmp(again, buf, size) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    char err[256], src[PLM_POOL_NAME_MAX + 1], uuid[PORD_DOM_MAX + 1], again[PORD_VALUE_MAX];
    enum pord_kind kind;
    struct pord_order o;
    struct pord_state s;
    struct pord_request r;
    bool answer;
    size_t n = 0;

    pord_parse_key(buf, size, "pool", src, uuid, &kind, err, sizeof(err));
    pord_parse_move_key(buf, size, "pool", uuid, &answer);
    pord_parse_drain_key(buf, size, "pool", src);
    int rc;
    if (pord_decode_order(buf, size, &o, err, sizeof(err)) == 0) {
        rc = pord_encode_order(&o, again, sizeof(again), &n, err, sizeof(err));
        same(rc, again, n, buf, size);
    }
    if (pord_decode_state(buf, size, &s, err, sizeof(err)) == 0) {
        rc = pord_encode_state(&s, again, sizeof(again), &n, err, sizeof(err));
        same(rc, again, n, buf, size);
    }
    for (int move = 0; move < 2; move++)
        if (pord_decode_request(buf, size, move, &r, err, sizeof(err)) == 0) {
            rc = pord_encode_request(&r, again, sizeof(again), &n, err, sizeof(err));
            same(rc, again, n, buf, size);
        }
    return 0;
}
