/*
 * The observation series: what each server served, when.
 *
 * Observations are stored as runs: consecutive observations of one version of
 * one RRset at one server.  Thirty days at one observation a minute repeat
 * the same few versions tens of thousands of times; a run costs nothing more
 * per repeat than one comparison with the run's version.
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "rollover/rollover_int.h"

#define BLOB_MAX (4u << 20) /* one RRset's identity: 64k RRs of 64 bytes */

/* ---- hashing and the index ------------------------------------------------------ */

uint64_t roll_hash(const void *p, size_t len, uint64_t seed)
{
	/* A multiply-xorshift hash over 8-byte words: the index only needs a
	 * good spread, not resistance to chosen input (equal hashes are
	 * compared byte for byte). */
	const uint8_t *b = p;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		b += 8;
		len -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, b, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return h;
}

static int index_grow(roll_index_t *ix)
{
	size_t ncap = ix->cap ? ix->cap * 2 : 64;
	uint64_t *nh = calloc(ncap, sizeof(*nh));
	uint32_t *nv = malloc(ncap * sizeof(*nv));
	if (nh == NULL || nv == NULL) {
		free(nh);
		free(nv);
		return DV_ENOMEM;
	}
	for (size_t i = 0; i < ncap; i++)
		nv[i] = ROLL_NONE;
	for (size_t i = 0; i < ix->cap; i++) {
		if (ix->val[i] == ROLL_NONE)
			continue;
		size_t j = ix->hash[i] & (ncap - 1);
		while (nv[j] != ROLL_NONE)
			j = (j + 1) & (ncap - 1);
		nh[j] = ix->hash[i];
		nv[j] = ix->val[i];
	}
	free(ix->hash);
	free(ix->val);
	ix->hash = nh;
	ix->val = nv;
	ix->cap = ncap;
	return DV_OK;
}

int roll_index_add(roll_index_t *ix, uint64_t h, uint32_t val)
{
	if ((ix->len + 1) * 2 > ix->cap && index_grow(ix) != DV_OK)
		return DV_ENOMEM;
	size_t j = h & (ix->cap - 1);
	while (ix->val[j] != ROLL_NONE)
		j = (j + 1) & (ix->cap - 1);
	ix->hash[j] = h;
	ix->val[j] = val;
	ix->len++;
	return DV_OK;
}

uint32_t roll_index_next(const roll_index_t *ix, uint64_t h, size_t *pos)
{
	if (ix->cap == 0)
		return ROLL_NONE;
	/* *pos counts the slots probed so far. */
	for (size_t j = (h + *pos) & (ix->cap - 1); ix->val[j] != ROLL_NONE;
	     j = (j + 1) & (ix->cap - 1)) {
		(*pos)++;
		if (ix->hash[j] == h)
			return ix->val[j];
	}
	return ROLL_NONE;
}

void roll_index_free(roll_index_t *ix)
{
	free(ix->hash);
	free(ix->val);
	memset(ix, 0, sizeof(*ix));
}

/* ---- the series ------------------------------------------------------------------ */

int dv_roll_series_new(const uint8_t *zone, dv_roll_series_t **out)
{
	int sz = knot_dname_wire_check(zone, zone + KNOT_DNAME_MAXLEN, NULL);
	if (sz <= 0)
		return DV_EINVAL;
	dv_roll_series_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return DV_ENOMEM;
	dv_arena_init(&s->arena, 0);
	memcpy(s->zone, zone, (size_t)sz);
	knot_dname_to_lower(s->zone);
	dv_snap_dname_str(s->zone, s->zone_str, sizeof(s->zone_str));
	dv_buf_init(&s->blob, BLOB_MAX);
	dv_buf_init(&s->sigdata, BLOB_MAX);
	s->first = DV_ROLL_OPEN;
	s->last = DV_ROLL_START;
	*out = s;
	return DV_OK;
}

