/*
 * The model check: at every event boundary (a version becoming or ceasing to
 * be possibly cached, a signature's inception or expiration) take every
 * combination of possibly-cached DS, DNSKEY and RRset versions and validate
 * it.  Between two boundaries nothing the verdict depends on changes, so the
 * evaluation is exact, not sampled.
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "rollover/rollover_int.h"

#define MAX_ALGS 8 /* distinct algorithms considered in one RRset */

/* ---- the rules ---------------------------------------------------------------------- */

static bool key_usable(const dv_roll_series_t *s, uint32_t k, bool for_dnskey)
{
	uint16_t f = s->keys[k].flags;
	if (!(f & DV_DNSKEY_FLAG_ZONE))
		return false;
	/* RFC 5011 §2.1: a revoked key signs only the DNSKEY RRset. */
	return for_dnskey || !(f & DV_DNSKEY_FLAG_REVOKE);
}

/* Algorithms of the usable zone keys of DNSKEY version k (RFC 4035 §2.2). */
static size_t key_algs(const dv_roll_series_t *s, const roll_version_t *k, bool for_dnskey,
                       uint8_t algs[MAX_ALGS])
{
	size_t n = 0;
	for (uint16_t i = 0; i < k->nmembers; i++) {
		uint32_t x = k->members[i];
		if (!key_usable(s, x, for_dnskey) || !dv_alg_supported(s->keys[x].alg))
			continue;
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen |= algs[j] == s->keys[x].alg;
		if (!seen && n < MAX_ALGS)
			algs[n++] = s->keys[x].alg;
	}
	return n;
}

/* Whether version r carries a signature valid at t by a key of DNSKEY version
 * k (of algorithm alg, 0 any; and, for DNSKEY, that key must be `only` when
 * only is not ROLL_NONE). */
static bool signed_by(const dv_roll_series_t *s, const roll_version_t *k, const roll_version_t *r,
                      int64_t t, uint8_t alg, uint32_t only, bool for_dnskey)
{
	for (uint16_t i = 0; r->sigs != NULL && i < r->set.nsig; i++) {
		if (!roll_sig_valid(r, i, t))
			continue;
		uint32_t x = (uint32_t)r->sigs[i].key;
		if ((alg != 0 && s->keys[x].alg != alg) || (only != ROLL_NONE && x != only))
			continue;
		if (key_usable(s, x, for_dnskey) && roll_version_has_key(k, x))
			return true;
	}
	return false;
}

bool roll_ds_secure(const dv_roll_series_t *s, const roll_version_t *ds)
{
	if (ds->absent)
		return false;
	/* RFC 4035 §5.2: with no DS of a supported algorithm and digest type the
	 * zone is treated as insecure. */
	for (uint16_t i = 0; i < ds->nmembers; i++)
		if (s->dsrecs[ds->members[i]].usable)
			return true;
	return false;
}

/* Whether some usable DS record of `ds` (of algorithm alg, 0 any) matches a
 * key of k that signs k at t. */
static bool ds_path(const dv_roll_series_t *s, const roll_version_t *ds, const roll_version_t *k,
                    int64_t t, uint8_t alg)
{
	for (uint16_t i = 0; i < ds->nmembers; i++) {
		uint32_t d = ds->members[i];
		const roll_dsrec_t *rec = &s->dsrecs[d];
		if (!rec->usable || (alg != 0 && rec->alg != alg))
			continue;
		for (uint16_t j = 0; j < k->nmembers; j++) {
			uint32_t x = k->members[j];
			if (s->ds_match[d * s->nkeys + x] && signed_by(s, k, k, t, 0, x, true))
				return true;
		}
	}
	return false;
}

bool roll_r1(const dv_roll_series_t *s, const roll_version_t *ds, const roll_version_t *k,
             int64_t t, bool *strict_ok)
{
	bool ok = !k->absent && ds_path(s, ds, k, t, 0);
	/* Strict: every algorithm the DS RRset signals must work (RFC 4035 §2.2
	 * as restated in RFC 6840 §5.11, which lets validators accept any one). */
	bool strict = ok;
	for (uint16_t i = 0; strict && i < ds->nmembers; i++) {
		const roll_dsrec_t *rec = &s->dsrecs[ds->members[i]];
		if (rec->usable && !ds_path(s, ds, k, t, rec->alg))
			strict = false;
	}
	*strict_ok = strict;
	return ok;
}

