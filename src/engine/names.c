/* SPDX-License-Identifier: GPL-2.0-only */
/* The engine's names for its enums, as operators see them. */
#include "config.h"

#include "engine/engine.h"

const char *eng_source_name(enum eng_source src)
{
    switch (src) {
    case ENG_SRC_NONE:
        return "none";
    case ENG_SRC_AGENT:
        return "agent";
    case ENG_SRC_AGENTLESS:
        return "agentless";
    case ENG_SRC_OVERRIDE:
        return "override";
    }
    return "?";
}
