/*
 * Unit tests of the findings table and lists (src/findings): every code is
 * complete, names round-trip, the report order, merging, and that the
 * committed doc/findings.md is what the table generates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "findings/findings.h"

#ifndef TOP_SRCDIR
#error "TOP_SRCDIR must be defined (tests/unit/meson.build)"
#endif

static void test_table_complete(void **state)
{
	assert_true(DV_F_COUNT > 0);
	for (int i = 0; i < DV_F_COUNT; i++) {
		dv_code_t c = (dv_code_t)i;
		const char *name = dv_code_name(c);
		assert_non_null(name);
		assert_true(strlen(name) > 0);
		/* Identifiers are interfaces (JSON, metrics labels): A-Z, 0-9, '_'. */
		for (const char *p = name; *p != '\0'; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
				fail_msg("code %d: bad identifier '%s'", i, name);
		assert_true(name[0] >= 'A' && name[0] <= 'Z');
		assert_true(strlen(dv_code_title(c)) > 0);
		assert_true(strlen(dv_code_explanation(c)) > 0);
		assert_true(strlen(dv_code_remediation(c)) > 0);
		/* One line each: the title is a heading, the texts are table cells. */
		assert_null(strchr(dv_code_title(c), '\n'));
		assert_null(strchr(dv_code_explanation(c), '\n'));
		assert_null(strchr(dv_code_remediation(c), '\n'));
		assert_null(strchr(dv_code_title(c), '|'));
		dv_severity_t s = dv_code_severity(c);
		assert_true(s == DV_SEV_INFO || s == DV_SEV_WARNING || s == DV_SEV_ERROR);

		/* Round trip through the identifier. */
		dv_code_t back = DV_F_COUNT;
		assert_int_equal(dv_code_from_name(name, &back), DV_OK);
		assert_int_equal(back, c);
		/* Identifiers are unique. */
		for (int j = 0; j < i; j++)
			if (strcmp(dv_code_name((dv_code_t)j), name) == 0)
				fail_msg("identifier %s used twice", name);
	}
}

static void test_code_from_name_errors(void **state)
{
	dv_code_t c = (dv_code_t)7;
	assert_int_equal(dv_code_from_name("NO_SUCH_CODE", &c), DV_EINVAL);
	assert_int_equal(dv_code_from_name("", &c), DV_EINVAL);
	assert_int_equal(c, (dv_code_t)7); /* untouched */
	/* Case matters: identifiers are exact. */
	char lower[128];
	const char *n = dv_code_name((dv_code_t)0);
	size_t len = strlen(n);
	assert_true(len < sizeof(lower));
	for (size_t i = 0; i <= len; i++)
		lower[i] = (n[i] >= 'A' && n[i] <= 'Z') ? (char)(n[i] - 'A' + 'a') : n[i];
	assert_int_equal(dv_code_from_name(lower, &c), DV_EINVAL);
	/* A prefix is not a match. */
	char prefix[128];
	memcpy(prefix, n, len - 1);
	prefix[len - 1] = '\0';
	if (dv_code_from_name(prefix, &c) == DV_OK)
		assert_string_equal(dv_code_name(c), prefix); /* only if it is a code itself */

	/* Out of range codes are harmless. */
	assert_string_equal(dv_code_name(DV_F_COUNT), "UNKNOWN");
	assert_int_equal(dv_code_severity(DV_F_COUNT), DV_SEV_ERROR);
	assert_string_equal(dv_code_title(DV_F_COUNT), "");
	assert_string_equal(dv_code_explanation(DV_F_COUNT), "");
	assert_string_equal(dv_code_remediation(DV_F_COUNT), "");
}

static void test_severity_names(void **state)
{
	assert_string_equal(dv_severity_name(DV_SEV_INFO), "info");
	assert_string_equal(dv_severity_name(DV_SEV_WARNING), "warning");
	assert_string_equal(dv_severity_name(DV_SEV_ERROR), "error");
	/* The ordering the sort relies on. */
	assert_true(DV_SEV_INFO < DV_SEV_WARNING && DV_SEV_WARNING < DV_SEV_ERROR);
}

