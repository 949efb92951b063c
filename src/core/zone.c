/*
 * The zone store: lookups and release.  Building is in build.c and index.c.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "core/zone_int.h"

dv_zone_data_t *zone_data_new(dv_arena_t *arena, dv_zone_data_t *older)
{
	dv_zone_data_t *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	atomic_init(&d->refs, 1);
	dv_arena_init(&d->arena, arena->chunk_size);
	dv_arena_adopt(&d->arena, arena);
	d->older = older;
	d->held = d->arena.total;
	if (older != NULL) {
		atomic_fetch_add(&older->refs, 1);
		d->held += older->held;
		d->unused = older->unused;
	}
	return d;
}

void zone_data_release(dv_zone_data_t *d)
{
	/* Iterative: a long line of versions must not recurse that deep. */
	while (d != NULL && atomic_fetch_sub(&d->refs, 1) == 1) {
		dv_zone_data_t *older = d->older;
		dv_arena_clear(&d->arena);
		free(d);
		d = older;
	}
}

void dv_zone_free(dv_zone_t *z)
{
	if (z == NULL)
		return;
	/* A big zone's arrays are kept for its next version (dv_zone_patch). */
	dv_mem_spare_put(z->rrs);
	dv_mem_spare_put(z->names);
	dv_mem_spare_put(z->rrsets);
	dv_arena_clear(&z->arena);
	zone_data_release(z->data);
	free(z);
}

void dv_zone_spare_ready(const dv_zone_t *z)
{
	dv_mem_spare_ready((z->name_count + 64) * sizeof(*z->names));
	dv_mem_spare_ready((z->rr_count + 64) * sizeof(*z->rrs));
	dv_mem_spare_ready((z->rrset_count + 64) * sizeof(*z->rrsets));
}

void dv_zone_data_usage(const dv_zone_t *z, uint64_t *held, uint64_t *unused)
{
	*held = z->data ? z->data->held : z->arena.total;
	*unused = z->data ? z->data->unused : 0;
}

long dv_zone_name_find(const dv_zone_t *z, const uint8_t *dname)
{
	uint8_t low[KNOT_DNAME_MAXLEN];
	size_t sz = knot_dname_size(dname);
	if (sz == 0 || sz > sizeof(low))
		return -1;
	memcpy(low, dname, sz);
	knot_dname_to_lower(low);
	/* The same key the names were sorted by (knot_dname_lf). */
	knot_dname_storage_t st, sm;
	const uint8_t *lf = knot_dname_lf(low, st);
	size_t lo = 0, hi = z->name_count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = zone_lf_cmp(knot_dname_lf(z->names[mid].dname, sm), lf);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const dv_rrset_t *dv_zone_rrset_find(const dv_zone_t *z, uint32_t name, uint16_t type)
{
	if (name >= z->name_count)
		return NULL;
	const dv_name_t *nm = &z->names[name];
	for (uint32_t i = 0; i < nm->rrset_count; i++) {
		const dv_rrset_t *rs = &z->rrsets[nm->rrset_first + i];
		if (rs->type == type)
			return rs;
		if (rs->type > type)
			break;
	}
	return NULL;
}

uint32_t dv_zone_serial(const dv_zone_t *z)
{
	const dv_rrset_t *rs = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_SOA);
	if (rs == NULL)
		return 0;
	const dv_rr_t *rr = &z->rrs[rs->rr_first];
	/* SOA RDATA: MNAME, RNAME (uncompressed in canonical form), then SERIAL. */
	size_t off = 0;
	for (int n = 0; n < 2; n++) {
		while (off < rr->rdlen && rr->rdata[off] != 0)
			off += 1 + (size_t)rr->rdata[off];
		off++;
	}
	if (off + 4 > rr->rdlen)
		return 0;
	const uint8_t *p = rr->rdata + off;
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
