/*
 * The watch scheduler (issue 12 §1-2).  One libuv loop on the main thread
 * owns every piece of state and the store; zone cycles (probe + checks, CPU
 * and network) run on libuv's worker threads through the adapter, at most
 * `concurrency` at once and never two of one zone (a zone's timer is armed
 * again only when its cycle has finished).  A cycle's results are written in
 * one store transaction together with its events, so kill -9 at any moment
 * loses nothing acknowledged and a restart repeats nothing: the in-memory
 * baseline is only advanced after the commit, and it is read back from the
 * store at start.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core/error.h"
#include "daemon/adapter.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/daemon_int.h"
#include "daemon/rollwatch.h"
#include "daemon/signer.h"
#include "metrics/metrics.h"
#include "store/store.h"

#ifndef DV_VERSION
#define DV_VERSION "0.1.0"
#endif

#define SIGNER_HISTORY 32 /* change points kept per zone for "signer late" */
#define RENDER_MS      1000
#define FLUSH_MS       60000
#define PRUNE_MS       3600000

typedef struct daemon daemon_t;

typedef struct zone_st {
	char *name;
	const dv_conf_zone_t *conf; /* into d->conf, replaced on reload */
	daemon_t *d;
	uv_timer_t timer;
	bool running, removed, queued, touched;
	struct zone_st *next_queued;
	dv_obs_t obs; /* the committed baseline (what the store holds) */
	bool have_obs;
	dv_store_findings_t findings;
	bool probe_ok;
	char *error; /* why the last cycle failed (NULL: it did not) */
	int64_t last_attempt, last_success;
	double probe_seconds;
	dv_signer_sample_t hist[SIGNER_HISTORY];
	size_t nhist;
	dv_signer_verdict_t signer;
	dv_rollwatch_t *roll; /* rollwatch.c: where its rollover stands */
} zone_st;

typedef struct {
	char *name, *address;
	char verdict[32];
	bool probe_ok;
	int64_t last_success;
} resolver_st;

struct daemon {
	uv_loop_t loop;
	char *conf_path;
	dv_conf_t *conf;
	dv_store_t *store;
	dv_metrics_server_t *metrics;
	zone_st **zones; /* sorted by name */
	size_t nzones;
	resolver_st *res;
	size_t nres;
	bool res_running;
	unsigned running;
	zone_st *q_head, *q_tail;
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t render_timer, watchdog_timer, prune_timer, flush_timer, res_timer;
	bool dirty, stopping;
	uint64_t rng;
	int64_t start_time, reload_time;
	bool reload_ok;
	uint64_t cycles_ok, cycles_failed, events_total, store_errors, ledger_entries;
};

/* ---- small helpers ---------------------------------------------------------------- */

