/*
 * Live checks: the chain of trust of every zone on the path, parent DS ↔
 * child DNSKEY, signatures and their expiry, consistency between servers,
 * reachability, denial proofs, CDS/CDNSKEY, islands, algorithm policy and
 * TTL sanity — all judged from a snapshot's raw messages.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/live_int.h"
#include "core/error.h"

const char *dv_chain_status_name(dv_chain_status_t st)
{
	switch (st) {
	case DV_CHAIN_SECURE:
		return "secure";
	case DV_CHAIN_INSECURE:
		return "insecure";
	case DV_CHAIN_INDETERMINATE:
		return "indeterminate";
	case DV_CHAIN_BOGUS:
		return "bogus";
	}
	return "?";
}

/* The queries of one child server of a zone, by purpose (-1: not asked). */
typedef struct {
	uint32_t server;
	long soa, ns, dnskey, cds, cdnskey, nx, nodata, tcp;
	bool answering; /*!< authoritative SOA answer */
	bool any_sigs;  /*!< some answer carried an RRSIG */
	dv_chain_status_t status;
	const lrrset_t *keys; /*!< its DNSKEY RRset, NULL if none */
	bool keys_trusted;    /*!< the chain reached its DNSKEY RRset */
} csrv_t;

/* What one parent server said about the zone's DS. */
typedef enum { V_NONE = 0, V_DS, V_NODS, V_BOGUS } vkind_t;
typedef struct {
	uint32_t server;
	vkind_t kind;
	const lrrset_t *ds;
	char why[160];
} pvar_t;

typedef struct {
	lrrset_t keys; /*!< union of the DNSKEYs the chain reached (for the children's DS) */
	bool have_keys;
} zstate_t;

/* ---- findings --------------------------------------------------------------- */

/* The address of server s, or NULL (s < 0: no server). */
static const char *srv_addr(lctx_t *c, long s)
{
	return s < 0 ? NULL : c->snap->servers[s].addr;
}

static void type_str(uint16_t t, char *buf, size_t len)
{
	if (knot_rrtype_to_string(t, buf, len) < 0)
		snprintf(buf, len, "TYPE%u", t);
}

static const char *srv_name(lctx_t *c, uint32_t s)
{
	return c->snap->servers[s].addr;
}

/* ---- helpers ---------------------------------------------------------------- */

static bool rd_in(const lrrset_t *s, const uint8_t *rd, uint16_t len)
{
	for (uint16_t i = 0; s != NULL && i < s->n; i++)
		if (s->rdlen[i] == len && memcmp(s->rd[i], rd, len) == 0)
			return true;
	return false;
}

/* Same set of RDATAs (RRsets hold no duplicates, RFC 2181 §5). NULL is empty. */
static bool set_equal(const lrrset_t *a, const lrrset_t *b)
{
	uint16_t na = a ? a->n : 0, nb = b ? b->n : 0;
	if (na != nb)
		return false;
	for (uint16_t i = 0; i < na; i++)
		if (!rd_in(b, a->rd[i], a->rdlen[i]))
			return false;
	return true;
}

static const lmsg_t *qmsg(lctx_t *c, long q)
{
	if (q < 0 || !c->msgs[q].parsed)
		return NULL;
	return &c->msgs[q];
}

/* The key tag and algorithm a DS names, or a DNSKEY (trust anchor, CDNSKEY)
 * has: -1 and 0 when the RDATA is too short. */
static void key_of(uint16_t type, const uint8_t *rd, uint16_t len, int32_t *tag, uint8_t *alg)
{
	dv_ds_t ds;
	dv_dnskey_t dk;
	*tag = -1;
	*alg = 0;
	if ((type == KNOT_RRTYPE_DS || type == KNOT_RRTYPE_CDS) &&
	    dv_ds_parse(rd, len, &ds) == DV_OK) {
		*tag = ds.key_tag;
		*alg = ds.algorithm;
	} else if (type != KNOT_RRTYPE_DS && type != KNOT_RRTYPE_CDS &&
	           dv_dnskey_parse(rd, len, &dk) == DV_OK) {
		*tag = dk.key_tag;
		*alg = dk.algorithm;
	}
}

/* A temporary RRset of the given RDATAs (arena). */
static lrrset_t *mkset(lctx_t *c, const uint8_t *owner, uint16_t type, size_t cap)
{
	lrrset_t *s = dv_arena_alloc(&c->arena, sizeof(*s));
	if (s == NULL)
		goto fail;
	memset(s, 0, sizeof(*s));
	s->owner = owner;
	s->type = type;
	s->rd = dv_arena_alloc(&c->arena, (cap ? cap : 1) * sizeof(*s->rd));
	s->rdlen = dv_arena_alloc(&c->arena, (cap ? cap : 1) * sizeof(*s->rdlen));
	if (s->rd == NULL || s->rdlen == NULL)
		goto fail;
	return s;
fail:
	c->err = DV_ENOMEM;
	return NULL;
}

/* The per-server record of a zone's result, or NULL. */
static dv_live_server_t *live_server(dv_live_zone_t *zr, long server)
{
	for (size_t i = 0; server >= 0 && i < zr->nsrv; i++)
		if (zr->srv[i].server == (uint32_t)server)
			return &zr->srv[i];
	return NULL;
}

/* ---- signatures ------------------------------------------------------------- */

/* The key set of a DNSKEY RRset (NULL: none); its keys are parsed once per
 * run, in the cache. */
static int live_keyset(lctx_t *c, const lrrset_t *keys, dv_keyset_t *ks)
{
	int r = dv_keyset_build(ks, c->cache, keys ? keys->rd : NULL, keys ? keys->rdlen : NULL,
	                        keys ? keys->n : 0);
	if (r != DV_OK) {
		dv_keyset_clear(ks);
		c->err = r;
	}
	return r;
}

/* The one RRSIG check (src/dnssec) on signature i of set, for data of `zone`. */
static dv_sig_verdict_t live_judge(lctx_t *c, const lrrset_t *set, size_t i, const uint8_t *zone,
                                   const dv_keyset_t *ks, dv_rrsig_t *sig)
{
	c->res->sigs_checked++;
	if (dv_rrsig_parse(set->sig[i], set->siglen[i], sig) != DV_OK)
		return DV_SIG_MALFORMED;
	dv_rrset_view_t view = {.owner = set->owner,
	                        .type = set->type,
	                        .rdata = set->rd,
	                        .rdlen = set->rdlen,
	                        .n = set->n};
	dv_sig_verdict_t v = dv_sig_judge(c->cache, &view, sig, ks, zone, c->opts->now, NULL);
	if (v == DV_SIG_ERROR)
		c->err = DV_ENOMEM;
	return v;
}

typedef struct {
	bool valid; /*!< at least one signature valid now */
	bool any_sig;
	int64_t best_exp; /*!< latest expiration among valid signatures */
} vres_t;

/*
 * Check every RRSIG of `set` (from `server`, data of zone `zi`) against
 * `keys`, emitting findings for the broken ones and the expiry thresholds.
 */
