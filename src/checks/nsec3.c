/*
 * NSEC3 chain checks (RFC 5155 §7.1, RFC 9276): parameters against the apex
 * NSEC3PARAM, one NSEC3 per name that needs one (Opt-Out aware), no orphan
 * hashes, one circular chain in hash order, and the type bitmaps.
 *
 * Names are hashed in parallel: a zone of a million delegations has a
 * million names to hash, each 1 + iterations SHA-1 runs.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/dname.h>

#include "checks/checks.h"
#include "checks/denial.h"
#include "checks/verify_int.h"

#define HLEN              DV_NSEC3_HASH_LEN
#define NSEC3_FLAG_OPTOUT 0x01 /* RFC 5155 §3.1.2.1 */
#define MAX_THREADS       64

typedef dv_nsec3_params_t n3param_t;

/* One NSEC3 record of the chain (its owner is a hash of the chain's
 * parameters, it is the only one there, and its fields parse). */
typedef struct {
	uint8_t hash[HLEN]; /* decoded from the owner's first label */
	uint8_t next[HLEN]; /* Next Hashed Owner Name */
	const uint8_t *owner;
	const uint8_t *bitmap;
	uint16_t bmlen;
	uint8_t flags;
	bool bad_next; /* malformed Next Hashed Owner (reported with the owner) */
} n3rec_t;

/* A name that may own an NSEC3 (a candidate): every name but glue and
 * occluded ones and the NSEC3 owners, with its hash and its class. */
typedef struct {
	uint8_t hash[HLEN];
	uint8_t cls; /* CLS_* */
	const uint8_t *dname;
} n3cand_t;

/* The chain of a zone version, by hash: what an incremental step starts from. */
struct verify_nsec3 {
	n3param_t param;
	uint8_t salt[256];
	n3rec_t *recs;
	size_t nrecs;
	n3cand_t *cands;
	size_t ncands;
	dv_findings_t param_findings; /* of the parameters: iterations, salt */
};

/* The fields NSEC3 and NSEC3PARAM share (RFC 5155 §3.2, §4.2): their length,
 * or 0 if the RDATA is too short. */
static size_t parse_params(const uint8_t *rd, size_t len, n3param_t *p)
{
	return dv_nsec3_params_parse(rd, len, p) == DV_OK ? p->len : 0;
}

static bool params_equal(const n3param_t *a, const n3param_t *b)
{
	return a->algorithm == b->algorithm && a->iterations == b->iterations &&
	       a->salt_len == b->salt_len && memcmp(a->salt, b->salt, a->salt_len) == 0;
}

static void salt_str(const n3param_t *p, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (p->salt_len == 0) {
		snprintf(buf, len, "-");
		return;
	}
	for (size_t i = 0; i < p->salt_len && o + 2 < len; i++) {
		buf[o++] = hex[p->salt[i] >> 4];
		buf[o++] = hex[p->salt[i] & 15];
	}
	buf[o] = '\0';
}

static int hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HLEN); /* the hash leads n3rec_t and n3cand_t */
}

enum {
	CLS_REQUIRED = 1, /* must own an NSEC3 */
	CLS_OPTIONAL = 2, /* may be left out under an Opt-Out NSEC3 */
};

/* ---- parallel hashing ---------------------------------------------------- */

typedef struct {
	const n3param_t *p;
	n3cand_t *cand;
	size_t from, to;
	int ret;
} hjob_t;

static void *hash_worker(void *arg)
{
	hjob_t *j = arg;
	for (size_t i = j->from; i < j->to && j->ret == DV_OK; i++)
		j->ret = dv_nsec3_hash(j->p->algorithm, j->p->iterations, j->p->salt,
		                       j->p->salt_len, j->cand[i].dname, j->cand[i].hash);
	return NULL;
}