/* Whether r has a valid signature by a key of k (lenient), and one by a key
 * of every algorithm of k (strict, *strict_ok). */
static bool signed_by_keys(const dv_roll_series_t *s, const roll_version_t *k,
                           const roll_version_t *r, int64_t t, bool for_dnskey, bool *strict_ok)
{
	bool ok = signed_by(s, k, r, t, 0, ROLL_NONE, for_dnskey);
	*strict_ok = ok;
	uint8_t algs[MAX_ALGS];
	size_t na = ok ? key_algs(s, k, for_dnskey, algs) : 0;
	for (size_t i = 0; *strict_ok && i < na; i++)
		*strict_ok = signed_by(s, k, r, t, algs[i], ROLL_NONE, for_dnskey);
	return ok;
}

bool roll_r2(const dv_roll_series_t *s, const roll_version_t *k, int64_t t, bool *strict_ok)
{
	*strict_ok = false;
	return !k->absent && k->set.n > 0 && signed_by_keys(s, k, k, t, true, strict_ok);
}

bool roll_r3(const dv_roll_series_t *s, const roll_version_t *k, const roll_version_t *r, int64_t t,
             bool *strict_ok)
{
	return signed_by_keys(s, k, r, t, false, strict_ok);
}

/* ---- failures and their windows -------------------------------------------------- */

typedef struct {
	uint8_t rule;
	bool strict_only;
	int32_t ds, dnskey, rrset;
	int64_t start;
	uint32_t seen; /* the evaluation step it was last failing at */
} open_t;

typedef struct {
	dv_roll_series_t *s;
	const dv_roll_check_opts_t *o;
	dv_roll_result_t *r;
	open_t *open;
	size_t nopen, capopen;
	roll_index_t index; /* failure tuple hash -> open index */
	size_t capwindows;
	uint32_t step;
	int err;
} eval_t;

static uint64_t fail_hash(uint8_t rule, bool strict, int32_t ds, int32_t k, int32_t r)
{
	int32_t v[5] = {rule, strict, ds, k, r};
	return roll_hash(v, sizeof(v), 0x726f6c6c);
}

static void window_close(eval_t *e, const open_t *f, int64_t end)
{
	dv_roll_result_t *r = e->r;
	if (r->nwindows >= DV_ROLL_MAX_WINDOWS) {
		r->windows_dropped++;
		return;
	}
	if (dv_array_grow(&r->windows, &e->capwindows, r->nwindows, sizeof(*r->windows), 16) !=
	    DV_OK) {
		e->err = DV_ENOMEM;
		return;
	}
	dv_roll_window_t *w = &r->windows[r->nwindows++];
	memset(w, 0, sizeof(*w));
	w->start = f->start;
	w->end = end;
	w->rule = (dv_roll_rule_t)f->rule;
	w->strict_only = f->strict_only;
	w->ds = f->ds;
	w->dnskey = f->dnskey;
	w->rrset = f->rrset;
	const dv_roll_series_t *s = e->s;
	w->candidate = (f->ds >= 0 && s->versions[f->ds].candidate) ||
	               (f->dnskey >= 0 && s->versions[f->dnskey].candidate) ||
	               (f->rrset >= 0 && s->versions[f->rrset].candidate);
	char a[160] = "", b[160] = "";
	switch (w->rule) {
	case DV_ROLL_R1:
		dv_roll_version_describe(s, f->ds, a, sizeof(a));
		dv_roll_version_describe(s, f->dnskey, b, sizeof(b));
		snprintf(w->why, sizeof(w->why),
		         f->strict_only ? "%s: an algorithm it signals has no path into %s"
		                        : "%s matches no key that signs %s",
		         a, b);
		break;
	case DV_ROLL_R2:
		dv_roll_version_describe(s, f->dnskey, b, sizeof(b));
		snprintf(w->why, sizeof(w->why),
		         f->strict_only ? "%s is not signed with every algorithm of its keys"
		                        : "%s is missing or has no valid signature (missing, "
		                          "expired, not yet valid or bad) by a key of its own",
		         b);
		break;
	case DV_ROLL_R3:
		dv_roll_version_describe(s, f->rrset, a, sizeof(a));
		dv_roll_version_describe(s, f->dnskey, b, sizeof(b));
		snprintf(w->why, sizeof(w->why),
		         f->strict_only ? "%s lacks a signature of an algorithm of %s"
		                        : "%s has no valid signature (missing, expired, not yet "
		                          "valid or bad) by a key of %s",
		         a, b);
		break;
	}
}

