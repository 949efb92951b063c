/*
 * The IXFR difference sequence (RFC 1995 §4) as a model: per version step
 * the old and new serial, the removed and the added records.
 *
 * It lives in src/net rather than src/zone because it is the shape of a
 * transfer answer, parsed record by record while the messages arrive; what
 * applying it to a zone store means belongs with that store.
 *
 * The answer after the server's SOA reads
 *     SOA(v0) removed... SOA(v1) added...  SOA(v1) removed... SOA(v2) added...
 *     ...  SOA(vN)
 * and every check below names the step (1 = the oldest) and the record
 * (1 = the server's SOA that opened the answer).
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

#define DEF_MAX_STEPS   65536
#define DEF_MAX_RECORDS (64u * 1024 * 1024)
#define DEF_MAX_BYTES   (2ull * 1024 * 1024 * 1024)

enum ixfr_state {
	ST_STEP,   /* the next record is the SOA that opens a step's removals */
	ST_REMOVE, /* removals of the current step */
	ST_ADD,    /* additions of the current step */
	ST_DONE,   /* the closing SOA was seen */
	ST_FAILED,
};

typedef struct {
	dv_ixfr_step_t pub;
	size_t removed_cap, added_cap;
} step_t;

struct dv_ixfr {
	dv_arena_t arena;
	dv_ixfr_limits_t limits;
	uint32_t from, to;
	dv_xfr_rr_t server_soa;
	step_t *steps;
	size_t nsteps, steps_cap;
	size_t records; /* pushed so far, the server's SOA counted as record 1 */
	size_t held;    /* removed + added */
	uint64_t bytes;
	enum ixfr_state state;
	char error[256];
};

static int fail(dv_ixfr_t *ix, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(dv_ixfr_t *ix, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ix->error, sizeof(ix->error), fmt, ap);
	va_end(ap);
	ix->state = ST_FAILED;
	return code;
}

int xfr_soa_serial(const dv_xfr_rr_t *rr, uint32_t *serial)
{
	if (rr->rdata == NULL) {
		return DV_EPARSE;
	}
	/* RFC 1035 §3.3.13: MNAME, RNAME, then five 32-bit fields. */
	const uint8_t *end = rr->rdata + rr->rdlen;
	int a = knot_dname_wire_check(rr->rdata, end, NULL);
	if (a <= 0) {
		return DV_EPARSE;
	}
	int b = knot_dname_wire_check(rr->rdata + a, end, NULL);
	if (b <= 0 || (size_t)a + (size_t)b + 20 != rr->rdlen) {
		return DV_EPARSE;
	}
	const uint8_t *p = rr->rdata + a + b;
	*serial = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	return DV_OK;
}

bool xfr_soa_equal(const dv_xfr_rr_t *x, const dv_xfr_rr_t *y)
{
	uint32_t sx, sy;
	if (xfr_soa_serial(x, &sx) != DV_OK || xfr_soa_serial(y, &sy) != DV_OK ||
	    x->rdlen != y->rdlen) {
		return false;
	}
	/* Names compare without case (compression can change it between messages). */
	size_t a = knot_dname_size(x->rdata);
	if (a != knot_dname_size(y->rdata) || !knot_dname_is_case_equal(x->rdata, y->rdata) ||
	    !knot_dname_is_case_equal(x->rdata + a, y->rdata + a)) {
		return false;
	}
	return memcmp(x->rdata + x->rdlen - 20, y->rdata + y->rdlen - 20, 20) == 0;
}

static int rr_copy(dv_ixfr_t *ix, const dv_xfr_rr_t *src, dv_xfr_rr_t *dst)
{
	size_t olen = knot_dname_size(src->owner);
	if (ix->bytes + olen + src->rdlen > ix->limits.max_bytes) {
		return fail(ix, DV_ELIMIT, "record %zu: more than %llu bytes of differences",
		            ix->records, (unsigned long long)ix->limits.max_bytes);
	}
	uint8_t *owner = dv_arena_dup(&ix->arena, src->owner, olen);
	uint8_t *rdata = src->rdlen > 0 ? dv_arena_dup(&ix->arena, src->rdata, src->rdlen) : NULL;
	if (owner == NULL || (src->rdlen > 0 && rdata == NULL)) {
		return fail(ix, DV_ENOMEM, "record %zu: out of memory", ix->records);
	}
	ix->bytes += olen + src->rdlen;
	*dst = *src;
	dst->owner = owner;
	dst->rdata = rdata;
	return DV_OK;
}

