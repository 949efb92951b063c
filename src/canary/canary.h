/*
 * The canary: a signed parent zone with one child zone per DNSSEC failure
 * mode (dv_canary_write), and the audit that asks resolvers for each mode's
 * name and judges whether they validate (dv_audit_run).
 *
 * The mode table below is the one source of truth: the writer builds a zone
 * from each entry and the audit asks the question each entry names.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "findings/findings.h"

/*! What a correct validating resolver answers for a mode's question. */
typedef enum {
	DV_EXPECT_SECURE,   /*!< NOERROR/NXDOMAIN with AD=1 */
	DV_EXPECT_INSECURE, /*!< the answer, AD=0 */
	DV_EXPECT_BOGUS,    /*!< SERVFAIL (the data comes back with CD=1) */
	DV_EXPECT_NSEC3, /*!< NXDOMAIN: AD=1 up to the resolver's limit, AD=0 above (RFC 9276 §3.2)
	                  */
} dv_expect_t;

/*! How a mode's child zone is built (the one thing wrong with it). */
typedef enum {
	DV_FAULT_NONE,
	DV_FAULT_UNSIGNED,          /*!< child not signed, no DS */
	DV_FAULT_ISLAND,            /*!< child signed, no DS */
	DV_FAULT_EXPIRED_ALL,       /*!< every RRSIG ended 3 days before now */
	DV_FAULT_EXPIRED_ONE,       /*!< only the apex A RRSIG ended 3 days before now */
	DV_FAULT_NOT_YET,           /*!< every RRSIG starts 3 days after now */
	DV_FAULT_INVERTED,          /*!< every RRSIG expires before its inception */
	DV_FAULT_BAD_SIG,           /*!< apex A signature bytes altered */
	DV_FAULT_NO_RRSIG,          /*!< apex A not signed */
	DV_FAULT_NO_RRSIG_DNSKEY,   /*!< DNSKEY RRset not signed */
	DV_FAULT_NO_DNSKEY,         /*!< DNSKEY RRset absent, DS at the parent */
	DV_FAULT_DS_BAD_DIGEST,     /*!< DS digest altered */
	DV_FAULT_DS_BAD_TAG,        /*!< DS key tag altered */
	DV_FAULT_DS_BAD_ALG,        /*!< DS names algorithm 8, the key is 13 */
	DV_FAULT_DS_UNKNOWN_DIGEST, /*!< only DS has digest type 100 (unassigned) */
	DV_FAULT_DS_UNKNOWN_ALG,    /*!< only DS has algorithm 100 (unassigned) */
	DV_FAULT_NO_ZONE_BIT,       /*!< signing DNSKEY has flags 0 */
	DV_FAULT_NSEC_NONE,         /*!< NSEC chain removed */
	DV_FAULT_NSEC_BAD_COVER,    /*!< apex NSEC's next name skips the question */
	DV_FAULT_WILDCARD_NO_PROOF, /*!< NSEC covering the expanded name removed */
	DV_FAULT_NSEC3,             /*!< sound NSEC3 chain with `iterations` */
	DV_FAULT_BIG_DNSKEY,        /*!< 5 RSA-2048 DNSKEYs: over 1232 bytes, needs TCP */
} dv_fault_t;

typedef struct {
	const char *label; /*!< the child's label under the canary zone */
	const char *qpre;  /*!< label(s) prefixed to the child for the question ("" = apex) */
	uint16_t qtype;
	dv_expect_t expect;
	dv_fault_t fault;
	int iterations;    /*!< NSEC3 additional iterations (-1: NSEC) */
	int ede;           /*!< RFC 8914 code a correct resolver should give, -1 none */
	const char *title; /*!< one line for humans */
} dv_canary_mode_t;

/*! The mode table and its length. */
extern const dv_canary_mode_t dv_canary_modes[];
extern const size_t dv_canary_mode_count;

/*! "secure", "insecure", "bogus", "nsec3" */
const char *dv_expect_name(dv_expect_t e);

/*! The question for a mode under canary zone `zone` (presentation, trailing dot). */
int dv_canary_qname(const dv_canary_mode_t *m, const char *zone, char *buf, size_t len);

typedef struct {
	const char *zone;            /*!< canary parent zone, e.g. "canary.lab." */
	const char *out_dir;         /*!< where the zone files go (created) */
	const char *keys_dir;        /*!< where keys persist; NULL: out_dir/keys */
	int64_t now;                 /*!< the time signatures are relative to */
	const char *const *ns_addrs; /*!< addresses of ns1.<zone> (A/AAAA glue) */
	size_t ns_addr_count;
	uint32_t ttl; /*!< TTL of every record (0: 30 s) */
} dv_canary_opts_t;

/*!
 * Write the canary into opts->out_dir: <zone>.zone for the parent and each
 * child (names without the trailing dot), dsset (the parent's DS for its own
 * parent), delegation (NS + glue for the parent's parent),
 * zones.list ("zone file" per line, parent first) and modes.tsv (mode,
 * qname, qtype, expect, EDE).  Errors go to errbuf.
 */
int dv_canary_write(const dv_canary_opts_t *opts, char *errbuf, size_t errlen);

/* ---- audit ---------------------------------------------------------------- */

