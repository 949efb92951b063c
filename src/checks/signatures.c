/*
 * Signature checks (RFC 4035 §2.2, §5.3; RFC 4034 §3): every authoritative
 * RRset signed, by every algorithm of the apex DNSKEY RRset, every RRSIG
 * valid, its fields consistent, its validity window against `now`.
 *
 * Names are split into chunks that worker threads take from a shared
 * counter; each worker keeps its own findings and statistics, merged at the
 * end, so the hot loop takes no lock.
 *
 * Two passes: the signature pass (every finding but the validity windows,
 * for all names or a list of them: an incremental step re-checks only the
 * names that changed) and the window pass (every RRSIG's inception and
 * expiration against `now`: cheap, no cryptography, run over the whole zone
 * because time moves for every signature).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "checks/checks.h"
#include "checks/verify_int.h"
#include "core/error.h"

#define CHUNK 512

typedef struct {
	const dv_zone_t *z;
	const dv_verify_opts_t *o;
	const dv_keyset_t *ks;
	const uint32_t *names; /* the names to check, or NULL: every name */
	size_t total;
	const verify_marks_t *known;
	bool collect; /* keep the RRSIGs found to verify */
	_Atomic size_t next;
	_Atomic size_t done;
} shared_t;

typedef struct {
	shared_t *sh;
	int ret;
	dv_findings_t out;
	dv_verify_stats_t st;
	dv_sigcache_t *cache;
	dv_sig_budget_t budget; /* per RRset and per signature (key tags) */
	uint64_t rrset_used;    /* validations of the RRset being checked */
	verify_view_t view;
	dv_evidence_t ev; /* the evidence being handed to dv_findings_add */
	bool reporter;
	const uint8_t **found; /* RDATA of the RRSIGs found to verify (collect) */
	size_t nfound, capfound;
} worker_t;

/* ---- a set of RRSIGs by RDATA address ---------------------------------------------- */

struct verify_marks {
	const uint8_t **slots; /* open addressing; NULL empty, TOMB deleted */
	size_t mask, len, used;
};

static const uint8_t tomb_byte;
#define TOMB (&tomb_byte)

static size_t marks_hash(const uint8_t *p)
{
	return (size_t)(((uintptr_t)p * UINT64_C(0x9E3779B97F4A7C15)) >> 17);
}

int verify_marks_new(size_t hint, verify_marks_t **out)
{
	verify_marks_t *m = calloc(1, sizeof(*m));
	size_t cap = 1024;
	while (cap < 2 * hint)
		cap *= 2;
	if (m == NULL || (m->slots = calloc(cap, sizeof(*m->slots))) == NULL) {
		free(m);
		return DV_ENOMEM;
	}
	m->mask = cap - 1;
	*out = m;
	return DV_OK;
}

void verify_marks_free(verify_marks_t *m)
{
	if (m == NULL)
		return;
	dv_mem_spare_put(m->slots);
	free(m);
}

size_t verify_marks_bytes(const verify_marks_t *m)
{
	return m == NULL ? 0 : (m->mask + 1) * sizeof(*m->slots);
}

int verify_marks_copy(const verify_marks_t *src, verify_marks_t **out)
{
	verify_marks_t *m = malloc(sizeof(*m));
	if (m == NULL ||
	    (m->slots = dv_mem_spare_take((src->mask + 1) * sizeof(*m->slots))) == NULL) {
		free(m);
		return DV_ENOMEM;
	}
	memcpy(m->slots, src->slots, (src->mask + 1) * sizeof(*m->slots));
	m->mask = src->mask;
	m->len = src->len;
	m->used = src->used;
	*out = m;
	return DV_OK;
}

bool verify_marks_has(const verify_marks_t *m, const uint8_t *rd)
{
	if (m == NULL)
		return false;
	for (size_t h = marks_hash(rd) & m->mask; m->slots[h] != NULL; h = (h + 1) & m->mask)
		if (m->slots[h] == rd)
			return true;
	return false;
}

static int marks_rehash(verify_marks_t *m, size_t cap)
{
	const uint8_t **ns = calloc(cap, sizeof(*ns));
	if (ns == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i <= m->mask; i++) {
		const uint8_t *p = m->slots[i];
		if (p == NULL || p == TOMB)
			continue;
		size_t h = marks_hash(p) & (cap - 1);
		while (ns[h] != NULL)
			h = (h + 1) & (cap - 1);
		ns[h] = p;
	}
	free(m->slots);
	m->slots = ns;
	m->mask = cap - 1;
	m->used = m->len;
	return DV_OK;
}

