/*
 * Unit tests of dv_zone_patch (src/core/patch.c): a new version of a zone
 * from an old one and a difference must be exactly the zone the builder
 * makes from the new version's records (names, flags, RRsets, records), and
 * its delta must name exactly the names whose records or flags changed.
 * Checked on hand-written cases (a delegation appearing over existing
 * names, an empty non-terminal going, a TTL change, a DNAME) and on
 * thousands of random differences over a small name tree; errors: removing
 * what is not there, adding what is, out of zone, the SOA gone.
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libknot/libknot.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/zone.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a zone as a set of records ------------------------------------------------ */

typedef struct {
	uint8_t owner[KNOT_DNAME_MAXLEN];
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[64];
} rec_t;

typedef struct {
	rec_t v[512];
	size_t n;
} model_t;

static const char *const pool[] = {
    "ex.",     "a.ex.",     "b.a.ex.", "c.b.a.ex.", "d.ex.",     "x.d.ex.",
    "*.d.ex.", "e.x.d.ex.", "f.ex.",   "g.f.ex.",   "h.g.f.ex.", "i.h.g.f.ex.",
    "Z.ex.",   "y.z.ex.",   "k.ex.",   "l.k.ex.",   "m.l.k.ex.", "n.ex.",
};

static void set_owner(rec_t *r, const char *name)
{
	assert_non_null(knot_dname_from_str(r->owner, name, sizeof(r->owner)));
}

static void rd_name(rec_t *r, const char *name)
{
	uint8_t w[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(w, name, sizeof(w)));
	r->rdlen = (uint16_t)knot_dname_size(w);
	memcpy(r->rdata, w, r->rdlen);
}

static void make_soa(rec_t *r, uint32_t serial)
{
	memset(r, 0, sizeof(*r));
	set_owner(r, "ex.");
	r->type = KNOT_RRTYPE_SOA;
	r->ttl = 3600;
	rd_name(r, "ns.ex.");
	uint8_t rn[KNOT_DNAME_MAXLEN];
	knot_dname_from_str(rn, "host.ex.", sizeof(rn));
	size_t l = knot_dname_size(rn);
	memcpy(r->rdata + r->rdlen, rn, l);
	r->rdlen += (uint16_t)l;
	uint8_t *f = r->rdata + r->rdlen;
	memset(f, 0, 20);
	f[0] = (uint8_t)(serial >> 24);
	f[1] = (uint8_t)(serial >> 16);
	f[2] = (uint8_t)(serial >> 8);
	f[3] = (uint8_t)serial;
	r->rdlen += 20;
}

/* A random record at a name of the pool (never an SOA). */
static void make_random(rec_t *r, unsigned *seed)
{
	memset(r, 0, sizeof(*r));
	set_owner(r, pool[rand_r(seed) % NELEM(pool)]);
	r->ttl = rand_r(seed) % 4 == 0 ? 600 : 300;
	unsigned v = (unsigned)rand_r(seed) % 3;
	switch (rand_r(seed) % 7) {
	case 0:
	case 1:
		r->type = KNOT_RRTYPE_A;
		r->rdlen = 4;
		r->rdata[0] = 192;
		r->rdata[3] = (uint8_t)v;
		break;
	case 2:
		r->type = KNOT_RRTYPE_NS;
		rd_name(r, v ? "NS1.elsewhere." : "ns2.elsewhere.");
		break;
	case 3:
		r->type = KNOT_RRTYPE_DS;
		r->rdlen = 8;
		r->rdata[0] = (uint8_t)v;
		r->rdata[2] = 13;
		r->rdata[3] = 2;
		break;
	case 4:
		r->type = KNOT_RRTYPE_TXT;
		r->rdlen = 2;
		r->rdata[0] = 1;
		r->rdata[1] = (uint8_t)('a' + v);
		break;
	case 5:
		r->type = KNOT_RRTYPE_DNAME;
		rd_name(r, "target.elsewhere.");
		break;
	default: {
		/* An RRSIG over A, NS or DS: type covered leads the RDATA. */
		static const uint16_t cov[] = {KNOT_RRTYPE_A, KNOT_RRTYPE_NS, KNOT_RRTYPE_DS};
		uint16_t t = cov[v];
		r->type = KNOT_RRTYPE_RRSIG;
		uint8_t *d = r->rdata;
		d[0] = (uint8_t)(t >> 8);
		d[1] = (uint8_t)t;
		d[2] = 13;
		d[3] = 2;
		d[17] = (uint8_t)(rand_r(seed) % 2);
		uint8_t signer[KNOT_DNAME_MAXLEN];
		knot_dname_from_str(signer, "ex.", sizeof(signer));
		size_t sl = knot_dname_size(signer);
		memcpy(d + 18, signer, sl);
		d[18 + sl] = 0x5a;
		r->rdlen = (uint16_t)(18 + sl + 1);
	}
	}
}

