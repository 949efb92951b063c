/*
 * dv_verify_zone: every offline check of a zone, in one call; and the same
 * run keeping what an incremental step needs (incremental.c).
 *
 * The findings come in families: the signature pass (per name), the DS
 * RRsets (per name), the NSEC chain (per name), the NSEC3 chain (per owner
 * and per name that may own one), and the findings of the zone as a whole
 * (apex keys, validity windows, ZONEMD, the denial kind, NSEC3
 * parameters).  A run that keeps its state keeps the per-name families
 * whole (up to VERIFY_KEEP_MAX findings of a code), so that a step can take
 * out exactly the findings of the names it re-checks.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>

#include "checks/checks.h"
#include "checks/verify_int.h"
#include "core/error.h"

typedef struct {
	const dv_zone_t *z;
	const dv_verify_opts_t *o;
	bool nsec, nsec3, keep;
	dv_findings_t whole; /* of the zone as a whole */
	dv_findings_t ds, nsecf, n3f;
	verify_nsec3_t *n3state;
	int ret;
} others_t;

/* The checks other than signatures: cheap next to the cryptography, so they
 * run on their own thread while the signature workers keep the cores busy. */
static void *run_others(void *arg)
{
	others_t *t = arg;
	t->ret = verify_keys_apex(t->z, t->o, &t->whole);
	if (t->ret == DV_OK) {
		/* The DS RRsets of the zone, name by name. */
		for (size_t i = 0; i < t->z->rrset_count && t->ret == DV_OK; i++) {
			if (t->z->rrsets[i].type != KNOT_RRTYPE_DS)
				continue;
			uint32_t ni = t->z->rrsets[i].name;
			t->ret = verify_ds_names(t->z, &ni, 1, &t->ds);
		}
	}
	if (t->ret == DV_OK && !t->nsec && !t->nsec3)
		t->ret = dv_findings_add(&t->whole, DV_F_DENIAL_MISSING,
		                         &(dv_evidence_t){.owner = t->z->origin}, NULL);
	if (t->ret == DV_OK && t->nsec)
		t->ret = dv_check_nsec(t->z, &t->nsecf);
	if (t->ret == DV_OK && t->nsec3)
		t->ret =
		    verify_nsec3_full(t->z, t->o->threads, &t->n3f, t->keep ? &t->n3state : NULL);
	if (t->ret == DV_OK)
		t->ret = dv_check_zonemd(t->z, &t->whole);
	return NULL;
}

void verify_denial_kind(const dv_zone_t *z, bool *nsec, bool *nsec3)
{
	*nsec = *nsec3 = false;
	for (size_t i = 0; i < z->rrset_count; i++) {
		uint16_t ty = z->rrsets[i].type;
		*nsec |= ty == KNOT_RRTYPE_NSEC;
		*nsec3 |= ty == KNOT_RRTYPE_NSEC3 || ty == KNOT_RRTYPE_NSEC3PARAM;
	}
}

void verify_stats_base(const dv_zone_t *z, bool nsec, bool nsec3, dv_verify_stats_t *st)
{
	memset(st, 0, sizeof(*st));
	st->records = z->rr_count;
	st->rrsets = z->rrset_count;
	st->names = z->name_count;
	st->denial = nsec3 ? "nsec3" : (nsec ? "nsec" : "none");
	const dv_rrset_t *keys = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_DNSKEY);
	st->dnskeys = keys ? keys->rr_count : 0;
}

/* Whether a list kept for a state is whole. */
static bool whole(const dv_findings_t *l)
{
	return dv_findings_dropped(l) == 0;
}

