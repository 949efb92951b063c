/*
 * Incremental verification (checks.h): a new version of a zone verified
 * from the state of the version it was patched from.
 *
 * Every per-name family of findings is a function of a name and what is
 * around it: the signature pass and the DS check of a name read only that
 * name (its records, its flags: a zone cut above it moves them); an NSEC
 * finding reads the name and the next names that need and that have an
 * NSEC; an NSEC3 finding reads one owner or one name that may own an NSEC3
 * and the records and names next to it by hash (nsec3.c).  So a step takes
 * the names the patch lists, widens them by what each family reads, checks
 * those items in the old version (the findings to take out: the same
 * checks gave them before) and in the new one (the findings to put in).
 * What reads the whole zone is done again at every step: the validity
 * windows (a pass without cryptography), the apex keys, ZONEMD.
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "checks/checks.h"
#include "checks/verify_int.h"
#include "core/error.h"

/* Names of the NSEC predecessors looked at per changed name, at most. */
#define NSEC_PREV_MAX 4096

/* ---- a multiset of findings ---------------------------------------------------------- */

#define SLOT_DEL UINT32_MAX

static size_t name_len(const uint8_t *d)
{
	return d ? knot_dname_size(d) : 0;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull; /* FNV-1a */
	return h;
}

static uint64_t f_hash(const dv_finding_t *f)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = mix(h, &f->code, sizeof(f->code));
	h = mix(h, &f->type, sizeof(f->type));
	h = mix(h, &f->algorithm, sizeof(f->algorithm));
	h = mix(h, &f->keytag, sizeof(f->keytag));
	h = mix(h, &f->time, sizeof(f->time));
	if (f->owner)
		h = mix(h, f->owner, name_len(f->owner));
	if (f->zone)
		h = mix(h, f->zone, name_len(f->zone));
	h = mix(h, f->server, strlen(f->server));
	return mix(h, f->detail, strlen(f->detail));
}

static bool name_eq(const uint8_t *a, const uint8_t *b)
{
	return (a == NULL || b == NULL) ? a == b : knot_dname_is_equal(a, b);
}

static bool f_equal(const dv_finding_t *a, const dv_finding_t *b)
{
	return a->code == b->code && a->type == b->type && a->algorithm == b->algorithm &&
	       a->keytag == b->keytag && a->time == b->time && a->seconds_left == b->seconds_left &&
	       name_eq(a->owner, b->owner) && name_eq(a->zone, b->zone) &&
	       strcmp(a->server, b->server) == 0 && strcmp(a->detail, b->detail) == 0;
}

static void fset_clear(verify_fset_t *s)
{
	free(s->v);
	free(s->slots);
	dv_arena_clear(&s->arena);
	memset(s, 0, sizeof(*s));
}

static int fset_rehash(verify_fset_t *s, size_t cap)
{
	uint32_t *ns = calloc(cap, sizeof(*ns));
	if (ns == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < s->len; i++) {
		size_t h = f_hash(&s->v[i]) & (cap - 1);
		while (ns[h] != 0)
			h = (h + 1) & (cap - 1);
		ns[h] = (uint32_t)i + 1;
	}
	free(s->slots);
	s->slots = ns;
	s->mask = cap - 1;
	s->used = s->len;
	return DV_OK;
}

static size_t f_bytes(const dv_finding_t *f)
{
	return name_len(f->owner) + name_len(f->zone) + strlen(f->server) + strlen(f->detail) + 2;
}

static bool f_store(verify_fset_t *s, dv_finding_t *f)
{
	if (s->arena.chunk_size == 0)
		dv_arena_init(&s->arena, 16384);
	if (f->owner && (f->owner = dv_arena_dup(&s->arena, f->owner, name_len(f->owner))) == NULL)
		return false;
	if (f->zone && (f->zone = dv_arena_dup(&s->arena, f->zone, name_len(f->zone))) == NULL)
		return false;
	f->server = dv_arena_dup(&s->arena, f->server, strlen(f->server) + 1);
	f->detail = dv_arena_dup(&s->arena, f->detail, strlen(f->detail) + 1);
	s->live += f_bytes(f);
	return f->server != NULL && f->detail != NULL;
}

/* Strings of removed findings stay in the arena; when they outweigh the
 * live ones, the live ones move to a fresh arena. */
