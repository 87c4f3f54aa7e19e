/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the executor of a pool order does with a live migration it runs
 * (issue 14), a pure function of where the domain stands on this host,
 * whether xl still runs, and the time: never a call, never the clock.
 *
 * The model is xl's own (tools/xl/xl_migrate.c, Xen 4.17 to 4.20).  The
 * sender copies the guest's memory while it runs (live), then suspends
 * it and sends the last pages; once the receiver says it is ready, the
 * sender renames its copy NAME--migratedaway and only then writes "go",
 * after which the receiver renames and unpauses its copy.  On a failure
 * before "go" the sender resumes the guest itself; the receiver starts
 * its copy only on "go".  Hence:
 *
 *   - while the guest runs here under its name, killing xl is safe: the
 *     guest goes on running here and the receiver never starts its copy;
 *   - once it is suspended, xl is not killed (it resumes the guest itself
 *     if the transfer fails): the executor waits past the timeout for at
 *     most ENG_MIG_SETTLE_MS, and kills it then only if the copy here
 *     still has its own name (no "go" was sent: the rename comes first);
 *   - once the copy here is renamed, "go" may have been sent and the
 *     destination may run the guest: xl is never killed, the copy here
 *     never resumed; past the settle the order is reported failed with
 *     what is known and xl is left to end by itself, logged loudly;
 *   - after xl ended (by itself or killed), a copy here that is suspended
 *     under its own name is resumed: nothing can send "go" any more and
 *     none was sent, so the destination does not run the guest.  With xl
 *     saying it succeeded, or the copy renamed, or its state unknown, it
 *     is left suspended: a guest run twice corrupts its disks, one left
 *     suspended waits for the operator, who is told to look at both ends;
 *   - a daemon that stops leaves xl running (it has its own process
 *     group and ends by itself); the order's state is settled from where
 *     the domain is when the daemon starts again;
 *   - a destination that has left the pool (its host record gone with
 *     its lease, in at least ENG_MIG_GONE_READS reads of the pool, the
 *     first of them at least the grace ago) cannot be waited for: xl may
 *     hang on a dead link for as long as TCP retries (about 15 minutes),
 *     so the migration is due then, as at its timeout, and the same rule
 *     by phase applies.  Two reads and the grace (the lease's TTL) keep a
 *     destination whose daemon restarts (its lease revoked, then granted
 *     again) from costing the migration.
 */
#ifndef XENPLM_ENGINE_MIG_GUARD_H
#define XENPLM_ENGINE_MIG_GUARD_H

#include <stdbool.h>
#include <stdint.h>

/* How long past its timeout a migration whose guest is suspended is
 * waited for before anything else is done, ms. */
#define ENG_MIG_SETTLE_MS 60000
/* Reads of the pool that must all miss the destination before it counts
 * as gone. */
#define ENG_MIG_GONE_READS 2

/* Where the migrating domain stands on this host (the source). */
enum eng_mig_stage {
    ENG_MIG_LIVE = 0,  /* it runs here under its own name */
    ENG_MIG_SUSPENDED, /* suspended or paused here under its own name */
    ENG_MIG_HANDED,    /* renamed NAME--migratedaway here: "go" may be sent */
    ENG_MIG_GONE,      /* no longer here */
    ENG_MIG_UNSURE,    /* the host cannot tell */
};

struct eng_mig_input {
    enum eng_mig_stage stage;
    bool running;  /* xl still runs */
    bool ok;       /* ended: xl said it succeeded */
    bool stopping; /* the daemon stops */
    bool aborted;  /* running: it was told to stop already */
    uint64_t now_ms, deadline_ms;
    /* The destination, by this host's reads of the pool since the
     * migration started: how many reads in a row missed it (0: the last
     * listed it, or none was made), since when (the first of them), and
     * how long it must have been missing before it counts as gone. */
    unsigned dest_missed;
    uint64_t dest_missed_ms, dest_grace_ms;
};

enum eng_mig_action {
    ENG_MIG_WAIT = 0, /* poll again */
    ENG_MIG_ABORT,    /* stop xl now */
    ENG_MIG_SETTLE,   /* past the timeout, suspended: wait, never stop it */
    ENG_MIG_LEAVE,    /* leave xl running and the order to a later look */
    ENG_MIG_GIVE_UP,  /* report failed with what is known, leave xl running */
    ENG_MIG_DONE,     /* it runs there, gone from here */
    ENG_MIG_FAILED,   /* it runs here */
    ENG_MIG_RESUME,   /* resume the copy here, then failed */
    ENG_MIG_STRANDED, /* leave the copy here suspended: failed, said loudly */
    ENG_MIG_LOST,     /* failed, and the domain is no longer here */
};

enum eng_mig_action eng_mig_decide(const struct eng_mig_input *in);
/* When the migration is due (its deadline, or earlier when the
 * destination is gone: *gone true then). */
uint64_t eng_mig_due(const struct eng_mig_input *in, bool *gone);
const char *eng_mig_action_name(enum eng_mig_action a);
const char *eng_mig_stage_name(enum eng_mig_stage s);

#endif
