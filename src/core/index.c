/*
 * Ordering and indexing a built zone: canonical order of names (RFC 4034
 * §6.1) and records (§6.3), empty non-terminals, RRsets and their RRSIGs,
 * zone cuts, and the SOA check.  See zone.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "core/error.h"
#include "core/zone_int.h"

#define ZONE_SLACK(n) ((n) + (n) / 64 + 64)

int zone_lf_cmp(const uint8_t *a, const uint8_t *b)
{
	size_t la = a[0], lb = b[0];
	int c = memcmp(a + 1, b + 1, la < lb ? la : lb);
	if (c != 0)
		return c;
	return la < lb ? -1 : (la > lb ? 1 : 0);
}

static int owner_ptr_cmp(const void *pa, const void *pb)
{
	const owner_t *a = *(owner_t *const *)pa, *b = *(owner_t *const *)pb;
	return zone_lf_cmp(a->lf, b->lf);
}

/* RFC 4034 §6.3: RRs of an RRset in order of their canonical RDATA as
 * left-justified octet strings. */
static int rdata_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);
	if (c != 0)
		return c;
	return la < lb ? -1 : (la > lb ? 1 : 0);
}

static int rec_cmp(const void *pa, const void *pb)
{
	const rec_t *a = pa, *b = pb;
	if (a->owner->ord != b->owner->ord)
		return a->owner->ord < b->owner->ord ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return rdata_cmp(a->rdata, a->rdlen, b->rdata, b->rdlen);
}

/* Insert every missing ancestor between an owner and the apex as an empty
 * non-terminal (needed by NSEC3, RFC 5155 §7.1, and by wildcard logic).
 *
 * One pass in canonical order with a stack of the current name's ancestors
 * that exist: a name's subtree follows it directly (RFC 4034 §6.1), so the
 * deepest existing ancestor of a name is on the stack when the name comes,
 * and the ancestors below it are missing.  They sort after every name before
 * (none is in their subtree, or they would have been made already) and
 * before the name, so they go out just ahead of it. */
static int add_empty_nonterminals(dv_zone_builder_t *b, owner_t ***uniq, size_t *nuniq)
{
	owner_t **u = *uniq;
	size_t n = *nuniq, nout = 0, cap = n + n / 4 + 16;
	owner_t **out = malloc(cap * sizeof(*out));
	const owner_t *stack[DV_DNAME_MAXLEN / 2 + 2];
	size_t depth = 0, apex_labels = knot_dname_labels(b->zone->origin, NULL);
	if (out == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = u[i]->dname;
		while (depth > 0 && knot_dname_in_bailiwick(d, stack[depth - 1]->dname) <= 0)
			depth--;
		size_t labels = knot_dname_labels(d, NULL);
		size_t have =
		    depth > 0 ? knot_dname_labels(stack[depth - 1]->dname, NULL) : apex_labels;
		/* Missing ancestors, from the shallowest (with `l` labels each),
		 * then the name itself. */
		for (size_t l = have + 1 <= labels ? have + 1 : labels; l <= labels; l++) {
			owner_t *o = u[i];
			if (l < labels) {
				const uint8_t *a = d;
				for (size_t k = labels; k > l; k--)
					a += 1 + a[0];
				if ((o = zone_owner_new(b, a, knot_dname_size(a), 0)) == NULL)
					goto nomem;
				o->ord = UINT32_MAX; /* marks an ENT */
			}
			if (dv_array_grow(&out, &cap, nout, sizeof(*out), 16) != DV_OK)
				goto nomem;
			out[nout++] = o;
			if (depth < sizeof(stack) / sizeof(stack[0]))
				stack[depth++] = o;
		}
	}
	free(u);
	*uniq = out;
	*nuniq = nout;
	return DV_OK;
nomem:
	free(out);
	return DV_ENOMEM;
}

/* Records in order of their owner's ordinal, in place: an in-place bucket
 * permutation (American flag sort).  next[b] and end[b] bound bucket b.
 * A record that must travel far costs a cache miss. */
static void permute_by_name(dv_zone_builder_t *zb, size_t nnames, uint32_t *next,
                            const uint32_t *end)
{
	rec_t *r = zb->recs;
	for (size_t b = 0; b < nnames; b++) {
		while (next[b] < end[b]) {
			uint32_t t = r[next[b]].owner->ord;
			if (t == b) {
				next[b]++;
				continue;
			}
			rec_t tmp = r[next[t]];
			r[next[t]++] = r[next[b]];
			r[next[b]] = tmp;
		}
	}
}

