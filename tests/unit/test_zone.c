/*
 * Unit tests of the zone store (src/core/) and its loader (src/zone/):
 * canonical name order (RFC 4034 §6.1 example list), duplicate removal
 * (RFC 2181 §5), RRset TTLs (RFC 2181 §5.2), RRSIG attachment, empty
 * non-terminals, zone-cut flags, loader errors with their "label:line: "
 * prefix, CRLF, $GENERATE, $INCLUDE, lookups and the SOA serial; the loose
 * record files (trust anchors, hints); $INCLUDE loops and budgets, $GENERATE
 * ranges and the record ceiling (doc/limits.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "core/zone.h"
#include "zone/loader.h"

#define SOA      "example. 3600 IN SOA ns.example. admin.example. 2024010101 3600 900 604800 300\n"
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int load(const char *text, dv_zone_t **z, char *err, size_t errlen)
{
	*z = NULL;
	return dv_zone_load_mem(text, strlen(text), "t", NULL, z, err, errlen);
}

static dv_zone_t *load_ok(const char *text)
{
	char err[512] = "";
	dv_zone_t *z = NULL;
	int ret = load(text, &z, err, sizeof(err));
	if (ret != DV_OK)
		fail_msg("load failed: %s: %s", dv_strerror(ret), err);
	assert_non_null(z);
	return z;
}

/* Index of a name given in presentation form, or -1. */
static long find(const dv_zone_t *z, const char *name)
{
	uint8_t wire[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(wire, name, sizeof(wire)));
	return dv_zone_name_find(z, wire);
}

static void assert_name_is(const dv_zone_t *z, size_t i, const char *name)
{
	uint8_t wire[KNOT_DNAME_MAXLEN];
	assert_true(i < z->name_count);
	assert_non_null(knot_dname_from_str(wire, name, sizeof(wire)));
	knot_dname_to_lower(wire);
	if (!knot_dname_is_equal(z->names[i].dname, wire)) {
		char got[1025];
		dv_dname_to_str(z->names[i].dname, got, sizeof(got));
		fail_msg("names[%zu] is %s, expected %s", i, got, name);
	}
}

static uint16_t rrsig_covered(const dv_rr_t *rr)
{
	assert_int_equal(rr->type, KNOT_RRTYPE_RRSIG);
	assert_true(rr->rdlen >= 2);
	return (uint16_t)((rr->rdata[0] << 8) | rr->rdata[1]);
}

/* ---- canonical order ----------------------------------------------------- */

/* RFC 4034 §6.1: "the following names are sorted in canonical DNS name order". */
static const char *const rfc4034_order[] = {
    "example.",   "a.example.",       "yljkjljk.a.example.", "Z.a.example.",     "zABC.a.EXAMPLE.",
    "z.example.", "\\001.z.example.", "*.z.example.",        "\\200.z.example.",
};

static void test_canonical_order_rfc4034(void **state)
{
	/* The owners in a shuffled order, in mixed case. */
	const char *text = "\\200.z.example. TXT \"8\"\n"
	                   "Z.A.example. TXT \"3\"\n"
	                   "z.example. TXT \"5\"\n" SOA "*.z.example. TXT \"7\"\n"
	                   "zABC.a.EXAMPLE. TXT \"4\"\n"
	                   "\\001.z.example. TXT \"6\"\n"
	                   "yljkjljk.a.example. TXT \"2\"\n"
	                   "a.example. TXT \"1\"\n";
	dv_zone_t *z = load_ok(text);
	assert_int_equal(z->name_count, NELEM(rfc4034_order));
	for (size_t i = 0; i < NELEM(rfc4034_order); i++) {
		assert_name_is(z, i, rfc4034_order[i]);
		/* Each owner's own TXT names its rank: the records moved with it. */
		const dv_rrset_t *rs = dv_zone_rrset_find(z, (uint32_t)i, KNOT_RRTYPE_TXT);
		if (i == 0) {
			assert_null(rs);
			assert_non_null(dv_zone_rrset_find(z, 0, KNOT_RRTYPE_SOA));
			continue;
		}
		assert_non_null(rs);
		const dv_rr_t *rr = &z->rrs[rs->rr_first];
		assert_int_equal(rr->rdlen, 2);
		assert_int_equal(rr->rdata[1], '0' + i);
		/* Labels: the root is not counted. */
		assert_int_equal(z->names[i].labels, knot_dname_labels(z->names[i].dname, NULL));
	}
	assert_int_equal(z->names[0].labels, 1);
	/* Only *.z.example is a wildcard; the apex is flagged as such. */
	for (size_t i = 0; i < z->name_count; i++) {
		assert_int_equal(!!(z->names[i].flags & DV_NAME_WILDCARD), i == 7);
		assert_int_equal(!!(z->names[i].flags & DV_NAME_APEX), i == 0);
		assert_int_equal(
		    z->names[i].flags & (DV_NAME_ENT | DV_NAME_NONAUTH | DV_NAME_DELEG), 0);
	}
	/* Stored names are lowercase. */
	assert_memory_equal(z->names[3].dname,
	                    "\x01z\x01"
	                    "a\x07"
	                    "example",
	                    12);
	dv_zone_free(z);
}

