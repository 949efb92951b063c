/*
 * The watch daemon's state and history (issue 12 §2): per zone and per server
 * address the latest observation, the open findings, the snapshots that
 * changed anything, resolver verdicts and the events between consecutive
 * observations.
 *
 * One small interface, one backend today (SQLite in WAL mode, sqlite.c);
 * a PostgreSQL backend implements dv_store_backend_t (store_int.h) and is
 * picked by dv_store_open from its location ("postgresql://…").
 *
 * Writes of one cycle go between dv_store_begin and dv_store_commit: a
 * crash (kill -9) at any instant leaves either the whole cycle or none of it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DV_OBS_ADDR_MAX 64
#define DV_OBS_ZONE_MAX 256

/* Ceilings on what one observation may hold (doc/limits.md). */
#define DV_OBS_MAX_SERVERS   256u   /*!< server addresses of a zone (DV_SNAP_MAX_ZONE_SERVERS) */
#define DV_OBS_MAX_PARENTS   256u   /*!< parent server addresses */
#define DV_OBS_MAX_SET       256u   /*!< records in one DNSKEY/DS/CDS/CDNSKEY set */
#define DV_OBS_MAX_FINDINGS  4096u  /*!< open findings kept per zone */
#define DV_EVENTS_MAX        10000u /*!< events of one cycle; past it one is counted */
#define DV_STORE_MAX_OBS_TXT (1024u * 1024) /*!< a stored observation's JSON */

/*
 * A record set in canonical text: one line per record, sorted, '\n'-joined,
 * no final newline; "" for an empty set.  DNSKEY/CDNSKEY lines read
 * "FLAGS ALG TAG KEYID" (KEYID: the first 8 bytes of SHA-256 of the public
 * key, hex, so a revoked key (RFC 5011 §2.1: its tag changes) is recognised
 * as the same key); DS/CDS lines "TAG ALG DIGESTTYPE DIGEST".
 */

/*! One server address of the zone, as last seen answering. */
typedef struct {
	char addr[DV_OBS_ADDR_MAX];
	bool answering; /*!< answered authoritatively this cycle */
	bool have_serial;
	uint32_t serial;
	int64_t earliest_expiry;  /*!< of the RRSIGs it served; 0 none */
	int64_t newest_inception; /*!< of the RRSIGs it served; 0 none */
	char *dnskey;             /*!< canonical set text, NULL: not seen */
	char *cds, *cdnskey;
	/* full: true (issue 13): the copy of the zone transferred from it */
	char transfer[16];    /*!< how this cycle had it: axfr, ixfr, ixfr-axfr, up-to-date,
	                           refused, failed ("" not transferred) */
	bool have_copy;       /*!< a verified copy is held */
	uint32_t copy_serial; /*!< its serial */
	uint32_t rrsets_added, rrsets_removed, rrsets_changed; /*!< by this cycle's transfer */
	uint32_t behind; /*!< serials behind the newest copy (RFC 1982) */
	/*! When it was first seen behind (0: not behind, or not known: a store
	 *  of an earlier version); kept while its transfers fail, so that the
	 *  daemon's lag clock survives a restart (dv_replica_set_seed). */
	int64_t behind_since;
} dv_obs_server_t;

/*! One server address of the parent zone: the DS set it serves for the zone. */
typedef struct {
	char addr[DV_OBS_ADDR_MAX];
	bool answering;
	char *ds;        /*!< canonical set text, NULL: not seen */
	int8_t ds_match; /*!< some DS matches a DNSKEY of the zone: 1, none: 0, not known: -1 */
} dv_obs_parent_t;

/*! What one cycle saw of one zone. */
typedef struct {
	char zone[DV_OBS_ZONE_MAX]; /*!< presentation form, final dot */
	int64_t time;               /*!< of the probe */
	bool probe_ok;              /*!< the probe ran (false: nothing below is new) */
	char status[16];            /*!< secure, insecure, bogus, indeterminate; "" unknown */
	bool have_serial;
	uint32_t serial;          /*!< newest of the servers */
	int64_t earliest_expiry;  /*!< 0 none */
	int64_t newest_inception; /*!< 0 none */
	bool divergent;           /*!< servers disagree (serial or DNSKEY set) */
	dv_obs_server_t *srv;
	size_t nsrv;
	dv_obs_parent_t *par;
	size_t npar;
} dv_obs_t;

