/*
 * dnsvigil watch (issue 12): the daemon that probes and judges every
 * configured zone and resolver on a schedule, remembers (src/store), turns
 * every change into events, and serves Prometheus metrics (src/metrics).
 * Also the readers behind `dnsvigil status` and `dnsvigil history`.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*!
 * Run the daemon with the configuration file `config` until SIGTERM/SIGINT.
 * Returns the process exit status: 0 after a clean stop, 2 when it could
 * not start (bad configuration, store or listen address; the reason on
 * stderr / the journal).
 */
int dv_daemon_run(const char *config);

typedef struct {
	const char *config;    /*!< find the state directory here, or: */
	const char *state_dir; /*!< the state directory itself */
	bool json;
} dv_show_opts_t;

/*! Print every zone and resolver the store knows.  Returns the exit status
 *  (0 all clean, 1 warnings, 2 errors or a zone not as expected, 3 no store). */
int dv_show_status(const dv_show_opts_t *opts, FILE *out);
/*! Print a zone's history (observations and events, oldest first); with
 *  snapshot_id > 0 write that stored snapshot instead (for `check --from`).
 *  Returns 0 printed, 3 nothing known of the zone, no such snapshot or no
 *  store. */
int dv_show_history(const dv_show_opts_t *opts, const char *zone, int64_t since,
                    int64_t snapshot_id, FILE *out);
