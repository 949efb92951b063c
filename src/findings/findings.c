#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "findings/findings.h"

static const struct {
	const char *name, *title, *expl, *rem;
	dv_severity_t sev;
} table[DV_F_COUNT] = {
#define X(id, sev, title, expl, rem) [DV_F_##id] = {#id, title, expl, rem, DV_SEV_##sev},
#include "findings/codes.def"
#undef X
};

const char *dv_code_name(dv_code_t c)
{
	return c < DV_F_COUNT ? table[c].name : "UNKNOWN";
}
dv_severity_t dv_code_severity(dv_code_t c)
{
	return c < DV_F_COUNT ? table[c].sev : DV_SEV_ERROR;
}
const char *dv_code_title(dv_code_t c)
{
	return c < DV_F_COUNT ? table[c].title : "";
}
const char *dv_code_explanation(dv_code_t c)
{
	return c < DV_F_COUNT ? table[c].expl : "";
}
const char *dv_code_remediation(dv_code_t c)
{
	return c < DV_F_COUNT ? table[c].rem : "";
}

const char *dv_severity_name(dv_severity_t s)
{
	switch (s) {
	case DV_SEV_INFO:
		return "info";
	case DV_SEV_WARNING:
		return "warning";
	default:
		return "error";
	}
}

int dv_code_from_name(const char *name, dv_code_t *out)
{
	for (int i = 0; i < DV_F_COUNT; i++) {
		if (strcmp(table[i].name, name) == 0) {
			*out = (dv_code_t)i;
			return DV_OK;
		}
	}
	return DV_EINVAL;
}

/* ---- names ------------------------------------------------------------------ */

