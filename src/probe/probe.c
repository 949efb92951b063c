/*
 * The live probe: an iterative walk from the root to each domain on one
 * dv_net engine.  Zones are shared between domains (one pzone per zone cut),
 * so the upper levels of the tree are probed once however many domains sit
 * below them.
 */
#include "probe/probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libknot/libknot.h>
#include <sodium.h>

#include "core/error.h"
#include "dnssec/dnssec.h"
#include "net/net.h"
#include "probe/probe_int.h"
#include "zone/loader.h"

#define RESOLVE_HOPS_MAX 10 /* referrals followed to find an NS address */

uint64_t probe_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void probe_fail(probe_t *p, int err)
{
	if (p->err == DV_OK)
		p->err = err;
}

void probe_note(char *note, const char *name)
{
	size_t l = strlen(note), n = strlen(name);
	if (l + n + 2 < PROBE_NOTE_MAX) {
		if (l > 0)
			note[l++] = ' ';
		memcpy(note + l, name, n + 1);
	}
}

static void *grow(void *v, size_t *cap, size_t len, size_t size)
{
	if (len < *cap)
		return v;
	size_t n = *cap ? *cap * 2 : 8;
	void *nv = realloc(v, n * size);
	if (nv != NULL)
		*cap = n;
	return nv;
}

static bool family_ok(const probe_t *p, const struct sockaddr_storage *a)
{
	if (p->opts->ipv4_only && a->ss_family != AF_INET)
		return false;
	if (p->opts->ipv6_only && a->ss_family != AF_INET6)
		return false;
	return true;
}

static int server_addr(probe_t *p, uint32_t server, struct sockaddr_storage *out)
{
	return dv_net_addr_parse(p->snap->servers[server].addr, 53, out);
}

/* ---- zones -------------------------------------------------------------------- */

static pzone_t *pzone_find(probe_t *p, const uint8_t *dname)
{
	for (pzone_t *z = p->zones; z != NULL; z = z->next_all)
		if (knot_dname_is_case_equal(z->dname, dname))
			return z;
	return NULL;
}

static pzone_t *pzone_new(probe_t *p, const uint8_t *dname, pzone_t *parent)
{
	pzone_t *z = calloc(1, sizeof(*z));
	if (z == NULL) {
		probe_fail(p, DV_ENOMEM);
		return NULL;
	}
	memcpy(z->dname, dname, knot_dname_size(dname));
	knot_dname_to_lower(z->dname);
	z->parent = parent;
	int r = dv_snapshot_zone(p->snap, z->dname, parent ? (long)parent->zi : -1, &z->zi);
	if (r != DV_OK) {
		free(z);
		probe_fail(p, r);
		return NULL;
	}
	/* RFC 8198-aware resolvers may synthesise from NSEC: a fresh random
	 * label per zone (CSPRNG) cannot have been cached. */
	uint8_t rnd[10];
	char lab[40];
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(lab, "dnsvigil-", 9);
	dv_base32hex_encode(rnd, sizeof(rnd), lab + 9, sizeof(lab) - 9);
	size_t ll = strlen(lab), zl = knot_dname_size(z->dname);
	if (ll + 1 + zl <= 255) {
		z->nxname[0] = (uint8_t)ll;
		memcpy(z->nxname + 1, lab, ll);
		memcpy(z->nxname + 1 + ll, z->dname, zl);
	} else {
		memcpy(z->nxname, z->dname, zl); /* no room: the apex NODATA still runs */
	}
	z->next_all = p->zones;
	p->zones = z;
	return z;
}

static bool ns_seen(pzone_t *z, const uint8_t *name)
{
	for (size_t i = 0; i < z->nns; i++)
		if (knot_dname_is_case_equal(z->nsnames[i], name))
			return true;
	return false;
}

static int ns_add(pzone_t *z, const uint8_t *name)
{
	if (z->nns >= DV_PROBE_MAX_ZONE_NS)
		return DV_ELIMIT;
	void *n = realloc(z->nsnames, (z->nns + 1) * sizeof(*z->nsnames));
	if (n == NULL)
		return DV_ENOMEM;
	z->nsnames = n;
	memcpy(z->nsnames[z->nns], name, knot_dname_size(name));
	knot_dname_to_lower(z->nsnames[z->nns]);
	z->nns++;
	return DV_OK;
}

