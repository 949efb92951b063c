/*
 * Unit tests of the rollover model (src/rollover) on constructed observation
 * series: real keys (the canary signer), real signatures, states of a zone
 * served by two child servers and a DS RRset served by two parent servers,
 * switched at chosen times.  Each rule is shown violated and not violated,
 * window boundaries are checked to the second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libknot/libknot.h>

#include "canary/sign.h"
#include "core/error.h"
#include "dnssec/dnssec.h"
#include "rollover/rollover.h"

#define T0     1800000000LL
#define STEP   60 /* one observation a minute */
#define TTLK   600
#define TTLD   1200
#define TTLS   300
#define SIGINC (T0 - 3600)
#define SIGEXP (T0 + 30 * 86400)

static char keydir[] = "/tmp/dv-rolltest.XXXXXX";
static dv_signkey_t KSK1, KSK2, ZSK1, ZSK2, KSK8, ZSK8;
static uint8_t ZONE[32];

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(keydir));
	assert_int_equal(dv_signkey_load_or_new(keydir, "k1", 13, 0, 257, &KSK1), DV_OK);
	assert_int_equal(dv_signkey_load_or_new(keydir, "k2", 13, 0, 257, &KSK2), DV_OK);
	assert_int_equal(dv_signkey_load_or_new(keydir, "z1", 13, 0, 256, &ZSK1), DV_OK);
	assert_int_equal(dv_signkey_load_or_new(keydir, "z2", 13, 0, 256, &ZSK2), DV_OK);
	assert_int_equal(dv_signkey_load_or_new(keydir, "k8", 8, 1024, 257, &KSK8), DV_OK);
	assert_int_equal(dv_signkey_load_or_new(keydir, "z8", 8, 1024, 256, &ZSK8), DV_OK);
	assert_non_null(knot_dname_from_str(ZONE, "example.", sizeof(ZONE)));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	const char *f[] = {"k1", "k2", "z1", "z2", "k8", "z8"};
	for (size_t i = 0; i < 6; i++) {
		char p[256];
		snprintf(p, sizeof(p), "%s/%s", keydir, f[i]);
		unlink(p);
	}
	rmdir(keydir);
	dv_signkey_free(&KSK1);
	dv_signkey_free(&KSK2);
	dv_signkey_free(&ZSK1);
	dv_signkey_free(&ZSK2);
	dv_signkey_free(&KSK8);
	dv_signkey_free(&ZSK8);
	return 0;
}

/* ---- RRsets -------------------------------------------------------------------- */

#define MAXRR 8

/* An RRset with storage of its own. */
typedef struct {
	uint8_t owner[64];
	uint16_t type;
	uint32_t ttl;
	bool absent;
	uint8_t rdbuf[MAXRR][600];
	const uint8_t *rd[MAXRR];
	uint16_t rdlen[MAXRR];
	uint16_t n;
	uint8_t sigbuf[MAXRR][700];
	const uint8_t *sig[MAXRR];
	uint16_t siglen[MAXRR];
	uint16_t nsig;
} tset_t;

static void tset_init(tset_t *t, const char *owner, uint16_t type, uint32_t ttl)
{
	memset(t, 0, sizeof(*t));
	assert_non_null(knot_dname_from_str(t->owner, owner, sizeof(t->owner)));
	t->type = type;
	t->ttl = ttl;
}

