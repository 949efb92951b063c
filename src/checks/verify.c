/* dv_verify_zone: every offline check of a zone, in one call. */
#include <pthread.h>
#include <string.h>

#include <libknot/descriptor.h>

#include "checks/checks.h"
#include "core/error.h"

typedef struct {
	const dv_zone_t *z;
	const dv_verify_opts_t *o;
	bool nsec, nsec3;
	dv_findings_t out;
	int ret;
} others_t;

/* The checks other than signatures: cheap next to the cryptography, so they
 * run on their own thread while the signature workers keep the cores busy. */
static void *run_others(void *arg)
{
	others_t *t = arg;
	t->ret = dv_check_keys(t->z, t->o, &t->out);
	if (t->ret == DV_OK && !t->nsec && !t->nsec3)
		t->ret = dv_findings_add(&t->out, DV_F_DENIAL_MISSING,
		                         &(dv_evidence_t){.owner = t->z->origin}, NULL);
	if (t->ret == DV_OK && t->nsec)
		t->ret = dv_check_nsec(t->z, &t->out);
	if (t->ret == DV_OK && t->nsec3)
		t->ret = dv_check_nsec3(t->z, t->o->threads, &t->out);
	if (t->ret == DV_OK)
		t->ret = dv_check_zonemd(t->z, &t->out);
	return NULL;
}

int dv_verify_zone(const dv_zone_t *z, const dv_verify_opts_t *o, dv_verify_stats_t *st,
                   dv_findings_t *out)
{
	memset(st, 0, sizeof(*st));
	st->records = z->rr_count;
	st->rrsets = z->rrset_count;
	st->names = z->name_count;
	others_t t = {.z = z, .o = o};
	for (size_t i = 0; i < z->rrset_count; i++) {
		uint16_t ty = z->rrsets[i].type;
		t.nsec |= ty == KNOT_RRTYPE_NSEC;
		t.nsec3 |= ty == KNOT_RRTYPE_NSEC3 || ty == KNOT_RRTYPE_NSEC3PARAM;
	}
	st->denial = t.nsec3 ? "nsec3" : (t.nsec ? "nsec" : "none");

	const dv_rrset_t *keys = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_DNSKEY);
	st->dnskeys = keys ? keys->rr_count : 0;
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
	pthread_t tid;
	bool threaded = o->threads > 1 && pthread_create(&tid, NULL, run_others, &t) == 0;
	if (o->before_signatures != NULL)
		o->before_signatures(o->before_signatures_ctx);
	int ret = dv_check_signatures(z, o, st, out);
	if (threaded)
		pthread_join(tid, NULL);
	else
		run_others(&t);
	if (ret == DV_OK)
		ret = t.ret;
	int r = dv_findings_merge(out, &t.out);
	if (ret == DV_OK)
		ret = r;
	dv_findings_clear(&t.out);
	if (ret == DV_OK)
		dv_findings_sort(out);
	return ret;
}
