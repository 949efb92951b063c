/*
 * Extraction: the observations one `dnsvigil check` snapshot holds about a
 * zone.  The snapshot reader has checked the JSON; the DNS messages inside
 * are parsed here (libknot) and are untrusted: anything malformed, not
 * authoritative or truncated counts as a question left unanswered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/canon.h"
#include "core/error.h"
#include "rollover/rollover_int.h"

#define MAX_RRS 4096 /* RRs of one section considered */

/* One RRset gathered from a section, with the RRSIGs covering it: the
 * observation and the arrays it points to. */
typedef struct {
	dv_roll_rrset_t rr;
	const uint8_t **rd, **sig;
	uint16_t *rdlen, *siglen;
} group_t;

typedef struct {
	dv_arena_t *arena; /* the message's (emptied after each) */
	group_t *g;
	size_t ng;
} groups_t;

static group_t *group_find(groups_t *gs, const knot_dname_t *owner, uint16_t type)
{
	for (size_t i = 0; i < gs->ng; i++)
		if (gs->g[i].rr.type == type && knot_dname_is_case_equal(gs->g[i].rr.owner, owner))
			return &gs->g[i];
	return NULL;
}

/* Gather the section's RRs (canonical RDATA, lowercase owners) by (owner,
 * type), RRSIGs by the type they cover.  DV_EPARSE for a malformed RR. */
static int gather(groups_t *gs, const knot_pktsection_t *sec)
{
	size_t total = 0;
	for (uint16_t i = 0; i < sec->count; i++)
		total += knot_pkt_rr(sec, i)->rrs.count;
	if (total > MAX_RRS)
		return DV_ELIMIT;
	gs->g = dv_arena_alloc(gs->arena, (total + 1) * sizeof(*gs->g));
	if (gs->g == NULL)
		return DV_ENOMEM;
	gs->ng = 0;
	/* Two passes: count per group, then fill. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; pass == 1 && i < gs->ng; i++) {
			group_t *g = &gs->g[i];
			g->rd = dv_arena_alloc(gs->arena, (g->rr.n + 1) * sizeof(*g->rd));
			g->rdlen = dv_arena_alloc(gs->arena, (g->rr.n + 1) * sizeof(*g->rdlen));
			g->sig = dv_arena_alloc(gs->arena, (g->rr.nsig + 1) * sizeof(*g->sig));
			g->siglen =
			    dv_arena_alloc(gs->arena, (g->rr.nsig + 1) * sizeof(*g->siglen));
			if (!g->rd || !g->rdlen || !g->sig || !g->siglen)
				return DV_ENOMEM;
			g->rr.n = g->rr.nsig = 0;
		}
		for (uint16_t i = 0; i < sec->count; i++) {
			const knot_rrset_t *rr = knot_pkt_rr(sec, i);
			if (rr->rclass != KNOT_CLASS_IN)
				continue;
			knot_rdata_t *rd = rr->rrs.rdata;
			for (uint16_t j = 0; j < rr->rrs.count; j++, rd = knot_rdataset_next(rd)) {
				bool is_sig = rr->type == KNOT_RRTYPE_RRSIG;
				if (is_sig && rd->len < DV_RRSIG_FIXED_LEN + 1)
					continue;
				uint16_t type = is_sig ? knot_rrsig_type_covered(rd) : rr->type;
				group_t *g = group_find(gs, rr->owner, type);
				if (g == NULL) {
					if (pass == 1)
						return DV_EPARSE; /* cannot happen: counted in pass
						                     0 */
					uint8_t *o = dv_arena_dup(gs->arena, rr->owner,
					                          knot_dname_size(rr->owner));
					if (o == NULL)
						return DV_ENOMEM;
					knot_dname_to_lower(o);
					g = &gs->g[gs->ng++];
					memset(g, 0, sizeof(*g));
					g->rr.owner = o;
					g->rr.type = type;
					g->rr.ttl = UINT32_MAX;
				}
				if (pass == 0) {
					if (is_sig) {
						g->rr.nsig++;
					} else {
						g->rr.n++;
						if (rr->ttl < g->rr.ttl)
							g->rr.ttl = rr->ttl;
					}
					continue;
				}
				uint8_t *copy = dv_arena_dup(gs->arena, rd->data, rd->len);
				if (copy == NULL)
					return DV_ENOMEM;
				if (is_sig) {
					g->sig[g->rr.nsig] = copy;
					g->siglen[g->rr.nsig++] = rd->len;
				} else {
					if (dv_rdata_canonicalize(type, copy, rd->len) != DV_OK)
						return DV_EPARSE;
					g->rd[g->rr.n] = copy;
					g->rdlen[g->rr.n++] = rd->len;
				}
			}
		}
	}
	return DV_OK;
}