static void tset_add(tset_t *t, const uint8_t *rd, size_t len)
{
	assert_true(t->n < MAXRR && len <= sizeof(t->rdbuf[0]));
	memcpy(t->rdbuf[t->n], rd, len);
	t->rd[t->n] = t->rdbuf[t->n];
	t->rdlen[t->n++] = (uint16_t)len;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An RRSIG over t by k, valid [inc, exp] (a corrupt one when bad). */
static void tset_sign(tset_t *t, const dv_signkey_t *k, int64_t inc, int64_t exp, bool bad)
{
	assert_true(t->nsig < MAXRR);
	uint8_t *rd = t->sigbuf[t->nsig];
	size_t zl = knot_dname_size(ZONE);
	rd[0] = (uint8_t)(t->type >> 8);
	rd[1] = (uint8_t)t->type;
	rd[2] = k->alg;
	rd[3] = (uint8_t)knot_dname_labels(t->owner, NULL);
	put32(rd + 4, t->ttl);
	put32(rd + 8, (uint32_t)exp);
	put32(rd + 12, (uint32_t)inc);
	rd[16] = (uint8_t)(k->tag >> 8);
	rd[17] = (uint8_t)k->tag;
	memcpy(rd + 18, ZONE, zl);
	dv_buf_t buf;
	dv_buf_init(&buf, 0);
	assert_int_equal(
	    dv_sigdata_build(&buf, rd, 18 + zl, t->owner, t->type, t->rd, t->rdlen, t->n, false),
	    DV_OK);
	size_t sl = 0;
	assert_int_equal(dv_signkey_sign(k, buf.data, buf.len, rd + 18 + zl, &sl), DV_OK);
	dv_buf_free(&buf);
	if (bad)
		rd[18 + zl + 3] ^= 0x55;
	t->sig[t->nsig] = rd;
	t->siglen[t->nsig++] = (uint16_t)(18 + zl + sl);
}

static dv_roll_rrset_t tset_view(const tset_t *t)
{
	return (dv_roll_rrset_t){.owner = t->owner,
	                         .type = t->type,
	                         .ttl = t->ttl,
	                         .absent = t->absent,
	                         .n = t->n,
	                         .rd = t->rd,
	                         .rdlen = t->rdlen,
	                         .nsig = t->nsig,
	                         .sig = t->sig,
	                         .siglen = t->siglen};
}

static void ds_rdata(const dv_signkey_t *k, uint8_t *out, size_t *len)
{
	out[0] = (uint8_t)(k->tag >> 8);
	out[1] = (uint8_t)k->tag;
	out[2] = k->alg;
	out[3] = 2;
	size_t dl = 0;
	assert_int_equal(dv_ds_digest(ZONE, k->rdata, k->rdlen, 2, out + 4, &dl), DV_OK);
	*len = 4 + dl;
}

/* ---- zone states ----------------------------------------------------------------- */

/* What the child servers serve: the DNSKEY RRset, the SOA, maybe a CDS. */
typedef struct {
	tset_t dnskey, soa, cds;
	bool have_cds;
} zstate_t;

typedef struct {
	const dv_signkey_t *keys[6];  /* published */
	const dv_signkey_t *ksign[4]; /* sign the DNSKEY RRset */
	const dv_signkey_t *dsign[4]; /* sign the data */
	const dv_signkey_t *cds[2];   /* CDS of these keys */
	uint32_t serial;
	int64_t inc, exp; /* 0: SIGINC, SIGEXP */
	bool bad_dsig;    /* the data signatures are corrupt */
	bool no_dnskey;   /* serve no DNSKEY RRset (unsigned) */
} zspec_t;

static void zstate_build(zstate_t *z, const zspec_t *sp)
{
	int64_t inc = sp->inc ? sp->inc : SIGINC, exp = sp->exp ? sp->exp : SIGEXP;
	tset_init(&z->dnskey, "example.", KNOT_RRTYPE_DNSKEY, TTLK);
	for (int i = 0; i < 6 && sp->keys[i]; i++)
		tset_add(&z->dnskey, sp->keys[i]->rdata, sp->keys[i]->rdlen);
	for (int i = 0; i < 4 && sp->ksign[i]; i++)
		tset_sign(&z->dnskey, sp->ksign[i], inc, exp, false);
	if (sp->no_dnskey) {
		z->dnskey.n = z->dnskey.nsig = 0;
		z->dnskey.absent = true;
	}
	tset_init(&z->soa, "example.", KNOT_RRTYPE_SOA, TTLS);
	uint8_t soa[64];
	size_t l = 0;
	static const uint8_t names[] = {2, 'n', 's', 7,   'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
	                                1, 'h', 7,   'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
	memcpy(soa, names, sizeof(names));
	l = sizeof(names);
	put32(soa + l, sp->serial ? sp->serial : 1);
	put32(soa + l + 4, 3600);
	put32(soa + l + 8, 600);
	put32(soa + l + 12, 86400);
	put32(soa + l + 16, 60);
	tset_add(&z->soa, soa, l + 20);
	for (int i = 0; i < 4 && sp->dsign[i]; i++)
		tset_sign(&z->soa, sp->dsign[i], inc, exp, sp->bad_dsig);
	z->have_cds = sp->cds[0] != NULL;
	tset_init(&z->cds, "example.", KNOT_RRTYPE_CDS, TTLS);
	for (int i = 0; i < 2 && sp->cds[i]; i++) {
		uint8_t rd[80];
		size_t len;
		ds_rdata(sp->cds[i], rd, &len);
		tset_add(&z->cds, rd, len);
	}
	if (z->have_cds)
		for (int i = 0; i < 4 && sp->ksign[i]; i++)
			tset_sign(&z->cds, sp->ksign[i], inc, exp, false);
}

/* The DS RRset at the parent (unsigned here: the parent's signatures are
 * the parent's business). */
static void ds_build(tset_t *t, const dv_signkey_t *a, const dv_signkey_t *b)
{
	tset_init(t, "example.", KNOT_RRTYPE_DS, TTLD);
	const dv_signkey_t *k[2] = {a, b};
	for (int i = 0; i < 2; i++) {
		if (k[i] == NULL)
			continue;
		uint8_t rd[80];
		size_t len;
		ds_rdata(k[i], rd, &len);
		tset_add(t, rd, len);
	}
	t->absent = t->n == 0;
}

/* ---- series ------------------------------------------------------------------------- */

typedef struct {
	dv_roll_series_t *s;
	uint32_t child[2], parent[2];
} world_t;

static void world_new(world_t *w)
{
	assert_int_equal(dv_roll_series_new(ZONE, &w->s), DV_OK);
	assert_int_equal(
	    dv_roll_series_server(w->s, DV_ROLL_CHILD, "192.0.2.1", "ns1.example.", &w->child[0]),
	    DV_OK);
	assert_int_equal(
	    dv_roll_series_server(w->s, DV_ROLL_CHILD, "192.0.2.2", "ns2.example.", &w->child[1]),
	    DV_OK);
	assert_int_equal(
	    dv_roll_series_server(w->s, DV_ROLL_PARENT, "198.51.100.1", "a.tld.", &w->parent[0]),
	    DV_OK);
	assert_int_equal(
	    dv_roll_series_server(w->s, DV_ROLL_PARENT, "198.51.100.2", "b.tld.", &w->parent[1]),
	    DV_OK);
}

/* Observe [from, to) every STEP seconds: both child servers serve z (or z2 on
 * the second one when given), both parent servers ds (ds2 on the second). */
static void serve(world_t *w, int64_t from, int64_t to, const zstate_t *z, const zstate_t *z2,
                  const tset_t *ds, const tset_t *ds2)
{
	for (int64_t t = from; t < to; t += STEP) {
		for (int i = 0; i < 2; i++) {
			const zstate_t *zz = i == 1 && z2 ? z2 : z;
			dv_roll_rrset_t k = tset_view(&zz->dnskey), s = tset_view(&zz->soa);
			assert_int_equal(dv_roll_series_observe(w->s, w->child[i], t, &k), DV_OK);
			assert_int_equal(dv_roll_series_observe(w->s, w->child[i], t, &s), DV_OK);
			dv_roll_rrset_t c = tset_view(&zz->cds);
			if (!zz->have_cds) {
				c.absent = true;
				c.n = c.nsig = 0;
			}
			assert_int_equal(dv_roll_series_observe(w->s, w->child[i], t, &c), DV_OK);
			if (ds == NULL)
				continue;
			const tset_t *dd = i == 1 && ds2 ? ds2 : ds;
			dv_roll_rrset_t d = tset_view(dd);
			assert_int_equal(dv_roll_series_observe(w->s, w->parent[i], t, &d), DV_OK);
		}
	}
}

static void check(world_t *w, int64_t now, dv_roll_result_t *r)
{
	dv_roll_check_opts_t o = {.now = now, .stuck_after = 2 * 86400, .from = DV_ROLL_START};
	assert_int_equal(dv_roll_check(w->s, &o, r), DV_OK);
}

static size_t count(const dv_roll_result_t *r, dv_roll_rule_t rule, bool strict_only)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nwindows; i++)
		n += r->windows[i].rule == rule && r->windows[i].strict_only == strict_only;
	return n;
}

static const dv_roll_window_t *first(const dv_roll_result_t *r, dv_roll_rule_t rule,
                                     bool strict_only)
{
	for (size_t i = 0; i < r->nwindows; i++)
		if (r->windows[i].rule == rule && r->windows[i].strict_only == strict_only)
			return &r->windows[i];
	return NULL;
}

