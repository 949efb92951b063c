/*
 * Unit tests of zone transfers without sockets: RFC 1982 serial arithmetic,
 * TSIG key files (BIND and Knot formats), the IXFR difference model (the
 * RFC 1995 §7 example, and broken sequences), and the message stream
 * checker fed with messages built here (AXFR, IXFR, TSIG-signed by libknot
 * as a server would sign them, RFC 8945 §5.3.1).
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
#include "core/serial.h"
#include "net/xfr.h"
#include "net/xfr_int.h"

/* --- serial arithmetic (RFC 1982) ------------------------------------------------ */

static void test_serial(void **state)
{
	assert_int_equal(dv_serial_compare(5, 5), DV_SERIAL_EQUAL);
	assert_int_equal(dv_serial_compare(1, 0), DV_SERIAL_NEWER);
	assert_int_equal(dv_serial_compare(0, 1), DV_SERIAL_OLDER);
	/* RFC 1982 §3.2: wrapping past 2^32 - 1 is still "newer". */
	assert_int_equal(dv_serial_compare(0, 0xffffffffu), DV_SERIAL_NEWER);
	assert_int_equal(dv_serial_compare(0xffffffffu, 0), DV_SERIAL_OLDER);
	assert_int_equal(dv_serial_compare(0x7fffffffu, 0), DV_SERIAL_NEWER);
	assert_int_equal(dv_serial_compare(0x80000001u, 0), DV_SERIAL_OLDER);
	/* Exactly 2^31 apart: undefined, both ways. */
	assert_int_equal(dv_serial_compare(0x80000000u, 0), DV_SERIAL_UNDEFINED);
	assert_int_equal(dv_serial_compare(0, 0x80000000u), DV_SERIAL_UNDEFINED);
	assert_int_equal(dv_serial_compare(2026120301u, 2026120300u), DV_SERIAL_NEWER);
	/* RFC 1982 §3.1: addition wraps; n above 2^31 - 1 is undefined. */
	assert_int_equal(dv_serial_add(0xfffffffeu, 3), 1);
	assert_int_equal(dv_serial_add(7, 0x7fffffffu), 0x80000006u);
	assert_int_equal(dv_serial_add(7, 0x80000000u), 7);
}

/* --- TSIG key files ---------------------------------------------------------------- */

/* Secret of the RFC 4231 §4.2 test key (20 x 0x0b), base64. */
#define SECRET_B64 "CwsLCwsLCwsLCwsLCwsLCwsLCws="

static dv_tsig_key_t *parse_ok(const char *text, const char *name)
{
	dv_tsig_key_t *k = NULL;
	char err[256];
	int r = dv_tsig_key_parse(text, strlen(text), name, &k, err, sizeof(err));
	if (r != DV_OK) {
		print_error("unexpected error %d: %s\n", r, err);
	}
	assert_int_equal(r, DV_OK);
	assert_non_null(k);
	return k;
}

static void parse_bad(const char *text, const char *name, int want, const char *want_err)
{
	dv_tsig_key_t *k = NULL;
	char err[256] = "";
	int r = dv_tsig_key_parse(text, strlen(text), name, &k, err, sizeof(err));
	if (r != want || strstr(err, want_err) == NULL) {
		print_error("text: %s\ngot %d '%s', wanted %d '%s'\n", text, r, err, want,
		            want_err);
	}
	assert_int_equal(r, want);
	assert_null(k);
	assert_non_null(strstr(err, want_err));
}

static void assert_secret(const dv_tsig_key_t *k)
{
	assert_int_equal(k->key.secret.size, 20);
	for (size_t i = 0; i < 20; i++) {
		assert_int_equal(k->key.secret.data[i], 0x0b);
	}
}

static void test_tsig_bind(void **state)
{
	/* tsig-keygen's output form. */
	dv_tsig_key_t *k = parse_ok("key \"xfr.example.\" {\n\talgorithm hmac-sha256;\n"
	                            "\tsecret \"" SECRET_B64 "\";\n};\n",
	                            NULL);
	assert_string_equal(dv_tsig_key_name(k), "xfr.example.");
	assert_string_equal(dv_tsig_key_algorithm(k), "hmac-sha256");
	assert_int_equal(k->key.algorithm, DNSSEC_TSIG_HMAC_SHA256);
	assert_secret(k);
	dv_tsig_key_free(k);

	/* Comments of all three kinds, an unquoted name, upper case, two keys. */
	const char *two =
	    "# two keys\n// line comment\n/* block\n comment */\n"
	    "key One.Example { ALGORITHM HMAC-SHA512; secret \"" SECRET_B64 "\"; };\n"
	    "key \"two.example\" { secret \"" SECRET_B64 "\"; algorithm hmac-sha384; };\n";
	k = parse_ok(two, "one.example.");
	assert_string_equal(dv_tsig_key_name(k), "one.example.");
	assert_string_equal(dv_tsig_key_algorithm(k), "hmac-sha512");
	dv_tsig_key_free(k);
	k = parse_ok(two, "TWO.example");
	assert_string_equal(dv_tsig_key_algorithm(k), "hmac-sha384");
	dv_tsig_key_free(k);
	parse_bad(two, NULL, DV_EINVAL, "several keys");
	parse_bad(two, "three.example", DV_EINVAL, "no key named");
}

static void test_tsig_knot(void **state)
{
	/* keymgr -t's output form, comment line included. */
	dv_tsig_key_t *k = parse_ok("# hmac-sha256:xfr.example.:" SECRET_B64 "\n"
	                            "key:\n  - id: xfr.example.\n    algorithm: hmac-sha256\n"
	                            "    secret: " SECRET_B64 "\n",
	                            NULL);
	assert_string_equal(dv_tsig_key_name(k), "xfr.example.");
	assert_string_equal(dv_tsig_key_algorithm(k), "hmac-sha256");
	assert_secret(k);
	dv_tsig_key_free(k);

	const char *two =
	    "server:\n    listen: 127.0.0.1\nkey:\n  - id: a.example\n"
	    "    algorithm: hmac-sha512\n    secret: " SECRET_B64 "\n"
	    "  - id: b.example\n    algorithm: hmac-sha384\n    secret: " SECRET_B64 "\n";
	/* Only starts with key: when the first section is key: */
	parse_bad(two, "b.example", DV_EPARSE, "line 1");
	const char *two_keys =
	    "key:\n  - id: a.example\n"
	    "    algorithm: hmac-sha512\n    secret: " SECRET_B64 "\n"
	    "  - id: b.example\n    algorithm: hmac-sha384\n    secret: " SECRET_B64 "\n";
	k = parse_ok(two_keys, "b.example.");
	assert_string_equal(dv_tsig_key_algorithm(k), "hmac-sha384");
	dv_tsig_key_free(k);
	parse_bad(two_keys, NULL, DV_EINVAL, "several keys");
	parse_bad("key:\n  - id: a.example\n    algorithm: hmac-sha256\n    colour: blue\n", NULL,
	          DV_EPARSE, "line 4: unknown key item 'colour'");
	parse_bad("key:\n  - id: a.example\n    algorithm: hmac-sha256\n", NULL, DV_EPARSE,
	          "has no secret");
	parse_bad("key:\n    algorithm: hmac-sha256\n", NULL, DV_EPARSE, "line 2");
}

