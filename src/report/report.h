/*
 * Sinks: findings as text and JSON.  Sinks never re-derive a verdict: they
 * present the findings and statistics the checks produced.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "checks/checks.h"
#include "findings/findings.h"

/*! One finding as a JSON object (fields documented in doc/json.md).  New reference. */
json_t *dv_finding_json(const dv_finding_t *f);
/*! Every finding as a JSON array.  New reference. */
json_t *dv_findings_json(const dv_findings_t *list);

/*! Findings grouped by code, worst first, each with title and remediation;
 *  at most max_per_code instances listed per code (0: all). */
void dv_report_findings_text(FILE *out, const dv_findings_t *list, size_t max_per_code);

/*! "ok", "warning" or "error" by the worst finding (info does not count). */
const char *dv_findings_status(const dv_findings_t *list);
/*! 0 clean (info only), 1 warnings only, 2 errors. */
int dv_findings_exit_status(const dv_findings_t *list);

/*! Write a JSON value to out (indented, keys in insertion order) and a newline. */
int dv_json_write(FILE *out, json_t *root);

/*! The verify report. */
void dv_report_verify_text(FILE *out, const dv_zone_t *zone, const dv_verify_opts_t *opts,
                           const dv_verify_stats_t *st, const dv_findings_t *list, double seconds);
json_t *dv_report_verify_json(const dv_zone_t *zone, const dv_verify_opts_t *opts,
                              const dv_verify_stats_t *st, const dv_findings_t *list);