static uint64_t rnd(daemon_t *d)
{
	/* xorshift64: schedule jitter only, nothing secret */
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return d->rng;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* interval +- 10 %, so zones configured together drift apart. */
static uint64_t jittered_ms(daemon_t *d, int64_t interval)
{
	uint64_t ms = (uint64_t)interval * 1000, span = ms / 5;
	return ms - ms / 10 + (span ? rnd(d) % span : 0);
}

static void zone_schedule(zone_st *z, uint64_t ms);

/* ---- signer history ----------------------------------------------------------- */

static void hist_push(zone_st *z, int64_t t, int64_t inc, int64_t exp)
{
	if (z->nhist > 0 && z->hist[z->nhist - 1].newest_inception == inc &&
	    z->hist[z->nhist - 1].earliest_expiry == exp)
		return;
	if (z->nhist == SIGNER_HISTORY) {
		memmove(z->hist, z->hist + 1, (SIGNER_HISTORY - 1) * sizeof(z->hist[0]));
		z->nhist--;
	}
	z->hist[z->nhist++] = (dv_signer_sample_t){t, inc, exp};
}

static int hist_row(const dv_store_hist_row_t *r, void *ctx)
{
	zone_st *z = ctx;
	if (r->earliest_expiry != 0)
		hist_push(z, r->time, r->newest_inception, r->earliest_expiry);
	return 0;
}

static void signer_judge(zone_st *z, int64_t now)
{
	dv_signer_policy_t pol = {.refresh = z->conf->s.signer_refresh,
	                          .interval = z->conf->s.interval};
	dv_signer_judge(z->hist, z->nhist, &pol, now, &z->signer);
}

/* ---- zones -------------------------------------------------------------------- */

static zone_st *zone_new(daemon_t *d, const dv_conf_zone_t *c)
{
	zone_st *z = calloc(1, sizeof(*z));
	if (z == NULL || (z->name = strdup(c->name)) == NULL) {
		free(z);
		return NULL;
	}
	z->conf = c;
	z->d = d;
	if ((z->roll = dv_rollwatch_new()) == NULL) {
		free(z->name);
		free(z);
		return NULL;
	}
	uv_timer_init(&d->loop, &z->timer);
	z->timer.data = z;
	/* The baseline: what the store remembers, so a restart repeats nothing. */
	bool found = false;
	if (dv_store_zone_get(d->store, z->name, &z->obs, &found) != DV_OK)
		dv_log(DV_LOG_ERR, z->name, NULL, "store: %s (starting from nothing)",
		       dv_store_errmsg(d->store));
	z->have_obs = found;
	if (found) {
		z->probe_ok = z->obs.probe_ok;
		if (dv_store_findings_get(d->store, z->name, &z->findings) != DV_OK)
			dv_log(DV_LOG_ERR, z->name, NULL, "store: %s", dv_store_errmsg(d->store));
		dv_store_history_each(d->store, z->name, hist_row, z);
		signer_judge(z, now_s());
	} else {
		snprintf(z->obs.zone, sizeof(z->obs.zone), "%s", z->name);
	}
	return z;
}

static void zone_closed(uv_handle_t *h)
{
	zone_st *z = h->data;
	dv_obs_clear(&z->obs);
	dv_store_findings_free(&z->findings);
	dv_rollwatch_free(z->roll);
	free(z->error);
	free(z->name);
	free(z);
}

static void zone_drop(zone_st *z)
{
	uv_timer_stop(&z->timer);
	uv_close((uv_handle_t *)&z->timer, zone_closed);
}

/* ---- a zone cycle ------------------------------------------------------------- */

typedef struct {
	uv_work_t req;
	zone_st *z;
	char *zone, *hints, *anchor;
	dv_adapter_opts_t opts;
	int64_t start;
	double t0, seconds;
	int rc;
	dv_adapter_result_t res;
} job_t;

static void job_free(job_t *j)
{
	dv_adapter_result_clear(&j->res);
	free(j->zone);
	free(j->hints);
	free(j->anchor);
	free(j);
}

static void job_work(uv_work_t *req)
{
	job_t *j = req->data;
	j->rc = dv_adapter_zone_cycle(&j->opts, j->zone, j->start, &j->res);
	j->seconds = mono_s() - j->t0;
}

/* Whether anything but the time differs between two observations. */
static bool obs_moved(const dv_obs_t *a, const dv_obs_t *b)
{
	dv_obs_t x = *a, y = *b;
	x.time = y.time = 0;
	char *ja = NULL, *jb = NULL;
	bool moved = dv_obs_to_json(&x, &ja) != DV_OK || dv_obs_to_json(&y, &jb) != DV_OK ||
	             strcmp(ja, jb) != 0;
	free(ja);
	free(jb);
	return moved;
}

static bool findings_moved(const dv_store_findings_t *a, const dv_store_findings_t *b)
{
	if (a->len != b->len)
		return true;
	/* by identity: a detail that only counts down ("1 days left") is no change */
	for (size_t i = 0; i < a->len; i++)
		if (strcmp(a->v[i].code, b->v[i].code) != 0 ||
		    strcmp(a->v[i].owner, b->v[i].owner) != 0 ||
		    strcmp(a->v[i].server, b->v[i].server) != 0 || a->v[i].type != b->v[i].type ||
		    a->v[i].keytag != b->v[i].keytag)
			return true;
	return false;
}

static void pump(daemon_t *d);
static void finish_if_done(daemon_t *d);

/* The committed part of a cycle: diff, store, events, in one transaction. */
static void cycle_commit(daemon_t *d, zone_st *z, job_t *j)
{
	dv_adapter_result_t *r = &j->res;
	dv_events_t ev = {0};
	int rc;
	if (!r->obs.probe_ok) {
		z->probe_ok = false;
		free(z->error);
		z->error = strdup(r->err);
		d->cycles_failed++;
		dv_log(DV_LOG_ERR, z->name, NULL, "cycle failed: %s", r->err);
		z->touched = true;
		return;
	}
	if ((rc = dv_obs_carry(z->have_obs ? &z->obs : NULL, &r->obs)) != DV_OK)
		goto fail;
	/* The rollover (rollwatch.c): its findings and phase events join the
	 * cycle's; the snapshot is kept whenever what its model observes changed. */
	bool keep_snapshot = false;
	if ((rc = dv_rollwatch_cycle(z->roll, d->store, r, &ev, &keep_snapshot)) != DV_OK)
		goto fail;
	dv_findings_carry(&z->findings, &r->findings);
	for (size_t i = 0; i < r->findings.len; i++)
		r->findings.v[i].last_seen = r->obs.time;
	if ((rc = dv_obs_diff(z->have_obs ? &z->obs : NULL, &r->obs, &z->findings, &r->findings,
	                      &ev)) != DV_OK)
		goto fail;
	d->cycles_ok++;
	z->probe_ok = true;
	free(z->error);
	z->error = NULL;
	z->last_success = r->obs.time;
	bool moved = !z->have_obs || ev.len > 0 || keep_snapshot || obs_moved(&z->obs, &r->obs) ||
	             findings_moved(&z->findings, &r->findings);
	if (!moved) {
		/* Nothing changed: nothing written now (the flush timer records
		 * the times), nothing logged. */
		z->touched = true;
		dv_events_free(&ev);
		return;
	}
	int64_t sid = 0;
	if ((rc = dv_store_begin(d->store)) != DV_OK)
		goto store_fail;
	/* The snapshot that changed something, for `check --from` and the
	 * rollover history later. */
	if ((ev.len > 0 || keep_snapshot) && r->snapshot != NULL &&
	    (rc = dv_store_snapshot_add(d->store, z->name, r->obs.time, "json", r->snapshot,
	                                r->snapshot_len, &sid)) != DV_OK)
		goto store_fail;
	if ((rc = dv_store_zone_put(d->store, &r->obs, sid)) != DV_OK ||
	    (rc = dv_store_findings_put(d->store, z->name, &r->findings)) != DV_OK ||
	    (rc = dv_daemon_emit_events(d->store, &ev)) != DV_OK)
		goto store_fail;
	if ((rc = dv_store_commit(d->store)) != DV_OK)
		goto store_fail;
	/* Committed: advance the baseline. */
	dv_obs_clear(&z->obs);
	z->obs = r->obs;
	memset(&r->obs, 0, sizeof(r->obs));
	z->have_obs = true;
	dv_store_findings_free(&z->findings);
	z->findings = r->findings;
	memset(&r->findings, 0, sizeof(r->findings));
	hist_push(z, z->obs.time, z->obs.newest_inception, z->obs.earliest_expiry);
	d->events_total += ev.len;
	d->ledger_entries += ev.len;
	dv_daemon_log_events(&ev);
	dv_events_free(&ev);
	return;
store_fail:
	dv_store_rollback(d->store);
	d->store_errors++;
	dv_log(DV_LOG_ERR, z->name, NULL,
	       "store: %s; this cycle is not recorded (its changes will be seen again)",
	       dv_store_errmsg(d->store));
	dv_events_free(&ev);
	return;
fail:
	d->cycles_failed++;
	dv_log(DV_LOG_ERR, z->name, NULL, "cycle: %s", dv_strerror(rc));
	dv_events_free(&ev);
}

static void job_done(uv_work_t *req, int status)
{
	job_t *j = req->data;
	zone_st *z = j->z;
	daemon_t *d = z->d;
	d->running--;
	z->running = false;
	z->last_attempt = j->start;
	z->probe_seconds = j->seconds;
	if (!z->removed && status == 0) {
		if (j->rc != DV_OK) {
			d->cycles_failed++;
			dv_log(DV_LOG_ERR, z->name, NULL, "cycle: %s", dv_strerror(j->rc));
		} else {
			cycle_commit(d, z, j);
		}
		signer_judge(z, now_s());
		d->dirty = true;
	}
	job_free(j);
	if (z->removed)
		zone_drop(z);
	else if (!d->stopping)
		zone_schedule(z, jittered_ms(d, z->conf->s.interval));
	pump(d);
	finish_if_done(d);
}

static int cycle_start(daemon_t *d, zone_st *z)
{
	job_t *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return DV_ENOMEM;
	j->req.data = j;
	j->z = z;
	j->zone = strdup(z->name);
	j->hints = strdup(d->conf->root_hints);
	j->anchor = strdup(d->conf->trust_anchor);
	if (j->zone == NULL || j->hints == NULL || j->anchor == NULL) {
		job_free(j);
		return DV_ENOMEM;
	}
	j->opts = (dv_adapter_opts_t){.root_hints = j->hints,
	                              .trust_anchor = j->anchor,
	                              .timeout_ms = d->conf->timeout_ms,
	                              .retries = d->conf->retries,
	                              .max_inflight = d->conf->max_inflight,
	                              .port = d->conf->port,
	                              .warn = z->conf->s.warn,
	                              .crit = z->conf->s.crit};
	j->start = now_s();
	j->t0 = mono_s();
	if (uv_queue_work(&d->loop, &j->req, job_work, job_done) != 0) {
		job_free(j);
		return DV_ENOMEM;
	}
	z->running = true;
	d->running++;
	return DV_OK;
}

/* Start queued zones while there is room. */
static void pump(daemon_t *d)
{
	while (!d->stopping && d->q_head != NULL && d->running < d->conf->concurrency) {
		zone_st *z = d->q_head;
		d->q_head = z->next_queued;
		if (d->q_head == NULL)
			d->q_tail = NULL;
		z->queued = false;
		z->next_queued = NULL;
		if (z->removed) {
			zone_drop(z);
			continue;
		}
		if (cycle_start(d, z) != DV_OK) {
			dv_log(DV_LOG_ERR, z->name, NULL, "cannot start a cycle: out of memory");
			zone_schedule(z, 1000);
		}
	}
}

static void zone_due(uv_timer_t *t)
{
	zone_st *z = t->data;
	daemon_t *d = z->d;
	if (z->running || z->queued || d->stopping)
		return;
	z->queued = true;
	if (d->q_tail)
		d->q_tail->next_queued = z;
	else
		d->q_head = z;
	d->q_tail = z;
	pump(d);
}

static void zone_schedule(zone_st *z, uint64_t ms)
{
	uv_timer_start(&z->timer, zone_due, ms, 0);
}

/* ---- resolvers ------------------------------------------------------------------ */

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

static void res_schedule(daemon_t *d, uint64_t ms);

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
			d->ledger_entries += ev.len;
			dv_daemon_log_events(&ev);
		}
		dv_events_free(&ev);
	}
	d->dirty = true;
	res_job_free(j);
	if (!d->stopping)
		res_schedule(d, jittered_ms(d, d->conf->resolver_interval));
	finish_if_done(d);
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
	j->start = now_s();
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
	res_schedule(d, 5000);
}