static void test_tsig_refused(void **state)
{
	/* RFC 8945 §6: MD5 deprecated, SHA1 and SHA224 not recommended. */
	parse_bad("key k { algorithm hmac-md5; secret \"" SECRET_B64 "\"; };", NULL, DV_ENOTSUP,
	          "hmac-md5 is refused (RFC 8945 §6");
	parse_bad("key k { algorithm HMAC-MD5.SIG-ALG.REG.INT; secret \"" SECRET_B64 "\"; };", NULL,
	          DV_ENOTSUP, "refused");
	parse_bad("key k { algorithm hmac-sha1; secret \"" SECRET_B64 "\"; };", NULL, DV_ENOTSUP,
	          "hmac-sha1 is refused");
	parse_bad("key:\n  - id: k\n    algorithm: hmac-sha224\n    secret: " SECRET_B64 "\n", NULL,
	          DV_ENOTSUP, "hmac-sha224 is refused");
	/* Without an algorithm both BIND and Knot would use hmac-md5. */
	parse_bad("key k { secret \"" SECRET_B64 "\"; };", NULL, DV_ENOTSUP, "names no algorithm");
	parse_bad("key k { algorithm hmac-sha256-128; secret \"" SECRET_B64 "\"; };", NULL,
	          DV_ENOTSUP, "unsupported algorithm");
}

static void test_tsig_malformed(void **state)
{
	parse_bad("", NULL, DV_EPARSE, "no key statement");
	parse_bad("# only a comment\n", NULL, DV_EPARSE, "no key statement");
	parse_bad("options { };", NULL, DV_EPARSE, "line 1: expected a 'key' statement");
	parse_bad("key k {\n algorithm hmac-sha256\n secret \"x\"; };", NULL, DV_EPARSE,
	          "line 3: expected ';'");
	parse_bad("key k {\n secret \"abc\n\"; };", NULL, DV_EPARSE, "line 2: unterminated string");
	parse_bad("key k { algorithm hmac-sha256; secret \"" SECRET_B64 "\"; }", NULL, DV_EPARSE,
	          "expected ';' after '}'");
	parse_bad("key k { algorithm hmac-sha256; algorithm hmac-sha256; };", NULL, DV_EPARSE,
	          "given twice");
	parse_bad("key k { algorithm hmac-sha256; secret \"!!notbase64!!\"; };", NULL, DV_EPARSE,
	          "the secret is not valid base64");
	parse_bad("key k { algorithm hmac-sha256; secret \"\"; };", NULL, DV_EPARSE,
	          "has no secret");
	parse_bad("key { algorithm hmac-sha256; };", NULL, DV_EPARSE, "expected the key name");
	parse_bad("key k { colour blue; };", NULL, DV_EPARSE, "unknown key clause 'colour'");
	parse_bad("key k\x01 { };", NULL, DV_EPARSE, "control or non-ASCII");
	parse_bad("key k { /* unterminated", NULL, DV_EPARSE, "expected 'algorithm'");

	/* A name longer than a domain name may be. */
	char longname[1500];
	int n = snprintf(longname, sizeof(longname), "key \"");
	for (int i = 0; i < 30; i++) {
		n += snprintf(longname + n, sizeof(longname) - (size_t)n, "abcdefghij.");
	}
	snprintf(longname + n, sizeof(longname) - (size_t)n,
	         "\" { algorithm hmac-sha256; secret \"" SECRET_B64 "\"; };");
	parse_bad(longname, NULL, DV_EPARSE, "not a valid domain name");

	/* A NUL byte and an oversized file. */
	dv_tsig_key_t *k = NULL;
	char err[256];
	assert_int_equal(dv_tsig_key_parse("key\0k", 5, NULL, &k, err, sizeof(err)), DV_EPARSE);
	char *big = malloc(DV_TSIG_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', DV_TSIG_FILE_MAX + 1);
	assert_int_equal(dv_tsig_key_parse(big, DV_TSIG_FILE_MAX + 1, NULL, &k, err, sizeof(err)),
	                 DV_ELIMIT);
	free(big);
	/* 65 key statements: one too many. */
	char *many = malloc(65 * 80);
	assert_non_null(many);
	size_t m = 0;
	for (int i = 0; i < 65; i++) {
		m += (size_t)snprintf(many + m, 65 * 80 - m,
		                      "key k%d { algorithm hmac-sha256; secret \"AAAA\"; };\n", i);
	}
	assert_int_equal(dv_tsig_key_parse(many, m, "k1", &k, err, sizeof(err)), DV_ELIMIT);
	free(many);
	assert_int_equal(dv_tsig_key_load("/nonexistent/key", NULL, &k, err, sizeof(err)), DV_EIO);
	assert_non_null(strstr(err, "/nonexistent/key"));
	assert_int_equal(dv_tsig_key_load("/", NULL, &k, err, sizeof(err)), DV_EIO);
}

/* --- records for the IXFR and stream tests ---------------------------------------- */

typedef struct {
	uint8_t owner[KNOT_DNAME_MAXLEN];
	uint8_t rdata[300];
	dv_xfr_rr_t rr;
} rec_t;

static void rec_soa(rec_t *r, const char *owner, uint32_t serial)
{
	memset(r, 0, sizeof(*r));
	assert_non_null(knot_dname_from_str(r->owner, owner, sizeof(r->owner)));
	uint8_t *p = r->rdata;
	int n = knot_dname_to_wire(p,
	                           (const uint8_t *)"\x02ns\x04jain\x02"
	                                            "ad\x02jp",
	                           64);
	p += n;
	n = knot_dname_to_wire(p,
	                       (const uint8_t *)"\x05mohta\x04jain\x02"
	                                        "ad\x02jp",
	                       64);
	p += n;
	uint32_t v[5] = {serial, 600, 600, 3600000, 604800};
	for (int i = 0; i < 5; i++) {
		*p++ = (uint8_t)(v[i] >> 24);
		*p++ = (uint8_t)(v[i] >> 16);
		*p++ = (uint8_t)(v[i] >> 8);
		*p++ = (uint8_t)v[i];
	}
	r->rr = (dv_xfr_rr_t){.owner = r->owner,
	                      .type = KNOT_RRTYPE_SOA,
	                      .rclass = KNOT_CLASS_IN,
	                      .ttl = 3600,
	                      .rdlen = (uint16_t)(p - r->rdata),
	                      .rdata = r->rdata};
}

static void rec_a(rec_t *r, const char *owner, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(r, 0, sizeof(*r));
	assert_non_null(knot_dname_from_str(r->owner, owner, sizeof(r->owner)));
	r->rdata[0] = a;
	r->rdata[1] = b;
	r->rdata[2] = c;
	r->rdata[3] = d;
	r->rr = (dv_xfr_rr_t){.owner = r->owner,
	                      .type = KNOT_RRTYPE_A,
	                      .rclass = KNOT_CLASS_IN,
	                      .ttl = 3600,
	                      .rdlen = 4,
	                      .rdata = r->rdata};
}

/* A record by table: 'S' = the apex SOA with serial v, 'A' = owner A v (host order). */
typedef struct {
	char kind;
	const char *owner;
	uint32_t v;
} spec_t;

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))
#define APEX           "JAIN.AD.JP."

