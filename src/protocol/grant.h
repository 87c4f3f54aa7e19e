/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's answers, written under /local/domain/<domid>/xenplm/, a
 * subtree dom0 owns and the guest may only read (xenplm-protocol(7)):
 *
 *   granted   what the guest holds now:      "cpu 150 vcpus 2 mem 1024\n"
 *   status    the verdict on its last value: "ok\n", "ok: <note>\n" or
 *             "rejected: <reason>\n"
 *   seq       the last seq the daemon read:  "42\n"
 *
 * Each value follows the text rules of text.h.  Encoders and decoders are
 * both here because the daemon writes these values and the guest agent
 * reads them; like the request codec they are pure and never allocate.
 */
#ifndef XENPLM_PROTOCOL_GRANT_H
#define XENPLM_PROTOCOL_GRANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/amount.h"
#include "protocol/text.h"

/* Bits of proto_grant.flags: which figures the value carries. */
#define PROTO_GRANT_CPU 0x1u
#define PROTO_GRANT_VCPUS 0x2u
#define PROTO_GRANT_MEM 0x4u
#define PROTO_GRANT_ALL (PROTO_GRANT_CPU | PROTO_GRANT_VCPUS | PROTO_GRANT_MEM)

/* Largest vcpus figure: a sanity bound, far above any real guest. */
#define PROTO_VCPUS_MAX 65535u

/* Longest granted value the encoder writes, and the longest status value. */
#define PROTO_GRANT_ENCODED_MAX 64
#define PROTO_STATUS_MAX 256
/* Longest seq value: 20 digits and LF. */
#define PROTO_SEQ_MAX 21

struct proto_grant {
    unsigned flags; /* PROTO_GRANT_* */
    plm_amt_t cpu;  /* hundredths of a physical CPU, as requested ("pct") */
    unsigned vcpus; /* online vcpus, 1..PROTO_VCPUS_MAX */
    plm_amt_t mem;  /* MiB */
};

/*
 * granted: one line of "name value" pairs, in the order cpu, vcpus, mem,
 * each optional but at least one.  cpu and mem are amounts (up to three
 * decimals, 0..PLM_AMT_MAX), vcpus an integer 1..PROTO_VCPUS_MAX.
 *
 * proto_grant_encode returns the length written (without the NUL),
 * PLM_EINVAL for a grant outside those bounds, or PLM_ERANGE when bufsz is
 * too small (PROTO_GRANT_ENCODED_MAX + 1 suffices).  proto_grant_decode
 * returns 0 and fills *out (figures not present are 0), or a negative
 * PLM_E* code with *out untouched and err_out (may be NULL) filled.
 */
int proto_grant_encode(const struct proto_grant *g, char *buf, size_t bufsz);
int proto_grant_decode(const char *buf, size_t len, struct proto_grant *out,
                       struct proto_error *err_out);

/*
 * status: write "ok\n" when reason is NULL, else "rejected: <reason>\n".
 * The reason is cut to keep the value within PROTO_STATUS_MAX bytes and
 * bufsz (ending in "..." when cut), and every byte of it that is not
 * printable ASCII becomes '?', so whatever the caller passes (a decoder's
 * text, an errno string) is a valid value.  An empty reason is written as
 * "unspecified".  Returns the length (without the NUL), or PLM_ERANGE when
 * bufsz is below PROTO_STATUS_MIN_BUF.
 */
#define PROTO_STATUS_MIN_BUF 16
int proto_status_format(char *buf, size_t bufsz, const char *reason);

/*
 * status of an accepted request that the daemon cannot carry out in full
 * (the guest has no balloon driver, its vcpus do not follow hotplug):
 * "ok: <note>\n", the note cut and made printable as a reason is; "ok\n"
 * when note is NULL.
 */
int proto_status_format_ok(char *buf, size_t bufsz, const char *note);

/*
 * Read a status value.  0 with *ok_out set and *reason_out and
 * *reason_len_out pointing at the reason (rejected) or the note ("ok:
 * <note>") inside buf (NULL and 0 for a bare "ok"); or a negative PLM_E*
 * code with err_out (may be NULL) filled.
 */
int proto_status_decode(const char *buf, size_t len, bool *ok_out, const char **reason_out,
                        size_t *reason_len_out, struct proto_error *err_out);

/* seq: the acknowledged sequence number, "<decimal>\n". */
int proto_seq_encode(uint64_t seq, char *buf, size_t bufsz);
int proto_seq_decode(const char *buf, size_t len, uint64_t *out, struct proto_error *err_out);

#endif