static int hash_names(const n3param_t *p, n3cand_t *cand, size_t n, unsigned threads)
{
	hjob_t jobs[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	bool started[MAX_THREADS] = {false};
	size_t nt = threads ? threads : 1;
	if (nt > MAX_THREADS)
		nt = MAX_THREADS;
	if (nt > n / 1024 + 1)
		nt = n / 1024 + 1; /* threads cost more than they save on small zones */
	for (size_t t = 0; t < nt; t++)
		jobs[t] = (hjob_t){
		    .p = p, .cand = cand, .from = n * t / nt, .to = n * (t + 1) / nt, .ret = DV_OK};
	for (size_t t = 1; t < nt; t++)
		started[t] = pthread_create(&tids[t], NULL, hash_worker, &jobs[t]) == 0;
	hash_worker(&jobs[0]);
	int ret = jobs[0].ret;
	for (size_t t = 1; t < nt; t++) {
		if (started[t])
			pthread_join(tids[t], NULL);
		else
			hash_worker(&jobs[t]); /* could not start a thread: do it here */
		if (ret == DV_OK)
			ret = jobs[t].ret;
	}
	return ret;
}

/* ---- the check ----------------------------------------------------------- */

typedef struct {
	const dv_zone_t *z;
	dv_findings_t *out;
	const verify_nsec3_t *st;
	denial_types_t types;
	uint8_t *scratch;
	char apex[DV_FINDING_NAME_MAX];
} ctx_t;

static dv_evidence_t at(const uint8_t *owner)
{
	return (dv_evidence_t){.owner = owner, .type = KNOT_RRTYPE_NSEC3};
}

static bool is_deleg(const dv_name_t *nm)
{
	return (nm->flags & DV_NAME_DELEG) && !(nm->flags & DV_NAME_APEX);
}

static bool is_candidate(const dv_zone_t *z, uint32_t ni)
{
	return !(z->names[ni].flags & DV_NAME_NONAUTH) && !denial_name_is_nsec3_only(z, ni);
}

/*
 * The NSEC3 records at one owner (RFC 5155 §3): each must parse, use the
 * chain's parameters, sit at a hash directly below the apex, and be alone
 * there; the one that is becomes a record of the chain (*rec, *have).
 * Every finding of the owner's records themselves goes to out.
 */
static int owner_records(ctx_t *c, uint32_t ni, n3rec_t *rec, bool *have)
{
	const dv_zone_t *z = c->z;
	const n3param_t *param = &c->st->param;
	const dv_rrset_t *rs = dv_zone_rrset_find(z, ni, KNOT_RRTYPE_NSEC3);
	*have = false;
	if (rs == NULL)
		return DV_OK;
	uint8_t apex_labels = z->names[0].labels;
	const uint8_t *owner = z->names[ni].dname;
	uint8_t ohash[HLEN];
	bool owner_ok = z->names[ni].labels == apex_labels + 1 && owner[0] == 32 &&
	                dv_base32hex_decode((const char *)owner + 1, 32, ohash, HLEN) == HLEN;
	for (uint32_t k = 0; k < rs->rr_count; k++) {
		const dv_rr_t *rr = &z->rrs[rs->rr_first + k];
		n3param_t p;
		int ret = DV_OK;
		dv_evidence_t ev = at(owner);
		size_t off = parse_params(rr->rdata, rr->rdlen, &p);
		size_t hl = off > 0 && off < rr->rdlen ? rr->rdata[off] : 0;
		if (off == 0 || off >= rr->rdlen || rr->rdlen - off - 1 < hl) {
			ret = rr->line
			          ? dv_findings_add(c->out, DV_F_NSEC3_CHAIN_BROKEN, &ev,
			                            "malformed NSEC3 RDATA (line %u)", rr->line)
			          : dv_findings_add(c->out, DV_F_NSEC3_CHAIN_BROKEN, &ev,
			                            "malformed NSEC3 RDATA");
		} else if (!params_equal(&p, param)) {
			/* RFC 5155 §7.1: another parameter set is another chain;
			 * report it once here, not as orphans or chain breaks. */
			char s1[80], s2[80];
			salt_str(&p, s1, sizeof(s1));
			salt_str(param, s2, sizeof(s2));
			ret = dv_findings_add(c->out, DV_F_NSEC3_PARAM_MISMATCH, &ev,
			                      "NSEC3 has algorithm %u, iterations %u, salt %s; "
			                      "NSEC3PARAM has %u, %u, %s",
			                      p.algorithm, p.iterations, s1, param->algorithm,
			                      param->iterations, s2);
		} else if (!owner_ok) {
			ret = dv_findings_add(c->out, DV_F_NSEC3_ORPHAN, &ev,
			                      "owner is not a base32hex SHA-1 hash directly "
			                      "below %s (RFC 5155 §3)",
			                      c->apex);
		} else if (*have) {
			ret = dv_findings_add(c->out, DV_F_NSEC3_CHAIN_BROKEN, &ev,
			                      "%u NSEC3 records of one chain at one owner",
			                      rs->rr_count);
		} else {
			memcpy(rec->hash, ohash, HLEN);
			memset(rec->next, 0, HLEN);
			rec->bad_next = hl != HLEN;
			if (!rec->bad_next)
				memcpy(rec->next, rr->rdata + off + 1, HLEN);
			rec->owner = owner;
			rec->flags = p.flags;
			rec->bitmap = rr->rdata + off + 1 + hl;
			rec->bmlen = (uint16_t)(rr->rdlen - off - 1 - hl);
			*have = true;
			/* Still a record of the chain (it matches its name); only its
			 * link is unusable. */
			if (rec->bad_next)
				ret = dv_findings_add(c->out, DV_F_NSEC3_CHAIN_BROKEN, &ev,
				                      "Next Hashed Owner Name is %zu octets, not "
				                      "%u (SHA-1)",
				                      hl, (unsigned)HLEN);
		}
		if (ret != DV_OK)
			return ret;
	}
	return DV_OK;
}

/* Index of the first element (recs or cands, `size` bytes each, hash
 * first) whose hash is not below `hash`. */
static size_t lower_bound(const void *v, size_t n, size_t size, const uint8_t *hash)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (memcmp((const uint8_t *)v + mid * size, hash, HLEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const n3rec_t *rec_at(const verify_nsec3_t *st, const uint8_t *hash)
{
	size_t k = lower_bound(st->recs, st->nrecs, sizeof(*st->recs), hash);
	return k < st->nrecs && memcmp(st->recs[k].hash, hash, HLEN) == 0 ? &st->recs[k] : NULL;
}

/* The NSEC3 whose span covers hash: the greatest owner hash below it,
 * wrapping around to the last (RFC 5155 §1.3 "covers"). */
static const n3rec_t *rec_covering(const verify_nsec3_t *st, const uint8_t *hash)
{
	size_t k = lower_bound(st->recs, st->nrecs, sizeof(*st->recs), hash);
	return k == 0 ? &st->recs[st->nrecs - 1] : &st->recs[k - 1];
}

/* Whether a candidate has no NSEC3 where one is needed (RFC 5155 §7.1; an
 * Opt-Out span may leave out an insecure delegation, §6). */
static bool cand_missing(const verify_nsec3_t *st, const n3cand_t *cd)
{
	if (rec_at(st, cd->hash) != NULL)
		return false;
	return !(cd->cls == CLS_OPTIONAL &&
	         (rec_covering(st, cd->hash)->flags & NSEC3_FLAG_OPTOUT));
}

/*
 * The types an NSEC3 of this original owner lists (RFC 5155 §3.2.1, §7.1):
 * the RRsets present, RRSIG when there are signed RRsets, never NSEC3
 * itself (it lives at the hashed owner).  An empty non-terminal has an empty
 * bitmap; a delegation lists NS, DS if present, and RRSIG only with a DS.
 */
static int expected_types(ctx_t *c, uint32_t ni)
{
	const dv_zone_t *z = c->z;
	const dv_name_t *nm = &z->names[ni];
	denial_types_t *t = &c->types;
	bool deleg = is_deleg(nm), signed_data = false;
	t->len = 0;
	for (uint32_t k = 0; k < nm->rrset_count; k++) {
		uint16_t type = z->rrsets[nm->rrset_first + k].type;
		if (type == KNOT_RRTYPE_NSEC3)
			continue;
		if (deleg && type != KNOT_RRTYPE_NS && type != KNOT_RRTYPE_DS)
			continue;
		if (!deleg || type == KNOT_RRTYPE_DS)
			signed_data = true;
		if (denial_types_push(t, type) != DV_OK)
			return DV_ENOMEM;
	}
	if (!deleg && nm->sig_count > 0)
		signed_data = true;
	if (signed_data && denial_types_push(t, KNOT_RRTYPE_RRSIG) != DV_OK)
		return DV_ENOMEM;
	denial_types_finish(t);
	return DV_OK;
}

static void hash_owner_str(const ctx_t *c, const uint8_t *hash, char *buf, size_t len)
{
	char b32[40];
	dv_base32hex_encode(hash, HLEN, b32, sizeof(b32));
	snprintf(buf, len, "%s.%s", b32, strcmp(c->apex, ".") == 0 ? "" : c->apex);
}

/* The findings of one candidate (name index ni in the zone, cd its entry):
 * its NSEC3's type bitmap, or the NSEC3 it lacks. */
static int cand_findings(ctx_t *c, uint32_t ni, const n3cand_t *cd)
{
	const dv_zone_t *z = c->z;
	const n3rec_t *r = rec_at(c->st, cd->hash);
	if (r != NULL) {
		int ret = expected_types(c, ni);
		if (ret != DV_OK)
			return ret;
		char diff[400];
		if (denial_bitmap_matches(r->bitmap, r->bmlen, &c->types, c->scratch, diff,
		                          sizeof(diff)))
			return DV_OK;
		/* Reported at the NSEC3 owner, where the wrong record is. */
		char orig[DV_FINDING_NAME_MAX];
		dv_dname_to_str(z->names[ni].dname, orig, sizeof(orig));
		dv_evidence_t ev = at(r->owner);
		return dv_findings_add(c->out, DV_F_NSEC3_BITMAP_MISMATCH, &ev, "NSEC3 of %s: %s",
		                       orig, diff);
	}
	if (!cand_missing(c->st, cd))
		return DV_OK; /* RFC 5155 §6, §7.1: Opt-Out span */
	const dv_name_t *nm = &z->names[ni];
	char where[DV_FINDING_NAME_MAX + 40];
	hash_owner_str(c, cd->hash, where, sizeof(where));
	const char *what = (nm->flags & DV_NAME_ENT) ? "empty non-terminal"
	                   : is_deleg(nm)            ? "delegation"
	                                             : "name";
	const char *why =
	    cd->cls == CLS_OPTIONAL ? "; the NSEC3 covering it has no Opt-Out flag" : "";
	return dv_findings_add(c->out, DV_F_NSEC3_MISSING, DENIAL_AT(z, ni, KNOT_RRTYPE_NSEC3),
	                       "%s has no NSEC3 at %s%s (RFC 5155 §7.1)", what, where, why);
}

/*
 * The findings of one record of the chain: RFC 5155 §7.1, its Next Hashed
 * Owner Name is the next hash in order, the last wrapping to the first; a
 * pointer to the hash of a candidate reported NSEC3_MISSING in between is
 * right too (that record is what is wrong, reported once).  And it must be
 * the NSEC3 of some name of the zone.
 */
static int rec_findings(ctx_t *c, const n3rec_t *r)
{
	const verify_nsec3_t *st = c->st;
	size_t k = (size_t)(r - st->recs);
	const n3rec_t *succ = &st->recs[(k + 1) % st->nrecs];
	int ret = DV_OK;
	if (!r->bad_next && memcmp(r->next, succ->hash, HLEN) != 0) {
		/* The first candidate missing its NSEC3 after r (in r's span). */
		const uint8_t *want = succ->hash;
		size_t i = lower_bound(st->cands, st->ncands, sizeof(*st->cands), r->hash);
		for (size_t n = 0; n < st->ncands; n++, i++) {
			const n3cand_t *cd = &st->cands[i % st->ncands];
			int cmp = memcmp(cd->hash, r->hash, HLEN);
			if (cmp == 0)
				continue;
			/* Past the span: at or after succ, in circular order from r. */
			bool wrapped = i >= st->ncands;
			bool past_succ = memcmp(cd->hash, succ->hash, HLEN) >= 0;
			bool succ_wraps = memcmp(succ->hash, r->hash, HLEN) <= 0;
			if (succ_wraps ? (wrapped && past_succ) : (wrapped || past_succ))
				break;
			if (!(cd->cls == CLS_OPTIONAL && (r->flags & NSEC3_FLAG_OPTOUT))) {
				want = cd->hash;
				break;
			}
		}
		if (memcmp(r->next, want, HLEN) != 0) {
			char found[40], expect[40];
			dv_base32hex_encode(r->next, HLEN, found, sizeof(found));
			dv_base32hex_encode(succ->hash, HLEN, expect, sizeof(expect));
			dv_evidence_t ev = at(r->owner);
			ret = dv_findings_add(
			    c->out, DV_F_NSEC3_CHAIN_BROKEN, &ev,
			    "Next Hashed Owner Name is %s, expected %s%s", found, expect,
			    k + 1 == st->nrecs ? " (the last NSEC3 wraps to the first)" : "");
		}
	}
	if (ret == DV_OK) {
		size_t i = lower_bound(st->cands, st->ncands, sizeof(*st->cands), r->hash);
		if (i >= st->ncands || memcmp(st->cands[i].hash, r->hash, HLEN) != 0) {
			dv_evidence_t ev = at(r->owner);
			ret = dv_findings_add(
			    c->out, DV_F_NSEC3_ORPHAN, &ev,
			    "no authoritative name, empty non-terminal or delegation "
			    "of the zone hashes to this owner");
		}
	}
	return ret;
}

/* Every finding about an owner of NSEC3 records: its records, and when one
 * of them is a record of the chain, that record's link and match. */
static int owner_findings(ctx_t *c, uint32_t ni)
{
	n3rec_t rec;
	bool have;
	int ret = owner_records(c, ni, &rec, &have);
	if (ret != DV_OK || !have)
		return ret;
	const n3rec_t *r = rec_at(c->st, rec.hash);
	return r != NULL ? rec_findings(c, r) : DV_OK;
}

/* ---- the classes of candidates ------------------------------------------------- */

/* Candidate index of a name index among candidates in name order, or -1. */
static long cand_find(const uint32_t *cand, size_t ncand, uint32_t ni)
{
	size_t lo = 0, hi = ncand;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cand[mid] == ni)
			return (long)mid;
		if (cand[mid] < ni)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The class of a name that is not an empty non-terminal. */
static uint8_t own_class(const dv_zone_t *z, uint32_t ni)
{
	const dv_name_t *nm = &z->names[ni];
	if (is_deleg(nm) && dv_zone_rrset_find(z, ni, KNOT_RRTYPE_DS) == NULL)
		return CLS_OPTIONAL;
	return CLS_REQUIRED;
}

/*
 * RFC 5155 §7.1: every authoritative name and every signed delegation needs
 * an NSEC3.  Insecure delegations may go without one under an Opt-Out
 * NSEC3, and so may an empty non-terminal that exists only because of such
 * delegations; any other empty non-terminal needs one.  (cand: name indexes
 * in name order; cls: theirs.)
 */
static void classify(const dv_zone_t *z, const uint32_t *cand, size_t ncand, uint8_t *cls)
{
	for (size_t i = 0; i < ncand; i++) {
		uint32_t ni = cand[i];
		const dv_name_t *nm = &z->names[ni];
		if (nm->flags & DV_NAME_ENT)
			cls[i] = cls[i] ? cls[i] : CLS_OPTIONAL; /* until shown needed */
		else
			cls[i] = own_class(z, ni);
		if (cls[i] != CLS_REQUIRED || (nm->flags & DV_NAME_ENT))
			continue;
		if (nm->labels <= z->names[0].labels + 1)
			continue; /* its parent is the apex */
		/* Mark the empty non-terminals above a required name as required;
		 * stop at the first ancestor that is not one or is already marked. */
		const uint8_t *d = nm->dname;
		for (unsigned up = 0; up < nm->labels; up++) {
			d += 1 + (size_t)d[0];
			long pi = dv_zone_name_find(z, d);
			if (pi < 0 || !(z->names[pi].flags & DV_NAME_ENT))
				break;
			long pc = cand_find(cand, ncand, (uint32_t)pi);
			if (pc < 0 || cls[pc] == CLS_REQUIRED)
				break;
			cls[pc] = CLS_REQUIRED;
		}
	}
}

/* The class of one candidate, alone: for an empty non-terminal, whether a
 * required name below it reaches it through empty non-terminals only. */
static uint8_t class_of(const dv_zone_t *z, uint32_t ni)
{
	const dv_name_t *e = &z->names[ni];
	if (!(e->flags & DV_NAME_ENT))
		return own_class(z, ni);
	for (size_t j = (size_t)ni + 1; j < z->name_count; j++) {
		const dv_name_t *nm = &z->names[j];
		if (knot_dname_in_bailiwick(nm->dname, e->dname) <= 0)
			break;
		if ((nm->flags & (DV_NAME_ENT | DV_NAME_NONAUTH)) ||
		    denial_name_is_nsec3_only(z, (uint32_t)j) ||
		    own_class(z, (uint32_t)j) != CLS_REQUIRED)
			continue;
		/* Every name between it and ni must be an empty non-terminal. */
		bool through = true;
		const uint8_t *d = nm->dname;
		for (unsigned up = nm->labels; up > (unsigned)e->labels + 1 && through; up--) {
			d += 1 + (size_t)d[0];
			long pi = dv_zone_name_find(z, d);
			through = pi >= 0 && (z->names[pi].flags & DV_NAME_ENT);
		}
		if (through)
			return CLS_REQUIRED;
	}
	return CLS_OPTIONAL;
}

/* ---- the whole chain ---------------------------------------------------------------- */

/* The parameters the chain must use: the apex NSEC3PARAM (RFC 5155 §4), or
 * when it is missing, those of the first NSEC3 so the rest can be checked. */
static int find_params(const dv_zone_t *z, verify_nsec3_t *st, dv_findings_t *out, bool *usable,
                       bool *from_param)
{
	const dv_rrset_t *prs = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_NSEC3PARAM);
	*usable = *from_param = false;
	if (prs != NULL) {
		/* Several NSEC3PARAM: a chain change in progress; the first (in
		 * canonical order) is the one checked. */
		const dv_rr_t *rr = &z->rrs[prs->rr_first];
		if (parse_params(rr->rdata, rr->rdlen, &st->param) != 0) {
			*usable = *from_param = true;
			return DV_OK;
		}
	}
	for (size_t i = 0; i < z->rrset_count; i++) {
		const dv_rrset_t *rs = &z->rrsets[i];
		if (rs->type != KNOT_RRTYPE_NSEC3)
			continue;
		const dv_rr_t *rr = &z->rrs[rs->rr_first];
		if (parse_params(rr->rdata, rr->rdlen, &st->param) == 0)
			continue;
		*usable = true;
		break;
	}
	return dv_findings_add(out, DV_F_NSEC3PARAM_MISSING,
	                       DENIAL_AT(z, 0, KNOT_RRTYPE_NSEC3PARAM),
	                       prs ? "malformed NSEC3PARAM at the apex"
	                           : "NSEC3 records but no NSEC3PARAM at the apex (RFC 5155 §4)");
}

/* The findings of the parameters (RFC 9276, RFC 5155 §10.3, §11); *go
 * false when the chain cannot be checked with them. */
static int param_findings(const dv_zone_t *z, const n3param_t *p, dv_findings_t *out, bool *go)
{
	uint16_t ptype = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_NSEC3PARAM) ? KNOT_RRTYPE_NSEC3PARAM
	                                                                  : KNOT_RRTYPE_NSEC3;
	int ret = DV_OK;
	*go = true;
	if (p->iterations > DV_NSEC3_MAX_ITERATIONS) {
		/* RFC 5155 §10.3 allows no more than 2500 for any key size, and
		 * validators give up far sooner (RFC 9276 §3.2); hashing every name
		 * 65536 times would let a hostile zone stall the check. */
		ret = dv_findings_add(out, DV_F_NSEC3_ITERATIONS, DENIAL_AT(z, 0, ptype),
		                      "%u additional iterations, above the RFC 5155 §10.3 maximum "
		                      "of %u: names were not hashed, the chain was not checked",
		                      p->iterations, DV_NSEC3_MAX_ITERATIONS);
	} else if (p->iterations > 0) {
		/* RFC 9276 §3.1: iterations MUST be 0. */
		ret = dv_findings_add(out, DV_F_NSEC3_ITERATIONS, DENIAL_AT(z, 0, ptype),
		                      "%u additional iterations (RFC 9276 §3.1: use 0)",
		                      p->iterations);
	}
	if (ret == DV_OK && p->iterations > DV_NSEC3_INSECURE_ITERATIONS) {
		/* RFC 9276 §3.2: validators may (and do) treat these as insecure. */
		ret = dv_findings_add(out, DV_F_NSEC3_ITERATIONS_INSECURE, DENIAL_AT(z, 0, ptype),
		                      "%u additional iterations: above %u validators treat the "
		                      "zone's denials as insecure (RFC 9276 §3.2)",
		                      p->iterations, DV_NSEC3_INSECURE_ITERATIONS);
	}
	if (ret == DV_OK && p->salt_len > 0) {
		char s[80];
		salt_str(p, s, sizeof(s));
		ret =
		    dv_findings_add(out, DV_F_NSEC3_SALT, DENIAL_AT(z, 0, ptype),
		                    "salt %s (%u octets; RFC 9276 §3.1: use none)", s, p->salt_len);
	}
	if (ret == DV_OK && p->algorithm != 1) {
		/* RFC 5155 §11: SHA-1 is the only hash; nothing else can be checked. */
		ret = dv_findings_add(out, DV_F_NSEC3_BAD_HASH_ALGORITHM, DENIAL_AT(z, 0, ptype),
		                      "hash algorithm %u", p->algorithm);
		*go = false;
	}
	return ret;
}

void verify_nsec3_free(verify_nsec3_t *st)
{
	if (st == NULL)
		return;
	/* kept for the next step's chain (merge_sorted) */
	dv_mem_spare_put(st->recs);
	dv_mem_spare_put(st->cands);
	dv_findings_clear(&st->param_findings);
	free(st);
}

void verify_nsec3_bytes(const verify_nsec3_t *st, size_t *recs, size_t *cands)
{
	*recs = st == NULL ? 0 : st->nrecs * sizeof(*st->recs);
	*cands = st == NULL ? 0 : st->ncands * sizeof(*st->cands);
}

static void keep_salt(verify_nsec3_t *st)
{
	if (st->param.salt_len > 0)
		memcpy(st->salt, st->param.salt, st->param.salt_len);
	st->param.salt = st->salt;
}

int verify_nsec3_full(const dv_zone_t *z, unsigned threads, dv_findings_t *out,
                      verify_nsec3_t **keep)
{
	if (keep != NULL)
		*keep = NULL;
	bool any = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_NSEC3PARAM) != NULL;
	for (size_t i = 0; i < z->rrset_count && !any; i++)
		any = z->rrsets[i].type == KNOT_RRTYPE_NSEC3;
	if (!any || z->name_count == 0)
		return DV_OK;

	verify_nsec3_t *st = calloc(1, sizeof(*st));
	ctx_t c = {.z = z, .out = out, .st = st};
	uint32_t *cand = NULL;
	uint8_t *cls = NULL;
	bool usable, from_param, go = false;
	int ret = DV_ENOMEM;
	if (st == NULL)
		goto done;
	dv_dname_to_str(z->names[0].dname, c.apex, sizeof(c.apex));
	if ((ret = find_params(z, st, out, &usable, &from_param)) != DV_OK || !usable)
		goto done;
	keep_salt(st);
	/* The parameters' findings go to out and, for later steps, are kept. */
	dv_findings_t pf = {0};
	ret = param_findings(z, &st->param, &pf, &go);
	for (size_t i = 0; i < pf.len && ret == DV_OK; i++)
		ret = dv_findings_add_copy(&st->param_findings, &pf.v[i]);
	if (ret == DV_OK)
		ret = dv_findings_merge(out, &pf);
	dv_findings_clear(&pf);
	if (ret != DV_OK || !go)
		goto done;

	ret = DV_ENOMEM;
	if ((c.scratch = malloc(DENIAL_BITMAP_MAX)) == NULL)
		goto done;
	ret = DV_OK; /* (a zone may hold no NSEC3 record at all) */
	/* The records of the chain, by owner (owner findings come later, from
	 * the same function as in a step). */
	size_t caprecs = 0;
	for (size_t ni = 0; ni < z->name_count; ni++) {
		if (dv_zone_rrset_find(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3) == NULL)
			continue;
		n3rec_t rec;
		bool have;
		dv_findings_t drop = {.limit = 1};
		c.out = &drop; /* the owner's findings are reported below */
		ret = owner_records(&c, (uint32_t)ni, &rec, &have);
		c.out = out;
		dv_findings_clear(&drop);
		if (ret != DV_OK)
			goto done;
		if (!have)
			continue;
		if (dv_array_grow(&st->recs, &caprecs, st->nrecs, sizeof(*st->recs), 1024) !=
		    DV_OK) {
			ret = DV_ENOMEM;
			goto done;
		}
		st->recs[st->nrecs++] = rec;
	}
	if (st->nrecs > 1)
		qsort(st->recs, st->nrecs, sizeof(*st->recs), hash_cmp);
	if (st->nrecs == 0) {
		/* Report the owners' own findings, then the missing chain. */
		for (size_t ni = 0; ni < z->name_count && ret == DV_OK; ni++)
			if (dv_zone_rrset_find(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3) != NULL)
				ret = owner_findings(&c, (uint32_t)ni);
		if (ret == DV_OK)
			ret = dv_findings_add(
			    out, DV_F_NSEC3_MISSING, DENIAL_AT(z, 0, KNOT_RRTYPE_NSEC3),
			    "NSEC3PARAM at the apex but no NSEC3 chain of its parameters");
		goto done;
	}
	if (st->param.iterations > DV_NSEC3_MAX_ITERATIONS) {
		/* Reported above; hashing every name that often is not done, and
		 * only the owners' own records are checked. */
		ret = DV_OK;
		for (size_t ni = 0; ni < z->name_count && ret == DV_OK; ni++)
			if (dv_zone_rrset_find(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3) != NULL) {
				n3rec_t rec;
				bool have;
				ret = owner_records(&c, (uint32_t)ni, &rec, &have);
			}
		goto done;
	}

	/* Candidates, in name order first (for their classes), then by hash. */
	cand = malloc((z->name_count ? z->name_count : 1) * sizeof(*cand));
	if (cand == NULL)
		goto done;
	size_t ncand = 0;
	for (size_t ni = 0; ni < z->name_count; ni++)
		if (is_candidate(z, (uint32_t)ni))
			cand[ncand++] = (uint32_t)ni;
	cls = calloc(ncand ? ncand : 1, 1);
	/* A sixty-fourth more (untouched): kept for a step's merge when freed
	 * (merge_sorted), it fits a chain a little longer. */
	st->cands = malloc((ncand + ncand / 64 + 64) * sizeof(*st->cands));
	if (cls == NULL || st->cands == NULL)
		goto done;
	classify(z, cand, ncand, cls);
	for (size_t i = 0; i < ncand; i++)
		st->cands[i] = (n3cand_t){.cls = cls[i], .dname = z->names[cand[i]].dname};
	st->ncands = ncand;
	if ((ret = hash_names(&st->param, st->cands, ncand, threads)) != DV_OK)
		goto done;
	/* Findings by candidate, while they are in name order. */
	for (size_t i = 0; i < ncand && ret == DV_OK; i++) {
		n3cand_t cd = st->cands[i];
		ret = cand_findings(&c, cand[i], &cd);
	}
	if (ret != DV_OK)
		goto done;
	if (ncand > 1)
		qsort(st->cands, ncand, sizeof(*st->cands), hash_cmp);
	/* The owners' findings read the candidates by hash. */
	for (size_t ni = 0; ni < z->name_count && ret == DV_OK; ni++)
		if (dv_zone_rrset_find(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3) != NULL)
			ret = owner_findings(&c, (uint32_t)ni);
done:
	free(cand);
	free(cls);
	free(c.scratch);
	free(c.types.v);
	if (ret == DV_OK && keep != NULL && st != NULL && go && st->nrecs > 0 && from_param &&
	    st->param.iterations <= DV_NSEC3_MAX_ITERATIONS) {
		*keep = st;
		return DV_OK;
	}
	verify_nsec3_free(st);
	return ret;
}