/* Same record by identity (owner without case, type, RDATA; TTL ignored). */
static bool same_rec(const rec_t *a, const rec_t *b)
{
	if (a->type != b->type || a->rdlen != b->rdlen ||
	    !knot_dname_is_case_equal(a->owner, b->owner))
		return false;
	uint8_t x[64], y[64];
	memcpy(x, a->rdata, a->rdlen);
	memcpy(y, b->rdata, b->rdlen);
	/* NS and DNAME RDATA are names: compared as the store keeps them. */
	if (a->type == KNOT_RRTYPE_NS || a->type == KNOT_RRTYPE_DNAME) {
		knot_dname_to_lower(x);
		knot_dname_to_lower(y);
	}
	return memcmp(x, y, a->rdlen) == 0;
}

static long model_find(const model_t *m, const rec_t *r)
{
	for (size_t i = 0; i < m->n; i++)
		if (same_rec(&m->v[i], r))
			return (long)i;
	return -1;
}

static dv_zone_rec_t zrec(const rec_t *r)
{
	return (dv_zone_rec_t){.owner = r->owner,
	                       .rdata = r->rdata,
	                       .rclass = KNOT_CLASS_IN,
	                       .type = r->type,
	                       .rdlen = r->rdlen,
	                       .ttl = r->ttl};
}

static dv_zone_t *build(const model_t *m)
{
	uint8_t origin[KNOT_DNAME_MAXLEN];
	knot_dname_from_str(origin, "ex.", sizeof(origin));
	dv_zone_build_opts_t bo = {.origin = origin, .file = "t"};
	dv_zone_builder_t *b;
	char err[512];
	assert_int_equal(dv_zone_builder_new(&bo, &b), DV_OK);
	for (size_t i = 0; i < m->n; i++) {
		dv_zone_rec_t zr = zrec(&m->v[i]);
		assert_int_equal(dv_zone_builder_add(b, &zr, err, sizeof(err)), DV_OK);
	}
	dv_zone_t *z;
	int ret = dv_zone_builder_finish(b, &z, err, sizeof(err));
	if (ret != DV_OK)
		fail_msg("build: %s", err);
	return z;
}

/* ---- comparing two zones --------------------------------------------------------- */

#define FLAGS_COMPARED ((uint16_t)~DV_NAME_SPLIT)