static void probe_child_server(probe_t *p, pzone_t *z, uint32_t server)
{
	struct sockaddr_storage a;
	if (server_addr(p, server, &a) != DV_OK)
		return;
	static const uint16_t apex[] = {KNOT_RRTYPE_SOA, KNOT_RRTYPE_NS,      KNOT_RRTYPE_DNSKEY,
	                                KNOT_RRTYPE_CDS, KNOT_RRTYPE_CDNSKEY, DV_PROBE_NODATA_TYPE};
	qctx_t t = {.kind = K_CHILD, .zone = z, .server = server};
	int r = DV_OK;
	for (size_t i = 0; i < sizeof(apex) / sizeof(apex[0]) && r == DV_OK; i++)
		r = probe_submit(p, &a, z->dname, apex[i], DV_Q_DO, &t);
	if (r == DV_OK && !knot_dname_is_equal(z->nxname, z->dname))
		r = probe_submit(p, &a, z->nxname, DV_PROBE_NX_TYPE, DV_Q_DO, &t);
	/* The same SOA over TCP only: a server failing TCP is caught even when UDP works. */
	if (r == DV_OK)
		r = probe_submit(p, &a, z->dname, KNOT_RRTYPE_SOA, DV_Q_DO | DV_Q_TCP, &t);
	if (r != DV_OK)
		probe_fail(p, r);
}

/* Add (name, addr) to the zone's servers; probe it now if the zone is live. */
static void zone_add_addr(probe_t *p, pzone_t *z, const char *nsname, const char *addr)
{
	for (size_t i = 0; i < z->naddrs; i++)
		if (strcmp(z->addrs[i], addr) == 0)
			return;
	if (z->naddrs >= DV_PROBE_MAX_ZONE_ADDRS) {
		z->addrs_skipped++;
		probe_note(z->addrs_note, addr);
		return;
	}
	void *n = realloc(z->addrs, (z->naddrs + 1) * sizeof(*z->addrs));
	if (n == NULL) {
		probe_fail(p, DV_ENOMEM);
		return;
	}
	z->addrs = n;
	snprintf(z->addrs[z->naddrs++], DV_SNAP_ADDR_MAX, "%s", addr);
	uint32_t s;
	int r = dv_snapshot_server(p->snap, nsname, addr, &s);
	if (r == DV_OK)
		r = dv_snapshot_zone_add_server(p->snap, z->zi, s);
	if (r != DV_OK) {
		probe_fail(p, r);
		return;
	}
	if (z->ready)
		probe_child_server(p, z, s);
}

static void walk_step(probe_t *p, step_t *prev, pzone_t *zone, const uint8_t *domain, int depth);

static void zone_make_ready(probe_t *p, pzone_t *z)
{
	if (z->ready)
		return;
	z->ready = true;
	const dv_snap_zone_t *sz = &p->snap->zones[z->zi];
	for (size_t i = 0; i < sz->nservers; i++)
		probe_child_server(p, z, sz->servers[i]);
	for (size_t i = 0; i < z->nwait; i++) {
		step_t *w = z->wait[i];
		walk_step(p, w, z, w->domain, w->depth + 1);
	}
	z->nwait = 0;
}

/* ---- address resolution of NS names without glue ---------------------------- */

static void resolve_send(probe_t *p, resolve_t *rs);

static void resolve_done(probe_t *p, resolve_t *rs)
{
	pzone_t *z = rs->zone;
	bool initial = rs->initial;
	free(rs);
	if (initial && --z->resolving == 0)
		zone_make_ready(p, z);
}

/* Start from the deepest probed zone above the name that is not the zone
 * the name serves (its own glue would be needed there). */
static void resolve_start(probe_t *p, pzone_t *z, const uint8_t *name, uint16_t qtype, bool initial)
{
	if (p->resolves >= DV_PROBE_MAX_RESOLVES)
		return; /* counted by the caller (resolve_names) */
	pzone_t *best = NULL;
	int best_depth = -1;
	for (pzone_t *c = p->zones; c != NULL; c = c->next_all) {
		int d = knot_dname_in_bailiwick(name, c->dname);
		if (d < 0 || !c->ready || knot_dname_in_bailiwick(c->dname, z->dname) >= 0)
			continue;
		int labels = (int)knot_dname_labels(c->dname, NULL);
		if (labels > best_depth) {
			best_depth = labels;
			best = c;
		}
	}
	if (best == NULL)
		return;
	resolve_t *rs = calloc(1, sizeof(*rs));
	if (rs == NULL) {
		probe_fail(p, DV_ENOMEM);
		return;
	}
	p->resolves++;
	rs->zone = z;
	memcpy(rs->name, name, knot_dname_size(name));
	dv_snap_dname_str(name, rs->name_str, sizeof(rs->name_str));
	rs->qtype = qtype;
	rs->initial = initial;
	const dv_snap_zone_t *sz = &p->snap->zones[best->zi];
	for (size_t i = 0; i < sz->nservers && rs->nsrv < 16; i++)
		if (server_addr(p, sz->servers[i], &rs->srv[rs->nsrv]) == DV_OK &&
		    family_ok(p, &rs->srv[rs->nsrv]))
			rs->nsrv++;
	if (initial)
		z->resolving++;
	resolve_send(p, rs);
}

