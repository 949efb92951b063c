/*
 * Unit tests of incremental verification (src/checks/incremental.c): a
 * zone changes version after version (records added and removed, zone cuts
 * and DS appearing and going, TTLs changed, signatures broken, NSEC and
 * NSEC3 records missing or wrong, time moving); each new version is patched
 * from the old one (dv_zone_patch) and verified with dv_verify_zone_step,
 * and the result must be exactly what dv_verify_zone gives on the version
 * built from scratch: every finding (code, owner, type, key tag, detail,
 * times), the per-code counts past the ceiling, and the statistics.  Zones
 * are signed here with an ECDSA P-256 key (the canary's signer), and the
 * damage is chosen per RRset from a hash of its content, so that what did
 * not change keeps its signature bytes, as with a real signer.  Also: a
 * change of the apex DNSKEY RRset verifies everything again.
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
#include "checks/checks.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/zone.h"
#include "dnssec/dnssec.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXREC   4096
#define NOW0     1800000000 /* 2027-01-15 */

typedef struct {
	uint8_t owner[KNOT_DNAME_MAXLEN];
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[300];
} rec_t;

typedef struct {
	rec_t *v;
	size_t n;
} recs_t;

static dv_signkey_t key, key2;
static char keydir[64];

static void recs_add(recs_t *r, const uint8_t *owner, uint16_t type, uint32_t ttl,
                     const uint8_t *rd, size_t len)
{
	assert_true(r->n < MAXREC);
	assert_true(len <= sizeof(r->v[0].rdata));
	rec_t *x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	memcpy(x->owner, owner, knot_dname_size(owner));
	knot_dname_to_lower(x->owner);
	x->type = type;
	x->ttl = ttl;
	x->rdlen = (uint16_t)len;
	memcpy(x->rdata, rd, len);
}

static void wire(const char *name, uint8_t *out)
{
	assert_non_null(knot_dname_from_str(out, name, KNOT_DNAME_MAXLEN));
	knot_dname_to_lower(out);
}

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* ---- the data of a version ------------------------------------------------------------- */

static const char *const pool[] = {
    "www.ex.",
    "mail.ex.",
    "a.b.ex.",
    "c.b.ex.",
    "d1.ex.",
    "d2.ex.",
    "d3.ex.",
    "x.d1.ex.",
    "ns.d2.ex.",
    "e.f.g.ex.",
    "h.f.g.ex.",
    "*.w.ex.",
    "deep.a.b.ex.",
    "z.ex.",
    "t1.ex.",
    "t2.ex.",
    "t3.ex.",
    "t4.ex.",
    /* under empty non-terminals: their class follows these (RFC 5155 §7.1) */
    "p.q.r.ex.",
    "s.q.r.ex.",
    "u.r.ex.",
    "v.q.r.ex.",
};

typedef struct {
	rec_t v[256];
	size_t n;
	uint32_t serial;
} data_t;

