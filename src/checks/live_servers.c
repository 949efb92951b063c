/*
 * Live checks: each server of a zone (reachability, protocol health) and the
 * consistency between them (serial, DNSKEY, NS and CDS sets, signing, the
 * parent's delegation NS set against the child's).
 */
#include <stdio.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/live_int.h"
#include "core/error.h"

void live_collect_child(live_ctx_t *c, live_zone_ctx_t *zc)
{
	const dv_snap_zone_t *z = zc->z;
	zc->child = dv_arena_alloc(&c->arena, (z->nservers ? z->nservers : 1) * sizeof(*zc->child));
	if (zc->child == NULL) {
		c->err = DV_ENOMEM;
		return;
	}
	zc->nchild = z->nservers;
	for (size_t s = 0; s < z->nservers; s++) {
		live_child_server_t *cs = &zc->child[s];
		memset(cs, 0, sizeof(*cs));
		cs->server = z->servers[s];
		cs->soa = cs->ns = cs->dnskey = cs->cds = cs->cdnskey = cs->nx = cs->nodata =
		    cs->tcp = -1;
		for (size_t i = 0; i < zc->nqueries; i++) {
			const dv_snap_query_t *q = &c->snap->queries[zc->queries[i]];
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
				*slot = zc->queries[i];
		}
	}
}

/* Why a query of the snapshot gave no usable message ("" when it did). */
static const char *unanswered_why(const live_ctx_t *c, long qi)
{
	if (qi < 0)
		return "";
	const dv_snap_query_t *q = &c->snap->queries[qi];
	switch (q->status) {
	case DV_SNAP_OK:
		return live_msg_of(c, qi) != NULL ? "" : "malformed";
	case DV_SNAP_TIMEOUT:
		return "timeout";
	case DV_SNAP_NETERR:
		return "network error";
	case DV_SNAP_BADREPLY:
		return "malformed";
	default:
		return "abandoned";
	}
}

/* The queries of an answering server that went without a usable answer,
 * and the checks left undone for it (issue 10 §5: said, never silently
 * skipped). */
static void report_unanswered(live_ctx_t *c, live_zone_ctx_t *zc, const live_child_server_t *cs)
{
	const struct {
		long q;
		const char *what, *skipped;
	} asked[] = {
	    {cs->ns, "NS", "NS consistency"},
	    {cs->dnskey, "DNSKEY", "chain of trust"},
	    {cs->cds, "CDS", "CDS"},
	    {cs->cdnskey, "CDNSKEY", "CDNSKEY"},
	    {cs->nx, "the NXDOMAIN question", "NXDOMAIN proof"},
	    {cs->nodata, "the NODATA question", "NODATA proof"},
	};
	char missing[256] = "", skipped[160] = "", bad[160] = "";
	for (size_t k = 0; k < sizeof(asked) / sizeof(asked[0]); k++) {
		const char *why = unanswered_why(c, asked[k].q);
		if (why[0] == '\0')
			continue;
		size_t l = strlen(missing);
		snprintf(missing + l, sizeof(missing) - l, "%s%s (%s)", l ? ", " : "",
		         asked[k].what, why);
		l = strlen(skipped);
		snprintf(skipped + l, sizeof(skipped) - l, "%s%s", l ? ", " : "", asked[k].skipped);
		if (strcmp(why, "malformed") == 0) {
			l = strlen(bad);
			snprintf(bad + l, sizeof(bad) - l, "%s%s", l ? ", " : "", asked[k].what);
		}
	}
	dv_evidence_t ev = {
	    .zone = zc->z->dname, .server = live_srv_addr(c, cs->server), .owner = zc->z->dname};
	if (missing[0] != '\0')
		dv_findings_add(&c->raw, DV_F_CHECK_INCOMPLETE, &ev,
		                "no usable answer to %s: not checked on this server: %s", missing,
		                skipped);
	if (bad[0] != '\0')
		dv_findings_add(&c->raw, DV_F_SERVER_BAD_REPLY, &ev, "malformed answers to %s",
		                bad);
}

