/*
 * The resolver audit's judge: a resolver snapshot (snapshot/resolver.h) and
 * `now` in, a verdict per resolver and RESOLVER_* / CANARY_* findings out.
 *
 * Pure: no I/O, no clock.  Every answer is parsed again from its wire bytes,
 * so a saved audit judged again gives the same verdicts (DESIGN.md "One
 * flow").  The verdict rests on rcode, the AD and RA bits and whether the
 * canary's data came back; EDE (RFC 8914) is evidence only: resolvers
 * disagree on codes, and BIND 9.18 sends none (doc/canary.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canary/canary.h"
#include "findings/findings.h"
#include "snapshot/resolver.h"

/*! Per resolver, in the order the judge decides them (doc/canary.md);
 *  each with its name in audit_names.def. */
typedef enum {
#define VERDICT(id, name) DV_VERDICT_##id,
#define OUTCOME(id, name)
#include "checks/audit_names.def"
#undef VERDICT
#undef OUTCOME
} dv_verdict_t;
#define DV_VERDICT_COUNT (DV_VERDICT_PERMISSIVE + 1)

const char *dv_verdict_name(dv_verdict_t v); /*!< "validating", "not-validating", ... */

/*! What the canary's own questions (the valid control and rrsig-notyet, both
 *  asked with CD) showed about the canary. */
typedef enum {
	DV_CANARY_UNKNOWN,   /*!< no signature came back to date it */
	DV_CANARY_FRESH,     /*!< served, and every time-based mode still means what it says */
	DV_CANARY_EXPIRED,   /*!< signed too long ago (or ahead): re-run `dnsvigil canary` */
	DV_CANARY_NOT_FOUND, /*!< the valid control's data did not come back */
} dv_canary_state_t;

const char *dv_canary_state_name(dv_canary_state_t s); /*!< "unknown", "fresh", ... */

/*
 * How long before a canary signature's end (or after a not-yet-valid one's
 * start) the canary no longer tests what it claims: Unbound accepts
 * signatures up to a day outside their window (val-sig-skew-max 86400 s,
 * the widest skew of the four Debian resolvers).
 */
#define DV_AUDIT_CANARY_MARGIN 86400

#define DV_AUDIT_MAX_EDE   4
#define DV_AUDIT_NOT_ASKED (-100) /*!< dv_answer_t.status of a question not in the snapshot */

typedef struct {
	uint16_t code;
	char text[256]; /*!< EXTRA-TEXT (truncated), non-printable bytes replaced */
} dv_ede_t;

/*! One answer (or its absence), parsed from the snapshot's wire bytes. */
typedef struct {
	int status; /*!< DV_OK, DV_ETIMEOUT, DV_ENET, DV_EPARSE or DV_AUDIT_NOT_ASKED */
	int rcode;  /*!< DNS rcode (extended), -1 without answer */
	bool ad, ra, aa, tc, tcp;
	bool data;     /*!< the answer section has the RRset asked for */
	bool referral; /*!< no answer, not authoritative, NS in the authority section */
	bool have_sig; /*!< an RRSIG over the data came back: its window follows */
	int64_t sig_inception, sig_expiration;
	uint16_t ancount;
	unsigned rtt_ms;
	size_t ede_count;
	dv_ede_t ede[DV_AUDIT_MAX_EDE];
} dv_answer_t;

/*! How one answer compares with what a correct validator says (each with
 *  its name in audit_names.def). */
typedef enum {
#define VERDICT(id, name)
#define OUTCOME(id, name) DV_OUTCOME_##id,
#include "checks/audit_names.def"
#undef VERDICT
#undef OUTCOME
} dv_outcome_t;

const char *dv_outcome_name(dv_outcome_t o);

typedef struct {
	dv_answer_t first; /*!< DO+RD, as a validating stub asks */
	dv_answer_t cd;   /*!< DO+RD+CD: after a SERVFAIL, and always for the canary's own checks */
	dv_answer_t stub; /*!< RD only, no EDNS: as an ordinary stub (glibc) asks */
	dv_outcome_t outcome;      /*!< of `first` */
	dv_outcome_t stub_outcome; /*!< of `stub` */
} dv_mode_result_t;

typedef struct {
	char address[DV_SNAP_ADDR_MAX];
	dv_verdict_t verdict;
	int nsec3_limit; /*!< highest NSEC3 iteration count still given AD, -1 none */
	bool sends_ede;  /*!< some DO answer carried an EDE option */
	unsigned elapsed_ms;
	dv_canary_state_t canary;
	int64_t canary_expires;   /*!< end of the valid control's signature, 0 unknown */
	int64_t canary_notyet_at; /*!< start of rrsig-notyet's signature, 0 unknown */
	dv_mode_result_t *modes;  /*!< dv_canary_mode_count entries */
	dv_findings_t findings;   /*!< RESOLVER_* and CANARY_* findings */
} dv_resolver_result_t;

typedef struct {
	char canary[1025]; /*!< presentation form, lowercase, trailing dot */
	int64_t time;      /*!< when the probe ran */
	int64_t now;       /*!< the time the canary's signatures were judged at */
	unsigned elapsed_ms;
	dv_resolver_result_t *v;
	size_t len;
} dv_audit_result_t;

/*!
 * Judge every resolver of a snapshot at time `now`.  0, or DV_ENOMEM (out
 * is then empty).  Free with dv_audit_result_clear.
 */
int dv_audit_judge(const dv_resolver_snapshot_t *snap, int64_t now, dv_audit_result_t *out);
/*!
 * The audit's status, one scale for the exit status and the Monitoring
 * Plugins: 0 every resolver validates, 1 a warning only (AD stripped),
 * 2 a resolver fails (accepts bogus data, validates only with DO, is no
 * resolver, unreachable, trust anchor broken), 3 a resolver could not be
 * judged and none fails.
 */
int dv_audit_exit_status(const dv_audit_result_t *res);
/*! Free what dv_audit_judge put into *res and empty it. */
void dv_audit_result_clear(dv_audit_result_t *res);

/*!
 * Classify every mode of rr (its answers filled in) and set its verdict,
 * canary state, NSEC3 limit, EDE flag and findings.  dv_audit_judge calls it
 * per resolver; exposed for unit tests.
 */
void dv_audit_judge_resolver(const char *canary, int64_t now, dv_resolver_result_t *rr);

/*!
 * Parse a DNS message into *ans (bounds-checked): header bits, extended
 * rcode, EDE options (RFC 8914 §2), and — when qname is not NULL — whether
 * the answer holds the RRset (qname, qtype) and the window of its RRSIG
 * (RFC 4034 §3.1.5 times taken nearest to `now`).  A message that does not
 * parse, or answers another question, gets status DV_EPARSE.
 */
void dv_audit_parse_answer(const uint8_t *wire, size_t len, const uint8_t *qname, uint16_t qtype,
                           int64_t now, dv_answer_t *ans);
