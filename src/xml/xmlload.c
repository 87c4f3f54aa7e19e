/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The XML loaders' dealings with libxml2: error handlers that capture,
 * reading a bounded file, parsing it closed to the world, validating it
 * against the schema, and the one-line outcome.  See xmlload.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlversion.h>

#include "core/error.h"
#include "xml/xmlload.h"
#include "xml/xmlmsg.h"

/* libxml2 2.12 made the structured error handler take a const error. */
#if LIBXML_VERSION >= 21200
typedef const xmlError px_xml_error;
#else
typedef xmlError px_xml_error;
#endif

/*
 * No network, no DTD loading, no entity substitution (no XML_PARSE_NOENT,
 * XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR) and no XInclude; BIG_LINES keeps
 * line numbers right past 65535.  A DOCTYPE is refused anyway, see below.
 */
#define PARSE_OPTIONS                                                                              \
    (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES | XML_PARSE_IGNORE_ENC)

static _Thread_local struct px_loader *current;

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */

static void record(struct px_loader *ld, long line, int rc, const char *msg)
{
    /* The first problem is the one worth reading; later ones often follow from it. */
    if (ld->rc)
        return;
    ld->rc = rc;
    ld->line = line > 0 ? line : 0;
    snprintf(ld->msg, sizeof(ld->msg), "%s", msg);
}

int px_fail(struct px_loader *ld, const xmlNode *n, const char *attr, int rc, const char *fmt, ...)
{
    char msg[PX_MSG_MAX];
    int off = 0;
    va_list ap;

    /* Same shape as libxml2's schema messages, so every error reads alike. */
    if (n && attr)
        off = snprintf(msg, sizeof(msg), "element '%s', attribute '%s': ", (const char *)n->name,
                       attr);
    else if (n)
        off = snprintf(msg, sizeof(msg), "element '%s': ", (const char *)n->name);
    if (off < 0 || (size_t)off >= sizeof(msg))
        off = 0;
    va_start(ap, fmt);
    vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
    va_end(ap);
    record(ld, n ? xmlGetLineNo(n) : 0, rc, msg);
    return rc;
}

static void on_xml_error(void *data, px_xml_error *e)
{
    char msg[PX_MSG_MAX];

    (void)data;
    /* Warnings never fail a load, and are not worth a line of their own. */
    if (!current || !e || e->level < XML_ERR_ERROR)
        return;
    px_tidy_message(current->fmt, e->message, msg, sizeof(msg));
    record(current, e->line, PLM_EGRAMMAR, msg);
}

/* libxml2's unstructured channel: anything still sent there is dropped, never printed. */
static void on_xml_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/*
 * SAX callback for "<!DOCTYPE".  Neither a policy nor goals have a use for
 * a DTD, and a DTD is where entity tricks live (external entities,
 * expansion bombs), so the parse stops right here, before a single
 * declaration is read.
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

/* The error handlers in force before a load, restored after it. */
struct saved_handlers {
    xmlStructuredErrorFunc serror;
    void *serror_ctx;
    xmlGenericErrorFunc generic;
    void *generic_ctx;
};

static void handlers_install(struct px_loader *ld, struct saved_handlers *saved)
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

static void handlers_restore(const struct saved_handlers *saved)
{
    current = NULL;
    xmlSetStructuredErrorFunc(saved->serror_ctx, saved->serror);
    xmlSetGenericErrorFunc(saved->generic_ctx, saved->generic);
}

/* ------------------------------------------------------------------------ */
/* Reading, parsing, validating                                             */

