/*
 * Prometheus metrics of `dnsvigil watch` (issue 12 §3): the text exposition
 * format (version 0.0.4) rendered from the daemon's state, and a small
 * /metrics endpoint on libmicrohttpd.  Metric names are an interface:
 * doc/watch.md lists them.  Every series of a zone is rendered from its
 * last known observation, so a failing probe leaves them present and sets
 * dnsvigil_probe_success to 0 (no absent() trap).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Ceilings (doc/limits.md). */
#define DV_METRICS_MAX_BYTES       (512u * 1024 * 1024) /*!< one rendered page */
#define DV_METRICS_MAX_CONNECTIONS 64u          /*!< open at once; more are refused at accept */
#define DV_METRICS_CONN_MEMORY     (32u * 1024) /*!< per connection: bounds request headers */
#define DV_METRICS_CONN_TIMEOUT    10u   /*!< seconds of idleness before a connection is closed */
#define DV_METRICS_PAGE_MAX_AGE_MS 1000u /*!< a page older than this is renewed for a request */
#define DV_METRICS_RENDER_WAIT_MS  2000u /*!< how long a request waits for the new page */

/*! Where a zone's rollover stands (src/daemon/rollwatch.c). */
typedef struct {
	bool known;            /*!< judged at least once */
	const char *phase;     /*!< dv_roll_phase_name() */
	int64_t blocked_since; /*!< 0: not waiting on the parent or on servers to agree */
	int64_t next_step;     /*!< earliest safe time of the next step; 0 none or not known */
	const int64_t
	    *windows; /*!< [start, end) of bogus windows (every validator), INT64_MAX open */
	size_t nwindows;
	size_t windows_older; /*!< past windows beyond the list */
} dv_metrics_rollover_t;

typedef struct {
	const dv_obs_t *obs; /*!< last known observation (NULL: never probed) */
	const char *expect;  /*!< "secure", "insecure", "any" */
	const char *const *label_keys, *const *label_values; /*!< configured labels */
	size_t nlabels;
	bool probe_ok;                         /*!< the last cycle's probe ran */
	int64_t last_success;                  /*!< Unix time of the last probe that ran; 0 never */
	double probe_seconds;                  /*!< wall time of the last cycle */
	const dv_store_findings_t *findings;   /*!< open findings */
	int signer_state;                      /*!< 0 unknown, 1 ok, 2 late (dv_signer_state_t) */
	int64_t signer_margin;                 /*!< seconds, 0 unknown */
	const dv_metrics_rollover_t *rollover; /*!< NULL: not judged */
} dv_metrics_zone_t;

typedef struct {
	const char *name;    /*!< label value */
	const char *verdict; /*!< dv_verdict_name(), "" never audited */
	bool probe_ok;
	int64_t last_success;
} dv_metrics_resolver_t;

typedef struct {
	const char *zone;
	const dv_metrics_zone_t *z;
} dv_metrics_zone_ref_t;

typedef struct {
	const dv_metrics_zone_t *zones;
	size_t nzones;
	const dv_metrics_resolver_t *resolvers;
	size_t nresolvers;
	const char *version;
	int64_t start_time;
	uint64_t cycles_ok, cycles_failed, events_total, store_errors;
	uint64_t ledger_entries, ledger_unanchored;
	int64_t ledger_pending;    /*!< store events not yet in the ledger; -1 not known */
	uint64_t ledger_alarms;    /*!< witnesses that answered rollback or fork */
	uint64_t ledger_errors;    /*!< ledger runs that failed */
	uint64_t sigs_verified;    /*!< cryptographic signature verifications run */
	uint64_t sigcache_hits;    /*!< verifications spared by the cache across cycles */
	uint64_t sigcache_entries; /*!< signatures the cache remembers */
	uint64_t upper_reused;     /*!< upper-level answers reused across batches */
	uint64_t upper_entries;    /*!< upper-level answers kept */
	int64_t config_reload_time;
	bool config_reload_ok;
	int64_t now; /*!< Unix time of the page (0: the clock) */
} dv_metrics_view_t;

/*!
 * Render the exposition text.  *out is malloc'd (caller frees), *len its
 * length.  DV_ENOMEM, or DV_ELIMIT past DV_METRICS_MAX_BYTES.
 */
int dv_metrics_render(const dv_metrics_view_t *view, char **out, size_t *len);

/* ---- the endpoint ----------------------------------------------------------- */

typedef struct dv_metrics_server dv_metrics_server_t;

/*! Asks the owner for a new page (dv_metrics_server_publish or _refresh
 *  soon); called from the server's thread, so it must be thread-safe. */
typedef void (*dv_metrics_want_fn)(void *ctx);

/*!
 * Listen on "HOST:PORT" ("127.0.0.1:9853", "[::1]:9853") and serve
 * GET /metrics on libmicrohttpd's own thread: the last published page, asked
 * anew through `want` (may be NULL: never) when it is older than
 * DV_METRICS_PAGE_MAX_AGE_MS, waiting at most DV_METRICS_RENDER_WAIT_MS.
 * DV_EINVAL (bad address) or DV_ENET (cannot bind), with a message in err.
 */
int dv_metrics_server_start(const char *listen, dv_metrics_want_fn want, void *want_ctx,
                            dv_metrics_server_t **out, char *err, size_t errlen);
/*! Publish a new page (takes ownership of text, malloc'd); requests under way keep the old one. */
void dv_metrics_server_publish(dv_metrics_server_t *srv, char *text, size_t len);
/*! The published page is still true: serve it as new. */
void dv_metrics_server_refresh(dv_metrics_server_t *srv);
/*! The port actually bound (for listen addresses with port 0). */
uint16_t dv_metrics_server_port(const dv_metrics_server_t *srv);
void dv_metrics_server_stop(dv_metrics_server_t *srv);