static bool has_code(const dv_roll_result_t *r, dv_code_t c)
{
	for (size_t i = 0; i < r->findings.len; i++)
		if (r->findings.v[i].code == c)
			return true;
	return false;
}

static void print_windows(const dv_roll_result_t *r)
{
	for (size_t i = 0; i < r->nwindows; i++)
		print_message(
		    "# window %lld..%lld %s%s %s\n", (long long)(r->windows[i].start - T0),
		    r->windows[i].end == DV_ROLL_OPEN ? -1LL : (long long)(r->windows[i].end - T0),
		    dv_roll_rule_name(r->windows[i].rule),
		    r->windows[i].strict_only ? " strict" : "", r->windows[i].why);
}

/* ---- the tests ------------------------------------------------------------------------ */

/* The steady state: nothing to report. */
static void test_steady(void **state)
{
	(void)state;
	zstate_t z;
	zstate_build(&z, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	tset_t ds;
	ds_build(&ds, &KSK1, NULL);
	world_t w;
	world_new(&w);
	serve(&w, T0, T0 + 3600, &z, NULL, &ds, NULL);
	dv_roll_result_t r;
	check(&w, T0 + 3600, &r);
	print_windows(&r);
	assert_int_equal(r.nwindows, 0);
	assert_int_equal(r.nnext, 0);
	assert_true(r.parent_observed);
	assert_int_equal(dv_findings_count(&r.findings, DV_SEV_ERROR), 0);
	assert_int_equal(dv_findings_count(&r.findings, DV_SEV_WARNING), 0);
	/* 60 minutes x 2 child servers x 3 RRsets + 2 parent servers */
	assert_int_equal(r.observations, 60 * 2 * 4);
	assert_int_equal(r.versions, 4);
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* A safe pre-publish ZSK rollover (RFC 7583 §3.2.1), each step after the wait. */
static void test_zsk_prepublish_safe(void **state)
{
	(void)state;
	zstate_t s0, s1, s2, s3;
	zstate_build(&s0, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	zstate_build(&s1,
	             &(zspec_t){.keys = {&KSK1, &ZSK1, &ZSK2}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	zstate_build(&s2, &(zspec_t){.keys = {&KSK1, &ZSK1, &ZSK2},
	                             .ksign = {&KSK1},
	                             .dsign = {&ZSK2},
	                             .serial = 2});
	zstate_build(
	    &s3,
	    &(zspec_t){.keys = {&KSK1, &ZSK2}, .ksign = {&KSK1}, .dsign = {&ZSK2}, .serial = 2});
	tset_t ds;
	ds_build(&ds, &KSK1, NULL);
	world_t w;
	world_new(&w);
	/* Waits: TTL + one observation interval (the change is seen a step late). */
	int64_t t1 = T0 + 3600, t2 = t1 + TTLK + 2 * STEP, t3 = t2 + TTLS + 2 * STEP;
	serve(&w, T0, t1, &s0, NULL, &ds, NULL);
	serve(&w, t1, t2, &s1, NULL, &ds, NULL);
	dv_roll_result_t r;
	/* Mid-roll: the next step is signing with ZSK2, safe once the DNSKEY
	 * RRset without it has left the caches: last possibly served at t1 (the
	 * first observation without it), plus TTLkey. */
	check(&w, t1 + 5 * STEP, &r);
	assert_int_equal(r.nwindows, 0);
	assert_int_equal(r.nnext, 1);
	assert_int_equal(r.next[0].keytag, ZSK2.tag);
	assert_int_equal(r.next[0].earliest, t1 + TTLK);
	assert_non_null(strstr(r.next[0].action, "pre-publish"));
	assert_true(has_code(&r, DV_F_ROLLOVER_STEP_PENDING));
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);

	world_new(&w);
	serve(&w, T0, t1, &s0, NULL, &ds, NULL);
	serve(&w, t1, t2, &s1, NULL, &ds, NULL);
	serve(&w, t2, t3, &s2, NULL, &ds, NULL);
	/* Mid-roll again: ZSK1 retired, removable once SOA signed by it has gone. */
	check(&w, t2 + 2 * STEP, &r);
	assert_int_equal(r.nwindows, 0);
	assert_int_equal(r.nnext, 1);
	assert_int_equal(r.next[0].keytag, ZSK1.tag);
	assert_int_equal(r.next[0].earliest, t2 + TTLS);
	dv_roll_result_free(&r);
	serve(&w, t3, t3 + 3600, &s3, NULL, &ds, NULL);
	check(&w, t3 + 3600 - STEP, &r);
	print_windows(&r);
	assert_int_equal(r.nwindows, 0);
	assert_int_equal(r.nnext, 0);
	assert_int_equal(dv_findings_count(&r.findings, DV_SEV_ERROR), 0);
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* The old ZSK removed at once, with its signatures: R3 both ways, and the
 * window boundaries exact. */
static void test_zsk_removed_unsafe(void **state)
{
	(void)state;
	zstate_t s0, s3;
	zstate_build(&s0, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	zstate_build(
	    &s3,
	    &(zspec_t){.keys = {&KSK1, &ZSK2}, .ksign = {&KSK1}, .dsign = {&ZSK2}, .serial = 2});
	tset_t ds;
	ds_build(&ds, &KSK1, NULL);
	world_t w;
	world_new(&w);
	int64_t t1 = T0 + 3600;
	serve(&w, T0, t1, &s0, NULL, &ds, NULL);
	serve(&w, t1, t1 + 3600, &s3, NULL, &ds, NULL);
	dv_roll_result_t r;
	check(&w, t1 + 3600 - STEP, &r);
	print_windows(&r);
	assert_int_equal(count(&r, DV_ROLL_R3, false), 2);
	assert_int_equal(count(&r, DV_ROLL_R1, false), 0);
	assert_int_equal(count(&r, DV_ROLL_R2, false), 0);
	/* The new versions may have been served since the last observation of
	 * the old ones (t1 - STEP); the old ones until the first observation of
	 * the new (t1), then cached for their TTL. */
	for (size_t i = 0; i < r.nwindows; i++) {
		const dv_roll_window_t *x = &r.windows[i];
		assert_int_equal(x->start, t1 - STEP);
		/* old SOA with new DNSKEY: the SOA's TTL; old DNSKEY with new SOA: TTLkey */
		bool old_soa = strstr(x->why, "serial 1") != NULL;
		assert_int_equal(x->end, t1 + (old_soa ? TTLS : TTLK));
	}
	assert_true(has_code(&r, DV_F_ROLLOVER_BOGUS_WINDOW));
	assert_int_equal(dv_findings_count(&r.findings, DV_SEV_ERROR), 2);
	dv_roll_result_free(&r);
	/* With serve-stale the windows last the allowance longer. */
	dv_roll_check_opts_t o = {
	    .now = t1, .serve_stale = 1000, .stuck_after = 86400, .from = DV_ROLL_START};
	assert_int_equal(dv_roll_check(w.s, &o, &r), DV_OK);
	assert_int_equal(count(&r, DV_ROLL_R3, false), 2);
	for (size_t i = 0; i < r.nwindows; i++)
		assert_true(r.windows[i].end == t1 + TTLS + 1000 ||
		            r.windows[i].end == t1 + TTLK + 1000);
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* R1: the .nz 2023 case.  The DS moves to KSK2 at the parent, and the zone
 * drops KSK1's signature over the DNSKEY RRset before the old DS has left
 * the caches. */
static void test_nz2023(void **state)
{
	(void)state;
	zstate_t s0, s1, s2;
	zstate_build(
	    &s0,
	    &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK1, &KSK2}, .dsign = {&ZSK1}});
	zstate_build(&s1,
	             &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}});
	zstate_build(&s2, &(zspec_t){.keys = {&KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}});
	tset_t d1, d2;
	ds_build(&d1, &KSK1, NULL);
	ds_build(&d2, &KSK2, NULL);
	world_t w;
	world_new(&w);
	int64_t t1 = T0 + 3600, t2 = t1 + 300; /* far less than TTLds */
	serve(&w, T0, t1, &s0, NULL, &d1, NULL);
	serve(&w, t1, t2, &s0, NULL, &d2, NULL);
	serve(&w, t2, t2 + 3600, &s1, NULL, &d2, NULL);
	dv_roll_result_t r;
	check(&w, t2 + 3600 - STEP, &r);
	print_windows(&r);
	const dv_roll_window_t *x = first(&r, DV_ROLL_R1, false);
	assert_non_null(x);
	assert_int_equal(count(&r, DV_ROLL_R1, false), 1);
	assert_int_equal(x->start, t2 - STEP);
	assert_int_equal(x->end, t1 + TTLD); /* DS {KSK1} last served until t1, TTL 1200 */
	assert_int_equal(count(&r, DV_ROLL_R3, false), 0);
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);

	/* The same steps done in time are safe. */
	world_new(&w);
	int64_t u2 = t1 + TTLD + 2 * STEP, u3 = u2 + TTLK + 2 * STEP;
	serve(&w, T0, t1, &s0, NULL, &d1, NULL);
	serve(&w, t1, u2, &s0, NULL, &d2, NULL);
	serve(&w, u2, u3, &s1, NULL, &d2, NULL);
	serve(&w, u3, u3 + 3600, &s2, NULL, &d2, NULL);
	check(&w, u3 + 3600 - STEP, &r);
	print_windows(&r);
	assert_int_equal(r.nwindows, 0);
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* The .nz case as a preflight: the candidate drops KSK1's signature while
 * DS {KSK1} is served; a candidate that keeps it is safe. */
static void test_preflight_nz(void **state)
{
	(void)state;
	zstate_t s0, bad, good;
	zstate_build(
	    &s0,
	    &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK1, &KSK2}, .dsign = {&ZSK1}});
	zstate_build(&bad,
	             &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}});
	zstate_build(&good, &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1},
	                               .ksign = {&KSK1, &KSK2},
	                               .dsign = {&ZSK1},
	                               .serial = 2});
	tset_t d1;
	ds_build(&d1, &KSK1, NULL);
	const zstate_t *cands[2] = {&bad, &good};
	for (int c = 0; c < 2; c++) {
		world_t w;
		world_new(&w);
		serve(&w, T0, T0 + 3600, &s0, NULL, &d1, NULL);
		int64_t now = T0 + 3600;
		dv_roll_rrset_t sets[2] = {tset_view(&cands[c]->dnskey), tset_view(&cands[c]->soa)};
		assert_int_equal(dv_roll_series_candidate(w.s, now, 60, sets, 2), DV_OK);
		dv_roll_check_opts_t o = {.now = now,
		                          .stuck_after = 86400,
		                          .candidate_only = true,
		                          .from = now,
		                          .horizon = now + TTLD + 60 + 1};
		dv_roll_result_t r;
		assert_int_equal(dv_roll_check(w.s, &o, &r), DV_OK);
		print_windows(&r);
		if (c == 0) {
			assert_int_equal(count(&r, DV_ROLL_R1, false), 1);
			assert_true(r.windows[0].candidate);
			assert_int_equal(r.windows[0].start, now);
			/* DS {KSK1} is still served: nothing ends the window */
			assert_int_equal(r.windows[0].end, DV_ROLL_OPEN);
			assert_true(has_code(&r, DV_F_ROLLOVER_CANDIDATE_UNSAFE));
		} else {
			assert_int_equal(r.nwindows, 0);
			assert_false(has_code(&r, DV_F_ROLLOVER_CANDIDATE_UNSAFE));
		}
		dv_roll_result_free(&r);
		dv_roll_series_free(w.s);
	}
}

