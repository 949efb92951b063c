/*
 * Unit tests of the canary: each child zone has exactly its fault (checked
 * with the verify checks and the DS primitives), and the writer is stable
 * across runs.  The audit's own tests are in test_audit.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libknot/libknot.h>

#include "canary/canary.h"
#include "checks/checks.h"
#include "core/error.h"
#include "core/zone.h"
#include "dnssec/dnssec.h"
#include "snapshot/resolver.h"
#include "unit.h"

#define NOW 1795392000 /* 2026-11-23T00:00:00Z */

static char dir1[256], dir2[300];

static int write_canary(const char *out, const char *keys)
{
	static const char *const ns[] = {"127.0.0.1"};
	dv_canary_opts_t o = {.zone = "Canary.Example.",
	                      .out_dir = out,
	                      .keys_dir = keys,
	                      .now = NOW,
	                      .ns_addrs = ns,
	                      .ns_addr_count = 1};
	char err[512];
	int ret = dv_canary_write(&o, err, sizeof(err));
	if (ret != 0)
		fprintf(stderr, "dv_canary_write: %s\n", err);
	return ret;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir1, sizeof(dir1), "/tmp/dv-canary-unit.XXXXXX");
	if (mkdtemp(dir1) == NULL)
		return -1;
	snprintf(dir2, sizeof(dir2), "%s/again", dir1);
	char keys[300];
	snprintf(keys, sizeof(keys), "%s/keys", dir1);
	if (write_canary(dir1, keys) != 0)
		return -1;
	/* A second run with the same keys and time: for the stability test. */
	return write_canary(dir2, keys);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	if (strncmp(dir1, "/tmp/dv-canary-unit.", 20) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir1);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static const dv_canary_mode_t *mode(const char *label)
{
	for (size_t i = 0; i < dv_canary_mode_count; i++)
		if (strcmp(dv_canary_modes[i].label, label) == 0)
			return &dv_canary_modes[i];
	return NULL;
}

static void test_mode_table(void **state)
{
	(void)state;
	size_t controls = 0, bogus = 0, nsec3 = 0;
	int last_iter = -1;
	assert_true(dv_canary_mode_count >= 28);
	for (size_t i = 0; i < dv_canary_mode_count; i++) {
		const dv_canary_mode_t *m = &dv_canary_modes[i];
		assert_true(strlen(m->label) > 0 && strlen(m->label) <= 63);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(m->label, dv_canary_modes[j].label);
		if (m->fault == DV_FAULT_NONE && m->expect == DV_EXPECT_SECURE)
			controls++;
		if (m->expect == DV_EXPECT_BOGUS) {
			bogus++;
			assert_true(m->ede > 0); /* every bogus mode documents its RFC 8914 code */
		}
		if (m->expect == DV_EXPECT_NSEC3) {
			nsec3++;
			/* the audit's limit search relies on ascending counts */
			assert_true(m->iterations > last_iter);
			last_iter = m->iterations;
		}
		char q[300];
		assert_int_equal(dv_canary_qname(m, "canary.example.", q, sizeof(q)), 0);
		assert_non_null(strstr(q, m->label));
	}
	assert_int_equal(controls, 1);
	assert_int_equal(bogus, 15);
	assert_int_equal(nsec3, 7);
	char q[300];
	assert_int_equal(dv_canary_qname(mode("nsec-none"), "canary.example", q, sizeof(q)), 0);
	assert_string_equal(q, "nx.nsec-none.canary.example.");
	/* The audit dates the canary by these two (checks/audit.c). */
	assert_ptr_equal(dv_canary_mode_by_fault(DV_FAULT_NONE), mode("valid"));
	assert_ptr_equal(dv_canary_mode_by_fault(DV_FAULT_NOT_YET), mode("rrsig-notyet"));
	/* The resolver probe asks each mode at most three ways; a snapshot holds them. */
	assert_true(3 * dv_canary_mode_count <= DV_RSNAP_MAX_QUERIES_PER_RESOLVER);
}

/* Load DIR/<label>.canary.example.zone and run every verify check at NOW. */
static size_t verify_child(const char *label, dv_findings_t *out)
{
	char path[600];
	if (label[0] == '\0')
		snprintf(path, sizeof(path), "%s/canary.example.zone", dir1);
	else
		snprintf(path, sizeof(path), "%s/%s.canary.example.zone", dir1, label);
	dv_zone_t *z = NULL;
	char err[512];
	int ret = dv_zone_load(path, NULL, &z, err, sizeof(err));
	if (ret != 0)
		fprintf(stderr, "%s: %s\n", path, err);
	assert_int_equal(ret, 0);
	dv_verify_opts_t o = {.now = NOW, .warn_expiry = 86400, .threads = 1};
	dv_verify_stats_t st;
	memset(out, 0, sizeof(*out));
	assert_int_equal(dv_verify_zone(z, &o, &st, out), 0);
	dv_zone_free(z);
	return out->len;
}

static size_t count_code(const dv_findings_t *f, dv_code_t code)
{
	size_t n = 0;
	for (size_t i = 0; i < f->len; i++)
		n += f->v[i].code == code;
	return n;
}