/* Look up the addresses of an NS name without glue, within the ceilings
 * per zone and per probe (NXNS-style amplification: BIND fetches at most 4
 * such names per domain, PowerDNS 10; dnsvigil, which probes every server,
 * DV_PROBE_RESOLVES_PER_ZONE). */
static void resolve_ns(probe_t *p, pzone_t *z, const uint8_t *ns, const char *nsname, bool initial)
{
	if (z->resolve_names >= DV_PROBE_RESOLVES_PER_ZONE ||
	    p->resolves + 2 > DV_PROBE_MAX_RESOLVES) {
		z->resolves_skipped++;
		probe_note(z->resolves_note, nsname);
		return;
	}
	z->resolve_names++;
	if (!p->opts->ipv6_only)
		resolve_start(p, z, ns, KNOT_RRTYPE_A, initial);
	if (!p->opts->ipv4_only)
		resolve_start(p, z, ns, KNOT_RRTYPE_AAAA, initial);
}

static void resolve_send(probe_t *p, resolve_t *rs)
{
	if (rs->cur >= rs->nsrv || rs->hops > RESOLVE_HOPS_MAX) {
		resolve_done(p, rs);
		return;
	}
	qctx_t t = {.kind = K_RESOLVE, .res = rs, .zone = rs->zone};
	int r = probe_submit(p, &rs->srv[rs->cur], rs->name, rs->qtype, 0, &t);
	if (r != DV_OK) {
		probe_fail(p, r);
		resolve_done(p, rs);
	}
}

static void addr_from_rdata(const probe_t *p, uint16_t type, const uint8_t *rd, uint16_t len,
                            char *out, size_t olen, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	out[0] = '\0';
	if (type == KNOT_RRTYPE_A && len == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p->opts->port ? p->opts->port : 53);
		memcpy(&s4->sin_addr, rd, 4);
	} else if (type == KNOT_RRTYPE_AAAA && len == 16) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p->opts->port ? p->opts->port : 53);
		memcpy(&s6->sin6_addr, rd, 16);
	} else {
		return;
	}
	dv_net_addr_format(ss, out, olen);
}

static void resolve_answer(probe_t *p, resolve_t *rs, const dv_response_t *r)
{
	knot_pkt_t *pkt = NULL;
	uint8_t *copy = NULL;
	if (r->status != DV_OK || r->len < KNOT_WIRE_HEADER_SIZE)
		goto next;
	copy = malloc(r->len);
	if (copy == NULL)
		goto next;
	memcpy(copy, r->wire, r->len);
	pkt = knot_pkt_new(copy, (uint16_t)r->len, NULL);
	if (pkt == NULL || knot_pkt_parse(pkt, 0) != KNOT_EOK)
		goto next;
	const knot_pktsection_t *an = knot_pkt_section(pkt, KNOT_ANSWER);
	bool got = false;
	for (uint16_t i = 0; i < an->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(an, i);
		if (rr->type != rs->qtype || !knot_dname_is_case_equal(rr->owner, rs->name))
			continue;
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t j = 0; j < rr->rrs.count; j++, rd = knot_rdataset_next(rd)) {
			char a[DV_SNAP_ADDR_MAX];
			struct sockaddr_storage ss;
			addr_from_rdata(p, rr->type, rd->data, rd->len, a, sizeof(a), &ss);
			if (a[0] != '\0' && family_ok(p, &ss)) {
				zone_add_addr(p, rs->zone, rs->name_str, a);
				got = true;
			}
		}
	}
	if (got || knot_wire_get_aa(pkt->wire)) {
		knot_pkt_free(pkt);
		free(copy);
		resolve_done(p, rs);
		return;
	}
	/* A referral: follow its glue. */
	const knot_pktsection_t *ar = knot_pkt_section(pkt, KNOT_ADDITIONAL);
	size_t n = 0;
	for (uint16_t i = 0; i < ar->count && n < 16; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(ar, i);
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t j = 0; j < rr->rrs.count && n < 16;
		     j++, rd = knot_rdataset_next(rd)) {
			char a[DV_SNAP_ADDR_MAX];
			addr_from_rdata(p, rr->type, rd->data, rd->len, a, sizeof(a), &rs->srv[n]);
			if (a[0] != '\0' && family_ok(p, &rs->srv[n]))
				n++;
		}
	}
	if (n > 0) {
		rs->nsrv = n;
		rs->cur = 0;
		rs->hops++;
		knot_pkt_free(pkt);
		free(copy);
		resolve_send(p, rs);
		return;
	}
next:
	knot_pkt_free(pkt);
	free(copy);
	rs->cur++;
	resolve_send(p, rs);
}

/* ---- the walk ------------------------------------------------------------------ */

/* A new child zone found below `parent` from a referral (or an authoritative
 * answer of a server that also serves the child): its NS set and glue. */