static void res_schedule(daemon_t *d, uint64_t ms)
{
	uv_timer_start(&d->res_timer, res_due, ms, 0);
}

static int resolvers_set(daemon_t *d, const dv_conf_t *conf)
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

/* ---- metrics ---------------------------------------------------------------------- */

static void render(daemon_t *d)
{
	if (d->metrics == NULL)
		return;
	dv_metrics_zone_t *mz = calloc(d->nzones ? d->nzones : 1, sizeof(*mz));
	const char **keys = calloc(d->nzones * DV_CONF_MAX_LABELS + 1, sizeof(char *));
	const char **vals = calloc(d->nzones * DV_CONF_MAX_LABELS + 1, sizeof(char *));
	dv_metrics_resolver_t *mr = calloc(d->nres ? d->nres : 1, sizeof(*mr));
	if (mz == NULL || keys == NULL || vals == NULL || mr == NULL)
		goto out;
	for (size_t i = 0; i < d->nzones; i++) {
		const zone_st *z = d->zones[i];
		const dv_conf_zone_settings_t *s = &z->conf->s;
		for (size_t l = 0; l < s->nlabels; l++) {
			keys[i * DV_CONF_MAX_LABELS + l] = s->labels[l].key;
			vals[i * DV_CONF_MAX_LABELS + l] = s->labels[l].value;
		}
		mz[i] = (dv_metrics_zone_t){
		    .obs = &z->obs,
		    .expect = dv_conf_expect_name(s->expect),
		    .label_keys = keys + i * DV_CONF_MAX_LABELS,
		    .label_values = vals + i * DV_CONF_MAX_LABELS,
		    .nlabels = s->nlabels,
		    .probe_ok = z->probe_ok,
		    .last_success = z->last_success,
		    .probe_seconds = z->probe_seconds,
		    .findings = &z->findings,
		    .signer_state = (int)z->signer.state,
		    .signer_margin = z->signer.margin,
		    .rollover = dv_rollwatch_view(z->roll),
		};
	}
	for (size_t i = 0; i < d->nres; i++)
		mr[i] = (dv_metrics_resolver_t){d->res[i].name, d->res[i].verdict,
		                                d->res[i].probe_ok, d->res[i].last_success};
	dv_metrics_view_t v = {
	    .zones = mz,
	    .nzones = d->nzones,
	    .resolvers = mr,
	    .nresolvers = d->nres,
	    .version = DV_VERSION,
	    .start_time = d->start_time,
	    .cycles_ok = d->cycles_ok,
	    .cycles_failed = d->cycles_failed,
	    .events_total = d->events_total,
	    .store_errors = d->store_errors,
	    /* No ledger is connected yet (issue 11): every entry is unanchored. */
	    .ledger_entries = d->ledger_entries,
	    .ledger_unanchored = d->ledger_entries,
	    .config_reload_time = d->reload_time,
	    .config_reload_ok = d->reload_ok,
	};
	char *text;
	size_t len;
	int rc = dv_metrics_render(&v, &text, &len);
	if (rc == DV_OK)
		dv_metrics_server_publish(d->metrics, text, len);
	else
		dv_log(DV_LOG_ERR, NULL, NULL, "metrics: %s", dv_strerror(rc));
out:
	free(mz);
	free(keys);
	free(vals);
	free(mr);
}

