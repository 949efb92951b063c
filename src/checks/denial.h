/*
 * Internal helpers shared by the NSEC and NSEC3 checks (nsec.c, nsec3.c):
 * the expected type list of a name, type-bitmap comparison with a readable
 * difference, and the evidence of a finding about a name.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/zone.h"
#include "dnssec/dnssec.h"
#include "findings/findings.h"

/* 256 windows of (number, length, 32 octets): the largest possible type bitmap. */
#define DENIAL_BITMAP_MAX (256 * 34)

/* A reusable list of types (one per check run, not one per name). */
typedef struct {
	uint16_t *v;
	size_t len, cap;
} denial_types_t;

static inline int denial_types_push(denial_types_t *t, uint16_t type)
{
	if (dv_array_grow(&t->v, &t->cap, t->len, sizeof(*t->v), 64) != DV_OK)
		return DV_ENOMEM;
	t->v[t->len++] = type;
	return DV_OK;
}

static inline int denial_u16_cmp(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return x < y ? -1 : (x > y ? 1 : 0);
}

/* Sort and de-duplicate, as dv_bitmap_encode wants them. */
static inline void denial_types_finish(denial_types_t *t)
{
	if (t->len > 1) /* qsort must not see a NULL array */
		qsort(t->v, t->len, sizeof(*t->v), denial_u16_cmp);
	size_t o = 0;
	for (size_t i = 0; i < t->len; i++)
		if (o == 0 || t->v[o - 1] != t->v[i])
			t->v[o++] = t->v[i];
	t->len = o;
}

static inline bool denial_types_has(const denial_types_t *t, uint16_t type)
{
	return t->len > 0 && bsearch(&type, t->v, t->len, sizeof(*t->v), denial_u16_cmp) != NULL;
}

/* Whether every RRset at the name is NSEC3: an NSEC3 owner (a hash), not a
 * name of the zone's data. */
static inline bool denial_name_is_nsec3_only(const dv_zone_t *z, uint32_t ni)
{
	const dv_name_t *nm = &z->names[ni];
	if (nm->rrset_count == 0)
		return false;
	for (uint32_t k = 0; k < nm->rrset_count; k++)
		if (z->rrsets[nm->rrset_first + k].type != KNOT_RRTYPE_NSEC3)
			return false;
	return true;
}

static inline size_t denial_dname_len(const uint8_t *d)
{
	size_t pos = 0;
	while (pos < DV_DNAME_MAXLEN && d[pos] != 0)
		pos += 1 + (size_t)d[pos];
	return pos + 1;
}

/* Append "A NS SOA" style type names to buf at *pos, bounded. */
static inline void denial_append_type(char *buf, size_t len, size_t *pos, uint16_t type)
{
	char tname[32];
	if (*pos >= len)
		return;
	dv_type_to_str(type, tname, sizeof(tname));
	int n = snprintf(buf + *pos, len - *pos, "%s%s", *pos > 0 ? " " : "", tname);
	if (n < 0)
		return;
	*pos = (size_t)n >= len - *pos ? len : *pos + (size_t)n;
}

/*
 * Compare a found type bitmap with the expected (sorted) type list.  Returns
 * true when they are equal; otherwise writes what differs into diff.
 * `scratch` holds DENIAL_BITMAP_MAX octets.
 */
static inline bool denial_bitmap_matches(const uint8_t *found, size_t flen,
                                         const denial_types_t *expect, uint8_t *scratch, char *diff,
                                         size_t difflen)
{
	long elen = dv_bitmap_encode(expect->v, expect->len, scratch, DENIAL_BITMAP_MAX);
	diff[0] = '\0';
	if (!dv_bitmap_valid(found, flen)) {
		snprintf(diff, difflen, "malformed type bitmap (RFC 4034 §4.1.2)");
		return false;
	}
	/* A valid bitmap has exactly one encoding, so equal sets are equal octets. */
	if (elen >= 0 && (size_t)elen == flen && memcmp(scratch, found, flen) == 0)
		return true;

	char missing[160] = "", extra[160] = "";
	size_t mpos = 0, xpos = 0;
	for (size_t i = 0; i < expect->len; i++)
		if (!dv_bitmap_has(found, flen, expect->v[i]))
			denial_append_type(missing, sizeof(missing), &mpos, expect->v[i]);
	for (size_t pos = 0; pos + 2 <= flen;) {
		uint8_t window = found[pos], blen = found[pos + 1];
		for (unsigned b = 0; b < (unsigned)blen * 8; b++) {
			if (!(found[pos + 2 + b / 8] & (0x80 >> (b % 8))))
				continue;
			uint16_t type = (uint16_t)((window << 8) | b);
			if (!denial_types_has(expect, type))
				denial_append_type(extra, sizeof(extra), &xpos, type);
		}
		pos += 2 + (size_t)blen;
	}
	snprintf(diff, difflen, "types missing from the bitmap: [%s]; listed but absent: [%s]",
	         missing, extra);
	return false;
}

/* The evidence of a finding about name index `ni` and an RR type. */
#define DENIAL_AT(z, ni, t) (&(dv_evidence_t){.owner = (z)->names[(ni)].dname, .type = (t)})
