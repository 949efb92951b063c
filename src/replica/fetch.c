/*
 * One zone transfer into a zone builder: the engine (src/net/xfr.h) hands
 * each message's records over as they arrive, and they go straight into
 * the builder, so a zone is held once while it comes in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "replica/replica_int.h"

static int on_msg(void *ctx, const dv_xfr_msg_t *msg)
{
	fetch_t *f = ctx;
	if (f->b == NULL)
		return 0; /* checked and counted only */
	for (size_t i = 0; i < msg->count; i++) {
		const dv_xfr_rr_t *rr = &msg->rrs[i];
		/* A transfer has no lines: findings name no line (0). */
		dv_zone_rec_t rec = {.owner = rr->owner,
		                     .rdata = rr->rdata,
		                     .rclass = rr->rclass,
		                     .type = rr->type,
		                     .rdlen = rr->rdlen,
		                     .ttl = rr->ttl};
		char why[600];
		int ret = dv_zone_builder_add(f->b, &rec, why, sizeof(why));
		if (ret != DV_OK) {
			char what[400], owner[300], type[32];
			dv_dname_to_str(rr->owner, owner, sizeof(owner));
			dv_type_to_str(rr->type, type, sizeof(type));
			snprintf(what, sizeof(what), "%s %s", owner, type);
			f->build_ret = ret;
			snprintf(f->build_err, sizeof(f->build_err),
			         "%.95s: message %llu, %.300s: %.180s", f->label,
			         (unsigned long long)msg->index, what, why);
			return 1; /* stop the transfer */
		}
	}
	return 0;
}

static void on_done(void *ctx, const dv_xfr_req_t *req, dv_xfr_result_t *res)
{
	fetch_t *f = ctx;
	f->res = *res;
	res->ixfr = NULL; /* taken */
	f->done = true;
	if (f->on_done != NULL)
		f->on_done(f->ctx, f);
}

int fetch_start(dv_net_t *net, fetch_t *f)
{
	char addr[DV_REPLICA_ADDR_MAX];
	dv_net_addr_format(&f->req.addr, addr, sizeof(addr));
	snprintf(f->label, sizeof(f->label), "%s from %s", f->type == DV_XFR_IXFR ? "IXFR" : "AXFR",
	         addr);
	dv_zone_build_opts_t bo = {.origin = f->req.zone,
	                           .file = f->label,
	                           .max_records = f->req.max_records,
	                           .on_run = f->req.on_run,
	                           .run_ctx = f->req.run_ctx};
	int ret = dv_zone_builder_new(&bo, &f->b);
	if (ret != DV_OK)
		return ret;
	dv_xfr_req_t xr = {.addr = f->req.addr,
	                   .type = f->type,
	                   .serial = f->serial,
	                   .tsig = f->req.tsig,
	                   .limits = f->req.limits};
	memcpy(xr.zone, f->req.zone, knot_dname_size(f->req.zone));
	ret = dv_xfr_submit(net, &xr, on_msg, on_done, f);
	if (ret != DV_OK) {
		dv_zone_builder_free(f->b);
		f->b = NULL;
	}
	return ret;
}

int fetch_zone(fetch_t *f, dv_zone_t **out, char *err, size_t errlen)
{
	*out = NULL;
	if (f->build_ret != DV_OK) {
		snprintf(err, errlen, "%s", f->build_err);
		return f->build_ret;
	}
	if (f->res.status != DV_OK) {
		snprintf(err, errlen, "%s: %s: %s", f->label, dv_xfr_failure_name(f->res.failure),
		         f->res.detail);
		return f->res.status;
	}
	if (f->res.kind != DV_XFR_KIND_FULL || f->b == NULL) {
		snprintf(err, errlen, "%s: no whole zone in the answer", f->label);
		return DV_EINVAL;
	}
	/* The builder ends the last run: the hook sees it before the index. */
	dv_zone_builder_end_run(f->b);
	int ret = dv_zone_builder_finish(f->b, out, err, errlen);
	if (ret == DV_OK)
		f->b = NULL;
	return ret;
}

void fetch_clear(fetch_t *f)
{
	if (f->b != NULL && f->req.on_run != NULL)
		f->req.on_run(f->req.run_ctx, NULL, NULL, 0); /* let go of the records */
	dv_zone_builder_free(f->b);
	f->b = NULL;
	dv_ixfr_free(f->res.ixfr);
	f->res.ixfr = NULL;
}

int dv_replica_axfr(const dv_replica_fetch_t *req, dv_zone_t **out, dv_xfr_result_t *xr, char *err,
                    size_t errlen)
{
	*out = NULL;
	err[0] = '\0';
	dv_net_t *net = NULL;
	fetch_t f = {.req = *req, .type = DV_XFR_AXFR};
	int ret = dv_net_new(NULL, &net);
	if (ret == DV_OK)
		ret = fetch_start(net, &f);
	if (ret == DV_OK)
		ret = dv_net_run(net);
	if (ret != DV_OK)
		snprintf(err, errlen, "%s: %s", f.label[0] ? f.label : "AXFR", dv_strerror(ret));
	else
		ret = fetch_zone(&f, out, err, errlen);
	if (xr != NULL) {
		*xr = f.res;
		xr->ixfr = NULL;
	}
	fetch_clear(&f);
	dv_net_free(net);
	return ret;
}