static bool same_id(const rec_t *a, const rec_t *b)
{
	return a->type == b->type && a->rdlen == b->rdlen &&
	       knot_dname_is_equal(a->owner, b->owner) && memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

static void data_random_rec(rec_t *r, unsigned *seed)
{
	memset(r, 0, sizeof(*r));
	wire(pool[rand_r(seed) % NELEM(pool)], r->owner);
	r->ttl = rand_r(seed) % 6 == 0 ? 600 : 300;
	unsigned v = (unsigned)rand_r(seed) % 3;
	switch (rand_r(seed) % 6) {
	case 0:
	case 1:
		r->type = KNOT_RRTYPE_A;
		r->rdlen = 4;
		r->rdata[0] = 192;
		r->rdata[3] = (uint8_t)v;
		break;
	case 2:
		r->type = KNOT_RRTYPE_TXT;
		r->rdlen = 2;
		r->rdata[0] = 1;
		r->rdata[1] = (uint8_t)('a' + v);
		break;
	case 3:
		r->type = KNOT_RRTYPE_NS;
		wire(v ? "ns1.elsewhere." : "ns2.elsewhere.", r->rdata);
		r->rdlen = (uint16_t)knot_dname_size(r->rdata);
		break;
	case 4: {
		r->type = KNOT_RRTYPE_DS;
		r->rdlen = 36;
		r->rdata[0] = (uint8_t)v;
		r->rdata[2] = 13;
		r->rdata[3] = v == 2 ? 1 : 2; /* digest type 1 sometimes: DS_DIGEST_DEPRECATED */
		break;
	}
	default:
		r->type = KNOT_RRTYPE_AAAA;
		r->rdlen = 16;
		r->rdata[0] = 0x20;
		r->rdata[15] = (uint8_t)v;
	}
}

static void data_init(data_t *d, unsigned *seed)
{
	memset(d, 0, sizeof(*d));
	d->serial = 1;
	size_t want = 12 + (size_t)(rand_r(seed) % 20);
	while (d->n < want) {
		rec_t r;
		data_random_rec(&r, seed);
		bool dup = false;
		for (size_t i = 0; i < d->n; i++)
			dup |= same_id(&d->v[i], &r);
		if (!dup)
			d->v[d->n++] = r;
	}
}

static void data_mutate(data_t *d, unsigned *seed)
{
	size_t ops = 1 + (size_t)(rand_r(seed) % 3);
	for (size_t k = 0; k < ops; k++) {
		int what = rand_r(seed) % 4;
		if (what == 0 && d->n > 3) {
			size_t i = (size_t)rand_r(seed) % d->n;
			d->v[i] = d->v[--d->n];
		} else if (what == 1 && d->n > 0) {
			d->v[(size_t)rand_r(seed) % d->n].ttl += 60;
		} else if (d->n < NELEM(d->v)) {
			rec_t r;
			data_random_rec(&r, seed);
			bool dup = false;
			for (size_t i = 0; i < d->n; i++)
				dup |= same_id(&d->v[i], &r);
			if (!dup)
				d->v[d->n++] = r;
		}
	}
	d->serial++;
}

/* ---- signing -------------------------------------------------------------------------- */

typedef struct {
	int mode; /* 0 nsec, 1 nsec3 opt-out, 2 nsec3 */
	uint32_t sig_base;
	const dv_signkey_t *k;
	bool two_keys;
} zcfg_t;

static uint8_t apex[KNOT_DNAME_MAXLEN];

/* Sign the RRset of records [first, first + n) of r (same owner and type). */
static void sign_rrset(recs_t *out, const rec_t *set, size_t n, const zcfg_t *cfg, dv_buf_t *buf)
{
	/* The damage and the window are chosen by the RRset's content: an
	 * RRset that did not change gets the same (a deterministic key would
	 * give the same signature: ECDSA does not, so bytes are kept). */
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h = fnv(set[i].owner, knot_dname_size(set[i].owner), h);
		h = fnv(&set[i].type, 2, h);
		h = fnv(&set[i].ttl, 4, h);
		h = fnv(set[i].rdata, set[i].rdlen, h);
	}
	unsigned roll = (unsigned)(h % 100);
	if (roll < 4 && set[0].type != KNOT_RRTYPE_SOA)
		return; /* left unsigned */
	static struct {
		uint64_t h;
		uint16_t len;
		uint8_t rd[300];
	} cache[8192];
	size_t slot = (size_t)(h % NELEM(cache));
	if (cache[slot].h == h && cache[slot].len > 0) {
		recs_add(out, set[0].owner, KNOT_RRTYPE_RRSIG, set[0].ttl, cache[slot].rd,
		         cache[slot].len);
		return;
	}
	uint8_t rr[DV_RRSIG_FIXED_LEN + KNOT_DNAME_MAXLEN + DV_SIG_MAXLEN];
	size_t labels = knot_dname_labels(set[0].owner, NULL);
	if (knot_dname_is_wildcard(set[0].owner))
		labels--;
	rr[0] = (uint8_t)(set[0].type >> 8);
	rr[1] = (uint8_t)set[0].type;
	rr[2] = cfg->k->alg;
	rr[3] = (uint8_t)labels;
	uint32_t ottl = roll < 7 ? set[0].ttl + 1 : set[0].ttl; /* RRSIG_TTL_MISMATCH */
	uint32_t exp = cfg->sig_base + 86400u * (1 + (unsigned)(h >> 8) % 40);
	uint32_t inc = cfg->sig_base - 86400u * 30;
	if (roll >= 7 && roll < 9)
		inc = cfg->sig_base + 86400u * 50; /* not yet valid for a while */
	for (int i = 0; i < 4; i++) {
		rr[4 + i] = (uint8_t)(ottl >> (24 - 8 * i));
		rr[8 + i] = (uint8_t)(exp >> (24 - 8 * i));
		rr[12 + i] = (uint8_t)(inc >> (24 - 8 * i));
	}
	rr[16] = (uint8_t)(cfg->k->tag >> 8);
	rr[17] = (uint8_t)cfg->k->tag;
	size_t sl = knot_dname_size(apex);
	memcpy(rr + DV_RRSIG_FIXED_LEN, apex, sl);
	size_t pre = DV_RRSIG_FIXED_LEN + sl;
	const uint8_t *rds[256];
	uint16_t lens[256];
	for (size_t i = 0; i < n; i++) {
		rds[i] = set[i].rdata;
		lens[i] = set[i].rdlen;
	}
	assert_int_equal(
	    dv_sigdata_build(buf, rr, pre, set[0].owner, set[0].type, rds, lens, n, false), DV_OK);
	size_t siglen = 0;
	assert_int_equal(dv_signkey_sign(cfg->k, buf->data, buf->len, rr + pre, &siglen), DV_OK);
	if (roll >= 9 && roll < 13)
		rr[pre + siglen / 2] ^= 0xff; /* RRSIG_INVALID */
	cache[slot].h = h;
	cache[slot].len = (uint16_t)(pre + siglen);
	memcpy(cache[slot].rd, rr, pre + siglen);
	recs_add(out, set[0].owner, KNOT_RRTYPE_RRSIG, set[0].ttl, rr, pre + siglen);
}

