/*
 * Findings: DNSSEC problems found in the data.  Codes come from codes.def
 * (one table: identifier, severity, title, explanation, remediation).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"

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

#define DV_FINDING_NAME_MAX   1025 /*!< presentation form of a 255-octet name, escaped */
#define DV_FINDING_DETAIL_MAX 512  /*!< a detail line is cut to this (with its NUL) */
#define DV_FINDING_SERVER_MAX 64   /*!< a server list ("a,b,+3") is cut to this */
/*! Findings of one code a list keeps in full; the others are counted
 *  (dv_findings_t.dropped).  An input can grow a list only this far. */
#define DV_FINDINGS_PER_CODE 1000

/*! One finding with its evidence.  Names are in wire form and the strings
 *  never NULL ("" when not applicable); all live in the list's arena.  Sinks
 *  format the names (dv_dname_to_str). */
typedef struct {
	dv_code_t code;
	uint16_t type;        /*!< RR type concerned, 0 if none */
	uint8_t algorithm;    /*!< DNSSEC algorithm concerned, 0 if none */
	int32_t keytag;       /*!< key tag concerned, -1 if none */
	const uint8_t *owner; /*!< owner name concerned, NULL if none */
	const uint8_t *zone;  /*!< zone concerned (live checks), NULL if none */
	const char *server;   /*!< server address(es) concerned (live checks) */
	const char *detail;   /*!< one line of further evidence */
	int64_t time;         /*!< relevant time (e.g. expiration), 0 if none */
	int64_t seconds_left; /*!< for expiry findings: time left from now */
} dv_finding_t;

/*! The evidence a check hands to dv_findings_add: borrowed, copied there.
 *  Zero (or NULL) fields are "not applicable"; a key tag counts only with
 *  has_keytag (0 is a key tag). */
typedef struct {
	const uint8_t *owner; /*!< wire form */
	const uint8_t *zone;  /*!< wire form */
	const char *server;
	uint16_t type;
	uint8_t algorithm;
	bool has_keytag;
	uint16_t keytag;
	int64_t time;
	int64_t seconds_left;
} dv_evidence_t;

/*!
 * A list of findings with a ceiling per code: the first
 * DV_FINDINGS_PER_CODE of a code in report order are kept in full, the
 * others counted in dropped[].  Which ones are kept does not depend on the
 * order they were added in (so not on threads).  A zero-initialised list is
 * empty and ready.  Not thread-safe: one per thread, then merge.
 */
typedef struct {
	dv_finding_t *v; /*!< kept findings; in report order after dv_findings_sort */
	size_t len, cap;
	size_t limit;                 /*!< findings kept per code; 0: DV_FINDINGS_PER_CODE */
	uint32_t kept[DV_F_COUNT];    /*!< findings kept, per code */
	uint64_t dropped[DV_F_COUNT]; /*!< findings counted but not kept, per code */
	/* Internal: per full code, indexes into v as a heap, last in order first. */
	uint32_t *heap[DV_F_COUNT];
	dv_arena_t arena;  /* names and strings of the kept findings */
	size_t live_bytes; /* arena bytes of the kept findings */
	size_t dead_bytes; /* arena bytes of findings replaced by earlier ones */
} dv_findings_t;

const char *dv_code_name(dv_code_t code); /*!< "RRSIG_EXPIRED" */
dv_severity_t dv_code_severity(dv_code_t code);
const char *dv_code_title(dv_code_t code);
const char *dv_code_explanation(dv_code_t code);
const char *dv_code_remediation(dv_code_t code);
const char *dv_severity_name(dv_severity_t sev); /*!< "info", "warning", "error" */
/*! Look a code up by identifier; returns 0 and sets *out, or DV_EINVAL. */
int dv_code_from_name(const char *name, dv_code_t *out);

/*!
 * Add a finding: `code`, the evidence (NULL: none) and a detail line
 * formatted from fmt (NULL: none).  Beyond the ceiling of its code, or when
 * memory is short, it is counted in dropped[] instead of kept: adding never
 * fails for lack of memory.  Returns 0, or DV_EINVAL for an unknown code.
 */
__attribute__((format(printf, 4, 5))) int
dv_findings_add(dv_findings_t *list, dv_code_t code, const dv_evidence_t *ev, const char *fmt, ...);
/*! Add a copy of a finding (its names and strings copied), under the
 *  ceiling like dv_findings_add.  Returns 0, or DV_EINVAL for an unknown code. */
int dv_findings_add_copy(dv_findings_t *list, const dv_finding_t *f);
/*! Add every finding of src to dst (with src's dropped counts); src is left
 *  empty.  Returns 0. */
int dv_findings_merge(dv_findings_t *dst, dv_findings_t *src);
/*! Sort into the stable report order: severity (worst first), code, zone,
 *  owner (canonical DNS order, RFC 4034 §6.1), type, server, key tag, time,
 *  detail. */
void dv_findings_sort(dv_findings_t *list);
/*! Count findings of one severity, the dropped ones included. */
size_t dv_findings_count(const dv_findings_t *list, dv_severity_t sev);
/*! Findings of one code, the dropped ones included. */
uint64_t dv_findings_total(const dv_findings_t *list, dv_code_t code);
/*! Findings counted but not kept, every code. */
uint64_t dv_findings_dropped(const dv_findings_t *list);
/*! Release what the list holds; it is empty and ready afterwards. */
void dv_findings_clear(dv_findings_t *list);
/*! Compare two wire names in canonical DNS order (RFC 4034 §6.1), any case;
 *  NULL (no name) first. */
int dv_finding_name_cmp(const uint8_t *a, const uint8_t *b);

/*! Write doc/findings.md (the reference generated from codes.def). */
void dv_findings_write_markdown(FILE *out);
