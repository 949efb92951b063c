#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>

#include "checks/keyset.h"
#include "core/error.h"

int dv_keyset_build(const dv_zone_t *z, dv_keyset_t *ks)
{
	memset(ks, 0, sizeof(*ks));
	const dv_rrset_t *rs = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_DNSKEY);
	if (rs == NULL)
		return DV_OK;
	return dv_keyset_build_rrs(&z->rrs[rs->rr_first], rs->rr_count, ks);
}

int dv_keyset_build_rrs(const dv_rr_t *rrs, size_t n, dv_keyset_t *ks)
{
	memset(ks, 0, sizeof(*ks));
	ks->v = calloc(n ? n : 1, sizeof(*ks->v));
	if (ks->v == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const dv_rr_t *rr = &rrs[i];
		if (rr->type != KNOT_RRTYPE_DNSKEY)
			continue;
		dv_keyent_t *k = &ks->v[ks->n++];
		k->rdata = rr->rdata;
		k->rdlen = rr->rdlen;
		if (rr->rdlen < 4) {
			k->parse_ret = DV_ECRYPTO;
			continue;
		}
		k->flags = (uint16_t)((rr->rdata[0] << 8) | rr->rdata[1]);
		k->protocol = rr->rdata[2];
		k->alg = rr->rdata[3];
		k->tag = dv_keytag(rr->rdata, rr->rdlen);
		k->parse_ret = dv_key_new(rr->rdata, rr->rdlen, &k->key);
		if (k->parse_ret == DV_ENOMEM)
			return DV_ENOMEM;
		if (k->key != NULL)
			k->bits = dv_key_bits(k->key);
		/* RFC 4034 §2.1.1-2: only zone keys with protocol 3 verify zone data. */
		if (k->key != NULL && (k->protocol != 3 || !(k->flags & DV_DNSKEY_FLAG_ZONE))) {
			dv_key_free(k->key);
			k->key = NULL;
		}
		if (k->key != NULL)
			ks->algs[k->alg] = 1;
	}
	return DV_OK;
}

void dv_keyset_free(dv_keyset_t *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		dv_key_free(ks->v[i].key);
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

int dv_keyset_verify_rrset(const dv_keyset_t *ks, const dv_zone_t *z, const dv_rrset_t *rs,
                           const dv_rr_t *sig, dv_buf_t *buf, dv_vcache_t *cache,
                           const dv_keyent_t **signer)
{
	return dv_keyset_verify(ks, z->names[rs->name].dname, rs->type, &z->rrs[rs->rr_first],
	                        rs->rr_count, true, sig, buf, cache, signer);
}

int dv_keyset_verify(const dv_keyset_t *ks, const uint8_t *owner, uint16_t type, const dv_rr_t *rrs,
                     size_t n, bool sorted, const dv_rr_t *sig, dv_buf_t *buf, dv_vcache_t *cache,
                     const dv_keyent_t **signer)
{
	const uint8_t *rd = sig->rdata;
	if (sig->rdlen < DV_RRSIG_FIXED_LEN)
		return DV_ECRYPTO;
	uint8_t alg = rd[2];
	uint16_t tag = (uint16_t)((rd[16] << 8) | rd[17]);
	long off = dv_rrsig_sig_offset(rd, sig->rdlen);
	if (off < 0)
		return DV_ECRYPTO;
	int ret = DV_EINVAL;
	const uint8_t *rdatas[256];
	uint16_t lens[256];
	const uint8_t **rdv = rdatas;
	uint16_t *lenv = lens;
	bool built = false;
	for (size_t i = 0; i < ks->n; i++) {
		const dv_keyent_t *k = &ks->v[i];
		if (k->tag != tag || k->alg != alg)
			continue;
		if (k->key == NULL) {
			if (ret == DV_EINVAL)
				ret = DV_ENOTSUP;
			continue;
		}
		if (!built) {
			if (n > 256) {
				rdv = malloc(n * sizeof(*rdv));
				lenv = malloc(n * sizeof(*lenv));
				if (rdv == NULL || lenv == NULL) {
					ret = DV_ENOMEM;
					goto out;
				}
			}
			size_t m = 0;
			for (size_t j = 0; j < n; j++) {
				if (rrs[j].type != type)
					continue;
				rdv[m] = rrs[j].rdata;
				lenv[m++] = rrs[j].rdlen;
			}
			if (dv_sigdata_build(buf, rd, sig->rdlen, owner, type, rdv, lenv, m,
			                     sorted) != DV_OK) {
				ret = DV_ECRYPTO;
				goto out;
			}
			built = true;
		}
		if (dv_key_verify_cached(cache, k->key, buf->data, buf->len, rd + off,
		                         sig->rdlen - (size_t)off) == DV_OK) {
			if (signer != NULL)
				*signer = k;
			ret = DV_OK;
			goto out;
		}
		ret = DV_ECRYPTO;
	}
out:
	if (rdv != rdatas)
		free(rdv);
	if (lenv != lens)
		free(lenv);
	return ret;
}