static int rec_cmp(const void *a, const void *b)
{
	const rec_t *x = a, *y = b;
	int c = dv_dname_cmp(x->owner, y->owner);
	if (c != 0)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	c = memcmp(x->rdata, y->rdata, x->rdlen < y->rdlen ? x->rdlen : y->rdlen);
	return c != 0 ? c : (x->rdlen < y->rdlen ? -1 : (x->rdlen > y->rdlen));
}

static dv_zone_t *build(const recs_t *r)
{
	dv_zone_build_opts_t bo = {.origin = apex, .file = "t"};
	dv_zone_builder_t *b;
	char err[512];
	assert_int_equal(dv_zone_builder_new(&bo, &b), DV_OK);
	for (size_t i = 0; i < r->n; i++) {
		dv_zone_rec_t zr = {.owner = r->v[i].owner,
		                    .rdata = r->v[i].rdata,
		                    .rclass = KNOT_CLASS_IN,
		                    .type = r->v[i].type,
		                    .rdlen = r->v[i].rdlen,
		                    .ttl = r->v[i].ttl};
		if (dv_zone_builder_add(b, &zr, err, sizeof(err)) != DV_OK)
			fail_msg("add: %s", err);
	}
	dv_zone_t *z;
	if (dv_zone_builder_finish(b, &z, err, sizeof(err)) != DV_OK)
		fail_msg("build: %s", err);
	return z;
}

/* Types of a name for a bitmap, per the denial kind. */
static size_t name_types(const dv_zone_t *z, uint32_t ni, bool nsec3, uint16_t *t)
{
	const dv_name_t *nm = &z->names[ni];
	bool deleg = (nm->flags & DV_NAME_DELEG) != 0;
	size_t n = 0;
	bool sig = false;
	for (uint32_t k = 0; k < nm->rrset_count; k++) {
		uint16_t ty = z->rrsets[nm->rrset_first + k].type;
		if (deleg && ty != KNOT_RRTYPE_NS && ty != KNOT_RRTYPE_DS)
			continue;
		t[n++] = ty;
		sig |= !deleg || ty == KNOT_RRTYPE_DS;
	}
	if (!nsec3) {
		t[n++] = KNOT_RRTYPE_NSEC;
		sig = true;
	}
	if (sig && !(nm->flags & DV_NAME_ENT))
		t[n++] = KNOT_RRTYPE_RRSIG;
	/* sorted, unique */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && t[j - 1] > t[j]; j--) {
			uint16_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return n;
}

static size_t bitmap(const uint16_t *t, size_t n, uint8_t *out)
{
	long l = dv_bitmap_encode(t, n, out, 256 * 34);
	assert_true(l >= 0);
	return (size_t)l;
}

typedef struct {
	uint8_t hash[DV_NSEC3_HASH_LEN];
	uint32_t name;
	bool required;
} hname_t;

static int hname_cmp(const void *a, const void *b)
{
	return memcmp(a, b, DV_NSEC3_HASH_LEN);
}

/* The records of a version: data, apex, a denial chain with some damage
 * chosen per name, and signatures. */