int verify_marks_add(verify_marks_t *m, const uint8_t *rd)
{
	if (verify_marks_has(m, rd))
		return DV_OK;
	if ((m->used + 1) * 10 > (m->mask + 1) * 7) {
		size_t cap = m->mask + 1;
		if (m->len * 10 > cap * 3)
			cap *= 2; /* else the tombstones alone filled it: same size */
		if (marks_rehash(m, cap) != DV_OK)
			return DV_ENOMEM;
	}
	size_t h = marks_hash(rd) & m->mask;
	while (m->slots[h] != NULL && m->slots[h] != TOMB)
		h = (h + 1) & m->mask;
	if (m->slots[h] == NULL)
		m->used++;
	m->slots[h] = rd;
	m->len++;
	return DV_OK;
}

void verify_marks_del(verify_marks_t *m, const uint8_t *rd)
{
	for (size_t h = marks_hash(rd) & m->mask; m->slots[h] != NULL; h = (h + 1) & m->mask)
		if (m->slots[h] == rd) {
			m->slots[h] = TOMB;
			m->len--;
			return;
		}
}

size_t verify_marks_count(const verify_marks_t *m)
{
	return m ? m->len : 0;
}

int verify_view_build(verify_view_t *v, const uint8_t *owner, uint16_t type, const dv_rr_t *rrs,
                      size_t n, bool sorted)
{
	if (n > v->cap) {
		size_t nc = v->cap ? v->cap : 64;
		while (nc < n)
			nc *= 2;
		const uint8_t **nr = realloc(v->rdata, nc * sizeof(*nr));
		if (nr == NULL)
			return DV_ENOMEM;
		v->rdata = nr;
		uint16_t *nl = realloc(v->rdlen, nc * sizeof(*nl));
		if (nl == NULL)
			return DV_ENOMEM;
		v->rdlen = nl;
		v->cap = nc;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (rrs[i].type != type)
			continue;
		v->rdata[m] = rrs[i].rdata;
		v->rdlen[m++] = rrs[i].rdlen;
	}
	v->view = (dv_rrset_view_t){.owner = owner,
	                            .type = type,
	                            .rdata = v->rdata,
	                            .rdlen = v->rdlen,
	                            .n = m,
	                            .sorted = sorted};
	return DV_OK;
}

void verify_view_clear(verify_view_t *v)
{
	free(v->rdata);
	free(v->rdlen);
	memset(v, 0, sizeof(*v));
}

int verify_keyset_build(const dv_rr_t *rrs, size_t n, dv_keyset_t *ks)
{
	verify_view_t v = {0};
	int ret = verify_view_build(&v, NULL, KNOT_RRTYPE_DNSKEY, rrs, n, true);
	if (ret == DV_OK)
		ret = dv_keyset_build(ks, NULL, v.rdata, v.rdlen, v.view.n);
	else
		memset(ks, 0, sizeof(*ks));
	verify_view_clear(&v);
	return ret;
}

int verify_zone_keyset(const dv_zone_t *z, dv_keyset_t *ks)
{
	const dv_rrset_t *rs = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_DNSKEY);
	if (rs == NULL)
		return dv_keyset_build(ks, NULL, NULL, NULL, 0);
	return verify_keyset_build(&z->rrs[rs->rr_first], rs->rr_count, ks);
}

/* The evidence of a finding about an RRset (and one of its RRSIGs), in the
 * worker's scratch: dv_findings_add copies it. */
static const dv_evidence_t *sig_evidence(worker_t *w, uint32_t name, uint16_t type,
                                         const dv_rrsig_t *sig, int64_t time)
{
	dv_evidence_t *ev = &w->ev;
	*ev = (dv_evidence_t){.owner = w->sh->z->names[name].dname, .type = type};
	if (sig != NULL) {
		ev->has_keytag = true;
		ev->keytag = sig->key_tag;
		ev->algorithm = sig->algorithm;
	}
	if (time != 0) {
		ev->time = time;
		ev->seconds_left = time - w->sh->o->now;
	}
	return ev;
}

