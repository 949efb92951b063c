/* Helpers shared by the unit tests (tests/unit). */
#pragma once

#include <stdint.h>

#include "core/zone.h"
#include "findings/findings.h"

/* Presentation form of a wire name ("" for NULL), in one of four rotating
 * buffers: up to four may be used in one expression. */
static inline const char *name_str(const uint8_t *dname)
{
	static char buf[4][DV_FINDING_NAME_MAX];
	static unsigned next;
	char *b = buf[next++ % 4];
	b[0] = '\0';
	if (dname != NULL)
		dv_dname_to_str(dname, b, DV_FINDING_NAME_MAX);
	return b;
}
