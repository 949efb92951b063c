/* libFuzzer target: the watch configuration parser (dv_conf_load_mem).
 * Invariants beyond "no crash": an accepted config has a state directory,
 * zones sorted and unique, crit <= warn for each, labels within the ceiling;
 * a refused one has a "fuzz:LINE: " message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dv_conf_t *c = NULL;
	char err[1024];
	int r = dv_conf_load_mem((const char *)data, size, "fuzz", &c, err, sizeof(err));
	if (r != 0) {
		if (strncmp(err, "fuzz:", 5) != 0)
			abort();
		return 0;
	}
	if (c->state_directory == NULL || c->listen == NULL)
		abort();
	for (size_t i = 0; i < c->nzones; i++) {
		if (c->zones[i].s.crit > c->zones[i].s.warn ||
		    c->zones[i].s.nlabels > DV_CONF_MAX_LABELS)
			abort();
		if (i > 0 && strcmp(c->zones[i - 1].name, c->zones[i].name) >= 0)
			abort();
		if (dv_conf_zone_find(c, c->zones[i].name) != &c->zones[i])
			abort();
	}
	dv_conf_free(c);
	return 0;
}