/* A safe double-DS KSK rollover (RFC 7583 §3.3.2). */
static void test_ksk_double_ds_safe(void **state)
{
	(void)state;
	zstate_t s0, s1;
	zstate_build(&s0, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	zstate_build(&s1, &(zspec_t){.keys = {&KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}});
	tset_t d1, d12, d2;
	ds_build(&d1, &KSK1, NULL);
	ds_build(&d12, &KSK1, &KSK2);
	ds_build(&d2, &KSK2, NULL);
	world_t w;
	world_new(&w);
	int64_t t1 = T0 + 3600, t2 = t1 + TTLD + 2 * STEP, t3 = t2 + TTLK + 2 * STEP;
	serve(&w, T0, t1, &s0, NULL, &d1, NULL);
	serve(&w, t1, t2, &s0, NULL, &d12, NULL);
	dv_roll_result_t r;
	/* The next step (swap the KSK) is safe once DS {KSK1} alone is gone. */
	check(&w, t1 + 5 * STEP, &r);
	assert_int_equal(r.nwindows, 0);
	bool found = false;
	for (size_t i = 0; i < r.nnext; i++) {
		if (strstr(r.next[i].action, "double-DS") == NULL)
			continue;
		found = true;
		assert_int_equal(r.next[i].earliest, t1 + TTLD);
	}
	assert_true(found);
	dv_roll_result_free(&r);
	serve(&w, t2, t3, &s1, NULL, &d12, NULL);
	serve(&w, t3, t3 + 3600, &s1, NULL, &d2, NULL);
	check(&w, t3 + 3600 - STEP, &r);
	print_windows(&r);
	assert_int_equal(r.nwindows, 0);
	assert_int_equal(dv_findings_count(&r.findings, DV_SEV_ERROR), 0);
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* Double-KSK: the DS swapped before the DNSKEY RRset with the new KSK had
 * reached the caches. */
static void test_ds_swap_too_early(void **state)
{
	(void)state;
	zstate_t s0, s1;
	zstate_build(&s0, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	zstate_build(
	    &s1,
	    &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK1, &KSK2}, .dsign = {&ZSK1}});
	tset_t d1, d2;
	ds_build(&d1, &KSK1, NULL);
	ds_build(&d2, &KSK2, NULL);
	world_t w;
	world_new(&w);
	int64_t t1 = T0 + 3600, t2 = t1 + 120;
	serve(&w, T0, t1, &s0, NULL, &d1, NULL);
	serve(&w, t1, t2, &s1, NULL, &d1, NULL);
	/* Mid-roll: the DS may be replaced once the old DNSKEY RRset is gone. */
	dv_roll_result_t r;
	check(&w, t2 - STEP, &r);
	assert_int_equal(r.nwindows, 0);
	bool found = false;
	for (size_t i = 0; i < r.nnext; i++) {
		if (strstr(r.next[i].action, "double-KSK") == NULL)
			continue;
		found = true;
		assert_int_equal(r.next[i].keytag, KSK2.tag);
		assert_int_equal(r.next[i].earliest, t1 + TTLK);
	}
	assert_true(found);
	dv_roll_result_free(&r);
	serve(&w, t2, t2 + 3600, &s1, NULL, &d2, NULL);
	check(&w, t2 + 3600 - STEP, &r);
	print_windows(&r);
	const dv_roll_window_t *x = first(&r, DV_ROLL_R1, false);
	assert_non_null(x);
	assert_int_equal(count(&r, DV_ROLL_R1, false), 1);
	assert_int_equal(x->start, t2 - STEP);
	assert_int_equal(x->end, t1 + TTLK); /* the DNSKEY RRset without KSK2 */
	assert_non_null(strstr(x->why, "matches no key"));
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* Algorithm rollover 8 -> 13 (RFC 6781 §4.1.4) done right, and one that drops
 * the old algorithm's signatures before the DS changed. */
static void test_algorithm_roll(void **state)
{
	(void)state;
	zstate_t a0, a1, a2, a4, a5, bad;
	zstate_build(&a0, &(zspec_t){.keys = {&KSK8, &ZSK8}, .ksign = {&KSK8}, .dsign = {&ZSK8}});
	/* 1: the new algorithm's signatures everywhere, keys not yet published */
	zstate_build(&a1, &(zspec_t){.keys = {&KSK8, &ZSK8},
	                             .ksign = {&KSK8, &KSK1},
	                             .dsign = {&ZSK8, &ZSK1},
	                             .serial = 2});
	/* 2: the new keys published */
	zstate_build(&a2, &(zspec_t){.keys = {&KSK8, &ZSK8, &KSK1, &ZSK1},
	                             .ksign = {&KSK8, &KSK1},
	                             .dsign = {&ZSK8, &ZSK1},
	                             .serial = 2});
	/* 4: old keys removed, old signatures kept */
	zstate_build(&a4, &(zspec_t){.keys = {&KSK1, &ZSK1},
	                             .ksign = {&KSK8, &KSK1},
	                             .dsign = {&ZSK8, &ZSK1},
	                             .serial = 2});
	/* 5: old signatures removed */
	zstate_build(
	    &a5,
	    &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}, .serial = 3});
	/* the wrong step: old signatures dropped while the old DS is cached */
	zstate_build(&bad, &(zspec_t){.keys = {&KSK8, &ZSK8, &KSK1, &ZSK1},
	                              .ksign = {&KSK1},
	                              .dsign = {&ZSK1},
	                              .serial = 3});
	tset_t d8, d13;
	ds_build(&d8, &KSK8, NULL);
	ds_build(&d13, &KSK1, NULL);
	int64_t t1 = T0 + 3600, t2 = t1 + TTLS + 2 * STEP, t3 = t2 + TTLK + 2 * STEP;
	int64_t t4 = t3 + TTLD + 2 * STEP, t5 = t4 + TTLK + 2 * STEP;
	world_t w;
	world_new(&w);
	serve(&w, T0, t1, &a0, NULL, &d8, NULL);
	serve(&w, t1, t2, &a1, NULL, &d8, NULL);
	serve(&w, t2, t3, &a2, NULL, &d8, NULL);
	serve(&w, t3, t4, &a2, NULL, &d13, NULL);
	serve(&w, t4, t5, &a4, NULL, &d13, NULL);
	serve(&w, t5, t5 + 3600, &a5, NULL, &d13, NULL);
	dv_roll_result_t r;
	check(&w, t5 + 3600 - STEP, &r);
	print_windows(&r);
	assert_int_equal(r.nwindows, 0);
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);

	/* Mid-roll (step 2 done, DS still algorithm 8): next is the DS change. */
	world_new(&w);
	serve(&w, T0, t1, &a0, NULL, &d8, NULL);
	serve(&w, t1, t2, &a1, NULL, &d8, NULL);
	serve(&w, t2, t3, &a2, NULL, &d8, NULL);
	check(&w, t2 + 2 * STEP, &r);
	assert_int_equal(r.nwindows, 0);
	assert_true(r.nnext >= 1);
	assert_non_null(strstr(r.next[0].action, "replace the DS"));
	assert_int_equal(r.next[0].earliest, t2 + TTLK);
	dv_roll_result_free(&r);
	serve(&w, t3, t3 + 300, &a2, NULL, &d13, NULL);
	serve(&w, t3 + 300, t3 + 3600, &bad, NULL, &d13, NULL);
	check(&w, t3 + 3600 - STEP, &r);
	print_windows(&r);
	/* DS {8} cached, the DNSKEY RRset no longer signed by algorithm 8 */
	const dv_roll_window_t *x = first(&r, DV_ROLL_R1, false);
	assert_non_null(x);
	assert_int_equal(x->start, t3 + 300 - STEP);
	assert_int_equal(x->end, t3 + TTLD);
	/* Strict validators: algorithm 8 keys published, no algorithm 8 signature. */
	assert_true(count(&r, DV_ROLL_R3, true) >= 1);
	assert_true(count(&r, DV_ROLL_R2, true) >= 1);
	assert_true(has_code(&r, DV_F_ROLLOVER_STRICT_WINDOW));
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* Strict only: the data carry no signature of an algorithm the DNSKEY RRset
 * has (RFC 4035 §2.2), while one algorithm validates (RFC 6840 §5.11). */