static pzone_t *zone_from_answer(probe_t *p, pzone_t *parent, const uint8_t *cut,
                                 const knot_pkt_t *pkt)
{
	pzone_t *z = pzone_new(p, cut, parent);
	if (z == NULL)
		return NULL;
	const knot_pktsection_t *secs[] = {knot_pkt_section(pkt, KNOT_AUTHORITY),
	                                   knot_pkt_section(pkt, KNOT_ANSWER)};
	const knot_pktsection_t *ar = knot_pkt_section(pkt, KNOT_ADDITIONAL);
	z->resolving = 1; /* held until every NS name below is handled */
	for (int s = 0; s < 2; s++) {
		for (uint16_t i = 0; i < secs[s]->count; i++) {
			const knot_rrset_t *rr = knot_pkt_rr(secs[s], i);
			if (rr->type != KNOT_RRTYPE_NS || !knot_dname_is_case_equal(rr->owner, cut))
				continue;
			knot_rdata_t *rd = rr->rrs.rdata;
			for (uint16_t j = 0; j < rr->rrs.count; j++, rd = knot_rdataset_next(rd)) {
				const uint8_t *ns = knot_ns_name(rd);
				char nsname[1025];
				dv_snap_dname_str(ns, nsname, sizeof(nsname));
				if (ns_seen(z, ns))
					continue;
				int ar_ = ns_add(z, ns);
				if (ar_ == DV_ELIMIT) {
					z->ns_skipped++;
					probe_note(z->ns_note, nsname);
				}
				if (ar_ != DV_OK)
					continue;
				bool glue4 = false, glue6 = false;
				for (uint16_t g = 0; g < ar->count; g++) {
					const knot_rrset_t *gr = knot_pkt_rr(ar, g);
					if (!knot_dname_is_case_equal(gr->owner, ns))
						continue;
					knot_rdata_t *gd = gr->rrs.rdata;
					for (uint16_t k = 0; k < gr->rrs.count;
					     k++, gd = knot_rdataset_next(gd)) {
						char a[DV_SNAP_ADDR_MAX];
						struct sockaddr_storage ss;
						addr_from_rdata(p, gr->type, gd->data, gd->len, a,
						                sizeof(a), &ss);
						if (a[0] == '\0' || !family_ok(p, &ss))
							continue;
						zone_add_addr(p, z, nsname, a);
						glue4 |= gr->type == KNOT_RRTYPE_A;
						glue6 |= gr->type == KNOT_RRTYPE_AAAA;
					}
				}
				/* No glue: look the name up ourselves, from the nearest zone. */
				if (!glue4 && !glue6)
					resolve_ns(p, z, ns, nsname, true);
			}
		}
	}
	/* The parent side: DS from every parent server address. */
	const dv_snap_zone_t *ps = &p->snap->zones[parent->zi];
	for (size_t i = 0; i < ps->nservers; i++) {
		struct sockaddr_storage a;
		if (server_addr(p, ps->servers[i], &a) != DV_OK)
			continue;
		qctx_t t = {.kind = K_DS, .zone = z, .server = ps->servers[i]};
		int r = probe_submit(p, &a, z->dname, KNOT_RRTYPE_DS, DV_Q_DO, &t);
		if (r != DV_OK)
			probe_fail(p, r);
	}
	if (--z->resolving == 0)
		zone_make_ready(p, z);
	return z;
}

/* Which zone cut below step->zone the answer reveals, if any. */
static const uint8_t *find_cut(const step_t *st, const knot_pkt_t *pkt)
{
	const uint8_t *zone = st->zone->dname;
	bool aa = knot_wire_get_aa(pkt->wire);
	const knot_pktsection_t *secs[] = {knot_pkt_section(pkt, KNOT_AUTHORITY),
	                                   knot_pkt_section(pkt, KNOT_ANSWER)};
	for (int s = 0; s < 2; s++) {
		for (uint16_t i = 0; i < secs[s]->count; i++) {
			const knot_rrset_t *rr = knot_pkt_rr(secs[s], i);
			bool below = knot_dname_in_bailiwick(rr->owner, zone) > 0 &&
			             knot_dname_in_bailiwick(st->domain, rr->owner) >= 0;
			if (!below)
				continue;
			/* A referral (NS in authority, no AA), an authoritative NS
			 * RRset below the zone (the server serves the child too), or
			 * the SOA of a child zone in a negative answer. */
			if (rr->type == KNOT_RRTYPE_NS && (s == 0 ? !aa : aa))
				return rr->owner;
			if (rr->type == KNOT_RRTYPE_SOA && aa && s == 0)
				return rr->owner;
		}
	}
	return NULL;
}