static void make_version(const data_t *d, const zcfg_t *cfg, recs_t *out)
{
	recs_t base = {.v = calloc(MAXREC, sizeof(rec_t))};
	uint8_t rd[600];
	/* apex */
	uint8_t ns[KNOT_DNAME_MAXLEN], host[KNOT_DNAME_MAXLEN];
	wire("ns.ex.", ns);
	wire("host.ex.", host);
	size_t l = knot_dname_size(ns);
	memcpy(rd, ns, l);
	memcpy(rd + l, host, knot_dname_size(host));
	size_t sl = l + knot_dname_size(host);
	memset(rd + sl, 0, 20);
	rd[sl] = (uint8_t)(d->serial >> 24);
	rd[sl + 1] = (uint8_t)(d->serial >> 16);
	rd[sl + 2] = (uint8_t)(d->serial >> 8);
	rd[sl + 3] = (uint8_t)d->serial;
	rd[sl + 19] = 60;
	recs_add(&base, apex, KNOT_RRTYPE_SOA, 3600, rd, sl + 20);
	recs_add(&base, apex, KNOT_RRTYPE_NS, 3600, ns, l);
	recs_add(&base, apex, KNOT_RRTYPE_DNSKEY, 3600, key.rdata, key.rdlen);
	if (cfg->two_keys)
		recs_add(&base, apex, KNOT_RRTYPE_DNSKEY, 3600, key2.rdata, key2.rdlen);
	static const uint8_t n3p[5] = {1, 0, 0, 0, 0};
	if (cfg->mode > 0)
		recs_add(&base, apex, KNOT_RRTYPE_NSEC3PARAM, 0, n3p, sizeof(n3p));
	for (size_t i = 0; i < d->n; i++)
		recs_add(&base, d->v[i].owner, d->v[i].type, d->v[i].ttl, d->v[i].rdata,
		         d->v[i].rdlen);
	dv_zone_t *z = build(&base);

	/* the denial chain */
	recs_t all = {.v = calloc(MAXREC, sizeof(rec_t))};
	for (size_t i = 0; i < base.n; i++)
		all.v[all.n++] = base.v[i];
	uint16_t types[64];
	if (cfg->mode == 0) {
		uint32_t *need = calloc(z->name_count, sizeof(*need));
		size_t nn = 0;
		for (size_t i = 0; i < z->name_count; i++)
			if (!(z->names[i].flags & (DV_NAME_NONAUTH | DV_NAME_ENT)))
				need[nn++] = (uint32_t)i;
		for (size_t k = 0; k < nn; k++) {
			const uint8_t *o = z->names[need[k]].dname;
			unsigned roll = (unsigned)(fnv(o, knot_dname_size(o), d->serial / 5) % 100);
			if (roll < 3)
				continue; /* NSEC_MISSING */
			const uint8_t *next = roll < 6 ? apex : z->names[need[(k + 1) % nn]].dname;
			size_t nl = knot_dname_size(next);
			memcpy(rd, next, nl);
			size_t nt = name_types(z, need[k], false, types);
			if (roll >= 6 && roll < 9)
				types[nt++] = KNOT_RRTYPE_TXT; /* NSEC_BITMAP_MISMATCH (maybe) */
			if (roll >= 6 && roll < 9)
				nt = nt > 1 ? nt - 1 : nt;
			size_t bl = bitmap(types, nt, rd + nl);
			recs_add(&all, o, KNOT_RRTYPE_NSEC, 60, rd, nl + bl);
		}
		free(need);
	} else {
		hname_t *h = calloc(z->name_count + 1, sizeof(*h));
		size_t nh = 0;
		for (size_t i = 0; i < z->name_count; i++) {
			if (z->names[i].flags & DV_NAME_NONAUTH)
				continue;
			const dv_name_t *nm = &z->names[i];
			bool deleg = (nm->flags & DV_NAME_DELEG) != 0;
			bool insecure =
			    deleg && dv_zone_rrset_find(z, (uint32_t)i, KNOT_RRTYPE_DS) == NULL;
			h[nh].name = (uint32_t)i;
			h[nh].required = !insecure && !(nm->flags & DV_NAME_ENT);
			assert_int_equal(dv_nsec3_hash(1, 0, NULL, 0, nm->dname, h[nh].hash),
			                 DV_OK);
			nh++;
		}
		qsort(h, nh, sizeof(*h), hname_cmp);
		bool *in = calloc(nh + 1, 1);
		for (size_t k = 0; k < nh; k++) {
			unsigned roll = (unsigned)(fnv(h[k].hash, 20, d->serial / 7) % 100);
			in[k] = (h[k].required || cfg->mode == 2 || roll % 3 == 0) && roll >= 3;
		}
		size_t first = nh;
		for (size_t k = 0; k < nh; k++)
			if (in[k]) {
				first = k;
				break;
			}
		for (size_t k = 0; k < nh; k++) {
			if (!in[k])
				continue;
			size_t nx = k + 1;
			while (nx < nh && !in[nx])
				nx++;
			if (nx >= nh)
				nx = first;
			unsigned roll = (unsigned)(fnv(h[k].hash, 20, 77) % 100);
			rd[0] = 1;
			rd[1] = (uint8_t)(cfg->mode == 1 ? 1 : 0);
			rd[2] = rd[3] = 0;
			rd[4] = 0;
			rd[5] = 20;
			memcpy(rd + 6, h[roll < 3 ? first : nx].hash, 20); /* NSEC3_CHAIN_BROKEN */
			size_t nt = name_types(z, h[k].name, true, types);
			if (roll >= 3 && roll < 6)
				types[nt++] = KNOT_RRTYPE_MX;
			size_t bl = bitmap(types, nt, rd + 26);
			char b32[40];
			dv_base32hex_encode(h[k].hash, 20, b32, sizeof(b32));
			char owner[128];
			snprintf(owner, sizeof(owner), "%s.ex.", b32);
			uint8_t ow[KNOT_DNAME_MAXLEN];
			wire(owner, ow);
			recs_add(&all, ow, KNOT_RRTYPE_NSEC3, 60, rd, 26 + bl);
		}
		free(in);
		free(h);
	}
	dv_zone_free(z);
	free(base.v);

	/* signatures: every RRset but the delegation NS and glue (the store
	 * says which), and no RRSIG of RRSIGs */
	z = build(&all);
	qsort(all.v, all.n, sizeof(rec_t), rec_cmp);
	dv_buf_t buf;
	dv_buf_init(&buf, 1 << 20);
	out->n = 0;
	for (size_t i = 0; i < all.n;) {
		size_t j = i + 1;
		while (j < all.n && all.v[j].type == all.v[i].type &&
		       knot_dname_is_equal(all.v[j].owner, all.v[i].owner))
			j++;
		for (size_t k = i; k < j; k++)
			out->v[out->n++] = all.v[k];
		long ni = dv_zone_name_find(z, all.v[i].owner);
		uint16_t fl = z->names[ni].flags;
		bool deleg_ns = (fl & DV_NAME_DELEG) && all.v[i].type == KNOT_RRTYPE_NS;
		if (!deleg_ns && !(fl & DV_NAME_NONAUTH))
			sign_rrset(out, &all.v[i], j - i, cfg, &buf);
		i = j;
	}
	dv_buf_clear(&buf);
	dv_zone_free(z);
	free(all.v);
}