static void rec_make(rec_t *r, const spec_t *sp)
{
	if (sp->kind == 'S') {
		rec_soa(r, sp->owner != NULL ? sp->owner : APEX, sp->v);
	} else {
		rec_a(r, sp->owner, (uint8_t)(sp->v >> 24), (uint8_t)(sp->v >> 16),
		      (uint8_t)(sp->v >> 8), (uint8_t)sp->v);
	}
}

/* --- the IXFR difference model ------------------------------------------------------ */

/* RFC 1995 §7: JAIN.AD.JP. from serial 1 to 3, one step per version. */
static const spec_t RFC1995_FULL[] = {
    {'S', NULL, 3},
    {'S', NULL, 1},
    {'A', "NEZU.JAIN.AD.JP.", IP(133, 69, 136, 5)},
    {'S', NULL, 2},
    {'A', "JAIN-BB.JAIN.AD.JP.", IP(133, 69, 136, 4)},
    {'A', "JAIN-BB.JAIN.AD.JP.", IP(192, 41, 197, 2)},
    {'S', NULL, 2},
    {'A', "JAIN-BB.JAIN.AD.JP.", IP(133, 69, 136, 4)},
    {'S', NULL, 3},
    {'A', "JAIN-BB.JAIN.AD.JP.", IP(133, 69, 136, 3)},
    {'S', NULL, 3},
};

/* RFC 1995 §7: the same change condensed into one step. */
static const spec_t RFC1995_CONDENSED[] = {
    {'S', NULL, 3},
    {'S', NULL, 1},
    {'A', "NEZU.JAIN.AD.JP.", IP(133, 69, 136, 5)},
    {'S', NULL, 3},
    {'A', "JAIN-BB.JAIN.AD.JP.", IP(133, 69, 136, 3)},
    {'A', "JAIN-BB.JAIN.AD.JP.", IP(192, 41, 197, 2)},
    {'S', NULL, 3},
};

/* Feed specs[1..] after specs[0] (the server's SOA); returns the last push result
 * and the 1-based record number it was for. */
static int ixfr_run(uint32_t from, const spec_t *specs, size_t n, const dv_ixfr_limits_t *lim,
                    dv_ixfr_t **out, size_t *at)
{
	rec_t r;
	rec_make(&r, &specs[0]);
	assert_int_equal(dv_ixfr_new(from, &r.rr, lim, out), DV_OK);
	int ret = DV_OK;
	for (size_t i = 1; i < n; i++) {
		rec_make(&r, &specs[i]);
		ret = dv_ixfr_push(*out, &r.rr);
		*at = i + 1;
		if (ret != DV_OK) {
			break;
		}
	}
	return ret;
}

static void assert_a(const dv_xfr_rr_t *rr, const char *owner, uint32_t ip)
{
	uint8_t want[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(want, owner, sizeof(want)));
	assert_true(knot_dname_is_case_equal(rr->owner, want));
	assert_int_equal(rr->type, KNOT_RRTYPE_A);
	assert_int_equal(rr->rdlen, 4);
	uint32_t got = ((uint32_t)rr->rdata[0] << 24) | ((uint32_t)rr->rdata[1] << 16) |
	               ((uint32_t)rr->rdata[2] << 8) | rr->rdata[3];
	assert_int_equal(got, ip);
}

static void test_ixfr_rfc1995(void **state)
{
	dv_ixfr_t *ix = NULL;
	size_t at = 0;
	size_t n = sizeof(RFC1995_FULL) / sizeof(RFC1995_FULL[0]);
	assert_int_equal(ixfr_run(1, RFC1995_FULL, n, NULL, &ix, &at), 1);
	assert_int_equal(at, n);
	assert_true(dv_ixfr_complete(ix));
	assert_int_equal(dv_ixfr_from_serial(ix), 1);
	assert_int_equal(dv_ixfr_to_serial(ix), 3);
	assert_int_equal(dv_ixfr_step_count(ix), 2);
	const dv_ixfr_step_t *s1 = dv_ixfr_step(ix, 0);
	assert_int_equal(s1->old_serial, 1);
	assert_int_equal(s1->new_serial, 2);
	assert_int_equal(s1->removed_count, 1);
	assert_a(&s1->removed[0], "NEZU.JAIN.AD.JP.", IP(133, 69, 136, 5));
	assert_int_equal(s1->added_count, 2);
	assert_a(&s1->added[0], "JAIN-BB.JAIN.AD.JP.", IP(133, 69, 136, 4));
	assert_a(&s1->added[1], "JAIN-BB.JAIN.AD.JP.", IP(192, 41, 197, 2));
	assert_int_equal(s1->old_soa.type, KNOT_RRTYPE_SOA);
	assert_int_equal(s1->new_soa.type, KNOT_RRTYPE_SOA);
	const dv_ixfr_step_t *s2 = dv_ixfr_step(ix, 1);
	assert_int_equal(s2->old_serial, 2);
	assert_int_equal(s2->new_serial, 3);
	assert_int_equal(s2->removed_count, 1);
	assert_a(&s2->removed[0], "JAIN-BB.JAIN.AD.JP.", IP(133, 69, 136, 4));
	assert_int_equal(s2->added_count, 1);
	assert_a(&s2->added[0], "JAIN-BB.JAIN.AD.JP.", IP(133, 69, 136, 3));
	assert_null(dv_ixfr_step(ix, 2));
	assert_string_equal(dv_ixfr_error(ix), "");
	/* Nothing more is taken after the closing SOA. */
	rec_t r;
	rec_soa(&r, APEX, 3);
	assert_int_equal(dv_ixfr_push(ix, &r.rr), DV_EINVAL);
	dv_ixfr_free(ix);

	n = sizeof(RFC1995_CONDENSED) / sizeof(RFC1995_CONDENSED[0]);
	assert_int_equal(ixfr_run(1, RFC1995_CONDENSED, n, NULL, &ix, &at), 1);
	assert_int_equal(dv_ixfr_step_count(ix), 1);
	s1 = dv_ixfr_step(ix, 0);
	assert_int_equal(s1->old_serial, 1);
	assert_int_equal(s1->new_serial, 3);
	assert_int_equal(s1->removed_count, 1);
	assert_int_equal(s1->added_count, 2);
	assert_a(&s1->added[1], "JAIN-BB.JAIN.AD.JP.", IP(192, 41, 197, 2));
	dv_ixfr_free(ix);
}