static vres_t validate(lctx_t *c, uint32_t zi, long server, const lrrset_t *set,
                       const lrrset_t *keys, bool want_sigs)
{
	vres_t v = {0};
	const uint8_t *zone = c->snap->zones[zi].dname;
	dv_live_zone_t *zr = &c->res->zones[zi];
	char ts[32];
	if (set == NULL)
		return v;
	v.any_sig = set->nsig > 0;
	if (set->nsig == 0) {
		if (want_sigs)
			dv_findings_add(&c->raw, DV_F_RRSIG_MISSING,
			                &(dv_evidence_t){.zone = c->snap->zones[zi].dname,
			                                 .server = srv_addr(c, server),
			                                 .owner = set->owner,
			                                 .type = set->type},
			                "served without RRSIG");
		return v;
	}
	uint32_t algs_signed[8] = {0};
	dv_keyset_t ks;
	if (live_keyset(c, keys, &ks) != DV_OK)
		return v;
	for (uint16_t i = 0; i < set->nsig; i++) {
		dv_rrsig_t sig;
		dv_sig_verdict_t r = live_judge(c, set, i, zone, &ks, &sig);
		int64_t inc, exp;
		dv_rrsig_window(&sig, c->opts->now, &inc, &exp);
		if (sig.rdata != NULL)
			algs_signed[sig.algorithm >> 5] |= 1u << (sig.algorithm & 31);
		/* The evidence; the time is the one the verdict is about. */
		dv_evidence_t ev = {.zone = zone,
		                    .server = srv_addr(c, server),
		                    .owner = set->owner,
		                    .type = set->type,
		                    .has_keytag = true,
		                    .keytag = sig.key_tag,
		                    .algorithm = sig.algorithm};
		if (r == DV_SIG_VALID || r == DV_SIG_EXPIRED) {
			ev.time = exp;
			ev.seconds_left = exp - c->opts->now;
		} else if (r == DV_SIG_NOT_YET_VALID) {
			ev.time = inc;
		}
		char ts2[32];
		switch (r) {
		case DV_SIG_VALID: {
			v.valid = true;
			if (exp > v.best_exp)
				v.best_exp = exp;
			if (!zr->have_expiry || exp < zr->earliest_expiry) {
				zr->have_expiry = true;
				zr->earliest_expiry = exp;
			}
			dv_live_server_t *ls = live_server(zr, server);
			if (ls != NULL && (!ls->have_expiry || exp < ls->earliest_expiry)) {
				ls->have_expiry = true;
				ls->earliest_expiry = exp;
			}
			int64_t left = exp - c->opts->now;
			dv_code_t code = DV_F_COUNT;
			if (left < c->opts->crit_secs)
				code = DV_F_RRSIG_EXPIRES_CRITICAL;
			else if (left < c->opts->warn_secs)
				code = DV_F_RRSIG_EXPIRES_SOON;
			if (code != DV_F_COUNT) {
				dv_time_format(exp, ts, sizeof(ts));
				dv_findings_add(&c->raw, code, &ev, "expires %s (%lld days left)",
				                ts, (long long)(left / 86400));
			}
			break;
		}
		case DV_SIG_WINDOW_INVERTED:
			/* RFC 4034 §3.1.5: such a window never opens. */
			dv_time_format(inc, ts, sizeof(ts));
			dv_time_format(exp, ts2, sizeof(ts2));
			dv_findings_add(&c->raw, DV_F_RRSIG_WINDOW_INVERTED, &ev,
			                "inception %s, expiration %s", ts, ts2);
			break;
		case DV_SIG_NOT_YET_VALID:
			dv_time_format(inc, ts, sizeof(ts));
			dv_findings_add(&c->raw, DV_F_RRSIG_NOT_YET_VALID, &ev, "valid from %s",
			                ts);
			break;
		case DV_SIG_EXPIRED:
			dv_time_format(exp, ts, sizeof(ts));
			dv_findings_add(&c->raw, DV_F_RRSIG_EXPIRED, &ev, "expired %s", ts);
			break;
		case DV_SIG_BAD:
			dv_findings_add(&c->raw, DV_F_RRSIG_INVALID, &ev,
			                "signature does not verify with key %u", sig.key_tag);
			break;
		case DV_SIG_NO_KEY:
			dv_findings_add(&c->raw, DV_F_RRSIG_NO_DNSKEY, &ev,
			                "no DNSKEY with tag %u, algorithm %u", sig.key_tag,
			                sig.algorithm);
			break;
		case DV_SIG_UNSUPPORTED:
			dv_findings_add(&c->raw, DV_F_RRSIG_UNSUPPORTED_ALGORITHM, &ev,
			                "algorithm %u", sig.algorithm);
			break;
		case DV_SIG_MALFORMED:
			dv_findings_add(&c->raw, DV_F_RRSIG_INVALID, &ev,
			                "RRSIG malformed, or its signer/labels do not fit");
			break;
		case DV_SIG_ERROR:
			break;
		}
	}
	dv_keyset_clear(&ks);
	/* RFC 4035 §2.2: every algorithm of the apex DNSKEY RRset signs every RRset. */
	for (uint16_t k = 0; keys != NULL && k < keys->n; k++) {
		dv_dnskey_t dk;
		if (dv_dnskey_parse(keys->rd[k], keys->rdlen[k], &dk) != DV_OK ||
		    !(dk.flags & DV_DNSKEY_FLAG_ZONE) || (dk.flags & DV_DNSKEY_FLAG_REVOKE))
			continue;
		uint8_t a = dk.algorithm;
		if (!(algs_signed[a >> 5] & (1u << (a & 31)))) {
			dv_findings_add(&c->raw, DV_F_RRSIG_ALGORITHM_MISSING,
			                &(dv_evidence_t){.zone = c->snap->zones[zi].dname,
			                                 .server = srv_addr(c, server),
			                                 .owner = set->owner,
			                                 .type = set->type,
			                                 .algorithm = a},
			                "no RRSIG of algorithm %u (%s)", a, dv_alg_name(a));
			algs_signed[a >> 5] |= 1u << (a & 31);
		}
	}
	/* A cache may keep the RRset longer than its signature lives (RFC 4035 §5.3.3). */
	if (v.valid && (set->type == KNOT_RRTYPE_DNSKEY || set->type == KNOT_RRTYPE_DS) &&
	    (int64_t)set->ttl > v.best_exp - c->opts->now) {
		dv_findings_add(&c->raw, DV_F_TTL_EXCEEDS_VALIDITY,
		                &(dv_evidence_t){.zone = zone,
		                                 .server = srv_addr(c, server),
		                                 .owner = set->owner,
		                                 .type = set->type,
		                                 .time = v.best_exp},
		                "TTL %u s, signature valid %lld s more", set->ttl,
		                (long long)(v.best_exp - c->opts->now));
	}
	return v;
}

/* ---- one zone --------------------------------------------------------------- */

typedef struct {
	uint32_t zi;
	const dv_snap_zone_t *z;
	dv_live_zone_t *zr;
	csrv_t *cs;
	size_t ncs;
	pvar_t *pv;
	size_t npv;
	long *qs; /* the zone's queries */
	size_t nq;
} zctx_t;

/* The queries of every zone, bucketed once (counting sort by zone). */
static int zone_queries_index(lctx_t *c, const dv_snapshot_t *snap)
{
	long *zq_index, *zq_start;
	zq_index = c->zq_index = malloc((snap->nqueries ? snap->nqueries : 1) * sizeof(*zq_index));
	zq_start = c->zq_start = calloc(snap->nzones + 1, sizeof(*zq_start));
	if (zq_index == NULL || zq_start == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < snap->nqueries; i++)
		zq_start[snap->queries[i].zone + 1]++;
	for (size_t z = 0; z < snap->nzones; z++)
		zq_start[z + 1] += zq_start[z];
	long *fill = calloc(snap->nzones + 1, sizeof(*fill));
	if (fill == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < snap->nqueries; i++) {
		uint32_t z = snap->queries[i].zone;
		zq_index[zq_start[z] + fill[z]++] = (long)i;
	}
	free(fill);
	return DV_OK;
}

static long *zone_queries(lctx_t *c, uint32_t zi, size_t *n)
{
	*n = (size_t)(c->zq_start[zi + 1] - c->zq_start[zi]);
	return c->zq_index + c->zq_start[zi];
}

static void collect_child(lctx_t *c, zctx_t *zc)
{
	const dv_snap_zone_t *z = zc->z;
	zc->cs = dv_arena_alloc(&c->arena, (z->nservers ? z->nservers : 1) * sizeof(*zc->cs));
	if (zc->cs == NULL) {
		c->err = DV_ENOMEM;
		return;
	}
	zc->ncs = z->nservers;
	for (size_t s = 0; s < z->nservers; s++) {
		csrv_t *cs = &zc->cs[s];
		memset(cs, 0, sizeof(*cs));
		cs->server = z->servers[s];
		cs->soa = cs->ns = cs->dnskey = cs->cds = cs->cdnskey = cs->nx = cs->nodata =
		    cs->tcp = -1;
		for (size_t i = 0; i < zc->nq; i++) {
			const dv_snap_query_t *q = &c->snap->queries[zc->qs[i]];
			if (q->side != DV_SIDE_CHILD || q->server != cs->server)
				continue;
			long *slot = NULL;
			bool apex = knot_dname_is_case_equal(q->qname, z->dname);
			if (!apex && q->qtype != KNOT_RRTYPE_A)
				continue; /* a referral asked on the way down, not a probe of this
				             zone */
			if (!apex)
				slot = &cs->nx;
			else if (q->qtype == KNOT_RRTYPE_SOA)
				slot = (q->flags & 8) ? &cs->tcp : &cs->soa;
			else if (q->qtype == KNOT_RRTYPE_NS)
				slot = &cs->ns;
			else if (q->qtype == KNOT_RRTYPE_DNSKEY)
				slot = &cs->dnskey;
			else if (q->qtype == KNOT_RRTYPE_CDS)
				slot = &cs->cds;
			else if (q->qtype == KNOT_RRTYPE_CDNSKEY)
				slot = &cs->cdnskey;
			else
				slot = &cs->nodata;
			if (*slot < 0)
				*slot = zc->qs[i];
		}
	}
}

