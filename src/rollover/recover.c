/*
 * dnsvigil rollover recover: the fastest safe way back for the failure at
 * hand, from what is served and what caches may still hold (issue 14 §5).
 * doc/runbook.md explains each case.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "rollover/rollover_int.h"

const char *dv_roll_case_name(dv_roll_case_t c)
{
	static const char *const names[] = {"none", "expired-signatures", "ds-mismatch",
	                                    "key-removed-early", "go-insecure"};
	return (unsigned)c < 5 ? names[c] : "none";
}

static int64_t add(int64_t a, int64_t b)
{
	return a == DV_ROLL_OPEN || b == DV_ROLL_OPEN || a > DV_ROLL_OPEN - b ? DV_ROLL_OPEN
	                                                                      : a + b;
}

static void step(dv_roll_recovery_t *r, int64_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void step(dv_roll_recovery_t *r, int64_t at, const char *fmt, ...)
{
	if (r->nsteps >= DV_ROLL_MAX_RECOVER_STEPS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->steps[r->nsteps].what, sizeof(r->steps[0].what), fmt, ap);
	va_end(ap);
	r->steps[r->nsteps++].at = at;
}

/* Versions of rrkey rk served at t. */
static size_t served(const dv_roll_series_t *s, uint32_t rk, int64_t t, const roll_version_t **out,
                     size_t cap)
{
	size_t n = 0;
	if (rk == ROLL_NONE)
		return 0;
	const roll_rrkey_t *k = &s->rrkeys[rk];
	for (size_t i = 0; i < k->nversions && n < cap; i++) {
		const roll_version_t *v = &s->versions[k->versions[i]];
		if (!v->candidate && roll_served_at(v, t))
			out[n++] = v;
	}
	return n;
}

/* A served version whose signatures all lapsed (expired or not yet valid). */
static bool lapsed(const roll_version_t *v, int64_t now)
{
	if (v->absent || v->set.nsig == 0 || v->sigs == NULL)
		return false;
	bool verified = false;
	for (uint16_t i = 0; i < v->set.nsig; i++) {
		if (v->sigs[i].key < 0)
			continue;
		verified = true;
		if (roll_sig_valid(v, i, now))
			return false;
	}
	return verified;
}

/* The largest TTL of the DS RRsets served now (or ever), for the heal time. */
static int64_t ds_ttl(const dv_roll_series_t *s, uint32_t rk)
{
	int64_t t = 0;
	for (size_t i = 0; rk != ROLL_NONE && i < s->rrkeys[rk].nversions; i++) {
		const roll_version_t *v = &s->versions[s->rrkeys[rk].versions[i]];
		if (v->ttl > t)
			t = v->ttl;
	}
	return t;
}

static void case_expired(dv_roll_series_t *s, const dv_roll_recover_opts_t *o,
                         dv_roll_recovery_t *r, const roll_version_t *v)
{
	char d[200];
	dv_roll_version_describe(s, (int32_t)(v - s->versions), d, sizeof(d));
	r->kase = DV_ROLL_CASE_EXPIRED;
	snprintf(r->summary, sizeof(r->summary),
	         "the signatures of %s served now are expired or not yet valid: every validator "
	         "fails the zone",
	         d);
	step(r, o->now,
	     "re-sign the zone with the current keys (the keys are fine: do not roll them now), "
	     "then find out why automatic re-signing stopped (signer down, frozen zone, stuck "
	     "transfer, wrong clock)");
	step(r, add(o->now, o->dprp),
	     "the re-signed zone has reached every server (Dprp %lld s): check with `dnsvigil "
	     "check %s`",
	     (long long)o->dprp, s->zone_str);
	step(r, add(o->now, o->dprp),
	     "flush the zone from the resolvers you run (commands below): they dropped the "
	     "expired data and cached the failure only briefly, so this is optional");
	r->healed = add(o->now, o->dprp);
	r->unaided = DV_ROLL_OPEN;
	r->nta_until = r->healed;
}