static void test_finding_init(void **state)
{
	dv_finding_t f;
	memset(&f, 0xa5, sizeof(f));
	dv_finding_init(&f, DV_F_RRSIG_EXPIRED);
	assert_int_equal(f.code, DV_F_RRSIG_EXPIRED);
	assert_int_equal(f.keytag, -1);
	assert_string_equal(f.owner, "");
	assert_string_equal(f.zone, "");
	assert_string_equal(f.server, "");
	assert_string_equal(f.detail, "");
	assert_int_equal(f.type, 0);
	assert_int_equal(f.algorithm, 0);
	assert_int_equal(f.time, 0);
	assert_int_equal(f.seconds_left, 0);
}

/* The first codes of each severity, in table order. */
static int first_of(dv_severity_t sev, int nth)
{
	for (int i = 0; i < DV_F_COUNT; i++)
		if (dv_code_severity((dv_code_t)i) == sev && nth-- == 0)
			return i;
	return -1;
}

static void add(dv_findings_t *l, int code, const char *owner, uint16_t type, int32_t keytag)
{
	dv_finding_t f;
	dv_finding_init(&f, (dv_code_t)code);
	snprintf(f.owner, sizeof(f.owner), "%s", owner);
	f.type = type;
	f.keytag = keytag;
	assert_int_equal(dv_findings_add(l, &f), DV_OK);
}

static void test_sort(void **state)
{
	int e0 = first_of(DV_SEV_ERROR, 0), e1 = first_of(DV_SEV_ERROR, 1);
	int w0 = first_of(DV_SEV_WARNING, 0);
	int i0 = first_of(DV_SEV_INFO, 0);
	assert_true(e0 >= 0 && e1 > e0 && w0 >= 0);

	dv_findings_t l = {0};
	if (i0 >= 0)
		add(&l, i0, "a.example.", 1, -1);
	add(&l, w0, "a.example.", 1, -1);
	add(&l, e1, "b.example.", 1, -1);
	add(&l, e0, "z.example.", 1, -1);
	add(&l, e0, "a.example.", 28, -1);
	add(&l, e0, "a.example.", 1, 300);
	add(&l, e0, "a.example.", 1, 20);
	add(&l, e1, "a.example.", 1, -1);
	dv_findings_sort(&l);

	const struct {
		int code;
		const char *owner;
		uint16_t type;
		int32_t keytag;
	} want[] = {
	    /* Errors first; within a severity by code, then owner, type, key tag. */
	    {e0, "a.example.", 1, 20}, {e0, "a.example.", 1, 300}, {e0, "a.example.", 28, -1},
	    {e0, "z.example.", 1, -1}, {e1, "a.example.", 1, -1},  {e1, "b.example.", 1, -1},
	    {w0, "a.example.", 1, -1}, {i0, "a.example.", 1, -1},
	};
	size_t n = i0 >= 0 ? 8 : 7;
	assert_int_equal(l.len, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(l.v[i].code, want[i].code);
		assert_string_equal(l.v[i].owner, want[i].owner);
		assert_int_equal(l.v[i].type, want[i].type);
		assert_int_equal(l.v[i].keytag, want[i].keytag);
	}
	/* Every adjacent pair is in severity order. */
	for (size_t i = 1; i < l.len; i++)
		assert_true(dv_code_severity(l.v[i - 1].code) >= dv_code_severity(l.v[i].code));

	assert_int_equal(dv_findings_count(&l, DV_SEV_ERROR), 6);
	assert_int_equal(dv_findings_count(&l, DV_SEV_WARNING), 1);
	assert_int_equal(dv_findings_count(&l, DV_SEV_INFO), i0 >= 0 ? 1 : 0);

	/* Sorting is deterministic: the same list in another order sorts the same. */
	dv_findings_t r = {0};
	for (size_t i = l.len; i-- > 0;)
		assert_int_equal(dv_findings_add(&r, &l.v[i]), DV_OK);
	dv_findings_sort(&r);
	assert_int_equal(r.len, l.len);
	assert_memory_equal(r.v, l.v, l.len * sizeof(*l.v));
	dv_findings_free(&r);
	dv_findings_free(&l);
	assert_null(l.v);
	assert_int_equal(l.len, 0);
	/* An empty list sorts and frees. */
	dv_findings_sort(&l);
	dv_findings_free(&l);
}