static void assert_same_zone(const dv_zone_t *a, const dv_zone_t *b)
{
	assert_int_equal(a->name_count, b->name_count);
	assert_int_equal(a->rr_count, b->rr_count);
	assert_int_equal(a->rrset_count, b->rrset_count);
	for (size_t i = 0; i < a->name_count; i++) {
		const dv_name_t *x = &a->names[i], *y = &b->names[i];
		if (!knot_dname_is_equal(x->dname, y->dname) ||
		    (x->flags & FLAGS_COMPARED) != (y->flags & FLAGS_COMPARED)) {
			char n1[1025], n2[1025];
			dv_dname_to_str(x->dname, n1, sizeof(n1));
			dv_dname_to_str(y->dname, n2, sizeof(n2));
			fail_msg("name %zu: %s flags %#x, expected %s flags %#x", i, n1, x->flags,
			         n2, y->flags);
		}
		assert_int_equal(x->labels, y->labels);
		assert_int_equal(x->rrset_count, y->rrset_count);
		assert_int_equal(x->sig_count, y->sig_count);
		if (x->sig_count)
			assert_int_equal(x->sig_first, y->sig_first);
		if (x->rrset_count)
			assert_int_equal(x->rrset_first, y->rrset_first);
	}
	for (size_t i = 0; i < a->rrset_count; i++) {
		const dv_rrset_t *x = &a->rrsets[i], *y = &b->rrsets[i];
		assert_int_equal(x->name, y->name);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->ttl, y->ttl);
		assert_int_equal(x->ttl_differs, y->ttl_differs);
		assert_int_equal(x->rr_first, y->rr_first);
		assert_int_equal(x->rr_count, y->rr_count);
		assert_int_equal(x->sig_count, y->sig_count);
		if (x->sig_count) /* where an empty range starts means nothing */
			assert_int_equal(x->sig_first, y->sig_first);
	}
	for (size_t i = 0; i < a->rr_count; i++) {
		const dv_rr_t *x = &a->rrs[i], *y = &b->rrs[i];
		assert_int_equal(x->name, y->name);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->ttl, y->ttl);
		assert_int_equal(x->rdlen, y->rdlen);
		assert_memory_equal(x->rdata, y->rdata, x->rdlen);
	}
	assert_int_equal(dv_zone_serial(a), dv_zone_serial(b));
}

/* Whether a name's records (with TTLs) or flags differ between two versions. */
static bool name_changed(const dv_zone_t *a, long ia, const dv_zone_t *b, long ib, bool *records)
{
	*records = true;
	if (ia < 0 || ib < 0)
		return true;
	const dv_name_t *x = &a->names[ia], *y = &b->names[ib];
	size_t xa = (size_t)-1, xb = 0, ya = (size_t)-1, yb = 0;
	for (size_t i = 0; i < a->rr_count; i++)
		if (a->rrs[i].name == (uint32_t)ia) {
			xa = xa == (size_t)-1 ? i : xa;
			xb = i + 1;
		}
	for (size_t i = 0; i < b->rr_count; i++)
		if (b->rrs[i].name == (uint32_t)ib) {
			ya = ya == (size_t)-1 ? i : ya;
			yb = i + 1;
		}
	size_t nx = xa == (size_t)-1 ? 0 : xb - xa, ny = ya == (size_t)-1 ? 0 : yb - ya;
	bool same = nx == ny;
	for (size_t k = 0; same && k < nx; k++) {
		const dv_rr_t *p = &a->rrs[xa + k], *q = &b->rrs[ya + k];
		same = p->type == q->type && p->ttl == q->ttl && p->rdlen == q->rdlen &&
		       memcmp(p->rdata, q->rdata, p->rdlen) == 0;
	}
	*records = !same;
	return !same || (x->flags & FLAGS_COMPARED) != (y->flags & FLAGS_COMPARED);
}

