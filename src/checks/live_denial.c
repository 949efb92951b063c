/* Live checks: NSEC and NSEC3 proofs in negative answers (RFC 4035 §5.4,
 * RFC 5155 §8.4–8.7).  Signatures of the records used are checked by the caller. */
#include <stdio.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/live_int.h"
#include "core/error.h"

/* Canonical order of lowercase names (RFC 4034 §6.1). */
static int ncmp(const uint8_t *a, const uint8_t *b)
{
	return knot_dname_cmp(a, b);
}

/* Whether NSEC (owner, next) covers name strictly, wrapping at the end of the
 * chain (the last NSEC's next is the apex). */
static bool nsec_covers(const uint8_t *owner, const uint8_t *next, const uint8_t *name)
{
	int on = ncmp(owner, name), nn = ncmp(name, next);
	if (ncmp(owner, next) < 0)
		return on < 0 && nn < 0;
	return on < 0 || nn < 0;
}

/* RFC 6840 §4.4: absence of a DS is proven by the parent's record at the
 * cut (NS set, SOA clear), never by the child's apex record. */
static bool parent_side(uint16_t qtype, const uint8_t *bm, size_t bl)
{
	if (qtype != KNOT_RRTYPE_DS)
		return true;
	return dv_bitmap_has(bm, bl, KNOT_RRTYPE_NS) && !dv_bitmap_has(bm, bl, KNOT_RRTYPE_SOA);
}

/* NSEC RDATA: next name, then bitmap.  Returns the bitmap offset or -1. */
static long nsec_split(const uint8_t *rd, uint16_t len)
{
	int sz = knot_dname_wire_check(rd, rd + len, NULL);
	return sz > 0 ? sz : -1;
}

/* The longest common suffix (in labels) of two names, as a pointer into a. */
static const uint8_t *common_ancestor(const uint8_t *a, const uint8_t *b)
{
	size_t la = knot_dname_labels(a, NULL), lb = knot_dname_labels(b, NULL);
	const uint8_t *pa = a, *pb = b;
	while (la > lb) {
		pa += 1 + pa[0];
		la--;
	}
	while (lb > la) {
		pb += 1 + pb[0];
		lb--;
	}
	while (!knot_dname_is_equal(pa, pb)) {
		pa += 1 + pa[0];
		pb += 1 + pb[0];
	}
	return pa;
}

static void add_used(const live_rrset_t **used, size_t *nused, const live_rrset_t *s)
{
	for (size_t i = 0; i < *nused; i++)
		if (used[i] == s)
			return;
	if (*nused < 4)
		used[(*nused)++] = s;
}

static bool nsec_proof(const live_msg_t *m, const uint8_t *zone, const uint8_t *qname,
                       uint16_t qtype, bool nxdomain, const live_rrset_t **used, size_t *nused,
                       char *why, size_t wl)
{
	const live_rrset_t *cover = NULL, *wild = NULL;
	const uint8_t *ce = NULL;
	for (uint16_t i = 0; i < m->nsec[LIVE_SEC_AUTHORITY]; i++) {
		const live_rrset_t *s = &m->sec[LIVE_SEC_AUTHORITY][i];
		if (s->type != KNOT_RRTYPE_NSEC || s->n != 1 ||
		    knot_dname_in_bailiwick(s->owner, zone) < 0)
			continue;
		long bo = nsec_split(s->rd[0], s->rdlen[0]);
		if (bo < 0)
			continue;
		const uint8_t *next = s->rd[0];
		const uint8_t *bm = s->rd[0] + bo;
		size_t bl = s->rdlen[0] - (size_t)bo;
		if (!nxdomain) {
			/* RFC 4035 §3.1.3.1: the NSEC at qname shows the type is absent. */
			if (knot_dname_is_equal(s->owner, qname) && dv_bitmap_valid(bm, bl) &&
			    !dv_bitmap_has(bm, bl, qtype) &&
			    !dv_bitmap_has(bm, bl, KNOT_RRTYPE_CNAME) &&
			    parent_side(qtype, bm, bl)) {
				add_used(used, nused, s);
				return true;
			}
			continue;
		}
		uint8_t nx[255];
		memcpy(nx, next, knot_dname_size(next));
		knot_dname_to_lower(nx);
		if (nsec_covers(s->owner, nx, qname)) {
			cover = s;
			const uint8_t *a = common_ancestor(qname, s->owner);
			const uint8_t *b = common_ancestor(qname, next);
			ce = knot_dname_labels(a, NULL) >= knot_dname_labels(b, NULL) ? a : b;
		}
	}
	if (!nxdomain) {
		snprintf(why, wl, "no NSEC at the name shows the type absent");
		return false;
	}
	if (cover == NULL) {
		snprintf(why, wl, "no NSEC covers the name");
		return false;
	}
	/* RFC 4035 §5.4: also no wildcard at the closest encloser. */
	uint8_t wc[255];
	size_t cel = knot_dname_size(ce);
	if (cel + 2 > sizeof(wc)) {
		snprintf(why, wl, "name too long for a wildcard proof");
		return false;
	}
	wc[0] = 1;
	wc[1] = '*';
	memcpy(wc + 2, ce, cel);
	for (uint16_t i = 0; i < m->nsec[LIVE_SEC_AUTHORITY]; i++) {
		const live_rrset_t *s = &m->sec[LIVE_SEC_AUTHORITY][i];
		if (s->type != KNOT_RRTYPE_NSEC || s->n != 1 ||
		    nsec_split(s->rd[0], s->rdlen[0]) < 0)
			continue;
		uint8_t nx[255];
		memcpy(nx, s->rd[0], knot_dname_size(s->rd[0]));
		knot_dname_to_lower(nx);
		if (nsec_covers(s->owner, nx, wc)) {
			wild = s;
			break;
		}
	}
	if (wild == NULL) {
		snprintf(why, wl, "no NSEC proves the wildcard absent");
		return false;
	}
	add_used(used, nused, cover);
	add_used(used, nused, wild);
	return true;
}

