/*
 * Live checks: the chain of trust (RFC 4035 §5).  For each parent answer the
 * DS (or the trust anchor) must designate a DNSKEY that signs the DNSKEY
 * RRset on some server; the apex RRsets must validate with those keys.
 */
#include <stdio.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/live_int.h"
#include "core/error.h"

static bool ds_supported(const uint8_t *rd, uint16_t len)
{
	dv_ds_t ds;
	return dv_ds_parse(rd, len, &ds) == DV_OK && dv_alg_supported(ds.algorithm) &&
	       (ds.digest_type == DV_DIGEST_SHA1 || ds.digest_type == DV_DIGEST_SHA256 ||
	        ds.digest_type == DV_DIGEST_SHA384);
}

/* Whether a DS (or, for a DNSKEY trust anchor, a DNSKEY) designates the key. */
static bool anchor_matches(const uint8_t *zone, const live_rrset_t *ds, uint16_t i,
                           const uint8_t *key, uint16_t klen)
{
	if (ds->type == KNOT_RRTYPE_DNSKEY)
		return ds->rdlen[i] == klen && memcmp(ds->rd[i], key, klen) == 0;
	return dv_ds_matches(zone, ds->rd[i], ds->rdlen[i], key, klen);
}

static bool anchor_supported(const live_rrset_t *ds, uint16_t i)
{
	dv_dnskey_t dk;
	if (ds->type == KNOT_RRTYPE_DNSKEY)
		return dv_dnskey_parse(ds->rd[i], ds->rdlen[i], &dk) == DV_OK &&
		       dv_alg_supported(dk.algorithm);
	return ds_supported(ds->rd[i], ds->rdlen[i]);
}

/* RFC 4035 §5.2: a DS (secure entry point) must authenticate the DNSKEY RRset. */
static dv_chain_status_t eval_ds(live_ctx_t *c, live_zone_ctx_t *zc, live_child_server_t *cs,
                                 const live_ds_answer_t *v, char *why, size_t wl)
{
	const uint8_t *zone = zc->z->dname;
	const live_rrset_t *ds = v->ds;
	bool any_supported = false;
	for (uint16_t i = 0; i < ds->n; i++)
		if (anchor_supported(ds, i))
			any_supported = true;
	if (!any_supported) {
		snprintf(why, wl, "no DS uses a supported algorithm and digest");
		return DV_CHAIN_INSECURE;
	}
	const live_rrset_t *keys = cs->keys;
	if (keys == NULL || keys->n == 0) {
		snprintf(why, wl, "server %s serves no DNSKEY RRset", live_srv_name(c, cs->server));
		for (uint16_t i = 0; i < ds->n; i++) {
			int32_t tag;
			uint8_t alg;
			live_key_of(ds->type, ds->rd[i], ds->rdlen[i], &tag, &alg);
			dv_findings_add(&c->raw, DV_F_DS_NO_MATCHING_DNSKEY,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = live_srv_addr(c, cs->server),
			                                 .owner = zone,
			                                 .type = KNOT_RRTYPE_DS,
			                                 .has_keytag = tag >= 0,
			                                 .keytag = (uint16_t)tag,
			                                 .algorithm = alg},
			                "the server has no DNSKEY RRset");
		}
		return DV_CHAIN_BOGUS;
	}
	live_rrset_t *matched = live_rrset_new(c, zone, KNOT_RRTYPE_DNSKEY, keys->n);
	if (matched == NULL)
		return DV_CHAIN_INDETERMINATE;
	for (uint16_t i = 0; i < ds->n; i++) {
		if (!anchor_supported(ds, i))
			continue;
		bool hit = false;
		for (uint16_t k = 0; k < keys->n; k++) {
			if (anchor_matches(zone, ds, i, keys->rd[k], keys->rdlen[k])) {
				hit = true;
				if (!live_rrset_has(matched, keys->rd[k], keys->rdlen[k])) {
					matched->rd[matched->n] = keys->rd[k];
					matched->rdlen[matched->n++] = keys->rdlen[k];
				}
			}
		}
		if (!hit) {
			int32_t tag;
			uint8_t alg;
			live_key_of(ds->type, ds->rd[i], ds->rdlen[i], &tag, &alg);
			/* The root's "DS" is our trust anchor file: our side to update,
			 * not a registrar's. */
			dv_findings_add(&c->raw,
			                zc->z->parent < 0 ? DV_F_TRUST_ANCHOR_STALE
			                                  : DV_F_DS_NO_MATCHING_DNSKEY,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = live_srv_addr(c, cs->server),
			                                 .owner = zone,
			                                 .type = ds->type,
			                                 .has_keytag = tag >= 0,
			                                 .keytag = (uint16_t)tag,
			                                 .algorithm = alg},
			                "%s %d (algorithm %u) matches no DNSKEY",
			                ds->type == KNOT_RRTYPE_DS ? "DS" : "trust anchor key", tag,
			                alg);
		}
	}
	if (matched->n == 0) {
		snprintf(why, wl, "no DNSKEY on %s matches the %s", live_srv_name(c, cs->server),
		         ds->type == KNOT_RRTYPE_DS ? "DS RRset" : "trust anchor");
		return DV_CHAIN_BOGUS;
	}
	bool signed_by_sep = false, sep_sig_present = false;
	dv_keyset_t ks;
	if (live_keyset(c, matched, &ks) != DV_OK)
		return DV_CHAIN_INDETERMINATE;
	for (uint16_t i = 0; i < keys->nsig; i++) {
		dv_rrsig_t sig;
		dv_sig_verdict_t r = live_judge(c, keys, i, zone, &ks, &sig);
		if (r == DV_SIG_VALID)
			signed_by_sep = true;
		else if (dv_sig_verifies(r))
			sep_sig_present = true;
	}
	dv_keyset_clear(&ks);
	if (!signed_by_sep) {
		if (!sep_sig_present) {
			int32_t tag;
			uint8_t alg;
			live_key_of(KNOT_RRTYPE_DNSKEY, matched->rd[0], matched->rdlen[0], &tag,
			            &alg);
			dv_findings_add(&c->raw, DV_F_DNSKEY_NOT_SIGNED_BY_DS_KEY,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = live_srv_addr(c, cs->server),
			                                 .owner = zone,
			                                 .type = KNOT_RRTYPE_DNSKEY,
			                                 .has_keytag = tag >= 0,
			                                 .keytag = (uint16_t)tag,
			                                 .algorithm = alg},
			                "no valid RRSIG by a DS-matched key");
		}
		snprintf(why, wl, "the DNSKEY RRset on %s has no valid signature by a %s key%s",
		         live_srv_name(c, cs->server),
		         ds->type == KNOT_RRTYPE_DS ? "DS-matched" : "trust-anchor",
		         sep_sig_present ? " (it expired or is not yet valid)" : "");
		return DV_CHAIN_BOGUS;
	}
	return DV_CHAIN_SECURE;
}