static int step_track(step_t *st, uint32_t qi)
{
	void *n = grow(st->qidx, &st->capq, st->nq, sizeof(*st->qidx));
	if (n == NULL)
		return DV_ENOMEM;
	st->qidx = n;
	st->qidx[st->nq++] = qi;
	return DV_OK;
}

static void step_retag(probe_t *p, step_t *st)
{
	for (size_t i = 0; i < st->nq; i++) {
		dv_snap_query_t *q = &p->snap->queries[st->qidx[i]];
		q->zone = st->cut->zi;
		q->side = DV_SIDE_PARENT;
	}
}

static void step_cut(probe_t *p, step_t *st, const knot_pkt_t *pkt, const uint8_t *cut)
{
	pzone_t *z = pzone_find(p, cut);
	if (z == NULL && pkt != NULL)
		z = zone_from_answer(p, st->zone, cut, pkt);
	if (z == NULL)
		return;
	st->cut = z;
	step_retag(p, st);
	if (z->ready) {
		walk_step(p, st, z, st->domain, st->depth + 1);
		return;
	}
	void *n = grow(z->wait, &z->capwait, z->nwait, sizeof(*z->wait));
	if (n == NULL) {
		probe_fail(p, DV_ENOMEM);
		return;
	}
	z->wait = n;
	z->wait[z->nwait++] = st;
}

/* The name one label below `zone` on the way to `domain` (which is below it). */
static const uint8_t *below_zone(const pzone_t *zone, const uint8_t *domain)
{
	int skip = knot_dname_labels(domain, NULL) - knot_dname_labels(zone->dname, NULL) - 1;
	while (skip-- > 0)
		domain = knot_wire_next_label(domain, NULL);
	return domain;
}

/* Another domain's step in this zone whose answers tell this one's: one on
 * the way through the same name just below the zone.  Its servers refer
 * both domains to the same cut (a delegation takes in all names below it,
 * RFC 1034 §4.2.1), so asking every server again for each domain of a
 * batch (every root server, for each zone of a daemon's batch) would only
 * repeat the answer. */
static step_t *step_leader(probe_t *p, const pzone_t *zone, const uint8_t *domain)
{
	const uint8_t *mine = below_zone(zone, domain);
	for (step_t *s = p->steps; s != NULL; s = s->next_all)
		if (s->zone == zone && s->asked && (s->cut != NULL || s->pending > 0) &&
		    knot_dname_is_case_equal(below_zone(zone, s->domain), mine))
			return s;
	return NULL;
}

static void step_ask(probe_t *p, step_t *st)
{
	const dv_snap_zone_t *sz = &p->snap->zones[st->zone->zi];
	st->asked = true;
	for (size_t i = 0; i < sz->nservers; i++) {
		struct sockaddr_storage a;
		if (server_addr(p, sz->servers[i], &a) != DV_OK)
			continue;
		qctx_t t = {
		    .kind = K_REFERRAL, .zone = st->zone, .step = st, .server = sz->servers[i]};
		int r = probe_submit(p, &a, st->domain, KNOT_RRTYPE_NS, DV_Q_DO, &t);
		if (r != DV_OK) {
			probe_fail(p, r);
			continue;
		}
		st->pending++;
	}
}

/* Follow the leader's cut, or ask for oneself when it has none for us. */
static void step_follow(probe_t *p, step_t *st, const step_t *lead)
{
	if (lead->cut != NULL && knot_dname_in_bailiwick(st->domain, lead->cut->dname) >= 0)
		step_cut(p, st, NULL, lead->cut->dname);
	else
		step_ask(p, st);
}

/* The leader has its cut, or all its answers without one: its followers go on. */
static void step_release(probe_t *p, step_t *lead)
{
	if (lead->cut == NULL && lead->pending > 0)
		return;
	step_t *f = lead->fhead;
	lead->fhead = NULL;
	while (f != NULL) {
		step_t *next = f->fnext;
		f->fnext = NULL;
		step_follow(p, f, lead);
		f = next;
	}
}

static void walk_step(probe_t *p, step_t *prev, pzone_t *zone, const uint8_t *domain, int depth)
{
	(void)prev;
	if (knot_dname_is_case_equal(zone->dname, domain))
		return;
	if (depth > (int)DV_PROBE_MAX_DEPTH) {
		/* Said once per domain: the zones below were not probed. */
		char name[1025];
		dv_snap_dname_str(domain, name, sizeof(name));
		for (size_t i = 0; i < p->snap->nlimits; i++)
			if (p->snap->limits[i].kind == DV_SNAP_LIMIT_DEPTH &&
			    strcmp(p->snap->limits[i].names, name) == 0)
				return;
		dv_snap_limit_t l = {.kind = DV_SNAP_LIMIT_DEPTH,
		                     .zone = (long)zone->zi,
		                     .names = name,
		                     .count = 1,
		                     .ceiling = DV_PROBE_MAX_DEPTH};
		int r = dv_snapshot_add_limit(p->snap, &l);
		if (r != DV_OK && r != DV_ELIMIT)
			probe_fail(p, r);
		return;
	}
	step_t *st = calloc(1, sizeof(*st));
	if (st == NULL) {
		probe_fail(p, DV_ENOMEM);
		return;
	}
	st->p = p;
	st->zone = zone;
	st->depth = depth;
	memcpy(st->domain, domain, knot_dname_size(domain));
	step_t *lead = step_leader(p, zone, domain);
	st->next_all = p->steps;
	p->steps = st;
	if (lead == NULL) {
		step_ask(p, st);
	} else if (lead->cut != NULL) {
		step_follow(p, st, lead);
	} else {
		st->fnext = lead->fhead;
		lead->fhead = st;
	}
}

