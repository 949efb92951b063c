/*
 * RDATA views: the fields of RRSIG, DNSKEY and DS records read once, through
 * libknot's accessors, so that no check unpacks octets by hand.
 */
#include <string.h>

#include <libknot/dname.h>
#include <libknot/rrtype/dnskey.h>
#include <libknot/rrtype/ds.h>
#include <libknot/rrtype/nsec3param.h>
#include <libknot/rrtype/rrsig.h>

#include "core/error.h"
#include "dnssec/dnssec.h"

/* The fixed part of RDATA for libknot's accessors, once the RDATA is known
 * to hold it; NULL when it does not. */
static const knot_rdata_t *fixed_part(dv_rdata_head_t *h, const uint8_t *rdata, size_t rdlen,
                                      size_t fixed)
{
	if (rdata == NULL || rdlen < fixed || rdlen > UINT16_MAX)
		return NULL;
	return dv_rdata_head(h, rdata, rdlen, fixed);
}

int dv_rrsig_parse(const uint8_t *rdata, size_t rdlen, dv_rrsig_t *out)
{
	memset(out, 0, sizeof(*out));
	dv_rdata_head_t v;
	const knot_rdata_t *rd = fixed_part(&v, rdata, rdlen, DV_RRSIG_FIXED_LEN + 1);
	if (rd == NULL)
		return DV_EPARSE;
	int nlen = knot_dname_wire_check(rdata + DV_RRSIG_FIXED_LEN, rdata + rdlen, NULL);
	if (nlen <= 0 || DV_RRSIG_FIXED_LEN + (size_t)nlen > rdlen)
		return DV_EPARSE;
	out->rdata = rdata;
	out->rdlen = (uint16_t)rdlen;
	out->type_covered = knot_rrsig_type_covered(rd);
	out->algorithm = knot_rrsig_alg(rd);
	out->labels = knot_rrsig_labels(rd);
	out->original_ttl = knot_rrsig_original_ttl(rd);
	out->expiration = knot_rrsig_sig_expiration(rd);
	out->inception = knot_rrsig_sig_inception(rd);
	out->key_tag = knot_rrsig_key_tag(rd);
	out->signer = rdata + DV_RRSIG_FIXED_LEN;
	out->signature = out->signer + nlen;
	out->signature_len = (uint16_t)(rdlen - DV_RRSIG_FIXED_LEN - (size_t)nlen);
	return DV_OK;
}

uint16_t dv_rrsig_type_covered(const uint8_t *rdata, size_t rdlen)
{
	dv_rdata_head_t v;
	const knot_rdata_t *rd = fixed_part(&v, rdata, rdlen, 2);
	return rd != NULL ? knot_rrsig_type_covered(rd) : 0;
}

int dv_dnskey_parse(const uint8_t *rdata, size_t rdlen, dv_dnskey_t *out)
{
	dv_rdata_head_t v;
	const knot_rdata_t *rd = fixed_part(&v, rdata, rdlen, 4);
	*out = (dv_dnskey_t){.rdata = rdata, .rdlen = (uint16_t)rdlen};
	if (rd == NULL)
		return DV_EPARSE;
	out->flags = knot_dnskey_flags(rd);
	out->protocol = knot_dnskey_proto(rd);
	out->algorithm = knot_dnskey_alg(rd);
	out->key_tag = dv_keytag(rdata, rdlen);
	return DV_OK;
}

int dv_ds_parse(const uint8_t *rdata, size_t rdlen, dv_ds_t *out)
{
	dv_rdata_head_t v;
	const knot_rdata_t *rd = fixed_part(&v, rdata, rdlen, 4);
	*out = (dv_ds_t){.digest = rdata + 4};
	if (rd == NULL)
		return DV_EPARSE;
	out->key_tag = knot_ds_key_tag(rd);
	out->algorithm = knot_ds_alg(rd);
	out->digest_type = knot_ds_digest_type(rd);
	out->digest_len = knot_ds_digest_len(rd);
	return DV_OK;
}

int dv_nsec3_params_parse(const uint8_t *rdata, size_t rdlen, dv_nsec3_params_t *out)
{
	/* NSEC3 and NSEC3PARAM lead with the same fields (RFC 5155 §3.2, §4.2). */
	dv_rdata_head_t v;
	const knot_rdata_t *rd = fixed_part(&v, rdata, rdlen, 5);
	memset(out, 0, sizeof(*out));
	if (rd == NULL)
		return DV_EPARSE;
	out->algorithm = knot_nsec3param_alg(rd);
	out->flags = knot_nsec3param_flags(rd);
	out->iterations = knot_nsec3param_iters(rd);
	out->salt_len = knot_nsec3param_salt_len(rd);
	out->salt = rdata + 5;
	if (rdlen - 5 < out->salt_len)
		return DV_EPARSE;
	out->len = (uint16_t)(5 + out->salt_len);
	return DV_OK;
}
