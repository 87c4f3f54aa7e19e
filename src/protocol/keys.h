/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the guest and dom0 talk in xenstore (xenplm-protocol(7)): the one
 * place the layout is spelled, for the daemon, the agent and the tests.
 *
 * The guest writes its request in its own data/ area, which it may write.
 * dom0 answers in a directory it creates and owns, which the guest may
 * read but not write: the grant, the status of the last request, and the
 * seq of the last request it acted on.
 *
 * PROTO_KEY_* are relative to the domain's home (/local/domain/<domid>/),
 * as the agent's store takes them; PROTO_*_PATH_FMT are the absolute
 * paths, printf formats of one unsigned domid, as dom0 uses them.
 */
#ifndef XENPLM_PROTOCOL_KEYS_H
#define XENPLM_PROTOCOL_KEYS_H

/* Written by the guest: one proto_request value (protocol/request.h). */
#define PROTO_KEY_REQUEST "data/xenplm/request"
/* Written by the guest: one proto_boost value (protocol/boost.h), read
 * with each request and taken when its seq is the request's. */
#define PROTO_KEY_BOOST "data/xenplm/boost"
/* Created by dom0, read-only for the guest. */
#define PROTO_KEY_GRANT_DIR "xenplm"
/* The grant, one proto_grant value (protocol/grant.h). */
#define PROTO_KEY_GRANTED PROTO_KEY_GRANT_DIR "/granted"
/* "ok" or the rejection of the last request (protocol/grant.h). */
#define PROTO_KEY_STATUS PROTO_KEY_GRANT_DIR "/status"
/* The seq of the last request dom0 read (protocol/grant.h). */
#define PROTO_KEY_SEQ PROTO_KEY_GRANT_DIR "/seq"

#define PROTO_DOMAIN_HOME_FMT "/local/domain/%u/"
#define PROTO_REQUEST_PATH_FMT PROTO_DOMAIN_HOME_FMT PROTO_KEY_REQUEST
#define PROTO_BOOST_PATH_FMT PROTO_DOMAIN_HOME_FMT PROTO_KEY_BOOST
#define PROTO_GRANT_DIR_PATH_FMT PROTO_DOMAIN_HOME_FMT PROTO_KEY_GRANT_DIR
#define PROTO_GRANTED_PATH_FMT PROTO_DOMAIN_HOME_FMT PROTO_KEY_GRANTED
#define PROTO_STATUS_PATH_FMT PROTO_DOMAIN_HOME_FMT PROTO_KEY_STATUS
#define PROTO_SEQ_PATH_FMT PROTO_DOMAIN_HOME_FMT PROTO_KEY_SEQ

/*
 * Not xenplm's own: where a guest says whether it has a balloon driver,
 * "1" or "0" (Windows PV drivers and XenServer's guest tools write it;
 * Linux's xen-balloon does not, and xl creates no such key).  A value
 * the guest writes, so hostile: protocol/feature.h reads it.
 */
#define PROTO_KEY_FEATURE_BALLOON "control/feature-balloon"
#define PROTO_FEATURE_BALLOON_PATH_FMT PROTO_DOMAIN_HOME_FMT PROTO_KEY_FEATURE_BALLOON
/* The longest value read of it: more is no balloon. */
#define PROTO_FEATURE_MAX 8

#endif