/* The delta names exactly the names that changed, each once, in order. */
static void assert_delta(const dv_zone_t *old, const dv_zone_t *nz, const dv_zone_delta_t *d)
{
	for (size_t i = 0; i + 1 < d->n; i++)
		assert_true(dv_dname_cmp(d->v[i].dname, d->v[i + 1].dname) < 0);
	for (size_t i = 0; i < d->n; i++) {
		long io = dv_zone_name_find(old, d->v[i].dname);
		long in = dv_zone_name_find(nz, d->v[i].dname);
		assert_int_equal(d->v[i].old_index, io < 0 ? DV_ZONE_NONE : (uint32_t)io);
		assert_int_equal(d->v[i].new_index, in < 0 ? DV_ZONE_NONE : (uint32_t)in);
		bool records;
		if (!name_changed(old, io, nz, in, &records))
			fail_msg("delta lists %s, which did not change", d->v[i].dname);
	}
	/* Every changed name is listed. */
	const dv_zone_t *zs[2] = {old, nz};
	for (int v = 0; v < 2; v++) {
		for (size_t i = 0; i < zs[v]->name_count; i++) {
			const uint8_t *dn = zs[v]->names[i].dname;
			long io = dv_zone_name_find(old, dn), in = dv_zone_name_find(nz, dn);
			bool records;
			if (!name_changed(old, io, nz, in, &records))
				continue;
			bool listed = false;
			for (size_t k = 0; k < d->n && !listed; k++)
				listed = knot_dname_is_equal(d->v[k].dname, dn);
			if (!listed) {
				char s[1025];
				dv_dname_to_str(dn, s, sizeof(s));
				fail_msg("%s changed but is not in the delta", s);
			}
		}
	}
}

/* ---- hand-written cases -------------------------------------------------------------- */

static void add_rec(model_t *m, const char *owner, uint16_t type, uint32_t ttl, const void *rd,
                    uint16_t len)
{
	rec_t *r = &m->v[m->n++];
	memset(r, 0, sizeof(*r));
	set_owner(r, owner);
	r->type = type;
	r->ttl = ttl;
	r->rdlen = len;
	memcpy(r->rdata, rd, len);
}

static const uint8_t ip1[4] = {192, 0, 2, 1}, ip2[4] = {192, 0, 2, 2};

static void base_model(model_t *m)
{
	m->n = 0;
	make_soa(&m->v[m->n++], 1);
	add_rec(m, "ex.", KNOT_RRTYPE_A, 300, ip1, 4);
	add_rec(m, "b.a.ex.", KNOT_RRTYPE_A, 300, ip1, 4); /* a.ex. is an ENT */
	add_rec(m, "c.b.a.ex.", KNOT_RRTYPE_A, 300, ip1, 4);
	add_rec(m, "x.d.ex.", KNOT_RRTYPE_A, 300, ip2, 4);
	add_rec(m, "f.ex.", KNOT_RRTYPE_TXT, 300, "\001t", 2);
}

/* Apply removed/added records (one step) to model m and to its zone; compare. */
static void check_step(model_t *m, const rec_t *rm, size_t nrm, const rec_t *ad, size_t nad)
{
	dv_zone_t *old = build(m);
	dv_zone_rec_t zr[64], za[64];
	for (size_t i = 0; i < nrm; i++)
		zr[i] = zrec(&rm[i]);
	for (size_t i = 0; i < nad; i++)
		za[i] = zrec(&ad[i]);
	dv_zone_step_t st = {zr, nrm, za, nad};
	dv_zone_t *nz;
	dv_zone_delta_t d;
	char err[512];
	int ret = dv_zone_patch(old, &st, 1, 0, &nz, &d, err, sizeof(err));
	if (ret != DV_OK)
		fail_msg("patch: %s", err);
	for (size_t i = 0; i < nrm; i++) {
		long k = model_find(m, &rm[i]);
		assert_true(k >= 0);
		m->v[k] = m->v[--m->n];
	}
	for (size_t i = 0; i < nad; i++)
		m->v[m->n++] = ad[i];
	dv_zone_t *expect = build(m);
	assert_same_zone(nz, expect);
	assert_delta(old, nz, &d);
	dv_zone_delta_clear(&d);
	dv_zone_free(expect);
	/* The old version is unchanged and outlives the new one's use of it. */
	dv_zone_free(old);
	assert_int_equal(dv_zone_serial(nz), dv_zone_serial(nz));
	dv_zone_free(nz);
}

