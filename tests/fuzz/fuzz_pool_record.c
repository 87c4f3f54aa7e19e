/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for pool mode's records (src/pool/pool_record*.c):
 * the input as a key, a host record and a domain record, as any host of
 * the pool (or anybody who may write to etcd) may have written them.
 * Each decoder must refuse or accept without a crash or a sanitizer
 * report; and a domain record it accepts must be exactly what the
 * encoder writes for what was read (one spelling for each record), or
 * the target aborts.  Built and run by tests/fuzz/fuzz.sh (`make fuzz`).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool/pool_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    char err[256], host[PLM_POOL_NAME_MAX + 1], uuid[PREC_UUID_LEN + 1];
    enum prec_kind kind;
    struct prec_host h;
    static struct prec_domain d;
    struct prec_set s;

    prec_parse_key(buf, size, "pool", host, &kind, uuid, err, sizeof(err));
    prec_decode_host(buf, size, &h, err, sizeof(err));
    if (prec_decode_domain(buf, size, &d, err, sizeof(err)) != 0)
        return 0;
    memcpy(d.uuid, "00000000-0000-4000-8000-000000000000", PREC_UUID_LEN + 1);
    memset(&h, 0, sizeof(h));
    if (prec_encode("pool", "host", &h, &d, 1, &s, err, sizeof(err)) != 0)
        abort();
    if (s.kv[0].len != size || memcmp(s.kv[0].value, buf, size) != 0)
        abort();
    prec_set_free(&s);
    return 0;
}