static int fset_compact(verify_fset_t *s)
{
	if (s->dead < ((size_t)1 << 20) || s->dead < s->live)
		return DV_OK;
	verify_fset_t fresh = {0};
	dv_arena_init(&fresh.arena, 16384);
	for (size_t i = 0; i < s->len; i++)
		if (!f_store(&fresh, &s->v[i])) {
			dv_arena_clear(&fresh.arena);
			return DV_ENOMEM;
		}
	dv_arena_clear(&s->arena);
	s->arena = fresh.arena;
	s->live = fresh.live;
	s->dead = 0;
	return DV_OK;
}

static int fset_add(verify_fset_t *s, const dv_finding_t *in)
{
	if (s->len >= VERIFY_KEEP_MAX * 4)
		return DV_ELIMIT;
	if ((s->used + 1) * 10 > (s->mask + 1) * 7 || s->slots == NULL) {
		size_t cap = s->slots ? s->mask + 1 : 64;
		while ((s->len + 1) * 10 > cap * 5)
			cap *= 2;
		if (fset_rehash(s, cap) != DV_OK)
			return DV_ENOMEM;
	}
	if (dv_array_grow(&s->v, &s->cap, s->len, sizeof(*s->v), 64) != DV_OK)
		return DV_ENOMEM;
	dv_finding_t f = *in;
	if (!f_store(s, &f))
		return DV_ENOMEM;
	size_t h = f_hash(&f) & s->mask;
	while (s->slots[h] != 0 && s->slots[h] != SLOT_DEL)
		h = (h + 1) & s->mask;
	if (s->slots[h] == 0)
		s->used++;
	s->v[s->len++] = f;
	s->slots[h] = (uint32_t)s->len;
	return DV_OK;
}

/* The slot of an equal finding, or SIZE_MAX. */
static size_t fset_slot(const verify_fset_t *s, const dv_finding_t *f)
{
	if (s->slots == NULL)
		return SIZE_MAX;
	for (size_t h = f_hash(f) & s->mask; s->slots[h] != 0; h = (h + 1) & s->mask)
		if (s->slots[h] != SLOT_DEL && f_equal(&s->v[s->slots[h] - 1], f))
			return h;
	return SIZE_MAX;
}

/* Take out one finding equal to f: DV_EINVAL when there is none (the state
 * does not match its zone: the caller verifies everything instead). */
static int fset_remove(verify_fset_t *s, const dv_finding_t *f)
{
	size_t h = fset_slot(s, f);
	if (h == SIZE_MAX)
		return DV_EINVAL;
	size_t i = s->slots[h] - 1;
	s->slots[h] = SLOT_DEL;
	s->dead += f_bytes(&s->v[i]);
	s->live -= f_bytes(&s->v[i]);
	size_t last = s->len - 1;
	if (i != last) {
		/* The last one moves into the hole: its slot follows. */
		size_t hl = f_hash(&s->v[last]) & s->mask;
		while (s->slots[hl] != last + 1) {
			if (s->slots[hl] == 0)
				return DV_EINVAL;
			hl = (hl + 1) & s->mask;
		}
		s->v[i] = s->v[last];
		s->slots[hl] = (uint32_t)i + 1;
	}
	s->len--;
	return DV_OK;
}

static int fset_copy(verify_fset_t *dst, const verify_fset_t *src)
{
	memset(dst, 0, sizeof(*dst));
	int ret = DV_OK;
	for (size_t i = 0; i < src->len && ret == DV_OK; i++)
		ret = fset_add(dst, &src->v[i]);
	return ret;
}

/* out -= removed, out += added. */
static int fset_update(verify_fset_t *s, const dv_findings_t *removed, const dv_findings_t *added)
{
	int ret = DV_OK;
	for (size_t i = 0; i < removed->len && ret == DV_OK; i++)
		ret = fset_remove(s, &removed->v[i]);
	for (size_t i = 0; i < added->len && ret == DV_OK; i++)
		ret = fset_add(s, &added->v[i]);
	if (ret == DV_OK && (dv_findings_dropped(removed) > 0 || dv_findings_dropped(added) > 0))
		ret = DV_ELIMIT;
	return ret == DV_OK ? fset_compact(s) : ret;
}

static int fset_from(verify_fset_t *s, const dv_findings_t *l)
{
	int ret = DV_OK;
	for (size_t i = 0; i < l->len && ret == DV_OK; i++)
		ret = fset_add(s, &l->v[i]);
	return ret;
}