static void fail_note(eval_t *e, int64_t t, uint8_t rule, bool strict_only, int32_t ds, int32_t k,
                      int32_t rr)
{
	if (e->err != DV_OK)
		return;
	const dv_roll_series_t *s = e->s;
	if (e->o->candidate_only &&
	    !((ds >= 0 && s->versions[ds].candidate) || (k >= 0 && s->versions[k].candidate) ||
	      (rr >= 0 && s->versions[rr].candidate)))
		return;
	uint64_t h = fail_hash(rule, strict_only, ds, k, rr);
	size_t pos = 0;
	for (uint32_t i; (i = roll_index_next(&e->index, h, &pos)) != ROLL_NONE;) {
		open_t *f = &e->open[i];
		if (f->rule == rule && f->strict_only == strict_only && f->ds == ds &&
		    f->dnskey == k && f->rrset == rr) {
			f->seen = e->step;
			return;
		}
	}
	if (dv_array_grow(&e->open, &e->capopen, e->nopen, sizeof(*e->open), 16) != DV_OK ||
	    roll_index_add(&e->index, h, (uint32_t)e->nopen) != DV_OK) {
		e->err = DV_ENOMEM;
		return;
	}
	e->open[e->nopen++] = (open_t){.rule = rule,
	                               .strict_only = strict_only,
	                               .ds = ds,
	                               .dnskey = k,
	                               .rrset = rr,
	                               .start = t,
	                               .seen = e->step};
}

/* Close the failures not seen at this step; compact the open list. */
static void fail_sweep(eval_t *e, int64_t t, bool all)
{
	size_t keep = 0;
	for (size_t i = 0; i < e->nopen; i++) {
		open_t *f = &e->open[i];
		if (!all && f->seen == e->step) {
			e->open[keep++] = *f;
			continue;
		}
		window_close(e, f, t);
	}
	e->nopen = keep;
	/* Rebuild the index of what stays open. */
	roll_index_free(&e->index);
	for (size_t i = 0; i < e->nopen && e->err == DV_OK; i++)
		if (roll_index_add(&e->index,
		                   fail_hash(e->open[i].rule, e->open[i].strict_only, e->open[i].ds,
		                             e->open[i].dnskey, e->open[i].rrset),
		                   (uint32_t)i) != DV_OK)
			e->err = DV_ENOMEM;
}

/* ---- evaluation ---------------------------------------------------------------------- */

static int cmp_i64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
	return a < b ? -1 : a > b;
}

static int events_collect(const dv_roll_series_t *s, int64_t from, int64_t horizon, int64_t **out,
                          size_t *nout)
{
	size_t n = 0, cap = 0;
	int64_t *ev = NULL;
#define PUSH(x)                                                                                    \
	do {                                                                                       \
		int64_t x_ = (x);                                                                  \
		if (x_ > from && x_ < horizon) {                                                   \
			if (dv_array_grow(&ev, &cap, n, sizeof(*ev), 256) != DV_OK) {              \
				free(ev);                                                          \
				return DV_ENOMEM;                                                  \
			}                                                                          \
			ev[n++] = x_;                                                              \
		}                                                                                  \
	} while (0)
	if (dv_array_grow(&ev, &cap, n, sizeof(*ev), 256) != DV_OK)
		return DV_ENOMEM;
	ev[n++] = from;
	for (size_t i = 0; i < s->nversions; i++) {
		const roll_version_t *v = &s->versions[i];
		if (v->ncached == 0)
			continue;
		for (size_t j = 0; j < v->ncached; j++) {
			PUSH(v->cached[j].start);
			PUSH(v->cached[j].end);
		}
		for (uint16_t j = 0; v->sigs != NULL && j < v->set.nsig; j++) {
			if (v->sigs[j].key < 0)
				continue;
			PUSH(v->sigs[j].inception);
			if (v->sigs[j].expiration < DV_ROLL_OPEN)
				PUSH(v->sigs[j].expiration + 1); /* valid through expiration */
		}
	}
#undef PUSH
	qsort(ev, n, sizeof(*ev), cmp_i64);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || ev[m - 1] != ev[i])
			ev[m++] = ev[i];
	*out = ev;
	*nout = m;
	return DV_OK;
}