/* Whether the RRset at this name is authoritative data that must be signed
 * (RFC 4035 §2.2: not delegation NS, not glue, not occluded data). */
static bool must_be_signed(const dv_name_t *nm, uint16_t type)
{
	if (nm->flags & DV_NAME_NONAUTH)
		return false;
	if (nm->flags & DV_NAME_DELEG)
		return type == KNOT_RRTYPE_DS || type == KNOT_RRTYPE_NSEC;
	return true;
}

static void check_times(worker_t *w, const dv_rrset_t *rs, const dv_rrsig_t *sig)
{
	const dv_verify_opts_t *o = w->sh->o;
	int64_t inc, exp;
	dv_sig_window_t win = dv_rrsig_window(sig, o->now, &inc, &exp);
	char a[32], b[32];
	if (!w->st.have_expiry || exp < w->st.earliest_expiry ||
	    (exp == w->st.earliest_expiry && rs->name < w->st.earliest_name)) {
		w->st.have_expiry = true;
		w->st.earliest_expiry = exp;
		w->st.earliest_name = rs->name;
		w->st.earliest_type = rs->type;
	}
	if (win == DV_SIG_WINDOW_NEVER) {
		dv_time_format(inc, a, sizeof(a));
		dv_time_format(exp, b, sizeof(b));
		w->ret = dv_findings_add(&w->out, DV_F_RRSIG_WINDOW_INVERTED,
		                         sig_evidence(w, rs->name, rs->type, sig, exp),
		                         "inception %s, expiration %s", a, b);
	} else if (win == DV_SIG_WINDOW_EXPIRED) {
		dv_time_format(exp, a, sizeof(a));
		w->ret =
		    dv_findings_add(&w->out, DV_F_RRSIG_EXPIRED,
		                    sig_evidence(w, rs->name, rs->type, sig, exp), "expired %s", a);
	} else if (win == DV_SIG_WINDOW_NOT_YET) {
		dv_time_format(inc, a, sizeof(a));
		w->ret = dv_findings_add(&w->out, DV_F_RRSIG_NOT_YET_VALID,
		                         sig_evidence(w, rs->name, rs->type, sig, inc),
		                         "valid from %s", a);
	} else if (exp - o->now < o->crit_expiry) {
		dv_time_format(exp, a, sizeof(a));
		int64_t left = exp - o->now;
		w->ret = dv_findings_add(
		    &w->out, DV_F_RRSIG_EXPIRES_CRITICAL,
		    sig_evidence(w, rs->name, rs->type, sig, exp),
		    "expires %s (in %lldd %02lldh %02lldm)", a, (long long)(left / 86400),
		    (long long)(left % 86400 / 3600), (long long)(left % 3600 / 60));
	} else if (exp - o->now < o->warn_expiry) {
		dv_time_format(exp, a, sizeof(a));
		int64_t left = exp - o->now;
		w->ret = dv_findings_add(
		    &w->out, DV_F_RRSIG_EXPIRES_SOON, sig_evidence(w, rs->name, rs->type, sig, exp),
		    "expires %s (in %lldd %02lldh %02lldm)", a, (long long)(left / 86400),
		    (long long)(left % 86400 / 3600), (long long)(left % 3600 / 60));
	}
}

static void found_add(worker_t *w, const uint8_t *rdata)
{
	if (dv_array_grow(&w->found, &w->capfound, w->nfound, sizeof(*w->found), 1024) != DV_OK) {
		w->ret = DV_ENOMEM;
		return;
	}
	w->found[w->nfound++] = rdata;
}