static void case_ds(dv_roll_series_t *s, const dv_roll_recover_opts_t *o, dv_roll_recovery_t *r,
                    const dv_roll_window_t *w, uint32_t rk_ds)
{
	r->kase = DV_ROLL_CASE_DS_MISMATCH;
	const roll_version_t *dsv = &s->versions[w->ds];
	const roll_version_t *kv = w->dnskey >= 0 ? &s->versions[w->dnskey] : NULL;
	char dd[200], kd[200];
	dv_roll_version_describe(s, w->ds, dd, sizeof(dd));
	dv_roll_version_describe(s, w->dnskey, kd, sizeof(kd));
	snprintf(r->summary, sizeof(r->summary),
	         "%.150s matches no key that signs %.170s: resolvers holding that DS fail the zone",
	         dd, kd);
	r->unaided = w->end;
	/* A key the DS matches, seen in the history: publish it again. */
	int32_t key = -1;
	for (uint16_t i = 0; i < dsv->nmembers && key < 0; i++)
		for (size_t k = 0; k < s->nkeys && key < 0; k++)
			if (s->dsrecs[dsv->members[i]].usable &&
			    s->ds_match[dsv->members[i] * s->nkeys + k])
				key = (int32_t)k;
	int64_t tds = ds_ttl(s, rk_ds);
	int64_t via_parent =
	    add(add(add(o->now, o->dreg), o->dprp_parent), add(tds, o->serve_stale));
	if (key >= 0) {
		bool published = kv != NULL && roll_version_has_key(kv, (uint32_t)key);
		step(
		    r, o->now,
		    "%s key %u in the DNSKEY RRset and sign the DNSKEY RRset with it, beside the "
		    "current keys (its private key must still exist): the DS in caches works again",
		    published ? "keep" : "publish again", s->keys[key].tag);
		step(r, add(o->now, o->dprp),
		     "the DNSKEY RRset signed by key %u has reached every server (Dprp %lld s); "
		     "resolvers fetch it as soon as they drop the failure they cached",
		     s->keys[key].tag, (long long)o->dprp);
		r->healed = add(o->now, o->dprp);
		step(r, r->healed,
		     "then roll properly: `dnsvigil rollover plan` gives the timeline, `dnsvigil "
		     "rollover preflight` checks each signed zone before it is published");
	} else {
		step(
		    r, o->now,
		    "no key of the DS at the parent was ever seen: change the DS at the parent to "
		    "the "
		    "current KSK's (CDS/CDNSKEY, or through the registrar), or remove it (the zone "
		    "goes insecure)");
		step(r, add(add(o->now, o->dreg), o->dprp_parent),
		     "the parent serves the new DS (Dreg %lld s + DprpP %lld s)",
		     (long long)o->dreg, (long long)o->dprp_parent);
		r->healed = via_parent;
		step(r, via_parent,
		     "the old DS has left every cache (TTLds %lld s, serve-stale %lld s): healed",
		     (long long)tds, (long long)o->serve_stale);
	}
	if (r->unaided != DV_ROLL_OPEN && r->unaided <= r->healed) {
		r->nsteps = 0;
		step(r, o->now,
		     "the parent's DS already changed: the failure ends by itself when the old DS "
		     "leaves the caches; change nothing in the zone");
		r->healed = r->unaided;
	}
	r->nta_until = r->healed;
}

