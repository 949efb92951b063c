/*
 * The transfer stream: every message of an AXFR (RFC 5936 §2.2) or IXFR
 * (RFC 1995 §4) answer is checked here as it arrives, no I/O involved.
 *
 * Per message: length and ceilings, ID, QR, opcode, TC, the question (the
 * first message must echo ours, later ones may omit it, RFC 5936 §2.2.1),
 * RCODE, then the full parse (libknot) and the TSIG check (RFC 8945
 * §5.3.1).  Per record: class, in-zone owner, the opening SOA, the closing
 * SOA (AXFR) or the IXFR difference sequence.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/serial.h"
#include "net/xfr_int.h"

#define HDR_LEN       12 /* RFC 1035 §4.1.1 */
#define SCRATCH_BYTES (256 * 1024)

/* --- scratch memory for libknot's parse of one message ----------------------- */

struct xfr_scratch_block {
	xfr_scratch_block_t *next;
	max_align_t align[]; /* the allocation follows */
};

static void *scratch_alloc(void *ctx, size_t len)
{
	xfr_scratch_t *sc = ctx;
	size_t need = (len + 15) & ~(size_t)15;
	if (need < len) {
		return NULL;
	}
	if (sc->base != NULL && sc->cap - sc->used >= need) {
		void *p = sc->base + sc->used;
		sc->used += need;
		return p;
	}
	/* A message with many long names can need more: the rest comes from malloc. */
	xfr_scratch_block_t *b = malloc(sizeof(*b) + need);
	if (b == NULL) {
		return NULL;
	}
	b->next = sc->extra;
	sc->extra = b;
	return b->align;
}

static void scratch_reset(xfr_scratch_t *sc)
{
	sc->used = 0;
	while (sc->extra != NULL) {
		xfr_scratch_block_t *n = sc->extra->next;
		free(sc->extra);
		sc->extra = n;
	}
}

/* --- results -------------------------------------------------------------------- */

static int failure_status(enum dv_xfr_failure f)
{
	switch (f) {
	case DV_XFR_OK:
		return DV_OK;
	case DV_XFR_MALFORMED:
		return DV_EPARSE;
	case DV_XFR_TSIG_INVALID:
		return DV_ECRYPTO;
	case DV_XFR_TIMEOUT:
		return DV_ETIMEOUT;
	case DV_XFR_LIMIT:
		return DV_ELIMIT;
	case DV_XFR_INTERNAL:
		return DV_ENOMEM;
	case DV_XFR_ABORTED:
		return DV_EINVAL;
	default: /* refused, TSIG rejected, truncated, network: the server would not give it */
		return DV_ENET;
	}
}