static void check_rrset(worker_t *w, const dv_rrset_t *rs)
{
	const dv_zone_t *z = w->sh->z;
	const dv_keyset_t *ks = w->sh->ks;
	const dv_name_t *nm = &z->names[rs->name];

	if (!must_be_signed(nm, rs->type)) {
		if (rs->sig_count > 0) {
			const dv_rr_t *rr = &z->rrs[rs->sig_first];
			dv_rrsig_t sig;
			bool parsed = dv_rrsig_parse(rr->rdata, rr->rdlen, &sig) == DV_OK;
			w->ret = dv_findings_add(
			    &w->out, DV_F_RRSIG_NON_AUTHORITATIVE,
			    sig_evidence(w, rs->name, rs->type, parsed ? &sig : NULL, 0), "%s",
			    (nm->flags & DV_NAME_DELEG)
			        ? "delegation point: only DS and NSEC are signed"
			        : "glue or data below a zone cut");
		}
		return;
	}
	if (rs->sig_count == 0) {
		w->ret = dv_findings_add(&w->out, DV_F_RRSIG_MISSING,
		                         sig_evidence(w, rs->name, rs->type, NULL, 0), NULL);
		return;
	}
	/* Algorithms with a valid RRSIG, and with any RRSIG at all: a present
	 * but failing one is already reported as RRSIG_INVALID. */
	uint8_t valid_algs[256] = {0}, seen_algs[256] = {0};
	/* A wildcard owner is signed with one label fewer (RFC 4034 §3.1.3). */
	unsigned want_labels = nm->labels - ((nm->flags & DV_NAME_WILDCARD) ? 1 : 0);
	bool have_view = false, any_valid = false;
	dv_rrsig_t revoked = {0}; /* a signature that verifies only with a revoked key */
	/* KeyTrap: the RRset's signatures share one budget (dnssec.h). */
	uint32_t unjudged = 0;
	dv_sig_budget_t spent = {0};
	w->rrset_used = 0;
	for (uint32_t i = 0; i < rs->sig_count && w->ret == DV_OK; i++) {
		const dv_rr_t *rr = &z->rrs[rs->sig_first + i];
		dv_rrsig_t sig;
		w->st.rrsigs++;
		if (dv_rrsig_parse(rr->rdata, rr->rdlen, &sig) != DV_OK) {
			w->ret = dv_findings_add(&w->out, DV_F_RRSIG_INVALID,
			                         sig_evidence(w, rs->name, rs->type, NULL, 0),
			                         "malformed RRSIG RDATA");
			continue;
		}
		seen_algs[sig.algorithm] = 1;
		if (!knot_dname_is_equal(sig.signer, z->origin)) {
			char sn[1025];
			dv_dname_to_str(sig.signer, sn, sizeof(sn));
			w->ret = dv_findings_add(&w->out, DV_F_RRSIG_SIGNER_MISMATCH,
			                         sig_evidence(w, rs->name, rs->type, &sig, 0),
			                         "signer %.400s", sn);
			continue;
		}
		if (sig.labels != want_labels) {
			w->ret = dv_findings_add(&w->out, DV_F_RRSIG_LABELS_MISMATCH,
			                         sig_evidence(w, rs->name, rs->type, &sig, 0),
			                         "labels field %u, owner needs %u", sig.labels,
			                         want_labels);
			continue;
		}
		if (sig.original_ttl != rs->ttl || rs->ttl_differs) {
			w->ret =
			    dv_findings_add(&w->out, DV_F_RRSIG_TTL_MISMATCH,
			                    sig_evidence(w, rs->name, rs->type, &sig, 0),
			                    "RRset TTL %u%s, original TTL %u", rs->ttl,
			                    rs->ttl_differs ? " (mixed)" : "", sig.original_ttl);
		}
		if (!dv_alg_supported(sig.algorithm))
			continue; /* reported once per key as ALGORITHM_UNKNOWN */
		w->st.rrsigs_checked++;
		dv_sig_verdict_t v = DV_SIG_VALID;
		/* A mark from presign.c counts only when this RRset was whole in
		 * one run of the input; a known mark (an earlier version's, for an
		 * RRset that did not change) always. */
		if (!verify_marks_has(w->sh->known, rr->rdata) &&
		    ((nm->flags & DV_NAME_SPLIT) || !dv_presign_marked(w->sh->o->presign, rr))) {
			if (!have_view && (w->ret = verify_view_build(&w->view, nm->dname, rs->type,
			                                              &z->rrs[rs->rr_first],
			                                              rs->rr_count, true)) != DV_OK)
				break;
			have_view = true;
			v = dv_sig_judge(w->cache, &w->view.view, &sig, ks, z->origin,
			                 w->sh->o->now, NULL);
		}
		if (dv_sig_verifies(v)) {
			w->st.rrsigs_verified++;
			if (w->sh->collect)
				found_add(w, rr->rdata);
			int64_t inc, exp;
			dv_sig_window_t win = dv_rrsig_window(&sig, w->sh->o->now, &inc, &exp);
			w->st.rrsigs_valid += win == DV_SIG_WINDOW_OPEN;
			w->st.rrsigs_expired += win == DV_SIG_WINDOW_EXPIRED;
			w->st.rrsigs_not_yet_valid += win == DV_SIG_WINDOW_NOT_YET;
			valid_algs[sig.algorithm] = 1;
			any_valid = true;
		} else if (v == DV_SIG_REVOKED_KEY) {
			revoked = sig; /* reported below, unless another signature counts */
		} else if (v == DV_SIG_ERROR) {
			w->ret = DV_ENOMEM;
		} else if (v == DV_SIG_BUDGET) {
			if (unjudged++ == 0)
				spent = w->budget; /* what ran out, for the finding */
		} else if (v == DV_SIG_NO_KEY) {
			w->ret = dv_findings_add(&w->out, DV_F_RRSIG_NO_DNSKEY,
			                         sig_evidence(w, rs->name, rs->type, &sig, 0),
			                         "no usable DNSKEY with tag %u and algorithm %u",
			                         sig.key_tag, sig.algorithm);
		} else {
			w->ret =
			    dv_findings_add(&w->out, DV_F_RRSIG_INVALID,
			                    sig_evidence(w, rs->name, rs->type, &sig, 0), NULL);
		}
	}
	if (unjudged > 0 && w->ret == DV_OK) {
		dv_evidence_t ev = *sig_evidence(w, rs->name, rs->type, NULL, 0);
		if (spent.hit == DV_SIG_SCOPE_TAG)
			w->ret = dv_findings_add(
			    &w->out, DV_F_VALIDATION_BUDGET, &ev,
			    "%u of %u RRSIGs not judged: they name a key tag that %u keys share, "
			    "%u of them are tried per signature",
			    unjudged, rs->sig_count, spent.tag_keys, spent.keys_per_tag);
		else
			w->ret = dv_findings_add(
			    &w->out, DV_F_VALIDATION_BUDGET, &ev,
			    "%u of %u RRSIGs not judged: the budget of %llu validations per "
			    "RRset was spent",
			    unjudged, rs->sig_count,
			    (unsigned long long)spent.max[DV_SIG_SCOPE_RRSET]);
	}
	/* RFC 5011 §2.1: signatures by revoked keys do not count; with nothing
	 * else, the RRset is unsigned to a validator. */
	if (!any_valid && revoked.rdata != NULL && w->ret == DV_OK)
		w->ret = dv_findings_add(&w->out, DV_F_RRSIG_REVOKED_KEY,
		                         sig_evidence(w, rs->name, rs->type, &revoked, 0),
		                         "only key %u signs it, and it is revoked (RFC 5011 §2.1)",
		                         revoked.key_tag);
	/* RFC 4035 §2.2 / RFC 6840 §5.11: one valid signature per algorithm. */
	for (int a = 0; a < 256 && w->ret == DV_OK; a++) {
		if (ks->algs[a] && !valid_algs[a] && !seen_algs[a]) {
			dv_evidence_t ev = *sig_evidence(w, rs->name, rs->type, NULL, 0);
			ev.algorithm = (uint8_t)a;
			w->ret = dv_findings_add(&w->out, DV_F_RRSIG_ALGORITHM_MISSING, &ev,
			                         "no valid RRSIG of algorithm %d (%s)", a,
			                         dv_alg_name((uint8_t)a));
		}
	}
}

