/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the policy loader (src/policy/, xenplm-policy(5)):
 * pol_load_memory on the input, validated against the tree's
 * policies/xenplm-policy.xsd as xenplmd and `xenplm policy-check` do, so
 * that the code after the schema (the rules it cannot express, the
 * conversion to plain structs) sees what the schema lets through.  A
 * policy that loads is then used as the daemon uses it: matched against
 * a few names, its pools sized from host facts, and disposed.  Built and
 * run by tests/fuzz/fuzz.sh (`make fuzz`).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"web", "db1", "Domain-0", "", "a*b?"};
    static const struct pol_host_facts facts = {
        .pcpus = 8, .mem_total = 65536, .mem_free = 4096, .mem_domu = 32768};
    struct pol_policy p;
    char err[POL_ERR_MAX];
    plm_amt_t total;
    int rc;

    memset(&p, 0, sizeof(p));
    err[0] = '\0';
    rc = pol_load_memory((const char *)data, size, "fuzz.xml",
                         XENPLM_FUZZ_SRCDIR "/policies/xenplm-policy.xsd", &p, err, sizeof(err));
    if (rc != 0) {
        if (err[0] == '\0' || rc > 0)
            abort();
        return 0;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (pol_match(&p, names[i], NULL) == NULL)
            abort();
    (void)pol_pool_total(&p, POL_CPU, &facts, &total);
    (void)pol_pool_total(&p, POL_MEMORY, &facts, &total);
    pol_policy_dispose(&p);
    return 0;
}