/* A signer that lags: for some (owner, type) of the denial records and the
 * signatures, the previous version's records stay (a stale NSEC after a
 * name was added before it, an old RRSIG over a changed RRset). */
static bool lagging(uint16_t type)
{
	return type == KNOT_RRTYPE_NSEC || type == KNOT_RRTYPE_NSEC3 || type == KNOT_RRTYPE_RRSIG;
}

static void keep_stale(const recs_t *prev, recs_t *out, uint32_t version)
{
	recs_t res = {.v = calloc(MAXREC, sizeof(rec_t))};
	const recs_t *src[2] = {out, prev};
	for (int side = 0; side < 2; side++) {
		for (size_t i = 0; i < src[side]->n; i++) {
			const rec_t *r = &src[side]->v[i];
			bool stale = false;
			if (lagging(r->type)) {
				uint64_t h = fnv(r->owner, knot_dname_size(r->owner),
				                 version * 31 + r->type);
				stale = h % 100 < 12;
			}
			/* fresh records of a stale group go, old ones of it stay */
			if (stale != (side == 1))
				continue;
			if (stale) {
				/* only if the old version had the group at all */
				bool had = false;
				for (size_t k = 0; k < prev->n && !had; k++)
					had = prev->v[k].type == r->type &&
					      knot_dname_is_equal(prev->v[k].owner, r->owner);
				if (!had)
					continue;
			}
			assert_true(res.n < MAXREC);
			res.v[res.n++] = *r;
		}
	}
	/* a fresh group with no old counterpart stays fresh even when "stale" */
	for (size_t i = 0; i < out->n; i++) {
		const rec_t *r = &out->v[i];
		if (!lagging(r->type))
			continue;
		uint64_t h = fnv(r->owner, knot_dname_size(r->owner), version * 31 + r->type);
		if (h % 100 >= 12)
			continue;
		bool had = false;
		for (size_t k = 0; k < prev->n && !had; k++)
			had = prev->v[k].type == r->type &&
			      knot_dname_is_equal(prev->v[k].owner, r->owner);
		if (!had)
			res.v[res.n++] = *r;
	}
	/* no two records alike (a stale and a fresh one may be) */
	out->n = 0;
	for (size_t i = 0; i < res.n; i++) {
		bool dup = false;
		for (size_t k = 0; k < out->n && !dup; k++)
			dup = same_id(&out->v[k], &res.v[i]);
		if (!dup)
			out->v[out->n++] = res.v[i];
	}
	free(res.v);
}