static void render_tick(uv_timer_t *t)
{
	daemon_t *d = t->data;
	if (d->dirty) {
		d->dirty = false;
		render(d);
	}
}

static void watchdog_tick(uv_timer_t *t)
{
	sd_notify(0, "WATCHDOG=1");
}

/* Record the times of unchanged cycles, in one transaction per minute. */
static void flush_touched(daemon_t *d)
{
	bool any = false;
	for (size_t i = 0; i < d->nzones && !any; i++)
		any = d->zones[i]->touched && d->zones[i]->have_obs;
	if (!any)
		return;
	int rc = dv_store_begin(d->store);
	for (size_t i = 0; i < d->nzones && rc == DV_OK; i++) {
		zone_st *z = d->zones[i];
		if (!z->touched || !z->have_obs)
			continue;
		rc = dv_store_zone_touch(d->store, z->name, z->last_attempt, z->probe_ok, z->error);
	}
	if (rc == DV_OK && (rc = dv_store_commit(d->store)) == DV_OK) {
		for (size_t i = 0; i < d->nzones; i++)
			d->zones[i]->touched = false;
		return;
	}
	dv_store_rollback(d->store);
	d->store_errors++;
	dv_log(DV_LOG_ERR, NULL, NULL, "store: %s (cycle times not recorded)",
	       dv_store_errmsg(d->store));
}