int dv_check_nsec3(const dv_zone_t *z, unsigned threads, dv_findings_t *out)
{
	return verify_nsec3_full(z, threads, out, NULL);
}

const dv_findings_t *verify_nsec3_param_findings(const verify_nsec3_t *st)
{
	return &st->param_findings;
}

/* ---- a step ----------------------------------------------------------------------- */

/* A set of names (wire, lowercase), sorted and unique once finished. */
typedef struct {
	const uint8_t **v;
	size_t n, cap;
} nameset_t;

static int nameset_add(nameset_t *s, const uint8_t *dname)
{
	if (dv_array_grow(&s->v, &s->cap, s->n, sizeof(*s->v), 64) != DV_OK)
		return DV_ENOMEM;
	s->v[s->n++] = dname;
	return DV_OK;
}

static int dname_ptr_cmp(const void *a, const void *b)
{
	return knot_dname_cmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b);
}

static void nameset_finish(nameset_t *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), dname_ptr_cmp);
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++)
		if (o == 0 || !knot_dname_is_equal(s->v[o - 1], s->v[i]))
			s->v[o++] = s->v[i];
	s->n = o;
}

/* The candidate entry of a name in a chain, or NULL. */
static const n3cand_t *cand_entry(const verify_nsec3_t *st, const uint8_t *hash,
                                  const uint8_t *dname)
{
	for (size_t k = lower_bound(st->cands, st->ncands, sizeof(*st->cands), hash);
	     k < st->ncands && memcmp(st->cands[k].hash, hash, HLEN) == 0; k++)
		if (knot_dname_is_equal(st->cands[k].dname, dname))
			return &st->cands[k];
	return NULL;
}

