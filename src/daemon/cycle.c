/*
 * Zone cycles (issue 12 §2).  A zone whose timer fires joins the due queue;
 * zones due within GATHER_MS of each other (or as many as BATCH_MAX) go out
 * together as one batch: one walk from the root for all of them
 * (adapter.c), so the root and the other upper levels are probed once per
 * batch, not once per zone.  At most `probe.concurrency` batches run at
 * once on libuv's workers, never two cycles of one zone (its timer is armed
 * again only when its batch has ended).
 *
 * On the worker each zone is judged against its committed baseline (which
 * only this zone's commit changes, on the loop, after the batch): events,
 * whether anything moved, and its own snapshot when there are events.  Back
 * on the loop, one store transaction per zone that moved writes the
 * observation, its open findings, the snapshot and the events; only after
 * the commit does the baseline move, so a failed write (full disk) or a
 * kill -9 before the commit makes the next cycle see the same changes
 * again, and a restart (baseline read back from the store) repeats nothing.
 */
#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/adapter.h"
#include "daemon/daemon_int.h"
#include "daemon/rollwatch.h"

#define GATHER_MS 1000 /* how long a due zone waits for others to share its walk */
#define BATCH_MAX 128  /* zones in one batch */

/* ---- signer history ----------------------------------------------------------- */

static void hist_add(dv_signer_sample_t *h, size_t *n, int64_t t, int64_t inc, int64_t exp)
{
	if (*n > 0 && h[*n - 1].newest_inception == inc && h[*n - 1].earliest_expiry == exp)
		return;
	if (*n == DV_SIGNER_HISTORY) {
		memmove(h, h + 1, (DV_SIGNER_HISTORY - 1) * sizeof(h[0]));
		(*n)--;
	}
	h[(*n)++] = (dv_signer_sample_t){t, inc, exp};
}

static void hist_push(zone_st *z, int64_t t, int64_t inc, int64_t exp)
{
	hist_add(z->hist, &z->nhist, t, inc, exp);
}

static int hist_row(const dv_store_hist_row_t *r, void *ctx)
{
	zone_st *z = ctx;
	if (r->earliest_expiry != 0)
		hist_push(z, r->time, r->newest_inception, r->earliest_expiry);
	return 0;
}

void dv_zone_signer_judge(zone_st *z, int64_t now)
{
	dv_signer_policy_t pol = {.refresh = z->conf->s.signer_refresh,
	                          .interval = z->conf->s.interval};
	dv_signer_judge(z->hist, z->nhist, &pol, now, &z->signer);
}

/* On the worker: the signer judged with this cycle's observation, and a
 * SIGNER_LATE finding when late, so that a stall is raised, logged in the
 * ledger and cleared like any finding (issue 12 §2: "warn when re-signing
 * has stalled"), not only shown as a metric. */
static int signer_finding(const zone_st *z, dv_adapter_result_t *r)
{
	if (r->obs.earliest_expiry == 0)
		return DV_OK;
	dv_signer_sample_t hist[DV_SIGNER_HISTORY];
	size_t n = z->nhist;
	memcpy(hist, z->hist, n * sizeof(hist[0]));
	hist_add(hist, &n, r->obs.time, r->obs.newest_inception, r->obs.earliest_expiry);
	dv_signer_policy_t pol = {.refresh = z->conf->s.signer_refresh,
	                          .interval = z->conf->s.interval};
	dv_signer_verdict_t v;
	dv_signer_judge(hist, n, &pol, r->obs.time, &v);
	if (v.state != DV_SIGNER_LATE)
		return DV_OK;
	dv_store_finding_t f;
	memset(&f, 0, sizeof(f));
	snprintf(f.code, sizeof(f.code), "%s", dv_code_name(DV_F_SIGNER_LATE));
	snprintf(f.severity, sizeof(f.severity), "%s",
	         dv_severity_name(dv_code_severity(DV_F_SIGNER_LATE)));
	snprintf(f.owner, sizeof(f.owner), "%s", z->name);
	f.type = KNOT_RRTYPE_SOA;
	snprintf(f.detail, sizeof(f.detail), "%s", v.reason);
	f.first_seen = f.last_seen = r->obs.time;
	return dv_store_findings_add(&r->findings, &f);
}

/* ---- zones -------------------------------------------------------------------- */

zone_st *dv_zone_new(daemon_t *d, const dv_conf_zone_t *c)
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
		dv_zone_signer_judge(z, dv_daemon_now());
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
	dv_replica_set_free(z->replica);
	dv_rollwatch_free(z->roll);
	free(z->error);
	free(z->name);
	free(z);
}