int dv_ixfr_new(uint32_t client_serial, const dv_xfr_rr_t *server_soa,
                const dv_ixfr_limits_t *limits, dv_ixfr_t **out)
{
	if (server_soa == NULL || out == NULL || server_soa->owner == NULL ||
	    server_soa->type != KNOT_RRTYPE_SOA) {
		return DV_EINVAL;
	}
	dv_ixfr_t *ix = calloc(1, sizeof(*ix));
	if (ix == NULL) {
		return DV_ENOMEM;
	}
	dv_arena_init(&ix->arena, 64 * 1024);
	/* Zero (or no limits at all) means the default. */
	const dv_ixfr_limits_t none = {0}, *l = limits != NULL ? limits : &none;
	ix->limits.max_steps = l->max_steps != 0 ? l->max_steps : DEF_MAX_STEPS;
	ix->limits.max_records = l->max_records != 0 ? l->max_records : DEF_MAX_RECORDS;
	ix->limits.max_bytes = l->max_bytes != 0 ? l->max_bytes : DEF_MAX_BYTES;
	ix->from = client_serial;
	ix->records = 1;
	if (xfr_soa_serial(server_soa, &ix->to) != DV_OK ||
	    rr_copy(ix, server_soa, &ix->server_soa) != DV_OK) {
		dv_ixfr_free(ix);
		return DV_EPARSE;
	}
	ix->state = ST_STEP;
	*out = ix;
	return DV_OK;
}

static int start_step(dv_ixfr_t *ix, const dv_xfr_rr_t *soa, uint32_t serial)
{
	if (ix->nsteps == ix->limits.max_steps) {
		return fail(ix, DV_ELIMIT, "record %zu: more than %zu version steps", ix->records,
		            ix->limits.max_steps);
	}
	uint32_t expect = ix->nsteps == 0 ? ix->from : ix->steps[ix->nsteps - 1].pub.new_serial;
	if (serial != expect) {
		if (ix->nsteps == 0) {
			return fail(ix, DV_EPARSE,
			            "record %zu: the first step starts at serial %u, but the query "
			            "asked for differences from serial %u",
			            ix->records, serial, expect);
		}
		return fail(ix, DV_EPARSE,
		            "record %zu: step %zu starts at serial %u, but step %zu ended at "
		            "serial %u (the SOAs do not chain)",
		            ix->records, ix->nsteps + 1, serial, ix->nsteps, expect);
	}
	if (dv_array_grow(&ix->steps, &ix->steps_cap, ix->nsteps, sizeof(step_t), 8) != DV_OK) {
		return fail(ix, DV_ENOMEM, "record %zu: out of memory", ix->records);
	}
	step_t *st = &ix->steps[ix->nsteps];
	memset(st, 0, sizeof(*st));
	int r = rr_copy(ix, soa, &st->pub.old_soa);
	if (r != DV_OK) {
		return r;
	}
	st->pub.old_serial = serial;
	ix->nsteps++;
	ix->state = ST_REMOVE;
	return DV_OK;
}

static int end_removals(dv_ixfr_t *ix, const dv_xfr_rr_t *soa, uint32_t serial)
{
	step_t *st = &ix->steps[ix->nsteps - 1];
	/* RFC 1982 §3.2: every step must move the serial forward. */
	if (dv_serial_compare(serial, st->pub.old_serial) != DV_SERIAL_NEWER) {
		return fail(ix, DV_EPARSE,
		            "record %zu: step %zu goes from serial %u to %u, which is not forward "
		            "(RFC 1982)",
		            ix->records, ix->nsteps, st->pub.old_serial, serial);
	}
	if (dv_serial_compare(serial, ix->to) == DV_SERIAL_NEWER) {
		return fail(ix, DV_EPARSE,
		            "record %zu: step %zu ends at serial %u, beyond the server's serial %u",
		            ix->records, ix->nsteps, serial, ix->to);
	}
	int r = rr_copy(ix, soa, &st->pub.new_soa);
	if (r != DV_OK) {
		return r;
	}
	st->pub.new_serial = serial;
	ix->state = ST_ADD;
	return DV_OK;
}