/*! Free what obs holds and empty it (the struct itself is the caller's). */
void dv_obs_clear(dv_obs_t *obs);
/*! Deep copy. */
int dv_obs_copy(dv_obs_t *dst, const dv_obs_t *src);
/*! Whether two observations hold the same (everything but the time):
 *  what the stored JSON form would tell apart. */
bool dv_obs_same(const dv_obs_t *a, const dv_obs_t *b);
/*! JSON text of an observation (malloc'd, caller frees) and back (strict). */
int dv_obs_to_json(const dv_obs_t *obs, char **out);
int dv_obs_from_json(const char *text, dv_obs_t *out);
/*! The server or parent server entry of `addr`, added when new (DV_ELIMIT past the ceiling). */
int dv_obs_server(dv_obs_t *obs, const char *addr, dv_obs_server_t **out);
int dv_obs_parent(dv_obs_t *obs, const char *addr, dv_obs_parent_t **out);

/*! An open finding, identified by (code, owner, type, server, keytag). */
typedef struct {
	char code[48];
	char severity[12];
	char owner[1025];
	uint16_t type;
	char server[512];
	int32_t keytag;
	char detail[512];
	int64_t first_seen, last_seen;
} dv_store_finding_t;

typedef struct {
	dv_store_finding_t *v;
	size_t len, cap;
	size_t dropped; /*!< past DV_OBS_MAX_FINDINGS */
} dv_store_findings_t;

int dv_store_findings_add(dv_store_findings_t *list, const dv_store_finding_t *f);
void dv_store_findings_free(dv_store_findings_t *list);

/* ---- events ---------------------------------------------------------------- */

/* The kinds (stable interface: the ledger's entry kinds, doc/watch.md). */
#define DV_EV_ZONE_SERIAL      "zone.serial"
#define DV_EV_DNSKEY_ADDED     "dnskey.added"
#define DV_EV_DNSKEY_REMOVED   "dnskey.removed"
#define DV_EV_DNSKEY_REVOKED   "dnskey.revoked"
#define DV_EV_DS_CHANGED       "ds.changed"
#define DV_EV_CDS_CHANGED      "cds.changed"
#define DV_EV_FINDING_RAISED   "finding.raised"
#define DV_EV_FINDING_CLEARED  "finding.cleared"
#define DV_EV_ZONE_STATUS      "zone.status"
#define DV_EV_RESOLVER_VERDICT "resolver.verdict"
#define DV_EV_ZONE_COPY        "zone.copy" /*!< a server's copy moved to another serial */
#define DV_EV_ROLLOVER_PHASE   "rollover.phase"

/*! One transition, with its evidence. */
typedef struct {
	int64_t id;   /*!< store id once written, 0 before */
	int64_t time; /*!< of the observation that showed it */
	char kind[24];
	char zone[DV_OBS_ZONE_MAX];  /*!< "" for a resolver */
	char server[512];            /*!< server, parent server or resolver concerned; "" none */
	char *old_value, *new_value; /*!< text; "" for none (first sight / gone) */
	char subject[1100];          /*!< what changed: the key line, finding identity, … */
	int64_t ledger;              /*!< its ledger entry's index; -1 not known (yet) */
} dv_event_t;

typedef struct {
	dv_event_t *v;
	size_t len, cap;
	size_t dropped; /*!< past DV_EVENTS_MAX */
} dv_events_t;

int dv_events_add(dv_events_t *list, const char *kind, int64_t time, const char *zone,
                  const char *server, const char *subject, const char *old_value,
                  const char *new_value);
void dv_events_free(dv_events_t *list);

