/*
 * Live checks: the parent side of a zone — each parent server's DS answer
 * (validated with the parent's keys, or the proof that there is none),
 * agreement between parent servers, DS digests (RFC 8624 §3.3), the zone's
 * algorithms (§3.1) and its CDS/CDNSKEY (RFC 7344, RFC 8078).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/live_int.h"
#include "core/error.h"

/* Parent side: each parent server's DS answer, judged with the parent's keys. */
void live_collect_parent(live_ctx_t *c, live_zone_ctx_t *zc)
{
	const dv_snap_zone_t *z = zc->z;
	const uint8_t *zone = z->dname;
	if (z->parent < 0) {
		/* The root: the trust anchor plays the parent's DS. */
		zc->ds_answers = dv_arena_alloc(&c->arena, sizeof(*zc->ds_answers));
		if (zc->ds_answers == NULL) {
			c->err = DV_ENOMEM;
			return;
		}
		memset(zc->ds_answers, 0, sizeof(*zc->ds_answers));
		zc->nds_answers = 1;
		live_rrset_t *ds = live_rrset_new(c, zone, KNOT_RRTYPE_DS, c->snap->nanchors);
		live_rrset_t *dk = live_rrset_new(c, zone, KNOT_RRTYPE_DNSKEY, c->snap->nanchors);
		if (ds == NULL || dk == NULL)
			return;
		for (size_t i = 0; i < c->snap->nanchors; i++) {
			const dv_snap_anchor_t *a = &c->snap->anchors[i];
			if (!knot_dname_is_case_equal(a->owner, zone))
				continue;
			live_rrset_t *t = a->type == KNOT_RRTYPE_DS ? ds : dk;
			t->rd[t->n] = a->rdata;
			t->rdlen[t->n++] = a->rdlen;
		}
		if (ds->n + dk->n == 0) {
			zc->ds_answers[0].kind = DS_ANSWER_NONE;
			return;
		}
		zc->ds_answers[0].kind = DS_ANSWER_DS;
		zc->ds_answers[0].ds =
		    ds->n > 0 ? ds : dk; /* a DNSKEY anchor is matched by equality */
		zc->ds_answers[0].server = UINT32_MAX;
		return;
	}
	const dv_snap_zone_t *pz = &c->snap->zones[z->parent];
	const dv_live_zone_t *pr = &c->res->zones[z->parent];
	const live_zone_keys_t *ps = &c->zone_keys[z->parent];
	zc->ds_answers =
	    dv_arena_alloc(&c->arena, (pz->nservers ? pz->nservers : 1) * sizeof(*zc->ds_answers));
	if (zc->ds_answers == NULL) {
		c->err = DV_ENOMEM;
		return;
	}
	for (size_t s = 0; s < pz->nservers; s++) {
		long q = -1;
		for (size_t i = 0; i < zc->nqueries; i++) {
			const dv_snap_query_t *qq = &c->snap->queries[zc->queries[i]];
			if (qq->side == DV_SIDE_PARENT && qq->server == pz->servers[s] &&
			    qq->qtype == KNOT_RRTYPE_DS) {
				q = zc->queries[i];
				break;
			}
		}
		const live_msg_t *m = live_msg_of(c, q);
		if (m == NULL ||
		    (m->rcode != KNOT_RCODE_NOERROR && m->rcode != KNOT_RCODE_NXDOMAIN))
			continue; /* unreachable or refusing: reported in the parent's checks */
		live_ds_answer_t *v = &zc->ds_answers[zc->nds_answers++];
		memset(v, 0, sizeof(*v));
		v->server = pz->servers[s];
		const live_rrset_t *ds = live_msg_find(m, LIVE_SEC_ANSWER, zone, KNOT_RRTYPE_DS);
		bool psecure = pr->status == DV_CHAIN_SECURE && ps->have_keys;
		if (m->rcode == KNOT_RCODE_NXDOMAIN) {
			v->kind = DS_ANSWER_BOGUS;
			snprintf(v->why, sizeof(v->why),
			         "parent server %s says the zone does not exist",
			         live_srv_name(c, v->server));
			continue;
		}
		if (ds != NULL && ds->n > 0) {
			v->kind = DS_ANSWER_DS;
			v->ds = ds;
			if (psecure) {
				live_sig_summary_t r = live_validate(
				    c, (uint32_t)z->parent, v->server, ds, &ps->keys, true);
				if (!r.valid) {
					v->kind = DS_ANSWER_BOGUS;
					snprintf(v->why, sizeof(v->why),
					         "the DS RRset from %s has no valid signature",
					         live_srv_name(c, v->server));
				}
			}
			continue;
		}
		v->kind = DS_ANSWER_NO_DS;
		if (!psecure)
			continue;
		/* RFC 4035 §5.2: an insecure delegation is proven by NSEC/NSEC3. */
		const live_rrset_t *used[4];
		size_t nused = 0;
		unsigned it = 0;
		char why[160];
		live_denial_t proof =
		    live_denial_proves(m, pz->dname, zone, KNOT_RRTYPE_DS, false, used, &nused,
		                       &c->nsec3_rounds, &it, why, sizeof(why));
		if (proof == LIVE_DENIAL_UNCHECKED) {
			dv_evidence_t pev = {.zone = c->snap->zones[(uint32_t)z->parent].dname,
			                     .server = live_srv_addr(c, v->server),
			                     .owner = zone,
			                     .type = KNOT_RRTYPE_DS};
			if (it > DV_NSEC3_MAX_ITERATIONS) {
				/* RFC 9276 §3.2: to validators the delegation is insecure. */
				pev.type = KNOT_RRTYPE_NSEC3;
				dv_findings_add(
				    &c->raw, DV_F_NSEC3_ITERATIONS_INSECURE, &pev,
				    "%u additional iterations in the proof that there is no "
				    "DS: validators treat the delegation as insecure",
				    it);
			} else {
				v->kind = DS_ANSWER_NONE;
				dv_findings_add(&c->raw, DV_F_CHECK_INCOMPLETE, &pev,
				                "proof that there is no DS %s", why);
			}
			continue;
		}
		bool ok = proof == LIVE_DENIAL_PROVEN;
		for (size_t u = 0; ok && u < nused; u++)
			if (!live_validate(c, (uint32_t)z->parent, v->server, used[u], &ps->keys,
			                   true)
			         .valid) {
				ok = false;
				snprintf(why, sizeof(why),
				         "the proof's records have no valid signature");
			}
		if (!ok) {
			v->kind = DS_ANSWER_BOGUS;
			snprintf(v->why, sizeof(v->why),
			         "no valid proof that the DS is absent (%.100s)", why);
			dv_findings_add(
			    &c->raw, DV_F_DENIAL_PROOF_INVALID,
			    &(dv_evidence_t){.zone = c->snap->zones[(uint32_t)z->parent].dname,
			                     .server = live_srv_addr(c, v->server),
			                     .owner = zone,
			                     .type = KNOT_RRTYPE_DS},
			    "NODATA for DS: %s", why);
		}
	}
}