static void set_status(dv_live_zone_t *zr, dv_chain_status_t st, const char *why)
{
	if (st > zr->status ||
	    (zr->reason[0] == '\0' && st == zr->status && st != DV_CHAIN_SECURE)) {
		if (st > zr->status || zr->reason[0] == '\0')
			snprintf(zr->reason, sizeof(zr->reason), "%s", why);
		zr->status = st;
	}
}

void live_eval_chain(live_ctx_t *c, live_zone_ctx_t *zc)
{
	dv_live_zone_t *zr = zc->zr;
	const dv_snap_zone_t *z = zc->z;
	const uint8_t *zone = z->dname;
	zr->status = DV_CHAIN_SECURE;
	zr->reason[0] = '\0';
	for (size_t s = 0; s < zc->nchild; s++) {
		live_child_server_t *cs = &zc->child[s];
		const live_msg_t *m = live_msg_of(c, cs->dnskey);
		if (cs->answering && m != NULL && m->rcode == KNOT_RCODE_NOERROR)
			cs->keys = live_msg_find(m, LIVE_SEC_ANSWER, zone, KNOT_RRTYPE_DNSKEY);
		if (cs->keys != NULL && cs->keys->n > 0)
			zr->signed_zone = true;
	}
	if (z->parent >= 0) {
		const dv_live_zone_t *pr = &c->res->zones[z->parent];
		if (pr->status != DV_CHAIN_SECURE) {
			char why[256];
			snprintf(why, sizeof(why), "the parent zone %s is %s",
			         c->snap->zones[z->parent].name, dv_chain_status_name(pr->status));
			set_status(zr, pr->status, why);
			return;
		}
	}
	if (zr->answering == 0) {
		set_status(zr, DV_CHAIN_INDETERMINATE, "no server of the zone answered");
		return;
	}
	if (zc->nds_answers == 0 ||
	    (zc->nds_answers == 1 && zc->ds_answers[0].kind == DS_ANSWER_NONE)) {
		set_status(zr, z->parent < 0 ? DV_CHAIN_INSECURE : DV_CHAIN_INDETERMINATE,
		           z->parent < 0 ? "no trust anchor for the root"
		                         : "no parent server answered the DS query");
		return;
	}
	/* For each parent server's DS answer, the zone is as good as its best
	 * child server: validators retry another server on bogus data (the
	 * broken servers are findings of their own).  Across the parent's
	 * answers, the worst counts: a resolver cannot choose its DS. */
	bool any_nods = false;
	for (size_t p = 0; p < zc->nds_answers; p++) {
		const live_ds_answer_t *v = &zc->ds_answers[p];
		if (v->kind == DS_ANSWER_BOGUS) {
			set_status(zr, DV_CHAIN_BOGUS, v->why);
			continue;
		}
		if (v->kind == DS_ANSWER_NO_DS) {
			any_nods = true;
			char why[256];
			snprintf(why, sizeof(why), "the parent proves there is no DS%s%s",
			         v->server != UINT32_MAX ? " (" : "",
			         v->server != UINT32_MAX ? live_srv_name(c, v->server) : "");
			if (v->server != UINT32_MAX)
				snprintf(why + strlen(why), sizeof(why) - strlen(why), ")");
			set_status(zr, DV_CHAIN_INSECURE, why);
			continue;
		}
		if (v->kind != DS_ANSWER_DS)
			continue;
		dv_chain_status_t best = DV_CHAIN_BOGUS;
		char first_why[256] = "";
		bool any = false;
		for (size_t s = 0; s < zc->nchild; s++) {
			live_child_server_t *cs = &zc->child[s];
			if (!cs->answering)
				continue;
			char why[256] = "";
			dv_chain_status_t st = eval_ds(c, zc, cs, v, why, sizeof(why));
			any = true;
			if (st == DV_CHAIN_SECURE)
				cs->keys_trusted = true;
			if (st < best)
				best = st;
			if (st != DV_CHAIN_SECURE && first_why[0] == '\0')
				snprintf(first_why, sizeof(first_why), "%s", why);
		}
		if (any)
			set_status(zr, best, first_why);
	}
	if (any_nods && zr->signed_zone && zr->status == DV_CHAIN_INSECURE)
		dv_findings_add(&c->raw, DV_F_ISLAND_OF_SECURITY,
		                &(dv_evidence_t){.zone = zc->z->dname,
		                                 .owner = zone,
		                                 .type = KNOT_RRTYPE_DNSKEY},
		                "the zone serves DNSKEYs but its parent has no DS for it");
}