/* Reachability and protocol health of each child server. */
void live_check_health(live_ctx_t *c, live_zone_ctx_t *zc)
{
	const uint8_t *zone = zc->z->dname;
	for (size_t s = 0; s < zc->nchild; s++) {
		live_child_server_t *cs = &zc->child[s];
		long srv = cs->server;
		size_t asked = 0, answered = 0, neterr = 0, bad = 0, abandoned = 0;
		bool udp_failed = false, edns_broken = false;
		for (size_t i = 0; i < zc->nqueries; i++) {
			const dv_snap_query_t *q = &c->snap->queries[zc->queries[i]];
			if (q->side != DV_SIDE_CHILD || q->server != cs->server)
				continue;
			asked++;
			const live_msg_t *m = live_msg_of(c, zc->queries[i]);
			if (m != NULL)
				answered++;
			else if (q->status == DV_SNAP_OK || q->status == DV_SNAP_BADREPLY)
				bad++;
			else if (q->status == DV_SNAP_NETERR)
				neterr++;
			else if (q->status == DV_SNAP_ABANDONED)
				abandoned++;
			/* UDP failed and TCP worked: only when TCP did answer (a query
			 * unanswered over both says nothing of UDP). */
			if (q->udp_failed && m != NULL && q->tcp)
				udp_failed = true;
			if (m != NULL && !(q->flags & 16) && m->rcode != KNOT_RCODE_REFUSED &&
			    (!m->has_opt || m->rcode == KNOT_RCODE_FORMERR ||
			     m->rcode == KNOT_RCODE_BADVERS))
				edns_broken = true;
		}
		if (asked == 0 || abandoned == asked)
			continue; /* nothing asked of it: PROBE_LIMIT says why */
		dv_evidence_t ev = {
		    .zone = zc->z->dname, .server = live_srv_addr(c, srv), .owner = zone};
		if (answered == 0) {
			if (bad > 0)
				dv_findings_add(&c->raw, DV_F_SERVER_BAD_REPLY, &ev,
				                "%zu of %zu answers malformed, none usable", bad,
				                asked - abandoned);
			else
				dv_findings_add(&c->raw, DV_F_SERVER_UNREACHABLE, &ev, "%s",
				                neterr == asked - abandoned
				                    ? "network error on every query (no route, "
				                      "port unreachable or "
				                      "connection refused)"
				                    : "no answer over UDP or TCP (timeouts)");
			continue;
		}
		const live_msg_t *m = live_msg_of(c, cs->soa);
		if (m == NULL)
			m = live_msg_of(c, cs->tcp);
		ev.type = KNOT_RRTYPE_SOA;
		if (m != NULL) {
			const live_rrset_t *soa =
			    live_msg_find(m, LIVE_SEC_ANSWER, zone, KNOT_RRTYPE_SOA);
			if (m->rcode == KNOT_RCODE_REFUSED)
				dv_findings_add(&c->raw, DV_F_SERVER_REFUSED, &ev,
				                "REFUSED for the zone's SOA");
			else if (m->rcode == KNOT_RCODE_SERVFAIL)
				dv_findings_add(&c->raw, DV_F_SERVER_SERVFAIL, &ev,
				                "SERVFAIL for the zone's SOA");
			else if (m->rcode != KNOT_RCODE_NOERROR || !m->aa || soa == NULL)
				dv_findings_add(&c->raw, DV_F_SERVER_LAME, &ev,
				                "no authoritative SOA (rcode %u, AA %d)", m->rcode,
				                m->aa);
			else
				cs->answering = true;
		} else if (strcmp(unanswered_why(c, cs->soa), "malformed") == 0) {
			dv_findings_add(&c->raw, DV_F_SERVER_BAD_REPLY, &ev,
			                "the answer to the zone's SOA is malformed");
		} else if (strcmp(unanswered_why(c, cs->soa), "abandoned") != 0) {
			/* The SOA query went unanswered though others were answered. */
			dv_findings_add(&c->raw, DV_F_SERVER_UNREACHABLE, &ev,
			                "%zu of %zu queries unanswered, the SOA among them",
			                asked - answered, asked);
		}
		ev.type = 0;
		const dv_snap_query_t *qs = cs->soa >= 0 ? &c->snap->queries[cs->soa] : NULL;
		if (udp_failed || (qs != NULL && qs->udp_truncated))
			dv_findings_add(&c->raw, DV_F_SERVER_UDP_FAILS, &ev, "%s",
			                udp_failed
			                    ? "UDP queries went unanswered, TCP worked"
			                    : "even a small SOA answer is truncated over UDP");
		if (cs->tcp >= 0 && c->snap->queries[cs->tcp].status != DV_SNAP_OK &&
		    c->snap->queries[cs->tcp].status != DV_SNAP_ABANDONED && qs != NULL &&
		    qs->status == DV_SNAP_OK && !qs->tcp)
			dv_findings_add(&c->raw, DV_F_SERVER_TCP_FAILS,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = live_srv_addr(c, srv),
			                                 .owner = zone,
			                                 .type = KNOT_RRTYPE_SOA},
			                "the SOA query over TCP went unanswered");
		if (edns_broken && cs->answering)
			dv_findings_add(&c->raw, DV_F_SERVER_EDNS_BROKEN, &ev,
			                "answer to an EDNS query without OPT, or FORMERR/BADVERS");
		if (cs->answering) {
			report_unanswered(c, zc, cs);
			long qv[] = {cs->soa, cs->ns, cs->dnskey, cs->nx, cs->nodata};
			for (size_t k = 0; k < sizeof(qv) / sizeof(qv[0]); k++) {
				const live_msg_t *mm = live_msg_of(c, qv[k]);
				for (int sec = 0; mm != NULL && sec < 2; sec++)
					for (uint16_t r = 0; r < mm->nsec[sec]; r++)
						if (mm->sec[sec][r].nsig > 0)
							cs->any_sigs = true;
			}
		}
	}
}

