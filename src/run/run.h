/*
 * One call per command: a source (a zone file, a live probe or a saved
 * snapshot) handed to the checks, with everything between wired in the
 * right order.  The commands (src/cli) parse options, make this call and
 * print its result with a sink (src/report); the daemon will make the same
 * calls.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "checks/checks.h"
#include "checks/live.h"
#include "core/zone.h"
#include "findings/findings.h"
#include "probe/probe.h"
#include "replica/replica.h"
#include "rollover/rollover.h"
#include "snapshot/snapshot.h"
#include "store/store.h"
#include "zone/loader.h"

/* ---- verify: a zone file ------------------------------------------------------ */

typedef struct {
	const char *origin;      /*!< NULL: the SOA owner */
	const char *ds_path;     /*!< DS/DNSKEY records of the parent or a trust anchor, or NULL */
	unsigned threads;        /*!< parsing and verification threads (0: 1) */
	dv_load_limits_t limits; /*!< ceilings of the zone file and the --ds file (0s: defaults) */
	int64_t now;             /*!< the time every validity check uses */
	int64_t warn_expiry;     /*!< RRSIG_EXPIRES_SOON threshold, seconds */
	int64_t crit_expiry;     /*!< RRSIG_EXPIRES_CRITICAL threshold, seconds (0: none) */
	/*! Called now and then with what is being done ("loading", "verifying")
	 *  and how far; may be NULL. */
	void (*progress)(void *ctx, const char *phase, uint64_t done, uint64_t total);
	void *progress_ctx;
	/* dv_verify_axfr only: */
	const char *tsig_path; /*!< TSIG key file (BIND or Knot format), or NULL */
	const char *tsig_name; /*!< the key of that file to use (NULL: its only key) */
	dv_xfr_limits_t xfr;   /*!< transfer ceilings (0s: defaults) */
} dv_verify_file_opts_t;

/*! Standard input read by `verify -` at most (doc/limits.md). */
#define DV_VERIFY_STDIN_MAX ((size_t)2 << 30)

/*! What dv_verify_file found; the zone stays for the report. */
typedef struct {
	dv_zone_t *zone;
	char *input; /*!< the zone text read from standard input, or NULL */
	dv_rrfile_t ds;
	dv_verify_opts_t opts; /*!< as the checks ran */
	dv_verify_stats_t stats;
	dv_findings_t findings; /*!< sorted */
	bool no_source;         /*!< dv_verify_axfr: the zone could not be transferred */
	dv_xfr_result_t xfr;    /*!< dv_verify_axfr: how the transfer went */
} dv_verify_result_t;

/*!
 * Load a zone file ("-": standard input, read whole first, at most
 * DV_VERIFY_STDIN_MAX bytes) and run every verify check on it, verifying
 * signatures while the file is still being parsed (the presign pass:
 * started before loading, finished before the signature check, released
 * before the zone).
 * Returns 0, or a DV_E* error with the whole message in errbuf
 * ("file:line: message" for bad input).  Clear res with
 * dv_verify_result_clear either way.
 */
int dv_verify_file(const char *path, const dv_verify_file_opts_t *opts, dv_verify_result_t *res,
                   char *errbuf, size_t errlen);
/*!
 * The same for a zone transferred (AXFR, RFC 5936) from `server`
 * ("ADDR[@PORT]", "[V6]:PORT"); opts->origin is required.  The records go
 * into the zone store as they arrive, and the presign pass verifies
 * signatures while the transfer runs.  Bad options or files: DV_EINVAL /
 * DV_EPARSE / DV_EIO; the transfer failed or gave no zone: res->no_source
 * set, res->xfr says why (the whole message in errbuf).
 */
int dv_verify_axfr(const char *server, const dv_verify_file_opts_t *opts, dv_verify_result_t *res,
                   char *errbuf, size_t errlen);
/*! Release what a result holds; it is empty afterwards. */
void dv_verify_result_clear(dv_verify_result_t *res);

/* ---- check: a live probe or a saved snapshot ------------------------------------ */