/* ---- comparing ----------------------------------------------------------------------------- */

static void assert_same_findings(const dv_findings_t *a, const dv_findings_t *b, const char *what)
{
	if (a->len != b->len)
		fail_msg("%s: %zu findings, expected %zu", what, a->len, b->len);
	for (size_t i = 0; i < a->len; i++) {
		const dv_finding_t *x = &a->v[i], *y = &b->v[i];
		bool same = x->code == y->code && x->type == y->type && x->keytag == y->keytag &&
		            x->algorithm == y->algorithm && x->time == y->time &&
		            x->seconds_left == y->seconds_left &&
		            dv_finding_name_cmp(x->owner, y->owner) == 0 &&
		            strcmp(x->detail, y->detail) == 0 && strcmp(x->server, y->server) == 0;
		if (!same) {
			char o1[300] = "", o2[300] = "";
			if (x->owner)
				dv_dname_to_str(x->owner, o1, sizeof(o1));
			if (y->owner)
				dv_dname_to_str(y->owner, o2, sizeof(o2));
			fail_msg(
			    "%s: finding %zu is %s %s type %u (%s), expected %s %s type %u (%s)",
			    what, i, dv_code_name(x->code), o1, x->type, x->detail,
			    dv_code_name(y->code), o2, y->type, y->detail);
		}
	}
	for (int c = 0; c < DV_F_COUNT; c++)
		assert_int_equal(a->dropped[c], b->dropped[c]);
}

static void assert_same_stats(const dv_verify_stats_t *a, const dv_zone_t *za,
                              const dv_verify_stats_t *b, const dv_zone_t *zb)
{
	assert_int_equal(a->records, b->records);
	assert_int_equal(a->rrsets, b->rrsets);
	assert_int_equal(a->names, b->names);
	assert_int_equal(a->rrsigs, b->rrsigs);
	assert_int_equal(a->rrsigs_checked, b->rrsigs_checked);
	assert_int_equal(a->rrsigs_verified, b->rrsigs_verified);
	assert_int_equal(a->rrsigs_valid, b->rrsigs_valid);
	assert_int_equal(a->rrsigs_expired, b->rrsigs_expired);
	assert_int_equal(a->rrsigs_not_yet_valid, b->rrsigs_not_yet_valid);
	assert_int_equal(a->dnskeys, b->dnskeys);
	assert_string_equal(a->denial, b->denial);
	assert_int_equal(a->have_expiry, b->have_expiry);
	if (a->have_expiry) {
		assert_int_equal(a->earliest_expiry, b->earliest_expiry);
		assert_int_equal(a->earliest_type, b->earliest_type);
		assert_true(knot_dname_is_equal(za->names[a->earliest_name].dname,
		                                zb->names[b->earliest_name].dname));
	}
}

/* The difference between two versions' records, as one step. */
static void diff(const recs_t *a, const recs_t *b, dv_zone_rec_t **rm, size_t *nrm,
                 dv_zone_rec_t **ad, size_t *nad)
{
	*rm = calloc(a->n + 1, sizeof(**rm));
	*ad = calloc(b->n + 1, sizeof(**ad));
	*nrm = *nad = 0;
	for (int side = 0; side < 2; side++) {
		const recs_t *x = side ? b : a, *y = side ? a : b;
		for (size_t i = 0; i < x->n; i++) {
			bool there = false;
			for (size_t k = 0; k < y->n && !there; k++)
				there = same_id(&x->v[i], &y->v[k]) && x->v[i].ttl == y->v[k].ttl;
			if (there)
				continue;
			dv_zone_rec_t zr = {.owner = x->v[i].owner,
			                    .rdata = x->v[i].rdata,
			                    .rclass = KNOT_CLASS_IN,
			                    .type = x->v[i].type,
			                    .rdlen = x->v[i].rdlen,
			                    .ttl = x->v[i].ttl};
			if (side)
				(*ad)[(*nad)++] = zr;
			else
				(*rm)[(*nrm)++] = zr;
		}
	}
}

