/*
 * Unit tests of the query engine's pure parts: address text forms, the wire
 * form of queries, answer matching and TCP framing.  No sockets are used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "net/net.h"
#include "net/net_int.h"

/* --- addresses --------------------------------------------------------------- */

static const struct {
	const char *text;
	int family;
	uint16_t port;
	const char *formatted;
} addr_ok[] = {
    {"127.0.0.1", AF_INET, 53, "127.0.0.1"},
    {"127.0.0.1@5353", AF_INET, 5353, "127.0.0.1@5353"},
    {"127.0.0.1:5353", AF_INET, 5353, "127.0.0.1@5353"},
    {"127.0.0.1@53", AF_INET, 53, "127.0.0.1"},
    {"::1", AF_INET6, 53, "::1"},
    {"::1@5353", AF_INET6, 5353, "::1@5353"},
    {"[::1]:5353", AF_INET6, 5353, "::1@5353"},
    {"[::1]@5353", AF_INET6, 5353, "::1@5353"},
    {"[::1]", AF_INET6, 53, "::1"},
    {"2001:DB8::1", AF_INET6, 53, "2001:db8::1"},
    {"fe80::1%2", AF_INET6, 53, "fe80::1%2"},
    {"::ffff:192.0.2.1@65535", AF_INET6, 65535, "::ffff:192.0.2.1@65535"},
};

static const char *addr_bad[] = {
    "",
    "1.2.3",
    "256.0.0.1",
    "127.0.0.1@",
    "127.0.0.1@0",
    "127.0.0.1@65536",
    "127.0.0.1@-1",
    "127.0.0.1@+53",
    "127.0.0.1@53x",
    "127.0.0.1@ 53",
    "[::1",
    "[::1]x",
    "[::1]:",
    "[127.0.0.1]",
    "::1@0",
    "example.com",
    "127.0.0.1%2",
    "fe80::1%",
    "fe80::1%no-such-interface-here",
    " 127.0.0.1",
    "127.0.0.1:53:53",
    ("1111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
     "11111111111111111111111111111111111111111111111111111111111"),
};

static void test_addr_parse_ok(void **state)
{
	for (size_t i = 0; i < sizeof(addr_ok) / sizeof(addr_ok[0]); i++) {
		struct sockaddr_storage ss;
		char buf[80];
		int ret = dv_net_addr_parse(addr_ok[i].text, 53, &ss);
		if (ret != DV_OK) {
			fail_msg("parse %s: %d", addr_ok[i].text, ret);
		}
		assert_int_equal(ss.ss_family, addr_ok[i].family);
		uint16_t port = ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
		                                        : ((struct sockaddr_in6 *)&ss)->sin6_port;
		assert_int_equal(ntohs(port), addr_ok[i].port);
		dv_net_addr_format(&ss, buf, sizeof(buf));
		assert_string_equal(buf, addr_ok[i].formatted);

		/* Formatting round-trips. */
		struct sockaddr_storage again;
		assert_int_equal(dv_net_addr_parse(buf, 53, &again), DV_OK);
		assert_true(dv_net_addr_equal(&ss, &again));
	}
}

static void test_addr_parse_bad(void **state)
{
	for (size_t i = 0; i < sizeof(addr_bad) / sizeof(addr_bad[0]); i++) {
		struct sockaddr_storage ss;
		if (dv_net_addr_parse(addr_bad[i], 53, &ss) != DV_EINVAL) {
			fail_msg("accepted bad address '%s'", addr_bad[i]);
		}
	}
	struct sockaddr_storage ss;
	assert_int_equal(dv_net_addr_parse(NULL, 53, &ss), DV_EINVAL);
	assert_int_equal(dv_net_addr_parse("127.0.0.1", 53, NULL), DV_EINVAL);
	/* Port 0 as the default means "a port is required". */
	assert_int_equal(dv_net_addr_parse("127.0.0.1", 0, &ss), DV_EINVAL);
	assert_int_equal(dv_net_addr_parse("127.0.0.1@853", 0, &ss), DV_OK);
}

