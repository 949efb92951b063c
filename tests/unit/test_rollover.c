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
	dv_signkey_clear(&KSK1);
	dv_signkey_clear(&KSK2);
	dv_signkey_clear(&ZSK1);
	dv_signkey_clear(&ZSK2);
	dv_signkey_clear(&KSK8);
	dv_signkey_clear(&ZSK8);
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
	dv_buf_clear(&buf);
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

/* ---- scenarios -------------------------------------------------------------------- */

typedef struct {
	dv_roll_series_t *s;
	uint32_t child[2], parent[2];
} world_t;

static void world_new(world_t *w)
{
	static const char *const addr[4] = {"192.0.2.1", "192.0.2.2", "198.51.100.1",
	                                    "198.51.100.2"};
	assert_int_equal(dv_roll_series_new(ZONE, &w->s), DV_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(dv_roll_series_server(w->s, i < 2 ? DV_ROLL_CHILD : DV_ROLL_PARENT,
		                                       addr[i], NULL,
		                                       i < 2 ? &w->child[i] : &w->parent[i - 2]),
		                 DV_OK);
}

/* One phase of a scenario: a zone state served by both child servers (z2:
 * another on the second one), the DS RRset at both parent servers (ds2: the
 * second one's, when ds2set), for `len` seconds, one observation a minute. */
typedef struct {
	int64_t len;
	zspec_t z;
	const zspec_t *z2;
	const dv_signkey_t *ds[2]; /* both NULL: no DS (proven absent) */
	const dv_signkey_t *ds2[2];
	bool ds2set;
	bool no_parent; /* no DS answer observed at all */
} phase_t;

static void observe(world_t *w, uint32_t server, int64_t t, const tset_t *set, bool absent)
{
	dv_roll_rrset_t v = tset_view(set);
	if (absent) {
		v.absent = true;
		v.n = v.nsig = 0;
	}
	assert_int_equal(dv_roll_series_observe(w->s, server, t, &v), DV_OK);
}

/* Serve the phases from *t on; *t ends where the last one ends. */
static void play(world_t *w, int64_t *t, const phase_t *ph, size_t n)
{
	for (size_t p = 0; p < n; p++) {
		zstate_t *z = malloc(2 * sizeof(*z));
		tset_t *ds = malloc(2 * sizeof(*ds));
		assert_non_null(z);
		assert_non_null(ds);
		zstate_build(&z[0], &ph[p].z);
		zstate_build(&z[1], ph[p].z2 ? ph[p].z2 : &ph[p].z);
		ds_build(&ds[0], ph[p].ds[0], ph[p].ds[1]);
		ds_build(&ds[1], ph[p].ds2set ? ph[p].ds2[0] : ph[p].ds[0],
		         ph[p].ds2set ? ph[p].ds2[1] : ph[p].ds[1]);
		int64_t end = *t + ph[p].len;
		for (; *t < end; *t += STEP) {
			for (int i = 0; i < 2; i++) {
				const zstate_t *zz = &z[ph[p].z2 ? i : 0];
				observe(w, w->child[i], *t, &zz->dnskey, false);
				observe(w, w->child[i], *t, &zz->soa, false);
				observe(w, w->child[i], *t, &zz->cds, !zz->have_cds);
				if (!ph[p].no_parent)
					observe(w, w->parent[i], *t, &ds[ph[p].ds2set ? i : 0],
					        false);
			}
		}
		*t = end;
		free(z);
		free(ds);
	}
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

static void check_opts(world_t *w, int64_t now, int64_t stuck, dv_roll_result_t *r)
{
	dv_roll_check_opts_t o = {.now = now, .stuck_after = stuck, .from = DV_ROLL_START};
	assert_int_equal(dv_roll_check(w->s, &o, r), DV_OK);
	print_windows(r);
}

static void check(world_t *w, int64_t now, dv_roll_result_t *r)
{
	check_opts(w, now, 2 * 86400, r);
}

/* The series at `now` is safe: no window, no error.  Frees the world. */
static void expect_safe(world_t *w, int64_t now)
{
	dv_roll_result_t r;
	check(w, now, &r);
	assert_int_equal(r.nwindows, 0);
	assert_int_equal(dv_findings_count(&r.findings, DV_SEV_ERROR), 0);
	dv_roll_result_free(&r);
	dv_roll_series_free(w->s);
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

/* The next step whose action mentions `what`, or NULL. */
static const dv_roll_next_t *next_step(const dv_roll_result_t *r, const char *what)
{
	for (size_t i = 0; i < r->nnext; i++)
		if (strstr(r->next[i].action, what) != NULL)
			return &r->next[i];
	return NULL;
}

/* Zone states used by several scenarios. */
#define Z_K1Z1                                                                                     \
	{                                                                                          \
		.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = { &ZSK1 }                       \
	}
#define Z_K1Z2                                                                                     \
	{                                                                                          \
		.keys = {&KSK1, &ZSK2}, .ksign = {&KSK1}, .dsign = {&ZSK2}, .serial = 2            \
	}
#define Z_K12Z1                                                                                    \
	{                                                                                          \
		.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK1, &KSK2}, .dsign = { &ZSK1 }         \
	}

/* ---- the tests ---------------------------------------------------------------------- */

/* The steady state: nothing to report. */
static void test_steady(void **state)
{
	(void)state;
	world_t w;
	world_new(&w);
	int64_t t = T0;
	play(&w, &t, (phase_t[]){{3600, Z_K1Z1, .ds = {&KSK1}}}, 1);
	dv_roll_result_t r;
	check(&w, t, &r);
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

/* A safe pre-publish ZSK rollover (RFC 7583 §3.2.1), each step after the wait:
 * TTL + two observation intervals (a change is seen a step late). */
static void test_zsk_prepublish_safe(void **state)
{
	(void)state;
	const phase_t ph[] = {
	    {3600, Z_K1Z1, .ds = {&KSK1}},
	    {TTLK + 2 * STEP,
	     {.keys = {&KSK1, &ZSK1, &ZSK2}, .ksign = {&KSK1}, .dsign = {&ZSK1}},
	     .ds = {&KSK1}},
	    {TTLS + 2 * STEP,
	     {.keys = {&KSK1, &ZSK1, &ZSK2}, .ksign = {&KSK1}, .dsign = {&ZSK2}, .serial = 2},
	     .ds = {&KSK1}},
	    {3600, Z_K1Z2, .ds = {&KSK1}},
	};
	world_t w;
	world_new(&w);
	int64_t t = T0, t1 = T0 + 3600, t2 = t1 + TTLK + 2 * STEP;
	play(&w, &t, ph, 2);
	/* Mid-roll: the next step is signing with ZSK2, safe once the DNSKEY
	 * RRset without it has left the caches: last possibly served at t1 (the
	 * first observation without it), plus TTLkey. */
	dv_roll_result_t r;
	check(&w, t1 + 5 * STEP, &r);
	assert_int_equal(r.nwindows, 0);
	assert_int_equal(r.nnext, 1);
	assert_int_equal(r.next[0].keytag, ZSK2.tag);
	assert_int_equal(r.next[0].earliest, t1 + TTLK);
	assert_non_null(strstr(r.next[0].action, "pre-publish"));
	assert_true(has_code(&r, DV_F_ROLLOVER_STEP_PENDING));
	dv_roll_result_free(&r);
	/* Mid-roll again: ZSK1 retired, removable once SOA signed by it has gone. */
	play(&w, &t, ph + 2, 1);
	check(&w, t2 + 2 * STEP, &r);
	assert_int_equal(r.nwindows, 0);
	assert_int_equal(r.nnext, 1);
	assert_int_equal(r.next[0].keytag, ZSK1.tag);
	assert_int_equal(r.next[0].earliest, t2 + TTLS);
	dv_roll_result_free(&r);
	play(&w, &t, ph + 3, 1);
	check(&w, t - STEP, &r);
	assert_int_equal(r.nnext, 0);
	dv_roll_result_free(&r);
	expect_safe(&w, t - STEP);
}

/* The old ZSK removed at once, with its signatures: R3 both ways, and the
 * window boundaries exact. */
static void test_zsk_removed_unsafe(void **state)
{
	(void)state;
	world_t w;
	world_new(&w);
	int64_t t = T0, t1 = T0 + 3600;
	play(&w, &t, (phase_t[]){{3600, Z_K1Z1, .ds = {&KSK1}}, {3600, Z_K1Z2, .ds = {&KSK1}}}, 2);
	dv_roll_result_t r;
	check(&w, t - STEP, &r);
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
 * the caches; the same steps in time are safe. */
static void test_nz2023(void **state)
{
	(void)state;
	const zspec_t s1 = {.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}};
	int64_t t1 = T0 + 3600, t2 = t1 + 300; /* far less than TTLds */
	world_t w;
	world_new(&w);
	int64_t t = T0;
	play(&w, &t,
	     (phase_t[]){{3600, Z_K12Z1, .ds = {&KSK1}},
	                 {300, Z_K12Z1, .ds = {&KSK2}},
	                 {3600, s1, .ds = {&KSK2}}},
	     3);
	dv_roll_result_t r;
	check(&w, t - STEP, &r);
	const dv_roll_window_t *x = first(&r, DV_ROLL_R1, false);
	assert_non_null(x);
	assert_int_equal(count(&r, DV_ROLL_R1, false), 1);
	assert_int_equal(x->start, t2 - STEP);
	assert_int_equal(x->end, t1 + TTLD); /* DS {KSK1} last served until t1, TTL 1200 */
	assert_int_equal(count(&r, DV_ROLL_R3, false), 0);
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);

	world_new(&w);
	t = T0;
	play(&w, &t,
	     (phase_t[]){{3600, Z_K12Z1, .ds = {&KSK1}},
	                 {TTLD + 2 * STEP, Z_K12Z1, .ds = {&KSK2}},
	                 {TTLK + 2 * STEP, s1, .ds = {&KSK2}},
	                 {3600,
	                  {.keys = {&KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}},
	                  .ds = {&KSK2}}},
	     4);
	expect_safe(&w, t - STEP);
}

/* The .nz case as a preflight: the candidate drops KSK1's signature while
 * DS {KSK1} is served; a candidate that keeps it is safe. */
static void test_preflight_nz(void **state)
{
	(void)state;
	zstate_t cand[2];
	zstate_build(&cand[0],
	             &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}});
	zstate_build(&cand[1], &(zspec_t){.keys = {&KSK1, &KSK2, &ZSK1},
	                                  .ksign = {&KSK1, &KSK2},
	                                  .dsign = {&ZSK1},
	                                  .serial = 2});
	for (int c = 0; c < 2; c++) {
		world_t w;
		world_new(&w);
		int64_t now = T0;
		play(&w, &now, (phase_t[]){{3600, Z_K12Z1, .ds = {&KSK1}}}, 1);
		dv_roll_rrset_t sets[2] = {tset_view(&cand[c].dnskey), tset_view(&cand[c].soa)};
		assert_int_equal(dv_roll_series_candidate(w.s, now, 60, sets, 2), DV_OK);
		dv_roll_check_opts_t o = {.now = now,
		                          .stuck_after = 86400,
		                          .candidate_only = true,
		                          .from = now,
		                          .horizon = now + TTLD + 60 + 1};
		dv_roll_result_t r;
		assert_int_equal(dv_roll_check(w.s, &o, &r), DV_OK);
		print_windows(&r);
		assert_int_equal(count(&r, DV_ROLL_R1, false), c == 0 ? 1 : 0);
		assert_int_equal(r.nwindows, c == 0 ? 1 : 0);
		assert_int_equal(has_code(&r, DV_F_ROLLOVER_CANDIDATE_UNSAFE), c == 0);
		if (c == 0) {
			assert_true(r.windows[0].candidate);
			assert_int_equal(r.windows[0].start, now);
			/* DS {KSK1} is still served: nothing ends the window */
			assert_int_equal(r.windows[0].end, DV_ROLL_OPEN);
		}
		dv_roll_result_free(&r);
		dv_roll_series_free(w.s);
	}
}

