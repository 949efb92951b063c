/*
 * dv_verify_file: a zone file loaded and verified, with the presign pass
 * (src/checks/presign.c) wired in: it starts before loading, takes each run
 * of records from the loader, is waited for just before the signature
 * check (whose tail it then runs beside), and is freed before the zone,
 * since its threads may still read the zone's records until then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "core/error.h"
#include "run/run.h"

typedef struct {
	const dv_verify_file_opts_t *o;
	const char *phase;
} progress_t;

static void on_load_progress(void *ctx, uint64_t done, uint64_t total)
{
	progress_t *p = ctx;
	p->o->progress(p->o->progress_ctx, p->phase, done, total);
}

static void on_verify_progress(void *ctx, size_t done, size_t total)
{
	progress_t *p = ctx;
	p->o->progress(p->o->progress_ctx, p->phase, done, total);
}

/* Standard input, whole (a pipe cannot be mapped or cut into parts). */
static int read_stdin(char **out, size_t *len, char *errbuf, size_t errlen)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	if (buf == NULL)
		return DV_ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap >= DV_VERIFY_STDIN_MAX) {
				free(buf);
				snprintf(errbuf, errlen,
				         "-:0: standard input holds more than %zu bytes",
				         DV_VERIFY_STDIN_MAX);
				return DV_ELIMIT;
			}
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				return DV_ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, stdin);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(stdin)) {
		free(buf);
		snprintf(errbuf, errlen, "-:0: cannot read standard input");
		return DV_EIO;
	}
	*out = buf;
	*len = n;
	return DV_OK;
}

static void finish_presign(void *ctx)
{
	dv_presign_finish(ctx);
}

/* Whether the --ds records name the zone at all: a file for another zone
 * is a usage error, not a finding. */
static bool ds_names_zone(const dv_rrfile_t *ds, const dv_zone_t *zone)
{
	for (size_t i = 0; i < ds->n; i++)
		if (knot_dname_is_equal(ds->v[i].owner, zone->origin) &&
		    (ds->v[i].type == KNOT_RRTYPE_DS || ds->v[i].type == KNOT_RRTYPE_DNSKEY))
			return true;
	return false;
}

int dv_verify_file(const char *path, const dv_verify_file_opts_t *o, dv_verify_result_t *res,
                   char *errbuf, size_t errlen)
{
	memset(res, 0, sizeof(*res));
	errbuf[0] = '\0';
	res->opts = (dv_verify_opts_t){.now = o->now,
	                               .warn_expiry = o->warn_expiry,
	                               .crit_expiry = o->crit_expiry,
	                               .threads = o->threads ? o->threads : 1};
	bool from_stdin = strcmp(path, "-") == 0;
	size_t input_len = 0;
	progress_t prog = {.o = o, .phase = "loading"};
	dv_presign_t *presign = NULL;
	int ret;
	if (o->ds_path != NULL) {
		/* The --ds file gets the zone's no-include rule, not its record cap. */
		dv_load_limits_t ds_limits = {.no_include = o->limits.no_include};
		if ((ret = dv_rrfile_load_limits(o->ds_path, o->origin, &ds_limits, &res->ds,
		                                 errbuf, errlen)) != DV_OK)
			return ret;
		res->opts.ds = &res->ds;
	}
	/* Signatures are verified while the file is still being parsed. */
	if (from_stdin && (ret = read_stdin(&res->input, &input_len, errbuf, errlen)) != DV_OK) {
		if (ret == DV_ENOMEM)
			snprintf(errbuf, errlen, "-:0: %s", dv_strerror(ret));
		return ret;
	}
	struct stat zst;
	uint64_t zbytes = from_stdin              ? input_len
	                  : stat(path, &zst) == 0 ? (uint64_t)zst.st_size
	                                          : 0;
	if (dv_presign_new(res->opts.threads, zbytes, &presign) != DV_OK)
		presign = NULL;
	dv_zone_opts_t zopts = {.origin = o->origin,
	                        .limits = o->limits,
	                        .progress = o->progress ? on_load_progress : NULL,
	                        .progress_ctx = &prog,
	                        .on_run = presign ? dv_presign_run : NULL,
	                        .run_ctx = presign,
	                        .threads = res->opts.threads};
	ret = from_stdin
	          ? dv_zone_load_mem(res->input, input_len, "-", &zopts, &res->zone, errbuf, errlen)
	          : dv_zone_load(path, &zopts, &res->zone, errbuf, errlen);
	if (ret != DV_OK)
		goto out;
	if (res->opts.ds != NULL && !ds_names_zone(&res->ds, res->zone)) {
		snprintf(errbuf, errlen, "%s:0: no DS or DNSKEY record for %s", o->ds_path,
		         res->zone->origin_str);
		ret = DV_EINVAL;
		goto out;
	}
	prog.phase = "verifying";
	res->opts.progress = o->progress ? on_verify_progress : NULL;
	res->opts.progress_ctx = &prog;
	res->opts.before_signatures = presign ? finish_presign : NULL;
	res->opts.before_signatures_ctx = presign;
	res->opts.presign = presign;
	ret = dv_verify_zone(res->zone, &res->opts, &res->stats, &res->findings);
	if (ret != DV_OK)
		snprintf(errbuf, errlen, "dnsvigil verify: %s: %s", path, dv_strerror(ret));
out:
	/* The presign threads may still read the zone's records: they end first.
	 * What the checks keep of the run does not point here any more. */
	dv_presign_free(presign);
	res->opts.presign = NULL;
	res->opts.before_signatures = NULL;
	res->opts.before_signatures_ctx = NULL;
	res->opts.progress = NULL;
	res->opts.progress_ctx = NULL;
	return ret;
}

void dv_verify_result_clear(dv_verify_result_t *res)
{
	dv_findings_clear(&res->findings);
	dv_zone_free(res->zone);
	dv_rrfile_clear(&res->ds);
	free(res->input);
	memset(res, 0, sizeof(*res));
}
