/*
 * Internal to src/daemon: the daemon's state (owned by the libuv loop on the
 * main thread), logging, and the functions its files share:
 *
 *   daemon.c     the loop: start, configuration and reload, signals, stop,
 *                metrics, the store's timers, the ledger's jobs
 *   cycle.c      zone cycles: the due queue, batches on workers, the commit
 *   audit.c      the resolver audit
 *   ledgersync.c the ledger follows the store (runs on a worker)
 *   adapter.c    the one place that touches the probe, checks and audit
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "daemon/config.h"
#include "daemon/signer.h"
#include "ledger/ledger.h"
#include "metrics/metrics.h"
#include "replica/replica.h"
#include "store/store.h"

/* syslog priorities (RFC 5424 §6.2.1), as journald takes them. */
#define DV_LOG_ERR     3
#define DV_LOG_WARNING 4
#define DV_LOG_NOTICE  5
#define DV_LOG_INFO    6
#define DV_LOG_DEBUG   7

/*! One log record; zone and event may be NULL. */
void dv_log(int prio, const char *zone, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*!
 * Where the events of a cycle go: into the store, inside the cycle's
 * transaction (so they are written exactly when the observation that caused
 * them is); after the commit the ledger takes them from there
 * (ledgersync.c).  Sets each event's id.
 */
int dv_daemon_emit_events(dv_store_t *st, dv_events_t *events);
/*! Log the events of a committed cycle (after the commit: never twice). */
void dv_daemon_log_events(const dv_events_t *events);

/* ---- the ledger follows the store (ledgersync.c) ---------------------------- */

/*! The ledger side of the daemon: used by one thread at a time. */
typedef struct {
	ledger_t *ledger;
	dv_store_t *reader;   /*!< a read-only store connection of its own */
	char store_id[40];    /*!< dv_store_id() */
	int64_t last_event;   /*!< the newest store event in the ledger; -1 not known yet */
	int64_t last_tick;    /*!< when ledger_tick last ran */
	uint64_t pushed_size; /*!< the checkpoint size of the last tick */
} dv_lsync_t;

/*! (store event id, ledger entry index) pairs a run made or found. */
typedef struct {
	int64_t *ids;
	uint64_t *index;
	size_t n, cap;
} dv_lsync_marks_t;

typedef struct {
	dv_lsync_marks_t marks;
	size_t appended;        /*!< entries appended by the run */
	bool more;              /*!< stopped at its ceiling: run again */
	int64_t last_event;     /*!< the newest store event in the ledger (-1 not known) */
	int64_t pending;        /*!< store events not yet in the ledger (-1 not known) */
	ledger_status_t status; /*!< for the metrics */
	char err[512];          /*!< why the run failed */
} dv_lsync_result_t;

/*! Open the ledger in the state directory (creating it and its key on
 *  first use) with the configured origin, key and witnesses. */
int dv_lsync_open(const dv_conf_t *conf, dv_lsync_t *ls, char *err, size_t errlen);
/*! Append every store event the ledger lacks (first finding how far it got,
 *  once), tick (checkpoints, witness pushes), status.  Blocking: on a worker. */
int dv_lsync_run(dv_lsync_t *ls, int64_t now, dv_lsync_result_t *res);
/*! With final (not NULL): the final checkpoint and push, then the ledger's
 *  status after them in *final (what the SIGTERM log line reports: the
 *  entries the last run appended are in that checkpoint) and in *final_rc
 *  whether that status could be read (if not, *final is left as it was).
 *  Returns why the final checkpoint could not be made (DV_OK: made, or
 *  none asked for). */
int dv_lsync_close(dv_lsync_t *ls, int64_t now, ledger_status_t *final, int *final_rc);
void dv_lsync_marks_free(dv_lsync_marks_t *m);

/* ---- the daemon's state ------------------------------------------------------ */

#define DV_SIGNER_HISTORY 32 /* change points kept per zone for "signer late" */

typedef struct daemon daemon_t;

typedef struct zone_st {
	char *name;
	const dv_conf_zone_t *conf; /* into d->conf, replaced on reload */
	daemon_t *d;
	uv_timer_t timer;
	bool running, removed, queued, touched;
	struct zone_st *next_queued;
	uint64_t queued_at; /* uv_now() when it joined the queue */
	dv_obs_t obs;       /* the committed baseline (what the store holds) */
	bool have_obs;
	dv_store_findings_t findings;
	bool probe_ok;
	char *error; /* why the last cycle failed (NULL: it did not) */
	int64_t last_attempt, last_success;
	double probe_seconds;
	dv_signer_sample_t hist[DV_SIGNER_HISTORY];
	size_t nhist;
	dv_signer_verdict_t signer;
	dv_replica_set_t *replica; /* full: true: the servers' copies, between cycles */
	struct dv_rollwatch *roll; /* rollwatch.c: where its rollover stands */
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
	struct dv_sigmemo *memo;            /* signatures verified in earlier cycles */
	struct dv_probe_cache *upper;       /* answers of the upper levels (probe.h) */
	struct dv_net_ratelimit *ratelimit; /* probe.per_server_qps (NULL: none yet) */
	zone_st **zones;                    /* sorted by name */
	size_t nzones;
	resolver_st *res;
	size_t nres;
	bool res_running;
	unsigned running; /* batches on workers */
	zone_st *q_head, *q_tail;
	size_t qlen;
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t watchdog_timer, prune_timer, flush_timer, res_timer, gather_timer, ledger_timer;
	uv_async_t render_async; /* a scrape wants a new page */
	bool dirty, rendered, stopping;
	uint64_t rng;
	int64_t start_time, reload_time;
	bool reload_ok;
	uint64_t cycles_ok, cycles_failed, events_total, store_errors, sigs_verified;
	/* the ledger: its state belongs to the job while one runs */
	dv_lsync_t lsync;
	bool ledger_open, ledger_running, ledger_wanted, ledger_closed;
	ledger_status_t ledger_st;
	int64_t ledger_pending;
	uint64_t ledger_errors;
};

/* daemon.c */
int64_t dv_daemon_now(void);
double dv_daemon_mono(void);
/*! interval ± 10 % in ms, so zones configured together drift apart. */
uint64_t dv_daemon_jitter(daemon_t *d, int64_t interval);
uint64_t dv_daemon_rnd(daemon_t *d);
/*! Events were committed to the store: the ledger takes them now. */
void dv_daemon_ledger_kick(daemon_t *d);
/*! Close everything once stopping and nothing runs any more. */
void dv_daemon_finish_if_done(daemon_t *d);

/*!
 * A test hook (doc/watch.md "Testing the crash windows"): with
 * DNSVIGIL_CRASH_AT=WHERE in the environment the process ends at once, as
 * kill -9 would, the first time it reaches that point: "store-commit"
 * (events committed to the store, not yet in the ledger) or
 * "ledger-append" (appended to the ledger, the store not yet told).
 */
void dv_daemon_crash_point(const char *where);

/* cycle.c */
zone_st *dv_zone_new(daemon_t *d, const dv_conf_zone_t *c);
void dv_zone_drop(zone_st *z);
void dv_zone_schedule(zone_st *z, uint64_t ms);
void dv_zone_signer_judge(zone_st *z, int64_t now);
/*! Start batches of due zones while there is room. */
void dv_cycles_pump(daemon_t *d);

/* audit.c */
void dv_resolvers_schedule(daemon_t *d, uint64_t ms);
int dv_resolvers_set(daemon_t *d, const dv_conf_t *conf);