void dv_roll_series_free(dv_roll_series_t *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nservers; i++) {
		free(s->servers[i].epochs);
		free(s->servers[i].stream_of);
	}
	free(s->servers);
	for (size_t i = 0; i < s->nrrkeys; i++)
		free(s->rrkeys[i].versions);
	free(s->rrkeys);
	for (size_t i = 0; i < s->nversions; i++) {
		free(s->versions[i].served);
		free(s->versions[i].cached);
	}
	free(s->versions);
	for (size_t i = 0; i < s->nstreams; i++)
		free(s->streams[i].runs);
	free(s->streams);
	for (size_t i = 0; i < s->nkeys; i++)
		dv_key_free(s->keys[i].key);
	free(s->keys);
	free(s->dsrecs);
	free(s->ds_match);
	roll_index_free(&s->rrkey_index);
	roll_index_free(&s->version_index);
	dv_buf_clear(&s->blob);
	dv_buf_clear(&s->sigdata);
	dv_arena_clear(&s->arena);
	free(s);
}

size_t dv_roll_series_count(const dv_roll_series_t *s)
{
	return s->observations;
}

int64_t dv_roll_series_first(const dv_roll_series_t *s)
{
	return s->observations ? s->first : 0;
}

int64_t dv_roll_series_last(const dv_roll_series_t *s)
{
	return s->observations ? s->last : 0;
}

const char *dv_roll_series_zone(const dv_roll_series_t *s)
{
	return s->zone_str;
}

int dv_roll_series_server(dv_roll_series_t *s, dv_roll_side_t side, const char *addr,
                          const char *name, uint32_t *out)
{
	for (size_t i = 0; i < s->nservers; i++) {
		if (s->servers[i].side == side && strcmp(s->servers[i].addr, addr) == 0) {
			*out = (uint32_t)i;
			return DV_OK;
		}
	}
	if (s->nservers >= DV_ROLL_MAX_SERVERS)
		return DV_ELIMIT;
	if (dv_array_grow(&s->servers, &s->capservers, s->nservers, sizeof(*s->servers), 8) !=
	    DV_OK)
		return DV_ENOMEM;
	roll_server_t *sv = &s->servers[s->nservers];
	memset(sv, 0, sizeof(*sv));
	snprintf(sv->addr, sizeof(sv->addr), "%s", addr);
	sv->side = side;
	sv->name = "";
	if (name != NULL && name[0] != '\0') {
		char *n = dv_arena_dup(&s->arena, name, strlen(name) + 1);
		if (n == NULL)
			return DV_ENOMEM;
		sv->name = n;
	}
	*out = (uint32_t)s->nservers++;
	return DV_OK;
}

int roll_rrkey_get(dv_roll_series_t *s, const uint8_t *owner, uint16_t type, bool add,
                   uint32_t *out)
{
	size_t osz = knot_dname_size(owner);
	uint64_t h = roll_hash(owner, osz, type);
	size_t pos = 0;
	for (uint32_t k; (k = roll_index_next(&s->rrkey_index, h, &pos)) != ROLL_NONE;) {
		if (s->rrkeys[k].type == type && knot_dname_is_equal(s->rrkeys[k].owner, owner)) {
			*out = k;
			return DV_OK;
		}
	}
	if (!add)
		return DV_EINVAL;
	if (s->nrrkeys >= DV_ROLL_MAX_RRKEYS)
		return DV_ELIMIT;
	if (dv_array_grow(&s->rrkeys, &s->caprrkeys, s->nrrkeys, sizeof(*s->rrkeys), 16) != DV_OK)
		return DV_ENOMEM;
	uint8_t *o = dv_arena_dup(&s->arena, owner, osz);
	if (o == NULL || roll_index_add(&s->rrkey_index, h, (uint32_t)s->nrrkeys) != DV_OK)
		return DV_ENOMEM;
	s->rrkeys[s->nrrkeys] = (roll_rrkey_t){.owner = o, .type = type};
	*out = (uint32_t)s->nrrkeys++;
	return DV_OK;
}

