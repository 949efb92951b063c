/*
 * The one RRSIG check (RFC 4035 §5.3): one RRSIG over one RRset, against a
 * key set, at a time `now`, to a verdict.  verify (offline) and check
 * (live) both judge signatures here; what they report about a verdict is
 * theirs.  The cache keeps per thread what makes repeated checks cheap.
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <sodium.h>

#include "core/error.h"
#include "dnssec/dnssec.h"
#include "dnssec/dnssec_int.h"

/* ---- a small hash table of 128-bit digests ---------------------------------- */

#define DIGEST_LEN 16

typedef struct {
	uint8_t digest[DIGEST_LEN];
	bool used;
	bool valid;    /* verdicts: the signature verified */
	dv_key_t *key; /* keys: the parsed key (NULL: unusable) */
	int key_ret;
} slot_t;

typedef struct {
	slot_t *v;
	size_t cap, len;
} table_t;

/* The slot of `digest`, new (zeroed, *found false) or not.  NULL: no memory. */
static slot_t *table_get(table_t *t, const uint8_t digest[DIGEST_LEN], bool *found)
{
	if (t->len * 2 >= t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		slot_t *nv = calloc(ncap, sizeof(*nv));
		if (nv == NULL)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->v[i].used)
				continue;
			size_t h;
			memcpy(&h, t->v[i].digest, sizeof(h));
			for (h &= ncap - 1; nv[h].used; h = (h + 1) & (ncap - 1))
				;
			nv[h] = t->v[i];
		}
		free(t->v);
		t->v = nv;
		t->cap = ncap;
	}
	size_t h;
	memcpy(&h, digest, sizeof(h));
	for (h &= t->cap - 1; t->v[h].used; h = (h + 1) & (t->cap - 1)) {
		if (memcmp(t->v[h].digest, digest, DIGEST_LEN) == 0) {
			*found = true;
			return &t->v[h];
		}
	}
	*found = false;
	memcpy(t->v[h].digest, digest, DIGEST_LEN);
	t->v[h].used = true;
	t->len++;
	return &t->v[h];
}

/* ---- the cache ---------------------------------------------------------------- */

struct dv_sigcache {
	unsigned flags;
	dv_keyctx_t *ctx;
	table_t keys;     /* DNSKEY RDATA -> parsed key */
	table_t verdicts; /* (key, signed data, signature) -> valid */
	dv_buf_t sigdata;
	uint64_t verifications;
	dv_sig_budget_t *budget; /* NULL: unbounded */
	dv_sigmemo_t *memo;      /* shared across runs, or NULL */
};

int dv_sigcache_new(unsigned flags, dv_sigcache_t **out)
{
	dv_sigcache_t *c = calloc(1, sizeof(*c));
	if (c == NULL || dv_keyctx_new(&c->ctx) != DV_OK) {
		free(c);
		return DV_ENOMEM;
	}
	c->flags = flags;
	dv_buf_init(&c->sigdata, 0);
	*out = c;
	return DV_OK;
}

void dv_sigcache_free(dv_sigcache_t *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->keys.cap; i++)
		if (c->keys.v[i].used)
			dv_key_free(c->keys.v[i].key);
	free(c->keys.v);
	free(c->verdicts.v);
	dv_keyctx_free(c->ctx);
	dv_buf_clear(&c->sigdata);
	free(c);
}

uint64_t dv_sigcache_verifications(const dv_sigcache_t *c)
{
	return c->verifications;
}

/* ---- budgets ------------------------------------------------------------------ */

void dv_sig_budget_init(dv_sig_budget_t *b)
{
	memset(b, 0, sizeof(*b));
	b->keys_per_tag = DV_SIG_KEYS_PER_TAG;
	b->max[DV_SIG_SCOPE_RRSET] = DV_SIG_MAX_PER_RRSET;
	b->max[DV_SIG_SCOPE_ANSWER] = DV_SIG_MAX_PER_ANSWER;
	b->max[DV_SIG_SCOPE_SERVER] = DV_SIG_MAX_PER_SERVER;
	b->max[DV_SIG_SCOPE_RUN] = DV_SIG_MAX_PER_RUN;
}

