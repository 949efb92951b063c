/*
 * Where a rollover stands at `now`: the state every server serves, the next
 * step of a rollover in progress with its earliest safe time, and stuck
 * detection.  A next step is safe once every cached version it would
 * conflict with has left the caches: its earliest time is the end of the
 * last such version's cache window, taken from the observations (RFC 7583's
 * intervals, measured instead of configured).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "rollover/rollover_int.h"

/* The state served at now. */
typedef struct {
	dv_roll_series_t *s;
	const dv_roll_check_opts_t *o;
	dv_roll_result_t *r;
	int64_t now;
	uint32_t rk_dnskey, rk_ds, rk_soa, rk_cds, rk_cdnskey;
	bool *kcur;      /* per key: in a DNSKEY RRset served now */
	bool *ksigns_k;  /* per key: signs a DNSKEY RRset served now */
	bool *ksigns_d;  /* per key: signs every SOA served now */
	bool *kever_d;   /* per key: ever signed data */
	bool *kever_k;   /* per key: ever signed a DNSKEY RRset */
	int64_t *kfirst; /* per key: first time it may have been published */
	int64_t *klast;  /* per key: last time it may have been published */
	bool *dcur;      /* per DS record: in a DS RRset served now */
	bool roll_alg;   /* an algorithm rollover is in progress */
} state_t;

static bool cur(const state_t *st, const roll_version_t *v)
{
	return roll_served_at(v, st->now);
}

/* ---- findings -------------------------------------------------------------------- */

int roll_finding(dv_findings_t *list, dv_code_t code, const dv_roll_series_t *s,
                 const uint8_t *owner, uint16_t type, int32_t keytag, uint8_t alg, int64_t time,
                 int64_t now, const char *fmt, ...)
{
	dv_evidence_t e = {.zone = s->zone,
	                   .owner = owner,
	                   .type = type,
	                   .algorithm = alg,
	                   .has_keytag = keytag >= 0,
	                   .keytag = keytag >= 0 ? (uint16_t)keytag : 0};
	if (time != 0 && time != DV_ROLL_OPEN && time != DV_ROLL_START) {
		e.time = time;
		e.seconds_left = time - now;
	}
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return dv_findings_add(list, code, &e, "%s", detail);
}

/* ---- next steps ------------------------------------------------------------------- */

static void fmt_time(int64_t t, char *buf, size_t len)
{
	if (t == DV_ROLL_OPEN)
		snprintf(buf, len, "never (still served)");
	else
		dv_time_format(t, buf, len);
}

typedef bool (*pred_t)(const state_t *st, const roll_version_t *v, const void *ctx);

#define ALL_DATA (UINT32_MAX - 1) /* drain(): every RRset but DNSKEY and DS */

/*
 * When the last version of rrkey `rk` (ALL_DATA: every data RRset) that
 * satisfies pred leaves the caches: DV_ROLL_OPEN when one is still served,
 * `now` when none is cached any more.  *why explains it.
 */
static int64_t drain(const state_t *st, uint32_t rk, pred_t pred, const void *ctx, char *why,
                     size_t whylen)
{
	const dv_roll_series_t *s = st->s;
	int64_t best = st->now;
	int32_t which = -1;
	bool served = false;
	for (size_t i = 0; rk != ROLL_NONE && i < s->nversions; i++) {
		const roll_version_t *v = &s->versions[i];
		uint16_t t = s->rrkeys[v->rrkey].type;
		if (rk != ALL_DATA ? v->rrkey != rk
		                   : (t == KNOT_RRTYPE_DNSKEY || t == KNOT_RRTYPE_DS || v->absent))
			continue;
		if (v->candidate || !pred(st, v, ctx))
			continue;
		int64_t end = roll_cached_end(v);
		if (cur(st, v) || end == DV_ROLL_OPEN) {
			if (!served)
				which = (int32_t)i;
			served = true;
			best = DV_ROLL_OPEN;
			continue;
		}
		if (!served && end > best) {
			best = end;
			which = (int32_t)i;
		}
	}
	char d[200];
	if (which < 0) {
		snprintf(why, whylen, "no such version is cached any more");
		return st->now;
	}
	const roll_version_t *v = &s->versions[which];
	dv_roll_version_describe(s, which, d, sizeof(d));
	if (best == DV_ROLL_OPEN) {
		snprintf(why, whylen, "%s is still served", d);
	} else {
		char a[40], b[40];
		fmt_time(roll_served_end(v), a, sizeof(a));
		fmt_time(best, b, sizeof(b));
		snprintf(why, whylen,
		         "%s, last possibly served %s with TTL %u s, may be cached until %s", d, a,
		         v->ttl, b);
	}
	return best;
}

