/*
 * The watch daemon (issue 12): one libuv loop on the main thread owns every
 * piece of state and the store; zone cycles run in batches on libuv's
 * workers (cycle.c), the resolver audit too (audit.c), and the ledger
 * follows the store on a worker of its own, one job at a time
 * (ledgersync.c).  This file: start, configuration and reload, signals and
 * the clean stop (final ledger checkpoint), metrics, the store's timers.
 */
#include <errno.h>
#include <libknot/dname.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
#include "dnssec/dnssec.h"
#include "metrics/metrics.h"
#include "net/net.h"
#include "probe/probe.h"
#include "store/store.h"

#ifndef DV_VERSION
#define DV_VERSION "0.1.0"
#endif

#define FLUSH_MS  60000
#define PRUNE_MS  3600000
#define LEDGER_MS 5000 /* the ledger's tick: time-based checkpoints, witness retries */

/* ---- small helpers ---------------------------------------------------------------- */

uint64_t dv_daemon_rnd(daemon_t *d)
{
	/* xorshift64: schedule jitter only, nothing secret */
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return d->rng;
}

int64_t dv_daemon_now(void)
{
	return (int64_t)time(NULL);
}

double dv_daemon_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t dv_daemon_jitter(daemon_t *d, int64_t interval)
{
	uint64_t ms = (uint64_t)interval * 1000, span = ms / 5;
	return ms - ms / 10 + (span ? dv_daemon_rnd(d) % span : 0);
}

/* ---- a test hook ------------------------------------------------------------------ */

static const char *crash_at; /* DNSVIGIL_CRASH_AT, read once at start */

void dv_daemon_crash_point(const char *where)
{
	if (crash_at != NULL && strcmp(crash_at, where) == 0) {
		/* as kill -9 would: no handler, no flush, no checkpoint */
		dv_log(DV_LOG_WARNING, NULL, NULL, "DNSVIGIL_CRASH_AT=%s: ending here", where);
		_exit(137);
	}
}

/* ---- the ledger: jobs on a worker, one at a time ---------------------------------- */

typedef struct {
	uv_work_t req;
	daemon_t *d;
	int64_t now;
	bool final;
	int rc, close_rc, status_rc; /* the run's; the final checkpoint's; its status read's */
	dv_lsync_result_t res;
} ledger_job_t;

static void ledger_work(uv_work_t *req)
{
	ledger_job_t *j = req->data;
	/* d->lsync belongs to this job while it runs: the loop does not touch it */
	j->rc = dv_lsync_run(&j->d->lsync, j->now, &j->res);
	if (j->final)
		j->close_rc = dv_lsync_close(&j->d->lsync, j->now, &j->res.status, &j->status_rc);
}

static void ledger_start(daemon_t *d, bool final);

static void ledger_done(uv_work_t *req, int status)
{
	ledger_job_t *j = req->data;
	daemon_t *d = j->d;
	d->ledger_running = false;
	if (status == 0) {
		/* Hints for restarts and `history`: which entry each event is. */
		if (j->res.marks.n > 0) {
			int rc = dv_store_begin(d->store);
			if (rc == DV_OK)
				rc = dv_store_events_ledgered(d->store, j->res.marks.ids,
				                              j->res.marks.index, j->res.marks.n);
			if (rc == DV_OK)
				rc = dv_store_commit(d->store);
			else
				dv_store_rollback(d->store);
			if (rc != DV_OK)
				dv_log(
				    DV_LOG_WARNING, NULL, NULL,
				    "store: %s (ledger indexes of %zu events not noted; the ledger "
				    "has them)",
				    dv_store_errmsg(d->store), j->res.marks.n);
		}
		if (j->rc != DV_OK) {
			d->ledger_errors++;
			dv_log(DV_LOG_ERR, NULL, NULL, "%s (the store keeps the events; retrying)",
			       j->res.err);
		}
		d->ledger_st = j->res.status;
		d->ledger_pending = j->res.pending;
		if (j->res.status.last_error[0] != '\0')
			dv_log(DV_LOG_WARNING, NULL, NULL, "ledger: %s", j->res.status.last_error);
		if (j->final) {
			if (j->close_rc != DV_OK)
				dv_log(DV_LOG_ERR, NULL, NULL,
				       "ledger: no final checkpoint: %s (the entries stay; a later "
				       "checkpoint takes them)",
				       dv_strerror(j->close_rc));
			d->ledger_closed = true;
			d->ledger_open = false;
			if (j->status_rc != DV_OK)
				dv_log(DV_LOG_WARNING, NULL, NULL,
				       "ledger: closed (its size could not be read: %s)",
				       dv_strerror(j->status_rc));
			else
				dv_log(DV_LOG_INFO, NULL, NULL,
				       "ledger: closed at %llu entries (%llu unanchored)",
				       (unsigned long long)j->res.status.size,
				       (unsigned long long)j->res.status.unanchored);
		}
	}
	bool again = !j->final && j->rc == DV_OK && (d->ledger_wanted || j->res.more);
	dv_lsync_marks_free(&j->res.marks);
	free(j);
	d->dirty = true;
	if (again && !d->stopping)
		ledger_start(d, false);
	dv_daemon_finish_if_done(d);
}

