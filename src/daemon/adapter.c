/*
 * The daemon's adapter to the probe, the live checks, the findings and the
 * audit (see adapter.h).  It turns one `check` run into an observation:
 * per server address the serial, the DNSKEY/CDS/CDNSKEY sets and the RRSIG
 * times it served; per parent server address the DS set and whether it
 * matches a DNSKEY; the zone's status and its own findings.
 */
#include <libknot/libknot.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary/canary.h"
#include "checks/audit.h"
#include "checks/live.h"
#include "core/error.h"
#include "core/zone.h"
#include "daemon/adapter.h"
#include "dnssec/dnssec.h"
#include "findings/findings.h"
#include "probe/probe.h"
#include "probe/resolver.h"
#include "rollover/rollover.h"
#include "snapshot/snapshot.h"

/* ---- set text ------------------------------------------------------------ */

typedef struct {
	char *lines[DV_OBS_MAX_SET];
	size_t n;
} lineset_t;

static void lineset_clear(lineset_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->lines[i]);
	s->n = 0;
}

static int lineset_add(lineset_t *s, const char *line)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->lines[i], line) == 0)
			return DV_OK;
	if (s->n >= DV_OBS_MAX_SET)
		return DV_OK; /* the ceiling: a larger set is shown by its first records */
	if ((s->lines[s->n] = strdup(line)) == NULL)
		return DV_ENOMEM;
	s->n++;
	return DV_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, '\n'-joined (the canonical set text of store.h). */
static int lineset_join(lineset_t *s, char **out)
{
	qsort(s->lines, s->n, sizeof(s->lines[0]), cmp_str);
	size_t len = 1;
	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->lines[i]) + 1;
	char *p = malloc(len);
	if (p == NULL)
		return DV_ENOMEM;
	p[0] = '\0';
	size_t at = 0;
	for (size_t i = 0; i < s->n; i++) {
		size_t l = strlen(s->lines[i]);
		if (i)
			p[at++] = '\n';
		memcpy(p + at, s->lines[i], l);
		at += l;
	}
	p[at] = '\0';
	free(*out);
	*out = p;
	return DV_OK;
}

