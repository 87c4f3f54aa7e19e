/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Request files: the input of `xenplm arbitrate`.
 *
 * One domain per line:
 *
 *     NAME Q1 Q2 ... Qk [min=X] [max=Y]
 *
 * Q1..Qk are the cumulative amounts the domain asks for at priority levels
 * 1..k (at most PLM_MAX_LEVELS), X and Y its policy minimum and maximum.
 * Amounts are non-negative decimals with up to three fractional digits.
 * Names are 1..PLM_REQFILE_NAME_MAX characters from [A-Za-z0-9_.:-] and
 * unique in a file.  '#' starts a comment that runs to the end of the
 * line; blank lines are ignored; CRLF line ends are accepted.
 *
 * The parser works on a memory buffer and prints nothing: an error comes
 * back as a PLM_E* code, the line it was found on and a sentence for the
 * operator.  It makes no assumption about the buffer's contents (NUL bytes,
 * binary data, lines of any length), and its work is linear in the size
 * of the input.
 */
#ifndef XENPLM_CLI_REQFILE_H
#define XENPLM_CLI_REQFILE_H

#include <stddef.h>
#include <stdio.h>

#include "core/arbiter.h"

/* Longest domain name, in bytes. */
#define PLM_REQFILE_NAME_MAX 64

/* Largest request file plm_reqfile_read accepts by default: 64 MiB. */
#define PLM_REQFILE_SIZE_MAX ((size_t)64 << 20)

/* Room an error message needs; longer ones are cut. */
#define PLM_REQFILE_MSG_MAX 256

/* The domains of one request file, in file order. */
struct plm_reqfile {
    size_t n;                /* number of domains */
    struct plm_request *req; /* n requests, contiguous (stride 0) */
    size_t *line;            /* n line numbers, where each domain was read */

    /* Private: growable storage and the name index. */
    size_t cap;       /* room in req, line and name_off */
    size_t *name_off; /* offset of each name in names */
    char *names;      /* the names, each NUL-terminated */
    size_t names_len;
    size_t names_cap;
    size_t *slots; /* open-addressing hash of names: index + 1, 0 free */
    size_t nslots; /* a power of two, or 0 */
};

void plm_reqfile_init(struct plm_reqfile *f);
/* Release everything; f is left as after plm_reqfile_init. */
void plm_reqfile_dispose(struct plm_reqfile *f);

/*
 * Parse len bytes of buf (no terminating NUL needed) and append its
 * domains to f.  Returns 0, or a negative PLM_E* code with *line_out set
 * to the 1-based line at fault (0 when the fault is not on one line, such
 * as a file without domains) and msg filled with a description of the
 * problem (no file name, no line number, no newline).  On error f keeps
 * the domains read before the faulty line; it must still be disposed.
 * PLM_ENOMEM is the only code that is not about the input.
 */
int plm_reqfile_parse(struct plm_reqfile *f, const char *buf, size_t len, size_t *line_out,
                      char *msg, size_t msgsz);

/* Name of domain i, i < f->n. */
const char *plm_reqfile_name(const struct plm_reqfile *f, size_t i);

/* Index of the domain called name: 0 and *idx_out set, or PLM_ENOENT. */
int plm_reqfile_find(const struct plm_reqfile *f, const char *name, size_t *idx_out);

/*
 * Read fp to its end into a fresh buffer (NUL-terminated, for convenience;
 * *len_out excludes the NUL).  Returns 0, PLM_ERANGE when the stream holds
 * more than limit bytes, PLM_ENOMEM, or PLM_EIO with errno set.  On error
 * *buf_out is NULL.  The caller frees the buffer.
 */
int plm_reqfile_read(FILE *fp, size_t limit, char **buf_out, size_t *len_out);

/*
 * Parse len bytes of s as an amount, like plm_amt_parse_n, and on error
 * describe it in msg for the operator: "'x1' is not a number", "'-2' is
 * negative", "'0.1234' has more than three decimal places", ...
 * Returns 0 or the PLM_E* code.
 */
int plm_reqfile_amount(const char *s, size_t len, plm_amt_t *amt_out, char *msg, size_t msgsz);

/*
 * What a plm_amt_parse error code means, as the end of a sentence that
 * starts with the quoted text: "is not a number", "has more than three
 * decimal places", "is too large (at most 1000000000)".
 */
const char *plm_reqfile_amt_error(int rc);

/*
 * Quote len bytes of s for a message: the text between single quotes,
 * with bytes that are not printable ASCII (and the backslash and quote)
 * escaped, and cut with "..." when it would not fit in 40 characters.
 * Returns dst.  dstsz of PLM_REQFILE_QUOTE_MAX always suffices.
 */
#define PLM_REQFILE_QUOTE_MAX 64
char *plm_reqfile_quote(char *dst, size_t dstsz, const char *s, size_t len);

#endif
