/*
 * The audit report (dnsvigil audit): a matrix of answers per mode and
 * resolver, each resolver's verdict and findings; as text, JSON
 * (doc/canary.md) or a Monitoring Plugins status line.  Everything shown
 * comes from the judged snapshot, never from the clock, so a saved audit
 * judged again prints the same report byte for byte.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "checks/audit.h"

/*! Text report (verbose: every EDE code and EXTRA-TEXT per resolver). */
void dv_report_audit_text(FILE *out, const dv_audit_result_t *res, bool verbose);
/*! JSON report (doc/canary.md).  New reference, NULL when out of memory. */
json_t *dv_report_audit_json(const dv_audit_result_t *res);
/*! Nagios / Icinga plugin output: one status line with perfdata, then one
 *  line per finding.  Returns dv_audit_exit_status(res). */
int dv_report_audit_nagios(FILE *out, const dv_audit_result_t *res);
