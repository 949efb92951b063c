/*
 * libFuzzer target: the escaping of input-derived text (core/text.h).
 * Invariants: the output never holds a control character (C0, DEL, C1), a
 * bidirectional mark or an invalid UTF-8 sequence; with DV_TEXT_PIPE never a
 * '|'; a string dv_text_is_safe accepts comes out unchanged; the writer and
 * the buffer form agree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether s is valid UTF-8 with nothing a terminal acts on. */
static int clean(const unsigned char *s, unsigned flags)
{
	while (*s) {
		unsigned c = *s, n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xC2) || c > 0xF4)
			return 0;
		if ((flags & DV_TEXT_PIPE) && c == '|')
			return 0;
		uint32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
		for (unsigned i = 1; i < n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3F);
		}
		if (cp >= 0x80 && cp <= 0x9F)
			return 0;
		if (cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			return 0;
		s += n;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *in = malloc(size + 1);
	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	unsigned flags = size > 0 && (data[0] & 1) ? DV_TEXT_PIPE : 0;
	size_t cap = 4 * size + 1; /* every byte escaped */
	char *out = malloc(cap), *small = malloc(17);
	if (out == NULL || small == NULL)
		abort();
	dv_text_escape(out, cap, in, flags);
	if (!clean((const unsigned char *)out, flags))
		abort();
	if (dv_text_is_safe(in, flags) && strcmp(in, out) != 0)
		abort();
	/* Cut short: still clean, and a prefix of the whole. */
	dv_text_escape(small, 17, in, flags);
	if (!clean((const unsigned char *)small, flags) || strncmp(small, out, strlen(small)) != 0)
		abort();
	/* The stream form writes the same bytes. */
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	if (f != NULL) {
		dv_text_fputs(in, flags, f);
		fclose(f);
		if (strcmp(buf, out) != 0)
			abort();
		free(buf);
	}
	free(out);
	free(small);
	free(in);
	return 0;
}
