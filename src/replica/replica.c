/*
 * A set of servers' copies of one zone (replica.h): transfers, versions
 * held once per content, verification, comparison.
 *
 * A refresh runs in two rounds on one query engine: first every server
 * with a copy is asked IXFR from that copy's serial (all at once: the
 * answers are small), then the servers that need a whole zone (none held,
 * IXFR answered in full, failed or did not apply) get AXFR, `parallel` at
 * a time (default one: a whole zone is built, compared by its digest with
 * the versions held, and dropped when it is one of them, before the next
 * one comes in, so that servers at one serial cost one copy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "core/serial.h"
#include "dnssec/dnssec.h"
#include "replica/replica_int.h"

typedef struct version {
	struct version *next;
	int refs;
	dv_zone_t *zone;
	dv_verify_state_t *state;
	digest_t digest;
	uint32_t serial;
	dv_verify_stats_t stats;
	dv_findings_t findings; /* sorted; no zone or server */
	bool verified, incremental;
	int index; /* in the report */
} version_t;

typedef struct {
	char addr[DV_REPLICA_ADDR_MAX];
	struct sockaddr_storage sa;
	version_t *ver; /* the copy held (a reference) */
	bool current;   /* ver is what the server serves now */
	int64_t behind_since;
	fetch_t f;
	bool need_axfr, ixfr_mismatch;
	dv_replica_server_t rep;
} server_t;

struct dv_replica_set {
	uint8_t origin[KNOT_DNAME_MAXLEN];
	char origin_str[1025];
	server_t *srv;
	size_t nsrv;
	version_t *versions;
};

const char *dv_replica_how_name(dv_replica_how_t how)
{
	switch (how) {
	case DV_REPLICA_AXFR:
		return "axfr";
	case DV_REPLICA_IXFR:
		return "ixfr";
	case DV_REPLICA_IXFR_AXFR:
		return "ixfr-axfr";
	case DV_REPLICA_UP_TO_DATE:
		return "up-to-date";
	case DV_REPLICA_REFUSED:
		return "refused";
	default:
		return "failed";
	}
}

/* ---- versions ---------------------------------------------------------------------------- */

static void version_unref(dv_replica_set_t *set, version_t *v)
{
	if (v == NULL || --v->refs > 0)
		return;
	for (version_t **p = &set->versions; *p != NULL; p = &(*p)->next)
		if (*p == v) {
			*p = v->next;
			break;
		}
	dv_verify_state_free(v->state);
	dv_findings_clear(&v->findings);
	dv_zone_free(v->zone);
	free(v);
}

static void hold(server_t *s, version_t *v)
{
	v->refs++;
	s->ver = v;
}

/* A held version with this content, or NULL. */
static version_t *version_find(dv_replica_set_t *set, uint32_t serial, const digest_t *d,
                               size_t records)
{
	for (version_t *v = set->versions; v != NULL; v = v->next)
		if (v->serial == serial && v->zone->rr_count == records &&
		    digest_equal(&v->digest, d))
			return v;
	return NULL;
}

static version_t *version_add(dv_replica_set_t *set, dv_zone_t *z, const digest_t *d)
{
	version_t *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	v->zone = z;
	v->digest = *d;
	v->serial = dv_zone_serial(z);
	v->next = set->versions;
	set->versions = v;
	return v;
}

/* A whole zone from a server: the version it equals, or a new one verified
 * in full.  The zone is taken either way. */