static void hex(const uint8_t *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* "FLAGS ALG TAG KEYID" of DNSKEY/CDNSKEY RDATA (RFC 4034 §2.1). */
static int dnskey_line(const uint8_t *rd, uint16_t len, char *buf, size_t size)
{
	if (len < 4)
		return DV_EPARSE;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (!EVP_Digest(rd + 4, len - 4, md, &mdlen, EVP_sha256(), NULL))
		return DV_ENOMEM;
	char id[17];
	hex(md, 8, id);
	snprintf(buf, size, "%u %u %u %s", (unsigned)((rd[0] << 8) | rd[1]), rd[3],
	         dv_keytag(rd, len), id);
	return DV_OK;
}

/* "TAG ALG DIGESTTYPE DIGEST" of DS/CDS RDATA (RFC 4034 §5.1). */
static int ds_line(const uint8_t *rd, uint16_t len, char *buf, size_t size)
{
	if (len < 5 || len - 4 > 128)
		return DV_EPARSE;
	char d[257];
	hex(rd + 4, len - 4u, d);
	snprintf(buf, size, "%u %u %u %s", (unsigned)((rd[0] << 8) | rd[1]), rd[2], rd[3], d);
	return DV_OK;
}

/* ---- messages --------------------------------------------------------------- */

static knot_pkt_t *parse(const uint8_t *wire, uint16_t len, uint8_t **copy)
{
	*copy = NULL;
	if (wire == NULL || len < KNOT_WIRE_HEADER_SIZE)
		return NULL;
	/* knot_pkt_parse may rewrite the buffer: parse a copy. */
	if ((*copy = malloc(len)) == NULL)
		return NULL;
	memcpy(*copy, wire, len);
	knot_pkt_t *pkt = knot_pkt_new(*copy, len, NULL);
	if (pkt == NULL)
		return NULL;
	int r = knot_pkt_parse(pkt, 0);
	if (r != KNOT_EOK && r != KNOT_ETRAIL) {
		knot_pkt_free(pkt);
		return NULL;
	}
	return pkt;
}

static bool owner_is(const knot_dname_t *owner, const uint8_t *zone)
{
	uint8_t lower[KNOT_DNAME_MAXLEN];
	size_t n = knot_dname_size(owner);
	if (n == 0 || n > sizeof(lower))
		return false;
	memcpy(lower, owner, n);
	knot_dname_to_lower(lower);
	return n == knot_dname_size(zone) && memcmp(lower, zone, n) == 0;
}

/* Collect the answer records of `type` at the zone apex as set lines; also
 * the newest RRSIG inception over anything in the answer. */
static int collect(const dv_snap_query_t *q, const uint8_t *zone, uint16_t type, lineset_t *set,
                   int64_t now, int64_t *newest_inception, bool *seen, lineset_t *keys_rdata)
{
	uint8_t *copy;
	knot_pkt_t *pkt = parse(q->wire, q->len, &copy);
	int rc = DV_OK;
	if (pkt == NULL)
		goto out;
	if (knot_wire_get_rcode(pkt->wire) != KNOT_RCODE_NOERROR)
		goto out;
	*seen = true;
	const knot_pktsection_t *sec = knot_pkt_section(pkt, KNOT_ANSWER);
	for (uint16_t i = 0; i < sec->count && rc == DV_OK; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(sec, i);
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t j = 0; j < rr->rrs.count && rc == DV_OK;
		     j++, rd = knot_rdataset_next(rd)) {
			char line[400];
			if (rr->type == KNOT_RRTYPE_RRSIG && newest_inception != NULL) {
				if (rd->len < 18)
					continue;
				int64_t inc = dv_rrsig_time(knot_rrsig_sig_inception(rd), now);
				if (inc > *newest_inception)
					*newest_inception = inc;
				continue;
			}
			if (rr->type != type || !owner_is(rr->owner, zone))
				continue;
			int lr = type == KNOT_RRTYPE_DS || type == KNOT_RRTYPE_CDS
			             ? ds_line(rd->data, rd->len, line, sizeof(line))
			             : dnskey_line(rd->data, rd->len, line, sizeof(line));
			if (lr == DV_ENOMEM)
				rc = DV_ENOMEM;
			else if (lr == DV_OK)
				rc = lineset_add(set, line);
			if (rc == DV_OK && keys_rdata != NULL && keys_rdata->n < DV_OBS_MAX_SET) {
				/* the raw RDATA, hex, for the DS match below */
				char *h = malloc(2u * rd->len + 1);
				if (h == NULL) {
					rc = DV_ENOMEM;
					break;
				}
				hex(rd->data, rd->len, h);
				keys_rdata->lines[keys_rdata->n++] = h;
			}
		}
	}
out:
	knot_pkt_free(pkt);
	free(copy);
	return rc;
}

static int unhex(const char *h, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(h) / 2;
	if (n > cap)
		return DV_ELIMIT;
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = h[2 * i + (size_t)k];
			v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		out[i] = (uint8_t)v;
	}
	*len = n;
	return DV_OK;
}

/* Whether any DS of `ds_rdata` (hex RDATA) matches any key of `keys` (hex RDATA). */
static int8_t ds_matches(const uint8_t *zone, const lineset_t *ds_rdata, const lineset_t *keys)
{
	if (ds_rdata->n == 0)
		return -1; /* no DS: an insecure delegation, nothing to match */
	uint8_t d[200], k[4200];
	size_t dl, kl;
	for (size_t i = 0; i < ds_rdata->n; i++) {
		if (unhex(ds_rdata->lines[i], d, sizeof(d), &dl) != DV_OK)
			continue;
		for (size_t j = 0; j < keys->n; j++)
			if (unhex(keys->lines[j], k, sizeof(k), &kl) == DV_OK &&
			    dv_ds_matches(zone, d, dl, k, kl))
				return 1;
	}
	return 0;
}