static void flush_tick(uv_timer_t *t)
{
	flush_touched(t->data);
}

static void prune_tick(uv_timer_t *t)
{
	daemon_t *d = t->data;
	dv_store_retention_t keep = {d->conf->keep_events, d->conf->keep_snapshots,
	                             d->conf->snapshots_per_zone, d->conf->keep_observations};
	int64_t deleted;
	if (dv_store_prune(d->store, &keep, now_s(), &deleted) != DV_OK)
		dv_log(DV_LOG_ERR, NULL, NULL, "store: retention: %s", dv_store_errmsg(d->store));
	else if (deleted > 0)
		dv_log(DV_LOG_INFO, NULL, NULL, "retention: %lld rows removed", (long long)deleted);
}

/* ---- configuration ---------------------------------------------------------------- */

static int cmp_zone_st(const void *a, const void *b)
{
	return strcmp((*(zone_st *const *)a)->name, (*(zone_st *const *)b)->name);
}

static zone_st *zone_find(daemon_t *d, const char *name)
{
	if (d->nzones == 0)
		return NULL;
	zone_st key = {.name = (char *)name}, *kp = &key;
	zone_st **f = bsearch(&kp, d->zones, d->nzones, sizeof(*d->zones), cmp_zone_st);
	return f ? *f : NULL;
}

