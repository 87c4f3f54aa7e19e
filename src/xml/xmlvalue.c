/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Walking a validated tree, and the values the loaders read from it:
 * amounts, durations, choices and switches, each checked and, when wrong,
 * recorded as a problem with the element and attribute it came from.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "core/error.h"
#include "xml/xmlload.h"

bool px_is(const xmlNode *n, const char *name)
{
    return strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *next_element(const xmlNode *n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

const xmlNode *px_first_child(const xmlNode *n)
{
    return next_element(n->children);
}

const xmlNode *px_next_sibling(const xmlNode *n)
{
    return next_element(n->next);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A malloc'd copy of s without surrounding white space (the schemas' xs:token allows it). */
static char *dup_trimmed(const char *s)
{
    size_t len;
    char *out;

    while (is_space(*s))
        s++;
    len = strlen(s);
    while (len && is_space(s[len - 1]))
        len--;
    out = malloc(len + 1);
    if (out) {
        memcpy(out, s, len);
        out[len] = '\0';
    }
    return out;
}

int px_value(struct px_loader *ld, const xmlNode *n, const char *attr, char **out)
{
    xmlChar *raw = attr ? xmlGetProp(n, (const xmlChar *)attr) : xmlNodeGetContent(n);

    *out = NULL;
    if (!raw)
        return attr ? 0 : px_fail(ld, n, NULL, PLM_ENOMEM, "out of memory");
    *out = dup_trimmed((const char *)raw);
    xmlFree(raw);
    return *out ? 0 : px_fail(ld, n, attr, PLM_ENOMEM, "out of memory");
}

int px_amount(struct px_loader *ld, const xmlNode *n, const char *attr, const char *s, plm_amt_t *v)
{
    const int q = ld->fmt->quote_max;
    int rc = plm_amt_parse(s, v);

    if (rc == PLM_EPRECISION)
        return px_fail(ld, n, attr, PLM_EINVAL, "'%.*s' has more than three decimal places", q, s);
    if (rc == PLM_ERANGE)
        return px_fail(ld, n, attr, PLM_EINVAL, "'%.*s' is above 1000000000", q, s);
    if (rc < 0)
        return px_fail(ld, n, attr, PLM_EINVAL,
                       "'%.*s' is not a valid value (expected a number such as 12 or 6.5)", q, s);
    return 0;
}

int px_get_amount(struct px_loader *ld, const xmlNode *n, const char *attr, plm_amt_t *v,
                  bool *given)
{
    char *s;
    int rc = px_value(ld, n, attr, &s);

    if (rc < 0 || !s)
        return rc;
    rc = px_amount(ld, n, attr, s, v);
    if (rc == 0 && given)
        *given = true;
    free(s);
    return rc;
}

const char *px_duration_format(uint64_t ms, char *buf, size_t len)
{
    if (ms && ms % 3600000 == 0)
        snprintf(buf, len, "%lluh", (unsigned long long)(ms / 3600000));
    else if (ms && ms % 60000 == 0)
        snprintf(buf, len, "%llumin", (unsigned long long)(ms / 60000));
    else if (ms && ms % 1000 == 0)
        snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
    else
        snprintf(buf, len, "%llums", (unsigned long long)ms);
    return buf;
}

int px_get_duration(struct px_loader *ld, const xmlNode *n, const char *attr, uint64_t lo,
                    uint64_t hi, uint64_t *v, bool *given)
{
    const int q = ld->fmt->quote_max;
    uint64_t ms = 0;
    char *s;
    int rc = px_value(ld, n, attr, &s);

    if (rc < 0 || !s)
        return rc;
    rc = plm_duration_parse(s, strlen(s), &ms);
    if (rc == PLM_EGRAMMAR) {
        rc = px_fail(ld, n, attr, PLM_EINVAL,
                     "'%.*s' is not a valid value (expected a duration such as %s)", q, s,
                     ld->fmt->duration_examples);
    } else if (rc < 0 || ms < lo || ms > hi) {
        char los[32], his[32];
        rc = px_fail(ld, n, attr, PLM_EINVAL, "'%.*s' is outside %s..%s", q, s,
                     px_duration_format(lo, los, sizeof(los)),
                     px_duration_format(hi, his, sizeof(his)));
    } else {
        rc = 0;
        *v = ms;
        if (given)
            *given = true;
    }
    free(s);
    return rc;
}

int px_get_choice(struct px_loader *ld, const xmlNode *n, const char *attr,
                  const char *const *words, size_t count, int *v)
{
    char *s;
    int rc = px_value(ld, n, attr, &s);
    size_t i = 0;

    if (rc < 0 || !s)
        return rc;
    while (i < count && strcmp(s, words[i]) != 0)
        i++;
    if (i < count)
        *v = (int)i;
    else
        rc = px_fail(ld, n, attr, PLM_EINVAL, "'%.*s' is not a valid value here",
                     ld->fmt->quote_max, s);
    free(s);
    return rc;
}

int px_get_switch(struct px_loader *ld, const xmlNode *n, const char *attr, bool *v)
{
    static const char *const words[] = {"false", "true"};
    int x = *v;
    int rc = px_get_choice(ld, n, attr, words, 2, &x);

    *v = x != 0;
    return rc;
}