static void test_dname_cmp(void **state)
{
	uint8_t w[NELEM(rfc4034_order)][KNOT_DNAME_MAXLEN];
	for (size_t i = 0; i < NELEM(rfc4034_order); i++)
		assert_non_null(knot_dname_from_str(w[i], rfc4034_order[i], sizeof(w[i])));
	for (size_t i = 0; i < NELEM(rfc4034_order); i++) {
		for (size_t j = 0; j < NELEM(rfc4034_order); j++) {
			int c = dv_dname_cmp(w[i], w[j]);
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
	}
	/* Case does not matter. */
	uint8_t a[KNOT_DNAME_MAXLEN], b[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(a, "WWW.Example.", sizeof(a)));
	assert_non_null(knot_dname_from_str(b, "www.example.", sizeof(b)));
	assert_int_equal(dv_dname_cmp(a, b), 0);
}

/* ---- records and RRsets --------------------------------------------------- */

static void test_duplicates_dropped(void **state)
{
	const char *text = SOA "www.example. 300 A 192.0.2.1\n"
	                       "WWW.example. 300 A 192.0.2.1\n"
	                       "www.example. 600 A 192.0.2.1\n"
	                       "www.example. 300 A 192.0.2.2\n"
	                       "www.example. 300 AAAA 2001:db8::1\n";
	dv_zone_t *z = load_ok(text);
	long w = find(z, "www.example.");
	assert_true(w > 0);
	const dv_rrset_t *a = dv_zone_rrset_find(z, (uint32_t)w, KNOT_RRTYPE_A);
	assert_non_null(a);
	assert_int_equal(a->rr_count, 2);
	/* Canonical RDATA order within the RRset (RFC 4034 §6.3). */
	assert_memory_equal(z->rrs[a->rr_first].rdata, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(z->rrs[a->rr_first + 1].rdata, "\xc0\x00\x02\x02", 4);
	assert_int_equal(z->rrs[a->rr_first].name, w);
	assert_int_equal(z->rrs[a->rr_first].type, KNOT_RRTYPE_A);
	/* SOA + 2 A + 1 AAAA; the three copies of 192.0.2.1 are one RR. */
	assert_int_equal(z->rr_count, 4);
	assert_int_equal(z->rrset_count, 3);
	assert_int_equal(z->names[w].rrset_count, 2);
	dv_zone_free(z);
}

static void test_rrset_ttl(void **state)
{
	const char *text = SOA "mixed.example. 600 A 192.0.2.1\n"
	                       "mixed.example. 300 A 192.0.2.2\n"
	                       "mixed.example. 900 A 192.0.2.3\n"
	                       "same.example. 600 A 192.0.2.1\n"
	                       "same.example. 600 A 192.0.2.2\n";
	dv_zone_t *z = load_ok(text);
	const dv_rrset_t *m =
	    dv_zone_rrset_find(z, (uint32_t)find(z, "mixed.example."), KNOT_RRTYPE_A);
	const dv_rrset_t *s =
	    dv_zone_rrset_find(z, (uint32_t)find(z, "same.example."), KNOT_RRTYPE_A);
	assert_non_null(m);
	assert_non_null(s);
	assert_true(m->ttl_differs);
	assert_int_equal(m->ttl, 300);
	assert_int_equal(m->rr_count, 3);
	assert_false(s->ttl_differs);
	assert_int_equal(s->ttl, 600);
	/* Each RR keeps its own TTL. */
	assert_int_equal(z->rrs[m->rr_first].ttl, 600);
	assert_int_equal(z->rrs[m->rr_first + 1].ttl, 300);
	dv_zone_free(z);
}

#define SIG(t, tag)                                                                                \
	"www.example. RRSIG " t " 13 2 3600 20300101000000 20000101000000 " tag " example. AAAA\n"

static void test_rrsig_attached(void **state)
{
	const char *text =
	    SOA "www.example. A 192.0.2.1\n"
	        "www.example. AAAA 2001:db8::1\n"
	        "www.example. TXT \"x\"\n" SIG("TXT", "1") SIG("A", "2") SIG("A", "1")
	            SIG("MX", "3") SIG("NSEC", "4") "other.example. A 192.0.2.9\n";
	dv_zone_t *z = load_ok(text);
	long w = find(z, "www.example.");
	assert_true(w > 0);
	const dv_name_t *nm = &z->names[w];
	/* Every RRSIG at the name, sorted by type covered (A=1, TXT=16, MX=15, NSEC=47). */
	assert_int_equal(nm->sig_count, 5);
	uint16_t prev = 0;
	for (uint32_t k = 0; k < nm->sig_count; k++) {
		const dv_rr_t *rr = &z->rrs[nm->sig_first + k];
		assert_int_equal(rr->name, w);
		uint16_t c = rrsig_covered(rr);
		assert_true(c >= prev);
		prev = c;
	}
	/* RRSIG is not an RRset of its own. */
	assert_null(dv_zone_rrset_find(z, (uint32_t)w, KNOT_RRTYPE_RRSIG));
	assert_int_equal(nm->rrset_count, 3);

	const struct {
		uint16_t type;
		uint32_t count;
	} want[] = {{KNOT_RRTYPE_A, 2}, {KNOT_RRTYPE_AAAA, 0}, {KNOT_RRTYPE_TXT, 1}};
	for (size_t i = 0; i < NELEM(want); i++) {
		const dv_rrset_t *rs = dv_zone_rrset_find(z, (uint32_t)w, want[i].type);
		assert_non_null(rs);
		assert_int_equal(rs->sig_count, want[i].count);
		for (uint32_t k = 0; k < rs->sig_count; k++) {
			const dv_rr_t *rr = &z->rrs[rs->sig_first + k];
			assert_int_equal(rr->name, w);
			assert_int_equal(rrsig_covered(rr), want[i].type);
		}
	}
	/* Names without RRSIGs have none. */
	long o = find(z, "other.example.");
	assert_true(o > 0);
	assert_int_equal(z->names[o].sig_count, 0);
	assert_int_equal(dv_zone_rrset_find(z, (uint32_t)o, KNOT_RRTYPE_A)->sig_count, 0);
	dv_zone_free(z);
}

static void test_rdata_canonical_in_store(void **state)
{
	/* Embedded names are lowercased (RFC 4034 §6.2), NSEC next names not (RFC 6840 §5.1). */
	const char *text = SOA "example. MX 10 MAIL.Example.\n"
	                       "example. NSEC WWW.Example. SOA MX NSEC\n";
	dv_zone_t *z = load_ok(text);
	const dv_rrset_t *mx = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_MX);
	assert_non_null(mx);
	assert_memory_equal(z->rrs[mx->rr_first].rdata,
	                    "\x00\x0a\x04mail\x07"
	                    "example\x00",
	                    15);
	const dv_rrset_t *ns = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_NSEC);
	assert_non_null(ns);
	assert_memory_equal(z->rrs[ns->rr_first].rdata,
	                    "\x03WWW\x07"
	                    "Example\x00",
	                    13);
	dv_zone_free(z);
}

/* ---- empty non-terminals and zone cuts ------------------------------------ */

static void test_empty_nonterminals(void **state)
{
	dv_zone_t *z = load_ok(SOA "a.b.c.example. A 192.0.2.1\n");
	assert_int_equal(z->name_count, 4);
	assert_name_is(z, 0, "example.");
	assert_name_is(z, 1, "c.example.");
	assert_name_is(z, 2, "b.c.example.");
	assert_name_is(z, 3, "a.b.c.example.");
	for (size_t i = 0; i < 4; i++) {
		bool ent = i == 1 || i == 2;
		assert_int_equal(!!(z->names[i].flags & DV_NAME_ENT), ent);
		if (ent) {
			assert_int_equal(z->names[i].rrset_count, 0);
			assert_int_equal(z->names[i].sig_count, 0);
		}
	}
	/* An ENT can be looked up. */
	assert_int_equal(find(z, "B.C.example."), 2);
	dv_zone_free(z);
}

/* Two leaves under a chain of two ENTs: each ENT must appear once. */
static void test_empty_nonterminals_shared(void **state)
{
	dv_zone_t *z = load_ok(SOA "a.b.c.example. A 192.0.2.1\n"
	                           "y.b.c.example. A 192.0.2.2\n"
	                           "x.c.example. A 192.0.2.3\n"
	                           "q.p.example. A 192.0.2.4\n"
	                           "r.p.example. A 192.0.2.5\n");
	bool dup = false;
	for (size_t i = 1; i < z->name_count; i++)
		dup |= knot_dname_is_equal(z->names[i - 1].dname, z->names[i].dname);
	if (dup)
		dv_zone_free(z);
	static const char *const want[] = {
	    "example.",     "c.example.", "b.c.example.", "a.b.c.example.", "y.b.c.example.",
	    "x.c.example.", "p.example.", "q.p.example.", "r.p.example.",
	};
	for (size_t i = 0; i < z->name_count && i < NELEM(want); i++)
		assert_name_is(z, i, want[i]);
	assert_int_equal(z->name_count, NELEM(want));
	/* Names strictly increase: no name twice. */
	for (size_t i = 1; i < z->name_count; i++)
		assert_true(dv_dname_cmp(z->names[i - 1].dname, z->names[i].dname) < 0);
	assert_true(z->names[1].flags & DV_NAME_ENT);
	assert_true(z->names[2].flags & DV_NAME_ENT);
	assert_true(z->names[6].flags & DV_NAME_ENT);
	assert_false(z->names[5].flags & DV_NAME_ENT);
	dv_zone_free(z);
}

static void test_zone_cuts(void **state)
{
	const char *text = SOA "example. NS ns.example.\n"
	                       "ns.example. A 192.0.2.53\n"
	                       "sub.example. NS ns.sub.example.\n"
	                       "sub.example. DS 12345 13 2 "
	                       "0000000000000000000000000000000000000000000000000000000000000000\n"
	                       "ns.sub.example. A 192.0.2.54\n"
	                       "x.y.sub.example. TXT \"occluded\"\n"
	                       "deeper.sub.example. NS ns.elsewhere.\n"
	                       "tail.example. A 192.0.2.1\n"
	                       "dn.example. DNAME target.test.\n"
	                       "dn.example. TXT \"beside the DNAME\"\n"
	                       "x.dn.example. A 192.0.2.2\n"
	                       "zz.example. A 192.0.2.3\n";
	dv_zone_t *z = load_ok(text);
	const struct {
		const char *name;
		uint16_t flags;
	} want[] = {
	    {"example.", DV_NAME_APEX},
	    {"dn.example.", 0},
	    {"x.dn.example.", DV_NAME_NONAUTH | DV_NAME_DNAME_BELOW},
	    {"ns.example.", 0},
	    {"sub.example.", DV_NAME_DELEG},
	    {"deeper.sub.example.", DV_NAME_NONAUTH},
	    {"ns.sub.example.", DV_NAME_NONAUTH},
	    {"y.sub.example.", DV_NAME_NONAUTH | DV_NAME_ENT},
	    {"x.y.sub.example.", DV_NAME_NONAUTH},
	    {"tail.example.", 0},
	    {"zz.example.", 0},
	};
	assert_int_equal(z->name_count, NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++) {
		assert_name_is(z, i, want[i].name);
		/* DV_NAME_SPLIT says how the input was ordered, not what the name is. */
		uint16_t got = z->names[i].flags & ~DV_NAME_SPLIT;
		if (got != want[i].flags)
			fail_msg("%s: flags 0x%x, expected 0x%x", want[i].name, got, want[i].flags);
	}
	dv_zone_free(z);
}

