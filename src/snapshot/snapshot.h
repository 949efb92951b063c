/*
 * Live-probe snapshots: every answer every server gave, as raw DNS messages.
 *
 * A probe (src/probe) fills a snapshot; the live checks (src/checks/live.h)
 * judge one.  Keeping the wire bytes means `check --from FILE` re-parses
 * exactly what the network delivered, so the verdict is the same byte for
 * byte (DESIGN.md "Snapshots are data").  The JSON form is documented in
 * doc/check.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"

#define DV_SNAP_VERSION 1
/*
 * Ceilings for untrusted snapshot files, set by what a real probe can write:
 * a probe sends at most DV_PROBE_MAX_QUERIES_CEIL queries (probe.h; each one
 * record), walks at most 32 zone cuts per domain and probes at most 64
 * addresses per zone.  The reader checks the file size before reading it,
 * and the number of JSON values and their nesting before building any.
 */
#define DV_SNAP_MAX_BYTES        (256u * 1024 * 1024)
#define DV_SNAP_MAX_ZONES        20000u
#define DV_SNAP_MAX_SERVERS      20000u
#define DV_SNAP_MAX_QUERIES      50000u
#define DV_SNAP_MAX_ANCHORS      64u
#define DV_SNAP_MAX_DOMAINS      10000u
#define DV_SNAP_MAX_ZONE_SERVERS 256u
#define DV_SNAP_MAX_LIMITS       10000u /*!< records of what the probe abandoned */
#define DV_SNAP_MAX_DEPTH        6u     /*!< JSON nesting: root, "queries", a query, "flags" */
/*! JSON values a snapshot may hold: a query is some 45, a probe writes at
 *  most DV_SNAP_MAX_QUERIES; jansson spends up to ~130 bytes a value, so
 *  reading any file stays under ~400 MB. */
#define DV_SNAP_MAX_VALUES 3000000u
#define DV_SNAP_ADDR_MAX   64
#define DV_SNAP_NAMES_MAX  512 /*!< a limit record's "abandoned" text, cut beyond */

typedef enum {
	DV_SIDE_CHILD = 0,  /*!< asked of the zone's own servers */
	DV_SIDE_PARENT = 1, /*!< asked of the parent zone's servers (referral, DS) */
} dv_snap_side_t;

typedef enum {
	DV_SNAP_OK = 0,        /*!< a DNS message arrived (any RCODE) */
	DV_SNAP_TIMEOUT = 1,   /*!< no answer within the timeout and retries */
	DV_SNAP_NETERR = 2,    /*!< send/connect failed */
	DV_SNAP_BADREPLY = 3,  /*!< only unparseable answers arrived */
	DV_SNAP_ABANDONED = 4, /*!< not asked or not waited for: a deadline or budget of the
	                            probe ran out (a limit record says which) */
} dv_snap_status_t;

/*! The ceilings of the probe a limit record names (probe.h, doc/limits.md). */
typedef enum {
	DV_SNAP_LIMIT_DEADLINE = 0,   /*!< the probe's deadline passed */
	DV_SNAP_LIMIT_QUERIES,        /*!< the probe's query budget was spent */
	DV_SNAP_LIMIT_SERVER_QUERIES, /*!< one server address's query budget */
	DV_SNAP_LIMIT_SERVER_BYTES,   /*!< one server address's answer bytes */
	DV_SNAP_LIMIT_SERVER_TIME,    /*!< time spent waiting on one server address */
	DV_SNAP_LIMIT_DEPTH,          /*!< zone cuts walked for one domain */
	DV_SNAP_LIMIT_ZONE_NS,        /*!< NS names of one zone */
	DV_SNAP_LIMIT_ZONE_ADDRS,     /*!< server addresses of one zone */
	DV_SNAP_LIMIT_RESOLVES,       /*!< NS names looked up for want of glue */
	DV_SNAP_LIMIT_BYTES,          /*!< the probe's budget of answer bytes */
	DV_SNAP_LIMIT_KINDS
} dv_snap_limit_kind_t;

/*! What the probe abandoned at a ceiling, and where. */
typedef struct {
	uint8_t kind;       /*!< dv_snap_limit_kind_t */
	long zone;          /*!< the zone concerned, -1 none */
	const char *server; /*!< the server address concerned, "" none */
	const char *names;  /*!< what was left out, by name ("ns1.x. ns2.x. +998"), "" none */
	uint64_t count;     /*!< how many were left out (queries, names, addresses) */
	uint64_t ceiling;   /*!< the ceiling in force (ms for times) */
} dv_snap_limit_t;

/*! One server address, with the NS name it was found under. */
typedef struct {
	const char *name;            /*!< NS name, presentation form ("ns1.lab."); "" when none */
	char addr[DV_SNAP_ADDR_MAX]; /*!< dv_net_addr_format() form */
} dv_snap_server_t;

/*! A zone on the path from the root to a probed domain. */
typedef struct {
	uint8_t dname[255]; /*!< wire form, lowercase */
	const char *name;   /*!< presentation form */
	long parent;        /*!< index of the parent zone, -1 for the root */
	uint32_t *servers;  /*!< indexes into dv_snapshot_t.servers: the child's servers */
	size_t nservers, cap;
} dv_snap_zone_t;

