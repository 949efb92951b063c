/* Internal: the apex DNSKEY RRset parsed once, shared by the signature and key checks. */
#pragma once

#include "core/zone.h"
#include <stdbool.h>

#include "dnssec/dnssec.h"

typedef struct {
	const uint8_t *rdata;
	uint16_t rdlen;
	uint16_t tag;
	uint16_t flags;
	uint8_t protocol;
	uint8_t alg;
	dv_key_t *key; /*!< NULL when the key cannot verify (bad protocol, not a zone key,
	                  malformed, unsupported) */
	int parse_ret; /*!< dv_key_new result */
	unsigned bits; /*!< key size when it parsed (dv_key_bits), else 0 */
} dv_keyent_t;

typedef struct {
	dv_keyent_t *v;
	size_t n;
	uint8_t algs[256]; /*!< algs[a]: a zone key of algorithm a is published and verifiable */
} dv_keyset_t;

int dv_keyset_build(const dv_zone_t *zone, dv_keyset_t *ks);
/*! The keys among rrs (records of other types are skipped). */
int dv_keyset_build_rrs(const dv_rr_t *rrs, size_t n, dv_keyset_t *ks);
void dv_keyset_free(dv_keyset_t *ks);

/*! Verify one RRSIG (RDATA) over an RRset of the zone with the matching key(s).
 *  Returns 0 valid, DV_ECRYPTO invalid, DV_ENOTSUP no usable key/algorithm,
 *  DV_EINVAL no key with that tag+algorithm.  cache may be NULL. */
int dv_keyset_verify_rrset(const dv_keyset_t *ks, const dv_zone_t *zone, const dv_rrset_t *rs,
                           const dv_rr_t *sig, dv_buf_t *buf, dv_vcache_t *cache,
                           const dv_keyent_t **signer);

/*! The same over a list of records (those of `type` among rrs form the RRset);
 *  sorted: the RDATA is already in canonical order. */
int dv_keyset_verify(const dv_keyset_t *ks, const uint8_t *owner, uint16_t type, const dv_rr_t *rrs,
                     size_t n, bool sorted, const dv_rr_t *sig, dv_buf_t *buf, dv_vcache_t *cache,
                     const dv_keyent_t **signer);
