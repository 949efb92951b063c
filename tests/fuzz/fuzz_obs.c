/* libFuzzer target: the daemon's stored observations (store/store.h
 * dv_obs_from_json), read back from SQLite.  An observation that parses
 * writes back to JSON that parses to the same text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	dv_obs_t o;
	memset(&o, 0, sizeof(o));
	if (dv_obs_from_json(text, &o) == 0) {
		char *a = NULL, *b = NULL;
		dv_obs_t o2;
		memset(&o2, 0, sizeof(o2));
		if (dv_obs_to_json(&o, &a) == 0) {
			if (dv_obs_from_json(a, &o2) != 0 || dv_obs_to_json(&o2, &b) != 0 ||
			    strcmp(a, b) != 0)
				abort();
		}
		free(a);
		free(b);
		dv_obs_clear(&o2);
	}
	dv_obs_clear(&o);
	free(text);
	return 0;
}
