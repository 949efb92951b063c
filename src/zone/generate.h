/*
 * $GENERATE (BIND's zone-file extension, which libzscanner does not know):
 * one directive line turned into zone-file text, one record per line, a
 * bounded piece at a time.  Inside the zone module.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define DV_GENERATE_MAX       1000000     /*!< records one directive may make */
#define DV_GENERATE_VALUE_MAX 4294967295u /*!< start, stop, step and |offset| */

#define GENERATE_TOKENS_MAX 8

typedef struct {
	const char *p;
	size_t len;
} dv_generate_tok_t;

/* A parsed directive; it points into the line, which must outlive it. */
typedef struct {
	dv_generate_tok_t lhs, rhs;
	dv_generate_tok_t mid[GENERATE_TOKENS_MAX]; /* [ttl] [class] type, as written */
	size_t nmid;
	uint64_t start, step, count; /* values start + k * step, k < count */
	uint64_t next;               /* the next k */
} dv_generate_t;

/*!
 * Parse "$GENERATE start-stop[/step] lhs [ttl] [class] type rhs" (the line
 * without its newline; a trailing comment is allowed).  In lhs and rhs, `$`
 * is the iterator, `${offset[,width[,base]]}` formats it (base d, o, x, X),
 * `\$` is a literal dollar.  0 <= start <= stop and 1 <= step, all at most
 * DV_GENERATE_VALUE_MAX; at most DV_GENERATE_MAX records.  Returns 0, or
 * DV_EPARSE / DV_ELIMIT with a message in err.
 */
int dv_generate_parse(const char *line, size_t len, dv_generate_t *g, char *err, size_t errlen);

/*! Append records to out until it holds at least `target` bytes or every
 *  record is made (g->next == g->count).  0, or DV_EPARSE / DV_ELIMIT with a
 *  message in err. */
int dv_generate_next(dv_generate_t *g, dv_buf_t *out, size_t target, char *err, size_t errlen);

/*! The records a directive line will make, from its range alone (a first
 *  pass over a file); DV_EPARSE if the range is not valid. */
int dv_generate_count(const char *line, size_t len, uint64_t *count);