/* Reachability and protocol health of each child server. */
static void check_health(lctx_t *c, zctx_t *zc)
{
	const uint8_t *zone = zc->z->dname;
	for (size_t s = 0; s < zc->ncs; s++) {
		csrv_t *cs = &zc->cs[s];
		long srv = cs->server;
		size_t asked = 0, answered = 0, neterr = 0;
		bool udp_failed = false, edns_broken = false;
		for (size_t i = 0; i < zc->nq; i++) {
			const dv_snap_query_t *q = &c->snap->queries[zc->qs[i]];
			if (q->side != DV_SIDE_CHILD || q->server != cs->server)
				continue;
			asked++;
			if (q->status == DV_SNAP_OK)
				answered++;
			if (q->udp_failed)
				udp_failed = true;
			if (q->status == DV_SNAP_NETERR)
				neterr++;
			const lmsg_t *m = qmsg(c, zc->qs[i]);
			if (m != NULL && !(q->flags & 16) && m->rcode != KNOT_RCODE_REFUSED &&
			    (!m->has_opt || m->rcode == KNOT_RCODE_FORMERR ||
			     m->rcode == KNOT_RCODE_BADVERS))
				edns_broken = true;
		}
		if (asked == 0)
			continue;
		if (answered == 0) {
			dv_findings_add(&c->raw, DV_F_SERVER_UNREACHABLE,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, srv),
			                                 .owner = zone},
			                "%s",
			                neterr == asked ? "network error on every query (no route, "
			                                  "port unreachable or connection refused)"
			                                : "no answer over UDP or TCP (timeouts)");
			continue;
		}
		const lmsg_t *m = qmsg(c, cs->soa);
		if (m == NULL)
			m = qmsg(c, cs->tcp);
		if (m != NULL) {
			const lrrset_t *soa = lmsg_find(m, LSEC_AN, zone, KNOT_RRTYPE_SOA);
			if (m->rcode == KNOT_RCODE_REFUSED)
				dv_findings_add(&c->raw, DV_F_SERVER_REFUSED,
				                &(dv_evidence_t){.zone = zc->z->dname,
				                                 .server = srv_addr(c, srv),
				                                 .owner = zone,
				                                 .type = KNOT_RRTYPE_SOA},
				                "REFUSED for the zone's SOA");
			else if (m->rcode == KNOT_RCODE_SERVFAIL)
				dv_findings_add(&c->raw, DV_F_SERVER_SERVFAIL,
				                &(dv_evidence_t){.zone = zc->z->dname,
				                                 .server = srv_addr(c, srv),
				                                 .owner = zone,
				                                 .type = KNOT_RRTYPE_SOA},
				                "SERVFAIL for the zone's SOA");
			else if (m->rcode != KNOT_RCODE_NOERROR || !m->aa || soa == NULL)
				dv_findings_add(&c->raw, DV_F_SERVER_LAME,
				                &(dv_evidence_t){.zone = zc->z->dname,
				                                 .server = srv_addr(c, srv),
				                                 .owner = zone,
				                                 .type = KNOT_RRTYPE_SOA},
				                "no authoritative SOA (rcode %u, AA %d)", m->rcode,
				                m->aa);
			else
				cs->answering = true;
		} else {
			/* The SOA query went unanswered though others were answered. */
			dv_findings_add(&c->raw, DV_F_SERVER_UNREACHABLE,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, srv),
			                                 .owner = zone,
			                                 .type = KNOT_RRTYPE_SOA},
			                "%zu of %zu queries unanswered, the SOA among them",
			                asked - answered, asked);
		}
		const dv_snap_query_t *qs = cs->soa >= 0 ? &c->snap->queries[cs->soa] : NULL;
		if (udp_failed || (qs != NULL && qs->udp_truncated))
			dv_findings_add(
			    &c->raw, DV_F_SERVER_UDP_FAILS,
			    &(dv_evidence_t){
			        .zone = zc->z->dname, .server = srv_addr(c, srv), .owner = zone},
			    "%s",
			    udp_failed ? "UDP queries went unanswered, TCP worked"
			               : "even a small SOA answer is truncated over UDP");
		if (cs->tcp >= 0 && c->snap->queries[cs->tcp].status != DV_SNAP_OK && qs != NULL &&
		    qs->status == DV_SNAP_OK && !qs->tcp)
			dv_findings_add(&c->raw, DV_F_SERVER_TCP_FAILS,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, srv),
			                                 .owner = zone,
			                                 .type = KNOT_RRTYPE_SOA},
			                "the SOA query over TCP went unanswered");
		if (edns_broken && cs->answering)
			dv_findings_add(&c->raw, DV_F_SERVER_EDNS_BROKEN,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, srv),
			                                 .owner = zone},
			                "answer to an EDNS query without OPT, or FORMERR/BADVERS");
		if (cs->answering) {
			long qv[] = {cs->soa, cs->ns, cs->dnskey, cs->nx, cs->nodata};
			for (size_t k = 0; k < sizeof(qv) / sizeof(qv[0]); k++) {
				const lmsg_t *mm = qmsg(c, qv[k]);
				for (int sec = 0; mm != NULL && sec < 2; sec++)
					for (uint16_t r = 0; r < mm->nsec[sec]; r++)
						if (mm->sec[sec][r].nsig > 0)
							cs->any_sigs = true;
			}
		}
	}
}

/* Parent side: each parent server's DS answer, judged with the parent's keys. */
static void collect_parent(lctx_t *c, zctx_t *zc, const zstate_t *zs)
{
	const dv_snap_zone_t *z = zc->z;
	const uint8_t *zone = z->dname;
	if (z->parent < 0) {
		/* The root: the trust anchor plays the parent's DS. */
		zc->pv = dv_arena_alloc(&c->arena, sizeof(*zc->pv));
		if (zc->pv == NULL) {
			c->err = DV_ENOMEM;
			return;
		}
		memset(zc->pv, 0, sizeof(*zc->pv));
		zc->npv = 1;
		lrrset_t *ds = mkset(c, zone, KNOT_RRTYPE_DS, c->snap->nanchors);
		lrrset_t *dk = mkset(c, zone, KNOT_RRTYPE_DNSKEY, c->snap->nanchors);
		if (ds == NULL || dk == NULL)
			return;
		for (size_t i = 0; i < c->snap->nanchors; i++) {
			const dv_snap_anchor_t *a = &c->snap->anchors[i];
			if (!knot_dname_is_case_equal(a->owner, zone))
				continue;
			lrrset_t *t = a->type == KNOT_RRTYPE_DS ? ds : dk;
			t->rd[t->n] = a->rdata;
			t->rdlen[t->n++] = a->rdlen;
		}
		if (ds->n + dk->n == 0) {
			zc->pv[0].kind = V_NONE;
			return;
		}
		zc->pv[0].kind = V_DS;
		zc->pv[0].ds = ds->n > 0 ? ds : dk; /* a DNSKEY anchor is matched by equality */
		zc->pv[0].server = UINT32_MAX;
		return;
	}
	const dv_snap_zone_t *pz = &c->snap->zones[z->parent];
	const dv_live_zone_t *pr = &c->res->zones[z->parent];
	const zstate_t *ps = &zs[z->parent];
	zc->pv = dv_arena_alloc(&c->arena, (pz->nservers ? pz->nservers : 1) * sizeof(*zc->pv));
	if (zc->pv == NULL) {
		c->err = DV_ENOMEM;
		return;
	}
	for (size_t s = 0; s < pz->nservers; s++) {
		long q = -1;
		for (size_t i = 0; i < zc->nq; i++) {
			const dv_snap_query_t *qq = &c->snap->queries[zc->qs[i]];
			if (qq->side == DV_SIDE_PARENT && qq->server == pz->servers[s] &&
			    qq->qtype == KNOT_RRTYPE_DS) {
				q = zc->qs[i];
				break;
			}
		}
		const lmsg_t *m = qmsg(c, q);
		if (m == NULL ||
		    (m->rcode != KNOT_RCODE_NOERROR && m->rcode != KNOT_RCODE_NXDOMAIN))
			continue; /* unreachable or refusing: reported in the parent's checks */
		pvar_t *v = &zc->pv[zc->npv++];
		memset(v, 0, sizeof(*v));
		v->server = pz->servers[s];
		const lrrset_t *ds = lmsg_find(m, LSEC_AN, zone, KNOT_RRTYPE_DS);
		bool psecure = pr->status == DV_CHAIN_SECURE && ps->have_keys;
		if (m->rcode == KNOT_RCODE_NXDOMAIN) {
			v->kind = V_BOGUS;
			snprintf(v->why, sizeof(v->why),
			         "parent server %s says the zone does not exist",
			         srv_name(c, v->server));
			continue;
		}
		if (ds != NULL && ds->n > 0) {
			v->kind = V_DS;
			v->ds = ds;
			if (psecure) {
				vres_t r = validate(c, (uint32_t)z->parent, v->server, ds,
				                    &ps->keys, true);
				if (!r.valid) {
					v->kind = V_BOGUS;
					snprintf(v->why, sizeof(v->why),
					         "the DS RRset from %s has no valid signature",
					         srv_name(c, v->server));
				}
			}
			continue;
		}
		v->kind = V_NODS;
		if (!psecure)
			continue;
		/* RFC 4035 §5.2: an insecure delegation is proven by NSEC/NSEC3. */
		const lrrset_t *used[4];
		size_t nused = 0;
		char why[128];
		bool ok = ldenial_proves(m, pz->dname, zone, KNOT_RRTYPE_DS, false, used, &nused,
		                         why, sizeof(why));
		for (size_t u = 0; ok && u < nused; u++)
			if (!validate(c, (uint32_t)z->parent, v->server, used[u], &ps->keys, true)
			         .valid) {
				ok = false;
				snprintf(why, sizeof(why),
				         "the proof's records have no valid signature");
			}
		if (!ok) {
			v->kind = V_BOGUS;
			snprintf(v->why, sizeof(v->why),
			         "no valid proof that the DS is absent (%.100s)", why);
			dv_findings_add(
			    &c->raw, DV_F_DENIAL_PROOF_INVALID,
			    &(dv_evidence_t){.zone = c->snap->zones[(uint32_t)z->parent].dname,
			                     .server = srv_addr(c, v->server),
			                     .owner = zone,
			                     .type = KNOT_RRTYPE_DS},
			    "NODATA for DS: %s", why);
		}
	}
}

