/*
 * Files of loose records (--ds, trust anchors, root hints), read by the
 * same reader as zone files.  See loader.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/dname.h>

#include "core/canon.h"
#include "core/error.h"
#include "zone/loader.h"
#include "zone/scan.h"

typedef struct {
	dv_rrfile_t *out;
	size_t cap;
} rrfile_ctx_t;

static int on_record(void *ctx, dv_scan_t *sc, const dv_zone_rec_t *rec, const char *file)
{
	rrfile_ctx_t *c = ctx;
	dv_rrfile_t *o = c->out;
	size_t olen = knot_dname_size(rec->owner);
	if (olen == 0 || olen > sizeof(o->v[0].owner))
		return dv_scan_fail(sc, DV_EPARSE, file, rec->line, "malformed owner name");
	if (dv_array_grow(&o->v, &c->cap, o->n, sizeof(*o->v), 16) != DV_OK)
		return dv_scan_fail(sc, DV_ENOMEM, file, rec->line, "out of memory");
	dv_rrfile_rr_t *r = &o->v[o->n];
	*r = (dv_rrfile_rr_t){.type = rec->type,
	                      .ttl = rec->ttl,
	                      .line = rec->line,
	                      .rdlen = rec->rdlen,
	                      .rdata = malloc(rec->rdlen ? rec->rdlen : 1)};
	if (r->rdata == NULL)
		return dv_scan_fail(sc, DV_ENOMEM, file, rec->line, "out of memory");
	memcpy(r->owner, rec->owner, olen);
	knot_dname_to_lower(r->owner);
	memcpy(r->rdata, rec->rdata, rec->rdlen);
	o->n++;
	if (dv_rdata_canonicalize(r->type, r->rdata, r->rdlen) != DV_OK)
		return dv_scan_fail(sc, DV_EPARSE, file, rec->line, "malformed RDATA");
	return DV_OK;
}

int dv_rrfile_load_limits(const char *path, const char *origin, const dv_load_limits_t *limits,
                          dv_rrfile_t *out, char *err, size_t errlen)
{
	char dummy[8];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	out->v = NULL;
	out->n = 0;
	rrfile_ctx_t c = {.out = out};
	dv_scan_opts_t so = {.limits = dv_scan_limits(limits, DV_RRFILE_MAX_RRS),
	                     .default_ttl = 3600,
	                     .on_record = on_record,
	                     .ctx = &c};
	dv_scan_t sc;
	dv_scan_init(&sc, &so, err, errlen);
	int ret = dv_scan_file(&sc, path, origin ? origin : ".");
	if (ret != DV_OK)
		dv_rrfile_clear(out);
	return ret;
}

int dv_rrfile_load(const char *path, const char *origin, dv_rrfile_t *out, char *err, size_t errlen)
{
	return dv_rrfile_load_limits(path, origin, NULL, out, err, errlen);
}

void dv_rrfile_clear(dv_rrfile_t *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].rdata);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
