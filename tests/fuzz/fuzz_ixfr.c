/*
 * libFuzzer target: the IXFR difference sequence model (src/net/ixfr.c)
 * fed record by record, independent of message framing.
 *
 * Input: 4 bytes of client serial, then records of 6 bytes each: a
 * selector (bit 0: SOA, else A; bits 1-2: owner = apex, apex in upper
 * case, a name below the apex, another zone; bit 3: another MNAME in the
 * SOA), then 4 bytes (the SOA serial or the address) and one byte of TTL.
 * The first record is the server's SOA.  Small ceilings (steps, records,
 * bytes) are set from the first selector so the limit paths run too.
 *
 * Invariants: a complete sequence chains from the client's serial to the
 * server's, each step moves forward (RFC 1982) and the records held are
 * exactly the non-SOA records fed; an error has a reason and stops intake.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "core/serial.h"
#include "net/xfr.h"

#define REC 6

static const uint8_t *owner_of(uint8_t sel)
{
	static const uint8_t *const owners[4] = {
	    (const uint8_t *)"\x04zone\x03lab",
	    (const uint8_t *)"\x04ZONE\x03LAB",
	    (const uint8_t *)"\x03www\x04zone\x03lab",
	    (const uint8_t *)"\x05other\x03lab",
	};
	return owners[(sel >> 1) & 3];
}

static void make(const uint8_t *p, uint8_t *rdata, dv_xfr_rr_t *rr)
{
	uint8_t sel = p[0];
	memset(rr, 0, sizeof(*rr));
	rr->owner = owner_of(sel);
	rr->rclass = KNOT_CLASS_IN;
	rr->ttl = p[5];
	if (sel & 1) {
		/* MNAME, RNAME, serial, four timers */
		static const uint8_t m1[] = "\x02ns\x04zone\x03lab", m2[] = "\x02NS\x04zone\x03lab";
		size_t n = 0;
		memcpy(rdata, (sel & 8) ? m2 : m1, sizeof(m1));
		n += sizeof(m1);
		memcpy(rdata + n, "\x04host\x03lab", 10);
		n += 10;
		memcpy(rdata + n, p + 1, 4);
		memset(rdata + n + 4, 0, 16);
		rr->type = KNOT_RRTYPE_SOA;
		rr->rdlen = (uint16_t)(n + 20);
	} else {
		memcpy(rdata, p + 1, 4);
		rr->type = KNOT_RRTYPE_A;
		rr->rdlen = 4;
	}
	rr->rdata = rdata;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4 + REC || size > 4 + REC * 100000) {
		return 0;
	}
	uint32_t from = ((uint32_t)data[0] << 24) | ((uint32_t)data[1] << 16) |
	                ((uint32_t)data[2] << 8) | data[3];
	const uint8_t *p = data + 4;
	size_t n = (size - 4) / REC;
	uint8_t rdata[64];
	dv_xfr_rr_t rr;
	make(p, rdata, &rr);
	dv_ixfr_limits_t lim = {0};
	if (p[0] & 0x80) {
		lim.max_steps = 3;
		lim.max_records = 8;
		lim.max_bytes = 600;
	}
	dv_ixfr_t *ix = NULL;
	int r = dv_ixfr_new(from, &rr, &lim, &ix);
	if (r != DV_OK) {
		if (ix != NULL ||
		    (rr.type == KNOT_RRTYPE_SOA && r != DV_EPARSE && r != DV_ENOMEM)) {
			__builtin_trap();
		}
		return 0;
	}
	size_t plain = 0;
	for (size_t i = 1; i < n; i++) {
		make(p + i * REC, rdata, &rr);
		r = dv_ixfr_push(ix, &rr);
		if (r < 0) {
			if (dv_ixfr_error(ix)[0] == '\0' || dv_ixfr_complete(ix) ||
			    dv_ixfr_push(ix, &rr) != DV_EINVAL) {
				__builtin_trap();
			}
			break;
		}
		if (rr.type != KNOT_RRTYPE_SOA) {
			plain++;
		}
		if (r == 1) {
			break;
		}
	}
	if (dv_ixfr_complete(ix)) {
		uint32_t at = from;
		size_t held = 0;
		for (size_t i = 0; i < dv_ixfr_step_count(ix); i++) {
			const dv_ixfr_step_t *s = dv_ixfr_step(ix, i);
			if (s->old_serial != at ||
			    dv_serial_compare(s->new_serial, s->old_serial) != DV_SERIAL_NEWER) {
				__builtin_trap();
			}
			at = s->new_serial;
			held += s->removed_count + s->added_count;
		}
		if (at != dv_ixfr_to_serial(ix) || held != plain || dv_ixfr_step_count(ix) == 0) {
			__builtin_trap();
		}
	}
	dv_ixfr_free(ix);
	return 0;
}