static void test_strict_only(void **state)
{
	(void)state;
	zstate_t z, ok;
	zstate_build(&z,
	             &(zspec_t){.keys = {&KSK1, &ZSK1, &ZSK8}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	zstate_build(&ok, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	tset_t ds;
	ds_build(&ds, &KSK1, NULL);
	const zstate_t *zs[2] = {&z, &ok};
	for (int i = 0; i < 2; i++) {
		world_t w;
		world_new(&w);
		serve(&w, T0, T0 + 600, zs[i], NULL, &ds, NULL);
		dv_roll_result_t r;
		check(&w, T0 + 600, &r);
		print_windows(&r);
		assert_int_equal(count(&r, DV_ROLL_R3, false), 0);
		assert_int_equal(count(&r, DV_ROLL_R3, true), i == 0 ? 1 : 0);
		assert_int_equal(count(&r, DV_ROLL_R2, true), i == 0 ? 1 : 0);
		assert_int_equal(dv_findings_count(&r.findings, DV_SEV_ERROR), 0);
		dv_roll_result_free(&r);
		dv_roll_series_free(w.s);
	}
}

/* R2: a DS at the parent and a DNSKEY RRset that is absent, unsigned or
 * signed by a key it does not hold. */
static void test_r2(void **state)
{
	(void)state;
	zstate_t absent, unsig, foreign;
	zstate_build(&absent, &(zspec_t){.keys = {&KSK1}, .no_dnskey = true, .dsign = {&ZSK1}});
	zstate_build(&unsig, &(zspec_t){.keys = {&KSK1, &ZSK1}, .dsign = {&ZSK1}});
	zstate_build(&foreign,
	             &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}});
	tset_t ds, none;
	ds_build(&ds, &KSK1, NULL);
	ds_build(&none, NULL, NULL);
	const zstate_t *zs[3] = {&absent, &unsig, &foreign};
	for (int i = 0; i < 3; i++) {
		for (int secure = 0; secure < 2; secure++) {
			world_t w;
			world_new(&w);
			serve(&w, T0, T0 + 600, zs[i], NULL, secure ? &ds : &none, NULL);
			dv_roll_result_t r;
			check(&w, T0 + 600, &r);
			print_windows(&r);
			/* insecure (no DS): nothing to validate */
			assert_int_equal(count(&r, DV_ROLL_R2, false), secure ? 1 : 0);
			dv_roll_result_free(&r);
			dv_roll_series_free(w.s);
		}
	}
}

/* R3: data signed by a key not in the DNSKEY RRset, or a corrupt signature. */
static void test_r3(void **state)
{
	(void)state;
	zstate_t unknown, corrupt;
	zstate_build(&unknown,
	             &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK2}});
	zstate_build(&corrupt, &(zspec_t){.keys = {&KSK1, &ZSK1},
	                                  .ksign = {&KSK1},
	                                  .dsign = {&ZSK1},
	                                  .bad_dsig = true});
	tset_t ds;
	ds_build(&ds, &KSK1, NULL);
	const zstate_t *zs[2] = {&unknown, &corrupt};
	for (int i = 0; i < 2; i++) {
		world_t w;
		world_new(&w);
		serve(&w, T0, T0 + 600, zs[i], NULL, &ds, NULL);
		dv_roll_result_t r;
		check(&w, T0 + 600, &r);
		print_windows(&r);
		assert_int_equal(count(&r, DV_ROLL_R3, false), 1);
		assert_int_equal(r.windows[0].start, T0);
		assert_int_equal(r.windows[0].end, DV_ROLL_OPEN);
		dv_roll_result_free(&r);
		dv_roll_series_free(w.s);
	}
}