/* ---- NSEC3 ---------------------------------------------------------------- */

typedef struct {
	const live_rrset_t *set;
	uint8_t hash[DV_NSEC3_HASH_LEN];
	uint8_t next[DV_NSEC3_HASH_LEN];
	uint8_t alg, flags;
	uint16_t iter;
	const uint8_t *salt;
	uint8_t saltlen;
	const uint8_t *bm;
	size_t bl;
} n3_t;

static bool n3_parse(const live_rrset_t *s, const uint8_t *zone, n3_t *o)
{
	if (s->type != KNOT_RRTYPE_NSEC3 || s->n != 1)
		return false;
	const uint8_t *rd = s->rd[0];
	size_t len = s->rdlen[0];
	dv_nsec3_params_t prm;
	if (dv_nsec3_params_parse(rd, len, &prm) != DV_OK)
		return false;
	o->set = s;
	o->alg = prm.algorithm;
	o->flags = prm.flags;
	o->iter = prm.iterations;
	o->saltlen = prm.salt_len;
	size_t off = prm.len;
	if (off + 1 > len)
		return false;
	o->salt = prm.salt;
	if (rd[off] != DV_NSEC3_HASH_LEN || off + 1 + DV_NSEC3_HASH_LEN > len)
		return false;
	memcpy(o->next, rd + off + 1, DV_NSEC3_HASH_LEN);
	o->bm = rd + off + 1 + DV_NSEC3_HASH_LEN;
	o->bl = len - (off + 1 + DV_NSEC3_HASH_LEN);
	/* The owner is base32hex(hash).zone (RFC 5155 §3). */
	const uint8_t *rest = s->owner + 1 + s->owner[0];
	if (!knot_dname_is_equal(rest, zone) || s->owner[0] != 32)
		return false;
	return dv_base32hex_decode((const char *)s->owner + 1, 32, o->hash, sizeof(o->hash)) ==
	       DV_NSEC3_HASH_LEN;
}

static bool n3_covers(const n3_t *n, const uint8_t *h)
{
	int oc = memcmp(n->hash, h, DV_NSEC3_HASH_LEN), hn = memcmp(h, n->next, DV_NSEC3_HASH_LEN);
	if (memcmp(n->hash, n->next, DV_NSEC3_HASH_LEN) < 0)
		return oc < 0 && hn < 0;
	return oc < 0 || hn < 0;
}

static const n3_t *n3_match(const n3_t *v, size_t n, const uint8_t *h)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(v[i].hash, h, DV_NSEC3_HASH_LEN) == 0)
			return &v[i];
	return NULL;
}

