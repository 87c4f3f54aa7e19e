/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The etcd client's life and its transport: one bounded POST with
 * failover across the endpoints (etcd.h, etcd_int.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/clock.h"
#include "common/errbuf.h"
#include "core/error.h"
#include "pool/etcd_int.h"

void etcd_config_init(struct etcd_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->connect_timeout_ms = 1000;
    cfg->request_timeout_ms = 3000;
    cfg->max_reply = 4u << 20;
}

int etcd_fail(struct etcd_client *c, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    plm_verrf(c->err, sizeof(c->err), rc, fmt, ap);
    va_end(ap);
    return rc;
}

static char *dup_or_null(const char *s, bool *failed)
{
    char *d;

    if (!s)
        return NULL;
    if (!(d = strdup(s)))
        *failed = true;
    return d;
}

int etcd_client_new(const struct etcd_config *cfg, struct etcd_client **out, char *err,
                    size_t errlen)
{
    struct etcd_client *c;
    bool failed = false;
    int rc;

    *out = NULL;
    if (cfg->nendpoints == 0 || cfg->nendpoints > ETCD_MAX_ENDPOINTS)
        return plm_errf(err, errlen, PLM_EINVAL, "etcd: between 1 and %d endpoints, not %zu",
                        ETCD_MAX_ENDPOINTS, cfg->nendpoints);
    for (size_t i = 0; i < cfg->nendpoints; i++)
        if (!cfg->endpoints[i])
            return plm_errf(err, errlen, PLM_EINVAL, "etcd: endpoint %zu missing", i + 1);
        else if ((rc = etcd_endpoint_check(cfg->endpoints[i], err, errlen)))
            return rc;
    if (!cfg->cert_file != !cfg->key_file)
        return plm_errf(err, errlen, PLM_EINVAL,
                        "etcd: a client certificate needs its key, and a key its certificate");
    if (cfg->request_timeout_ms == 0 || cfg->connect_timeout_ms == 0 || cfg->max_reply < 1024)
        return plm_errf(err, errlen, PLM_EINVAL,
                        "etcd: timeouts must be positive and replies may take 1 KiB at least");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return plm_errf(err, errlen, PLM_EIO, "etcd: libcurl failed to initialise");
    if (!(c = calloc(1, sizeof(*c))))
        return plm_errf(err, errlen, PLM_ENOMEM, "etcd: out of memory");
    c->nendpoints = cfg->nendpoints;
    for (size_t i = 0; i < cfg->nendpoints; i++) {
        /* Without the trailing slash: paths are appended with one. */
        c->endpoint[i] = dup_or_null(cfg->endpoints[i], &failed);
        if (c->endpoint[i] && *c->endpoint[i] && c->endpoint[i][strlen(c->endpoint[i]) - 1] == '/')
            c->endpoint[i][strlen(c->endpoint[i]) - 1] = '\0';
    }
    c->ca_file = dup_or_null(cfg->ca_file, &failed);
    c->cert_file = dup_or_null(cfg->cert_file, &failed);
    c->key_file = dup_or_null(cfg->key_file, &failed);
    c->connect_timeout_ms = cfg->connect_timeout_ms;
    c->request_timeout_ms = cfg->request_timeout_ms;
    c->max_reply = cfg->max_reply;
    c->prefix = "v3";
    ebuf_init(&c->reply, cfg->max_reply);
    if (!failed && !(c->curl = curl_easy_init()))
        failed = true;
    if (failed) {
        etcd_client_free(c);
        return plm_errf(err, errlen, PLM_ENOMEM, "etcd: out of memory");
    }
    *out = c;
    return 0;
}

void etcd_client_free(struct etcd_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    for (size_t i = 0; i < c->nendpoints; i++)
        free(c->endpoint[i]);
    free(c->ca_file);
    free(c->cert_file);
    free(c->key_file);
    ebuf_free(&c->reply);
    free(c);
}

const char *etcd_client_error(const struct etcd_client *c)
{
    return c->err;
}

const char *etcd_client_endpoint(const struct etcd_client *c)
{
    return c->endpoint[c->cur];
}

void etcd_client_bound(struct etcd_client *c, const atomic_bool *cancel, etcd_before_fn before,
                       void *arg)
{
    c->cancel = cancel;
    c->before = before;
    c->before_arg = arg;
}

static bool cancelled(const struct etcd_client *c)
{
    return c->cancel && atomic_load(c->cancel);
}

/* curl's progress callback, called while a call waits too: nonzero ends it. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return cancelled(arg) ? 1 : 0;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    struct ebuf *b = arg;

    ebuf_add(b, data, size * nmemb);
    /* A short count makes curl stop: the reply is over its bound. */
    return b->failed ? 0 : size * nmemb;
}