/* RFC 6672 §2.3 allows a DNAME at the apex; every name below it is occluded. */
static void test_apex_dname(void **state)
{
	dv_zone_t *z = load_ok(SOA "example. DNAME example.net.\n"
	                           "www.example. A 192.0.2.1\n");
	long w = find(z, "www.example.");
	assert_true(w > 0);
	assert_int_equal(z->names[0].flags & ~DV_NAME_SPLIT, DV_NAME_APEX);
	uint16_t want = DV_NAME_NONAUTH | DV_NAME_DNAME_BELOW, got = z->names[w].flags;
	if (got == 0)
		dv_zone_free(z);
	assert_int_equal(got, want);
	dv_zone_free(z);
}

/* ---- errors ---------------------------------------------------------------- */

static void expect_error(const char *text, int code, const char *prefix, const char *needle)
{
	char err[512] = "";
	dv_zone_t *z = (dv_zone_t *)0x1;
	int ret = load(text, &z, err, sizeof(err));
	if (ret != code)
		fail_msg("expected %s, got %s (%s) for:\n%s", dv_strerror(code), dv_strerror(ret),
		         err, text);
	assert_null(z);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("message '%s' does not start with '%s'", err, prefix);
	if (needle != NULL && strstr(err, needle) == NULL)
		fail_msg("message '%s' does not contain '%s'", err, needle);
}

static void test_errors(void **state)
{
	/* A syntax error on line 3 (an octet over 255). */
	expect_error(SOA "www.example. A 192.0.2.1\nbad.example. A 192.0.2.999\n", DV_EPARSE,
	             "t:3: ", NULL);
	/* After a multi-line SOA, the line still counts every physical line. */
	expect_error("example. SOA ns.example. admin.example. (\n 1\n 2\n 3\n 4\n 5 )\n"
	             "\n"
	             "www.example. A 192.0.2.1\n"
	             "www.example. BOGUSTYPE foo\n",
	             DV_EPARSE, "t:9: ", NULL);
	/* An unknown directive. */
	expect_error(SOA "$FROB 1\n", DV_EPARSE, "t:2: ", NULL);
	/* No SOA at all. */
	expect_error("www.example. A 192.0.2.1\n", DV_ENOTZONE, "t:", "no SOA");
	/* Two SOAs at the apex; the message points at one of them. */
	expect_error(SOA "www.example. A 192.0.2.1\n"
	                 "example. SOA ns.example. admin.example. 2 3600 900 604800 300\n",
	             DV_ENOTZONE, "t:", "more than one SOA");
	/* Out-of-zone data, with its line. */
	expect_error(SOA "www.example. A 192.0.2.1\nwww.example.org. A 192.0.2.1\n", DV_ENOTZONE,
	             "t:3: ", "outside the zone");
	/* A sibling that only shares a suffix is outside too. */
	expect_error(SOA "xexample. A 192.0.2.1\n", DV_ENOTZONE, "t:2: ", "outside the zone");
	/* A record of another class: libzscanner 3.2 itself accepts only IN. */
	expect_error(SOA "www.example. CH TXT \"x\"\n", DV_EPARSE, "t:2: ", NULL);
	/* Empty input, and input of only comments. */
	expect_error("", DV_ENOTZONE, "t:", NULL);
	expect_error("; nothing here\n\n", DV_ENOTZONE, "t:", NULL);
}

static void test_error_include_missing(void **state)
{
	/* $INCLUDE of a file that does not exist: the error names line 2.  An
	 * I/O error is the better code; the first loader said EPARSE. */
	const char *text = SOA "$INCLUDE /nonexistent/dnsvigil-test.zone\n";
	char err[512] = "";
	dv_zone_t *z = NULL;
	int ret = load(text, &z, err, sizeof(err));
	assert_null(z);
	if (ret != DV_EIO && ret != DV_EPARSE)
		fail_msg("got %s (%s)", dv_strerror(ret), err);
	assert_int_equal(strncmp(err, "t:2: ", 5), 0);
}

static void test_errors_with_origin(void **state)
{
	dv_zone_opts_t o = {.origin = "example."};
	char err[512];
	dv_zone_t *z = NULL;
	const char *t1 = "www A 192.0.2.1\n";
	assert_int_equal(dv_zone_load_mem(t1, strlen(t1), "t", &o, &z, err, sizeof(err)),
	                 DV_ENOTZONE);
	assert_null(z);
	assert_non_null(strstr(err, "no SOA"));
	/* An SOA below the apex is not the zone's SOA. */
	const char *t2 = "@ SOA ns admin 1 2 3 4 5\nsub SOA ns admin 1 2 3 4 5\n";
	assert_int_equal(dv_zone_load_mem(t2, strlen(t2), "t", &o, &z, err, sizeof(err)),
	                 DV_ENOTZONE);
	assert_non_null(strstr(err, "not at the zone apex"));
	assert_int_equal(strncmp(err, "t:2: ", 5), 0);
	/* An invalid origin. */
	dv_zone_opts_t bad = {.origin = "a..b"};
	assert_int_equal(dv_zone_load_mem(SOA, strlen(SOA), "t", &bad, &z, err, sizeof(err)),
	                 DV_EINVAL);
	/* Relative names complete against the given origin. */
	const char *t3 = "@ SOA ns admin 1 2 3 4 5\n";
	assert_int_equal(dv_zone_load_mem(t3, strlen(t3), "t", &o, &z, err, sizeof(err)), DV_OK);
	assert_int_equal(z->name_count, 1);
	assert_string_equal(z->origin_str, "example.");
	dv_zone_free(z);
}

static void test_errors_files(void **state)
{
	char err[512];
	dv_zone_t *z = NULL;
	assert_int_equal(dv_zone_load("/nonexistent/x.zone", NULL, &z, err, sizeof(err)), DV_EIO);
	assert_null(z);
	assert_int_equal(strncmp(err, "/nonexistent/x.zone:0: ", 23), 0);
	assert_int_equal(dv_zone_load("/", NULL, &z, err, sizeof(err)), DV_EIO);
	assert_non_null(strstr(err, "not a regular file"));
	/* A NULL error buffer is allowed. */
	assert_int_equal(dv_zone_load("/nonexistent/x.zone", NULL, &z, NULL, 0), DV_EIO);
}

