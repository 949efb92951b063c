/*
 * libFuzzer target: a zone transfer answer as it comes off the TCP stream
 * (src/net/xfr_stream.c): framing, then every message through the stream
 * checker (ID, question, RCODE, parse, TSIG, SOAs, the IXFR difference
 * sequence), then the end of the stream.
 *
 * Input: one selector byte, then the TCP byte stream.  Selector bit 0:
 * IXFR instead of AXFR; bit 1: a TSIG key is configured (the MACs of
 * fuzzed input will not verify, but the paths up to the check run); bits
 * 2-3 pick the client serial for IXFR.  The query ID is taken from the
 * first message, so fuzzing gets past the ID check.
 *
 * Invariants checked (a violation traps): a finished transfer has a kind,
 * a serial and no failure; a difference sequence is complete, chains from
 * the client's serial to the server's, and moves forward at every step;
 * a failure has a reason; records handed on never exceed records received.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "core/serial.h"
#include "net/net_int.h"
#include "net/xfr_int.h"

static const char KEY[] = "key \"xfr.lab.\" { algorithm hmac-sha256; "
                          "secret \"CwsLCwsLCwsLCwsLCwsLCwsLCws=\"; };";

static uint64_t delivered;

static int on_msg(void *ctx, const dv_xfr_msg_t *m)
{
	for (size_t i = 0; i < m->count; i++) {
		/* Records handed on are whole: an owner that is a name, RDATA in bounds. */
		if (knot_dname_size(m->rrs[i].owner) == 0 ||
		    (m->rrs[i].rdlen > 0 && m->rrs[i].rdata == NULL)) {
			__builtin_trap();
		}
	}
	delivered += m->count;
	return 0;
}

static void check_done(const dv_xfr_result_t *res, uint32_t client)
{
	if (res->status != DV_OK || res->failure != DV_XFR_OK || res->kind == DV_XFR_KIND_NONE) {
		__builtin_trap();
	}
	if (res->kind != DV_XFR_KIND_DIFF) {
		return;
	}
	const dv_ixfr_t *ix = res->ixfr;
	size_t n = dv_ixfr_step_count(ix);
	if (ix == NULL || !dv_ixfr_complete(ix) || n == 0 || dv_ixfr_from_serial(ix) != client ||
	    dv_ixfr_to_serial(ix) != res->serial) {
		__builtin_trap();
	}
	uint32_t at = client;
	for (size_t i = 0; i < n; i++) {
		const dv_ixfr_step_t *s = dv_ixfr_step(ix, i);
		if (s->old_serial != at ||
		    dv_serial_compare(s->new_serial, s->old_serial) != DV_SERIAL_NEWER) {
			__builtin_trap();
		}
		at = s->new_serial;
	}
	if (at != res->serial) {
		__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static dv_tsig_key_t *key;
	if (key == NULL && dv_tsig_key_parse(KEY, sizeof(KEY) - 1, NULL, &key, NULL, 0) != DV_OK) {
		__builtin_trap();
	}
	if (size < 3 || size > 4 * 65537) {
		return 0;
	}
	uint8_t sel = data[0];
	static const uint32_t serials[4] = {1, 1796296495u, 0xffffffffu, 0x80000000u};
	dv_xfr_req_t req;
	memset(&req, 0, sizeof(req));
	memcpy(req.zone, "\x07healthy\x03lab", 13);
	req.type = (sel & 1) ? DV_XFR_IXFR : DV_XFR_AXFR;
	req.serial = serials[(sel >> 2) & 3];
	req.tsig = (sel & 2) ? key : NULL;

	/* A copy: the checker writes into messages (libknot strips the TSIG). */
	static uint8_t buf[4 * 65537];
	size_t len = size - 1;
	memcpy(buf, data + 1, len);
	uint16_t id = len >= 4 ? (uint16_t)((buf[2] << 8) | buf[3]) : 0;

	uint8_t mac[DV_XFR_MAC_MAX] = {0x5a};
	xfr_stream_t st;
	if (xfr_stream_init(&st, &req, id, req.tsig ? mac : NULL, req.tsig ? 32 : 0, on_msg,
	                    NULL) != DV_OK) {
		__builtin_trap();
	}
	dv_xfr_result_t res;
	memset(&res, 0, sizeof(res));
	delivered = 0;
	int r = XFR_MORE;
	size_t pos = 0, off, mlen, used;
	while (r == XFR_MORE && dv_net_tcp_frame(buf + pos, len - pos, &off, &mlen, &used)) {
		r = xfr_stream_message(&st, buf + pos + off, mlen, &res);
		pos += used;
	}
	if (r == XFR_MORE) {
		r = xfr_stream_eof(&st, &res);
		if (r == DV_OK || res.failure != DV_XFR_TRUNCATED) {
			__builtin_trap();
		}
	}
	if (r == XFR_DONE) {
		check_done(&res, req.serial);
	} else if (r >= 0 || res.failure == DV_XFR_OK || res.detail[0] == '\0' ||
	           res.ixfr != NULL) {
		__builtin_trap();
	}
	if (delivered > res.records) {
		__builtin_trap();
	}
	dv_ixfr_free(res.ixfr);
	xfr_stream_clear(&st);
	return 0;
}