static void case_key(dv_roll_series_t *s, const dv_roll_recover_opts_t *o, dv_roll_recovery_t *r,
                     const dv_roll_window_t *w)
{
	r->kase = DV_ROLL_CASE_KEY_REMOVED;
	const roll_version_t *rv = &s->versions[w->rrset];
	const roll_version_t *kv = &s->versions[w->dnskey];
	char rd[200], kd[200];
	dv_roll_version_describe(s, w->rrset, rd, sizeof(rd));
	dv_roll_version_describe(s, w->dnskey, kd, sizeof(kd));
	snprintf(r->summary, sizeof(r->summary),
	         "%.170s is not signed by a key of %.170s: resolvers holding both fail it", rd, kd);
	r->unaided = w->end;
	/* The key that signs the cached RRset: publishing it again heals every
	 * cache once the DNSKEY RRset without it has expired. */
	int32_t key = -1;
	for (uint16_t i = 0; rv->sigs != NULL && i < rv->set.nsig && key < 0; i++)
		if (rv->sigs[i].key >= 0 && !roll_version_has_key(kv, (uint32_t)rv->sigs[i].key))
			key = rv->sigs[i].key;
	bool still_served = roll_served_at(rv, o->now);
	int64_t fix = add(add(o->now, o->dprp), add(kv->ttl, o->serve_stale));
	if (key >= 0) {
		step(r, o->now,
		     "publish key %u again in the DNSKEY RRset (it need not sign anything): the "
		     "cached data signed by it validates again",
		     s->keys[key].tag);
		step(
		    r, fix,
		    "every cached DNSKEY RRset without key %u has expired (Dprp %lld s + TTLkey %u "
		    "s): healed",
		    s->keys[key].tag, (long long)o->dprp, kv->ttl);
		r->healed = fix;
	} else {
		step(r, o->now, "re-sign the data with a key of the DNSKEY RRset");
		r->healed = add(add(o->now, o->dprp), add(rv->ttl, o->serve_stale));
	}
	if (!still_served && r->unaided != DV_ROLL_OPEN && r->unaided <= r->healed) {
		r->nsteps = 0;
		step(r, o->now,
		     "the data signed by the removed key is no longer served: the failure ends by "
		     "itself when it leaves the caches, sooner than any fix would");
		r->healed = r->unaided;
	} else if (key >= 0) {
		step(r, r->healed,
		     "remove key %u again no earlier than when the data it signed has left the "
		     "caches "
		     "(RFC 7583 §3.2.1: Trem >= Tret + Iret)",
		     s->keys[key].tag);
	}
	r->nta_until = r->healed;
}

static void case_insecure(dv_roll_series_t *s, const dv_roll_recover_opts_t *o,
                          dv_roll_recovery_t *r, uint32_t rk_ds)
{
	r->kase = DV_ROLL_CASE_INSECURE;
	const roll_version_t *cur[64];
	size_t n = served(s, rk_ds, o->now, cur, 64);
	bool ds_now = false;
	for (size_t i = 0; i < n; i++)
		ds_now |= roll_ds_secure(s, cur[i]);
	/* The last secure DS leaves the caches at: */
	int64_t gone = DV_ROLL_START;
	for (size_t i = 0; rk_ds != ROLL_NONE && i < s->rrkeys[rk_ds].nversions; i++) {
		const roll_version_t *v = &s->versions[s->rrkeys[rk_ds].versions[i]];
		if (roll_ds_secure(s, v) && roll_cached_end(v) > gone)
			gone = roll_cached_end(v);
	}
	r->unaided = DV_ROLL_OPEN;
	if (ds_now || rk_ds == ROLL_NONE) {
		int64_t tds = ds_ttl(s, rk_ds);
		snprintf(r->summary, sizeof(r->summary),
		         "going insecure: the DS goes first, the signatures last (the DS in caches "
		         "keeps requiring them for up to TTLds %lld s after it is gone)",
		         (long long)tds);
		step(
		    r, o->now,
		    "ask the parent to remove the DS: publish CDS \"0 0 0 00\" and CDNSKEY \"0 3 0 "
		    "AA==\" (RFC 8078 §4) or use the registrar; keep the zone signed");
		int64_t removed = add(add(o->now, o->dreg), o->dprp_parent);
		step(r, removed,
		     "the parent serves no DS any more (Dreg %lld s + DprpP %lld s): confirm with "
		     "`dnsvigil check`",
		     (long long)o->dreg, (long long)o->dprp_parent);
		r->healed = add(removed, add(tds, o->serve_stale));
	} else {
		snprintf(
		    r->summary, sizeof(r->summary),
		    "going insecure: the parent serves no DS any more; caches may hold the old DS "
		    "until the time below");
		r->healed = gone < o->now ? o->now : gone;
	}
	step(r, r->healed,
	     "remove the DNSKEY, RRSIG, NSEC/NSEC3 and CDS/CDNSKEY records (unsign) no earlier "
	     "than this: every cached DS has expired");
	r->nta_until = 0;
}

