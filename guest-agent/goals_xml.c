/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The goals loader's dealings with libxml2: reading a bounded file,
 * parsing it closed to the world, validating it against the schema, and
 * turning libxml2's messages into our one-line style.  The same approach
 * as the dom0 policy loader (src/policy/policy.c), so a guest admin and a
 * host admin read errors of the same shape.
 *
 * libxml2 reports through callbacks; while a load runs ours are installed
 * and find the load through a thread-local pointer (which pointer libxml2
 * passes as the callback's data has varied between versions).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include "core/error.h"
#include "guest-agent/goals_int.h"

/* libxml2 2.12 made the structured error handler take a const error. */
#if LIBXML_VERSION >= 21200
typedef const xmlError goals_xml_error;
#else
typedef xmlError goals_xml_error;
#endif

/* No network, no DTD loading, no entity substitution, no XInclude; exact line numbers. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES)

static _Thread_local struct goals_loader *current;

static void record(struct goals_loader *ld, long line, int rc, const char *msg)
{
    /* Later problems often follow from the first: keep only that one. */
    if (ld->rc)
        return;
    ld->rc = rc;
    ld->line = line > 0 ? line : 0;
    snprintf(ld->msg, sizeof(ld->msg), "%s", msg);
}

int goals_fail(struct goals_loader *ld, const xmlNode *n, const char *attr, int rc, const char *fmt,
               ...)
{
    char msg[AGENT_GOALS_ERR_MAX];
    int off = 0;
    va_list ap;

    /* Named like libxml2's schema messages, so every error reads alike. */
    if (n)
        off = attr ? snprintf(msg, sizeof(msg),
                              "element '%s', attribute '%s': ", (const char *)n->name, attr)
                   : snprintf(msg, sizeof(msg), "element '%s': ", (const char *)n->name);
    if (off < 0 || (size_t)off >= sizeof(msg))
        off = 0;
    va_start(ap, fmt);
    vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
    va_end(ap);
    record(ld, n ? xmlGetLineNo(n) : 0, rc, msg);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* libxml2's messages in our words                                          */

/*
 * The patterns of policies/xenplm-goals.xsd, and what each stands for.  A
 * schema message quotes the regular expression a value failed; the person
 * editing the file is better served by an example.
 */
static const struct {
    const char *pattern;
    const char *hint;
} hints[] = {
    {"[0-9]+(\\.[0-9]+)?", "expected a number such as 12 or 6.5"},
    {"[0-9]+", "expected a whole number such as 1 or 12"},
    {"[0-9]+(ms|s|m|min|h)", "expected a duration such as 500ms, 5s, 2min or 1h"},
    {"[0-9]{2}:[0-9]{2}", "expected a time of day such as 08:00 or 17:30"},
    {"[a-z]+(-[a-z]+)?(,[a-z]+(-[a-z]+)?)*", "expected daily, or days such as mon-fri or sat,sun"},
    {"[A-Za-z0-9][A-Za-z0-9._\\-]*",
     "expected letters, digits, '.', '_' and '-', starting with a letter or digit"},
};

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The part of a schema message after "element 'x': ", in out. */
static void tidy_body(const char *in, char *out, size_t outlen)
{
    static const char pat[] = "[facet 'pattern'] The value '";
    static const char pat_mid[] = "' is not accepted by the pattern '";
    static const char en[] = "[facet 'enumeration'] The value '";
    static const char en_mid[] = "' is not an element of the set {";
    const char *mid;

    if (starts(in, pat) && (mid = strstr(in + sizeof(pat) - 1, pat_mid)) != NULL) {
        const char *v = in + sizeof(pat) - 1, *p = mid + sizeof(pat_mid) - 1;
        size_t plen = strlen(p);
        const char *hint = NULL;

        if (plen && p[plen - 1] == '\'')
            plen--;
        for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]) && !hint; i++)
            if (strlen(hints[i].pattern) == plen && strncmp(hints[i].pattern, p, plen) == 0)
                hint = hints[i].hint;
        snprintf(out, outlen, "'%.*s' is not a valid value%s%s%s", (int)(mid - v), v,
                 hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
        return;
    }
    if (starts(in, en) && (mid = strstr(in + sizeof(en) - 1, en_mid)) != NULL) {
        const char *v = in + sizeof(en) - 1, *set = mid + sizeof(en_mid) - 1;
        size_t slen = strlen(set);

        if (slen && set[slen - 1] == '}')
            slen--;
        snprintf(out, outlen, "'%.*s' is not one of %.*s", (int)(mid - v), v, (int)slen, set);
        return;
    }
    /* Quoting a value that is too long helps nobody: say how long it is. */
    if (starts(in, "[facet 'maxLength'] ") && (mid = strstr(in, "' has a length of '")) != NULL) {
        const char *max = strstr(mid, "maximum length of '");
        snprintf(out, outlen, "the value is %.*s characters long, more than %.*s",
                 (int)strcspn(mid + 19, "'"), mid + 19, max ? (int)strcspn(max + 19, "'") : 1,
                 max ? max + 19 : "?");
        return;
    }
    if (starts(in, "[facet '") && strstr(in, "] "))
        in = strstr(in, "] ") + 2;
    snprintf(out, outlen, "%s", in);
    /* "The attribute ..." reads as "the attribute ..."; "XML declaration" keeps its case. */
    if (out[0] >= 'A' && out[0] <= 'Z' && out[1] >= 'a' && out[1] <= 'z')
        out[0] = (char)(out[0] - 'A' + 'a');
}