static bool ds_supported(const uint8_t *rd, uint16_t len)
{
	dv_ds_t ds;
	return dv_ds_parse(rd, len, &ds) == DV_OK && dv_alg_supported(ds.algorithm) &&
	       (ds.digest_type == DV_DIGEST_SHA1 || ds.digest_type == DV_DIGEST_SHA256 ||
	        ds.digest_type == DV_DIGEST_SHA384);
}

/* Whether a DS (or, for a DNSKEY trust anchor, a DNSKEY) designates the key. */
static bool anchor_matches(const uint8_t *zone, const lrrset_t *ds, uint16_t i, const uint8_t *key,
                           uint16_t klen)
{
	if (ds->type == KNOT_RRTYPE_DNSKEY)
		return ds->rdlen[i] == klen && memcmp(ds->rd[i], key, klen) == 0;
	return dv_ds_matches(zone, ds->rd[i], ds->rdlen[i], key, klen);
}

static bool anchor_supported(const lrrset_t *ds, uint16_t i)
{
	dv_dnskey_t dk;
	if (ds->type == KNOT_RRTYPE_DNSKEY)
		return dv_dnskey_parse(ds->rd[i], ds->rdlen[i], &dk) == DV_OK &&
		       dv_alg_supported(dk.algorithm);
	return ds_supported(ds->rd[i], ds->rdlen[i]);
}

/* RFC 4035 §5.2: a DS (secure entry point) must authenticate the DNSKEY RRset. */
static dv_chain_status_t eval_ds(lctx_t *c, zctx_t *zc, csrv_t *cs, const pvar_t *v, char *why,
                                 size_t wl)
{
	const uint8_t *zone = zc->z->dname;
	const lrrset_t *ds = v->ds;
	bool any_supported = false;
	for (uint16_t i = 0; i < ds->n; i++)
		if (anchor_supported(ds, i))
			any_supported = true;
	if (!any_supported) {
		snprintf(why, wl, "no DS uses a supported algorithm and digest");
		return DV_CHAIN_INSECURE;
	}
	const lrrset_t *keys = cs->keys;
	if (keys == NULL || keys->n == 0) {
		snprintf(why, wl, "server %s serves no DNSKEY RRset", srv_name(c, cs->server));
		for (uint16_t i = 0; i < ds->n; i++) {
			int32_t tag;
			uint8_t alg;
			key_of(ds->type, ds->rd[i], ds->rdlen[i], &tag, &alg);
			dv_findings_add(&c->raw, DV_F_DS_NO_MATCHING_DNSKEY,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, cs->server),
			                                 .owner = zone,
			                                 .type = KNOT_RRTYPE_DS,
			                                 .has_keytag = tag >= 0,
			                                 .keytag = (uint16_t)tag,
			                                 .algorithm = alg},
			                "the server has no DNSKEY RRset");
		}
		return DV_CHAIN_BOGUS;
	}
	lrrset_t *matched = mkset(c, zone, KNOT_RRTYPE_DNSKEY, keys->n);
	if (matched == NULL)
		return DV_CHAIN_INDETERMINATE;
	for (uint16_t i = 0; i < ds->n; i++) {
		if (!anchor_supported(ds, i))
			continue;
		bool hit = false;
		for (uint16_t k = 0; k < keys->n; k++) {
			if (anchor_matches(zone, ds, i, keys->rd[k], keys->rdlen[k])) {
				hit = true;
				if (!rd_in(matched, keys->rd[k], keys->rdlen[k])) {
					matched->rd[matched->n] = keys->rd[k];
					matched->rdlen[matched->n++] = keys->rdlen[k];
				}
			}
		}
		if (!hit) {
			int32_t tag;
			uint8_t alg;
			key_of(ds->type, ds->rd[i], ds->rdlen[i], &tag, &alg);
			dv_findings_add(&c->raw, DV_F_DS_NO_MATCHING_DNSKEY,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, cs->server),
			                                 .owner = zone,
			                                 .type = ds->type,
			                                 .has_keytag = tag >= 0,
			                                 .keytag = (uint16_t)tag,
			                                 .algorithm = alg},
			                "%s %d (algorithm %u) matches no DNSKEY",
			                ds->type == KNOT_RRTYPE_DS ? "DS" : "trust anchor key", tag,
			                alg);
		}
	}
	if (matched->n == 0) {
		snprintf(why, wl, "no DNSKEY on %s matches the %s", srv_name(c, cs->server),
		         ds->type == KNOT_RRTYPE_DS ? "DS RRset" : "trust anchor");
		return DV_CHAIN_BOGUS;
	}
	bool signed_by_sep = false, sep_sig_present = false;
	dv_keyset_t ks;
	if (live_keyset(c, matched, &ks) != DV_OK)
		return DV_CHAIN_INDETERMINATE;
	for (uint16_t i = 0; i < keys->nsig; i++) {
		dv_rrsig_t sig;
		dv_sig_verdict_t r = live_judge(c, keys, i, zone, &ks, &sig);
		if (r == DV_SIG_VALID)
			signed_by_sep = true;
		else if (dv_sig_verifies(r))
			sep_sig_present = true;
	}
	dv_keyset_clear(&ks);
	if (!signed_by_sep) {
		if (!sep_sig_present) {
			int32_t tag;
			uint8_t alg;
			key_of(KNOT_RRTYPE_DNSKEY, matched->rd[0], matched->rdlen[0], &tag, &alg);
			dv_findings_add(&c->raw, DV_F_DNSKEY_NOT_SIGNED_BY_DS_KEY,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, cs->server),
			                                 .owner = zone,
			                                 .type = KNOT_RRTYPE_DNSKEY,
			                                 .has_keytag = tag >= 0,
			                                 .keytag = (uint16_t)tag,
			                                 .algorithm = alg},
			                "no valid RRSIG by a DS-matched key");
		}
		snprintf(why, wl, "the DNSKEY RRset on %s has no valid signature by a %s key%s",
		         srv_name(c, cs->server),
		         ds->type == KNOT_RRTYPE_DS ? "DS-matched" : "trust-anchor",
		         sep_sig_present ? " (it expired or is not yet valid)" : "");
		return DV_CHAIN_BOGUS;
	}
	return DV_CHAIN_SECURE;
}

static void set_status(dv_live_zone_t *zr, dv_chain_status_t st, const char *why)
{
	if (st > zr->status ||
	    (zr->reason[0] == '\0' && st == zr->status && st != DV_CHAIN_SECURE)) {
		if (st > zr->status || zr->reason[0] == '\0')
			snprintf(zr->reason, sizeof(zr->reason), "%s", why);
		zr->status = st;
	}
}