/* $INCLUDE of a real file, and an error inside it reported with its name. */
static void test_include(void **state)
{
	char dir[] = "/tmp/dv-test-zone.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char inc[256], bad[256], top[256];
	snprintf(inc, sizeof(inc), "%s/inc.zone", dir);
	snprintf(bad, sizeof(bad), "%s/bad.zone", dir);
	snprintf(top, sizeof(top), "%s/top.zone", dir);
	FILE *f = fopen(inc, "w");
	assert_non_null(f);
	fputs("; included\nmail.example. A 192.0.2.25\n", f);
	fclose(f);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("ok.example. A 192.0.2.1\n\nbroken.example. A 300.0.0.1\n", f);
	fclose(f);

	char text[1024];
	snprintf(text, sizeof(text), SOA "$INCLUDE %s\nwww.example. A 192.0.2.80\n", inc);
	f = fopen(top, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	dv_zone_t *z = NULL;
	char err[512] = "";
	int ret = dv_zone_load(top, NULL, &z, err, sizeof(err));
	if (ret != DV_OK)
		fail_msg("%s", err);
	assert_true(find(z, "mail.example.") > 0);
	assert_true(find(z, "www.example.") > 0);
	assert_string_equal(z->file, top);
	/* The RR from the included file carries its line there. */
	const dv_rrset_t *m =
	    dv_zone_rrset_find(z, (uint32_t)find(z, "mail.example."), KNOT_RRTYPE_A);
	assert_int_equal(z->rrs[m->rr_first].line, 2);
	dv_zone_free(z);

	snprintf(text, sizeof(text), SOA "$INCLUDE %s\n", bad);
	z = NULL;
	ret = dv_zone_load_mem(text, strlen(text), "t", NULL, &z, err, sizeof(err));
	assert_int_equal(ret, DV_EPARSE);
	assert_null(z);
	char prefix[300];
	snprintf(prefix, sizeof(prefix), "%s:3: ", bad);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("message '%s' does not start with '%s'", err, prefix);

	unlink(inc);
	unlink(bad);
	unlink(top);
	rmdir(dir);
}

/* ---- input forms ----------------------------------------------------------- */

static void test_crlf(void **state)
{
	const char *lf = SOA "www.example. A 192.0.2.1\n"
	                     "txt.example. TXT \"a\" (\n  \"b\" )\n";
	const char *crlf = "example. 3600 IN SOA ns.example. admin.example. 2024010101 3600 900 "
	                   "604800 300\r\n"
	                   "www.example. A 192.0.2.1\r\n"
	                   "txt.example. TXT \"a\" (\r\n  \"b\" )\r\n";
	char err[512] = "";
	dv_zone_t *b = NULL;
	int ret = load(crlf, &b, err, sizeof(err));
	if (ret != DV_OK)
		fail_msg("%s", err);
	dv_zone_t *a = load_ok(lf);
	assert_int_equal(a->rr_count, b->rr_count);
	assert_int_equal(a->name_count, b->name_count);
	for (size_t i = 0; i < a->rr_count; i++) {
		assert_int_equal(a->rrs[i].type, b->rrs[i].type);
		assert_int_equal(a->rrs[i].rdlen, b->rrs[i].rdlen);
		assert_memory_equal(a->rrs[i].rdata, b->rrs[i].rdata, a->rrs[i].rdlen);
		assert_int_equal(a->rrs[i].line, b->rrs[i].line);
	}
	assert_int_equal(dv_zone_serial(b), 2024010101);
	dv_zone_free(a);
	dv_zone_free(b);
}

static void test_generate(void **state)
{
	const char *text = "$ORIGIN example.\n" SOA "$GENERATE 1-5 host$ A 192.0.2.$\n";
	char err[512] = "";
	dv_zone_t *z = NULL;
	int ret = load(text, &z, err, sizeof(err));
	/* Until then it must at least fail cleanly, on the directive's line. */
	if (ret != DV_OK)
		fail_msg("%s", err);
	assert_int_equal(z->name_count, 6);
	for (int i = 1; i <= 5; i++) {
		char name[64];
		snprintf(name, sizeof(name), "host%d.example.", i);
		long n = find(z, name);
		assert_true(n > 0);
		const dv_rrset_t *rs = dv_zone_rrset_find(z, (uint32_t)n, KNOT_RRTYPE_A);
		assert_non_null(rs);
		assert_int_equal(rs->rr_count, 1);
		assert_int_equal(z->rrs[rs->rr_first].rdata[3], i);
	}
	dv_zone_free(z);
}

static void test_default_ttl(void **state)
{
	/* No $TTL and no TTL on the line: the loader's default applies. */
	const char *text = "example. IN SOA ns.example. admin.example. 1 2 3 4 5\n"
	                   "www.example. A 192.0.2.1\n";
	dv_zone_opts_t o = {.default_ttl = 1234};
	dv_zone_t *z = NULL;
	char err[256];
	assert_int_equal(dv_zone_load_mem(text, strlen(text), "t", &o, &z, err, sizeof(err)),
	                 DV_OK);
	long w = find(z, "www.example.");
	assert_int_equal(dv_zone_rrset_find(z, (uint32_t)w, KNOT_RRTYPE_A)->ttl, 1234);
	dv_zone_free(z);
}

/* ---- lookups ---------------------------------------------------------------- */

static void test_lookups(void **state)
{
	dv_zone_t *z = load_ok(SOA "example. NS ns.example.\n"
	                           "ns.example. A 192.0.2.53\n"
	                           "ns.example. AAAA 2001:db8::53\n"
	                           "a.b.example. TXT \"x\"\n");
	assert_string_equal(z->origin_str, "example.");
	assert_int_equal(find(z, "example."), 0);
	assert_int_equal(find(z, "EXAMPLE."), 0);
	long ns = find(z, "Ns.Example.");
	assert_true(ns > 0);
	assert_name_is(z, (size_t)ns, "ns.example.");
	assert_int_equal(find(z, "b.example."), 1); /* the ENT */
	assert_int_equal(find(z, "nope.example."), -1);
	assert_int_equal(find(z, "example.org."), -1);
	assert_int_equal(find(z, "."), -1);

	assert_non_null(dv_zone_rrset_find(z, 0, KNOT_RRTYPE_SOA));
	assert_non_null(dv_zone_rrset_find(z, 0, KNOT_RRTYPE_NS));
	assert_null(dv_zone_rrset_find(z, 0, KNOT_RRTYPE_A));
	const dv_rrset_t *a = dv_zone_rrset_find(z, (uint32_t)ns, KNOT_RRTYPE_A);
	const dv_rrset_t *aaaa = dv_zone_rrset_find(z, (uint32_t)ns, KNOT_RRTYPE_AAAA);
	assert_non_null(a);
	assert_non_null(aaaa);
	assert_int_equal(a->type, KNOT_RRTYPE_A);
	assert_int_equal(aaaa->type, KNOT_RRTYPE_AAAA);
	assert_int_equal(a->name, ns);
	assert_null(dv_zone_rrset_find(z, (uint32_t)ns, KNOT_RRTYPE_TXT));
	assert_null(dv_zone_rrset_find(z, (uint32_t)z->name_count, KNOT_RRTYPE_A));
	assert_null(dv_zone_rrset_find(z, UINT32_MAX, KNOT_RRTYPE_A));
	dv_zone_free(z);
}

static void test_serial(void **state)
{
	static const struct {
		const char *soa;
		uint32_t serial;
	} v[] = {
	    {"example. SOA ns.example. admin.example. 2024010101 1 2 3 4\n", 2024010101u},
	    {"example. SOA . . 0 1 2 3 4\n", 0},
	    {"example. SOA a.b.c.d.example. x.y.example. 4294967295 1 2 3 4\n", 4294967295u},
	    {"example. SOA ns admin 7 1 2 3 4\n", 7},
	};
	for (size_t i = 0; i < NELEM(v); i++) {
		dv_zone_t *z = load_ok(v[i].soa);
		assert_int_equal(dv_zone_serial(z), v[i].serial);
		dv_zone_free(z);
	}
}

/* ---- loose record files (dv_rrfile_load) ------------------------------------ */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_rrfile(void **state)
{
	char path[] = "/tmp/dv-test-rrfile.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	dv_rrfile_t f = {0};
	char err[512];

	/* No SOA needed; relative names complete against the origin; owners and
	 * embedded names canonical (lowercase). */
	write_file(path, "; anchors\n"
	                 "Example. 3600 IN DS 1 13 2 "
	                 "0000000000000000000000000000000000000000000000000000000000000000\n"
	                 "WWW 60 IN MX 10 MAIL.Example.\n");
	assert_int_equal(dv_rrfile_load(path, "example.", &f, err, sizeof(err)), DV_OK);
	assert_int_equal(f.n, 2);
	assert_memory_equal(f.v[0].owner,
	                    "\x07"
	                    "example\x00",
	                    9);
	assert_int_equal(f.v[0].type, KNOT_RRTYPE_DS);
	assert_int_equal(f.v[0].ttl, 3600);
	assert_int_equal(f.v[0].line, 2);
	assert_int_equal(f.v[0].rdlen, 4 + 32);
	assert_memory_equal(f.v[1].owner,
	                    "\x03www\x07"
	                    "example\x00",
	                    13);
	assert_int_equal(f.v[1].ttl, 60);
	assert_memory_equal(f.v[1].rdata,
	                    "\x00\x0a\x04mail\x07"
	                    "example\x00",
	                    15);
	dv_rrfile_clear(&f);
	assert_int_equal(f.n, 0);
	assert_null(f.v);

	/* CRLF line ends (a file from a registrar's web form): the same records,
	 * lines and errors as LF. */
	write_file(path, "; anchors\r\n"
	                 "Example. 3600 IN DS 1 13 2 "
	                 "0000000000000000000000000000000000000000000000000000000000000000\r\n"
	                 "WWW 60 IN MX 10 MAIL.Example.\r\n");
	assert_int_equal(dv_rrfile_load(path, "example.", &f, err, sizeof(err)), DV_OK);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.v[0].type, KNOT_RRTYPE_DS);
	assert_int_equal(f.v[0].line, 2);
	assert_int_equal(f.v[0].rdlen, 4 + 32);
	assert_int_equal(f.v[1].line, 3);
	assert_memory_equal(f.v[1].rdata,
	                    "\x00\x0a\x04mail\x07"
	                    "example\x00",
	                    15);
	dv_rrfile_clear(&f);
	write_file(path, ". 3600 IN NS a.root-servers.net.\r\n\r\n. 3600 IN A 1.2.3\r\n");
	assert_int_equal(dv_rrfile_load(path, NULL, &f, err, sizeof(err)), DV_EPARSE);
	char crlf_prefix[64];
	snprintf(crlf_prefix, sizeof(crlf_prefix), "%s:3: ", path);
	if (strncmp(err, crlf_prefix, strlen(crlf_prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", err, crlf_prefix);
	assert_null(f.v);

	/* A syntax error names the file and line, and nothing is returned. */
	write_file(path, ". 3600 IN NS a.root-servers.net.\n\n. 3600 IN A 1.2.3\n");
	assert_int_equal(dv_rrfile_load(path, NULL, &f, err, sizeof(err)), DV_EPARSE);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "%s:3: ", path);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", err, prefix);
	assert_int_equal(f.n, 0);
	assert_null(f.v);

	/* An empty file is no records, not an error. */
	write_file(path, "");
	assert_int_equal(dv_rrfile_load(path, NULL, &f, err, sizeof(err)), DV_OK);
	assert_int_equal(f.n, 0);
	dv_rrfile_clear(&f);
	unlink(path);

	/* A missing file, a directory. */
	assert_int_equal(dv_rrfile_load(path, NULL, &f, err, sizeof(err)), DV_EIO);
	snprintf(prefix, sizeof(prefix), "%s:0: ", path);
	assert_int_equal(strncmp(err, prefix, strlen(prefix)), 0);
	assert_int_equal(dv_rrfile_load("/", NULL, &f, err, sizeof(err)), DV_EIO);
	assert_non_null(strstr(err, "not a regular file"));
}

/* ---- $INCLUDE: many, loops, budgets (issue 10 items 1 and 2) -------------- */

typedef struct {
	char dir[64];
	char path[512];
} tmpdir_t;

static const char *tmp_file(tmpdir_t *t, const char *name, const char *text)
{
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
	write_file(t->path, text);
	return t->path;
}

static void tmp_make(tmpdir_t *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/dv-test-inc.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
}

static void tmp_remove(tmpdir_t *t)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

/* Load `name` in t's directory with the given limits; the message in err. */
static int load_file(tmpdir_t *t, const char *name, const dv_load_limits_t *lim, dv_zone_t **z,
                     char *err, size_t errlen)
{
	dv_zone_opts_t o = {0};
	if (lim != NULL)
		o.limits = *lim;
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	*z = NULL;
	return dv_zone_load(path, &o, z, err, errlen);
}

static void expect_in(const char *err, const char *needle)
{
	if (strstr(err, needle) == NULL)
		fail_msg("message '%s' does not contain '%s'", err, needle);
}

static void test_include_many(void **state)
{
	/* 40 $INCLUDE lines (libzscanner's own stack holds 16), 20 of one file
	 * and 20 of different ones; the lines after them keep their numbers. */
	tmpdir_t t;
	tmp_make(&t);
	char text[8192], name[64], rec[128];
	size_t len = (size_t)snprintf(text, sizeof(text), SOA);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "i%02d.inc", i);
		snprintf(rec, sizeof(rec), "; file %d\nh%d.example. A 192.0.2.%d\n", i, i, i);
		tmp_file(&t, name, rec);
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		                        "$INCLUDE %s\n$INCLUDE same.inc\n", name);
	}
	tmp_file(&t, "same.inc", "same.example. TXT \"x\"\n");
	len += (size_t)snprintf(text + len, sizeof(text) - len,
	                        "after.example. A 192.0.2.200\n"
	                        "$GENERATE 1-3 g$ A 192.0.2.$\n"
	                        "  TXT \"blank owner: the one before $GENERATE\"\n"
	                        "last.example. A 192.0.2.201\n");
	tmp_file(&t, "top.zone", text);
	dv_zone_t *z;
	char err[512] = "";
	if (load_file(&t, "top.zone", NULL, &z, err, sizeof(err)) != DV_OK)
		fail_msg("%s", err);
	assert_int_equal(z->rr_count, 1 + 20 + 1 + 1 + 3 + 1 + 1);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "h%d.example.", i);
		long n = find(z, name);
		assert_true(n > 0);
		const dv_rrset_t *rs = dv_zone_rrset_find(z, (uint32_t)n, KNOT_RRTYPE_A);
		assert_int_equal(z->rrs[rs->rr_first].line, 2); /* its line in its file */
	}
	/* SOA is line 1, then 40 include lines: "after" is on line 42, the
	 * $GENERATE on 43 (its records too), the blank-owner TXT on 44. */
	long a = find(z, "after.example.");
	assert_int_equal(z->rrs[dv_zone_rrset_find(z, (uint32_t)a, KNOT_RRTYPE_A)->rr_first].line,
	                 42);
	long g = find(z, "g2.example.");
	assert_int_equal(z->rrs[dv_zone_rrset_find(z, (uint32_t)g, KNOT_RRTYPE_A)->rr_first].line,
	                 43);
	const dv_rrset_t *txt = dv_zone_rrset_find(z, (uint32_t)a, KNOT_RRTYPE_TXT);
	assert_non_null(txt);
	assert_int_equal(z->rrs[txt->rr_first].line, 44);
	long l = find(z, "last.example.");
	assert_int_equal(z->rrs[dv_zone_rrset_find(z, (uint32_t)l, KNOT_RRTYPE_A)->rr_first].line,
	                 45);
	dv_zone_free(z);

	/* The same text in memory, includes relative to the label's directory. */
	char label[128];
	snprintf(label, sizeof(label), "%s/mem", t.dir);
	z = NULL;
	if (dv_zone_load_mem(text, len, label, NULL, &z, err, sizeof(err)) != DV_OK)
		fail_msg("%s", err);
	assert_int_equal(z->rr_count, 28);
	dv_zone_free(z);

	/* A zone file named through a link in another directory: relative
	 * names are looked for where the file really is. */
	char sub[600], link[700];
	snprintf(sub, sizeof(sub), "%s/other", t.dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(link, sizeof(link), "%s/link.zone", sub);
	snprintf(label, sizeof(label), "%s/top.zone", t.dir);
	assert_int_equal(symlink(label, link), 0);
	dv_zone_opts_t o = {0};
	if (dv_zone_load(link, &o, &z, err, sizeof(err)) != DV_OK)
		fail_msg("%s", err);
	assert_int_equal(z->rr_count, 28);
	dv_zone_free(z);
	tmp_remove(&t);
}