typedef struct {
	dv_probe_opts_t probe;
	const char *from; /*!< judge this saved snapshot instead of probing */
	const char *save; /*!< also save the snapshot here, or NULL */
	bool have_now;    /*!< judge at `now`; else at the probe's own time (so --from
	                       repeats the verdict) */
	int64_t now;
	int64_t warn_secs, crit_secs;
	dv_live_expect_t expect;  /*!< the status each domain's zone must have */
	uint64_t max_validations; /*!< signature validations per check (0: the default) */
	/*! --full: transfer every server's copy of each domain's zone, verify
	 *  and compare the copies (not with `from`: copies are not saved). */
	bool full;
	const char *tsig_path, *tsig_name; /*!< TSIG key for the transfers */
	dv_xfr_limits_t xfr;
	size_t max_records;
	unsigned threads;
} dv_check_run_opts_t;

/*! Where a check run stopped. */
typedef enum {
	DV_CHECK_RUN_DONE = 0,
	DV_CHECK_RUN_SOURCE, /*!< the probe or the snapshot could not be had */
	DV_CHECK_RUN_SAVE,   /*!< the snapshot could not be saved (it was judged anyway) */
	DV_CHECK_RUN_JUDGE,  /*!< the checks could not run (no memory) */
	DV_CHECK_RUN_FULL,   /*!< --full could not run (a bad key file, no memory) */
} dv_check_run_stage_t;

/*! One domain's zone copies (--full). */
typedef struct {
	char zone[1025]; /*!< presentation form */
	dv_replica_report_t report;
} dv_check_full_t;

typedef struct {
	dv_snapshot_t *snap;
	dv_live_opts_t opts;  /*!< as the checks ran */
	dv_live_result_t res; /*!< with --full, the copies' findings too */
	dv_check_run_stage_t stage;
	dv_check_full_t *full; /*!< --full: per probed domain whose zone was found */
	size_t nfull;
} dv_check_run_t;

/*!
 * Probe `domains` (or load opts->from), save the snapshot if asked, judge
 * it.  Returns 0, or a DV_E* error with out->stage saying where and errbuf
 * the message (empty for DV_CHECK_RUN_JUDGE: dv_strerror of the result).
 * A snapshot that could not be saved is judged all the same (stage
 * DV_CHECK_RUN_SAVE, the result filled, errbuf saying why): the report is
 * not lost with the file, and the old file is kept whole (it is written
 * beside it and renamed over it).  Clear out with dv_check_run_clear either
 * way.
 */
int dv_check_run(const dv_check_run_opts_t *opts, char *const *domains, size_t ndomains,
                 dv_check_run_t *out, char *errbuf, size_t errlen);
void dv_check_run_clear(dv_check_run_t *run);

/* ---- rollover: a zone's history in the watch daemon's store --------------------- */

typedef struct {
	int64_t since; /*!< snapshots from then on, and the last one before (0: all kept) */
	size_t max;    /*!< at most the newest this many (0: all kept) */
	/*! The newest snapshot still describes what was served at this cycle:
	 *  the caller's own cycle (the daemon), or 0 for the store's last
	 *  successful probe of the zone (a reader beside the daemon). */
	int64_t until;
} dv_roll_history_opts_t;

/*!
 * The observation series of `zone` (wire form) from the snapshots the watch
 * daemon kept.  The daemon keeps a snapshot whenever what the model takes
 * from its probe changed (dv_roll_fingerprint), and notes until which cycle
 * each one stayed the same (seen_until): each snapshot is observed at its
 * time and again at its seen_until, which is the series of every cycle.
 * *nsnap gets the number of snapshots read.  When the store holds no
 * snapshot of the zone: DV_OK, *out NULL and the reason in err.  A stored
 * snapshot that does not parse is an error naming its id ("snapshot 12: ...").
 */
int dv_roll_history_load(dv_store_t *st, const uint8_t *zone, const dv_roll_history_opts_t *opts,
                         dv_roll_series_t **out, size_t *nsnap, char *err, size_t errlen);

/*! The resolvers the store audits, each with the spans its audit verdict was
 *  "validating" (from the resolver.verdict events), for
 *  dv_roll_check_opts_t.resolvers. */
typedef struct {
	dv_roll_resolver_t *v;
	size_t n;
} dv_roll_resolvers_t;
int dv_roll_history_resolvers(dv_store_t *st, dv_roll_resolvers_t *out);
void dv_roll_resolvers_clear(dv_roll_resolvers_t *r);
