/*
 * Transitions between consecutive observations of a zone (issue 12 §2
 * "Events").  Pure: the same two observations always give the same events
 * in the same order, so an unchanged state gives none and a restart that
 * reloads the last stored observation repeats nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store/store.h"

static const dv_obs_server_t *find_server(const dv_obs_t *obs, const char *addr)
{
	for (size_t i = 0; obs && i < obs->nsrv; i++)
		if (strcmp(obs->srv[i].addr, addr) == 0)
			return &obs->srv[i];
	return NULL;
}

static const dv_obs_parent_t *find_parent(const dv_obs_t *obs, const char *addr)
{
	for (size_t i = 0; obs && i < obs->npar; i++)
		if (strcmp(obs->par[i].addr, addr) == 0)
			return &obs->par[i];
	return NULL;
}

/* ---- canonical set text ------------------------------------------------------ */

#define LINE_MAX_LEN 1024

typedef struct {
	const char *p[DV_OBS_MAX_SET];
	size_t len[DV_OBS_MAX_SET];
	size_t n;
} lines_t;

static void split(const char *s, lines_t *out)
{
	out->n = 0;
	while (s && *s && out->n < DV_OBS_MAX_SET) {
		const char *e = strchr(s, '\n');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (l > 0) {
			out->p[out->n] = s;
			out->len[out->n++] = l;
		}
		s = e ? e + 1 : NULL;
	}
}

static bool has_line(const lines_t *set, const char *p, size_t len)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->len[i] == len && memcmp(set->p[i], p, len) == 0)
			return true;
	return false;
}

static void line_copy(char *buf, size_t size, const char *p, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
}

/* "FLAGS ALG TAG KEYID": the flags and the key id (the 4th field). */
static bool dnskey_fields(const char *p, size_t len, unsigned *flags, const char **keyid,
                          size_t *idlen)
{
	char buf[LINE_MAX_LEN];
	line_copy(buf, sizeof(buf), p, len);
	char *end;
	unsigned long f = strtoul(buf, &end, 10);
	if (end == buf || *end != ' ' || f > 65535)
		return false;
	*flags = (unsigned)f;
	const char *sp = p;
	for (int field = 0; field < 3; field++) {
		sp = memchr(sp, ' ', len - (size_t)(sp - p));
		if (sp == NULL)
			return false;
		sp++;
	}
	*keyid = sp;
	*idlen = len - (size_t)(sp - p);
	return true;
}

#define DNSKEY_REVOKE 0x0080 /* RFC 5011 §7 */

/* The line of `set` for the same key material as (keyid), other than `skip`, or -1. */
static long same_key(const lines_t *set, const char *keyid, size_t idlen, bool want_revoked)
{
	for (size_t i = 0; i < set->n; i++) {
		unsigned f;
		const char *k;
		size_t kl;
		if (!dnskey_fields(set->p[i], set->len[i], &f, &k, &kl))
			continue;
		if (kl == idlen && memcmp(k, keyid, idlen) == 0 &&
		    ((f & DNSKEY_REVOKE) != 0) == want_revoked)
			return (long)i;
	}
	return -1;
}

static int diff_dnskey(const char *zone, const char *server, int64_t time, const char *old,
                       const char *cur, dv_events_t *out)
{
	lines_t o, c;
	char a[LINE_MAX_LEN], b[LINE_MAX_LEN];
	split(old, &o);
	split(cur, &c);
	int rc;
	for (size_t i = 0; i < c.n; i++) {
		if (has_line(&o, c.p[i], c.len[i]))
			continue;
		line_copy(b, sizeof(b), c.p[i], c.len[i]);
		unsigned f;
		const char *k;
		size_t kl;
		long was = -1;
		/* RFC 5011 §2.1: revoking sets a flag and so changes the key tag; the
		 * key id (a digest of the public key) shows it is the same key. */
		if (dnskey_fields(c.p[i], c.len[i], &f, &k, &kl) && (f & DNSKEY_REVOKE))
			was = same_key(&o, k, kl, false);
		if (was >= 0) {
			line_copy(a, sizeof(a), o.p[was], o.len[was]);
			rc = dv_events_add(out, DV_EV_DNSKEY_REVOKED, time, zone, server, b, a, b);
		} else {
			rc = dv_events_add(out, DV_EV_DNSKEY_ADDED, time, zone, server, b, "", b);
		}
		if (rc != DV_OK)
			return rc;
	}
	for (size_t i = 0; i < o.n; i++) {
		if (has_line(&c, o.p[i], o.len[i]))
			continue;
		unsigned f;
		const char *k;
		size_t kl;
		/* Revoked, not removed: reported above. */
		if (dnskey_fields(o.p[i], o.len[i], &f, &k, &kl) && !(f & DNSKEY_REVOKE) &&
		    same_key(&c, k, kl, true) >= 0)
			continue;
		line_copy(a, sizeof(a), o.p[i], o.len[i]);
		if ((rc = dv_events_add(out, DV_EV_DNSKEY_REMOVED, time, zone, server, a, a, "")) !=
		    DV_OK)
			return rc;
	}
	return DV_OK;
}