/* Read a whole regular file of at most fmt->max_size bytes. */
static int read_bounded(struct px_loader *ld, const char *path, char **buf_out, size_t *len_out)
{
    const size_t max = ld->fmt->max_size;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat st;
    int rc = 0;
    /* O_NONBLOCK: opening a FIFO must not hang the daemon or the agent; it is refused below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0) {
        rc = px_fail(ld, NULL, NULL, PLM_EIO, "cannot open: %s", strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0) {
        rc = px_fail(ld, NULL, NULL, PLM_EIO, "cannot read: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = px_fail(ld, NULL, NULL, PLM_EIO, "not a regular file");
        goto out;
    }
    /* Read one byte past the limit rather than trust st_size: the file may grow. */
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 16384;
            if (ncap > max + 1)
                ncap = max + 1;
            char *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                rc = px_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
                goto out;
            }
            buf = nbuf;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = px_fail(ld, NULL, NULL, PLM_EIO, "cannot read: %s", strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len > max) {
            rc = px_fail(ld, NULL, NULL, PLM_ERANGE, "larger than %zu bytes", max);
            goto out;
        }
    }
    *buf_out = buf;
    *len_out = len;
    buf = NULL;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The shape of a document, before libxml2 sees it                          */

/*
 * Move *i past the first occurrence of end in buf (counting lines); false
 * when there is none.
 */
static bool skip_past(const char *buf, size_t len, size_t *i, long *line, const char *end)
{
    size_t n = strlen(end);

    for (; *i + n <= len; (*i)++) {
        if (memcmp(buf + *i, end, n) == 0) {
            *i += n;
            return true;
        }
        if (buf[*i] == '\n')
            (*line)++;
    }
    return false;
}

static int too_many(struct px_loader *ld, long line, const char *what, size_t limit)
{
    char msg[PX_MSG_MAX];

    snprintf(msg, sizeof(msg), "more than %zu %s: refused before parsing", limit, what);
    record(ld, line, PLM_ERANGE, msg);
    return PLM_ERANGE;
}

/*
 * A linear scan of buf that counts elements, the attributes of each start
 * tag and the nesting depth, and refuses a document past fmt's bounds
 * before libxml2 parses it: a file under the size limit can otherwise hold
 * tens of thousands of attributes on one element, and libxml2 takes time
 * quadratic in their number.  The scan knows only enough XML to count
 * (comments, processing instructions, CDATA, quoted values); anything it
 * does not understand ends the scan and is left to the parser, which
 * stops there too.
 *
 * The scan reads bytes as ASCII, so the parser must read them the same
 * way: documents are UTF-8 (PARSE_OPTIONS ignores an encoding declaration,
 * which could name UTF-7 and hide every '=' from the scan), and what
 * libxml2 would detect as another encoding by its first bytes (UTF-16 and
 * UTF-32 hold NUL bytes; EBCDIC starts "<?xm" in its own code) is refused
 * here.
 */