/* A safe double-DS KSK rollover (RFC 7583 §3.3.2). */
static void test_ksk_double_ds_safe(void **state)
{
	(void)state;
	const zspec_t s1 = {.keys = {&KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}};
	world_t w;
	world_new(&w);
	int64_t t = T0, t1 = T0 + 3600;
	play(&w, &t,
	     (phase_t[]){{3600, Z_K1Z1, .ds = {&KSK1}},
	                 {TTLD + 2 * STEP, Z_K1Z1, .ds = {&KSK1, &KSK2}}},
	     2);
	/* The next step (swap the KSK) is safe once DS {KSK1} alone is gone. */
	dv_roll_result_t r;
	check(&w, t1 + 5 * STEP, &r);
	assert_int_equal(r.nwindows, 0);
	const dv_roll_next_t *n = next_step(&r, "double-DS");
	assert_non_null(n);
	assert_int_equal(n->earliest, t1 + TTLD);
	dv_roll_result_free(&r);
	play(&w, &t,
	     (phase_t[]){{TTLK + 2 * STEP, s1, .ds = {&KSK1, &KSK2}}, {3600, s1, .ds = {&KSK2}}},
	     2);
	expect_safe(&w, t - STEP);
}

/* Double-KSK: the DS swapped before the DNSKEY RRset with the new KSK had
 * reached the caches. */
