/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Watches: the gateway's watch stream on a curl multi handle, read by
 * etcd_watch_poll() without waiting longer than asked (etcd.h).  The
 * stream is newline-delimited JSON messages, each bounded by max_reply;
 * events wait in a bounded queue until polled.
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

/* Events one message may carry, and events waiting to be polled. */
#define WATCH_MSG_EVENTS 4096
#define WATCH_QUEUE_MAX 65536

struct etcd_watch {
    struct etcd_client *c;
    CURLM *multi;
    CURL *easy;
    struct ebuf body, in;
    struct etcd_event *msg; /* WATCH_MSG_EVENTS, one message's */
    struct etcd_event *queue;
    size_t head, nqueue, capqueue;
    int64_t revision;
    bool created, ended;
    char err[ETCD_ERR_MAX];
};

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    struct etcd_watch *w = arg;

    /* The stream's bytes, counted as they come (etcd.h). */
    etcd_count_bytes(&w->c->count, ETCD_CALL_WATCH, 0, size * nmemb);
    ebuf_add(&w->in, data, size * nmemb);
    return w->in.failed ? 0 : size * nmemb;
}

static int wfail(struct etcd_watch *w, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int wfail(struct etcd_watch *w, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    plm_verrf(w->err, sizeof(w->err), rc, fmt, ap);
    va_end(ap);
    w->ended = true;
    return rc;
}

static void stop(struct etcd_watch *w)
{
    if (w->easy) {
        long req = 0, hdr = 0;
        curl_easy_getinfo(w->easy, CURLINFO_REQUEST_SIZE, &req);
        curl_easy_getinfo(w->easy, CURLINFO_HEADER_SIZE, &hdr);
        /* The request and the reply's headers, counted when the stream ends. */
        etcd_count_bytes(&w->c->count, ETCD_CALL_WATCH, req > 0 ? (uint64_t)req : 0,
                         hdr > 0 ? (uint64_t)hdr : 0);
        curl_multi_remove_handle(w->multi, w->easy);
        curl_easy_cleanup(w->easy);
        w->easy = NULL;
    }
}

/* Start the stream on endpoint i. */
static int start(struct etcd_watch *w, size_t i)
{
    struct etcd_client *c = w->c;
    char url[512];
    int rc;

    stop(w);
    ebuf_reset(&w->in);
    w->ended = w->created = false;
    if (!(w->easy = curl_easy_init()))
        return wfail(w, PLM_ENOMEM, "watch: out of memory");
    snprintf(url, sizeof(url), "%s/%s/watch", c->endpoint[i], c->prefix);
    /* No total timeout: the stream lasts; TCP keepalives find a dead peer. */
    if ((rc = etcd_curl_setup(c, w->easy, url, &w->body, 0, c->connect_timeout_ms)))
        return wfail(w, rc, "%s", c->err);
    curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(w->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(w->easy, CURLOPT_TCP_KEEPIDLE, 5L);
    curl_easy_setopt(w->easy, CURLOPT_TCP_KEEPINTVL, 5L);
    if (curl_multi_add_handle(w->multi, w->easy) != CURLM_OK)
        return wfail(w, PLM_EIO, "watch: libcurl refused the handle");
    return 0;
}

static int enqueue(struct etcd_watch *w, size_t n)
{
    if (w->nqueue + n > WATCH_QUEUE_MAX) {
        etcd_events_free(w->msg, n);
        return wfail(w, PLM_ETOOMANY, "watch: more than %d events waiting", WATCH_QUEUE_MAX);
    }
    if (w->head + w->nqueue + n > w->capqueue) {
        /* Slide what is left to the front, then grow. */
        if (w->nqueue)
            memmove(w->queue, w->queue + w->head, w->nqueue * sizeof(*w->queue));
        w->head = 0;
        if (w->nqueue + n > w->capqueue) {
            size_t cap = w->capqueue ? w->capqueue : 64;
            while (cap < w->nqueue + n)
                cap *= 2;
            struct etcd_event *q = realloc(w->queue, cap * sizeof(*q));
            if (!q) {
                etcd_events_free(w->msg, n);
                return wfail(w, PLM_ENOMEM, "watch: out of memory");
            }
            w->queue = q;
            w->capqueue = cap;
        }
    }
    memcpy(w->queue + w->head + w->nqueue, w->msg, n * sizeof(*w->msg));
    w->nqueue += n;
    return 0;
}

/* Parse every complete line received. */
static int take_lines(struct etcd_watch *w)
{
    char *nl;

    while (w->in.len && (nl = memchr(w->in.p, '\n', w->in.len))) {
        size_t len = (size_t)(nl - w->in.p), n = 0;
        bool created, canceled;
        int64_t rev = 0;
        int rc = 0;
        if (len > 0)
            rc = etcd_parse_watch(w->in.p, len, &created, &canceled, &rev, w->msg, WATCH_MSG_EVENTS,
                                  &n, w->err, sizeof(w->err));
        ebuf_consume(&w->in, len + 1);
        if (rc) {
            w->ended = true;
            return rc;
        }
        if (len == 0)
            continue;
        if (rev > w->revision)
            w->revision = rev;
        if (created)
            w->created = true;
        if (n && (rc = enqueue(w, n)))
            return rc;
        if (canceled)
            return wfail(w, PLM_EIO, "watch: canceled by etcd (compacted past its revision?)");
    }
    return 0;
}

/* Move the stream on without waiting; 0, or the stream's end. */
static int pump(struct etcd_watch *w)
{
    int running = 0, left;
    CURLMsg *m;
    int rc;

    if (w->ended)
        return PLM_EIO;
    if (curl_multi_perform(w->multi, &running) != CURLM_OK)
        return wfail(w, PLM_EIO, "watch: libcurl failed");
    if (w->in.failed)
        return wfail(w, PLM_ERANGE, "watch: a message larger than %zu bytes", w->c->max_reply);
    if ((rc = take_lines(w)))
        return rc;
    while ((m = curl_multi_info_read(w->multi, &left)))
        if (m->msg == CURLMSG_DONE) {
            long status = 0;
            curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &status);
            if (m->data.result != CURLE_OK)
                return wfail(w, PLM_EIO, "watch %s: %s", w->c->endpoint[w->c->cur],
                             curl_easy_strerror(m->data.result));
            return wfail(w, PLM_EIO, "watch %s: the stream ended (HTTP %ld)",
                         w->c->endpoint[w->c->cur], status);
        }
    return 0;
}

int etcd_watch_open(struct etcd_client *c, const struct etcd_keys *k, int64_t start_revision,
                    struct etcd_watch **out)
{
    struct etcd_watch *w;
    uint64_t deadline = plm_mono_ms() + c->request_timeout_ms;
    int rc = PLM_EIO;

    *out = NULL;
    if (k->key_len > ETCD_KEY_MAX || k->range_end_len > ETCD_KEY_MAX || start_revision < 0)
        return etcd_fail(c, PLM_EINVAL, "watch: a key too long or a negative revision");
    if (!(w = calloc(1, sizeof(*w))) || !(w->msg = calloc(WATCH_MSG_EVENTS, sizeof(*w->msg))) ||
        !(w->multi = curl_multi_init())) {
        if (w)
            free(w->msg);
        free(w);
        return etcd_fail(c, PLM_ENOMEM, "watch: out of memory");
    }
    w->c = c;
    ebuf_init(&w->body, 0);
    ebuf_init(&w->in, c->max_reply);
    ebuf_str(&w->body, "{\"create_request\":{");
    etcd_body_keys(&w->body, k);
    if (start_revision) {
        ebuf_str(&w->body, ",\"start_revision\":");
        ebuf_i64(&w->body, start_revision);
    }
    ebuf_str(&w->body, "}}");
    /* Each endpoint in turn until one confirms the watch, within the deadline. */
    for (size_t tried = 0; tried < c->nendpoints; tried++) {
        size_t i = (c->cur + tried) % c->nendpoints;
        uint64_t now = plm_mono_ms();
        /* Each endpoint left gets its share of the time that remains (etcd_post). */
        uint64_t until = now >= deadline ? now : now + (deadline - now) / (c->nendpoints - tried);
        if ((rc = start(w, i)))
            break;
        while (!w->created && !w->ended && plm_mono_ms() < until) {
            if (pump(w))
                break;
            curl_multi_poll(w->multi, NULL, 0, 50, NULL);
        }
        if (w->created) {
            c->cur = i;
            *out = w;
            c->err[0] = '\0';
            etcd_count_call(&c->count, ETCD_CALL_WATCH, 0, 0, false);
            return 0;
        }
        if (!w->ended)
            wfail(w, PLM_EIO, "watch %s: not confirmed within %u ms", c->endpoint[i],
                  c->request_timeout_ms);
        if (plm_mono_ms() >= deadline)
            break;
    }
    etcd_fail(c, PLM_EIO, "%s", w->err[0] ? w->err : "watch: no endpoint answered");
    etcd_watch_close(w);
    etcd_count_call(&c->count, ETCD_CALL_WATCH, 0, 0, true);
    return PLM_EIO;
}

int etcd_watch_poll(struct etcd_watch *w, int timeout_ms, struct etcd_event *ev, size_t max,
                    size_t *n_out)
{
    uint64_t deadline = plm_mono_ms() + (timeout_ms > 0 ? (uint64_t)timeout_ms : 0);

    *n_out = 0;
    for (;;) {
        if (w->nqueue && max) {
            size_t n = w->nqueue < max ? w->nqueue : max;
            memcpy(ev, w->queue + w->head, n * sizeof(*ev));
            w->head += n;
            w->nqueue -= n;
            if (!w->nqueue)
                w->head = 0;
            *n_out = n;
            return 0;
        }
        if (pump(w) && !w->nqueue)
            return PLM_EIO;
        if (w->nqueue)
            continue;
        uint64_t now = plm_mono_ms();
        if (now >= deadline)
            return 0;
        curl_multi_poll(w->multi, NULL, 0, (int)(deadline - now), NULL);
    }
}

int64_t etcd_watch_revision(const struct etcd_watch *w)
{
    return w->revision;
}

const char *etcd_watch_error(const struct etcd_watch *w)
{
    return w->err;
}

void etcd_watch_close(struct etcd_watch *w)
{
    if (!w)
        return;
    stop(w);
    if (w->multi)
        curl_multi_cleanup(w->multi);
    if (w->queue)
        etcd_events_free(w->queue + w->head, w->nqueue);
    free(w->queue);
    free(w->msg);
    ebuf_free(&w->body);
    ebuf_free(&w->in);
    free(w);
}
