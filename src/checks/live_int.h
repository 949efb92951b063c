/*
 * Internal to the live checks (dnsvigil check), one family per file:
 *
 *   live.c          the driver: one zone after the other, parents first, and
 *                   the merge of one finding from many servers into one
 *   live_msg.c      DNS messages parsed into RRsets, and RRset helpers
 *   live_sigs.c     the signatures of an RRset (the one RRSIG check, src/dnssec)
 *   live_chain.c    the chain of trust: DS to DNSKEY, the apex signatures
 *   live_servers.c  each server's health, and consistency between servers
 *   live_parent.c   the parent side: DS answers, digests, algorithms, CDS
 *   live_denial.c   NSEC/NSEC3 proofs of non-existence
 *   live_domain.c   the requested domains: the zone holding each, whether
 *                   it exists, the status expected of it
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "checks/live.h"
#include "core/arena.h"
#include "dnssec/dnssec.h"

/* One RRset of a parsed message, with the RRSIGs covering it in the same
 * section.  RDATA is canonical (RFC 4034 §6.2); names are lowercase. */
typedef struct {
	const uint8_t *owner;
	uint16_t type;
	uint32_t ttl;
	uint32_t sigttl;
	uint16_t n, nsig;
	const uint8_t **rd;
	uint16_t *rdlen;
	const uint8_t **sig;
	uint16_t *siglen;
} live_rrset_t;

/* The sections of a message, as indexes of live_msg_t.sec. */
enum { LIVE_SEC_ANSWER = 0, LIVE_SEC_AUTHORITY = 1, LIVE_SEC_ADDITIONAL = 2 };

/* One DNS message of the snapshot, parsed. */
typedef struct {
	bool parsed;   /*!< a DNS message that parsed */
	uint8_t rcode; /*!< header RCODE (extended with the OPT's bits) */
	bool aa, tc, has_opt;
	const uint8_t *qname;
	uint16_t qtype;
	live_rrset_t *sec[3];
	uint16_t nsec[3];
} live_msg_t;

/* The DNSKEYs the chain reached in a zone: what its children's DS RRsets
 * are validated with. */
typedef struct {
	live_rrset_t keys; /*!< union over the zone's servers */
	bool have_keys;
} live_zone_keys_t;

/* One run of the checks over a snapshot. */
typedef struct {
	const dv_snapshot_t *snap;
	const dv_live_opts_t *opts;
	dv_arena_t arena;
	live_msg_t *msgs; /*!< per snapshot query */
	/*! Verdicts and parsed keys shared by every server of a run: the same
	 *  (RRset, RRSIG, key) is verified once. */
	dv_sigcache_t *cache;
	dv_findings_t raw; /*!< findings before merging across servers */
	dv_live_result_t *res;
	live_zone_keys_t *zone_keys; /*!< per snapshot zone, filled parents first */
	long *zq_index;              /*!< query indexes bucketed by zone */
	long *zq_start; /*!< zone z's queries: zq_index[zq_start[z] .. zq_start[z+1]) */
	int err;        /*!< latched: first DV_E* error (no memory) */
} live_ctx_t;

/* The queries of one child server of a zone, by purpose (-1: not asked). */
typedef struct {
	uint32_t server;
	long soa, ns, dnskey, cds, cdnskey, nx, nodata, tcp;
	bool answering; /*!< authoritative SOA answer */
	bool any_sigs;  /*!< some answer carried an RRSIG */
	dv_chain_status_t status;
	const live_rrset_t *keys; /*!< its DNSKEY RRset, NULL if none */
	bool keys_trusted;        /*!< the chain reached its DNSKEY RRset */
} live_child_server_t;

/* What one parent server said about the zone's DS RRset. */
typedef enum {
	DS_ANSWER_NONE = 0, /*!< no usable answer */
	DS_ANSWER_DS,       /*!< a DS RRset (or, for the root, the trust anchor) */
	DS_ANSWER_NO_DS,    /*!< no DS: an insecure delegation */
	DS_ANSWER_BOGUS,    /*!< neither proven: why says what failed */
} live_ds_kind_t;

typedef struct {
	uint32_t server; /*!< UINT32_MAX: the trust anchor */
	live_ds_kind_t kind;
	const live_rrset_t *ds;
	char why[160];
} live_ds_answer_t;

/* One zone being judged. */
typedef struct {
	uint32_t zi;
	const dv_snap_zone_t *z;
	dv_live_zone_t *zr;
	live_child_server_t *child; /*!< per server of the zone */
	size_t nchild;
	live_ds_answer_t *ds_answers; /*!< per parent server that answered */
	size_t nds_answers;
	long *queries; /*!< the zone's queries */
	size_t nqueries;
} live_zone_ctx_t;

