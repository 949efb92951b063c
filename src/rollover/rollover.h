/*
 * Key rollovers: the RFC 7583 timeline of a planned roll, and the
 * observed-state model check of a roll in progress or done (issue 14).
 *
 * The model's input is a series of observations of one zone: at each time,
 * per server address, the RRsets it served (DNSKEY with its RRSIGs,
 * CDS/CDNSKEY, SOA, NS, the NSEC/NSEC3 of its denial proofs) and, at every
 * parent server address, the DS RRset or its absence.  Snapshots of `dnsvigil
 * check` are one source (dv_roll_extract); the watch daemon's history will be
 * another: anything that can call dv_roll_series_observe() in time order.
 *
 * The check is pure: no I/O, no clock.  Time comes in as `now`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "findings/findings.h"
#include "snapshot/snapshot.h"

#define DV_ROLL_OPEN  INT64_MAX /*!< a window that has not ended; a step never safe */
#define DV_ROLL_START INT64_MIN /*!< before the first observation */

/* Ceilings for untrusted input (snapshots, candidate zones). */
#define DV_ROLL_MAX_SERVERS   1024u
#define DV_ROLL_MAX_RRKEYS    100000u  /*!< distinct (owner, type) pairs observed */
#define DV_ROLL_MAX_VERSIONS  1000000u /*!< distinct RRset versions */
#define DV_ROLL_MAX_KEYS      4096u    /*!< distinct DNSKEYs, DS records */
#define DV_ROLL_MAX_WINDOWS   10000u   /*!< bogus windows kept (the rest are counted) */
#define DV_ROLL_MAX_SNAPSHOTS 100000u

/* ---- the observation series ------------------------------------------------ */

typedef struct dv_roll_series dv_roll_series_t;

typedef enum {
	DV_ROLL_CHILD = 0,  /*!< one of the zone's own servers */
	DV_ROLL_PARENT = 1, /*!< one of the parent zone's servers (the DS) */
} dv_roll_side_t;

/*! An RRset as one server served it, or its absence.  RDATA canonical
 *  (RFC 4034 §6.2), names in wire form; everything is copied. */
typedef struct {
	const uint8_t *owner;
	uint16_t type;
	uint32_t ttl; /*!< as served; for an absence the negative TTL (RFC 2308 §5) */
	bool absent;  /*!< the server said there is no such RRset (NODATA, NXDOMAIN) */
	bool sampled; /*!< seen by chance (a denial proof), not asked at every observation */
	uint16_t n;   /*!< RRs */
	const uint8_t *const *rd;
	const uint16_t *rdlen;
	uint16_t nsig; /*!< RRSIGs covering the RRset */
	const uint8_t *const *sig;
	const uint16_t *siglen;
} dv_roll_rrset_t;

/*! An empty series for zone `zone` (wire form).  Free with dv_roll_series_free. */
int dv_roll_series_new(const uint8_t *zone, dv_roll_series_t **out);
void dv_roll_series_free(dv_roll_series_t *s);

/*! Index of the server address `addr` on `side` (added when new; `name`, the
 *  NS name, may be NULL).  DV_ELIMIT past DV_ROLL_MAX_SERVERS. */
int dv_roll_series_server(dv_roll_series_t *s, dv_roll_side_t side, const char *addr,
                          const char *name, uint32_t *out);

/*!
 * At `time`, `server` served `rr`.  Observations of one server must come in
 * time order (DV_EINVAL otherwise); servers may interleave.  DS RRsets come
 * from parent servers, everything else from child servers.
 */
int dv_roll_series_observe(dv_roll_series_t *s, uint32_t server, int64_t time,
                           const dv_roll_rrset_t *rr);

/*! At `time`, `server` was asked for (owner, type) and gave no usable answer
 *  (timeout, REFUSED, SERVFAIL, not authoritative). */
int dv_roll_series_unanswered(dv_roll_series_t *s, uint32_t server, int64_t time,
                              const uint8_t *owner, uint16_t type);