/* Run `versions` versions of a zone; returns how many steps were incremental. */
static int run_series(unsigned seed, const zcfg_t *cfg0, int versions)
{
	zcfg_t cfg = *cfg0;
	data_t d;
	data_init(&d, &seed);
	recs_t cur = {.v = calloc(MAXREC, sizeof(rec_t))},
	       next = {.v = calloc(MAXREC, sizeof(rec_t))};
	make_version(&d, &cfg, &cur);
	dv_zone_t *z = build(&cur);
	dv_verify_opts_t o = {.now = NOW0, .warn_expiry = 14 * 86400, .threads = 1};
	dv_verify_stats_t st;
	dv_findings_t f = {0}, ff = {0};
	dv_verify_state_t *state;
	assert_int_equal(dv_verify_zone_state(z, &o, &st, &f, &state), DV_OK);
	/* The full run that keeps its state gives what dv_verify_zone gives. */
	dv_verify_stats_t st2;
	assert_int_equal(dv_verify_zone(z, &o, &st2, &ff), DV_OK);
	assert_same_findings(&f, &ff, "state run");
	assert_same_stats(&st, z, &st2, z);
	assert_true(f.len > 0); /* the damage shows */
	dv_findings_clear(&f);
	dv_findings_clear(&ff);
	int incremental = 0;
	for (int v = 1; v <= versions; v++) {
		if (rand_r(&seed) % 3 == 0) {
			/* A copy that did not change, judged again later (a server
			 * up to date, the daemon's next cycle): an empty step. */
			o.now += 86400 * (1 + rand_r(&seed) % 10);
			dv_zone_delta_t none = {0};
			dv_verify_state_t *ns;
			assert_int_equal(
			    dv_verify_zone_step(state, z, z, &none, &o, &st, &f, &ns, NULL), DV_OK);
			assert_int_equal(dv_verify_zone(z, &o, &st2, &ff), DV_OK);
			char what[64];
			snprintf(what, sizeof(what), "seed %u version %d unchanged, later", seed,
			         v);
			assert_same_findings(&f, &ff, what);
			assert_same_stats(&st, z, &st2, z);
			dv_findings_clear(&f);
			dv_findings_clear(&ff);
			dv_verify_state_free(state);
			state = ns;
		}
		data_mutate(&d, &seed);
		if (rand_r(&seed) % 3 == 0)
			cfg.sig_base +=
			    86400 * (uint32_t)(rand_r(&seed) % 4); /* some RRsets re-signed */
		make_version(&d, &cfg, &next);
		keep_stale(&cur, &next, (uint32_t)v);
		o.now += 3600 * (rand_r(&seed) % 48); /* time moves: windows cross thresholds */
		dv_zone_rec_t *rm, *ad;
		size_t nrm, nad;
		diff(&cur, &next, &rm, &nrm, &ad, &nad);
		dv_zone_step_t step = {rm, nrm, ad, nad};
		dv_zone_t *nz;
		dv_zone_delta_t delta;
		char err[512];
		if (dv_zone_patch(z, &step, 1, 0, &nz, &delta, err, sizeof(err)) != DV_OK)
			fail_msg("version %d: patch: %s", v, err);
		free(rm);
		free(ad);
		dv_verify_state_t *ns;
		bool full;
		assert_int_equal(dv_verify_zone_step(state, z, nz, &delta, &o, &st, &f, &ns, &full),
		                 DV_OK);
		incremental += !full;
		dv_zone_t *fresh = build(&next);
		assert_int_equal(dv_verify_zone(fresh, &o, &st2, &ff), DV_OK);
		char what[64];
		snprintf(what, sizeof(what), "seed %u version %d (%s)", seed, v,
		         full ? "full" : "incremental");
		assert_same_findings(&f, &ff, what);
		assert_same_stats(&st, nz, &st2, fresh);
		dv_findings_clear(&f);
		dv_findings_clear(&ff);
		dv_zone_free(fresh);
		dv_zone_delta_clear(&delta);
		dv_verify_state_free(state);
		dv_zone_free(z);
		state = ns;
		z = nz;
		recs_t t = cur;
		cur = next;
		next = t;
	}
	dv_verify_state_free(state);
	dv_zone_free(z);
	free(cur.v);
	free(next.v);
	return incremental;
}