static void test_ixfr_wrap(void **state)
{
	/* RFC 1982: 4294967295 -> 0 -> 5 moves forward. */
	static const spec_t wrap[] = {
	    {'S', NULL, 5}, {'S', NULL, 0xffffffffu}, {'S', NULL, 0}, {'A', "x.jain.ad.jp.", 1},
	    {'S', NULL, 0}, {'S', NULL, 5},           {'S', NULL, 5},
	};
	dv_ixfr_t *ix = NULL;
	size_t at = 0;
	assert_int_equal(ixfr_run(0xffffffffu, wrap, 7, NULL, &ix, &at), 1);
	assert_int_equal(dv_ixfr_step_count(ix), 2);
	assert_int_equal(dv_ixfr_step(ix, 0)->new_serial, 0);
	assert_int_equal(dv_ixfr_step(ix, 0)->added_count, 1);
	assert_int_equal(dv_ixfr_step(ix, 1)->removed_count, 0);
	dv_ixfr_free(ix);
}

/* Broken sequences: the error, naming the record (and the step). */
static const struct {
	const char *what;
	uint32_t from;
	spec_t specs[8];
	size_t n;
	size_t at;
	int ret;
	const char *err;
} ixfr_bad[] = {
    {"chain broken",
     1,
     {{'S', NULL, 3}, {'S', NULL, 1}, {'S', NULL, 2}, {'S', NULL, 4}, {'S', NULL, 3}},
     5,
     4,
     DV_EPARSE,
     "record 4: step 2 starts at serial 4, but step 1 ended at serial 2"},
    {"not from the client's serial",
     1,
     {{'S', NULL, 3}, {'S', NULL, 2}, {'S', NULL, 3}, {'S', NULL, 3}},
     4,
     2,
     DV_EPARSE,
     "record 2: the first step starts at serial 2, but the query asked for"},
    {"step backwards",
     5,
     {{'S', NULL, 9}, {'S', NULL, 5}, {'S', NULL, 4}},
     3,
     3,
     DV_EPARSE,
     "record 3: step 1 goes from serial 5 to 4, which is not forward"},
    {"step to itself",
     5,
     {{'S', NULL, 9}, {'S', NULL, 5}, {'S', NULL, 5}},
     3,
     3,
     DV_EPARSE,
     "not forward"},
    {"step 2^31 away",
     0,
     {{'S', NULL, 0x80000000u}, {'S', NULL, 0}, {'S', NULL, 0x80000000u}},
     3,
     3,
     DV_EPARSE,
     "not forward"},
    {"beyond the server",
     1,
     {{'S', NULL, 3}, {'S', NULL, 1}, {'S', NULL, 4}},
     3,
     3,
     DV_EPARSE,
     "record 3: step 1 ends at serial 4, beyond the server's serial 3"},
    {"record where a step's SOA belongs",
     1,
     {{'S', NULL, 3}, {'A', "a.jain.ad.jp.", 1}},
     2,
     2,
     DV_EPARSE,
     "record 2: expected the SOA that opens step 1"},
    {"SOA off the apex",
     1,
     {{'S', NULL, 3}, {'S', "sub.jain.ad.jp.", 1}},
     2,
     2,
     DV_EPARSE,
     "record 2: SOA not at the zone apex"},
    {"closing SOA differs",
     1,
     {{'S', NULL, 3}, {'S', NULL, 1}, {'S', NULL, 3}, {'A', "a.jain.ad.jp.", 1}, {'S', NULL, 2}},
     5,
     5,
     DV_EPARSE,
     "record 5: the closing SOA (serial 2) differs from the server's SOA"},
};

static void test_ixfr_bad(void **state)
{
	for (size_t i = 0; i < sizeof(ixfr_bad) / sizeof(ixfr_bad[0]); i++) {
		dv_ixfr_t *ix = NULL;
		size_t at = 0;
		int r =
		    ixfr_run(ixfr_bad[i].from, ixfr_bad[i].specs, ixfr_bad[i].n, NULL, &ix, &at);
		if (r != ixfr_bad[i].ret || at != ixfr_bad[i].at ||
		    strstr(dv_ixfr_error(ix), ixfr_bad[i].err) == NULL) {
			print_error("%s: got %d at record %zu '%s'\n", ixfr_bad[i].what, r, at,
			            dv_ixfr_error(ix));
		}
		assert_int_equal(r, ixfr_bad[i].ret);
		assert_int_equal(at, ixfr_bad[i].at);
		assert_non_null(strstr(dv_ixfr_error(ix), ixfr_bad[i].err));
		assert_false(dv_ixfr_complete(ix));
		/* Nothing more is taken after an error. */
		rec_t rr;
		rec_soa(&rr, APEX, 3);
		assert_int_equal(dv_ixfr_push(ix, &rr.rr), DV_EINVAL);
		dv_ixfr_free(ix);
	}
	/* A closing SOA with the right serial but other RDATA. */
	dv_ixfr_t *ix = NULL;
	rec_t r;
	rec_soa(&r, APEX, 3);
	assert_int_equal(dv_ixfr_new(1, &r.rr, NULL, &ix), DV_OK);
	rec_soa(&r, APEX, 1);
	assert_int_equal(dv_ixfr_push(ix, &r.rr), DV_OK);
	rec_soa(&r, APEX, 3);
	assert_int_equal(dv_ixfr_push(ix, &r.rr), DV_OK);
	rec_soa(&r, APEX, 3);
	r.rdata[r.rr.rdlen - 1] ^= 1; /* another MINIMUM */
	assert_int_equal(dv_ixfr_push(ix, &r.rr), DV_EPARSE);
	assert_non_null(strstr(dv_ixfr_error(ix), "record 4: the closing SOA"));
	dv_ixfr_free(ix);
	/* A malformed SOA. */
	rec_soa(&r, APEX, 3);
	assert_int_equal(dv_ixfr_new(1, &r.rr, NULL, &ix), DV_OK);
	r.rr.rdlen = 10;
	assert_int_equal(dv_ixfr_push(ix, &r.rr), DV_EPARSE);
	assert_non_null(strstr(dv_ixfr_error(ix), "record 2: malformed SOA"));
	dv_ixfr_free(ix);
	r.rr.rdlen = 10;
	assert_int_equal(dv_ixfr_new(1, &r.rr, NULL, &ix), DV_EPARSE);
}