/* The listening addresses of /metrics and the witness: port required, 0 allowed. */
static void test_listen_parse(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	assert_int_equal(dv_net_listen_parse("127.0.0.1:9853", &ss, &len), DV_OK);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9853);
	assert_int_equal(dv_net_listen_parse("[::1]:0", &ss, &len), DV_OK);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 0);
	static const char *const bad[] = {
	    "127.0.0.1",    "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1@53",
	    "::1:53",       "[::1]",      "[::1]53",         "[127.0.0.1]:53",
	    "localhost:53", ":53",        "127.0.0.1:5x",    "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (dv_net_listen_parse(bad[i], &ss, &len) != DV_EINVAL) {
			fail_msg("accepted bad listen address '%s'", bad[i]);
		}
	}
	(void)state;
}

static void test_addr_default_port_and_format(void **state)
{
	struct sockaddr_storage ss;
	char buf[80];
	assert_int_equal(dv_net_addr_parse("192.0.2.7", 5300, &ss), DV_OK);
	dv_net_addr_format(&ss, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.7@5300");

	/* A small buffer truncates, never overflows. */
	char small[6];
	memset(small, 'x', sizeof(small));
	dv_net_addr_format(&ss, small, sizeof(small));
	assert_string_equal(small, "192.0");

	struct sockaddr_storage unk;
	memset(&unk, 0, sizeof(unk));
	unk.ss_family = AF_UNIX;
	dv_net_addr_format(&unk, buf, sizeof(buf));
	assert_string_equal(buf, "?");
}

static void test_addr_equal(void **state)
{
	struct sockaddr_storage a, b;
	assert_int_equal(dv_net_addr_parse("127.0.0.1", 53, &a), DV_OK);
	assert_int_equal(dv_net_addr_parse("127.0.0.1@53", 53, &b), DV_OK);
	assert_true(dv_net_addr_equal(&a, &b));
	assert_int_equal(dv_net_addr_parse("127.0.0.1@54", 53, &b), DV_OK);
	assert_false(dv_net_addr_equal(&a, &b));
	assert_int_equal(dv_net_addr_parse("127.0.0.2", 53, &b), DV_OK);
	assert_false(dv_net_addr_equal(&a, &b));
	assert_int_equal(dv_net_addr_parse("::ffff:127.0.0.1", 53, &b), DV_OK);
	assert_false(dv_net_addr_equal(&a, &b));
	assert_int_equal(dv_net_addr_parse("::1", 53, &a), DV_OK);
	assert_int_equal(dv_net_addr_parse("[::1]:53", 53, &b), DV_OK);
	assert_true(dv_net_addr_equal(&a, &b));
	assert_int_equal(dv_net_addr_parse("::1%1", 53, &b), DV_OK);
	assert_false(dv_net_addr_equal(&a, &b));
}

/* --- query building ---------------------------------------------------------- */

static void query_init(dv_query_t *q, const char *name, uint16_t type, unsigned flags)
{
	memset(q, 0, sizeof(*q));
	assert_non_null(knot_dname_from_str(q->qname, name, sizeof(q->qname)));
	q->qtype = type;
	q->flags = flags;
	q->retries = -1;
}

static void test_query_wire_edns_do(void **state)
{
	dv_query_t q;
	query_init(&q, "Example.TEST.", KNOT_RRTYPE_DNSKEY, DV_Q_DO | DV_Q_CD);
	uint8_t w[DV_NET_QUERY_MAX];
	size_t len = 0;
	assert_int_equal(dv_net_query_build(&q, 0xbeef, w, sizeof(w), &len), DV_OK);

	/* Header: ID, flags (only CD), QD=1, AN=NS=0, AR=1 (the OPT). */
	const uint8_t hdr[12] = {0xbe, 0xef, 0x00, 0x10, 0, 1, 0, 0, 0, 0, 0, 1};
	assert_memory_equal(w, hdr, 12);
	/* Question: the name as given (case kept), DNSKEY (48), IN. */
	const uint8_t qsec[] = {7,   'E', 'x', 'a', 'm', 'p', 'l', 'e', 4,
	                        'T', 'E', 'S', 'T', 0,   0,   48,  0,   1};
	assert_memory_equal(w + 12, qsec, sizeof(qsec));
	/* OPT RR (RFC 6891 §6.1.2): root owner, type 41, CLASS = payload 1232,
	 * TTL = ext-rcode 0, version 0, DO (RFC 3225 §3) = 0x8000, RDLEN 0. */
	const uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0x00, 0, 0};
	assert_int_equal(len, 12 + sizeof(qsec) + sizeof(opt));
	assert_memory_equal(w + 12 + sizeof(qsec), opt, sizeof(opt));
}

