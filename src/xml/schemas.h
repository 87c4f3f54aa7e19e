/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The schemas compiled into the programs (generated at build time from
 * policies/xenplm-*.xsd by src/xml/xsd2c.sh): the loaders validate with them
 * unless --schema names a file, so a program works from the build tree
 * and whatever was, or was not, installed.  The installed copies in
 * $(pkgdatadir) are for other tools (editors, xmllint).
 */
#ifndef XENPLM_XML_SCHEMAS_H
#define XENPLM_XML_SCHEMAS_H

#include <stddef.h>

struct px_builtin {
    const char *name; /* named in messages: "built-in xenplm-policy.xsd" */
    const char *data;
    size_t len;
};

/* In src/libplmpolicy.a. */
extern const struct px_builtin px_policy_xsd;
/* In guest-agent/libagentgoals.a. */
extern const struct px_builtin px_goals_xsd;

#endif