/* R1 strict: two DS algorithms, only one with a key in the zone. */
static void test_r1_strict(void **state)
{
	(void)state;
	zstate_t z;
	zstate_build(&z, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	tset_t both, one;
	ds_build(&both, &KSK1, &KSK8);
	ds_build(&one, &KSK1, NULL);
	const tset_t *dss[2] = {&both, &one};
	for (int i = 0; i < 2; i++) {
		world_t w;
		world_new(&w);
		serve(&w, T0, T0 + 600, &z, NULL, dss[i], NULL);
		dv_roll_result_t r;
		check(&w, T0 + 600, &r);
		assert_int_equal(count(&r, DV_ROLL_R1, false), 0);
		assert_int_equal(count(&r, DV_ROLL_R1, true), i == 0 ? 1 : 0);
		dv_roll_result_free(&r);
		dv_roll_series_free(w.s);
	}
}

/* Signature expiry is an event boundary: the window starts one second after
 * the expiration time, exactly. */
static void test_expiry_boundary(void **state)
{
	(void)state;
	int64_t exp = T0 + 1234;
	zstate_t z;
	zstate_build(
	    &z, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}, .exp = exp});
	tset_t ds;
	ds_build(&ds, &KSK1, NULL);
	world_t w;
	world_new(&w);
	serve(&w, T0, T0 + 3600, &z, NULL, &ds, NULL);
	dv_roll_result_t r;
	check(&w, T0 + 3600, &r);
	print_windows(&r);
	/* DNSKEY (R2) and SOA (R3) fail from exp + 1 on */
	assert_int_equal(r.nwindows, 2);
	for (size_t i = 0; i < r.nwindows; i++) {
		assert_int_equal(r.windows[i].start, exp + 1);
		assert_int_equal(r.windows[i].end, DV_ROLL_OPEN);
	}
	dv_roll_result_free(&r);
	/* Judged before: the evaluation still finds the coming window. */
	check(&w, T0 + 600, &r);
	assert_int_equal(r.nwindows, 2);
	assert_true(strstr(r.findings.v[0].detail, "will be bogus") != NULL);
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* Stuck detection: CDS published while the DS stays; stale DS; parent servers
 * and child servers disagreeing. */