static void test_query_wire_flags(void **state)
{
	dv_query_t q;
	uint8_t w[DV_NET_QUERY_MAX];
	size_t len = 0;

	query_init(&q, "a.test.", KNOT_RRTYPE_A, DV_Q_RD | DV_Q_AD);
	assert_int_equal(dv_net_query_build(&q, 1, w, sizeof(w), &len), DV_OK);
	assert_int_equal(knot_wire_get_id(w), 1);
	assert_true(knot_wire_get_rd(w));
	assert_true(knot_wire_get_ad(w));
	assert_false(knot_wire_get_cd(w));
	assert_false(knot_wire_get_qr(w));
	assert_int_equal(knot_wire_get_opcode(w), 0);
	/* EDNS present, DO clear, payload 1232. */
	assert_int_equal(knot_wire_get_arcount(w), 1);
	const uint8_t *opt = w + len - 11;
	assert_int_equal(opt[0], 0);
	assert_int_equal((opt[1] << 8) | opt[2], KNOT_RRTYPE_OPT);
	assert_int_equal((opt[3] << 8) | opt[4], 1232);
	assert_int_equal(opt[7] & 0x80, 0);

	/* No EDNS: no OPT, just header and question; DO is meaningless then. */
	query_init(&q, "a.test.", KNOT_RRTYPE_A, DV_Q_NO_EDNS | DV_Q_DO);
	q.qclass = KNOT_CLASS_CH;
	assert_int_equal(dv_net_query_build(&q, 0xffff, w, sizeof(w), &len), DV_OK);
	assert_int_equal(knot_wire_get_arcount(w), 0);
	assert_int_equal(len, 12 + 8 + 4);
	assert_int_equal(knot_wire_get_flags1(w), 0);
	assert_int_equal(knot_wire_get_flags2(w), 0);
	assert_int_equal(w[len - 1], KNOT_CLASS_CH);
}

static void test_query_build_errors(void **state)
{
	dv_query_t q;
	uint8_t w[DV_NET_QUERY_MAX];
	size_t len;
	query_init(&q, "a.test.", KNOT_RRTYPE_A, 0);
	assert_int_equal(dv_net_query_build(NULL, 1, w, sizeof(w), &len), DV_EINVAL);
	assert_int_equal(dv_net_query_build(&q, 1, w, 4, &len), DV_EINVAL);
	/* Room for the question but not the OPT. */
	assert_int_equal(dv_net_query_build(&q, 1, w, 12 + 8 + 4 + 5, &len), DV_ELIMIT);
	/* A name without its root label is not a name. */
	memset(q.qname, 1, sizeof(q.qname));
	assert_int_equal(dv_net_query_build(&q, 1, w, sizeof(w), &len), DV_EINVAL);
}

/* --- matching ---------------------------------------------------------------- */

typedef struct {
	uint8_t q[DV_NET_QUERY_MAX];
	size_t qlen;
	uint8_t r[DV_NET_QUERY_MAX + 64];
	size_t rlen;
} pair_t;