void live_check_parent_ds(live_ctx_t *c, live_zone_ctx_t *zc)
{
	/* Parent servers that disagree with the majority DS answer. */
	size_t best = 0, best_n = 0;
	for (size_t a = 0; a < zc->nds_answers; a++) {
		size_t n = 0;
		for (size_t b = 0; b < zc->nds_answers; b++)
			if (zc->ds_answers[a].kind == zc->ds_answers[b].kind &&
			    live_rrset_equal(zc->ds_answers[a].ds, zc->ds_answers[b].ds))
				n++;
		if (n > best_n) {
			best_n = n;
			best = a;
		}
	}
	for (size_t b = 0; b < zc->nds_answers && zc->zi != 0 && zc->z->parent >= 0; b++) {
		const live_ds_answer_t *x = &zc->ds_answers[best], *y = &zc->ds_answers[b];
		if ((x->kind == DS_ANSWER_DS || x->kind == DS_ANSWER_NO_DS) &&
		    (y->kind == DS_ANSWER_DS || y->kind == DS_ANSWER_NO_DS) &&
		    !(x->kind == y->kind && live_rrset_equal(x->ds, y->ds)))
			dv_findings_add(&c->raw, DV_F_PARENT_DS_DIFFER,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = live_srv_addr(c, y->server),
			                                 .owner = zc->z->dname,
			                                 .type = KNOT_RRTYPE_DS},
			                "serves another DS RRset (%u records) than %s (%u records)",
			                y->ds ? y->ds->n : 0, live_srv_name(c, x->server),
			                x->ds ? x->ds->n : 0);
	}
	/* RFC 8624 §3.3 digest policy. */
	for (size_t p = 0; p < zc->nds_answers; p++) {
		const live_rrset_t *ds = zc->ds_answers[p].ds;
		if (zc->ds_answers[p].kind != DS_ANSWER_DS || ds == NULL ||
		    ds->type != KNOT_RRTYPE_DS)
			continue;
		for (uint16_t i = 0; i < ds->n; i++) {
			dv_ds_t d;
			if (dv_ds_parse(ds->rd[i], ds->rdlen[i], &d) != DV_OK)
				continue;
			dv_policy_t pol = dv_digest_policy(d.digest_type);
			int32_t tag = d.key_tag;
			if (pol == DV_POLICY_MUST_NOT)
				dv_findings_add(&c->raw, DV_F_DS_DIGEST_DEPRECATED,
				                &(dv_evidence_t){.zone = zc->z->dname,
				                                 .owner = zc->z->dname,
				                                 .type = KNOT_RRTYPE_DS,
				                                 .has_keytag = tag >= 0,
				                                 .keytag = (uint16_t)tag,
				                                 .algorithm = d.algorithm},
				                "digest type %u", d.digest_type);
			else if (pol == DV_POLICY_UNKNOWN)
				dv_findings_add(&c->raw, DV_F_DS_DIGEST_UNKNOWN,
				                &(dv_evidence_t){.zone = zc->z->dname,
				                                 .owner = zc->z->dname,
				                                 .type = KNOT_RRTYPE_DS,
				                                 .has_keytag = tag >= 0,
				                                 .keytag = (uint16_t)tag,
				                                 .algorithm = d.algorithm},
				                "digest type %u", d.digest_type);
		}
	}
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* KeyTrap: more zone keys of one tag and algorithm than a signature's
 * check tries (dnssec.h); and RSA keys no validator accepts. */
