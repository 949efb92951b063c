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

/*! A JSON document written as a stream, in the layout of dv_json_write
 *  (indent 2, members in the order written). */
typedef struct dv_jw dv_jw_t;

dv_jw_t *dv_jw_new(FILE *out);
/*! Open an object or array: a member `key` of the current object, or (key
 *  NULL) the document or an element of the current array. */
void dv_jw_object(dv_jw_t *w, const char *key);
void dv_jw_array(dv_jw_t *w, const char *key);
void dv_jw_end_object(dv_jw_t *w);
void dv_jw_end_array(dv_jw_t *w);
/*! Write a value (the reference is taken; NULL writes null). */
void dv_jw_value(dv_jw_t *w, const char *key, json_t *v);
/*! 0 when every write succeeded and every container was closed, else -1;
 *  frees the writer. */
int dv_jw_free(dv_jw_t *w);

/*! One finding as a JSON object (fields documented in doc/json.md).  New reference. */
json_t *dv_finding_json(const dv_finding_t *f);
/*! Every kept finding as a JSON array.  New reference. */
json_t *dv_findings_json(const dv_findings_t *list);
/*! The "findings" member (streamed), then "findings_dropped" ({code: count})
 *  when the list counted findings it did not keep. */
void dv_report_findings_json(dv_jw_t *w, const dv_findings_t *list);

/*! Findings grouped by code, worst first, each with title and remediation;
 *  at most max_per_code instances listed per code (0: every one kept). */
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
/*! The verify report as JSON (doc/json.md), streamed.  0, or -1 when writing failed. */
int dv_report_verify_json(FILE *out, const dv_zone_t *zone, const dv_verify_opts_t *opts,
                          const dv_verify_stats_t *st, const dv_findings_t *list);