int dv_roll_recover(dv_roll_series_t *s, const dv_roll_recover_opts_t *o, dv_roll_recovery_t *out)
{
	memset(out, 0, sizeof(*out));
	dv_roll_check_opts_t co = {.now = o->now,
	                           .serve_stale = o->serve_stale,
	                           .stuck_after = 2 * 86400,
	                           .from = DV_ROLL_START};
	int ret = dv_roll_check(s, &co, &out->check);
	if (ret != DV_OK)
		return ret;
	uint32_t rk_ds = ROLL_NONE, rk_k = ROLL_NONE, rk_soa = ROLL_NONE;
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_DS, false, &rk_ds);
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_DNSKEY, false, &rk_k);
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_SOA, false, &rk_soa);
	if (o->insecure) {
		case_insecure(s, o, out, rk_ds);
		return DV_OK;
	}
	/* 1. Signatures lapsed on what is served now. */
	const roll_version_t *cur[64];
	uint32_t rks[2] = {rk_k, rk_soa};
	for (int j = 0; j < 2; j++) {
		size_t n = served(s, rks[j], o->now, cur, 64);
		for (size_t i = 0; i < n; i++) {
			if (lapsed(cur[i], o->now)) {
				case_expired(s, o, out, cur[i]);
				return DV_OK;
			}
		}
	}
	/* 2., 3. A bogus window (for every validator) open at now. */
	const dv_roll_window_t *w1 = NULL, *w3 = NULL;
	dv_roll_window_t w1copy;
	for (size_t i = 0; i < out->check.nwindows; i++) {
		const dv_roll_window_t *w = &out->check.windows[i];
		if (w->strict_only || w->start > o->now || w->end <= o->now)
			continue;
		if ((w->rule == DV_ROLL_R1 || w->rule == DV_ROLL_R2) && w1 == NULL)
			w1 = w;
		if (w->rule == DV_ROLL_R3 && w3 == NULL)
			w3 = w;
	}
	if (w1 != NULL && w1->ds < 0) {
		/* R2: no (signed) DNSKEY RRset under a DS that is served now. */
		size_t nd = served(s, rk_ds, o->now, cur, 64);
		for (size_t i = 0; i < nd && w1->ds < 0; i++) {
			if (roll_ds_secure(s, cur[i])) {
				w1copy = *w1;
				w1copy.ds = (int32_t)(cur[i] - s->versions);
				w1 = &w1copy;
			}
		}
	}
	if (w1 != NULL && w1->ds >= 0) {
		case_ds(s, o, out, w1, rk_ds);
		return DV_OK;
	}
	if (w3 != NULL) {
		case_key(s, o, out, w3);
		return DV_OK;
	}
	/* 4. The child asked to go insecure (RFC 8078 delete), or the parent already
	 *    removed the DS while the zone is still signed. */
	uint32_t rk_cds = ROLL_NONE;
	roll_rrkey_get(s, s->zone, KNOT_RRTYPE_CDS, false, &rk_cds);
	size_t n = served(s, rk_cds, o->now, cur, 64);
	static const uint8_t del[] = {0, 0, 0, 0, 0};
	for (size_t i = 0; i < n; i++) {
		if (!cur[i]->absent && cur[i]->set.n == 1 && cur[i]->set.rdlen[0] == 5 &&
		    memcmp(cur[i]->set.rd[0], del, 5) == 0) {
			case_insecure(s, o, out, rk_ds);
			return DV_OK;
		}
	}
	out->kase = DV_ROLL_CASE_NONE;
	snprintf(out->summary, sizeof(out->summary),
	         "no failure at hand: every combination caches may hold at %s validates", "now");
	out->healed = o->now;
	out->unaided = o->now;
	return DV_OK;
}

void dv_roll_recovery_free(dv_roll_recovery_t *r)
{
	if (r != NULL)
		dv_roll_result_free(&r->check);
}