static void check_key_costs(live_ctx_t *c, live_zone_ctx_t *zc, const live_child_server_t *cs)
{
	const live_rrset_t *k = cs->keys;
	uint32_t *tags = dv_arena_alloc(&c->arena, (k->n ? k->n : 1) * sizeof(*tags));
	if (tags == NULL) {
		c->err = DV_ENOMEM;
		return;
	}
	size_t n = 0;
	for (uint16_t i = 0; i < k->n; i++) {
		dv_dnskey_t dk;
		if (dv_dnskey_parse(k->rd[i], k->rdlen[i], &dk) != DV_OK)
			continue;
		unsigned eb = dv_rsa_exponent_bits(k->rd[i], k->rdlen[i]);
		if (eb > DV_RSA_MAX_EXPONENT_BITS)
			dv_findings_add(
			    &c->raw, DV_F_DNSKEY_RSA_EXPONENT,
			    &(dv_evidence_t){.zone = zc->z->dname,
			                     .server = live_srv_addr(c, cs->server),
			                     .owner = zc->z->dname,
			                     .type = KNOT_RRTYPE_DNSKEY,
			                     .has_keytag = true,
			                     .keytag = dk.key_tag,
			                     .algorithm = dk.algorithm},
			    "public exponent of %u bits; validators refuse more than %u "
			    "(BIND)",
			    eb, DV_RSA_MAX_EXPONENT_BITS);
		if (dk.protocol == 3 && (dk.flags & DV_DNSKEY_FLAG_ZONE))
			tags[n++] = (uint32_t)dk.key_tag << 8 | dk.algorithm;
	}
	qsort(tags, n, sizeof(*tags), u32_cmp);
	size_t best = 0, run = 0;
	uint32_t which = 0;
	for (size_t i = 0; i < n; i++) {
		run = i > 0 && tags[i] == tags[i - 1] ? run + 1 : 1;
		if (run > best) {
			best = run;
			which = tags[i];
		}
	}
	if (best > DV_SIG_KEYS_PER_TAG)
		dv_findings_add(&c->raw, DV_F_KEYTAG_COLLISION,
		                &(dv_evidence_t){.zone = zc->z->dname,
		                                 .server = live_srv_addr(c, cs->server),
		                                 .owner = zc->z->dname,
		                                 .type = KNOT_RRTYPE_DNSKEY,
		                                 .has_keytag = true,
		                                 .keytag = (uint16_t)(which >> 8),
		                                 .algorithm = (uint8_t)which},
		                "%zu keys share key tag %u and algorithm %u; %u are tried per "
		                "signature (PowerDNS Recursor tries 2)",
		                best, which >> 8, which & 0xff, DV_SIG_KEYS_PER_TAG);
}

