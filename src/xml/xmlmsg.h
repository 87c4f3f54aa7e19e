/* SPDX-License-Identifier: GPL-2.0-only */
/* Inside src/xml/: libxml2's messages in our words. */
#ifndef XENPLM_XML_XMLMSG_H
#define XENPLM_XML_XMLMSG_H

#include <stddef.h>

#include "xml/xmlload.h"

/*
 * One libxml2 message in our style, in out: one line, lower case, no full
 * stop, "element 'x', attribute 'y': problem", and a schema facet said in
 * words (fmt->pattern_hint) rather than as the regular expression it is.
 */
void px_tidy_message(const struct px_format *fmt, const char *in, char *out, size_t outlen);

#endif
