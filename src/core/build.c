/*
 * The zone builder: records in, one at a time, in input order.  See zone.h;
 * ordering and indexing are in index.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "core/canon.h"
#include "core/error.h"
#include "core/zone_int.h"

/* The apex name, lowercase (canonical form), and its text for messages. */
static void zone_set_origin(dv_zone_t *z, const uint8_t *origin)
{
	memcpy(z->origin, origin, knot_dname_size(origin));
	knot_dname_to_lower(z->origin);
	dv_dname_to_str(z->origin, z->origin_str, sizeof(z->origin_str));
}

int dv_zone_builder_new(const dv_zone_build_opts_t *opts, dv_zone_builder_t **out)
{
	*out = NULL;
	size_t olen = knot_dname_size(opts->origin);
	if (olen == 0 || olen > DV_DNAME_MAXLEN)
		return DV_EINVAL;
	dv_zone_builder_t *b = calloc(1, sizeof(*b));
	dv_zone_t *z = calloc(1, sizeof(*z));
	if (b == NULL || z == NULL) {
		free(b);
		free(z);
		return DV_ENOMEM;
	}
	dv_arena_init(&z->arena, 0);
	z->parts = 1;
	snprintf(z->file, sizeof(z->file), "%s", opts->file ? opts->file : "(input)");
	zone_set_origin(z, opts->origin);
	b->zone = z;
	b->data = &z->arena;
	dv_arena_init(&b->scratch, 0);
	b->opts = *opts;
	b->opts.origin = z->origin;
	b->opts.file = z->file;
	if (b->opts.max_records == 0 || b->opts.max_records > DV_ZONE_MAX_RRS_CEILING)
		b->opts.max_records =
		    b->opts.max_records == 0 ? DV_ZONE_MAX_RRS : DV_ZONE_MAX_RRS_CEILING;
	b->run_ctx = opts->run_ctx;
	*out = b;
	return DV_OK;
}

int dv_zone_builder_part(dv_zone_builder_t *parent, size_t expect_records, void *run_ctx,
                         dv_zone_builder_t **out)
{
	dv_zone_builder_t *b = calloc(1, sizeof(*b));
	*out = b;
	if (b == NULL)
		return DV_ENOMEM;
	b->zone = parent->zone;
	b->is_part = true;
	dv_arena_init(&b->own_data, 0);
	b->data = &b->own_data;
	dv_arena_init(&b->scratch, 0);
	b->opts = parent->opts;
	b->opts.expect_records = expect_records;
	b->run_ctx = run_ctx;
	return DV_OK;
}

owner_t *zone_owner_new(dv_zone_builder_t *b, const uint8_t *dname, size_t len, uint32_t line)
{
	/* The name stays with the zone; the owner record and its sort key
	 * live in a scratch arena that is freed once the zone is indexed. */
	owner_t *o = dv_arena_alloc(&b->scratch, sizeof(*o));
	uint8_t *d = dv_arena_dup(b->data, dname, len);
	if (o == NULL || d == NULL)
		return NULL;
	knot_dname_to_lower(d);
	knot_dname_storage_t st;
	const uint8_t *lf = knot_dname_lf(d, st);
	uint8_t *lfc = lf ? dv_arena_dup(&b->scratch, lf, (size_t)lf[0] + 1) : NULL;
	if (lfc == NULL)
		return NULL;
	*o = (owner_t){.dname = d, .lf = lfc, .line = line};
	if (dv_array_grow(&b->owners, &b->capowners, b->nowners, sizeof(*b->owners), 1024) != DV_OK)
		return NULL;
	b->owners[b->nowners++] = o;
	return o;
}

void dv_zone_builder_end_run(dv_zone_builder_t *b)
{
	size_t n = b->nrecs - b->run_start;
	if (b->opts.on_run == NULL || n == 0)
		return;
	if (n > b->runcap) {
		dv_rr_t *nb = realloc(b->runbuf, n * sizeof(*nb));
		if (nb == NULL) {
			b->run_start = b->nrecs;
			return; /* the hook is an optimisation: skipping a run is safe */
		}
		b->runbuf = nb;
		b->runcap = n;
	}
	const rec_t *r = &b->recs[b->run_start];
	for (size_t i = 0; i < n; i++)
		b->runbuf[i] = (dv_rr_t){.type = r[i].type,
		                         .rdlen = r[i].rdlen,
		                         .ttl = r[i].ttl,
		                         .line = r[i].line,
		                         .rdata = r[i].rdata};
	b->opts.on_run(b->run_ctx, r[0].owner->dname, b->runbuf, n);
	b->run_start = b->nrecs;
}

