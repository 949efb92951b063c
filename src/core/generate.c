#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/generate.h"

#define TOKENS_MAX 8

typedef struct {
	const char *p;
	size_t len;
} tok_t;

static int fail(char *err, size_t errlen, int ret, const char *msg)
{
	snprintf(err, errlen, "$GENERATE: %s", msg);
	return ret;
}

static bool parse_long(const char *p, size_t n, long *out)
{
	char buf[24];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	char *end = NULL;
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

/* Expand one template (lhs or rhs) for iterator value i. */
static int expand(const tok_t *t, long i, dv_buf_t *out, char *err, size_t errlen)
{
	for (size_t k = 0; k < t->len; k++) {
		char c = t->p[k];
		int ret;
		if (c == '\\' && k + 1 < t->len && t->p[k + 1] == '$') {
			ret = dv_buf_append(out, "$", 1);
			k++;
		} else if (c != '$') {
			ret = dv_buf_append(out, &c, 1);
		} else if (k + 1 < t->len && t->p[k + 1] == '{') {
			const char *close = memchr(t->p + k, '}', t->len - k);
			if (close == NULL)
				return fail(err, errlen, DV_EPARSE, "unterminated ${...}");
			/* ${offset[,width[,base]]} */
			const char *f = t->p + k + 2;
			size_t flen = (size_t)(close - f);
			long off = 0, width = 0;
			char base = 'd';
			const char *c1 = memchr(f, ',', flen);
			if (!parse_long(f, c1 ? (size_t)(c1 - f) : flen, &off))
				return fail(err, errlen, DV_EPARSE, "bad offset in ${...}");
			if (c1 != NULL) {
				const char *w = c1 + 1;
				const char *c2 = memchr(w, ',', (size_t)(close - w));
				if (!parse_long(w, c2 ? (size_t)(c2 - w) : (size_t)(close - w),
				                &width) ||
				    width < 0 || width > 64)
					return fail(err, errlen, DV_EPARSE, "bad width in ${...}");
				if (c2 != NULL) {
					if (close - c2 != 2)
						return fail(err, errlen, DV_EPARSE,
						            "bad base in ${...}");
					base = c2[1];
				}
			}
			char num[80];
			int n;
			long v = i + off;
			switch (base) {
			case 'd':
				n = snprintf(num, sizeof(num), "%0*ld", (int)width, v);
				break;
			case 'o':
				n = snprintf(num, sizeof(num), "%0*lo", (int)width,
				             (unsigned long)v);
				break;
			case 'x':
				n = snprintf(num, sizeof(num), "%0*lx", (int)width,
				             (unsigned long)v);
				break;
			case 'X':
				n = snprintf(num, sizeof(num), "%0*lX", (int)width,
				             (unsigned long)v);
				break;
			default:
				return fail(err, errlen, DV_EPARSE,
				            "unsupported base in ${...} (d, o, x, X)");
			}
			if (n < 0 || (size_t)n >= sizeof(num))
				return fail(err, errlen, DV_EPARSE, "value too long");
			ret = dv_buf_append(out, num, (size_t)n);
			k = (size_t)(close - t->p);
		} else {
			char num[24];
			int n = snprintf(num, sizeof(num), "%ld", i);
			ret = dv_buf_append(out, num, (size_t)n);
		}
		if (ret != DV_OK)
			return fail(err, errlen, ret, "expansion too large");
	}
	return DV_OK;
}

int dv_generate_expand(const char *line, size_t len, dv_buf_t *out, char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	tok_t tok[TOKENS_MAX + 1];
	size_t nt = 0, k = 0;
	/* Tokens, up to a comment; the directive name first. */
	while (k < len && nt <= TOKENS_MAX) {
		while (k < len && isspace((unsigned char)line[k]))
			k++;
		if (k == len || line[k] == ';')
			break;
		size_t b = k;
		bool quoted = false;
		while (k < len && (quoted || !isspace((unsigned char)line[k]))) {
			if (line[k] == '"')
				quoted = !quoted;
			else if (line[k] == '\\' && k + 1 < len)
				k++;
			k++;
		}
		tok[nt++] = (tok_t){line + b, k - b};
	}
	if (nt < 5 || tok[0].len != 9 || strncasecmp(tok[0].p, "$GENERATE", 9) != 0)
		return fail(err, errlen, DV_EPARSE, "expected: range lhs [ttl] [class] type rhs");
	/* range: start-stop[/step] */
	const char *r = tok[1].p, *dash = memchr(r, '-', tok[1].len);
	if (dash == NULL)
		return fail(err, errlen, DV_EPARSE, "range must be start-stop[/step]");
	const char *slash = memchr(dash, '/', tok[1].len - (size_t)(dash - r));
	long start, stop, step = 1;
	if (!parse_long(r, (size_t)(dash - r), &start) ||
	    !parse_long(dash + 1, (size_t)((slash ? slash : r + tok[1].len) - dash - 1), &stop) ||
	    (slash && !parse_long(slash + 1, (size_t)(r + tok[1].len - slash - 1), &step)))
		return fail(err, errlen, DV_EPARSE, "range must be start-stop[/step]");
	if (start < 0 || stop < start || step < 1)
		return fail(err, errlen, DV_EPARSE, "empty or negative range");
	if ((stop - start) / step + 1 > DV_GENERATE_MAX)
		return fail(err, errlen, DV_ELIMIT, "range produces too many records");
	/* The middle tokens (ttl, class, type) are copied as they are; the last
	 * one through the end of the line is the rhs. */
	const tok_t *lhs = &tok[2];
	tok_t rhs = {tok[nt - 1].p, (size_t)(line + len - tok[nt - 1].p)};
	/* Drop a trailing comment from the rhs. */
	for (size_t q = 0, inq = 0; q < rhs.len; q++) {
		if (rhs.p[q] == '"')
			inq = !inq;
		if (rhs.p[q] == ';' && !inq) {
			rhs.len = q;
			break;
		}
	}
	while (rhs.len > 0 && isspace((unsigned char)rhs.p[rhs.len - 1]))
		rhs.len--;
	for (long i = start; i <= stop; i += step) {
		int ret = expand(lhs, i, out, err, errlen);
		for (size_t m = 3; ret == DV_OK && m + 1 < nt; m++) {
			ret = dv_buf_append(out, " ", 1);
			if (ret == DV_OK)
				ret = dv_buf_append(out, tok[m].p, tok[m].len);
		}
		if (ret == DV_OK)
			ret = dv_buf_append(out, " ", 1);
		if (ret == DV_OK)
			ret = expand(&rhs, i, out, err, errlen);
		if (ret == DV_OK)
			ret = dv_buf_append(out, "\n", 1);
		if (ret != DV_OK)
			return err[0] ? ret : fail(err, errlen, ret, "expansion too large");
	}
	return DV_OK;
}