static void test_ds_swap_too_early(void **state)
{
	(void)state;
	world_t w;
	world_new(&w);
	int64_t t = T0, t1 = T0 + 3600, t2 = t1 + 120;
	play(&w, &t, (phase_t[]){{3600, Z_K1Z1, .ds = {&KSK1}}, {120, Z_K12Z1, .ds = {&KSK1}}}, 2);
	/* Mid-roll: the DS may be replaced once the old DNSKEY RRset is gone. */
	dv_roll_result_t r;
	check(&w, t2 - STEP, &r);
	assert_int_equal(r.nwindows, 0);
	const dv_roll_next_t *n = next_step(&r, "double-KSK");
	assert_non_null(n);
	assert_int_equal(n->keytag, KSK2.tag);
	assert_int_equal(n->earliest, t1 + TTLK);
	dv_roll_result_free(&r);
	play(&w, &t, (phase_t[]){{3600, Z_K12Z1, .ds = {&KSK2}}}, 1);
	check(&w, t - STEP, &r);
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
 * the old algorithm's signatures before the DS change settled. */
static void test_algorithm_roll(void **state)
{
	(void)state;
	const zspec_t a0 = {.keys = {&KSK8, &ZSK8}, .ksign = {&KSK8}, .dsign = {&ZSK8}};
	/* 1: the new algorithm's signatures everywhere, keys not yet published */
	const zspec_t a1 = {
	    .keys = {&KSK8, &ZSK8}, .ksign = {&KSK8, &KSK1}, .dsign = {&ZSK8, &ZSK1}, .serial = 2};
	/* 2: the new keys published */
	const zspec_t a2 = {.keys = {&KSK8, &ZSK8, &KSK1, &ZSK1},
	                    .ksign = {&KSK8, &KSK1},
	                    .dsign = {&ZSK8, &ZSK1},
	                    .serial = 2};
	/* 4: old keys removed, old signatures kept; 5: old signatures removed */
	const zspec_t a4 = {
	    .keys = {&KSK1, &ZSK1}, .ksign = {&KSK8, &KSK1}, .dsign = {&ZSK8, &ZSK1}, .serial = 2};
	const zspec_t a5 = {
	    .keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}, .serial = 3};
	/* the wrong step: old signatures dropped while the old DS is cached */
	const zspec_t bad = {
	    .keys = {&KSK8, &ZSK8, &KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}, .serial = 3};
	int64_t t1 = T0 + 3600, t2 = t1 + TTLS + 2 * STEP, t3 = t2 + TTLK + 2 * STEP;
	const phase_t ph[] = {
	    {3600, a0, .ds = {&KSK8}},
	    {TTLS + 2 * STEP, a1, .ds = {&KSK8}},
	    {TTLK + 2 * STEP, a2, .ds = {&KSK8}},
	    {TTLD + 2 * STEP, a2, .ds = {&KSK1}},
	    {TTLK + 2 * STEP, a4, .ds = {&KSK1}},
	    {3600, a5, .ds = {&KSK1}},
	};
	world_t w;
	world_new(&w);
	int64_t t = T0;
	play(&w, &t, ph, 6);
	expect_safe(&w, t - STEP);

	/* Mid-roll (step 2 done, DS still algorithm 8): next is the DS change. */
	world_new(&w);
	t = T0;
	play(&w, &t, ph, 3);
	dv_roll_result_t r;
	check(&w, t2 + 2 * STEP, &r);
	assert_int_equal(r.nwindows, 0);
	assert_true(r.nnext >= 1);
	assert_non_null(strstr(r.next[0].action, "replace the DS"));
	assert_int_equal(r.next[0].earliest, t2 + TTLK);
	dv_roll_result_free(&r);
	play(&w, &t, (phase_t[]){{300, a2, .ds = {&KSK1}}, {3600, bad, .ds = {&KSK1}}}, 2);
	check(&w, t - STEP, &r);
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

/* One phase of ten minutes per variant; the count of windows of rule/strict. */
typedef struct {
	zspec_t z;
	const dv_signkey_t *ds[2];
	bool no_parent;
	dv_roll_rule_t rule;
	size_t lenient, strict; /* windows expected */
} variant_t;

static void variants(const variant_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		world_t w;
		world_new(&w);
		int64_t t = T0;
		play(&w, &t,
		     (phase_t[]){{600, v[i].z, .ds = {v[i].ds[0], v[i].ds[1]},
		                  .no_parent = v[i].no_parent}},
		     1);
		dv_roll_result_t r;
		check(&w, t, &r);
		print_message("# variant %zu\n", i);
		assert_int_equal(count(&r, v[i].rule, false), v[i].lenient);
		assert_int_equal(count(&r, v[i].rule, true), v[i].strict);
		assert_int_equal(dv_findings_count(&r.findings, DV_SEV_ERROR) > 0,
		                 v[i].lenient > 0);
		assert_int_equal(has_code(&r, DV_F_ROLLOVER_PARENT_UNOBSERVED), v[i].no_parent);
		if (v[i].lenient > 0 && v[i].rule == DV_ROLL_R3) {
			/* data signed wrong from the start, still served */
			assert_int_equal(r.windows[0].start, T0);
			assert_int_equal(r.windows[0].end, DV_ROLL_OPEN);
		}
		dv_roll_result_free(&r);
		dv_roll_series_free(w.s);
	}
}