static void print_codes(const char *label, const dv_findings_t *f)
{
	for (size_t i = 0; i < f->len; i++)
		fprintf(stderr, "  %s: %s %s type %u\n", label, dv_code_name(f->v[i].code),
		        name_str(f->v[i].owner), f->v[i].type);
}

/* Zones that must verify clean: the controls, and the DS-side faults (their
 * fault is at the parent, the child itself is sound). */
static void test_clean_children(void **state)
{
	(void)state;
	static const char *const clean[] = {"valid",        "big-dnskey",        "island",
	                                    "nsec3-iter-0", "ds-bad-digest",     "ds-bad-tag",
	                                    "ds-bad-alg",   "ds-unknown-digest", "ds-unknown-alg"};
	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		dv_findings_t f;
		size_t n = verify_child(clean[i], &f);
		if (n != 0)
			print_codes(clean[i], &f);
		assert_int_equal(n, 0);
		dv_findings_clear(&f);
	}
}

/* Each broken child: its own finding, and (where the fault is that narrow) nothing else. */
static void test_faulty_children(void **state)
{
	(void)state;
	static const struct {
		const char *label;
		dv_code_t code;
		uint16_t type; /* evidence: the RR type concerned, 0 = any */
		bool only;     /* no other finding code */
	} cases[] = {
	    {"rrsig-exp-all", DV_F_RRSIG_EXPIRED, 0, true},
	    {"rrsig-exp-a", DV_F_RRSIG_EXPIRED, KNOT_RRTYPE_A, true},
	    {"rrsig-notyet", DV_F_RRSIG_NOT_YET_VALID, 0, true},
	    {"rrsig-inverted", DV_F_RRSIG_WINDOW_INVERTED, 0, false},
	    {"rrsig-bad-a", DV_F_RRSIG_INVALID, KNOT_RRTYPE_A, false},
	    {"rrsig-none-a", DV_F_RRSIG_MISSING, KNOT_RRTYPE_A, true},
	    {"rrsig-none-dnskey", DV_F_RRSIG_MISSING, KNOT_RRTYPE_DNSKEY, false},
	    {"dnskey-none", DV_F_ZONE_UNSIGNED, 0, true},
	    {"unsigned", DV_F_ZONE_UNSIGNED, 0, true},
	    {"no-zone-bit", DV_F_DNSKEY_NOT_ZONE_KEY, 0, false},
	    {"nsec-none", DV_F_DENIAL_MISSING, 0, true},
	    {"nsec-bad-cover", DV_F_NSEC_CHAIN_BROKEN, 0, true},
	    {"wildcard-no-proof", DV_F_NSEC_MISSING, 0, true},
	    {"nsec3-iter-1", DV_F_NSEC3_ITERATIONS, 0, true},
	    /* Above 50 iterations validators treat denials as insecure (RFC 9276 §3.2). */
	    {"nsec3-iter-150", DV_F_NSEC3_ITERATIONS, 0, false},
	    {"nsec3-iter-150", DV_F_NSEC3_ITERATIONS_INSECURE, 0, false},
	    {"nsec3-iter-500", DV_F_NSEC3_ITERATIONS, 0, false},
	    {"nsec3-iter-500", DV_F_NSEC3_ITERATIONS_INSECURE, 0, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dv_findings_t f;
		verify_child(cases[i].label, &f);
		size_t n = count_code(&f, cases[i].code);
		if (n == 0 || (cases[i].only && n != f.len))
			print_codes(cases[i].label, &f);
		assert_true(n > 0);
		if (cases[i].only)
			assert_int_equal(n, f.len);
		if (cases[i].type != 0) {
			for (size_t k = 0; k < f.len; k++)
				if (f.v[k].code == cases[i].code)
					assert_int_equal(f.v[k].type, cases[i].type);
		}
		dv_findings_clear(&f);
	}
	/* Only the A signature expired: one finding, at the apex. */
	dv_findings_t f;
	verify_child("rrsig-exp-a", &f);
	assert_int_equal(f.len, 1);
	assert_string_equal(name_str(f.v[0].owner), "rrsig-exp-a.canary.example.");
	dv_findings_clear(&f);
	/* All expired: every RRset's signature (SOA, NS, A, TXT, NSEC, DNSKEY, ...). */
	verify_child("rrsig-exp-all", &f);
	assert_true(f.len >= 6);
	dv_findings_clear(&f);
}

/* The parent: DS per mode, each with exactly the DS fault of its mode. */
static void test_parent_ds(void **state)
{
	(void)state;
	char path[600];
	snprintf(path, sizeof(path), "%s/canary.example.zone", dir1);
	dv_zone_t *p = NULL;
	char err[512];
	assert_int_equal(dv_zone_load(path, NULL, &p, err, sizeof(err)), 0);
	for (size_t i = 0; i < dv_canary_mode_count; i++) {
		const dv_canary_mode_t *m = &dv_canary_modes[i];
		char name[300], cpath[600];
		uint8_t wire[KNOT_DNAME_MAXLEN];
		snprintf(name, sizeof(name), "%s.canary.example.", m->label);
		assert_non_null(knot_dname_from_str(wire, name, sizeof(wire)));
		long ni = dv_zone_name_find(p, wire);
		assert_true(ni >= 0);
		assert_non_null(dv_zone_rrset_find(p, (uint32_t)ni, KNOT_RRTYPE_NS));
		const dv_rrset_t *ds = dv_zone_rrset_find(p, (uint32_t)ni, KNOT_RRTYPE_DS);
		if (m->fault == DV_FAULT_UNSIGNED || m->fault == DV_FAULT_ISLAND) {
			assert_null(ds);
			continue;
		}
		assert_non_null(ds);
		assert_int_equal(ds->rr_count, 1);
		const dv_rr_t *dsr = &p->rrs[ds->rr_first];
		if (m->fault == DV_FAULT_NO_DNSKEY)
			continue; /* no DNSKEY to match: dnskey-none's child has none */
		/* Does the DS match the child's published signing key? */
		snprintf(cpath, sizeof(cpath), "%s/%s.canary.example.zone", dir1, m->label);
		dv_zone_t *c = NULL;
		assert_int_equal(dv_zone_load(cpath, NULL, &c, err, sizeof(err)), 0);
		const dv_rrset_t *keys = dv_zone_rrset_find(c, 0, KNOT_RRTYPE_DNSKEY);
		assert_non_null(keys);
		bool match = false;
		for (uint32_t k = 0; k < keys->rr_count; k++) {
			const dv_rr_t *kr = &c->rrs[keys->rr_first + k];
			match |= dv_ds_matches(wire, dsr->rdata, dsr->rdlen, kr->rdata, kr->rdlen);
		}
		bool want = m->fault != DV_FAULT_DS_BAD_DIGEST && m->fault != DV_FAULT_DS_BAD_TAG &&
		            m->fault != DV_FAULT_DS_BAD_ALG &&
		            m->fault != DV_FAULT_DS_UNKNOWN_DIGEST &&
		            m->fault != DV_FAULT_DS_UNKNOWN_ALG;
		if (match != want)
			fprintf(stderr, "DS of %s: match %d\n", m->label, match);
		assert_int_equal(match, want);
		if (m->fault == DV_FAULT_DS_UNKNOWN_DIGEST)
			assert_int_equal(dsr->rdata[3], 100);
		if (m->fault == DV_FAULT_DS_UNKNOWN_ALG)
			assert_int_equal(dsr->rdata[2], 100);
		if (m->fault == DV_FAULT_DS_BAD_ALG)
			assert_int_equal(dsr->rdata[2], 8);
		if (m->fault == DV_FAULT_NO_ZONE_BIT) /* DS matches a key whose flags are 0 */
			assert_int_equal(c->rrs[keys->rr_first].rdata[1] & 1, 0);
		if (m->fault == DV_FAULT_BIG_DNSKEY) {
			size_t total = 0;
			for (uint32_t k = 0; k < keys->rr_count; k++)
				total += c->rrs[keys->rr_first + k].rdlen;
			assert_true(total > 1232); /* RFC 9715 / flag day 2020 buffer */
		}
		dv_zone_free(c);
	}
	dv_zone_free(p);
	/* The parent itself verifies clean but for the deliberate unknown-digest DS. */
	dv_findings_t f;
	verify_child("", &f);
	if (f.len != count_code(&f, DV_F_DS_DIGEST_UNKNOWN))
		print_codes("parent", &f);
	assert_int_equal(f.len, count_code(&f, DV_F_DS_DIGEST_UNKNOWN));
	dv_findings_clear(&f);
}

static char *slurp_nosig(const char *path)
{
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	size_t cap = 1 << 20, len = 0;
	char *s = malloc(cap), line[8192];
	assert_non_null(s);
	s[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		/* ECDSA signatures are randomised (RFC 6605 §6); all else is stable. */
		if (strstr(line, "\tRRSIG\t") != NULL)
			continue;
		size_t l = strlen(line);
		assert_true(len + l < cap);
		memcpy(s + len, line, l + 1);
		len += l;
	}
	fclose(fp);
	return s;
}

static void test_stable_across_runs(void **state)
{
	(void)state;
	static const char *const files[] = {"dsset",
	                                    "modes.tsv",
	                                    "zones.list",
	                                    "delegation",
	                                    "canary.example.zone",
	                                    "ds-bad-tag.canary.example.zone",
	                                    "nsec3-iter-50.canary.example.zone"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char a[600], b[600];
		snprintf(a, sizeof(a), "%s/%s", dir1, files[i]);
		snprintf(b, sizeof(b), "%s/%s", dir2, files[i]);
		char *sa = slurp_nosig(a), *sb = slurp_nosig(b);
		assert_true(strlen(sa) > 0);
		assert_string_equal(sa, sb);
		free(sa);
		free(sb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mode_table),         cmocka_unit_test(test_clean_children),
	    cmocka_unit_test(test_faulty_children),    cmocka_unit_test(test_parent_ds),
	    cmocka_unit_test(test_stable_across_runs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
