/*
 * A new version of a zone from an old one and a difference (zone.h).
 *
 * 1. The steps are flattened into one net difference: every operation is
 *    put in canonical order of (owner, type, RDATA) with its place in the
 *    sequence, and each record's operations are played against whether the
 *    base holds it (RFC 1995 §4: a step removes what is there, adds what is
 *    not).
 * 2. The names whose records change, and their ancestors, are looked at:
 *    a name stays when it owns records or has a descendant that does
 *    (empty non-terminals), appears, or goes.
 * 3. The new arrays are the old ones with those names rebuilt: runs of
 *    untouched names are copied as blocks (their indexes shifted), touched
 *    names get their records merged in canonical order (RFC 4034 §6.3).
 * 4. Zone cut flags are computed again for the names touched and, where a
 *    name's cut changed, for its whole subtree (a subtree is contiguous in
 *    canonical order).
 * Record data is never copied: the new version points into the old one's
 * and keeps it alive (dv_zone_data_t).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "core/canon.h"
#include "core/error.h"
#include "core/zone_int.h"

enum { OP_REMOVE = 0, OP_ADD = 1 };

/* One operation of the difference, normalised. */
typedef struct {
	const uint8_t *owner; /* lowercase, in the new data */
	const uint8_t *lf;    /* lookup key, in scratch */
	const uint8_t *rdata; /* canonical, in the new data */
	uint16_t type, rdlen;
	uint32_t ttl;
	uint32_t seq;  /* place in the sequence: orders a record's operations */
	uint32_t step; /* for messages, 1 = the first */
	uint8_t kind;
} op_t;

/* A name whose records change, or that may appear, go or change flags. */
typedef struct {
	const uint8_t *dname; /* lowercase: the base's, or in the new data */
	const uint8_t *lf;
	uint32_t base;       /* index in the base, or DV_ZONE_NONE */
	uint32_t rm0, rm1;   /* its net removals: [rm0, rm1) of the removal list */
	uint32_t add0, add1; /* its net additions: [add0, add1) of the addition list */
	size_t count;        /* records it owns in the new version */
	bool touched;        /* its records change */
	bool present;        /* it is a name of the new version */
} tname_t;

typedef struct {
	const dv_zone_t *base;
	dv_arena_t data;    /* the new version's own record data */
	dv_arena_t scratch; /* keys and lists, freed at the end */
	char *err;
	size_t errlen;
	op_t *ops;
	size_t nops;
	uint32_t *removes; /* base rr indexes, ascending */
	size_t nremoves, capremoves;
	const op_t **adds; /* canonical order */
	size_t nadds, capadds;
	tname_t *tn; /* canonical order */
	size_t ntn, captn;
	uint64_t bytes_removed;
	dv_zone_t *z; /* being built */
	size_t caprrs, caprrsets;
} patch_t;

static int fail(patch_t *p, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(patch_t *p, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return code;
}

static void describe(const uint8_t *owner, uint16_t type, char *buf, size_t len)
{
	char o[1025], t[32];
	dv_dname_to_str(owner, o, sizeof(o));
	dv_type_to_str(type, t, sizeof(t));
	snprintf(buf, len, "%.900s %s", o, t);
}

/* RFC 4034 §6.3 order of RDATA (the store's order within an RRset). */
static int rdata_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);
	if (c != 0)
		return c;
	return la < lb ? -1 : (la > lb ? 1 : 0);
}

static const uint8_t *lf_of(dv_arena_t *a, const uint8_t *dname)
{
	knot_dname_storage_t st;
	const uint8_t *lf = knot_dname_lf(dname, st);
	return lf ? dv_arena_dup(a, lf, (size_t)lf[0] + 1) : NULL;
}

/* ---- 1. the net difference -------------------------------------------------------- */

static int op_add(patch_t *p, const dv_zone_rec_t *r, uint32_t step, uint8_t kind, size_t *cap)
{
	const dv_zone_t *z = p->base;
	char what[1100];
	size_t olen = knot_dname_size(r->owner);
	uint8_t low[KNOT_DNAME_MAXLEN];
	if (olen == 0 || olen > sizeof(low))
		return fail(p, DV_EPARSE, "step %u: malformed owner name", step);
	memcpy(low, r->owner, olen);
	knot_dname_to_lower(low);
	describe(low, r->type, what, sizeof(what));
	if (r->rclass != z->rclass)
		return fail(p, DV_ENOTZONE, "step %u: %s: class %u, the zone's is %u", step, what,
		            r->rclass, z->rclass);
	if (knot_dname_in_bailiwick(low, z->origin) < 0)
		return fail(p, DV_ENOTZONE, "step %u: %s: outside the zone %s", step, what,
		            z->origin_str);
	if (dv_array_grow(&p->ops, cap, p->nops, sizeof(*p->ops), 64) != DV_OK)
		return DV_ENOMEM;
	/* RRSIG RDATA gets a scratch byte in front, as the builder gives it. */
	bool sig = r->type == KNOT_RRTYPE_RRSIG;
	uint8_t *rd = dv_arena_alloc(&p->data, (size_t)r->rdlen + sig + 1);
	uint8_t *owner = dv_arena_dup(&p->data, low, olen);
	if (rd == NULL || owner == NULL)
		return DV_ENOMEM;
	if (sig)
		*rd++ = 0;
	memcpy(rd, r->rdata, r->rdlen);
	if (dv_rdata_canonicalize(r->type, rd, r->rdlen) != DV_OK)
		return fail(p, DV_EPARSE, "step %u: %s: malformed RDATA", step, what);
	op_t *o = &p->ops[p->nops];
	*o = (op_t){.owner = owner,
	            .lf = lf_of(&p->scratch, owner),
	            .rdata = rd,
	            .type = r->type,
	            .rdlen = r->rdlen,
	            .ttl = r->ttl,
	            .seq = (uint32_t)p->nops,
	            .step = step,
	            .kind = kind};
	if (o->lf == NULL)
		return DV_ENOMEM;
	p->nops++;
	return DV_OK;
}