/* One line, lower case, no full stop: "element 'x', attribute 'y': problem". */
static void tidy(const char *in, char *out, size_t outlen)
{
    char line[AGENT_GOALS_ERR_MAX], body[AGENT_GOALS_ERR_MAX];
    size_t n = 0, plen = 0;

    for (; in && in[n] && n + 1 < sizeof(line); n++)
        line[n] = (in[n] == '\n' || in[n] == '\r' || in[n] == '\t') ? ' ' : in[n];
    while (n && (line[n - 1] == ' ' || line[n - 1] == '.'))
        n--;
    line[n] = '\0';
    if (starts(line, "Element '")) {
        const char *end = strstr(line + 9, "': ");
        if (end) {
            line[0] = 'e';
            plen = (size_t)(end + 3 - line);
        }
    }
    tidy_body(line + plen, body, sizeof(body));
    /* Prefix and body each fit; together they may not, and are cut short. */
    size_t k = plen < outlen ? plen : outlen - 1;
    size_t blen = strlen(body);

    if (blen > outlen - 1 - k)
        blen = outlen - 1 - k;
    memcpy(out, line, k);
    memcpy(out + k, body, blen);
    out[k + blen] = '\0';
}

static void on_xml_error(void *data, goals_xml_error *e)
{
    char msg[AGENT_GOALS_ERR_MAX];

    (void)data;
    /* Warnings never fail a load. */
    if (!current || !e || e->level < XML_ERR_ERROR)
        return;
    tidy(e->message, msg, sizeof(msg));
    record(current, e->line, PLM_EGRAMMAR, msg);
}

/* The unstructured channel: whatever still goes there is dropped, never printed. */
static void on_xml_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/*
 * SAX callback for "<!DOCTYPE".  Goals need no DTD, and a DTD is where
 * entity tricks live (external entities, expansion bombs): stop here,
 * before a single declaration is read.
 */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    xmlParserCtxt *ctxt = ctx;

    (void)name;
    (void)external_id;
    (void)system_id;
    if (current)
        record(current, ctxt->input ? ctxt->input->line : 0, PLM_EGRAMMAR,
               "document type declarations (<!DOCTYPE>) are not allowed");
    xmlStopParser(ctxt);
}

void goals_handlers_install(struct goals_loader *ld, struct goals_saved_handlers *saved)
{
    xmlInitParser();
    saved->serror = xmlStructuredError;
    saved->serror_ctx = xmlStructuredErrorContext;
    saved->generic = xmlGenericError;
    saved->generic_ctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(NULL, on_xml_error);
    xmlSetGenericErrorFunc(NULL, on_xml_generic);
    current = ld;
}

void goals_handlers_restore(const struct goals_saved_handlers *saved)
{
    current = NULL;
    xmlSetStructuredErrorFunc(saved->serror_ctx, saved->serror);
    xmlSetGenericErrorFunc(saved->generic_ctx, saved->generic);
}

/* ------------------------------------------------------------------------ */
/* Reading, parsing, validating                                             */