/* The hash an NSEC3 owner name stands for, if it is one (RFC 5155 §3). */
static bool owner_hash(const dv_zone_t *z, const uint8_t *owner, uint8_t *hash)
{
	return knot_dname_labels(owner, NULL) == (size_t)z->names[0].labels + 1 && owner[0] == 32 &&
	       dv_base32hex_decode((const char *)owner + 1, 32, hash, HLEN) == HLEN;
}

/* The record of the chain an owner name holds in a state, or NULL. */
static const n3rec_t *owner_rec(const dv_zone_t *z, const verify_nsec3_t *st, const uint8_t *owner)
{
	uint8_t h[HLEN];
	if (!owner_hash(z, owner, h))
		return NULL;
	const n3rec_t *r = rec_at(st, h);
	return r != NULL && knot_dname_is_equal(r->owner, owner) ? r : NULL;
}

/* The items around the changed ones, in one state of the chain: the
 * records at and covering each changed candidate's hash; for each changed
 * owner's record, the record before it, the candidates in its span and
 * the candidate of its own hash. */
static int expand(const dv_zone_t *z, const verify_nsec3_t *st, const nameset_t *owners0,
                  const nameset_t *cands0, const uint8_t *hashes0, nameset_t *owners,
                  nameset_t *cands)
{
	int ret = DV_OK;
	for (size_t i = 0; i < cands0->n && ret == DV_OK; i++) {
		const uint8_t *h = hashes0 + i * HLEN;
		const n3rec_t *r = rec_at(st, h);
		if (r != NULL)
			ret = nameset_add(owners, r->owner);
		if (ret == DV_OK)
			ret = nameset_add(owners, rec_covering(st, h)->owner);
	}
	for (size_t i = 0; i < owners0->n && ret == DV_OK; i++) {
		const n3rec_t *r = owner_rec(z, st, owners0->v[i]);
		if (r == NULL)
			continue;
		size_t k = (size_t)(r - st->recs);
		const n3rec_t *pred = &st->recs[(k + st->nrecs - 1) % st->nrecs];
		const n3rec_t *succ = &st->recs[(k + 1) % st->nrecs];
		if ((ret = nameset_add(owners, pred->owner)) != DV_OK)
			break;
		size_t c = lower_bound(st->cands, st->ncands, sizeof(*st->cands), r->hash);
		for (size_t n = 0; n < st->ncands && ret == DV_OK; n++, c++) {
			const n3cand_t *cd = &st->cands[c % st->ncands];
			int cmp = memcmp(cd->hash, r->hash, HLEN);
			bool wrapped = c >= st->ncands;
			bool past_succ = memcmp(cd->hash, succ->hash, HLEN) >= 0 && succ != r;
			bool succ_wraps = memcmp(succ->hash, r->hash, HLEN) <= 0;
			if (cmp == 0 && !wrapped) {
				ret =
				    nameset_add(cands, cd->dname); /* the name r is the NSEC3 of */
				continue;
			}
			if (succ_wraps ? (wrapped && (past_succ || cmp >= 0))
			               : (wrapped || past_succ))
				break;
			ret = nameset_add(cands, cd->dname);
		}
	}
	return ret;
}

