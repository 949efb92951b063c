/*
 * Live checks: the requested domains.  The verdict of `check DOMAIN` is
 * about DOMAIN: each is held by the deepest zone of the snapshot at or
 * above it, its own when it is a zone apex, else the zone it lies in
 * (www.example.com. in example.com.).  That zone's status is the domain's
 * and its thresholds are the operator's; a name whose zone's servers say it
 * does not exist is a finding of its own (proven by a validated denial,
 * RFC 4035 §5.4, or not); --expect holds the status to what the operator
 * expects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/live_int.h"
#include "core/error.h"

const char *dv_live_expect_name(dv_live_expect_t e)
{
	return e == DV_LIVE_EXPECT_SECURE     ? "secure"
	       : e == DV_LIVE_EXPECT_INSECURE ? "insecure"
	                                      : "any";
}

const char *dv_live_existence_name(dv_live_existence_t e)
{
	switch (e) {
	case DV_LIVE_EXISTS:
		return "exists";
	case DV_LIVE_NONEXISTENT:
		return "nonexistent";
	case DV_LIVE_NONEXISTENT_UNPROVEN:
		return "nonexistent-unproven";
	case DV_LIVE_EXISTENCE_UNKNOWN:
		break;
	}
	return "unknown";
}

int live_domains_locate(live_ctx_t *c)
{
	const dv_snapshot_t *snap = c->snap;
	dv_live_result_t *res = c->res;
	res->domains = calloc(snap->ndomains ? snap->ndomains : 1, sizeof(*res->domains));
	if (res->domains == NULL)
		return DV_ENOMEM;
	res->ndomains = snap->ndomains;
	for (size_t i = 0; i < snap->ndomains; i++) {
		dv_live_domain_t *d = &res->domains[i];
		uint8_t dn[255];
		d->domain = snap->domains[i];
		d->zone = -1;
		d->existence = DV_LIVE_EXISTENCE_UNKNOWN;
		d->status = DV_CHAIN_INDETERMINATE;
		if (dv_snap_dname_parse(d->domain, dn) != DV_OK)
			continue;
		int best = -1;
		for (size_t z = 0; z < snap->nzones; z++) {
			int below = knot_dname_in_bailiwick(dn, snap->zones[z].dname);
			if (below >= 0 && (best < 0 || below < best)) {
				best = below;
				d->zone = (long)z;
			}
		}
		if (d->zone >= 0) {
			d->apex = best == 0;
			res->zones[d->zone].requested = true;
		}
	}
	return DV_OK;
}

/* Whether some signature of `set` is valid with the keys the chain reached
 * in zone zi (quietly: the zone's own checks report its signatures). */
static bool rrset_validates(live_ctx_t *c, uint32_t zi, const live_rrset_t *set)
{
	const live_zone_keys_t *zk = &c->zone_keys[zi];
	dv_keyset_t ks;
	bool ok = false;
	if (!zk->have_keys || live_keyset(c, &zk->keys, &ks) != DV_OK)
		return false;
	for (uint16_t i = 0; i < set->nsig && !ok; i++) {
		dv_rrsig_t sig;
		ok = live_judge(c, set, i, c->snap->zones[zi].dname, &ks, &sig) == DV_SIG_VALID;
	}
	dv_keyset_clear(&ks);
	return ok;
}

/* A name below its zone's apex: what the zone's servers said to the walk's
 * question for it (DOMAIN NS, asked of every server of the zone). */
