/*
 * Live checks: the signatures of one RRset from one server, judged by the one
 * RRSIG check (src/dnssec) with the keys the caller trusts; findings for
 * the broken ones and for expiry within the thresholds.
 */
#include <stdio.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/live_int.h"
#include "core/error.h"

/* The key set of a DNSKEY RRset (NULL: none); its keys are parsed once per
 * run, in the cache. */
int live_keyset(live_ctx_t *c, const live_rrset_t *keys, dv_keyset_t *ks)
{
	int r = dv_keyset_build(ks, c->cache, keys ? keys->rd : NULL, keys ? keys->rdlen : NULL,
	                        keys ? keys->n : 0);
	if (r != DV_OK) {
		dv_keyset_clear(ks);
		c->err = r;
	}
	return r;
}

/* The one RRSIG check (src/dnssec) on signature i of set, for data of `zone`. */
dv_sig_verdict_t live_judge(live_ctx_t *c, const live_rrset_t *set, size_t i, const uint8_t *zone,
                            const dv_keyset_t *ks, dv_rrsig_t *sig)
{
	if (dv_rrsig_parse(set->sig[i], set->siglen[i], sig) != DV_OK)
		return DV_SIG_MALFORMED;
	dv_rrset_view_t view = {.owner = set->owner,
	                        .type = set->type,
	                        .rdata = set->rd,
	                        .rdlen = set->rdlen,
	                        .n = set->n};
	dv_sig_verdict_t v = dv_sig_judge(c->cache, &view, sig, ks, zone, c->opts->now, NULL);
	if (v == DV_SIG_ERROR)
		c->err = DV_ENOMEM;
	return v;
}

/* The count of signatures judged, by what a validator would make of them. */
static void count(dv_live_result_t *res, dv_sig_verdict_t r)
{
	res->sigs_checked++;
	switch (r) {
	case DV_SIG_VALID:
		res->sigs_valid++;
		break;
	case DV_SIG_EXPIRED:
		res->sigs_expired++;
		break;
	case DV_SIG_NOT_YET_VALID:
		res->sigs_not_yet_valid++;
		break;
	default:
		res->sigs_failed++;
		break;
	}
}

/*
 * Check every RRSIG of `set` (from `server`, data of zone `zi`) against
 * `keys`, emitting findings for the broken ones and the expiry thresholds.
 */