/* Each rule violated and not: R1 strict (two DS algorithms, one without a
 * key); R2 (DNSKEY RRset absent, unsigned, signed by a key it does not hold,
 * each under a DS and without); R3 (data signed by an unpublished key, a
 * corrupt signature; judged as if secure when the parent was not observed);
 * strict only: a key of an algorithm that signs nothing (RFC 4035 §2.2). */
static void test_rules(void **state)
{
	(void)state;
	const variant_t v[] = {
	    {Z_K1Z1, {&KSK1, &KSK8}, false, DV_ROLL_R1, 0, 1},
	    {Z_K1Z1, {&KSK1}, false, DV_ROLL_R1, 0, 0},
	    {{.keys = {&KSK1}, .no_dnskey = true, .dsign = {&ZSK1}},
	     {&KSK1},
	     false,
	     DV_ROLL_R2,
	     1,
	     0},
	    {{.keys = {&KSK1}, .no_dnskey = true, .dsign = {&ZSK1}},
	     {NULL},
	     false,
	     DV_ROLL_R2,
	     0,
	     0},
	    {{.keys = {&KSK1, &ZSK1}, .dsign = {&ZSK1}}, {&KSK1}, false, DV_ROLL_R2, 1, 0},
	    {{.keys = {&KSK1, &ZSK1}, .dsign = {&ZSK1}}, {NULL}, false, DV_ROLL_R2, 0, 0},
	    {{.keys = {&KSK1, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}},
	     {&KSK1},
	     false,
	     DV_ROLL_R2,
	     1,
	     0},
	    {{.keys = {&KSK1, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}},
	     {NULL},
	     false,
	     DV_ROLL_R2,
	     0,
	     0},
	    {Z_K1Z1, {&KSK1}, false, DV_ROLL_R2, 0, 0},
	    {{.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK2}},
	     {&KSK1},
	     false,
	     DV_ROLL_R3,
	     1,
	     0},
	    {{.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}, .bad_dsig = true},
	     {&KSK1},
	     false,
	     DV_ROLL_R3,
	     1,
	     0},
	    {{.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK2}},
	     {NULL},
	     true,
	     DV_ROLL_R3,
	     1,
	     0},
	    {Z_K1Z1, {&KSK1}, false, DV_ROLL_R3, 0, 0},
	    {{.keys = {&KSK1, &ZSK1, &ZSK8}, .ksign = {&KSK1}, .dsign = {&ZSK1}},
	     {&KSK1},
	     false,
	     DV_ROLL_R3,
	     0,
	     1},
	    {{.keys = {&KSK1, &ZSK1, &ZSK8}, .ksign = {&KSK1}, .dsign = {&ZSK1}},
	     {&KSK1},
	     false,
	     DV_ROLL_R2,
	     0,
	     1},
	};
	variants(v, sizeof(v) / sizeof(v[0]));
}