int dv_zone_builder_add(dv_zone_builder_t *b, const dv_zone_rec_t *in, char *err, size_t errlen)
{
	dv_zone_t *z = b->zone;
	if (b->nrecs == 0)
		b->rclass = in->rclass;
	if (in->rclass != b->rclass) {
		snprintf(err, errlen, "record class %u differs from the zone's class %u",
		         in->rclass, b->rclass);
		return DV_ENOTZONE;
	}
	if (b->nrecs >= b->opts.max_records) {
		snprintf(err, errlen, "more than %zu records", b->opts.max_records);
		return DV_ELIMIT;
	}
	/* Owners usually repeat in runs: share one owner_t per run (and check
	 * it is in the zone once). */
	owner_t *o = b->last;
	if (o == NULL || !knot_dname_is_case_equal(o->dname, in->owner)) {
		size_t olen = knot_dname_size(in->owner);
		uint8_t low[KNOT_DNAME_MAXLEN];
		if (olen == 0 || olen > sizeof(low)) {
			snprintf(err, errlen, "malformed owner name");
			return DV_EPARSE;
		}
		memcpy(low, in->owner, olen);
		knot_dname_to_lower(low);
		if (knot_dname_in_bailiwick(low, z->origin) < 0) {
			char owner[1025];
			dv_dname_to_str(low, owner, sizeof(owner));
			snprintf(err, errlen, "record owner %s is outside the zone %s", owner,
			         z->origin_str);
			return DV_ENOTZONE;
		}
		dv_zone_builder_end_run(b);
		if ((o = zone_owner_new(b, low, olen, in->line)) == NULL)
			goto nomem;
		b->last = o;
	}
	/* RRSIG RDATA gets a scratch byte in front (dv_rrsig_scratch). */
	bool sig = in->type == KNOT_RRTYPE_RRSIG;
	uint8_t *rd = dv_arena_alloc(b->data, (size_t)in->rdlen + sig + 1);
	if (rd == NULL)
		goto nomem;
	if (sig)
		*rd++ = 0;
	memcpy(rd, in->rdata, in->rdlen);
	if (dv_rdata_canonicalize(in->type, rd, in->rdlen) != DV_OK) {
		snprintf(err, errlen, "malformed RDATA");
		return DV_EPARSE;
	}
	if (b->nrecs == b->caprecs) {
		/* First the caller's guess, then grow by half: doubling would leave
		 * up to half of the largest array unused. */
		size_t nc =
		    b->caprecs ? b->caprecs + b->caprecs / 2 : b->opts.expect_records + 4096;
		rec_t *nv = realloc(b->recs, nc * sizeof(*nv));
		if (nv == NULL)
			goto nomem;
		b->recs = nv;
		b->caprecs = nc;
	}
	b->recs[b->nrecs++] = (rec_t){
	    .owner = o,
	    .type = in->type,
	    .rdlen = in->rdlen,
	    .ttl = in->ttl,
	    .line = in->line,
	    .rdata = rd,
	};
	return DV_OK;
nomem:
	snprintf(err, errlen, "out of memory");
	return DV_ENOMEM;
}

size_t dv_zone_builder_count(const dv_zone_builder_t *b)
{
	return b->nrecs;
}

/* Copy src after dst, giving src's pages back as they are copied (the two
 * arrays are the largest allocations of a load). */
static void recs_append(rec_t *dst, rec_t *src, size_t n)
{
	const size_t step = ((size_t)8 << 20) / sizeof(rec_t);
	for (size_t i = 0; i < n; i += step) {
		size_t m = n - i < step ? n - i : step;
		memcpy(dst + i, src + i, m * sizeof(*src));
		dv_mem_release(src + i, src + i + m);
	}
}

