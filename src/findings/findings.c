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

void dv_finding_init(dv_finding_t *f, dv_code_t code)
{
	memset(f, 0, sizeof(*f));
	f->code = code;
	f->keytag = -1;
}

int dv_findings_add(dv_findings_t *l, const dv_finding_t *f)
{
	if (dv_array_grow(&l->v, &l->cap, l->len, sizeof(*l->v), 16) != DV_OK)
		return DV_ENOMEM;
	l->v[l->len++] = *f;
	return DV_OK;
}

int dv_findings_merge(dv_findings_t *dst, dv_findings_t *src)
{
	for (size_t i = 0; i < src->len; i++) {
		int ret = dv_findings_add(dst, &src->v[i]);
		if (ret != DV_OK)
			return ret;
	}
	dv_findings_free(src);
	return DV_OK;
}

static int cmp_finding(const void *a, const void *b)
{
	const dv_finding_t *x = a, *y = b;
	int sx = dv_code_severity(x->code), sy = dv_code_severity(y->code);
	if (sx != sy)
		return sy - sx;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	int c = strcmp(x->zone, y->zone);
	if (c == 0)
		c = strcmp(x->owner, y->owner);
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

void dv_findings_sort(dv_findings_t *l)
{
	if (l->len > 1)
		qsort(l->v, l->len, sizeof(*l->v), cmp_finding);
}

size_t dv_findings_count(const dv_findings_t *l, dv_severity_t sev)
{
	size_t n = 0;
	for (size_t i = 0; i < l->len; i++)
		n += dv_code_severity(l->v[i].code) == sev;
	return n;
}

void dv_findings_free(dv_findings_t *l)
{
	free(l->v);
	l->v = NULL;
	l->len = l->cap = 0;
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
