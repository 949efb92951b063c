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

#include "checks/checks.h"
#include "checks/denial.h"

/* RFC 5155 §10.3: the largest iteration count any key size allows. */

#define HLEN              DV_NSEC3_HASH_LEN
#define NSEC3_FLAG_OPTOUT 0x01 /* RFC 5155 §3.1.2.1 */
#define MAX_THREADS       64

typedef dv_nsec3_params_t n3param_t;

/* One NSEC3 record of the chain being checked. */
typedef struct {
	uint8_t hash[HLEN]; /* decoded from the owner's first label */
	uint8_t next[HLEN]; /* Next Hashed Owner Name */
	uint32_t name;      /* owner name index */
	uint32_t matched;   /* name index of the original owner, or UINT32_MAX */
	uint8_t flags;
	bool bad_next; /* malformed Next Hashed Owner (already reported) */
	const uint8_t *bitmap;
	size_t bmlen;
} n3rec_t;

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
	return memcmp(a, b, HLEN);
}

static uint64_t hash_key(const uint8_t *h)
{
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k = (k << 8) | h[i];
	return k;
}

/* ---- parallel hashing ---------------------------------------------------- */

typedef struct {
	const dv_zone_t *z;
	const n3param_t *p;
	const uint32_t *cand;
	uint8_t *hashes;
	size_t from, to;
	int ret;
} hjob_t;

static void *hash_worker(void *arg)
{
	hjob_t *j = arg;
	for (size_t i = j->from; i < j->to && j->ret == DV_OK; i++)
		j->ret =
		    dv_nsec3_hash(j->p->algorithm, j->p->iterations, j->p->salt, j->p->salt_len,
		                  j->z->names[j->cand[i]].dname, j->hashes + i * HLEN);
	return NULL;
}

static int hash_names(const dv_zone_t *z, const n3param_t *p, const uint32_t *cand, size_t n,
                      uint8_t *hashes, unsigned threads)
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
		jobs[t] = (hjob_t){.z = z,
		                   .p = p,
		                   .cand = cand,
		                   .hashes = hashes,
		                   .from = n * t / nt,
		                   .to = n * (t + 1) / nt,
		                   .ret = DV_OK};
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
	n3param_t param;
	n3rec_t *recs;
	size_t nrecs, caprecs;
	uint64_t *keys; /* first 8 octets of each record's hash, for searching */
	uint32_t *cand; /* candidate name indexes (names that may own an NSEC3) */
	size_t ncand;
	uint8_t *hashes;  /* ncand hashes */
	uint8_t *cls;     /* per candidate: CLS_* */
	uint8_t *missing; /* hashes of names reported NSEC3_MISSING */
	size_t nmissing;
	denial_types_t types;
	uint8_t *scratch;
	char apex[DV_FINDING_NAME_MAX];
} ctx_t;

enum {
	CLS_REQUIRED = 1, /* must own an NSEC3 */
	CLS_OPTIONAL = 2, /* may be left out under an Opt-Out NSEC3 */
};