static const n3_t *n3_cover(const n3_t *v, size_t n, const uint8_t *h)
{
	for (size_t i = 0; i < n; i++)
		if (n3_covers(&v[i], h))
			return &v[i];
	return NULL;
}

/* The hashing of one proof: a few hashes, each charged to the check's
 * budget (KeyTrap's NSEC3 twin, CVE-2023-50868: Unbound hashes at most 8
 * per message, PowerDNS 600 per query). */
typedef struct {
	const n3_t *p;    /* the parameters of the proof */
	uint64_t *rounds; /* SHA-1 runs spent in the check */
	unsigned hashes;  /* hashes of this proof */
	bool out;         /* a budget ran out */
	bool nsec3;       /* the proof had NSEC3 parameters (iter is theirs) */
	unsigned iter;
} n3_hasher_t;

static bool n3_hash(n3_hasher_t *hs, const uint8_t *name, uint8_t h[DV_NSEC3_HASH_LEN])
{
	/* RFC 5155 §5: 1 + iterations SHA-1 runs, each over at most 255 + salt
	 * octets (a few SHA-1 blocks). */
	uint64_t cost = (1 + (uint64_t)hs->p->iter) * (1 + (255 + hs->p->saltlen) / 64);
	if (hs->hashes >= LIVE_NSEC3_HASHES_MAX || *hs->rounds + cost > LIVE_NSEC3_ROUNDS_MAX) {
		hs->out = true;
		return false;
	}
	hs->hashes++;
	*hs->rounds += cost;
	return dv_nsec3_hash(hs->p->alg, hs->p->iter, hs->p->salt, hs->p->saltlen, name, h) == 0;
}

/* RFC 5155 §7.2.1: the closest encloser of qname (an NSEC3 matches it) and
 * the next closer name (an NSEC3 covers it). */
static bool ce_proof(const n3_t *v, size_t n, n3_hasher_t *hs, const uint8_t *zone,
                     const uint8_t *qname, const n3_t **ce_match, const n3_t **nc_cover,
                     const uint8_t **ce_out, char *why, size_t wl)
{
	uint8_t h[DV_NSEC3_HASH_LEN];
	const uint8_t *next_closer = qname, *ce = qname;
	*ce_match = NULL;
	size_t ql = knot_dname_labels(qname, NULL), zl = knot_dname_labels(zone, NULL);
	for (size_t depth = ql; depth >= zl; depth--) {
		if (!n3_hash(hs, ce, h))
			break;
		const n3_t *mt = n3_match(v, n, h);
		if (mt != NULL) {
			if (ce == qname) {
				snprintf(why, wl, "an NSEC3 matches the name said not to exist");
				return false;
			}
			*ce_match = mt;
			break;
		}
		next_closer = ce;
		if (depth == zl)
			break;
		ce += 1 + ce[0];
	}
	if (*ce_match == NULL) {
		snprintf(why, wl, "no closest encloser proof (no NSEC3 matches an ancestor)");
		return false;
	}
	if (!n3_hash(hs, next_closer, h) || (*nc_cover = n3_cover(v, n, h)) == NULL) {
		snprintf(why, wl, "no NSEC3 covers the next closer name");
		return false;
	}
	if (ce_out != NULL)
		*ce_out = ce;
	return true;
}