/* ---- one zone -------------------------------------------------------------- */

static int fill_findings(const dv_live_result_t *res, const char *zone, int64_t now,
                         dv_store_findings_t *out)
{
	uint8_t zwire[KNOT_DNAME_MAXLEN];
	if (knot_dname_from_str(zwire, zone, sizeof(zwire)) == NULL)
		return DV_EINVAL;
	knot_dname_to_lower(zwire);
	for (size_t i = 0; i < res->findings.len; i++) {
		const dv_finding_t *f = &res->findings.v[i];
		if (f->zone == NULL || !knot_dname_is_equal(f->zone, zwire))
			continue;
		dv_store_finding_t s;
		memset(&s, 0, sizeof(s));
		snprintf(s.code, sizeof(s.code), "%s", dv_code_name(f->code));
		snprintf(s.severity, sizeof(s.severity), "%s",
		         dv_severity_name(dv_code_severity(f->code)));
		if (f->owner != NULL)
			dv_dname_to_str(f->owner, s.owner, sizeof(s.owner));
		s.type = f->type;
		snprintf(s.server, sizeof(s.server), "%s", f->server);
		s.keytag = f->keytag;
		snprintf(s.detail, sizeof(s.detail), "%s", f->detail);
		s.first_seen = s.last_seen = now;
		int rc = dv_store_findings_add(out, &s);
		if (rc != DV_OK)
			return rc;
	}
	return DV_OK;
}

static int snapshot_json(const dv_snapshot_t *snap, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	if (f == NULL)
		return DV_ENOMEM;
	int rc = dv_snapshot_write(snap, f);
	if (fclose(f) != 0 && rc == DV_OK)
		rc = DV_ENOMEM;
	if (rc != DV_OK) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return rc;
}