int etcd_curl_setup(struct etcd_client *c, void *curl, const char *url, const struct ebuf *body,
                    unsigned timeout_ms, unsigned connect_ms)
{
    CURL *h = curl;
    CURLcode e = CURLE_OK;

    curl_easy_reset(h);
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (e == CURLE_OK)                                                                         \
            e = curl_easy_setopt(h, opt, val);                                                     \
    } while (0)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    /* etcd is reached directly, never through a proxy from the environment. */
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDS, body->p ? body->p : "");
    SET(CURLOPT_POSTFIELDSIZE, (long)body->len);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file)
        SET(CURLOPT_CAINFO, c->ca_file);
    if (c->cert_file) {
        SET(CURLOPT_SSLCERT, c->cert_file);
        SET(CURLOPT_SSLKEY, c->key_file);
    }
#undef SET
    if (e != CURLE_OK)
        return etcd_fail(c, PLM_EIO, "etcd: libcurl: %s", curl_easy_strerror(e));
    return 0;
}

int etcd_post(struct etcd_client *c, const char *path, const struct ebuf *body)
{
    return etcd_post_ex(c, path, body, c->request_timeout_ms, false);
}

/* What one attempt (one curl_easy_perform) sent and received, headers
 * and bodies, added to *sent and *received. */
static void attempt_bytes(struct etcd_client *c, uint64_t *sent, uint64_t *received)
{
    long req = 0, hdr = 0;

    if (curl_easy_getinfo(c->curl, CURLINFO_REQUEST_SIZE, &req) == CURLE_OK && req > 0)
        *sent += (uint64_t)req;
    if (curl_easy_getinfo(c->curl, CURLINFO_HEADER_SIZE, &hdr) == CURLE_OK && hdr > 0)
        *received += (uint64_t)hdr;
    *received += c->reply.len;
}

static int post(struct etcd_client *c, const char *path, const struct ebuf *body,
                unsigned timeout_ms, bool waits, uint64_t *sent, uint64_t *received);

int etcd_post_ex(struct etcd_client *c, const char *path, const struct ebuf *body,
                 unsigned timeout_ms, bool waits)
{
    uint64_t sent = 0, received = 0;
    int rc = post(c, path, body, timeout_ms, waits, &sent, &received);

    etcd_count_call(&c->count, etcd_call_of(path), sent, received, rc != 0);
    return rc;
}

/* etcd_post_ex's work: the caller's bounds, then the attempts, member
 * after member. */