static void ledger_start(daemon_t *d, bool final)
{
	if (!d->ledger_open || d->ledger_running)
		return;
	ledger_job_t *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return; /* the ledger timer tries again */
	j->req.data = j;
	j->d = d;
	j->now = dv_daemon_now();
	j->final = final;
	d->ledger_wanted = false;
	if (uv_queue_work(&d->loop, &j->req, ledger_work, ledger_done) != 0) {
		free(j);
		return;
	}
	d->ledger_running = true;
}

void dv_daemon_ledger_kick(daemon_t *d)
{
	d->ledger_wanted = true;
	if (!d->stopping)
		ledger_start(d, false);
}

static void ledger_timer_cb(uv_timer_t *t)
{
	dv_daemon_ledger_kick(t->data);
}

static bool ledger_conf_same(const dv_conf_t *a, const dv_conf_t *b)
{
	bool same =
	    a->nwitnesses == b->nwitnesses && a->witness_timeout_ms == b->witness_timeout_ms &&
	    a->checkpoint_interval == b->checkpoint_interval &&
	    strcmp(a->ledger_key ? a->ledger_key : "", b->ledger_key ? b->ledger_key : "") == 0 &&
	    strcmp(a->ledger_origin ? a->ledger_origin : "",
	           b->ledger_origin ? b->ledger_origin : "") == 0;
	for (size_t i = 0; same && i < a->nwitnesses; i++)
		same = strcmp(a->witnesses[i].url, b->witnesses[i].url) == 0 &&
		       strcmp(a->witnesses[i].key, b->witnesses[i].key) == 0;
	return same;
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
	dv_sigmemo_stats_t ms = {0};
	if (d->memo != NULL)
		dv_sigmemo_stats(d->memo, &ms);
	dv_probe_cache_stats_t us = {0};
	if (d->upper != NULL)
		dv_probe_cache_stats(d->upper, &us);
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
	    .ledger_entries = d->ledger_st.size,
	    .ledger_unanchored = d->ledger_st.unanchored,
	    .ledger_pending = d->ledger_pending,
	    .ledger_alarms = d->ledger_st.witness_alarms,
	    .ledger_errors = d->ledger_errors,
	    .sigs_verified = d->sigs_verified,
	    .sigcache_hits = ms.hits,
	    .sigcache_entries = ms.entries,
	    .upper_reused = us.hits,
	    .upper_entries = us.entries,
	    .config_reload_time = d->reload_time,
	    .config_reload_ok = d->reload_ok,
	};
	char *text;
	size_t len;
	int rc = dv_metrics_render(&v, &text, &len);
	if (rc == DV_OK) {
		dv_metrics_server_publish(d->metrics, text, len);
	} else {
		dv_log(DV_LOG_ERR, NULL, NULL, "metrics: %s", dv_strerror(rc));
		dv_metrics_server_refresh(d->metrics); /* the last page it is */
	}