static void existence(live_ctx_t *c, dv_live_domain_t *d, uint32_t zi)
{
	const dv_snapshot_t *snap = c->snap;
	const dv_live_zone_t *zr = &c->res->zones[zi];
	uint8_t dn[255];
	if (dv_snap_dname_parse(d->domain, dn) != DV_OK)
		return;
	size_t nx = 0, yes = 0;
	bool proven = false;
	char why[160] = "";
	for (long k = c->zq_start[zi]; k < c->zq_start[zi + 1]; k++) {
		long q = c->zq_index[k];
		const dv_snap_query_t *sq = &snap->queries[q];
		if (sq->side != DV_SIDE_CHILD || sq->qtype != KNOT_RRTYPE_NS || sq->qname == NULL ||
		    !knot_dname_is_case_equal(sq->qname, dn))
			continue;
		const live_msg_t *m = live_msg_of(c, q);
		if (m == NULL)
			continue;
		if (m->rcode == KNOT_RCODE_NOERROR) {
			yes++;
			continue;
		}
		if (m->rcode != KNOT_RCODE_NXDOMAIN)
			continue;
		nx++;
		/* Proven when one server's denial validates: a validator retries
		 * the others. */
		if (proven || zr->status != DV_CHAIN_SECURE)
			continue;
		const live_rrset_t *used[4];
		size_t nused = 0;
		char w[128] = "";
		bool ok = live_denial_proves(m, snap->zones[zi].dname, dn, KNOT_RRTYPE_NS, true,
		                             used, &nused, w, sizeof(w));
		for (size_t u = 0; ok && u < nused; u++)
			if (!rrset_validates(c, zi, used[u])) {
				ok = false;
				snprintf(w, sizeof(w),
				         "an %s record of the proof has no valid signature",
				         used[u]->type == KNOT_RRTYPE_NSEC ? "NSEC" : "NSEC3");
			}
		if (ok)
			proven = true;
		else if (why[0] == '\0')
			snprintf(why, sizeof(why), "%s", w);
	}
	const char *zone = snap->zones[zi].name;
	if (yes > 0) {
		/* Some server has the name: it exists in the zone (servers that
		 * disagree are the zone's consistency findings). */
		d->existence = DV_LIVE_EXISTS;
		return;
	}
	dv_evidence_t ev = {.zone = snap->zones[zi].dname, .owner = dn, .type = KNOT_RRTYPE_NS};
	if (nx == 0) {
		/* Not knowing whether the name exists is no clean verdict. */
		d->existence = DV_LIVE_EXISTENCE_UNKNOWN;
		snprintf(d->reason, sizeof(d->reason), "no server of %s answered for the name",
		         zone);
		dv_findings_add(&c->raw, DV_F_CHAIN_INDETERMINATE, &ev,
		                "whether the requested name exists is unknown: %s", d->reason);
		return;
	}
	if (proven) {
		d->existence = DV_LIVE_NONEXISTENT;
		snprintf(d->reason, sizeof(d->reason),
		         "NXDOMAIN from the servers of %s, proven by its signed denial", zone);
		dv_findings_add(&c->raw, DV_F_DOMAIN_NOT_FOUND, &ev, "%s", d->reason);
		return;
	}
	d->existence = DV_LIVE_NONEXISTENT_UNPROVEN;
	if (zr->status == DV_CHAIN_SECURE)
		snprintf(d->reason, sizeof(d->reason),
		         "NXDOMAIN from the servers of %s, not proven: %s", zone, why);
	else
		snprintf(d->reason, sizeof(d->reason),
		         "NXDOMAIN from the servers of %s, not proven: %s is %s", zone, zone,
		         dv_chain_status_name(zr->status));
	dv_findings_add(&c->raw, DV_F_DOMAIN_NOT_FOUND_UNPROVEN, &ev, "%s", d->reason);
}

void live_domains_judge(live_ctx_t *c)
{
	const dv_snapshot_t *snap = c->snap;
	dv_live_expect_t expect = c->opts->expect;
	for (size_t i = 0; i < c->res->ndomains; i++) {
		dv_live_domain_t *d = &c->res->domains[i];
		if (d->zone < 0) {
			snprintf(d->reason, sizeof(d->reason),
			         "the walk from the root reached no zone");
			continue;
		}
		uint32_t zi = (uint32_t)d->zone;
		const dv_live_zone_t *zr = &c->res->zones[zi];
		d->status = zr->status;
		d->existence = DV_LIVE_EXISTS;
		d->have_expiry = zr->have_signed_until;
		d->expiry = zr->signed_until;
		if (!d->apex)
			existence(c, d, zi);
		d->as_expected = true;
		if (d->existence != DV_LIVE_EXISTS) {
			d->as_expected = expect == DV_LIVE_EXPECT_ANY;
			continue;
		}
		dv_chain_status_t want = expect == DV_LIVE_EXPECT_SECURE     ? DV_CHAIN_SECURE
		                         : expect == DV_LIVE_EXPECT_INSECURE ? DV_CHAIN_INSECURE
		                                                             : d->status;
		if (d->status == want)
			continue;
		d->as_expected = false;
		/* Cut to fit: the zone's own reason is in its CHAIN_ finding too. */
		snprintf(d->reason, sizeof(d->reason), "expected %s, %.100s is %s%s%.120s",
		         dv_live_expect_name(expect), snap->zones[zi].name,
		         dv_chain_status_name(d->status), zr->reason[0] ? ": " : "", zr->reason);
		/* Bogus and indeterminate zones have their findings already; the
		 * one that needs saying is secure where insecure was expected and
		 * the other way round. */
		if (d->status != DV_CHAIN_SECURE && d->status != DV_CHAIN_INSECURE)
			continue;
		uint8_t dn[255];
		bool named = dv_snap_dname_parse(d->domain, dn) == DV_OK;
		dv_findings_add(&c->raw, DV_F_ZONE_NOT_AS_EXPECTED,
		                &(dv_evidence_t){.zone = snap->zones[zi].dname,
		                                 .owner = named ? dn : snap->zones[zi].dname},
		                "%s", d->reason);
	}
}
