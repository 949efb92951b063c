/*
 * Loading a file of loose resource records in zone-file form (no SOA needed):
 * DS/DNSKEY trust anchors (--ds, --trust-anchor, Debian's root.ds and
 * root.key) and root hints (root.hints).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint8_t owner[255]; /*!< wire form, lowercase */
	uint16_t type;
	uint32_t ttl;
	uint32_t line;
	uint16_t rdlen;
	uint8_t *rdata; /*!< canonical form */
} dv_rrfile_rr_t;

typedef struct {
	dv_rrfile_rr_t *v;
	size_t n;
} dv_rrfile_t;

/*!
 * Read every record of a zone-file-form file.  `origin` (may be NULL: ".")
 * completes relative names.  On error returns DV_EPARSE/DV_EIO/DV_ELIMIT and
 * writes "file:line: message" into err.  At most 100000 records.
 */
int dv_rrfile_load(const char *path, const char *origin, dv_rrfile_t *out, char *err,
                   size_t errlen);
/*! Release the records; the list is empty afterwards. */
void dv_rrfile_clear(dv_rrfile_t *f);