static void check_name(worker_t *w, uint32_t ni)
{
	const dv_zone_t *z = w->sh->z;
	const dv_name_t *nm = &z->names[ni];
	uint32_t covered = 0;
	for (uint32_t k = 0; k < nm->rrset_count && w->ret == DV_OK; k++) {
		const dv_rrset_t *rs = &z->rrsets[nm->rrset_first + k];
		covered += rs->sig_count;
		check_rrset(w, rs);
	}
	if (covered == nm->sig_count)
		return;
	/* RRSIGs covering a type the name does not have. */
	for (uint32_t i = 0; i < nm->sig_count && w->ret == DV_OK; i++) {
		const dv_rr_t *rr = &z->rrs[nm->sig_first + i];
		uint16_t t = dv_rrsig_type_covered(rr->rdata, rr->rdlen);
		if (dv_zone_rrset_find(z, ni, t) != NULL)
			continue;
		w->st.rrsigs++;
		dv_code_t code = (nm->flags & DV_NAME_NONAUTH) ? DV_F_RRSIG_NON_AUTHORITATIVE
		                                               : DV_F_RRSIG_ORPHAN;
		dv_rrsig_t sig;
		bool parsed = dv_rrsig_parse(rr->rdata, rr->rdlen, &sig) == DV_OK;
		w->ret =
		    dv_findings_add(&w->out, code, sig_evidence(w, ni, t, parsed ? &sig : NULL, 0),
		                    "no RRset of the covered type at this name");
	}
}

