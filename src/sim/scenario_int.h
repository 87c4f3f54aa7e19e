/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the scenario parser, four files, each calling only those below
 * it: the statements and entry points (scenario.c), the at-line events
 * (scenario_event.c), the pieces both use (scenario_spec.c: errors,
 * options, domain specs and names), and the lexer (scenario_lex.c).
 * Nothing outside those files includes this.
 */
#ifndef XENPLM_SIM_SCENARIO_INT_H
#define XENPLM_SIM_SCENARIO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

/* ---- the lexer ---------------------------------------------------------- */

/* A word of a line (not NUL-terminated). */
struct sim_word {
    const char *s;
    size_t n;
};

/* The rest of a line being read. */
struct sim_lex {
    const char *p, *end;
};

/* The next word: false at the end of the line or at a '#' comment. */
bool sim_lex_word(struct sim_lex *lx, struct sim_word *w);
/* Whether a quoted string comes next. */
bool sim_lex_at_string(struct sim_lex *lx);
/*
 * A quoted string with C escapes (\n \t \r \\ \" \xNN), optionally
 * followed by *COUNT to repeat it.  Returns 0 and a malloc'd value, or
 * a negative code with a reason in why (static text or in whybuf).
 */
int sim_lex_string(struct sim_lex *lx, char **out, size_t *len, char *whybuf, size_t whylen);

bool sim_word_is(const struct sim_word *w, const char *s);
/* A decimal integer in [min, max]: 0, PLM_EGRAMMAR or PLM_ERANGE. */
int sim_word_u64(const struct sim_word *w, uint64_t min, uint64_t max, uint64_t *v);
/* A time, a duration (common/duration.h): 0, PLM_EGRAMMAR or PLM_ERANGE. */
int sim_word_time(const struct sim_word *w, uint64_t *ms);

/* Arguments for "'%.*s%s'": the word, cut to 32 bytes. */
#define SIM_WORD_MAXQ 32
#define SIM_QUOTE(w)                                                                               \
    (int)((w)->n > SIM_WORD_MAXQ ? SIM_WORD_MAXQ : (w)->n), (w)->s,                                \
        ((w)->n > SIM_WORD_MAXQ ? "..." : "")

/* ---- the parser --------------------------------------------------------- */

/* A domain name seen so far, and the line of the event that destroyed it. */
struct sim_scn_name {
    char name[PORT_NAME_MAX];
    unsigned line, destroyed;
};

struct sim_parser {
    const char *file;
    unsigned line;
    char prefix[96]; /* context of the statement, e.g. "domain web" */
    char *err;
    size_t errlen;
    struct sim_scenario *s;
    unsigned host_line, end_line, last_at_line;
    uint64_t last_ms, used_kib;
    struct sim_scn_name *names;
    size_t nnames, names_cap;
};

#if defined(__GNUC__)
int sim_scn_fail(struct sim_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
/* Report "FILE:LINE: prefix: message" and return PLM_EGRAMMAR. */
int sim_scn_fail(struct sim_parser *ps, const char *fmt, ...);

/*
 * Room for element n of an array of *cap elements of size bytes: arr
 * itself while it has room, else the array grown to twice its capacity
 * (8 at first), *cap updated; NULL when out of memory (arr is left as it
 * was).  Geometric growth keeps loading a long scenario linear.
 */
void *sim_scn_grow(void *arr, size_t *cap, size_t n, size_t size);

/* The options of the host line (scenario_spec.c, like the four below). */
int sim_scn_host(struct sim_parser *ps, struct sim_lex *lx);
/* The key=value options of a domain or create line into *sp. */
int sim_scn_spec(struct sim_parser *ps, struct sim_lex *lx, struct port_sim_domspec *sp);
/* A new domain's name, valid and not in use at this point of the file;
 * recorded, and the prefix set to "what NAME". */
int sim_scn_new_name(struct sim_parser *ps, struct sim_lex *lx, const char *what, char *out);
struct sim_scn_name *sim_scn_find_name(struct sim_parser *ps, const struct sim_word *w);
/* The rest of an at line, after its time, into *ev. */
int sim_scn_event(struct sim_parser *ps, struct sim_lex *lx, struct sim_event *ev);

#endif