bool roll_version_is(const dv_roll_series_t *s, uint32_t v, uint16_t type)
{
	return s->rrkeys[s->versions[v].rrkey].type == type;
}

/* ---- identity of an observed RRset ---------------------------------------------- */

typedef struct {
	const uint8_t *rd;
	uint16_t len;
} ref_t;

static int ref_cmp(const void *pa, const void *pb)
{
	const ref_t *a = pa, *b = pb;
	int c = memcmp(a->rd, b->rd, a->len < b->len ? a->len : b->len);
	if (c != 0)
		return c;
	return (int)a->len - (int)b->len;
}

static int put_sorted(dv_buf_t *b, const uint8_t *const *rd, const uint16_t *len, uint16_t n,
                      uint16_t *kept)
{
	ref_t stackv[32], *v = stackv;
	if (n > 32 && (v = malloc(n * sizeof(*v))) == NULL)
		return DV_ENOMEM;
	for (uint16_t i = 0; i < n; i++)
		v[i] = (ref_t){rd[i], len[i]};
	if (n > 1)
		qsort(v, n, sizeof(*v), ref_cmp);
	int r = DV_OK;
	*kept = 0;
	for (uint16_t i = 0; i < n && r == DV_OK; i++) {
		/* RFC 2181 §5: an RRset holds no duplicate RRs. */
		if (i > 0 && ref_cmp(&v[i - 1], &v[i]) == 0)
			continue;
		uint8_t l[2] = {(uint8_t)(v[i].len >> 8), (uint8_t)v[i].len};
		if ((r = dv_buf_append(b, l, 2)) == DV_OK)
			r = dv_buf_append(b, v[i].rd, v[i].len);
		(*kept)++;
	}
	if (v != stackv)
		free(v);
	return r;
}

/* The identity of rr: absence flag, RDATA, RRSIGs (each sorted) in s->blob. */
static int blob_build(dv_roll_series_t *s, const dv_roll_rrset_t *rr, uint16_t *n, uint16_t *nsig)
{
	s->blob.len = 0;
	uint8_t flag = rr->absent ? 1 : 0;
	int r = dv_buf_append(&s->blob, &flag, 1);
	*n = *nsig = 0;
	if (r != DV_OK || rr->absent)
		return r;
	if ((r = put_sorted(&s->blob, rr->rd, rr->rdlen, rr->n, n)) != DV_OK)
		return r;
	uint8_t sep = 0xff; /* keeps {RDATA, no sig} apart from {fewer RDATA, a sig} */
	if ((r = dv_buf_append(&s->blob, &sep, 1)) != DV_OK)
		return r;
	return put_sorted(&s->blob, rr->sig, rr->siglen, rr->nsig, nsig);
}

/* n length-prefixed items from *p: their pointers and lengths (arena). */
static int items(dv_arena_t *a, const uint8_t **p, uint16_t n, const uint8_t *const **rd,
                 const uint16_t **len)
{
	const uint8_t **r = dv_arena_alloc(a, (n + 1u) * sizeof(*r));
	uint16_t *l = dv_arena_alloc(a, (n + 1u) * sizeof(*l));
	if (r == NULL || l == NULL)
		return DV_ENOMEM;
	for (uint16_t i = 0; i < n; i++) {
		l[i] = (uint16_t)(((*p)[0] << 8) | (*p)[1]);
		r[i] = *p + 2;
		*p += 2 + l[i];
	}
	*rd = r;
	*len = l;
	return DV_OK;
}

/* Point the version's RRset view into its blob. */
static int version_views(dv_roll_series_t *s, roll_version_t *v)
{
	const roll_rrkey_t *k = &s->rrkeys[v->rrkey];
	v->set.owner = k->owner;
	v->set.type = k->type;
	v->set.absent = v->absent;
	if (v->absent)
		return DV_OK;
	const uint8_t *p = v->blob + 1;
	if (items(&s->arena, &p, v->set.n, &v->set.rd, &v->set.rdlen) != DV_OK)
		return DV_ENOMEM;
	p++; /* the separator */
	return items(&s->arena, &p, v->set.nsig, &v->set.sig, &v->set.siglen);
}

