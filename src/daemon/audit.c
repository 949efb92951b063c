/*
 * The resolver audit of the daemon (issue 12 §2): every `resolvers.interval`
 * all configured resolvers are asked for the canary names together on a
 * worker (adapter.c); a verdict that changed is one resolver.verdict event,
 * stored and then taken by the ledger like a zone's.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/adapter.h"
#include "daemon/daemon_int.h"

typedef struct {
	uv_work_t req;
	daemon_t *d;
	char *canary;
	char **addrs;
	size_t n;
	unsigned timeout_ms;
	dv_adapter_verdict_t *v;
	int rc;
	char err[512];
	int64_t start;
} res_job_t;

static void res_job_free(res_job_t *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->addrs[i]);
	free(j->addrs);
	free(j->v);
	free(j->canary);
	free(j);
}

static void res_work(uv_work_t *req)
{
	res_job_t *j = req->data;
	j->rc = dv_adapter_audit(j->canary, (const char *const *)j->addrs, j->n, j->timeout_ms,
	                         j->v, j->err, sizeof(j->err));
}

static void res_done(uv_work_t *req, int status)
{
	res_job_t *j = req->data;
	daemon_t *d = j->d;
	d->res_running = false;
	if (status == 0 && j->rc != DV_OK) {
		dv_log(DV_LOG_ERR, NULL, NULL, "resolver audit failed: %s", j->err);
		for (size_t i = 0; i < d->nres; i++)
			d->res[i].probe_ok = false;
	} else if (status == 0) {
		dv_events_t ev = {0};
		int rc = dv_store_begin(d->store);
		/* the configuration may have changed while the audit ran: match by address */
		for (size_t i = 0; i < j->n && rc == DV_OK; i++) {
			for (size_t k = 0; k < d->nres; k++) {
				resolver_st *r = &d->res[k];
				if (strcmp(r->address, j->addrs[i]) != 0)
					continue;
				size_t before = ev.len;
				rc = dv_resolver_diff(r->name, r->verdict, j->v[i].verdict,
				                      j->start, &ev);
				if (rc == DV_OK && ev.len > before)
					rc = dv_store_resolver_put(d->store, r->name, r->address,
					                           j->v[i].verdict, j->start);
			}
		}
		if (rc == DV_OK)
			rc = dv_daemon_emit_events(d->store, &ev);
		if (rc == DV_OK)
			rc = dv_store_commit(d->store);
		else
			dv_store_rollback(d->store);
		if (rc != DV_OK) {
			d->store_errors++;
			dv_log(DV_LOG_ERR, NULL, NULL, "store: %s; resolver verdicts not recorded",
			       dv_store_errmsg(d->store));
		} else {
			for (size_t i = 0; i < j->n; i++)
				for (size_t k = 0; k < d->nres; k++)
					if (strcmp(d->res[k].address, j->addrs[i]) == 0) {
						resolver_st *r = &d->res[k];
						snprintf(r->verdict, sizeof(r->verdict), "%s",
						         j->v[i].verdict);
						r->probe_ok = true;
						r->last_success = j->start;
					}
			d->events_total += ev.len;
			dv_daemon_log_events(&ev);
			if (ev.len > 0)
				dv_daemon_ledger_kick(d);
		}
		dv_events_free(&ev);
	}
	d->dirty = true;
	res_job_free(j);
	if (!d->stopping)
		dv_resolvers_schedule(d, dv_daemon_jitter(d, d->conf->resolver_interval));
	dv_daemon_finish_if_done(d);
}

static void res_due(uv_timer_t *t)
{
	daemon_t *d = t->data;
	if (d->res_running || d->stopping || d->nres == 0)
		return;
	res_job_t *j = calloc(1, sizeof(*j));
	if (j == NULL)
		goto retry;
	j->req.data = j;
	j->d = d;
	j->n = d->nres;
	j->timeout_ms = d->conf->timeout_ms > 2000 ? d->conf->timeout_ms : 2000;
	j->start = dv_daemon_now();
	j->canary = strdup(d->conf->canary);
	j->addrs = calloc(j->n, sizeof(*j->addrs));
	j->v = calloc(j->n, sizeof(*j->v));
	if (j->canary == NULL || j->addrs == NULL || j->v == NULL)
		goto fail;
	for (size_t i = 0; i < j->n; i++)
		if ((j->addrs[i] = strdup(d->res[i].address)) == NULL)
			goto fail;
	if (uv_queue_work(&d->loop, &j->req, res_work, res_done) != 0)
		goto fail;
	d->res_running = true;
	return;
fail:
	res_job_free(j);
retry:
	dv_resolvers_schedule(d, 5000);
}

void dv_resolvers_schedule(daemon_t *d, uint64_t ms)
{
	uv_timer_start(&d->res_timer, res_due, ms, 0);
}

int dv_resolvers_set(daemon_t *d, const dv_conf_t *conf)
{
	resolver_st *n = calloc(conf->nresolvers ? conf->nresolvers : 1, sizeof(*n));
	if (n == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < conf->nresolvers; i++) {
		n[i].name = strdup(conf->resolvers[i].name);
		n[i].address = strdup(conf->resolvers[i].address);
		if (n[i].name == NULL || n[i].address == NULL)
			goto fail;
		/* keep what is known of a resolver that stays; else the store's */
		bool kept = false;
		for (size_t k = 0; k < d->nres; k++) {
			if (strcmp(d->res[k].name, n[i].name) == 0) {
				memcpy(n[i].verdict, d->res[k].verdict, sizeof(n[i].verdict));
				n[i].probe_ok = d->res[k].probe_ok;
				n[i].last_success = d->res[k].last_success;
				kept = true;
			}
		}
		if (!kept)
			dv_store_resolver_get(d->store, n[i].name, n[i].verdict,
			                      sizeof(n[i].verdict));
	}
	for (size_t k = 0; k < d->nres; k++) {
		free(d->res[k].name);
		free(d->res[k].address);
	}
	free(d->res);
	d->res = n;
	d->nres = conf->nresolvers;
	return DV_OK;
fail:
	for (size_t i = 0; i < conf->nresolvers; i++) {
		free(n[i].name);
		free(n[i].address);
	}
	free(n);
	return DV_ENOMEM;
}
