/*
 * The canary's failure modes: one table read by the zone writer and by the
 * audit.  EDE codes are RFC 8914 §4 (25: "Signature Expired before Valid",
 * 27: "Unsupported NSEC3 Iterations Value", RFC 9276 §3.2).
 */
#include "canary/canary.h"

#include <stdio.h>

#include "core/error.h"

#include <libknot/descriptor.h>

#define EDE_NONE -1 /* no EDE code expected */

const dv_canary_mode_t dv_canary_modes[] = {
    {"valid", "", KNOT_RRTYPE_A, DV_EXPECT_SECURE, DV_FAULT_NONE, -1, EDE_NONE,
     "control: correctly signed, DS at the parent"},
    {"unsigned", "", KNOT_RRTYPE_A, DV_EXPECT_INSECURE, DV_FAULT_UNSIGNED, -1, EDE_NONE,
     "control: unsigned delegation (no DS)"},
    {"big-dnskey", "", KNOT_RRTYPE_A, DV_EXPECT_SECURE, DV_FAULT_BIG_DNSKEY, -1, EDE_NONE,
     "DNSKEY RRset over 1232 bytes (five RSA keys): must validate over TCP"},
    {"island", "", KNOT_RRTYPE_A, DV_EXPECT_INSECURE, DV_FAULT_ISLAND, -1, EDE_NONE,
     "signed island: signed child without DS at the parent"},
    {"ds-unknown-digest", "", KNOT_RRTYPE_A, DV_EXPECT_INSECURE, DV_FAULT_DS_UNKNOWN_DIGEST, -1, 2,
     "only DS has an unknown digest type (100): insecure, RFC 4509 §3"},
    {"ds-unknown-alg", "", KNOT_RRTYPE_A, DV_EXPECT_INSECURE, DV_FAULT_DS_UNKNOWN_ALG, -1, 1,
     "only DS has an unknown algorithm (100): insecure, RFC 4035 §5.2"},
    {"rrsig-exp-all", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_EXPIRED_ALL, -1, 7,
     "all RRSIGs expired 3 days ago"},
    {"rrsig-exp-a", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_EXPIRED_ONE, -1, 7,
     "only the RRSIG over A expired (3 days ago)"},
    {"rrsig-notyet", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_NOT_YET, -1, 8,
     "all RRSIGs valid only from 3 days ahead"},
    {"rrsig-inverted", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_INVERTED, -1, 25,
     "RRSIG expiration before inception"},
    {"rrsig-bad-a", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_BAD_SIG, -1, 6,
     "corrupt signature over A"},
    {"rrsig-none-a", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_NO_RRSIG, -1, 10,
     "A RRset without RRSIG"},
    {"rrsig-none-dnskey", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_NO_RRSIG_DNSKEY, -1, 10,
     "DNSKEY RRset without RRSIG"},
    {"dnskey-none", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_NO_DNSKEY, -1, 9,
     "DS at the parent, DNSKEY RRset missing"},
    {"ds-bad-digest", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_DS_BAD_DIGEST, -1, 9,
     "DS digest matches no key"},
    {"ds-bad-tag", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_DS_BAD_TAG, -1, 9,
     "DS key tag matches no key"},
    {"ds-bad-alg", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_DS_BAD_ALG, -1, 9,
     "DS names another supported algorithm (8) than the key's (13)"},
    {"no-zone-bit", "", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_NO_ZONE_BIT, -1, 11,
     "the signing DNSKEY has the Zone Key bit clear (flags 0)"},
    {"nsec-none", "nx.", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_NSEC_NONE, -1, 12,
     "NXDOMAIN without NSEC proof"},
    {"nsec-bad-cover", "nx.", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_NSEC_BAD_COVER, -1, 12,
     "NXDOMAIN whose NSEC does not cover the name"},
    {"wildcard-no-proof", "host.", KNOT_RRTYPE_A, DV_EXPECT_BOGUS, DV_FAULT_WILDCARD_NO_PROOF, -1,
     12, "wildcard answer without the NSEC proving no closer match"},
    {"nsec3-iter-0", "nx.", KNOT_RRTYPE_A, DV_EXPECT_NSEC3, DV_FAULT_NSEC3, 0, EDE_NONE,
     "NXDOMAIN proven by NSEC3, 0 iterations"},
    {"nsec3-iter-1", "nx.", KNOT_RRTYPE_A, DV_EXPECT_NSEC3, DV_FAULT_NSEC3, 1, 27,
     "NXDOMAIN proven by NSEC3, 1 iteration"},
    {"nsec3-iter-50", "nx.", KNOT_RRTYPE_A, DV_EXPECT_NSEC3, DV_FAULT_NSEC3, 50, 27,
     "NXDOMAIN proven by NSEC3, 50 iterations"},
    {"nsec3-iter-51", "nx.", KNOT_RRTYPE_A, DV_EXPECT_NSEC3, DV_FAULT_NSEC3, 51, 27,
     "NXDOMAIN proven by NSEC3, 51 iterations"},
    {"nsec3-iter-150", "nx.", KNOT_RRTYPE_A, DV_EXPECT_NSEC3, DV_FAULT_NSEC3, 150, 27,
     "NXDOMAIN proven by NSEC3, 150 iterations"},
    {"nsec3-iter-151", "nx.", KNOT_RRTYPE_A, DV_EXPECT_NSEC3, DV_FAULT_NSEC3, 151, 27,
     "NXDOMAIN proven by NSEC3, 151 iterations"},
    {"nsec3-iter-500", "nx.", KNOT_RRTYPE_A, DV_EXPECT_NSEC3, DV_FAULT_NSEC3, 500, 27,
     "NXDOMAIN proven by NSEC3, 500 iterations"},
};

const size_t dv_canary_mode_count = sizeof(dv_canary_modes) / sizeof(dv_canary_modes[0]);

const char *dv_expect_name(dv_expect_t e)
{
	switch (e) {
	case DV_EXPECT_SECURE:
		return "secure";
	case DV_EXPECT_INSECURE:
		return "insecure";
	case DV_EXPECT_BOGUS:
		return "bogus";
	case DV_EXPECT_NSEC3:
		return "nsec3";
	}
	return "?";
}

int dv_canary_qname(const dv_canary_mode_t *m, const char *zone, char *buf, size_t len)
{
	size_t zl = 0;
	while (zone[zl] != '\0')
		zl++;
	/* "canary.example" and "canary.example." alike; "." is the root itself. */
	bool root = zl == 1 && zone[0] == '.';
	const char *dot = zl > 0 && zone[zl - 1] == '.' ? "" : ".";
	int n = snprintf(buf, len, "%s%s.%s%s", m->qpre, m->label, root ? "" : zone, dot);
	if (n < 0 || (size_t)n >= len)
		return DV_EINVAL;
	return 0;
}

const dv_canary_mode_t *dv_canary_mode_by_fault(dv_fault_t fault)
{
	for (size_t i = 0; i < dv_canary_mode_count; i++)
		if (dv_canary_modes[i].fault == fault)
			return &dv_canary_modes[i];
	return NULL;
}
