/*
 * From observations to the model: the keys and DS records seen, each
 * signature resolved to the key that made it (verified once per version),
 * and for each version the spans it may have been served in and cached in.
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "rollover/rollover_int.h"

static uint32_t u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int64_t sat_add(int64_t a, int64_t b)
{
	if (a == DV_ROLL_OPEN || b == DV_ROLL_OPEN)
		return DV_ROLL_OPEN;
	return a > DV_ROLL_OPEN - b ? DV_ROLL_OPEN : a + b;
}

/* ---- keys and DS records ---------------------------------------------------------- */

/* The index of `rd` in a universe (the keys or the DS records: `size`-byte
 * entries that each begin with their roll_rdata_t), appended zeroed but for
 * its RDATA when it is new (*added). */
static int universe_add(void *arr, size_t *n, size_t *cap, size_t size, const uint8_t *rd,
                        uint16_t len, uint32_t *out, bool *added)
{
	char **base = arr;
	*added = false;
	for (size_t i = 0; i < *n; i++) {
		const roll_rdata_t *e = (const roll_rdata_t *)(*base + i * size);
		if (e->len == len && memcmp(e->rd, rd, len) == 0) {
			*out = (uint32_t)i;
			return DV_OK;
		}
	}
	if (*n >= DV_ROLL_MAX_KEYS)
		return DV_ELIMIT;
	if (dv_array_grow(arr, cap, *n, size, 8) != DV_OK)
		return DV_ENOMEM;
	roll_rdata_t *e = (roll_rdata_t *)(*base + *n * size);
	memset(e, 0, size);
	e->rd = rd;
	e->len = len;
	*out = (uint32_t)(*n)++;
	*added = true;
	return DV_OK;
}

static int key_add(dv_roll_series_t *s, const uint8_t *rd, uint16_t len, uint32_t *out)
{
	bool added;
	int r =
	    universe_add(&s->keys, &s->nkeys, &s->capkeys, sizeof(*s->keys), rd, len, out, &added);
	if (r != DV_OK || !added)
		return r;
	roll_key_t *k = &s->keys[*out];
	if (len >= 4) {
		k->flags = u16(rd);
		k->alg = rd[3];
	}
	k->tag = dv_keytag(rd, len);
	return DV_OK;
}

static int ds_add(dv_roll_series_t *s, const uint8_t *rd, uint16_t len, uint32_t *out)
{
	bool added;
	int r = universe_add(&s->dsrecs, &s->ndsrecs, &s->capdsrecs, sizeof(*s->dsrecs), rd, len,
	                     out, &added);
	if (r != DV_OK || !added)
		return r;
	roll_dsrec_t *d = &s->dsrecs[*out];
	if (len >= 5) {
		d->tag = u16(rd);
		d->alg = rd[2];
		d->digest = rd[3];
		/* RFC 4035 §5.2: a DS with an unknown algorithm or digest type is
		 * ignored; RFC 8624 §3.3: validators still accept SHA-1 DS. */
		d->usable = dv_alg_supported(d->alg) &&
		            (d->digest == DV_DIGEST_SHA1 || d->digest == DV_DIGEST_SHA256 ||
		             d->digest == DV_DIGEST_SHA384);
	}
	return DV_OK;
}