/* Signatures of the apex RRsets each server serves, with its own DNSKEYs. */
void live_check_apex_sigs(live_ctx_t *c, live_zone_ctx_t *zc)
{
	const uint8_t *zone = zc->z->dname;
	bool expect = zc->zr->status == DV_CHAIN_SECURE || zc->zr->status == DV_CHAIN_BOGUS;
	char why[256] = "";
	/* A DS at the parent says the zone is signed, whatever the servers serve. */
	bool has_ds = false;
	for (size_t p = 0; p < zc->nds_answers; p++)
		has_ds |= zc->ds_answers[p].kind == DS_ANSWER_DS;
	if (!expect || (!zc->zr->signed_zone && !has_ds))
		return;
	for (size_t s = 0; s < zc->nchild; s++) {
		live_child_server_t *cs = &zc->child[s];
		if (!cs->answering)
			continue;
		if (!cs->any_sigs || cs->keys == NULL) {
			/* One finding says it all; no RRSIG_MISSING per RRset. */
			dv_findings_add(&c->raw, DV_F_SERVER_NO_DNSSEC,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = live_srv_addr(c, cs->server),
			                                 .owner = zone},
			                "%s",
			                cs->keys == NULL ? "no DNSKEY RRset and no RRSIGs served"
			                                 : "no RRSIGs in answers with DO");
			continue;
		}
		struct {
			long q;
			uint16_t t;
		} apex[] = {{cs->dnskey, KNOT_RRTYPE_DNSKEY},
		            {cs->soa, KNOT_RRTYPE_SOA},
		            {cs->ns, KNOT_RRTYPE_NS}};
		for (size_t k = 0; k < sizeof(apex) / sizeof(apex[0]); k++) {
			const live_msg_t *m = live_msg_of(c, apex[k].q);
			const live_rrset_t *set =
			    live_msg_find(m, LIVE_SEC_ANSWER, zone, apex[k].t);
			if (set == NULL)
				continue;
			live_sig_summary_t r =
			    live_validate(c, zc->zi, cs->server, set, cs->keys, true);
			if (!r.valid && cs->keys_trusted) {
				char t[16];
				live_type_str(apex[k].t, t, sizeof(t));
				snprintf(why, sizeof(why),
				         "the %s RRset on %s has no valid signature", t,
				         live_srv_name(c, cs->server));
				cs->keys_trusted = false;
			}
		}
	}
	/* Bogus when no server is left whose apex data validates. */
	bool any = false;
	for (size_t s = 0; s < zc->nchild; s++)
		any |= zc->child[s].keys_trusted;
	if (zc->zr->status == DV_CHAIN_SECURE && !any)
		set_status(zc->zr, DV_CHAIN_BOGUS,
		           why[0] ? why : "no server serves validating data");
}

bool live_anchor_matches(const live_zone_ctx_t *zc)
{
	bool any_keys = false;
	for (size_t p = 0; p < zc->nds_answers; p++) {
		const live_ds_answer_t *v = &zc->ds_answers[p];
		if (v->kind != DS_ANSWER_DS || v->ds == NULL)
			continue;
		for (size_t s = 0; s < zc->nchild; s++) {
			const live_rrset_t *keys = zc->child[s].keys;
			for (uint16_t k = 0; keys != NULL && k < keys->n; k++) {
				any_keys = true;
				for (uint16_t i = 0; i < v->ds->n; i++)
					if (anchor_matches(zc->z->dname, v->ds, i, keys->rd[k],
					                   keys->rdlen[k]))
						return true;
			}
		}
	}
	/* No key served at all is another failure (the servers', reported
	 * as such), not the anchor's. */
	return !any_keys;
}
