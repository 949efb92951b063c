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
#include <time.h>

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

/* ---- the copies (full: true) --------------------------------------------------- */

/* Every server's copy of the zone: transferred (IXFR from the copy held),
 * verified, compared; the findings join the live ones (they name the zone
 * and the servers). */
static int copies(const dv_adapter_opts_t *opts, dv_replica_set_t *replica,
                  const dv_tsig_key_t *tsig, const dv_snapshot_t *snap, long zi,
                  dv_live_result_t *lres, dv_replica_report_t *rep, char *err, size_t errlen)
{
	const dv_snap_zone_t *sz = &snap->zones[zi];
	const char *addrs[DV_SNAP_MAX_ZONE_SERVERS];
	size_t n = 0;
	for (size_t k = 0; k < sz->nservers && n < DV_SNAP_MAX_ZONE_SERVERS; k++)
		addrs[n++] = snap->servers[sz->servers[k]].addr;
	dv_replica_opts_t ro = {.incremental = true,
	                        .tsig = tsig,
	                        .verify = {.now = snap->time,
	                                   .warn_expiry = opts->warn,
	                                   .crit_expiry = opts->crit,
	                                   .threads = opts->threads ? opts->threads : 1}};
	int rc = dv_replica_refresh(replica, addrs, n, opts->port, &ro, rep, err, errlen);
	for (size_t k = 0; rc == DV_OK && k < rep->findings.len; k++)
		rc = dv_findings_add_copy(&lres->findings, &rep->findings.v[k]);
	if (rc == DV_OK)
		dv_findings_sort(&lres->findings);
	return rc;
}

/* Each server's copy into its observation. */
static int observe_copies(const dv_replica_report_t *rep, dv_obs_t *obs)
{
	for (size_t i = 0; i < rep->nsrv; i++) {
		const dv_replica_server_t *r = &rep->srv[i];
		dv_obs_server_t *s;
		int rc = dv_obs_server(obs, r->addr, &s);
		if (rc != DV_OK)
			return rc;
		snprintf(s->transfer, sizeof(s->transfer), "%s", dv_replica_how_name(r->how));
		s->have_copy = r->have;
		s->copy_serial = r->serial;
		s->rrsets_added = (uint32_t)r->rrsets_added;
		s->rrsets_removed = (uint32_t)r->rrsets_removed;
		s->rrsets_changed = (uint32_t)r->rrsets_changed;
		s->behind = r->behind;
		s->behind_since = r->behind_since;
	}
	return DV_OK;
}

/* ---- one zone of a batch -------------------------------------------------------- */

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

/* The queries of one zone of the snapshot (indexes, counting sort by zone). */
typedef struct {
	size_t *start; /* zone z: idx[start[z] .. start[z + 1]) */
	size_t *idx;
} zq_t;

static int zq_build(const dv_snapshot_t *snap, zq_t *zq)
{
	zq->start = calloc(snap->nzones + 2, sizeof(*zq->start));
	zq->idx = malloc((snap->nqueries ? snap->nqueries : 1) * sizeof(*zq->idx));
	size_t *fill = calloc(snap->nzones + 1, sizeof(*fill));
	int rc = DV_ENOMEM;
	if (zq->start == NULL || zq->idx == NULL || fill == NULL)
		goto out;
	for (size_t i = 0; i < snap->nqueries; i++)
		zq->start[snap->queries[i].zone + 1]++;
	for (size_t z = 0; z < snap->nzones; z++)
		zq->start[z + 1] += zq->start[z];
	for (size_t i = 0; i < snap->nqueries; i++) {
		uint32_t z = snap->queries[i].zone;
		zq->idx[zq->start[z] + fill[z]++] = i;
	}
	rc = DV_OK;
out:
	free(fill);
	return rc;
}

static void zq_clear(zq_t *zq)
{
	free(zq->start);
	free(zq->idx);
	memset(zq, 0, sizeof(*zq));
}