/* Make `conf` the running configuration: zones that stay keep their state,
 * new ones start (spread over the first seconds), removed ones stop. */
static int apply(daemon_t *d, dv_conf_t *conf)
{
	zone_st **nz = calloc(conf->nzones ? conf->nzones : 1, sizeof(*nz));
	if (nz == NULL)
		return DV_ENOMEM;
	size_t added = 0, kept = 0, removed = 0;
	for (size_t i = 0; i < conf->nzones; i++) {
		zone_st *z = zone_find(d, conf->zones[i].name);
		if (z != NULL) {
			bool new_interval = z->conf->s.interval != conf->zones[i].s.interval;
			z->conf = &conf->zones[i];
			if (new_interval && !z->running && !z->queued)
				zone_schedule(z, jittered_ms(d, z->conf->s.interval));
			kept++;
		} else if ((z = zone_new(d, &conf->zones[i])) == NULL) {
			for (size_t k = 0; k < i; k++)
				if (zone_find(d, nz[k]->name) == NULL)
					zone_drop(nz[k]);
			free(nz);
			return DV_ENOMEM;
		} else {
			/* spread first cycles over min(interval/10, 5 s) */
			uint64_t spread = (uint64_t)conf->zones[i].s.interval * 100;
			if (spread > 5000)
				spread = 5000;
			zone_schedule(z, rnd(d) % (spread + 1));
			added++;
		}
		nz[i] = z;
	}
	for (size_t i = 0; i < d->nzones; i++) {
		zone_st *z = d->zones[i];
		if (dv_conf_zone_find(conf, z->name) != NULL)
			continue;
		removed++;
		z->removed = true;
		/* a running or queued zone is dropped when its cycle ends or it is dequeued */
		if (!z->running && !z->queued)
			zone_drop(z);
	}
	free(d->zones);
	d->zones = nz;
	d->nzones = conf->nzones;
	dv_conf_t *old = d->conf;
	d->conf = conf;
	if (resolvers_set(d, conf) != DV_OK)
		dv_log(DV_LOG_ERR, NULL, NULL, "resolvers: out of memory");
	if (d->nres > 0 && !d->res_running &&
	    (old == NULL || !uv_is_active((uv_handle_t *)&d->res_timer)))
		res_schedule(d, 1000);
	dv_conf_free(old);
	dv_log(DV_LOG_INFO, NULL, NULL,
	       "configuration %s: %zu zones (%zu kept, %zu added, %zu removed), %zu resolvers",
	       d->conf_path, d->nzones, kept, added, removed, d->nres);
	d->dirty = true;
	return DV_OK;
}

