/*
 * libFuzzer target: files of loose records (--ds, trust-anchor and
 * root-hints files, zone/loader.h dv_rrfile_load_limits), read from a file
 * in the sandbox of fuzz_util.h so that $INCLUDE reaches only its files.
 * Invariants: every record read has a wire owner and canonical RDATA within
 * bounds, and no more records than the ceiling.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libknot/libknot.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[128];
	if (size > 64 * 1024)
		return 0;
	const char *dir = fuzz_sandbox();
	if (dir == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/input.ds", dir);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	dv_load_limits_t lim = {.max_records = 1000, .include_root = dir};
	dv_rrfile_t rr = {0};
	char err[512];
	if (dv_rrfile_load_limits(path, ".", &lim, &rr, err, sizeof(err)) == 0) {
		if (rr.n > 1000)
			abort();
		for (size_t i = 0; i < rr.n; i++)
			if (knot_dname_size(rr.v[i].owner) == 0 ||
			    (rr.v[i].rdlen > 0 && rr.v[i].rdata == NULL))
				abort();
	}
	dv_rrfile_clear(&rr);
	return 0;
}
