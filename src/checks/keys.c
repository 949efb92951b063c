/*
 * Key checks: the apex DNSKEY RRset (RFC 4034 §2, RFC 5011, RFC 8624), DS
 * records in the zone, and the link to the parent's DS or a trust anchor
 * given with --ds (RFC 4035 §5.2).
 */
#include <stdio.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "checks/checks.h"
#include "checks/verify_int.h"
#include "core/error.h"

/* The evidence of a finding about an apex DNSKEY (k NULL: the RRset). */
static dv_evidence_t key_evidence(const dv_zone_t *z, const dv_keyset_key_t *k)
{
	dv_evidence_t ev = {.owner = z->origin, .type = KNOT_RRTYPE_DNSKEY};
	if (k != NULL) {
		ev.has_keytag = true;
		ev.keytag = k->dnskey.key_tag;
		ev.algorithm = k->dnskey.algorithm;
	}
	return ev;
}

/* The evidence of a finding about a DS (or a DNSKEY trust anchor) at owner. */
static dv_evidence_t ds_evidence(const uint8_t *owner, uint16_t type, uint16_t tag, uint8_t alg)
{
	return (dv_evidence_t){
	    .owner = owner, .type = type, .has_keytag = true, .keytag = tag, .algorithm = alg};
}

/* RFC 8624 §3.1 for a signing algorithm. */
static int check_alg(dv_findings_t *out, const dv_zone_t *z, const dv_keyset_key_t *k)
{
	uint8_t alg = k->dnskey.algorithm;
	dv_evidence_t ev = key_evidence(z, k);
	switch (dv_alg_policy(alg)) {
	case DV_POLICY_MUST_NOT:
		return dv_findings_add(out, DV_F_ALGORITHM_PROHIBITED, &ev,
		                       "algorithm %u (%s) MUST NOT be used (RFC 8624 §3.1)", alg,
		                       dv_alg_name(alg));
	case DV_POLICY_NOT_RECOMMENDED:
		return dv_findings_add(out, DV_F_ALGORITHM_DEPRECATED, &ev,
		                       "algorithm %u (%s) is NOT RECOMMENDED (RFC 8624 §3.1)", alg,
		                       dv_alg_name(alg));
	case DV_POLICY_UNKNOWN:
		return dv_findings_add(out, DV_F_ALGORITHM_UNKNOWN, &ev,
		                       "algorithm %u is not assigned or not supported", alg);
	default:
		if (!dv_alg_supported(alg))
			return dv_findings_add(out, DV_F_ALGORITHM_UNKNOWN, &ev,
			                       "algorithm %u (%s) cannot be verified by this build",
			                       alg, dv_alg_name(alg));
		return DV_OK;
	}
}