/* The versions cached at the current instant, kept by a sweep over the
 * cached spans' starts and ends: each step touches only what changed. */
typedef struct {
	int64_t t;
	uint32_t v;
	int32_t delta; /* +1 a span starts, -1 one ends */
} edge_t;

typedef struct {
	edge_t *edges;
	size_t nedges, next;
	uint32_t *act; /* active versions */
	size_t nact;
	uint32_t *pos; /* per version: index in act, ROLL_NONE */
	uint32_t *cnt; /* per version: spans covering now */
} sweep_t;

static int edge_cmp(const void *pa, const void *pb)
{
	const edge_t *a = pa, *b = pb;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->delta - b->delta; /* ends before starts at one instant */
}

static int sweep_init(sweep_t *w, const dv_roll_series_t *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nversions; i++)
		n += 2 * s->versions[i].ncached;
	w->edges = malloc((n + 1) * sizeof(*w->edges));
	w->act = malloc((s->nversions + 1) * sizeof(*w->act));
	w->pos = malloc((s->nversions + 1) * sizeof(*w->pos));
	w->cnt = calloc(s->nversions + 1, sizeof(*w->cnt));
	if (w->edges == NULL || w->act == NULL || w->pos == NULL || w->cnt == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < s->nversions; i++) {
		const roll_version_t *v = &s->versions[i];
		w->pos[i] = ROLL_NONE;
		for (size_t j = 0; j < v->ncached; j++) {
			w->edges[w->nedges++] = (edge_t){v->cached[j].start, (uint32_t)i, +1};
			if (v->cached[j].end != DV_ROLL_OPEN)
				w->edges[w->nedges++] = (edge_t){v->cached[j].end, (uint32_t)i, -1};
		}
	}
	if (w->nedges > 1)
		qsort(w->edges, w->nedges, sizeof(*w->edges), edge_cmp);
	return DV_OK;
}

static void sweep_free(sweep_t *w)
{
	free(w->edges);
	free(w->act);
	free(w->pos);
	free(w->cnt);
}

/* Apply every span start and end up to t: [start, end) contains t. */
static void sweep_to(sweep_t *w, int64_t t)
{
	for (; w->next < w->nedges && w->edges[w->next].t <= t; w->next++) {
		const edge_t *x = &w->edges[w->next];
		if (x->delta > 0 && w->cnt[x->v]++ == 0) {
			w->pos[x->v] = (uint32_t)w->nact;
			w->act[w->nact++] = x->v;
		} else if (x->delta < 0 && w->cnt[x->v] > 0 && --w->cnt[x->v] == 0) {
			uint32_t p = w->pos[x->v], last = w->act[--w->nact];
			w->act[p] = last;
			w->pos[last] = p;
			w->pos[x->v] = ROLL_NONE;
		}
	}
}