/* Signature expiry is an event boundary: the window starts one second after
 * the expiration time, exactly. */
static void test_expiry_boundary(void **state)
{
	(void)state;
	int64_t exp = T0 + 1234;
	world_t w;
	world_new(&w);
	int64_t t = T0;
	play(&w, &t,
	     (phase_t[]){{3600,
	                  {.keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}, .exp = exp},
	                  .ds = {&KSK1}}},
	     1);
	dv_roll_result_t r;
	check(&w, t, &r);
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
	const zspec_t cds = {.keys = {&KSK1, &KSK2, &ZSK1},
	                     .ksign = {&KSK1, &KSK2},
	                     .dsign = {&ZSK1},
	                     .cds = {&KSK2}};
	const zspec_t s0 = Z_K1Z1;
	for (int stuck = 0; stuck < 2; stuck++) {
		world_t w;
		world_new(&w);
		int64_t t = T0;
		play(&w, &t,
		     (phase_t[]){{3600, s0, .ds = {&KSK1}},
		                 {stuck ? 7200 : 1800, cds, .ds = {&KSK1}}},
		     2);
		dv_roll_result_t r;
		check_opts(&w, dv_roll_series_last(w.s), 3600, &r);
		assert_int_equal(has_code(&r, DV_F_ROLLOVER_DS_NOT_UPDATED), stuck);
		assert_false(has_code(&r, DV_F_ROLLOVER_PARENT_SPLIT));
		dv_roll_result_free(&r);
		dv_roll_series_free(w.s);
	}
	/* Parent servers disagree; child servers disagree on CDS. */
	world_t w;
	world_new(&w);
	int64_t t = T0;
	play(&w, &t,
	     (phase_t[]){{3600, s0, .ds = {&KSK1}},
	                 {7200, s0, &cds, .ds = {&KSK1}, .ds2 = {&KSK1, &KSK2}, .ds2set = true}},
	     2);
	dv_roll_result_t r;
	check_opts(&w, dv_roll_series_last(w.s), 3600, &r);
	assert_true(has_code(&r, DV_F_ROLLOVER_PARENT_SPLIT));
	assert_true(has_code(&r, DV_F_ROLLOVER_CDS_SPLIT));
	dv_roll_result_free(&r);
	check_opts(&w, dv_roll_series_last(w.s), 86400, &r);
	assert_false(has_code(&r, DV_F_ROLLOVER_PARENT_SPLIT));
	assert_false(has_code(&r, DV_F_ROLLOVER_CDS_SPLIT));
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
	/* A DS whose key left long ago. */
	world_new(&w);
	t = T0;
	play(&w, &t,
	     (phase_t[]){{3600, cds, .ds = {&KSK1, &KSK2}},
	                 {7200,
	                  {.keys = {&KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}},
	                  .ds = {&KSK1, &KSK2}}},
	     2);
	check_opts(&w, dv_roll_series_last(w.s), 3600, &r);
	assert_int_equal(r.nwindows, 0);
	assert_true(has_code(&r, DV_F_ROLLOVER_STALE_DS));
	dv_roll_result_free(&r);
	dv_roll_series_free(w.s);
}