out:
	free(mz);
	free(keys);
	free(vals);
	free(mr);
}

/* A scrape found the page old (the endpoint's thread asks through the
 * async handle): render now, or say the page is still true. */
static void render_wanted(uv_async_t *a)
{
	daemon_t *d = a->data;
	if (d->metrics == NULL)
		return;
	if (d->dirty || !d->rendered) {
		d->dirty = false;
		d->rendered = true;
		render(d);
	} else {
		dv_metrics_server_refresh(d->metrics);
	}
}

static void want_page(void *ctx)
{
	daemon_t *d = ctx;
	uv_async_send(&d->render_async);
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
	if (dv_store_prune(d->store, &keep, dv_daemon_now(), &deleted) != DV_OK)
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
				dv_zone_schedule(z, dv_daemon_jitter(d, z->conf->s.interval));
			kept++;
		} else if ((z = dv_zone_new(d, &conf->zones[i])) == NULL) {
			for (size_t k = 0; k < i; k++)
				if (zone_find(d, nz[k]->name) == NULL)
					dv_zone_drop(nz[k]);
			free(nz);
			return DV_ENOMEM;
		} else {
			/* spread first cycles over min(interval/10, 5 s) */
			uint64_t spread = (uint64_t)conf->zones[i].s.interval * 100;
			if (spread > 5000)
				spread = 5000;
			dv_zone_schedule(z, dv_daemon_rnd(d) % (spread + 1));
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
			dv_zone_drop(z);
	}
	free(d->zones);
	d->zones = nz;
	d->nzones = conf->nzones;
	dv_conf_t *old = d->conf;
	d->conf = conf;
	/* the cache of verified signatures: about a dozen per zone stay in use */
	dv_sigmemo_set_max(d->memo, 16 * conf->nzones + 4096);
	if (conf->per_server_qps > 0) {
		if (d->ratelimit != NULL)
			dv_net_ratelimit_set(d->ratelimit, conf->per_server_qps,
			                     conf->per_server_burst);
		else if (dv_net_ratelimit_new(conf->per_server_qps, conf->per_server_burst,
		                              &d->ratelimit) != DV_OK)
			dv_log(DV_LOG_ERR, NULL, NULL,
			       "per_server_qps: out of memory (not limited)");
	}
	if (dv_resolvers_set(d, conf) != DV_OK)
		dv_log(DV_LOG_ERR, NULL, NULL, "resolvers: out of memory");
	if (d->nres > 0 && !d->res_running &&
	    (old == NULL || !uv_is_active((uv_handle_t *)&d->res_timer)))
		dv_resolvers_schedule(d, 1000);
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
		if (!ledger_conf_same(conf, d->conf))
			dv_log(DV_LOG_WARNING, NULL, NULL,
			       "ledger settings changed: take effect at the next start");
		if (apply(d, conf) != DV_OK) {
			dv_conf_free(conf);
			d->reload_ok = false;
			dv_log(DV_LOG_ERR, NULL, NULL, "reload failed: out of memory");
		} else {
			d->reload_ok = true;
			d->reload_time = dv_daemon_now();
		}
	}
	d->dirty = true;
	dv_cycles_pump(d);
	sd_notifyf(0, "READY=1\nSTATUS=watching %zu zones, %zu resolvers", d->nzones, d->nres);
}

/* ---- start and stop -------------------------------------------------------------------- */

static void close_cb(uv_handle_t *h)
{
	(void)h;
}