static bool nsec3_proof(const live_msg_t *m, const uint8_t *zone, const uint8_t *qname,
                        uint16_t qtype, bool nxdomain, const live_rrset_t **used, size_t *nused,
                        n3_hasher_t *hs, char *why, size_t wl)
{
	n3_t v[16];
	size_t n = 0;
	for (uint16_t i = 0; i < m->nsec[LIVE_SEC_AUTHORITY] && n < 16; i++)
		if (n3_parse(&m->sec[LIVE_SEC_AUTHORITY][i], zone, &v[n]))
			n++;
	if (n == 0) {
		snprintf(why, wl, "no NSEC or NSEC3 record in the answer");
		return false;
	}
	/* RFC 5155 §8.2: all NSEC3 of a proof share the parameters of the first. */
	const n3_t *p = &v[0];
	hs->p = p;
	hs->nsec3 = true;
	hs->iter = p->iter;
	if (p->alg != 1) {
		snprintf(why, wl, "unknown NSEC3 hash algorithm %u", p->alg);
		return false;
	}
	if (p->iter > DV_NSEC3_MAX_ITERATIONS) {
		/* RFC 5155 §10.3: no key size allows more; names are not hashed. */
		snprintf(why, wl, "%u NSEC3 iterations, above RFC 5155 §10.3's %u: not hashed",
		         p->iter, DV_NSEC3_MAX_ITERATIONS);
		hs->out = true;
		return false;
	}
	uint8_t h[DV_NSEC3_HASH_LEN];
	if (!nxdomain) {
		/* RFC 5155 §8.5: an NSEC3 matching qname, type and CNAME absent. */
		if (!n3_hash(hs, qname, h)) {
			snprintf(why, wl, "cannot hash the name");
			return false;
		}
		const n3_t *mt = n3_match(v, n, h);
		if (mt == NULL && qtype == KNOT_RRTYPE_DS) {
			/* RFC 5155 §8.6: no DS at an unsigned delegation covered by an
			 * opt-out NSEC3: closest encloser proof, next closer covered
			 * by an NSEC3 with the Opt-Out flag. */
			const n3_t *ce_m = NULL, *cov = NULL;
			if (ce_proof(v, n, hs, zone, qname, &ce_m, &cov, NULL, why, wl) &&
			    (cov->flags & 1)) {
				add_used(used, nused, ce_m->set);
				add_used(used, nused, cov->set);
				return true;
			}
			snprintf(why, wl,
			         "no NSEC3 matches the name and no opt-out NSEC3 covers it");
			return false;
		}
		if (mt == NULL) {
			snprintf(why, wl, "no NSEC3 matches the name");
			return false;
		}
		if (!dv_bitmap_valid(mt->bm, mt->bl) || dv_bitmap_has(mt->bm, mt->bl, qtype) ||
		    dv_bitmap_has(mt->bm, mt->bl, KNOT_RRTYPE_CNAME)) {
			snprintf(why, wl, "the matching NSEC3 lists the type");
			return false;
		}
		if (!parent_side(qtype, mt->bm, mt->bl)) {
			snprintf(why, wl, "the NSEC3 is from the child's side of the cut");
			return false;
		}
		add_used(used, nused, mt->set);
		return true;
	}
	/* RFC 5155 §8.4 / §7.2.1: closest encloser proof, then the wildcard. */
	const uint8_t *ce = NULL;
	const n3_t *ce_match = NULL, *nc_cover = NULL;
	if (!ce_proof(v, n, hs, zone, qname, &ce_match, &nc_cover, &ce, why, wl))
		return false;
	uint8_t wc[255];
	size_t cel = knot_dname_size(ce);
	if (cel + 2 > sizeof(wc))
		return false;
	wc[0] = 1;
	wc[1] = '*';
	memcpy(wc + 2, ce, cel);
	const n3_t *wcov = NULL;
	if (!n3_hash(hs, wc, h) || (wcov = n3_cover(v, n, h)) == NULL) {
		snprintf(why, wl, "no NSEC3 covers the wildcard at the closest encloser");
		return false;
	}
	add_used(used, nused, ce_match->set);
	add_used(used, nused, nc_cover->set);
	add_used(used, nused, wcov->set);
	return true;
}

live_denial_t live_denial_proves(const live_msg_t *m, const uint8_t *zone, const uint8_t *qname,
                                 uint16_t qtype, bool nxdomain, const live_rrset_t **used,
                                 size_t *nused, uint64_t *rounds, unsigned *iterations, char *why,
                                 size_t whylen)
{
	*nused = 0;
	if (iterations != NULL)
		*iterations = 0;
	if (live_msg_find(m, LIVE_SEC_AUTHORITY, NULL, KNOT_RRTYPE_NSEC) != NULL)
		return nsec_proof(m, zone, qname, qtype, nxdomain, used, nused, why, whylen)
		           ? LIVE_DENIAL_PROVEN
		           : LIVE_DENIAL_NOT_PROVEN;
	n3_hasher_t hs = {.rounds = rounds};
	bool ok = nsec3_proof(m, zone, qname, qtype, nxdomain, used, nused, &hs, why, whylen);
	/* hs.p pointed into nsec3_proof's frame: only the copies are read. */
	if (iterations != NULL && hs.nsec3)
		*iterations = hs.iter;
	if (ok)
		return LIVE_DENIAL_PROVEN;
	if (hs.out) {
		if (hs.iter <= DV_NSEC3_MAX_ITERATIONS)
			snprintf(why, whylen,
			         "not checked: the NSEC3 hashing budget (%d hashes per "
			         "proof, %d SHA-1 runs per check) was spent",
			         LIVE_NSEC3_HASHES_MAX, LIVE_NSEC3_ROUNDS_MAX);
		return LIVE_DENIAL_UNCHECKED;
	}
	return LIVE_DENIAL_NOT_PROVEN;
}