/* ---- answers ------------------------------------------------------------------- */

static int record(probe_t *p, const qctx_t *c, const dv_query_t *q, const dv_response_t *r,
                  uint32_t zone, uint8_t side, uint32_t *qi)
{
	dv_snap_query_t sq = {0};
	sq.zone = zone;
	sq.server = c->server;
	sq.side = side;
	sq.qtype = q->qtype;
	sq.flags = (uint16_t)q->flags;
	sq.qname = q->qname;
	sq.tcp = r->tcp;
	sq.udp_truncated = r->udp_truncated;
	sq.udp_failed = r->udp_failed;
	sq.rtt_ms = (uint16_t)(r->rtt_ms > UINT16_MAX ? UINT16_MAX : r->rtt_ms);
	sq.attempts = (uint16_t)(r->attempts > UINT16_MAX ? UINT16_MAX : r->attempts);
	uint64_t t = (probe_mono_ns() - p->t0_ns) / 1000000u;
	sq.t_ms = (uint32_t)(t > UINT32_MAX ? UINT32_MAX : t);
	switch (r->status) {
	case DV_OK:
		sq.status = r->len >= KNOT_WIRE_HEADER_SIZE && r->len <= UINT16_MAX
		                ? DV_SNAP_OK
		                : DV_SNAP_BADREPLY;
		break;
	case DV_ETIMEOUT:
		sq.status = DV_SNAP_TIMEOUT;
		break;
	case DV_EPARSE:
		sq.status = DV_SNAP_BADREPLY;
		break;
	case DV_EABANDONED:
		sq.status = DV_SNAP_ABANDONED;
		break;
	default:
		sq.status = DV_SNAP_NETERR;
		break;
	}
	if (sq.status == DV_SNAP_OK) {
		sq.wire = r->wire;
		sq.len = (uint16_t)r->len;
	}
	return dv_snapshot_add_query(p->snap, &sq, qi);
}

static void referral_cut(probe_t *p, step_t *st, const dv_response_t *r);

static void on_referral(probe_t *p, qctx_t *c, const dv_query_t *q, const dv_response_t *r)
{
	step_t *st = c->step;
	st->pending--;
	uint32_t qi;
	int rc = st->cut ? record(p, c, q, r, st->cut->zi, DV_SIDE_PARENT, &qi)
	                 : record(p, c, q, r, st->zone->zi, DV_SIDE_CHILD, &qi);
	if (rc != DV_OK) {
		probe_fail(p, rc);
		return;
	}
	if (st->cut != NULL)
		return;
	if ((rc = step_track(st, qi)) != DV_OK) {
		probe_fail(p, rc);
		return;
	}
	if (r->status == DV_OK && r->len >= KNOT_WIRE_HEADER_SIZE)
		referral_cut(p, st, r);
	step_release(p, st);
}

/* The cut a referral (or an answer from below) points to, if any. */
static void referral_cut(probe_t *p, step_t *st, const dv_response_t *r)
{
	uint8_t *copy = malloc(r->len);
	if (copy == NULL) {
		probe_fail(p, DV_ENOMEM);
		return;
	}
	memcpy(copy, r->wire, r->len);
	knot_pkt_t *pkt = knot_pkt_new(copy, (uint16_t)r->len, NULL);
	if (pkt != NULL && knot_pkt_parse(pkt, 0) == KNOT_EOK) {
		uint8_t rcode = knot_wire_get_rcode(pkt->wire);
		const uint8_t *cut = NULL;
		if (rcode == KNOT_RCODE_NOERROR || rcode == KNOT_RCODE_NXDOMAIN)
			cut = find_cut(st, pkt);
		if (cut != NULL) {
			uint8_t cutname[255];
			memcpy(cutname, cut, knot_dname_size(cut));
			knot_dname_to_lower(cutname);
			step_cut(p, st, pkt, cutname);
		}
	}
	knot_pkt_free(pkt);
	free(copy);
	/* No cut from any server: the domain lies in this zone; the walk ends. */
}