static bool set_differs(const char *old, const char *cur)
{
	return strcmp(old ? old : "", cur ? cur : "") != 0;
}

/* ---- findings ------------------------------------------------------------------ */

static bool same_finding(const dv_store_finding_t *a, const dv_store_finding_t *b)
{
	return a->type == b->type && a->keytag == b->keytag && strcmp(a->code, b->code) == 0 &&
	       strcmp(a->owner, b->owner) == 0 && strcmp(a->server, b->server) == 0;
}

static const dv_store_finding_t *find_finding(const dv_store_findings_t *l,
                                              const dv_store_finding_t *f)
{
	for (size_t i = 0; l && i < l->len; i++)
		if (same_finding(&l->v[i], f))
			return &l->v[i];
	return NULL;
}

/* "CODE OWNER TYPE KEYTAG": the identity, for the event's subject. */
static void finding_subject(const dv_store_finding_t *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s %u %d", f->code, f->owner[0] ? f->owner : "-", f->type,
	         (int)f->keytag);
}

static void finding_value(const dv_store_finding_t *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %s", f->severity, f->detail);
}

void dv_findings_carry(const dv_store_findings_t *oldf, dv_store_findings_t *curf)
{
	for (size_t i = 0; i < curf->len; i++) {
		const dv_store_finding_t *o = find_finding(oldf, &curf->v[i]);
		if (o != NULL && o->first_seen != 0)
			curf->v[i].first_seen = o->first_seen;
	}
}

static int diff_findings(const dv_obs_t *cur, const dv_store_findings_t *oldf,
                         const dv_store_findings_t *curf, dv_events_t *out)
{
	char subj[1100], val[600];
	int rc;
	for (size_t i = 0; curf && i < curf->len; i++) {
		const dv_store_finding_t *f = &curf->v[i];
		if (find_finding(oldf, f) != NULL)
			continue;
		finding_subject(f, subj, sizeof(subj));
		finding_value(f, val, sizeof(val));
		if ((rc = dv_events_add(out, DV_EV_FINDING_RAISED, cur->time, cur->zone, f->server,
		                        subj, "", val)) != DV_OK)
			return rc;
	}
	for (size_t i = 0; oldf && i < oldf->len; i++) {
		const dv_store_finding_t *f = &oldf->v[i];
		if (find_finding(curf, f) != NULL)
			continue;
		finding_subject(f, subj, sizeof(subj));
		finding_value(f, val, sizeof(val));
		if ((rc = dv_events_add(out, DV_EV_FINDING_CLEARED, cur->time, cur->zone, f->server,
		                        subj, val, "")) != DV_OK)
			return rc;
	}
	return DV_OK;
}

/* ---- the zone --------------------------------------------------------------------- */