static int observe(const dv_snapshot_t *snap, const dv_live_result_t *res, long zi, int64_t now,
                   dv_obs_t *obs)
{
	const dv_snap_zone_t *sz = &snap->zones[zi];
	const dv_live_zone_t *lz = &res->zones[zi];
	lineset_t keys = {0}, dnskey = {0}, cds = {0}, cdnskey = {0}, ds = {0}, dsraw = {0};
	int rc = DV_OK;
	snprintf(obs->status, sizeof(obs->status), "%s", dv_chain_status_name(lz->status));
	obs->have_serial = lz->have_serial;
	obs->serial = lz->serial;
	obs->earliest_expiry = lz->have_expiry ? lz->earliest_expiry : 0;

	/* every DNSKEY of any child server: what a DS may match */
	for (size_t q = 0; q < snap->nqueries && rc == DV_OK; q++) {
		const dv_snap_query_t *qq = &snap->queries[q];
		bool seen = false;
		if ((long)qq->zone == zi && qq->side == DV_SIDE_CHILD &&
		    qq->qtype == KNOT_RRTYPE_DNSKEY && qq->status == DV_SNAP_OK) {
			lineset_t tmp = {0};
			rc = collect(qq, sz->dname, KNOT_RRTYPE_DNSKEY, &tmp, now, NULL, &seen,
			             &keys);
			lineset_clear(&tmp);
		}
	}
	for (size_t j = 0; j < lz->nsrv && rc == DV_OK; j++) {
		const dv_live_server_t *ls = &lz->srv[j];
		dv_obs_server_t *s;
		if ((rc = dv_obs_server(obs, snap->servers[ls->server].addr, &s)) != DV_OK)
			break;
		s->answering = ls->answering;
		s->have_serial = ls->have_serial;
		s->serial = ls->serial;
		s->earliest_expiry = ls->have_expiry ? ls->earliest_expiry : 0;
		bool seen_k = false, seen_c = false, seen_cn = false, seen_any = false;
		for (size_t q = 0; q < snap->nqueries && rc == DV_OK; q++) {
			const dv_snap_query_t *qq = &snap->queries[q];
			if ((long)qq->zone != zi || qq->side != DV_SIDE_CHILD ||
			    qq->server != ls->server || qq->status != DV_SNAP_OK)
				continue;
			lineset_t *set = NULL;
			bool *seen = &seen_any;
			if (qq->qtype == KNOT_RRTYPE_DNSKEY) {
				set = &dnskey;
				seen = &seen_k;
			} else if (qq->qtype == KNOT_RRTYPE_CDS) {
				set = &cds;
				seen = &seen_c;
			} else if (qq->qtype == KNOT_RRTYPE_CDNSKEY) {
				set = &cdnskey;
				seen = &seen_cn;
			}
			lineset_t none = {0};
			rc = collect(qq, sz->dname, set ? qq->qtype : 0, set ? set : &none, now,
			             &s->newest_inception, seen, NULL);
			lineset_clear(&none);
		}
		if (rc == DV_OK && ls->answering) {
			if (seen_k)
				rc = lineset_join(&dnskey, &s->dnskey);
			if (rc == DV_OK && seen_c)
				rc = lineset_join(&cds, &s->cds);
			if (rc == DV_OK && seen_cn)
				rc = lineset_join(&cdnskey, &s->cdnskey);
		}
		if (s->newest_inception > obs->newest_inception)
			obs->newest_inception = s->newest_inception;
		lineset_clear(&dnskey);
		lineset_clear(&cds);
		lineset_clear(&cdnskey);
	}
	/* Divergence: answering servers disagree on the serial or the DNSKEY set. */
	const dv_obs_server_t *first = NULL;
	for (size_t j = 0; j < obs->nsrv; j++) {
		const dv_obs_server_t *s = &obs->srv[j];
		if (!s->answering)
			continue;
		if (first == NULL) {
			first = s;
			continue;
		}
		if (s->have_serial != first->have_serial || s->serial != first->serial ||
		    strcmp(s->dnskey ? s->dnskey : "", first->dnskey ? first->dnskey : "") != 0)
			obs->divergent = true;
	}
	/* The parent side: DS per parent server address. */
	for (size_t q = 0; q < snap->nqueries && rc == DV_OK; q++) {
		const dv_snap_query_t *qq = &snap->queries[q];
		if ((long)qq->zone != zi || qq->side != DV_SIDE_PARENT ||
		    qq->qtype != KNOT_RRTYPE_DS)
			continue;
		dv_obs_parent_t *p;
		if ((rc = dv_obs_parent(obs, snap->servers[qq->server].addr, &p)) != DV_OK)
			break;
		if (qq->status != DV_SNAP_OK)
			continue;
		bool seen = false;
		lineset_clear(&ds);
		lineset_clear(&dsraw);
		rc = collect(qq, sz->dname, KNOT_RRTYPE_DS, &ds, now, NULL, &seen, &dsraw);
		if (rc == DV_OK && seen) {
			p->answering = true;
			rc = lineset_join(&ds, &p->ds);
			p->ds_match = ds_matches(sz->dname, &dsraw, &keys);
		}
	}
	lineset_clear(&ds);
	lineset_clear(&dsraw);
	lineset_clear(&keys);
	return rc;
}

