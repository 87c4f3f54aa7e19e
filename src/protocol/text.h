/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rules shared by every value of the guest<->dom0 xenstore protocol.
 *
 * Every value is text: lines of printable ASCII, each ending in one LF,
 * fields separated by exactly one space, numbers in plain decimal with no
 * sign and no leading zero.  Values are small (xenstored's default node
 * size bounds them) and guests are not trusted, so the rules are strict:
 * there is one way to write each thing, and anything else is refused with
 * a precise, short reason.
 *
 * A decoder reports a refusal in a struct proto_error.  Its text is meant
 * to be written back to the guest (see grant.h, proto_status_format) and
 * logged by the daemon, so it is bounded, printable ASCII, and quotes
 * guest bytes only once they are known to be printable, and never more
 * than PROTO_QUOTE_MAX of them.
 *
 * The rest of this header is the toolkit the codecs (request.c, grant.c)
 * share: a byte checker, a line and field splitter over a buffer that need
 * not be NUL-terminated, number lexers, and a bounded output writer.
 */
#ifndef XENPLM_PROTOCOL_TEXT_H
#define XENPLM_PROTOCOL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/amount.h"

/* Longest value, in bytes: C xenstored's default node size. */
#define PROTO_VALUE_MAX 2048

/* Size of proto_error.text, with its NUL. */
#define PROTO_ERR_LEN 128

/* Guest bytes quoted in an error text, at most; longer words end in "...". */
#define PROTO_QUOTE_MAX 16

struct proto_error {
    int rc;                   /* the code the decoder returned, 0 on success */
    unsigned line;            /* 1-based line the error is on, 0 for the whole value */
    size_t offset;            /* byte offset in the value where it was detected */
    char text[PROTO_ERR_LEN]; /* "line 3: cpu level 17: too many levels (max 16)"; "" on success */
};

/* A piece of the value: s[0..n), starting at byte off of the value. */
struct proto_span {
    const char *s;
    size_t n;
    size_t off;
};

/* Lines of a value already accepted by proto_check_text. */
struct proto_lines {
    const char *buf;
    size_t len;
    size_t pos;
    unsigned no; /* number of the line last returned */
};

/* Fields of one line. */
struct proto_fields {
    const char *base; /* start of the value, to compute offsets */
    const char *p;    /* next field */
    const char *end;  /* end of the line, before its LF */
    bool after_space; /* a separator was consumed: a field must follow */
    unsigned line;
};

/* Reset err (which may be NULL) to "no error". */
void proto_error_clear(struct proto_error *err);

#if defined(__GNUC__)
int proto_fail(struct proto_error *err, int rc, unsigned line, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#endif
/*
 * Record a refusal in err (which may be NULL) and return rc, so decoders
 * can write `return proto_fail(...)`.  The text is prefixed with
 * "line N: " when line is not 0.
 */
int proto_fail(struct proto_error *err, int rc, unsigned line, size_t offset, const char *fmt, ...);

/*
 * The byte-level rules every value follows: 1 to max bytes, printable
 * ASCII and LF only, ending in LF.  Returns 0 or a negative PLM_E* code
 * with err filled (PLM_ERANGE when too large, PLM_EGRAMMAR otherwise).
 */
int proto_check_text(const char *buf, size_t len, size_t max, struct proto_error *err);

void proto_lines_init(struct proto_lines *it, const char *buf, size_t len);
/* The next line without its LF, or false at the end of the value. */
bool proto_lines_next(struct proto_lines *it, struct proto_span *line);

void proto_fields_init(struct proto_fields *f, const char *base, const struct proto_span *line,
                       unsigned lineno);
/*
 * The next field: returns 1 with *out set, 0 when the line has no more
 * fields, or PLM_EGRAMMAR (err filled) for an empty field, that is a
 * leading, trailing or doubled space.
 */
int proto_fields_next(struct proto_fields *f, struct proto_span *out, struct proto_error *err);

/* Whether the span is exactly the NUL-terminated word. */
bool proto_span_is(const struct proto_span *sp, const char *word);

/* Arguments for "%.*s%s": the span, cut to PROTO_QUOTE_MAX bytes. */
#define PROTO_QUOTE(sp)                                                                            \
    (int)((sp)->n > PROTO_QUOTE_MAX ? PROTO_QUOTE_MAX : (sp)->n), (sp)->s,                         \
        ((sp)->n > PROTO_QUOTE_MAX ? "..." : "")

/*
 * Numbers.  Both return 0 and set *v, or a negative PLM_E* code and set
 * *why to a short reason ("not a number", "leading zero", ...); *v is
 * untouched on error.  Checks come in a fixed order (characters, leading
 * zero, decimal places, range) so that each input has one answer.
 *
 * proto_lex_u64: [0-9]+, no leading zero, at most UINT64_MAX; PLM_ERANGE
 * above it.
 * proto_lex_amount: [0-9]+(\.[0-9]{1,3})?, no leading zero in the whole
 * part, at most PLM_AMT_MAX; PLM_EPRECISION for more than three decimals,
 * PLM_ERANGE above PLM_AMT_MAX.
 */
int proto_lex_u64(const struct proto_span *sp, uint64_t *v, const char **why);
int proto_lex_amount(const struct proto_span *sp, plm_amt_t *v, const char **why);

/* A bounded writer for the encoders: never writes past size bytes. */
struct proto_out {
    char *buf;
    size_t size;
    size_t len;
    bool overflow;
};

void proto_out_init(struct proto_out *o, char *buf, size_t size);
void proto_out_str(struct proto_out *o, const char *s);
void proto_out_u64(struct proto_out *o, uint64_t v);
void proto_out_amount(struct proto_out *o, plm_amt_t v);
/* NUL-terminate; the length written (without the NUL), or PLM_ERANGE if it did not fit. */
int proto_out_finish(struct proto_out *o);

#endif
