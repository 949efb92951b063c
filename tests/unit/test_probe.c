/*
 * Unit tests of the probe's pure part: the cache of the upper levels'
 * answers (src/probe/probe_cache.c) — what it keeps, for how long (the
 * smallest TTL and the caller's maximum age), by which key, and what makes
 * room.  No sockets are used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "net/net.h"
#include "probe/probe.h"
#include "probe/probe_int.h"

#define T0 1700000000

static const uint8_t ZONE[] = "\x04test";

/* An answer to (test., SOA): `rcode`, TC set or not, one A record of `ttl`
 * in the answer section and an SOA-less authority (or no record at all). */
static size_t answer(uint8_t *buf, size_t cap, uint8_t rcode, bool tc, int nrec,
                     const uint32_t *ttls)
{
	memset(buf, 0, cap); /* knot_pkt_new leaves a caller's buffer as it is */
	knot_pkt_t *pkt = knot_pkt_new(buf, cap, NULL);
	assert_non_null(pkt);
	assert_int_equal(knot_pkt_put_question(pkt, ZONE, KNOT_CLASS_IN, KNOT_RRTYPE_SOA),
	                 KNOT_EOK);
	knot_wire_set_qr(pkt->wire);
	knot_wire_set_rcode(pkt->wire, rcode);
	if (tc)
		knot_wire_set_tc(pkt->wire);
	assert_int_equal(knot_pkt_begin(pkt, KNOT_ANSWER), KNOT_EOK);
	knot_rrset_t rs[4];
	for (int i = 0; i < nrec; i++) {
		knot_rrset_init(&rs[i], knot_dname_copy(ZONE, NULL), KNOT_RRTYPE_A, KNOT_CLASS_IN,
		                ttls[i]);
		uint8_t rd[4] = {192, 0, 2, (uint8_t)(i + 1)};
		assert_int_equal(knot_rrset_add_rdata(&rs[i], rd, 4, NULL), KNOT_EOK);
		assert_int_equal(knot_pkt_put(pkt, KNOT_COMPR_HINT_NONE, &rs[i], 0), KNOT_EOK);
	}
	size_t n = pkt->size;
	knot_pkt_free(pkt);
	for (int i = 0; i < nrec; i++)
		knot_rrset_clear(&rs[i], NULL);
	return n;
}

static dv_query_t query(const char *addr, uint16_t qtype, unsigned flags)
{
	dv_query_t q;
	memset(&q, 0, sizeof(q));
	assert_int_equal(dv_net_addr_parse(addr, 53, &q.addr), DV_OK);
	memcpy(q.qname, ZONE, sizeof(ZONE));
	q.qtype = qtype;
	q.flags = flags;
	return q;
}

static void put(dv_probe_cache_t *c, const dv_query_t *q, const uint8_t *wire, size_t len,
                int64_t now)
{
	dv_response_t r = {.status = DV_OK,
	                   .wire = wire,
	                   .len = len,
	                   .tcp = true,
	                   .rtt_ms = 3,
	                   .rtt_us = 2500,
	                   .attempts = 1};
	probe_cache_put(c, q, &r, now);
}

static bool get(dv_probe_cache_t *c, const dv_query_t *q, int64_t now, int64_t max_age,
                probe_cached_t *out)
{
	probe_cached_t tmp;
	bool hit = probe_cache_get(c, q, now, max_age, out ? out : &tmp);
	if (hit && out == NULL)
		free(tmp.wire);
	return hit;
}

/* Kept as received, reused within the smallest TTL and the maximum age. */
static void test_cache_reuse(void **state)
{
	(void)state;
	dv_probe_cache_t *c = NULL;
	assert_int_equal(dv_probe_cache_new(16, &c), DV_OK);
	uint8_t wire[512];
	const uint32_t ttls[] = {300, 100};
	size_t len = answer(wire, sizeof(wire), KNOT_RCODE_NOERROR, false, 2, ttls);
	dv_query_t q = query("127.0.0.1", KNOT_RRTYPE_SOA, DV_Q_DO);
	put(c, &q, wire, len, T0);

	probe_cached_t got;
	assert_true(get(c, &q, T0 + 10, 60, &got));
	assert_int_equal(got.resp.len, len);
	assert_memory_equal(got.wire, wire, len);
	assert_true(got.resp.tcp);
	assert_int_equal(got.resp.rtt_ms, 3);
	assert_int_equal(got.resp.rtt_us, 2500);
	assert_int_equal(got.resp.attempts, 1);
	free(got.wire);
	/* the maximum age (the interval) */
	assert_true(get(c, &q, T0 + 59, 60, NULL));
	assert_false(get(c, &q, T0 + 60, 60, NULL));
	/* the smallest TTL of the records (100, not 300) */
	assert_true(get(c, &q, T0 + 99, 1000, NULL));
	assert_false(get(c, &q, T0 + 100, 1000, NULL));
	/* a clock that went back is no reason to trust it */
	assert_false(get(c, &q, T0 - 1, 1000, NULL));

	dv_probe_cache_stats_t st;
	dv_probe_cache_stats(c, &st);
	assert_int_equal(st.hits, 3);
	assert_int_equal(st.stored, 1);
	assert_int_equal(st.entries, 1);
	dv_probe_cache_free(c);
}