/*!
 * A candidate signed zone (preflight): from `time` every child server serves
 * these RRsets and stops serving anything else by time + `propagation`.  Call
 * once, after every observation.  `rrs` holds every RRset of the candidate
 * that the check should know about (dv_roll_candidate_load picks them).
 */
int dv_roll_series_candidate(dv_roll_series_t *s, int64_t time, int64_t propagation,
                             const dv_roll_rrset_t *rrs, size_t n);

/*! Observations recorded, and the first and last observation times. */
size_t dv_roll_series_count(const dv_roll_series_t *s);
int64_t dv_roll_series_first(const dv_roll_series_t *s);
int64_t dv_roll_series_last(const dv_roll_series_t *s);
/*! The zone's name, presentation form. */
const char *dv_roll_series_zone(const dv_roll_series_t *s);

/* ---- sources ----------------------------------------------------------------- */

/*!
 * Extraction: add the observations of one snapshot of `dnsvigil check` for
 * the series' zone: child answers to SOA, NS, DNSKEY, CDS, CDNSKEY (tracked),
 * the NSEC/NSEC3 RRsets of its denial proofs (sampled), and every parent
 * server's DS answer.  Each answer is stamped with the snapshot time plus its
 * arrival offset.  DV_EINVAL with a message when the snapshot did not probe
 * the zone.  Malformed messages count as unanswered questions.
 */
int dv_roll_extract(dv_roll_series_t *s, const dv_snapshot_t *snap, const char *label, char *err,
                    size_t errlen);

/*!
 * A series for `zone` (wire form) from snapshot files, or directories standing
 * for the *.json files in them, taken in the order of their probe times.
 * Errors as dv_snapshot_load and dv_roll_extract, "path: message" in err.
 */
int dv_roll_series_load(const uint8_t *zone, char *const *paths, size_t npaths,
                        dv_roll_series_t **out, char *err, size_t errlen);

/*!
 * Load a candidate signed zone file and add it (dv_roll_series_candidate)
 * at `time`.  Every apex RRset, every RRset the history observed, and one
 * RRset per signing pattern (the key tags and algorithms that sign it, and
 * whether a signature expires before time + `horizon`) go into the check;
 * run `dnsvigil verify` for every signature.  Errors as dv_zone_load.
 */
int dv_roll_candidate_load(dv_roll_series_t *s, const char *path, int64_t time, int64_t propagation,
                           int64_t horizon, char *err, size_t errlen);

/*!
 * A DS RRset the parent is about to publish (preflight of a parent-side
 * step): from `time` every parent server serves `ds` and stops serving what
 * it served by time + `propagation`.  Call after every observation, before
 * or after dv_roll_series_candidate.  `ds->absent` stands for the removal of
 * the DS RRset (going insecure).
 */
int dv_roll_series_candidate_ds(dv_roll_series_t *s, int64_t time, int64_t propagation,
                                const dv_roll_rrset_t *ds);

/*!
 * Load the DS records of the zone from a file in zone-file form (a `dsset-`
 * file, `dnssec-dsfromkey` or `keymgr ds` output; records of other owners or
 * types are refused) and add them with dv_roll_series_candidate_ds.  A file
 * without records stands for the removal of the DS RRset.  Errors as
 * dv_rrfile_load ("file:line: message").
 */
int dv_roll_candidate_ds_load(dv_roll_series_t *s, const char *path, int64_t time,
                              int64_t propagation, char *err, size_t errlen);

#define DV_ROLL_FINGERPRINT_LEN 32

/*!
 * A digest of what the model takes from one snapshot about `zone` at every
 * server it asks every time (SOA, NS, DNSKEY, CDS, CDNSKEY at each child
 * server address, DS at each parent server address: each RRset with its
 * TTL and RRSIGs, its absence, or no usable answer), independent of the
 * order of the answers.  Two snapshots with one fingerprint add the same
 * observations, at their own times.  The NSEC/NSEC3 records of denial
 * proofs are left out: the probe's NXDOMAIN name is random, so they differ
 * from one probe to the next while the zone does not (a zone that changes
 * changes its SOA).  DV_EINVAL when the snapshot did not probe the zone.
 */
