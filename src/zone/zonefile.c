/*
 * Loading a zone file: the reader's records into a builder of the store,
 * on one thread or in parts (parts.c).  See loader.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "core/error.h"
#include "zone/load_int.h"

int zone_reader_record(void *ctx, dv_scan_t *sc, const dv_zone_rec_t *rec, const char *file)
{
	zone_reader_t *r = ctx;
	if (r->stop_at_soa) {
		if (rec->type != KNOT_RRTYPE_SOA)
			return DV_OK;
		size_t ol = knot_dname_size(rec->owner);
		if (ol == 0 || ol > sizeof(r->soa_owner))
			return dv_scan_fail(sc, DV_EPARSE, file, rec->line, "malformed owner name");
		memcpy(r->soa_owner, rec->owner, ol);
		r->found_soa = true;
		return DV_SCAN_STOP;
	}
	if (r->sh != NULL && zone_parts_aborted(r->sh))
		return dv_scan_fail(sc, DV_EPARSE, file, rec->line, "another part failed");
	char msg[1200];
	int ret = dv_zone_builder_add(r->b, rec, msg, sizeof(msg));
	if (ret != DV_OK)
		return dv_scan_fail(sc, ret, file, rec->line, "%s", msg);
	return DV_OK;
}

void zone_reader_run(void *ctx, const uint8_t *owner, const dv_rr_t *rrs, size_t n)
{
	zone_reader_t *r = ctx;
	zone_load_t *zl = r->zl;
	if (zl->hook_off)
		return;
	if (!atomic_load_explicit(&zl->hook_used, memory_order_relaxed))
		atomic_store_explicit(&zl->hook_used, true, memory_order_relaxed);
	zl->opts->on_run(zl->opts->run_ctx, r->part, zl->origin, owner, rrs, n);
}

void zone_reader_progress(void *ctx, uint64_t done)
{
	zone_reader_t *r = ctx;
	const dv_zone_opts_t *o = r->zl->opts;
	if (r->sh != NULL)
		zone_parts_progress(r->sh, r, done);
	else if (done > 0)
		o->progress(o->progress_ctx, done, r->zl->total_bytes);
}

dv_scan_opts_t zone_scan_opts(zone_load_t *zl, zone_reader_t *r)
{
	return (dv_scan_opts_t){.limits = zl->limits,
	                        .default_ttl = zl->dttl,
	                        .on_record = zone_reader_record,
	                        .ctx = r,
	                        .progress = zl->opts->progress ? zone_reader_progress : NULL,
	                        .progress_ctx = r};
}

static void set_origin(zone_load_t *zl, const uint8_t *wire)
{
	memcpy(zl->origin, wire, knot_dname_size(wire));
	knot_dname_to_lower(zl->origin);
	dv_dname_to_str(zl->origin, zl->origin_str, sizeof(zl->origin_str));
	zl->have_origin = true;
}

int zone_find_origin(zone_load_t *zl, char *err, size_t errlen)
{
	zone_reader_t r = {.zl = zl, .stop_at_soa = true};
	dv_scan_opts_t so = zone_scan_opts(zl, &r);
	so.progress = NULL;
	dv_scan_t sc;
	dv_scan_init(&sc, &so, err, errlen);
	dv_scan_text_t t = {
	    .label = zl->label, .in = zl->in, .to = zl->in->len, .origin = ".", .ttl = zl->dttl};
	int ret = dv_scan_text(&sc, &t);
	if (ret != DV_OK)
		return ret;
	if (!r.found_soa) {
		snprintf(err, errlen, "%s:0: no SOA record: not a zone file", zl->label);
		return DV_ENOTZONE;
	}
	set_origin(zl, r.soa_owner);
	return DV_OK;
}

int zone_builder_new(zone_load_t *zl, zone_reader_t *r0, dv_zone_builder_t **out)
{
	const dv_zone_opts_t *o = zl->opts;
	dv_zone_build_opts_t bo = {
	    .origin = zl->origin,
	    .file = zl->label,
	    .max_records = zl->limits.max_records,
	    /* ~80 bytes of text per record in signed zones */
	    .expect_records = (size_t)(zl->total_bytes / 80),
	    .sort_ahead_max = o->sort_ahead_max,
	    .on_run = o->on_run && !zl->hook_off ? zone_reader_run : NULL,
	    .run_ctx = r0,
	};
	return dv_zone_builder_new(&bo, out);
}

void zone_hook_release(zone_load_t *zl)
{
	const dv_zone_opts_t *o = zl->opts;
	if (o->on_run != NULL && !zl->hook_off) {
		o->on_run(o->run_ctx, 0, zl->origin, NULL, NULL, 0);
		zl->hook_off = true;
	}
}