static int take_zone(dv_replica_set_t *set, server_t *s, dv_zone_t *z, const dv_replica_opts_t *o)
{
	digest_t d;
	digest_zone(z, o->verify.threads, &d);
	version_t *v = version_find(set, dv_zone_serial(z), &d, z->rr_count);
	if (v != NULL) {
		dv_zone_free(z);
	} else {
		if ((v = version_add(set, z, &d)) == NULL) {
			dv_zone_free(z);
			return DV_ENOMEM;
		}
		int ret = dv_verify_zone_state(z, &o->verify, &v->stats, &v->findings, &v->state);
		v->verified = true;
		if (ret != DV_OK) {
			v->refs = 1;
			version_unref(set, v);
			return ret;
		}
		/* Differences will follow (the daemon): the arrays of the next
		 * version and of its verification state are made ready now, as
		 * every later change finds them (the version it replaces), so that
		 * the first IXFR does not fault in hundreds of MiB (core/arena.h). */
		if (o->incremental) {
			dv_zone_spare_ready(z);
			dv_verify_state_spare_ready(v->state);
		}
	}
	version_t *old = s->ver;
	s->rep.rrsets_added = s->rep.rrsets_removed = s->rep.rrsets_changed = 0;
	if (old != NULL && old != v) {
		/* What changed since the copy held, counted the same way as a patch. */
		rrset_count_t cnt;
		size_t n, more;
		compare_versions(old->zone, v->zone, NULL, 0, &n, &more, &cnt);
		s->rep.rrsets_added = cnt.added;
		s->rep.rrsets_removed = cnt.removed;
		s->rep.rrsets_changed = cnt.changed;
	}
	hold(s, v);
	version_unref(set, old);
	s->current = true;
	return DV_OK;
}

/* The records of one IXFR step in the builder's form. */
static int step_records(const dv_xfr_rr_t *v, size_t n, const dv_xfr_rr_t *soa, dv_zone_rec_t **out)
{
	*out = malloc((n + 1) * sizeof(**out));
	if (*out == NULL)
		return DV_ENOMEM;
	const dv_xfr_rr_t *all[2] = {soa, v};
	size_t k = 0;
	for (int part = 0; part < 2; part++) {
		size_t m = part == 0 ? 1 : n;
		for (size_t i = 0; i < m; i++) {
			const dv_xfr_rr_t *rr = part == 0 ? all[0] : &v[i];
			(*out)[k++] = (dv_zone_rec_t){.owner = rr->owner,
			                              .rdata = rr->rdata,
			                              .rclass = rr->rclass,
			                              .type = rr->type,
			                              .rdlen = rr->rdlen,
			                              .ttl = rr->ttl};
		}
	}
	return DV_OK;
}

/* A difference from a server: applied to its copy, verified by a step (or
 * equal to a version held).  DV_ENOTZONE/DV_EPARSE: it does not apply
 * (why in err); the caller takes the whole zone instead. */
static int take_diff(dv_replica_set_t *set, server_t *s, const dv_ixfr_t *ix,
                     const dv_replica_opts_t *o, char *err, size_t errlen)
{
	size_t n = dv_ixfr_step_count(ix);
	dv_zone_step_t *steps = calloc(n ? n : 1, sizeof(*steps));
	dv_zone_rec_t **lists = calloc(2 * (n ? n : 1), sizeof(*lists));
	dv_zone_t *nz = NULL;
	dv_zone_delta_t delta = {0};
	int ret = DV_ENOMEM;
	if (steps == NULL || lists == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const dv_ixfr_step_t *st = dv_ixfr_step(ix, i);
		/* RFC 1995 §4: each step removes the old SOA and adds the new one. */
		if (step_records(st->removed, st->removed_count, &st->old_soa, &lists[2 * i]) !=
		        DV_OK ||
		    step_records(st->added, st->added_count, &st->new_soa, &lists[2 * i + 1]) !=
		        DV_OK)
			goto out;
		steps[i] = (dv_zone_step_t){lists[2 * i], st->removed_count + 1, lists[2 * i + 1],
		                            st->added_count + 1};
	}
	version_t *base = s->ver;
	if ((ret = dv_zone_patch(base->zone, steps, n, o->max_records, &nz, &delta, err, errlen)) !=
	    DV_OK)
		goto out;
	digest_t d = base->digest;
	digest_names(base->zone, &delta, false, &d);
	digest_names(nz, &delta, true, &d);
	s->rep.rrsets_added = delta.rrsets_added;
	s->rep.rrsets_removed = delta.rrsets_removed;
	s->rep.rrsets_changed = delta.rrsets_changed;
	version_t *v = version_find(set, dv_zone_serial(nz), &d, nz->rr_count);
	if (v == NULL) {
		if ((v = version_add(set, nz, &d)) == NULL)
			goto out;
		nz = NULL;
		bool full = true;
		ret = base->state ? dv_verify_zone_step(base->state, base->zone, v->zone, &delta,
		                                        &o->verify, &v->stats, &v->findings,
		                                        &v->state, &full)
		                  : dv_verify_zone_state(v->zone, &o->verify, &v->stats,
		                                         &v->findings, &v->state);
		v->verified = true;
		v->incremental = !full;
		if (ret != DV_OK) {
			v->refs = 1;
			version_unref(set, v);
			goto out;
		}
	}
	hold(s, v);
	s->current = true;
	version_unref(set, base);
	ret = DV_OK;
out:
	for (size_t i = 0; lists != NULL && i < 2 * n; i++)
		free(lists[i]);
	free(lists);
	free(steps);
	dv_zone_free(nz);
	dv_zone_delta_clear(&delta);
	return ret;
}

