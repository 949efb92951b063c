/*
 * Signatures that verified, remembered across runs (dnssec.h,
 * dv_sigmemo_t): the daemon judges the same unchanged RRsets every cycle,
 * and a verification costs far more than hashing what it covers.
 *
 * The key is a 128-bit BLAKE2b digest of (DNSKEY RDATA, the signed data of
 * RFC 4034 §3.1.8.1 — RRSIG RDATA without the signature, then the RRset in
 * canonical form and order — and the signature).  Only "verified" is
 * remembered: a failure is verified again each time, and the validity
 * window is never part of what is kept (the caller judges it against its
 * own `now`).  Forging a hit means finding a second preimage of BLAKE2b-128.
 *
 * Bounded by two generations: lookups fill the current one (a hit in the
 * previous generation is copied forward); when the current one holds
 * `max` entries the previous one is dropped.  What was not used during a
 * whole generation goes, so an unchanged zone judged once per generation
 * stays cached and the memory stays below 2 x max entries.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dnssec/dnssec.h"
#include "dnssec/dnssec_int.h"

typedef struct {
	uint8_t (*v)[DV_SIGMEMO_DIGEST_LEN]; /* all-zero: empty */
	size_t cap, len;
} gen_t;

/* Parsed keys: the same open addressing, with the key and its parse result. */
typedef struct {
	uint8_t digest[DV_SIGMEMO_DIGEST_LEN]; /* all-zero: empty */
	dv_key_t *key;                         /* one reference held here */
	int ret;
} kslot_t;

typedef struct {
	kslot_t *v;
	size_t cap, len;
} kgen_t;

struct dv_sigmemo {
	pthread_mutex_t lock;
	gen_t cur, prev;
	kgen_t kcur, kprev;
	size_t max;
	uint64_t hits, misses, generations;
};

static bool is_empty(const uint8_t *d)
{
	static const uint8_t zero[DV_SIGMEMO_DIGEST_LEN];
	return memcmp(d, zero, DV_SIGMEMO_DIGEST_LEN) == 0;
}

static size_t slot_of(const uint8_t *d, size_t cap)
{
	size_t h;
	memcpy(&h, d, sizeof(h));
	return h & (cap - 1);
}

static bool gen_has(const gen_t *g, const uint8_t *d)
{
	if (g->cap == 0)
		return false;
	for (size_t i = slot_of(d, g->cap);; i = (i + 1) & (g->cap - 1)) {
		if (is_empty(g->v[i]))
			return false;
		if (memcmp(g->v[i], d, DV_SIGMEMO_DIGEST_LEN) == 0)
			return true;
	}
}

/* Insert (no duplicate check: callers look up first).  DV_ENOMEM. */
static int gen_add(gen_t *g, const uint8_t *d)
{
	if ((g->len + 1) * 2 > g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 256;
		uint8_t(*nv)[DV_SIGMEMO_DIGEST_LEN] = calloc(ncap, DV_SIGMEMO_DIGEST_LEN);
		if (nv == NULL)
			return DV_ENOMEM;
		for (size_t i = 0; i < g->cap; i++) {
			if (is_empty(g->v[i]))
				continue;
			size_t j = slot_of(g->v[i], ncap);
			while (!is_empty(nv[j]))
				j = (j + 1) & (ncap - 1);
			memcpy(nv[j], g->v[i], DV_SIGMEMO_DIGEST_LEN);
		}
		free(g->v);
		g->v = nv;
		g->cap = ncap;
	}
	size_t i = slot_of(d, g->cap);
	while (!is_empty(g->v[i]))
		i = (i + 1) & (g->cap - 1);
	memcpy(g->v[i], d, DV_SIGMEMO_DIGEST_LEN);
	g->len++;
	return DV_OK;
}

static void normalise(const uint8_t *in, uint8_t *d)
{
	memcpy(d, in, DV_SIGMEMO_DIGEST_LEN);
	if (is_empty(d))
		d[0] = 1; /* all-zero marks an empty slot */
}

static void gen_clear(gen_t *g)
{
	free(g->v);
	memset(g, 0, sizeof(*g));
}

static kslot_t *kgen_find(const kgen_t *g, const uint8_t *d)
{
	if (g->cap == 0)
		return NULL;
	for (size_t i = slot_of(d, g->cap);; i = (i + 1) & (g->cap - 1)) {
		if (is_empty(g->v[i].digest))
			return NULL;
		if (memcmp(g->v[i].digest, d, DV_SIGMEMO_DIGEST_LEN) == 0)
			return &g->v[i];
	}
}

/* Insert, taking a reference of key.  DV_ENOMEM (no reference taken). */
static int kgen_add(kgen_t *g, const uint8_t *d, dv_key_t *key, int ret)
{
	if ((g->len + 1) * 2 > g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 64;
		kslot_t *nv = calloc(ncap, sizeof(*nv));
		if (nv == NULL)
			return DV_ENOMEM;
		for (size_t i = 0; i < g->cap; i++) {
			if (is_empty(g->v[i].digest))
				continue;
			size_t j = slot_of(g->v[i].digest, ncap);
			while (!is_empty(nv[j].digest))
				j = (j + 1) & (ncap - 1);
			nv[j] = g->v[i];
		}
		free(g->v);
		g->v = nv;
		g->cap = ncap;
	}
	size_t i = slot_of(d, g->cap);
	while (!is_empty(g->v[i].digest))
		i = (i + 1) & (g->cap - 1);
	memcpy(g->v[i].digest, d, DV_SIGMEMO_DIGEST_LEN);
	g->v[i].key = dv_key_ref(key);
	g->v[i].ret = ret;
	g->len++;
	return DV_OK;
}