/* The one-thread path: a first pass for CRs and $GENERATE, the origin if it
 * is not given, then the reader. */
static int load_serial(zone_load_t *zl, zone_reader_t *r, dv_zone_builder_t **out, char *errbuf,
                       size_t errlen)
{
	dv_input_t *in = zl->in;
	dv_scan_opts_t so = zone_scan_opts(zl, r);
	dv_scan_t sc;
	dv_scan_init(&sc, &so, errbuf, errlen);
	uint64_t gen;
	int ret = dv_scan_prepare(&sc, in, zl->label, zl->label, 0, "", &gen);
	if (ret != DV_OK)
		return ret;
	if (!zl->have_origin && (ret = zone_find_origin(zl, errbuf, errlen)) != DV_OK)
		return ret;
	if ((ret = zone_builder_new(zl, r, &r->b)) != DV_OK) {
		snprintf(errbuf, errlen, "%s:0: %s", zl->label, dv_strerror(ret));
		return ret;
	}
	*out = r->b;
	dv_scan_text_t t = {.label = zl->label,
	                    .in = in,
	                    .to = in->len,
	                    .origin = zl->origin_str,
	                    .ttl = zl->dttl,
	                    .gen_records = gen};
	if ((ret = dv_scan_text(&sc, &t)) != DV_OK)
		return ret;
	dv_zone_builder_end_run(r->b);
	return DV_OK;
}

static int load(const char *path, const char *data, size_t len, const char *label,
                const dv_zone_opts_t *opts, dv_zone_t **out, char *errbuf, size_t errlen)
{
	static const dv_zone_opts_t defaults = {0};
	char dummy[8];
	if (errbuf == NULL || errlen == 0) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	dv_input_t in;
	zone_load_t zl = {.opts = opts,
	                  .limits = dv_scan_limits(&opts->limits, DV_ZONE_MAX_RRS),
	                  .label = label,
	                  .dttl = opts->default_ttl ? opts->default_ttl : 3600,
	                  .in = &in};
	atomic_init(&zl.hook_used, false);
	/* Part 0's reader: the builder's runs name it, until the zone is done. */
	zone_reader_t r0 = {.zl = &zl};
	dv_zone_builder_t *b = NULL;
	int ret;
	if (path != NULL) {
		char why[128];
		if ((ret = dv_input_open(&in, path, why, sizeof(why))) != DV_OK) {
			snprintf(errbuf, errlen, "%s:0: %s", label, why);
			return ret;
		}
	} else {
		dv_input_mem(&in, data, len);
	}
	zl.total_bytes = path ? in.size : len;

	/* The origin: given, or the owner of the first SOA (a first, short pass). */
	if (opts->origin != NULL) {
		uint8_t wire[DV_DNAME_MAXLEN];
		if (knot_dname_from_str(wire, opts->origin, sizeof(wire)) == NULL) {
			snprintf(errbuf, errlen, "%s:0: invalid origin '%s'", label, opts->origin);
			ret = DV_EINVAL;
			goto fail;
		}
		set_origin(&zl, wire);
	}
	size_t part_min = opts->part_min ? opts->part_min : DV_ZONE_PART_MIN;
	if (path != NULL && opts->threads > 1 && zl.total_bytes / 2 >= part_min) {
		if (zone_load_parts(&zl, &r0, &b) == DV_OK)
			goto parsed;
		/* Start again on one thread, which reports what went wrong; the
		 * records of the parts are gone. */
		zl.have_origin = opts->origin != NULL;
		errbuf[0] = '\0';
	}
	if ((ret = load_serial(&zl, &r0, &b, errbuf, errlen)) != DV_OK)
		goto fail;
parsed:
	/* The text is read: its last pages go before the index is built (the
	 * largest memory of a load is there). */
	dv_input_close(&in);
	if ((ret = dv_zone_builder_finish(b, out, errbuf, errlen)) != DV_OK)
		goto fail;
	return DV_OK;
fail:
	/* The hook may still be reading records of the builder: let it finish. */
	zone_hook_release(&zl);
	dv_zone_builder_free(b);
	dv_input_close(&in);
	return ret;
}

int dv_zone_load(const char *path, const dv_zone_opts_t *opts, dv_zone_t **out, char *errbuf,
                 size_t errlen)
{
	return load(path, NULL, 0, path, opts, out, errbuf, errlen);
}

int dv_zone_load_mem(const char *data, size_t len, const char *label, const dv_zone_opts_t *opts,
                     dv_zone_t **out, char *errbuf, size_t errlen)
{
	return load(NULL, data, len, label ? label : "(input)", opts, out, errbuf, errlen);
}
