/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU, in hundredths of a pCPU, onto the credit scheduler:
 *   weight = allocation x 256 / 100   (one pCPU is Xen's default weight
 *                                      of 256; weights are relative shares)
 *   cap    = allocation               (Xen's cap is in percent of a pCPU;
 *                                      at least 1, since 0 means no cap,
 *                                      and at most all its vcpus)
 *   vcpus  = ceil(allocation / 100), within 1..maxvcpus
 * Which of them apply is the rule's choice (weight, cap or both; vcpu
 * hotplug on or off).
 */
#include "config.h"

#include "engine/engine.h"

struct eng_cpu eng_cpu_map(const struct pol_domain *rule, plm_amt_t granted_pct, unsigned max_vcpus)
{
    struct eng_cpu m = {-1, -1, -1};
    plm_amt_t pct = granted_pct / PLM_SCALE;
    unsigned most = max_vcpus ? max_vcpus : 1;

    if (rule->cpu_enforce == POL_ENFORCE_WEIGHT || rule->cpu_enforce == POL_ENFORCE_BOTH) {
        plm_amt_t w = pct * ENG_WEIGHT_DEFAULT / 100;
        m.weight =
            (int)(w < ENG_WEIGHT_MIN ? ENG_WEIGHT_MIN : (w > ENG_WEIGHT_MAX ? ENG_WEIGHT_MAX : w));
    }
    if (rule->cpu_enforce == POL_ENFORCE_CAP || rule->cpu_enforce == POL_ENFORCE_BOTH) {
        plm_amt_t c = pct < 1 ? 1 : pct;
        m.cap = (int)(c > 100 * (plm_amt_t)most ? 100 * (plm_amt_t)most : c);
    }
    if (rule->vcpu_hotplug) {
        unsigned v = (unsigned)((pct + 99) / 100);
        m.vcpus = (int)(v < 1 ? 1 : (v > most ? most : v));
    }
    return m;
}