int dv_roll_fingerprint(const dv_snapshot_t *snap, const uint8_t *zone,
                        uint8_t out[DV_ROLL_FINGERPRINT_LEN]);

/* ---- the check ------------------------------------------------------------------ */

typedef enum {
	DV_ROLL_R1 = 1, /*!< a cached DS matches a key of the cached DNSKEY set that signs it */
	DV_ROLL_R2 = 2, /*!< the cached DNSKEY set is present and signed by a key of its own */
	DV_ROLL_R3 = 3, /*!< each cached RRset is signed by a key of the cached DNSKEY set */
} dv_roll_rule_t;

/*!
 * A validating resolver that could see a bogus window: any validating
 * resolver asked for the zone while a window lasts may hold the failing
 * combination (the model cannot tell which caches hold what), so a window
 * is attributed to every resolver that validated during some part of it.
 * Windows for strict validators only are attributed to none: the audit
 * cannot tell a resolver that enforces RFC 4035 §2.2 (none of the lab's
 * four does).
 */
typedef struct {
	const char *name;          /*!< as configured or given */
	const char *address;       /*!< may be NULL */
	const int64_t *validating; /*!< [from, to) pairs, ascending; to DV_ROLL_OPEN: still */
	size_t nvalidating;        /*!< pairs */
} dv_roll_resolver_t;

typedef struct {
	int64_t now;         /*!< the time the verdict is about */
	int64_t serve_stale; /*!< RFC 8767 allowance added to every cache window */
	int64_t stuck_after; /*!< stuck detection threshold */
	bool candidate_only; /*!< preflight: only combinations with a candidate version */
	int64_t horizon;     /*!< evaluate until this time (0: the last window end) */
	int64_t from;        /*!< evaluate from this time (DV_ROLL_START: the first observation) */
	const dv_roll_resolver_t *resolvers; /*!< who could see a window (output only) */
	size_t nresolvers;
} dv_roll_check_opts_t;

/*! One window during which some cache could hold a combination that does not
 *  validate. */
typedef struct {
	int64_t start, end; /*!< [start, end); end DV_ROLL_OPEN: still open at the horizon */
	dv_roll_rule_t rule;
	bool strict_only; /*!< fails only for validators that insist on every algorithm
	                       (RFC 4035 §2.2); RFC 6840 §5.11 validators accept it */
	int32_t ds;       /*!< version indexes (dv_roll_version_*); -1 not concerned */
	int32_t dnskey, rrset;
	bool candidate; /*!< a version of the combination is the candidate's */
	char why[320];  /*!< the failing combination in words */
} dv_roll_window_t;

/*!
 * Where a rollover stands: the kind of its next step (a stable interface:
 * metric label values and `rollover.phase` event values, doc/rollover.md).
 * When several steps are pending, the phase is the first of this list
 * (algorithm over KSK over ZSK, the parent's part first).
 */