void dv_sigcache_budget(dv_sigcache_t *c, dv_sig_budget_t *b)
{
	c->budget = b;
}

const char *dv_sig_scope_name(dv_sig_scope_t s)
{
	static const char *const names[] = {"RRset", "answer", "server", "check", "key tag"};
	return (unsigned)s <= DV_SIG_SCOPE_TAG ? names[s] : "?";
}

/* Whether the budget allows one more verification; else note the scope. */
static bool budget_left(dv_sig_budget_t *b)
{
	for (int s = 0; b != NULL && s < DV_SIG_SCOPES; s++) {
		if (b->used[s] != NULL && b->max[s] != 0 && *b->used[s] >= b->max[s]) {
			b->hit = (dv_sig_scope_t)s;
			return false;
		}
	}
	return true;
}

static void budget_charge(dv_sig_budget_t *b)
{
	for (int s = 0; b != NULL && s < DV_SIG_SCOPES; s++)
		if (b->used[s] != NULL)
			(*b->used[s])++;
}

void dv_sigcache_set_memo(dv_sigcache_t *c, dv_sigmemo_t *memo)
{
	c->memo = memo;
}

/* The parsed key of DNSKEY RDATA, parsed once per cache.  DV_ENOMEM, or
 * dv_key_new's result in *ret with *key NULL when it does not parse. */
static int cached_key(dv_sigcache_t *c, const uint8_t *rd, uint16_t len, dv_key_t **key, int *ret)
{
	uint8_t h[DIGEST_LEN];
	crypto_generichash(h, sizeof(h), rd, len, NULL, 0);
	bool found;
	slot_t *s = table_get(&c->keys, h, &found);
	if (s == NULL)
		return DV_ENOMEM;
	if (!found && (c->memo == NULL || !dv_sigmemo_key_get(c->memo, h, &s->key, &s->key_ret))) {
		s->key = NULL;
		s->key_ret = dv_key_new(rd, len, &s->key);
		if (s->key_ret != DV_OK)
			s->key = NULL;
		if (s->key_ret == DV_ENOMEM) {
			s->used = false; /* not a verdict on the key: try again next time */
			c->keys.len--;
			return DV_ENOMEM;
		}
		if (c->memo != NULL)
			dv_sigmemo_key_put(c->memo, h, s->key, s->key_ret);
	}
	*key = s->key;
	*ret = s->key_ret;
	return DV_OK;
}

/* ---- key sets ------------------------------------------------------------------ */

int dv_keyset_build(dv_keyset_t *ks, dv_sigcache_t *cache, const uint8_t *const *rdata,
                    const uint16_t *rdlen, size_t n)
{
	memset(ks, 0, sizeof(*ks));
	ks->borrowed = cache != NULL;
	ks->v = calloc(n ? n : 1, sizeof(*ks->v));
	if (ks->v == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		dv_keyset_key_t *k = &ks->v[ks->n++];
		if (dv_dnskey_parse(rdata[i], rdlen[i], &k->dnskey) != DV_OK) {
			k->dnskey.rdata = rdata[i];
			k->dnskey.rdlen = rdlen[i];
			k->parse_ret = DV_EPARSE;
			continue;
		}
		const dv_dnskey_t *d = &k->dnskey;
		k->revoked = (d->flags & DV_DNSKEY_FLAG_REVOKE) != 0;
		if (cache != NULL) {
			if (cached_key(cache, d->rdata, d->rdlen, &k->key, &k->parse_ret) != DV_OK)
				return DV_ENOMEM;
		} else {
			k->parse_ret = dv_key_new(d->rdata, d->rdlen, &k->key);
			if (k->parse_ret == DV_ENOMEM)
				return DV_ENOMEM;
		}
		if (k->key != NULL)
			k->bits = dv_key_bits(k->key);
		/* RFC 4034 §2.1.1-2: only zone keys with protocol 3 verify zone data. */
		if (k->key != NULL && (d->protocol != 3 || !(d->flags & DV_DNSKEY_FLAG_ZONE))) {
			if (!ks->borrowed)
				dv_key_free(k->key);
			k->key = NULL;
		}
		if (k->key != NULL && !k->revoked)
			ks->algs[d->algorithm] = 1;
	}
	return DV_OK;
}