/* A query and its simplest answer: the query echoed with QR and AA set. */
static void pair_init(pair_t *p, unsigned flags)
{
	dv_query_t q;
	query_init(&q, "www.example.test.", KNOT_RRTYPE_A, flags);
	assert_int_equal(dv_net_query_build(&q, 0x1234, p->q, sizeof(p->q), &p->qlen), DV_OK);
	memcpy(p->r, p->q, p->qlen);
	p->rlen = p->qlen;
	knot_wire_set_qr(p->r);
	knot_wire_set_aa(p->r);
}

static void test_match_ok_and_case(void **state)
{
	pair_t p;
	pair_init(&p, DV_Q_DO);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_OK);
	/* RFC 4343: the answer may change the case of the QNAME. */
	p.r[13] = 'W';
	p.r[18] = 'X';
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_OK);
	/* Without EDNS too. */
	pair_init(&p, DV_Q_NO_EDNS);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_OK);
	/* Trailing garbage after a whole message is tolerated. */
	p.r[p.rlen++] = 0xab;
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_OK);
}

static void test_match_mismatch(void **state)
{
	pair_t p;
	const size_t qname_off = 12, qtype_off = 12 + 18, qclass_off = 12 + 20;

	pair_init(&p, 0);
	p.r[1] ^= 1; /* wrong ID */
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_MISMATCH);

	pair_init(&p, 0);
	p.r[2] &= 0x7f; /* QR clear: a query, not an answer */
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_MISMATCH);

	pair_init(&p, 0);
	knot_wire_set_opcode(p.r, KNOT_OPCODE_NOTIFY);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_MISMATCH);

	pair_init(&p, 0);
	p.r[qname_off + 1] = 'v'; /* vww.example.test */
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_MISMATCH);

	pair_init(&p, 0);
	p.r[qtype_off + 1] = KNOT_RRTYPE_AAAA;
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_MISMATCH);

	pair_init(&p, 0);
	p.r[qclass_off + 1] = KNOT_CLASS_CH;
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_MISMATCH);

	pair_init(&p, 0);
	knot_wire_set_qdcount(p.r, 0); /* no question at all */
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_MISMATCH);

	pair_init(&p, 0);
	knot_wire_set_qdcount(p.r, 2);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_MISMATCH);

	/* Shorter than a header, or the question cut short. */
	pair_init(&p, 0);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, 11), DV_NET_MATCH_MISMATCH);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, qclass_off + 1), DV_NET_MATCH_MISMATCH);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, 0), DV_NET_MATCH_MISMATCH);
	assert_int_equal(dv_net_match(p.q, p.qlen, NULL, p.rlen), DV_NET_MATCH_MISMATCH);

	/* A compression pointer as QNAME has nothing to point back to. */
	pair_init(&p, DV_Q_NO_EDNS);
	uint8_t ptr[] = {0, 0, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1};
	memcpy(ptr, p.r, 2);
	assert_int_equal(dv_net_match(p.q, p.qlen, ptr, sizeof(ptr)), DV_NET_MATCH_MISMATCH);
}

static void test_match_bad(void **state)
{
	pair_t p;
	/* Header and question right, but ANCOUNT promises a record that is not there. */
	pair_init(&p, DV_Q_NO_EDNS);
	knot_wire_set_ancount(p.r, 1);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_BAD);

	/* An OPT cut in the middle. */
	pair_init(&p, DV_Q_DO);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen - 3), DV_NET_MATCH_BAD);

	/* The same cut message with TC=1 is a truncated answer: accepted, TCP follows. */
	knot_wire_set_tc(p.r);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen - 3), DV_NET_MATCH_OK);

	/* Two OPT RRs are a FORMERR (RFC 6891 §6.1.1). */
	pair_init(&p, DV_Q_DO);
	memcpy(p.r + p.rlen, p.r + p.rlen - 11, 11);
	p.rlen += 11;
	knot_wire_set_arcount(p.r, 2);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_BAD);
}

