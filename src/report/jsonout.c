/*
 * JSON written as a stream, laid out exactly as jansson's JSON_INDENT(2) |
 * JSON_PRESERVE_ORDER dump of the whole tree would be: only small values
 * (one finding, one summary) are ever held as jansson trees, so a report's
 * memory does not grow with its findings (issue "hostile input" §10).
 */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define DEPTH_MAX 32

struct dv_jw {
	FILE *out;
	int depth;
	bool any[DEPTH_MAX]; /* the container at this depth has a member already */
	bool failed;
};

static void put(dv_jw_t *w, const char *s, size_t n)
{
	if (n > 0 && fwrite(s, 1, n, w->out) != n)
		w->failed = true;
}

static void indent(dv_jw_t *w, int depth)
{
	static const char sp[] = "                                                                ";
	for (int n = 2 * depth; n > 0; n -= (int)(sizeof(sp) - 1))
		put(w, sp, (size_t)(n < (int)sizeof(sp) - 1 ? n : (int)sizeof(sp) - 1));
}

/* The separator and key of the next member of the current container. */
static void member(dv_jw_t *w, const char *key)
{
	if (w->depth == 0)
		return;
	put(w, w->any[w->depth] ? ",\n" : "\n", w->any[w->depth] ? 2 : 1);
	w->any[w->depth] = true;
	indent(w, w->depth);
	if (key != NULL) {
		json_t *k = json_string(key);
		char *t = k ? json_dumps(k, JSON_ENCODE_ANY) : NULL;
		if (t == NULL)
			w->failed = true;
		else
			put(w, t, strlen(t));
		put(w, ": ", 2);
		free(t);
		json_decref(k);
	}
}

dv_jw_t *dv_jw_new(FILE *out)
{
	dv_jw_t *w = calloc(1, sizeof(*w));
	if (w != NULL)
		w->out = out;
	return w;
}

static void open_container(dv_jw_t *w, const char *key, char c)
{
	member(w, key);
	put(w, &c, 1);
	if (w->depth + 1 >= DEPTH_MAX) {
		w->failed = true;
		return;
	}
	w->depth++;
	w->any[w->depth] = false;
}

static void close_container(dv_jw_t *w, char c)
{
	if (w->depth == 0) {
		w->failed = true;
		return;
	}
	bool any = w->any[w->depth];
	w->depth--;
	if (any) {
		put(w, "\n", 1);
		indent(w, w->depth);
	}
	put(w, &c, 1);
	if (w->depth == 0)
		put(w, "\n", 1);
}

void dv_jw_object(dv_jw_t *w, const char *key)
{
	open_container(w, key, '{');
}

void dv_jw_array(dv_jw_t *w, const char *key)
{
	open_container(w, key, '[');
}

void dv_jw_end_object(dv_jw_t *w)
{
	close_container(w, '}');
}

void dv_jw_end_array(dv_jw_t *w)
{
	close_container(w, ']');
}

void dv_jw_value(dv_jw_t *w, const char *key, json_t *v)
{
	member(w, key);
	char *t = v ? json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
	json_decref(v);
	if (t == NULL) {
		/* Out of memory for this one value: the report goes on. */
		put(w, "null", 4);
		return;
	}
	/* Its lines continue at this depth (JSON strings hold no raw newline). */
	const char *p = t;
	for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		put(w, p, (size_t)(nl - p + 1));
		indent(w, w->depth);
	}
	put(w, p, strlen(p));
	free(t);
}

int dv_jw_free(dv_jw_t *w)
{
	if (w == NULL)
		return -1;
	int r = w->failed || w->depth != 0 || ferror(w->out) ? -1 : 0;
	free(w);
	return r;
}
