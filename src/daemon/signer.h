/*
 * "Signer late" (issue 12 §2): warn when re-signing has stalled, from the
 * zone's own history of signature inception and expiry or from a configured
 * refresh policy, days before a fixed expiry threshold would.
 *
 * A healthy signer re-signs when the remaining validity of a signature falls
 * to its refresh margin: BIND's signatures-refresh (5 days of 14-day
 * signatures by default), Knot's rrsig-refresh (0.1 x rrsig-lifetime +
 * propagation delay + zone max TTL).  So the zone's earliest expiry minus
 * now stays above that margin.  Pure: no clock, no I/O.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*! One point of the zone's history where inception or expiry moved. */
typedef struct {
	int64_t time;             /*!< when this state was first observed */
	int64_t newest_inception; /*!< of the zone's RRSIGs; 0 unknown */
	int64_t earliest_expiry;  /*!< of the zone's RRSIGs; 0 unknown */
} dv_signer_sample_t;

typedef struct {
	int64_t refresh;  /*!< configured margin a healthy signer keeps; 0: learn it */
	int64_t interval; /*!< the zone's check interval (observation granularity) */
} dv_signer_policy_t;

typedef enum {
	DV_SIGNER_UNKNOWN = 0, /*!< no signatures, or nothing learned and no policy */
	DV_SIGNER_OK = 1,
	DV_SIGNER_LATE = 2,
} dv_signer_state_t;

typedef struct {
	dv_signer_state_t state;
	int64_t remaining;     /*!< earliest expiry - now */
	int64_t margin;        /*!< the margin judged against (configured or learned); 0 none */
	int64_t inception_age; /*!< now - newest inception */
	int64_t max_gap;       /*!< longest observed wait between two re-signings; 0 unknown */
	unsigned refreshes;    /*!< re-signings seen in the history */
	char reason[200];      /*!< why late (empty otherwise) */
} dv_signer_verdict_t;

/*!
 * Judge the signer at `now` from `hist` (oldest first; the last sample is
 * the current state).  Learned margin: the lowest remaining validity seen
 * just before a re-signing.  Late when the remaining validity is below the
 * margin by more than the tolerance (one interval plus an hour), or when
 * no newer inception has been seen for longer than 1.5 x the longest gap
 * seen between re-signings plus that tolerance.
 */
void dv_signer_judge(const dv_signer_sample_t *hist, size_t n, const dv_signer_policy_t *pol,
                     int64_t now, dv_signer_verdict_t *out);

/*! "unknown", "ok", "late". */
const char *dv_signer_state_name(dv_signer_state_t s);