/* The version of rrkey whose identity is s->blob, added when new. */
static int version_get(dv_roll_series_t *s, uint32_t rrkey, bool absent, uint16_t n, uint16_t nsig,
                       int64_t time, uint32_t *out)
{
	uint64_t h = roll_hash(s->blob.data, s->blob.len, rrkey);
	size_t pos = 0;
	for (uint32_t v; (v = roll_index_next(&s->version_index, h, &pos)) != ROLL_NONE;) {
		const roll_version_t *x = &s->versions[v];
		if (x->rrkey == rrkey && x->bloblen == s->blob.len &&
		    memcmp(x->blob, s->blob.data, s->blob.len) == 0) {
			*out = v;
			return DV_OK;
		}
	}
	if (s->nversions >= DV_ROLL_MAX_VERSIONS)
		return DV_ELIMIT;
	roll_rrkey_t *k = &s->rrkeys[rrkey];
	if (dv_array_grow(&s->versions, &s->capversions, s->nversions, sizeof(*s->versions), 64) !=
	        DV_OK ||
	    dv_array_grow(&k->versions, &k->cap, k->nversions, sizeof(*k->versions), 4) != DV_OK)
		return DV_ENOMEM;
	roll_version_t *v = &s->versions[s->nversions];
	memset(v, 0, sizeof(*v));
	v->rrkey = rrkey;
	v->absent = absent;
	v->set.n = n;
	v->set.nsig = nsig;
	v->hash = h;
	v->first_seen = v->last_seen = time;
	v->bloblen = (uint32_t)s->blob.len;
	v->blob = dv_arena_dup(&s->arena, s->blob.data, s->blob.len);
	if (v->blob == NULL || version_views(s, v) != DV_OK ||
	    roll_index_add(&s->version_index, h, (uint32_t)s->nversions) != DV_OK)
		return DV_ENOMEM;
	k->versions[k->nversions++] = (uint32_t)s->nversions;
	*out = (uint32_t)s->nversions++;
	return DV_OK;
}

/* ---- observations -------------------------------------------------------------- */

static int epoch_add(roll_server_t *sv, int64_t time)
{
	if (sv->nepochs > 0 && sv->epochs[sv->nepochs - 1] == time)
		return DV_OK;
	if (sv->nepochs > 0 && sv->epochs[sv->nepochs - 1] > time)
		return DV_EINVAL; /* a server's observations come in time order */
	if (dv_array_grow(&sv->epochs, &sv->capepochs, sv->nepochs, sizeof(*sv->epochs), 64) !=
	    DV_OK)
		return DV_ENOMEM;
	sv->epochs[sv->nepochs++] = time;
	return DV_OK;
}

static int stream_get(dv_roll_series_t *s, uint32_t server, uint32_t rrkey, bool sampled,
                      roll_stream_t **out)
{
	roll_server_t *sv = &s->servers[server];
	if (rrkey >= sv->nstream_of) {
		size_t n = s->nrrkeys > rrkey ? s->nrrkeys : rrkey + 1;
		n += 8;
		uint32_t *m = realloc(sv->stream_of, n * sizeof(*m));
		if (m == NULL)
			return DV_ENOMEM;
		for (size_t i = sv->nstream_of; i < n; i++)
			m[i] = ROLL_NONE;
		sv->stream_of = m;
		sv->nstream_of = n;
	}
	if (sv->stream_of[rrkey] == ROLL_NONE) {
		if (dv_array_grow(&s->streams, &s->capstreams, s->nstreams, sizeof(*s->streams),
		                  16) != DV_OK)
			return DV_ENOMEM;
		s->streams[s->nstreams] =
		    (roll_stream_t){.server = server, .rrkey = rrkey, .sampled = sampled};
		sv->stream_of[rrkey] = (uint32_t)s->nstreams++;
	}
	roll_stream_t *st = &s->streams[sv->stream_of[rrkey]];
	/* Asked every time once asked on purpose: a tracked observation wins. */
	if (!sampled)
		st->sampled = false;
	*out = st;
	return DV_OK;
}