static int op_cmp(const void *a, const void *b)
{
	const op_t *x = a, *y = b;
	int c = zone_lf_cmp(x->lf, y->lf);
	if (c != 0)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	c = rdata_cmp(x->rdata, x->rdlen, y->rdata, y->rdlen);
	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

/* Index of a name in the base by lookup key, or where it would go (*found false). */
static uint32_t base_find(const dv_zone_t *z, const uint8_t *lf, bool *found)
{
	knot_dname_storage_t st;
	size_t lo = 0, hi = z->name_count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = zone_lf_cmp(knot_dname_lf(z->names[mid].dname, st), lf);
		if (c == 0) {
			*found = true;
			return (uint32_t)mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return (uint32_t)lo;
}

/* The base record equal to an operation's (owner, type, RDATA), or DV_ZONE_NONE. */
static uint32_t base_rr_find(const dv_zone_t *z, uint32_t ni, const op_t *o)
{
	const dv_name_t *nm = &z->names[ni];
	uint32_t first, count;
	if (o->type == KNOT_RRTYPE_RRSIG) {
		first = nm->sig_first;
		count = nm->sig_count;
	} else {
		const dv_rrset_t *rs = dv_zone_rrset_find(z, ni, o->type);
		if (rs == NULL)
			return DV_ZONE_NONE;
		first = rs->rr_first;
		count = rs->rr_count;
	}
	size_t lo = first, hi = (size_t)first + count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const dv_rr_t *rr = &z->rrs[mid];
		int c = rdata_cmp(rr->rdata, rr->rdlen, o->rdata, o->rdlen);
		if (c == 0)
			return (uint32_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return DV_ZONE_NONE;
}

static int push_remove(patch_t *p, uint32_t rr)
{
	if (dv_array_grow(&p->removes, &p->capremoves, p->nremoves, sizeof(*p->removes), 64) !=
	    DV_OK)
		return DV_ENOMEM;
	p->removes[p->nremoves++] = rr;
	const dv_rr_t *r = &p->base->rrs[rr];
	p->bytes_removed += r->rdlen;
	return DV_OK;
}

static int push_add(patch_t *p, const op_t *o)
{
	if (dv_array_grow(&p->adds, &p->capadds, p->nadds, sizeof(*p->adds), 64) != DV_OK)
		return DV_ENOMEM;
	p->adds[p->nadds++] = o;
	return DV_OK;
}

/* Play each record's operations against the base (ops in canonical order). */
static int net_difference(patch_t *p)
{
	const dv_zone_t *z = p->base;
	uint32_t name = DV_ZONE_NONE;
	bool have_name = false;
	const uint8_t *name_lf = NULL;
	char what[1100];
	for (size_t i = 0; i < p->nops;) {
		size_t j = i + 1;
		while (j < p->nops && zone_lf_cmp(p->ops[j].lf, p->ops[i].lf) == 0 &&
		       p->ops[j].type == p->ops[i].type &&
		       rdata_cmp(p->ops[j].rdata, p->ops[j].rdlen, p->ops[i].rdata,
		                 p->ops[i].rdlen) == 0)
			j++;
		const op_t *o = &p->ops[i];
		if (name_lf == NULL || zone_lf_cmp(name_lf, o->lf) != 0) {
			name_lf = o->lf;
			name = base_find(z, o->lf, &have_name);
		}
		uint32_t brr = have_name ? base_rr_find(z, name, o) : DV_ZONE_NONE;
		bool present = brr != DV_ZONE_NONE;
		const op_t *last_add = NULL;
		for (size_t k = i; k < j; k++) {
			const op_t *x = &p->ops[k];
			if (x->kind == OP_REMOVE && !present) {
				describe(x->owner, x->type, what, sizeof(what));
				return fail(
				    p, DV_ENOTZONE,
				    "step %u removes %s, which is not in the zone (the copies "
				    "differ)",
				    x->step, what);
			}
			if (x->kind == OP_ADD && present) {
				describe(x->owner, x->type, what, sizeof(what));
				return fail(p, DV_ENOTZONE,
				            "step %u adds %s, which is already in the zone",
				            x->step, what);
			}
			present = x->kind == OP_ADD;
			if (present)
				last_add = x;
		}
		int ret = DV_OK;
		if (brr != DV_ZONE_NONE && (!present || z->rrs[brr].ttl != last_add->ttl))
			ret = push_remove(p, brr);
		if (ret == DV_OK && present &&
		    (brr == DV_ZONE_NONE || z->rrs[brr].ttl != last_add->ttl))
			ret = push_add(p, last_add);
		if (ret != DV_OK)
			return ret;
		i = j;
	}
	return DV_OK;
}

/* ---- 2. names that change --------------------------------------------------------- */

static tname_t *tn_push(patch_t *p, const uint8_t *dname, const uint8_t *lf)
{
	if (dv_array_grow(&p->tn, &p->captn, p->ntn, sizeof(*p->tn), 64) != DV_OK)
		return NULL;
	tname_t *t = &p->tn[p->ntn++];
	*t = (tname_t){.dname = dname, .lf = lf, .base = DV_ZONE_NONE};
	return t;
}

static int tn_cmp(const void *a, const void *b)
{
	return zone_lf_cmp(((const tname_t *)a)->lf, ((const tname_t *)b)->lf);
}

/* Records a base name owns. */
static size_t base_count(const dv_zone_t *z, uint32_t ni)
{
	const dv_name_t *nm = &z->names[ni];
	size_t n = nm->sig_count;
	for (uint32_t k = 0; k < nm->rrset_count; k++)
		n += z->rrsets[nm->rrset_first + k].rr_count;
	return n;
}

/* The touched names (owners of the net difference) with their ranges of
 * removals and additions, then every ancestor below the apex of each. */
static int collect_names(patch_t *p)
{
	const dv_zone_t *z = p->base;
	size_t ri = 0, ai = 0;
	while (ri < p->nremoves || ai < p->nadds) {
		const uint8_t *rlf = NULL, *rdn = NULL;
		knot_dname_storage_t st;
		if (ri < p->nremoves) {
			rdn = z->names[z->rrs[p->removes[ri]].name].dname;
			rlf = knot_dname_lf(rdn, st);
		}
		const op_t *a = ai < p->nadds ? p->adds[ai] : NULL;
		int c = rlf == NULL ? 1 : (a == NULL ? -1 : zone_lf_cmp(rlf, a->lf));
		const uint8_t *dn = c <= 0 ? rdn : a->owner;
		const uint8_t *lf = c <= 0 ? lf_of(&p->scratch, rdn) : a->lf;
		tname_t *t = lf ? tn_push(p, dn, lf) : NULL;
		if (t == NULL)
			return DV_ENOMEM;
		t->touched = true;
		t->rm0 = t->rm1 = (uint32_t)ri;
		t->add0 = t->add1 = (uint32_t)ai;
		if (c <= 0) {
			uint32_t ni = z->rrs[p->removes[ri]].name;
			t->base = ni;
			while (ri < p->nremoves && z->rrs[p->removes[ri]].name == ni)
				ri++;
			t->rm1 = (uint32_t)ri;
		}
		while (ai < p->nadds && zone_lf_cmp(p->adds[ai]->lf, t->lf) == 0)
			ai++;
		t->add1 = (uint32_t)ai;
		if (t->base == DV_ZONE_NONE) {
			bool found;
			uint32_t b = base_find(z, t->lf, &found);
			if (found)
				t->base = b;
		}
		t->count = (t->base != DV_ZONE_NONE ? base_count(z, t->base) : 0) -
		           (t->rm1 - t->rm0) + (t->add1 - t->add0);
	}
	/* Ancestors, strictly between each touched name and the apex. */
	size_t nt = p->ntn;
	unsigned apex_labels = (unsigned)knot_dname_labels(z->origin, NULL);
	for (size_t i = 0; i < nt; i++) {
		const uint8_t *d = p->tn[i].dname;
		unsigned labels = (unsigned)knot_dname_labels(d, NULL);
		for (unsigned l = labels; l > apex_labels + 1; l--) {
			d += 1 + d[0];
			const uint8_t *lf = lf_of(&p->scratch, d);
			if (lf == NULL || tn_push(p, d, lf) == NULL)
				return DV_ENOMEM;
		}
	}
	if (p->ntn > 1)
		qsort(p->tn, p->ntn, sizeof(*p->tn), tn_cmp);
	/* One entry per name: a touched one wins over the ancestor entries. */
	size_t o = 0;
	for (size_t i = 0; i < p->ntn; i++) {
		if (o > 0 && zone_lf_cmp(p->tn[o - 1].lf, p->tn[i].lf) == 0) {
			if (p->tn[i].touched)
				p->tn[o - 1] = p->tn[i];
			continue;
		}
		p->tn[o++] = p->tn[i];
	}
	p->ntn = o;
	for (size_t i = 0; i < p->ntn; i++) {
		tname_t *t = &p->tn[i];
		if (t->touched)
			continue;
		bool found;
		uint32_t b = base_find(z, t->lf, &found);
		t->base = found ? b : DV_ZONE_NONE;
		t->count = found ? base_count(z, b) : 0;
	}
	return DV_OK;
}

static bool lf_below(const uint8_t *lf, const uint8_t *anc)
{
	/* A descendant's key is its ancestor's (each label ends with a zero
	 * octet, knot_dname_lf), then more. */
	return lf[0] > anc[0] && memcmp(lf + 1, anc + 1, anc[0]) == 0;
}

static bool is_touched(const patch_t *p, const uint8_t *lf)
{
	size_t lo = 0, hi = p->ntn;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = zone_lf_cmp(p->tn[mid].lf, lf);
		if (c == 0)
			return p->tn[mid].touched;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Whether a name has a descendant that owns records in the new version. */
static bool live_descendant(const patch_t *p, size_t ti)
{
	const tname_t *t = &p->tn[ti];
	for (size_t k = ti + 1; k < p->ntn && lf_below(p->tn[k].lf, t->lf); k++)
		if (p->tn[k].touched && p->tn[k].count > 0)
			return true;
	const dv_zone_t *z = p->base;
	bool found;
	uint32_t b = base_find(z, t->lf, &found);
	knot_dname_storage_t st;
	for (size_t k = found ? b + 1 : b; k < z->name_count; k++) {
		const uint8_t *lf = knot_dname_lf(z->names[k].dname, st);
		if (!lf_below(lf, t->lf))
			break;
		const dv_name_t *nm = &z->names[k];
		if ((nm->rrset_count > 0 || nm->sig_count > 0) && !is_touched(p, lf))
			return true;
	}
	return false;
}

/* ---- 3. the new arrays -------------------------------------------------------------- */

/* Room for `more` elements of `size` bytes after `len` in *v (capacity
 * *cap), doubling what is needed so that a patch's appends stay linear. */
static int grow(void **v, size_t *cap, size_t len, size_t more, size_t size)
{
	if (len + more <= *cap)
		return DV_OK;
	size_t nc = (len + more) * 2;
	void *nv = realloc(*v, nc * size);
	if (nv == NULL)
		return DV_ENOMEM;
	*v = nv;
	*cap = nc;
	return DV_OK;
}

static int grow_rrs(patch_t *p, size_t more)
{
	return grow((void **)&p->z->rrs, &p->caprrs, p->z->rr_count, more, sizeof(dv_rr_t));
}

static int grow_rrsets(patch_t *p, size_t more)
{
	return grow((void **)&p->z->rrsets, &p->caprrsets, p->z->rrset_count, more,
	            sizeof(dv_rrset_t));
}

/* First index of n elements of `size` bytes, sorted by the name index at
 * offset `off` (dv_rr_t.name, dv_rrset_t.name), whose name is >= ni. */
static size_t name_lower(const void *v, size_t n, size_t size, size_t off, uint32_t ni)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t name;
		memcpy(&name, (const char *)v + mid * size + off, sizeof(name));
		if (name < ni)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t rr_lower(const dv_rr_t *v, size_t n, uint32_t ni)
{
	return name_lower(v, n, sizeof(*v), offsetof(dv_rr_t, name), ni);
}

static size_t rrset_lower(const dv_rrset_t *v, size_t n, uint32_t ni)
{
	return name_lower(v, n, sizeof(*v), offsetof(dv_rrset_t, name), ni);
}

/* Copy base names [b0, b1), untouched, with their records and RRsets. */
static int copy_block(patch_t *p, uint32_t b0, uint32_t b1)
{
	if (b0 >= b1)
		return DV_OK;
	const dv_zone_t *bz = p->base;
	dv_zone_t *z = p->z;
	size_t rr0 = rr_lower(bz->rrs, bz->rr_count, b0), rr1 = rr_lower(bz->rrs, bz->rr_count, b1);
	size_t rs0 = rrset_lower(bz->rrsets, bz->rrset_count, b0),
	       rs1 = rrset_lower(bz->rrsets, bz->rrset_count, b1);
	if (grow_rrs(p, rr1 - rr0) != DV_OK || grow_rrsets(p, rs1 - rs0) != DV_OK)
		return DV_ENOMEM;
	uint32_t dn = (uint32_t)z->name_count - b0;
	uint32_t drr = (uint32_t)(z->rr_count - rr0), drs = (uint32_t)(z->rrset_count - rs0);
	dv_name_t *nn = z->names + z->name_count;
	memcpy(nn, bz->names + b0, (b1 - b0) * sizeof(*nn));
	/* A first index of nothing stays 0, as index.c leaves it. */
	for (uint32_t i = 0; i < b1 - b0; i++) {
		if (nn[i].rrset_count > 0)
			nn[i].rrset_first += drs;
		if (nn[i].sig_count > 0)
			nn[i].sig_first += drr;
	}
	dv_rr_t *nr = z->rrs + z->rr_count;
	memcpy(nr, bz->rrs + rr0, (rr1 - rr0) * sizeof(*nr));
	for (size_t i = 0; i < rr1 - rr0; i++)
		nr[i].name += dn;
	dv_rrset_t *ns = z->rrsets + z->rrset_count;
	memcpy(ns, bz->rrsets + rs0, (rs1 - rs0) * sizeof(*ns));
	for (size_t i = 0; i < rs1 - rs0; i++) {
		ns[i].name += dn;
		ns[i].rr_first += drr;
		ns[i].sig_first += drr;
	}
	z->name_count += b1 - b0;
	z->rr_count += rr1 - rr0;
	z->rrset_count += rs1 - rs0;
	return DV_OK;
}

/* The RRsets of the last name's records (rrs from `first` on), and its
 * RRSIGs attached to the RRsets they cover (as index.c builds them). */
static int index_name(patch_t *p, dv_name_t *nm, uint32_t ni, size_t first)
{
	dv_zone_t *z = p->z;
	if (grow_rrsets(p, z->rr_count - first) != DV_OK)
		return DV_ENOMEM;
	nm->rrset_first = (uint32_t)z->rrset_count;
	nm->rrset_count = 0;
	nm->sig_first = 0;
	nm->sig_count = 0;
	for (size_t i = first; i < z->rr_count;) {
		size_t j = i;
		while (j < z->rr_count && z->rrs[j].type == z->rrs[i].type)
			j++;
		if (z->rrs[i].type == KNOT_RRTYPE_RRSIG) {
			nm->sig_first = (uint32_t)i;
			nm->sig_count = (uint32_t)(j - i);
		} else {
			dv_rrset_t *rs = &z->rrsets[z->rrset_count++];
			*rs = zone_rrset_of_run(z->rrs, (uint32_t)i, (uint32_t)(j - i), ni);
			nm->rrset_count++;
		}
		i = j;
	}
	size_t s = nm->sig_first, se = s + nm->sig_count;
	for (uint32_t k = 0; k < nm->rrset_count; k++) {
		dv_rrset_t *rs = &z->rrsets[nm->rrset_first + k];
		while (s < se && (z->rrs[s].rdlen < 2 ||
		                  ((z->rrs[s].rdata[0] << 8) | z->rrs[s].rdata[1]) < rs->type))
			s++;
		size_t e = s;
		while (e < se && z->rrs[e].rdlen >= 2 &&
		       ((z->rrs[e].rdata[0] << 8) | z->rrs[e].rdata[1]) == rs->type)
			e++;
		rs->sig_first = (uint32_t)s;
		rs->sig_count = (uint32_t)(e - s);
		s = e;
	}
	return DV_OK;
}

/* A touched name (or one that appears) with its records: the base's not
 * removed, merged with the additions in canonical order (RFC 4034 §6.3). */
static int build_name(patch_t *p, const tname_t *t)
{
	const dv_zone_t *bz = p->base;
	dv_zone_t *z = p->z;
	uint32_t ni = (uint32_t)z->name_count;
	dv_name_t *nm = &z->names[ni];
	*nm = (dv_name_t){.dname = t->dname, .labels = (uint8_t)knot_dname_labels(t->dname, NULL)};
	if (t->base != DV_ZONE_NONE)
		nm->flags = bz->names[t->base].flags;
	size_t first = z->rr_count;
	if (grow_rrs(p, t->count) != DV_OK)
		return DV_ENOMEM;
	size_t b0 = 0, b1 = 0;
	if (t->base != DV_ZONE_NONE) {
		b0 = rr_lower(bz->rrs, bz->rr_count, t->base);
		b1 = rr_lower(bz->rrs, bz->rr_count, t->base + 1);
	}
	uint32_t rm = t->rm0, ai = t->add0;
	for (size_t b = b0; b < b1 || ai < t->add1;) {
		if (b < b1 && rm < t->rm1 && p->removes[rm] == b) {
			rm++;
			b++;
			continue;
		}
		const op_t *a = ai < t->add1 ? p->adds[ai] : NULL;
		const dv_rr_t *r = b < b1 ? &bz->rrs[b] : NULL;
		int c = r == NULL            ? 1
		        : a == NULL          ? -1
		        : r->type != a->type ? (r->type < a->type ? -1 : 1)
		                             : rdata_cmp(r->rdata, r->rdlen, a->rdata, a->rdlen);
		dv_rr_t *o = &z->rrs[z->rr_count++];
		if (c <= 0) {
			*o = *r;
			o->name = ni;
			b++;
		} else {
			*o = (dv_rr_t){.name = ni,
			               .type = a->type,
			               .rdlen = a->rdlen,
			               .ttl = a->ttl,
			               .rdata = a->rdata};
			ai++;
		}
	}
	z->name_count++;
	return index_name(p, nm, ni, first);
}

/* ---- 4. flags ----------------------------------------------------------------------- */

/* What a name passes to the names below it (index.c, step 6). */
static uint16_t below_flags(const dv_zone_t *z, uint32_t ni)
{
	const dv_name_t *nm = &z->names[ni];
	/* The apex is neither NONAUTH nor DELEG: only its DNAME counts. */
	if (nm->flags & DV_NAME_NONAUTH)
		return DV_NAME_NONAUTH | (nm->flags & DV_NAME_DNAME_BELOW);
	if (nm->flags & DV_NAME_DELEG)
		return DV_NAME_NONAUTH;
	if (dv_zone_rrset_find(z, ni, KNOT_RRTYPE_DNAME) != NULL)
		return DV_NAME_NONAUTH | DV_NAME_DNAME_BELOW; /* RFC 6672 §2.3, §2.4 */
	return 0;
}

#define CUT_FLAGS (DV_NAME_DELEG | DV_NAME_NONAUTH | DV_NAME_DNAME_BELOW)

/* A name's flags from its parent's (ni > 0). */
static void set_flags(dv_zone_t *z, uint32_t ni, uint32_t parent)
{
	dv_name_t *nm = &z->names[ni];
	uint16_t f = nm->flags & (uint16_t) ~(CUT_FLAGS | DV_NAME_ENT | DV_NAME_APEX);
	/* The apex passes on a DNAME only: its NS is no cut (below_flags). */
	uint16_t from = below_flags(z, parent);
	f |= from;
	if (from == 0 && dv_zone_rrset_find(z, ni, KNOT_RRTYPE_NS) != NULL)
		f |= DV_NAME_DELEG;
	if (nm->rrset_count == 0 && nm->sig_count == 0)
		f |= DV_NAME_ENT;
	if (knot_dname_is_wildcard(nm->dname))
		f |= DV_NAME_WILDCARD;
	nm->flags = f;
}

static uint32_t parent_of(const dv_zone_t *z, uint32_t ni)
{
	const uint8_t *d = z->names[ni].dname;
	long pi = dv_zone_name_find(z, d + 1 + d[0]);
	return pi < 0 ? 0 : (uint32_t)pi;
}

static int delta_push(dv_zone_delta_t *d, const uint8_t *dname, uint32_t oi, uint32_t ni,
                      bool records)
{
	if (d == NULL)
		return DV_OK;
	if (dv_array_grow(&d->v, &d->cap, d->n, sizeof(*d->v), 64) != DV_OK)
		return DV_ENOMEM;
	d->v[d->n++] = (dv_zone_changed_t){dname, oi, ni, records};
	return DV_OK;
}

static int changed_cmp(const void *a, const void *b)
{
	const dv_zone_changed_t *x = a, *y = b;
	return dv_dname_cmp(x->dname, y->dname);
}

static bool in_tn(const patch_t *p, const uint8_t *lf)
{
	size_t lo = 0, hi = p->ntn;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = zone_lf_cmp(p->tn[mid].lf, lf);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

#define SAME_FLAGS(a, b) ((((a) ^ (b)) & (uint16_t)~DV_NAME_SPLIT) == 0)

/* Flags of the names of tn[], and of every name below one whose cut
 * changed; the delta gets each name whose records or flags changed.
 * `newidx[i]` is the new index of tn[i] (DV_ZONE_NONE: gone). */
static int recompute_flags(patch_t *p, const uint32_t *newidx, dv_zone_delta_t *delta)
{
	dv_zone_t *z = p->z;
	const dv_zone_t *bz = p->base;
	uint32_t stack[DV_DNAME_MAXLEN / 2 + 2];
	uint32_t done_below = 0; /* names before this index were set by a subtree pass */
	for (size_t i = 0; i < p->ntn; i++) {
		const tname_t *t = &p->tn[i];
		uint32_t ni = newidx[i];
		if (ni == DV_ZONE_NONE) {
			if (delta_push(delta, bz->names[t->base].dname, t->base, DV_ZONE_NONE,
			               t->touched) != DV_OK)
				return DV_ENOMEM;
			continue;
		}
		bool walked = ni < done_below;
		if (!walked && ni == 0)
			z->names[0].flags =
			    (z->names[0].flags & (uint16_t) ~(CUT_FLAGS | DV_NAME_ENT)) |
			    DV_NAME_APEX;
		else if (!walked)
			set_flags(z, ni, parent_of(z, ni));
		bool is_new = t->base == DV_ZONE_NONE;
		uint16_t before = is_new ? 0 : bz->names[t->base].flags;
		bool records = t->touched || is_new;
		if ((records || !SAME_FLAGS(before, z->names[ni].flags)) &&
		    delta_push(delta, z->names[ni].dname, t->base, ni, records) != DV_OK)
			return DV_ENOMEM;
		if (walked)
			continue;
		uint16_t old_below = is_new ? 0xffff : below_flags(bz, t->base);
		if (old_below == below_flags(z, ni))
			continue;
		/* The cut below it moved: every name of its subtree again (names
		 * of tn[] among them get their own entry above). */
		size_t depth = 0;
		stack[depth++] = ni;
		uint32_t j = ni + 1;
		for (; j < z->name_count; j++) {
			const uint8_t *d = z->names[j].dname;
			while (depth > 0 &&
			       knot_dname_in_bailiwick(d, z->names[stack[depth - 1]].dname) <= 0)
				depth--;
			if (depth == 0)
				break;
			dv_name_t *nm = &z->names[j];
			uint16_t was = nm->flags;
			set_flags(z, j, stack[depth - 1]);
			if (depth < sizeof(stack) / sizeof(stack[0]))
				stack[depth++] = j;
			knot_dname_storage_t st;
			if (!SAME_FLAGS(was, nm->flags) && !in_tn(p, knot_dname_lf(d, st))) {
				long oi = dv_zone_name_find(bz, d);
				if (delta_push(delta, d, oi < 0 ? DV_ZONE_NONE : (uint32_t)oi, j,
				               false) != DV_OK)
					return DV_ENOMEM;
			}
		}
		done_below = j;
	}
	if (delta != NULL && delta->n > 1)
		qsort(delta->v, delta->n, sizeof(*delta->v), changed_cmp);
	return DV_OK;
}

/* One SOA, at the apex (as zone_check_soa, but only where the difference
 * can have put or taken one: the base had exactly one, at the apex). */
static int check_soa(patch_t *p)
{
	const dv_zone_t *z = p->z;
	for (size_t i = 0; i < p->nadds; i++) {
		const op_t *a = p->adds[i];
		if (a->type == KNOT_RRTYPE_SOA && !knot_dname_is_equal(a->owner, z->origin))
			return fail(p, DV_ENOTZONE, "step %u: SOA record not at the zone apex %s",
			            a->step, z->origin_str);
	}
	const dv_rrset_t *soa =
	    z->name_count > 0 ? dv_zone_rrset_find(z, 0, KNOT_RRTYPE_SOA) : NULL;
	if (soa == NULL || !knot_dname_is_equal(z->names[0].dname, z->origin))
		return fail(p, DV_ENOTZONE, "no SOA record at the zone apex %s", z->origin_str);
	if (soa->rr_count > 1)
		return fail(p, DV_ENOTZONE, "more than one SOA record at the zone apex %s",
		            z->origin_str);
	return DV_OK;
}

/* ---- the whole ----------------------------------------------------------------------- */

static void count_rrsets(const patch_t *p, dv_zone_delta_t *d)
{
	const dv_zone_t *bz = p->base, *z = p->z;
	for (size_t i = 0; i < d->n; i++) {
		const dv_zone_changed_t *c = &d->v[i];
		if (!c->records)
			continue;
		/* Types (RRSIGs by the type they cover) before and after. */
		uint16_t tb[512], ta[512];
		size_t nb = 0, na = 0;
		const dv_zone_t *zs[2] = {bz, z};
		uint32_t idx[2] = {c->old_index, c->new_index};
		uint16_t *lists[2] = {tb, ta};
		size_t *ns[2] = {&nb, &na};
		for (int v = 0; v < 2; v++) {
			if (idx[v] == DV_ZONE_NONE)
				continue;
			const dv_name_t *nm = &zs[v]->names[idx[v]];
			for (uint32_t k = 0; k < nm->rrset_count && *ns[v] < 512; k++)
				lists[v][(*ns[v])++] = zs[v]->rrsets[nm->rrset_first + k].type;
		}
		/* A type in both lists changed when the difference has records of it. */
		size_t x = 0, y = 0;
		while (x < nb || y < na) {
			if (y >= na || (x < nb && tb[x] < ta[y])) {
				d->rrsets_removed++;
				x++;
			} else if (x >= nb || ta[y] < tb[x]) {
				d->rrsets_added++;
				y++;
			} else {
				const dv_rrset_t *a = dv_zone_rrset_find(bz, c->old_index, tb[x]);
				const dv_rrset_t *b = dv_zone_rrset_find(z, c->new_index, ta[y]);
				bool same =
				    a->rr_count == b->rr_count && a->sig_count == b->sig_count;
				for (uint32_t k = 0; same && k < a->rr_count; k++)
					same = bz->rrs[a->rr_first + k].rdata ==
					           z->rrs[b->rr_first + k].rdata &&
					       bz->rrs[a->rr_first + k].ttl ==
					           z->rrs[b->rr_first + k].ttl;
				for (uint32_t k = 0; same && k < a->sig_count; k++)
					same = bz->rrs[a->sig_first + k].rdata ==
					           z->rrs[b->sig_first + k].rdata &&
					       bz->rrs[a->sig_first + k].ttl ==
					           z->rrs[b->sig_first + k].ttl;
				d->rrsets_changed += !same;
				x++;
				y++;
			}
		}
	}
}

void dv_zone_delta_clear(dv_zone_delta_t *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int dv_zone_patch(const dv_zone_t *base, const dv_zone_step_t *steps, size_t nsteps,
                  size_t max_records, dv_zone_t **out, dv_zone_delta_t *delta, char *err,
                  size_t errlen)
{
	char dummy[8];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	*out = NULL;
	if (delta != NULL)
		memset(delta, 0, sizeof(*delta));
	if (base == NULL || base->data == NULL || (nsteps > 0 && steps == NULL))
		return DV_EINVAL;
	if (max_records == 0 || max_records > DV_ZONE_MAX_RRS_CEILING)
		max_records = max_records == 0 ? DV_ZONE_MAX_RRS : DV_ZONE_MAX_RRS_CEILING;
	patch_t p = {.base = base, .err = err, .errlen = errlen};
	dv_arena_init(&p.data, 64 * 1024);
	dv_arena_init(&p.scratch, 64 * 1024);
	uint32_t *newidx = NULL;
	int ret = DV_OK;
	size_t capops = 0;
	for (size_t s = 0; s < nsteps && ret == DV_OK; s++) {
		for (size_t i = 0; i < steps[s].nremoved && ret == DV_OK; i++)
			ret = op_add(&p, &steps[s].removed[i], (uint32_t)s + 1, OP_REMOVE, &capops);
		for (size_t i = 0; i < steps[s].nadded && ret == DV_OK; i++)
			ret = op_add(&p, &steps[s].added[i], (uint32_t)s + 1, OP_ADD, &capops);
	}
	if (ret != DV_OK)
		goto fail;
	if (p.nops > 1)
		qsort(p.ops, p.nops, sizeof(*p.ops), op_cmp);
	if ((ret = net_difference(&p)) != DV_OK || (ret = collect_names(&p)) != DV_OK)
		goto fail;
	if (base->rr_count - p.nremoves + p.nadds > max_records) {
		ret = fail(&p, DV_ELIMIT, "more than %zu records", max_records);
		goto fail;
	}
	for (size_t i = 0; i < p.ntn; i++) {
		tname_t *t = &p.tn[i];
		t->present = t->count > 0 || live_descendant(&p, i);
	}

	/* The new version: blocks of untouched names, and the names of tn[].
	 * Its arrays are not on huge pages (MADV_HUGEPAGE): asking makes the
	 * kernel compact memory on the spot when none is free (defrag=madvise),
	 * which turned a 50-190 ms patch of the 1M-delegation zone into
	 * 0.6-2.6 s on this machine.  With 4 KiB pages, faulting fresh memory in
	 * was most of a patch's time (bench/replica-bench.sh -p B), so the arrays
	 * of the version this one replaces are reused (dv_mem_spare_take). */
	dv_zone_t *z = p.z = calloc(1, sizeof(*z));
	newidx = malloc((p.ntn ? p.ntn : 1) * sizeof(*newidx));
	size_t nnames = base->name_count + p.ntn;
	if (z == NULL || newidx == NULL ||
	    (z->names = dv_mem_spare_take(nnames * sizeof(*z->names))) == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	memcpy(z->origin, base->origin, sizeof(z->origin));
	memcpy(z->origin_str, base->origin_str, sizeof(z->origin_str));
	memcpy(z->file, base->file, sizeof(z->file));
	z->rclass = base->rclass;
	z->parts = 1;
	dv_arena_init(&z->arena, 0);
	p.caprrs = base->rr_count - p.nremoves + p.nadds + 1;
	p.caprrsets = base->rrset_count + p.nadds + 1;
	if ((z->rrs = dv_mem_spare_take(p.caprrs * sizeof(*z->rrs))) == NULL ||
	    (z->rrsets = dv_mem_spare_take(p.caprrsets * sizeof(*z->rrsets))) == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	uint32_t bi = 0;
	for (size_t i = 0; i < p.ntn; i++) {
		const tname_t *t = &p.tn[i];
		uint32_t upto = t->base;
		if (upto == DV_ZONE_NONE) {
			bool found;
			upto = base_find(base, t->lf, &found);
		}
		if ((ret = copy_block(&p, bi, upto)) != DV_OK)
			goto fail;
		bi = upto;
		newidx[i] = DV_ZONE_NONE;
		if (t->present) {
			newidx[i] = (uint32_t)z->name_count;
			if (t->touched || t->base == DV_ZONE_NONE)
				ret = build_name(&p, t);
			else
				ret = copy_block(&p, t->base, t->base + 1);
			if (ret != DV_OK)
				goto fail;
		}
		if (t->base != DV_ZONE_NONE)
			bi = t->base + 1;
	}
	if ((ret = copy_block(&p, bi, (uint32_t)base->name_count)) != DV_OK)
		goto fail;
	if ((ret = recompute_flags(&p, newidx, delta)) != DV_OK)
		goto fail;
	if ((ret = check_soa(&p)) != DV_OK)
		goto fail;
	if ((z->data = zone_data_new(&p.data, base->data)) == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	z->data->unused += p.bytes_removed;
	if (delta != NULL) {
		delta->rrs_removed = p.nremoves;
		delta->rrs_added = p.nadds;
		delta->bytes_removed = p.bytes_removed;
		count_rrsets(&p, delta);
	}
	*out = z;
	p.z = NULL;
fail:
	if (ret != DV_OK && delta != NULL)
		dv_zone_delta_clear(delta);
	if (p.z != NULL)
		dv_zone_free(p.z);
	free(newidx);
	free(p.ops);
	free(p.removes);
	free(p.adds);
	free(p.tn);
	dv_arena_clear(&p.data);
	dv_arena_clear(&p.scratch);
	return ret;
}