static void test_delegation_appears(void **state)
{
	(void)state;
	model_t m;
	base_model(&m);
	rec_t ns;
	memset(&ns, 0, sizeof(ns));
	set_owner(&ns, "a.ex.");
	ns.type = KNOT_RRTYPE_NS;
	ns.ttl = 300;
	rd_name(&ns, "ns.elsewhere.");
	/* a.ex. stops being an ENT and becomes a cut: b.a.ex. and c.b.a.ex. are glue. */
	check_step(&m, NULL, 0, &ns, 1);
	dv_zone_t *z = build(&m);
	long a = dv_zone_name_find(z, ns.owner);
	assert_true(a > 0);
	assert_true(z->names[a].flags & DV_NAME_DELEG);
	assert_true(z->names[a + 1].flags & DV_NAME_NONAUTH);
	dv_zone_free(z);
	/* And away again. */
	check_step(&m, &ns, 1, NULL, 0);
}

static void test_ent_goes(void **state)
{
	(void)state;
	model_t m;
	base_model(&m);
	rec_t r[2];
	memset(r, 0, sizeof(r));
	set_owner(&r[0], "b.a.ex.");
	r[0].type = KNOT_RRTYPE_A;
	r[0].ttl = 300;
	r[0].rdlen = 4;
	memcpy(r[0].rdata, ip1, 4);
	r[1] = r[0];
	set_owner(&r[1], "c.b.a.ex.");
	/* Both names under a.ex. go, and with them the ENT a.ex. */
	check_step(&m, r, 2, NULL, 0);
	dv_zone_t *z = build(&m);
	uint8_t w[KNOT_DNAME_MAXLEN];
	knot_dname_from_str(w, "a.ex.", sizeof(w));
	assert_int_equal(dv_zone_name_find(z, w), -1);
	dv_zone_free(z);
}

static void test_ttl_change_and_soa(void **state)
{
	(void)state;
	model_t m;
	base_model(&m);
	rec_t rm[2], ad[2];
	make_soa(&rm[0], 1);
	make_soa(&ad[0], 2);
	memset(&rm[1], 0, sizeof(rm[1]));
	set_owner(&rm[1], "x.d.ex.");
	rm[1].type = KNOT_RRTYPE_A;
	rm[1].ttl = 300;
	rm[1].rdlen = 4;
	memcpy(rm[1].rdata, ip2, 4);
	ad[1] = rm[1];
	ad[1].ttl = 900;
	check_step(&m, rm, 2, ad, 2);
	dv_zone_t *z = build(&m);
	assert_int_equal(dv_zone_serial(z), 2);
	dv_zone_free(z);
}

static void test_dname_occludes(void **state)
{
	(void)state;
	model_t m;
	base_model(&m);
	rec_t dn;
	memset(&dn, 0, sizeof(dn));
	set_owner(&dn, "d.ex.");
	dn.type = KNOT_RRTYPE_DNAME;
	dn.ttl = 300;
	rd_name(&dn, "t.elsewhere.");
	check_step(&m, NULL, 0, &dn, 1);
	dv_zone_t *z = build(&m);
	uint8_t w[KNOT_DNAME_MAXLEN];
	knot_dname_from_str(w, "x.d.ex.", sizeof(w));
	long x = dv_zone_name_find(z, w);
	assert_true(x > 0 && (z->names[x].flags & DV_NAME_DNAME_BELOW));
	dv_zone_free(z);
}