static int run_add(roll_stream_t *st, uint32_t version, uint32_t ttl, int64_t time, bool exact)
{
	if (st->nruns > 0) {
		roll_run_t *last = &st->runs[st->nruns - 1];
		if (time < last->last)
			return DV_EINVAL;
		if (last->version == version && !exact && !last->exact) {
			last->last = time;
			if (ttl > last->ttl)
				last->ttl = ttl;
			return DV_OK;
		}
	}
	if (dv_array_grow(&st->runs, &st->cap, st->nruns, sizeof(*st->runs), 4) != DV_OK)
		return DV_ENOMEM;
	st->runs[st->nruns++] = (roll_run_t){
	    .version = version, .ttl = ttl, .first = time, .last = time, .exact = exact};
	return DV_OK;
}

static int check_side(const dv_roll_series_t *s, uint32_t server, uint16_t type)
{
	if (server >= s->nservers)
		return DV_EINVAL;
	/* DS lives on the parent side of the cut (RFC 4035 §2.4), the rest on the child's. */
	bool parent = s->servers[server].side == DV_ROLL_PARENT;
	return parent == (type == KNOT_RRTYPE_DS) ? DV_OK : DV_EINVAL;
}

/* Whether the series' last run of the stream already holds this identity. */
static bool same_as_last(const dv_roll_series_t *s, const roll_stream_t *st)
{
	if (st->nruns == 0)
		return false;
	uint32_t v = st->runs[st->nruns - 1].version;
	if (v == ROLL_NONE)
		return false;
	const roll_version_t *x = &s->versions[v];
	return x->bloblen == s->blob.len && memcmp(x->blob, s->blob.data, s->blob.len) == 0;
}

static void span_note(dv_roll_series_t *s, int64_t time)
{
	/* A check ran before: the next one derives again what depends on this. */
	s->finalized = false;
	s->observations++;
	if (time < s->first)
		s->first = time;
	if (time > s->last)
		s->last = time;
}

int dv_roll_series_observe(dv_roll_series_t *s, uint32_t server, int64_t time,
                           const dv_roll_rrset_t *rr)
{
	if (s->has_candidate || time == DV_ROLL_OPEN || time == DV_ROLL_START)
		return DV_EINVAL;
	int r = check_side(s, server, rr->type);
	if (r != DV_OK)
		return r;
	if (knot_dname_in_bailiwick(rr->owner, s->zone) < 0)
		return DV_EINVAL;
	uint32_t rrkey, version;
	uint16_t n, nsig;
	roll_stream_t *st;
	if ((r = roll_rrkey_get(s, rr->owner, rr->type, true, &rrkey)) != DV_OK ||
	    (r = blob_build(s, rr, &n, &nsig)) != DV_OK ||
	    (r = stream_get(s, server, rrkey, rr->sampled, &st)) != DV_OK)
		return r;
	if (same_as_last(s, st)) {
		version = st->runs[st->nruns - 1].version;
	} else if ((r = version_get(s, rrkey, rr->absent, n, nsig, time, &version)) != DV_OK) {
		return r;
	}
	roll_version_t *v = &s->versions[version];
	if (rr->ttl > v->ttl)
		v->ttl = rr->ttl;
	if (time > v->last_seen)
		v->last_seen = time;
	if ((r = epoch_add(&s->servers[server], time)) != DV_OK ||
	    (r = run_add(st, version, rr->ttl, time, false)) != DV_OK)
		return r;
	span_note(s, time);
	return DV_OK;
}