int dv_adapter_zone_cycle(const dv_adapter_opts_t *opts, const char *zone, int64_t now,
                          dv_adapter_result_t *res)
{
	memset(res, 0, sizeof(*res));
	snprintf(res->obs.zone, sizeof(res->obs.zone), "%s", zone);
	res->obs.time = now;
	dv_probe_opts_t popts = {.root_hints = opts->root_hints,
	                         .trust_anchor = opts->trust_anchor,
	                         .timeout_ms = opts->timeout_ms,
	                         .retries = opts->retries,
	                         .max_inflight = opts->max_inflight,
	                         .port = opts->port};
	dv_snapshot_t *snap = NULL;
	dv_live_result_t lres;
	memset(&lres, 0, sizeof(lres));
	char *domains[1] = {(char *)zone};
	int rc = dv_probe_run(&popts, domains, 1, &snap, res->err, sizeof(res->err));
	if (rc != DV_OK) {
		if (res->err[0] == '\0')
			snprintf(res->err, sizeof(res->err), "probe: %s", dv_strerror(rc));
		dv_snapshot_free(snap);
		return rc == DV_ENOMEM ? rc : DV_OK;
	}
	res->obs.time = snap->time;
	dv_live_opts_t lopts = {
	    .now = snap->time, .warn_secs = opts->warn, .crit_secs = opts->crit};
	if ((rc = dv_live_check(snap, &lopts, &lres)) != DV_OK) {
		snprintf(res->err, sizeof(res->err), "checks: %s", dv_strerror(rc));
		goto out;
	}
	res->sigs_verified = lres.sigs_verified;
	uint8_t dname[255];
	long zi = -1;
	if (dv_snap_dname_parse(zone, dname) == DV_OK)
		zi = dv_snapshot_zone_find(snap, dname);
	if (zi < 0) {
		/* the walk never reached the zone: a delegation problem; the
		 * findings say which, and the zone itself was not seen */
		snprintf(res->err, sizeof(res->err), "%s: not reached by the walk from the root",
		         zone);
		snprintf(res->obs.status, sizeof(res->obs.status), "indeterminate");
		res->obs.probe_ok = true;
		rc = fill_findings(&lres, zone, snap->time, &res->findings);
		goto json;
	}
	if ((rc = observe(snap, &lres, zi, snap->time, &res->obs)) != DV_OK)
		goto out;
	if ((rc = fill_findings(&lres, zone, snap->time, &res->findings)) != DV_OK)
		goto out;
	res->obs.probe_ok = true;
	res->have_roll_fp = dv_roll_fingerprint(snap, dname, res->roll_fp) == DV_OK;
json:
	if (rc == DV_OK)
		rc = snapshot_json(snap, &res->snapshot, &res->snapshot_len);
out:
	dv_live_result_clear(&lres);
	dv_snapshot_free(snap);
	if (rc != DV_OK && rc != DV_ENOMEM) {
		res->obs.probe_ok = false;
		rc = DV_OK;
	}
	return rc;
}

void dv_adapter_result_clear(dv_adapter_result_t *res)
{
	dv_obs_clear(&res->obs);
	dv_store_findings_free(&res->findings);
	free(res->snapshot);
	res->snapshot = NULL;
}

int dv_adapter_audit(const char *canary, const char *const *addrs, size_t n, unsigned timeout_ms,
                     dv_adapter_verdict_t *verdicts, char *err, size_t errlen)
{
	dv_resolver_probe_opts_t o = {
	    .canary = canary, .port = 53, .timeout_ms = timeout_ms, .retries = -1};
	dv_resolver_snapshot_t *snap = NULL;
	dv_audit_result_t a;
	memset(&a, 0, sizeof(a));
	int rc = dv_resolver_probe_run(&o, addrs, n, &snap, err, errlen);
	if (rc != DV_OK)
		return rc;
	rc = dv_audit_judge(snap, snap->time, &a);
	dv_resolver_snapshot_free(snap);
	if (rc != DV_OK)
		return rc;
	for (size_t i = 0; i < n && i < a.len; i++)
		snprintf(verdicts[i].verdict, sizeof(verdicts[i].verdict), "%s",
		         dv_verdict_name(a.v[i].verdict));
	dv_audit_result_clear(&a);
	return DV_OK;
}