static int collect_records(ctx_t *c)
{
	const dv_zone_t *z = c->z;
	uint8_t apex_labels = z->names[0].labels;
	for (size_t ni = 0; ni < z->name_count; ni++) {
		const dv_rrset_t *rs = dv_zone_rrset_find(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3);
		if (rs == NULL)
			continue;
		bool have_one = false;
		const uint8_t *owner = z->names[ni].dname;
		uint8_t ohash[HLEN];
		bool owner_ok =
		    z->names[ni].labels == apex_labels + 1 && owner[0] == 32 &&
		    dv_base32hex_decode((const char *)owner + 1, 32, ohash, HLEN) == HLEN;
		for (uint32_t k = 0; k < rs->rr_count; k++) {
			const dv_rr_t *rr = &z->rrs[rs->rr_first + k];
			n3param_t p;
			int ret = DV_OK;
			size_t off = parse_params(rr->rdata, rr->rdlen, &p);
			size_t hl = off > 0 && off < rr->rdlen ? rr->rdata[off] : 0;
			if (off == 0 || off >= rr->rdlen || rr->rdlen - off - 1 < hl) {
				ret = dv_findings_add(c->out, DV_F_NSEC3_CHAIN_BROKEN,
				                      DENIAL_AT(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3),
				                      "malformed NSEC3 RDATA (line %u)", rr->line);
			} else if (!params_equal(&p, &c->param)) {
				/* RFC 5155 §7.1: another parameter set is another chain;
				 * report it once here, not as orphans or chain breaks. */
				char s1[80], s2[80];
				salt_str(&p, s1, sizeof(s1));
				salt_str(&c->param, s2, sizeof(s2));
				ret = dv_findings_add(
				    c->out, DV_F_NSEC3_PARAM_MISMATCH,
				    DENIAL_AT(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3),
				    "NSEC3 has algorithm %u, iterations %u, salt %s; "
				    "NSEC3PARAM has %u, %u, %s",
				    p.algorithm, p.iterations, s1, c->param.algorithm,
				    c->param.iterations, s2);
			} else if (!owner_ok) {
				ret =
				    dv_findings_add(c->out, DV_F_NSEC3_ORPHAN,
				                    DENIAL_AT(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3),
				                    "owner is not a base32hex SHA-1 hash directly "
				                    "below %s (RFC 5155 §3)",
				                    c->apex);
			} else if (have_one) {
				ret = dv_findings_add(c->out, DV_F_NSEC3_CHAIN_BROKEN,
				                      DENIAL_AT(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3),
				                      "%u NSEC3 records of one chain at one owner",
				                      rs->rr_count);
			} else {
				if (dv_array_grow(&c->recs, &c->caprecs, c->nrecs, sizeof(*c->recs),
				                  1024) != DV_OK)
					return DV_ENOMEM;
				n3rec_t *r = &c->recs[c->nrecs++];
				memcpy(r->hash, ohash, HLEN);
				memset(r->next, 0, HLEN);
				r->bad_next = hl != HLEN;
				if (!r->bad_next)
					memcpy(r->next, rr->rdata + off + 1, HLEN);
				r->name = (uint32_t)ni;
				r->matched = UINT32_MAX;
				r->flags = p.flags;
				r->bitmap = rr->rdata + off + 1 + hl;
				r->bmlen = rr->rdlen - off - 1 - hl;
				have_one = true;
				/* Still a record of the chain (it matches its name); only
				 * its link is unusable. */
				if (r->bad_next)
					ret = dv_findings_add(
					    c->out, DV_F_NSEC3_CHAIN_BROKEN,
					    DENIAL_AT(z, (uint32_t)ni, KNOT_RRTYPE_NSEC3),
					    "Next Hashed Owner Name is %zu octets, not "
					    "%u (SHA-1)",
					    hl, (unsigned)HLEN);
			}
			if (ret != DV_OK)
				return ret;
		}
	}
	if (c->nrecs > 1) /* qsort must not see a NULL array, even empty */
		qsort(c->recs, c->nrecs, sizeof(*c->recs), hash_cmp); /* hash leads the struct */
	c->keys = malloc((c->nrecs ? c->nrecs : 1) * sizeof(*c->keys));
	if (c->keys == NULL)
		return DV_ENOMEM;
	for (size_t k = 0; k < c->nrecs; k++)
		c->keys[k] = hash_key(c->recs[k].hash);
	return DV_OK;
}

/* Candidates: every name but glue/occluded ones and the NSEC3 owners. */
static int collect_candidates(ctx_t *c)
{
	const dv_zone_t *z = c->z;
	c->cand = malloc((z->name_count ? z->name_count : 1) * sizeof(*c->cand));
	if (c->cand == NULL)
		return DV_ENOMEM;
	for (size_t ni = 0; ni < z->name_count; ni++) {
		if (z->names[ni].flags & DV_NAME_NONAUTH)
			continue;
		if (denial_name_is_nsec3_only(z, (uint32_t)ni))
			continue;
		c->cand[c->ncand++] = (uint32_t)ni;
	}
	c->hashes = malloc((c->ncand ? c->ncand : 1) * HLEN);
	c->cls = calloc(c->ncand ? c->ncand : 1, 1);
	if (c->hashes == NULL || c->cls == NULL)
		return DV_ENOMEM;
	return DV_OK;
}

static bool is_deleg(const dv_name_t *nm)
{
	return (nm->flags & DV_NAME_DELEG) && !(nm->flags & DV_NAME_APEX);
}

/* Candidate index of a name index (candidates are in name order), or -1. */
static long cand_find(const ctx_t *c, uint32_t ni)
{
	size_t lo = 0, hi = c->ncand;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->cand[mid] == ni)
			return (long)mid;
		if (c->cand[mid] < ni)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * RFC 5155 §7.1: every authoritative name and every signed delegation needs
 * an NSEC3.  Insecure delegations may go without one under an Opt-Out
 * NSEC3, and so may an empty non-terminal that exists only because of such
 * delegations; any other empty non-terminal needs one.
 */