int goals_read_bounded(struct goals_loader *ld, const char *path, char **buf_out, size_t *len_out)
{
    /* One byte past the limit tells a file at the limit from a larger one. */
    const size_t cap = AGENT_GOALS_MAX_FILE + 1;
    char *buf = NULL;
    size_t len = 0;
    struct stat st;
    int rc = 0;
    /* O_NONBLOCK: a FIFO must not hang the agent (it is refused below). */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0)
        return goals_fail(ld, NULL, NULL, PLM_EIO, "cannot open: %s", strerror(errno));
    if (fstat(fd, &st) < 0) {
        rc = goals_fail(ld, NULL, NULL, PLM_EIO, "cannot read: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = goals_fail(ld, NULL, NULL, PLM_EIO, "not a regular file");
        goto out;
    }
    buf = malloc(cap);
    if (!buf) {
        rc = goals_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
        goto out;
    }
    /* Read to the end rather than trust st_size: the file may be growing. */
    while (len < cap) {
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = goals_fail(ld, NULL, NULL, PLM_EIO, "cannot read: %s", strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    if (len > AGENT_GOALS_MAX_FILE) {
        rc = goals_fail(ld, NULL, NULL, PLM_ERANGE, "larger than %zu bytes", AGENT_GOALS_MAX_FILE);
        goto out;
    }
    *buf_out = buf;
    *len_out = len;
    buf = NULL;
out:
    close(fd);
    free(buf);
    return rc;
}

xmlDoc *goals_parse(struct goals_loader *ld, const char *buf, size_t len)
{
    xmlParserCtxt *ctxt;
    xmlDoc *doc;

    if (len > AGENT_GOALS_MAX_FILE) {
        goals_fail(ld, NULL, NULL, PLM_ERANGE, "larger than %zu bytes", AGENT_GOALS_MAX_FILE);
        return NULL;
    }
    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        goals_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
        return NULL;
    }
    ctxt->sax->internalSubset = refuse_doctype;
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, ld->file, NULL, PARSE_OPTIONS);
    if (!doc && !ld->rc)
        goals_fail(ld, NULL, NULL, PLM_EGRAMMAR, "not well-formed XML");
    if (doc && ld->rc) {
        /* Stopped at a DOCTYPE: libxml2 may still hand back what it had. */
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* The schema, parsed; messages about it name the schema file. */
static xmlSchema *schema_load(struct goals_loader *ld, const char *path, xmlDoc **doc_out)
{
    const char *goals_file = ld->file;
    char *buf = NULL;
    size_t len = 0;
    xmlDoc *doc = NULL;
    xmlSchemaParserCtxt *pctxt = NULL;
    xmlSchema *schema = NULL;

    ld->file = path;
    if (goals_read_bounded(ld, path, &buf, &len) < 0)
        goto out;
    doc = goals_parse(ld, buf, len);
    if (!doc)
        goto out;
    pctxt = xmlSchemaNewDocParserCtxt(doc);
    if (!pctxt) {
        goals_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
        goto out;
    }
    xmlSchemaSetParserStructuredErrors(pctxt, on_xml_error, NULL);
    schema = xmlSchemaParse(pctxt);
    if (!schema)
        goals_fail(ld, NULL, NULL, PLM_EGRAMMAR, "not a usable XML Schema");
out:
    if (!ld->rc)
        ld->file = goals_file;
    xmlSchemaFreeParserCtxt(pctxt);
    free(buf);
    /* The schema may point into its document: that lives as long as the schema. */
    if (schema)
        *doc_out = doc;
    else
        xmlFreeDoc(doc);
    return schema;
}

int goals_validate(struct goals_loader *ld, const char *schema_path, xmlDoc *doc)
{
    xmlDoc *schema_doc = NULL;
    xmlSchema *schema = schema_load(ld, schema_path, &schema_doc);
    xmlSchemaValidCtxt *vctxt = NULL;

    if (!schema)
        return ld->rc;
    vctxt = xmlSchemaNewValidCtxt(schema);
    if (!vctxt) {
        goals_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
    } else {
        xmlSchemaSetValidStructuredErrors(vctxt, on_xml_error, NULL);
        if (xmlSchemaValidateDoc(vctxt, doc) != 0)
            goals_fail(ld, NULL, NULL, PLM_EGRAMMAR, "not valid against the schema");
    }
    xmlSchemaFreeValidCtxt(vctxt);
    xmlSchemaFree(schema);
    xmlFreeDoc(schema_doc);
    return ld->rc;
}