/* Walk up from a changed name while the ancestors are empty non-terminals
 * (their class follows the names below them). */
static int ent_ancestors(const dv_zone_t *z, const uint8_t *dname, nameset_t *cands)
{
	const uint8_t *d = dname;
	while (knot_dname_in_bailiwick(d, z->origin) > 0) {
		d += 1 + d[0];
		long pi = dv_zone_name_find(z, d);
		if (pi <= 0 || !(z->names[pi].flags & DV_NAME_ENT))
			break;
		if (is_candidate(z, (uint32_t)pi) &&
		    nameset_add(cands, z->names[pi].dname) != DV_OK)
			return DV_ENOMEM;
	}
	return DV_OK;
}

static int item_findings(const dv_zone_t *z, const verify_nsec3_t *st, const nameset_t *owners,
                         const nameset_t *cands, dv_findings_t *out)
{
	ctx_t c = {.z = z, .out = out, .st = st, .scratch = malloc(DENIAL_BITMAP_MAX)};
	int ret = c.scratch ? DV_OK : DV_ENOMEM;
	dv_dname_to_str(z->names[0].dname, c.apex, sizeof(c.apex));
	for (size_t i = 0; i < owners->n && ret == DV_OK; i++) {
		long ni = dv_zone_name_find(z, owners->v[i]);
		if (ni >= 0 && dv_zone_rrset_find(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3) != NULL)
			ret = owner_findings(&c, (uint32_t)ni);
	}
	for (size_t i = 0; i < cands->n && ret == DV_OK; i++) {
		long ni = dv_zone_name_find(z, cands->v[i]);
		if (ni < 0 || !is_candidate(z, (uint32_t)ni))
			continue;
		uint8_t h[HLEN];
		if ((ret = dv_nsec3_hash(st->param.algorithm, st->param.iterations, st->param.salt,
		                         st->param.salt_len, z->names[ni].dname, h)) != DV_OK)
			break;
		const n3cand_t *cd = cand_entry(st, h, z->names[ni].dname);
		if (cd != NULL)
			ret = cand_findings(&c, (uint32_t)ni, cd);
	}
	free(c.scratch);
	free(c.types.v);
	return ret;
}