/* Input checks: observations out of time order, DS from a child server. */
static void test_bad_input(void **state)
{
	(void)state;
	zstate_t z;
	zstate_build(&z, &(zspec_t)Z_K1Z1);
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
	/* a candidate earlier than the history */
	assert_int_equal(dv_roll_series_candidate(w.s, T0 - 1, 0, NULL, 0), DV_EINVAL);
	dv_roll_series_free(w.s);
}

/* Recovery: expired signatures; a DS matching a key that no longer signs; a
 * DS of a key never seen; a ZSK removed early; going insecure; nothing. */
static void test_recover(void **state)
{
	(void)state;
	const zspec_t expired = {
	    .keys = {&KSK1, &ZSK1}, .ksign = {&KSK1}, .dsign = {&ZSK1}, .exp = T0 + 600};
	const zspec_t nz = {.keys = {&KSK1, &KSK2, &ZSK1}, .ksign = {&KSK2}, .dsign = {&ZSK1}};
	const struct {
		phase_t ph[2];
		size_t n;
		int64_t now; /* after T0 */
		bool insecure;
		dv_roll_case_t kase;
		int64_t healed; /* after now; -1: the unaided time */
		const char *step0;
	} cases[] = {
	    {{{3600, expired, .ds = {&KSK1}}},
	     1,
	     3600 - STEP,
	     false,
	     DV_ROLL_CASE_EXPIRED,
	     60,
	     "re-sign"},
	    {{{3600, Z_K12Z1, .ds = {&KSK1}}, {3600, nz, .ds = {&KSK1}}},
	     2,
	     7200 - STEP,
	     false,
	     DV_ROLL_CASE_DS_MISMATCH,
	     60,
	     "keep key"},
	    {{{3600, Z_K1Z1, .ds = {&KSK2}}},
	     1,
	     3600 - STEP,
	     false,
	     DV_ROLL_CASE_DS_MISMATCH,
	     3600 + 300 + TTLD,
	     "change the DS"},
	    {{{3600, Z_K1Z1, .ds = {&KSK1}}, {2 * STEP, Z_K1Z2, .ds = {&KSK1}}},
	     2,
	     3600 + STEP,
	     false,
	     DV_ROLL_CASE_KEY_REMOVED,
	     -1,
	     "ends by itself"},
	    {{{3600, Z_K1Z1, .ds = {&KSK1}}},
	     1,
	     3600 - STEP,
	     true,
	     DV_ROLL_CASE_INSECURE,
	     3600 + 300 + TTLD,
	     "remove the DS"},
	    {{{3600, Z_K1Z1, .ds = {&KSK1}}}, 1, 3600 - STEP, false, DV_ROLL_CASE_NONE, 0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		world_t w;
		world_new(&w);
		int64_t t = T0;
		play(&w, &t, cases[i].ph, cases[i].n);
		dv_roll_recover_opts_t o = {.now = T0 + cases[i].now,
		                            .dprp = 60,
		                            .dprp_parent = 300,
		                            .dreg = 3600,
		                            .insecure = cases[i].insecure};
		dv_roll_recovery_t rec;
		assert_int_equal(dv_roll_recover(w.s, &o, &rec), DV_OK);
		print_message("# case %zu: %s %s\n", i, dv_roll_case_name(rec.kase),
		              rec.nsteps ? rec.steps[0].what : "");
		assert_int_equal(rec.kase, cases[i].kase);
		if (cases[i].healed < 0) {
			assert_true(rec.unaided != DV_ROLL_OPEN && rec.healed == rec.unaided);
		} else {
			assert_int_equal(rec.healed, o.now + cases[i].healed);
		}
		if (cases[i].step0 != NULL)
			assert_non_null(strstr(rec.steps[0].what, cases[i].step0));
		if (cases[i].kase == DV_ROLL_CASE_EXPIRED ||
		    cases[i].kase == DV_ROLL_CASE_DS_MISMATCH)
			assert_true(rec.healed < rec.unaided);
		dv_roll_recovery_free(&rec);
		dv_roll_series_free(w.s);
	}
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
	p.v[DV_ROLL_P_TTLDS] = 7200;
	p.v[DV_ROLL_P_DPRPP] = 600;
	p.v[DV_ROLL_P_DREG] = 1000;
	const struct {
		dv_roll_kind_t kind;
		dv_roll_method_t method;
		size_t step;
		int64_t after; /* the step's time after the start */
	} want[] = {
	    {DV_ROLL_ZSK, DV_ROLL_PRE_PUBLISH, 1, 300 + 3600},
	    {DV_ROLL_ZSK, DV_ROLL_PRE_PUBLISH, 2, 3900 + 300 + 86400},
	    {DV_ROLL_ZSK, DV_ROLL_DOUBLE_SIGNATURE, 1, 300 + 86400},
	    {DV_ROLL_KSK, DV_ROLL_DOUBLE_SIGNATURE, 1, 3900},
	    {DV_ROLL_KSK, DV_ROLL_DOUBLE_SIGNATURE, 3, 3900 + 1000 + 600 + 7200},
	    {DV_ROLL_KSK, DV_ROLL_DOUBLE_DS, 2, 1000 + 600 + 7200},
	    {DV_ROLL_KSK, DV_ROLL_DOUBLE_DS, 3, 8800 + 300 + 3600},
	    {DV_ROLL_KSK, DV_ROLL_DOUBLE_RRSET, 1, 8800}, /* max(3900, 1000 + 7800) */
	    {DV_ROLL_ALGORITHM, DV_ROLL_DOUBLE_SIGNATURE, 1, 300 + 86400},
	};
	dv_roll_plan_t plan;
	char err[200];
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(
		    dv_roll_plan(want[i].kind, want[i].method, T0, &p, &plan, err, sizeof(err)),
		    DV_OK);
		assert_true(want[i].step < plan.nsteps);
		assert_int_equal(plan.steps[want[i].step].time, T0 + want[i].after);
	}
	assert_int_equal(dv_roll_plan(DV_ROLL_ZSK, DV_ROLL_PRE_PUBLISH, T0, &p, &plan, err, 200),
	                 DV_OK);
	assert_string_equal(plan.steps[2].event, "Trem(N)");
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
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_expiry_boundary),
	    cmocka_unit_test(test_stuck),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_recover),
	    cmocka_unit_test(test_plan),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
