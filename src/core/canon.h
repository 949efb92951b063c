/*
 * Canonical form of RDATA (RFC 4034 §6.2): what the zone store keeps and
 * what signatures are computed over.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*! Lowercase embedded names of the RR types that RFC 4034 §6.2 (as amended
 *  by RFC 6840 §5.1) lists, in place.  DV_EPARSE if the RDATA is malformed. */
int dv_rdata_canonicalize(uint16_t type, uint8_t *rdata, size_t rdlen);