static void test_match_real_answer(void **state)
{
	/* An answer with a compressed owner name and one A record. */
	pair_t p;
	pair_init(&p, DV_Q_NO_EDNS);
	const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1};
	memcpy(p.r + p.rlen, rr, sizeof(rr));
	p.rlen += sizeof(rr);
	knot_wire_set_ancount(p.r, 1);
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_OK);
	/* The same record with RDLENGTH past the end. */
	p.r[p.rlen - 5] = 9;
	assert_int_equal(dv_net_match(p.q, p.qlen, p.r, p.rlen), DV_NET_MATCH_BAD);
}

/* --- TCP framing ------------------------------------------------------------- */

static void test_tcp_frame(void **state)
{
	const uint8_t s[] = {0, 3, 'a', 'b', 'c', 0, 1, 'd', 0};
	size_t off = 99, mlen = 99, used = 99;
	assert_false(dv_net_tcp_frame(s, 0, &off, &mlen, &used));
	assert_false(dv_net_tcp_frame(s, 1, &off, &mlen, &used));
	assert_false(dv_net_tcp_frame(s, 4, &off, &mlen, &used));
	assert_int_equal(off, 99);
	assert_true(dv_net_tcp_frame(s, 5, &off, &mlen, &used));
	assert_int_equal(off, 2);
	assert_int_equal(mlen, 3);
	assert_int_equal(used, 5);
	/* The next message in the same stream. */
	assert_true(dv_net_tcp_frame(s + 5, 3, &off, &mlen, &used));
	assert_int_equal(mlen, 1);
	assert_int_equal(used, 3);
	/* A lone length byte of the third one. */
	assert_false(dv_net_tcp_frame(s + 8, 1, &off, &mlen, &used));

	/* The largest length a prefix can say. */
	static uint8_t big[2 + 65535];
	big[0] = 0xff;
	big[1] = 0xff;
	assert_false(dv_net_tcp_frame(big, sizeof(big) - 1, &off, &mlen, &used));
	assert_true(dv_net_tcp_frame(big, sizeof(big), &off, &mlen, &used));
	assert_int_equal(mlen, 65535);
}

/* --- engine lifecycle without traffic ---------------------------------------- */

static void never_cb(void *ctx, const dv_query_t *q, const dv_response_t *r)
{
	fail_msg("callback ran for a query that was never run");
}

static void test_engine_submit_free(void **state)
{
	dv_net_t *net = NULL;
	assert_int_equal(dv_net_new(NULL, &net), DV_OK);
	dv_query_t q;
	query_init(&q, "a.test.", KNOT_RRTYPE_A, 0);
	/* No address family: rejected. */
	assert_int_equal(dv_net_submit(net, &q, never_cb, NULL), DV_EINVAL);
	assert_int_equal(dv_net_addr_parse("127.0.0.1@9", 53, &q.addr), DV_OK);
	assert_int_equal(dv_net_submit(net, &q, NULL, NULL), DV_EINVAL);
	/* Queued, never run: freeing releases them without calling back (LSan checks). */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(dv_net_submit(net, &q, never_cb, NULL), DV_OK);
	}
	dv_net_stats_t st;
	dv_net_stats(net, &st);
	assert_int_equal(st.sent, 0);
	dv_net_free(net);
	dv_net_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_parse_ok),
	    cmocka_unit_test(test_addr_parse_bad),
	    cmocka_unit_test(test_listen_parse),
	    cmocka_unit_test(test_addr_default_port_and_format),
	    cmocka_unit_test(test_addr_equal),
	    cmocka_unit_test(test_query_wire_edns_do),
	    cmocka_unit_test(test_query_wire_flags),
	    cmocka_unit_test(test_query_build_errors),
	    cmocka_unit_test(test_match_ok_and_case),
	    cmocka_unit_test(test_match_mismatch),
	    cmocka_unit_test(test_match_bad),
	    cmocka_unit_test(test_match_real_answer),
	    cmocka_unit_test(test_tcp_frame),
	    cmocka_unit_test(test_engine_submit_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