/* The same order into a new array, reading the old one front to back and
 * giving its pages back as it goes: when records are near their place (a
 * signer writes glue before the delegation, the NSEC3 chain at the end),
 * the writes are near each other too, and memory grows only by how far
 * ahead of the reading the writing runs. */
static int scatter_by_name(dv_zone_builder_t *b, uint32_t *next)
{
	rec_t *r = b->recs;
	size_t n = b->nrecs;
	rec_t *out = malloc((n ? n : 1) * sizeof(*out));
	if (out == NULL)
		return DV_ENOMEM;
	const size_t step = ((size_t)4 << 20) / sizeof(rec_t);
	for (size_t i = 0; i < n; i += step) {
		size_t e = n - i < step ? n : i + step;
		for (size_t k = i; k < e; k++)
			out[next[r[k].owner->ord]++] = r[k];
		dv_mem_release(r + i, r + e);
	}
	free(r);
	b->recs = out;
	b->caprecs = n;
	return DV_OK;
}

/* Order records canonically: by owner (its ordinal), then each name's few
 * records by type and RDATA.  glibc's qsort would allocate a copy of the
 * whole array, the largest allocation of a load. */
static int sort_records(dv_zone_builder_t *zb, size_t nnames)
{
	rec_t *r = zb->recs;
	size_t n = zb->nrecs;
	uint32_t *next = calloc(nnames + 1, sizeof(*next));
	uint32_t *end = calloc(nnames + 1, sizeof(*end));
	int ret = DV_ENOMEM;
	if (next == NULL || end == NULL)
		goto out;
	/* next[b]: where the records of name b start. */
	for (size_t i = 0; i < n; i++)
		next[r[i].owner->ord + 1]++;
	for (size_t b = 1; b <= nnames; b++)
		next[b] += next[b - 1];
	/* How far ahead of its place in the input a record lands (the extra
	 * memory a copy would take), by a dry run with end[] as the cursors;
	 * it leaves end[b] where the records of name b end. */
	memcpy(end, next, nnames * sizeof(*end));
	size_t ahead = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t t = end[r[i].owner->ord]++;
		if (t > i && t - i > ahead)
			ahead = t - i;
	}
	size_t ahead_max = zb->opts.sort_ahead_max;
	if (ahead_max == 0)
		ahead_max = n / 16 > ((size_t)1 << 20) ? n / 16 : ((size_t)1 << 20);
	if (ahead <= ahead_max) {
		if ((ret = scatter_by_name(zb, next)) != DV_OK)
			goto out;
	} else {
		permute_by_name(zb, nnames, next, end);
	}
	r = zb->recs;
	for (size_t start = 0; start < n;) {
		size_t e = start + 1;
		while (e < n && r[e].owner->ord == r[start].owner->ord)
			e++;
		if (e - start > 16) {
			qsort(r + start, e - start, sizeof(*r), rec_cmp);
		} else {
			for (size_t i = start + 1; i < e; i++) {
				rec_t x = r[i];
				size_t j = i;
				while (j > start && rec_cmp(&r[j - 1], &x) > 0) {
					r[j] = r[j - 1];
					j--;
				}
				r[j] = x;
			}
		}
		start = e;
	}
	ret = DV_OK;
out:
	free(next);
	free(end);
	return ret;
}

dv_rrset_t zone_rrset_of_run(const dv_rr_t *rrs, uint32_t first, uint32_t count, uint32_t name)
{
	const dv_rr_t *run = &rrs[first];
	dv_rrset_t rs = {
	    .name = name, .type = run->type, .ttl = run->ttl, .rr_first = first, .rr_count = count};
	/* (counted in the RRset's own width: gcc -O3 cannot bound a size_t
	 * walk here and warns of overflow) */
	for (uint32_t k = 1; k < count; k++) {
		if (run[k].ttl != rs.ttl) {
			rs.ttl_differs = true;
			if (run[k].ttl < rs.ttl)
				rs.ttl = run[k].ttl;
		}
	}
	return rs;
}

