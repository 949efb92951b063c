/*
 * Unit tests of the NSEC3 primitives: the RFC 5155 §5 hash (Appendix A
 * vectors), base32hex (RFC 4648 §7 and §10 vectors) and type bitmaps
 * (RFC 4034 §4.1.2, the §4.3 example).
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
#include "dnssec/dnssec.h"

static void hash_str(const char *name, uint8_t alg, uint16_t iter, const uint8_t *salt,
                     size_t saltlen, char *out, size_t outlen, int *ret)
{
	uint8_t wire[KNOT_DNAME_MAXLEN], h[DV_NSEC3_HASH_LEN];
	assert_non_null(knot_dname_from_str(wire, name, sizeof(wire)));
	*ret = dv_nsec3_hash(alg, iter, salt, saltlen, wire, h);
	out[0] = '\0';
	if (*ret == DV_OK)
		assert_int_equal(dv_base32hex_encode(h, sizeof(h), out, outlen), 32);
}

/* RFC 5155 Appendix A: salt aabbccdd, 12 additional iterations. */
static const struct {
	const char *name, *hash;
} rfc5155[] = {
    {"example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
    {"a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
    {"ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"},
    {"ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
    {"ns2.example.", "q04jkcevqvmu85r014c7dkba38o0ji5r"},
    {"w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h"},
    {"*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"},
    {"x.w.example.", "b4um86eghhds6nea196smvmlo4ors995"},
    {"y.w.example.", "ji6neoaepv8b5o6k4ev33abha8ht9fgc"},
    {"x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s"},
    {"xx.example.", "t644ebqk9bibcna874givr6joj62mlhv"},
    {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.", "kohar7mbb8dc2ce8a9qvl8hon4k53uhi"},
    /* Case does not matter: the name is hashed in canonical (lower) case. */
    {"EXAMPLE.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
    {"A.eXaMpLe.", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
};

static void test_hash_rfc5155(void **state)
{
	const uint8_t salt[] = {0xaa, 0xbb, 0xcc, 0xdd};
	for (size_t i = 0; i < sizeof(rfc5155) / sizeof(rfc5155[0]); i++) {
		char got[40];
		int ret;
		hash_str(rfc5155[i].name, 1, 12, salt, sizeof(salt), got, sizeof(got), &ret);
		assert_int_equal(ret, DV_OK);
		assert_string_equal(got, rfc5155[i].hash);
	}
}

/* RFC 9276 parameters (no salt, no extra iteration); values computed with an
 * independent implementation (Python hashlib). */
static void test_hash_no_salt(void **state)
{
	char got[40];
	int ret;
	hash_str("example.", 1, 0, NULL, 0, got, sizeof(got), &ret);
	assert_int_equal(ret, DV_OK);
	assert_string_equal(got, "3msev9usmd4br9s97v51r2tdvmr9iqo1");
	hash_str("a.example.", 1, 0, NULL, 0, got, sizeof(got), &ret);
	assert_string_equal(got, "6cd522290vma0nr8lqu1ivtcofj94rga");
	/* One more iteration changes the hash. */
	hash_str("example.", 1, 1, NULL, 0, got, sizeof(got), &ret);
	assert_int_equal(ret, DV_OK);
	assert_string_not_equal(got, "3msev9usmd4br9s97v51r2tdvmr9iqo1");
}

static void test_hash_errors(void **state)
{
	uint8_t h[DV_NSEC3_HASH_LEN];
	const uint8_t name[] = "\x07"
	                       "example";
	assert_int_equal(dv_nsec3_hash(2, 0, NULL, 0, name, h), DV_ENOTSUP);
	assert_int_equal(dv_nsec3_hash(0, 0, NULL, 0, name, h), DV_ENOTSUP);
	/* A label longer than 63 octets is not a name. */
	uint8_t bad[80];
	memset(bad, 'a', sizeof(bad));
	bad[0] = 64;
	bad[65] = 0;
	assert_int_equal(dv_nsec3_hash(1, 0, NULL, 0, bad, h), DV_EINVAL);
	/* A name longer than 255 octets. */
	uint8_t longname[300];
	for (size_t i = 0; i + 64 <= sizeof(longname); i += 64) {
		longname[i] = 63;
		memset(longname + i + 1, 'b', 63);
	}
	longname[256] = 0;
	assert_int_equal(dv_nsec3_hash(1, 0, NULL, 0, longname, h), DV_EINVAL);
	assert_int_equal(dv_nsec3_hash(1, 0, NULL, 1, name, h), DV_EINVAL); /* salt NULL */
}

/* RFC 4648 §10 base32hex vectors, without padding (as NSEC3 writes them). */
static const struct {
	const char *plain, *enc;
} b32[] = {
    {"", ""},
    {"f", "co"},
    {"fo", "cpng"},
    {"foo", "cpnmu"},
    {"foob", "cpnmuog"},
    {"fooba", "cpnmuoj1"},
    {"foobar", "cpnmuoj1e8"},
};

static void test_base32hex_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(b32) / sizeof(b32[0]); i++) {
		char enc[32];
		uint8_t dec[16];
		size_t plen = strlen(b32[i].plain);
		assert_int_equal(
		    dv_base32hex_encode((const uint8_t *)b32[i].plain, plen, enc, sizeof(enc)),
		    strlen(b32[i].enc));
		assert_string_equal(enc, b32[i].enc);
		assert_int_equal(
		    dv_base32hex_decode(b32[i].enc, strlen(b32[i].enc), dec, sizeof(dec)),
		    (long)plen);
		assert_memory_equal(dec, b32[i].plain, plen);
		/* Upper case decodes the same. */
		char up[32];
		for (size_t k = 0; k <= strlen(enc); k++)
			up[k] = (enc[k] >= 'a' && enc[k] <= 'z') ? (char)(enc[k] - 32) : enc[k];
		assert_int_equal(dv_base32hex_decode(up, strlen(up), dec, sizeof(dec)), (long)plen);
		assert_memory_equal(dec, b32[i].plain, plen);
	}
}

static void test_base32hex_roundtrip(void **state)
{
	uint8_t in[64], out[64];
	char enc[128];
	unsigned seed = 12345;
	for (size_t len = 0; len <= sizeof(in); len++) {
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			in[k] = (uint8_t)(seed >> 16);
		}
		size_t n = dv_base32hex_encode(in, len, enc, sizeof(enc));
		assert_int_equal(n, (len * 8 + 4) / 5);
		assert_int_equal(strlen(enc), n);
		assert_int_equal(dv_base32hex_decode(enc, n, out, sizeof(out)), (long)len);
		assert_memory_equal(in, out, len);
	}
}

static void test_base32hex_bad(void **state)
{
	uint8_t out[32];
	char enc[8];
	/* Characters outside the alphabet, padding, and impossible lengths. */
	assert_int_equal(dv_base32hex_decode("cw", 2, out, sizeof(out)), -1);
	assert_int_equal(dv_base32hex_decode("cz", 2, out, sizeof(out)), -1);
	assert_int_equal(dv_base32hex_decode("co======", 8, out, sizeof(out)), -1);
	assert_int_equal(dv_base32hex_decode("c", 1, out, sizeof(out)), -1);
	assert_int_equal(dv_base32hex_decode("cpn", 3, out, sizeof(out)), -1);
	assert_int_equal(dv_base32hex_decode("cpnmuo", 6, out, sizeof(out)), -1);
	/* Non-zero leftover bits: "cp" would be 'f' plus two stray bits. */
	assert_int_equal(dv_base32hex_decode("cp", 2, out, sizeof(out)), -1);
	/* Output too small. */
	assert_int_equal(dv_base32hex_decode("cpnmuoj1", 8, out, 4), -1);
	assert_int_equal(dv_base32hex_decode("cpnmuoj1", 8, out, 5), 5);
	/* Encoder: too small a buffer gives 0 and an empty string. */
	assert_int_equal(dv_base32hex_encode((const uint8_t *)"foobar", 6, enc, sizeof(enc)), 0);
	assert_string_equal(enc, "");
}

/* RFC 4034 §4.3: A MX RRSIG NSEC TYPE1234. */
static const uint8_t rfc4034_bitmap[] = {
    0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,
};

static void test_bitmap_encode(void **state)
{
	const uint16_t types[] = {1, 15, 46, 47, 1234};
	uint8_t out[64];
	long n = dv_bitmap_encode(types, 5, out, sizeof(out));
	assert_int_equal(n, sizeof(rfc4034_bitmap));
	assert_memory_equal(out, rfc4034_bitmap, sizeof(rfc4034_bitmap));
	/* Empty list: empty bitmap (an NSEC3 of an empty non-terminal). */
	assert_int_equal(dv_bitmap_encode(NULL, 0, out, sizeof(out)), 0);
	/* The top type lands in window 255, 32 octets. */
	const uint16_t top[] = {65535};
	assert_int_equal(dv_bitmap_encode(top, 1, out, sizeof(out)), 34);
	assert_int_equal(out[0], 255);
	assert_int_equal(out[1], 32);
	assert_int_equal(out[33], 0x01);
	/* Unsorted or repeated types, and a buffer too small, are refused. */
	const uint16_t unsorted[] = {15, 1};
	const uint16_t dup[] = {1, 1};
	const uint16_t cross[] = {1234, 1};
	assert_int_equal(dv_bitmap_encode(unsorted, 2, out, sizeof(out)), -1);
	assert_int_equal(dv_bitmap_encode(dup, 2, out, sizeof(out)), -1);
	assert_int_equal(dv_bitmap_encode(cross, 2, out, sizeof(out)), -1);
	assert_int_equal(dv_bitmap_encode(types, 5, out, 36), -1);
}

static void test_bitmap_has(void **state)
{
	const uint8_t *b = rfc4034_bitmap;
	size_t len = sizeof(rfc4034_bitmap);
	assert_true(dv_bitmap_has(b, len, 1));
	assert_true(dv_bitmap_has(b, len, 15));
	assert_true(dv_bitmap_has(b, len, 46));
	assert_true(dv_bitmap_has(b, len, 47));
	assert_true(dv_bitmap_has(b, len, 1234));
	assert_false(dv_bitmap_has(b, len, 2));
	assert_false(dv_bitmap_has(b, len, 48)); /* beyond window 0's 6 octets */
	assert_false(dv_bitmap_has(b, len, 1235));
	assert_false(dv_bitmap_has(b, len, 300)); /* window 1 absent */
	assert_false(dv_bitmap_has(b, len, 65535));
	assert_false(dv_bitmap_has(b, 0, 1));
	/* A truncated bitmap never reads past its end (ASan watches this). */
	uint8_t *t = malloc(3);
	assert_non_null(t);
	memcpy(t, "\x00\x20\xff", 3);
	assert_false(dv_bitmap_has(t, 3, 1));
	assert_false(dv_bitmap_has(t, 3, 200));
	free(t);
}

static void test_bitmap_valid(void **state)
{
	assert_true(dv_bitmap_valid(rfc4034_bitmap, sizeof(rfc4034_bitmap)));
	assert_true(dv_bitmap_valid(NULL, 0));
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
	    {"\x00", 1},     /* no length octet */
	    {"\x00\x00", 2}, /* empty window */
	    {"\x00\x21"
	     "0123456789012345678901234567890123",
	     35},                            /* 33 octets */
	    {"\x00\x06\x40", 3},             /* truncated */
	    {"\x04\x01\x80\x00\x01\x40", 6}, /* windows out of order */
	    {"\x00\x01\x40\x00\x01\x20", 6}, /* window repeated */
	    {"\x00\x02\x40\x00", 4},         /* trailing zero octet */
	    {"\x00\x01\x40\x01", 4},         /* trailing garbage */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(dv_bitmap_valid((const uint8_t *)bad[i].bytes, bad[i].len));
	assert_true(dv_bitmap_valid((const uint8_t *)"\x00\x01\x40\x04\x01\x80", 6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_rfc5155),        cmocka_unit_test(test_hash_no_salt),
	    cmocka_unit_test(test_hash_errors),         cmocka_unit_test(test_base32hex_vectors),
	    cmocka_unit_test(test_base32hex_roundtrip), cmocka_unit_test(test_base32hex_bad),
	    cmocka_unit_test(test_bitmap_encode),       cmocka_unit_test(test_bitmap_has),
	    cmocka_unit_test(test_bitmap_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
