/* Internal to the live checks (live.c, live_msg.c, live_denial.c). */
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
} lrrset_t;

enum { LSEC_AN = 0, LSEC_NS = 1, LSEC_AR = 2 };

typedef struct {
	bool parsed;   /*!< a DNS message that parsed */
	uint8_t rcode; /*!< header RCODE (extended with the OPT's bits) */
	bool aa, tc, has_opt;
	const uint8_t *qname;
	uint16_t qtype;
	lrrset_t *sec[3];
	uint16_t nsec[3];
} lmsg_t;

typedef struct {
	const dv_snapshot_t *snap;
	const dv_live_opts_t *opts;
	dv_arena_t arena;
	lmsg_t *msgs; /*!< per snapshot query */
	/*! Verdicts and parsed keys shared by every server of a run: the same
	 *  (RRset, RRSIG, key) is verified once. */
	dv_sigcache_t *cache;
	dv_findings_t raw; /*!< findings before merging across servers */
	dv_live_result_t *res;
	long *zq_index; /*!< query indexes bucketed by zone */
	long *zq_start; /*!< zone z's queries: zq_index[zq_start[z] .. zq_start[z+1]) */
	int err;        /*!< latched: first DV_E* error (no memory) */
} lctx_t;

/* live_msg.c */
int lmsg_parse(lctx_t *c, const uint8_t *wire, size_t len, lmsg_t *out);
const lrrset_t *lmsg_find(const lmsg_t *m, int sec, const uint8_t *owner, uint16_t type);

/* live_denial.c */
/*! Whether the authority section of m proves qname/qtype does not exist
 *  (nxdomain) or has no data of the type (!nxdomain): NSEC (RFC 4035 §5.4)
 *  or NSEC3 (RFC 5155 §8.4–8.7).  why gets a reason when false.  The NSEC/NSEC3
 *  RRsets used are returned (at most 4) so their signatures can be checked. */
bool ldenial_proves(const lmsg_t *m, const uint8_t *zone, const uint8_t *qname, uint16_t qtype,
                    bool nxdomain, const lrrset_t **used, size_t *nused, char *why, size_t whylen);