static void test_merge(void **state)
{
	int e0 = first_of(DV_SEV_ERROR, 0), w0 = first_of(DV_SEV_WARNING, 0);
	dv_findings_t a = {0}, b = {0};
	add(&a, e0, "a1.", 1, -1);
	add(&a, e0, "a2.", 1, -1);
	for (int i = 0; i < 40; i++) {
		char o[32];
		snprintf(o, sizeof(o), "b%d.", i);
		add(&b, w0, o, 1, i);
	}
	assert_int_equal(dv_findings_merge(&a, &b), DV_OK);
	assert_int_equal(a.len, 42);
	assert_string_equal(a.v[0].owner, "a1.");
	assert_string_equal(a.v[1].owner, "a2.");
	for (int i = 0; i < 40; i++) {
		char o[32];
		snprintf(o, sizeof(o), "b%d.", i);
		assert_string_equal(a.v[2 + i].owner, o);
		assert_int_equal(a.v[2 + i].keytag, i);
	}
	/* The source is left empty and reusable. */
	assert_int_equal(b.len, 0);
	assert_null(b.v);
	add(&b, e0, "again.", 1, -1);
	assert_int_equal(b.len, 1);
	/* Into an empty list; from an empty list. */
	dv_findings_t c = {0}, empty = {0};
	assert_int_equal(dv_findings_merge(&c, &b), DV_OK);
	assert_int_equal(c.len, 1);
	assert_string_equal(c.v[0].owner, "again.");
	assert_int_equal(dv_findings_merge(&c, &empty), DV_OK);
	assert_int_equal(c.len, 1);
	dv_findings_free(&a);
	dv_findings_free(&b);
	dv_findings_free(&c);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		if (n == cap) {
			assert_true(cap < (64u << 20));
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void test_markdown_matches_doc(void **state)
{
	char *gen = NULL;
	size_t genlen = 0;
	FILE *out = open_memstream(&gen, &genlen);
	assert_non_null(out);
	dv_findings_write_markdown(out);
	assert_int_equal(fclose(out), 0);

	/* Every code has its anchor and its row. */
	for (int i = 0; i < DV_F_COUNT; i++) {
		char anchor[256];
		snprintf(anchor, sizeof(anchor), "<a id=\"%s\"></a>\n## %s\n",
		         dv_code_name((dv_code_t)i), dv_code_name((dv_code_t)i));
		assert_non_null(strstr(gen, anchor));
		assert_non_null(strstr(gen, dv_code_remediation((dv_code_t)i)));
	}

	size_t doclen = 0;
	char *doc = read_file(TOP_SRCDIR "/doc/findings.md", &doclen);
	if (doclen != genlen || memcmp(doc, gen, genlen) != 0) {
		/* Point at the first line that differs. */
		size_t line = 1, i = 0;
		while (i < doclen && i < genlen && doc[i] == gen[i]) {
			if (doc[i] == '\n')
				line++;
			i++;
		}
		free(doc);
		free(gen);
		fail_msg("doc/findings.md differs from the table at line %zu: regenerate it with "
		         "`dnsvigil findings --markdown > doc/findings.md`",
		         line);
	}
	free(doc);
	free(gen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_complete),
	    cmocka_unit_test(test_code_from_name_errors),
	    cmocka_unit_test(test_severity_names),
	    cmocka_unit_test(test_finding_init),
	    cmocka_unit_test(test_sort),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_markdown_matches_doc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
