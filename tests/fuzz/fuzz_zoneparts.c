/*
 * libFuzzer target: a zone file parsed in parts against the same file parsed
 * on one thread.  dv_zone_load cuts a file at line starts, parses the parts
 * side by side and joins them (src/zone/parts.c); whatever the input, that
 * must give exactly what one thread gives: the same result code and message,
 * or the same records, lines, names and RRsets.  A difference traps.
 *
 * The input is written to a file in the include sandbox (fuzz_util.h), so
 * that the file path of the loader, which the string path skips, is the one
 * exercised, and $INCLUDE lines reach the sandbox's files (and the input
 * itself, a loop); part_min 1 lets the smallest input be cut, at 2 to 5
 * places.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "core/zone.h"
#include "zone/loader.h"
#include "fuzz_util.h"

#define FUZZ_MAX (64 * 1024)

static void same_or_trap(const dv_zone_t *a, const dv_zone_t *b)
{
	if (a->rr_count != b->rr_count || a->name_count != b->name_count ||
	    a->rrset_count != b->rrset_count || !knot_dname_is_equal(a->origin, b->origin))
		__builtin_trap();
	for (size_t i = 0; i < a->name_count; i++)
		if (!knot_dname_is_equal(a->names[i].dname, b->names[i].dname) ||
		    a->names[i].flags != b->names[i].flags)
			__builtin_trap();
	for (size_t i = 0; i < a->rr_count; i++) {
		const dv_rr_t *x = &a->rrs[i], *y = &b->rrs[i];
		if (x->name != y->name || x->type != y->type || x->ttl != y->ttl ||
		    x->line != y->line || x->rdlen != y->rdlen ||
		    (x->rdlen > 0 && memcmp(x->rdata, y->rdata, x->rdlen) != 0))
			__builtin_trap();
	}
	for (size_t i = 0; i < a->rrset_count; i++)
		if (a->rrsets[i].rr_first != b->rrsets[i].rr_first ||
		    a->rrsets[i].sig_count != b->rrsets[i].sig_count)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > FUZZ_MAX)
		return 0;
	char path[128];
	snprintf(path, sizeof(path), "%s/zone", fuzz_sandbox());
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		abort();
	if (fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	/* The cut count comes from the last byte, so the fuzzer can steer it. */
	unsigned parts = 2 + data[size - 1] % 4;
	dv_zone_t *one = NULL, *many = NULL;
	char err1[512] = "", err2[512] = "";
	dv_zone_opts_t o1 = {.threads = 1, .limits = fuzz_limits()};
	dv_zone_opts_t o2 = {.threads = parts, .part_min = 1, .limits = fuzz_limits()};
	int r1 = dv_zone_load(path, &o1, &one, err1, sizeof(err1));
	int r2 = dv_zone_load(path, &o2, &many, err2, sizeof(err2));
	if (r1 != r2)
		__builtin_trap();
	if (r1 == DV_OK)
		same_or_trap(one, many);
	else if (strcmp(err1, err2) != 0 || one != NULL || many != NULL)
		__builtin_trap();
	dv_zone_free(one);
	dv_zone_free(many);
	return 0;
}
