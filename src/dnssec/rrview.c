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

int dv_rrsig_parse(const uint8_t *rdata, size_t rdlen, dv_rrsig_t *out)
{
	memset(out, 0, sizeof(*out));
	if (rdata == NULL || rdlen <= DV_RRSIG_FIXED_LEN || rdlen > UINT16_MAX)
		return DV_EPARSE;
	int nlen = knot_dname_wire_check(rdata + DV_RRSIG_FIXED_LEN, rdata + rdlen, NULL);
	if (nlen <= 0 || DV_RRSIG_FIXED_LEN + (size_t)nlen > rdlen)
		return DV_EPARSE;
	dv_rdata_head_t v;
	const knot_rdata_t *rd = dv_rdata_head(&v, rdata, rdlen, DV_RRSIG_FIXED_LEN);
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
	if (rdata == NULL || rdlen < 2)
		return 0;
	dv_rdata_head_t v;
	return knot_rrsig_type_covered(dv_rdata_head(&v, rdata, rdlen, 2));
}

int dv_dnskey_parse(const uint8_t *rdata, size_t rdlen, dv_dnskey_t *out)
{
	memset(out, 0, sizeof(*out));
	if (rdata == NULL || rdlen < 4 || rdlen > UINT16_MAX)
		return DV_EPARSE;
	dv_rdata_head_t v;
	const knot_rdata_t *rd = dv_rdata_head(&v, rdata, rdlen, 4);
	out->rdata = rdata;
	out->rdlen = (uint16_t)rdlen;
	out->flags = knot_dnskey_flags(rd);
	out->protocol = knot_dnskey_proto(rd);
	out->algorithm = knot_dnskey_alg(rd);
	out->key_tag = dv_keytag(rdata, rdlen);
	return DV_OK;
}

int dv_ds_parse(const uint8_t *rdata, size_t rdlen, dv_ds_t *out)
{
	memset(out, 0, sizeof(*out));
	if (rdata == NULL || rdlen < 4 || rdlen > UINT16_MAX)
		return DV_EPARSE;
	dv_rdata_head_t v;
	const knot_rdata_t *rd = dv_rdata_head(&v, rdata, rdlen, 4);
	out->key_tag = knot_ds_key_tag(rd);
	out->algorithm = knot_ds_alg(rd);
	out->digest_type = knot_ds_digest_type(rd);
	out->digest = rdata + 4;
	out->digest_len = knot_ds_digest_len(rd);
	return DV_OK;
}

int dv_nsec3_params_parse(const uint8_t *rdata, size_t rdlen, dv_nsec3_params_t *out)
{
	memset(out, 0, sizeof(*out));
	if (rdata == NULL || rdlen < 5 || rdlen > UINT16_MAX)
		return DV_EPARSE;
	/* NSEC3 and NSEC3PARAM lead with the same fields (RFC 5155 §3.2, §4.2). */
	dv_rdata_head_t v;
	const knot_rdata_t *rd = dv_rdata_head(&v, rdata, rdlen, 5);
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
