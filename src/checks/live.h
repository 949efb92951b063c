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

/*! The chain status the operator expects of every requested domain's zone
 *  (`check --expect`; per zone in the daemon's configuration). */
typedef enum {
	DV_LIVE_EXPECT_ANY = 0,
	DV_LIVE_EXPECT_SECURE = 1,
	DV_LIVE_EXPECT_INSECURE = 2,
} dv_live_expect_t;

typedef struct {
	int64_t now; /*!< the time every validity check uses */
	/*! RRSIG_EXPIRES_SOON and RRSIG_EXPIRES_CRITICAL thresholds: they judge
	 *  the zones that hold a requested domain; the zones above them are
	 *  judged by validity only (ANCESTOR_EXPIRES_SOON, info). */
	int64_t warn_secs, crit_secs;
	dv_live_expect_t expect;
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
	bool requested;          /*!< the zone holds a requested domain */
	/*! The earliest expiration of the zone's signatures that verify, the
	 *  expired ones included: until when the zone is signed (in the past
	 *  once a signature expired). */
	bool have_signed_until;
	int64_t signed_until;
	dv_live_server_t *srv; /*!< per server address, in the zone's server order */
	size_t nsrv;
} dv_live_zone_t;

/*! Whether a requested domain exists, as its zone's servers said. */
typedef enum {
	DV_LIVE_EXISTS = 0,           /*!< a zone apex, or a name with data in its zone */
	DV_LIVE_NONEXISTENT,          /*!< NXDOMAIN (or no data at all), proven */
	DV_LIVE_NONEXISTENT_UNPROVEN, /*!< NXDOMAIN, unsigned or not validating */
	DV_LIVE_EXISTENCE_UNKNOWN,    /*!< no server of its zone answered */
} dv_live_existence_t;

/*! What the checks concluded about one requested domain. */
typedef struct {
	const char *domain; /*!< as the snapshot names it */
	long zone;          /*!< the zone holding it (itself when an apex), -1: none */
	bool apex;          /*!< the domain is its zone's apex */
	dv_live_existence_t existence;
	dv_chain_status_t status; /*!< its zone's */
	bool as_expected;         /*!< the status is what --expect asked */
	bool have_expiry;
	int64_t expiry;   /*!< the zone's signed_until */
	char reason[256]; /*!< why, when it does not exist or is not as expected */
} dv_live_domain_t;

typedef struct {
	dv_live_zone_t *zones; /*!< one per snapshot zone, same order */
	size_t nzones;
	dv_live_domain_t *domains; /*!< one per requested domain, snapshot order */
	size_t ndomains;
	dv_findings_t findings;
	/*! False when the snapshot cannot be judged at all (nothing from the
	 *  root, a trust anchor that matches no root key): our side failed,
	 *  not the zones; `unjudged` says why and the findings are empty. */
	bool judged;
	char unjudged[256];
	/*! The earliest expiry (signed_until) over the zones that hold a
	 *  requested domain. */
	bool have_expiry;
	int64_t earliest_expiry;
	unsigned servers, answering; /*!< distinct server addresses; answering ones */
	/*! Signatures judged, by verdict: valid now, expired, not yet valid,
	 *  failed (no key, bad signature, malformed, unsupported, revoked). */
	uint64_t sigs_checked, sigs_valid, sigs_expired, sigs_not_yet_valid, sigs_failed;
	uint64_t sigs_verified; /*!< distinct cryptographic verifications run */
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
/*! "any", "secure", "insecure". */
const char *dv_live_expect_name(dv_live_expect_t e);
/*! "exists", "nonexistent", "nonexistent-unproven", "unknown". */
const char *dv_live_existence_name(dv_live_existence_t e);