int dv_zone_builder_join(dv_zone_builder_t *b, dv_zone_builder_t *const *parts, unsigned n)
{
	if (b->nrecs != 0 || b->nowners != 0 || n == 0)
		return DV_EINVAL;
	size_t nrecs = 0, nowners = 0;
	int first = -1;
	for (unsigned k = 0; k < n; k++) {
		nrecs += parts[k]->nrecs;
		nowners += parts[k]->nowners;
		if (parts[k]->nrecs == 0)
			continue;
		if (first < 0)
			first = (int)k;
		else if (parts[k]->rclass != parts[first]->rclass)
			return DV_ENOTZONE;
	}
	if (nrecs > b->opts.max_records)
		return DV_ELIMIT;
	/* The first part's arrays grow to hold every part. */
	dv_zone_builder_t *p0 = parts[0];
	rec_t *recs = realloc(p0->recs, (nrecs ? nrecs : 1) * sizeof(*recs));
	if (recs == NULL)
		return DV_ENOMEM;
	p0->recs = recs;
	p0->caprecs = nrecs ? nrecs : 1;
	owner_t **owners = realloc(p0->owners, (nowners ? nowners : 1) * sizeof(*owners));
	if (owners == NULL)
		return DV_ENOMEM;
	p0->owners = owners;
	p0->capowners = nowners ? nowners : 1;
	size_t nr = p0->nrecs, no = p0->nowners;
	for (unsigned k = 1; k < n; k++) {
		dv_zone_builder_t *pk = parts[k];
		recs_append(recs + nr, pk->recs, pk->nrecs);
		nr += pk->nrecs;
		if (pk->nowners > 0)
			memcpy(owners + no, pk->owners, pk->nowners * sizeof(*owners));
		no += pk->nowners;
		free(pk->recs);
		pk->recs = NULL;
		pk->nrecs = pk->caprecs = 0;
		free(pk->owners);
		pk->owners = NULL;
		pk->nowners = pk->capowners = 0;
	}
	b->recs = recs;
	b->nrecs = b->caprecs = nrecs;
	b->owners = owners;
	b->nowners = b->capowners = nowners;
	b->rclass = first >= 0 ? parts[first]->rclass : 0;
	b->run_start = nrecs;
	b->last = NULL;
	b->parts = n;
	p0->recs = NULL;
	p0->nrecs = p0->caprecs = 0;
	p0->owners = NULL;
	p0->nowners = p0->capowners = 0;
	for (unsigned k = 0; k < n; k++) {
		dv_arena_adopt(&b->scratch, &parts[k]->scratch);
		dv_arena_adopt(b->data, parts[k]->data);
	}
	return DV_OK;
}

static void builder_release(dv_zone_builder_t *b)
{
	free(b->recs);
	free(b->owners);
	free(b->runbuf);
	dv_arena_clear(&b->scratch);
	if (b->is_part)
		dv_arena_clear(&b->own_data);
	free(b);
}

void dv_zone_builder_free(dv_zone_builder_t *b)
{
	if (b == NULL)
		return;
	if (!b->is_part)
		dv_zone_free(b->zone); /* NULL once finished */
	builder_release(b);
}

int dv_zone_builder_finish(dv_zone_builder_t *b, dv_zone_t **out, char *err, size_t errlen)
{
	*out = NULL;
	dv_zone_t *z = b->zone;
	int ret;
	if (b->is_part)
		return DV_EINVAL;
	dv_zone_builder_end_run(b);
	if (b->nrecs == 0) {
		snprintf(err, errlen, "%s:0: no records: not a zone file", z->file);
		return DV_ENOTZONE;
	}
	z->parts = b->parts ? b->parts : 1;
	if ((ret = zone_index_build(b)) != DV_OK) {
		snprintf(err, errlen, "%s:0: %s", z->file, dv_strerror(ret));
		return ret;
	}
	if ((ret = zone_check_soa(z, err, errlen)) != DV_OK)
		return ret;
	/* The record data moves where later versions can share it (dv_zone_patch). */
	if ((z->data = zone_data_new(&z->arena, NULL)) == NULL) {
		snprintf(err, errlen, "%s:0: %s", z->file, dv_strerror(DV_ENOMEM));
		return DV_ENOMEM;
	}
	z->rclass = b->rclass;
	b->zone = NULL;
	builder_release(b);
	*out = z;
	return DV_OK;
}
