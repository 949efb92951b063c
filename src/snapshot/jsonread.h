/*
 * Internal to src/snapshot: JSON text loaded within bounds, for the
 * readers of untrusted snapshots (snapshot_read.c, resolver.c).
 *
 * jansson builds every value it parses, at some 50–150 bytes each: a few MB
 * of "[[],[],...]" would cost GBs.  Before parsing, the text is counted —
 * every value but the first follows one of [ { , : outside a string — and
 * its nesting measured, and what no probe writes is refused.
 */
#pragma once

#include <stddef.h>

#include <jansson.h>

typedef struct {
	size_t max_values;    /*!< JSON values the text may hold */
	unsigned max_depth;   /*!< arrays and objects inside each other */
	const char *too_many; /*!< "more than an audit of 256 resolvers writes" */
	const char *too_deep; /*!< "not a resolver snapshot" */
} dv_jread_limits_t;

/*!
 * Parse `len` bytes of JSON (duplicate members refused) within `lim`.
 * Returns the root (caller decrefs), or NULL with *ret DV_ELIMIT (a bound)
 * or DV_EPARSE (not JSON) and the message in why — never empty: "line L
 * column C: ..." for a syntax error.
 */
json_t *dv_jread_load(const char *data, size_t len, const dv_jread_limits_t *lim, int *ret,
                      char *why, size_t whylen);