static void eval_chain(lctx_t *c, zctx_t *zc, zstate_t *zs)
{
	dv_live_zone_t *zr = zc->zr;
	const dv_snap_zone_t *z = zc->z;
	const uint8_t *zone = z->dname;
	zr->status = DV_CHAIN_SECURE;
	zr->reason[0] = '\0';
	for (size_t s = 0; s < zc->ncs; s++) {
		csrv_t *cs = &zc->cs[s];
		const lmsg_t *m = qmsg(c, cs->dnskey);
		if (cs->answering && m != NULL && m->rcode == KNOT_RCODE_NOERROR)
			cs->keys = lmsg_find(m, LSEC_AN, zone, KNOT_RRTYPE_DNSKEY);
		if (cs->keys != NULL && cs->keys->n > 0)
			zr->signed_zone = true;
	}
	if (z->parent >= 0) {
		const dv_live_zone_t *pr = &c->res->zones[z->parent];
		if (pr->status != DV_CHAIN_SECURE) {
			char why[256];
			snprintf(why, sizeof(why), "the parent zone %s is %s",
			         c->snap->zones[z->parent].name, dv_chain_status_name(pr->status));
			set_status(zr, pr->status, why);
			return;
		}
	}
	if (zr->answering == 0) {
		set_status(zr, DV_CHAIN_INDETERMINATE, "no server of the zone answered");
		return;
	}
	if (zc->npv == 0 || (zc->npv == 1 && zc->pv[0].kind == V_NONE)) {
		set_status(zr, z->parent < 0 ? DV_CHAIN_INSECURE : DV_CHAIN_INDETERMINATE,
		           z->parent < 0 ? "no trust anchor for the root"
		                         : "no parent server answered the DS query");
		return;
	}
	/* For each parent server's DS answer, the zone is as good as its best
	 * child server: validators retry another server on bogus data (the
	 * broken servers are findings of their own).  Across the parent's
	 * answers, the worst counts: a resolver cannot choose its DS. */
	bool any_nods = false;
	for (size_t p = 0; p < zc->npv; p++) {
		const pvar_t *v = &zc->pv[p];
		if (v->kind == V_BOGUS) {
			set_status(zr, DV_CHAIN_BOGUS, v->why);
			continue;
		}
		if (v->kind == V_NODS) {
			any_nods = true;
			char why[256];
			snprintf(why, sizeof(why), "the parent proves there is no DS%s%s",
			         v->server != UINT32_MAX ? " (" : "",
			         v->server != UINT32_MAX ? srv_name(c, v->server) : "");
			if (v->server != UINT32_MAX)
				snprintf(why + strlen(why), sizeof(why) - strlen(why), ")");
			set_status(zr, DV_CHAIN_INSECURE, why);
			continue;
		}
		if (v->kind != V_DS)
			continue;
		dv_chain_status_t best = DV_CHAIN_BOGUS;
		char first_why[256] = "";
		bool any = false;
		for (size_t s = 0; s < zc->ncs; s++) {
			csrv_t *cs = &zc->cs[s];
			if (!cs->answering)
				continue;
			char why[256] = "";
			dv_chain_status_t st = eval_ds(c, zc, cs, v, why, sizeof(why));
			any = true;
			if (st == DV_CHAIN_SECURE)
				cs->keys_trusted = true;
			if (st < best)
				best = st;
			if (st != DV_CHAIN_SECURE && first_why[0] == '\0')
				snprintf(first_why, sizeof(first_why), "%s", why);
		}
		if (any)
			set_status(zr, best, first_why);
	}
	if (any_nods && zr->signed_zone && zr->status == DV_CHAIN_INSECURE)
		dv_findings_add(&c->raw, DV_F_ISLAND_OF_SECURITY,
		                &(dv_evidence_t){.zone = zc->z->dname,
		                                 .owner = zone,
		                                 .type = KNOT_RRTYPE_DNSKEY},
		                "the zone serves DNSKEYs but its parent has no DS for it");
	(void)zs;
}

/* Signatures of the apex RRsets each server serves, with its own DNSKEYs. */
static void check_apex_sigs(lctx_t *c, zctx_t *zc)
{
	const uint8_t *zone = zc->z->dname;
	bool expect = zc->zr->status == DV_CHAIN_SECURE || zc->zr->status == DV_CHAIN_BOGUS;
	char why[256] = "";
	/* A DS at the parent says the zone is signed, whatever the servers serve. */
	bool has_ds = false;
	for (size_t p = 0; p < zc->npv; p++)
		has_ds |= zc->pv[p].kind == V_DS;
	if (!expect || (!zc->zr->signed_zone && !has_ds))
		return;
	for (size_t s = 0; s < zc->ncs; s++) {
		csrv_t *cs = &zc->cs[s];
		if (!cs->answering)
			continue;
		if (!cs->any_sigs || cs->keys == NULL) {
			/* One finding says it all; no RRSIG_MISSING per RRset. */
			dv_findings_add(&c->raw, DV_F_SERVER_NO_DNSSEC,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, cs->server),
			                                 .owner = zone},
			                "%s",
			                cs->keys == NULL ? "no DNSKEY RRset and no RRSIGs served"
			                                 : "no RRSIGs in answers with DO");
			continue;
		}
		struct {
			long q;
			uint16_t t;
		} apex[] = {{cs->dnskey, KNOT_RRTYPE_DNSKEY},
		            {cs->soa, KNOT_RRTYPE_SOA},
		            {cs->ns, KNOT_RRTYPE_NS}};
		for (size_t k = 0; k < sizeof(apex) / sizeof(apex[0]); k++) {
			const lmsg_t *m = qmsg(c, apex[k].q);
			const lrrset_t *set = lmsg_find(m, LSEC_AN, zone, apex[k].t);
			if (set == NULL)
				continue;
			vres_t r = validate(c, zc->zi, cs->server, set, cs->keys, true);
			if (!r.valid && cs->keys_trusted) {
				char t[16];
				type_str(apex[k].t, t, sizeof(t));
				snprintf(why, sizeof(why),
				         "the %s RRset on %s has no valid signature", t,
				         srv_name(c, cs->server));
				cs->keys_trusted = false;
			}
		}
	}
	/* Bogus when no server is left whose apex data validates. */
	bool any = false;
	for (size_t s = 0; s < zc->ncs; s++)
		any |= zc->cs[s].keys_trusted;
	if (zc->zr->status == DV_CHAIN_SECURE && !any)
		set_status(zc->zr, DV_CHAIN_BOGUS,
		           why[0] ? why : "no server serves validating data");
}

/* Index of the group (largest, first on ties) each server belongs to. */
typedef bool (*same_fn)(lctx_t *c, zctx_t *zc, size_t a, size_t b);

static long majority(lctx_t *c, zctx_t *zc, const bool *use, same_fn same)
{
	long best = -1;
	size_t best_n = 0;
	for (size_t a = 0; a < zc->ncs; a++) {
		if (!use[a])
			continue;
		size_t n = 0;
		for (size_t b = 0; b < zc->ncs; b++)
			if (use[b] && same(c, zc, a, b))
				n++;
		if (n > best_n) {
			best_n = n;
			best = (long)a;
		}
	}
	return best;
}

static const lrrset_t *ans(lctx_t *c, zctx_t *zc, long q, uint16_t type)
{
	return lmsg_find(qmsg(c, q), LSEC_AN, zc->z->dname, type);
}

static uint32_t serial_of(lctx_t *c, zctx_t *zc, size_t s, bool *ok)
{
	const lrrset_t *soa = ans(c, zc, zc->cs[s].soa, KNOT_RRTYPE_SOA);
	*ok = false;
	if (soa == NULL || soa->n != 1)
		return 0;
	/* SOA RDATA: MNAME, RNAME, then SERIAL (RFC 1035 §3.3.13); both names
	 * are checked before libknot's accessor reads past them. */
	const uint8_t *rd = soa->rd[0], *end = rd + soa->rdlen[0];
	int a = knot_dname_wire_check(rd, end, NULL);
	if (a <= 0)
		return 0;
	int b = knot_dname_wire_check(rd + a, end, NULL);
	if (b <= 0 || rd + a + b + 4 > end)
		return 0;
	union {
		knot_rdata_t rd;
		uint8_t raw[sizeof(knot_rdata_t) + 2 * KNOT_DNAME_MAXLEN + 20];
	} copy;
	knot_rdata_init(&copy.rd,
	                (uint16_t)(a + b + 20 < soa->rdlen[0] ? a + b + 20 : soa->rdlen[0]), rd);
	*ok = true;
	return knot_soa_serial(&copy.rd);
}