static int fset_output(const verify_fset_t *s, dv_findings_t *out)
{
	int ret = DV_OK;
	for (size_t i = 0; i < s->len && ret == DV_OK; i++)
		ret = dv_findings_add_copy(out, &s->v[i]);
	return ret;
}

/* ---- the state -------------------------------------------------------------------------- */

void dv_verify_state_spare_ready(const dv_verify_state_t *st)
{
	if (st == NULL)
		return;
	size_t recs, cands;
	verify_nsec3_bytes(st->n3, &recs, &cands);
	dv_mem_spare_ready(verify_marks_bytes(st->marks));
	dv_mem_spare_ready(recs);
	dv_mem_spare_ready(cands);
}

void dv_verify_state_free(dv_verify_state_t *st)
{
	if (st == NULL)
		return;
	verify_marks_free(st->marks);
	fset_clear(&st->sig);
	fset_clear(&st->ds);
	fset_clear(&st->nsec_f);
	fset_clear(&st->nsec3_f);
	verify_nsec3_free(st->n3);
	free(st);
}

int verify_state_fill(dv_verify_state_t *state, const dv_zone_t *z, const dv_verify_stats_t *st,
                      const dv_findings_t *sig, const dv_findings_t *ds, const dv_findings_t *nsec,
                      const dv_findings_t *nsec3, verify_nsec3_t *n3)
{
	state->zone = z;
	state->n3 = n3;
	for (size_t i = 0; i < z->rrset_count; i++) {
		uint16_t ty = z->rrsets[i].type;
		state->nsec_sets += ty == KNOT_RRTYPE_NSEC;
		state->nsec3_sets += ty == KNOT_RRTYPE_NSEC3 || ty == KNOT_RRTYPE_NSEC3PARAM;
	}
	state->nsec = state->nsec_sets > 0;
	state->nsec3 = state->nsec3_sets > 0;
	state->rrsigs = st->rrsigs;
	state->rrsigs_checked = st->rrsigs_checked;
	state->rrsigs_verified = st->rrsigs_verified;
	if (!state->carry)
		return DV_OK;
	int ret = fset_from(&state->sig, sig);
	if (ret == DV_OK)
		ret = fset_from(&state->ds, ds);
	if (ret == DV_OK)
		ret = fset_from(&state->nsec_f, nsec);
	if (ret == DV_OK)
		ret = fset_from(&state->nsec3_f, nsec3);
	/* The chain's parameter findings are given again at each step: they
	 * are not per item. */
	const dv_findings_t *pf = n3 ? verify_nsec3_param_findings(n3) : NULL;
	for (size_t i = 0; pf != NULL && i < pf->len && ret == DV_OK; i++)
		ret = fset_remove(&state->nsec3_f, &pf->v[i]);
	if (ret == DV_ELIMIT || ret == DV_EINVAL) {
		state->carry = false;
		ret = DV_OK;
	}
	return ret;
}

int dv_verify_zone_state(const dv_zone_t *z, const dv_verify_opts_t *o, dv_verify_stats_t *st,
                         dv_findings_t *out, dv_verify_state_t **state)
{
	return verify_zone_run(z, o, st, out, state);
}

/* ---- a step ------------------------------------------------------------------------------- */

/* Whether the RRsets of `type` at the apex of two versions hold the same RDATA. */
static bool apex_same(const dv_zone_t *a, const dv_zone_t *b, uint16_t type)
{
	const dv_rrset_t *x = dv_zone_rrset_find(a, 0, type), *y = dv_zone_rrset_find(b, 0, type);
	if (x == NULL || y == NULL)
		return x == y;
	if (x->rr_count != y->rr_count)
		return false;
	for (uint32_t i = 0; i < x->rr_count; i++) {
		const dv_rr_t *p = &a->rrs[x->rr_first + i], *q = &b->rrs[y->rr_first + i];
		if (p->rdlen != q->rdlen || memcmp(p->rdata, q->rdata, p->rdlen) != 0)
			return false;
	}
	return true;
}