/*!
 * The transitions from `old` (NULL: first sight) to `cur`, appended to out
 * (pure: no I/O, no clock).  Servers that did not answer this cycle are not
 * compared (a timeout is not a key removal); their last known state should
 * be carried into `cur` with dv_obs_carry first.  Findings are compared by
 * identity; `oldf` NULL means none were open.
 */
int dv_obs_diff(const dv_obs_t *old, const dv_obs_t *cur, const dv_store_findings_t *oldf,
                const dv_store_findings_t *curf, dv_events_t *out);
/*! Copy into `cur` what `old` knew of servers that did not answer this cycle. */
int dv_obs_carry(const dv_obs_t *old, dv_obs_t *cur);
/*! Carry first_seen of findings open in both lists from oldf into curf. */
void dv_findings_carry(const dv_store_findings_t *oldf, dv_store_findings_t *curf);
/*! A resolver's verdict changed from old ("" first sight) to cur: at most one event. */
int dv_resolver_diff(const char *resolver, const char *old, const char *cur, int64_t time,
                     dv_events_t *out);

/* ---- the store ------------------------------------------------------------ */

typedef struct dv_store dv_store_t;

typedef struct {
	int64_t events;              /*!< seconds */
	int64_t snapshots;           /*!< seconds */
	unsigned snapshots_per_zone; /*!< newest kept */
	int64_t observations;        /*!< seconds of history rows */
} dv_store_retention_t;

/*!
 * Open (create) the store.  `where` is a state directory (the SQLite file
 * watch.db in it) or a "sqlite:PATH" location.  readonly opens an existing
 * store for status/history.  Errors: DV_EIO, DV_ENOTSUP (unknown scheme),
 * with a message in err.
 */
int dv_store_open(const char *where, bool readonly, dv_store_t **out, char *err, size_t errlen);
void dv_store_close(dv_store_t *st);
/*! The last error's message ("database or disk is full", …). */
const char *dv_store_errmsg(const dv_store_t *st);

int dv_store_begin(dv_store_t *st);
int dv_store_commit(dv_store_t *st);
void dv_store_rollback(dv_store_t *st);

/*! Latest observation of a zone; *found false (obs empty) when none. */
int dv_store_zone_get(dv_store_t *st, const char *zone, dv_obs_t *obs, bool *found);
/*! Replace the latest observation (and its per-server rows); a history row
 *  is added when status, serial, expiry or inception moved. */
int dv_store_zone_put(dv_store_t *st, const dv_obs_t *obs, int64_t snapshot_id);
/*! Record a cycle's outcome without an observation change. */
int dv_store_zone_touch(dv_store_t *st, const char *zone, int64_t time, bool probe_ok,
                        const char *error);

int dv_store_findings_get(dv_store_t *st, const char *zone, dv_store_findings_t *out);
/*! Make `open` the zone's open findings (cleared ones deleted). */
int dv_store_findings_put(dv_store_t *st, const char *zone, const dv_store_findings_t *open);

/*! Number of events kept. */
int dv_store_event_count(dv_store_t *st, int64_t *n);
/*! Append an event; sets ev->id.  Ids grow and are never reused (the
 *  newest event outlives the retention), so they order events for good. */
int dv_store_event_add(dv_store_t *st, dv_event_t *ev);

/* ---- the ledger's bookkeeping (doc/watch.md "Store and ledger") -------------- */

/*! The store's identity: 32 hex digits chosen at its creation, so that the
 *  ledger entries of one store are told from another's.  Valid until close. */
const char *dv_store_id(const dv_store_t *st);
/*! Events with an id above `after`, oldest first, at most `limit` (0: all). */
int dv_store_events_after(dv_store_t *st, int64_t after, size_t limit,
                          int (*cb)(const dv_event_t *, void *), void *ctx);
/*! Record that event ids[i] is ledger entry index[i] (a hint for restarts and
 *  `history`; the ledger's own entries are what counts). */