int zone_index_build(dv_zone_builder_t *b)
{
	dv_zone_t *z = b->zone;
	int ret = DV_ENOMEM;
	owner_t **u = NULL;

	/* 1. Order distinct owners canonically; merge repeated owners. */
	u = malloc((b->nowners ? b->nowners : 1) * sizeof(*u));
	if (u == NULL)
		goto fail;
	memcpy(u, b->owners, b->nowners * sizeof(*u));
	size_t n = b->nowners;
	qsort(u, n, sizeof(*u), owner_ptr_cmp);
	size_t nu = 0;
	for (size_t i = 0; i < n; i++) {
		if (nu > 0 && zone_lf_cmp(u[nu - 1]->lf, u[i]->lf) == 0) {
			u[nu - 1]->split = true;
			u[i]->ord = (uint32_t)(nu - 1); /* provisional: index of the first */
			u[i]->line = UINT32_MAX;        /* marks "merged into u[ord]" */
			continue;
		}
		u[nu++] = u[i];
	}
	if ((ret = add_empty_nonterminals(b, &u, &nu)) != DV_OK)
		goto fail;

	/* 2. Final ordinals.  Merged duplicates point at their representative. */
	/* Each array a sixty-fourth larger than needed (untouched, so not
	 * resident): kept for the zone's next version when it is freed
	 * (dv_mem_spare_put), it then fits a version a little larger. */
	z->names = calloc(ZONE_SLACK(nu), sizeof(*z->names));
	if (z->names == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	z->name_count = nu;
	for (size_t i = 0; i < nu; i++) {
		bool ent = u[i]->ord == UINT32_MAX;
		u[i]->ord = (uint32_t)i;
		dv_name_t *nm = &z->names[i];
		nm->dname = u[i]->dname;
		nm->labels = (uint8_t)knot_dname_labels(nm->dname, NULL);
		if (ent)
			nm->flags |= DV_NAME_ENT;
		if (u[i]->split)
			nm->flags |= DV_NAME_SPLIT;
		if (knot_dname_is_wildcard(nm->dname))
			nm->flags |= DV_NAME_WILDCARD;
	}
	for (size_t i = 0; i < b->nowners; i++) {
		owner_t *o = b->owners[i];
		if (o->line == UINT32_MAX) {
			/* A merged duplicate: find its representative by lookup key. */
			long idx = dv_zone_name_find(z, o->dname);
			o->ord = (uint32_t)idx;
		}
	}

	/* 3. Records in canonical order; drop exact duplicates (RFC 2181 §5). */
	if ((ret = sort_records(b, nu)) != DV_OK)
		goto fail;
	/* Convert to dv_rr_t in place (it is smaller than rec_t, so writing
	 * entry j never overtakes the reading of entry i >= j). */
	_Static_assert(sizeof(dv_rr_t) <= sizeof(rec_t), "in-place conversion");
	size_t nr = 0;
	dv_rr_t *rrs = (dv_rr_t *)(void *)b->recs;
	for (size_t i = 0; i < b->nrecs; i++) {
		rec_t r;
		memcpy(&r, &b->recs[i], sizeof(r));
		if (nr > 0) {
			const dv_rr_t *p = &rrs[nr - 1];
			if (p->name == r.owner->ord && p->type == r.type &&
			    rdata_cmp(p->rdata, p->rdlen, r.rdata, r.rdlen) == 0)
				continue; /* RFC 2181 §5: duplicate RRs are one */
		}
		dv_rr_t out = {
		    .name = r.owner->ord,
		    .type = r.type,
		    .rdlen = r.rdlen,
		    .ttl = r.ttl,
		    .line = r.line,
		    .rdata = r.rdata,
		};
		memcpy(&rrs[nr++], &out, sizeof(out));
	}
	z->rrs = realloc(rrs, ZONE_SLACK(nr) * sizeof(*z->rrs));
	if (z->rrs == NULL)
		z->rrs = rrs;
	b->recs = NULL;
	z->rr_count = nr;
	/* The owners and their sort keys are done with: give them back before
	 * the RRset index is built (the largest memory of a load is here). */
	free(b->owners);
	b->owners = NULL;
	b->nowners = b->capowners = 0;
	b->last = NULL;
	dv_arena_clear(&b->scratch);

	/* 4. RRsets (RRSIG excluded) and each name's ranges. */
	size_t caprs = 1, nrs = 0;
	for (size_t i = 1; i < nr; i++)
		caprs +=
		    z->rrs[i].name != z->rrs[i - 1].name || z->rrs[i].type != z->rrs[i - 1].type;
	z->rrsets = malloc(ZONE_SLACK(caprs) * sizeof(*z->rrsets));
	if (z->rrsets == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < nr;) {
		size_t j = i;
		while (j < nr && z->rrs[j].name == z->rrs[i].name &&
		       z->rrs[j].type == z->rrs[i].type)
			j++;
		dv_name_t *nm = &z->names[z->rrs[i].name];
		if (z->rrs[i].type == KNOT_RRTYPE_RRSIG) {
			nm->sig_first = (uint32_t)i;
			nm->sig_count = (uint32_t)(j - i);
		} else {
			dv_rrset_t *rs = &z->rrsets[nrs]; /* nrs < caprs: counted above */
			*rs = zone_rrset_of_run(z->rrs, (uint32_t)i, (uint32_t)(j - i),
			                        z->rrs[i].name);
			if (nm->rrset_count == 0)
				nm->rrset_first = (uint32_t)nrs;
			nm->rrset_count++;
			nrs++;
		}
		i = j;
	}
	z->rrset_count = nrs;

	/* 5. Attach each name's RRSIGs to the RRsets they cover (the RRSIG run
	 *    is sorted by RDATA, which starts with the type covered). */
	for (size_t ni = 0; ni < z->name_count; ni++) {
		dv_name_t *nm = &z->names[ni];
		size_t s = nm->sig_first, se = s + nm->sig_count;
		for (uint32_t k = 0; k < nm->rrset_count; k++) {
			dv_rrset_t *rs = &z->rrsets[nm->rrset_first + k];
			while (s < se && (z->rrs[s].rdlen < 2 || ((z->rrs[s].rdata[0] << 8) |
			                                          z->rrs[s].rdata[1]) < rs->type))
				s++;
			size_t e = s;
			while (e < se && z->rrs[e].rdlen >= 2 &&
			       ((z->rrs[e].rdata[0] << 8) | z->rrs[e].rdata[1]) == rs->type)
				e++;
			rs->sig_first = (uint32_t)s;
			rs->sig_count = (uint32_t)(e - s);
			s = e;
		}
	}

	/* 6. Zone cuts, in one canonical-order pass: a subtree is contiguous,
	 *    so names below the current cut follow it directly. */
	z->names[0].flags |= DV_NAME_APEX;
	const uint8_t *cut = NULL, *dname_cut = NULL;
	/* RFC 6672 §2.3: a DNAME at the apex occludes every name below it. */
	if (dv_zone_rrset_find(z, 0, KNOT_RRTYPE_DNAME) != NULL)
		dname_cut = z->names[0].dname;
	for (size_t ni = 1; ni < z->name_count; ni++) {
		dv_name_t *nm = &z->names[ni];
		if (cut != NULL && knot_dname_in_bailiwick(nm->dname, cut) > 0) {
			nm->flags |= DV_NAME_NONAUTH;
			continue;
		}
		cut = NULL;
		if (dname_cut != NULL && knot_dname_in_bailiwick(nm->dname, dname_cut) > 0) {
			/* RFC 6672 §2.4: no data below a DNAME. */
			nm->flags |= DV_NAME_NONAUTH | DV_NAME_DNAME_BELOW;
			continue;
		}
		dname_cut = NULL;
		if (dv_zone_rrset_find(z, (uint32_t)ni, KNOT_RRTYPE_NS) != NULL) {
			nm->flags |= DV_NAME_DELEG;
			cut = nm->dname;
		} else if (dv_zone_rrset_find(z, (uint32_t)ni, KNOT_RRTYPE_DNAME) != NULL) {
			dname_cut = nm->dname;
		}
	}
	ret = DV_OK;
fail:
	free(u);
	return ret;
}

int zone_check_soa(const dv_zone_t *z, char *err, size_t errlen)
{
	size_t nsoa = 0;
	uint32_t line2 = 0;
	for (size_t i = 0; i < z->rrset_count; i++) {
		if (z->rrsets[i].type != KNOT_RRTYPE_SOA)
			continue;
		const dv_rrset_t *rs = &z->rrsets[i];
		if (rs->name != 0) {
			snprintf(err, errlen, "%s:%u: SOA record not at the zone apex %s", z->file,
			         z->rrs[rs->rr_first].line, z->origin_str);
			return DV_ENOTZONE;
		}
		nsoa += rs->rr_count;
		if (rs->rr_count > 1)
			line2 = z->rrs[rs->rr_first + 1].line;
	}
	if (z->name_count == 0 || nsoa == 0 || !knot_dname_is_equal(z->names[0].dname, z->origin)) {
		snprintf(err, errlen, "%s:0: no SOA record at the zone apex %s", z->file,
		         z->origin_str);
		return DV_ENOTZONE;
	}
	if (nsoa > 1) {
		snprintf(err, errlen, "%s:%u: more than one SOA record", z->file, line2);
		return DV_ENOTZONE;
	}
	return DV_OK;
}
