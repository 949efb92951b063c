/* Helpers shared by the fuzz targets. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zone/loader.h"

/*
 * $INCLUDE in fuzz inputs reaches only a sandbox: a directory of a few small
 * files made once per process (records, an include of them, a file that
 * includes itself, a chain, CRLF line ends, $GENERATE), passed to the loader
 * as include_root so that nothing outside it can be opened.  The fuzzer
 * finds the names from the seeds (tests/fuzz/corpus/zone/include-*).
 */
static const struct {
	const char *name, *text;
} fuzz_sandbox_files[] = {
    {"a", "a A 192.0.2.1\nb TXT \"in a\"\n"},
    {"b", "$INCLUDE a\nb AAAA 2001:db8::1\n"},
    {"loop", "x A 192.0.2.2\n$INCLUDE loop\n"},
    {"d1", "$INCLUDE d2 sub\n"},
    {"d2", "$INCLUDE d3\n"},
    {"d3", "deep A 192.0.2.3\n"},
    {"crlf", "c A 192.0.2.4\r\nc TXT \"crlf\"\r\n"},
    {"gen", "$GENERATE 1-20 g$ A 192.0.2.$\n"},
    {"bad", "ok A 192.0.2.5\nbad A 300.0.0.1\n"},
};

static char fuzz_sandbox_dir[64];

static inline void fuzz_sandbox_remove(void)
{
	char path[128];
	for (size_t i = 0; i < sizeof(fuzz_sandbox_files) / sizeof(fuzz_sandbox_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_sandbox_dir, fuzz_sandbox_files[i].name);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/zone", fuzz_sandbox_dir);
	unlink(path);
	rmdir(fuzz_sandbox_dir);
}

/* The sandbox directory (made on the first call). */
static inline const char *fuzz_sandbox(void)
{
	if (fuzz_sandbox_dir[0] != '\0')
		return fuzz_sandbox_dir;
	snprintf(fuzz_sandbox_dir, sizeof(fuzz_sandbox_dir), "/tmp/dv-fuzz-inc.XXXXXX");
	if (mkdtemp(fuzz_sandbox_dir) == NULL)
		abort();
	char path[128];
	for (size_t i = 0; i < sizeof(fuzz_sandbox_files) / sizeof(fuzz_sandbox_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_sandbox_dir, fuzz_sandbox_files[i].name);
		FILE *f = fopen(path, "w");
		if (f == NULL || fputs(fuzz_sandbox_files[i].text, f) < 0 || fclose(f) != 0)
			abort();
	}
	atexit(fuzz_sandbox_remove);
	return fuzz_sandbox_dir;
}

/* Loader limits for fuzzing: includes inside the sandbox only, and small
 * ceilings so that every input runs in milliseconds. */
static inline dv_load_limits_t fuzz_limits(void)
{
	return (dv_load_limits_t){.include_root = fuzz_sandbox(),
	                          .include_files_max = 64,
	                          .include_bytes_max = 1 << 20,
	                          .max_records = 200000};
}