static int post(struct etcd_client *c, const char *path, const struct ebuf *body,
                unsigned timeout_ms, bool waits, uint64_t *sent, uint64_t *received)
{
    uint64_t deadline, limit = 0;
    size_t tried = 0, i;
    bool fell_back = false;
    char url[512], last[ETCD_ERR_MAX] = "no endpoint tried";
    int rc;

    if (body->failed)
        return etcd_fail(c, PLM_ENOMEM, "etcd: the request could not be built (too large?)");
    if (c->before && !c->in_before) {
        /* The caller's hook may make calls of its own (a keepalive due):
         * not hooked again, and done before this call's time starts. */
        c->in_before = true;
        c->err[0] = '\0';
        rc = c->before(c->before_arg, &limit);
        c->in_before = false;
        if (rc)
            return c->err[0] ? rc
                             : etcd_fail(c, rc, "etcd: %s: not made (%s)", path, plm_strerror(rc));
    }
    if (cancelled(c))
        return etcd_fail(c, PLM_EIO, "etcd: %s: cancelled", path);
    deadline = plm_mono_ms() + timeout_ms;
    if (limit && limit < deadline) {
        deadline = limit;
        if (deadline <= plm_mono_ms())
            return etcd_fail(c, PLM_EIO, "etcd: %s: no time left for it", path);
    }
    uint64_t start = plm_mono_ms();
    timeout_ms = deadline > start ? (unsigned)(deadline - start) : 0; /* for the messages */
    i = c->cur;
    while (tried < c->nendpoints) {
        uint64_t now = plm_mono_ms();
        unsigned remaining = now >= deadline ? 0 : (unsigned)(deadline - now);
        long status = 0;
        CURLcode res;

        if (remaining == 0)
            break;
        /*
         * Each endpoint left gets its share of what remains (and at least
         * the connect timeout), so that one that accepts and never answers
         * leaves time for the next; the last gets all that remains.
         */
        unsigned share = waits ? remaining : remaining / (unsigned)(c->nendpoints - tried);
        if (share < c->connect_timeout_ms)
            share = remaining < c->connect_timeout_ms ? remaining : c->connect_timeout_ms;
        snprintf(url, sizeof(url), "%s/%s/%s", c->endpoint[i], c->prefix, path);
        if ((rc = etcd_curl_setup(c, c->curl, url, body, share,
                                  share < c->connect_timeout_ms ? share : c->connect_timeout_ms)))
            return rc;
        ebuf_reset(&c->reply);
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->reply);
        if (c->cancel) {
            curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
            curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
        }
        res = curl_easy_perform(c->curl);
        attempt_bytes(c, sent, received);
        if (res == CURLE_ABORTED_BY_CALLBACK)
            return etcd_fail(c, PLM_EIO, "etcd %s: %s: cancelled", c->endpoint[i], path);
        if (res == CURLE_WRITE_ERROR && c->reply.failed)
            return etcd_fail(c, PLM_ERANGE, "etcd %s: a reply larger than %zu bytes",
                             c->endpoint[i], c->max_reply);
        if (res == CURLE_OPERATION_TIMEDOUT && waits) {
            long req = 0;
            curl_easy_getinfo(c->curl, CURLINFO_REQUEST_SIZE, &req);
            /* Sent (on a new or a reused connection), and waited its whole
             * time there: an answer, not a failure. */
            if (req > 0) {
                c->cur = i;
                return etcd_fail(c, PLM_EIO, "etcd %s: %s: still waiting after %u ms",
                                 c->endpoint[i], path, timeout_ms);
            }
        }
        if (res != CURLE_OK) {
            snprintf(last, sizeof(last), "%.100s: %s", c->endpoint[i], curl_easy_strerror(res));
            i = (i + 1) % c->nendpoints;
            tried++;
            continue;
        }
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200) {
            c->cur = i;
            c->err[0] = '\0';
            return 0;
        }
        {
            bool unavailable = false;
            char why[ETCD_ERR_MAX / 2];
            rc = etcd_parse_error(c->reply.p ? c->reply.p : "", c->reply.len, &unavailable, why,
                                  sizeof(why));
            if (status == 404 && (rc == PLM_EGRAMMAR || rc == PLM_ERANGE) && !fell_back &&
                strcmp(c->prefix, "v3") == 0) {
                /* No /v3/ here (etcd 3.3): the same call on /v3beta/. */
                c->prefix = "v3beta";
                fell_back = true;
                continue;
            }
            if (rc == PLM_EGRAMMAR || rc == PLM_ERANGE) {
                /* Not the gateway's error document: a proxy, a 5xx page. */
                snprintf(last, sizeof(last), "%s: HTTP %ld", c->endpoint[i], status);
                if (status >= 500) {
                    i = (i + 1) % c->nendpoints;
                    tried++;
                    continue;
                }
                return etcd_fail(c, PLM_EIO, "etcd %s", last);
            }
            if (unavailable || status == 503) {
                snprintf(last, sizeof(last), "%.100s: %s", c->endpoint[i], why);
                i = (i + 1) % c->nendpoints;
                tried++;
                continue;
            }
            c->cur = i;
            return etcd_fail(c, rc, "etcd %s: %s", c->endpoint[i], why);
        }
    }
    return etcd_fail(c, PLM_EIO, "etcd: no endpoint answered within %u ms (%zu of %zu tried; %s)",
                     timeout_ms, tried, c->nendpoints, last);
}
