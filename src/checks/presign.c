/*
 * Signature verification while the zone is still being parsed.
 *
 * The loader hands over each run of records of one owner (signers write a
 * name's records together); worker threads verify the run's RRSIGs against
 * the run's RRsets with the apex DNSKEYs seen first, and mark each RRSIG
 * found to verify (by the address of its RDATA, which lives as long as the
 * zone).  The final pass (signatures.c) trusts a mark only for names whose
 * records were all in one run: a partial RRset could make a signature look
 * valid that is not.  A partial DNSKEY set can only miss keys, so "valid"
 * stays true; everything else is verified again.  So the marks are an
 * optimisation with no effect on any verdict, and they are the signature
 * check's own: the zone store is never written.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "checks/checks.h"
#include "checks/verify_int.h"
#include "core/error.h"

#define BATCH_RECORDS 2048
/* Batches waiting: bounds the memory of copied runs (about 50 KiB each).
 * A deeper queue lets parsing run further ahead, so that verification still
 * has work while the zone is indexed; it is sized from the input, one batch
 * per 2 MiB, to keep that memory near 2.5 % of the file. */
#define QUEUE_MIN       32
#define QUEUE_MAX       256
#define QUEUE_PER_BYTES ((uint64_t)2 << 20)
#define WORKERS_MAX     64

typedef struct {
	const uint8_t *owner;
	uint32_t first, n;
} run_t;

/* RDATA addresses of the RRSIGs found to verify: appended by one worker,
 * then gathered into the set the signature pass looks them up in. */
typedef struct {
	const uint8_t **v;
	size_t len, cap;
} marks_t;

typedef struct batch {
	struct batch *next;
	dv_rr_t *rrs;
	size_t nrr, caprr;
	run_t *runs;
	size_t nruns, capruns;
} batch_t;

struct dv_presign {
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_space;
	batch_t *head, *tail;
	batch_t *cur[DV_ZONE_PARTS_MAX]; /* the batch each loading part fills */
	size_t queued, queue_max;
	bool closed, apex_seen;
	/* Set once by part 0 after ks is built; read by every part. */
	atomic_bool have_keys;
	atomic_bool failed;
	dv_keyset_t ks;
	uint8_t origin[DV_DNAME_MAXLEN]; /* set with ks */
	pthread_t tid[WORKERS_MAX];
	marks_t marks[WORKERS_MAX]; /* one per worker */
	unsigned started;
	/* After dv_presign_finish: every mark, in an open-addressing set. */
	const uint8_t **set;
	size_t set_mask;
};

typedef struct {
	dv_presign_t *p;
	marks_t *marks;
} worker_arg_t;

static void batch_free(batch_t *b)
{
	if (b == NULL)
		return;
	free(b->rrs);
	free(b->runs);
	free(b);
}

static void mark(marks_t *m, const uint8_t *rdata)
{
	if (m->len == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 4096;
		const uint8_t **nv = realloc(m->v, nc * sizeof(*nv));
		if (nv == NULL)
			return; /* a mark less: the final pass verifies it again */
		m->v = nv;
		m->cap = nc;
	}
	m->v[m->len++] = rdata;
}

/* Validations per RRset of a run, for the budget (dnssec.h): the types seen
 * in the run and what their signatures have used. */
#define RUN_TYPES_MAX 64

/* Verify the RRSIGs of one run; mark those that verify.  Each RRset's
 * signatures share the budget the final pass gives them; what it leaves
 * unjudged is left to the final pass (which reports it). */
static void verify_run(dv_presign_t *p, const uint8_t *origin, const dv_rr_t *rrs, const run_t *run,
                       verify_view_t *view, dv_sigcache_t *cache, dv_sig_budget_t *budget,
                       marks_t *marks)
{
	const dv_rr_t *r = rrs + run->first;
	uint16_t types[RUN_TYPES_MAX];
	uint64_t used[RUN_TYPES_MAX];
	size_t ntypes = 0;
	for (uint32_t i = 0; i < run->n; i++) {
		dv_rrsig_t sig;
		if (r[i].type != KNOT_RRTYPE_RRSIG ||
		    dv_rrsig_parse(r[i].rdata, r[i].rdlen, &sig) != DV_OK)
			continue;
		size_t t = 0;
		while (t < ntypes && types[t] != sig.type_covered)
			t++;
		if (t == ntypes) {
			if (ntypes == RUN_TYPES_MAX)
				continue; /* an odd run: the final pass verifies it */
			types[ntypes] = sig.type_covered;
			used[ntypes++] = 0;
		}
		budget->used[DV_SIG_SCOPE_RRSET] = &used[t];
		if (verify_view_build(view, run->owner, sig.type_covered, r, run->n, false) !=
		    DV_OK)
			continue;
		/* The time does not matter here: the final pass judges the window. */
		if (dv_sig_verifies(
		        dv_sig_judge(cache, &view->view, &sig, &p->ks, origin, 0, NULL)))
			mark(marks, r[i].rdata);
	}
}