static void result_vfail(dv_xfr_result_t *res, enum dv_xfr_failure f, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void result_vfail(dv_xfr_result_t *res, enum dv_xfr_failure f, const char *fmt, va_list ap)
{
	res->failure = f;
	res->status = failure_status(f);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
}

void xfr_result_fail(dv_xfr_result_t *res, enum dv_xfr_failure f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	result_vfail(res, f, fmt, ap);
	va_end(ap);
}

void xfr_rr_describe(const uint8_t *owner, uint16_t type, char *buf, size_t len)
{
	char name[KNOT_DNAME_TXT_MAXLEN + 1] = "?";
	char tname[32] = "?";
	if (owner != NULL && knot_dname_to_str(name, owner, sizeof(name)) == NULL) {
		memcpy(name, "?", 2);
	}
	if (knot_rrtype_to_string(type, tname, sizeof(tname)) < 0) {
		memcpy(tname, "?", 2);
	}
	/* Names from the network may hold anything; keep the text short. */
	snprintf(buf, len, "%.200s %s", name, tname);
}

/* --- the stream ----------------------------------------------------------------- */

int xfr_stream_init(xfr_stream_t *s, const dv_xfr_req_t *req, uint16_t id,
                    const uint8_t *request_mac, size_t request_mac_len, dv_xfr_msg_cb on_msg,
                    void *ctx)
{
	if (s == NULL || req == NULL || request_mac_len > DV_XFR_MAC_MAX) {
		return DV_EINVAL;
	}
	memset(s, 0, sizeof(*s));
	int zlen = knot_dname_wire_check(req->zone, req->zone + sizeof(req->zone), NULL);
	if (zlen <= 0 || (req->type != DV_XFR_AXFR && req->type != DV_XFR_IXFR)) {
		return DV_EINVAL;
	}
	s->id = id;
	memcpy(s->zone, req->zone, (size_t)zlen);
	knot_dname_to_lower(s->zone);
	s->qtype = (uint16_t)req->type;
	s->client_serial = req->serial;
	s->tsig = req->tsig;
	if (request_mac_len > 0) {
		memcpy(s->request_mac, request_mac, request_mac_len);
	}
	s->request_mac_len = request_mac_len;
	s->limits = req->limits;
	if (s->limits.max_bytes == 0) {
		s->limits.max_bytes = DV_XFR_DEF_MAX_BYTES;
	}
	if (s->limits.max_messages == 0) {
		s->limits.max_messages = DV_XFR_DEF_MAX_MESSAGES;
	}
	if (s->limits.max_records == 0) {
		s->limits.max_records = DV_XFR_DEF_MAX_RECORDS;
	}
	s->ixfr_limits = req->ixfr_limits;
	s->on_msg = on_msg;
	s->ctx = ctx;
	/* RFC 8945 §5.3.1: at most 99 unsigned messages, each at most 64 KiB. */
	dv_buf_init(&s->unsigned_wire, (size_t)(DV_XFR_TSIG_UNSIGNED_MAX + 1) * 65536);
	s->scratch.base = malloc(SCRATCH_BYTES);
	if (s->scratch.base == NULL) {
		return DV_ENOMEM;
	}
	s->scratch.cap = SCRATCH_BYTES;
	s->mm.ctx = &s->scratch;
	s->mm.alloc = scratch_alloc;
	s->mm.free = NULL; /* everything goes at once, at the end of the message */
	return DV_OK;
}

void xfr_stream_clear(xfr_stream_t *s)
{
	if (s == NULL) {
		return;
	}
	dv_ixfr_free(s->ixfr);
	s->ixfr = NULL;
	dv_buf_clear(&s->unsigned_wire);
	scratch_reset(&s->scratch);
	free(s->scratch.base);
	s->scratch.base = NULL;
	free(s->batch);
	s->batch = NULL;
}

static int stop(xfr_stream_t *s, dv_xfr_result_t *res, enum dv_xfr_failure f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int stop(xfr_stream_t *s, dv_xfr_result_t *res, enum dv_xfr_failure f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	result_vfail(res, f, fmt, ap);
	va_end(ap);
	s->failed = true;
	return res->status;
}

/* The question of a message: absent (0), ours (1), or something else (-1). */
static int question_check(const xfr_stream_t *s, const uint8_t *wire, size_t len)
{
	uint16_t qd = knot_wire_get_qdcount(wire);
	if (qd == 0) {
		return 0;
	}
	if (qd != 1) {
		return -1;
	}
	int nlen = knot_dname_wire_check(wire + HDR_LEN, wire + len, NULL);
	if (nlen <= 0 || (size_t)nlen + HDR_LEN + 4 > len) {
		return -1;
	}
	const uint8_t *p = wire + HDR_LEN + nlen;
	uint16_t qtype = (uint16_t)((p[0] << 8) | p[1]);
	uint16_t qclass = (uint16_t)((p[2] << 8) | p[3]);
	/* RFC 4343 §3: case does not matter. */
	if (!knot_dname_is_case_equal(wire + HDR_LEN, s->zone) || qtype != s->qtype ||
	    qclass != KNOT_CLASS_IN) {
		return -1;
	}
	return 1;
}

/* RFC 8945 §5.3.1: verify the TSIG of this message, or hold it for the next one. */
static int tsig_check(xfr_stream_t *s, knot_pkt_t *pkt, dv_xfr_result_t *res, uint64_t msgno)
{
	const knot_rrset_t *t = pkt->tsig_rr;
	if (t == NULL) {
		if (!s->tsig_started) {
			return stop(
			    s, res, DV_XFR_TSIG_INVALID,
			    "message %llu: not TSIG-signed, but the query was (RFC 8945 §5.3)",
			    (unsigned long long)msgno);
		}
		if (s->unsigned_run == DV_XFR_TSIG_UNSIGNED_MAX) {
			return stop(
			    s, res, DV_XFR_TSIG_INVALID,
			    "message %llu: %d messages in a row without TSIG (RFC 8945 §5.3.1 "
			    "allows 99)",
			    (unsigned long long)msgno, DV_XFR_TSIG_UNSIGNED_MAX + 1);
		}
		/* The next signed message covers this one's bytes (TSIG-stripped already). */
		if (dv_buf_append(&s->unsigned_wire, pkt->wire, pkt->size) != DV_OK) {
			return stop(s, res, DV_XFR_INTERNAL, "message %llu: out of memory",
			            (unsigned long long)msgno);
		}
		s->unsigned_run++;
		return DV_OK;
	}
	res->tsig_signed++;
	uint16_t terr = knot_tsig_rdata_error(t);
	if (terr != 0) {
		res->tsig_error = terr;
		return stop(s, res, DV_XFR_TSIG_REJECTED,
		            "message %llu: the server reports TSIG error %u (%s)",
		            (unsigned long long)msgno, terr,
		            terr == KNOT_RCODE_BADKEY    ? "BADKEY"
		            : terr == KNOT_RCODE_BADSIG  ? "BADSIG"
		            : terr == KNOT_RCODE_BADTIME ? "BADTIME"
		                                         : "other");
	}
	int r;
	if (!s->tsig_started) {
		r = knot_tsig_client_check(t, pkt->wire, pkt->size, s->request_mac,
		                           s->request_mac_len, &s->tsig->key, 0);
	} else {
		const uint8_t *cover = pkt->wire;
		size_t cover_len = pkt->size;
		if (s->unsigned_run > 0) {
			if (dv_buf_append(&s->unsigned_wire, pkt->wire, pkt->size) != DV_OK) {
				return stop(s, res, DV_XFR_INTERNAL, "message %llu: out of memory",
				            (unsigned long long)msgno);
			}
			cover = s->unsigned_wire.data;
			cover_len = s->unsigned_wire.len;
		}
		r = knot_tsig_client_check_next(t, cover, cover_len, s->prev_mac, s->prev_mac_len,
		                                &s->tsig->key, s->prev_time_signed);
	}
	if (r != KNOT_EOK) {
		return stop(s, res, DV_XFR_TSIG_INVALID,
		            "message %llu: TSIG verification failed with key %s: %s",
		            (unsigned long long)msgno, s->tsig->name, knot_strerror(r));
	}
	size_t maclen = knot_tsig_rdata_mac_length(t);
	if (maclen > DV_XFR_MAC_MAX) {
		return stop(s, res, DV_XFR_TSIG_INVALID, "message %llu: TSIG MAC too long",
		            (unsigned long long)msgno);
	}
	memcpy(s->prev_mac, knot_tsig_rdata_mac(t), maclen);
	s->prev_mac_len = maclen;
	s->prev_time_signed = knot_tsig_rdata_time_signed(t);
	s->tsig_started = true;
	s->unsigned_run = 0;
	s->unsigned_wire.len = 0;
	return DV_OK;
}

static int batch_add(xfr_stream_t *s, size_t n, const dv_xfr_rr_t *rr)
{
	if (dv_array_grow(&s->batch, &s->batch_cap, n, sizeof(*s->batch), 256) != DV_OK) {
		return DV_ENOMEM;
	}
	s->batch[n] = *rr;
	return DV_OK;
}

/* The records of one message's answer section, in order. */
static int records(xfr_stream_t *s, const knot_pktsection_t *an, dv_xfr_result_t *res,
                   uint64_t msgno)
{
	size_t n = 0; /* records to hand on */
	char what[300];
	for (uint16_t i = 0; i < an->count; i++) {
		const knot_rrset_t *k = knot_pkt_rr(an, i);
		const knot_rdata_t *rd = knot_rdataset_at(&k->rrs, 0);
		dv_xfr_rr_t rr = {
		    .owner = k->owner,
		    .type = k->type,
		    .rclass = k->rclass,
		    .ttl = k->ttl,
		    .rdlen = rd != NULL ? rd->len : 0,
		    .rdata = rd != NULL ? rd->data : NULL,
		};
		unsigned recno = (unsigned)i + 1;
		xfr_rr_describe(rr.owner, rr.type, what, sizeof(what));
		if (s->done) {
			return stop(s, res, DV_XFR_MALFORMED,
			            "message %llu, record %u (%s): a record after the closing SOA",
			            (unsigned long long)msgno, recno, what);
		}
		if (rr.rclass != KNOT_CLASS_IN) {
			return stop(s, res, DV_XFR_MALFORMED,
			            "message %llu, record %u (%s): class %u, not IN",
			            (unsigned long long)msgno, recno, what, rr.rclass);
		}
		/* knot_dname_in_bailiwick compares case-sensitively: compare lower case. */
		uint8_t lower[KNOT_DNAME_MAXLEN];
		memcpy(lower, rr.owner, knot_dname_size(rr.owner));
		knot_dname_to_lower(lower);
		if (knot_dname_in_bailiwick(lower, s->zone) < 0) {
			return stop(s, res, DV_XFR_MALFORMED,
			            "message %llu, record %u (%s): outside the zone",
			            (unsigned long long)msgno, recno, what);
		}
		bool apex_soa = rr.type == KNOT_RRTYPE_SOA;
		if (apex_soa && !knot_dname_is_equal(lower, s->zone)) {
			return stop(s, res, DV_XFR_MALFORMED,
			            "message %llu, record %u (%s): SOA below the zone apex",
			            (unsigned long long)msgno, recno, what);
		}
		if (!s->have_soa) {
			/* RFC 5936 §2.2, RFC 1995 §4: the answer opens with the zone's SOA. */
			uint32_t serial = 0;
			if (!apex_soa || xfr_soa_serial(&rr, &serial) != DV_OK ||
			    rr.rdlen > sizeof(s->soa_rdata)) {
				return stop(
				    s, res, DV_XFR_MALFORMED,
				    "message %llu, record %u (%s): the answer must open with "
				    "the zone's SOA",
				    (unsigned long long)msgno, recno, what);
			}
			s->have_soa = true;
			memcpy(s->soa_owner, rr.owner, knot_dname_size(rr.owner));
			memcpy(s->soa_rdata, rr.rdata, rr.rdlen);
			s->soa = rr;
			s->soa.owner = s->soa_owner;
			s->soa.rdata = s->soa_rdata;
			res->serial = serial;
			if (s->qtype == DV_XFR_IXFR) {
				res->up_to_date =
				    dv_serial_compare(serial, s->client_serial) != DV_SERIAL_NEWER;
				s->ixfr_undecided = true;
				continue;
			}
			res->kind = DV_XFR_KIND_FULL;
			if (batch_add(s, n++, &s->soa) != DV_OK) {
				return stop(s, res, DV_XFR_INTERNAL, "out of memory");
			}
			continue;
		}
		if (s->ixfr_undecided) {
			s->ixfr_undecided = false;
			if (apex_soa) {
				/* RFC 1995 §4: a second SOA opens a difference sequence. */
				res->kind = DV_XFR_KIND_DIFF;
				int r = dv_ixfr_new(s->client_serial, &s->soa, &s->ixfr_limits,
				                    &s->ixfr);
				if (r != DV_OK) {
					return stop(s, res, DV_XFR_INTERNAL, "out of memory");
				}
			} else {
				/* Anything else: the whole zone, AXFR-style. */
				res->kind = DV_XFR_KIND_FULL;
				if (batch_add(s, n++, &s->soa) != DV_OK) {
					return stop(s, res, DV_XFR_INTERNAL, "out of memory");
				}
			}
		}
		if (res->kind == DV_XFR_KIND_DIFF) {
			int r = dv_ixfr_push(s->ixfr, &rr);
			if (r < 0) {
				enum dv_xfr_failure f = r == DV_ELIMIT   ? DV_XFR_LIMIT
				                        : r == DV_ENOMEM ? DV_XFR_INTERNAL
				                                         : DV_XFR_MALFORMED;
				return stop(s, res, f, "message %llu, record %u (%s): %s",
				            (unsigned long long)msgno, recno, what,
				            dv_ixfr_error(s->ixfr));
			}
			if (r == 1) {
				s->done = true;
			}
			continue;
		}
		if (apex_soa) {
			/* RFC 5936 §2.2: the closing SOA repeats the opening one. */
			if (!xfr_soa_equal(&rr, &s->soa)) {
				uint32_t serial = 0;
				(void)xfr_soa_serial(&rr, &serial);
				return stop(
				    s, res, DV_XFR_MALFORMED,
				    "message %llu, record %u (%s): the closing SOA (serial %u) "
				    "differs from the opening one (serial %u)",
				    (unsigned long long)msgno, recno, what, serial, res->serial);
			}
			s->done = true;
			continue;
		}
		if (batch_add(s, n++, &rr) != DV_OK) {
			return stop(s, res, DV_XFR_INTERNAL, "out of memory");
		}
	}
	if (n > 0 && s->on_msg != NULL) {
		dv_xfr_msg_t m = {.index = msgno, .rrs = s->batch, .count = n};
		if (s->on_msg(s->ctx, &m) != 0) {
			return stop(s, res, DV_XFR_ABORTED,
			            "message %llu: the record consumer stopped the transfer",
			            (unsigned long long)msgno);
		}
	}
	return DV_OK;
}

int xfr_stream_message(xfr_stream_t *s, uint8_t *wire, size_t len, dv_xfr_result_t *res)
{
	if (s == NULL || wire == NULL || res == NULL) {
		return DV_EINVAL;
	}
	if (s->failed) {
		return res->status != DV_OK ? res->status : DV_EINVAL;
	}
	uint64_t msgno = ++res->messages;
	if (s->done) {
		return stop(s, res, DV_XFR_MALFORMED,
		            "message %llu: a message after the end of the transfer",
		            (unsigned long long)msgno);
	}
	res->bytes += len;
	if (res->messages > s->limits.max_messages) {
		return stop(s, res, DV_XFR_LIMIT, "message %llu: more than %llu messages",
		            (unsigned long long)msgno, (unsigned long long)s->limits.max_messages);
	}
	if (res->bytes > s->limits.max_bytes) {
		return stop(s, res, DV_XFR_LIMIT, "message %llu: more than %llu bytes",
		            (unsigned long long)msgno, (unsigned long long)s->limits.max_bytes);
	}
	if (len < HDR_LEN || len > UINT16_MAX) {
		return stop(s, res, DV_XFR_MALFORMED, "message %llu: %zu bytes, not a DNS message",
		            (unsigned long long)msgno, len);
	}
	/* RFC 5936 §2.2: every message carries the query's ID. */
	if (knot_wire_get_id(wire) != s->id) {
		return stop(s, res, DV_XFR_MALFORMED, "message %llu: ID %u, the query's was %u",
		            (unsigned long long)msgno, knot_wire_get_id(wire), s->id);
	}
	if (!knot_wire_get_qr(wire) || knot_wire_get_opcode(wire) != KNOT_OPCODE_QUERY) {
		return stop(s, res, DV_XFR_MALFORMED, "message %llu: not a response to a QUERY",
		            (unsigned long long)msgno);
	}
	uint8_t rcode = knot_wire_get_rcode(wire);
	res->rcode = rcode;
	int q = question_check(s, wire, len);
	if (q < 0) {
		return stop(s, res, DV_XFR_MALFORMED,
		            "message %llu: the question is not the one asked",
		            (unsigned long long)msgno);
	}

	knot_pkt_t *pkt = knot_pkt_new(wire, (uint16_t)len, &s->mm);
	if (pkt == NULL) {
		scratch_reset(&s->scratch);
		return stop(s, res, DV_XFR_INTERNAL, "out of memory");
	}
	int ret = DV_OK;
	/* Records as sent (no lower-casing); the TSIG RR is stripped for the check below. */
	int pr = knot_pkt_parse(pkt, KNOT_PF_NOCANON);
	if (rcode != KNOT_RCODE_NOERROR) {
		/* A refusal: say what the server said (and its TSIG error, if any). */
		const knot_lookup_t *name = knot_lookup_by_id(knot_rcode_names, rcode);
		uint16_t terr = (pr == KNOT_EOK && pkt->tsig_rr != NULL)
		                    ? knot_tsig_rdata_error(pkt->tsig_rr)
		                    : 0;
		if (terr != 0) {
			res->tsig_error = terr;
			ret =
			    stop(s, res, DV_XFR_TSIG_REJECTED,
			         "message %llu: %s, TSIG error %u (%s): the server does not accept "
			         "the key",
			         (unsigned long long)msgno, name != NULL ? name->name : "?", terr,
			         terr == KNOT_RCODE_BADKEY    ? "BADKEY"
			         : terr == KNOT_RCODE_BADSIG  ? "BADSIG"
			         : terr == KNOT_RCODE_BADTIME ? "BADTIME"
			                                      : "other");
		} else {
			ret = stop(s, res, DV_XFR_REFUSED, "message %llu: the server answered %s",
			           (unsigned long long)msgno, name != NULL ? name->name : "?");
		}
		goto out;
	}
	if (msgno == 1 && q == 0) {
		ret = stop(s, res, DV_XFR_MALFORMED,
		           "message 1: no question (RFC 5936 §2.2.1: the first message echoes it)");
		goto out;
	}
	if (knot_wire_get_tc(wire)) {
		ret = stop(s, res, DV_XFR_MALFORMED, "message %llu: TC set (RFC 5936 §2.2.1)",
		           (unsigned long long)msgno);
		goto out;
	}
	if (pr != KNOT_EOK && pr != KNOT_ETRAIL) {
		ret = stop(s, res, DV_XFR_MALFORMED, "message %llu: does not parse: %s",
		           (unsigned long long)msgno, knot_strerror(pr));
		goto out;
	}
	if (s->tsig != NULL) {
		ret = tsig_check(s, pkt, res, msgno);
		if (ret != DV_OK) {
			goto out;
		}
	}
	const knot_pktsection_t *an = knot_pkt_section(pkt, KNOT_ANSWER);
	res->records += an->count;
	if (res->records > s->limits.max_records) {
		ret = stop(s, res, DV_XFR_LIMIT, "message %llu: more than %llu records",
		           (unsigned long long)msgno, (unsigned long long)s->limits.max_records);
		goto out;
	}
	if (msgno == 1 && an->count == 0) {
		ret = stop(s, res, DV_XFR_MALFORMED, "message 1: an empty answer, no SOA");
		goto out;
	}
	ret = records(s, an, res, msgno);
	if (ret != DV_OK) {
		goto out;
	}
	/* RFC 1995 §4: a first message holding the server's SOA alone is the whole answer. */
	if (s->ixfr_undecided && msgno == 1 && an->count == 1) {
		s->ixfr_undecided = false;
		res->kind = DV_XFR_KIND_SOA;
		s->done = true;
	}
	if (s->done) {
		if (s->tsig != NULL && s->unsigned_run > 0) {
			ret = stop(
			    s, res, DV_XFR_TSIG_INVALID,
			    "message %llu: the last message is not TSIG-signed (RFC 8945 §5.3.1)",
			    (unsigned long long)msgno);
			goto out;
		}
		res->tsig_verified = s->tsig != NULL;
		if (res->kind == DV_XFR_KIND_DIFF) {
			res->ixfr = s->ixfr;
			s->ixfr = NULL;
		}
		res->failure = DV_XFR_OK;
		res->status = DV_OK;
		ret = XFR_DONE;
	}
out:
	knot_pkt_free(pkt);
	scratch_reset(&s->scratch);
	return ret;
}

int xfr_stream_eof(xfr_stream_t *s, dv_xfr_result_t *res)
{
	if (s->done || s->failed) {
		return res->status;
	}
	if (res->messages == 0) {
		return stop(s, res, DV_XFR_TRUNCATED,
		            "the server closed the connection without answering");
	}
	return stop(s, res, DV_XFR_TRUNCATED,
	            "the connection closed after message %llu, before the closing SOA",
	            (unsigned long long)res->messages);
}