static void test_nsec(void **s)
{
	(void)s;
	zcfg_t cfg = {.mode = 0, .sig_base = NOW0, .k = &key};
	int inc = 0;
	for (unsigned seed = 1; seed <= 6; seed++)
		inc += run_series(seed, &cfg, 12);
	assert_true(inc >= 60); /* most steps were incremental */
}

static void test_nsec3_optout(void **s)
{
	(void)s;
	zcfg_t cfg = {.mode = 1, .sig_base = NOW0, .k = &key};
	int inc = 0;
	for (unsigned seed = 11; seed <= 22; seed++)
		inc += run_series(seed, &cfg, 12);
	assert_true(inc >= 120);
}

static void test_nsec3(void **s)
{
	(void)s;
	zcfg_t cfg = {.mode = 2, .sig_base = NOW0, .k = &key};
	int inc = 0;
	for (unsigned seed = 21; seed <= 26; seed++)
		inc += run_series(seed, &cfg, 12);
	assert_true(inc >= 60);
}

/* A new DNSKEY RRset: everything is verified again, and still equal. */
static void test_dnskey_change(void **s)
{
	(void)s;
	unsigned seed = 99;
	zcfg_t cfg = {.mode = 0, .sig_base = NOW0, .k = &key};
	data_t d;
	data_init(&d, &seed);
	recs_t a = {.v = calloc(MAXREC, sizeof(rec_t))}, b = {.v = calloc(MAXREC, sizeof(rec_t))};
	make_version(&d, &cfg, &a);
	d.serial++;
	cfg.two_keys = true;
	make_version(&d, &cfg, &b);
	dv_zone_t *z = build(&a), *fresh = build(&b), *nz;
	dv_verify_opts_t o = {.now = NOW0, .warn_expiry = 86400, .threads = 1};
	dv_verify_stats_t st, st2;
	dv_findings_t f = {0}, ff = {0};
	dv_verify_state_t *state, *ns;
	assert_int_equal(dv_verify_zone_state(z, &o, &st, &f, &state), DV_OK);
	dv_findings_clear(&f);
	dv_zone_rec_t *rm, *ad;
	size_t nrm, nad;
	diff(&a, &b, &rm, &nrm, &ad, &nad);
	dv_zone_step_t step = {rm, nrm, ad, nad};
	dv_zone_delta_t delta;
	assert_int_equal(dv_zone_patch(z, &step, 1, 0, &nz, &delta, NULL, 0), DV_OK);
	bool full = false;
	assert_int_equal(dv_verify_zone_step(state, z, nz, &delta, &o, &st, &f, &ns, &full), DV_OK);
	assert_true(full);
	assert_int_equal(dv_verify_zone(fresh, &o, &st2, &ff), DV_OK);
	assert_same_findings(&f, &ff, "dnskey change");
	dv_findings_clear(&f);
	dv_findings_clear(&ff);
	dv_zone_delta_clear(&delta);
	dv_verify_state_free(state);
	dv_verify_state_free(ns);
	dv_zone_free(z);
	dv_zone_free(nz);
	dv_zone_free(fresh);
	free(rm);
	free(ad);
	free(a.v);
	free(b.v);
}

static int setup(void **s)
{
	(void)s;
	snprintf(keydir, sizeof(keydir), "/tmp/dv-incr-XXXXXX");
	if (mkdtemp(keydir) == NULL)
		return -1;
	wire("ex.", apex);
	if (dv_signkey_load_or_new(keydir, "k.pem", 13, 0, 257, &key) != DV_OK ||
	    dv_signkey_load_or_new(keydir, "k2.pem", 13, 0, 256, &key2) != DV_OK)
		return -1;
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	dv_signkey_clear(&key);
	dv_signkey_clear(&key2);
	char p[128];
	snprintf(p, sizeof(p), "%s/k.pem", keydir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/k2.pem", keydir);
	unlink(p);
	rmdir(keydir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nsec),
	    cmocka_unit_test(test_nsec3_optout),
	    cmocka_unit_test(test_nsec3),
	    cmocka_unit_test(test_dnskey_change),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
