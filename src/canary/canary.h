/*
 * The canary: a signed parent zone with one child zone per DNSSEC failure
 * mode (dv_canary_write).
 *
 * The mode table below is the one source of truth: the writer builds a zone
 * from each entry, the resolver probe (src/probe/resolver.h) asks the
 * question each entry names and the audit (src/checks/audit.h) judges the
 * answers by the entry's expectation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*! The first mode of the table built with `fault` (DV_FAULT_NONE: the
 *  valid control), or NULL. */
const dv_canary_mode_t *dv_canary_mode_by_fault(dv_fault_t fault);

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