static void reload(daemon_t *d)
{
	dv_conf_t *conf;
	char err[1024];
	sd_notify(0, "RELOADING=1");
	int rc = dv_conf_load(d->conf_path, &conf, err, sizeof(err));
	if (rc != DV_OK) {
		d->reload_ok = false;
		dv_log(DV_LOG_ERR, NULL, NULL,
		       "reload refused, the running configuration stays: %s", err);
	} else {
		if (strcmp(conf->state_directory, d->conf->state_directory) != 0)
			dv_log(DV_LOG_WARNING, NULL, NULL,
			       "state_directory changed: takes effect at the next start");
		if (strcmp(conf->listen, d->conf->listen) != 0)
			dv_log(DV_LOG_WARNING, NULL, NULL,
			       "listen changed: takes effect at the next start");
		if (apply(d, conf) != DV_OK) {
			dv_conf_free(conf);
			d->reload_ok = false;
			dv_log(DV_LOG_ERR, NULL, NULL, "reload failed: out of memory");
		} else {
			d->reload_ok = true;
			d->reload_time = now_s();
		}
	}
	d->dirty = true;
	pump(d);
	sd_notifyf(0, "READY=1\nSTATUS=watching %zu zones, %zu resolvers", d->nzones, d->nres);
}

/* ---- start and stop -------------------------------------------------------------------- */

static void close_cb(uv_handle_t *h)
{
	(void)h;
}

static void finish_if_done(daemon_t *d)
{
	if (!d->stopping || d->running > 0 || d->res_running)
		return;
	flush_touched(d);
	uv_timer_stop(&d->render_timer);
	for (size_t i = 0; i < d->nzones; i++)
		zone_drop(d->zones[i]);
	d->nzones = 0;
	/* queued zones were dropped above or are removed ones waiting */
	for (zone_st *z = d->q_head; z; z = z->next_queued)
		if (z->removed)
			zone_drop(z);
	d->q_head = d->q_tail = NULL;
	uv_handle_t *hs[] = {(uv_handle_t *)&d->sig_term,       (uv_handle_t *)&d->sig_int,
	                     (uv_handle_t *)&d->sig_hup,        (uv_handle_t *)&d->render_timer,
	                     (uv_handle_t *)&d->watchdog_timer, (uv_handle_t *)&d->prune_timer,
	                     (uv_handle_t *)&d->flush_timer,    (uv_handle_t *)&d->res_timer};
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
		if (!uv_is_closing(hs[i]))
			uv_close(hs[i], close_cb);
}

static void on_signal(uv_signal_t *s, int sig)
{
	daemon_t *d = s->data;
	if (sig == SIGHUP) {
		dv_log(DV_LOG_INFO, NULL, NULL, "SIGHUP: reloading %s", d->conf_path);
		reload(d);
		return;
	}
	if (d->stopping)
		return;
	dv_log(DV_LOG_INFO, NULL, NULL, "%s: finishing %u running cycles, then stopping",
	       sig == SIGTERM ? "SIGTERM" : "SIGINT", d->running);
	sd_notify(0, "STOPPING=1");
	d->stopping = true;
	for (size_t i = 0; i < d->nzones; i++)
		uv_timer_stop(&d->zones[i]->timer);
	uv_timer_stop(&d->res_timer);
	finish_if_done(d);
}

