/*
 * Resolver snapshots: every answer the resolvers gave to the audit's canary
 * questions, as raw DNS messages (dnsvigil audit --save / --from).
 *
 * The resolver probe (src/probe/resolver.h) fills one; the audit
 * (src/checks/audit.h) judges one.  Like the check snapshot
 * (snapshot/snapshot.h), it keeps the wire bytes, so a saved audit is judged
 * again by today's parser and checks with the same verdict, byte for byte.
 * The JSON form shares the check snapshot's conventions (version member,
 * "time", "probe_ms", query flags and status names, base64 "wire") and is
 * documented in doc/canary.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "net/net.h"
#include "snapshot/snapshot.h"

#define DV_RSNAP_VERSION 1

/*
 * Ceilings for untrusted files, set by what a real probe produces: an audit
 * asks each resolver at most three questions per canary mode plus two (about
 * 90 with today's 28 modes), and each answer is one DNS message.  The reader
 * checks the file size before reading it and the number of JSON values and
 * their nesting before building any of them.
 */
#define DV_RSNAP_MAX_BYTES                (64u * 1024 * 1024)
#define DV_RSNAP_MAX_RESOLVERS            256u
#define DV_RSNAP_MAX_QUERIES_PER_RESOLVER 128u
#define DV_RSNAP_MAX_QUERIES              (DV_RSNAP_MAX_RESOLVERS * DV_RSNAP_MAX_QUERIES_PER_RESOLVER)
/* A snapshot nests 4 levels (root, "queries", a query, its "flags"); an
 * audit report of dnsvigil 0.1 nests 8 and is refused with a message that
 * says what it is. */
#define DV_RSNAP_MAX_DEPTH 8u

/*
 * The ways the audit asks a canary question (dv_resolver_query_t.flags): with
 * DO as a validating stub asks, again with CD (after a SERVFAIL, and for the
 * canary's own checks), and as an ordinary stub asks (no DO, no EDNS, no AD).
 */
#define DV_RSNAP_ASK_DO   (DV_Q_DO | DV_Q_RD)
#define DV_RSNAP_ASK_CD   (DV_Q_DO | DV_Q_RD | DV_Q_CD)
#define DV_RSNAP_ASK_STUB (DV_Q_RD | DV_Q_NO_EDNS)

/*! One question asked of one resolver and what came back. */
typedef struct {
	uint32_t resolver; /*!< index into dv_resolver_snapshot_t.resolvers */
	uint8_t status;    /*!< dv_snap_status_t */
	uint16_t qtype;
	uint16_t flags; /*!< DV_Q_* flags (net/net.h) the question was sent with */
	bool tcp, udp_truncated, udp_failed;
	uint16_t rtt_ms, attempts;
	uint32_t t_ms;        /*!< when the answer arrived, ms after the probe started */
	const uint8_t *qname; /*!< wire form, lowercase */
	const uint8_t *wire;  /*!< the DNS message, NULL unless status is DV_SNAP_OK */
	uint16_t len;
} dv_resolver_query_t;

typedef struct {
	int64_t time;      /*!< probe start, Unix seconds: "now" of audit --from */
	uint32_t probe_ms; /*!< wall time the probe took */
	char canary[1025]; /*!< the canary zone asked about, presentation form, lowercase */
	char (*resolvers)[DV_SNAP_ADDR_MAX]; /*!< addresses, dv_net_addr_format() form */
	size_t nresolvers;
	uint32_t *per_resolver; /*!< questions recorded per resolver (nresolvers entries) */
	dv_resolver_query_t *queries;
	size_t nqueries, queries_cap;
	dv_arena_t arena; /*!< owns every name and message */
} dv_resolver_snapshot_t;

/*! New empty snapshot of an audit of `canary` (a domain name, any case, trailing
 *  dot optional).  DV_EINVAL for a bad name; *out is owned by the caller. */
int dv_resolver_snapshot_new(const char *canary, dv_resolver_snapshot_t **out);
void dv_resolver_snapshot_free(dv_resolver_snapshot_t *snap);

/*! Add a resolver address (any form dv_net_addr_parse() takes, stored in its
 *  canonical form) with its index in *idx.  DV_EINVAL, DV_ELIMIT. */
int dv_resolver_snapshot_add_resolver(dv_resolver_snapshot_t *snap, const char *addr,
                                      uint16_t default_port, uint32_t *idx);
/*! Append a question and its answer; q->qname and q->wire are copied.  DV_ELIMIT
 *  past the per-resolver ceiling. */
int dv_resolver_snapshot_add_query(dv_resolver_snapshot_t *snap, const dv_resolver_query_t *q);

/*! Write the JSON form to a stream. */
int dv_resolver_snapshot_write(const dv_resolver_snapshot_t *snap, FILE *out);
/*!
 * Write the JSON form to `path`: through a temporary file in the same
 * directory, flushed to disk and renamed, so a failed write leaves an earlier
 * file in place.  A snapshot that the reader would refuse (beyond
 * DV_RSNAP_MAX_BYTES) is not written: DV_ELIMIT.  Messages in errbuf.
 */
int dv_resolver_snapshot_save(const dv_resolver_snapshot_t *snap, const char *path, char *errbuf,
                              size_t errlen);

/*!
 * Read a snapshot file.  Strict: a member of the wrong type, a value out of
 * range, an unknown member or anything beyond the ceilings above gives
 * DV_EPARSE / DV_ELIMIT / DV_EIO with "path: where: message" in errbuf.
 */
int dv_resolver_snapshot_load(const char *path, dv_resolver_snapshot_t **out, char *errbuf,
                              size_t errlen);
/*! The same from memory (tests, fuzzing); `label` names the input in messages. */
int dv_resolver_snapshot_load_mem(const char *data, size_t len, const char *label,
                                  dv_resolver_snapshot_t **out, char *errbuf, size_t errlen);