/* RFC 1982 §3.2: whether serial a is newer than b. */
static bool serial_newer(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

static bool same_dnskey(lctx_t *c, zctx_t *zc, size_t a, size_t b)
{
	return set_equal(zc->cs[a].keys, zc->cs[b].keys);
}

static bool same_ns(lctx_t *c, zctx_t *zc, size_t a, size_t b)
{
	return set_equal(ans(c, zc, zc->cs[a].ns, KNOT_RRTYPE_NS),
	                 ans(c, zc, zc->cs[b].ns, KNOT_RRTYPE_NS));
}

static bool same_cds(lctx_t *c, zctx_t *zc, size_t a, size_t b)
{
	return set_equal(ans(c, zc, zc->cs[a].cds, KNOT_RRTYPE_CDS),
	                 ans(c, zc, zc->cs[b].cds, KNOT_RRTYPE_CDS)) &&
	       set_equal(ans(c, zc, zc->cs[a].cdnskey, KNOT_RRTYPE_CDNSKEY),
	                 ans(c, zc, zc->cs[b].cdnskey, KNOT_RRTYPE_CDNSKEY));
}

static void names_of(const lrrset_t *ns, char *buf, size_t len)
{
	buf[0] = '\0';
	for (uint16_t i = 0; ns != NULL && i < ns->n; i++) {
		char n[1025];
		dv_snap_dname_str(ns->rd[i], n, sizeof(n));
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%.255s", i ? " " : "", n);
	}
}

static void check_consistency(lctx_t *c, zctx_t *zc)
{
	const uint8_t *zone = zc->z->dname;
	bool *use = dv_arena_alloc(&c->arena, zc->ncs + 1);
	if (use == NULL) {
		c->err = DV_ENOMEM;
		return;
	}
	/* SOA serial: the servers behind the newest serial (RFC 1982 order). */
	bool have = false;
	uint32_t newest = 0;
	long newest_srv = -1;
	for (size_t s = 0; s < zc->ncs; s++) {
		bool ok;
		uint32_t ser = zc->cs[s].answering ? serial_of(c, zc, s, &ok) : (ok = false, 0);
		if (!ok)
			continue;
		if (!have || serial_newer(ser, newest)) {
			newest = ser;
			newest_srv = zc->cs[s].server;
		}
		have = true;
	}
	for (size_t s = 0; s < zc->ncs; s++) {
		bool ok;
		uint32_t ser = zc->cs[s].answering ? serial_of(c, zc, s, &ok) : (ok = false, 0);
		dv_live_server_t *ls = live_server(zc->zr, zc->cs[s].server);
		if (ok && ls != NULL) {
			ls->have_serial = true;
			ls->serial = ser;
		}
	}
	zc->zr->have_serial = have;
	zc->zr->serial = newest;
	for (size_t s = 0; s < zc->ncs && have; s++) {
		bool ok;
		uint32_t ser = zc->cs[s].answering ? serial_of(c, zc, s, &ok) : (ok = false, 0);
		if (ok && ser != newest)
			dv_findings_add(&c->raw, DV_F_SERVERS_SERIAL_DIFFER,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, zc->cs[s].server),
			                                 .owner = zone,
			                                 .type = KNOT_RRTYPE_SOA},
			                "serial %u, while %s serves %u", ser,
			                srv_name(c, (uint32_t)newest_srv), newest);
	}
	/* DNSKEY and NS sets: the servers outside the majority. */
	struct {
		same_fn fn;
		dv_code_t code;
		uint16_t type;
	} cmp[] = {{same_dnskey, DV_F_SERVERS_DNSKEY_DIFFER, KNOT_RRTYPE_DNSKEY},
	           {same_ns, DV_F_SERVERS_NS_DIFFER, KNOT_RRTYPE_NS},
	           {same_cds, DV_F_CDS_DIFFER, KNOT_RRTYPE_CDS}};
	for (size_t k = 0; k < sizeof(cmp) / sizeof(cmp[0]); k++) {
		for (size_t s = 0; s < zc->ncs; s++)
			use[s] = zc->cs[s].answering;
		long maj = majority(c, zc, use, cmp[k].fn);
		for (size_t s = 0; maj >= 0 && s < zc->ncs; s++)
			if (use[s] && !cmp[k].fn(c, zc, (size_t)maj, s))
				dv_findings_add(
				    &c->raw, cmp[k].code,
				    &(dv_evidence_t){.zone = zc->z->dname,
				                     .server = srv_addr(c, zc->cs[s].server),
				                     .owner = zone,
				                     .type = cmp[k].type},
				    "differs from the set %s serves",
				    srv_name(c, zc->cs[maj].server));
	}
	/* RRSIG presence: unsigned answers where other servers sign. */
	bool someone_signs = false;
	for (size_t s = 0; s < zc->ncs; s++)
		if (zc->cs[s].answering && zc->cs[s].any_sigs)
			someone_signs = true;
	for (size_t s = 0; s < zc->ncs && someone_signs; s++)
		if (zc->cs[s].answering && !zc->cs[s].any_sigs)
			dv_findings_add(&c->raw, DV_F_SERVERS_RRSIG_DIFFER,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, zc->cs[s].server),
			                                 .owner = zone},
			                "answers carry no RRSIG while other servers sign");
	/* Parent's delegation NS set against the child's apex NS set (RFC 1034 §4.2.2). */
	for (size_t s = 0; s < zc->ncs; s++)
		use[s] = zc->cs[s].answering && ans(c, zc, zc->cs[s].ns, KNOT_RRTYPE_NS) != NULL;
	long maj = majority(c, zc, use, same_ns);
	if (maj < 0 || zc->z->parent < 0)
		return;
	const lrrset_t *child = ans(c, zc, zc->cs[maj].ns, KNOT_RRTYPE_NS);
	for (size_t i = 0; i < zc->nq; i++) {
		const dv_snap_query_t *q = &c->snap->queries[zc->qs[i]];
		if (q->side != DV_SIDE_PARENT || q->qtype != KNOT_RRTYPE_NS)
			continue;
		const lmsg_t *m = qmsg(c, zc->qs[i]);
		const lrrset_t *pns = lmsg_find(m, LSEC_NS, zone, KNOT_RRTYPE_NS);
		if (pns == NULL || (m != NULL && m->aa))
			continue; /* an authoritative answer comes from the child's data */
		if (!set_equal(pns, child)) {
			char a[400], b[400];
			names_of(pns, a, sizeof(a));
			names_of(child, b, sizeof(b));
			dv_findings_add(&c->raw, DV_F_PARENT_CHILD_NS_DIFFER,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, q->server),
			                                 .owner = zone,
			                                 .type = KNOT_RRTYPE_NS},
			                "parent: %.200s; child: %.200s", a, b);
		}
	}
}

static void check_parent_ds(lctx_t *c, zctx_t *zc)
{
	/* Parent servers that disagree with the majority DS answer. */
	size_t best = 0, best_n = 0;
	for (size_t a = 0; a < zc->npv; a++) {
		size_t n = 0;
		for (size_t b = 0; b < zc->npv; b++)
			if (zc->pv[a].kind == zc->pv[b].kind &&
			    set_equal(zc->pv[a].ds, zc->pv[b].ds))
				n++;
		if (n > best_n) {
			best_n = n;
			best = a;
		}
	}
	for (size_t b = 0; b < zc->npv && zc->zi != 0 && zc->z->parent >= 0; b++) {
		const pvar_t *x = &zc->pv[best], *y = &zc->pv[b];
		if ((x->kind == V_DS || x->kind == V_NODS) &&
		    (y->kind == V_DS || y->kind == V_NODS) &&
		    !(x->kind == y->kind && set_equal(x->ds, y->ds)))
			dv_findings_add(&c->raw, DV_F_PARENT_DS_DIFFER,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = srv_addr(c, y->server),
			                                 .owner = zc->z->dname,
			                                 .type = KNOT_RRTYPE_DS},
			                "serves another DS RRset (%u records) than %s (%u records)",
			                y->ds ? y->ds->n : 0, srv_name(c, x->server),
			                x->ds ? x->ds->n : 0);
	}
	/* RFC 8624 §3.3 digest policy. */
	for (size_t p = 0; p < zc->npv; p++) {
		const lrrset_t *ds = zc->pv[p].ds;
		if (zc->pv[p].kind != V_DS || ds == NULL || ds->type != KNOT_RRTYPE_DS)
			continue;
		for (uint16_t i = 0; i < ds->n; i++) {
			dv_ds_t d;
			if (dv_ds_parse(ds->rd[i], ds->rdlen[i], &d) != DV_OK)
				continue;
			dv_policy_t pol = dv_digest_policy(d.digest_type);
			int32_t tag = d.key_tag;
			if (pol == DV_POLICY_MUST_NOT)
				dv_findings_add(&c->raw, DV_F_DS_DIGEST_DEPRECATED,
				                &(dv_evidence_t){.zone = zc->z->dname,
				                                 .owner = zc->z->dname,
				                                 .type = KNOT_RRTYPE_DS,
				                                 .has_keytag = tag >= 0,
				                                 .keytag = (uint16_t)tag,
				                                 .algorithm = d.algorithm},
				                "digest type %u", d.digest_type);
			else if (pol == DV_POLICY_UNKNOWN)
				dv_findings_add(&c->raw, DV_F_DS_DIGEST_UNKNOWN,
				                &(dv_evidence_t){.zone = zc->z->dname,
				                                 .owner = zc->z->dname,
				                                 .type = KNOT_RRTYPE_DS,
				                                 .has_keytag = tag >= 0,
				                                 .keytag = (uint16_t)tag,
				                                 .algorithm = d.algorithm},
				                "digest type %u", d.digest_type);
		}
	}
}

static void check_algorithms(lctx_t *c, zctx_t *zc)
{
	for (size_t s = 0; s < zc->ncs; s++) {
		const lrrset_t *k = zc->cs[s].keys;
		for (uint16_t i = 0; k != NULL && i < k->n; i++) {
			int32_t tag;
			uint8_t alg;
			key_of(KNOT_RRTYPE_DNSKEY, k->rd[i], k->rdlen[i], &tag, &alg);
			if (tag < 0)
				continue;
			dv_policy_t pol = dv_alg_policy(alg);
			dv_code_t code = pol == DV_POLICY_MUST_NOT ? DV_F_ALGORITHM_PROHIBITED
			                 : pol == DV_POLICY_NOT_RECOMMENDED
			                     ? DV_F_ALGORITHM_DEPRECATED
			                 : pol == DV_POLICY_UNKNOWN ? DV_F_ALGORITHM_UNKNOWN
			                                            : DV_F_COUNT;
			if (code != DV_F_COUNT)
				dv_findings_add(&c->raw, code,
				                &(dv_evidence_t){.zone = zc->z->dname,
				                                 .owner = zc->z->dname,
				                                 .type = KNOT_RRTYPE_DNSKEY,
				                                 .has_keytag = tag >= 0,
				                                 .keytag = (uint16_t)tag,
				                                 .algorithm = alg},
				                "algorithm %u (%s)", alg, dv_alg_name(alg));
		}
	}
}

