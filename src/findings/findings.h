/*
 * Findings: DNSSEC problems found in the data.  Codes come from codes.def
 * (one table: identifier, severity, title, explanation, remediation).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
#define X(id, sev, title, expl, rem) DV_F_##id,
#include "findings/codes.def"
#undef X
	DV_F_COUNT
} dv_code_t;

typedef enum {
	DV_SEV_INFO = 0,
	DV_SEV_WARNING = 1,
	DV_SEV_ERROR = 2,
} dv_severity_t;

#define DV_FINDING_NAME_MAX 1025 /* presentation form of a 255-octet name, escaped */

/*! One finding with its evidence.  Empty strings / zero / -1 mean "not applicable". */
typedef struct {
	dv_code_t code;
	char owner[DV_FINDING_NAME_MAX]; /*!< owner name concerned (presentation form) */
	uint16_t type;                   /*!< RR type concerned, 0 if none */
	int32_t keytag;                  /*!< key tag concerned, -1 if none */
	uint8_t algorithm;               /*!< DNSSEC algorithm concerned, 0 if none */
	char zone[256];                  /*!< zone concerned (live checks), may be empty */
	char server[64];                 /*!< server address concerned (live checks) */
	int64_t time;                    /*!< relevant time (e.g. expiration), 0 if none */
	int64_t seconds_left;            /*!< for expiry findings: time left from now */
	char detail[512];                /*!< one line of further evidence */
} dv_finding_t;

/*! A growable list of findings.  Not thread-safe: one per thread, then merge. */
typedef struct {
	dv_finding_t *v;
	size_t len, cap;
} dv_findings_t;

const char *dv_code_name(dv_code_t code); /*!< "RRSIG_EXPIRED" */
dv_severity_t dv_code_severity(dv_code_t code);
const char *dv_code_title(dv_code_t code);
const char *dv_code_explanation(dv_code_t code);
const char *dv_code_remediation(dv_code_t code);
const char *dv_severity_name(dv_severity_t sev); /*!< "info", "warning", "error" */
/*! Look a code up by identifier; returns 0 and sets *out, or DV_EINVAL. */
int dv_code_from_name(const char *name, dv_code_t *out);

/*! Start a finding with every evidence field "not applicable". */
void dv_finding_init(dv_finding_t *f, dv_code_t code);

/*! Append a copy of *f.  Returns 0 or DV_ENOMEM. */
int dv_findings_add(dv_findings_t *list, const dv_finding_t *f);
/*! Move every finding of src to the end of dst (src left empty). */
int dv_findings_merge(dv_findings_t *dst, dv_findings_t *src);
/*! Sort into the stable report order: severity (worst first), code, zone, owner, type, server, key
 * tag. */
void dv_findings_sort(dv_findings_t *list);
/*! Count findings of one severity. */
size_t dv_findings_count(const dv_findings_t *list, dv_severity_t sev);
void dv_findings_free(dv_findings_t *list);

/*! Write doc/findings.md (the reference generated from codes.def). */
void dv_findings_write_markdown(FILE *out);