static void test_include_loops(void **state)
{
	tmpdir_t t;
	tmp_make(&t);
	dv_zone_t *z;
	char err[512];
	/* A file that includes itself, and two that include each other through
	 * a symbolic link: refused by identity, at the include's line. */
	tmp_file(&t, "self.zone", SOA "www.example. A 192.0.2.1\n$INCLUDE self.zone\n");
	assert_int_equal(load_file(&t, "self.zone", NULL, &z, err, sizeof(err)), DV_EPARSE);
	assert_null(z);
	expect_in(err, "self.zone:3: $INCLUDE ");
	expect_in(err, "include loop");
	tmp_file(&t, "a.zone", SOA "$INCLUDE b.inc\n");
	tmp_file(&t, "b.inc", "; b\n$INCLUDE link.zone\n");
	char target[600], link[600];
	snprintf(target, sizeof(target), "%s/a.zone", t.dir);
	snprintf(link, sizeof(link), "%s/link.zone", t.dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(load_file(&t, "a.zone", NULL, &z, err, sizeof(err)), DV_EPARSE);
	expect_in(err, "b.inc:2: $INCLUDE ");
	expect_in(err, "link.zone: include loop");
	/* One file twice in a row is no loop. */
	tmp_file(&t, "twice.zone", SOA "$INCLUDE x.inc\n$INCLUDE x.inc\n");
	tmp_file(&t, "x.inc", "x.example. A 192.0.2.1\n");
	assert_int_equal(load_file(&t, "twice.zone", NULL, &z, err, sizeof(err)), DV_OK);
	assert_int_equal(z->rr_count, 2);
	dv_zone_free(z);

	/* Depth: a chain of 4 files is refused at depth 3, loads at 4. */
	tmp_file(&t, "d0.zone", SOA "$INCLUDE d1.inc\n");
	tmp_file(&t, "d1.inc", "$INCLUDE d2.inc\n");
	tmp_file(&t, "d2.inc", "$INCLUDE d3.inc\n");
	tmp_file(&t, "d3.inc", "$INCLUDE d4.inc\n");
	tmp_file(&t, "d4.inc", "deep.example. A 192.0.2.4\n");
	dv_load_limits_t lim = {.include_depth_max = 3};
	assert_int_equal(load_file(&t, "d0.zone", &lim, &z, err, sizeof(err)), DV_ELIMIT);
	expect_in(err, "d3.inc:1: $INCLUDE ");
	expect_in(err, "nested deeper than 3 files");
	lim.include_depth_max = 4;
	assert_int_equal(load_file(&t, "d0.zone", &lim, &z, err, sizeof(err)), DV_OK);
	dv_zone_free(z);

	/* The budget of files: a fan-out of 3 files, each including the next
	 * three times, opens 3 + 9 = 12 files. */
	tmp_file(&t, "f0.zone", SOA "$INCLUDE f1.inc\n$INCLUDE f1.inc\n$INCLUDE f1.inc\n");
	tmp_file(&t, "f1.inc", "$INCLUDE f2.inc\n$INCLUDE f2.inc\n$INCLUDE f2.inc\n");
	tmp_file(&t, "f2.inc", "f.example. A 192.0.2.1\n");
	lim = (dv_load_limits_t){.include_files_max = 11};
	assert_int_equal(load_file(&t, "f0.zone", &lim, &z, err, sizeof(err)), DV_ELIMIT);
	expect_in(err, "more than 11 included files");
	lim.include_files_max = 12;
	assert_int_equal(load_file(&t, "f0.zone", &lim, &z, err, sizeof(err)), DV_OK);
	dv_zone_free(z);
	/* ... and of bytes: f1.inc is 48 bytes, f2.inc 23. */
	lim = (dv_load_limits_t){.include_bytes_max = 3 * 48 + 9 * 23 - 1};
	assert_int_equal(load_file(&t, "f0.zone", &lim, &z, err, sizeof(err)), DV_ELIMIT);
	expect_in(err, "included files together exceed 350 bytes");
	lim.include_bytes_max++;
	assert_int_equal(load_file(&t, "f0.zone", &lim, &z, err, sizeof(err)), DV_OK);
	dv_zone_free(z);

	/* No includes at all: refused at the line. */
	lim = (dv_load_limits_t){.no_include = true};
	assert_int_equal(load_file(&t, "twice.zone", &lim, &z, err, sizeof(err)), DV_ELIMIT);
	expect_in(err, "twice.zone:2: $INCLUDE refused");
	/* A root directory: inside loads, outside (even by a link) is refused. */
	lim = (dv_load_limits_t){.include_root = t.dir};
	assert_int_equal(load_file(&t, "twice.zone", &lim, &z, err, sizeof(err)), DV_OK);
	dv_zone_free(z);
	tmp_file(&t, "out.zone", SOA "$INCLUDE /etc/hostname\n");
	assert_int_equal(load_file(&t, "out.zone", &lim, &z, err, sizeof(err)), DV_ELIMIT);
	expect_in(err, "out.zone:2: $INCLUDE /etc/hostname: not inside the directory");

	/* Record files go through the same reader: a loop is refused there too. */
	dv_rrfile_t f = {0};
	snprintf(target, sizeof(target), "%s/self.ds", t.dir);
	write_file(target, ". 60 IN NS a.example.\n$INCLUDE self.ds\n");
	assert_int_equal(dv_rrfile_load(target, ".", &f, err, sizeof(err)), DV_EPARSE);
	expect_in(err, "self.ds:2: $INCLUDE ");
	expect_in(err, "include loop");
	assert_null(f.v);
	lim = (dv_load_limits_t){.no_include = true};
	assert_int_equal(dv_rrfile_load_limits(target, ".", &lim, &f, err, sizeof(err)), DV_ELIMIT);
	/* ... and $GENERATE works in them. */
	write_file(target, "$GENERATE 1-3 ns$ A 192.0.2.$\n");
	assert_int_equal(dv_rrfile_load(target, "example.", &f, err, sizeof(err)), DV_OK);
	assert_int_equal(f.n, 3);
	assert_int_equal(f.v[2].line, 1);
	dv_rrfile_clear(&f);
	tmp_remove(&t);
}

/* ---- $GENERATE ranges and the record ceiling (issue 10 items 3 and 12) ---- */

static void test_generate_ranges(void **state)
{
	static const struct {
		const char *line;
		int code;
		const char *needle;
	} bad[] = {
	    {"$GENERATE 0-9223372036854775807/9223372036854775807 h$ A 192.0.2.1", DV_EPARSE,
	     "each number must be 0 to 4294967295"},
	    {"$GENERATE 0-4294967296 h$ A 192.0.2.1", DV_EPARSE, "each number"},
	    {"$GENERATE 0-99999999999999999999 h$ A 192.0.2.1", DV_EPARSE, "not start-stop"},
	    {"$GENERATE 5-1 h$ A 192.0.2.1", DV_EPARSE, "empty"},
	    {"$GENERATE 1-5/0 h$ A 192.0.2.1", DV_EPARSE, "empty"},
	    {"$GENERATE -1-5 h$ A 192.0.2.1", DV_EPARSE, "not start-stop"},
	    {"$GENERATE 1-5/-1 h$ A 192.0.2.1", DV_EPARSE, "not start-stop"},
	    {"$GENERATE 0-1000000 h$ A 192.0.2.1", DV_ELIMIT, "more than 1000000"},
	    {"$GENERATE 1-2 h$ A 192.0.2.${9223372036854775807}", DV_EPARSE, "bad offset"},
	    {"$GENERATE 1-2 h$ A 192.0.2.${-4294967296}", DV_EPARSE, "bad offset"},
	    {"$GENERATE 1-2 h$ A 192.0.2.${0,65}", DV_EPARSE, "bad width"},
	    {"$GENERATE 1-2 \\$INCLUDE A 192.0.2.1", DV_EPARSE, "may not start with '$'"},
	    {"$GENERATE 1-2 h$", DV_EPARSE, "expected"},
	};
	char text[256];
	for (size_t i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text), SOA "%s\n", bad[i].line);
		expect_error(text, bad[i].code, "t:2: $GENERATE: ", bad[i].needle);
	}
	/* The largest values: one record, no overflow on the step after it. */
	dv_zone_t *z = load_ok(SOA "$GENERATE 4294967290-4294967295/4294967295 h$ TXT "
	                           "\"${-4294967290,3,x}\"\n");
	long n = find(z, "h4294967290.example.");
	assert_true(n > 0);
	const dv_rrset_t *rs = dv_zone_rrset_find(z, (uint32_t)n, KNOT_RRTYPE_TXT);
	assert_memory_equal(z->rrs[rs->rr_first].rdata,
	                    "\x03"
	                    "000",
	                    4);
	assert_int_equal(z->rr_count, 2);
	dv_zone_free(z);
	/* Many records: made a piece at a time, every one there. */
	z = load_ok(SOA "$GENERATE 0-99999 h$ TXT ${0,6,x}\n");
	assert_int_equal(z->rr_count, 100001);
	dv_zone_free(z);
}