/* The key: server address and port, question, flags. */
static void test_cache_key(void **state)
{
	(void)state;
	dv_probe_cache_t *c = NULL;
	assert_int_equal(dv_probe_cache_new(16, &c), DV_OK);
	uint8_t wire[512];
	const uint32_t ttls[] = {300};
	size_t len = answer(wire, sizeof(wire), KNOT_RCODE_NOERROR, false, 1, ttls);
	dv_query_t q = query("127.0.0.1", KNOT_RRTYPE_SOA, DV_Q_DO);
	put(c, &q, wire, len, T0);
	assert_true(get(c, &q, T0, 60, NULL));
	dv_query_t other = query("127.0.0.2", KNOT_RRTYPE_SOA, DV_Q_DO);
	assert_false(get(c, &other, T0, 60, NULL));
	other = query("127.0.0.1@5353", KNOT_RRTYPE_SOA, DV_Q_DO);
	assert_false(get(c, &other, T0, 60, NULL));
	other = query("127.0.0.1", KNOT_RRTYPE_NS, DV_Q_DO);
	assert_false(get(c, &other, T0, 60, NULL));
	other = query("127.0.0.1", KNOT_RRTYPE_SOA, DV_Q_DO | DV_Q_TCP);
	assert_false(get(c, &other, T0, 60, NULL));
	other = query("127.0.0.1", KNOT_RRTYPE_SOA, DV_Q_DO);
	memcpy(other.qname, "\x05other", 7);
	assert_false(get(c, &other, T0, 60, NULL));
	/* a newer answer replaces the kept one */
	put(c, &q, wire, len, T0 + 100);
	assert_true(get(c, &q, T0 + 150, 60, NULL));
	dv_probe_cache_stats_t st;
	dv_probe_cache_stats(c, &st);
	assert_int_equal(st.entries, 1);
	dv_probe_cache_free(c);
}

/* Only NOERROR and NXDOMAIN answers holding a record, not truncated. */
static void test_cache_what(void **state)
{
	(void)state;
	static const struct {
		uint8_t rcode;
		bool tc;
		int nrec;
		bool kept;
	} cases[] = {
	    {KNOT_RCODE_NOERROR, false, 1, true},   {KNOT_RCODE_NXDOMAIN, false, 1, true},
	    {KNOT_RCODE_SERVFAIL, false, 1, false}, {KNOT_RCODE_REFUSED, false, 1, false},
	    {KNOT_RCODE_NOERROR, true, 1, false},   {KNOT_RCODE_NOERROR, false, 0, false},
	};
	const uint32_t ttls[] = {300};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dv_probe_cache_t *c = NULL;
		assert_int_equal(dv_probe_cache_new(16, &c), DV_OK);
		uint8_t wire[512];
		size_t len =
		    answer(wire, sizeof(wire), cases[i].rcode, cases[i].tc, cases[i].nrec, ttls);
		dv_query_t q = query("127.0.0.1", KNOT_RRTYPE_SOA, 0);
		put(c, &q, wire, len, T0);
		assert_int_equal(get(c, &q, T0 + 1, 60, NULL), cases[i].kept);
		/* no answer at all: nothing kept */
		dv_response_t r = {.status = DV_ETIMEOUT};
		dv_query_t q2 = query("127.0.0.9", KNOT_RRTYPE_SOA, 0);
		probe_cache_put(c, &q2, &r, T0);
		assert_false(get(c, &q2, T0 + 1, 60, NULL));
		/* a record of TTL 0 may not be reused */
		const uint32_t zero[] = {0};
		len = answer(wire, sizeof(wire), KNOT_RCODE_NOERROR, false, 1, zero);
		dv_query_t q3 = query("127.0.0.10", KNOT_RRTYPE_SOA, 0);
		put(c, &q3, wire, len, T0);
		assert_false(get(c, &q3, T0, 60, NULL));
		dv_probe_cache_free(c);
	}
}

/* At most `max`: the expired go first, then the oldest. */
static void test_cache_room(void **state)
{
	(void)state;
	dv_probe_cache_t *c = NULL;
	assert_int_equal(dv_probe_cache_new(2, &c), DV_OK);
	uint8_t wire[512];
	const uint32_t t10[] = {10}, t300[] = {300};
	size_t len10 = answer(wire, sizeof(wire), KNOT_RCODE_NOERROR, false, 1, t10);
	dv_query_t a = query("127.0.0.1", KNOT_RRTYPE_SOA, 0);
	dv_query_t b = query("127.0.0.2", KNOT_RRTYPE_SOA, 0);
	dv_query_t d = query("127.0.0.3", KNOT_RRTYPE_SOA, 0);
	dv_query_t e = query("127.0.0.4", KNOT_RRTYPE_SOA, 0);
	put(c, &a, wire, len10, T0); /* expires at T0 + 10 */
	size_t len300 = answer(wire, sizeof(wire), KNOT_RCODE_NOERROR, false, 1, t300);
	put(c, &b, wire, len300, T0 + 1);
	put(c, &d, wire, len300, T0 + 20); /* a expired: it goes */
	assert_false(get(c, &a, T0 + 20, 1000, NULL));
	assert_true(get(c, &b, T0 + 20, 1000, NULL));
	assert_true(get(c, &d, T0 + 20, 1000, NULL));
	put(c, &e, wire, len300, T0 + 30); /* none expired: the oldest (b) goes */
	assert_false(get(c, &b, T0 + 30, 1000, NULL));
	assert_true(get(c, &d, T0 + 30, 1000, NULL));
	assert_true(get(c, &e, T0 + 30, 1000, NULL));
	dv_probe_cache_stats_t st;
	dv_probe_cache_stats(c, &st);
	assert_int_equal(st.entries, 2);
	dv_probe_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cache_reuse),
	    cmocka_unit_test(test_cache_key),
	    cmocka_unit_test(test_cache_what),
	    cmocka_unit_test(test_cache_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