static void evaluate_at(eval_t *e, const sweep_t *w, int64_t t, uint32_t dnskey_rk, uint32_t ds_rk,
                        uint32_t *K, uint32_t *D)
{
	dv_roll_series_t *s = e->s;
	size_t nk = 0, nd = 0;
	for (size_t i = 0; i < w->nact; i++) {
		uint32_t v = w->act[i], rk = s->versions[v].rrkey;
		if (rk == dnskey_rk)
			K[nk++] = v;
		else if (rk == ds_rk)
			D[nd++] = v;
	}
	bool secure = ds_rk == ROLL_NONE; /* parent not observed: judge as if secure */
	for (size_t i = 0; i < nd; i++)
		secure |= roll_ds_secure(s, &s->versions[D[i]]);
	if (!secure)
		return;
	for (size_t i = 0; i < w->nact; i++) {
		uint32_t r = w->act[i];
		const roll_version_t *rv = &s->versions[r];
		if (rv->rrkey == dnskey_rk || rv->rrkey == ds_rk || rv->absent)
			continue;
		for (size_t j = 0; j < nk; j++) {
			const roll_version_t *kv = &s->versions[K[j]];
			if (kv->absent)
				continue;
			bool strict;
			bool ok = roll_r3(s, kv, rv, t, &strict);
			if (!ok || !strict)
				fail_note(e, t, DV_ROLL_R3, ok, -1, (int32_t)K[j], (int32_t)r);
		}
	}
	for (size_t j = 0; j < nk; j++) {
		bool strict;
		bool ok = roll_r2(s, &s->versions[K[j]], t, &strict);
		if (!ok || !strict)
			fail_note(e, t, DV_ROLL_R2, ok, -1, (int32_t)K[j], -1);
		if (!ok)
			continue; /* R1 needs a signed DNSKEY RRset: R2 says it all */
		for (size_t i = 0; i < nd; i++) {
			const roll_version_t *dv = &s->versions[D[i]];
			if (!roll_ds_secure(s, dv))
				continue;
			bool ok1 = roll_r1(s, dv, &s->versions[K[j]], t, &strict);
			if (!ok1 || !strict)
				fail_note(e, t, DV_ROLL_R1, ok1, (int32_t)D[i], (int32_t)K[j], -1);
		}
	}
}

static int window_cmp(const void *pa, const void *pb)
{
	const dv_roll_window_t *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->strict_only != b->strict_only)
		return a->strict_only ? 1 : -1;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->dnskey != b->dnskey)
		return a->dnskey < b->dnskey ? -1 : 1;
	if (a->rrset != b->rrset)
		return a->rrset < b->rrset ? -1 : 1;
	return a->ds < b->ds ? -1 : a->ds > b->ds;
}

int roll_evaluate(dv_roll_series_t *s, const dv_roll_check_opts_t *o, dv_roll_result_t *r)
{
	uint32_t dnskey_rk = ROLL_NONE, ds_rk = ROLL_NONE;
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_DNSKEY, false, &dnskey_rk);
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_DS, false, &ds_rk);
	r->parent_observed = ds_rk != ROLL_NONE;
	int64_t from = o->from == DV_ROLL_START ? s->first : o->from;
	int64_t horizon = o->horizon;
	if (horizon == 0) {
		/* The last finite window end: what has been served plays out by then. */
		horizon = (s->last > o->now ? s->last : o->now) + 1;
		for (size_t i = 0; i < s->nversions; i++) {
			const roll_version_t *v = &s->versions[i];
			for (size_t j = 0; j < v->ncached; j++)
				if (v->cached[j].end != DV_ROLL_OPEN && v->cached[j].end > horizon)
					horizon = v->cached[j].end;
		}
	}
	r->from = from;
	r->horizon = horizon;
	int64_t *ev = NULL;
	size_t nev = 0;
	sweep_t w = {0};
	uint32_t *K = malloc((s->nversions + 1) * sizeof(*K));
	uint32_t *D = malloc((s->nversions + 1) * sizeof(*D));
	int ret = K && D ? sweep_init(&w, s) : DV_ENOMEM;
	if (ret == DV_OK)
		ret = events_collect(s, from, horizon, &ev, &nev);
	if (ret != DV_OK) {
		free(K);
		free(D);
		sweep_free(&w);
		return ret;
	}
	r->events = nev;
	eval_t e = {.s = s, .o = o, .r = r};
	for (size_t i = 0; i < nev && e.err == DV_OK; i++) {
		e.step = (uint32_t)i;
		sweep_to(&w, ev[i]);
		evaluate_at(&e, &w, ev[i], dnskey_rk, ds_rk, K, D);
		fail_sweep(&e, ev[i], false);
	}
	free(K);
	free(D);
	sweep_free(&w);
	/* What is still failing at the horizon stays open. */
	if (e.err == DV_OK)
		fail_sweep(&e, DV_ROLL_OPEN, true);
	free(ev);
	free(e.open);
	roll_index_free(&e.index);
	if (e.err != DV_OK)
		return e.err;
	if (r->nwindows > 1)
		qsort(r->windows, r->nwindows, sizeof(*r->windows), window_cmp);
	return DV_OK;
}