int verify_zone_run(const dv_zone_t *z, const dv_verify_opts_t *o, dv_verify_stats_t *st,
                    dv_findings_t *out, dv_verify_state_t **keep)
{
	others_t t = {.z = z, .o = o, .keep = keep != NULL};
	dv_findings_t sigf = {0}, timef = {0};
	dv_verify_state_t *state = NULL;
	if (keep != NULL) {
		*keep = NULL;
		/* Lists kept for the state are whole (up to a ceiling). */
		sigf.limit = t.ds.limit = t.nsecf.limit = t.n3f.limit = VERIFY_KEEP_MAX;
	}
	verify_denial_kind(z, &t.nsec, &t.nsec3);
	verify_stats_base(z, t.nsec, t.nsec3, st);

	const dv_rrset_t *keys = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_DNSKEY);
	if (keys == NULL) {
		/* Nothing can be validated; per-RRset findings would only repeat this. */
		if (o->before_signatures != NULL)
			o->before_signatures(o->before_signatures_ctx);
		int ret = dv_findings_add(
		    out, DV_F_ZONE_UNSIGNED,
		    &(dv_evidence_t){.owner = z->origin, .type = KNOT_RRTYPE_DNSKEY}, NULL);
		/* RFC 8976 §1: ZONEMD protects unsigned zones too. */
		if (ret == DV_OK)
			ret = dv_check_zonemd(z, out);
		if (ret == DV_OK)
			dv_findings_sort(out);
		return ret;
	}
	int ret = DV_OK;
	if (keep != NULL && (state = calloc(1, sizeof(*state))) == NULL)
		return DV_ENOMEM;
	if (state != NULL && verify_marks_new(z->rr_count / 8, &state->marks) != DV_OK)
		ret = DV_ENOMEM;
	dv_keyset_t ks;
	if (ret == DV_OK)
		ret = verify_zone_keyset(z, &ks);
	else
		memset(&ks, 0, sizeof(ks));
	pthread_t tid;
	bool threaded =
	    ret == DV_OK && o->threads > 1 && pthread_create(&tid, NULL, run_others, &t) == 0;
	if (o->before_signatures != NULL)
		o->before_signatures(o->before_signatures_ctx);
	if (ret == DV_OK)
		ret = verify_sig_names(z, o, &ks, NULL, 0, NULL, state ? state->marks : NULL, st,
		                       &sigf);
	if (ret == DV_OK)
		ret = verify_sig_times(z, o, NULL, st, &timef);
	if (threaded)
		pthread_join(tid, NULL);
	else if (ret == DV_OK)
		run_others(&t);
	if (ret == DV_OK)
		ret = t.ret;
	if (ret == DV_OK && state != NULL) {
		/* The state keeps copies of the per-name families when they are
		 * whole; without them a step can only verify everything again. */
		state->carry = whole(&sigf) && whole(&t.ds) && whole(&t.nsecf) && whole(&t.n3f) &&
		               (!t.nsec3 || t.n3state != NULL);
		ret = verify_state_fill(state, z, st, &sigf, &t.ds, &t.nsecf, &t.n3f, t.n3state);
		t.n3state = NULL;
	}
	if (ret == DV_OK) {
		dv_findings_merge(out, &sigf);
		dv_findings_merge(out, &t.ds);
		dv_findings_merge(out, &t.nsecf);
		dv_findings_merge(out, &t.n3f);
		dv_findings_merge(out, &timef);
		dv_findings_merge(out, &t.whole);
	}
	if (ret == DV_OK)
		dv_findings_sort(out);
	if (ret == DV_OK && state != NULL) {
		*keep = state;
		state = NULL;
	}
	dv_verify_state_free(state);
	verify_nsec3_free(t.n3state);
	dv_keyset_clear(&ks);
	dv_findings_clear(&sigf);
	dv_findings_clear(&timef);
	dv_findings_clear(&t.whole);
	dv_findings_clear(&t.ds);
	dv_findings_clear(&t.nsecf);
	dv_findings_clear(&t.n3f);
	return ret;
}

int dv_verify_zone(const dv_zone_t *z, const dv_verify_opts_t *o, dv_verify_stats_t *st,
                   dv_findings_t *out)
{
	return verify_zone_run(z, o, st, out, NULL);
}