/* The first of old[lo, hi) whose hash sorts after h's (elements of `size`
 * bytes, hash first). */
static size_t hash_upper(const uint8_t *old, size_t lo, size_t hi, const uint8_t *h, size_t size)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(old + mid * size, h, HLEN) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Replace the entries of `gone` names in a sorted array by `fresh` ones
 * (sorted); elements of `size` bytes, hash first.  drop[i] says whether
 * old element i goes.  A step changes few entries: the old ones are copied
 * in runs between the places the fresh ones go, not one by one.  No huge
 * pages: the kernel compacted memory on the spot for them when none was
 * free, most of a step's time (bench/replica-bench.sh -p B); the arrays of
 * the chain this one replaces are reused instead (dv_mem_spare_take). */
static void *merge_sorted(const void *old, size_t nold, const bool *drop, const void *fresh,
                          size_t nfresh, size_t size, size_t *nout)
{
	uint8_t *o = dv_mem_spare_take((nold + nfresh) * size);
	if (o == NULL)
		return NULL;
	const uint8_t *a = old, *b = fresh;
	size_t i = 0, j = 0, n = 0;
	while (i < nold || j < nfresh) {
		/* old entries that sort before the next fresh one (or all) */
		size_t stop = j < nfresh ? hash_upper(a, i, nold, b + j * size, size) : nold;
		while (i < stop) {
			size_t k = i;
			while (k < stop && !drop[k])
				k++;
			memcpy(o + n * size, a + i * size, (k - i) * size);
			n += k - i;
			for (i = k; i < stop && drop[i]; i++)
				;
		}
		if (j < nfresh) {
			memcpy(o + n * size, b + j * size, size);
			n++;
			j++;
		}
	}
	*nout = n;
	return o;
}