static dv_roll_rrset_t as_rrset(const group_t *g, bool sampled)
{
	dv_roll_rrset_t rr = g->rr;
	if (rr.ttl == UINT32_MAX)
		rr.ttl = 0; /* RRSIGs without their RRset */
	rr.sampled = sampled;
	rr.rd = g->rd;
	rr.rdlen = g->rdlen;
	rr.sig = g->sig;
	rr.siglen = g->siglen;
	return rr;
}

/* RFC 2308 §5: a negative answer is cached for min(SOA TTL, SOA MINIMUM). */
static uint32_t negative_ttl(const groups_t *auth)
{
	for (size_t i = 0; i < auth->ng; i++) {
		const group_t *g = &auth->g[i];
		if (g->rr.type != KNOT_RRTYPE_SOA || g->rr.n == 0 || g->rdlen[0] < 22)
			continue;
		const uint8_t *m = g->rd[0] + g->rdlen[0] - 4;
		uint32_t min =
		    (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		return g->rr.ttl < min ? g->rr.ttl : min;
	}
	return 0;
}

typedef struct {
	dv_roll_series_t *s;
	const dv_snapshot_t *snap;
	uint32_t server;
	int64_t time;
} ectx_t;

static bool tracked_type(uint16_t t)
{
	return t == KNOT_RRTYPE_SOA || t == KNOT_RRTYPE_NS || t == KNOT_RRTYPE_DNSKEY ||
	       t == KNOT_RRTYPE_CDS || t == KNOT_RRTYPE_CDNSKEY || t == KNOT_RRTYPE_DS;
}

/* One answer; `arena` is its scratch, emptied on return.  Returns DV_OK, or
 * an error that stops the extraction (no memory). */
static int one_answer(ectx_t *c, const dv_snap_query_t *q, dv_arena_t *arena)
{
	dv_roll_series_t *s = c->s;
	bool apex = knot_dname_is_case_equal(q->qname, s->zone);
	bool tracked = apex && tracked_type(q->qtype);
	knot_pkt_t *pkt = NULL;
	uint8_t *copy = NULL;
	groups_t an = {.arena = arena}, au = {.arena = arena};
	int ret = DV_OK;
	bool usable = false;
	if (q->status != DV_SNAP_OK || q->wire == NULL || q->len < KNOT_WIRE_HEADER_SIZE)
		goto done;
	copy = malloc(q->len);
	if (copy == NULL) {
		ret = DV_ENOMEM;
		goto done;
	}
	memcpy(copy, q->wire, q->len);
	pkt = knot_pkt_new(copy, q->len, NULL);
	if (pkt == NULL) {
		ret = DV_ENOMEM;
		goto done;
	}
	if (knot_pkt_parse(pkt, 0) != KNOT_EOK || knot_wire_get_tc(pkt->wire) ||
	    !knot_wire_get_aa(pkt->wire))
		goto done;
	uint8_t rcode = knot_wire_get_rcode(pkt->wire);
	if (rcode != KNOT_RCODE_NOERROR && rcode != KNOT_RCODE_NXDOMAIN)
		goto done;
	int g1 = gather(&an, knot_pkt_section(pkt, KNOT_ANSWER));
	int g2 = g1 == DV_OK ? gather(&au, knot_pkt_section(pkt, KNOT_AUTHORITY)) : g1;
	if (g1 == DV_ENOMEM || g2 == DV_ENOMEM) {
		ret = DV_ENOMEM;
		goto done;
	}
	if (g1 != DV_OK || g2 != DV_OK)
		goto done;
	usable = true;
	if (tracked) {
		const group_t *g = group_find(&an, s->zone, q->qtype);
		dv_roll_rrset_t rr;
		if (g != NULL && g->rr.n > 0) {
			rr = as_rrset(g, false);
		} else {
			rr = (dv_roll_rrset_t){.owner = s->zone,
			                       .type = q->qtype,
			                       .ttl = negative_ttl(&au),
			                       .absent = true};
		}
		if ((ret = dv_roll_series_observe(s, c->server, c->time, &rr)) != DV_OK)
			goto done;
	}
	/* The NSEC/NSEC3 RRsets of the zone's own denial proofs (not the
	 * parent's proof of no DS). */
	if (s->servers[c->server].side == DV_ROLL_CHILD) {
		for (size_t i = 0; i < au.ng; i++) {
			const group_t *g = &au.g[i];
			if ((g->rr.type != KNOT_RRTYPE_NSEC && g->rr.type != KNOT_RRTYPE_NSEC3) ||
			    g->rr.n == 0 || knot_dname_in_bailiwick(g->rr.owner, s->zone) < 0)
				continue;
			dv_roll_rrset_t rr = as_rrset(g, true);
			if ((ret = dv_roll_series_observe(s, c->server, c->time, &rr)) != DV_OK)
				goto done;
		}
	}
done:
	if (ret == DV_OK && !usable && tracked)
		ret = dv_roll_series_unanswered(s, c->server, c->time, s->zone, q->qtype);
	knot_pkt_free(pkt);
	free(copy);
	dv_arena_reset(arena);
	return ret;
}

int dv_roll_extract(dv_roll_series_t *s, const dv_snapshot_t *snap, const char *label, char *err,
                    size_t errlen)
{
	long zi = dv_snapshot_zone_find(snap, s->zone);
	if (zi < 0) {
		snprintf(err, errlen, "%s: the snapshot did not probe zone %s", label, s->zone_str);
		return DV_EINVAL;
	}
	if (snap->time <= DV_ROLL_START + 1 || snap->time >= DV_ROLL_OPEN - 1) {
		snprintf(err, errlen, "%s: snapshot time out of range", label);
		return DV_EINVAL;
	}
	/* One scratch arena for every answer, emptied after each: mapping a
	 * fresh chunk per message cost more than reading the message. */
	dv_arena_t arena;
	dv_arena_init(&arena, 64 * 1024);
	int r = DV_OK;
	for (size_t i = 0; i < snap->nqueries && r == DV_OK; i++) {
		const dv_snap_query_t *q = &snap->queries[i];
		if (q->zone != (uint32_t)zi)
			continue;
		dv_roll_side_t side = q->side == DV_SIDE_PARENT ? DV_ROLL_PARENT : DV_ROLL_CHILD;
		/* The parent's only answer of interest is the DS; referrals are not. */
		if (side == DV_ROLL_PARENT && q->qtype != KNOT_RRTYPE_DS)
			continue;
		if (side == DV_ROLL_CHILD && q->qtype == KNOT_RRTYPE_DS)
			continue;
		const dv_snap_server_t *sv = &snap->servers[q->server];
		ectx_t c = {.s = s, .snap = snap, .time = snap->time};
		r = dv_roll_series_server(s, side, sv->addr, sv->name, &c.server);
		/* Every answer of a snapshot carries the probe's start time: the
		 * probe takes a second or two, and one time keeps each server's
		 * observations in order across snapshots. */
		if (r == DV_OK)
			r = one_answer(&c, q, &arena);
		if (r != DV_OK)
			snprintf(err, errlen, "%s: %s", label,
			         r == DV_EINVAL ? "snapshots out of time order" : dv_strerror(r));
	}
	dv_arena_clear(&arena);
	return r;
}
