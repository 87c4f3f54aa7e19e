/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's half of xenplm-protocol(7): turning the controller's lists
 * into the request value and writing it, and reading the daemon's answers
 * (granted, status, seq) and the domain's limits back.
 *
 * The answers come from dom0 but pass through xenstore like anything else,
 * so they are decoded as strictly as the daemon decodes requests: a value
 * that does not decode is reported and ignored, never half-used.
 */
#ifndef XENPLM_AGENT_EXCHANGE_H
#define XENPLM_AGENT_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-agent/controller.h"
#include "guest-agent/store.h"
#include "protocol/grant.h"
#include "protocol/keys.h"
#include "protocol/request.h"

/* The protocol's keys are protocol/keys.h's PROTO_KEY_*; this one is the toolstack's. */
#define AGENT_KEY_MAXMEM "memory/static-max" /* KiB, written by the toolstack */
/* One per vcpu the domain may have (0..maxvcpus-1), written by the toolstack. */
#define AGENT_KEY_VCPU_FMT "cpu/%u/availability"

/* What the daemon last said.  A field whose key is missing or does not
 * decode has its have_ flag false; bad_ holds why, for the log. */
struct agent_answer {
    bool have_grant;
    struct proto_grant grant;
    bool have_status;
    bool ok; /* status "ok" */
    char
        reason[PROTO_STATUS_MAX]; /* the rejection or the note of an "ok: <note>", NUL-terminated */
    bool have_seq;
    uint64_t seq;
    char bad[160]; /* "" or a description of the first answer that did not decode */
};

/* The request for these lists and seq; PLM_EINVAL when no resource is present. */
int agent_request_build(const struct agent_ctl_output *o, uint64_t seq, struct proto_request *r);

/* Encode and write r to PROTO_KEY_REQUEST; the value written goes to text
 * (PROTO_REQUEST_ENCODED_MAX + 1 bytes) when text is not NULL. */
int agent_publish(struct agent_store *s, const struct proto_request *r, char *text, size_t textsz);

/* Read and decode the three answers. */
void agent_read_answer(struct agent_store *s, struct agent_answer *a);

/*
 * The seq to use next: one above the highest of the request already in
 * xenstore (a restarted agent continues its numbering) and the daemon's
 * acknowledged seq; 1 when neither is there.
 */
uint64_t agent_next_seq(struct agent_store *s);

/* memory/static-max in MiB (thousandths), at most AGENT_MAX_MEM_KIB;
 * PLM_ENOENT when unknown. */
int agent_read_maxmem(struct agent_store *s, plm_amt_t *mib_out);

/*
 * How many vcpus the toolstack lists for the domain (cpu/N/availability
 * for N below its maxvcpus), counting no further than upto (>= 1): upto
 * itself when cpu/<upto-1> is there.  PLM_ENOENT when none is listed.
 */
int agent_read_maxvcpus(struct agent_store *s, unsigned upto, unsigned *out);

#endif
