/* Bounded JSON loading for the snapshot readers (jsonread.h). */
#include "snapshot/jsonread.h"

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"

/* Count what the text would build and how deep it nests; stop at the first
 * bound passed.  0, 1 (too many values) or 2 (too deep). */
static int shape(const char *s, size_t n, const dv_jread_limits_t *lim)
{
	size_t values = 1;
	unsigned depth = 0;
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (quoted) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (c == '"') {
			quoted = true;
		} else if (c == '[' || c == '{') {
			if (++depth > lim->max_depth)
				return 2;
			values++;
		} else if (c == ']' || c == '}') {
			depth -= depth > 0;
		} else if (c == ',' || c == ':') {
			values++;
		}
		if (values > lim->max_values)
			return 1;
	}
	return 0;
}

json_t *dv_jread_load(const char *data, size_t len, const dv_jread_limits_t *lim, int *ret,
                      char *why, size_t whylen)
{
	switch (shape(data, len, lim)) {
	case 1:
		snprintf(why, whylen, "more than %zu JSON values: %s", lim->max_values,
		         lim->too_many);
		*ret = DV_ELIMIT;
		return NULL;
	case 2:
		snprintf(why, whylen, "nested deeper than %u levels: %s", lim->max_depth,
		         lim->too_deep);
		*ret = DV_ELIMIT;
		return NULL;
	default:
		break;
	}
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (root != NULL) {
		*ret = DV_OK;
		return root;
	}
	*ret = DV_EPARSE;
	/* jansson reports some failures (memory) without a position: the
	 * message must still say something. */
	if (je.line > 0)
		snprintf(why, whylen, "line %d column %d: %s", je.line, je.column,
		         je.text[0] ? je.text : "not JSON");
	else
		snprintf(why, whylen, "not readable as JSON: %s",
		         je.text[0] ? je.text : "no message from the parser");
	return NULL;
}