static void answer(qctx_t *c, const dv_query_t *q, const dv_response_t *r);

void probe_on_answer(void *ctx, const dv_query_t *q, const dv_response_t *r)
{
	qctx_t *c = ctx;
	probe_t *p = c->p;
	if (c->cacheable && c->sent)
		probe_cache_put(p->opts->cache, q, r, p->snap->time);
	probe_query_done(p, c, r);
	answer(c, q, r);
	probe_drain(p);
}

static void answer(qctx_t *c, const dv_query_t *q, const dv_response_t *r)
{
	probe_t *p = c->p;
	int rc = DV_OK;
	switch (c->kind) {
	case K_CHILD:
		rc = record(p, c, q, r, c->zone->zi, DV_SIDE_CHILD, NULL);
		/* The child's own NS set may name servers the parent does not. */
		if (rc == DV_OK && q->qtype == KNOT_RRTYPE_NS && r->status == DV_OK &&
		    r->len >= KNOT_WIRE_HEADER_SIZE) {
			uint8_t *copy = malloc(r->len);
			knot_pkt_t *pkt = NULL;
			if (copy != NULL) {
				memcpy(copy, r->wire, r->len);
				pkt = knot_pkt_new(copy, (uint16_t)r->len, NULL);
			}
			if (pkt != NULL && knot_pkt_parse(pkt, 0) == KNOT_EOK &&
			    knot_wire_get_aa(pkt->wire)) {
				const knot_pktsection_t *an = knot_pkt_section(pkt, KNOT_ANSWER);
				for (uint16_t i = 0; i < an->count; i++) {
					const knot_rrset_t *rr = knot_pkt_rr(an, i);
					if (rr->type != KNOT_RRTYPE_NS ||
					    !knot_dname_is_case_equal(rr->owner, c->zone->dname))
						continue;
					knot_rdata_t *rd = rr->rrs.rdata;
					for (uint16_t j = 0; j < rr->rrs.count;
					     j++, rd = knot_rdataset_next(rd)) {
						const uint8_t *ns = knot_ns_name(rd);
						/* Names beyond the ceiling were counted from
						 * the referral; the child's own are not. */
						if (ns_seen(c->zone, ns) ||
						    ns_add(c->zone, ns) != DV_OK)
							continue;
						char nsname[1025];
						dv_snap_dname_str(ns, nsname, sizeof(nsname));
						resolve_ns(p, c->zone, ns, nsname, false);
					}
				}
			}
			knot_pkt_free(pkt);
			free(copy);
		}
		break;
	case K_DS:
		rc = record(p, c, q, r, c->zone->zi, DV_SIDE_PARENT, NULL);
		break;
	case K_REFERRAL:
		on_referral(p, c, q, r);
		break;
	case K_RESOLVE:
		resolve_answer(p, c->res, r);
		break;
	}
	if (rc != DV_OK)
		probe_fail(p, rc);
	free(c);
}

/* ---- setup --------------------------------------------------------------------- */

static int load_root(probe_t *p, pzone_t *root, char *err, size_t errlen)
{
	dv_rrfile_t hints = {0};
	int r = dv_rrfile_load(p->opts->root_hints, ".", &hints, err, errlen);
	if (r != DV_OK)
		return r;
	for (size_t i = 0; i < hints.n; i++) {
		const dv_rrfile_rr_t *ns = &hints.v[i];
		if (ns->type != KNOT_RRTYPE_NS || ns->owner[0] != 0)
			continue;
		char nsname[1025];
		dv_snap_dname_str(ns->rdata, nsname, sizeof(nsname));
		if (ns_seen(root, ns->rdata) || ns_add(root, ns->rdata) != DV_OK)
			continue;
		for (size_t k = 0; k < hints.n; k++) {
			const dv_rrfile_rr_t *a = &hints.v[k];
			if (!knot_dname_is_case_equal(a->owner, ns->rdata))
				continue;
			char txt[DV_SNAP_ADDR_MAX];
			struct sockaddr_storage ss;
			addr_from_rdata(p, a->type, a->rdata, a->rdlen, txt, sizeof(txt), &ss);
			if (txt[0] != '\0' && family_ok(p, &ss))
				zone_add_addr(p, root, nsname, txt);
		}
	}
	dv_rrfile_clear(&hints);
	if (p->snap->zones[root->zi].nservers == 0) {
		snprintf(err, errlen, "%s: no root server address (NS with A/AAAA records)",
		         p->opts->root_hints);
		return DV_EPARSE;
	}
	return DV_OK;
}