/*! One query and what came back. */
typedef struct {
	uint32_t zone;   /*!< zone concerned */
	uint32_t server; /*!< index into dv_snapshot_t.servers: who was asked */
	uint8_t side;    /*!< dv_snap_side_t */
	uint8_t status;  /*!< dv_snap_status_t */
	uint16_t qtype;
	uint16_t flags; /*!< DV_Q_* flags the query was sent with */
	bool tcp, udp_truncated, udp_failed;
	uint16_t rtt_ms, attempts;
	uint32_t t_ms;        /*!< when the answer arrived, ms after the snapshot time */
	const uint8_t *qname; /*!< wire form */
	const uint8_t *wire;  /*!< the DNS message, NULL unless status is DV_SNAP_OK */
	uint16_t len;
} dv_snap_query_t;

/*! A trust anchor record (DS or DNSKEY). */
typedef struct {
	const uint8_t *owner;
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
} dv_snap_anchor_t;

typedef struct {
	int64_t time;      /*!< probe start, Unix seconds: "now" of a --from check */
	uint32_t probe_ms; /*!< wall time the probe took */
	const char **domains;
	size_t ndomains, domains_cap;
	dv_snap_anchor_t *anchors;
	size_t nanchors, anchors_cap;
	dv_snap_server_t *servers;
	size_t nservers, servers_cap;
	dv_snap_zone_t *zones;
	size_t nzones, zones_cap;
	dv_snap_query_t *queries;
	size_t nqueries, queries_cap;
	dv_snap_limit_t *limits; /*!< what the probe abandoned, in the order it did */
	size_t nlimits, limits_cap;
	dv_arena_t arena; /*!< owns every string, name and message */
} dv_snapshot_t;

/*! New empty snapshot; *out is owned by the caller (dv_snapshot_free). */
int dv_snapshot_new(dv_snapshot_t **out);
void dv_snapshot_free(dv_snapshot_t *snap);

/*! Add a probed domain (presentation form, copied). */
int dv_snapshot_add_domain(dv_snapshot_t *snap, const char *domain);
/*! Add a trust-anchor record (copied). */
int dv_snapshot_add_anchor(dv_snapshot_t *snap, const uint8_t *owner, uint16_t type, uint32_t ttl,
                           const uint8_t *rdata, uint16_t rdlen);
/*! Index of the server (name, addr), added when new.  name may be NULL. */
int dv_snapshot_server(dv_snapshot_t *snap, const char *name, const char *addr, uint32_t *idx);
/*! Index of zone `dname` (wire), added with `parent` when new. */
int dv_snapshot_zone(dv_snapshot_t *snap, const uint8_t *dname, long parent, uint32_t *idx);
/*! Index of a zone by wire name, or -1. */
long dv_snapshot_zone_find(const dv_snapshot_t *snap, const uint8_t *dname);
/*! Add a server to a zone's server set (no duplicate). */
int dv_snapshot_zone_add_server(dv_snapshot_t *snap, uint32_t zone, uint32_t server);
/*! Append a query record; q->qname and q->wire are copied. */
int dv_snapshot_add_query(dv_snapshot_t *snap, const dv_snap_query_t *q, uint32_t *idx);
/*! Append a limit record (strings copied; names cut to DV_SNAP_NAMES_MAX). */
int dv_snapshot_add_limit(dv_snapshot_t *snap, const dv_snap_limit_t *l);
/*! "deadline", "queries", "server-queries", ... (the JSON form), "?" otherwise. */
const char *dv_snap_limit_name(dv_snap_limit_kind_t kind);

/*! Write the JSON form (doc/check.md) to a file: a new file beside the old
 *  one, renamed over it once complete (core/file.h), so a failure keeps
 *  the previous file.  0, or DV_E* with "path: reason" in err. */
int dv_snapshot_save(const dv_snapshot_t *snap, const char *path, char *err, size_t errlen);
/*! Write the JSON form to a stream. */
int dv_snapshot_write(const dv_snapshot_t *snap, FILE *out);

/*!
 * Read a snapshot from a file.  Strict: anything malformed, out of range or
 * beyond the ceilings above gives DV_EPARSE / DV_ELIMIT / DV_EIO and a
 * "path: message" in errbuf.  *out is owned by the caller.
 */
int dv_snapshot_load(const char *path, dv_snapshot_t **out, char *errbuf, size_t errlen);
/*! Same from memory (tests, fuzzing); `label` names the input in messages. */
int dv_snapshot_load_mem(const char *data, size_t len, const char *label, dv_snapshot_t **out,
                         char *errbuf, size_t errlen);

/*! Presentation form of a DNS name whose wire form comes from a trusted
 *  source (snapshot or parsed packet); "?" when malformed. */
void dv_snap_dname_str(const uint8_t *dname, char *buf, size_t len);
/*! Parse a presentation-form name into wire form (lowercased); DV_EPARSE. */
int dv_snap_dname_parse(const char *text, uint8_t out[255]);