static void *work(void *arg)
{
	worker_t *w = arg;
	shared_t *sh = w->sh;
	size_t total = sh->total;
	for (;;) {
		size_t start = atomic_fetch_add(&sh->next, CHUNK);
		if (start >= total || w->ret != DV_OK)
			break;
		size_t end = start + CHUNK < total ? start + CHUNK : total;
		for (size_t i = start; i < end && w->ret == DV_OK; i++)
			check_name(w, sh->names ? sh->names[i] : (uint32_t)i);
		size_t done = atomic_fetch_add(&sh->done, end - start) + (end - start);
		if (w->reporter && sh->o->progress != NULL)
			sh->o->progress(sh->o->progress_ctx, done, total);
	}
	return NULL;
}

int verify_sig_names(const dv_zone_t *z, const dv_verify_opts_t *o, const dv_keyset_t *ks,
                     const uint32_t *names, size_t n, const verify_marks_t *known,
                     verify_marks_t *found, dv_verify_stats_t *st, dv_findings_t *out)
{
	int ret = DV_OK;
	size_t total = names ? n : z->name_count;
	unsigned nt = o->threads ? o->threads : 1;
	if (nt > 256)
		nt = 256;
	/* Small zones: threads cost more than they save. */
	if (total < 4 * CHUNK)
		nt = 1;
	shared_t sh = {.z = z,
	               .o = o,
	               .ks = ks,
	               .names = names,
	               .total = total,
	               .known = known,
	               .collect = found != NULL};
	worker_t *w = calloc(nt, sizeof(*w));
	pthread_t *tid = calloc(nt, sizeof(*tid));
	if (w == NULL || tid == NULL) {
		ret = DV_ENOMEM;
		goto out;
	}
	unsigned started = 0;
	for (unsigned i = 0; i < nt; i++) {
		w[i].sh = &sh;
		w[i].reporter = i == 0;
		if (dv_sigcache_new(0, &w[i].cache) != DV_OK) {
			ret = DV_ENOMEM;
			goto out;
		}
		dv_sig_budget_init(&w[i].budget);
		w[i].budget.used[DV_SIG_SCOPE_RRSET] = &w[i].rrset_used;
		dv_sigcache_budget(w[i].cache, &w[i].budget);
	}
	for (unsigned i = 1; i < nt; i++) {
		if (pthread_create(&tid[i], NULL, work, &w[i]) != 0)
			break;
		started++;
	}
	work(&w[0]);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	for (unsigned i = 0; i < nt; i++) {
		if (w[i].ret != DV_OK && ret == DV_OK)
			ret = w[i].ret;
		st->rrsigs += w[i].st.rrsigs;
		st->rrsigs_checked += w[i].st.rrsigs_checked;
		st->rrsigs_verified += w[i].st.rrsigs_verified;
		for (size_t k = 0; k < w[i].nfound && ret == DV_OK; k++)
			ret = verify_marks_add(found, w[i].found[k]);
		st->rrsigs_valid += w[i].st.rrsigs_valid;
		st->rrsigs_expired += w[i].st.rrsigs_expired;
		st->rrsigs_not_yet_valid += w[i].st.rrsigs_not_yet_valid;
		int r = dv_findings_merge(out, &w[i].out);
		if (r != DV_OK && ret == DV_OK)
			ret = r;
	}
out:
	if (w != NULL)
		for (unsigned i = 0; i < nt; i++) {
			dv_findings_clear(&w[i].out);
			dv_sigcache_free(w[i].cache);
			verify_view_clear(&w[i].view);
			free(w[i].found);
		}
	free(w);
	free(tid);
	return ret;
}

typedef struct {
	worker_t w;
	size_t from, to;
} times_job_t;