/* ---- the rounds ---------------------------------------------------------------------------- */

static void failed(server_t *s, const fetch_t *f)
{
	s->rep.failure = f->res.failure;
	s->rep.rcode = f->res.rcode;
	snprintf(s->rep.detail, sizeof(s->rep.detail), "%s", f->res.detail);
	bool refused = f->res.failure == DV_XFR_REFUSED || f->res.failure == DV_XFR_TSIG_REJECTED;
	s->rep.how = refused ? DV_REPLICA_REFUSED : DV_REPLICA_FAILED;
}

static void fetch_prepare(const dv_replica_set_t *set, server_t *s, const dv_replica_opts_t *o,
                          enum dv_xfr_type type)
{
	fetch_clear(&s->f);
	s->f = (fetch_t){.type = type, .serial = s->ver ? s->ver->serial : 0};
	s->f.req.addr = s->sa;
	memcpy(s->f.req.zone, set->origin, knot_dname_size(set->origin));
	s->f.req.tsig = o->tsig;
	s->f.req.limits = o->limits;
	s->f.req.max_records = o->max_records;
}

/* The IXFR round: every server with a copy, at once. */
static int round_ixfr(dv_replica_set_t *set, const dv_replica_opts_t *o, char *err, size_t errlen)
{
	dv_net_t *net;
	int ret = dv_net_new(NULL, &net);
	if (ret != DV_OK)
		return ret;
	size_t started = 0;
	for (size_t i = 0; i < set->nsrv; i++) {
		server_t *s = &set->srv[i];
		s->need_axfr = s->ver == NULL || !o->incremental;
		if (s->need_axfr)
			continue;
		fetch_prepare(set, s, o, DV_XFR_IXFR);
		if (fetch_start(net, &s->f) != DV_OK) {
			s->need_axfr = true;
			continue;
		}
		started++;
	}
	if (started > 0)
		dv_net_run(net);
	dv_net_free(net);
	for (size_t i = 0; i < set->nsrv && ret == DV_OK; i++) {
		server_t *s = &set->srv[i];
		if (s->need_axfr)
			continue;
		fetch_t *f = &s->f;
		s->rep.from_serial = s->ver->serial;
		s->rep.records = f->res.records;
		s->rep.elapsed_ms = f->res.elapsed_ms;
		char why[640] = "";
		if (f->res.status != DV_OK) {
			snprintf(s->rep.fallback, sizeof(s->rep.fallback),
			         "IXFR failed: %.24s: %.270s", dv_xfr_failure_name(f->res.failure),
			         f->res.detail);
			s->need_axfr = true;
		} else if (f->res.kind == DV_XFR_KIND_SOA) {
			if (f->res.serial == s->ver->serial) {
				s->rep.how = DV_REPLICA_UP_TO_DATE;
				s->current = true;
			} else {
				/* RFC 1995 §4: a serial not newer than ours but another one:
				 * the server went back; what it holds now is only known whole. */
				snprintf(s->rep.fallback, sizeof(s->rep.fallback),
				         "IXFR: the server's serial %u is older than %u",
				         f->res.serial, s->ver->serial);
				s->need_axfr = true;
			}
		} else if (f->res.kind == DV_XFR_KIND_FULL) {
			dv_zone_t *z;
			ret = fetch_zone(f, &z, why, sizeof(why));
			if (ret == DV_OK) {
				s->rep.how = DV_REPLICA_IXFR_AXFR;
				ret = take_zone(set, s, z, o);
			} else if (ret != DV_ENOMEM) {
				snprintf(s->rep.fallback, sizeof(s->rep.fallback), "%s", why);
				s->need_axfr = true;
				ret = DV_OK;
			}
		} else {
			ret = take_diff(set, s, f->res.ixfr, o, why, sizeof(why));
			if (ret == DV_OK) {
				s->rep.how = DV_REPLICA_IXFR;
			} else if (ret != DV_ENOMEM) {
				snprintf(s->rep.fallback, sizeof(s->rep.fallback),
				         "the IXFR from serial %u does not apply: %s",
				         s->ver->serial, why);
				s->ixfr_mismatch = true;
				s->need_axfr = true;
				ret = DV_OK;
			}
		}
		s->rep.fell_back = s->need_axfr;
		fetch_clear(f);
	}
	if (ret != DV_OK)
		snprintf(err, errlen, "%s: %s", set->origin_str, dv_strerror(ret));
	return ret;
}

