/*
 * $GENERATE: parsing the directive and making its records.  See generate.h.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "zone/generate.h"

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int ret,
                                                      const char *fmt, ...)
{
	int n = snprintf(err, errlen, "$GENERATE: ");
	if (n > 0 && (size_t)n < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* A decimal number with an optional sign (when `sign`), at most 20 digits;
 * false if it is not one or does not fit in int64_t. */
static bool parse_num(const char *p, size_t n, bool sign, int64_t *out)
{
	char buf[24];
	if (n == 0 || n >= sizeof(buf) || (!sign && (p[0] == '-' || p[0] == '+')))
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	char *end = NULL;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0' || !(isdigit((unsigned char)buf[0]) || sign))
		return false;
	*out = v;
	return true;
}

/* The text of one token, quoted and shortened, for a message. */
static const char *show(const char *p, size_t n, char *buf, size_t buflen)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < buflen; i++)
		buf[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
	if (k < n && k + 3 < buflen) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
	return buf;
}

/* start-stop[/step] */
static int parse_range(const dv_generate_tok_t *r, dv_generate_t *g, char *err, size_t errlen)
{
	const char *dash = r->len ? memchr(r->p + 1, '-', r->len - 1) : NULL;
	const char *end = r->p + r->len;
	const char *slash = dash ? memchr(dash, '/', (size_t)(end - dash)) : NULL;
	int64_t start, stop, step = 1;
	char shown[40];
	if (dash == NULL || !parse_num(r->p, (size_t)(dash - r->p), false, &start) ||
	    !parse_num(dash + 1, (size_t)((slash ? slash : end) - dash - 1), false, &stop) ||
	    (slash && !parse_num(slash + 1, (size_t)(end - slash - 1), false, &step)))
		return fail(err, errlen, DV_EPARSE,
		            "range '%s' is not start-stop[/step] in decimal numbers",
		            show(r->p, r->len, shown, sizeof(shown)));
	/* Bounded so that no computation below can overflow (start + k * step,
	 * value + offset), whatever the input. */
	if (start > DV_GENERATE_VALUE_MAX || stop > DV_GENERATE_VALUE_MAX ||
	    step > DV_GENERATE_VALUE_MAX)
		return fail(err, errlen, DV_EPARSE,
		            "range '%s': each number must be 0 to 4294967295",
		            show(r->p, r->len, shown, sizeof(shown)));
	if (stop < start || step < 1)
		return fail(err, errlen, DV_EPARSE,
		            "range '%s' is empty (start above stop, or step 0)",
		            show(r->p, r->len, shown, sizeof(shown)));
	g->start = (uint64_t)start;
	g->step = (uint64_t)step;
	g->count = ((uint64_t)stop - (uint64_t)start) / (uint64_t)step + 1;
	if (g->count > DV_GENERATE_MAX)
		return fail(err, errlen, DV_ELIMIT, "range '%s' makes more than 1000000 records",
		            show(r->p, r->len, shown, sizeof(shown)));
	return DV_OK;
}

/* Tokens up to a comment, the directive name first; returns the count, at
 * most `max`.  `rest` is where the last token read starts. */
static size_t tokenize(const char *line, size_t len, dv_generate_tok_t *tok, size_t max)
{
	size_t nt = 0, k = 0;
	while (k < len && nt < max) {
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
		tok[nt++] = (dv_generate_tok_t){line + b, k - b};
	}
	return nt;
}

int dv_generate_count(const char *line, size_t len, uint64_t *count)
{
	dv_generate_tok_t tok[2];
	dv_generate_t g;
	char err[8];
	*count = 0;
	if (tokenize(line, len, tok, 2) < 2 || parse_range(&tok[1], &g, err, sizeof(err)) != DV_OK)
		return DV_EPARSE;
	*count = g.count;
	return DV_OK;
}

int dv_generate_parse(const char *line, size_t len, dv_generate_t *g, char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	*g = (dv_generate_t){0};
	dv_generate_tok_t tok[GENERATE_TOKENS_MAX + 1];
	size_t nt = tokenize(line, len, tok, GENERATE_TOKENS_MAX + 1);
	if (nt < 5 || nt > GENERATE_TOKENS_MAX || tok[0].len != 9 ||
	    strncasecmp(tok[0].p, "$GENERATE", 9) != 0)
		return fail(err, errlen, DV_EPARSE, "expected: range lhs [ttl] [class] type rhs");
	int ret = parse_range(&tok[1], g, err, errlen);
	if (ret != DV_OK)
		return ret;
	g->lhs = tok[2];
	/* A literal '$' first would make each line a directive. */
	if (g->lhs.len >= 2 && g->lhs.p[0] == '\\' && g->lhs.p[1] == '$')
		return fail(err, errlen, DV_EPARSE, "the owner may not start with '$'");
	/* The middle tokens (ttl, class, type) are copied as they are; the last
	 * one through the end of the line is the rhs. */
	for (size_t m = 3; m + 1 < nt; m++)
		g->mid[g->nmid++] = tok[m];
	g->rhs = (dv_generate_tok_t){tok[nt - 1].p, (size_t)(line + len - tok[nt - 1].p)};
	/* Drop a trailing comment from the rhs. */
	for (size_t q = 0, inq = 0; q < g->rhs.len; q++) {
		if (g->rhs.p[q] == '"')
			inq = !inq;
		if (g->rhs.p[q] == ';' && !inq) {
			g->rhs.len = q;
			break;
		}
	}
	while (g->rhs.len > 0 && isspace((unsigned char)g->rhs.p[g->rhs.len - 1]))
		g->rhs.len--;
	return DV_OK;
}

