/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest's half of the protocol: see exchange.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/xs_util.h"
#include "core/error.h"
#include "guest-agent/exchange.h"

int agent_request_build(const struct agent_ctl_output *o, uint64_t seq, struct proto_request *r)
{
    memset(r, 0, sizeof(*r));
    r->seq = seq;
    for (unsigned res = 0; res < AGENT_NRES; res++) {
        if (!o->present[res])
            continue;
        if (o->nlevels[res] < 1 || o->nlevels[res] > PLM_MAX_LEVELS)
            return PLM_EINVAL;
        r->flags |= PROTO_REQ_HAS(res);
        r->res[res].nlevels = o->nlevels[res];
        for (unsigned l = 0; l < o->nlevels[res]; l++)
            r->res[res].level[l] = o->level[res][l];
    }
    if (!(r->flags & PROTO_REQ_HAS_ANY))
        return PLM_EINVAL;
    /* The controller's lists never decrease; normalising costs nothing and
     * guarantees the encoder's precondition. */
    proto_request_normalise(r);
    return 0;
}

int agent_publish(struct agent_store *s, const struct proto_request *r, char *text, size_t textsz)
{
    char buf[PROTO_REQUEST_ENCODED_MAX + 1];
    int n = proto_request_encode(r, buf, sizeof(buf));

    if (n < 0)
        return n;
    if (text && textsz > 0)
        snprintf(text, textsz, "%s", buf);
    return agent_store_write(s, PROTO_KEY_REQUEST, buf, (size_t)n);
}

static void note_bad(struct agent_answer *a, const char *key, const char *why)
{
    if (a->bad[0] == '\0')
        snprintf(a->bad, sizeof(a->bad), "%s: %s", key, why);
}

/* Read one answer key into buf: whether it is there (with *len).  An
 * absent key is no answer yet; any other failure is noted in a. */
static bool read_key(struct agent_store *s, struct agent_answer *a, const char *key, char *buf,
                     size_t cap, size_t *len)
{
    int rc;

    *len = 0;
    rc = agent_store_read(s, key, buf, cap, len);
    if (rc != 0 && rc != PLM_ENOENT)
        note_bad(a, key, plm_strerror(rc));
    return rc == 0;
}

void agent_read_answer(struct agent_store *s, struct agent_answer *a)
{
    char buf[PROTO_VALUE_MAX];
    struct proto_error e;
    size_t len;

    memset(a, 0, sizeof(*a));

    if (read_key(s, a, PROTO_KEY_GRANTED, buf, sizeof(buf), &len)) {
        if (proto_grant_decode(buf, len, &a->grant, &e) == 0)
            a->have_grant = true;
        else
            note_bad(a, PROTO_KEY_GRANTED, e.text);
    }

    if (read_key(s, a, PROTO_KEY_STATUS, buf, sizeof(buf), &len)) {
        const char *reason = NULL;
        size_t rlen = 0;
        if (proto_status_decode(buf, len, &a->ok, &reason, &rlen, &e) == 0) {
            a->have_status = true;
            if (reason)
                snprintf(a->reason, sizeof(a->reason), "%.*s", (int)rlen, reason);
        } else {
            note_bad(a, PROTO_KEY_STATUS, e.text);
        }
    }

    if (read_key(s, a, PROTO_KEY_SEQ, buf, sizeof(buf), &len)) {
        if (proto_seq_decode(buf, len, &a->seq, &e) == 0)
            a->have_seq = true;
        else
            note_bad(a, PROTO_KEY_SEQ, e.text);
    }
}

uint64_t agent_next_seq(struct agent_store *s)
{
    char buf[PROTO_VALUE_MAX];
    struct proto_request r;
    struct agent_answer a;
    uint64_t top = 0;
    size_t len = 0;

    if (agent_store_read(s, PROTO_KEY_REQUEST, buf, sizeof(buf), &len) == 0 &&
        proto_request_decode(buf, len, &r, NULL) == 0)
        top = r.seq;
    agent_read_answer(s, &a);
    if (a.have_seq && a.seq > top)
        top = a.seq;
    /* Wrapping to 0 would look like an old request: start over at 1. */
    return top == UINT64_MAX ? 1 : top + 1;
}

int agent_read_maxmem(struct agent_store *s, plm_amt_t *mib_out)
{
    char buf[32];
    size_t len = 0;
    uint64_t kib = 0;
    int rc = agent_store_read(s, AGENT_KEY_MAXMEM, buf, sizeof(buf), &len);

    if (rc == 0)
        rc = xu_parse_u64(buf, len, &kib);
    if (rc != 0)
        return rc;
    if (kib > (uint64_t)(PLM_AMT_MAX / PLM_SCALE) * 1024)
        return PLM_ERANGE;
    if (kib > AGENT_MAX_MEM_KIB)
        kib = AGENT_MAX_MEM_KIB;
    /* KiB to MiB in thousandths, rounded down: never claim more than exists. */
    *mib_out = (plm_amt_t)(kib * (uint64_t)PLM_SCALE / 1024);
    return 0;
}

static bool vcpu_listed(struct agent_store *s, unsigned n)
{
    char path[48], buf[16];
    size_t len = 0;

    snprintf(path, sizeof(path), AGENT_KEY_VCPU_FMT, n);
    return agent_store_read(s, path, buf, sizeof(buf), &len) == 0;
}

int agent_read_maxvcpus(struct agent_store *s, unsigned upto, unsigned *out)
{
    unsigned lo = 0, hi;

    if (upto == 0 || !vcpu_listed(s, 0))
        return PLM_ENOENT;
    if (vcpu_listed(s, upto - 1)) {
        *out = upto;
        return 0;
    }
    /* cpu/lo is listed, cpu/hi is not: the toolstack lists 0..maxvcpus-1. */
    hi = upto - 1;
    while (hi - lo > 1) {
        unsigned mid = lo + (hi - lo) / 2;
        if (vcpu_listed(s, mid))
            lo = mid;
        else
            hi = mid;
    }
    *out = lo + 1;
    return 0;
}