static void test_errors(void **state)
{
	(void)state;
	model_t m;
	base_model(&m);
	dv_zone_t *z = build(&m), *nz = NULL;
	char err[512];
	rec_t r;
	memset(&r, 0, sizeof(r));
	set_owner(&r, "nothere.ex.");
	r.type = KNOT_RRTYPE_A;
	r.ttl = 300;
	r.rdlen = 4;
	memcpy(r.rdata, ip1, 4);
	dv_zone_rec_t zr = zrec(&r);
	dv_zone_step_t st = {&zr, 1, NULL, 0};
	assert_int_equal(dv_zone_patch(z, &st, 1, 0, &nz, NULL, err, sizeof(err)), DV_ENOTZONE);
	assert_null(nz);
	assert_non_null(strstr(err, "step 1 removes nothere.ex. A, which is not in the zone"));

	set_owner(&r, "b.a.ex."); /* there already */
	zr = zrec(&r);
	st = (dv_zone_step_t){NULL, 0, &zr, 1};
	assert_int_equal(dv_zone_patch(z, &st, 1, 0, &nz, NULL, err, sizeof(err)), DV_ENOTZONE);
	assert_non_null(strstr(err, "already in the zone"));

	set_owner(&r, "www.other.");
	zr = zrec(&r);
	assert_int_equal(dv_zone_patch(z, &st, 1, 0, &nz, NULL, err, sizeof(err)), DV_ENOTZONE);
	assert_non_null(strstr(err, "outside the zone"));

	set_owner(&r, "new.ex.");
	zr = zrec(&r);
	assert_int_equal(dv_zone_patch(z, &st, 1, m.n, &nz, NULL, err, sizeof(err)), DV_ELIMIT);

	/* The SOA removed and not replaced. */
	rec_t soa;
	make_soa(&soa, 1);
	zr = zrec(&soa);
	st = (dv_zone_step_t){&zr, 1, NULL, 0};
	assert_int_equal(dv_zone_patch(z, &st, 1, 0, &nz, NULL, err, sizeof(err)), DV_ENOTZONE);
	assert_non_null(strstr(err, "SOA"));

	/* Malformed RDATA of a type with names. */
	r.type = KNOT_RRTYPE_NS;
	r.rdlen = 3;
	memcpy(r.rdata,
	       "\x05"
	       "ab",
	       3);
	zr = zrec(&r);
	st = (dv_zone_step_t){NULL, 0, &zr, 1};
	assert_int_equal(dv_zone_patch(z, &st, 1, 0, &nz, NULL, err, sizeof(err)), DV_EPARSE);
	dv_zone_free(z);
}

/* Steps in sequence: added then removed again cancels; removed then added again is no change. */
static void test_steps_cancel(void **state)
{
	(void)state;
	model_t m;
	base_model(&m);
	dv_zone_t *z = build(&m), *nz;
	rec_t r, s1, s2, s3;
	memset(&r, 0, sizeof(r));
	set_owner(&r, "new.ex.");
	r.type = KNOT_RRTYPE_A;
	r.ttl = 300;
	r.rdlen = 4;
	memcpy(r.rdata, ip1, 4);
	make_soa(&s1, 1);
	make_soa(&s2, 2);
	make_soa(&s3, 3);
	dv_zone_rec_t a1[2] = {zrec(&s2), zrec(&r)}, r1[1] = {zrec(&s1)};
	dv_zone_rec_t a2[1] = {zrec(&s3)}, r2[2] = {zrec(&s2), zrec(&r)};
	dv_zone_step_t st[2] = {{r1, 1, a1, 2}, {r2, 2, a2, 1}};
	dv_zone_delta_t d;
	char err[512];
	assert_int_equal(dv_zone_patch(z, st, 2, 0, &nz, &d, err, sizeof(err)), DV_OK);
	assert_int_equal(dv_zone_serial(nz), 3);
	assert_int_equal(nz->rr_count, z->rr_count);
	/* Only the apex changed (its SOA). */
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].new_index, 0);
	assert_int_equal(d.rrs_removed, 1);
	assert_int_equal(d.rrs_added, 1);
	assert_int_equal(d.rrsets_changed, 1);
	dv_zone_delta_clear(&d);
	/* A version patched from a patched one. */
	dv_zone_t *n2;
	dv_zone_rec_t a3[2] = {zrec(&s2), zrec(&r)}, r3[1] = {zrec(&s3)};
	dv_zone_step_t st3 = {r3, 1, a3, 2};
	dv_zone_free(z);
	assert_int_equal(dv_zone_patch(nz, &st3, 1, 0, &n2, &d, err, sizeof(err)), DV_OK);
	assert_int_equal(d.rrsets_added, 1);
	dv_zone_delta_clear(&d);
	dv_zone_free(nz);
	assert_int_equal(n2->rr_count, m.n + 1);
	dv_zone_free(n2);
}