static int check_dnskeys(const dv_zone_t *z, const dv_keyset_t *ks, dv_findings_t *out)
{
	int ret = DV_OK;
	bool sep = false;
	for (size_t i = 0; i < ks->n && ret == DV_OK; i++) {
		const dv_keyset_key_t *k = &ks->v[i];
		const dv_dnskey_t *dk = &k->dnskey;
		dv_evidence_t ev = key_evidence(z, k);
		if (dk->rdlen < 4) {
			ret = dv_findings_add(out, DV_F_DNSKEY_MALFORMED, &ev,
			                      "RDATA shorter than 4 octets");
			continue;
		}
		if (dk->protocol != 3)
			ret = dv_findings_add(out, DV_F_DNSKEY_BAD_PROTOCOL, &ev, "protocol %u",
			                      dk->protocol);
		if (!(dk->flags & DV_DNSKEY_FLAG_ZONE))
			ret = dv_findings_add(out, DV_F_DNSKEY_NOT_ZONE_KEY, &ev, "flags %u",
			                      dk->flags);
		if (k->revoked)
			ret = dv_findings_add(out, DV_F_DNSKEY_REVOKED, &ev, NULL);
		if (dk->flags & DV_DNSKEY_FLAG_SEP)
			sep = true;
		if (ret == DV_OK)
			ret = check_alg(out, z, k);
		if (ret != DV_OK)
			break;
		if (k->parse_ret == DV_ECRYPTO) {
			ret = dv_findings_add(out, DV_F_DNSKEY_MALFORMED, &ev, NULL);
		} else if (k->parse_ret == DV_ELIMIT) {
			ret = dv_findings_add(
			    out, DV_F_DNSKEY_RSA_EXPONENT, &ev,
			    "public exponent of %u bits; validators refuse more than %u (BIND)",
			    dv_rsa_exponent_bits(dk->rdata, dk->rdlen), DV_RSA_MAX_EXPONENT_BITS);
		} else if (k->parse_ret == DV_OK) {
			/* RSA below 2048 bits: RFC 8624 §3.1 and current key-size guidance.
			 * The size comes from the keyset, which parsed every key once. */
			uint8_t alg = dk->algorithm;
			bool rsa = alg == DV_ALG_RSASHA1 || alg == DV_ALG_RSASHA1_NSEC3_SHA1 ||
			           alg == DV_ALG_RSASHA256 || alg == DV_ALG_RSASHA512;
			if (rsa && k->bits < 2048)
				ret = dv_findings_add(out, DV_F_DNSKEY_WEAK_KEY, &ev,
				                      "RSA modulus of %u bits", k->bits);
		}
	}
	/* KeyTrap: keys sharing one tag and algorithm beyond what is tried. */
	uint16_t ctag = 0;
	uint8_t calg = 0;
	size_t coll = dv_keyset_max_collision(ks, &ctag, &calg);
	if (ret == DV_OK && coll > DV_SIG_KEYS_PER_TAG)
		ret =
		    dv_findings_add(out, DV_F_KEYTAG_COLLISION,
		                    &(dv_evidence_t){.owner = z->origin,
		                                     .type = KNOT_RRTYPE_DNSKEY,
		                                     .has_keytag = true,
		                                     .keytag = ctag,
		                                     .algorithm = calg},
		                    "%zu keys share key tag %u and algorithm %u; %u are tried per "
		                    "signature (PowerDNS Recursor tries 2)",
		                    coll, ctag, calg, DV_SIG_KEYS_PER_TAG);
	if (ret == DV_OK && !sep && ks->n > 0)
		ret = dv_findings_add(
		    out, DV_F_DNSKEY_NO_SEP,
		    &(dv_evidence_t){.owner = z->origin, .type = KNOT_RRTYPE_DNSKEY}, NULL);
	return ret;
}

/* A DS RRset of the zone: at a delegation only, with current digests
 * (RFC 8624 §3.3). */
static int check_ds_rrset(const dv_zone_t *z, const dv_rrset_t *rs, dv_findings_t *out)
{
	int ret = DV_OK;
	const dv_name_t *nm = &z->names[rs->name];
	if (nm->flags & DV_NAME_APEX)
		return dv_findings_add(out, DV_F_DS_AT_APEX,
		                       &(dv_evidence_t){.owner = nm->dname, .type = KNOT_RRTYPE_DS},
		                       NULL);
	for (uint32_t j = 0; j < rs->rr_count && ret == DV_OK; j++) {
		const dv_rr_t *rr = &z->rrs[rs->rr_first + j];
		dv_ds_t ds;
		if (dv_ds_parse(rr->rdata, rr->rdlen, &ds) != DV_OK)
			continue;
		dv_policy_t p = dv_digest_policy(ds.digest_type);
		if (p != DV_POLICY_MUST_NOT && p != DV_POLICY_UNKNOWN)
			continue;
		dv_evidence_t ev = ds_evidence(nm->dname, KNOT_RRTYPE_DS, ds.key_tag, ds.algorithm);
		ret = dv_findings_add(out,
		                      p == DV_POLICY_MUST_NOT ? DV_F_DS_DIGEST_DEPRECATED
		                                              : DV_F_DS_DIGEST_UNKNOWN,
		                      &ev, "digest type %u", ds.digest_type);
	}
	return ret;
}

