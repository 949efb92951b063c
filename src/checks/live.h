/*
 * Live checks (dnsvigil check): judge a probe snapshot.
 *
 * Pure functions of (snapshot, now, thresholds): no I/O, no clock.  Every
 * message of the snapshot is re-parsed from its wire bytes, so a saved
 * snapshot judged again gives the same verdict (DESIGN.md "One flow").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "findings/findings.h"
#include "snapshot/snapshot.h"

/* RFC 4035 §4.3 security status of a zone. */
typedef enum {
	DV_CHAIN_SECURE = 0,
	DV_CHAIN_INSECURE = 1,
	DV_CHAIN_INDETERMINATE = 2,
	DV_CHAIN_BOGUS = 3,
} dv_chain_status_t;

typedef struct {
	int64_t now;       /*!< the time every validity check uses */
	int64_t warn_secs; /*!< RRSIG_EXPIRES_SOON threshold */
	int64_t crit_secs; /*!< RRSIG_EXPIRES_CRITICAL threshold */
	/*! Signatures verified by earlier runs (dnssec.h dv_sigmemo_t), consulted
	 *  and filled; NULL: none.  Never changes a verdict, only its cost. */
	struct dv_sigmemo *memo;
} dv_live_opts_t;

/*! One server address of a zone, as the checks saw it. */
typedef struct {
	uint32_t server; /*!< index into the snapshot's servers */
	bool answering;  /*!< answered authoritatively */
	bool have_serial;
	uint32_t serial;
	bool have_expiry;
	int64_t earliest_expiry; /*!< of the valid RRSIGs this server served */
} dv_live_server_t;

/*! What the checks concluded about one zone of the snapshot. */
typedef struct {
	uint32_t zone; /*!< index into the snapshot's zones */
	dv_chain_status_t status;
	char reason[256];   /*!< why (empty for secure) */
	unsigned servers;   /*!< server addresses of the zone */
	unsigned answering; /*!< of those, answering authoritatively */
	bool have_serial;
	uint32_t serial; /*!< newest SOA serial seen */
	bool have_expiry;
	int64_t earliest_expiry; /*!< of the valid RRSIGs seen in the zone's answers */
	bool signed_zone;        /*!< some server serves a DNSKEY RRset */
	dv_live_server_t *srv;   /*!< per server address, in the zone's server order */
	size_t nsrv;
} dv_live_zone_t;

typedef struct {
	dv_live_zone_t *zones; /*!< one per snapshot zone, same order */
	size_t nzones;
	dv_findings_t findings;
	bool have_expiry;
	int64_t earliest_expiry;
	unsigned servers, answering; /*!< distinct server addresses; answering ones */
	uint64_t sigs_checked;       /*!< RRSIGs looked at */
	uint64_t sigs_verified;      /*!< cryptographic verifications actually run */
} dv_live_result_t;

/*!
 * Judge a snapshot.  Returns 0 (findings in out->findings, sorted) or a DV_E*
 * error when checking could not run (no memory).  Clear with dv_live_result_clear.
 */
int dv_live_check(const dv_snapshot_t *snap, const dv_live_opts_t *opts, dv_live_result_t *out);
/*! Release what a result holds; it is empty afterwards. */
void dv_live_result_clear(dv_live_result_t *res);

/*! "secure", "insecure", "indeterminate", "bogus". */
const char *dv_chain_status_name(dv_chain_status_t st);
