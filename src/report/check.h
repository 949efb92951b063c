/*
 * The check report (dnsvigil check): the chain as a tree with each zone's
 * status, then the findings; as text, JSON (doc/check.md) or a Monitoring
 * Plugins status line.  Every time shown comes from the snapshot and the
 * `now` the checks used, never from the clock, so a saved snapshot judged
 * again prints the same report.
 */
#pragma once

#include <stdio.h>

#include <jansson.h>

#include "checks/live.h"
#include "replica/replica.h"
#include "snapshot/snapshot.h"

/*! The servers' copies of one zone (check --full). */
typedef struct {
	const char *zone; /*!< presentation form */
	const dv_replica_report_t *report;
} dv_report_copies_t;

/*! Text report; `copies` (ncopies; may be NULL, 0) the zone copies of --full. */
void dv_report_check_text(FILE *out, const dv_snapshot_t *snap, const dv_live_opts_t *opts,
                          const dv_live_result_t *res, const dv_report_copies_t *copies,
                          size_t ncopies);
/*! JSON report (doc/check.md), streamed.  0, or -1 when writing failed. */
int dv_report_check_json(FILE *out, const dv_snapshot_t *snap, const dv_live_opts_t *opts,
                         const dv_live_result_t *res, const dv_report_copies_t *copies,
                         size_t ncopies);
/*! Nagios / Icinga plugin output: one status line with perfdata.  Returns the
 *  plugin exit status: 0 OK, 1 WARNING, 2 CRITICAL. */
int dv_report_check_nagios(FILE *out, const dv_snapshot_t *snap, const dv_live_opts_t *opts,
                           const dv_live_result_t *res);