typedef enum {
	DV_ROLL_PHASE_STEADY = 0, /*!< "steady": no rollover in progress */
	DV_ROLL_PHASE_ALG_SIGNED, /*!< "algorithm-signed": new algorithm's signatures, no key yet */
	DV_ROLL_PHASE_ALG_PUBLISHED, /*!< "algorithm-published": both algorithms' keys, old DS */
	DV_ROLL_PHASE_ALG_DS,        /*!< "algorithm-ds": the new algorithm's DS at the parent */
	DV_ROLL_PHASE_ALG_CLEANUP,   /*!< "algorithm-cleanup": old keys gone, old signatures left */
	DV_ROLL_PHASE_DS_WAIT,       /*!< "ds-wait": CDS/CDNSKEY ask for a DS the parent lacks */
	DV_ROLL_PHASE_KSK_READY,     /*!< "ksk-ready": a new KSK signs, its DS not yet in */
	DV_ROLL_PHASE_DS_PUBLISHED,  /*!< "ds-published": a DS waits for its KSK (double-DS) */
	DV_ROLL_PHASE_KSK_PUBLISHED, /*!< "ksk-published": a new KSK, not signing yet */
	DV_ROLL_PHASE_DS_RETIRING,   /*!< "ds-retiring": a DS to withdraw at the parent */
	DV_ROLL_PHASE_KSK_RETIRED,   /*!< "ksk-retired": an old KSK to remove */
	DV_ROLL_PHASE_ZSK_DOUBLE_SIGNED, /*!< "zsk-double-signed": two ZSKs sign the data */
	DV_ROLL_PHASE_ZSK_PUBLISHED,     /*!< "zsk-published": a new ZSK, not signing yet */
	DV_ROLL_PHASE_ZSK_RETIRED,       /*!< "zsk-retired": an old ZSK to remove */
	DV_ROLL_PHASE_COUNT
} dv_roll_phase_t;

/*! "steady", "zsk-published", ... */
const char *dv_roll_phase_name(dv_roll_phase_t p);

/*! A step a rollover in progress waits for. */
typedef struct {
	dv_roll_phase_t phase; /*!< the phase this step ends */
	char action[256];      /*!< what the operator (or signer) does next */
	int64_t earliest;      /*!< earliest safe time; DV_ROLL_OPEN: not safe until something else
	                          changes */
	char formula[400];     /*!< how earliest was computed, from which observation */
	int32_t keytag;        /*!< key concerned, -1 */
} dv_roll_next_t;

/*! An apex RRset version (DS, DNSKEY, CDS, CDNSKEY, SOA) served at `now`. */
typedef struct {
	int32_t version;
	char servers[256]; /*!< the addresses serving it, comma-separated, "+N" past the room */
} dv_roll_current_t;

typedef struct {
	dv_roll_window_t *windows;
	size_t nwindows;
	size_t windows_dropped; /*!< beyond DV_ROLL_MAX_WINDOWS */
	dv_roll_next_t *next;
	size_t nnext;
	dv_roll_current_t *current; /*!< what is served at now (not for a preflight) */
	size_t ncurrent;
	char phase[128]; /*!< "steady: no rollover in progress", "key rollover in progress" */
	dv_roll_phase_t phase_id; /*!< the phase by name (dv_roll_phase_name) */
	/*! Since when the rollover waits on what the signer cannot do (0: it does
	 *  not): CDS/CDNSKEY asking for a DS the parent does not serve, a DS
	 *  whose key left the DNSKEY RRset, parent servers or child servers'
	 *  CDS disagreeing; the stuck findings come once this lasts stuck_after. */
	int64_t blocked_since;
	char blocked_why[200];
	dv_findings_t findings; /*!< sorted */
	int64_t first, last;    /*!< the observations' time span */
	int64_t from, horizon;  /*!< the span evaluated */
	size_t observations, versions, events, sigs_verified;
	bool parent_observed;
} dv_roll_result_t;

/*!
 * The observed-state model check (issue 14 §2).  Each version of each RRset is
 * possibly cached from when it may first have been served until it may last
 * have been served plus its TTL (capped by its signatures' expiration) plus
 * the serve-stale allowance; DS, DNSKEY and each RRset are cached
 * independently, and every combination possibly cached at once must satisfy
 * R1, R2 and R3, with the algorithm rule both lenient (RFC 6840 §5.11) and
 * strict (RFC 4035 §2.2).  Evaluated exactly at every event boundary.
 * Signatures are verified here, once per version.  Returns 0 or DV_ENOMEM;
 * free `out` with dv_roll_result_free.
 */
int dv_roll_check(dv_roll_series_t *s, const dv_roll_check_opts_t *opts, dv_roll_result_t *out);
void dv_roll_result_free(dv_roll_result_t *r);

/*! A version in words: "DNSKEY {257/13/12345, 256/13/2222} signed by 12345",
 *  "DS {12345/13/2}", "SOA signed by 2222", "DS absent". */