/* What the signatures of one RRset prove. */
typedef struct {
	bool valid; /*!< at least one signature valid now */
	bool any_sig;
	int64_t best_exp; /*!< latest expiration among valid signatures */
} live_sig_summary_t;

/* live.c: the run */
const char *live_srv_addr(const live_ctx_t *c, long server); /* NULL for -1 */
const char *live_srv_name(const live_ctx_t *c, uint32_t server);
void live_type_str(uint16_t type, char *buf, size_t len);
const live_msg_t *live_msg_of(const live_ctx_t *c, long query); /* NULL: not answered */
/* The answer-section RRset of `type` at the zone apex in the reply to query q. */
const live_rrset_t *live_answer(const live_ctx_t *c, const live_zone_ctx_t *zc, long q,
                                uint16_t type);
/* The per-server record of a zone's result, or NULL. */
dv_live_server_t *live_server_result(dv_live_zone_t *zr, long server);

/* live_msg.c: messages and RRsets */
int live_msg_parse(live_ctx_t *c, const uint8_t *wire, size_t len, live_msg_t *out);
const live_rrset_t *live_msg_find(const live_msg_t *m, int sec, const uint8_t *owner,
                                  uint16_t type);
bool live_rrset_has(const live_rrset_t *s, const uint8_t *rd, uint16_t len);
/* Same set of RDATAs (RRsets hold no duplicates, RFC 2181 §5).  NULL is empty. */
bool live_rrset_equal(const live_rrset_t *a, const live_rrset_t *b);
/* An empty RRset with room for cap RDATAs, in the run's arena (NULL: no memory, latched). */
live_rrset_t *live_rrset_new(live_ctx_t *c, const uint8_t *owner, uint16_t type, size_t cap);
/* The key tag and algorithm a DS (CDS) names or a DNSKEY (CDNSKEY, trust
 * anchor) has: -1 and 0 when the RDATA is too short. */
void live_key_of(uint16_t type, const uint8_t *rd, uint16_t len, int32_t *tag, uint8_t *alg);

/* live_sigs.c: signatures */
int live_keyset(live_ctx_t *c, const live_rrset_t *keys, dv_keyset_t *ks);
dv_sig_verdict_t live_judge(live_ctx_t *c, const live_rrset_t *set, size_t i, const uint8_t *zone,
                            const dv_keyset_t *ks, dv_rrsig_t *sig);
/* Check every RRSIG of `set` (from `server`, data of zone zi) against `keys`,
 * with findings for the broken ones and the expiry thresholds. */
live_sig_summary_t live_validate(live_ctx_t *c, uint32_t zi, long server, const live_rrset_t *set,
                                 const live_rrset_t *keys, bool want_sigs);

/* live_servers.c: health and consistency */
void live_collect_child(live_ctx_t *c, live_zone_ctx_t *zc);
void live_check_health(live_ctx_t *c, live_zone_ctx_t *zc);
void live_check_consistency(live_ctx_t *c, live_zone_ctx_t *zc);

/* live_parent.c: the parent side */
void live_collect_parent(live_ctx_t *c, live_zone_ctx_t *zc);
void live_check_parent_ds(live_ctx_t *c, live_zone_ctx_t *zc);
void live_check_algorithms(live_ctx_t *c, live_zone_ctx_t *zc);
void live_check_cds(live_ctx_t *c, live_zone_ctx_t *zc);

/* live_chain.c: the chain of trust */
void live_eval_chain(live_ctx_t *c, live_zone_ctx_t *zc);
void live_check_apex_sigs(live_ctx_t *c, live_zone_ctx_t *zc);
/* The root: whether some trust anchor record designates a key some root
 * server serves (true too when no server served a key). */
bool live_anchor_matches(const live_zone_ctx_t *zc);

/* live_domain.c: the requested domains */
/* Which zone holds each requested domain (res->domains, zones' `requested`),
 * before the zones are judged. */
int live_domains_locate(live_ctx_t *c);
/* Whether each exists, its zone's status against --expect, its expiry;
 * after the zones are judged. */
void live_domains_judge(live_ctx_t *c);

/* live_denial.c: denial of existence */
/*! Whether the authority section of m proves qname/qtype does not exist
 *  (nxdomain) or has no data of the type (!nxdomain): NSEC (RFC 4035 §5.4)
 *  or NSEC3 (RFC 5155 §8.4–8.7).  why gets a reason when false.  The NSEC/NSEC3
 *  RRsets used are returned (at most 4) so their signatures can be checked. */
bool live_denial_proves(const live_msg_t *m, const uint8_t *zone, const uint8_t *qname,
                        uint16_t qtype, bool nxdomain, const live_rrset_t **used, size_t *nused,
                        char *why, size_t whylen);
void live_check_denial(live_ctx_t *c, live_zone_ctx_t *zc);