void live_check_algorithms(live_ctx_t *c, live_zone_ctx_t *zc)
{
	for (size_t s = 0; s < zc->nchild; s++) {
		if (zc->child[s].keys != NULL)
			check_key_costs(c, zc, &zc->child[s]);
		const live_rrset_t *k = zc->child[s].keys;
		for (uint16_t i = 0; k != NULL && i < k->n; i++) {
			int32_t tag;
			uint8_t alg;
			live_key_of(KNOT_RRTYPE_DNSKEY, k->rd[i], k->rdlen[i], &tag, &alg);
			if (tag < 0)
				continue;
			dv_policy_t pol = dv_alg_policy(alg);
			dv_code_t code = pol == DV_POLICY_MUST_NOT ? DV_F_ALGORITHM_PROHIBITED
			                 : pol == DV_POLICY_NOT_RECOMMENDED
			                     ? DV_F_ALGORITHM_DEPRECATED
			                 : pol == DV_POLICY_UNKNOWN ? DV_F_ALGORITHM_UNKNOWN
			                                            : DV_F_COUNT;
			if (code != DV_F_COUNT)
				dv_findings_add(&c->raw, code,
				                &(dv_evidence_t){.zone = zc->z->dname,
				                                 .owner = zc->z->dname,
				                                 .type = KNOT_RRTYPE_DNSKEY,
				                                 .has_keytag = tag >= 0,
				                                 .keytag = (uint16_t)tag,
				                                 .algorithm = alg},
				                "algorithm %u (%s)", alg, dv_alg_name(alg));
		}
	}
}

static bool cds_delete(const live_rrset_t *s, uint16_t i)
{
	/* RFC 8078 §4: CDS "0 0 0 00", CDNSKEY "0 3 0 AA==". */
	static const uint8_t cds0[] = {0, 0, 0, 0, 0}, cdnskey0[] = {0, 0, 3, 0, 0};
	const uint8_t *want = s->type == KNOT_RRTYPE_CDS ? cds0 : cdnskey0;
	return s->rdlen[i] == 5 && memcmp(s->rd[i], want, 5) == 0;
}

void live_check_cds(live_ctx_t *c, live_zone_ctx_t *zc)
{
	const uint8_t *zone = zc->z->dname;
	for (size_t s = 0; s < zc->nchild; s++) {
		live_child_server_t *cs = &zc->child[s];
		if (!cs->answering)
			continue;
		const live_rrset_t *sets[] = {live_answer(c, zc, cs->cds, KNOT_RRTYPE_CDS),
		                              live_answer(c, zc, cs->cdnskey, KNOT_RRTYPE_CDNSKEY)};
		for (size_t k = 0; k < 2; k++) {
			const live_rrset_t *st = sets[k];
			if (st == NULL || st->n == 0)
				continue;
			for (uint16_t i = 0; i < st->n; i++) {
				if (cds_delete(st, i)) {
					dv_findings_add(
					    &c->raw, DV_F_CDS_DELETE,
					    &(dv_evidence_t){.zone = zc->z->dname,
					                     .server = live_srv_addr(c, cs->server),
					                     .owner = zone,
					                     .type = st->type},
					    "RFC 8078 delete form");
					continue;
				}
				bool hit = false;
				for (uint16_t j = 0; cs->keys != NULL && j < cs->keys->n; j++) {
					if (st->type == KNOT_RRTYPE_CDS
					        ? dv_ds_matches(zone, st->rd[i], st->rdlen[i],
					                        cs->keys->rd[j], cs->keys->rdlen[j])
					        : (st->rdlen[i] == cs->keys->rdlen[j] &&
					           memcmp(st->rd[i], cs->keys->rd[j],
					                  st->rdlen[i]) == 0))
						hit = true;
				}
				int32_t tag;
				uint8_t alg;
				live_key_of(st->type, st->rd[i], st->rdlen[i], &tag, &alg);
				if (!hit)
					dv_findings_add(
					    &c->raw, DV_F_CDS_NO_MATCHING_DNSKEY,
					    &(dv_evidence_t){.zone = zc->z->dname,
					                     .server = live_srv_addr(c, cs->server),
					                     .owner = zone,
					                     .type = st->type,
					                     .has_keytag = tag >= 0,
					                     .keytag = (uint16_t)tag},
					    "key tag %d", tag);
			}
			/* RFC 7344 §4.1: signed by a key of the DNSKEY RRset. */
			dv_keyset_t ks;
			if (cs->keys != NULL && live_keyset(c, cs->keys, &ks) == DV_OK) {
				bool ok = false;
				live_sigrun_t run;
				live_sigrun_begin(c, &run, zc->zi, cs->server, st);
				for (uint16_t i = 0; i < st->nsig; i++) {
					dv_rrsig_t sig;
					if (live_judge(c, &run, i, zone, &ks, &sig) == DV_SIG_VALID)
						ok = true;
				}
				dv_keyset_clear(&ks);
				if (live_sigrun_end(c, &run) > 0 && !ok)
					continue; /* not judged, and said so */
				if (!ok)
					dv_findings_add(
					    &c->raw, DV_F_CDS_UNSIGNED,
					    &(dv_evidence_t){.zone = zc->z->dname,
					                     .server = live_srv_addr(c, cs->server),
					                     .owner = zone,
					                     .type = st->type},
					    "%s", st->nsig ? "no valid RRSIG" : "no RRSIG");
			}
		}
	}
}
