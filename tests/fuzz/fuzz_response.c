/*
 * libFuzzer target: bytes received from the network, through the same
 * path the query engine takes (src/net): TCP framing, then matching
 * against an outstanding query (ID, question) and full parsing.
 *
 * The first input byte picks the query's flags so EDNS and non-EDNS
 * queries are both exercised; the rest is, in turn, a datagram and a TCP
 * stream.  Each message is matched against a query whose ID is copied
 * from that message, so fuzzing gets past the ID check.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libknot/libknot.h>

#include "net/net_int.h"

#define FUZZ_MAX 65535

/* flagsel bit 0: no EDNS; bit 1: RD+CD; bit 2: TXT instead of A; bit 3: big. instead of www. */
static int build_query(uint8_t flagsel, uint16_t id, uint8_t *out, size_t *len)
{
	dv_query_t q;
	memset(&q, 0, sizeof(q));
	static const uint8_t www[] = "\x03www\x07"
	                             "example\x04test";
	static const uint8_t big[] = "\x03"
	                             "big\x07"
	                             "example\x04test";
	_Static_assert(sizeof(www) == sizeof(big), "same length names");
	memcpy(q.qname, (flagsel & 0x08) ? big : www, sizeof(www));
	q.qtype = (flagsel & 0x04) ? KNOT_RRTYPE_TXT : KNOT_RRTYPE_A;
	q.flags = (flagsel & 0x01) ? DV_Q_NO_EDNS : DV_Q_DO;
	if (flagsel & 0x02) {
		q.flags |= DV_Q_RD | DV_Q_CD;
	}
	return dv_net_query_build(&q, id, out, DV_NET_QUERY_MAX, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > FUZZ_MAX + 1) {
		return 0;
	}
	uint8_t flagsel = data[0];
	const uint8_t *msg = data + 1;
	size_t len = size - 1;

	uint8_t query[DV_NET_QUERY_MAX];
	size_t qlen = 0;
	uint16_t id = len >= 2 ? (uint16_t)((msg[0] << 8) | msg[1]) : 0;
	if (build_query(flagsel, id, query, &qlen) != 0) {
		return 0;
	}
	/* As one datagram; the result is always one of the three outcomes. */
	int m = dv_net_match(query, qlen, msg, len);
	if (m != DV_NET_MATCH_OK && m != DV_NET_MATCH_MISMATCH && m != DV_NET_MATCH_BAD) {
		__builtin_trap();
	}

	/* As a TCP stream: every framed message goes through the matcher. */
	size_t pos = 0, off, mlen, used;
	while (pos < len && dv_net_tcp_frame(msg + pos, len - pos, &off, &mlen, &used)) {
		if (used > len - pos || off + mlen != used) {
			__builtin_trap();
		}
		const uint8_t *m2 = msg + pos + off;
		id = mlen >= 2 ? (uint16_t)((m2[0] << 8) | m2[1]) : 0;
		if (build_query(flagsel, id, query, &qlen) != 0) {
			return 0;
		}
		(void)dv_net_match(query, qlen, m2, mlen);
		pos += used;
	}
	return 0;
}
