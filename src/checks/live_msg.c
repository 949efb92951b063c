/* Live checks: DNS messages parsed into RRsets (RDATA canonical, names
 * lowercase), the form the checks and the signature check read. */
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/live_int.h"
#include "core/error.h"

#define MAX_RRS_PER_SECTION 4096

/* ---- message parsing ------------------------------------------------------ */

typedef struct {
	const knot_dname_t *owner;
	uint16_t type;
	bool sig;
	uint32_t ttl;
	uint16_t n;
} grp_t;

static int grp_find(grp_t *g, size_t ng, const knot_dname_t *owner, uint16_t type, bool sig)
{
	for (size_t i = 0; i < ng; i++)
		if (g[i].type == type && g[i].sig == sig && knot_dname_is_equal(g[i].owner, owner))
			return (int)i;
	return -1;
}

static uint16_t rr_type_eff(const knot_rrset_t *rr, const knot_rdata_t *rd, bool *sig)
{
	*sig = rr->type == KNOT_RRTYPE_RRSIG;
	if (*sig)
		return rd->len >= 2 ? knot_rrsig_type_covered(rd) : 0;
	return rr->type;
}

static int parse_section(live_ctx_t *c, const knot_pktsection_t *sec, live_msg_t *out, int s)
{
	size_t total = 0;
	for (uint16_t i = 0; i < sec->count; i++)
		total += knot_pkt_rr(sec, i)->rrs.count;
	if (total == 0)
		return DV_OK;
	if (total > MAX_RRS_PER_SECTION)
		return DV_ELIMIT;
	grp_t *g = calloc(total, sizeof(*g));
	int *which = calloc(total, sizeof(*which));
	int r = DV_ENOMEM;
	if (g == NULL || which == NULL)
		goto fail;
	size_t ng = 0, k = 0;
	for (uint16_t i = 0; i < sec->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(sec, i);
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t j = 0; j < rr->rrs.count; j++, k++, rd = knot_rdataset_next(rd)) {
			bool sig;
			uint16_t t = rr_type_eff(rr, rd, &sig);
			int gi = grp_find(g, ng, rr->owner, t, sig);
			if (gi < 0) {
				gi = (int)ng++;
				g[gi] = (grp_t){
				    .owner = rr->owner, .type = t, .sig = sig, .ttl = rr->ttl};
			}
			if (rr->ttl < g[gi].ttl)
				g[gi].ttl = rr->ttl;
			g[gi].n++;
			which[k] = gi;
		}
	}
	/* Data RRsets first; signature groups attach to their RRset (or create an
	 * empty one: RRSIGs for data that is not there). */
	int *set_of = calloc(ng, sizeof(*set_of));
	if (set_of == NULL)
		goto fail;
	size_t nsets = 0;
	for (size_t i = 0; i < ng; i++)
		if (!g[i].sig)
			set_of[i] = (int)nsets++;
	for (size_t i = 0; i < ng; i++) {
		if (!g[i].sig)
			continue;
		int d = grp_find(g, ng, g[i].owner, g[i].type, false);
		set_of[i] = d >= 0 ? set_of[d] : (int)nsets++;
	}
	live_rrset_t *sets = dv_arena_alloc(&c->arena, nsets * sizeof(*sets));
	if (sets == NULL) {
		free(set_of);
		goto fail;
	}
	memset(sets, 0, nsets * sizeof(*sets));
	for (size_t i = 0; i < nsets; i++)
		sets[i].answer_work = &out->sig_work;
	for (size_t i = 0; i < ng; i++) {
		live_rrset_t *st = &sets[set_of[i]];
		if (st->owner == NULL) {
			uint8_t *o =
			    dv_arena_dup(&c->arena, g[i].owner, knot_dname_size(g[i].owner));
			if (o == NULL) {
				free(set_of);
				goto fail;
			}
			knot_dname_to_lower(o);
			st->owner = o;
			st->type = g[i].type;
		}
		const uint8_t **arr = dv_arena_alloc(&c->arena, g[i].n * sizeof(*arr));
		uint16_t *lens = dv_arena_alloc(&c->arena, g[i].n * sizeof(*lens));
		if (arr == NULL || lens == NULL) {
			free(set_of);
			goto fail;
		}
		if (g[i].sig) {
			st->sig = arr;
			st->siglen = lens;
			st->sigttl = g[i].ttl;
		} else {
			st->rd = arr;
			st->rdlen = lens;
			st->ttl = g[i].ttl;
		}
	}
	k = 0;
	for (uint16_t i = 0; i < sec->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(sec, i);
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t j = 0; j < rr->rrs.count; j++, k++, rd = knot_rdataset_next(rd)) {
			int gi = which[k];
			live_rrset_t *st = &sets[set_of[gi]];
			/* An empty RDATA still needs a distinct, non-NULL pointer. */
			uint8_t *copy = rd->len ? dv_arena_dup(&c->arena, rd->data, rd->len)
			                        : dv_arena_alloc(&c->arena, 1);
			if (copy == NULL) {
				free(set_of);
				goto fail;
			}
			if (g[gi].sig) {
				st->sig[st->nsig] = copy;
				st->siglen[st->nsig++] = rd->len;
			} else {
				/* A malformed RDATA stays as it is: verification fails on it. */
				(void)dv_rdata_canonicalize(g[gi].type, copy, rd->len);
				st->rd[st->n] = copy;
				st->rdlen[st->n++] = rd->len;
			}
		}
	}
	free(set_of);
	out->sec[s] = sets;
	out->nsec[s] = (uint16_t)nsets;
	r = DV_OK;