typedef struct {
	dv_replica_set_t *set;
	const dv_replica_opts_t *o;
	size_t next;
	unsigned running;
	dv_net_t *net;
	int ret;
} axfr_round_t;

static void axfr_next(axfr_round_t *r);

static void axfr_done(void *ctx, fetch_t *f)
{
	axfr_round_t *r = ctx;
	server_t *s = (server_t *)((char *)f - offsetof(server_t, f));
	r->running--;
	s->rep.records = f->res.records;
	s->rep.elapsed_ms += f->res.elapsed_ms;
	if (s->rep.how != DV_REPLICA_IXFR_AXFR)
		s->rep.how = DV_REPLICA_AXFR;
	dv_zone_t *z = NULL;
	char why[640];
	int ret = fetch_zone(f, &z, why, sizeof(why));
	if (ret == DV_OK) {
		/* Built, compared, perhaps verified: before the next whole zone. */
		ret = take_zone(r->set, s, z, r->o);
		if (ret != DV_OK && r->ret == DV_OK)
			r->ret = ret;
	} else if (f->build_ret != DV_OK) {
		s->rep.how = DV_REPLICA_FAILED;
		s->rep.failure = DV_XFR_MALFORMED;
		snprintf(s->rep.detail, sizeof(s->rep.detail), "%.319s", why);
	} else {
		failed(s, f);
	}
	fetch_clear(f);
	axfr_next(r);
}

static void axfr_next(axfr_round_t *r)
{
	unsigned par = r->o->parallel ? r->o->parallel : 1;
	while (r->running < par && r->next < r->set->nsrv && r->ret == DV_OK) {
		server_t *s = &r->set->srv[r->next++];
		if (!s->need_axfr)
			continue;
		fetch_prepare(r->set, s, r->o, DV_XFR_AXFR);
		s->f.on_done = axfr_done;
		s->f.ctx = r;
		if (fetch_start(r->net, &s->f) != DV_OK) {
			s->rep.how = DV_REPLICA_FAILED;
			s->rep.failure = DV_XFR_INTERNAL;
			snprintf(s->rep.detail, sizeof(s->rep.detail),
			         "the transfer could not start");
			continue;
		}
		r->running++;
	}
}

