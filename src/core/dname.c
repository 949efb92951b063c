#include <stdio.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "core/zone.h"

void dv_dname_to_str(const uint8_t *dname, char *buf, size_t buflen)
{
	if (buflen == 0)
		return;
	if (dname == NULL || knot_dname_to_str(buf, dname, buflen) == NULL)
		snprintf(buf, buflen, "%s", "?");
	buf[buflen - 1] = '\0';
}

void dv_type_to_str(uint16_t type, char *buf, size_t buflen)
{
	if (buflen == 0)
		return;
	if (knot_rrtype_to_string(type, buf, buflen) < 0)
		snprintf(buf, buflen, "TYPE%u", type);
}

int dv_dname_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t la[KNOT_DNAME_MAXLEN], lb[KNOT_DNAME_MAXLEN];
	size_t sa = knot_dname_size(a), sb = knot_dname_size(b);
	if (sa > sizeof(la) || sb > sizeof(lb))
		return sa < sb ? -1 : (sa > sb ? 1 : 0);
	memcpy(la, a, sa);
	memcpy(lb, b, sb);
	knot_dname_to_lower(la);
	knot_dname_to_lower(lb);
	return knot_dname_cmp(la, lb);
}