void dv_roll_version_describe(const dv_roll_series_t *s, int32_t version, char *buf, size_t len);
/*! "DNSKEY", "DS", "SOA", ... and the owner of a version. */
uint16_t dv_roll_version_type(const dv_roll_series_t *s, int32_t version);
void dv_roll_version_owner(const dv_roll_series_t *s, int32_t version, char *buf, size_t len);
/*! "R1", "R2", "R3". */
const char *dv_roll_rule_name(dv_roll_rule_t r);
/*! Whether resolver r could see window w (dv_roll_resolver_t says how). */
bool dv_roll_resolver_sees(const dv_roll_resolver_t *r, const dv_roll_window_t *w);

/* ---- the plan (RFC 7583) ------------------------------------------------------- */

typedef enum {
	DV_ROLL_ZSK = 0,
	DV_ROLL_KSK = 1,
	DV_ROLL_CSK = 2,
	DV_ROLL_ALGORITHM = 3,
} dv_roll_kind_t;

typedef enum {
	DV_ROLL_PRE_PUBLISH = 0,
	DV_ROLL_DOUBLE_SIGNATURE = 1,
	DV_ROLL_DOUBLE_DS = 2,
	DV_ROLL_DOUBLE_RRSET = 3,
} dv_roll_method_t;

typedef enum {
	DV_ROLL_SRC_DEFAULT = 0, /*!< BIND 9.18 dnssec-policy default */
	DV_ROLL_SRC_OPTION = 1,  /*!< given on the command line */
	DV_ROLL_SRC_SERVED = 2,  /*!< as served in the snapshot */
} dv_roll_src_t;

enum {
	DV_ROLL_P_TTLKEY = 0, /*!< TTLkey: DNSKEY TTL */
	DV_ROLL_P_TTLDS,      /*!< TTLds: DS TTL at the parent */
	DV_ROLL_P_TTLSIG,     /*!< TTLsig: largest TTL of signed data (max zone TTL) */
	DV_ROLL_P_DPRP,       /*!< Dprp (DprpC): child propagation delay */
	DV_ROLL_P_DPRPP,      /*!< DprpP: parent propagation delay */
	DV_ROLL_P_DREG,       /*!< Dreg: registration delay (DS submitted to published) */
	DV_ROLL_P_VALIDITY,   /*!< signature validity */
	DV_ROLL_P_REFRESH,    /*!< signature refresh (re-signed this long before expiry) */
	DV_ROLL_P_SAFETY,     /*!< Ipubsafety, Iretsafety */
	DV_ROLL_P_COUNT
};

typedef struct {
	int64_t v[DV_ROLL_P_COUNT];
	dv_roll_src_t src[DV_ROLL_P_COUNT];
} dv_roll_params_t;

/*! Parameter name as RFC 7583 writes it ("TTLkey") and the option that sets it. */
const char *dv_roll_param_name(int p);
const char *dv_roll_param_option(int p);

/*! BIND 9.18 dnssec-policy defaults (doc/rollover.md lists them). */
void dv_roll_params_default(dv_roll_params_t *p);
/*! TTLkey, TTLds and TTLsig as served at the last observation (those not
 *  observed keep their value).  TTLsig is a lower bound: the probe sees the
 *  apex and the denial proofs only. */
void dv_roll_params_served(const dv_roll_series_t *s, dv_roll_params_t *p);

#define DV_ROLL_MAX_STEPS 10

typedef struct {
	char event[40];    /*!< RFC 7583 event name: "Tpub(N+1)", "Tact(N+1)", ... */
	char action[240];  /*!< what happens at that time */
	int64_t time;      /*!< earliest safe time */
	char formula[320]; /*!< "Tact(N+1) = Tpub(N+1) + Ipub + Ipubsafety; Ipub = Dprp + TTLkey =
	                      ..." */
} dv_roll_step_t;