static void test_ixfr_limits(void **state)
{
	dv_ixfr_t *ix = NULL;
	size_t at = 0;
	size_t n = sizeof(RFC1995_FULL) / sizeof(RFC1995_FULL[0]);
	dv_ixfr_limits_t steps = {.max_steps = 1};
	assert_int_equal(ixfr_run(1, RFC1995_FULL, n, &steps, &ix, &at), DV_ELIMIT);
	assert_int_equal(at, 7);
	assert_non_null(strstr(dv_ixfr_error(ix), "more than 1 version steps"));
	dv_ixfr_free(ix);
	dv_ixfr_limits_t recs = {.max_records = 3};
	assert_int_equal(ixfr_run(1, RFC1995_FULL, n, &recs, &ix, &at), DV_ELIMIT);
	assert_int_equal(at, 8);
	dv_ixfr_free(ix);
	dv_ixfr_limits_t bytes = {.max_bytes = 200};
	assert_int_equal(ixfr_run(1, RFC1995_FULL, n, &bytes, &ix, &at), DV_ELIMIT);
	assert_non_null(strstr(dv_ixfr_error(ix), "bytes of differences"));
	dv_ixfr_free(ix);
}

/* --- the message stream ------------------------------------------------------------- */

#define QID 0x4242

typedef struct {
	uint8_t wire[65535];
	size_t len;
} msg_t;

typedef struct {
	uint64_t delivered, messages;
	int stop_at;
	uint32_t first_type;
} sink_t;

static int sink_cb(void *ctx, const dv_xfr_msg_t *m)
{
	sink_t *s = ctx;
	if (s->delivered == 0 && m->count > 0) {
		s->first_type = m->rrs[0].type;
	}
	s->delivered += m->count;
	s->messages++;
	return s->stop_at != 0 && (int)m->index >= s->stop_at;
}

/* A server message: header (ID, QR, AA, rcode), the question (zone, qtype) when
 * question is set, then the records. */
static void msg_build(msg_t *m, uint16_t id, bool question, uint16_t qtype, uint8_t rcode,
                      const spec_t *specs, size_t n)
{
	knot_pkt_t *pkt = knot_pkt_new(m->wire, sizeof(m->wire), NULL);
	assert_non_null(pkt);
	knot_pkt_clear(pkt); /* over caller memory, knot_pkt_new leaves it as "received" */
	memset(pkt->wire, 0, KNOT_WIRE_HEADER_SIZE);
	knot_wire_set_id(pkt->wire, id);
	knot_wire_set_qr(pkt->wire);
	knot_wire_set_aa(pkt->wire);
	knot_wire_set_rcode(pkt->wire, rcode);
	if (question) {
		uint8_t zone[KNOT_DNAME_MAXLEN];
		assert_non_null(knot_dname_from_str(zone, APEX, sizeof(zone)));
		assert_int_equal(knot_pkt_put_question(pkt, zone, KNOT_CLASS_IN, qtype), KNOT_EOK);
	}
	assert_int_equal(knot_pkt_begin(pkt, KNOT_ANSWER), KNOT_EOK);
	for (size_t i = 0; i < n; i++) {
		rec_t r;
		rec_make(&r, &specs[i]);
		knot_rrset_t set;
		knot_rrset_init(&set, r.owner, r.rr.type, r.rr.rclass, r.rr.ttl);
		assert_int_equal(knot_rrset_add_rdata(&set, r.rdata, r.rr.rdlen, NULL), KNOT_EOK);
		assert_int_equal(knot_pkt_put(pkt, 0, &set, 0), KNOT_EOK);
		knot_rdataset_clear(&set.rrs, NULL); /* the wire is written already */
	}
	m->len = pkt->size;
	knot_pkt_free(pkt);
}

typedef struct {
	dv_xfr_req_t req;
	xfr_stream_t st;
	dv_xfr_result_t res;
	sink_t sink;
	uint8_t mac[DV_XFR_MAC_MAX];
	size_t mac_len;
	uint8_t query[DV_XFR_QUERY_MAX];
	size_t qlen;
} run_t;

static void run_init(run_t *t, enum dv_xfr_type type, uint32_t serial, const dv_tsig_key_t *key)
{
	memset(t, 0, sizeof(*t));
	assert_non_null(knot_dname_from_str(t->req.zone, APEX, sizeof(t->req.zone)));
	t->req.type = type;
	t->req.serial = serial;
	t->req.tsig = key;
	assert_int_equal(dv_xfr_query_build(&t->req, QID, t->query, sizeof(t->query), &t->qlen,
	                                    t->mac, &t->mac_len),
	                 DV_OK);
	assert_int_equal(
	    xfr_stream_init(&t->st, &t->req, QID, t->mac, t->mac_len, sink_cb, &t->sink), DV_OK);
}

static void run_clear(run_t *t)
{
	xfr_stream_clear(&t->st);
	dv_ixfr_free(t->res.ixfr);
}

static const spec_t ZONE_HEAD[] = {
    {'S', NULL, 7},
    {'A', "ns.jain.ad.jp.", IP(192, 0, 2, 1)},
    {'A', "www.jain.ad.jp.", IP(192, 0, 2, 2)},
};
static const spec_t ZONE_TAIL[] = {
    {'A', "mail.jain.ad.jp.", IP(192, 0, 2, 3)},
    {'S', NULL, 7},
};

static void test_query_build(void **state)
{
	dv_xfr_req_t req;
	memset(&req, 0, sizeof(req));
	assert_non_null(knot_dname_from_str(req.zone, "example.", sizeof(req.zone)));
	req.type = DV_XFR_IXFR;
	req.serial = 0x01020304;
	uint8_t q[DV_XFR_QUERY_MAX];
	size_t len = 0;
	assert_int_equal(dv_xfr_query_build(&req, 7, q, sizeof(q), &len, NULL, NULL), DV_OK);
	knot_pkt_t *pkt = knot_pkt_new(q, (uint16_t)len, NULL);
	assert_int_equal(knot_pkt_parse(pkt, 0), KNOT_EOK);
	assert_int_equal(knot_wire_get_id(q), 7);
	assert_false(knot_wire_get_rd(q));
	assert_int_equal(knot_pkt_qtype(pkt), KNOT_RRTYPE_IXFR);
	/* RFC 1995 §3: the client's SOA in the authority section. */
	const knot_pktsection_t *ns = knot_pkt_section(pkt, KNOT_AUTHORITY);
	assert_int_equal(ns->count, 1);
	const knot_rrset_t *soa = knot_pkt_rr(ns, 0);
	assert_int_equal(soa->type, KNOT_RRTYPE_SOA);
	assert_int_equal(knot_soa_serial(soa->rrs.rdata), 0x01020304);
	knot_pkt_free(pkt);
	req.type = 99;
	assert_int_equal(dv_xfr_query_build(&req, 7, q, sizeof(q), &len, NULL, NULL), DV_EINVAL);
}

