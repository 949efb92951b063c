/*
 * Internal to the offline checks (verify): RRsets of the zone store as the
 * signature check reads them, the apex key set, and the marks the presign
 * pass leaves for the signature pass.
 */
#pragma once

#include <stdbool.h>

#include "checks/checks.h"
#include "dnssec/dnssec.h"

/* A reusable view of one RRset of the store (grows to the largest RRset). */
typedef struct {
	const uint8_t **rdata;
	uint16_t *rdlen;
	size_t cap;
	dv_rrset_view_t view;
} verify_view_t;

/* The view of the records of `type` among rrs, at owner. */
int verify_view_build(verify_view_t *v, const uint8_t *owner, uint16_t type, const dv_rr_t *rrs,
                      size_t n, bool sorted);
void verify_view_clear(verify_view_t *v);

/* The key set of the DNSKEY records among rrs (others skipped); the set owns its keys. */
int verify_keyset_build(const dv_rr_t *rrs, size_t n, dv_keyset_t *ks);
/* The key set of the apex DNSKEY RRset (empty when there is none). */
int verify_zone_keyset(const dv_zone_t *zone, dv_keyset_t *ks);

/* Whether the presign pass found this RRSIG to verify (presign may be NULL).
 * Trusted only for names whose records were all in one run of the input. */
bool dv_presign_marked(const dv_presign_t *presign, const dv_rr_t *sig);
