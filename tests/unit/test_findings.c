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

#include <libknot/libknot.h>

#include "core/error.h"
#include "findings/findings.h"
#include "unit.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

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

/* dv_findings_add copies the evidence and formats the detail line. */
static void test_add(void **state)
{
	dv_findings_t l = {0};
	uint8_t owner[KNOT_DNAME_MAXLEN], zone[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(owner, "www.example.", sizeof(owner)));
	assert_non_null(knot_dname_from_str(zone, "example.", sizeof(zone)));
	char server[] = "192.0.2.1";
	dv_evidence_t ev = {.owner = owner,
	                    .zone = zone,
	                    .server = server,
	                    .type = 1,
	                    .algorithm = 13,
	                    .has_keytag = true,
	                    .keytag = 0,
	                    .time = 1000,
	                    .seconds_left = -5};
	assert_int_equal(dv_findings_add(&l, DV_F_RRSIG_EXPIRED, &ev, "expired %d", 7), DV_OK);
	/* Borrowed: changing the caller's copies changes nothing kept. */
	owner[1] = 'x';
	server[0] = '9';
	assert_int_equal(dv_findings_add(&l, DV_F_RRSIG_MISSING, NULL, NULL), DV_OK);
	assert_int_equal(dv_findings_add(&l, DV_F_COUNT, NULL, NULL), DV_EINVAL);
	assert_int_equal(l.len, 2);
	const dv_finding_t *f = &l.v[0];
	assert_int_equal(f->code, DV_F_RRSIG_EXPIRED);
	assert_string_equal(name_str(f->owner), "www.example.");
	assert_string_equal(name_str(f->zone), "example.");
	assert_string_equal(f->server, "192.0.2.1");
	assert_string_equal(f->detail, "expired 7");
	assert_int_equal(f->keytag, 0); /* a key tag of 0 is a key tag */
	assert_int_equal(f->algorithm, 13);
	assert_int_equal(f->type, 1);
	assert_int_equal(f->time, 1000);
	assert_int_equal(f->seconds_left, -5);
	/* Nothing applicable: NULL names, empty strings, no key tag. */
	f = &l.v[1];
	assert_null(f->owner);
	assert_null(f->zone);
	assert_string_equal(f->server, "");
	assert_string_equal(f->detail, "");
	assert_int_equal(f->keytag, -1);
	assert_int_equal(f->type, 0);
	assert_int_equal(f->time, 0);
	/* A detail line is cut, not overrun. */
	char big[2 * DV_FINDING_DETAIL_MAX];
	memset(big, 'd', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(dv_findings_add(&l, DV_F_RRSIG_MISSING, NULL, "%s", big), DV_OK);
	assert_int_equal(strlen(l.v[2].detail), DV_FINDING_DETAIL_MAX - 1);
	dv_findings_clear(&l);
	assert_null(l.v);
	assert_int_equal(l.len, 0);
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
	uint8_t w[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(w, owner, sizeof(w)));
	dv_evidence_t ev = {
	    .owner = w, .type = type, .has_keytag = keytag >= 0, .keytag = (uint16_t)keytag};
	assert_int_equal(dv_findings_add(l, (dv_code_t)code, &ev, NULL), DV_OK);
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
	add(&l, e1, "b.a.example.", 1, -1);
	dv_findings_sort(&l);

	const struct {
		int code;
		const char *owner;
		uint16_t type;
		int32_t keytag;
	} want[] = {
	    /* Errors first; within a severity by code, then owner (canonical DNS
	     * order: a.example. < b.a.example. < b.example.), type, key tag. */
	    {e0, "a.example.", 1, 20}, {e0, "a.example.", 1, 300}, {e0, "a.example.", 28, -1},
	    {e0, "z.example.", 1, -1}, {e1, "a.example.", 1, -1},  {e1, "b.a.example.", 1, -1},
	    {e1, "b.example.", 1, -1}, {w0, "a.example.", 1, -1},  {i0, "a.example.", 1, -1},
	};
	size_t n = i0 >= 0 ? 9 : 8;
	assert_int_equal(l.len, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(l.v[i].code, want[i].code);
		assert_string_equal(name_str(l.v[i].owner), want[i].owner);
		assert_int_equal(l.v[i].type, want[i].type);
		assert_int_equal(l.v[i].keytag, want[i].keytag);
	}
	/* Every adjacent pair is in severity order. */
	for (size_t i = 1; i < l.len; i++)
		assert_true(dv_code_severity(l.v[i - 1].code) >= dv_code_severity(l.v[i].code));

	assert_int_equal(dv_findings_count(&l, DV_SEV_ERROR), 7);
	assert_int_equal(dv_findings_count(&l, DV_SEV_WARNING), 1);
	assert_int_equal(dv_findings_count(&l, DV_SEV_INFO), i0 >= 0 ? 1 : 0);

	/* Sorting is deterministic: the same list in another order sorts the same. */
	dv_findings_t r = {0};
	for (size_t i = l.len; i-- > 0;)
		add(&r, l.v[i].code, name_str(l.v[i].owner), l.v[i].type, l.v[i].keytag);
	dv_findings_sort(&r);
	assert_int_equal(r.len, l.len);
	for (size_t i = 0; i < l.len; i++) {
		assert_int_equal(r.v[i].code, l.v[i].code);
		assert_string_equal(name_str(r.v[i].owner), name_str(l.v[i].owner));
		assert_int_equal(r.v[i].keytag, l.v[i].keytag);
	}
	dv_findings_clear(&r);
	dv_findings_clear(&l);
	assert_null(l.v);
	assert_int_equal(l.len, 0);
	/* An empty list sorts and clears. */
	dv_findings_sort(&l);
	dv_findings_clear(&l);
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
	assert_string_equal(name_str(a.v[0].owner), "a1.");
	assert_string_equal(name_str(a.v[1].owner), "a2.");
	for (int i = 0; i < 40; i++) {
		char o[32];
		snprintf(o, sizeof(o), "b%d.", i);
		assert_string_equal(name_str(a.v[2 + i].owner), o);
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
	assert_string_equal(name_str(c.v[0].owner), "again.");
	assert_int_equal(dv_findings_merge(&c, &empty), DV_OK);
	assert_int_equal(c.len, 1);
	dv_findings_clear(&a);
	dv_findings_clear(&b);
	dv_findings_clear(&c);
}

/* Owner n of the ceiling test: "nNNNNN.example." with a long detail, so
 * that replaced findings leave enough behind for the arena to be compacted. */
static void add_numbered(dv_findings_t *l, dv_code_t code, unsigned n)
{
	char o[64];
	uint8_t w[KNOT_DNAME_MAXLEN];
	snprintf(o, sizeof(o), "n%06u.example.", n);
	assert_non_null(knot_dname_from_str(w, o, sizeof(w)));
	assert_int_equal(dv_findings_add(l, code, &(dv_evidence_t){.owner = w, .type = 1},
	                                 "finding %u %0400u", n, n),
	                 DV_OK);
}

/*
 * The ceiling: beyond DV_FINDINGS_PER_CODE findings of a code, the rest are
 * counted, not kept; the ones kept are the first in report order whatever
 * the order they came in (here: descending, the worst case, which also
 * makes the arena compact), across a merge too; other codes are apart.
 */
static void test_ceiling(void **state)
{
	const unsigned n = 3 * DV_FINDINGS_PER_CODE + 17;
	dv_code_t code = DV_F_RRSIG_EXPIRED, other = DV_F_RRSIG_MISSING;
	dv_findings_t up = {0}, down = {0}, half = {0};
	for (unsigned i = 0; i < n; i++) {
		add_numbered(&up, code, i);
		add_numbered(&down, code, n - 1 - i);
		add_numbered(i % 2 ? &half : &down, code, (i * 7919u) % n); /* a third order */
	}
	add_numbered(&down, other, 5);
	assert_true(code > other && dv_code_severity(code) == dv_code_severity(other));
	assert_int_equal(dv_findings_merge(&down, &half), DV_OK);
	/* up: n findings; down: 2n of code plus one of other. */
	assert_int_equal(up.kept[code], DV_FINDINGS_PER_CODE);
	assert_int_equal(up.dropped[code], n - DV_FINDINGS_PER_CODE);
	assert_int_equal(dv_findings_total(&up, code), n);
	assert_int_equal(down.kept[code], DV_FINDINGS_PER_CODE);
	assert_int_equal(down.dropped[code], 2 * n - DV_FINDINGS_PER_CODE);
	assert_int_equal(down.kept[other], 1);
	assert_int_equal(down.dropped[other], 0);
	assert_int_equal(dv_findings_dropped(&down), 2 * n - DV_FINDINGS_PER_CODE);
	/* Counts by severity include what was dropped. */
	assert_int_equal(dv_findings_count(&up, dv_code_severity(code)), n);
	assert_int_equal(dv_findings_count(&down, DV_SEV_ERROR), 2 * n + 1);
	assert_true(up.len <= DV_FINDINGS_PER_CODE && down.len <= DV_FINDINGS_PER_CODE + 1);
	/* Kept: the first in report order, n000000 .. n000999, in any arrival order. */
	dv_findings_sort(&up);
	dv_findings_sort(&down);
	for (unsigned i = 0; i < DV_FINDINGS_PER_CODE; i++) {
		char o[64];
		snprintf(o, sizeof(o), "n%06u.example.", i);
		assert_string_equal(name_str(up.v[i].owner), o);
		/* down kept each owner of the range twice (two orders), behind
		 * the one finding of `other` (RRSIG_MISSING sorts first). */
		if (i < DV_FINDINGS_PER_CODE / 2) {
			assert_string_equal(name_str(down.v[1 + 2 * i].owner), o);
			assert_string_equal(name_str(down.v[2 + 2 * i].owner), o);
		}
		assert_int_equal(strncmp(up.v[i].detail, "finding ", 8), 0);
	}
	/* Replacements left no more dead space than a compaction allows. */
	assert_true(down.dead_bytes < ((size_t)1 << 20) || down.dead_bytes < down.live_bytes);
	/* A list with its own ceiling. */
	dv_findings_t small = {.limit = 3};
	for (unsigned i = 0; i < 10; i++)
		add_numbered(&small, code, 9 - i);
	assert_int_equal(small.len, 3);
	assert_int_equal(small.dropped[code], 7);
	dv_findings_sort(&small);
	assert_string_equal(name_str(small.v[2].owner), "n000002.example.");
	dv_findings_clear(&small);
	assert_int_equal(small.limit, 3); /* cleared, still bounded alike */
	dv_findings_clear(&up);
	dv_findings_clear(&down);
}

/* Canonical DNS order of names (RFC 4034 §6.1), any case, NULL first. */
static void test_name_order(void **state)
{
	const char *order[] = {"example.",         "a.example.",      "yljkjljk.a.example.",
	                       "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
	                       "\\001.z.example.", "*.z.example.",    "\\200.z.example."};
	uint8_t w[NELEMS(order)][KNOT_DNAME_MAXLEN];
	for (size_t i = 0; i < NELEMS(order); i++)
		assert_non_null(knot_dname_from_str(w[i], order[i], sizeof(w[i])));
	for (size_t i = 0; i < NELEMS(order); i++) {
		for (size_t j = 0; j < NELEMS(order); j++) {
			int c = dv_finding_name_cmp(w[i], w[j]);
			if ((i < j && c >= 0) || (i > j && c <= 0) || (i == j && c != 0))
				fail_msg("%s vs %s: %d", order[i], order[j], c);
		}
		assert_true(dv_finding_name_cmp(NULL, w[i]) < 0);
		assert_true(dv_finding_name_cmp(w[i], NULL) > 0);
	}
	assert_int_equal(dv_finding_name_cmp(NULL, NULL), 0);
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
	    cmocka_unit_test(test_add),
	    cmocka_unit_test(test_sort),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_ceiling),
	    cmocka_unit_test(test_name_order),
	    cmocka_unit_test(test_markdown_matches_doc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
