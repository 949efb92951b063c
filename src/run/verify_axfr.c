/*
 * dv_verify_axfr: a zone transferred from a server and verified as a zone
 * file is.  The records go into the zone builder message by message
 * (src/replica) and the presign pass (src/checks/presign.c) verifies each
 * run of records while the transfer goes on; it is waited for before the
 * signature check and freed before the zone.
 */
#include <stdio.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "net/net.h"
#include "run/run.h"
#include "run/run_int.h"

typedef struct {
	dv_presign_t *presign;
	uint8_t origin[KNOT_DNAME_MAXLEN];
} hook_t;

/* The builder's runs, as the loader hands them to the presign pass. */
static void on_run(void *ctx, const uint8_t *owner, const dv_rr_t *rrs, size_t n)
{
	hook_t *h = ctx;
	dv_presign_run(h->presign, 0, h->origin, owner, rrs, n);
}

int dv_verify_axfr(const char *server, const dv_verify_file_opts_t *o, dv_verify_result_t *res,
                   char *errbuf, size_t errlen)
{
	memset(res, 0, sizeof(*res));
	errbuf[0] = '\0';
	res->opts = run_verify_opts(o);
	dv_replica_fetch_t req = {.limits = o->xfr, .max_records = o->limits.max_records};
	dv_tsig_key_t *key = NULL;
	hook_t hook = {0};
	int ret;
	if (o->origin == NULL ||
	    knot_dname_from_str(req.zone, o->origin, sizeof(req.zone)) == NULL) {
		snprintf(errbuf, errlen, "dnsvigil verify: --axfr needs --origin NAME%s%s",
		         o->origin ? ", not " : "", o->origin ? o->origin : "");
		return DV_EINVAL;
	}
	knot_dname_to_lower(req.zone);
	memcpy(hook.origin, req.zone, knot_dname_size(req.zone));
	if (dv_net_addr_parse(server, 53, &req.addr) != DV_OK) {
		snprintf(errbuf, errlen, "dnsvigil verify: --axfr %s: not an address", server);
		return DV_EINVAL;
	}
	if (o->tsig_path != NULL) {
		char why[512];
		if ((ret = dv_tsig_key_load(o->tsig_path, o->tsig_name, &key, why, sizeof(why))) !=
		    DV_OK) {
			snprintf(errbuf, errlen, "%s: %s", o->tsig_path, why);
			return ret;
		}
		req.tsig = key;
	}
	if (o->ds_path != NULL) {
		dv_load_limits_t ds_limits = {.no_include = o->limits.no_include};
		if ((ret = dv_rrfile_load_limits(o->ds_path, o->origin, &ds_limits, &res->ds,
		                                 errbuf, errlen)) != DV_OK)
			goto out;
		res->opts.ds = &res->ds;
	}
	/* Signatures are verified while the transfer is still coming in. */
	if (dv_presign_new(res->opts.threads, 0, &hook.presign) != DV_OK)
		hook.presign = NULL;
	req.on_run = hook.presign ? on_run : NULL;
	req.run_ctx = &hook;
	if ((ret = dv_replica_axfr(&req, &res->zone, &res->xfr, errbuf, errlen)) != DV_OK) {
		res->no_source = ret != DV_ENOMEM;
		goto out;
	}
	if ((ret = run_ds_check(res, o->ds_path, errbuf, errlen)) != DV_OK)
		goto out;
	run_presign_wire(&res->opts, hook.presign);
	ret = dv_verify_zone(res->zone, &res->opts, &res->stats, &res->findings);
	if (ret != DV_OK)
		snprintf(errbuf, errlen, "dnsvigil verify: %s: %s", res->zone->file,
		         dv_strerror(ret));
out:
	/* The presign threads may still read the zone's records: they end first. */
	dv_presign_free(hook.presign);
	res->opts.presign = NULL;
	res->opts.before_signatures = NULL;
	res->opts.before_signatures_ctx = NULL;
	dv_tsig_key_free(key);
	return ret;
}