static void classify(ctx_t *c)
{
	const dv_zone_t *z = c->z;
	for (size_t i = 0; i < c->ncand; i++) {
		uint32_t ni = c->cand[i];
		const dv_name_t *nm = &z->names[ni];
		if (nm->flags & DV_NAME_ENT)
			c->cls[i] = c->cls[i] ? c->cls[i] : CLS_OPTIONAL; /* until shown needed */
		else if (is_deleg(nm) && dv_zone_rrset_find(z, ni, KNOT_RRTYPE_DS) == NULL)
			c->cls[i] = CLS_OPTIONAL;
		else
			c->cls[i] = CLS_REQUIRED;
		if (c->cls[i] != CLS_REQUIRED || (nm->flags & DV_NAME_ENT))
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
			long pc = cand_find(c, (uint32_t)pi);
			if (pc < 0 || c->cls[pc] == CLS_REQUIRED)
				break;
			c->cls[pc] = CLS_REQUIRED;
		}
	}
}

/* Index of the first record whose hash is not below `hash` (nrecs if none).
 * The search runs over the 8-octet keys: a million lookups in a chain of a
 * hundred thousand records stay in cache, where the records would not. */
static size_t rec_lower_bound(const ctx_t *c, const uint8_t *hash)
{
	uint64_t key = hash_key(hash);
	size_t lo = 0, hi = c->nrecs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo < c->nrecs && c->keys[lo] == key && memcmp(c->recs[lo].hash, hash, HLEN) < 0)
		lo++;
	return lo;
}

static n3rec_t *rec_find(const ctx_t *c, const uint8_t *hash)
{
	size_t k = rec_lower_bound(c, hash);
	if (k >= c->nrecs || c->keys[k] != hash_key(hash))
		return NULL; /* decided without touching the record */
	return memcmp(c->recs[k].hash, hash, HLEN) == 0 ? &c->recs[k] : NULL;
}

/* The NSEC3 whose span covers hash: the greatest owner hash below it,
 * wrapping around to the last (RFC 5155 §1.3 "covers"). */