static void set_threadpool(unsigned concurrency)
{
	/* libuv sizes its pool once, from the environment, at first use:
	 * one worker per concurrent cycle plus one for the resolver audit. */
	if (getenv("UV_THREADPOOL_SIZE") != NULL)
		return;
	char n[16];
	snprintf(n, sizeof(n), "%u", concurrency + 1);
	setenv("UV_THREADPOOL_SIZE", n, 1);
}

int dv_daemon_run(const char *config)
{
	daemon_t d;
	char err[1024];
	int status = 2;
	memset(&d, 0, sizeof(d));
	dv_conf_t *conf = NULL;
	if (dv_conf_load(config, &conf, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "dnsvigil watch: %s\n", err);
		return 2;
	}
	d.conf_path = strdup(config);
	d.start_time = d.reload_time = now_s();
	d.reload_ok = true;
	d.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
	if (d.conf_path == NULL)
		goto out;
	if (dv_store_open(conf->state_directory, false, &d.store, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "dnsvigil watch: store: %s\n", err);
		goto out;
	}
	if (conf->listen[0] != '\0' &&
	    dv_metrics_server_start(conf->listen, &d.metrics, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "dnsvigil watch: %s\n", err);
		goto out;
	}
	set_threadpool(conf->concurrency);
	if (uv_loop_init(&d.loop) != 0)
		goto out;
	uv_signal_init(&d.loop, &d.sig_term);
	uv_signal_init(&d.loop, &d.sig_int);
	uv_signal_init(&d.loop, &d.sig_hup);
	d.sig_term.data = d.sig_int.data = d.sig_hup.data = &d;
	uv_signal_start(&d.sig_term, on_signal, SIGTERM);
	uv_signal_start(&d.sig_int, on_signal, SIGINT);
	uv_signal_start(&d.sig_hup, on_signal, SIGHUP);
	uv_timer_t *timers[] = {&d.render_timer, &d.watchdog_timer, &d.prune_timer, &d.flush_timer,
	                        &d.res_timer};
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
		uv_timer_init(&d.loop, timers[i]);
		timers[i]->data = &d;
	}
	if (apply(&d, conf) != DV_OK) {
		fprintf(stderr, "dnsvigil watch: out of memory\n");
		dv_conf_free(conf);
		conf = NULL;
		d.stopping = true;
		finish_if_done(&d);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		goto loop_out;
	}
	conf = NULL; /* d.conf now */
	/* the store's event count stands for the ledger's until it is connected */
	int64_t nev = 0;
	if (dv_store_event_count(d.store, &nev) == DV_OK)
		d.ledger_entries = (uint64_t)nev;
	render(&d);
	uv_timer_start(&d.render_timer, render_tick, RENDER_MS, RENDER_MS);
	uv_timer_start(&d.flush_timer, flush_tick, FLUSH_MS, FLUSH_MS);
	uv_timer_start(&d.prune_timer, prune_tick, 0, PRUNE_MS);
	uint64_t wd_usec = 0;
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0)
		uv_timer_start(&d.watchdog_timer, watchdog_tick, 0,
		               wd_usec / 2000 ? wd_usec / 2000 : 1);
	dv_log(DV_LOG_NOTICE, NULL, NULL, "watching %zu zones and %zu resolvers; metrics on %s",
	       d.nzones, d.nres, d.metrics ? d.conf->listen : "(off)");
	sd_notifyf(0, "READY=1\nSTATUS=watching %zu zones, %zu resolvers", d.nzones, d.nres);
	uv_run(&d.loop, UV_RUN_DEFAULT);
	status = 0;
	dv_log(DV_LOG_NOTICE, NULL, NULL, "stopped");
loop_out:
	uv_loop_close(&d.loop);
out:
	dv_metrics_server_stop(d.metrics);
	dv_store_close(d.store);
	dv_conf_free(conf);
	dv_conf_free(d.conf);
	for (size_t k = 0; k < d.nres; k++) {
		free(d.res[k].name);
		free(d.res[k].address);
	}
	free(d.res);
	free(d.zones);
	free(d.conf_path);
	return status;
}
