/* Helpers shared by the fuzz targets. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* $INCLUDE would let the fuzzer open any file on the machine (and block on a
 * FIFO or a device): zone inputs that mention it are not run. */
static inline int fuzz_mentions_include(const uint8_t *d, size_t n)
{
	static const char key[] = "include";
	for (size_t i = 0; i + sizeof(key) - 1 <= n; i++) {
		size_t j = 0;
		while (j < sizeof(key) - 1 && (d[i + j] | 0x20) == key[j])
			j++;
		if (j == sizeof(key) - 1)
			return 1;
	}
	return 0;
}