size_t dv_keyset_count(const dv_keyset_t *ks, uint16_t tag, uint8_t alg)
{
	size_t n = 0;
	for (size_t i = 0; ks != NULL && i < ks->n; i++)
		if (ks->v[i].key != NULL && ks->v[i].dnskey.key_tag == tag &&
		    ks->v[i].dnskey.algorithm == alg)
			n++;
	return n;
}

size_t dv_keyset_max_collision(const dv_keyset_t *ks, uint16_t *tag, uint8_t *alg)
{
	size_t best = 0;
	for (size_t i = 0; ks != NULL && i < ks->n; i++) {
		const dv_keyset_key_t *k = &ks->v[i];
		if (k->key == NULL)
			continue;
		/* Counted from the first key of each (tag, algorithm) only. */
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			if (ks->v[j].key != NULL && ks->v[j].dnskey.key_tag == k->dnskey.key_tag &&
			    ks->v[j].dnskey.algorithm == k->dnskey.algorithm)
				first = false;
		if (!first)
			continue;
		size_t n = dv_keyset_count(ks, k->dnskey.key_tag, k->dnskey.algorithm);
		if (n > best) {
			best = n;
			if (tag != NULL)
				*tag = k->dnskey.key_tag;
			if (alg != NULL)
				*alg = k->dnskey.algorithm;
		}
	}
	return best;
}