static void *times_work(void *arg)
{
	times_job_t *j = arg;
	worker_t *w = &j->w;
	const dv_zone_t *z = w->sh->z;
	for (size_t ni = j->from; ni < j->to && w->ret == DV_OK; ni++) {
		const dv_name_t *nm = &z->names[ni];
		for (uint32_t k = 0; k < nm->rrset_count && w->ret == DV_OK; k++) {
			const dv_rrset_t *rs = &z->rrsets[nm->rrset_first + k];
			if (rs->sig_count == 0 || !must_be_signed(nm, rs->type))
				continue;
			for (uint32_t i = 0; i < rs->sig_count && w->ret == DV_OK; i++) {
				const dv_rr_t *rr = &z->rrs[rs->sig_first + i];
				dv_rrsig_t sig;
				if (dv_rrsig_parse(rr->rdata, rr->rdlen, &sig) != DV_OK)
					continue;
				check_times(w, rs, &sig);
				if (w->sh->known == NULL ||
				    !verify_marks_has(w->sh->known, rr->rdata))
					continue;
				/* A step: the windows of the RRSIGs known to verify,
				 * at this run's time (they move without a change). */
				int64_t inc, exp;
				dv_sig_window_t win =
				    dv_rrsig_window(&sig, w->sh->o->now, &inc, &exp);
				w->st.rrsigs_valid += win == DV_SIG_WINDOW_OPEN;
				w->st.rrsigs_expired += win == DV_SIG_WINDOW_EXPIRED;
				w->st.rrsigs_not_yet_valid += win == DV_SIG_WINDOW_NOT_YET;
			}
		}
	}
	return NULL;
}

int verify_sig_times(const dv_zone_t *z, const dv_verify_opts_t *o, const verify_marks_t *verified,
                     dv_verify_stats_t *st, dv_findings_t *out)
{
	/* Ranges of names in order, one per thread: the earliest expiry goes
	 * to the first name and RRset that has it, as in the signature pass. */
	shared_t sh = {.z = z, .o = o, .known = verified};
	size_t nt = o->threads ? o->threads : 1;
	if (nt > 16)
		nt = 16;
	if (z->name_count < 64 * CHUNK)
		nt = 1;
	times_job_t jobs[16];
	pthread_t tid[16];
	bool started[16] = {false};
	for (size_t t = 0; t < nt; t++)
		jobs[t] = (times_job_t){.w = {.sh = &sh},
		                        .from = z->name_count * t / nt,
		                        .to = z->name_count * (t + 1) / nt};
	for (size_t t = 1; t < nt; t++)
		started[t] = pthread_create(&tid[t], NULL, times_work, &jobs[t]) == 0;
	times_work(&jobs[0]);
	int ret = DV_OK;
	st->have_expiry = false;
	if (verified != NULL)
		st->rrsigs_valid = st->rrsigs_expired = st->rrsigs_not_yet_valid = 0;
	for (size_t t = 0; t < nt; t++) {
		if (t > 0 && started[t])
			pthread_join(tid[t], NULL);
		else if (t > 0)
			times_work(&jobs[t]);
		worker_t *w = &jobs[t].w;
		if (w->ret != DV_OK && ret == DV_OK)
			ret = w->ret;
		st->rrsigs_valid += w->st.rrsigs_valid;
		st->rrsigs_expired += w->st.rrsigs_expired;
		st->rrsigs_not_yet_valid += w->st.rrsigs_not_yet_valid;
		if (w->st.have_expiry &&
		    (!st->have_expiry || w->st.earliest_expiry < st->earliest_expiry)) {
			st->have_expiry = true;
			st->earliest_expiry = w->st.earliest_expiry;
			st->earliest_name = w->st.earliest_name;
			st->earliest_type = w->st.earliest_type;
		}
		dv_findings_merge(out, &w->out);
		dv_findings_clear(&w->out);
	}
	return ret;
}

int dv_check_signatures(const dv_zone_t *z, const dv_verify_opts_t *o, dv_verify_stats_t *st,
                        dv_findings_t *out)
{
	dv_keyset_t ks;
	int ret = verify_zone_keyset(z, &ks);
	if (ret == DV_OK)
		ret = verify_sig_names(z, o, &ks, NULL, 0, NULL, NULL, st, out);
	if (ret == DV_OK)
		ret = verify_sig_times(z, o, NULL, st, out);
	dv_keyset_clear(&ks);
	return ret;
}
