/* Unit tests of the snapshot model and its JSON form (src/snapshot). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error.h"
#include "snapshot/snapshot.h"

/* A small snapshot: root and "test.", two servers, three queries. */
static dv_snapshot_t *build(void)
{
	dv_snapshot_t *s = NULL;
	assert_int_equal(dv_snapshot_new(&s), DV_OK);
	s->time = 1790000000;
	s->probe_ms = 42;
	assert_int_equal(dv_snapshot_add_domain(s, "test."), DV_OK);
	static const uint8_t root[] = {0}, ds[] = {0x12, 0x34, 13, 2, 0xaa, 0xbb};
	assert_int_equal(dv_snapshot_add_anchor(s, root, 43, 3600, ds, sizeof(ds)), DV_OK);
	uint32_t s0, s1, z0, z1, dup;
	assert_int_equal(dv_snapshot_server(s, "a.root.", "127.0.0.1", &s0), DV_OK);
	assert_int_equal(dv_snapshot_server(s, "ns.test.", "127.0.0.2", &s1), DV_OK);
	assert_int_equal(dv_snapshot_server(s, "NS.test.", "127.0.0.2", &dup), DV_OK);
	assert_int_equal(dup, s1); /* names compare case-insensitively */
	assert_int_equal(dv_snapshot_zone(s, root, -1, &z0), DV_OK);
	uint8_t test[255];
	assert_int_equal(dv_snap_dname_parse("TEST.", test), DV_OK);
	assert_int_equal(dv_snapshot_zone(s, test, (long)z0, &z1), DV_OK);
	assert_int_equal(dv_snapshot_zone(s, test, (long)z0, &dup), DV_OK);
	assert_int_equal(dup, z1);
	assert_string_equal(s->zones[z1].name, "test.");
	assert_int_equal(dv_snapshot_zone_add_server(s, z0, s0), DV_OK);
	assert_int_equal(dv_snapshot_zone_add_server(s, z1, s1), DV_OK);
	assert_int_equal(dv_snapshot_zone_add_server(s, z1, s1), DV_OK);
	assert_int_equal(s->zones[z1].nservers, 1);
	uint8_t wire[40] = {0x12, 0x34, 0x84, 0x00};
	dv_snap_query_t q = {.zone = z1,
	                     .server = s1,
	                     .side = DV_SIDE_CHILD,
	                     .qtype = 6,
	                     .flags = 1,
	                     .status = DV_SNAP_OK,
	                     .rtt_ms = 3,
	                     .attempts = 1,
	                     .t_ms = 7,
	                     .qname = test,
	                     .wire = wire,
	                     .len = sizeof(wire)};
	assert_int_equal(dv_snapshot_add_query(s, &q, NULL), DV_OK);
	q.status = DV_SNAP_TIMEOUT;
	q.wire = NULL;
	q.qtype = 48;
	q.flags = 1 | 8;
	q.udp_failed = true;
	assert_int_equal(dv_snapshot_add_query(s, &q, NULL), DV_OK);
	q.zone = z1;
	q.server = s0;
	q.side = DV_SIDE_PARENT;
	q.qtype = 43;
	q.status = DV_SNAP_NETERR;
	assert_int_equal(dv_snapshot_add_query(s, &q, NULL), DV_OK);
	/* Out of range references are refused. */
	q.server = 99;
	assert_int_equal(dv_snapshot_add_query(s, &q, NULL), DV_EINVAL);
	return s;
}

/* Not inlined: gcc 12 takes open_memstream's &buf for a pointer to a dead local. */
__attribute__((noinline)) static char *to_string(const dv_snapshot_t *s, size_t *len)
{
	/* open_memstream keeps the address of the pointer it updates: on the
	 * heap, not in this frame (gcc 12 -Wdangling-pointer). */
	char **buf = calloc(1, sizeof(*buf));
	assert_non_null(buf);
	FILE *f = open_memstream(buf, len);
	assert_non_null(f);
	assert_int_equal(dv_snapshot_write(s, f), DV_OK);
	fclose(f);
	char *text = *buf;
	free(buf);
	return text;
}