void dv_daemon_finish_if_done(daemon_t *d)
{
	if (!d->stopping || d->running > 0 || d->res_running)
		return;
	if (d->ledger_open) {
		/* Every cycle has ended: the last events go to the ledger, then its
		 * final checkpoint (pushed to the witnesses). */
		flush_touched(d);
		if (!d->ledger_running)
			ledger_start(d, true);
		return;
	}
	if (d->ledger_running)
		return;
	flush_touched(d);
	/* no request may ask the loop for a page once its handle closes */
	dv_metrics_server_stop(d->metrics);
	d->metrics = NULL;
	for (size_t i = 0; i < d->nzones; i++)
		dv_zone_drop(d->zones[i]);
	d->nzones = 0;
	/* queued zones were dropped above or are removed ones waiting */
	for (zone_st *z = d->q_head; z; z = z->next_queued)
		if (z->removed)
			dv_zone_drop(z);
	d->q_head = d->q_tail = NULL;
	d->qlen = 0;
	uv_handle_t *hs[] = {(uv_handle_t *)&d->sig_term,       (uv_handle_t *)&d->sig_int,
	                     (uv_handle_t *)&d->sig_hup,        (uv_handle_t *)&d->render_async,
	                     (uv_handle_t *)&d->watchdog_timer, (uv_handle_t *)&d->prune_timer,
	                     (uv_handle_t *)&d->flush_timer,    (uv_handle_t *)&d->res_timer,
	                     (uv_handle_t *)&d->gather_timer,   (uv_handle_t *)&d->ledger_timer};
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
	dv_log(DV_LOG_INFO, NULL, NULL, "%s: finishing %u running batches, then stopping",
	       sig == SIGTERM ? "SIGTERM" : "SIGINT", d->running);
	sd_notify(0, "STOPPING=1");
	d->stopping = true;
	for (size_t i = 0; i < d->nzones; i++)
		uv_timer_stop(&d->zones[i]->timer);
	uv_timer_stop(&d->res_timer);
	uv_timer_stop(&d->gather_timer);
	uv_timer_stop(&d->ledger_timer);
	dv_daemon_finish_if_done(d);
}

static void set_threadpool(unsigned concurrency)
{
	/* libuv sizes its pool once, from the environment, at first use: one
	 * worker per concurrent batch, one for the resolver audit and one for
	 * the ledger (which may wait on witnesses). */
	if (getenv("UV_THREADPOOL_SIZE") != NULL)
		return;
	char n[16];
	snprintf(n, sizeof(n), "%u", concurrency + 2);
	setenv("UV_THREADPOOL_SIZE", n, 1);
}

/* Every running batch holds a socket per query in flight (up to
 * probe.max_inflight) and keeps a few idle servers' sockets and TCP
 * connections (src/net/net.c), up to probe.concurrency batches at once.  The
 * soft limit of 1,024 descriptors a service usually starts with is soon too
 * few for that, and a socket that cannot be opened is a query that fails: a
 * server wrongly reported unreachable.  So the soft limit is raised to the
 * hard one (at most FD_WANT; libuv uses epoll, so descriptor numbers have no
 * ceiling of their own). */
#define FD_WANT       65536
#define DAEMON_ARENAS 2 /* malloc arenas (below) */
static void fd_limit_raise(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= FD_WANT ||
	    rl.rlim_cur >= rl.rlim_max)
		return;
	rlim_t was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_WANT ? FD_WANT : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		dv_log(DV_LOG_WARNING, NULL, NULL,
		       "cannot raise the open files limit from %llu: %s", (unsigned long long)was,
		       strerror(errno));
}