int dv_roll_series_unanswered(dv_roll_series_t *s, uint32_t server, int64_t time,
                              const uint8_t *owner, uint16_t type)
{
	if (s->has_candidate || time == DV_ROLL_OPEN || time == DV_ROLL_START)
		return DV_EINVAL;
	int r = check_side(s, server, type);
	if (r != DV_OK)
		return r;
	if (knot_dname_in_bailiwick(owner, s->zone) < 0)
		return DV_EINVAL;
	uint32_t rrkey;
	roll_stream_t *st;
	if ((r = roll_rrkey_get(s, owner, type, true, &rrkey)) != DV_OK ||
	    (r = stream_get(s, server, rrkey, false, &st)) != DV_OK ||
	    (r = epoch_add(&s->servers[server], time)) != DV_OK ||
	    (r = run_add(st, ROLL_NONE, 0, time, false)) != DV_OK)
		return r;
	span_note(s, time);
	return DV_OK;
}

/* One candidate RRset, served from `time` by every server of `side`. */
static int candidate_add(dv_roll_series_t *s, const dv_roll_rrset_t *rr, int64_t time,
                         dv_roll_side_t side)
{
	uint32_t rrkey, version;
	uint16_t cn, cnsig;
	int r;
	if ((r = roll_rrkey_get(s, rr->owner, rr->type, true, &rrkey)) != DV_OK ||
	    (r = blob_build(s, rr, &cn, &cnsig)) != DV_OK ||
	    (r = version_get(s, rrkey, rr->absent, cn, cnsig, time, &version)) != DV_OK)
		return r;
	roll_version_t *v = &s->versions[version];
	v->candidate = true;
	if (rr->ttl > v->ttl)
		v->ttl = rr->ttl;
	for (uint32_t sv = 0; sv < s->nservers; sv++) {
		if (s->servers[sv].side != side)
			continue;
		roll_stream_t *st;
		if ((r = stream_get(s, sv, rrkey, false, &st)) != DV_OK ||
		    (r = run_add(st, version, rr->ttl, time, true)) != DV_OK)
			return r;
	}
	return DV_OK;
}

int dv_roll_series_candidate(dv_roll_series_t *s, int64_t time, int64_t propagation,
                             const dv_roll_rrset_t *rrs, size_t n)
{
	if (s->child_candidate || time == DV_ROLL_OPEN || time == DV_ROLL_START ||
	    propagation < 0 || time < s->last)
		return DV_EINVAL;
	size_t nchild = 0;
	for (size_t i = 0; i < s->nservers; i++)
		nchild += s->servers[i].side == DV_ROLL_CHILD;
	if (nchild == 0)
		return DV_EINVAL;
	for (size_t i = 0; i < n; i++) {
		const dv_roll_rrset_t *rr = &rrs[i];
		if (rr->type == KNOT_RRTYPE_DS || knot_dname_in_bailiwick(rr->owner, s->zone) < 0)
			return DV_EINVAL;
		int r = candidate_add(s, rr, time, DV_ROLL_CHILD);
		if (r != DV_OK)
			return r;
	}
	s->finalized = false;
	s->has_candidate = s->child_candidate = true;
	s->candidate_time = time;
	s->candidate_prop = propagation;
	return DV_OK;
}

int dv_roll_series_candidate_ds(dv_roll_series_t *s, int64_t time, int64_t propagation,
                                const dv_roll_rrset_t *ds)
{
	if (s->parent_candidate || time == DV_ROLL_OPEN || time == DV_ROLL_START ||
	    propagation < 0 || time < s->last || ds->type != KNOT_RRTYPE_DS ||
	    !knot_dname_is_equal(ds->owner, s->zone))
		return DV_EINVAL;
	size_t nparent = 0;
	for (size_t i = 0; i < s->nservers; i++)
		nparent += s->servers[i].side == DV_ROLL_PARENT;
	if (nparent == 0)
		return DV_EINVAL; /* no parent server observed: nobody to serve it */
	int r = candidate_add(s, ds, time, DV_ROLL_PARENT);
	if (r != DV_OK)
		return r;
	s->finalized = false;
	s->has_candidate = s->parent_candidate = true;
	s->candidate_ds_time = time;
	s->candidate_ds_prop = propagation;
	return DV_OK;
}
