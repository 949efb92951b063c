/* dv_verify_zone: every offline check of a zone, in one call. */
#include <string.h>

#include <libknot/descriptor.h>

#include "checks/checks.h"
#include "core/error.h"

int dv_verify_zone(const dv_zone_t *z, const dv_verify_opts_t *o, dv_verify_stats_t *st,
		   dv_findings_t *out)
{
	memset(st, 0, sizeof(*st));
	st->records = z->rr_count;
	st->rrsets = z->rrset_count;
	st->names = z->name_count;
	bool nsec = false, nsec3 = false;
	for (size_t i = 0; i < z->rrset_count; i++) {
		uint16_t t = z->rrsets[i].type;
		nsec |= t == KNOT_RRTYPE_NSEC;
		nsec3 |= t == KNOT_RRTYPE_NSEC3 || t == KNOT_RRTYPE_NSEC3PARAM;
	}
	st->denial = nsec3 ? "nsec3" : (nsec ? "nsec" : "none");

	const dv_rrset_t *keys = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_DNSKEY);
	st->dnskeys = keys ? keys->rr_count : 0;
	if (keys == NULL) {
		/* Nothing can be validated; per-RRset findings would only repeat this. */
		dv_finding_t f;
		dv_finding_init(&f, DV_F_ZONE_UNSIGNED);
		dv_finding_set_owner(&f, z, 0);
		f.type = KNOT_RRTYPE_DNSKEY;
		return dv_findings_add(out, &f);
	}
	int ret = dv_check_keys(z, o, out);
	if (ret == DV_OK)
		ret = dv_check_signatures(z, o, st, out);
	if (ret == DV_OK && !nsec && !nsec3) {
		dv_finding_t f;
		dv_finding_init(&f, DV_F_DENIAL_MISSING);
		dv_finding_set_owner(&f, z, 0);
		ret = dv_findings_add(out, &f);
	}
	if (ret == DV_OK && nsec)
		ret = dv_check_nsec(z, out);
	if (ret == DV_OK && nsec3)
		ret = dv_check_nsec3(z, o->threads, out);
	if (ret == DV_OK)
		ret = dv_check_zonemd(z, out);
	if (ret == DV_OK)
		dv_findings_sort(out);
	return ret;
}
