/* Canonical RDATA form (RFC 4034 §6.2, RFC 6840 §5.1). */
#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "core/canon.h"
#include "core/error.h"

int dv_rdata_canonicalize(uint16_t type, uint8_t *rdata, size_t rdlen)
{
	/* RFC 4034 §6.2 item 3, as amended by RFC 6840 §5.1 (no NSEC, no HINFO). */
	if (!knot_rrtype_should_be_lowercased(type))
		return DV_OK;
	const knot_rdata_descriptor_t *desc = knot_get_rdata_descriptor(type);
	const uint8_t *end = rdata + rdlen;
	size_t off = 0;
	for (int i = 0; desc->block_types[i] != KNOT_RDATA_WF_END; i++) {
		int bt = desc->block_types[i];
		if (bt > 0) {
			off += (size_t)bt;
		} else if (bt == KNOT_RDATA_WF_REMAINDER) {
			off = rdlen;
		} else if (bt == KNOT_RDATA_WF_NAPTR_HEADER) {
			/* ORDER, PREFERENCE, then FLAGS, SERVICES, REGEXP character-strings. */
			off += 4;
			for (int s = 0; s < 3; s++) {
				if (off >= rdlen)
					return DV_EPARSE;
				off += 1 + (size_t)rdata[off];
			}
		} else {
			if (off >= rdlen)
				return DV_EPARSE;
			int sz = knot_dname_wire_check(rdata + off, end, NULL);
			if (sz <= 0)
				return DV_EPARSE;
			knot_dname_to_lower(rdata + off);
			off += (size_t)sz;
		}
		if (off > rdlen)
			return DV_EPARSE;
	}
	return DV_OK;
}