static int load_anchor(probe_t *p, char *err, size_t errlen)
{
	dv_rrfile_t ta = {0};
	int r = dv_rrfile_load(p->opts->trust_anchor, ".", &ta, err, errlen);
	if (r != DV_OK)
		return r;
	for (size_t i = 0; i < ta.n && r == DV_OK; i++) {
		const dv_rrfile_rr_t *a = &ta.v[i];
		if (a->type != KNOT_RRTYPE_DS && a->type != KNOT_RRTYPE_DNSKEY)
			continue;
		if (a->owner[0] != 0) {
			snprintf(err, errlen, "%s: line %u: trust anchor is not for the root",
			         p->opts->trust_anchor, a->line);
			r = DV_EPARSE;
			break;
		}
		r = dv_snapshot_add_anchor(p->snap, a->owner, a->type, a->ttl, a->rdata, a->rdlen);
	}
	if (r == DV_OK && p->snap->nanchors == 0) {
		snprintf(err, errlen, "%s: no DS or DNSKEY record", p->opts->trust_anchor);
		r = DV_EPARSE;
	}
	dv_rrfile_clear(&ta);
	return r;
}

int dv_probe_run(const dv_probe_opts_t *opts, char *const *domains, size_t ndomains,
                 dv_snapshot_t **out, char *err, size_t errlen)
{
	probe_t p = {.opts = opts};
	uint8_t(*dn)[255] = NULL;
	int r = DV_ENOMEM;
	if (sodium_init() < 0)
		goto fail;
	if ((r = dv_snapshot_new(&p.snap)) != DV_OK)
		goto fail;
	dn = calloc(ndomains ? ndomains : 1, sizeof(*dn));
	if (dn == NULL) {
		r = DV_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < ndomains; i++) {
		if (dv_snap_dname_parse(domains[i], dn[i]) != DV_OK) {
			snprintf(err, errlen, "%s: not a domain name", domains[i]);
			r = DV_EINVAL;
			goto fail;
		}
		char canon[1025];
		dv_snap_dname_str(dn[i], canon, sizeof(canon));
		if ((r = dv_snapshot_add_domain(p.snap, canon)) != DV_OK)
			goto fail;
	}
	p.domains = (const uint8_t(*)[255])dn;
	p.ndomains = ndomains;
	if ((r = load_anchor(&p, err, errlen)) != DV_OK)
		goto fail;
	probe_budgets_init(&p, ndomains);
	dv_net_opts_t no = {.max_inflight = opts->max_inflight,
	                    .timeout_ms = opts->timeout_ms ? opts->timeout_ms : 1000,
	                    .retries = opts->retries >= 0 ? (unsigned)opts->retries : 1,
	                    .deadline_ms = p.deadline_ms,
	                    .ratelimit = opts->ratelimit,
	                    .udp_reuse = opts->udp_reuse,
	                    .tcp_reuse = opts->tcp_reuse};
	if ((r = dv_net_new(&no, &p.net)) != DV_OK) {
		snprintf(err, errlen, "query engine: %s", dv_strerror(r));
		goto fail;
	}
	p.snap->time = (int64_t)time(NULL);
	p.t0_ns = probe_mono_ns();
	uint8_t rootname[1] = {0};
	pzone_t *root = pzone_new(&p, rootname, NULL);
	if (root == NULL) {
		r = p.err;
		goto fail;
	}
	if ((r = load_root(&p, root, err, errlen)) != DV_OK)
		goto fail;
	root->ready = true;
	const dv_snap_zone_t *rz = &p.snap->zones[root->zi];
	for (size_t i = 0; i < rz->nservers; i++)
		probe_child_server(&p, root, rz->servers[i]);
	for (size_t i = 0; i < ndomains; i++)
		walk_step(&p, NULL, root, dn[i], 1);
	probe_drain(&p);
	r = dv_net_run(p.net);
	while (r == DV_OK && p.deferred != NULL) {
		probe_drain(&p);
		r = dv_net_run(p.net);
	}
	if (r == DV_OK)
		r = p.err;
	if (r == DV_OK)
		r = probe_limits_record(&p);
	if (r != DV_OK) {
		snprintf(err, errlen, "probe: %s", dv_strerror(r));
		goto fail;
	}
	uint64_t ms = (probe_mono_ns() - p.t0_ns) / 1000000u;
	p.snap->probe_ms = (uint32_t)(ms > UINT32_MAX ? UINT32_MAX : ms);
	*out = p.snap;
	p.snap = NULL;
fail:
	free(dn);
	if (p.net != NULL)
		dv_net_free(p.net);
	for (pzone_t *z = p.zones, *n; z != NULL; z = n) {
		n = z->next_all;
		free(z->wait);
		free(z->nsnames);
		free(z->addrs);
		free(z);
	}
	probe_srv_free(&p);
	for (step_t *s = p.steps, *n; s != NULL; s = n) {
		n = s->next_all;
		free(s->qidx);
		free(s);
	}
	dv_snapshot_free(p.snap);
	return r;
}