static int observe(const dv_snapshot_t *snap, const zq_t *zq, const dv_live_result_t *res, long zi,
                   int64_t now, dv_obs_t *obs)
{
	const dv_snap_zone_t *sz = &snap->zones[zi];
	const dv_live_zone_t *lz = &res->zones[zi];
	lineset_t keys = {0}, dnskey = {0}, cds = {0}, cdnskey = {0}, ds = {0}, dsraw = {0};
	const size_t *qs = zq->idx + zq->start[zi], nq = zq->start[zi + 1] - zq->start[zi];
	int rc = DV_OK;
	snprintf(obs->status, sizeof(obs->status), "%s", dv_chain_status_name(lz->status));
	obs->have_serial = lz->have_serial;
	obs->serial = lz->serial;
	/* once no signature is valid, the earliest of the expired ones (in the
	 * past): the series stays present when the zone needs it most, and says
	 * what check's earliest_expiry says (the exporters' absent() trap) */
	obs->earliest_expiry = lz->have_expiry         ? lz->earliest_expiry
	                       : lz->have_signed_until ? lz->signed_until
	                                               : 0;

	/* every DNSKEY of any child server: what a DS may match */
	for (size_t q = 0; q < nq && rc == DV_OK; q++) {
		const dv_snap_query_t *qq = &snap->queries[qs[q]];
		bool seen = false;
		if (qq->side == DV_SIDE_CHILD && qq->qtype == KNOT_RRTYPE_DNSKEY &&
		    qq->status == DV_SNAP_OK) {
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
		for (size_t q = 0; q < nq && rc == DV_OK; q++) {
			const dv_snap_query_t *qq = &snap->queries[qs[q]];
			if (qq->side != DV_SIDE_CHILD || qq->server != ls->server ||
			    qq->status != DV_SNAP_OK)
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
	for (size_t q = 0; q < nq && rc == DV_OK; q++) {
		const dv_snap_query_t *qq = &snap->queries[qs[q]];
		if (qq->side != DV_SIDE_PARENT || qq->qtype != KNOT_RRTYPE_DS)
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

/* ---- a batch ----------------------------------------------------------------------- */

struct dv_adapter_batch {
	dv_snapshot_t *snap;
	long *zi; /* per zone of the batch: its snapshot zone, -1 not reached */
	size_t n;
};

void dv_adapter_batch_free(dv_adapter_batch_t *b)
{
	if (b == NULL)
		return;
	dv_snapshot_free(b->snap);
	free(b->zi);
	free(b);
}

int dv_adapter_batch_cycle(const dv_adapter_opts_t *opts, char *const *zones, size_t n,
                           dv_adapter_result_t *res, dv_adapter_batch_t **out,
                           uint64_t *sigs_verified)
{
	*out = NULL;
	*sigs_verified = 0;
	for (size_t i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		snprintf(res[i].obs.zone, sizeof(res[i].obs.zone), "%s", zones[i]);
		res[i].obs.time = (int64_t)time(NULL);
	}
	dv_adapter_batch_t *b = calloc(1, sizeof(*b));
	if (b == NULL || (b->zi = calloc(n ? n : 1, sizeof(*b->zi))) == NULL) {
		free(b);
		return DV_ENOMEM;
	}
	b->n = n;
	dv_probe_opts_t popts = {.root_hints = opts->root_hints,
	                         .trust_anchor = opts->trust_anchor,
	                         .timeout_ms = opts->timeout_ms,
	                         .retries = opts->retries,
	                         .max_inflight = opts->max_inflight,
	                         .port = opts->port,
	                         .ratelimit = opts->ratelimit,
	                         /* The budgets per server address are the probe's
	                          * defaults, per zone of the batch (probe.h).  Many
	                          * zones share servers: their queries share sockets
	                          * and TCP connections. */
	                         .udp_reuse = DV_DAEMON_UDP_REUSE,
	                         .tcp_reuse = DV_DAEMON_TCP_REUSE,
	                         .cache = opts->upper,
	                         .cache_max_age = opts->upper_max_age};
	dv_live_result_t lres;
	memset(&lres, 0, sizeof(lres));
	zq_t zq = {0};
	char err[sizeof(res->err)] = "";
	/* One walk for every zone of the batch: the root and the other upper
	 * levels are asked once, whatever the number of zones below them. */
	int rc = dv_probe_run(&popts, zones, n, &b->snap, err, sizeof(err));
	if (rc != DV_OK) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "probe: %s", dv_strerror(rc));
		goto failed;
	}
	dv_live_opts_t lopts = {.now = b->snap->time,
	                        .warn_secs = opts->warn,
	                        .crit_secs = opts->crit,
	                        .memo = opts->memo};
	if ((rc = dv_live_check(b->snap, &lopts, &lres)) != DV_OK) {
		snprintf(err, sizeof(err), "checks: %s", dv_strerror(rc));
		goto failed;
	}
	*sigs_verified = lres.sigs_verified;
	if ((rc = zq_build(b->snap, &zq)) != DV_OK)
		goto failed;
	for (size_t i = 0; i < n; i++) {
		dv_adapter_result_t *r = &res[i];
		r->obs.time = b->snap->time;
		uint8_t dname[255];
		b->zi[i] = dv_snap_dname_parse(zones[i], dname) == DV_OK
		               ? dv_snapshot_zone_find(b->snap, dname)
		               : -1;
		int zr;
		if (b->zi[i] < 0) {
			/* the walk never reached the zone: a delegation problem; the
			 * findings say which, and the zone itself was not seen */
			snprintf(r->err, sizeof(r->err),
			         "%s: not reached by the walk from the root", zones[i]);
			snprintf(r->obs.status, sizeof(r->obs.status), "indeterminate");
			zr = fill_findings(&lres, zones[i], b->snap->time, &r->findings);
		} else {
			dv_replica_set_t *replica = opts->replicas ? opts->replicas[i] : NULL;
			dv_replica_report_t rep = {0};
			/* the copies' findings join the live ones before the zone's
			 * are taken from them */
			zr = replica == NULL
			         ? DV_OK
			         : copies(opts, replica, opts->tsigs ? opts->tsigs[i] : NULL,
			                  b->snap, b->zi[i], &lres, &rep, r->err, sizeof(r->err));
			if (zr == DV_OK)
				zr = observe(b->snap, &zq, &lres, b->zi[i], b->snap->time, &r->obs);
			if (zr == DV_OK && replica != NULL)
				zr = observe_copies(&rep, &r->obs);
			dv_replica_report_clear(&rep);
			if (zr == DV_OK)
				zr = fill_findings(&lres, zones[i], b->snap->time, &r->findings);
		}
		if (zr == DV_ENOMEM) {
			rc = zr;
			goto out;
		}
		if (zr != DV_OK) {
			if (r->err[0] == '\0')
				snprintf(r->err, sizeof(r->err), "observation: %s",
				         dv_strerror(zr));
			continue;
		}
		r->obs.probe_ok = true;
	}
	rc = DV_OK;
	goto out;
failed:
	/* the batch could not run: every zone's cycle failed for that reason */
	for (size_t i = 0; i < n; i++) {
		res[i].obs.probe_ok = false;
		snprintf(res[i].err, sizeof(res[i].err), "%s", err);
	}
	rc = rc == DV_ENOMEM ? rc : DV_OK;
out:
	zq_clear(&zq);
	dv_live_result_clear(&lres);
	if (rc != DV_OK) {
		dv_adapter_batch_free(b);
		return rc;
	}
	*out = b;
	return DV_OK;
}

void dv_adapter_result_clear(dv_adapter_result_t *res)
{
	dv_obs_clear(&res->obs);
	dv_store_findings_free(&res->findings);
}

/* ---- one zone's snapshot, for `check --from` ----------------------------------------- */

/* Whether `name` is `anc` or below it (wire, lowercase). */
static bool at_or_below(const uint8_t *name, const uint8_t *anc)
{
	return knot_dname_in_bailiwick(name, anc) >= 0;
}

/* The NXDOMAIN probe name of zone z: one label "dnsvigil-..." under its apex. */
static bool is_nx_probe(const uint8_t *qname, const uint8_t *apex)
{
	return qname[0] > 9 && memcmp(qname + 1, "dnsvigil-", 9) == 0 &&
	       knot_dname_is_equal(qname + 1 + qname[0], apex);
}

int dv_adapter_zone_fingerprint(const dv_adapter_batch_t *b, size_t i,
                                uint8_t out[DV_ROLL_FINGERPRINT_LEN])
{
	if (b == NULL || i >= b->n || b->snap == NULL || b->zi[i] < 0)
		return DV_EINVAL;
	return dv_roll_fingerprint(b->snap, b->snap->zones[b->zi[i]].dname, out);
}

int dv_adapter_zone_snapshot(const dv_adapter_batch_t *b, size_t i, char **json, size_t *len)
{
	*json = NULL;
	*len = 0;
	if (b == NULL || i >= b->n || b->snap == NULL)
		return DV_EINVAL;
	const dv_snapshot_t *s = b->snap;
	dv_snapshot_t *o = NULL;
	uint32_t *zmap = NULL, *smap = NULL;
	long *chain = NULL;
	int rc = dv_snapshot_new(&o);
	if (rc != DV_OK)
		return rc;
	rc = DV_ENOMEM;
	zmap = malloc((s->nzones ? s->nzones : 1) * sizeof(*zmap));
	smap = malloc((s->nservers ? s->nservers : 1) * sizeof(*smap));
	chain = malloc((s->nzones ? s->nzones : 1) * sizeof(*chain));
	if (zmap == NULL || smap == NULL || chain == NULL)
		goto out;
	memset(zmap, 0xff, (s->nzones ? s->nzones : 1) * sizeof(*zmap));
	memset(smap, 0xff, (s->nservers ? s->nservers : 1) * sizeof(*smap));
	o->time = s->time;
	o->probe_ms = s->probe_ms;
	for (size_t a = 0; a < s->nanchors; a++) {
		const dv_snap_anchor_t *an = &s->anchors[a];
		if ((rc = dv_snapshot_add_anchor(o, an->owner, an->type, an->ttl, an->rdata,
		                                 an->rdlen)) != DV_OK)
			goto out;
	}
	/* the domain as the batch was asked it */
	if (i >= s->ndomains) {
		rc = DV_EINVAL;
		goto out;
	}
	const char *domain = s->domains[i];
	uint8_t want[255];
	if ((rc = dv_snapshot_add_domain(o, domain)) != DV_OK ||
	    (rc = dv_snap_dname_parse(domain, want)) != DV_OK)
		goto out;
	/* The zones from the root down to the deepest one the domain is in (the
	 * zone itself, or as far as the walk went when it was not reached). */
	size_t nchain = 0;
	long deepest = -1;
	int best = -1;
	for (size_t z = 0; z < s->nzones; z++) {
		int d = knot_dname_in_bailiwick(want, s->zones[z].dname);
		if (d >= 0 && (int)knot_dname_labels(s->zones[z].dname, NULL) > best) {
			best = (int)knot_dname_labels(s->zones[z].dname, NULL);
			deepest = (long)z;
		}
	}
	for (long z = deepest; z >= 0 && nchain < s->nzones; z = s->zones[z].parent)
		chain[nchain++] = z;
	for (size_t k = nchain; k-- > 0;) {
		const dv_snap_zone_t *sz = &s->zones[chain[k]];
		long parent = sz->parent >= 0 ? (long)zmap[sz->parent] : -1;
		if ((rc = dv_snapshot_zone(o, sz->dname, parent, &zmap[chain[k]])) != DV_OK)
			goto out;
		for (size_t j = 0; j < sz->nservers; j++) {
			uint32_t sv = sz->servers[j];
			if (smap[sv] == UINT32_MAX &&
			    (rc = dv_snapshot_server(o, s->servers[sv].name, s->servers[sv].addr,
			                             &smap[sv])) != DV_OK)
				goto out;
			if ((rc = dv_snapshot_zone_add_server(o, zmap[chain[k]], smap[sv])) !=
			    DV_OK)
				goto out;
		}
	}
	/* Queries: all of the deepest zone's; of the zones above it, those about
	 * the zone itself (apex, NXDOMAIN probe) and the referrals and DS
	 * queries on the way to this domain — not those other domains of the
	 * batch caused. */
	for (size_t q = 0; q < s->nqueries; q++) {
		const dv_snap_query_t *qq = &s->queries[q];
		if (zmap[qq->zone] == UINT32_MAX)
			continue;
		const uint8_t *apex = s->zones[qq->zone].dname;
		bool keep = (long)qq->zone == deepest ||
		            (qq->side == DV_SIDE_CHILD && (knot_dname_is_equal(qq->qname, apex) ||
		                                           is_nx_probe(qq->qname, apex))) ||
		            (qq->side == DV_SIDE_PARENT && at_or_below(want, qq->qname));
		if (!keep)
			continue;
		if (smap[qq->server] == UINT32_MAX &&
		    (rc = dv_snapshot_server(o, s->servers[qq->server].name,
		                             s->servers[qq->server].addr, &smap[qq->server])) !=
		        DV_OK)
			goto out;
		dv_snap_query_t c = *qq;
		c.zone = zmap[qq->zone];
		c.server = smap[qq->server];
		if ((rc = dv_snapshot_add_query(o, &c, NULL)) != DV_OK)
			goto out;
	}
	/* What a ceiling cut off, where it touched this domain: its zones, the
	 * addresses kept above, and the probe's own (deadline, queries, bytes),
	 * so that `check --from` of this snapshot says PROBE_LIMIT as the
	 * cycle's verdict did. */
	for (size_t k = 0; k < s->nlimits; k++) {
		dv_snap_limit_t l = s->limits[k];
		if (l.zone >= 0) {
			if (zmap[l.zone] == UINT32_MAX)
				continue;
			l.zone = (long)zmap[l.zone];
		} else if (l.server != NULL && l.server[0] != '\0') {
			bool mine = false;
			for (size_t sv = 0; sv < s->nservers && !mine; sv++)
				mine = smap[sv] != UINT32_MAX &&
				       strcmp(s->servers[sv].addr, l.server) == 0;
			if (!mine)
				continue;
		}
		if ((rc = dv_snapshot_add_limit(o, &l)) != DV_OK)
			goto out;
	}
	FILE *f = open_memstream(json, len);
	if (f == NULL) {
		rc = DV_ENOMEM;
		goto out;
	}
	rc = dv_snapshot_write(o, f);
	if (fclose(f) != 0 && rc == DV_OK)
		rc = DV_ENOMEM;
	if (rc != DV_OK) {
		free(*json);
		*json = NULL;
		*len = 0;
	}
out:
	free(zmap);
	free(smap);
	free(chain);
	dv_snapshot_free(o);
	return rc;
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