/* ---- random differences ---------------------------------------------------------------- */

static void random_rounds(unsigned seed, int rounds)
{
	for (int round = 0; round < rounds; round++) {
		model_t m = {0};
		make_soa(&m.v[m.n++], 1);
		size_t want = 5 + (size_t)(rand_r(&seed) % 40);
		while (m.n < want) {
			rec_t r;
			make_random(&r, &seed);
			if (model_find(&m, &r) < 0)
				m.v[m.n++] = r;
		}
		dv_zone_t *cur = build(&m);
		uint32_t serial = 1;
		/* A few versions in a row, each patched from the one before. */
		for (int v = 0; v < 4; v++) {
			size_t nsteps = 1 + (size_t)(rand_r(&seed) % 3);
			static rec_t rm[4][16], ad[4][16];
			static dv_zone_rec_t zrm[4][16], zad[4][16];
			dv_zone_step_t st[4];
			for (size_t s = 0; s < nsteps; s++) {
				size_t nr = 0, na = 0;
				make_soa(&rm[s][nr++], serial);
				make_soa(&ad[s][na++], ++serial);
				size_t k = (size_t)(rand_r(&seed) % 6);
				for (size_t i = 0; i < k && m.n > 1; i++) {
					size_t pick = 1 + (size_t)rand_r(&seed) % (m.n - 1);
					if (m.v[pick].type == KNOT_RRTYPE_SOA)
						continue;
					bool dup = false;
					for (size_t q = 0; q < nr; q++)
						dup |= same_rec(&rm[s][q], &m.v[pick]);
					if (dup)
						continue;
					rm[s][nr] = m.v[pick];
					/* Sometimes a TTL change: removed and added back. */
					if (rand_r(&seed) % 5 == 0 && na < 16) {
						ad[s][na] = m.v[pick];
						ad[s][na++].ttl += 1;
					}
					nr++;
				}
				size_t j = (size_t)(rand_r(&seed) % 6);
				for (size_t i = 0; i < j && na < 16; i++) {
					rec_t r;
					make_random(&r, &seed);
					bool there = model_find(&m, &r) >= 0;
					for (size_t q = 0; q < nr; q++)
						if (same_rec(&rm[s][q], &r))
							there = false; /* removed in this step: may
							                  come back */
					for (size_t q = 0; q < na; q++)
						there |= same_rec(&ad[s][q], &r);
					if (!there)
						ad[s][na++] = r;
				}
				/* Play the step on the model. */
				for (size_t i = 0; i < nr; i++) {
					long f = model_find(&m, &rm[s][i]);
					assert_true(f >= 0);
					m.v[f] = m.v[--m.n];
				}
				for (size_t i = 0; i < na; i++)
					m.v[m.n++] = ad[s][i];
				for (size_t i = 0; i < nr; i++)
					zrm[s][i] = zrec(&rm[s][i]);
				for (size_t i = 0; i < na; i++)
					zad[s][i] = zrec(&ad[s][i]);
				st[s] = (dv_zone_step_t){zrm[s], nr, zad[s], na};
			}
			dv_zone_t *nz;
			dv_zone_delta_t d;
			char err[512];
			int ret = dv_zone_patch(cur, st, nsteps, 0, &nz, &d, err, sizeof(err));
			if (ret != DV_OK)
				fail_msg("round %d version %d: %s", round, v, err);
			dv_zone_t *expect = build(&m);
			assert_same_zone(nz, expect);
			assert_delta(cur, nz, &d);
			dv_zone_delta_clear(&d);
			dv_zone_free(expect);
			dv_zone_free(cur);
			cur = nz;
		}
		uint64_t held, unused;
		dv_zone_data_usage(cur, &held, &unused);
		assert_true(held >= unused);
		dv_zone_free(cur);
	}
}