static void test_max_records(void **state)
{
	dv_zone_opts_t o = {.limits.max_records = 3};
	dv_zone_t *z = NULL;
	char err[512];
	const char *t1 = SOA "a.example. A 192.0.2.1\nb.example. A 192.0.2.2\n";
	assert_int_equal(dv_zone_load_mem(t1, strlen(t1), "t", &o, &z, err, sizeof(err)), DV_OK);
	dv_zone_free(z);
	const char *t2 = SOA "a.example. A 192.0.2.1\nb.example. A 192.0.2.2\n"
	                     "c.example. A 192.0.2.3\n";
	assert_int_equal(dv_zone_load_mem(t2, strlen(t2), "t", &o, &z, err, sizeof(err)),
	                 DV_ELIMIT);
	assert_string_equal(err, "t:4: more than 3 records");
	/* $GENERATE lines are counted before any record is made: the message
	 * names the line that passes the ceiling, although a syntax error
	 * comes later (nothing was parsed). */
	o.limits.max_records = 100;
	const char *t3 = SOA "$GENERATE 1-60 a$ A 192.0.2.1\n"
	                     "$GENERATE 1-60 b$ A 192.0.2.1\n"
	                     "bad.example. A 300.0.0.1\n";
	assert_int_equal(dv_zone_load_mem(t3, strlen(t3), "t", &o, &z, err, sizeof(err)),
	                 DV_ELIMIT);
	assert_string_equal(err, "t:3: $GENERATE: would make more than 100 records in all");
	/* The default: 70 lines of a million records each are refused at once. */
	char *big = malloc(70 * 64 + 256);
	assert_non_null(big);
	size_t len = (size_t)snprintf(big, 256, SOA);
	for (int i = 0; i < 70; i++)
		len += (size_t)snprintf(big + len, 64, "$GENERATE 0-999999 h%d-$ A 192.0.2.1\n", i);
	assert_int_equal(dv_zone_load_mem(big, len, "t", NULL, &z, err, sizeof(err)), DV_ELIMIT);
	assert_string_equal(err, "t:69: $GENERATE: would make more than 67108864 records in all");
	free(big);

	/* A file read in parts says what one thread says. */
	char path[] = "/tmp/dv-test-max.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char *text = malloc(300 * 40 + 256);
	assert_non_null(text);
	len = (size_t)snprintf(text, 256, SOA);
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(text + len, 40, "n%d.example. A 192.0.2.%d\n", i, i % 250);
	write_file(path, text);
	free(text);
	char err1[512], err2[512];
	dv_zone_opts_t o1 = {.limits.max_records = 200};
	dv_zone_opts_t o2 = {.limits.max_records = 200, .threads = 4, .part_min = 1};
	assert_int_equal(dv_zone_load(path, &o1, &z, err1, sizeof(err1)), DV_ELIMIT);
	assert_int_equal(dv_zone_load(path, &o2, &z, err2, sizeof(err2)), DV_ELIMIT);
	assert_string_equal(err1, err2);
	assert_non_null(strstr(err1, ":201: more than 200 records"));
	o2.limits.max_records = 301;
	assert_int_equal(dv_zone_load(path, &o2, &z, err2, sizeof(err2)), DV_OK);
	assert_true(z->parts > 1);
	dv_zone_free(z);
	unlink(path);
}

