/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the engine's own files. */
#ifndef XENPLM_ENGINE_ENGINE_INT_H
#define XENPLM_ENGINE_ENGINE_INT_H

#include "engine/engine.h"

/* A new action for eng_at(dom, i) (NULL only if eng_reserve was not called). */
struct eng_action *eng_plan_act(struct eng_plan *plan, enum eng_act_kind kind, size_t i);
/* A note for the log (dropped past the room eng_reserve made). */
void eng_plan_note(struct eng_plan *plan, int64_t domid, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* memory.c: whether the mover takes part for the domain (it is managed
 * and has a memory allocation). */
bool eng_moves(const struct eng_dom *e);

/* memory.c: one step of the mover; true when a balloon's cooperation
 * changed and its request was built again (arbitrate). */
bool eng_step_memory(const struct eng_input *in, struct eng_state *st, struct eng_table dom,
                     struct eng_scratch *scratch, struct eng_plan *plan);

/* allot.c: size the pools and arbitrate every resource; the allocations
 * in force change together when the trigger (or force) says so, the CPU
 * ones also when force_cpu does (a boost: memory keeps its damping). */
void eng_allot(const struct eng_input *in, const char *force, const char *force_cpu,
               struct eng_state *st, struct eng_table dom, struct eng_scratch *scratch,
               struct eng_plan *plan);

/* allot.c: size the pools alone, on a host with no domain to arbitrate
 * (what it could give is still known: pool mode publishes it). */
void eng_size_pools(const struct eng_input *in, struct eng_state *st, struct eng_table dom,
                    struct eng_plan *plan);

/* decide.c: the CPU actions that bring eng_at(dom, i) in line with its grant. */
void eng_cpu_actions(const struct eng_input *in, struct eng_dom *e, size_t i,
                     struct eng_plan *plan);

/* affinity.c: Xen accepted an ENG_ACT_AFFINITY. */
void eng_affinity_confirm(struct eng_dom *e, const struct eng_action *a);

/* kinds.c: the guest's balloon driver and vcpu hotplug as this turn's
 * snapshot saw them; true when what it can give or use changed (build its
 * request again and arbitrate). */
bool eng_kinds(const struct eng_input *in, struct eng_dom *e, struct eng_plan *plan);
/* kinds.c: a vcpus change is being sent: the check that it is followed. */
void eng_vcpus_asked(struct eng_dom *e, unsigned vcpus, uint64_t now_ms);
/* kinds.c: when the vcpus check wants the next turn (0: it does not). */
uint64_t eng_kinds_wake(const struct eng_dom *e);
/* kinds.c: what an accepted request's "ok" says besides (NULL: nothing). */
const char *eng_answer_note(const struct eng_dom *e);

#endif