static int precheck(struct px_loader *ld, const char *buf, size_t len)
{
    const struct px_format *f = ld->fmt;
    size_t i = 0, elements = 0, depth = 0;
    long line = 1;

    if (memchr(buf, '\0', len)) {
        record(ld, 0, PLM_EGRAMMAR, "not UTF-8 text (it holds a NUL byte): refused before parsing");
        return PLM_EGRAMMAR;
    }
    if (len >= 4 && memcmp(buf, "\x4c\x6f\xa7\x94", 4) == 0) { /* "<?xm" in EBCDIC */
        record(ld, 1, PLM_EGRAMMAR, "not UTF-8 text (EBCDIC): refused before parsing");
        return PLM_EGRAMMAR;
    }

    while (i < len) {
        if (buf[i] == '\n')
            line++;
        if (buf[i] != '<') {
            i++;
            continue;
        }
        if (len - i >= 4 && memcmp(buf + i, "<!--", 4) == 0) {
            i += 4;
            if (!skip_past(buf, len, &i, &line, "-->"))
                return 0;
        } else if (len - i >= 9 && memcmp(buf + i, "<![CDATA[", 9) == 0) {
            i += 9;
            if (!skip_past(buf, len, &i, &line, "]]>"))
                return 0;
        } else if (len - i >= 2 && buf[i + 1] == '?') {
            i += 2;
            if (!skip_past(buf, len, &i, &line, "?>"))
                return 0;
        } else if (len - i >= 2 && buf[i + 1] == '!') {
            return 0; /* a DOCTYPE: the parser refuses it, with its own message */
        } else if (len - i >= 2 && buf[i + 1] == '/') {
            if (depth > 0)
                depth--;
            i += 2;
            if (!skip_past(buf, len, &i, &line, ">"))
                return 0;
        } else {
            /* A start tag: attributes are counted by their '=' outside quotes. */
            long tag_line = line;
            size_t attrs = 0;
            char quote = 0;
            bool closed = false, empty = false;

            if (++elements > f->max_elements)
                return too_many(ld, tag_line, "elements", f->max_elements);
            for (i++; i < len && !closed; i++) {
                char c = buf[i];
                if (c == '\n')
                    line++;
                if (quote) {
                    if (c == quote)
                        quote = 0;
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '=') {
                    if (++attrs > f->max_attributes)
                        return too_many(ld, tag_line, "attributes on one element",
                                        f->max_attributes);
                } else if (c == '>') {
                    closed = true;
                    empty = buf[i - 1] == '/';
                }
            }
            if (!closed)
                return 0;
            if (!empty && ++depth > f->max_depth)
                return too_many(ld, tag_line, "levels of nested elements", f->max_depth);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */

/*
 * Parse a document held in memory (a document to load when checked, so
 * its shape is bounded first; a schema otherwise); NULL after recording why.
 */
static xmlDoc *parse_safe(struct px_loader *ld, const char *buf, size_t len, bool checked)
{
    xmlDoc *doc = NULL;
    xmlParserCtxt *ctxt;

    if (len > ld->fmt->max_size) {
        px_fail(ld, NULL, NULL, PLM_ERANGE, "larger than %zu bytes", ld->fmt->max_size);
        return NULL;
    }
    if (checked && precheck(ld, buf, len) < 0)
        return NULL;
    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        px_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
        return NULL;
    }
    ctxt->sax->internalSubset = refuse_doctype;
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, ld->file, NULL, PARSE_OPTIONS);
    if (!doc && !ld->rc)
        px_fail(ld, NULL, NULL, PLM_EGRAMMAR, "not well-formed XML");
    if (doc && ld->rc) {
        /* Stopped at a DOCTYPE: libxml2 may still hand back what it had. */
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/*
 * Load the schema from the file at path, or the built-in one when path is
 * NULL; NULL after recording why, naming the schema.
 */
static xmlSchema *schema_load(struct px_loader *ld, const char *path,
                              const struct px_builtin *builtin, xmlDoc **doc_out)
{
    const char *doc_file = ld->file;
    char *buf = NULL;
    size_t len = 0;
    xmlDoc *doc = NULL;
    xmlSchemaParserCtxt *pctxt = NULL;
    xmlSchema *schema = NULL;

    if (path) {
        ld->file = path;
        if (read_bounded(ld, path, &buf, &len) < 0)
            goto out;
        doc = parse_safe(ld, buf, len, false);
    } else {
        ld->file = builtin->name;
        doc = parse_safe(ld, builtin->data, builtin->len, false);
    }
    if (!doc)
        goto out;
    pctxt = xmlSchemaNewDocParserCtxt(doc);
    if (!pctxt) {
        px_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
        goto out;
    }
    xmlSchemaSetParserStructuredErrors(pctxt, on_xml_error, NULL);
    schema = xmlSchemaParse(pctxt);
    if (!schema)
        px_fail(ld, NULL, NULL, PLM_EGRAMMAR, "not a usable XML Schema");
out:
    /* Every message past this point is about the document again. */
    if (!ld->rc) {
        ld->file = doc_file;
    } else if (path) {
        /* The operator named this file: say where it came from (cutting the end if need be). */
        static const char from[] = "schema given by --schema: ";
        size_t pre = sizeof(from) - 1, n = strlen(ld->msg);
        if (pre + n >= sizeof(ld->msg))
            n = sizeof(ld->msg) - 1 - pre;
        memmove(ld->msg + pre, ld->msg, n);
        memcpy(ld->msg, from, pre);
        ld->msg[pre + n] = '\0';
    }
    xmlSchemaFreeParserCtxt(pctxt);
    free(buf);
    /* The schema may point into its document: keep it until the schema goes. */
    if (schema)
        *doc_out = doc;
    else
        xmlFreeDoc(doc);
    return schema;
}

/* Validate doc against the schema (see schema_load); 0 or the recorded code. */
static int validate(struct px_loader *ld, const char *schema_path, const struct px_builtin *builtin,
                    xmlDoc *doc)
{
    xmlDoc *schema_doc = NULL;
    xmlSchema *schema = schema_load(ld, schema_path, builtin, &schema_doc);
    xmlSchemaValidCtxt *vctxt = NULL;

    if (!schema)
        return ld->rc;
    vctxt = xmlSchemaNewValidCtxt(schema);
    if (!vctxt) {
        px_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
    } else {
        xmlSchemaSetValidStructuredErrors(vctxt, on_xml_error, NULL);
        /* Reached only when libxml2 said nothing more precise. */
        if (xmlSchemaValidateDoc(vctxt, doc) != 0)
            px_fail(ld, NULL, NULL, PLM_EGRAMMAR, "not valid against the %s%s",
                    schema_path ? "schema " : "", schema_path ? schema_path : builtin->name);
    }
    xmlSchemaFreeValidCtxt(vctxt);
    xmlSchemaFree(schema);
    xmlFreeDoc(schema_doc);
    return ld->rc;
}

xmlDoc *px_open(struct px_loader *ld, const char *buf, size_t len, const char *root_name,
                const char *schema_path, const struct px_builtin *builtin)
{
    xmlDoc *doc = parse_safe(ld, buf, len, true);
    const xmlNode *root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!root)
        px_fail(ld, NULL, NULL, PLM_EGRAMMAR, "no root element");
    else if (!px_is(root, root_name) || root->ns)
        px_fail(ld, root, NULL, PLM_EGRAMMAR, "the root element must be <%s>, without a namespace",
                root_name);
    else
        validate(ld, schema_path, builtin, doc);
    if (ld->rc) {
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* ------------------------------------------------------------------------ */
/* A whole load                                                             */

static void write_error(const struct px_loader *ld, char *err, size_t errlen)
{
    if (!err || errlen == 0)
        return;
    if (ld->rc == 0)
        snprintf(err, errlen, "%s: configuration OK", ld->file);
    else if (ld->line > 0)
        snprintf(err, errlen, "%s:%ld: %s", ld->file, ld->line, ld->msg);
    else
        snprintf(err, errlen, "%s: %s", ld->file, ld->msg);
}

int px_load_memory(const struct px_format *fmt, const char *buf, size_t len, const char *name,
                   px_load_fn *load, void *arg, char *err, size_t errlen)
{
    struct px_loader ld = {.fmt = fmt, .file = name ? name : "(memory)"};
    struct saved_handlers saved;
    int rc;

    handlers_install(&ld, &saved);
    rc = load(&ld, buf, len, arg);
    handlers_restore(&saved);
    write_error(&ld, err, errlen);
    return rc;
}

int px_load_file(const struct px_format *fmt, const char *path, px_load_fn *load, void *arg,
                 char *err, size_t errlen)
{
    struct px_loader ld = {.fmt = fmt, .file = path};
    struct saved_handlers saved;
    char *buf = NULL;
    size_t len = 0;
    int rc;

    handlers_install(&ld, &saved);
    rc = read_bounded(&ld, path, &buf, &len);
    if (rc == 0)
        rc = load(&ld, buf, len, arg);
    handlers_restore(&saved);
    write_error(&ld, err, errlen);
    free(buf);
    return rc;
}