int dv_obs_diff(const dv_obs_t *old, const dv_obs_t *cur, const dv_store_findings_t *oldf,
                const dv_store_findings_t *curf, dv_events_t *out)
{
	int rc;
	char a[16], b[16];
	/* A probe that did not run saw nothing: no key went away, no finding cleared. */
	if (!cur->probe_ok)
		return DV_OK;
	if (cur->status[0] != '\0' && (old == NULL || strcmp(old->status, cur->status) != 0)) {
		if ((rc = dv_events_add(out, DV_EV_ZONE_STATUS, cur->time, cur->zone, "", "status",
		                        old ? old->status : "", cur->status)) != DV_OK)
			return rc;
	}
	for (size_t i = 0; i < cur->nsrv; i++) {
		const dv_obs_server_t *s = &cur->srv[i];
		if (!s->answering)
			continue;
		const dv_obs_server_t *o = find_server(old, s->addr);
		if (s->have_serial && (o == NULL || !o->have_serial || o->serial != s->serial)) {
			a[0] = '\0';
			if (o != NULL && o->have_serial)
				snprintf(a, sizeof(a), "%u", o->serial);
			snprintf(b, sizeof(b), "%u", s->serial);
			if ((rc = dv_events_add(out, DV_EV_ZONE_SERIAL, cur->time, cur->zone,
			                        s->addr, "SOA", a, b)) != DV_OK)
				return rc;
		}
		/* The copy of the zone (full: true): every new serial of it, with
		 * the RRsets the transfer changed. */
		if (s->have_copy &&
		    (o == NULL || !o->have_copy || o->copy_serial != s->copy_serial)) {
			char was[16] = "", now[96];
			if (o != NULL && o->have_copy)
				snprintf(was, sizeof(was), "%u", o->copy_serial);
			snprintf(now, sizeof(now), "%u %s +%u -%u ~%u", s->copy_serial, s->transfer,
			         s->rrsets_added, s->rrsets_removed, s->rrsets_changed);
			if ((rc = dv_events_add(out, DV_EV_ZONE_COPY, cur->time, cur->zone, s->addr,
			                        "copy", was, now)) != DV_OK)
				return rc;
		}
		if (s->dnskey != NULL &&
		    (rc = diff_dnskey(cur->zone, s->addr, cur->time, o ? o->dnskey : NULL,
		                      s->dnskey, out)) != DV_OK)
			return rc;
		if (s->cds != NULL && set_differs(o ? o->cds : NULL, s->cds) &&
		    (rc = dv_events_add(out, DV_EV_CDS_CHANGED, cur->time, cur->zone, s->addr,
		                        "CDS", o && o->cds ? o->cds : "", s->cds)) != DV_OK)
			return rc;
		if (s->cdnskey != NULL && set_differs(o ? o->cdnskey : NULL, s->cdnskey) &&
		    (rc = dv_events_add(out, DV_EV_CDS_CHANGED, cur->time, cur->zone, s->addr,
		                        "CDNSKEY", o && o->cdnskey ? o->cdnskey : "",
		                        s->cdnskey)) != DV_OK)
			return rc;
	}
	for (size_t i = 0; i < cur->npar; i++) {
		const dv_obs_parent_t *p = &cur->par[i];
		if (!p->answering || p->ds == NULL)
			continue;
		const dv_obs_parent_t *o = find_parent(old, p->addr);
		if (set_differs(o ? o->ds : NULL, p->ds) &&
		    (rc = dv_events_add(out, DV_EV_DS_CHANGED, cur->time, cur->zone, p->addr, "DS",
		                        o && o->ds ? o->ds : "", p->ds)) != DV_OK)
			return rc;
	}
	return diff_findings(cur, oldf, curf, out);
}

static int dup_if(char **dst, const char *src)
{
	if (*dst != NULL || src == NULL)
		return DV_OK;
	*dst = strdup(src);
	return *dst ? DV_OK : DV_ENOMEM;
}

int dv_obs_carry(const dv_obs_t *old, dv_obs_t *cur)
{
	if (old == NULL)
		return DV_OK;
	if (!cur->probe_ok) {
		/* Nothing new was seen: the last known state stands. */
		dv_obs_t keep;
		int rc = dv_obs_copy(&keep, old);
		if (rc != DV_OK)
			return rc;
		keep.time = cur->time;
		keep.probe_ok = false;
		dv_obs_clear(cur);
		*cur = keep;
		return DV_OK;
	}
	for (size_t i = 0; i < cur->nsrv; i++) {
		dv_obs_server_t *s = &cur->srv[i];
		const dv_obs_server_t *o = find_server(old, s->addr);
		if (s->answering || o == NULL)
			continue;
		if (!s->have_serial && o->have_serial) {
			s->have_serial = true;
			s->serial = o->serial;
		}
		if (s->earliest_expiry == 0)
			s->earliest_expiry = o->earliest_expiry;
		if (s->newest_inception == 0)
			s->newest_inception = o->newest_inception;
		if (!s->have_copy && o->have_copy) {
			s->have_copy = true;
			s->copy_serial = o->copy_serial;
		}
		if (dup_if(&s->dnskey, o->dnskey) || dup_if(&s->cds, o->cds) ||
		    dup_if(&s->cdnskey, o->cdnskey))
			return DV_ENOMEM;
	}
	for (size_t i = 0; i < cur->npar; i++) {
		dv_obs_parent_t *p = &cur->par[i];
		const dv_obs_parent_t *o = find_parent(old, p->addr);
		if (p->answering || o == NULL)
			continue;
		if (dup_if(&p->ds, o->ds))
			return DV_ENOMEM;
		if (p->ds_match < 0)
			p->ds_match = o->ds_match;
	}
	return DV_OK;
}

int dv_resolver_diff(const char *resolver, const char *old, const char *cur, int64_t time,
                     dv_events_t *out)
{
	if (cur == NULL || cur[0] == '\0' || strcmp(old ? old : "", cur) == 0)
		return DV_OK;
	return dv_events_add(out, DV_EV_RESOLVER_VERDICT, time, "", resolver, "verdict",
	                     old ? old : "", cur);
}