static const n3rec_t *rec_covering(const ctx_t *c, const uint8_t *hash)
{
	size_t k = rec_lower_bound(c, hash);
	return k == 0 ? &c->recs[c->nrecs - 1] : &c->recs[k - 1];
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

static int check_names(ctx_t *c)
{
	const dv_zone_t *z = c->z;
	c->missing = malloc((c->ncand ? c->ncand : 1) * HLEN);
	if (c->missing == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < c->ncand; i++) {
		uint32_t ni = c->cand[i];
		const uint8_t *h = c->hashes + i * HLEN;
		n3rec_t *r = rec_find(c, h);
		int ret = DV_OK;
		char where[DV_FINDING_NAME_MAX + 40];
		if (r != NULL) {
			r->matched = ni;
			if ((ret = expected_types(c, ni)) != DV_OK)
				return ret;
			char diff[400];
			if (!denial_bitmap_matches(r->bitmap, r->bmlen, &c->types, c->scratch, diff,
			                           sizeof(diff))) {
				/* Reported at the NSEC3 owner, where the wrong record is. */
				char orig[DV_FINDING_NAME_MAX];
				dv_dname_to_str(z->names[ni].dname, orig, sizeof(orig));
				ret = dv_findings_add(c->out, DV_F_NSEC3_BITMAP_MISMATCH,
				                      DENIAL_AT(z, r->name, KNOT_RRTYPE_NSEC3),
				                      "NSEC3 of %s: %s", orig, diff);
			}
		} else {
			const n3rec_t *cov = rec_covering(c, h);
			if (c->cls[i] == CLS_OPTIONAL && (cov->flags & NSEC3_FLAG_OPTOUT))
				continue; /* RFC 5155 §6, §7.1: Opt-Out span */
			const dv_name_t *nm = &z->names[ni];
			hash_owner_str(c, h, where, sizeof(where));
			const char *what = (nm->flags & DV_NAME_ENT) ? "empty non-terminal"
			                   : is_deleg(nm)            ? "delegation"
			                                             : "name";
			const char *why = c->cls[i] == CLS_OPTIONAL
			                      ? "; the NSEC3 covering it has no Opt-Out flag"
			                      : "";
			ret = dv_findings_add(
			    c->out, DV_F_NSEC3_MISSING, DENIAL_AT(z, ni, KNOT_RRTYPE_NSEC3),
			    "%s has no NSEC3 at %s%s (RFC 5155 §7.1)", what, where, why);
			memcpy(c->missing + c->nmissing * HLEN, h, HLEN);
			c->nmissing++;
		}
		if (ret != DV_OK)
			return ret;
	}
	return DV_OK;
}

/*
 * RFC 5155 §7.1: the Next Hashed Owner Name of each NSEC3 is the next hash
 * in order, the last wrapping to the first.  A pointer to the next NSEC3
 * that exists is right; so is a pointer to the hash of a name reported
 * NSEC3_MISSING (that record is what is wrong, reported once).
 */
static int check_chain(ctx_t *c)
{
	size_t nu = c->nrecs + c->nmissing;
	uint8_t *u = malloc((nu ? nu : 1) * HLEN);
	if (u == NULL)
		return DV_ENOMEM;
	for (size_t k = 0; k < c->nrecs; k++)
		memcpy(u + k * HLEN, c->recs[k].hash, HLEN);
	if (c->nmissing > 0)
		memcpy(u + c->nrecs * HLEN, c->missing, c->nmissing * HLEN);
	if (nu > 1)
		qsort(u, nu, HLEN, hash_cmp);

	int ret = DV_OK;
	for (size_t k = 0; k < c->nrecs && ret == DV_OK; k++) {
		const n3rec_t *r = &c->recs[k];
		const n3rec_t *succ = &c->recs[(k + 1) % c->nrecs];
		if (r->bad_next || memcmp(r->next, succ->hash, HLEN) == 0)
			continue;
		const uint8_t *pos = bsearch(r->hash, u, nu, HLEN, hash_cmp);
		size_t pi = pos ? (size_t)(pos - u) / HLEN : 0;
		const uint8_t *want = u + ((pi + 1) % nu) * HLEN;
		if (memcmp(r->next, want, HLEN) == 0)
			continue;
		char found[40], expect[40];
		dv_base32hex_encode(r->next, HLEN, found, sizeof(found));
		dv_base32hex_encode(succ->hash, HLEN, expect, sizeof(expect));
		ret = dv_findings_add(
		    c->out, DV_F_NSEC3_CHAIN_BROKEN, DENIAL_AT(c->z, r->name, KNOT_RRTYPE_NSEC3),
		    "Next Hashed Owner Name is %s, expected %s%s", found, expect,
		    k + 1 == c->nrecs ? " (the last NSEC3 wraps to the first)" : "");
	}
	free(u);
	return ret;
}

static int check_orphans(ctx_t *c)
{
	for (size_t k = 0; k < c->nrecs; k++) {
		if (c->recs[k].matched != UINT32_MAX)
			continue;
		int ret = dv_findings_add(c->out, DV_F_NSEC3_ORPHAN,
		                          DENIAL_AT(c->z, c->recs[k].name, KNOT_RRTYPE_NSEC3),
		                          "no authoritative name, empty non-terminal or delegation "
		                          "of the zone hashes to this owner");
		if (ret != DV_OK)
			return ret;
	}
	return DV_OK;
}

/* The parameters the chain must use: the apex NSEC3PARAM (RFC 5155 §4), or
 * when it is missing, those of the first NSEC3 so the rest can be checked. */
static int find_params(ctx_t *c, bool *usable)
{
	const dv_zone_t *z = c->z;
	const dv_rrset_t *prs = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_NSEC3PARAM);
	*usable = false;
	if (prs != NULL) {
		/* Several NSEC3PARAM: a chain change in progress; the first (in
		 * canonical order) is the one checked. */
		const dv_rr_t *rr = &z->rrs[prs->rr_first];
		if (parse_params(rr->rdata, rr->rdlen, &c->param) != 0) {
			*usable = true;
			return DV_OK;
		}
	}
	for (size_t i = 0; i < z->rrset_count; i++) {
		const dv_rrset_t *rs = &z->rrsets[i];
		if (rs->type != KNOT_RRTYPE_NSEC3)
			continue;
		const dv_rr_t *rr = &z->rrs[rs->rr_first];
		if (parse_params(rr->rdata, rr->rdlen, &c->param) == 0)
			continue;
		*usable = true;
		break;
	}
	return dv_findings_add(c->out, DV_F_NSEC3PARAM_MISSING,
	                       DENIAL_AT(z, 0, KNOT_RRTYPE_NSEC3PARAM),
	                       prs ? "malformed NSEC3PARAM at the apex"
	                           : "NSEC3 records but no NSEC3PARAM at the apex (RFC 5155 §4)");
}