static void test_random(void **state)
{
	(void)state;
	random_rounds(1234, 600);
}

/* The same with every array of a freed version reused by the next patch
 * (dv_mem_spare_take): a reused array holds an older version's entries, so
 * a patch that leaves any element unwritten shows here. */
static void test_random_reused(void **state)
{
	(void)state;
	dv_mem_spare_min_set(0);
	random_rounds(4321, 300);
	dv_mem_spare_drop();
	dv_mem_spare_min_set(DV_MEM_SPARE_MIN);
}

/* The pool itself: a kept block comes back for a request it fits, the
 * smallest that fits first; small blocks and the smallest beyond
 * DV_MEM_SPARE_MAX are freed (ASan would see a leak or a double free). */
static void test_spare_pool(void **state)
{
	(void)state;
	dv_mem_spare_drop();
	dv_mem_spare_min_set(1024);
	void *a = malloc(4096);
	assert_non_null(a);
	dv_mem_spare_put(a);
	void *t = dv_mem_spare_take(2048);
	assert_ptr_equal(t, a);
	memset(t, 0xa5, 2048);
	void *b = dv_mem_spare_take(2048); /* none kept now */
	assert_non_null(b);
	assert_ptr_not_equal(b, a);
	free(b);
	dv_mem_spare_put(t);
	void *c = dv_mem_spare_take(1 << 20); /* over twice what is kept */
	assert_non_null(c);
	assert_ptr_not_equal(c, a);
	free(c);
	dv_mem_spare_put(malloc(100)); /* below the minimum: freed */
	/* A little short: the kept block, grown, its bytes kept (realloc). */
	c = dv_mem_spare_take(6000);
	assert_non_null(c);
	assert_true(malloc_usable_size(c) >= 6000);
	assert_int_equal(((unsigned char *)c)[2047], 0xa5);
	memset(c, 0, 6000);
	dv_mem_spare_put(c);
	assert_ptr_equal(dv_mem_spare_take(4096), c);
	free(c);

	void *blk[DV_MEM_SPARE_MAX + 2];
	for (size_t i = 0; i < NELEM(blk); i++) {
		blk[i] = malloc(4096 * (i + 1));
		assert_non_null(blk[i]);
		dv_mem_spare_put(blk[i]);
	}
	/* The two smallest went; the rest come back smallest first. */
	for (size_t i = 2; i < NELEM(blk); i++)
		assert_ptr_equal(dv_mem_spare_take(4096), blk[i]);
	for (size_t i = 2; i < NELEM(blk); i++)
		free(blk[i]);

	/* Made ready: a block with room to spare comes back (a plain
	 * malloc(6000) would hold about 6000 bytes); below the minimum, none. */
	dv_mem_spare_drop();
	dv_mem_spare_ready(6000);
	c = dv_mem_spare_take(6000);
	assert_true(malloc_usable_size(c) >= 6000 + 6000 / 64 + 4096);
	free(c);
	dv_mem_spare_ready(100);
	c = dv_mem_spare_take(1500); /* nothing kept: malloc */
	assert_true(malloc_usable_size(c) < 4096);
	free(c);
	dv_mem_spare_drop();
	dv_mem_spare_min_set(DV_MEM_SPARE_MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_delegation_appears),
	    cmocka_unit_test(test_ent_goes),
	    cmocka_unit_test(test_ttl_change_and_soa),
	    cmocka_unit_test(test_dname_occludes),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_steps_cancel),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_random_reused),
	    cmocka_unit_test(test_spare_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
