/*
 * Signature verification while the zone is still being parsed.
 *
 * The loader hands over each run of records of one owner (signers write a
 * name's records together); worker threads verify the run's RRSIGs against
 * the run's RRsets with the apex DNSKEYs seen first, and mark each RRSIG
 * found valid in its scratch byte.  The final pass (signatures.c) trusts a
 * mark only for names whose records were all in one run: a partial RRset
 * could make a signature look valid that is not.  A partial DNSKEY set can
 * only miss keys, so "valid" stays true; everything else is verified again.
 * So the marks are an optimisation with no effect on any verdict.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>

#include "checks/checks.h"
#include "checks/keyset.h"
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
	pthread_t tid[WORKERS_MAX];
	unsigned started;
};

static void batch_free(batch_t *b)
{
	if (b == NULL)
		return;
	free(b->rrs);
	free(b->runs);
	free(b);
}

/* Verify the RRSIGs of one run; mark the valid ones. */
static void verify_run(dv_presign_t *p, const dv_rr_t *rrs, const run_t *run, dv_buf_t *buf,
                       dv_vcache_t *cache)
{
	const dv_rr_t *r = rrs + run->first;
	for (uint32_t i = 0; i < run->n; i++) {
		if (r[i].type != KNOT_RRTYPE_RRSIG || r[i].rdlen < DV_RRSIG_FIXED_LEN)
			continue;
		uint16_t covered = (uint16_t)((r[i].rdata[0] << 8) | r[i].rdata[1]);
		if (dv_keyset_verify(&p->ks, run->owner, covered, r, run->n, false, &r[i], buf,
		                     cache, NULL) == DV_OK)
			*dv_rrsig_scratch(&r[i]) = 1;
	}
}

static void *worker(void *arg)
{
	dv_presign_t *p = arg;
	dv_buf_t buf;
	dv_buf_init(&buf, (size_t)1 << 24);
	dv_vcache_t *cache = NULL;
	dv_vcache_new(&cache); /* NULL is fine: uncached */
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
		for (size_t i = 0; i < b->nruns; i++)
			verify_run(p, b->rrs, &b->runs[i], &buf, cache);
		batch_free(b);
	}
	dv_vcache_free(cache);
	dv_buf_free(&buf);
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
		if (pthread_create(&p->tid[i], NULL, worker, p) != 0)
			break;
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
		if (dv_keyset_build_rrs(rrs, n, &p->ks) == DV_OK && p->ks.n > 0)
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
	dv_keyset_free(&p->ks);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv_work);
	pthread_cond_destroy(&p->cv_space);
	free(p);
}