live_sig_summary_t live_validate(live_ctx_t *c, uint32_t zi, long server, const live_rrset_t *set,
                                 const live_rrset_t *keys, bool want_sigs)
{
	live_sig_summary_t v = {0};
	const uint8_t *zone = c->snap->zones[zi].dname;
	dv_live_zone_t *zr = &c->res->zones[zi];
	char ts[32];
	if (set == NULL)
		return v;
	v.any_sig = set->nsig > 0;
	if (set->nsig == 0) {
		if (want_sigs)
			dv_findings_add(&c->raw, DV_F_RRSIG_MISSING,
			                &(dv_evidence_t){.zone = c->snap->zones[zi].dname,
			                                 .server = live_srv_addr(c, server),
			                                 .owner = set->owner,
			                                 .type = set->type},
			                "served without RRSIG");
		return v;
	}
	uint32_t algs_signed[8] = {0};
	dv_keyset_t ks;
	if (live_keyset(c, keys, &ks) != DV_OK)
		return v;
	dv_rrsig_t revoked = {0}; /* a signature that verifies only with a revoked key */
	bool any_verifies = false;
	for (uint16_t i = 0; i < set->nsig; i++) {
		dv_rrsig_t sig;
		dv_sig_verdict_t r = live_judge(c, set, i, zone, &ks, &sig);
		any_verifies |= dv_sig_verifies(r);
		count(c->res, r);
		int64_t inc, exp;
		dv_rrsig_window(&sig, c->opts->now, &inc, &exp);
		if (sig.rdata != NULL)
			algs_signed[sig.algorithm >> 5] |= 1u << (sig.algorithm & 31);
		/* The evidence; the time is the one the verdict is about. */
		dv_evidence_t ev = {.zone = zone,
		                    .server = live_srv_addr(c, server),
		                    .owner = set->owner,
		                    .type = set->type,
		                    .has_keytag = true,
		                    .keytag = sig.key_tag,
		                    .algorithm = sig.algorithm};
		if (r == DV_SIG_VALID || r == DV_SIG_EXPIRED) {
			ev.time = exp;
			ev.seconds_left = exp - c->opts->now;
		} else if (r == DV_SIG_NOT_YET_VALID) {
			ev.time = inc;
		}
		char ts2[32];
		if ((r == DV_SIG_VALID || r == DV_SIG_EXPIRED) &&
		    (!zr->have_signed_until || exp < zr->signed_until)) {
			zr->have_signed_until = true;
			zr->signed_until = exp;
		}
		switch (r) {
		case DV_SIG_VALID: {
			v.valid = true;
			if (exp > v.best_exp)
				v.best_exp = exp;
			if (!zr->have_expiry || exp < zr->earliest_expiry) {
				zr->have_expiry = true;
				zr->earliest_expiry = exp;
			}
			dv_live_server_t *ls = live_server_result(zr, server);
			if (ls != NULL && (!ls->have_expiry || exp < ls->earliest_expiry)) {
				ls->have_expiry = true;
				ls->earliest_expiry = exp;
			}
			int64_t left = exp - c->opts->now;
			dv_code_t code = DV_F_COUNT;
			/* The thresholds are the operator's, for the zones asked
			 * about; a zone above them is judged by validity alone. */
			if (!zr->requested && left < c->opts->warn_secs)
				code = DV_F_ANCESTOR_EXPIRES_SOON;
			else if (left < c->opts->crit_secs)
				code = DV_F_RRSIG_EXPIRES_CRITICAL;
			else if (left < c->opts->warn_secs)
				code = DV_F_RRSIG_EXPIRES_SOON;
			if (code != DV_F_COUNT) {
				dv_time_format(exp, ts, sizeof(ts));
				dv_findings_add(&c->raw, code, &ev, "expires %s (%lld days left)",
				                ts, (long long)(left / 86400));
			}
			break;
		}
		case DV_SIG_WINDOW_INVERTED:
			/* RFC 4034 §3.1.5: such a window never opens. */
			dv_time_format(inc, ts, sizeof(ts));
			dv_time_format(exp, ts2, sizeof(ts2));
			dv_findings_add(&c->raw, DV_F_RRSIG_WINDOW_INVERTED, &ev,
			                "inception %s, expiration %s", ts, ts2);
			break;
		case DV_SIG_NOT_YET_VALID:
			dv_time_format(inc, ts, sizeof(ts));
			dv_findings_add(&c->raw, DV_F_RRSIG_NOT_YET_VALID, &ev, "valid from %s",
			                ts);
			break;
		case DV_SIG_EXPIRED:
			dv_time_format(exp, ts, sizeof(ts));
			dv_findings_add(&c->raw, DV_F_RRSIG_EXPIRED, &ev, "expired %s", ts);
			break;
		case DV_SIG_BAD:
			dv_findings_add(&c->raw, DV_F_RRSIG_INVALID, &ev,
			                "signature does not verify with key %u", sig.key_tag);
			break;
		case DV_SIG_NO_KEY:
			dv_findings_add(&c->raw, DV_F_RRSIG_NO_DNSKEY, &ev,
			                "no DNSKEY with tag %u, algorithm %u", sig.key_tag,
			                sig.algorithm);
			break;
		case DV_SIG_UNSUPPORTED:
			dv_findings_add(&c->raw, DV_F_RRSIG_UNSUPPORTED_ALGORITHM, &ev,
			                "algorithm %u", sig.algorithm);
			break;
		case DV_SIG_MALFORMED:
			dv_findings_add(&c->raw, DV_F_RRSIG_INVALID, &ev,
			                "RRSIG malformed, or its signer/labels do not fit");
			break;
		case DV_SIG_REVOKED_KEY:
			revoked = sig; /* reported below, unless another signature counts */
			break;
		case DV_SIG_ERROR:
			break;
		}
	}
	/* RFC 5011 §2.1: signatures by revoked keys do not count; with nothing
	 * else, the RRset is unsigned to a validator. */
	if (!any_verifies && revoked.rdata != NULL)
		dv_findings_add(&c->raw, DV_F_RRSIG_REVOKED_KEY,
		                &(dv_evidence_t){.zone = zone,
		                                 .server = live_srv_addr(c, server),
		                                 .owner = set->owner,
		                                 .type = set->type,
		                                 .has_keytag = true,
		                                 .keytag = revoked.key_tag,
		                                 .algorithm = revoked.algorithm},
		                "only key %u signs it, and it is revoked (RFC 5011 §2.1)",
		                revoked.key_tag);
	dv_keyset_clear(&ks);
	/* RFC 4035 §2.2: every algorithm of the apex DNSKEY RRset signs every RRset. */
	for (uint16_t k = 0; keys != NULL && k < keys->n; k++) {
		dv_dnskey_t dk;
		if (dv_dnskey_parse(keys->rd[k], keys->rdlen[k], &dk) != DV_OK ||
		    !(dk.flags & DV_DNSKEY_FLAG_ZONE) || (dk.flags & DV_DNSKEY_FLAG_REVOKE))
			continue;
		uint8_t a = dk.algorithm;
		if (!(algs_signed[a >> 5] & (1u << (a & 31)))) {
			dv_findings_add(&c->raw, DV_F_RRSIG_ALGORITHM_MISSING,
			                &(dv_evidence_t){.zone = c->snap->zones[zi].dname,
			                                 .server = live_srv_addr(c, server),
			                                 .owner = set->owner,
			                                 .type = set->type,
			                                 .algorithm = a},
			                "no RRSIG of algorithm %u (%s)", a, dv_alg_name(a));
			algs_signed[a >> 5] |= 1u << (a & 31);
		}
	}
	/* A cache may keep the RRset longer than its signature lives (RFC 4035 §5.3.3). */
	if (v.valid && (set->type == KNOT_RRTYPE_DNSKEY || set->type == KNOT_RRTYPE_DS) &&
	    (int64_t)set->ttl > v.best_exp - c->opts->now) {
		dv_findings_add(&c->raw, DV_F_TTL_EXCEEDS_VALIDITY,
		                &(dv_evidence_t){.zone = zone,
		                                 .server = live_srv_addr(c, server),
		                                 .owner = set->owner,
		                                 .type = set->type,
		                                 .time = v.best_exp},
		                "TTL %u s, signature valid %lld s more", set->ttl,
		                (long long)(v.best_exp - c->opts->now));
	}
	return v;
}