/* ${offset[,width[,base]]} at f (its text between the braces) for value v. */
static int modifier(const char *f, size_t flen, int64_t v, dv_buf_t *out, char *err, size_t errlen)
{
	int64_t off = 0, width = 0;
	char base = 'd';
	const char *c1 = memchr(f, ',', flen), *close = f + flen;
	if (!parse_num(f, c1 ? (size_t)(c1 - f) : flen, true, &off) ||
	    off > (int64_t)DV_GENERATE_VALUE_MAX || off < -(int64_t)DV_GENERATE_VALUE_MAX)
		return fail(err, errlen, DV_EPARSE,
		            "bad offset in ${...} (a number from -4294967295 to 4294967295)");
	if (c1 != NULL) {
		const char *w = c1 + 1;
		const char *c2 = memchr(w, ',', (size_t)(close - w));
		if (!parse_num(w, c2 ? (size_t)(c2 - w) : (size_t)(close - w), false, &width) ||
		    width > 64)
			return fail(err, errlen, DV_EPARSE, "bad width in ${...} (0 to 64)");
		if (c2 != NULL) {
			if (close - c2 != 2)
				return fail(err, errlen, DV_EPARSE, "bad base in ${...}");
			base = c2[1];
		}
	}
	char num[80];
	int n;
	int64_t x = v + off; /* |v|, |off| <= 2^32: no overflow */
	switch (base) {
	case 'd':
		n = snprintf(num, sizeof(num), "%0*" PRId64, (int)width, x);
		break;
	case 'o':
		n = snprintf(num, sizeof(num), "%0*" PRIo64, (int)width, (uint64_t)x);
		break;
	case 'x':
		n = snprintf(num, sizeof(num), "%0*" PRIx64, (int)width, (uint64_t)x);
		break;
	case 'X':
		n = snprintf(num, sizeof(num), "%0*" PRIX64, (int)width, (uint64_t)x);
		break;
	default:
		return fail(err, errlen, DV_EPARSE, "unsupported base in ${...} (d, o, x, X)");
	}
	if (n < 0 || (size_t)n >= sizeof(num))
		return fail(err, errlen, DV_EPARSE, "value too long");
	return dv_buf_append(out, num, (size_t)n);
}

/* Expand one template (lhs or rhs) for iterator value v. */
static int expand(const dv_generate_tok_t *t, int64_t v, dv_buf_t *out, char *err, size_t errlen)
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
			const char *f = t->p + k + 2;
			ret = modifier(f, (size_t)(close - f), v, out, err, errlen);
			if (ret != DV_OK && err[0] != '\0')
				return ret;
			k = (size_t)(close - t->p);
		} else {
			char num[24];
			int n = snprintf(num, sizeof(num), "%" PRId64, v);
			ret = dv_buf_append(out, num, (size_t)n);
		}
		if (ret != DV_OK)
			return fail(err, errlen, ret, "expansion too large");
	}
	return DV_OK;
}

int dv_generate_next(dv_generate_t *g, dv_buf_t *out, size_t target, char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	while (g->next < g->count && out->len < target) {
		/* start + k * step <= stop <= 2^32 - 1: no overflow. */
		int64_t v = (int64_t)(g->start + g->next * g->step);
		int ret = expand(&g->lhs, v, out, err, errlen);
		for (size_t m = 0; ret == DV_OK && m < g->nmid; m++) {
			ret = dv_buf_append(out, " ", 1);
			if (ret == DV_OK)
				ret = dv_buf_append(out, g->mid[m].p, g->mid[m].len);
		}
		if (ret == DV_OK)
			ret = dv_buf_append(out, " ", 1);
		if (ret == DV_OK)
			ret = expand(&g->rhs, v, out, err, errlen);
		if (ret == DV_OK)
			ret = dv_buf_append(out, "\n", 1);
		if (ret != DV_OK)
			return err[0] ? ret : fail(err, errlen, ret, "expansion too large");
		g->next++;
	}
	return DV_OK;
}