static void test_roundtrip(void **state)
{
	(void)state;
	dv_snapshot_t *s = build();
	size_t len;
	char *text = to_string(s, &len);
	dv_snapshot_t *r = NULL;
	char err[256];
	assert_int_equal(dv_snapshot_load_mem(text, len, "mem", &r, err, sizeof(err)), DV_OK);
	assert_int_equal(r->time, 1790000000);
	assert_int_equal(r->probe_ms, 42);
	assert_int_equal(r->nzones, 2);
	assert_int_equal(r->nservers, 2);
	assert_int_equal(r->nqueries, 3);
	assert_int_equal(r->nanchors, 1);
	assert_int_equal(r->anchors[0].rdlen, 6);
	assert_memory_equal(r->anchors[0].rdata, s->anchors[0].rdata, 6);
	assert_int_equal(r->zones[1].parent, 0);
	assert_string_equal(r->servers[r->queries[0].server].addr, "127.0.0.2");
	assert_int_equal(r->queries[0].len, 40);
	assert_memory_equal(r->queries[0].wire, s->queries[0].wire, 40);
	assert_null(r->queries[1].wire);
	assert_int_equal(r->queries[1].status, DV_SNAP_TIMEOUT);
	assert_true(r->queries[1].udp_failed);
	assert_int_equal(r->queries[1].flags, 9);
	assert_int_equal(r->queries[1].qtype, 48);
	assert_int_equal(r->queries[2].side, DV_SIDE_PARENT);
	assert_int_equal(r->queries[2].status, DV_SNAP_NETERR);
	/* Written again, byte for byte the same. */
	size_t len2;
	char *text2 = to_string(r, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(text, text2, len);
	free(text);
	free(text2);
	dv_snapshot_free(s);
	dv_snapshot_free(r);
}

/* Malformed snapshots: each is refused with a message naming the problem. */
static const struct {
	const char *from, *to; /* replace `from` by `to` in a valid snapshot */
	const char *msg;
} bad[] = {
    {"\"dnsvigil_snapshot\": 1", "\"dnsvigil_snapshot\": 2", "unsupported snapshot version"},
    {"\"dnsvigil_snapshot\": 1", "\"dnsvigil_snapshot\": \"1\"", "must be an integer"},
    {"\"probe_ms\": 42", "\"probe_ms\": -1", "out of range"},
    {"\"probe_ms\": 42", "\"probe_ms\": 42, \"extra\": 1", "unknown member"},
    {"\"qtype\": \"SOA\"", "\"qtype\": \"NOPE\"", "unknown RR type"},
    {"\"qtype\": \"SOA\"", "\"qtype\": 6", "must be a string"},
    {"\"side\": \"child\"", "\"side\": \"sideways\"", "\"side\" must be"},
    {"\"status\": \"ok\"", "\"status\": \"maybe\"", "unknown \"status\""},
    {"\"status\": \"ok\"", "\"status\": \"timeout\"", "\"wire\" present without"},
    {"\"server\": 1", "\"server\": 7", "\"server\" out of range"},
    {"\"flags\": [\n    \"DO\"\n   ]", "\"flags\": [\"XX\"]", "unknown flag"},
    {"\"parent\": \".\"", "\"parent\": \"other.\"", "parent must be listed before"},
    {"\"parent\": null", "\"parent\": \".\"", "parent must be listed before"},
    {"\"zone\": \"test.\"", "\"zone\": \"nowhere.\"", "zone is not in \"zones\""},
    {"\"qname\": \"test.\"", "\"qname\": \"a..b\"", "is not a domain name"},
    {"\"type\": \"DS\"", "\"type\": \"A\"", "type must be DS or DNSKEY"},
    {"\"rdata\": \"", "\"rdata\": \"!!", "not valid base64"},
    {"\"tcp\": false", "\"tcp\": 0", "must be true or false"},
    {"\"attempts\": 1", "\"attempts\": 70000", "out of range"},
    {"\"time\": 1790000000", "\"time\": 1e3", "must be an integer"},
    {"\"domains\": [", "\"domains\": [\"a..b\", ", "not a domain name"},
};

static char *replace(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	assert_non_null(p);
	size_t a = (size_t)(p - text), fl = strlen(from), tl = strlen(to), rest = strlen(p + fl);
	char *out = malloc(a + tl + rest + 1);
	assert_non_null(out);
	memcpy(out, text, a);
	memcpy(out + a, to, tl);
	memcpy(out + a + tl, p + fl, rest + 1);
	return out;
}

static void test_malformed(void **state)
{
	(void)state;
	dv_snapshot_t *s = build();
	size_t len;
	char *text = to_string(s, &len);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = replace(text, bad[i].from, bad[i].to);
		dv_snapshot_t *r = NULL;
		char err[256] = "";
		int rc = dv_snapshot_load_mem(t, strlen(t), "bad.json", &r, err, sizeof(err));
		if (rc == DV_OK || strstr(err, bad[i].msg) == NULL ||
		    strncmp(err, "bad.json: ", 10) != 0)
			fail_msg("case %zu: rc %d, message '%s', wanted '%s'", i, rc, err,
			         bad[i].msg);
		assert_null(r);
		free(t);
	}
	dv_snapshot_t *r0 = NULL;
	char e0[128];
	assert_int_equal(dv_snapshot_load_mem("[1]", 3, "arr", &r0, e0, sizeof(e0)), DV_EPARSE);
	assert_string_equal(e0, "arr: not a JSON object");
	/* Truncated at every length: never accepted, never a crash. */
	for (size_t n = 0; n < len - 2; n += 7) {
		dv_snapshot_t *r = NULL;
		char err[256];
		assert_int_not_equal(dv_snapshot_load_mem(text, n, "t", &r, err, sizeof(err)),
		                     DV_OK);
		assert_null(r);
	}
	free(text);
	dv_snapshot_free(s);
}

static void test_file(void **state)
{
	(void)state;
	dv_snapshot_t *s = build();
	char path[] = "/tmp/dv-test-snapshot.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char serr[256];
	assert_int_equal(dv_snapshot_save(s, path, serr, sizeof(serr)), DV_OK);
	dv_snapshot_t *r = NULL;
	char err[256];
	assert_int_equal(dv_snapshot_load(path, &r, err, sizeof(err)), DV_OK);
	assert_int_equal(r->nqueries, 3);
	dv_snapshot_free(r);
	unlink(path);
	assert_int_equal(dv_snapshot_load(path, &r, err, sizeof(err)), DV_EIO);
	assert_non_null(strstr(err, path));
	dv_snapshot_free(s);
}

static void test_names(void **state)
{
	(void)state;
	uint8_t w[255];
	char buf[64];
	assert_int_equal(dv_snap_dname_parse("Example.COM.", w), DV_OK);
	dv_snap_dname_str(w, buf, sizeof(buf));
	assert_string_equal(buf, "example.com.");
	assert_int_equal(dv_snap_dname_parse("", w), DV_EPARSE);
	assert_int_equal(dv_snap_dname_parse("a..b", w), DV_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