int verify_nsec3_step(const verify_nsec3_t *old, const dv_zone_t *oz, const dv_zone_t *nz,
                      const dv_zone_delta_t *d, verify_nsec3_t **out, dv_findings_t *removed,
                      dv_findings_t *added)
{
	*out = NULL;
	nameset_t owners0 = {0}, cands0 = {0}, owners = {0}, cands = {0};
	uint8_t *hashes0 = NULL;
	bool *drop_r = NULL, *drop_c = NULL;
	n3rec_t *fresh_r = NULL;
	n3cand_t *fresh_c = NULL;
	size_t nfr = 0, nfc = 0;
	verify_nsec3_t *st = NULL;
	int ret = DV_ENOMEM;

	/* The parameters must be those of the chain carried. */
	const dv_rrset_t *prs = dv_zone_rrset_find(nz, 0, KNOT_RRTYPE_NSEC3PARAM);
	n3param_t np;
	if (prs == NULL ||
	    parse_params(nz->rrs[prs->rr_first].rdata, nz->rrs[prs->rr_first].rdlen, &np) == 0 ||
	    !params_equal(&np, &old->param))
		return DV_OK;

	/* 1. The items the delta names: owners of NSEC3 records, candidates
	 *    (and the empty non-terminals above them, whose class may follow). */
	const dv_zone_t *zs[2] = {oz, nz};
	for (size_t i = 0; i < d->n; i++) {
		uint32_t idx[2] = {d->v[i].old_index, d->v[i].new_index};
		for (int v = 0; v < 2; v++) {
			if (idx[v] == DV_ZONE_NONE)
				continue;
			const dv_zone_t *z = zs[v];
			if (dv_zone_rrset_find(z, idx[v], KNOT_RRTYPE_NSEC3) != NULL &&
			    nameset_add(&owners0, z->names[idx[v]].dname) != DV_OK)
				goto fail;
			if (is_candidate(z, idx[v]) &&
			    nameset_add(&cands0, z->names[idx[v]].dname) != DV_OK)
				goto fail;
			if (ent_ancestors(z, z->names[idx[v]].dname, &cands0) != DV_OK)
				goto fail;
		}
	}
	nameset_finish(&owners0);
	nameset_finish(&cands0);
	if ((hashes0 = malloc((cands0.n ? cands0.n : 1) * HLEN)) == NULL)
		goto fail;
	for (size_t i = 0; i < cands0.n; i++)
		if ((ret = dv_nsec3_hash(old->param.algorithm, old->param.iterations,
		                         old->param.salt, old->param.salt_len, cands0.v[i],
		                         hashes0 + i * HLEN)) != DV_OK)
			goto fail;
	ret = DV_ENOMEM;

	/* 2. The new chain: the old one with the changed items taken out and
	 *    their new versions put in. */
	if ((st = calloc(1, sizeof(*st))) == NULL)
		goto fail;
	st->param = old->param;
	memcpy(st->salt, old->salt, sizeof(st->salt));
	st->param.salt = st->salt;
	drop_r = calloc(old->nrecs + 1, sizeof(*drop_r));
	drop_c = calloc(old->ncands + 1, sizeof(*drop_c));
	fresh_r = malloc((owners0.n ? owners0.n : 1) * sizeof(*fresh_r));
	fresh_c = malloc((cands0.n ? cands0.n : 1) * sizeof(*fresh_c));
	if (drop_r == NULL || drop_c == NULL || fresh_r == NULL || fresh_c == NULL)
		goto fail;
	ctx_t nc = {.z = nz, .st = st};
	dv_dname_to_str(nz->names[0].dname, nc.apex, sizeof(nc.apex));
	for (size_t i = 0; i < owners0.n; i++) {
		const n3rec_t *r = owner_rec(oz, old, owners0.v[i]);
		if (r != NULL)
			drop_r[r - old->recs] = true;
		long ni = dv_zone_name_find(nz, owners0.v[i]);
		if (ni < 0)
			continue;
		dv_findings_t silent = {.limit = 1};
		bool have;
		nc.out = &silent;
		ret = owner_records(&nc, (uint32_t)ni, &fresh_r[nfr], &have);
		dv_findings_clear(&silent);
		if (ret != DV_OK)
			goto fail;
		nfr += have;
	}
	for (size_t i = 0; i < cands0.n; i++) {
		const n3cand_t *cd = cand_entry(old, hashes0 + i * HLEN, cands0.v[i]);
		if (cd != NULL)
			drop_c[cd - old->cands] = true;
		long ni = dv_zone_name_find(nz, cands0.v[i]);
		if (ni < 0 || !is_candidate(nz, (uint32_t)ni))
			continue;
		n3cand_t *f = &fresh_c[nfc++];
		memcpy(f->hash, hashes0 + i * HLEN, HLEN);
		f->dname = nz->names[ni].dname;
		f->cls = class_of(nz, (uint32_t)ni);
	}
	if (nfr > 1)
		qsort(fresh_r, nfr, sizeof(*fresh_r), hash_cmp);
	if (nfc > 1)
		qsort(fresh_c, nfc, sizeof(*fresh_c), hash_cmp);
	ret = DV_ENOMEM;
	st->recs =
	    merge_sorted(old->recs, old->nrecs, drop_r, fresh_r, nfr, sizeof(*fresh_r), &st->nrecs);
	st->cands = merge_sorted(old->cands, old->ncands, drop_c, fresh_c, nfc, sizeof(*fresh_c),
	                         &st->ncands);
	if (st->recs == NULL || st->cands == NULL)
		goto fail;
	for (size_t i = 0; i < old->param_findings.len; i++)
		if ((ret = dv_findings_add_copy(&st->param_findings, &old->param_findings.v[i])) !=
		    DV_OK)
			goto fail;
	/* No chain left: the whole check says what that means. */
	if (st->nrecs == 0) {
		ret = DV_OK;
		goto fail;
	}

	/* 3. The items around them, in the old chain and in the new. */
	for (size_t i = 0; i < owners0.n; i++)
		if ((ret = nameset_add(&owners, owners0.v[i])) != DV_OK)
			goto fail;
	for (size_t i = 0; i < cands0.n; i++)
		if ((ret = nameset_add(&cands, cands0.v[i])) != DV_OK)
			goto fail;
	if ((ret = expand(oz, old, &owners0, &cands0, hashes0, &owners, &cands)) != DV_OK ||
	    (ret = expand(nz, st, &owners0, &cands0, hashes0, &owners, &cands)) != DV_OK)
		goto fail;
	nameset_finish(&owners);
	nameset_finish(&cands);

	/* 4. Their findings, as they were and as they are. */
	if ((ret = item_findings(oz, old, &owners, &cands, removed)) != DV_OK ||
	    (ret = item_findings(nz, st, &owners, &cands, added)) != DV_OK)
		goto fail;
	*out = st;
	st = NULL;
	ret = DV_OK;
fail:
	verify_nsec3_free(st);
	free(owners0.v);
	free(cands0.v);
	free(owners.v);
	free(cands.v);
	free(hashes0);
	free(drop_r);
	free(drop_c);
	free(fresh_r);
	free(fresh_c);
	return ret;
}
