/* RFC 8624 algorithm policy and algorithm names. */
#include <stdio.h>

#include "dnssec/dnssec.h"

dv_policy_t dv_alg_policy(uint8_t alg)
{
	/* RFC 8624 §3.1, "DNSSEC Signing" column. */
	switch (alg) {
	case DV_ALG_RSAMD5:
	case DV_ALG_DSA:
	case DV_ALG_DSA_NSEC3_SHA1:
	case DV_ALG_ECC_GOST:
		return DV_POLICY_MUST_NOT;
	case DV_ALG_RSASHA1:
	case DV_ALG_RSASHA1_NSEC3_SHA1:
	case DV_ALG_RSASHA512:
		return DV_POLICY_NOT_RECOMMENDED;
	case DV_ALG_RSASHA256:
	case DV_ALG_ECDSAP256SHA256:
		return DV_POLICY_MUST;
	case DV_ALG_ED25519:
		return DV_POLICY_RECOMMENDED;
	case DV_ALG_ECDSAP384SHA384:
	case DV_ALG_ED448:
		return DV_POLICY_MAY;
	default:
		return DV_POLICY_UNKNOWN;
	}
}

dv_policy_t dv_digest_policy(uint8_t t)
{
	/* RFC 8624 §3.3, "DNSSEC Delegation" column. */
	switch (t) {
	case DV_DIGEST_SHA1:
	case DV_DIGEST_GOST:
		return DV_POLICY_MUST_NOT;
	case DV_DIGEST_SHA256:
		return DV_POLICY_MUST;
	case DV_DIGEST_SHA384:
		return DV_POLICY_MAY;
	default:
		return DV_POLICY_UNKNOWN;
	}
}

const char *dv_alg_name(uint8_t alg)
{
	static const char *names[] = {
	    [1] = "RSAMD5",
	    [3] = "DSA",
	    [5] = "RSASHA1",
	    [6] = "DSA-NSEC3-SHA1",
	    [7] = "RSASHA1-NSEC3-SHA1",
	    [8] = "RSASHA256",
	    [10] = "RSASHA512",
	    [12] = "ECC-GOST",
	    [13] = "ECDSAP256SHA256",
	    [14] = "ECDSAP384SHA384",
	    [15] = "ED25519",
	    [16] = "ED448",
	};
	if (alg < sizeof(names) / sizeof(names[0]) && names[alg] != NULL)
		return names[alg];
	return "unknown";
}