static int round_axfr(dv_replica_set_t *set, const dv_replica_opts_t *o, char *err, size_t errlen)
{
	axfr_round_t r = {.set = set, .o = o};
	int ret = dv_net_new(NULL, &r.net);
	if (ret != DV_OK)
		return ret;
	axfr_next(&r);
	if (r.running > 0)
		dv_net_run(r.net);
	dv_net_free(r.net);
	for (size_t i = 0; i < set->nsrv; i++)
		fetch_clear(&set->srv[i].f);
	if (r.ret != DV_OK)
		snprintf(err, errlen, "%s: %s", set->origin_str, dv_strerror(r.ret));
	return r.ret;
}

/* ---- the report -------------------------------------------------------------------------- */

/* "a,b,c" of the servers holding a version, cut to the findings' ceiling
 * as "a,b,+3". */
static void servers_of(const dv_replica_set_t *set, const version_t *v, char *buf, size_t len)
{
	size_t at = 0, listed = 0, total = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < set->nsrv; i++) {
		const server_t *s = &set->srv[i];
		if (s->ver != v || !s->current)
			continue;
		total++;
		size_t need = strlen(s->addr) + (at ? 1 : 0);
		if (listed < total - 1 || at + need + 6 >= len)
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? "," : "", s->addr);
		listed++;
	}
	if (listed < total)
		snprintf(buf + at, len - at, ",+%zu", total - listed);
}

static int add_copy(dv_findings_t *out, const dv_finding_t *f, const uint8_t *zone,
                    const char *servers)
{
	dv_finding_t c = *f;
	c.zone = zone;
	c.server = servers;
	return dv_findings_add_copy(out, &c);
}

/* Servers at one serial with other content: each version at that serial
 * against the one most servers hold. */
static int divergence(dv_replica_set_t *set, dv_replica_report_t *rep)
{
	rrset_diff_t *diffs = malloc(DV_REPLICA_DIFF_MAX * sizeof(*diffs));
	if (diffs == NULL)
		return DV_ENOMEM;
	int ret = DV_OK;
	for (version_t *a = set->versions; a != NULL && ret == DV_OK; a = a->next) {
		if (a->index < 0)
			continue;
		/* The majority version of a's serial (ties: the first listed). */
		version_t *maj = NULL;
		for (version_t *b = set->versions; b != NULL; b = b->next)
			if (b->index >= 0 && b->serial == a->serial &&
			    (maj == NULL ||
			     rep->ver[b->index].servers > rep->ver[maj->index].servers ||
			     (rep->ver[b->index].servers == rep->ver[maj->index].servers &&
			      b->index < maj->index)))
				maj = b;
		if (maj == a)
			continue;
		char here[DV_FINDING_SERVER_MAX], there[DV_FINDING_SERVER_MAX];
		servers_of(set, a, here, sizeof(here));
		servers_of(set, maj, there, sizeof(there));
		size_t n, more;
		compare_versions(maj->zone, a->zone, diffs, DV_REPLICA_DIFF_MAX, &n, &more, NULL);
		for (size_t i = 0; i < n && ret == DV_OK; i++) {
			dv_evidence_t ev = {.owner = diffs[i].owner,
			                    .zone = set->origin,
			                    .server = here,
			                    .type = diffs[i].type};
			ret = dv_findings_add(&rep->findings, DV_F_SERVERS_CONTENT_DIFFER, &ev,
			                      "serial %u: %u record%s only here, %u only at %s",
			                      a->serial, diffs[i].only_b,
			                      diffs[i].only_b == 1 ? "" : "s", diffs[i].only_a,
			                      there);
		}
		if (more > 0 && ret == DV_OK)
			ret = dv_findings_add(&rep->findings, DV_F_SERVERS_CONTENT_DIFFER,
			                      &(dv_evidence_t){.zone = set->origin, .server = here},
			                      "serial %u: %zu more RRsets differ from %s",
			                      a->serial, more, there);
	}
	free(diffs);
	return ret;
}