typedef struct {
	unsigned calls;
	uint64_t last, total;
} progress_t;

static void progress_cb(void *ctx, uint64_t done, uint64_t total)
{
	progress_t *p = ctx;
	if (p->calls > 0)
		assert_true(done > p->last);
	p->calls++;
	p->last = done;
	p->total = total;
}

static void test_progress(void **state)
{
	/* Progress is reported about once per MiB of input: a 3 MiB zone reports. */
	size_t cap = (3u << 20) + 4096, len = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	len += (size_t)snprintf(text, cap, "%s", SOA);
	for (unsigned i = 0; len + 64 < cap - 4096 && i < 200000; i++)
		len += (size_t)snprintf(text + len, cap - len, "h%u.example. A 192.0.2.%u\n", i,
		                        i % 256);
	progress_t p = {0};
	dv_zone_opts_t o = {.progress = progress_cb, .progress_ctx = &p};
	dv_zone_t *z = NULL;
	char err[256];
	assert_int_equal(dv_zone_load_mem(text, len, "t", &o, &z, err, sizeof(err)), DV_OK);
	assert_true(p.calls >= 1);
	if (p.calls == 1 && p.last == 0) {
		dv_zone_free(z);
		free(text);
	}
	assert_true(p.calls >= 2);
	assert_int_equal(p.total, len);
	assert_true(p.last <= len);
	dv_zone_free(z);
	free(text);
}

/* ---- a file parsed in parts ------------------------------------------------ */

/* Two loads give the same zone: records (with their lines), names, RRsets. */
static void assert_same_zone(const dv_zone_t *a, const dv_zone_t *b)
{
	assert_int_equal(a->rr_count, b->rr_count);
	assert_int_equal(a->name_count, b->name_count);
	assert_int_equal(a->rrset_count, b->rrset_count);
	for (size_t i = 0; i < a->name_count; i++) {
		assert_true(knot_dname_is_equal(a->names[i].dname, b->names[i].dname));
		assert_int_equal(a->names[i].flags, b->names[i].flags);
		assert_int_equal(a->names[i].sig_count, b->names[i].sig_count);
	}
	for (size_t i = 0; i < a->rr_count; i++) {
		const dv_rr_t *x = &a->rrs[i], *y = &b->rrs[i];
		assert_int_equal(x->name, y->name);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->ttl, y->ttl);
		if (x->line != y->line)
			fail_msg("record %zu: line %u, in parts %u", i, x->line, y->line);
		assert_int_equal(x->rdlen, y->rdlen);
		assert_memory_equal(x->rdata, y->rdata, x->rdlen);
	}
	for (size_t i = 0; i < a->rrset_count; i++) {
		assert_int_equal(a->rrsets[i].rr_first, b->rrsets[i].rr_first);
		assert_int_equal(a->rrsets[i].sig_count, b->rrsets[i].sig_count);
		assert_int_equal(a->rrsets[i].ttl, b->rrsets[i].ttl);
	}
}

typedef struct {
	unsigned max_part;
	size_t runs;
} runs_seen_t;