int dv_store_events_ledgered(dv_store_t *st, const int64_t *ids, const uint64_t *index, size_t n);
/*! The newest event with a known ledger index: its id and index (both -1: none). */
int dv_store_ledger_mark(dv_store_t *st, int64_t *event, int64_t *index);
/*! Events with an id above `after` (not yet in the ledger). */
int dv_store_events_count_after(dv_store_t *st, int64_t after, int64_t *n);
/*!
 * Keep a snapshot (JSON of `check --save`); `encoding` "json".  The daemon
 * keeps one whenever what the rollover model takes from the probe changed
 * (dv_roll_fingerprint), so a zone's snapshots are its observation series:
 * each stands for every cycle from its time to its `seen_until`.
 */
int dv_store_snapshot_add(dv_store_t *st, const char *zone, int64_t time, const char *encoding,
                          const void *data, size_t len, int64_t *id);
/*! A kept snapshot (malloc'd data, caller frees).  DV_EINVAL when no such id. */
int dv_store_snapshot_get(dv_store_t *st, int64_t id, char **data, size_t *len);
/*!
 * The zone's newest snapshot still held what the servers served at the
 * cycle of `until` (its seen_until becomes at least `until`; a no-op when
 * there is no snapshot or `until` is before it).
 */
int dv_store_snapshot_seen(dv_store_t *st, const char *zone, int64_t until);

typedef struct {
	int64_t id, time;
	int64_t seen_until; /*!< last cycle known to have seen the same (>= time) */
	const char *encoding;
	const char *data; /*!< valid during the callback only */
	size_t len;
} dv_store_snapshot_row_t;
/*!
 * The zone's snapshots taken at or after `since`, oldest first, at most the
 * newest `max` of them (0: all), plus the newest one before `since` (what
 * was served when `since` began).
 */
int dv_store_snapshots_each(dv_store_t *st, const char *zone, int64_t since, size_t max,
                            int (*cb)(const dv_store_snapshot_row_t *, void *), void *ctx);
/*! When the zone's last probe that ran did (0: never, or not known). */
int dv_store_zone_last_success(dv_store_t *st, const char *zone, int64_t *t);
/*! The new value of the zone's last event of `kind` ("" none, *found false). */
int dv_store_event_last(dv_store_t *st, const char *zone, const char *kind, char *value, size_t len,
                        bool *found);

/*! A resolver's last verdict ("" when none yet). */
int dv_store_resolver_get(dv_store_t *st, const char *resolver, char *verdict, size_t len);
int dv_store_resolver_put(dv_store_t *st, const char *resolver, const char *address,
                          const char *verdict, int64_t time);

/*! Enforce the retention.  Returns the number of rows deleted in *deleted.
 *  Events not yet in the ledger (no index recorded) and the newest event
 *  are kept whatever their age. */
int dv_store_prune(dv_store_t *st, const dv_store_retention_t *keep, int64_t now, int64_t *deleted);

/* Readers for `status` and `history`: rows passed to a callback (non-zero stops). */
typedef struct {
	const char *zone, *status, *error;
	int64_t time, last_attempt, last_success;
	bool probe_ok;
	const dv_obs_t *obs;
	size_t nfindings;
	const char *worst; /*!< worst open finding severity, "" none */
} dv_store_zone_row_t;
int dv_store_zones_each(dv_store_t *st, int (*cb)(const dv_store_zone_row_t *, void *), void *ctx);

typedef struct {
	const char *resolver, *address, *verdict;
	int64_t time;
} dv_store_resolver_row_t;
int dv_store_resolvers_each(dv_store_t *st, int (*cb)(const dv_store_resolver_row_t *, void *),
                            void *ctx);
/*! Events of a zone ("" resolvers, NULL all) oldest first. */
int dv_store_events_each(dv_store_t *st, const char *zone, int64_t since,
                         int (*cb)(const dv_event_t *, void *), void *ctx);

typedef struct {
	int64_t time, snapshot_id;
	const char *status;
	bool have_serial;
	uint32_t serial;
	int64_t earliest_expiry, newest_inception;
} dv_store_hist_row_t;
/*! History rows of a zone, oldest first. */
int dv_store_history_each(dv_store_t *st, const char *zone,
                          int (*cb)(const dv_store_hist_row_t *, void *), void *ctx);