typedef struct {
	dv_roll_kind_t kind;
	dv_roll_method_t method;
	const char *reference; /*!< "RFC 7583 §3.2.1" */
	int64_t start;
	dv_roll_params_t params;
	int64_t dsgn; /*!< Dsgn derived: validity - refresh, or 0 */
	dv_roll_step_t steps[DV_ROLL_MAX_STEPS];
	size_t nsteps;
} dv_roll_plan_t;

/*! Build the timeline.  DV_EINVAL (message in err) for a method the kind has
 *  no RFC timeline for. */
int dv_roll_plan(dv_roll_kind_t kind, dv_roll_method_t method, int64_t start,
                 const dv_roll_params_t *params, dv_roll_plan_t *out, char *err, size_t errlen);
const char *dv_roll_kind_name(dv_roll_kind_t k);
const char *dv_roll_method_name(dv_roll_method_t m);
int dv_roll_kind_parse(const char *s, dv_roll_kind_t *out);
int dv_roll_method_parse(const char *s, dv_roll_method_t *out);

/* ---- recovery ----------------------------------------------------------------- */

typedef enum {
	DV_ROLL_CASE_NONE = 0,        /*!< nothing to recover from */
	DV_ROLL_CASE_EXPIRED = 1,     /*!< signatures expired (or not yet valid) */
	DV_ROLL_CASE_DS_MISMATCH = 2, /*!< no DS matches a key that signs the DNSKEY RRset */
	DV_ROLL_CASE_KEY_REMOVED = 3, /*!< data cached under a key no longer published */
	DV_ROLL_CASE_INSECURE = 4,    /*!< going insecure deliberately */
} dv_roll_case_t;

typedef struct {
	int64_t now;
	int64_t serve_stale;
	int64_t dprp, dprp_parent, dreg; /*!< delays the fix takes to reach every server */
	bool insecure;                   /*!< plan going insecure */
} dv_roll_recover_opts_t;

#define DV_ROLL_MAX_RECOVER_STEPS 8

typedef struct {
	dv_roll_case_t kase;
	char summary[400];
	struct {
		char what[400];
		int64_t at; /*!< earliest time for this step (now for "do it now") */
	} steps[DV_ROLL_MAX_RECOVER_STEPS];
	size_t nsteps;
	int64_t healed;    /*!< every cache validates again by then, if the steps are followed */
	int64_t unaided;   /*!< ... if nothing is done (DV_ROLL_OPEN: never) */
	int64_t nta_until; /*!< a negative trust anchor bridges until then (0: none needed) */
	dv_roll_result_t check; /*!< the check the advice comes from */
} dv_roll_recovery_t;

/*! Work out the fastest safe way back from the observed state (issue 14 §5).
 *  Free with dv_roll_recovery_free. */
int dv_roll_recover(dv_roll_series_t *s, const dv_roll_recover_opts_t *opts,
                    dv_roll_recovery_t *out);
void dv_roll_recovery_free(dv_roll_recovery_t *r);
const char *dv_roll_case_name(dv_roll_case_t c);

/* ---- output (text and JSON; doc/rollover.md) --------------------------------- */

/*! JSON forms (new references; the caller adds "status" and "findings"). */
json_t *dv_roll_plan_json(const dv_roll_plan_t *p, const char *zone);
json_t *dv_roll_check_json(const dv_roll_series_t *s, const char *command,
                           const dv_roll_check_opts_t *o, const dv_roll_result_t *r);
json_t *dv_roll_recover_json(const dv_roll_series_t *s, const dv_roll_recover_opts_t *o,
                             const dv_roll_recovery_t *r);
/*! Text forms (the caller prints the findings after). */
void dv_roll_plan_text(FILE *out, const dv_roll_plan_t *p, const char *zone);
void dv_roll_check_text(FILE *out, const dv_roll_series_t *s, const char *command,
                        const dv_roll_check_opts_t *o, const dv_roll_result_t *r);
void dv_roll_recover_text(FILE *out, const dv_roll_series_t *s, const dv_roll_recover_opts_t *o,
                          const dv_roll_recovery_t *r);