void dv_zone_drop(zone_st *z)
{
	uv_timer_stop(&z->timer);
	uv_close((uv_handle_t *)&z->timer, zone_closed);
}

static void zone_due(uv_timer_t *t)
{
	zone_st *z = t->data;
	daemon_t *d = z->d;
	if (z->running || z->queued || d->stopping)
		return;
	z->queued = true;
	z->queued_at = uv_now(&d->loop);
	z->next_queued = NULL;
	if (d->q_tail)
		d->q_tail->next_queued = z;
	else
		d->q_head = z;
	d->q_tail = z;
	d->qlen++;
	dv_cycles_pump(d);
}

void dv_zone_schedule(zone_st *z, uint64_t ms)
{
	uv_timer_start(&z->timer, zone_due, ms, 0);
}

/* ---- a batch ------------------------------------------------------------------- */

/* What the worker made of one zone, against its baseline. */
typedef struct {
	dv_events_t ev;
	bool moved;     /* anything but the time differs from the baseline */
	char *snapshot; /* its own snapshot, when there are events */
	size_t snapshot_len;
	int rc; /* the diff could not be made (no memory) */
} zone_work_t;

typedef struct {
	uv_work_t req;
	daemon_t *d;
	size_t n;
	zone_st **z;
	char **names;
	dv_replica_set_t **replicas;
	/* the zones' TSIG keys, copied: a reload may free the configuration
	 * while the batch runs */
	dv_tsig_key_t **tsigs;
	char *hints, *anchor;
	dv_adapter_opts_t opts;
	int64_t start;
	double t0, seconds;
	int rc;
	uint64_t sigs;
	dv_adapter_result_t *res;
	zone_work_t *w;
} job_t;