static void test_stream_axfr(void **state)
{
	run_t t;
	msg_t m;
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_AXFR, 0, ZONE_HEAD, 3);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_MORE);
	assert_int_equal(t.res.kind, DV_XFR_KIND_FULL);
	/* RFC 5936 §2.2.1: later messages may leave the question out. */
	msg_build(&m, QID, false, KNOT_RRTYPE_AXFR, 0, ZONE_TAIL, 2);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_DONE);
	assert_int_equal(t.res.status, DV_OK);
	assert_int_equal(t.res.serial, 7);
	assert_int_equal(t.res.messages, 2);
	assert_int_equal(t.res.records, 5);
	/* Every record once, the closing SOA left out, the SOA first. */
	assert_int_equal(t.sink.delivered, 4);
	assert_int_equal(t.sink.first_type, KNOT_RRTYPE_SOA);
	assert_false(t.res.tsig_verified);
	/* Nothing is taken after the end. */
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_EPARSE);
	assert_non_null(strstr(t.res.detail, "message 3: a message after the end"));
	run_clear(&t);

	/* The whole zone in one message. */
	static const spec_t one[] = {{'S', NULL, 7}, {'A', "a.jain.ad.jp.", 1}, {'S', NULL, 7}};
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_AXFR, 0, one, 3);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_DONE);
	assert_int_equal(t.sink.delivered, 2);
	run_clear(&t);
}

/* One broken stream: messages 1 (ZONE_HEAD, question) then the given one. */
typedef void (*mangle_fn)(msg_t *m);
static void wrong_id(msg_t *m)
{
	knot_wire_set_id(m->wire, QID + 1);
}
static void set_tc(msg_t *m)
{
	knot_wire_set_tc(m->wire);
}
static void not_qr(msg_t *m)
{
	knot_wire_clear_qr(m->wire);
}
static void refused(msg_t *m)
{
	knot_wire_set_rcode(m->wire, KNOT_RCODE_SERVFAIL);
}
static void cut(msg_t *m)
{
	m->len -= 3;
}

static void stream_bad(const spec_t *second, size_t n2, bool q2, mangle_fn mangle, int want,
                       enum dv_xfr_failure fail, const char *detail)
{
	run_t t;
	msg_t m;
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_AXFR, 0, ZONE_HEAD, 3);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_MORE);
	msg_build(&m, QID, q2, KNOT_RRTYPE_AXFR, 0, second, n2);
	if (mangle != NULL) {
		mangle(&m);
	}
	int r = xfr_stream_message(&t.st, m.wire, m.len, &t.res);
	if (r != want || t.res.failure != fail || strstr(t.res.detail, detail) == NULL) {
		print_error("got %d %s '%s', wanted %s '%s'\n", r,
		            dv_xfr_failure_name(t.res.failure), t.res.detail,
		            dv_xfr_failure_name(fail), detail);
	}
	assert_int_equal(r, want);
	assert_int_equal(t.res.failure, fail);
	assert_non_null(strstr(t.res.detail, detail));
	/* Once failed, always failed. */
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), want);
	run_clear(&t);
}

static void test_stream_bad(void **state)
{
	stream_bad(ZONE_TAIL, 2, false, wrong_id, DV_EPARSE, DV_XFR_MALFORMED,
	           "message 2: ID 16963, the query's was 16962");
	stream_bad(ZONE_TAIL, 2, false, set_tc, DV_EPARSE, DV_XFR_MALFORMED, "message 2: TC set");
	stream_bad(ZONE_TAIL, 2, false, not_qr, DV_EPARSE, DV_XFR_MALFORMED,
	           "message 2: not a response");
	stream_bad(ZONE_TAIL, 2, false, refused, DV_ENET, DV_XFR_REFUSED,
	           "message 2: the server answered SERVFAIL");
	stream_bad(ZONE_TAIL, 2, false, cut, DV_EPARSE, DV_XFR_MALFORMED,
	           "message 2: does not parse");
	static const spec_t other_serial[] = {{'S', NULL, 8}};
	stream_bad(other_serial, 1, false, NULL, DV_EPARSE, DV_XFR_MALFORMED,
	           "message 2, record 1 (JAIN.AD.JP. SOA): the closing SOA (serial 8) differs from "
	           "the opening one (serial 7)");
	static const spec_t after[] = {{'S', NULL, 7}, {'A', "late.jain.ad.jp.", 1}};
	stream_bad(after, 2, false, NULL, DV_EPARSE, DV_XFR_MALFORMED,
	           "message 2, record 2 (late.jain.ad.jp. A): a record after the closing SOA");
	static const spec_t outside[] = {{'A', "www.example.", 1}};
	stream_bad(outside, 1, false, NULL, DV_EPARSE, DV_XFR_MALFORMED,
	           "message 2, record 1 (www.example. A): outside the zone");
	static const spec_t sub_soa[] = {{'S', "sub.jain.ad.jp.", 7}};
	stream_bad(sub_soa, 1, false, NULL, DV_EPARSE, DV_XFR_MALFORMED, "SOA below the zone apex");

	/* The question of another zone; a first message without the SOA or without question. */
	run_t t;
	msg_t m;
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_IXFR, 0, ZONE_HEAD, 3);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_EPARSE);
	assert_non_null(strstr(t.res.detail, "message 1: the question is not the one asked"));
	run_clear(&t);
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_AXFR, 0, ZONE_TAIL, 2);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_EPARSE);
	assert_non_null(strstr(t.res.detail, "message 1, record 1 (mail.JAIN.AD.JP. A): the answer "
	                                     "must open with the zone's SOA"));
	run_clear(&t);
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	msg_build(&m, QID, false, KNOT_RRTYPE_AXFR, 0, ZONE_HEAD, 3);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_EPARSE);
	assert_non_null(strstr(t.res.detail, "message 1: no question"));
	run_clear(&t);
	/* NOTAUTH / REFUSED in the first message: refused, with the RCODE. */
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_AXFR, KNOT_RCODE_NOTAUTH, NULL, 0);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_ENET);
	assert_int_equal(t.res.failure, DV_XFR_REFUSED);
	assert_int_equal(t.res.rcode, KNOT_RCODE_NOTAUTH);
	run_clear(&t);
	/* An empty NOERROR answer. */
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_AXFR, 0, NULL, 0);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_EPARSE);
	assert_non_null(strstr(t.res.detail, "message 1: an empty answer"));
	run_clear(&t);
	/* A runt. */
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, 5, &t.res), DV_EPARSE);
	assert_non_null(strstr(t.res.detail, "5 bytes, not a DNS message"));
	run_clear(&t);
}