static void test_stuck(void **state)
{
	(void)state;
	zstate_t s0, cds;
	zstate_build(&s0, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	zstate_build(&cds, &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1},
	                              .ksign = {&KSK1, &KSK2},
	                              .dsign = {&ZSK1},
	                              .cds = {&KSK2}});
	tset_t d1, d12;
	ds_build(&d1, &KSK1, NULL);
	ds_build(&d12, &KSK1, &KSK2);
	int64_t t1 = T0 + 3600;
	for (int stuck = 0; stuck < 2; stuck++) {
		world_t w;
		world_new(&w);
		serve(&w, T0, t1, &s0, NULL, &d1, NULL);
		serve(&w, t1, t1 + (stuck ? 7200 : 1800), &cds, NULL, &d1, NULL);
		dv_roll_result_t r;
		dv_roll_check_opts_t o = {
		    .now = dv_roll_series_last(w.s), .stuck_after = 3600, .from = DV_ROLL_START};
		assert_int_equal(dv_roll_check(w.s, &o, &r), DV_OK);
		assert_int_equal(has_code(&r, DV_F_ROLLOVER_DS_NOT_UPDATED), stuck);
		assert_false(has_code(&r, DV_F_ROLLOVER_PARENT_SPLIT));
		dv_roll_result_free(&r);
		dv_roll_series_free(w.s);
	}
	/* Parent servers disagree; child servers disagree on CDS. */
	world_t w;
	world_new(&w);
	serve(&w, T0, t1, &s0, NULL, &d1, NULL);
	serve(&w, t1, t1 + 7200, &s0, &cds, &d1, &d12);
	dv_roll_result_t r;
	dv_roll_check_opts_t o = {
	    .now = dv_roll_series_last(w.s), .stuck_after = 3600, .from = DV_ROLL_START};
	assert_int_equal(dv_roll_check(w.s, &o, &r), DV_OK);
	assert_true(has_code(&r, DV_F_ROLLOVER_PARENT_SPLIT));
	assert_true(has_code(&r, DV_F_ROLLOVER_CDS_SPLIT));
	dv_roll_result_free(&r);
	o.stuck_after = 86400;
	assert_int_equal(dv_roll_check(w.s, &o, &r), DV_OK);
	assert_false(has_code(&r, DV_F_ROLLOVER_PARENT_SPLIT));
	assert_false(has_code(&r, DV_F_ROLLOVER_CDS_SPLIT));
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
	/* A DS whose key left long ago. */
	zstate_t s2;
	zstate_build(&s2, &(zspec_t){.keys = {&KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}});
	world_new(&w);
	serve(&w, T0, t1, &cds, NULL, &d12, NULL);
	serve(&w, t1, t1 + 7200, &s2, NULL, &d12, NULL);
	o.now = dv_roll_series_last(w.s);
	o.stuck_after = 3600;
	assert_int_equal(dv_roll_check(w.s, &o, &r), DV_OK);
	print_windows(&r);
	assert_int_equal(r.nwindows, 0);
	assert_true(has_code(&r, DV_F_ROLLOVER_STALE_DS));
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* No DS answer at all: R1 cannot be checked, and the check says so. */
static void test_parent_unobserved(void **state)
{
	(void)state;
	zstate_t z;
	zstate_build(&z, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK2}});
	world_t w;
	world_new(&w);
	serve(&w, T0, T0 + 600, &z, NULL, NULL, NULL);
	dv_roll_result_t r;
	check(&w, T0 + 600, &r);
	assert_false(r.parent_observed);
	assert_true(has_code(&r, DV_F_ROLLOVER_PARENT_UNOBSERVED));
	/* judged as if secure: the data signed by a key not published is bogus */
	assert_int_equal(count(&r, DV_ROLL_R3, false), 1);
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* Input checks: observations out of time order, DS from a child server. */
static void test_bad_input(void **state)
{
	(void)state;
	zstate_t z;
	zstate_build(&z, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	tset_t ds;
	ds_build(&ds, &KSK1, NULL);
	world_t w;
	world_new(&w);
	dv_roll_rrset_t k = tset_view(&z.dnskey), d = tset_view(&ds);
	assert_int_equal(dv_roll_series_observe(w.s, w.child[0], T0, &k), DV_OK);
	assert_int_equal(dv_roll_series_observe(w.s, w.child[0], T0 - 1, &k), DV_EINVAL);
	assert_int_equal(dv_roll_series_observe(w.s, w.child[0], T0, &d), DV_EINVAL);
	assert_int_equal(dv_roll_series_observe(w.s, w.parent[0], T0, &k), DV_EINVAL);
	assert_int_equal(dv_roll_series_observe(w.s, 99, T0, &k), DV_EINVAL);
	uint8_t other[32];
	knot_dname_from_str(other, "other.", sizeof(other));
	k.owner = other;
	assert_int_equal(dv_roll_series_observe(w.s, w.child[0], T0, &k), DV_EINVAL);
	dv_roll_series_free(w.s);
}

/* Recovery: expired signatures; a DS matching a key that no longer signs; a
 * ZSK removed early; going insecure. */
static void test_recover(void **state)
{
	(void)state;
	dv_roll_recover_opts_t o = {.dprp = 60, .dprp_parent = 300, .dreg = 3600};
	dv_roll_recovery_t rec;
	world_t w;
	/* expired */
	zstate_t exp;
	zstate_build(
	    &exp, &(zspec_t){
	              .keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}, .exp = T0 + 600});
	tset_t d1, d2;
	ds_build(&d1, &KSK1, NULL);
	ds_build(&d2, &KSK2, NULL);
	world_new(&w);
	serve(&w, T0, T0 + 3600, &exp, NULL, &d1, NULL);
	o.now = T0 + 3600 - STEP;
	assert_int_equal(dv_roll_recover(w.s, &o, &rec), DV_OK);
	assert_int_equal(rec.kase, DV_ROLL_CASE_EXPIRED);
	assert_int_equal(rec.healed, o.now + 60);
	assert_int_equal(rec.unaided, DV_ROLL_OPEN);
	dv_roll_recovery_free(&rec);
	dv_roll_series_free(w.s);
	/* the .nz case: the key of the DS is still published, sign with it again */
	zstate_t s0, s1;
	zstate_build(
	    &s0,
	    &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK1, &KSK2}, .dsign = {&ZSK1}});
	zstate_build(&s1,
	             &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}});
	world_new(&w);
	serve(&w, T0, T0 + 3600, &s0, NULL, &d1, NULL);
	serve(&w, T0 + 3600, T0 + 7200, &s1, NULL, &d1, NULL);
	o.now = T0 + 7200 - STEP;
	assert_int_equal(dv_roll_recover(w.s, &o, &rec), DV_OK);
	assert_int_equal(rec.kase, DV_ROLL_CASE_DS_MISMATCH);
	assert_non_null(strstr(rec.steps[0].what, "keep key"));
	assert_int_equal(rec.healed, o.now + 60);
	assert_int_equal(rec.unaided, DV_ROLL_OPEN);
	dv_roll_recovery_free(&rec);
	dv_roll_series_free(w.s);
	/* a DS for a key never seen: change the DS at the parent */
	zstate_t s2;
	zstate_build(&s2, &(zspec_t){.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}});
	world_new(&w);
	serve(&w, T0, T0 + 3600, &s2, NULL, &d2, NULL);
	o.now = T0 + 3600 - STEP;
	assert_int_equal(dv_roll_recover(w.s, &o, &rec), DV_OK);
	assert_int_equal(rec.kase, DV_ROLL_CASE_DS_MISMATCH);
	assert_int_equal(rec.healed, o.now + 3600 + 300 + TTLD);
	dv_roll_recovery_free(&rec);
	dv_roll_series_free(w.s);
	/* the ZSK removed early: waiting is faster than republishing */
	zstate_t z3;
	zstate_build(
	    &z3,
	    &(zspec_t){.keys = {&KSK1, &ZSK2}, .ksign = {&KSK1}, .dsign = {&ZSK2}, .serial = 2});
	world_new(&w);
	serve(&w, T0, T0 + 3600, &s2, NULL, &d1, NULL);
	serve(&w, T0 + 3600, T0 + 3600 + 2 * STEP, &z3, NULL, &d1, NULL);
	o.now = T0 + 3600 + STEP;
	assert_int_equal(dv_roll_recover(w.s, &o, &rec), DV_OK);
	assert_int_equal(rec.kase, DV_ROLL_CASE_KEY_REMOVED);
	assert_true(rec.unaided != DV_ROLL_OPEN && rec.healed == rec.unaided);
	dv_roll_recovery_free(&rec);
	/* going insecure on request: DS first, unsign after Dreg + DprpP + TTLds */
	o.insecure = true;
	assert_int_equal(dv_roll_recover(w.s, &o, &rec), DV_OK);
	assert_int_equal(rec.kase, DV_ROLL_CASE_INSECURE);
	assert_int_equal(rec.healed, o.now + 3600 + 300 + TTLD);
	dv_roll_recovery_free(&rec);
	dv_roll_series_free(w.s);
	/* nothing wrong */
	o.insecure = false;
	world_new(&w);
	serve(&w, T0, T0 + 3600, &s2, NULL, &d1, NULL);
	o.now = T0 + 3600 - STEP;
	assert_int_equal(dv_roll_recover(w.s, &o, &rec), DV_OK);
	assert_int_equal(rec.kase, DV_ROLL_CASE_NONE);
	dv_roll_recovery_free(&rec);
	dv_roll_series_free(w.s);
}