int dv_daemon_run(const char *config)
{
	daemon_t d;
	char err[1024];
	int status = 2;
	memset(&d, 0, sizeof(d));
	d.ledger_pending = -1;
	crash_at = getenv("DNSVIGIL_CRASH_AT");
	dv_conf_t *conf = NULL;
	if (dv_conf_load(config, &conf, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "dnsvigil watch: %s\n", err);
		return 2;
	}
	d.conf_path = strdup(config);
	d.start_time = d.reload_time = dv_daemon_now();
	d.reload_ok = true;
	d.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
	if (d.conf_path == NULL || dv_sigmemo_new(4096, &d.memo) != DV_OK ||
	    dv_probe_cache_new(DV_DAEMON_UPPER_ANSWERS, &d.upper) != DV_OK)
		goto out;
	if (dv_store_open(conf->state_directory, false, &d.store, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "dnsvigil watch: store: %s\n", err);
		goto out;
	}
	if (dv_lsync_open(conf, &d.lsync, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "dnsvigil watch: ledger: %s\n", err);
		goto out;
	}
	d.ledger_open = true;
	ledger_status(d.lsync.ledger, &d.ledger_st);
	set_threadpool(conf->concurrency);
	fd_limit_raise();
	/* glibc gives every thread that allocates an arena of its own (up to
	 * eight per core), and what a batch frees stays in its worker's arena:
	 * bench/watch-bench.sh's daemon held 52 MiB for 1,000 zones of which
	 * 11 MiB were in use (malloc_stats), and its RSS grew by 24 KiB per
	 * zone against 8 KiB of live data.  The workers spend their time
	 * waiting on the network, so two arenas cost no measurable CPU and keep
	 * the memory a zone costs near what it holds (doc/watch.md "Speed"). */
	(void)mallopt(M_ARENA_MAX, DAEMON_ARENAS);
	if (uv_loop_init(&d.loop) != 0)
		goto out;
	uv_async_init(&d.loop, &d.render_async, render_wanted);
	d.render_async.data = &d;
	if (conf->listen[0] != '\0' &&
	    dv_metrics_server_start(conf->listen, want_page, &d, &d.metrics, err, sizeof(err)) !=
	        DV_OK) {
		fprintf(stderr, "dnsvigil watch: %s\n", err);
		uv_close((uv_handle_t *)&d.render_async, NULL);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		goto loop_out;
	}
	uv_signal_init(&d.loop, &d.sig_term);
	uv_signal_init(&d.loop, &d.sig_int);
	uv_signal_init(&d.loop, &d.sig_hup);
	d.sig_term.data = d.sig_int.data = d.sig_hup.data = &d;
	uv_signal_start(&d.sig_term, on_signal, SIGTERM);
	uv_signal_start(&d.sig_int, on_signal, SIGINT);
	uv_signal_start(&d.sig_hup, on_signal, SIGHUP);
	uv_timer_t *timers[] = {&d.watchdog_timer, &d.prune_timer,  &d.flush_timer,
	                        &d.res_timer,      &d.gather_timer, &d.ledger_timer};
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
		uv_timer_init(&d.loop, timers[i]);
		timers[i]->data = &d;
	}
	if (apply(&d, conf) != DV_OK) {
		fprintf(stderr, "dnsvigil watch: out of memory\n");
		dv_conf_free(conf);
		conf = NULL;
		d.stopping = true;
		dv_daemon_finish_if_done(&d);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		goto loop_out;
	}
	conf = NULL; /* d.conf now */
	uv_timer_start(&d.flush_timer, flush_tick, FLUSH_MS, FLUSH_MS);
	uv_timer_start(&d.prune_timer, prune_tick, 0, PRUNE_MS);
	/* at once: a restart appends what the store holds beyond the ledger */
	uv_timer_start(&d.ledger_timer, ledger_timer_cb, 0, LEDGER_MS);
	uint64_t wd_usec = 0;
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0)
		uv_timer_start(&d.watchdog_timer, watchdog_tick, 0,
		               wd_usec / 2000 ? wd_usec / 2000 : 1);
	dv_log(DV_LOG_NOTICE, NULL, NULL,
	       "watching %zu zones and %zu resolvers; metrics on %s; ledger %s at %llu entries",
	       d.nzones, d.nres, d.metrics ? d.conf->listen : "(off)",
	       ledger_origin(d.lsync.ledger), (unsigned long long)d.ledger_st.size);
	sd_notifyf(0, "READY=1\nSTATUS=watching %zu zones, %zu resolvers", d.nzones, d.nres);
	uv_run(&d.loop, UV_RUN_DEFAULT);
	status = 0;
	dv_log(DV_LOG_NOTICE, NULL, NULL, "stopped");
loop_out:
	uv_loop_close(&d.loop);
out:
	if (d.ledger_open)
		dv_lsync_close(&d.lsync, dv_daemon_now(), NULL, NULL);
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
	dv_sigmemo_free(d.memo);
	dv_probe_cache_free(d.upper);
	dv_net_ratelimit_free(d.ratelimit);
	return status;
}