static void kgen_clear(kgen_t *g)
{
	for (size_t i = 0; i < g->cap; i++)
		if (!is_empty(g->v[i].digest))
			dv_key_free(g->v[i].key);
	free(g->v);
	memset(g, 0, sizeof(*g));
}

static size_t kmax(const dv_sigmemo_t *m)
{
	return m->max / 4 > 64 ? m->max / 4 : 64;
}

static int kmemo_put(dv_sigmemo_t *m, const uint8_t *d, dv_key_t *key, int ret)
{
	if (m->kcur.len >= kmax(m)) {
		kgen_clear(&m->kprev);
		m->kprev = m->kcur;
		memset(&m->kcur, 0, sizeof(m->kcur));
	}
	return kgen_add(&m->kcur, d, key, ret);
}

bool dv_sigmemo_key_get(dv_sigmemo_t *m, const uint8_t digest[DV_SIGMEMO_DIGEST_LEN],
                        dv_key_t **key, int *ret)
{
	uint8_t d[DV_SIGMEMO_DIGEST_LEN];
	normalise(digest, d);
	pthread_mutex_lock(&m->lock);
	kslot_t *s = kgen_find(&m->kcur, d);
	if (s == NULL && (s = kgen_find(&m->kprev, d)) != NULL) {
		/* still in use: carried into the current generation */
		kslot_t copy = *s;
		if (kmemo_put(m, d, copy.key, copy.ret) == DV_OK)
			s = kgen_find(&m->kcur, d);
		else
			s = kgen_find(&m->kprev, d);
	}
	if (s != NULL) {
		*key = dv_key_ref(s->key);
		*ret = s->ret;
	}
	pthread_mutex_unlock(&m->lock);
	return s != NULL;
}

void dv_sigmemo_key_put(dv_sigmemo_t *m, const uint8_t digest[DV_SIGMEMO_DIGEST_LEN], dv_key_t *key,
                        int ret)
{
	uint8_t d[DV_SIGMEMO_DIGEST_LEN];
	normalise(digest, d);
	pthread_mutex_lock(&m->lock);
	/* no memory: it is parsed again next time */
	if (kgen_find(&m->kcur, d) == NULL)
		(void)kmemo_put(m, d, key, ret);
	pthread_mutex_unlock(&m->lock);
}

int dv_sigmemo_new(size_t max_entries, dv_sigmemo_t **out)
{
	dv_sigmemo_t *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return DV_ENOMEM;
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return DV_ENOMEM;
	}
	m->max = max_entries ? max_entries : 1;
	*out = m;
	return DV_OK;
}

void dv_sigmemo_free(dv_sigmemo_t *m)
{
	if (m == NULL)
		return;
	gen_clear(&m->cur);
	gen_clear(&m->prev);
	kgen_clear(&m->kcur);
	kgen_clear(&m->kprev);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void dv_sigmemo_set_max(dv_sigmemo_t *m, size_t max_entries)
{
	pthread_mutex_lock(&m->lock);
	m->max = max_entries ? max_entries : 1;
	pthread_mutex_unlock(&m->lock);
}

void dv_sigmemo_stats(dv_sigmemo_t *m, dv_sigmemo_stats_t *out)
{
	pthread_mutex_lock(&m->lock);
	out->hits = m->hits;
	out->misses = m->misses;
	out->entries = m->cur.len + m->prev.len;
	out->generations = m->generations;
	pthread_mutex_unlock(&m->lock);
}

/* Add to the current generation, starting a new one when it is full. */
static int memo_put(dv_sigmemo_t *m, const uint8_t *d)
{
	if (m->cur.len >= m->max) {
		gen_clear(&m->prev);
		m->prev = m->cur;
		memset(&m->cur, 0, sizeof(m->cur));
		m->generations++;
	}
	return gen_add(&m->cur, d);
}

bool dv_sigmemo_lookup(dv_sigmemo_t *m, const uint8_t digest[DV_SIGMEMO_DIGEST_LEN])
{
	uint8_t d[DV_SIGMEMO_DIGEST_LEN];
	normalise(digest, d);
	pthread_mutex_lock(&m->lock);
	bool found = gen_has(&m->cur, d);
	if (!found && gen_has(&m->prev, d)) {
		found = true;
		/* still in use: carry it into the current generation (no memory: it
		 * is only verified again later) */
		(void)memo_put(m, d);
	}
	if (found)
		m->hits++;
	else
		m->misses++;
	pthread_mutex_unlock(&m->lock);
	return found;
}

int dv_sigmemo_add(dv_sigmemo_t *m, const uint8_t digest[DV_SIGMEMO_DIGEST_LEN])
{
	uint8_t d[DV_SIGMEMO_DIGEST_LEN];
	normalise(digest, d);
	pthread_mutex_lock(&m->lock);
	int r = gen_has(&m->cur, d) ? DV_OK : memo_put(m, d);
	pthread_mutex_unlock(&m->lock);
	return r;
}