static void job_free(job_t *j)
{
	for (size_t i = 0; i < j->n; i++) {
		if (j->res != NULL)
			dv_adapter_result_clear(&j->res[i]);
		if (j->w != NULL) {
			dv_events_free(&j->w[i].ev);
			free(j->w[i].snapshot);
		}
		if (j->names != NULL)
			free(j->names[i]);
		if (j->tsigs != NULL)
			dv_tsig_key_free(j->tsigs[i]);
	}
	free(j->tsigs);
	free(j->res);
	free(j->w);
	free(j->names);
	free(j->replicas);
	free(j->z);
	free(j->hints);
	free(j->anchor);
	free(j);
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

/* On the worker: zone i against its baseline.  The baseline (z->obs,
 * z->findings) is only changed by this zone's commit on the loop, which
 * waits for this batch, so reading it here races with nothing but readers. */
static void judge_zone(job_t *j, size_t i, const dv_adapter_batch_t *batch)
{
	const zone_st *z = j->z[i];
	dv_adapter_result_t *r = &j->res[i];
	zone_work_t *w = &j->w[i];
	const dv_obs_t *base = z->have_obs ? &z->obs : NULL;
	if ((w->rc = dv_obs_carry(base, &r->obs)) != DV_OK ||
	    (w->rc = dv_rollwatch_findings_add(z->roll, &r->findings)) != DV_OK ||
	    (w->rc = signer_finding(z, r)) != DV_OK)
		return;
	dv_findings_carry(&z->findings, &r->findings);
	for (size_t k = 0; k < r->findings.len; k++)
		r->findings.v[k].last_seen = r->obs.time;
	if ((w->rc = dv_obs_diff(base, &r->obs, &z->findings, &r->findings, &w->ev)) != DV_OK)
		return;
	bool same = base != NULL && dv_obs_same(base, &r->obs);
	/* The rollover model's fingerprint reads the zone's every answer: it
	 * is taken when the observation moved (keys, DS, CDS, serials,
	 * signature times) and the last one stands for it otherwise. */
	if (!same || dv_rollwatch_wants_fingerprint(z->roll))
		r->have_roll_fp = dv_adapter_zone_fingerprint(batch, i, r->roll_fp) == DV_OK;
	else
		r->have_roll_fp = dv_rollwatch_last_fingerprint(z->roll, r->roll_fp);
	bool roll = dv_rollwatch_wants_snapshot(z->roll, r);
	w->moved = base == NULL || w->ev.len > 0 || roll || !same ||
	           findings_moved(&z->findings, &r->findings);
	/* The snapshot that changed something, for `check --from` and the
	 * rollover history later; none (and a note in the log) when it cannot
	 * be made. */
	if ((w->ev.len > 0 || roll) &&
	    dv_adapter_zone_snapshot(batch, i, &w->snapshot, &w->snapshot_len) != DV_OK) {
		w->snapshot = NULL;
		w->snapshot_len = 0;
	}
}

static void job_work(uv_work_t *req)
{
	job_t *j = req->data;
	dv_adapter_batch_t *batch = NULL;
	j->rc = dv_adapter_batch_cycle(&j->opts, j->names, j->n, j->res, &batch, &j->sigs);
	if (j->rc == DV_OK)
		for (size_t i = 0; i < j->n; i++)
			if (j->res[i].obs.probe_ok)
				judge_zone(j, i, batch);
	dv_adapter_batch_free(batch);
	j->seconds = dv_daemon_mono() - j->t0;
}

static bool roll_code(const dv_store_finding_t *f)
{
	return strncmp(f->code, "ROLLOVER_", 9) == 0;
}

/* The rollover's findings as judged now, on this thread (rollwatch.c), in
 * place of those of its last verdict that the worker compared; when they
 * differ the zone is compared again, so a verdict shows in the cycle that
 * made it.  Then the rollover's own events (`rev`). */
static int roll_refresh(const zone_st *z, dv_adapter_result_t *r, zone_work_t *w,
                        const dv_events_t *rev)
{
	dv_store_findings_t now = {0};
	int rc = dv_rollwatch_findings_add(z->roll, &now);
	size_t k = 0, nroll = 0;
	bool same = true;
	for (size_t i = 0; rc == DV_OK && i < r->findings.len; i++) {
		const dv_store_finding_t *f = &r->findings.v[i];
		if (!roll_code(f))
			continue;
		same = same && nroll < now.len && strcmp(f->code, now.v[nroll].code) == 0 &&
		       strcmp(f->owner, now.v[nroll].owner) == 0 && f->type == now.v[nroll].type &&
		       f->keytag == now.v[nroll].keytag;
		nroll++;
	}
	if (rc == DV_OK && !(same && nroll == now.len)) {
		for (size_t i = 0; i < r->findings.len; i++)
			if (!roll_code(&r->findings.v[i]))
				r->findings.v[k++] = r->findings.v[i];
		r->findings.len = k;
		for (size_t i = 0; rc == DV_OK && i < now.len; i++) {
			now.v[i].last_seen = r->obs.time;
			rc = dv_store_findings_add(&r->findings, &now.v[i]);
		}
		const dv_obs_t *base = z->have_obs ? &z->obs : NULL;
		dv_findings_carry(&z->findings, &r->findings);
		dv_events_free(&w->ev);
		if (rc == DV_OK)
			rc = dv_obs_diff(base, &r->obs, &z->findings, &r->findings, &w->ev);
		w->moved = true;
	}
	dv_store_findings_free(&now);
	for (size_t i = 0; rc == DV_OK && i < rev->len; i++) {
		const dv_event_t *e = &rev->v[i];
		rc = dv_events_add(&w->ev, e->kind, e->time, e->zone, e->server, e->subject,
		                   e->old_value, e->new_value);
	}
	return rc;
}

/* The committed part of a zone's cycle: the store transaction. */
static void zone_commit(daemon_t *d, zone_st *z, dv_adapter_result_t *r, zone_work_t *w)
{
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
	if (w->rc != DV_OK) {
		d->cycles_failed++;
		dv_log(DV_LOG_ERR, z->name, NULL, "cycle: %s", dv_strerror(w->rc));
		return;
	}
	/* The rollover (rollwatch.c): a phase event joins the cycle's; the
	 * snapshot is kept whenever what its model observes changed. */
	bool keep = false;
	dv_events_t rev = {0};
	if ((rc = dv_rollwatch_cycle(z->roll, d->store, r, w->snapshot, w->snapshot_len, &rev,
	                             &keep)) == DV_OK)
		rc = roll_refresh(z, r, w, &rev);
	dv_events_free(&rev);
	if (rc != DV_OK) {
		d->cycles_failed++;
		dv_log(DV_LOG_ERR, z->name, NULL, "rollover: %s", dv_strerror(rc));
		return;
	}
	if (keep || w->ev.len > 0)
		w->moved = true;
	d->cycles_ok++;
	z->probe_ok = true;
	free(z->error);
	z->error = NULL;
	z->last_success = r->obs.time;
	if (!w->moved) {
		/* Nothing changed: nothing written now (the flush timer records
		 * the times), nothing logged. */
		z->touched = true;
		return;
	}
	int64_t sid = 0;
	if ((rc = dv_store_begin(d->store)) != DV_OK)
		goto store_fail;
	if (w->snapshot != NULL &&
	    (rc = dv_store_snapshot_add(d->store, z->name, r->obs.time, "json", w->snapshot,
	                                w->snapshot_len, &sid)) != DV_OK)
		goto store_fail;
	if ((rc = dv_store_zone_put(d->store, &r->obs, sid)) != DV_OK ||
	    (rc = dv_store_findings_put(d->store, z->name, &r->findings)) != DV_OK ||
	    (rc = dv_daemon_emit_events(d->store, &w->ev)) != DV_OK)
		goto store_fail;
	if ((rc = dv_store_commit(d->store)) != DV_OK)
		goto store_fail;
	dv_rollwatch_committed(z->roll);
	/* Committed: advance the baseline. */
	dv_obs_clear(&z->obs);
	z->obs = r->obs;
	memset(&r->obs, 0, sizeof(r->obs));
	z->have_obs = true;
	dv_store_findings_free(&z->findings);
	z->findings = r->findings;
	memset(&r->findings, 0, sizeof(r->findings));
	hist_push(z, z->obs.time, z->obs.newest_inception, z->obs.earliest_expiry);
	if (w->ev.len > 0) {
		dv_daemon_crash_point("store-commit");
		d->events_total += w->ev.len;
		dv_daemon_log_events(&w->ev);
		dv_daemon_ledger_kick(d);
	}
	if (w->ev.len > 0 && w->snapshot == NULL)
		dv_log(DV_LOG_WARNING, z->name, NULL, "its snapshot could not be kept (no memory)");
	return;
store_fail:
	dv_store_rollback(d->store);
	d->store_errors++;
	dv_log(DV_LOG_ERR, z->name, NULL,
	       "store: %s; this cycle is not recorded (its changes will be seen again)",
	       dv_store_errmsg(d->store));
}

static void job_done(uv_work_t *req, int status)
{
	job_t *j = req->data;
	daemon_t *d = j->d;
	d->running--;
	d->sigs_verified += j->sigs;
	for (size_t i = 0; i < j->n; i++) {
		zone_st *z = j->z[i];
		z->running = false;
		z->last_attempt = j->start;
		z->probe_seconds = j->seconds;
		if (!z->removed && status == 0) {
			if (j->rc != DV_OK) {
				d->cycles_failed++;
				dv_log(DV_LOG_ERR, z->name, NULL, "cycle: %s", dv_strerror(j->rc));
			} else {
				zone_commit(d, z, &j->res[i], &j->w[i]);
			}
			dv_zone_signer_judge(z, dv_daemon_now());
			d->dirty = true;
		}
		if (z->removed)
			dv_zone_drop(z);
		else if (!d->stopping)
			dv_zone_schedule(z, dv_daemon_jitter(d, z->conf->s.interval));
	}
	job_free(j);
	dv_cycles_pump(d);
	dv_daemon_finish_if_done(d);
}

/* Take the zones of the next batch off the queue: the first one and those
 * behind it judged with the same thresholds (one dv_live_check call). */
static size_t batch_take(daemon_t *d, zone_st **out)
{
	size_t n = 0;
	const dv_conf_zone_settings_t *first = NULL;
	zone_st *prev = NULL;
	for (zone_st *z = d->q_head, *next; z != NULL && n < BATCH_MAX; z = next) {
		next = z->next_queued;
		/* a removed zone's conf is gone with the old configuration */
		bool take = z->removed || first == NULL ||
		            (z->conf->s.warn == first->warn && z->conf->s.crit == first->crit);
		if (!take) {
			prev = z;
			continue;
		}
		if (prev)
			prev->next_queued = next;
		else
			d->q_head = next;
		if (d->q_tail == z)
			d->q_tail = prev;
		d->qlen--;
		z->queued = false;
		z->next_queued = NULL;
		if (z->removed) {
			dv_zone_drop(z);
			continue;
		}
		if (first == NULL)
			first = &z->conf->s;
		out[n++] = z;
	}
	return n;
}

/* full: true (issue 13): the zone's copies live as long as the setting. */
static int zone_replica(zone_st *z, dv_replica_set_t **out)
{
	uint8_t apex[KNOT_DNAME_MAXLEN];
	if (!z->conf->s.full) {
		dv_replica_set_free(z->replica);
		z->replica = NULL;
	} else if (z->replica == NULL) {
		if (knot_dname_from_str(apex, z->name, sizeof(apex)) == NULL ||
		    dv_replica_set_new(apex, &z->replica) != DV_OK)
			return DV_ENOMEM;
		/* The lag clocks go on from the committed baseline (the store's
		 * after a restart): a server stale for days is not reported as
		 * lagging since the daemon started. */
		for (size_t i = 0; z->have_obs && i < z->obs.nsrv; i++)
			if (z->obs.srv[i].behind_since > 0 &&
			    dv_replica_set_seed(z->replica, z->obs.srv[i].addr,
			                        z->obs.srv[i].behind_since) == DV_ENOMEM)
				return DV_ENOMEM;
	}
	*out = z->replica;
	return DV_OK;
}

static int batch_start(daemon_t *d)
{
	job_t *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return DV_ENOMEM;
	j->req.data = j;
	j->d = d;
	j->z = calloc(BATCH_MAX, sizeof(*j->z));
	if (j->z == NULL) {
		free(j);
		return DV_ENOMEM;
	}
	j->n = batch_take(d, j->z);
	if (j->n == 0) {
		job_free(j);
		return DV_OK;
	}
	j->names = calloc(j->n, sizeof(*j->names));
	j->replicas = calloc(j->n, sizeof(*j->replicas));
	j->tsigs = calloc(j->n, sizeof(*j->tsigs));
	j->res = calloc(j->n, sizeof(*j->res));
	j->w = calloc(j->n, sizeof(*j->w));
	j->hints = strdup(d->conf->root_hints);
	j->anchor = strdup(d->conf->trust_anchor);
	bool ok = j->names && j->replicas && j->tsigs && j->res && j->w && j->hints && j->anchor;
	for (size_t i = 0; ok && i < j->n; i++)
		ok = (j->names[i] = strdup(j->z[i]->name)) != NULL &&
		     zone_replica(j->z[i], &j->replicas[i]) == DV_OK &&
		     (j->z[i]->conf->s.tsig_key == NULL ||
		      dv_tsig_key_dup(j->z[i]->conf->s.tsig_key, &j->tsigs[i]) == DV_OK);
	const dv_conf_zone_settings_t *s = &j->z[0]->conf->s;
	j->opts = (dv_adapter_opts_t){.root_hints = j->hints,
	                              .trust_anchor = j->anchor,
	                              .timeout_ms = d->conf->timeout_ms,
	                              .retries = d->conf->retries,
	                              .max_inflight = d->conf->max_inflight,
	                              .port = d->conf->port,
	                              .warn = s->warn,
	                              .crit = s->crit,
	                              .memo = d->memo,
	                              .upper = d->upper,
	                              .upper_max_age = (unsigned)s->interval,
	                              .ratelimit = d->conf->per_server_qps ? d->ratelimit : NULL,
	                              .replicas = j->replicas,
	                              .tsigs = (const dv_tsig_key_t *const *)j->tsigs,
	                              .threads = 1};
	j->start = dv_daemon_now();
	j->t0 = dv_daemon_mono();
	if (!ok || uv_queue_work(&d->loop, &j->req, job_work, job_done) != 0) {
		/* try these zones again in a second */
		for (size_t i = 0; i < j->n; i++) {
			dv_log(DV_LOG_ERR, j->z[i]->name, NULL,
			       "cannot start a cycle: out of memory");
			dv_zone_schedule(j->z[i], 1000);
		}
		job_free(j);
		return DV_ENOMEM;
	}
	for (size_t i = 0; i < j->n; i++)
		j->z[i]->running = true;
	d->running++;
	return DV_OK;
}

static void gather_done(uv_timer_t *t)
{
	dv_cycles_pump(t->data);
}

void dv_cycles_pump(daemon_t *d)
{
	uint64_t now = uv_now(&d->loop);
	while (!d->stopping && d->q_head != NULL && d->running < d->conf->concurrency) {
		uint64_t waited = now - d->q_head->queued_at;
		if (d->qlen < BATCH_MAX && waited < GATHER_MS) {
			/* wait a moment for the zones due next: they share this walk */
			if (!uv_is_active((uv_handle_t *)&d->gather_timer))
				uv_timer_start(&d->gather_timer, gather_done, GATHER_MS - waited,
				               0);
			return;
		}
		if (batch_start(d) != DV_OK)
			return;
	}
}