static void *worker(void *arg)
{
	worker_arg_t *wa = arg;
	dv_presign_t *p = wa->p;
	verify_view_t view = {0};
	dv_sigcache_t *cache = NULL;
	dv_sig_budget_t budget;
	dv_sig_budget_init(&budget);
	if (dv_sigcache_new(0, &cache) != DV_OK)
		cache = NULL;
	else
		dv_sigcache_budget(cache, &budget);
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->head == NULL && !p->closed)
			pthread_cond_wait(&p->cv_work, &p->mu);
		batch_t *b = p->head;
		if (b != NULL) {
			p->head = b->next;
			if (p->head == NULL)
				p->tail = NULL;
			p->queued--;
			pthread_cond_signal(&p->cv_space);
		}
		pthread_mutex_unlock(&p->mu);
		if (b == NULL)
			break;
		for (size_t i = 0; cache != NULL && i < b->nruns; i++)
			verify_run(p, p->origin, b->rrs, &b->runs[i], &view, cache, &budget,
			           wa->marks);
		batch_free(b);
	}
	dv_sigcache_free(cache);
	verify_view_clear(&view);
	free(wa);
	return NULL;
}

static void push(dv_presign_t *p, batch_t *b)
{
	pthread_mutex_lock(&p->mu);
	while (p->queued >= p->queue_max)
		pthread_cond_wait(&p->cv_space, &p->mu);
	if (p->tail != NULL)
		p->tail->next = b;
	else
		p->head = b;
	p->tail = b;
	p->queued++;
	pthread_cond_signal(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
}

int dv_presign_new(unsigned threads, uint64_t input_bytes, dv_presign_t **out)
{
	dv_presign_t *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return DV_ENOMEM;
	uint64_t q = input_bytes / QUEUE_PER_BYTES;
	p->queue_max = q < QUEUE_MIN ? QUEUE_MIN : (q > QUEUE_MAX ? QUEUE_MAX : (size_t)q);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv_work, NULL);
	pthread_cond_init(&p->cv_space, NULL);
	if (threads > WORKERS_MAX)
		threads = WORKERS_MAX;
	for (unsigned i = 0; i < threads; i++) {
		worker_arg_t *wa = malloc(sizeof(*wa));
		if (wa == NULL)
			break;
		*wa = (worker_arg_t){p, &p->marks[i]};
		if (pthread_create(&p->tid[i], NULL, worker, wa) != 0) {
			free(wa);
			break;
		}
		p->started++;
	}
	*out = p;
	return DV_OK;
}