static int check_zone_ds(const dv_zone_t *z, dv_findings_t *out)
{
	int ret = DV_OK;
	for (size_t i = 0; i < z->rrset_count && ret == DV_OK; i++)
		if (z->rrsets[i].type == KNOT_RRTYPE_DS)
			ret = check_ds_rrset(z, &z->rrsets[i], out);
	return ret;
}

/* The link to the parent (RFC 4035 §5.2): every DS matches a DNSKEY, and a
 * DS-matched key (or a DNSKEY trust anchor) signs the DNSKEY RRset. */
static int check_anchors(const dv_zone_t *z, const dv_keyset_t *ks, const dv_rrfile_t *ds,
                         dv_findings_t *out)
{
	const dv_rrset_t *keys = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_DNSKEY);
	bool matched[256] = {false}; /* by key index (capped) */
	bool any_anchor = false;
	int ret = DV_OK;
	for (size_t i = 0; i < ds->n && ret == DV_OK; i++) {
		const dv_rrfile_rr_t *a = &ds->v[i];
		if (a->type != KNOT_RRTYPE_DS && a->type != KNOT_RRTYPE_DNSKEY)
			continue;
		if (!knot_dname_is_equal(a->owner, z->origin))
			continue;
		any_anchor = true;
		if (a->type == KNOT_RRTYPE_DS) {
			dv_ds_t dsr;
			if (dv_ds_parse(a->rdata, a->rdlen, &dsr) != DV_OK)
				continue;
			uint16_t tag = dsr.key_tag;
			uint8_t alg = dsr.algorithm, dt = dsr.digest_type;
			dv_policy_t p = dv_digest_policy(dt);
			if (p == DV_POLICY_MUST_NOT || p == DV_POLICY_UNKNOWN) {
				dv_evidence_t ev = ds_evidence(z->origin, KNOT_RRTYPE_DS, tag, alg);
				ret = dv_findings_add(
				    out,
				    p == DV_POLICY_MUST_NOT ? DV_F_DS_DIGEST_DEPRECATED
				                            : DV_F_DS_DIGEST_UNKNOWN,
				    &ev, "digest type %u (line %u of --ds)", dt, a->line);
				if (ret != DV_OK)
					break;
				if (p == DV_POLICY_UNKNOWN)
					continue; /* cannot be matched; RFC 4509 §3 says ignore */
			}
			bool hit = false, tag_hit = false;
			for (size_t k = 0; k < ks->n; k++) {
				const dv_dnskey_t *dk = &ks->v[k].dnskey;
				if (dk->key_tag == tag)
					tag_hit = true;
				if (dv_ds_matches(z->origin, a->rdata, a->rdlen, dk->rdata,
				                  dk->rdlen)) {
					hit = true;
					if (k < 256)
						matched[k] = true;
				}
			}
			if (!hit) {
				bool alg_mismatch = false;
				for (size_t k = 0; k < ks->n; k++)
					alg_mismatch |= ks->v[k].dnskey.key_tag == tag &&
					                ks->v[k].dnskey.algorithm != alg;
				dv_evidence_t ev = ds_evidence(z->origin, KNOT_RRTYPE_DS, tag, alg);
				ret = dv_findings_add(
				    out,
				    alg_mismatch ? DV_F_DS_ALGORITHM_MISMATCH
				                 : DV_F_DS_NO_MATCHING_DNSKEY,
				    &ev, "DS %u %u %u (line %u of --ds)%s", tag, alg, dt, a->line,
				    tag_hit && !alg_mismatch ? ": key tag found, digest differs"
				                             : "");
			}
		} else {
			bool hit = false;
			for (size_t k = 0; k < ks->n; k++) {
				const dv_dnskey_t *dk = &ks->v[k].dnskey;
				if (dk->rdlen == a->rdlen &&
				    memcmp(dk->rdata, a->rdata, a->rdlen) == 0) {
					hit = true;
					if (k < 256)
						matched[k] = true;
				}
			}
			if (!hit) {
				dv_dnskey_t dk;
				uint8_t alg = dv_dnskey_parse(a->rdata, a->rdlen, &dk) == DV_OK
				                  ? dk.algorithm
				                  : 0;
				dv_evidence_t ev = ds_evidence(z->origin, KNOT_RRTYPE_DNSKEY,
				                               dv_keytag(a->rdata, a->rdlen), alg);
				ret = dv_findings_add(
				    out, DV_F_DS_NO_MATCHING_DNSKEY, &ev,
				    "trust-anchor DNSKEY (line %u of --ds) not in the zone",
				    a->line);
			}
		}
	}
	if (ret != DV_OK || !any_anchor || keys == NULL)
		return ret;
	/* Does a matched key validly sign the DNSKEY RRset? */
	dv_sigcache_t *cache = NULL;
	verify_view_t view = {0};
	dv_sig_budget_t budget;
	uint64_t used = 0;
	dv_sig_budget_init(&budget);
	budget.used[DV_SIG_SCOPE_RRSET] = &used;
	if ((ret = dv_sigcache_new(0, &cache)) != DV_OK ||
	    (ret = verify_view_build(&view, z->origin, KNOT_RRTYPE_DNSKEY, &z->rrs[keys->rr_first],
	                             keys->rr_count, true)) != DV_OK)
		goto out;
	dv_sigcache_budget(cache, &budget);
	bool signed_by_anchor = false;
	for (uint32_t i = 0; i < keys->sig_count && !signed_by_anchor; i++) {
		const dv_rr_t *rr = &z->rrs[keys->sig_first + i];
		const dv_keyset_key_t *signer = NULL;
		dv_rrsig_t sig;
		if (dv_rrsig_parse(rr->rdata, rr->rdlen, &sig) != DV_OK)
			continue;
		dv_sig_verdict_t v = dv_sig_judge(cache, &view.view, &sig, ks, NULL, 0, &signer);
		if (v == DV_SIG_ERROR) {
			ret = DV_ENOMEM;
			goto out;
		}
		if (dv_sig_verifies(v) && signer != NULL) {
			size_t idx = (size_t)(signer - ks->v);
			signed_by_anchor = idx < 256 && matched[idx];
		}
	}
	if (!signed_by_anchor) {
		ret = dv_findings_add(
		    out, DV_F_DNSKEY_NOT_SIGNED_BY_DS_KEY,
		    &(dv_evidence_t){.owner = z->origin, .type = KNOT_RRTYPE_DNSKEY},
		    "no valid RRSIG over the DNSKEY RRset by a key the --ds records match");
	}
out:
	dv_sigcache_free(cache);
	verify_view_clear(&view);
	return ret;
}

int verify_ds_names(const dv_zone_t *z, const uint32_t *names, size_t n, dv_findings_t *out)
{
	int ret = DV_OK;
	for (size_t i = 0; i < n && ret == DV_OK; i++) {
		const dv_rrset_t *rs = dv_zone_rrset_find(z, names[i], KNOT_RRTYPE_DS);
		if (rs != NULL)
			ret = check_ds_rrset(z, rs, out);
	}
	return ret;
}

int verify_keys_apex(const dv_zone_t *z, const dv_verify_opts_t *o, dv_findings_t *out)
{
	dv_keyset_t ks;
	int ret = verify_zone_keyset(z, &ks);
	if (ret == DV_OK)
		ret = check_dnskeys(z, &ks, out);
	if (ret == DV_OK && o->ds != NULL)
		ret = check_anchors(z, &ks, o->ds, out);
	dv_keyset_clear(&ks);
	return ret;
}

int dv_check_keys(const dv_zone_t *z, const dv_verify_opts_t *o, dv_findings_t *out)
{
	int ret = verify_keys_apex(z, o, out);
	if (ret == DV_OK)
		ret = check_zone_ds(z, out);
	return ret;
}