static int next_add(state_t *st, dv_roll_phase_t phase, int32_t keytag, int64_t earliest,
                    const char *formula, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int next_add(state_t *st, dv_roll_phase_t phase, int32_t keytag, int64_t earliest,
                    const char *formula, const char *fmt, ...)
{
	dv_roll_result_t *r = st->r;
	if (r->nnext >= 16)
		return DV_OK;
	dv_roll_next_t *n = realloc(r->next, (r->nnext + 1) * sizeof(*n));
	if (n == NULL)
		return DV_ENOMEM;
	r->next = n;
	dv_roll_next_t *x = &n[r->nnext++];
	memset(x, 0, sizeof(*x));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->action, sizeof(x->action), fmt, ap);
	va_end(ap);
	x->earliest = earliest < st->now ? st->now : earliest;
	x->keytag = keytag;
	x->phase = phase;
	snprintf(x->formula, sizeof(x->formula), "%s", formula);
	return DV_OK;
}

/* What a next step waits for: the versions of rrkey rk matching pred have
 * left the caches. */
typedef struct {
	uint32_t rk;
	pred_t pred;
	const void *ctx;
} cond_t;

/* Add a next step, safe once every condition holds. */
static int next_after(state_t *st, dv_roll_phase_t phase, int32_t keytag, const cond_t *c, size_t n,
                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int next_after(state_t *st, dv_roll_phase_t phase, int32_t keytag, const cond_t *c, size_t n,
                      const char *fmt, ...)
{
	char why[400] = "", w[400], action[256];
	int64_t best = DV_ROLL_START;
	for (size_t i = 0; i < n; i++) {
		int64_t t = drain(st, c[i].rk, c[i].pred, c[i].ctx, w, sizeof(w));
		if (t > best) {
			best = t;
			memcpy(why, w, sizeof(why));
		}
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(action, sizeof(action), fmt, ap);
	va_end(ap);
	return next_add(st, phase, keytag, best, why, "%s", action);
}

/* Predicates: the context is a key index (or DS record index) as uint32_t. */
static bool lacks_key(const state_t *st, const roll_version_t *v, const void *ctx)
{
	(void)st;
	return !v->absent && !roll_version_has_key(v, *(const uint32_t *)ctx);
}

static bool has_sig_by(const roll_version_t *v, uint32_t key)
{
	for (uint16_t i = 0; v->sigs != NULL && i < v->set.nsig; i++)
		if (v->sigs[i].key == (int32_t)key)
			return true;
	return false;
}

static bool unsigned_by(const state_t *st, const roll_version_t *v, const void *ctx)
{
	(void)st;
	return !has_sig_by(v, *(const uint32_t *)ctx);
}

/* Data versions signed by key x and by no other key published now. */
static bool relies_on(const state_t *st, const roll_version_t *v, const void *ctx)
{
	uint32_t x = *(const uint32_t *)ctx;
	if (!has_sig_by(v, x))
		return false;
	for (uint16_t i = 0; v->sigs != NULL && i < v->set.nsig; i++) {
		int32_t k = v->sigs[i].key;
		if (k >= 0 && (uint32_t)k != x && st->kcur[k])
			return false;
	}
	return true;
}

/* Whether DS version v holds a usable DS record d with match(d, arg). */
static bool ds_any(const state_t *st, const roll_version_t *v,
                   bool (*match)(const state_t *, uint32_t, uint32_t), uint32_t arg)
{
	for (uint16_t i = 0; !v->absent && i < v->nmembers; i++)
		if (st->s->dsrecs[v->members[i]].usable && match(st, v->members[i], arg))
			return true;
	return false;
}

/* DS record d matches a key other than x that signs the DNSKEY RRset now. */
static bool matches_other_signer(const state_t *st, uint32_t d, uint32_t x)
{
	const dv_roll_series_t *s = st->s;
	for (size_t k = 0; k < s->nkeys; k++)
		if (k != x && st->ksigns_k[k] && s->ds_match[d * s->nkeys + k])
			return true;
	return false;
}

/* DS record d is record x (high bit set), or matches key x. */
static bool is_or_matches(const state_t *st, uint32_t d, uint32_t x)
{
	if (x & 0x80000000u)
		return d == (x & 0x7fffffffu);
	return st->s->ds_match[d * st->s->nkeys + x];
}

static bool of_alg(const state_t *st, uint32_t d, uint32_t alg)
{
	return st->s->dsrecs[d].alg == alg;
}

/* DS versions with no usable record matching a key (other than x) that signs now. */
static bool ds_relies_on(const state_t *st, const roll_version_t *v, const void *ctx)
{
	return roll_ds_secure(st->s, v) &&
	       !ds_any(st, v, matches_other_signer, *(const uint32_t *)ctx);
}

/* DS versions without a usable record for key x (or DS record x when ctx
 * points at a DS index with the high bit set). */
static bool ds_lacks(const state_t *st, const roll_version_t *v, const void *ctx)
{
	return !ds_any(st, v, is_or_matches, *(const uint32_t *)ctx);
}

/* DNSKEY versions signed by no key that a DS record other than ctx matches. */
static bool k_relies_on_ds(const state_t *st, const roll_version_t *v, const void *ctx)
{
	uint32_t d0 = *(const uint32_t *)ctx;
	const dv_roll_series_t *s = st->s;
	if (v->absent)
		return false;
	for (uint16_t i = 0; v->sigs != NULL && i < v->set.nsig; i++) {
		int32_t k = v->sigs[i].key;
		if (k < 0)
			continue;
		for (size_t d = 0; d < s->ndsrecs; d++)
			if (d != d0 && st->dcur[d] && s->dsrecs[d].usable &&
			    s->ds_match[d * s->nkeys + (size_t)k])
				return false;
	}
	return true;
}

/* Data versions without a signature of algorithm *ctx (claimed by the RRSIG). */
static bool lacks_alg_sig(const state_t *st, const roll_version_t *v, const void *ctx)
{
	(void)st;
	uint8_t a = *(const uint8_t *)ctx;
	for (uint16_t i = 0; v->sigs != NULL && i < v->set.nsig; i++)
		if (v->sigs[i].alg == a)
			return false;
	return true;
}

static bool lacks_alg_key(const state_t *st, const roll_version_t *v, const void *ctx)
{
	uint8_t a = *(const uint8_t *)ctx;
	if (v->absent)
		return false;
	for (uint16_t i = 0; i < v->nmembers; i++)
		if (st->s->keys[v->members[i]].alg == a)
			return false;
	return true;
}

static bool has_alg_key(const state_t *st, const roll_version_t *v, const void *ctx)
{
	return !v->absent && !lacks_alg_key(st, v, ctx);
}

static bool has_alg_ds(const state_t *st, const roll_version_t *v, const void *ctx)
{
	return ds_any(st, v, of_alg, *(const uint8_t *)ctx);
}

/* ---- the state now ------------------------------------------------------------------ */

static int state_build(state_t *st)
{
	dv_roll_series_t *s = st->s;
	size_t nk = s->nkeys ? s->nkeys : 1, nd = s->ndsrecs ? s->ndsrecs : 1;
	st->kcur = calloc(nk, sizeof(bool));
	st->ksigns_k = calloc(nk, sizeof(bool));
	st->ksigns_d = calloc(nk, sizeof(bool));
	st->kever_d = calloc(nk, sizeof(bool));
	st->kever_k = calloc(nk, sizeof(bool));
	st->kfirst = malloc(nk * sizeof(int64_t));
	st->klast = malloc(nk * sizeof(int64_t));
	st->dcur = calloc(nd, sizeof(bool));
	if (!st->kcur || !st->ksigns_k || !st->ksigns_d || !st->kever_d || !st->kever_k ||
	    !st->kfirst || !st->klast || !st->dcur)
		return DV_ENOMEM;
	for (size_t k = 0; k < nk; k++) {
		st->kfirst[k] = DV_ROLL_OPEN;
		st->klast[k] = DV_ROLL_START;
	}
	bool soa_seen = false;
	for (size_t k = 0; k < s->nkeys; k++)
		st->ksigns_d[k] = true;
	for (size_t i = 0; i < s->nversions; i++) {
		const roll_version_t *v = &s->versions[i];
		if (v->candidate)
			continue;
		bool now = cur(st, v);
		if (v->rrkey == st->rk_dnskey) {
			for (uint16_t j = 0; j < v->nmembers; j++) {
				uint32_t k = v->members[j];
				st->kcur[k] |= now;
				if (v->nserved && v->served[0].start < st->kfirst[k])
					st->kfirst[k] = v->served[0].start;
				if (roll_served_end(v) > st->klast[k])
					st->klast[k] = roll_served_end(v);
			}
			for (uint16_t j = 0; v->sigs != NULL && j < v->set.nsig; j++) {
				int32_t k = v->sigs[j].key;
				if (k < 0)
					continue;
				st->kever_k[k] = true;
				if (now && roll_sig_valid(v, j, st->now))
					st->ksigns_k[k] = true;
			}
		} else if (v->rrkey == st->rk_ds) {
			for (uint16_t j = 0; now && j < v->nmembers; j++)
				st->dcur[v->members[j]] = true;
		} else if (!v->absent) {
			for (uint16_t j = 0; v->sigs != NULL && j < v->set.nsig; j++)
				if (v->sigs[j].key >= 0)
					st->kever_d[v->sigs[j].key] = true;
			if (v->rrkey == st->rk_soa && now) {
				soa_seen = true;
				for (size_t k = 0; k < s->nkeys; k++) {
					bool by = false;
					for (uint16_t j = 0; v->sigs != NULL && j < v->set.nsig;
					     j++)
						by |= v->sigs[j].key == (int32_t)k &&
						      roll_sig_valid(v, j, st->now);
					st->ksigns_d[k] &= by;
				}
			}
		}
	}
	if (!soa_seen)
		for (size_t k = 0; k < s->nkeys; k++)
			st->ksigns_d[k] = false;
	return DV_OK;
}

static void state_free(state_t *st)
{
	free(st->kcur);
	free(st->ksigns_k);
	free(st->ksigns_d);
	free(st->kever_d);
	free(st->kever_k);
	free(st->kfirst);
	free(st->klast);
	free(st->dcur);
}

static bool key_has_ds(const state_t *st, uint32_t k)
{
	const dv_roll_series_t *s = st->s;
	for (size_t d = 0; d < s->ndsrecs; d++)
		if (st->dcur[d] && s->dsrecs[d].usable && s->ds_match[d * s->nkeys + k])
			return true;
	return false;
}

/* ---- algorithm rollovers (RFC 6781 §4.1.4) ----------------------------------------- */

static int algorithm_steps(state_t *st)
{
	dv_roll_series_t *s = st->s;
	uint8_t kalgs[8], salgs[8];
	size_t nka = 0, nsa = 0;
	int64_t afirst[256];
	for (int a = 0; a < 256; a++)
		afirst[a] = DV_ROLL_OPEN;
	for (size_t k = 0; k < s->nkeys; k++) {
		uint8_t a = s->keys[k].alg;
		if (st->kfirst[k] < afirst[a])
			afirst[a] = st->kfirst[k];
		if (!st->kcur[k] || !(s->keys[k].flags & DV_DNSKEY_FLAG_ZONE))
			continue;
		bool seen = false;
		for (size_t i = 0; i < nka; i++)
			seen |= kalgs[i] == a;
		if (!seen && nka < 8)
			kalgs[nka++] = a;
	}
	for (size_t i = 0; i < s->nversions; i++) {
		const roll_version_t *v = &s->versions[i];
		if (v->rrkey != st->rk_soa || v->candidate || v->absent || !cur(st, v))
			continue;
		for (uint16_t j = 0; v->sigs != NULL && j < v->set.nsig; j++) {
			bool seen = false;
			for (size_t m = 0; m < nsa; m++)
				seen |= salgs[m] == v->sigs[j].alg;
			if (!seen && nsa < 8)
				salgs[nsa++] = v->sigs[j].alg;
		}
	}
	int r = DV_OK;
	/* Signatures of an algorithm without its keys: step 1 done (new) or
	 * the last step pending (old keys gone, old signatures left). */
	for (size_t i = 0; i < nsa && r == DV_OK; i++) {
		uint8_t a = salgs[i];
		bool published = false;
		for (size_t m = 0; m < nka; m++)
			published |= kalgs[m] == a;
		if (published)
			continue;
		st->roll_alg = true;
		if (afirst[a] == DV_ROLL_OPEN) {
			r = next_after(
			    st, DV_ROLL_PHASE_ALG_SIGNED, -1,
			    &(cond_t){ALL_DATA, lacks_alg_sig, &a}, 1,
			    "algorithm rollover (RFC 6781 §4.1.4): publish the DNSKEYs of "
			    "algorithm %u once no data without its signatures is cached",
			    a);
		} else {
			r = next_after(
			    st, DV_ROLL_PHASE_ALG_CLEANUP, -1,
			    &(cond_t){st->rk_dnskey, has_alg_key, &a}, 1,
			    "algorithm rollover (RFC 6781 §4.1.4): remove the signatures of "
			    "algorithm %u (its keys are gone)",
			    a);
		}
	}
	if (nka < 2 || r != DV_OK)
		return r;
	st->roll_alg = true;
	uint8_t old = kalgs[0], nw = kalgs[1];
	if (afirst[nw] < afirst[old]) {
		old = kalgs[1];
		nw = kalgs[0];
	}
	bool ds_old = false, ds_new = false;
	for (size_t d = 0; d < s->ndsrecs; d++) {
		if (!st->dcur[d] || !s->dsrecs[d].usable)
			continue;
		ds_old |= s->dsrecs[d].alg == old;
		ds_new |= s->dsrecs[d].alg == nw;
	}
	if (ds_old && !ds_new) {
		return next_after(
		    st, DV_ROLL_PHASE_ALG_PUBLISHED, -1,
		    &(cond_t){st->rk_dnskey, lacks_alg_key, &nw}, 1,
		    "algorithm rollover (RFC 6781 §4.1.4): replace the DS of algorithm "
		    "%u by the DS of algorithm %u at the parent",
		    old, nw);
	}
	if (ds_new && !ds_old) {
		return next_after(st, DV_ROLL_PHASE_ALG_DS, -1,
		                  &(cond_t){st->rk_ds, has_alg_ds, &old}, 1,
		                  "algorithm rollover (RFC 6781 §4.1.4): remove the DNSKEYs of "
		                  "algorithm %u, keeping its signatures",
		                  old);
	}
	if (ds_new && ds_old)
		return next_add(
		    st, DV_ROLL_PHASE_ALG_DS, -1, st->now,
		    "both algorithms have a DS at the parent",
		    "algorithm rollover: ask the parent to remove the DS of algorithm %u", old);
	return DV_OK;
}

/* ---- key rollovers (RFC 7583 §3.2, §3.3) ------------------------------------------ */

static int key_steps(state_t *st)
{
	dv_roll_series_t *s = st->s;
	int r = DV_OK;
	for (uint32_t x = 0; x < s->nkeys && r == DV_OK; x++) {
		const roll_key_t *k = &s->keys[x];
		if (!st->kcur[x] || !(k->flags & DV_DNSKEY_FLAG_ZONE) ||
		    (k->flags & DV_DNSKEY_FLAG_REVOKE))
			continue;
		bool sep = k->flags & DV_DNSKEY_FLAG_SEP;
		if (!st->ksigns_k[x] && !st->ksigns_d[x]) {
			if (st->kever_d[x] || st->kever_k[x]) {
				/* Retired: nothing cached may still need it. */
				const cond_t c[] = {{ALL_DATA, relies_on, &x},
				                    {st->rk_ds, ds_relies_on, &x}};
				r = next_after(
				    st, sep ? DV_ROLL_PHASE_KSK_RETIRED : DV_ROLL_PHASE_ZSK_RETIRED,
				    k->tag, c, 2,
				    "remove the retired key %u from the DNSKEY RRset (RFC 7583: "
				    "Trem = Tret + Iret)",
				    k->tag);
			} else if (sep && key_has_ds(st, x)) {
				r = next_after(
				    st, DV_ROLL_PHASE_KSK_PUBLISHED, k->tag,
				    &(cond_t){st->rk_ds, ds_lacks, &x}, 1,
				    "double-DS KSK rollover (RFC 7583 §3.3.2): sign the DNSKEY "
				    "RRset with KSK %u instead of the old KSK",
				    k->tag);
			} else if (sep) {
				r = next_add(
				    st, DV_ROLL_PHASE_KSK_PUBLISHED, k->tag, st->now,
				    "adding a signature is always safe",
				    "new KSK %u is published: sign the DNSKEY RRset with it as "
				    "well (RFC 7583 §3.3.1), or submit its DS first (§3.3.2)",
				    k->tag);
			} else {
				r = next_after(
				    st, DV_ROLL_PHASE_ZSK_PUBLISHED, k->tag,
				    &(cond_t){st->rk_dnskey, lacks_key, &x}, 1,
				    "pre-publish ZSK rollover (RFC 7583 §3.2.1): sign the zone "
				    "with ZSK %u instead of the old ZSK (Tact >= Tpub + Ipub)",
				    k->tag);
			}
			continue;
		}
		/* A KSK signing the DNSKEY RRset without a DS: double-KSK.  (A ZSK
		 * may sign the DNSKEY RRset too: dnssec-signzone does by default.) */
		if (st->ksigns_k[x] && !key_has_ds(st, x) && st->rk_ds != ROLL_NONE &&
		    (sep || !st->ksigns_d[x])) {
			bool other = false;
			for (uint32_t y = 0; y < s->nkeys; y++)
				other |= y != x && st->ksigns_k[y] && key_has_ds(st, y);
			if (other) {
				r = next_after(
				    st, DV_ROLL_PHASE_KSK_READY, k->tag,
				    &(cond_t){st->rk_dnskey, unsigned_by, &x}, 1,
				    "double-KSK rollover (RFC 7583 §3.3.1): replace the DS at "
				    "the parent by the DS of KSK %u (Tsbm >= Tpub + IpubC)",
				    k->tag);
			}
		}
	}
	/* Two keys signing the data: double-signature ZSK rollover. */
	for (uint32_t x = 0; x < s->nkeys && r == DV_OK; x++) {
		if (!st->ksigns_d[x] || !st->kcur[x])
			continue;
		for (uint32_t y = 0; y < s->nkeys && r == DV_OK; y++) {
			if (y == x || !st->ksigns_d[y] || !st->kcur[y] ||
			    s->keys[y].alg != s->keys[x].alg || st->kfirst[y] <= st->kfirst[x])
				continue;
			const cond_t c[] = {{st->rk_dnskey, lacks_key, &y},
			                    {ALL_DATA, unsigned_by, &y}};
			r = next_after(
			    st, DV_ROLL_PHASE_ZSK_DOUBLE_SIGNED, s->keys[x].tag, c, 2,
			    "double-signature rollover (RFC 7583 §3.2.2): remove key %u and "
			    "its signatures, keeping %u",
			    s->keys[x].tag, s->keys[y].tag);
		}
	}
	/* Two KSKs with a DS each: the older one's DS goes first. */
	for (uint32_t x = 0; x < s->nkeys && r == DV_OK; x++) {
		if (!st->ksigns_k[x] || !key_has_ds(st, x))
			continue;
		for (uint32_t y = 0; y < s->nkeys && r == DV_OK; y++) {
			if (y == x || !st->ksigns_k[y] || !key_has_ds(st, y) ||
			    st->kfirst[y] <= st->kfirst[x] || st->ksigns_d[x] != st->ksigns_d[y])
				continue;
			r = next_after(
			    st, DV_ROLL_PHASE_DS_RETIRING, s->keys[x].tag,
			    &(cond_t){st->rk_dnskey, unsigned_by, &y}, 1,
			    "KSK rollover: ask the parent to remove the DS of the old KSK %u, "
			    "then remove the key once that DS has left the caches",
			    s->keys[x].tag);
		}
	}
	return r;
}

static int ds_steps(state_t *st)
{
	dv_roll_series_t *s = st->s;
	int r = DV_OK;
	bool chain = false;
	for (uint32_t k = 0; k < s->nkeys; k++)
		chain |= st->ksigns_k[k] && key_has_ds(st, k);
	for (uint32_t d = 0; d < s->ndsrecs && r == DV_OK; d++) {
		const roll_dsrec_t *rec = &s->dsrecs[d];
		if (!st->dcur[d] || !rec->usable)
			continue;
		int32_t match = -1;
		bool published = false;
		for (uint32_t k = 0; k < s->nkeys; k++) {
			if (!s->ds_match[d * s->nkeys + k])
				continue;
			match = (int32_t)k;
			published |= st->kcur[k];
		}
		if (!chain)
			continue; /* a broken chain: the bogus windows tell */
		if (!published && match >= 0) {
			r = next_add(
			    st, DV_ROLL_PHASE_DS_RETIRING, rec->tag, st->now,
			    "removing a DS that matches no key is safe",
			    "ask the parent to remove the DS of key %u: the key has left the "
			    "DNSKEY RRset",
			    rec->tag);
		} else if (!published) {
			uint32_t ctx = d | 0x80000000u;
			r = next_after(
			    st, DV_ROLL_PHASE_DS_PUBLISHED, rec->tag,
			    &(cond_t){st->rk_ds, ds_lacks, &ctx}, 1,
			    "double-DS KSK rollover (RFC 7583 §3.3.2): publish the KSK of DS "
			    "%u/%u and sign the DNSKEY RRset with it (Tact >= Tsbm + Dreg + "
			    "IpubP)",
			    rec->tag, rec->alg);
		} else if (!st->ksigns_k[match]) {
			r = next_after(
			    st, DV_ROLL_PHASE_DS_RETIRING, rec->tag,
			    &(cond_t){st->rk_dnskey, k_relies_on_ds, &d}, 1,
			    "ask the parent to remove the DS of key %u, which no longer signs "
			    "the DNSKEY RRset (RFC 7583 §3.3.2: Iret = DprpC + TTLkey)",
			    rec->tag);
		}
	}
	return r;
}

/* The rollover waits on something outside the signer since `since`. */
static void blocked(state_t *st, int64_t since, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void blocked(state_t *st, int64_t since, const char *fmt, ...)
{
	dv_roll_result_t *r = st->r;
	if (r->blocked_since != 0 && r->blocked_since <= since)
		return;
	r->blocked_since = since;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->blocked_why, sizeof(r->blocked_why), fmt, ap);
	va_end(ap);
}

/* ---- stuck detection -------------------------------------------------------------- */

/* The RRset version each server serves now for rrkey rk. */
static size_t current_per_server(const state_t *st, uint32_t rk, uint32_t *ver, int64_t *since,
                                 size_t cap)
{
	const dv_roll_series_t *s = st->s;
	size_t n = 0;
	for (size_t i = 0; i < s->nstreams && n < cap; i++) {
		if (s->streams[i].rrkey != rk)
			continue;
		uint32_t v = roll_stream_current(&s->streams[i], st->now, &since[n]);
		if (v != ROLL_NONE)
			ver[n++] = v;
	}
	return n;
}

static int split_check(state_t *st, uint32_t rk, dv_code_t code, const char *what)
{
	uint32_t ver[DV_ROLL_MAX_SERVERS];
	int64_t since[DV_ROLL_MAX_SERVERS];
	size_t n = current_per_server(st, rk, ver, since, DV_ROLL_MAX_SERVERS);
	bool differ = false;
	int64_t from = DV_ROLL_START;
	for (size_t i = 0; i < n; i++) {
		differ |= ver[i] != ver[0];
		if (since[i] > from)
			from = since[i];
	}
	if (!differ)
		return DV_OK;
	blocked(st, from, "%s disagree", what);
	if (st->now - from < st->o->stuck_after)
		return DV_OK;
	char a[200], b[200];
	size_t j = 1;
	while (j < n && ver[j] == ver[0])
		j++;
	dv_roll_version_describe(st->s, (int32_t)ver[0], a, sizeof(a));
	dv_roll_version_describe(st->s, (int32_t)ver[j], b, sizeof(b));
	char t[40];
	dv_time_format(from, t, sizeof(t));
	return roll_finding(&st->r->findings, code, st->s, st->s->zone, st->s->rrkeys[rk].type, -1,
	                    0, from, st->now, "%s disagree at least since %s: %s / %s", what, t, a,
	                    b);
}

/* Whether the DS RRset served now is the one the CDS/CDNSKEY version asks for. */
static bool cds_in_sync(const state_t *st, const roll_version_t *c, bool cdnskey, bool *del)
{
	const dv_roll_series_t *s = st->s;
	/* RFC 8078 §4: the delete forms. */
	static const uint8_t cds_del[] = {0, 0, 0, 0, 0}, cdnskey_del[] = {0, 0, 3, 0, 0};
	*del = c->set.n == 1 && c->set.rdlen[0] == 5 &&
	       memcmp(c->set.rd[0], cdnskey ? cdnskey_del : cds_del, 5) == 0;
	bool any_ds = false;
	for (size_t d = 0; d < s->ndsrecs; d++)
		any_ds |= st->dcur[d];
	if (*del)
		return !any_ds;
	/* Every requested record at the parent ... */
	for (uint16_t i = 0; i < c->set.n; i++) {
		bool found = false;
		for (size_t d = 0; d < s->ndsrecs && !found; d++) {
			if (!st->dcur[d])
				continue;
			const roll_dsrec_t *rec = &s->dsrecs[d];
			found = cdnskey
			            ? dv_ds_matches(s->zone, rec->rdata.rd, rec->rdata.len,
			                            c->set.rd[i], c->set.rdlen[i])
			            : rec->rdata.len == c->set.rdlen[i] &&
			                  memcmp(rec->rdata.rd, c->set.rd[i], rec->rdata.len) == 0;
		}
		if (!found)
			return false;
	}
	/* ... and nothing else (RFC 7344 §4.1: the parent publishes the CDS set). */
	for (size_t d = 0; d < s->ndsrecs; d++) {
		if (!st->dcur[d])
			continue;
		const roll_dsrec_t *rec = &s->dsrecs[d];
		bool wanted = false;
		for (uint16_t i = 0; i < c->set.n && !wanted; i++)
			wanted = cdnskey
			             ? dv_ds_matches(s->zone, rec->rdata.rd, rec->rdata.len,
			                             c->set.rd[i], c->set.rdlen[i])
			             : rec->rdata.len == c->set.rdlen[i] &&
			                   memcmp(rec->rdata.rd, c->set.rd[i], rec->rdata.len) == 0;
		if (!wanted)
			return false;
	}
	return true;
}

static int cds_check(state_t *st)
{
	dv_roll_series_t *s = st->s;
	if (st->rk_ds == ROLL_NONE)
		return DV_OK;
	int64_t since = DV_ROLL_OPEN;
	bool waiting = false, synced = false, del = false;
	for (size_t i = 0; i < s->nversions; i++) {
		const roll_version_t *v = &s->versions[i];
		bool isc = v->rrkey == st->rk_cds, isk = v->rrkey == st->rk_cdnskey;
		if ((!isc && !isk) || v->absent || v->candidate || !cur(st, v))
			continue;
		bool d;
		if (cds_in_sync(st, v, isk, &d)) {
			synced = true;
		} else {
			waiting = true;
			del |= d;
			if (v->first_seen < since)
				since = v->first_seen;
		}
	}
	if (!waiting || synced)
		return DV_OK;
	char t[40];
	dv_time_format(since, t, sizeof(t));
	int r = next_add(st, DV_ROLL_PHASE_DS_WAIT, -1, since,
	                 "the child asks for it; only the parent can act",
	                 "the parent should %s (CDS/CDNSKEY published since %s)",
	                 del ? "remove the DS RRset (RFC 8078 §4 delete request)"
	                     : "publish the DS RRset of the CDS/CDNSKEY (RFC 7344)",
	                 t);
	if (r != DV_OK)
		return r;
	blocked(st, since, "CDS/CDNSKEY published since %s, the parent's DS RRset differs", t);
	if (st->now - since < st->o->stuck_after)
		return r;
	int64_t hours = (st->now - since) / 3600;
	return roll_finding(&st->r->findings, DV_F_ROLLOVER_DS_NOT_UPDATED, s, s->zone,
	                    KNOT_RRTYPE_CDS, -1, 0, since, st->now,
	                    "CDS/CDNSKEY published since %s (%lld h ago), the parent's DS RRset "
	                    "still differs",
	                    t, (long long)hours);
}

static int stale_ds_check(state_t *st)
{
	dv_roll_series_t *s = st->s;
	bool chain = false;
	for (uint32_t k = 0; k < s->nkeys; k++)
		chain |= st->ksigns_k[k] && key_has_ds(st, k);
	if (!chain)
		return DV_OK;
	for (uint32_t d = 0; d < s->ndsrecs; d++) {
		if (!st->dcur[d])
			continue;
		int64_t gone = DV_ROLL_START;
		bool published = false, known = false;
		for (uint32_t k = 0; k < s->nkeys; k++) {
			if (!s->ds_match[d * s->nkeys + k])
				continue;
			known = true;
			published |= st->kcur[k];
			if (st->klast[k] > gone)
				gone = st->klast[k];
		}
		if (!known || published || gone == DV_ROLL_OPEN)
			continue;
		char t[40];
		dv_time_format(gone, t, sizeof(t));
		blocked(st, gone,
		        "DS %u/%u/%u still at the parent; its key left the DNSKEY RRset at %s",
		        s->dsrecs[d].tag, s->dsrecs[d].alg, s->dsrecs[d].digest, t);
		if (st->now - gone < st->o->stuck_after)
			continue;
		int r =
		    roll_finding(&st->r->findings, DV_F_ROLLOVER_STALE_DS, s, s->zone,
		                 KNOT_RRTYPE_DS, s->dsrecs[d].tag, s->dsrecs[d].alg, gone, st->now,
		                 "DS %u/%u/%u still at the parent; its key left the DNSKEY "
		                 "RRset at %s",
		                 s->dsrecs[d].tag, s->dsrecs[d].alg, s->dsrecs[d].digest, t);
		if (r != DV_OK)
			return r;
	}
	return DV_OK;
}

/* ---- entry -------------------------------------------------------------------------- */

const char *dv_roll_phase_name(dv_roll_phase_t p)
{
	static const char *const names[DV_ROLL_PHASE_COUNT] = {
	    "steady",        "algorithm-signed",  "algorithm-published",
	    "algorithm-ds",  "algorithm-cleanup", "ds-wait",
	    "ksk-ready",     "ds-published",      "ksk-published",
	    "ds-retiring",   "ksk-retired",       "zsk-double-signed",
	    "zsk-published", "zsk-retired",
	};
	return (unsigned)p < DV_ROLL_PHASE_COUNT ? names[p] : "?";
}

int roll_phase(dv_roll_series_t *s, const dv_roll_check_opts_t *o, dv_roll_result_t *r)
{
	state_t st = {.s = s, .o = o, .r = r, .now = o->now};
	st.rk_dnskey = st.rk_ds = st.rk_soa = st.rk_cds = st.rk_cdnskey = ROLL_NONE;
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_DNSKEY, false, &st.rk_dnskey);
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_DS, false, &st.rk_ds);
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_SOA, false, &st.rk_soa);
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_CDS, false, &st.rk_cds);
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_CDNSKEY, false, &st.rk_cdnskey);
	int ret = state_build(&st);
	if (ret == DV_OK)
		ret = algorithm_steps(&st);
	if (ret == DV_OK && !st.roll_alg)
		ret = key_steps(&st);
	if (ret == DV_OK && !st.roll_alg)
		ret = ds_steps(&st);
	if (ret == DV_OK)
		ret = cds_check(&st);
	if (ret == DV_OK)
		ret = stale_ds_check(&st);
	if (ret == DV_OK && st.rk_ds != ROLL_NONE)
		ret = split_check(&st, st.rk_ds, DV_F_ROLLOVER_PARENT_SPLIT, "parent servers");
	if (ret == DV_OK && st.rk_cds != ROLL_NONE)
		ret = split_check(&st, st.rk_cds, DV_F_ROLLOVER_CDS_SPLIT, "child servers' CDS");
	if (ret == DV_OK && st.rk_cdnskey != ROLL_NONE)
		ret = split_check(&st, st.rk_cdnskey, DV_F_ROLLOVER_CDS_SPLIT,
		                  "child servers' CDNSKEY");
	/* The phase: the first in dv_roll_phase_t's order of the pending steps. */
	r->phase_id = DV_ROLL_PHASE_STEADY;
	for (size_t i = 0; i < r->nnext; i++)
		if (r->phase_id == DV_ROLL_PHASE_STEADY || r->next[i].phase < r->phase_id)
			r->phase_id = r->next[i].phase;
	if (r->nnext == 0)
		snprintf(r->phase, sizeof(r->phase), "steady: no rollover in progress");
	else
		snprintf(r->phase, sizeof(r->phase), "%s in progress",
		         st.roll_alg ? "algorithm rollover" : "key rollover");
	state_free(&st);
	return ret;
}
