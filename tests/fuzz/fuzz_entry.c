/* libFuzzer target: ledger entries as stored (ledger_entry_decode): the
 * strict canonical-JSON reader every verify runs on untrusted databases.
 * A body that decodes names a time, and a refusal says why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "ledger/ledger_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *e = NULL;
	int64_t t = -1;
	char why[256] = "";
	if (ledger_entry_decode((const char *)data, size, &e, &t, why, sizeof(why)) == 0) {
		if (e == NULL || !json_is_object(e))
			abort();
		json_decref(e);
	} else if (why[0] == '\0') {
		abort();
	}
	return 0;
}