/* Members of each DNSKEY and DS version. */
static int members_build(dv_roll_series_t *s)
{
	uint32_t kk, dk;
	bool have_k = roll_rrkey_get(s, s->zone, KNOT_RRTYPE_DNSKEY, false, &kk) == DV_OK;
	bool have_d = roll_rrkey_get(s, s->zone, KNOT_RRTYPE_DS, false, &dk) == DV_OK;
	for (size_t i = 0; i < s->nversions; i++) {
		roll_version_t *v = &s->versions[i];
		bool isk = have_k && v->rrkey == kk, isd = have_d && v->rrkey == dk;
		if ((!isk && !isd) || v->absent || v->set.n == 0 || v->members != NULL)
			continue; /* key and DS indexes are never renumbered: keep them */
		v->members = dv_arena_alloc(&s->arena, v->set.n * sizeof(*v->members));
		if (v->members == NULL)
			return DV_ENOMEM;
		for (uint16_t j = 0; j < v->set.n; j++) {
			int r = isk ? key_add(s, v->set.rd[j], v->set.rdlen[j], &v->members[j])
			            : ds_add(s, v->set.rd[j], v->set.rdlen[j], &v->members[j]);
			if (r != DV_OK)
				return r;
		}
		v->nmembers = v->set.n;
	}
	free(s->ds_match);
	s->ds_match = NULL;
	if (s->ndsrecs > 0 && s->nkeys > 0) {
		s->ds_match = calloc(s->ndsrecs * s->nkeys, sizeof(*s->ds_match));
		if (s->ds_match == NULL)
			return DV_ENOMEM;
	}
	for (size_t i = 0; i < s->ndsrecs; i++) {
		const roll_dsrec_t *d = &s->dsrecs[i];
		for (size_t j = 0; j < s->nkeys; j++) {
			const roll_key_t *k = &s->keys[j];
			if (d->rdata.len < 5 || d->tag != k->tag || d->alg != k->alg)
				continue;
			s->ds_match[i * s->nkeys + j] = dv_ds_matches(
			    s->zone, d->rdata.rd, d->rdata.len, k->rdata.rd, k->rdata.len);
		}
	}
	return DV_OK;
}

/* ---- signatures ----------------------------------------------------------------- */

/* Resolve each signature of v to the key that made it.  Called again after
 * more observations, it tries only the keys added since (a signature can
 * come before its key: the first step of an algorithm rollover). */
static int sigs_resolve(dv_roll_series_t *s, roll_version_t *v)
{
	if (v->absent || v->set.nsig == 0)
		return DV_OK;
	size_t from = 0;
	if (v->sigs == NULL) {
		v->sigs = dv_arena_alloc(&s->arena, v->set.nsig * sizeof(*v->sigs));
		if (v->sigs == NULL)
			return DV_ENOMEM;
	} else {
		from = v->sigs_nkeys;
	}
	if (from == s->nkeys)
		return DV_OK;
	v->sigs_nkeys = s->nkeys;
	const roll_rrkey_t *rk = &s->rrkeys[v->rrkey];
	for (uint16_t i = 0; i < v->set.nsig; i++) {
		roll_sig_t *g = &v->sigs[i];
		if (from > 0 && g->key >= 0)
			continue;
		memset(g, 0, sizeof(*g));
		g->key = -1;
		const uint8_t *sig = v->set.sig[i];
		uint16_t len = v->set.siglen[i];
		long soff = dv_rrsig_sig_offset(sig, len);
		if (soff < 0)
			continue;
		g->alg = sig[2];
		g->tag = u16(sig + 16);
		g->expiration = dv_rrsig_time(u32(sig + 8), v->first_seen);
		g->inception = dv_rrsig_time(u32(sig + 12), v->first_seen);
		/* RFC 4035 §5.3.1: the type covered, the signer (the zone apex) and
		 * the labels must fit the RRset. */
		uint8_t signer[KNOT_DNAME_MAXLEN];
		memcpy(signer, sig + DV_RRSIG_FIXED_LEN, (size_t)soff - DV_RRSIG_FIXED_LEN);
		knot_dname_to_lower(signer);
		if (u16(sig) != rk->type || !knot_dname_is_equal(signer, s->zone) ||
		    sig[3] > knot_dname_labels(rk->owner, NULL) || !dv_alg_supported(g->alg))
			continue;
		for (size_t k = from; k < s->nkeys && g->key < 0; k++) {
			roll_key_t *key = &s->keys[k];
			if (key->tag != g->tag || key->alg != g->alg ||
			    !(key->flags & DV_DNSKEY_FLAG_ZONE))
				continue;
			int r = roll_sig_verify(s, key, v, rk->owner, i);
			if (r == DV_OK)
				g->key = (int32_t)k;
			else if (r == DV_ENOMEM)
				return r;
		}
	}
	return DV_OK;
}

/* ---- spans ------------------------------------------------------------------------ */

typedef struct {
	uint32_t version;
	uint32_t ttl;
	int64_t start, end;
} rawspan_t;

static int rawspan_cmp(const void *pa, const void *pb)
{
	const rawspan_t *a = pa, *b = pb;
	if (a->version != b->version)
		return a->version < b->version ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return 0;
}

