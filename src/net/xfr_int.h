/*
 * Internal pieces of the zone transfer client that do no I/O: the TSIG key,
 * the query builder and the message-stream processor, split out so unit
 * tests and the fuzz target can drive them directly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "core/buf.h"
#include "net/xfr.h"

struct dv_tsig_key {
	knot_tsig_key_t key; /* libknot's form: algorithm, wire name, decoded secret */
	const char *alg;     /* static canonical name */
	char name[1025];     /* presentation form, lower case */
};

/*! Largest transfer query: header, QNAME, IXFR's SOA in the authority
 *  section and a TSIG RR with a 64-byte MAC all fit with room to spare. */
#define DV_XFR_QUERY_MAX 2048
/*! Largest MAC we keep (HMAC-SHA512). */
#define DV_XFR_MAC_MAX 64
/*! RFC 8945 §5.3.1: a client must accept up to 99 unsigned messages in a row. */
#define DV_XFR_TSIG_UNSIGNED_MAX 99
/*! Largest SOA RDATA: two names and five 32-bit fields. */
#define DV_XFR_SOA_RDATA_MAX (255 + 255 + 20)

/* Defaults of dv_xfr_limits_t and dv_ixfr_limits_t (see doc/xfr.md). */
#define DV_XFR_DEF_MAX_BYTES    (4ull * 1024 * 1024 * 1024)
#define DV_XFR_DEF_MAX_MESSAGES (4ull * 1024 * 1024)
#define DV_XFR_DEF_MAX_RECORDS  (64ull * 1024 * 1024)
#define DV_XFR_DEF_MAX_MS       600000u
#define DV_XFR_DEF_IDLE_MS      10000u
#define DV_XFR_MAX_MS_CAP       86400000u /* a day: bounds every timer */

/*!
 * Build the transfer query with message ID id into buf (cap bytes): QUERY
 * opcode, no RD, question (zone, AXFR|IXFR, IN); for IXFR the client's SOA
 * in the authority section (RFC 1995 §3; only its serial is meaningful, the
 * other fields are zero and the names the root); signed with req->tsig when
 * set (its MAC is written to mac, *mac_len bytes, for verifying the answer).
 */
int dv_xfr_query_build(const dv_xfr_req_t *req, uint16_t id, uint8_t *buf, size_t cap, size_t *len,
                       uint8_t *mac, size_t *mac_len);

/* A bump allocator for one message's parse, emptied after each message. */
typedef struct xfr_scratch_block xfr_scratch_block_t;
typedef struct {
	uint8_t *base;
	size_t cap, used;
	xfr_scratch_block_t *extra; /* oversize allocations, freed at reset */
} xfr_scratch_t;

/*! The transfer stream: checks each message and hands records on. */
typedef struct {
	/* what was asked */
	uint16_t id;
	uint8_t zone[KNOT_DNAME_MAXLEN];
	uint16_t qtype;
	uint32_t client_serial;
	const dv_tsig_key_t *tsig;
	uint8_t request_mac[DV_XFR_MAC_MAX];
	size_t request_mac_len;
	dv_xfr_limits_t limits;
	dv_ixfr_limits_t ixfr_limits;
	dv_xfr_msg_cb on_msg;
	void *ctx;

	/* where the stream is */
	bool done, failed;
	bool have_soa;       /* the opening SOA was seen */
	bool ixfr_undecided; /* IXFR: opening SOA seen, the second record not yet */
	uint8_t soa_owner[KNOT_DNAME_MAXLEN];
	uint8_t soa_rdata[DV_XFR_SOA_RDATA_MAX];
	dv_xfr_rr_t soa; /* the opening SOA, pointing at the two arrays above */
	dv_ixfr_t *ixfr;

	/* TSIG (RFC 8945 §5.3.1) */
	bool tsig_started; /* the first signed message was verified */
	uint8_t prev_mac[DV_XFR_MAC_MAX];
	size_t prev_mac_len;
	uint64_t prev_time_signed;
	unsigned unsigned_run; /* messages since the last signed one */
	dv_buf_t unsigned_wire;

	xfr_scratch_t scratch;
	knot_mm_t mm;
	dv_xfr_rr_t *batch;
	size_t batch_cap;
} xfr_stream_t;

/*! Values of xfr_stream_message beside the errors. */
enum { XFR_MORE = 0, XFR_DONE = 1 };

/*!
 * Prepare a stream for the answer to the query with ID id built from req;
 * request_mac is the MAC of the signed query (NULL / 0 without TSIG).
 * Records of full-zone answers go to on_msg (may be NULL).
 */
int xfr_stream_init(xfr_stream_t *s, const dv_xfr_req_t *req, uint16_t id,
                    const uint8_t *request_mac, size_t request_mac_len, dv_xfr_msg_cb on_msg,
                    void *ctx);
/*!
 * Process one message (wire, len bytes; the buffer is modified: libknot
 * strips the TSIG RR).  Updates res (counts, kind, serial, TSIG state).
 * Returns XFR_MORE, XFR_DONE (the transfer is complete and valid), or a
 * dv_error with res->failure and res->detail set; once it returned
 * anything but XFR_MORE it refuses further messages.
 */
int xfr_stream_message(xfr_stream_t *s, uint8_t *wire, size_t len, dv_xfr_result_t *res);
/*! The connection ended (EOF) before XFR_DONE: sets the failure in res. */
int xfr_stream_eof(xfr_stream_t *s, dv_xfr_result_t *res);
/*! Release what the stream holds (an IXFR sequence not yet handed to res). */
void xfr_stream_clear(xfr_stream_t *s);

/*! Fill res with a failure (status from the failure kind) and a formatted detail. */
void xfr_result_fail(dv_xfr_result_t *res, enum dv_xfr_failure f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*! Format "owner TYPE" of a record into buf. */
void xfr_rr_describe(const uint8_t *owner, uint16_t type, char *buf, size_t len);
/*! The serial of an SOA record; DV_EPARSE when its RDATA is malformed. */
int xfr_soa_serial(const dv_xfr_rr_t *rr, uint32_t *serial);
/*! Two SOA records are the same: names equal without case, the five fields equal. */
bool xfr_soa_equal(const dv_xfr_rr_t *x, const dv_xfr_rr_t *y);