static int hold(dv_ixfr_t *ix, const dv_xfr_rr_t *rr, bool added)
{
	if (ix->held == ix->limits.max_records) {
		return fail(ix, DV_ELIMIT, "record %zu: more than %zu records of differences",
		            ix->records, ix->limits.max_records);
	}
	step_t *st = &ix->steps[ix->nsteps - 1];
	dv_xfr_rr_t **v = added ? &st->pub.added : &st->pub.removed;
	size_t *n = added ? &st->pub.added_count : &st->pub.removed_count;
	size_t *cap = added ? &st->added_cap : &st->removed_cap;
	if (dv_array_grow(v, cap, *n, sizeof(dv_xfr_rr_t), 16) != DV_OK) {
		return fail(ix, DV_ENOMEM, "record %zu: out of memory", ix->records);
	}
	int r = rr_copy(ix, rr, &(*v)[*n]);
	if (r != DV_OK) {
		return r;
	}
	(*n)++;
	ix->held++;
	return DV_OK;
}

int dv_ixfr_push(dv_ixfr_t *ix, const dv_xfr_rr_t *rr)
{
	if (ix == NULL || rr == NULL || rr->owner == NULL || (rr->rdlen > 0 && rr->rdata == NULL)) {
		return DV_EINVAL;
	}
	if (ix->state == ST_DONE || ix->state == ST_FAILED) {
		return DV_EINVAL;
	}
	ix->records++;
	bool soa = rr->type == KNOT_RRTYPE_SOA;
	uint32_t serial = 0;
	if (soa) {
		if (!knot_dname_is_case_equal(rr->owner, ix->server_soa.owner)) {
			/* An SOA elsewhere cannot mark a step: a broken sequence, not data. */
			return fail(ix, DV_EPARSE, "record %zu: SOA not at the zone apex",
			            ix->records);
		}
		if (xfr_soa_serial(rr, &serial) != DV_OK) {
			return fail(ix, DV_EPARSE, "record %zu: malformed SOA RDATA", ix->records);
		}
	}
	switch (ix->state) {
	case ST_STEP:
		if (!soa) {
			return fail(
			    ix, DV_EPARSE,
			    "record %zu: expected the SOA that opens step %zu, got another type",
			    ix->records, ix->nsteps + 1);
		}
		return start_step(ix, rr, serial);
	case ST_REMOVE:
		return soa ? end_removals(ix, rr, serial) : hold(ix, rr, false);
	case ST_ADD:
		if (!soa) {
			return hold(ix, rr, true);
		}
		if (ix->steps[ix->nsteps - 1].pub.new_serial == ix->to) {
			/* RFC 1995 §4: the answer ends with the server's SOA again. */
			if (!xfr_soa_equal(rr, &ix->server_soa)) {
				return fail(
				    ix, DV_EPARSE,
				    "record %zu: the closing SOA (serial %u) differs from the "
				    "server's SOA (serial %u)",
				    ix->records, serial, ix->to);
			}
			ix->state = ST_DONE;
			return 1;
		}
		return start_step(ix, rr, serial);
	default:
		return DV_EINVAL;
	}
}

bool dv_ixfr_complete(const dv_ixfr_t *ix)
{
	return ix != NULL && ix->state == ST_DONE;
}

const char *dv_ixfr_error(const dv_ixfr_t *ix)
{
	return ix != NULL ? ix->error : "";
}

uint32_t dv_ixfr_from_serial(const dv_ixfr_t *ix)
{
	return ix != NULL ? ix->from : 0;
}

uint32_t dv_ixfr_to_serial(const dv_ixfr_t *ix)
{
	return ix != NULL ? ix->to : 0;
}

size_t dv_ixfr_step_count(const dv_ixfr_t *ix)
{
	return ix != NULL ? ix->nsteps : 0;
}

const dv_ixfr_step_t *dv_ixfr_step(const dv_ixfr_t *ix, size_t i)
{
	if (ix == NULL || i >= ix->nsteps) {
		return NULL;
	}
	return &ix->steps[i].pub;
}

void dv_ixfr_free(dv_ixfr_t *ix)
{
	if (ix == NULL) {
		return;
	}
	for (size_t i = 0; i < ix->nsteps; i++) {
		free(ix->steps[i].pub.removed);
		free(ix->steps[i].pub.added);
	}
	free(ix->steps);
	dv_arena_clear(&ix->arena);
	free(ix);
}