static void on_run_count(void *ctx, unsigned part, const uint8_t *origin, const uint8_t *owner,
                         const dv_rr_t *rrs, size_t n)
{
	runs_seen_t *r = ctx;
	if (owner == NULL)
		return;
	/* Parts are parsed on their own threads: only part 0 writes here. */
	if (part == 0)
		r->runs++;
	else
		__atomic_fetch_or(&r->max_part, 1u << (part < 31 ? part : 31), __ATOMIC_RELAXED);
}

/*
 * Load `path` on one thread and in 2..8 parts cut anywhere (part_min 1):
 * every cut gives the zone one thread gives, or the same error.  Returns
 * how many of the loads really ran in parts.
 */
static unsigned check_parts(const char *path, size_t sort_ahead_max)
{
	char err1[512] = "", err2[512] = "";
	dv_zone_t *one = NULL;
	dv_zone_opts_t o1 = {.sort_ahead_max = sort_ahead_max};
	int r1 = dv_zone_load(path, &o1, &one, err1, sizeof(err1));
	unsigned used = 0;
	for (unsigned t = 2; t <= 8; t++) {
		runs_seen_t seen = {0};
		dv_zone_opts_t o = {.threads = t,
		                    .part_min = 1,
		                    .sort_ahead_max = sort_ahead_max,
		                    .on_run = on_run_count,
		                    .run_ctx = &seen};
		dv_zone_t *z = NULL;
		int r2 = dv_zone_load(path, &o, &z, err2, sizeof(err2));
		assert_int_equal(r1, r2);
		if (r1 != DV_OK) {
			assert_string_equal(err1, err2);
			assert_null(z);
			continue;
		}
		assert_non_null(z);
		assert_same_zone(one, z);
		assert_true(z->parts >= 1 && z->parts <= t);
		if (z->parts > 1) {
			used++;
			assert_true(seen.max_part != 0); /* other parts reached the hook */
		}
		dv_zone_free(z);
	}
	dv_zone_free(one);
	return used;
}

/* Many owners, and everything that makes a cut hard: directives that change
 * the origin and TTL half-way, relative and blank owners, multi-line
 * records, comments, $INCLUDE and $GENERATE. */
static char *parts_zone(const char *inc, bool col0_continuation)
{
	size_t cap = 1 << 20, len = 0;
	char *t = malloc(cap);
	assert_non_null(t);
	len += (size_t)snprintf(t + len, cap - len, "$TTL 300\n" SOA "example. NS ns.example.\n");
	for (int i = 0; i < 400; i++) {
		if (i == 100)
			len += (size_t)snprintf(t + len, cap - len, "$TTL 7200 ; later\n");
		if (i == 150)
			len += (size_t)snprintf(t + len, cap - len, "$ORIGIN sub.example.\n");
		if (i == 200)
			len += (size_t)snprintf(t + len, cap - len, "$INCLUDE %s\n", inc);
		if (i == 250)
			len += (size_t)snprintf(t + len, cap - len,
			                        "$GENERATE 1-5 gen$ A 192.0.2.$\n");
		if (i == 300)
			len += (size_t)snprintf(t + len, cap - len, "$ORIGIN example.\n");
		if (col0_continuation && i == 60) {
			/* Text that looks like a directive to a first pass over
			 * the bytes: the parts after it must not believe it. */
			len += (size_t)snprintf(t + len, cap - len, "odd TXT ( \"a\"\n$TTL 5\n)\n");
		}
		if (col0_continuation && i % 40 == 7) {
			/* A continuation line that starts in column 0: a cut there
			 * splits a record, which the loader must notice. */
			len += (size_t)snprintf(t + len, cap - len,
			                        "h%03d TXT ( \"first\"\n\"second\" )\n", i);
		}
		len += (size_t)snprintf(t + len, cap - len,
		                        "h%03d A 192.0.2.%d ; host %d\n"
		                        "     AAAA 2001:db8::%x\n"
		                        "h%03d.deep.er 600 TXT ( \"a\"\n"
		                        "\t\"b\" )\n\n",
		                        i, i % 250, i, i, (i * 7) % 400);
		assert_true(len < cap - 512);
	}
	return t;
}

static void test_parts(void **state)
{
	char dir[] = "/tmp/dv-test-parts.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char inc[256], path[256];
	snprintf(inc, sizeof(inc), "%s/inc.zone", dir);
	snprintf(path, sizeof(path), "%s/z.zone", dir);
	write_file(inc, "; included, relative to sub.example.\nincl A 192.0.2.7\n"
	                "$ORIGIN other.example.\nx TXT \"in the included file\"\n");

	/* Plain: loads really run in parts, and agree with one thread. */
	char *text = parts_zone(inc, false);
	write_file(path, text);
	assert_true(check_parts(path, 0) >= 5);
	/* The same with the in-place sort. */
	assert_true(check_parts(path, 1) >= 5);
	free(text);

	/* Records open across a cut: whatever the cut, the same zone. */
	text = parts_zone(inc, true);
	write_file(path, text);
	check_parts(path, 0);
	free(text);

	/* An error in the second half: the message of one thread. */
	text = parts_zone(inc, false);
	size_t l = strlen(text);
	snprintf(text + l, (1 << 20) - l, "bad A 300.0.0.1\nlast A 192.0.2.1\n");
	write_file(path, text);
	assert_int_equal(check_parts(path, 0), 0);
	char err[512];
	dv_zone_t *z = NULL;
	dv_zone_opts_t o = {.threads = 4, .part_min = 1};
	assert_int_equal(dv_zone_load(path, &o, &z, err, sizeof(err)), DV_EPARSE);
	assert_non_null(strstr(err, "'bad A 300.0.0.1'"));
	free(text);

	/* CRLF: parsed on one thread, which strips the CRs. */
	write_file(path, "example. 300 IN SOA ns.example. a.example. 1 2 3 4 5\r\n"
	                 "a.example. A 192.0.2.1\r\nb.example. A 192.0.2.2\r\n"
	                 "c.example. A 192.0.2.3\r\nd.example. A 192.0.2.4\r\n");
	assert_int_equal(check_parts(path, 0), 0);
	o.threads = 2;
	assert_int_equal(dv_zone_load(path, &o, &z, err, sizeof(err)), DV_OK);
	assert_int_equal(z->parts, 1);
	assert_int_equal(z->rr_count, 5);
	dv_zone_free(z);

	/* Records in reverse order (the in-place sort's case). */
	size_t cap = 1 << 16, len = 0;
	text = malloc(cap);
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, SOA);
	for (int i = 300; i > 0; i--)
		len += (size_t)snprintf(text + len, cap - len, "n%d.example. A 192.0.2.%d\n", i,
		                        i % 250);
	write_file(path, text);
	assert_true(check_parts(path, 1) >= 5);
	assert_true(check_parts(path, 0) >= 5);
	free(text);

	unlink(inc);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_canonical_order_rfc4034),
	    cmocka_unit_test(test_dname_cmp),
	    cmocka_unit_test(test_duplicates_dropped),
	    cmocka_unit_test(test_rrset_ttl),
	    cmocka_unit_test(test_rrsig_attached),
	    cmocka_unit_test(test_rdata_canonical_in_store),
	    cmocka_unit_test(test_empty_nonterminals),
	    cmocka_unit_test(test_empty_nonterminals_shared),
	    cmocka_unit_test(test_zone_cuts),
	    cmocka_unit_test(test_apex_dname),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_error_include_missing),
	    cmocka_unit_test(test_errors_with_origin),
	    cmocka_unit_test(test_errors_files),
	    cmocka_unit_test(test_include),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_generate),
	    cmocka_unit_test(test_default_ttl),
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_serial),
	    cmocka_unit_test(test_rrfile),
	    cmocka_unit_test(test_progress),
	    cmocka_unit_test(test_parts),
	    cmocka_unit_test(test_include_many),
	    cmocka_unit_test(test_include_loops),
	    cmocka_unit_test(test_generate_ranges),
	    cmocka_unit_test(test_max_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