static void test_stream_eof_limits_abort(void **state)
{
	run_t t;
	msg_t m;
	/* The connection closes after message 1. */
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_AXFR, 0, ZONE_HEAD, 3);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_MORE);
	assert_int_equal(xfr_stream_eof(&t.st, &t.res), DV_ENET);
	assert_int_equal(t.res.failure, DV_XFR_TRUNCATED);
	assert_non_null(strstr(t.res.detail, "after message 1, before the closing SOA"));
	run_clear(&t);
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	assert_int_equal(xfr_stream_eof(&t.st, &t.res), DV_ENET);
	assert_non_null(strstr(t.res.detail, "without answering"));
	run_clear(&t);

	/* Ceilings: records, messages, bytes. */
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	t.st.limits.max_records = 4;
	msg_build(&m, QID, true, KNOT_RRTYPE_AXFR, 0, ZONE_HEAD, 3);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_MORE);
	msg_build(&m, QID, false, KNOT_RRTYPE_AXFR, 0, ZONE_TAIL, 2);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_ELIMIT);
	assert_int_equal(t.res.failure, DV_XFR_LIMIT);
	assert_non_null(strstr(t.res.detail, "more than 4 records"));
	run_clear(&t);
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	t.st.limits.max_messages = 1;
	msg_build(&m, QID, true, KNOT_RRTYPE_AXFR, 0, ZONE_HEAD, 3);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_MORE);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_ELIMIT);
	assert_non_null(strstr(t.res.detail, "more than 1 messages"));
	run_clear(&t);
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	t.st.limits.max_bytes = 40;
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_ELIMIT);
	assert_non_null(strstr(t.res.detail, "more than 40 bytes"));
	run_clear(&t);

	/* The consumer stops the transfer. */
	run_init(&t, DV_XFR_AXFR, 0, NULL);
	t.sink.stop_at = 1;
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_EINVAL);
	assert_int_equal(t.res.failure, DV_XFR_ABORTED);
	run_clear(&t);
}

static void test_stream_ixfr(void **state)
{
	run_t t;
	msg_t m;
	/* RFC 1995 §7 over two messages, split inside the first step. */
	run_init(&t, DV_XFR_IXFR, 1, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_IXFR, 0, RFC1995_FULL, 5);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_MORE);
	assert_int_equal(t.res.kind, DV_XFR_KIND_DIFF);
	msg_build(&m, QID, false, KNOT_RRTYPE_IXFR, 0, RFC1995_FULL + 5, 6);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_DONE);
	assert_non_null(t.res.ixfr);
	assert_int_equal(dv_ixfr_step_count(t.res.ixfr), 2);
	assert_int_equal(t.sink.delivered, 0); /* differences are not zone records */
	assert_false(t.res.up_to_date);
	run_clear(&t);

	/* The difference sequence broken in message 2: named by message and record. */
	static const spec_t broken[] = {{'S', NULL, 2}, {'S', NULL, 3}, {'S', NULL, 3}};
	run_init(&t, DV_XFR_IXFR, 1, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_IXFR, 0, RFC1995_FULL, 2);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_MORE);
	msg_build(&m, QID, false, KNOT_RRTYPE_IXFR, 0, broken, 3);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_EPARSE);
	assert_non_null(strstr(t.res.detail, "message 2, record 2 (JAIN.AD.JP. SOA): record 4: "
	                                     "step 2 starts at serial 3, but step 1 ended "
	                                     "at serial 2"));
	assert_null(t.res.ixfr);
	run_clear(&t);

	/* Up to date: the server's SOA alone. */
	static const spec_t soa_only[] = {{'S', NULL, 3}};
	run_init(&t, DV_XFR_IXFR, 3, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_IXFR, 0, soa_only, 1);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_DONE);
	assert_int_equal(t.res.kind, DV_XFR_KIND_SOA);
	assert_true(t.res.up_to_date);
	assert_int_equal(t.res.serial, 3);
	run_clear(&t);
	/* The SOA alone, newer than ours: not up to date (fall back to AXFR). */
	run_init(&t, DV_XFR_IXFR, 2, NULL);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_DONE);
	assert_int_equal(t.res.kind, DV_XFR_KIND_SOA);
	assert_false(t.res.up_to_date);
	run_clear(&t);

	/* AXFR-style: the whole zone, the opening SOA handed on with the first record. */
	run_init(&t, DV_XFR_IXFR, 1, NULL);
	msg_build(&m, QID, true, KNOT_RRTYPE_IXFR, 0, ZONE_HEAD, 3);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_MORE);
	assert_int_equal(t.res.kind, DV_XFR_KIND_FULL);
	msg_build(&m, QID, false, KNOT_RRTYPE_IXFR, 0, ZONE_TAIL, 2);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), XFR_DONE);
	assert_int_equal(t.sink.delivered, 4);
	assert_int_equal(t.sink.first_type, KNOT_RRTYPE_SOA);
	run_clear(&t);
}

/* --- TSIG over the stream (RFC 8945 §5.3.1), signed here as a server signs --------- */

typedef struct {
	uint8_t prev[DV_XFR_MAC_MAX];
	size_t prev_len;
	uint8_t *cover; /* unsigned messages since the last signed one, then this one */
	size_t cover_len;
} signer_t;

static void sign_first(msg_t *m, const run_t *t, signer_t *sg, const knot_tsig_key_t *key)
{
	size_t dlen = sizeof(sg->prev);
	assert_int_equal(knot_tsig_sign(m->wire, &m->len, sizeof(m->wire), t->mac, t->mac_len,
	                                sg->prev, &dlen, key, 0, 0),
	                 KNOT_EOK);
	sg->prev_len = dlen;
}

static void cover_add(signer_t *sg, const msg_t *m)
{
	sg->cover = realloc(sg->cover, sg->cover_len + m->len);
	assert_non_null(sg->cover);
	memcpy(sg->cover + sg->cover_len, m->wire, m->len);
	sg->cover_len += m->len;
}

static void sign_next(msg_t *m, signer_t *sg, const knot_tsig_key_t *key)
{
	cover_add(sg, m);
	size_t dlen = sizeof(sg->prev);
	assert_int_equal(knot_tsig_sign_next(m->wire, &m->len, sizeof(m->wire), sg->prev,
	                                     sg->prev_len, sg->prev, &dlen, key, sg->cover,
	                                     sg->cover_len),
	                 KNOT_EOK);
	sg->prev_len = dlen;
	sg->cover_len = 0;
}

static dv_tsig_key_t *test_key(const char *secret)
{
	char text[256];
	snprintf(text, sizeof(text),
	         "key \"xfr.example.\" { algorithm hmac-sha256; secret \"%s\"; };", secret);
	return parse_ok(text, NULL);
}

/* Messages: 'F' first (signed), 'S' signed, 'U' unsigned; each holds one record,
 * the last one closes the zone. */
static int tsig_stream(const char *pattern, const dv_tsig_key_t *client,
                       const dv_tsig_key_t *server, int corrupt_at, run_t *t)
{
	signer_t sg = {0};
	size_t n = strlen(pattern);
	int r = XFR_MORE;
	run_init(t, DV_XFR_AXFR, 0, client);
	for (size_t i = 0; i < n && r == XFR_MORE; i++) {
		msg_t m;
		spec_t rec = {'A', "www.jain.ad.jp.", (uint32_t)i};
		if (i == 0) {
			rec = (spec_t){'S', NULL, 7};
		} else if (i == n - 1) {
			rec = (spec_t){'S', NULL, 7};
		}
		msg_build(&m, QID, i == 0, KNOT_RRTYPE_AXFR, 0, &rec, 1);
		if (pattern[i] == 'F') {
			sign_first(&m, t, &sg, &server->key);
		} else if (pattern[i] == 'S') {
			sign_next(&m, &sg, &server->key);
		} else {
			cover_add(&sg, &m);
		}
		if ((int)i + 1 == corrupt_at) {
			m.wire[KNOT_WIRE_HEADER_SIZE + 20] ^= 0x01; /* inside the record */
		}
		r = xfr_stream_message(&t->st, m.wire, m.len, &t->res);
	}
	free(sg.cover);
	return r;
}