static int build_report(dv_replica_set_t *set, const dv_replica_opts_t *o, dv_replica_report_t *rep)
{
	int64_t now = o->verify.now;
	rep->nsrv = set->nsrv;
	rep->srv = calloc(set->nsrv ? set->nsrv : 1, sizeof(*rep->srv));
	size_t nv = 0;
	for (version_t *v = set->versions; v != NULL; v = v->next)
		v->index = -1;
	for (size_t i = 0; i < set->nsrv; i++)
		if (set->srv[i].current && set->srv[i].ver->index < 0)
			set->srv[i].ver->index = (int)nv++;
	rep->ver = calloc(nv ? nv : 1, sizeof(*rep->ver));
	if (rep->srv == NULL || rep->ver == NULL)
		return DV_ENOMEM;
	rep->nver = nv;
	/* The newest serial any server serves (RFC 1982). */
	for (size_t i = 0; i < set->nsrv; i++) {
		const server_t *s = &set->srv[i];
		if (!s->current)
			continue;
		if (!rep->have_newest ||
		    dv_serial_compare(s->ver->serial, rep->newest) == DV_SERIAL_NEWER) {
			rep->newest = s->ver->serial;
			rep->have_newest = true;
		}
	}
	for (version_t *v = set->versions; v != NULL; v = v->next) {
		if (v->index < 0)
			continue;
		dv_replica_version_t *rv = &rep->ver[v->index];
		rv->serial = v->serial;
		rv->zone = v->zone;
		rv->stats = v->stats;
		rv->verified = v->verified;
		rv->incremental = v->incremental;
		digest_hex(&v->digest, rv->digest);
		for (size_t k = 0; k < v->findings.len; k++)
			if (dv_findings_add_copy(&rv->findings, &v->findings.v[k]) != DV_OK)
				return DV_ENOMEM;
		for (int c = 0; c < DV_F_COUNT; c++)
			rv->findings.dropped[c] += v->findings.dropped[c];
	}
	int ret = DV_OK;
	for (size_t i = 0; i < set->nsrv && ret == DV_OK; i++) {
		server_t *s = &set->srv[i];
		dv_replica_server_t *r = &s->rep;
		snprintf(r->addr, sizeof(r->addr), "%s", s->addr);
		r->have = s->current;
		r->version = s->current ? s->ver->index : -1;
		r->serial = s->current ? s->ver->serial : 0;
		if (s->current) {
			rep->ver[s->ver->index].servers++;
			uint32_t gap = rep->newest - s->ver->serial; /* RFC 1982: the distance */
			if (dv_serial_compare(s->ver->serial, rep->newest) == DV_SERIAL_OLDER) {
				r->behind = gap;
				if (s->behind_since == 0 || s->behind_since > now)
					s->behind_since = now;
			} else {
				s->behind_since = 0;
			}
		}
		r->behind_since = s->behind_since;
		rep->srv[i] = *r;
		dv_evidence_t ev = {.zone = set->origin, .server = s->addr};
		if (r->how == DV_REPLICA_REFUSED)
			ret = dv_findings_add(&rep->findings, DV_F_SERVER_XFR_REFUSED, &ev,
			                      "%s: %s", dv_xfr_failure_name(r->failure), r->detail);
		else if (r->how == DV_REPLICA_FAILED)
			ret = dv_findings_add(&rep->findings, DV_F_SERVER_XFR_FAILED, &ev, "%s: %s",
			                      dv_xfr_failure_name(r->failure), r->detail);
		if (ret == DV_OK && s->ixfr_mismatch)
			ret = dv_findings_add(&rep->findings, DV_F_SERVER_IXFR_MISMATCH, &ev, "%s",
			                      r->fallback);
	}
	/* Behind: how far and since when. */
	for (size_t i = 0; i < set->nsrv && ret == DV_OK; i++) {
		const dv_replica_server_t *r = &rep->srv[i];
		if (r->behind == 0)
			continue;
		char since[40];
		dv_time_format(r->behind_since, since, sizeof(since));
		int64_t lag = now - r->behind_since;
		ret = dv_findings_add(
		    &rep->findings, DV_F_SERVERS_SERIAL_BEHIND,
		    &(dv_evidence_t){.zone = set->origin,
		                     .owner = set->origin,
		                     .type = KNOT_RRTYPE_SOA,
		                     .server = r->addr,
		                     .time = r->behind_since},
		    "serial %u, %u behind the newest %u; behind since %s (%lldd %02lldh %02lldm)",
		    r->serial, r->behind, rep->newest, since, (long long)(lag / 86400),
		    (long long)(lag % 86400 / 3600), (long long)(lag % 3600 / 60));
	}
	/* Each version's findings, with the servers that hold it. */
	for (version_t *v = set->versions; v != NULL && ret == DV_OK; v = v->next) {
		if (v->index < 0)
			continue;
		char servers[DV_FINDING_SERVER_MAX];
		servers_of(set, v, servers, sizeof(servers));
		for (size_t k = 0; k < v->findings.len && ret == DV_OK; k++)
			ret = add_copy(&rep->findings, &v->findings.v[k], set->origin, servers);
		for (int c = 0; c < DV_F_COUNT; c++)
			rep->findings.dropped[c] += v->findings.dropped[c];
	}
	if (ret == DV_OK)
		ret = divergence(set, rep);
	if (ret == DV_OK)
		dv_findings_sort(&rep->findings);
	return ret;
}