static bool cds_delete(const lrrset_t *s, uint16_t i)
{
	/* RFC 8078 §4: CDS "0 0 0 00", CDNSKEY "0 3 0 AA==". */
	static const uint8_t cds0[] = {0, 0, 0, 0, 0}, cdnskey0[] = {0, 0, 3, 0, 0};
	const uint8_t *want = s->type == KNOT_RRTYPE_CDS ? cds0 : cdnskey0;
	return s->rdlen[i] == 5 && memcmp(s->rd[i], want, 5) == 0;
}

static void check_cds(lctx_t *c, zctx_t *zc)
{
	const uint8_t *zone = zc->z->dname;
	for (size_t s = 0; s < zc->ncs; s++) {
		csrv_t *cs = &zc->cs[s];
		if (!cs->answering)
			continue;
		const lrrset_t *sets[] = {ans(c, zc, cs->cds, KNOT_RRTYPE_CDS),
		                          ans(c, zc, cs->cdnskey, KNOT_RRTYPE_CDNSKEY)};
		for (size_t k = 0; k < 2; k++) {
			const lrrset_t *st = sets[k];
			if (st == NULL || st->n == 0)
				continue;
			for (uint16_t i = 0; i < st->n; i++) {
				if (cds_delete(st, i)) {
					dv_findings_add(
					    &c->raw, DV_F_CDS_DELETE,
					    &(dv_evidence_t){.zone = zc->z->dname,
					                     .server = srv_addr(c, cs->server),
					                     .owner = zone,
					                     .type = st->type},
					    "RFC 8078 delete form");
					continue;
				}
				bool hit = false;
				for (uint16_t j = 0; cs->keys != NULL && j < cs->keys->n; j++) {
					if (st->type == KNOT_RRTYPE_CDS
					        ? dv_ds_matches(zone, st->rd[i], st->rdlen[i],
					                        cs->keys->rd[j], cs->keys->rdlen[j])
					        : (st->rdlen[i] == cs->keys->rdlen[j] &&
					           memcmp(st->rd[i], cs->keys->rd[j],
					                  st->rdlen[i]) == 0))
						hit = true;
				}
				int32_t tag;
				uint8_t alg;
				key_of(st->type, st->rd[i], st->rdlen[i], &tag, &alg);
				if (!hit)
					dv_findings_add(
					    &c->raw, DV_F_CDS_NO_MATCHING_DNSKEY,
					    &(dv_evidence_t){.zone = zc->z->dname,
					                     .server = srv_addr(c, cs->server),
					                     .owner = zone,
					                     .type = st->type,
					                     .has_keytag = tag >= 0,
					                     .keytag = (uint16_t)tag},
					    "key tag %d", tag);
			}
			/* RFC 7344 §4.1: signed by a key of the DNSKEY RRset. */
			dv_keyset_t ks;
			if (cs->keys != NULL && live_keyset(c, cs->keys, &ks) == DV_OK) {
				bool ok = false;
				for (uint16_t i = 0; i < st->nsig; i++) {
					dv_rrsig_t sig;
					if (live_judge(c, st, i, zone, &ks, &sig) == DV_SIG_VALID)
						ok = true;
				}
				dv_keyset_clear(&ks);
				if (!ok)
					dv_findings_add(
					    &c->raw, DV_F_CDS_UNSIGNED,
					    &(dv_evidence_t){.zone = zc->z->dname,
					                     .server = srv_addr(c, cs->server),
					                     .owner = zone,
					                     .type = st->type},
					    "%s", st->nsig ? "no valid RRSIG" : "no RRSIG");
			}
		}
	}
}

static void check_denial(lctx_t *c, zctx_t *zc)
{
	const uint8_t *zone = zc->z->dname;
	if (zc->zr->status != DV_CHAIN_SECURE)
		return;
	for (size_t s = 0; s < zc->ncs; s++) {
		csrv_t *cs = &zc->cs[s];
		if (!cs->answering || !cs->keys_trusted)
			continue;
		long qv[2] = {cs->nx, cs->nodata};
		for (int k = 0; k < 2; k++) {
			const lmsg_t *m = qmsg(c, qv[k]);
			if (m == NULL || m->qname == NULL)
				continue;
			bool nx = k == 0;
			if (m->rcode != KNOT_RCODE_NOERROR && m->rcode != KNOT_RCODE_NXDOMAIN)
				continue;
			if (m->nsec[LSEC_AN] > 0)
				continue; /* a wildcard or data answered: nothing to deny */
			if (nx && m->rcode != KNOT_RCODE_NXDOMAIN)
				nx = false; /* an empty non-terminal or wildcard NODATA */
			const lrrset_t *used[4];
			size_t nused = 0;
			char why[128] = "";
			bool ok = ldenial_proves(m, zone, m->qname, m->qtype, nx, used, &nused, why,
			                         sizeof(why));
			for (size_t u = 0; ok && u < nused; u++) {
				if (!validate(c, zc->zi, cs->server, used[u], cs->keys, true)
				         .valid) {
					ok = false;
					snprintf(why, sizeof(why),
					         "%s record has no valid signature",
					         used[u]->type == KNOT_RRTYPE_NSEC ? "an NSEC"
					                                           : "an NSEC3");
				}
			}
			if (!ok)
				dv_findings_add(&c->raw, DV_F_DENIAL_PROOF_INVALID,
				                &(dv_evidence_t){.zone = zc->z->dname,
				                                 .server = srv_addr(c, cs->server),
				                                 .owner = m->qname,
				                                 .type = m->qtype},
				                "%s: %s", nx ? "NXDOMAIN" : "NODATA", why);
			/* RFC 9276 §3.1: 0 extra iterations; validators give up on high counts. */
			for (size_t u = 0; ok && u < nused; u++) {
				const lrrset_t *n3 = used[u];
				dv_nsec3_params_t prm;
				if (n3->type != KNOT_RRTYPE_NSEC3 || n3->n == 0 ||
				    dv_nsec3_params_parse(n3->rd[0], n3->rdlen[0], &prm) != DV_OK)
					continue;
				unsigned it = prm.iterations;
				if (it > 0)
					dv_findings_add(
					    &c->raw, DV_F_NSEC3_ITERATIONS,
					    &(dv_evidence_t){.zone = zc->z->dname,
					                     .server = srv_addr(c, cs->server),
					                     .owner = zone,
					                     .type = KNOT_RRTYPE_NSEC3},
					    "%u additional iterations", it);
				break;
			}
		}
	}
}

static void check_zone(lctx_t *c, uint32_t zi, zstate_t *zs)
{
	zctx_t zc = {.zi = zi, .z = &c->snap->zones[zi], .zr = &c->res->zones[zi]};
	zc.zr->zone = zi;
	zc.zr->servers = (unsigned)zc.z->nservers;
	zc.qs = zone_queries(c, zi, &zc.nq);
	if (c->err)
		return;
	collect_child(c, &zc);
	if (c->err)
		return;
	check_health(c, &zc);
	zc.zr->srv = calloc(zc.ncs ? zc.ncs : 1, sizeof(*zc.zr->srv));
	if (zc.zr->srv == NULL) {
		c->err = DV_ENOMEM;
		return;
	}
	zc.zr->nsrv = zc.ncs;
	for (size_t s = 0; s < zc.ncs; s++) {
		zc.zr->srv[s].server = zc.cs[s].server;
		zc.zr->srv[s].answering = zc.cs[s].answering;
		if (zc.cs[s].answering)
			zc.zr->answering++;
	}
	collect_parent(c, &zc, zs);
	if (c->err)
		return;
	eval_chain(c, &zc, zs);
	check_apex_sigs(c, &zc);
	check_consistency(c, &zc);
	check_parent_ds(c, &zc);
	if (zc.zr->signed_zone)
		check_algorithms(c, &zc);
	check_cds(c, &zc);
	check_denial(c, &zc);

	/* The keys the children's DS RRsets are validated with. */
	zstate_t *st = &zs[zi];
	size_t cap = 0;
	for (size_t s = 0; s < zc.ncs; s++)
		if (zc.cs[s].keys_trusted && zc.cs[s].keys != NULL)
			cap += zc.cs[s].keys->n;
	lrrset_t *u = mkset(c, zc.z->dname, KNOT_RRTYPE_DNSKEY, cap);
	if (u == NULL)
		return;
	for (size_t s = 0; s < zc.ncs; s++) {
		const lrrset_t *k = zc.cs[s].keys;
		for (uint16_t i = 0; zc.cs[s].keys_trusted && k != NULL && i < k->n; i++)
			if (!rd_in(u, k->rd[i], k->rdlen[i])) {
				u->rd[u->n] = k->rd[i];
				u->rdlen[u->n++] = k->rdlen[i];
			}
	}
	st->keys = *u;
	st->have_keys = u->n > 0;

	const dv_live_zone_t *zr = zc.zr;
	dv_code_t code = zr->status == DV_CHAIN_BOGUS           ? DV_F_CHAIN_BOGUS
	                 : zr->status == DV_CHAIN_INSECURE      ? DV_F_CHAIN_INSECURE
	                 : zr->status == DV_CHAIN_INDETERMINATE ? DV_F_CHAIN_INDETERMINATE
	                                                        : DV_F_COUNT;
	if (code != DV_F_COUNT)
		dv_findings_add(
		    &c->raw, code,
		    &(dv_evidence_t){.zone = c->snap->zones[zi].dname, .owner = zc.z->dname}, "%s",
		    zr->reason);
}