static void test_stream_tsig(void **state)
{
	dv_tsig_key_t *key = test_key(SECRET_B64);
	dv_tsig_key_t *other = test_key("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	run_t t;

	/* Every message signed (Knot, BIND). */
	assert_int_equal(tsig_stream("FSS", key, key, 0, &t), XFR_DONE);
	assert_true(t.res.tsig_verified);
	assert_int_equal(t.res.tsig_signed, 3);
	run_clear(&t);
	/* Unsigned messages in between, covered by the next signed one (NSD). */
	assert_int_equal(tsig_stream("FUUUS", key, key, 0, &t), XFR_DONE);
	assert_true(t.res.tsig_verified);
	assert_int_equal(t.res.tsig_signed, 2);
	run_clear(&t);
	/* 99 unsigned in a row are allowed, the 100th is not. */
	char pat[120];
	memset(pat, 'U', sizeof(pat));
	pat[0] = 'F';
	pat[100] = 'S';
	pat[101] = '\0';
	assert_int_equal(tsig_stream(pat, key, key, 0, &t), XFR_DONE);
	run_clear(&t);
	pat[100] = 'U';
	pat[101] = 'S';
	pat[102] = '\0';
	assert_int_equal(tsig_stream(pat, key, key, 0, &t), DV_ECRYPTO);
	assert_non_null(strstr(t.res.detail, "message 101: 100 messages in a row without TSIG"));
	run_clear(&t);
	/* The last message unsigned. */
	assert_int_equal(tsig_stream("FSU", key, key, 0, &t), DV_ECRYPTO);
	assert_int_equal(t.res.failure, DV_XFR_TSIG_INVALID);
	assert_non_null(strstr(t.res.detail, "message 3: the last message is not TSIG-signed"));
	run_clear(&t);
	/* The first message unsigned. */
	assert_int_equal(tsig_stream("USS", key, key, 0, &t), DV_ECRYPTO);
	assert_non_null(strstr(t.res.detail, "message 1: not TSIG-signed"));
	run_clear(&t);
	/* A byte changed after signing: in a signed message, in an unsigned one. */
	assert_int_equal(tsig_stream("FSS", key, key, 2, &t), DV_ECRYPTO);
	assert_non_null(strstr(t.res.detail, "message 2: TSIG verification failed"));
	run_clear(&t);
	assert_int_equal(tsig_stream("FUUS", key, key, 3, &t), DV_ECRYPTO);
	assert_non_null(strstr(t.res.detail, "message 4: TSIG verification failed"));
	run_clear(&t);
	/* Signed with another secret. */
	assert_int_equal(tsig_stream("FS", key, other, 0, &t), DV_ECRYPTO);
	assert_non_null(strstr(t.res.detail, "message 1: TSIG verification failed"));
	run_clear(&t);

	/* The server rejects our key: NOTAUTH with TSIG error BADKEY (RFC 8945 §5.3.2). */
	run_init(&t, DV_XFR_AXFR, 0, key);
	knot_pkt_t *q = knot_pkt_new(t.query, (uint16_t)t.qlen, NULL);
	assert_int_equal(knot_pkt_parse(q, 0), KNOT_EOK);
	assert_non_null(q->tsig_rr);
	msg_t m;
	msg_build(&m, QID, true, KNOT_RRTYPE_AXFR, KNOT_RCODE_NOTAUTH, NULL, 0);
	assert_int_equal(
	    knot_tsig_add(m.wire, &m.len, sizeof(m.wire), KNOT_RCODE_BADKEY, q->tsig_rr), KNOT_EOK);
	knot_pkt_free(q);
	assert_int_equal(xfr_stream_message(&t.st, m.wire, m.len, &t.res), DV_ENET);
	assert_int_equal(t.res.failure, DV_XFR_TSIG_REJECTED);
	assert_int_equal(t.res.tsig_error, KNOT_RCODE_BADKEY);
	assert_non_null(strstr(t.res.detail, "BADKEY"));
	run_clear(&t);

	dv_tsig_key_free(key);
	dv_tsig_key_free(other);
}

static void never_done(void *ctx, const dv_xfr_req_t *req, dv_xfr_result_t *res)
{
	fail_msg("a transfer freed with the engine must not call back");
}

static void test_submit_free(void **state)
{
	dv_net_t *net = NULL;
	assert_int_equal(dv_net_new(NULL, &net), DV_OK);
	dv_xfr_req_t req;
	memset(&req, 0, sizeof(req));
	assert_non_null(knot_dname_from_str(req.zone, "example.", sizeof(req.zone)));
	req.type = DV_XFR_AXFR;
	/* No address family, no callback, no type: rejected. */
	assert_int_equal(dv_xfr_submit(net, &req, NULL, never_done, NULL), DV_EINVAL);
	assert_int_equal(dv_net_addr_parse("127.0.0.1@9", 53, &req.addr), DV_OK);
	assert_int_equal(dv_xfr_submit(net, &req, NULL, NULL, NULL), DV_EINVAL);
	req.type = 5;
	assert_int_equal(dv_xfr_submit(net, &req, NULL, never_done, NULL), DV_EINVAL);
	req.type = DV_XFR_IXFR;
	/* Started, never run: freeing the engine closes them without calling back (LSan checks). */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(dv_xfr_submit(net, &req, NULL, never_done, NULL), DV_OK);
	}
	dv_net_free(net);
	assert_string_equal(dv_xfr_failure_name(DV_XFR_TSIG_REJECTED), "tsig-rejected");
	assert_string_equal(dv_xfr_kind_name(DV_XFR_KIND_DIFF), "diff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_serial),
	    cmocka_unit_test(test_tsig_bind),
	    cmocka_unit_test(test_tsig_knot),
	    cmocka_unit_test(test_tsig_refused),
	    cmocka_unit_test(test_tsig_malformed),
	    cmocka_unit_test(test_ixfr_rfc1995),
	    cmocka_unit_test(test_ixfr_wrap),
	    cmocka_unit_test(test_ixfr_bad),
	    cmocka_unit_test(test_ixfr_limits),
	    cmocka_unit_test(test_query_build),
	    cmocka_unit_test(test_stream_axfr),
	    cmocka_unit_test(test_stream_bad),
	    cmocka_unit_test(test_stream_eof_limits_abort),
	    cmocka_unit_test(test_stream_ixfr),
	    cmocka_unit_test(test_stream_tsig),
	    cmocka_unit_test(test_submit_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