typedef enum {
	DV_VERDICT_VALIDATING,
	DV_VERDICT_NOT_VALIDATING,
	DV_VERDICT_PARTIAL,
	DV_VERDICT_STRIPS_AD,
	DV_VERDICT_UNREACHABLE,
	DV_VERDICT_TA_BROKEN,
	DV_VERDICT_INDETERMINATE, /*!< answers, but cannot reach the canary (SERVFAIL with CD too)
	                           */
} dv_verdict_t;

const char *dv_verdict_name(dv_verdict_t v); /*!< "validating", "not-validating", ... */

#define DV_AUDIT_MAX_EDE 4

typedef struct {
	uint16_t code;
	char text[256]; /*!< EXTRA-TEXT (truncated), non-printable bytes replaced */
} dv_ede_t;

/*! One answer (or its absence). */
typedef struct {
	int status; /*!< DV_OK, DV_ETIMEOUT, DV_ENET, DV_EPARSE; -100: not asked */
	int rcode;  /*!< DNS rcode (extended), -1 without answer */
	bool ad, tc, tcp;
	uint16_t ancount;
	unsigned rtt_ms;
	size_t ede_count;
	dv_ede_t ede[DV_AUDIT_MAX_EDE];
} dv_answer_t;

/*! How a mode's answer compares with what a correct validator says. */
typedef enum {
	DV_OUTCOME_OK,             /*!< as a correct validator answers */
	DV_OUTCOME_BOGUS_ACCEPTED, /*!< bogus data returned */
	DV_OUTCOME_SECURE_FAILED,  /*!< a secure or insecure name got SERVFAIL */
	DV_OUTCOME_NO_AD,          /*!< a secure name answered without AD */
	DV_OUTCOME_WRONG_AD,       /*!< AD on an insecure or bogus answer */
	DV_OUTCOME_NO_ANSWER,      /*!< timeout or network error */
	DV_OUTCOME_OTHER,          /*!< REFUSED, FORMERR, ... */
	DV_OUTCOME_REJECTED_CD,    /*!< bogus mode SERVFAILed, and again with CD (PowerDNS 4.8 on
	                                bogus negative answers): rejected, reason unproven */
	DV_OUTCOME_NSEC3_SECURE,   /*!< NSEC3 mode answered with AD */
	DV_OUTCOME_NSEC3_INSECURE, /*!< NSEC3 mode answered without AD */
	DV_OUTCOME_NSEC3_SERVFAIL, /*!< NSEC3 mode SERVFAILed (RFC 9276 §3.2 allows above a limit)
	                            */
} dv_outcome_t;

const char *dv_outcome_name(dv_outcome_t o);

typedef struct {
	dv_answer_t first; /*!< DO+RD */
	dv_answer_t cd;    /*!< DO+RD+CD, asked only when `first` was SERVFAIL */
	dv_outcome_t outcome;
} dv_mode_result_t;

typedef struct {
	char address[64]; /*!< as given */
	dv_verdict_t verdict;
	int nsec3_limit; /*!< highest NSEC3 iteration count still given AD, -1 none */
	bool sends_ede;  /*!< some answer carried an EDE option */
	unsigned elapsed_ms;
	dv_mode_result_t *modes; /*!< dv_canary_mode_count entries */
	dv_findings_t findings;  /*!< RESOLVER_* findings */
} dv_resolver_result_t;

typedef struct {
	const char *canary;      /*!< canary zone, trailing dot optional */
	uint16_t port;           /*!< default port for addresses without one (53) */
	unsigned timeout_ms;     /*!< per attempt (0: 3000) */
	int retries;             /*!< extra UDP attempts (-1: 1) */
	unsigned max_inflight;   /*!< overall concurrency bound (0: 256) */
	unsigned per_server_max; /*!< per-resolver concurrency bound (0: 16) */
} dv_audit_opts_t;

typedef struct {
	dv_resolver_result_t *v;
	size_t len;
	unsigned elapsed_ms;
	char canary[1025];
} dv_audit_t;

/*!
 * Ask every resolver for every mode, concurrently through dv_net, and judge.
 * DV_EINVAL for a bad canary name or address (message in errbuf).  The
 * result is owned by the caller (dv_audit_clear).
 */
int dv_audit_run(const dv_audit_opts_t *opts, const char *const *addrs, size_t n, dv_audit_t *out,
                 char *errbuf, size_t errlen);
void dv_audit_clear(dv_audit_t *a);

/*!
 * Read a report written by dv_audit_print_json (the raw answers are in it)
 * and judge it again: same answers, same verdicts.  DV_EPARSE with a message
 * in errbuf when the file is not such a report.  Clear with dv_audit_clear.
 */
int dv_audit_load(const char *path, dv_audit_t *out, char *errbuf, size_t errlen);

/*! Reports: text matrix (verbose: with every EDE EXTRA-TEXT), JSON, Nagios
 *  plugin line.  Return the exit status. */
int dv_audit_print_text(const dv_audit_t *a, bool verbose, FILE *out);
int dv_audit_print_json(const dv_audit_t *a, FILE *out);
int dv_audit_print_nagios(const dv_audit_t *a, FILE *out);

/*! Classify every mode of rr (its answers filled in) and set verdict, NSEC3
 *  limit, EDE flag and findings.  Exposed for unit tests; dv_audit_run calls it. */
void dv_audit_judge(dv_audit_t *a, dv_resolver_result_t *rr);

/*! Parse the EDE options (RFC 8914 §2) of a DNS message into ans (bounds-checked). */
void dv_audit_parse_answer(const uint8_t *wire, size_t len, dv_answer_t *ans);