/* ---- the proofs each server gives ---------------------------------------------- */

void live_check_denial(live_ctx_t *c, live_zone_ctx_t *zc)
{
	const uint8_t *zone = zc->z->dname;
	dv_live_zone_t *zr = zc->zr;
	if (zr->status != DV_CHAIN_SECURE)
		return;
	for (size_t s = 0; s < zc->nchild; s++) {
		live_child_server_t *cs = &zc->child[s];
		if (!cs->answering || !cs->keys_trusted)
			continue;
		long qv[2] = {cs->nx, cs->nodata};
		for (int k = 0; k < 2; k++) {
			/* Unanswered: CHECK_INCOMPLETE (live_servers.c) says so. */
			const live_msg_t *m = live_msg_of(c, qv[k]);
			if (m == NULL || m->qname == NULL)
				continue;
			bool nx = k == 0;
			if (m->rcode != KNOT_RCODE_NOERROR && m->rcode != KNOT_RCODE_NXDOMAIN)
				continue;
			if (m->nsec[LIVE_SEC_ANSWER] > 0)
				continue; /* a wildcard or data answered: nothing to deny */
			if (nx && m->rcode != KNOT_RCODE_NXDOMAIN)
				nx = false; /* an empty non-terminal or wildcard NODATA */
			dv_evidence_t ev = {.zone = zone,
			                    .server = live_srv_addr(c, cs->server),
			                    .owner = m->qname,
			                    .type = m->qtype};
			const live_rrset_t *used[4];
			size_t nused = 0;
			unsigned it = 0;
			char why[160] = "";
			live_denial_t pr =
			    live_denial_proves(m, zone, m->qname, m->qtype, nx, used, &nused,
			                       &c->nsec3_rounds, &it, why, sizeof(why));
			bool ok = pr == LIVE_DENIAL_PROVEN;
			for (size_t u = 0; ok && u < nused; u++) {
				if (!live_validate(c, zc->zi, cs->server, used[u], cs->keys, true)
				         .valid) {
					ok = false;
					snprintf(why, sizeof(why),
					         "%s record has no valid signature",
					         used[u]->type == KNOT_RRTYPE_NSEC ? "an NSEC"
					                                           : "an NSEC3");
				}
			}
			if (it > zr->nsec3_iterations)
				zr->nsec3_iterations = it;
			if (pr == LIVE_DENIAL_UNCHECKED && it <= DV_NSEC3_MAX_ITERATIONS)
				dv_findings_add(&c->raw, DV_F_CHECK_INCOMPLETE, &ev, "%s proof %s",
				                nx ? "NXDOMAIN" : "NODATA", why);
			else if (!ok && pr != LIVE_DENIAL_UNCHECKED)
				dv_findings_add(&c->raw, DV_F_DENIAL_PROOF_INVALID, &ev, "%s: %s",
				                nx ? "NXDOMAIN" : "NODATA", why);
			/* RFC 9276 §3.1: 0 extra iterations; §3.2: validators treat high
			 * counts as insecure, and so does the verdict. */
			dv_evidence_t iev = {.zone = zone,
			                     .server = live_srv_addr(c, cs->server),
			                     .owner = zone,
			                     .type = KNOT_RRTYPE_NSEC3};
			if (it > DV_NSEC3_INSECURE_ITERATIONS) {
				zr->denial_insecure = true;
				dv_findings_add(
				    &c->raw, DV_F_NSEC3_ITERATIONS_INSECURE, &iev,
				    "%u additional iterations%s: validators treat the zone's "
				    "denials "
				    "as insecure (RFC 9276 §3.2)",
				    it,
				    it > DV_NSEC3_MAX_ITERATIONS
				        ? ", above RFC 5155 §10.3's 2500: names not hashed"
				        : "");
			}
			if (ok && it > 0)
				dv_findings_add(&c->raw, DV_F_NSEC3_ITERATIONS, &iev,
				                "%u additional iterations", it);
		}
	}
}