/* Index of the first name not below dname in canonical order. */
static uint32_t name_lower(const dv_zone_t *z, const uint8_t *dname)
{
	size_t lo = 0, hi = z->name_count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (dv_dname_cmp(z->names[mid].dname, dname) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

typedef struct {
	uint32_t *v;
	size_t n, cap;
} idx_t;

static int idx_push(idx_t *x, uint32_t i)
{
	if (dv_array_grow(&x->v, &x->cap, x->n, sizeof(*x->v), 64) != DV_OK)
		return DV_ENOMEM;
	x->v[x->n++] = i;
	return DV_OK;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : (x > y);
}

static void idx_finish(idx_t *x)
{
	if (x->n > 1)
		qsort(x->v, x->n, sizeof(*x->v), u32_cmp);
	size_t o = 0;
	for (size_t i = 0; i < x->n; i++)
		if (o == 0 || x->v[o - 1] != x->v[i])
			x->v[o++] = x->v[i];
	x->n = o;
}

/* The names of both versions whose NSEC findings may change: those of the
 * delta and, in each version, the names with an NSEC before each of them
 * that may point past it.  Each name goes to both index lists where it is
 * present.  DV_ELIMIT when a walk goes too far (verify everything). */
static int nsec_items(const dv_zone_t *oz, const dv_zone_t *nz, const dv_zone_delta_t *d, idx_t *io,
                      idx_t *in)
{
	const dv_zone_t *zs[2] = {oz, nz};
	idx_t *lists[2] = {io, in};
	uint32_t *prev = malloc(NSEC_PREV_MAX * sizeof(*prev));
	if (prev == NULL)
		return DV_ENOMEM;
	int ret = DV_OK;
	for (size_t i = 0; i < d->n && ret == DV_OK; i++) {
		uint32_t at[2] = {d->v[i].old_index, d->v[i].new_index};
		for (int v = 0; v < 2 && ret == DV_OK; v++) {
			const dv_zone_t *z = zs[v];
			/* A name not in this version: walk back from where it would be. */
			uint32_t from =
			    at[v] != DV_ZONE_NONE ? at[v] : name_lower(z, d->v[i].dname);
			size_t n = verify_nsec_prev(z, from, prev, NSEC_PREV_MAX);
			if (n > NSEC_PREV_MAX) {
				ret = DV_ELIMIT;
				break;
			}
			for (size_t k = 0; k < n && ret == DV_OK; k++) {
				const uint8_t *dn = z->names[prev[k]].dname;
				ret = idx_push(lists[v], prev[k]);
				/* ... and the same name in the other version */
				long o = dv_zone_name_find(zs[1 - v], dn);
				if (ret == DV_OK && o >= 0)
					ret = idx_push(lists[1 - v], (uint32_t)o);
			}
			if (ret == DV_OK && at[v] != DV_ZONE_NONE)
				ret = idx_push(lists[v], at[v]);
		}
	}
	free(prev);
	idx_finish(io);
	idx_finish(in);
	return ret;
}

/* A list of findings kept whole (a step's findings to take out or put in). */
static void whole_list(dv_findings_t *l)
{
	memset(l, 0, sizeof(*l));
	l->limit = VERIFY_KEEP_MAX;
}

typedef struct {
	const dv_verify_state_t *old;
	const dv_zone_t *oz, *nz;
	const dv_zone_delta_t *d;
	dv_verify_opts_t o;
	dv_verify_state_t *st;
	idx_t old_names, new_names; /* of the delta, ascending */
	dv_findings_t rm, add;
	dv_verify_stats_t so, sn; /* counts of the signature pass, old and new */
} step_t;

static void step_lists_clear(step_t *s)
{
	dv_findings_clear(&s->rm);
	dv_findings_clear(&s->add);
	whole_list(&s->rm);
	whole_list(&s->add);
}

static int step_signatures(step_t *s)
{
	dv_keyset_t ks;
	int ret = verify_zone_keyset(s->nz, &ks);
	if (ret != DV_OK) {
		dv_keyset_clear(&ks);
		return ret;
	}
	/* Signatures at names whose records changed are verified again. */
	for (size_t i = 0; i < s->d->n; i++) {
		const dv_zone_changed_t *c = &s->d->v[i];
		if (!c->records || c->old_index == DV_ZONE_NONE)
			continue;
		const dv_name_t *nm = &s->oz->names[c->old_index];
		for (uint32_t k = 0; k < nm->sig_count; k++)
			verify_marks_del(s->st->marks, s->oz->rrs[nm->sig_first + k].rdata);
	}
	step_lists_clear(s);
	/* (an empty list is not "every name") */
	static const uint32_t none[1];
	ret = verify_sig_names(s->oz, &s->o, &ks, s->old_names.v ? s->old_names.v : none,
	                       s->old_names.n, s->old->marks, NULL, &s->so, &s->rm);
	if (ret == DV_OK)
		ret = verify_sig_names(s->nz, &s->o, &ks, s->new_names.v ? s->new_names.v : none,
		                       s->new_names.n, s->st->marks, s->st->marks, &s->sn, &s->add);
	if (ret == DV_OK)
		ret = fset_update(&s->st->sig, &s->rm, &s->add);
	dv_keyset_clear(&ks);
	if (ret != DV_OK)
		return ret;
	s->st->rrsigs = s->old->rrsigs - s->so.rrsigs + s->sn.rrsigs;
	s->st->rrsigs_checked =
	    s->old->rrsigs_checked - s->so.rrsigs_checked + s->sn.rrsigs_checked;
	s->st->rrsigs_verified =
	    s->old->rrsigs_verified - s->so.rrsigs_verified + s->sn.rrsigs_verified;
	/* The DS RRsets of the same names. */
	step_lists_clear(s);
	ret = verify_ds_names(s->oz, s->old_names.v, s->old_names.n, &s->rm);
	if (ret == DV_OK)
		ret = verify_ds_names(s->nz, s->new_names.v, s->new_names.n, &s->add);
	return ret == DV_OK ? fset_update(&s->st->ds, &s->rm, &s->add) : ret;
}

static int step_nsec(step_t *s)
{
	idx_t io = {0}, in = {0};
	int ret = nsec_items(s->oz, s->nz, s->d, &io, &in);
	step_lists_clear(s);
	if (ret == DV_OK)
		ret = verify_nsec_names(s->oz, io.v, io.n, &s->rm);
	if (ret == DV_OK)
		ret = verify_nsec_names(s->nz, in.v, in.n, &s->add);
	if (ret == DV_OK)
		ret = fset_update(&s->st->nsec_f, &s->rm, &s->add);
	free(io.v);
	free(in.v);
	return ret;
}

static int step_nsec3(step_t *s)
{
	step_lists_clear(s);
	int ret = verify_nsec3_step(s->old->n3, s->oz, s->nz, s->d, &s->st->n3, &s->rm, &s->add);
	if (ret == DV_OK && s->st->n3 == NULL)
		return DV_ELIMIT; /* the chain cannot be carried: everything again */
	return ret == DV_OK ? fset_update(&s->st->nsec3_f, &s->rm, &s->add) : ret;
}

/* The denial RRsets of the names of a delta, in one version. */
static void denial_sets(const dv_zone_t *z, const dv_zone_delta_t *d, bool new_version,
                        size_t *nsec, size_t *nsec3)
{
	*nsec = *nsec3 = 0;
	for (size_t i = 0; i < d->n; i++) {
		uint32_t ni = new_version ? d->v[i].new_index : d->v[i].old_index;
		if (ni == DV_ZONE_NONE)
			continue;
		const dv_name_t *nm = &z->names[ni];
		for (uint32_t k = 0; k < nm->rrset_count; k++) {
			uint16_t ty = z->rrsets[nm->rrset_first + k].type;
			*nsec += ty == KNOT_RRTYPE_NSEC;
			*nsec3 += ty == KNOT_RRTYPE_NSEC3 || ty == KNOT_RRTYPE_NSEC3PARAM;
		}
	}
}

/* Whether the step can start from the old state at all (and the counts of
 * denial RRsets of the new version). */
static bool can_step(const dv_verify_state_t *old, const dv_zone_t *oz, const dv_zone_t *nz,
                     const dv_zone_delta_t *d, size_t *nsec_sets, size_t *nsec3_sets)
{
	if (old == NULL || !old->carry || old->zone != oz || d == NULL)
		return false;
	/* A patch that touched a large part of the zone: verifying it all is
	 * as quick. */
	if (d->n > nz->name_count / 4 + 64)
		return false;
	if (!apex_same(oz, nz, KNOT_RRTYPE_DNSKEY) || !apex_same(oz, nz, KNOT_RRTYPE_NSEC3PARAM))
		return false;
	/* The kind of denial (the delta's names hold every RRset that came or went). */
	size_t on, on3, nn, nn3;
	denial_sets(oz, d, false, &on, &on3);
	denial_sets(nz, d, true, &nn, &nn3);
	*nsec_sets = old->nsec_sets - on + nn;
	*nsec3_sets = old->nsec3_sets - on3 + nn3;
	return (*nsec_sets > 0) == old->nsec && (*nsec3_sets > 0) == old->nsec3;
}

int dv_verify_zone_step(const dv_verify_state_t *old, const dv_zone_t *oz, const dv_zone_t *nz,
                        const dv_zone_delta_t *d, const dv_verify_opts_t *o, dv_verify_stats_t *st,
                        dv_findings_t *out, dv_verify_state_t **state, bool *full)
{
	*state = NULL;
	if (full != NULL)
		*full = false;
	step_t s = {.old = old, .oz = oz, .nz = nz, .d = d, .o = *o};
	s.o.presign = NULL;
	s.o.before_signatures = NULL;
	s.o.progress = NULL;
	whole_list(&s.rm);
	whole_list(&s.add);
	int ret = DV_ELIMIT;
	size_t nsec_sets, nsec3_sets;
	if (!can_step(old, oz, nz, d, &nsec_sets, &nsec3_sets))
		goto again;
	if ((s.st = calloc(1, sizeof(*s.st))) == NULL) {
		ret = DV_ENOMEM;
		goto out;
	}
	s.st->zone = nz;
	s.st->carry = true;
	s.st->nsec = old->nsec;
	s.st->nsec3 = old->nsec3;
	s.st->nsec_sets = nsec_sets;
	s.st->nsec3_sets = nsec3_sets;
	if ((ret = verify_marks_copy(old->marks, &s.st->marks)) != DV_OK ||
	    (ret = fset_copy(&s.st->sig, &old->sig)) != DV_OK ||
	    (ret = fset_copy(&s.st->ds, &old->ds)) != DV_OK ||
	    (ret = fset_copy(&s.st->nsec_f, &old->nsec_f)) != DV_OK ||
	    (ret = fset_copy(&s.st->nsec3_f, &old->nsec3_f)) != DV_OK)
		goto again;
	for (size_t i = 0; i < d->n && ret == DV_OK; i++) {
		if (d->v[i].old_index != DV_ZONE_NONE)
			ret = idx_push(&s.old_names, d->v[i].old_index);
		if (ret == DV_OK && d->v[i].new_index != DV_ZONE_NONE)
			ret = idx_push(&s.new_names, d->v[i].new_index);
	}
	idx_finish(&s.old_names);
	idx_finish(&s.new_names);
	if (ret == DV_OK)
		ret = step_signatures(&s);
	if (ret == DV_OK && old->nsec)
		ret = step_nsec(&s);
	if (ret == DV_OK && old->nsec3)
		ret = step_nsec3(&s);
	if (ret != DV_OK)
		goto again;

	/* The findings: the families carried, then what reads the whole zone. */
	bool nsec = old->nsec, nsec3 = old->nsec3;
	verify_stats_base(nz, nsec, nsec3, st);
	st->rrsigs = s.st->rrsigs;
	st->rrsigs_checked = s.st->rrsigs_checked;
	st->rrsigs_verified = s.st->rrsigs_verified;
	ret = fset_output(&s.st->sig, out);
	if (ret == DV_OK)
		ret = fset_output(&s.st->ds, out);
	if (ret == DV_OK)
		ret = fset_output(&s.st->nsec_f, out);
	if (ret == DV_OK)
		ret = fset_output(&s.st->nsec3_f, out);
	const dv_findings_t *pf = s.st->n3 ? verify_nsec3_param_findings(s.st->n3) : NULL;
	for (size_t i = 0; pf != NULL && i < pf->len && ret == DV_OK; i++)
		ret = dv_findings_add_copy(out, &pf->v[i]);
	if (ret == DV_OK)
		ret = verify_keys_apex(nz, &s.o, out);
	if (ret == DV_OK && !nsec && !nsec3)
		ret = dv_findings_add(out, DV_F_DENIAL_MISSING,
		                      &(dv_evidence_t){.owner = nz->origin}, NULL);
	if (ret == DV_OK)
		ret = dv_check_zonemd(nz, out);
	if (ret == DV_OK)
		ret = verify_sig_times(nz, &s.o, s.st->marks, st, out);
	if (ret == DV_OK)
		dv_findings_sort(out);
	if (ret == DV_OK) {
		*state = s.st;
		s.st = NULL;
	}
	goto out;
again:
	if (ret == DV_ENOMEM)
		goto out;
	/* Everything again: a full run, which keeps a fresh state. */
	dv_findings_clear(out);
	if (full != NULL)
		*full = true;
	ret = verify_zone_run(nz, &s.o, st, out, state);
out:
	dv_verify_state_free(s.st);
	free(s.old_names.v);
	free(s.new_names.v);
	dv_findings_clear(&s.rm);
	dv_findings_clear(&s.add);
	return ret;
}
