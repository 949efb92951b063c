/*
 * Offline checks of a loaded zone (dnsvigil verify).  Each family lives in
 * its own file; dv_verify_zone runs them all.  Checks never do I/O: they read
 * the zone store and options, and append findings.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/zone.h"
#include "findings/findings.h"
#include "zone/loader.h"

typedef struct dv_presign dv_presign_t;

typedef struct {
	int64_t now;           /*!< the time every validity check uses */
	int64_t warn_expiry;   /*!< RRSIG_EXPIRES_SOON threshold, seconds */
	int64_t crit_expiry;   /*!< RRSIG_EXPIRES_CRITICAL threshold, seconds (0: none) */
	unsigned threads;      /*!< worker threads (>= 1) */
	const dv_rrfile_t *ds; /*!< --ds: DS and/or DNSKEY records of the apex, or NULL */
	/*! Called now and then from one worker while signatures are checked; may be NULL. */
	void (*progress)(void *ctx, size_t names_done, size_t names_total);
	void *progress_ctx;
	/*! Called once by dv_verify_zone, after the checks that do not read the
	 *  signature marks have started and before the signature pass: the
	 *  place to wait for verification begun while loading (presign), so
	 *  that its tail runs beside those checks.  May be NULL. */
	void (*before_signatures)(void *ctx);
	void *before_signatures_ctx;
	/*! The signatures found to verify while the zone was loaded (may be NULL). */
	const dv_presign_t *presign;
} dv_verify_opts_t;

typedef struct {
	size_t records, rrsets, names;
	size_t rrsigs;          /*!< RRSIG records in the zone */
	size_t rrsigs_verified; /*!< RRSIGs checked cryptographically and found valid */
	size_t rrsigs_checked;  /*!< RRSIGs checked cryptographically */
	/*! Of the RRSIGs found valid cryptographically: valid at `now`, expired,
	 *  not yet valid (the others expire before their inception). */
	size_t rrsigs_valid, rrsigs_expired, rrsigs_not_yet_valid;
	size_t dnskeys;
	const char *denial; /*!< "nsec", "nsec3" or "none" */
	bool have_expiry;
	int64_t earliest_expiry; /*!< of the RRSIGs of authoritative data */
	uint32_t earliest_name;  /*!< name index of that RRSIG */
	uint16_t earliest_type;  /*!< type covered */
} dv_verify_stats_t;

/*! Run every verify check.  Returns 0, or a DV_E* error when checking could not run. */
int dv_verify_zone(const dv_zone_t *zone, const dv_verify_opts_t *opts, dv_verify_stats_t *stats,
                   dv_findings_t *out);

/* ---- Incremental verification: a zone kept current through IXFR ------------
 *
 * A full run that keeps its state, then steps: each step verifies a new
 * version of the zone (dv_zone_patch) from the state of the version it was
 * patched from, checking again only what the patch can have changed: the
 * names it lists (their RRsets and signatures, their DS), the NSEC or NSEC3
 * records around them, and, for every version, the validity windows of
 * every signature (time moves for all of them: a cheap pass, no
 * cryptography), the apex keys and ZONEMD.  When the apex DNSKEY or
 * NSEC3PARAM RRset or the kind of denial changed, a step verifies
 * everything.  The result of a step equals dv_verify_zone's on the new
 * version, finding for finding and count for count.
 */
typedef struct dv_verify_state dv_verify_state_t;

/*!
 * dv_verify_zone, keeping the state a step starts from in *state (the
 * caller's: dv_verify_state_free; it refers to `zone`, which must outlive
 * it).  opts->presign may be used as in dv_verify_zone.
 */
int dv_verify_zone_state(const dv_zone_t *zone, const dv_verify_opts_t *opts,
                         dv_verify_stats_t *stats, dv_findings_t *out, dv_verify_state_t **state);

/*!
 * Verify `zone`, patched from `old_zone` with `delta` (dv_zone_patch),
 * starting from `old`, the state of `old_zone` (not changed: other copies
 * may still be at that version).  Same results as dv_verify_zone(zone); the
 * new state in *state.  *full (may be NULL) tells whether everything was
 * verified again.  opts->presign and before_signatures are not used.
 */
int dv_verify_zone_step(const dv_verify_state_t *old, const dv_zone_t *old_zone,
                        const dv_zone_t *zone, const dv_zone_delta_t *delta,
                        const dv_verify_opts_t *opts, dv_verify_stats_t *stats, dv_findings_t *out,
                        dv_verify_state_t **state, bool *full);
void dv_verify_state_free(dv_verify_state_t *state);
/*! Ready the large arrays a step from `state` makes (dv_mem_spare_ready),
 *  as dv_zone_spare_ready does for the zone. */
void dv_verify_state_spare_ready(const dv_verify_state_t *state);

/* The families (used by dv_verify_zone; exposed for unit tests). */
int dv_check_signatures(const dv_zone_t *zone, const dv_verify_opts_t *opts,
                        dv_verify_stats_t *stats, dv_findings_t *out);
int dv_check_keys(const dv_zone_t *zone, const dv_verify_opts_t *opts, dv_findings_t *out);
int dv_check_nsec(const dv_zone_t *zone, dv_findings_t *out);
int dv_check_nsec3(const dv_zone_t *zone, unsigned threads, dv_findings_t *out);
int dv_check_zonemd(const dv_zone_t *zone, dv_findings_t *out);

/*!
 * Verification that starts while the zone is parsed (presign.c): pass
 * dv_presign_run as dv_zone_opts_t.on_run with the presign as run_ctx, and
 * have dv_presign_finish run before the signature pass (as
 * dv_verify_opts_t.before_signatures) and before the zone is freed.  Only
 * speeds up: verdicts are the same with or without it.
 */
/*! `input_bytes`: the zone file's size (sizes the queue; 0 if unknown). */
int dv_presign_new(unsigned threads, uint64_t input_bytes, dv_presign_t **out);
void dv_presign_run(void *ctx, unsigned part, const uint8_t *origin, const uint8_t *owner,
                    const dv_rr_t *rrs, size_t n);
void dv_presign_finish(dv_presign_t *presign);
void dv_presign_free(dv_presign_t *presign);
