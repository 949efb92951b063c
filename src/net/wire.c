/*
 * Query building, answer matching and TCP framing: the parts of the query
 * engine that do no I/O (see net_int.h).
 */
#include <netinet/in.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "net/net_int.h"

#define HDR_LEN 12 /* RFC 1035 §4.1.1 */

int dv_net_query_build(const dv_query_t *q, uint16_t id, uint8_t *buf, size_t cap, size_t *len)
{
	if (q == NULL || buf == NULL || len == NULL || cap < HDR_LEN) {
		return DV_EINVAL;
	}
	if (knot_dname_wire_check(q->qname, q->qname + sizeof(q->qname), NULL) <= 0) {
		return DV_EINVAL;
	}
	if (cap > UINT16_MAX) {
		cap = UINT16_MAX;
	}

	int ret = DV_OK;
	knot_rrset_t opt;
	bool opt_init = false;
	knot_pkt_t *pkt = knot_pkt_new(buf, (uint16_t)cap, NULL);
	if (pkt == NULL) {
		return DV_ENOMEM;
	}
	/* knot_pkt_new() over caller memory leaves the header as it found it. */
	memset(pkt->wire, 0, HDR_LEN);
	knot_wire_set_id(pkt->wire, id);
	if (q->flags & DV_Q_RD) {
		knot_wire_set_rd(pkt->wire);
	}
	if (q->flags & DV_Q_CD) {
		knot_wire_set_cd(pkt->wire);
	}
	if (q->flags & DV_Q_AD) {
		/* RFC 6840 §5.7: AD in a query asks for the AD bit in the answer. */
		knot_wire_set_ad(pkt->wire);
	}
	uint16_t qclass = q->qclass ? q->qclass : KNOT_CLASS_IN;
	if (knot_pkt_put_question(pkt, q->qname, qclass, q->qtype) != KNOT_EOK) {
		ret = DV_ELIMIT;
		goto fail;
	}
	if (!(q->flags & DV_Q_NO_EDNS)) {
		if (knot_edns_init(&opt, DV_NET_EDNS_PAYLOAD, 0, 0, NULL) != KNOT_EOK) {
			ret = DV_ENOMEM;
			goto fail;
		}
		opt_init = true;
		if (q->flags & DV_Q_DO) {
			knot_edns_set_do(&opt); /* RFC 3225 §3 */
		}
		if (knot_pkt_begin(pkt, KNOT_ADDITIONAL) != KNOT_EOK ||
		    knot_pkt_put(pkt, KNOT_COMPR_HINT_NONE, &opt, 0) != KNOT_EOK) {
			ret = DV_ELIMIT;
			goto fail;
		}
	}
	*len = pkt->size;
fail:
	if (opt_init) {
		knot_rrset_clear(&opt, NULL);
	}
	knot_pkt_free(pkt);
	return ret;
}

/* Offset just past the question of a message, or 0 if there is none we accept. */
static size_t question_end(const uint8_t *wire, size_t len)
{
	if (len < HDR_LEN || knot_wire_get_qdcount(wire) != 1) {
		return 0;
	}
	/* No compression allowed: the first name has nothing to point back to. */
	int nlen = knot_dname_wire_check(wire + HDR_LEN, wire + len, NULL);
	if (nlen <= 0 || (size_t)nlen + HDR_LEN + 4 > len) {
		return 0;
	}
	return HDR_LEN + (size_t)nlen + 4;
}

int dv_net_match(const uint8_t *query, size_t qlen, const uint8_t *wire, size_t len)
{
	if (query == NULL || wire == NULL || len < HDR_LEN || qlen < HDR_LEN) {
		return DV_NET_MATCH_MISMATCH;
	}
	if (knot_wire_get_id(wire) != knot_wire_get_id(query) || !knot_wire_get_qr(wire) ||
	    knot_wire_get_opcode(wire) != knot_wire_get_opcode(query)) {
		return DV_NET_MATCH_MISMATCH;
	}
	size_t qend = question_end(query, qlen);
	size_t rend = question_end(wire, len);
	if (qend == 0 || rend == 0) {
		return DV_NET_MATCH_MISMATCH;
	}
	/* RFC 4343 §3: names compare case-insensitively; 0x20 variation is allowed. */
	if (qend != rend || !knot_dname_is_case_equal(query + HDR_LEN, wire + HDR_LEN) ||
	    memcmp(query + qend - 4, wire + rend - 4, 4) != 0) {
		return DV_NET_MATCH_MISMATCH;
	}

	/*
	 * KNOT_PF_KEEPWIRE keeps knot_pkt_parse from stripping a TSIG RR out of
	 * the wire, so the buffer is only read; the cast is safe.
	 */
	if (len > UINT16_MAX) {
		return DV_NET_MATCH_BAD;
	}
	knot_pkt_t *pkt = knot_pkt_new((uint8_t *)wire, (uint16_t)len, NULL);
	if (pkt == NULL) {
		return DV_NET_MATCH_BAD;
	}
	int ret = knot_pkt_parse(pkt, KNOT_PF_KEEPWIRE);
	knot_pkt_free(pkt);
	/* Trailing bytes after a complete message are tolerated, as dig does. */
	if (ret == KNOT_EOK || ret == KNOT_ETRAIL) {
		return DV_NET_MATCH_OK;
	}
	/*
	 * A truncated answer may end in the middle of a record (RFC 1035 §4.1.1,
	 * RFC 2181 §9: the partial data is to be ignored); it still tells us to
	 * ask again over TCP, so it counts as an answer.
	 */
	return knot_wire_get_tc(wire) ? DV_NET_MATCH_OK : DV_NET_MATCH_BAD;
}

bool dv_net_tcp_frame(const uint8_t *buf, size_t len, size_t *off, size_t *mlen, size_t *used)
{
	if (buf == NULL || len < 2) {
		return false;
	}
	size_t m = ((size_t)buf[0] << 8) | buf[1];
	if (len - 2 < m) {
		return false;
	}
	*off = 2;
	*mlen = m;
	*used = 2 + m;
	return true;
}

bool dv_net_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family) {
		return false;
	}
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}