/* ---- the set ----------------------------------------------------------------------------- */

int dv_replica_set_new(const uint8_t *origin, dv_replica_set_t **out)
{
	size_t ol = knot_dname_size(origin);
	if (ol == 0 || ol > KNOT_DNAME_MAXLEN)
		return DV_EINVAL;
	dv_replica_set_t *set = calloc(1, sizeof(*set));
	if (set == NULL)
		return DV_ENOMEM;
	memcpy(set->origin, origin, ol);
	knot_dname_to_lower(set->origin);
	dv_dname_to_str(set->origin, set->origin_str, sizeof(set->origin_str));
	*out = set;
	return DV_OK;
}

int dv_replica_set_seed(dv_replica_set_t *set, const char *addr, int64_t since)
{
	struct sockaddr_storage sa;
	char name[DV_REPLICA_ADDR_MAX];
	if (since <= 0 || dv_net_addr_parse(addr, 53, &sa) != DV_OK)
		return DV_EINVAL;
	dv_net_addr_format(&sa, name, sizeof(name));
	for (size_t i = 0; i < set->nsrv; i++)
		if (strcmp(set->srv[i].addr, name) == 0)
			return DV_OK;
	if (set->nsrv >= DV_REPLICA_SERVERS)
		return DV_ELIMIT;
	/* a server without a copy: set_servers keeps its behind_since when
	 * the refresh lists it, drops it otherwise */
	server_t *ns = realloc(set->srv, (set->nsrv + 1) * sizeof(*ns));
	if (ns == NULL)
		return DV_ENOMEM;
	set->srv = ns;
	server_t *s = &ns[set->nsrv++];
	memset(s, 0, sizeof(*s));
	s->sa = sa;
	memcpy(s->addr, name, sizeof(s->addr));
	s->behind_since = since;
	return DV_OK;
}

void dv_replica_set_free(dv_replica_set_t *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->nsrv; i++) {
		fetch_clear(&set->srv[i].f);
		version_unref(set, set->srv[i].ver);
	}
	free(set->srv);
	while (set->versions != NULL) {
		set->versions->refs = 1;
		version_unref(set, set->versions);
	}
	free(set);
}

void dv_replica_report_clear(dv_replica_report_t *r)
{
	for (size_t i = 0; i < r->nver; i++)
		dv_findings_clear(&r->ver[i].findings);
	free(r->ver);
	free(r->srv);
	dv_findings_clear(&r->findings);
	memset(r, 0, sizeof(*r));
}