void dv_presign_run(void *ctx, unsigned part, const uint8_t *origin, const uint8_t *owner,
                    const dv_rr_t *rrs, size_t n)
{
	dv_presign_t *p = ctx;
	if (owner == NULL) {
		/* The end of loading: the records may be freed next. */
		dv_presign_finish(p);
		return;
	}
	if (part >= DV_ZONE_PARTS_MAX || atomic_load(&p->failed) || p->started == 0)
		return;
	if (part == 0 && !p->apex_seen && knot_dname_is_equal(owner, origin)) {
		/* The first run at the apex holds the keys (SOA leads a zone file,
		 * so it is in part 0).  Runs of other parts that come before the
		 * keys are known are left to the final pass. */
		p->apex_seen = true;
		memcpy(p->origin, origin, knot_dname_size(origin));
		if (verify_keyset_build(rrs, n, &p->ks) == DV_OK && p->ks.n > 0)
			atomic_store_explicit(&p->have_keys, true, memory_order_release);
	}
	if (!atomic_load_explicit(&p->have_keys, memory_order_acquire))
		return;
	batch_t *b = p->cur[part];
	if (b == NULL && (b = p->cur[part] = calloc(1, sizeof(*b))) == NULL) {
		atomic_store(&p->failed, true);
		return;
	}
	if (b->nrr + n > b->caprr) {
		size_t nc = b->caprr ? b->caprr : BATCH_RECORDS;
		while (nc < b->nrr + n)
			nc *= 2;
		dv_rr_t *nv = realloc(b->rrs, nc * sizeof(*nv));
		if (nv == NULL) {
			atomic_store(&p->failed, true);
			return;
		}
		b->rrs = nv;
		b->caprr = nc;
	}
	if (b->nruns == b->capruns) {
		size_t nc = b->capruns ? b->capruns * 2 : 256;
		run_t *nv = realloc(b->runs, nc * sizeof(*nv));
		if (nv == NULL) {
			atomic_store(&p->failed, true);
			return;
		}
		b->runs = nv;
		b->capruns = nc;
	}
	memcpy(b->rrs + b->nrr, rrs, n * sizeof(*rrs));
	b->runs[b->nruns++] = (run_t){owner, (uint32_t)b->nrr, (uint32_t)n};
	b->nrr += n;
	if (b->nrr >= BATCH_RECORDS) {
		p->cur[part] = NULL;
		push(p, b);
	}
}

static size_t mark_hash(const uint8_t *rdata)
{
	/* Fibonacci hashing of the address (RDATA is at least 8-aligned). */
	return (size_t)(((uintptr_t)rdata >> 3) * UINT64_C(0x9E3779B97F4A7C15) >> 20);
}

/* Every worker's marks into one set, so the signature pass finds a mark in
 * about one probe. */
static void gather_marks(dv_presign_t *p)
{
	size_t total = 0;
	for (unsigned i = 0; i < WORKERS_MAX; i++)
		total += p->marks[i].len;
	if (total == 0 || p->set != NULL)
		return;
	size_t cap = 1024;
	while (cap < 2 * total)
		cap *= 2;
	p->set = calloc(cap, sizeof(*p->set));
	if (p->set != NULL) {
		p->set_mask = cap - 1;
		for (unsigned i = 0; i < WORKERS_MAX; i++) {
			for (size_t k = 0; k < p->marks[i].len; k++) {
				const uint8_t *rd = p->marks[i].v[k];
				size_t h = mark_hash(rd) & p->set_mask;
				while (p->set[h] != NULL && p->set[h] != rd)
					h = (h + 1) & p->set_mask;
				p->set[h] = rd;
			}
		}
	}
	for (unsigned i = 0; i < WORKERS_MAX; i++) {
		free(p->marks[i].v);
		p->marks[i] = (marks_t){0};
	}
}

bool dv_presign_marked(const dv_presign_t *p, const dv_rr_t *sig)
{
	if (p == NULL || p->set == NULL)
		return false;
	for (size_t h = mark_hash(sig->rdata) & p->set_mask; p->set[h] != NULL;
	     h = (h + 1) & p->set_mask)
		if (p->set[h] == sig->rdata)
			return true;
	return false;
}

void dv_presign_finish(dv_presign_t *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < DV_ZONE_PARTS_MAX; i++) {
		if (p->cur[i] != NULL) {
			push(p, p->cur[i]);
			p->cur[i] = NULL;
		}
	}
	pthread_mutex_lock(&p->mu);
	p->closed = true;
	pthread_cond_broadcast(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->started; i++)
		pthread_join(p->tid[i], NULL);
	p->started = 0;
	gather_marks(p);
#ifdef __GLIBC__
	/* The batches were small blocks spread over the workers' malloc arenas;
	 * glibc keeps such memory once freed.  Hand it back before the checks
	 * that follow allocate theirs (peak memory is a target). */
	malloc_trim(0);
#endif
}

void dv_presign_free(dv_presign_t *p)
{
	if (p == NULL)
		return;
	dv_presign_finish(p);
	while (p->head != NULL) {
		batch_t *b = p->head;
		p->head = b->next;
		batch_free(b);
	}
	dv_keyset_clear(&p->ks);
	for (unsigned i = 0; i < WORKERS_MAX; i++)
		free(p->marks[i].v);
	free(p->set);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv_work);
	pthread_cond_destroy(&p->cv_space);
	free(p);
}
