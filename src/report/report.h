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

/* ---- The envelope every JSON report shares (doc/json.md) ---------------------- */

#ifndef DV_VERSION
#define DV_VERSION "0.1.0"
#endif
/*! The layout of every JSON report ("format"); 2 is the common envelope. */
#define DV_REPORT_FORMAT 2

/*! "ok", "warning", "error" for exit statuses 0, 1, 2; "unknown" for 3 (and
 *  anything else): the envelope's "status". */
const char *dv_report_status_name(int exit_status);
/*! Open a JSON report: the document object and its first members
 *  "dnsvigil" (the version), "format", "command", "subcommand" (only when
 *  not NULL) and "status".  The caller goes on with "summary" and its own
 *  members, and writes "findings" (dv_report_findings_json). */
void dv_report_envelope(dv_jw_t *w, const char *command, const char *subcommand,
                        const char *status);
/*! "now", "now_text", "warn_seconds", "crit_seconds": the time a report
 *  judged at and its expiry thresholds. */
void dv_report_judged_at(dv_jw_t *w, int64_t now, int64_t warn, int64_t crit);
/*! The same members on a jansson object (commands that build their report
 *  as one tree); the members are set first, in that order. */
void dv_report_envelope_set(json_t *o, const char *command, const char *subcommand,
                            const char *status);
/*! The counts every summary starts with: "errors", "warnings", "info" (the
 *  dropped findings included).  New reference; a command adds its own. */
json_t *dv_report_summary_json(const dv_findings_t *list);
/*!
 * The JSON error object of a run that could not judge its input (bad
 * usage, an unreadable or malformed file, a probe that could not start):
 * the envelope with status "unknown", counts 0, no findings, and "error":
 * {"file", "line", "message"}.  `msg` in the form "FILE:LINE: message" or
 * "FILE: message" is split when FILE is `file` (may be NULL: no file).
 * 0, or -1 when writing failed.
 */
int dv_report_error_json(FILE *out, const char *command, const char *subcommand, const char *file,
                         const char *msg);

/* ---- Text from input --------------------------------------------------------- */

/*! Write s, with every control character (C0, DEL, C1) and every byte that
 *  is not part of valid UTF-8 escaped as \DDD (the DNS presentation
 *  escape): text that came from a zone, an answer or a snapshot must not
 *  drive the terminal or forge a line of a report. */
void dv_report_put_text(FILE *out, const char *s);
/*! The same into buf (cut to fit, always terminated); returns buf. */
const char *dv_report_escape(const char *s, char *buf, size_t len);
/*! A JSON string of s; s that is not valid UTF-8 is escaped as by
 *  dv_report_escape (json_string refuses it).  New reference. */
json_t *dv_report_json_text(const char *s);

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
/*! "1 error, 2 warnings, 0 info": the counts in the words of every text
 *  report (info, the severity's name, is the one word for it). */
void dv_report_counts_text(FILE *out, const dv_findings_t *list);
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
/*! The verify report as a Monitoring Plugins line with perfdata; returns
 *  the plugin status (0 OK, 1 WARNING, 2 CRITICAL). */
int dv_report_verify_nagios(FILE *out, const dv_zone_t *zone, const dv_verify_opts_t *opts,
                            const dv_verify_stats_t *st, const dv_findings_t *list);
