/*
 * The RRsets that differ between two versions of a zone (replica_int.h):
 * one walk over both in canonical order (RFC 4034 §6.1), records compared
 * by type, RDATA and TTL; RRSIGs are counted under the type they cover, so
 * a broken signature shows as the RRset it signs.
 */
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "core/error.h"
#include "dnssec/dnssec.h"
#include "replica/replica_int.h"

typedef struct {
	uint16_t type;
	uint32_t a, b;
} count_t;

static void bump(count_t *c, size_t *n, size_t cap, uint16_t type, bool in_a)
{
	for (size_t i = 0; i < *n; i++)
		if (c[i].type == type) {
			if (in_a)
				c[i].a++;
			else
				c[i].b++;
			return;
		}
	if (*n < cap)
		c[(*n)++] = (count_t){type, in_a ? 1u : 0u, in_a ? 0u : 1u};
}

/* The records of a name: [first, end) of rrs. */
static void run_of(const dv_zone_t *z, long ni, size_t *first, size_t *end)
{
	*first = *end = 0;
	if (ni < 0)
		return;
	const dv_name_t *nm = &z->names[ni];
	size_t f = SIZE_MAX, e = 0;
	if (nm->rrset_count > 0) {
		f = z->rrsets[nm->rrset_first].rr_first;
		const dv_rrset_t *l = &z->rrsets[nm->rrset_first + nm->rrset_count - 1];
		e = (size_t)l->rr_first + l->rr_count;
	}
	if (nm->sig_count > 0) {
		if (nm->sig_first < f)
			f = nm->sig_first;
		if ((size_t)nm->sig_first + nm->sig_count > e)
			e = (size_t)nm->sig_first + nm->sig_count;
	}
	if (f != SIZE_MAX) {
		*first = f;
		*end = e;
	}
}

static uint16_t kind_of(const dv_rr_t *rr)
{
	return rr->type == KNOT_RRTYPE_RRSIG ? dv_rrsig_type_covered(rr->rdata, rr->rdlen)
	                                     : rr->type;
}

static int rr_cmp(const dv_rr_t *x, const dv_rr_t *y)
{
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	int c = memcmp(x->rdata, y->rdata, x->rdlen < y->rdlen ? x->rdlen : y->rdlen);
	if (c != 0)
		return c;
	return x->rdlen < y->rdlen ? -1 : (x->rdlen > y->rdlen);
}

/* The differences at one name (an index may be -1: not in that version). */
static void name_diff(const dv_zone_t *a, long ia, const dv_zone_t *b, long ib, rrset_diff_t *out,
                      size_t max, size_t *n, size_t *more, rrset_count_t *cnt)
{
	size_t fa, ea, fb, eb;
	run_of(a, ia, &fa, &ea);
	run_of(b, ib, &fb, &eb);
	count_t c[64];
	size_t nc = 0;
	while (fa < ea || fb < eb) {
		const dv_rr_t *x = fa < ea ? &a->rrs[fa] : NULL, *y = fb < eb ? &b->rrs[fb] : NULL;
		int cmp = x == NULL ? 1 : (y == NULL ? -1 : rr_cmp(x, y));
		if (cmp < 0) {
			bump(c, &nc, 64, kind_of(x), true);
			fa++;
		} else if (cmp > 0) {
			bump(c, &nc, 64, kind_of(y), false);
			fb++;
		} else {
			if (x->ttl != y->ttl) { /* the same record with another TTL */
				bump(c, &nc, 64, kind_of(x), true);
				bump(c, &nc, 64, kind_of(y), false);
			}
			fa++;
			fb++;
		}
	}
	const uint8_t *owner = ia >= 0 ? a->names[ia].dname : b->names[ib].dname;
	/* by type, for a stable report */
	for (size_t i = 1; i < nc; i++)
		for (size_t j = i; j > 0 && c[j - 1].type > c[j].type; j--) {
			count_t t = c[j];
			c[j] = c[j - 1];
			c[j - 1] = t;
		}
	for (size_t i = 0; i < nc; i++) {
		if (cnt != NULL) {
			/* An RRset is in a version when it has records there (not only
			 * signatures): look it up in each. */
			bool in_a =
			    ia >= 0 && dv_zone_rrset_find(a, (uint32_t)ia, c[i].type) != NULL;
			bool in_b =
			    ib >= 0 && dv_zone_rrset_find(b, (uint32_t)ib, c[i].type) != NULL;
			if (in_a && !in_b)
				cnt->removed++;
			else if (in_b && !in_a)
				cnt->added++;
			else
				cnt->changed++;
		}
		if (*n < max)
			out[(*n)++] = (rrset_diff_t){owner, c[i].type, c[i].a, c[i].b};
		else
			(*more)++;
	}
}

static bool same_records(const dv_zone_t *a, long ia, const dv_zone_t *b, long ib)
{
	size_t fa, ea, fb, eb;
	run_of(a, ia, &fa, &ea);
	run_of(b, ib, &fb, &eb);
	if (ea - fa != eb - fb)
		return false;
	for (size_t k = 0; k < ea - fa; k++) {
		const dv_rr_t *x = &a->rrs[fa + k], *y = &b->rrs[fb + k];
		if (x->ttl != y->ttl || rr_cmp(x, y) != 0)
			return false;
	}
	return true;
}

int compare_versions(const dv_zone_t *a, const dv_zone_t *b, rrset_diff_t *out, size_t max,
                     size_t *n, size_t *more, rrset_count_t *count)
{
	*n = *more = 0;
	if (count != NULL)
		memset(count, 0, sizeof(*count));
	size_t i = 0, j = 0;
	while (i < a->name_count || j < b->name_count) {
		int c = i >= a->name_count   ? 1
		        : j >= b->name_count ? -1
		                             : knot_dname_cmp(a->names[i].dname, b->names[j].dname);
		if (c < 0) {
			name_diff(a, (long)i, b, -1, out, max, n, more, count);
			i++;
		} else if (c > 0) {
			name_diff(a, -1, b, (long)j, out, max, n, more, count);
			j++;
		} else {
			/* Versions patched from one another share RDATA: most names
			 * are the same records, compared quickly. */
			if (!same_records(a, (long)i, b, (long)j))
				name_diff(a, (long)i, b, (long)j, out, max, n, more, count);
			i++;
			j++;
		}
	}
	return DV_OK;
}