/* Index of the server's first observation at or after t (after: strictly). */
static size_t epoch_index(const roll_server_t *sv, int64_t t, bool after)
{
	size_t first = 0, count = sv->nepochs;
	while (count > 0) {
		size_t half = count / 2;
		int64_t e = sv->epochs[first + half];
		if (e < t || (after && e == t)) {
			first += half + 1;
			count -= half + 1;
		} else {
			count = half;
		}
	}
	return first;
}

/* The server's observation time just before / after t, or none. */
static bool epoch_before(const roll_server_t *sv, int64_t t, int64_t *out)
{
	size_t i = epoch_index(sv, t, false);
	if (i == 0)
		return false;
	*out = sv->epochs[i - 1];
	return true;
}

static bool epoch_after(const roll_server_t *sv, int64_t t, int64_t *out)
{
	size_t i = epoch_index(sv, t, true);
	if (i >= sv->nepochs)
		return false;
	*out = sv->epochs[i];
	return true;
}

/*
 * When a run's version may have been served.  A change is seen only at the
 * next observation, so the version may have been served since just after the
 * observation before the run and until just before the one after it: the
 * conservative reading.  A tracked RRset (asked at every observation) is
 * bounded by its own neighbouring observations; a sampled one (seen in a
 * denial proof by chance) by the server's neighbouring observations.
 */
static void run_span(const dv_roll_series_t *s, const roll_stream_t *st, size_t i, int64_t *start,
                     int64_t *end)
{
	const roll_server_t *sv = &s->servers[st->server];
	const roll_run_t *run = &st->runs[i];
	int64_t t;
	if (run->exact)
		*start = run->first;
	else if (!st->sampled && i > 0)
		*start = st->runs[i - 1].last;
	else
		*start = epoch_before(sv, run->first, &t) ? t : run->first;
	if (run->exact)
		*end = DV_ROLL_OPEN;
	else if (!st->sampled && i + 1 < st->nruns && !st->runs[i + 1].exact)
		*end = st->runs[i + 1].first;
	else
		*end = epoch_after(sv, run->last, &t) ? t : DV_ROLL_OPEN;
	/* A candidate replaces everything: what was served then is gone from
	 * every server once the candidate has propagated. */
	if (!run->exact && s->child_candidate && sv->side == DV_ROLL_CHILD &&
	    *end >= s->candidate_time)
		*end = sat_add(s->candidate_time, s->candidate_prop);
	if (!run->exact && s->parent_candidate && sv->side == DV_ROLL_PARENT &&
	    *end >= s->candidate_ds_time)
		*end = sat_add(s->candidate_ds_time, s->candidate_ds_prop);
}

static int64_t expiry_cap(const roll_version_t *v)
{
	int64_t cap = DV_ROLL_START;
	for (uint16_t i = 0; v->sigs != NULL && i < v->set.nsig; i++)
		if (v->sigs[i].key >= 0 && v->sigs[i].expiration > cap)
			cap = v->sigs[i].expiration;
	return cap == DV_ROLL_START ? DV_ROLL_OPEN : cap + 1;
}

static int spans_push(roll_span_t **arr, size_t *n, size_t *cap, int64_t start, int64_t end)
{
	/* Spans come sorted by start: extend the last when they touch. */
	if (*n > 0 && start <= (*arr)[*n - 1].end) {
		if (end > (*arr)[*n - 1].end)
			(*arr)[*n - 1].end = end;
		return DV_OK;
	}
	if (dv_array_grow(arr, cap, *n, sizeof(**arr), 2) != DV_OK)
		return DV_ENOMEM;
	(*arr)[(*n)++] = (roll_span_t){start, end};
	return DV_OK;
}