fail:
	free(g);
	free(which);
	return r;
}

int live_msg_parse(live_ctx_t *c, const uint8_t *wire, size_t len, live_msg_t *out)
{
	memset(out, 0, sizeof(*out));
	if (wire == NULL || len < KNOT_WIRE_HEADER_SIZE || len > UINT16_MAX)
		return DV_OK;
	/* knot_pkt_parse may rewrite the buffer (it strips TSIG): parse a copy. */
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return DV_ENOMEM;
	memcpy(copy, wire, len);
	knot_pkt_t *pkt = knot_pkt_new(copy, (uint16_t)len, NULL);
	int r = DV_OK;
	if (pkt == NULL) {
		r = DV_ENOMEM;
		goto out;
	}
	int pr = knot_pkt_parse(pkt, 0);
	if (pr != KNOT_EOK && pr != KNOT_ETRAIL)
		goto out;
	out->rcode = knot_wire_get_rcode(pkt->wire);
	out->aa = knot_wire_get_aa(pkt->wire);
	out->tc = knot_wire_get_tc(pkt->wire);
	out->has_opt = pkt->opt_rr != NULL;
	if (out->has_opt)
		out->rcode |= (uint8_t)(knot_edns_get_ext_rcode(pkt->opt_rr) << 4);
	if (knot_wire_get_qdcount(pkt->wire) == 1) {
		out->qname = dv_arena_dup(&c->arena, knot_pkt_qname(pkt),
		                          knot_dname_size(knot_pkt_qname(pkt)));
		if (out->qname == NULL) {
			r = DV_ENOMEM;
			goto out;
		}
		knot_dname_to_lower((uint8_t *)out->qname);
		out->qtype = knot_pkt_qtype(pkt);
	}
	for (int s = 0; s < 3; s++) {
		r = parse_section(c, knot_pkt_section(pkt, (knot_section_t)(KNOT_ANSWER + s)), out,
		                  s);
		if (r == DV_ELIMIT) {
			/* An absurd message is treated as unparseable, not as an error. */
			memset(out, 0, sizeof(*out));
			r = DV_OK;
			goto out;
		}
		if (r != DV_OK)
			goto out;
	}
	out->parsed = true;
out:
	knot_pkt_free(pkt);
	free(copy);
	return r;
}

const live_rrset_t *live_msg_find(const live_msg_t *m, int sec, const uint8_t *owner, uint16_t type)
{
	if (m == NULL || !m->parsed)
		return NULL;
	for (uint16_t i = 0; i < m->nsec[sec]; i++) {
		const live_rrset_t *s = &m->sec[sec][i];
		if (s->type == type && (owner == NULL || knot_dname_is_equal(s->owner, owner)))
			return s;
	}
	return NULL;
}

/* ---- RRsets ------------------------------------------------------------------- */

bool live_rrset_has(const live_rrset_t *s, const uint8_t *rd, uint16_t len)
{
	for (uint16_t i = 0; s != NULL && i < s->n; i++)
		if (s->rdlen[i] == len && memcmp(s->rd[i], rd, len) == 0)
			return true;
	return false;
}

/* Same set of RDATAs (RRsets hold no duplicates, RFC 2181 §5). NULL is empty. */
bool live_rrset_equal(const live_rrset_t *a, const live_rrset_t *b)
{
	uint16_t na = a ? a->n : 0, nb = b ? b->n : 0;
	if (na != nb)
		return false;
	for (uint16_t i = 0; i < na; i++)
		if (!live_rrset_has(b, a->rd[i], a->rdlen[i]))
			return false;
	return true;
}

/* The key tag and algorithm a DS names, or a DNSKEY (trust anchor, CDNSKEY)
 * has: -1 and 0 when the RDATA is too short. */
void live_key_of(uint16_t type, const uint8_t *rd, uint16_t len, int32_t *tag, uint8_t *alg)
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
live_rrset_t *live_rrset_new(live_ctx_t *c, const uint8_t *owner, uint16_t type, size_t cap)
{
	live_rrset_t *s = dv_arena_alloc(&c->arena, sizeof(*s));
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