int dv_check_nsec3(const dv_zone_t *z, unsigned threads, dv_findings_t *out)
{
	bool any = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_NSEC3PARAM) != NULL;
	for (size_t i = 0; i < z->rrset_count && !any; i++)
		any = z->rrsets[i].type == KNOT_RRTYPE_NSEC3;
	if (!any || z->name_count == 0)
		return DV_OK;

	ctx_t c = {.z = z, .out = out};
	bool usable;
	int ret;
	dv_dname_to_str(z->names[0].dname, c.apex, sizeof(c.apex));
	if ((ret = find_params(&c, &usable)) != DV_OK || !usable)
		goto done;
	uint16_t ptype = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_NSEC3PARAM) ? KNOT_RRTYPE_NSEC3PARAM
	                                                                  : KNOT_RRTYPE_NSEC3;
	if (c.param.iterations > DV_NSEC3_MAX_ITERATIONS) {
		/* RFC 5155 §10.3 allows no more than 2500 for any key size, and
		 * validators give up far sooner (RFC 9276 §3.2); hashing every name
		 * 65536 times would let a hostile zone stall the check. */
		ret = dv_findings_add(out, DV_F_NSEC3_ITERATIONS, DENIAL_AT(z, 0, ptype),
		                      "%u additional iterations, above the RFC 5155 §10.3 maximum "
		                      "of %u: names were not hashed, the chain was not checked",
		                      c.param.iterations, DV_NSEC3_MAX_ITERATIONS);
		if (ret != DV_OK)
			goto done;
	}
	if (c.param.iterations > 0 && c.param.iterations <= DV_NSEC3_MAX_ITERATIONS) {
		/* RFC 9276 §3.1: iterations MUST be 0. */
		ret = dv_findings_add(out, DV_F_NSEC3_ITERATIONS, DENIAL_AT(z, 0, ptype),
		                      "%u additional iterations (RFC 9276 §3.1: use 0)",
		                      c.param.iterations);
		if (ret != DV_OK)
			goto done;
	}
	if (c.param.iterations > DV_NSEC3_INSECURE_ITERATIONS) {
		/* RFC 9276 §3.2: validators may (and do) treat these as insecure. */
		ret = dv_findings_add(out, DV_F_NSEC3_ITERATIONS_INSECURE, DENIAL_AT(z, 0, ptype),
		                      "%u additional iterations: above %u validators treat the "
		                      "zone's denials as insecure (RFC 9276 §3.2)",
		                      c.param.iterations, DV_NSEC3_INSECURE_ITERATIONS);
		if (ret != DV_OK)
			goto done;
	}
	if (c.param.salt_len > 0) {
		char s[80];
		salt_str(&c.param, s, sizeof(s));
		ret = dv_findings_add(out, DV_F_NSEC3_SALT, DENIAL_AT(z, 0, ptype),
		                      "salt %s (%u octets; RFC 9276 §3.1: use none)", s,
		                      c.param.salt_len);
		if (ret != DV_OK)
			goto done;
	}
	if (c.param.algorithm != 1) {
		/* RFC 5155 §11: SHA-1 is the only hash; nothing else can be checked. */
		ret = dv_findings_add(out, DV_F_NSEC3_BAD_HASH_ALGORITHM, DENIAL_AT(z, 0, ptype),
		                      "hash algorithm %u", c.param.algorithm);
		goto done;
	}

	c.scratch = malloc(DENIAL_BITMAP_MAX);
	ret = DV_ENOMEM;
	if (c.scratch == NULL)
		goto done;
	if ((ret = collect_records(&c)) != DV_OK)
		goto done;
	if (c.nrecs == 0) {
		ret =
		    dv_findings_add(out, DV_F_NSEC3_MISSING, DENIAL_AT(z, 0, KNOT_RRTYPE_NSEC3),
		                    "NSEC3PARAM at the apex but no NSEC3 chain of its parameters");
		goto done;
	}
	if (c.param.iterations > DV_NSEC3_MAX_ITERATIONS)
		goto done; /* reported above; hashing every name that often is not */
	if ((ret = collect_candidates(&c)) != DV_OK)
		goto done;
	if ((ret = hash_names(z, &c.param, c.cand, c.ncand, c.hashes, threads)) != DV_OK)
		goto done;
	classify(&c);
	if ((ret = check_names(&c)) != DV_OK || (ret = check_chain(&c)) != DV_OK ||
	    (ret = check_orphans(&c)) != DV_OK)
		goto done;
	ret = DV_OK;
done:
	free(c.recs);
	free(c.keys);
	free(c.cand);
	free(c.hashes);
	free(c.cls);
	free(c.missing);
	free(c.scratch);
	free(c.types.v);
	return ret;
}
