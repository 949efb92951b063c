/* Input-derived text made safe to print (core/text.h). */
#include "core/text.h"

#include <stdint.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at s (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing above U+10FFFF) and its code point; 0 when
 * the bytes there are not one. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n;
	uint32_t v, min;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* Code points that must not reach a terminal as they are. */
static bool unsafe(uint32_t cp, unsigned flags)
{
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
		return true; /* C0, DEL, C1 (0x9B is a CSI on its own) */
	if (cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return true; /* bidirectional marks, embeddings, overrides, isolates */
	return cp == '|' && (flags & DV_TEXT_PIPE);
}

/* Walk `in` piece by piece: each run of safe bytes, or one escaped byte,
 * goes to emit(); stops early when emit() returns false. */
typedef bool (*emit_fn)(void *ctx, const char *s, size_t n);

static void walk(const char *in, unsigned flags, emit_fn emit, void *ctx)
{
	const unsigned char *p = (const unsigned char *)(in != NULL ? in : "");
	while (*p != '\0') {
		const unsigned char *run = p;
		uint32_t cp = 0;
		size_t n;
		while (*p != '\0' && (n = utf8_next(p, &cp)) > 0 && !unsafe(cp, flags))
			p += n;
		if (p > run && !emit(ctx, (const char *)run, (size_t)(p - run)))
			return;
		if (*p == '\0')
			return;
		/* An unsafe character or a stray byte: every byte of it escaped. */
		n = utf8_next(p, &cp);
		if (n == 0)
			n = 1;
		for (size_t i = 0; i < n; i++) {
			char esc[5];
			esc[0] = '\\';
			esc[1] = (char)('0' + p[i] / 100);
			esc[2] = (char)('0' + p[i] / 10 % 10);
			esc[3] = (char)('0' + p[i] % 10);
			esc[4] = '\0';
			if (!emit(ctx, esc, 4))
				return;
		}
		p += n;
	}
}

typedef struct {
	char *out;
	size_t len, cap; /* cap counts the NUL */
} sink_t;

static bool to_buf(void *ctx, const char *s, size_t n)
{
	sink_t *b = ctx;
	if (b->len + n < b->cap) {
		memcpy(b->out + b->len, s, n);
		b->len += n;
		return true;
	}
	/* Cut at a character boundary: never half a UTF-8 sequence or escape. */
	size_t room = b->cap - 1 - b->len;
	if (n > 0 && s[0] != '\\') {
		while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80)
			room--;
		memcpy(b->out + b->len, s, room);
		b->len += room;
	}
	return false;
}

char *dv_text_escape(char *out, size_t outlen, const char *in, unsigned flags)
{
	if (outlen == 0)
		return out;
	sink_t b = {out, 0, outlen};
	walk(in, flags, to_buf, &b);
	out[b.len] = '\0';
	return out;
}

bool dv_text_is_safe(const char *in, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)(in != NULL ? in : "");
	while (*p != '\0') {
		uint32_t cp;
		size_t n = utf8_next(p, &cp);
		if (n == 0 || unsafe(cp, flags))
			return false;
		p += n;
	}
	return true;
}

static bool to_file(void *ctx, const char *s, size_t n)
{
	FILE *f = ((FILE **)ctx)[0];
	if (fwrite(s, 1, n, f) != n) {
		((FILE **)ctx)[1] = NULL; /* remembered as failed */
		return false;
	}
	return true;
}

int dv_text_fputs(const char *in, unsigned flags, FILE *out)
{
	FILE *ctx[2] = {out, out};
	walk(in, flags, to_file, ctx);
	return ctx[1] == NULL ? EOF : 0;
}