/* The plan: RFC 7583 arithmetic on given parameters. */
static void test_plan(void **state)
{
	(void)state;
	dv_roll_params_t p;
	dv_roll_params_default(&p);
	p.v[DV_ROLL_P_TTLKEY] = 3600;
	p.v[DV_ROLL_P_TTLSIG] = 86400;
	p.v[DV_ROLL_P_DPRP] = 300;
	p.v[DV_ROLL_P_SAFETY] = 0;
	p.v[DV_ROLL_P_VALIDITY] = p.v[DV_ROLL_P_REFRESH] = 1209600; /* Dsgn 0 */
	dv_roll_plan_t plan;
	char err[200];
	assert_int_equal(dv_roll_plan(DV_ROLL_ZSK, DV_ROLL_PRE_PUBLISH, T0, &p, &plan, err, 200),
	                 DV_OK);
	assert_int_equal(plan.nsteps, 3);
	assert_int_equal(plan.steps[1].time, T0 + 300 + 3600);
	assert_int_equal(plan.steps[2].time, T0 + 3900 + 300 + 86400);
	assert_string_equal(plan.steps[2].event, "Trem(N)");
	p.v[DV_ROLL_P_TTLDS] = 7200;
	p.v[DV_ROLL_P_DPRPP] = 600;
	p.v[DV_ROLL_P_DREG] = 1000;
	assert_int_equal(dv_roll_plan(DV_ROLL_KSK, DV_ROLL_DOUBLE_DS, T0, &p, &plan, err, 200),
	                 DV_OK);
	assert_int_equal(plan.steps[2].time, T0 + 1000 + 600 + 7200);
	assert_int_equal(plan.steps[3].time, T0 + 8800 + 300 + 3600);
	assert_int_equal(dv_roll_plan(DV_ROLL_KSK, DV_ROLL_DOUBLE_RRSET, T0, &p, &plan, err, 200),
	                 DV_OK);
	assert_int_equal(plan.steps[1].time, T0 + 8800); /* max(3900, 1000 + 7800) */
	assert_int_equal(dv_roll_plan(DV_ROLL_ZSK, DV_ROLL_DOUBLE_DS, T0, &p, &plan, err, 200),
	                 DV_EINVAL);
	assert_non_null(strstr(err, "pre-publish or double-signature"));
	p.v[DV_ROLL_P_REFRESH] = p.v[DV_ROLL_P_VALIDITY] + 1;
	assert_int_equal(dv_roll_plan(DV_ROLL_ZSK, DV_ROLL_PRE_PUBLISH, T0, &p, &plan, err, 200),
	                 DV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_steady),
	    cmocka_unit_test(test_zsk_prepublish_safe),
	    cmocka_unit_test(test_zsk_removed_unsafe),
	    cmocka_unit_test(test_nz2023),
	    cmocka_unit_test(test_preflight_nz),
	    cmocka_unit_test(test_ksk_double_ds_safe),
	    cmocka_unit_test(test_ds_swap_too_early),
	    cmocka_unit_test(test_algorithm_roll),
	    cmocka_unit_test(test_strict_only),
	    cmocka_unit_test(test_r2),
	    cmocka_unit_test(test_r3),
	    cmocka_unit_test(test_r1_strict),
	    cmocka_unit_test(test_expiry_boundary),
	    cmocka_unit_test(test_stuck),
	    cmocka_unit_test(test_parent_unobserved),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_recover),
	    cmocka_unit_test(test_plan),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