/* ---- merging across servers ------------------------------------------------- */

static int cmp_but_server(const dv_finding_t *a, const dv_finding_t *b)
{
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	int r = dv_finding_name_cmp(a->zone, b->zone);
	if (r == 0)
		r = dv_finding_name_cmp(a->owner, b->owner);
	if (r == 0 && a->type != b->type)
		r = a->type < b->type ? -1 : 1;
	if (r == 0 && a->keytag != b->keytag)
		r = a->keytag < b->keytag ? -1 : 1;
	if (r == 0 && a->algorithm != b->algorithm)
		r = a->algorithm < b->algorithm ? -1 : 1;
	if (r == 0 && a->time != b->time)
		r = a->time < b->time ? -1 : 1;
	if (r == 0)
		r = strcmp(a->detail, b->detail);
	return r;
}

static int cmp_merge(const void *pa, const void *pb)
{
	const dv_finding_t *a = pa, *b = pb;
	int r = cmp_but_server(a, b);
	return r != 0 ? r : strcmp(a->server, b->server);
}

/* The same finding from several servers becomes one, naming them all. */
static void merge(dv_findings_t *raw, dv_findings_t *out)
{
	if (raw->len > 1)
		qsort(raw->v, raw->len, sizeof(*raw->v), cmp_merge);
	for (size_t i = 0; i < raw->len;) {
		size_t j = i + 1;
		while (j < raw->len && cmp_but_server(&raw->v[i], &raw->v[j]) == 0)
			j++;
		const dv_finding_t *f = &raw->v[i];
		char servers[DV_FINDING_SERVER_MAX];
		snprintf(servers, sizeof(servers), "%s", f->server);
		if (j - i > 1) {
			size_t len = strlen(servers);
			size_t k;
			for (k = i + 1; k < j; k++) {
				if (strcmp(raw->v[k].server, raw->v[k - 1].server) == 0)
					continue;
				size_t add = strlen(raw->v[k].server) + 1;
				if (len + add + 8 >= sizeof(servers))
					break;
				snprintf(servers + len, sizeof(servers) - len, ",%s",
				         raw->v[k].server);
				len += add;
			}
			if (k < j)
				snprintf(servers + len, sizeof(servers) - len, ",+%zu", j - k);
		}
		dv_evidence_t ev = {.owner = f->owner,
		                    .zone = f->zone,
		                    .server = servers,
		                    .type = f->type,
		                    .algorithm = f->algorithm,
		                    .has_keytag = f->keytag >= 0,
		                    .keytag = (uint16_t)f->keytag,
		                    .time = f->time,
		                    .seconds_left = f->seconds_left};
		dv_findings_add(out, f->code, &ev, f->detail[0] ? "%s" : NULL, f->detail);
		i = j;
	}
	/* Beyond the raw list's ceiling, counted per server. */
	for (int c = 0; c < DV_F_COUNT; c++)
		out->dropped[c] += raw->dropped[c];
}

/* ---- entry ------------------------------------------------------------------ */

static int addr_cmp(const void *a, const void *b, void *arg)
{
	const dv_snapshot_t *snap = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = strcmp(snap->servers[x].addr, snap->servers[y].addr);
	return r != 0 ? r : (x < y ? -1 : x > y);
}

/* Distinct server addresses, and how many answered (NOERROR/NXDOMAIN) anything. */
static int count_servers(const dv_snapshot_t *snap, const lmsg_t *msgs, dv_live_result_t *out)
{
	size_t n = snap->nservers;
	uint32_t *ord = malloc((n ? n : 1) * sizeof(*ord));
	uint32_t *canon = malloc((n ? n : 1) * sizeof(*canon));
	bool *ans = calloc(n ? n : 1, sizeof(*ans));
	int r = DV_ENOMEM;
	if (ord == NULL || canon == NULL || ans == NULL)
		goto out;
	for (uint32_t i = 0; i < n; i++)
		ord[i] = i;
	qsort_r(ord, n, sizeof(*ord), addr_cmp, (void *)snap);
	for (size_t i = 0; i < n; i++) {
		bool same = i > 0 &&
		            strcmp(snap->servers[ord[i]].addr, snap->servers[ord[i - 1]].addr) == 0;
		canon[ord[i]] = same ? canon[ord[i - 1]] : ord[i];
		if (!same)
			out->servers++;
	}
	for (size_t i = 0; i < snap->nqueries; i++) {
		const dv_snap_query_t *q = &snap->queries[i];
		if (q->status == DV_SNAP_OK && msgs[i].parsed &&
		    (msgs[i].rcode == KNOT_RCODE_NOERROR || msgs[i].rcode == KNOT_RCODE_NXDOMAIN))
			ans[canon[q->server]] = true;
	}
	for (size_t i = 0; i < n; i++)
		out->answering += ans[i];
	r = DV_OK;
out:
	free(ord);
	free(canon);
	free(ans);
	return r;
}

int dv_live_check(const dv_snapshot_t *snap, const dv_live_opts_t *opts, dv_live_result_t *out)
{
	memset(out, 0, sizeof(*out));
	lctx_t c = {.snap = snap, .opts = opts, .res = out};
	/* Before merging, one finding per server: room for every server of a
	 * zone under the ceiling the merged list keeps. */
	c.raw.limit = (size_t)DV_FINDINGS_PER_CODE * DV_SNAP_MAX_ZONE_SERVERS;
	zstate_t *zs = NULL;
	dv_arena_init(&c.arena, 0);
	int r = dv_sigcache_new(DV_SIGCACHE_MEMO, &c.cache);
	if (r != DV_OK)
		goto fail;
	r = DV_ENOMEM;
	c.msgs = calloc(snap->nqueries ? snap->nqueries : 1, sizeof(*c.msgs));
	out->zones = calloc(snap->nzones ? snap->nzones : 1, sizeof(*out->zones));
	zs = calloc(snap->nzones ? snap->nzones : 1, sizeof(*zs));
	if (c.msgs == NULL || out->zones == NULL || zs == NULL)
		goto fail;
	out->nzones = snap->nzones;
	for (size_t i = 0; i < snap->nqueries; i++) {
		const dv_snap_query_t *q = &snap->queries[i];
		if (q->status != DV_SNAP_OK)
			continue;
		if ((r = lmsg_parse(&c, q->wire, q->len, &c.msgs[i])) != DV_OK)
			goto fail;
	}
	if ((r = zone_queries_index(&c, snap)) != DV_OK)
		goto fail;
	/* Zones are stored parents first (the probe and the reader ensure it). */
	for (uint32_t z = 0; z < snap->nzones; z++) {
		check_zone(&c, z, zs);
		if (c.err) {
			r = c.err;
			goto fail;
		}
	}
	out->sigs_verified = dv_sigcache_verifications(c.cache);
	/* Servers: distinct addresses, and those answering for some zone. */
	if ((r = count_servers(snap, c.msgs, out)) != DV_OK)
		goto fail;
	for (size_t z = 0; z < out->nzones; z++)
		if (out->zones[z].have_expiry &&
		    (!out->have_expiry || out->zones[z].earliest_expiry < out->earliest_expiry)) {
			out->have_expiry = true;
			out->earliest_expiry = out->zones[z].earliest_expiry;
		}
	merge(&c.raw, &out->findings);
	dv_findings_sort(&out->findings);
	r = DV_OK;
fail:
	if (r != DV_OK)
		dv_live_result_free(out);
	free(zs);
	free(c.zq_index);
	free(c.zq_start);
	free(c.msgs);
	dv_findings_clear(&c.raw);
	dv_sigcache_free(c.cache);
	dv_arena_free(&c.arena);
	return r;
}

void dv_live_result_free(dv_live_result_t *res)
{
	for (size_t z = 0; res->zones != NULL && z < res->nzones; z++)
		free(res->zones[z].srv);
	free(res->zones);
	res->zones = NULL;
	res->nzones = 0;
	dv_findings_clear(&res->findings);
}