void dv_keyset_clear(dv_keyset_t *ks)
{
	for (size_t i = 0; !ks->borrowed && i < ks->n; i++)
		dv_key_free(ks->v[i].key);
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

/* ---- the verdict ----------------------------------------------------------------- */

dv_sig_window_t dv_rrsig_window(const dv_rrsig_t *sig, int64_t now, int64_t *inception,
                                int64_t *expiration)
{
	int64_t exp = dv_rrsig_time(sig->expiration, now);
	int64_t inc = dv_rrsig_time(sig->inception, now);
	if (inception != NULL)
		*inception = inc;
	if (expiration != NULL)
		*expiration = exp;
	if (exp < inc)
		return DV_SIG_WINDOW_NEVER;
	if (now > exp)
		return DV_SIG_WINDOW_EXPIRED;
	if (now < inc)
		return DV_SIG_WINDOW_NOT_YET;
	return DV_SIG_WINDOW_OPEN;
}

#define NO_BUDGET (-100) /* verifies(): the budget ran out before this one */

/* Whether the signature verifies with key k over the data in c->sigdata:
 * 1 yes, 0 no, DV_ENOMEM, NO_BUDGET. */
static int verifies(dv_sigcache_t *c, const dv_keyset_key_t *k, const dv_rrsig_t *sig)
{
	slot_t *s = NULL;
	uint8_t h[DIGEST_LEN];
	_Static_assert(DIGEST_LEN == DV_SIGMEMO_DIGEST_LEN, "one digest for both memos");
	if (c->flags & DV_SIGCACHE_MEMO || c->memo != NULL) {
		crypto_generichash_state st;
		crypto_generichash_init(&st, NULL, 0, sizeof(h));
		crypto_generichash_update(&st, k->dnskey.rdata, k->dnskey.rdlen);
		crypto_generichash_update(&st, c->sigdata.data, c->sigdata.len);
		crypto_generichash_update(&st, sig->signature, sig->signature_len);
		crypto_generichash_final(&st, h, sizeof(h));
	}
	if (c->memo != NULL && dv_sigmemo_lookup(c->memo, h))
		return 1;
	if (c->flags & DV_SIGCACHE_MEMO) {
		bool found;
		s = table_get(&c->verdicts, h, &found);
		if (s == NULL)
			return DV_ENOMEM;
		if (found)
			return s->valid; /* already paid for */
		if (!budget_left(c->budget)) {
			/* Not a verdict: the slot goes again (nothing was added after it). */
			s->used = false;
			c->verdicts.len--;
			return NO_BUDGET;
		}
	} else if (!budget_left(c->budget)) {
		return NO_BUDGET;
	}
	budget_charge(c->budget);
	c->verifications++;
	bool ok = dv_key_verify_ctx(c->ctx, k->key, c->sigdata.data, c->sigdata.len, sig->signature,
	                            sig->signature_len) == DV_OK;
	if (s != NULL)
		s->valid = ok;
	/* no memory to remember it: it is verified again next time */
	if (ok && c->memo != NULL)
		(void)dv_sigmemo_add(c->memo, h);
	return ok;
}

dv_sig_verdict_t dv_sig_judge(dv_sigcache_t *c, const dv_rrset_view_t *set, const dv_rrsig_t *sig,
                              const dv_keyset_t *keys, const uint8_t *zone, int64_t now,
                              const dv_keyset_key_t **signer)
{
	if (signer != NULL)
		*signer = NULL;
	/* RFC 4035 §5.3.1: the signer is the zone's apex, the Labels field fits
	 * the owner, and there is data to verify. */
	if (set->n == 0 || (zone != NULL && !knot_dname_is_case_equal(sig->signer, zone)) ||
	    sig->labels > knot_dname_labels(set->owner, NULL))
		return DV_SIG_MALFORMED;
	if (!dv_alg_supported(sig->algorithm))
		return DV_SIG_UNSUPPORTED;
	bool built = false, tried = false;
	const dv_keyset_key_t *revoked = NULL;
	dv_sig_budget_t *b = c->budget;
	uint32_t candidates = 0;
	for (size_t i = 0; keys != NULL && i < keys->n; i++) {
		const dv_keyset_key_t *k = &keys->v[i];
		if (k->key == NULL || k->dnskey.key_tag != sig->key_tag ||
		    k->dnskey.algorithm != sig->algorithm)
			continue;
		/* Key-tag collisions: beyond keys_per_tag keys of this tag and
		 * algorithm, the signature is left unjudged (KeyTrap). */
		if (b != NULL && b->keys_per_tag != 0 && candidates++ >= b->keys_per_tag) {
			b->hit = DV_SIG_SCOPE_TAG;
			b->tag_keys = (uint32_t)dv_keyset_count(keys, sig->key_tag, sig->algorithm);
			return DV_SIG_BUDGET;
		}
		if (!built && !(c->flags & DV_SIGCACHE_MEMO) && !budget_left(b))
			return DV_SIG_BUDGET; /* not even the data is built */
		if (!built) {
			int r = dv_sigdata_build(&c->sigdata, sig->rdata, sig->rdlen, set->owner,
			                         set->type, set->rdata, set->rdlen, set->n,
			                         set->sorted);
			if (r == DV_ENOMEM)
				return DV_SIG_ERROR;
			if (r != DV_OK)
				return DV_SIG_MALFORMED;
			built = true;
		}
		tried = true;
		int ok = verifies(c, k, sig);
		if (ok == NO_BUDGET)
			return DV_SIG_BUDGET;
		if (ok < 0)
			return DV_SIG_ERROR;
		if (!ok)
			continue;
		/* RFC 5011 §2.1: a revoked key validates the DNSKEY RRset that
		 * announces its revocation, nothing else; another key may still. */
		if (k->revoked && set->type != KNOT_RRTYPE_DNSKEY) {
			revoked = k;
			continue;
		}
		if (signer != NULL)
			*signer = k;
		switch (dv_rrsig_window(sig, now, NULL, NULL)) {
		case DV_SIG_WINDOW_NEVER:
			return DV_SIG_WINDOW_INVERTED;
		case DV_SIG_WINDOW_EXPIRED:
			return DV_SIG_EXPIRED;
		case DV_SIG_WINDOW_NOT_YET:
			return DV_SIG_NOT_YET_VALID;
		default:
			return DV_SIG_VALID;
		}
	}
	if (revoked != NULL) {
		if (signer != NULL)
			*signer = revoked;
		return DV_SIG_REVOKED_KEY;
	}
	return tried ? DV_SIG_BAD : DV_SIG_NO_KEY;
}