/* Make the set's servers those of addrs: kept ones keep their copy. */
static int set_servers(dv_replica_set_t *set, const char *const *addrs, size_t n, uint16_t port,
                       char *err, size_t errlen)
{
	server_t *ns = calloc(n ? n : 1, sizeof(*ns));
	if (ns == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (dv_net_addr_parse(addrs[i], port ? port : 53, &ns[i].sa) != DV_OK) {
			snprintf(err, errlen, "%s: not an address", addrs[i]);
			free(ns);
			return DV_EINVAL;
		}
		dv_net_addr_format(&ns[i].sa, ns[i].addr, sizeof(ns[i].addr));
		for (size_t k = 0; k < i; k++)
			if (strcmp(ns[k].addr, ns[i].addr) == 0) {
				snprintf(err, errlen, "%s: listed twice", ns[i].addr);
				free(ns);
				return DV_EINVAL;
			}
		for (size_t k = 0; k < set->nsrv; k++)
			if (strcmp(set->srv[k].addr, ns[i].addr) == 0) {
				ns[i].ver = set->srv[k].ver; /* the reference moves */
				ns[i].behind_since = set->srv[k].behind_since;
				set->srv[k].ver = NULL;
			}
	}
	for (size_t k = 0; k < set->nsrv; k++) {
		fetch_clear(&set->srv[k].f);
		version_unref(set, set->srv[k].ver);
	}
	free(set->srv);
	set->srv = ns;
	set->nsrv = n;
	return DV_OK;
}

/* Copies no transfer changed this round (their servers were up to date) are
 * judged again at this round's time: an empty step, which re-checks every
 * signature's window, the apex keys and ZONEMD without cryptography on the
 * RRsets, so that a signature expiring deep in an unchanged zone is seen. */
static int rejudge(dv_replica_set_t *set, const dv_replica_opts_t *o)
{
	for (version_t *v = set->versions; v != NULL; v = v->next) {
		bool held = false;
		for (size_t i = 0; i < set->nsrv && !held; i++)
			held = set->srv[i].current && set->srv[i].ver == v;
		if (!held || v->verified || v->state == NULL)
			continue;
		dv_zone_delta_t none = {0};
		dv_verify_stats_t st;
		dv_findings_t f = {0};
		dv_verify_state_t *ns = NULL;
		bool full = true;
		int ret = dv_verify_zone_step(v->state, v->zone, v->zone, &none, &o->verify, &st,
		                              &f, &ns, &full);
		if (ret != DV_OK) {
			dv_findings_clear(&f);
			return ret;
		}
		dv_verify_state_free(v->state);
		v->state = ns;
		dv_findings_clear(&v->findings);
		v->findings = f;
		v->stats = st;
		v->verified = true;
		v->incremental = !full;
	}
	return DV_OK;
}

int dv_replica_refresh(dv_replica_set_t *set, const char *const *addrs, size_t n, uint16_t port,
                       const dv_replica_opts_t *o, dv_replica_report_t *out, char *err,
                       size_t errlen)
{
	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (n > DV_REPLICA_SERVERS) {
		snprintf(err, errlen, "%s: more than %u server addresses", set->origin_str,
		         DV_REPLICA_SERVERS);
		return DV_EINVAL;
	}
	int ret = set_servers(set, addrs, n, port, err, errlen);
	if (ret != DV_OK)
		return ret;
	for (version_t *v = set->versions; v != NULL; v = v->next)
		v->verified = v->incremental = false;
	for (size_t i = 0; i < set->nsrv; i++) {
		server_t *s = &set->srv[i];
		s->current = false;
		s->ixfr_mismatch = false;
		memset(&s->rep, 0, sizeof(s->rep));
		s->rep.version = -1;
	}
	if ((ret = round_ixfr(set, o, err, errlen)) == DV_OK)
		ret = round_axfr(set, o, err, errlen);
	if (ret == DV_OK)
		ret = rejudge(set, o);
	if (ret == DV_OK)
		ret = build_report(set, o, out);
	if (ret != DV_OK) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: %s", set->origin_str, dv_strerror(ret));
		dv_replica_report_clear(out);
	}
	return ret;
}