/* Index of the group (largest, first on ties) each server belongs to. */
typedef bool (*same_fn)(live_ctx_t *c, live_zone_ctx_t *zc, size_t a, size_t b);

static long majority(live_ctx_t *c, live_zone_ctx_t *zc, const bool *use, same_fn same)
{
	long best = -1;
	size_t best_n = 0;
	for (size_t a = 0; a < zc->nchild; a++) {
		if (!use[a])
			continue;
		size_t n = 0;
		for (size_t b = 0; b < zc->nchild; b++)
			if (use[b] && same(c, zc, a, b))
				n++;
		if (n > best_n) {
			best_n = n;
			best = (long)a;
		}
	}
	return best;
}

static uint32_t serial_of(live_ctx_t *c, live_zone_ctx_t *zc, size_t s, bool *ok)
{
	const live_rrset_t *soa = live_answer(c, zc, zc->child[s].soa, KNOT_RRTYPE_SOA);
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

static bool same_dnskey(live_ctx_t *c, live_zone_ctx_t *zc, size_t a, size_t b)
{
	return live_rrset_equal(zc->child[a].keys, zc->child[b].keys);
}

static bool same_ns(live_ctx_t *c, live_zone_ctx_t *zc, size_t a, size_t b)
{
	return live_rrset_equal(live_answer(c, zc, zc->child[a].ns, KNOT_RRTYPE_NS),
	                        live_answer(c, zc, zc->child[b].ns, KNOT_RRTYPE_NS));
}

static bool same_cds(live_ctx_t *c, live_zone_ctx_t *zc, size_t a, size_t b)
{
	return live_rrset_equal(live_answer(c, zc, zc->child[a].cds, KNOT_RRTYPE_CDS),
	                        live_answer(c, zc, zc->child[b].cds, KNOT_RRTYPE_CDS)) &&
	       live_rrset_equal(live_answer(c, zc, zc->child[a].cdnskey, KNOT_RRTYPE_CDNSKEY),
	                        live_answer(c, zc, zc->child[b].cdnskey, KNOT_RRTYPE_CDNSKEY));
}

static void names_of(const live_rrset_t *ns, char *buf, size_t len)
{
	buf[0] = '\0';
	for (uint16_t i = 0; ns != NULL && i < ns->n; i++) {
		char n[1025];
		dv_snap_dname_str(ns->rd[i], n, sizeof(n));
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%.255s", i ? " " : "", n);
	}
}

void live_check_consistency(live_ctx_t *c, live_zone_ctx_t *zc)
{
	const uint8_t *zone = zc->z->dname;
	bool *use = dv_arena_alloc(&c->arena, zc->nchild + 1);
	if (use == NULL) {
		c->err = DV_ENOMEM;
		return;
	}
	/* SOA serial: the servers behind the newest serial (RFC 1982 order). */
	bool have = false;
	uint32_t newest = 0;
	long newest_srv = -1;
	for (size_t s = 0; s < zc->nchild; s++) {
		bool ok;
		uint32_t ser = zc->child[s].answering ? serial_of(c, zc, s, &ok) : (ok = false, 0);
		if (!ok)
			continue;
		if (!have || serial_newer(ser, newest)) {
			newest = ser;
			newest_srv = zc->child[s].server;
		}
		have = true;
	}
	for (size_t s = 0; s < zc->nchild; s++) {
		bool ok;
		uint32_t ser = zc->child[s].answering ? serial_of(c, zc, s, &ok) : (ok = false, 0);
		dv_live_server_t *ls = live_server_result(zc->zr, zc->child[s].server);
		if (ok && ls != NULL) {
			ls->have_serial = true;
			ls->serial = ser;
		}
	}
	zc->zr->have_serial = have;
	zc->zr->serial = newest;
	for (size_t s = 0; s < zc->nchild && have; s++) {
		bool ok;
		uint32_t ser = zc->child[s].answering ? serial_of(c, zc, s, &ok) : (ok = false, 0);
		if (ok && ser != newest)
			dv_findings_add(
			    &c->raw, DV_F_SERVERS_SERIAL_DIFFER,
			    &(dv_evidence_t){.zone = zc->z->dname,
			                     .server = live_srv_addr(c, zc->child[s].server),
			                     .owner = zone,
			                     .type = KNOT_RRTYPE_SOA},
			    "serial %u, while %s serves %u", ser,
			    live_srv_name(c, (uint32_t)newest_srv), newest);
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
		for (size_t s = 0; s < zc->nchild; s++)
			use[s] = zc->child[s].answering;
		long maj = majority(c, zc, use, cmp[k].fn);
		for (size_t s = 0; maj >= 0 && s < zc->nchild; s++)
			if (use[s] && !cmp[k].fn(c, zc, (size_t)maj, s))
				dv_findings_add(&c->raw, cmp[k].code,
				                &(dv_evidence_t){
				                    .zone = zc->z->dname,
				                    .server = live_srv_addr(c, zc->child[s].server),
				                    .owner = zone,
				                    .type = cmp[k].type},
				                "differs from the set %s serves",
				                live_srv_name(c, zc->child[maj].server));
	}
	/* RRSIG presence: unsigned answers where other servers sign. */
	bool someone_signs = false;
	for (size_t s = 0; s < zc->nchild; s++)
		if (zc->child[s].answering && zc->child[s].any_sigs)
			someone_signs = true;
	for (size_t s = 0; s < zc->nchild && someone_signs; s++)
		if (zc->child[s].answering && !zc->child[s].any_sigs)
			dv_findings_add(
			    &c->raw, DV_F_SERVERS_RRSIG_DIFFER,
			    &(dv_evidence_t){.zone = zc->z->dname,
			                     .server = live_srv_addr(c, zc->child[s].server),
			                     .owner = zone},
			    "answers carry no RRSIG while other servers sign");
	/* Parent's delegation NS set against the child's apex NS set (RFC 1034 §4.2.2). */
	for (size_t s = 0; s < zc->nchild; s++)
		use[s] = zc->child[s].answering &&
		         live_answer(c, zc, zc->child[s].ns, KNOT_RRTYPE_NS) != NULL;
	long maj = majority(c, zc, use, same_ns);
	if (maj < 0 || zc->z->parent < 0)
		return;
	const live_rrset_t *child = live_answer(c, zc, zc->child[maj].ns, KNOT_RRTYPE_NS);
	for (size_t i = 0; i < zc->nqueries; i++) {
		const dv_snap_query_t *q = &c->snap->queries[zc->queries[i]];
		if (q->side != DV_SIDE_PARENT || q->qtype != KNOT_RRTYPE_NS)
			continue;
		const live_msg_t *m = live_msg_of(c, zc->queries[i]);
		const live_rrset_t *pns =
		    live_msg_find(m, LIVE_SEC_AUTHORITY, zone, KNOT_RRTYPE_NS);
		if (pns == NULL || (m != NULL && m->aa))
			continue; /* an authoritative answer comes from the child's data */
		if (!live_rrset_equal(pns, child)) {
			char a[400], b[400];
			names_of(pns, a, sizeof(a));
			names_of(child, b, sizeof(b));
			dv_findings_add(&c->raw, DV_F_PARENT_CHILD_NS_DIFFER,
			                &(dv_evidence_t){.zone = zc->z->dname,
			                                 .server = live_srv_addr(c, q->server),
			                                 .owner = zone,
			                                 .type = KNOT_RRTYPE_NS},
			                "parent: %.200s; child: %.200s", a, b);
		}
	}
}