static size_t name_size(const uint8_t *d)
{
	size_t pos = 0;
	while (pos < 255 && d[pos] != 0)
		pos += 1 + (size_t)d[pos];
	return pos + 1;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

int dv_finding_name_cmp(const uint8_t *a, const uint8_t *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	/* RFC 4034 §6.1: label by label from the root, each compared as
	 * lowercase octets, a shorter label first when one is a prefix. */
	const uint8_t *la[128], *lb[128];
	size_t na = 0, nb = 0;
	for (const uint8_t *p = a; *p != 0 && na < 128; p += 1 + *p)
		la[na++] = p;
	for (const uint8_t *p = b; *p != 0 && nb < 128; p += 1 + *p)
		lb[nb++] = p;
	while (na > 0 && nb > 0) {
		const uint8_t *x = la[--na], *y = lb[--nb];
		size_t n = x[0] < y[0] ? x[0] : y[0];
		for (size_t i = 1; i <= n; i++)
			if (lower(x[i]) != lower(y[i]))
				return lower(x[i]) < lower(y[i]) ? -1 : 1;
		if (x[0] != y[0])
			return x[0] < y[0] ? -1 : 1;
	}
	return na > 0 ? 1 : (nb > 0 ? -1 : 0);
}

/* ---- order ------------------------------------------------------------------- */

/* The report order within one code. */
static int cmp_in_code(const dv_finding_t *x, const dv_finding_t *y)
{
	int c = dv_finding_name_cmp(x->zone, y->zone);
	if (c == 0)
		c = dv_finding_name_cmp(x->owner, y->owner);
	if (c == 0 && x->type != y->type)
		c = x->type < y->type ? -1 : 1;
	if (c == 0)
		c = strcmp(x->server, y->server);
	if (c == 0 && x->keytag != y->keytag)
		c = x->keytag < y->keytag ? -1 : 1;
	if (c == 0 && x->time != y->time)
		c = x->time < y->time ? -1 : 1;
	if (c == 0)
		c = strcmp(x->detail, y->detail);
	return c;
}

static int cmp_finding(const void *a, const void *b)
{
	const dv_finding_t *x = a, *y = b;
	int sx = dv_code_severity(x->code), sy = dv_code_severity(y->code);
	if (sx != sy)
		return sy - sx;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return cmp_in_code(x, y);
}

/* ---- the ceiling: per full code, a heap of its findings, last first ---------- */

static size_t limit(const dv_findings_t *l)
{
	return l->limit ? l->limit : DV_FINDINGS_PER_CODE;
}

static void sift_down(dv_findings_t *l, uint32_t *h, size_t n, size_t i)
{
	for (;;) {
		size_t m = i, a = 2 * i + 1, b = a + 1;
		if (a < n && cmp_in_code(&l->v[h[a]], &l->v[h[m]]) > 0)
			m = a;
		if (b < n && cmp_in_code(&l->v[h[b]], &l->v[h[m]]) > 0)
			m = b;
		if (m == i)
			return;
		uint32_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* The heap of a code whose kept findings reached the ceiling; NULL when out of memory. */
static uint32_t *heap_of(dv_findings_t *l, dv_code_t code)
{
	if (l->heap[code] != NULL)
		return l->heap[code];
	uint32_t *h = malloc(l->kept[code] * sizeof(*h));
	if (h == NULL)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < l->len; i++)
		if (l->v[i].code == code)
			h[n++] = (uint32_t)i;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(l, h, n, i);
	return l->heap[code] = h;
}

/* ---- storage ------------------------------------------------------------------ */

static const char *dup_str(dv_findings_t *l, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return "";
	size_t n = strlen(s) + 1;
	char *d = dv_arena_dup(&l->arena, s, n);
	if (d != NULL)
		l->live_bytes += n;
	return d;
}

static const uint8_t *dup_name(dv_findings_t *l, const uint8_t *name)
{
	if (name == NULL)
		return NULL;
	size_t n = name_size(name);
	uint8_t *d = dv_arena_dup(&l->arena, name, n);
	if (d != NULL)
		l->live_bytes += n;
	return d;
}

static size_t bytes_of(const dv_finding_t *f)
{
	return (f->owner ? name_size(f->owner) : 0) + (f->zone ? name_size(f->zone) : 0) +
	       (f->server[0] ? strlen(f->server) + 1 : 0) +
	       (f->detail[0] ? strlen(f->detail) + 1 : 0);
}

/* *f with its names and strings copied into the list's arena; false when
 * out of memory. */
static bool store(dv_findings_t *l, dv_finding_t *f)
{
	if (l->arena.chunk_size == 0)
		dv_arena_init(&l->arena, 16384);
	bool owner = f->owner != NULL, zone = f->zone != NULL;
	f->owner = dup_name(l, f->owner);
	f->zone = dup_name(l, f->zone);
	f->server = dup_str(l, f->server);
	f->detail = dup_str(l, f->detail);
	return f->server != NULL && f->detail != NULL && (f->owner != NULL) == owner &&
	       (f->zone != NULL) == zone;
}

/* Findings replaced by earlier ones leave their strings behind; when those
 * outweigh the live ones, copy the live ones into a fresh arena. */
static void compact(dv_findings_t *l)
{
	if (l->dead_bytes < ((size_t)1 << 20) || l->dead_bytes < l->live_bytes)
		return;
	dv_findings_t fresh = {0};
	dv_finding_t *nv = malloc(l->len * sizeof(*nv));
	if (nv == NULL)
		return; /* keep the old arena: still correct, only larger */
	dv_arena_init(&fresh.arena, 16384);
	for (size_t i = 0; i < l->len; i++) {
		nv[i] = l->v[i];
		if (!store(&fresh, &nv[i])) {
			dv_arena_clear(&fresh.arena);
			free(nv);
			return;
		}
	}
	memcpy(l->v, nv, l->len * sizeof(*nv));
	free(nv);
	dv_arena_clear(&l->arena);
	l->arena = fresh.arena;
	l->live_bytes = fresh.live_bytes;
	l->dead_bytes = 0;
}

/* Add a complete finding (borrowed strings), under the ceiling. */
static void add_finding(dv_findings_t *l, const dv_finding_t *in)
{
	dv_code_t code = in->code;
	if (l->kept[code] < limit(l)) {
		dv_finding_t f = *in;
		if (dv_array_grow(&l->v, &l->cap, l->len, sizeof(*l->v), 16) != DV_OK ||
		    !store(l, &f)) {
			l->dropped[code]++;
			return;
		}
		l->v[l->len++] = f;
		l->kept[code]++;
		return;
	}
	/* Full: keep it only if it comes before the last one kept. */
	l->dropped[code]++;
	uint32_t *h = heap_of(l, code);
	if (h == NULL || cmp_in_code(in, &l->v[h[0]]) >= 0)
		return;
	dv_finding_t f = *in;
	size_t old = bytes_of(&l->v[h[0]]);
	if (!store(l, &f))
		return;
	l->v[h[0]] = f;
	l->dead_bytes += old;
	l->live_bytes -= old < l->live_bytes ? old : l->live_bytes;
	sift_down(l, h, l->kept[code], 0);
	compact(l);
}

int dv_findings_add(dv_findings_t *l, dv_code_t code, const dv_evidence_t *ev, const char *fmt, ...)
{
	if ((unsigned)code >= DV_F_COUNT)
		return DV_EINVAL;
	char detail[DV_FINDING_DETAIL_MAX] = "", server[DV_FINDING_SERVER_MAX] = "";
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	dv_finding_t f = {.code = code, .keytag = -1, .server = server, .detail = detail};
	if (ev != NULL) {
		if (ev->server != NULL)
			snprintf(server, sizeof(server), "%s", ev->server);
		f.owner = ev->owner;
		f.zone = ev->zone;
		f.type = ev->type;
		f.algorithm = ev->algorithm;
		f.keytag = ev->has_keytag ? ev->keytag : -1;
		f.time = ev->time;
		f.seconds_left = ev->seconds_left;
	}
	add_finding(l, &f);
	return DV_OK;
}

int dv_findings_add_copy(dv_findings_t *l, const dv_finding_t *f)
{
	if ((unsigned)f->code >= DV_F_COUNT)
		return DV_EINVAL;
	dv_finding_t c = *f;
	if (c.server == NULL)
		c.server = "";
	if (c.detail == NULL)
		c.detail = "";
	add_finding(l, &c);
	return DV_OK;
}

int dv_findings_merge(dv_findings_t *dst, dv_findings_t *src)
{
	for (size_t i = 0; i < src->len; i++)
		add_finding(dst, &src->v[i]);
	for (int c = 0; c < DV_F_COUNT; c++)
		dst->dropped[c] += src->dropped[c];
	dv_findings_clear(src);
	return DV_OK;
}

void dv_findings_sort(dv_findings_t *l)
{
	if (l->len > 1)
		qsort(l->v, l->len, sizeof(*l->v), cmp_finding);
	/* The heaps hold positions: built again when needed. */
	for (int c = 0; c < DV_F_COUNT; c++) {
		free(l->heap[c]);
		l->heap[c] = NULL;
	}
}

size_t dv_findings_count(const dv_findings_t *l, dv_severity_t sev)
{
	size_t n = 0;
	for (int c = 0; c < DV_F_COUNT; c++)
		if (dv_code_severity((dv_code_t)c) == sev)
			n += l->kept[c] + (size_t)l->dropped[c];
	return n;
}

uint64_t dv_findings_total(const dv_findings_t *l, dv_code_t code)
{
	return (unsigned)code < DV_F_COUNT ? l->kept[code] + l->dropped[code] : 0;
}

uint64_t dv_findings_dropped(const dv_findings_t *l)
{
	uint64_t n = 0;
	for (int c = 0; c < DV_F_COUNT; c++)
		n += l->dropped[c];
	return n;
}

void dv_findings_clear(dv_findings_t *l)
{
	for (int c = 0; c < DV_F_COUNT; c++)
		free(l->heap[c]);
	free(l->v);
	dv_arena_clear(&l->arena);
	size_t keep_limit = l->limit;
	memset(l, 0, sizeof(*l));
	l->limit = keep_limit;
}

void dv_findings_write_markdown(FILE *out)
{
	fputs("# dnsvigil findings reference\n\n"
	      "Generated from `src/findings/codes.def` by `dnsvigil findings --markdown`;"
	      " do not edit by hand.\n\n"
	      "Each finding has a stable identifier (the JSON `code` field), a severity"
	      " (`info`, `warning`, `error`), a title, an explanation and a remediation.\n\n"
	      "| code | severity | title |\n|---|---|---|\n",
	      out);
	for (int i = 0; i < DV_F_COUNT; i++)
		fprintf(out, "| [`%s`](#%s) | %s | %s |\n", table[i].name, table[i].name,
		        dv_severity_name(table[i].sev), table[i].title);
	for (int i = 0; i < DV_F_COUNT; i++)
		fprintf(out,
		        "\n<a id=\"%s\"></a>\n## %s\n\n**Severity:** %s. **%s.**\n\n%s\n\n"
		        "**Remediation:** %s\n",
		        table[i].name, table[i].name, dv_severity_name(table[i].sev),
		        table[i].title, table[i].expl, table[i].rem);
}