static int spans_build(dv_roll_series_t *s, int64_t stale)
{
	size_t nraw = 0, capraw = 0;
	rawspan_t *raw = NULL;
	int r = DV_OK;
	for (size_t i = 0; i < s->nstreams && r == DV_OK; i++) {
		const roll_stream_t *st = &s->streams[i];
		for (size_t j = 0; j < st->nruns; j++) {
			if (st->runs[j].version == ROLL_NONE)
				continue;
			if (dv_array_grow(&raw, &capraw, nraw, sizeof(*raw), 64) != DV_OK) {
				r = DV_ENOMEM;
				break;
			}
			rawspan_t *x = &raw[nraw++];
			x->version = st->runs[j].version;
			x->ttl = st->runs[j].ttl;
			run_span(s, st, j, &x->start, &x->end);
		}
	}
	if (r != DV_OK)
		goto out;
	if (nraw > 1)
		qsort(raw, nraw, sizeof(*raw), rawspan_cmp);
	for (size_t i = 0; i < s->nversions; i++) {
		roll_version_t *v = &s->versions[i];
		free(v->served);
		free(v->cached);
		v->served = v->cached = NULL;
		v->nserved = v->ncached = 0;
	}
	size_t i = 0;
	while (i < nraw) {
		roll_version_t *v = &s->versions[raw[i].version];
		int64_t cap = expiry_cap(v);
		size_t capserved = 0, capcached = 0;
		/* Cached spans: a copy fetched at the end of a served span lives its
		 * TTL, but not past its signatures' expiration (RFC 4035 §5.3.3),
		 * then the serve-stale allowance (RFC 8767).  Sorted by start, the
		 * cached ends need not be: merge in a second pass. */
		size_t j = i;
		for (; j < nraw && raw[j].version == raw[i].version; j++) {
			if ((r = spans_push(&v->served, &v->nserved, &capserved, raw[j].start,
			                    raw[j].end)) != DV_OK)
				goto out;
		}
		roll_span_t *tmp = malloc((j - i) * sizeof(*tmp));
		if (tmp == NULL) {
			r = DV_ENOMEM;
			goto out;
		}
		for (size_t k = i; k < j; k++) {
			int64_t e = raw[k].end;
			if (e != DV_ROLL_OPEN) {
				int64_t tail = sat_add(e, raw[k].ttl);
				if (tail > cap)
					tail = cap;
				if (tail < e)
					tail = e;
				e = sat_add(tail, stale);
			}
			tmp[k - i] = (roll_span_t){raw[k].start, e};
		}
		for (size_t k = 0; k < j - i && r == DV_OK; k++)
			r = spans_push(&v->cached, &v->ncached, &capcached, tmp[k].start,
			               tmp[k].end);
		free(tmp);
		if (r != DV_OK)
			goto out;
		i = j;
	}
out:
	free(raw);
	return r;
}

int roll_finalize(dv_roll_series_t *s, int64_t serve_stale)
{
	int r;
	if (!s->finalized) {
		if ((r = members_build(s)) != DV_OK)
			return r;
		for (size_t i = 0; i < s->nversions; i++)
			if ((r = sigs_resolve(s, &s->versions[i])) != DV_OK)
				return r;
		s->finalized = true;
		s->finalized_stale = -1; /* the spans depend on every observation */
	}
	if (s->finalized_stale == serve_stale)
		return DV_OK;
	if ((r = spans_build(s, serve_stale)) != DV_OK)
		return r;
	s->finalized_stale = serve_stale;
	return DV_OK;
}

/* ---- queries on the model ---------------------------------------------------------- */

bool roll_version_has_key(const roll_version_t *v, uint32_t key)
{
	for (uint16_t i = 0; i < v->nmembers; i++)
		if (v->members[i] == key)
			return true;
	return false;
}

static bool spans_at(const roll_span_t *sp, size_t n, int64_t t)
{
	for (size_t i = 0; i < n; i++)
		if (sp[i].start <= t && t < sp[i].end)
			return true;
	return false;
}

bool roll_cached_at(const roll_version_t *v, int64_t t)
{
	return spans_at(v->cached, v->ncached, t);
}

bool roll_served_at(const roll_version_t *v, int64_t t)
{
	return spans_at(v->served, v->nserved, t);
}

int64_t roll_cached_end(const roll_version_t *v)
{
	return v->ncached ? v->cached[v->ncached - 1].end : DV_ROLL_START;
}

int64_t roll_served_end(const roll_version_t *v)
{
	int64_t e = DV_ROLL_START;
	for (size_t i = 0; i < v->nserved; i++)
		if (v->served[i].end > e)
			e = v->served[i].end;
	return e;
}

uint32_t roll_stream_current(const roll_stream_t *st, int64_t now, int64_t *since)
{
	/* The last answer observed (not a candidate's) at or before now. */
	for (size_t j = st->nruns; j-- > 0;) {
		const roll_run_t *run = &st->runs[j];
		if (run->exact || run->first > now)
			continue;
		if (since != NULL)
			*since = run->first;
		return run->version;
	}
	return ROLL_NONE;
}
