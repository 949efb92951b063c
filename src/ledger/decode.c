/*
 * Entry checks of `log verify` on a second thread: parsing each entry,
 * its canonical form and its time cost twice what reading and hashing it
 * does (jansson was half of a 1M-entry verify, measured with perf), so the
 * reader hands batches to this worker and both cores work.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ledger/ledger_int.h"

#define BATCH_ENTRIES 2048
#define BATCHES       3 /* one filled, one queued, one checked */

typedef struct {
	size_t n, len, cap;
	uint64_t pos[BATCH_ENTRIES]; /* position in the recomputed tree */
	uint64_t idx[BATCH_ENTRIES]; /* stored number, for messages */
	size_t off[BATCH_ENTRIES + 1];
	char *data;
} batch_t;

struct ledger_decoder {
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	batch_t b[BATCHES];
	uint64_t handed, finished; /* batches given to / checked by the worker */
	bool eof;
	/* The worker's own findings, merged by ledger_decoder_finish. */
	ledger_verify_result_t res;
	uint64_t anchored_size;
	int64_t last_time;
};

static void check_batch(ledger_decoder_t *d, const batch_t *b)
{
	for (size_t i = 0; i < b->n; i++) {
		json_t *e = NULL;
		int64_t t = 0;
		char why[128];
		const char *body = b->data + b->off[i];
		size_t len = b->off[i + 1] - b->off[i];
		if (ledger_entry_decode(body, len, &e, &t, why, sizeof(why)) != DV_OK) {
			ledger_problem_add(&d->res, LEDGER_ERROR, "entry_malformed", b->idx[i],
			                   "entry %llu: %s", (unsigned long long)b->idx[i], why);
			continue;
		}
		json_decref(e);
		if (t < d->last_time)
			ledger_problem_add(&d->res, LEDGER_ERROR, "entry_time_backwards", b->idx[i],
			                   "entry %llu is older than the entry before it",
			                   (unsigned long long)b->idx[i]);
		d->last_time = t;
		if (b->pos[i] == d->anchored_size)
			d->res.unanchored_since = t;
	}
}

static void *worker(void *arg)
{
	ledger_decoder_t *d = arg;
	for (uint64_t j = 0;; j++) {
		pthread_mutex_lock(&d->mu);
		while (j == d->handed && !d->eof)
			pthread_cond_wait(&d->cv, &d->mu);
		bool stop = j == d->handed;
		pthread_mutex_unlock(&d->mu);
		if (stop)
			return NULL;
		check_batch(d, &d->b[j % BATCHES]);
		pthread_mutex_lock(&d->mu);
		d->finished = j + 1;
		pthread_cond_broadcast(&d->cv);
		pthread_mutex_unlock(&d->mu);
	}
}

int ledger_decoder_start(ledger_decoder_t **out, uint64_t anchored_size)
{
	ledger_decoder_t *d = calloc(1, sizeof(*d));
	*out = NULL;
	if (d == NULL)
		return DV_ENOMEM;
	d->anchored_size = anchored_size;
	d->last_time = INT64_MIN;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	if (pthread_create(&d->thread, NULL, worker, d) != 0) {
		free(d);
		return DV_ENOMEM;
	}
	d->started = true;
	*out = d;
	return DV_OK;
}

/* Hand the batch being filled to the worker; wait for the next free one. */
static void hand_over(ledger_decoder_t *d)
{
	pthread_mutex_lock(&d->mu);
	d->handed++;
	pthread_cond_broadcast(&d->cv);
	while (d->handed - d->finished >= BATCHES)
		pthread_cond_wait(&d->cv, &d->mu);
	pthread_mutex_unlock(&d->mu);
	batch_t *b = &d->b[d->handed % BATCHES];
	b->n = 0;
	b->len = 0;
}

int ledger_decoder_push(ledger_decoder_t *d, uint64_t pos, uint64_t idx, const char *body,
                        size_t len)
{
	batch_t *b = &d->b[d->handed % BATCHES];
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 20;
		while (cap < b->len + len)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (p == NULL)
			return DV_ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	if (len > 0)
		memcpy(b->data + b->len, body, len);
	b->pos[b->n] = pos;
	b->idx[b->n] = idx;
	b->off[b->n] = b->len;
	b->len += len;
	b->off[++b->n] = b->len;
	if (b->n == BATCH_ENTRIES)
		hand_over(d);
	return DV_OK;
}

void ledger_decoder_finish(ledger_decoder_t *d, ledger_verify_result_t *res)
{
	if (d == NULL)
		return;
	if (d->b[d->handed % BATCHES].n > 0)
		hand_over(d);
	pthread_mutex_lock(&d->mu);
	d->eof = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	if (res != NULL) {
		for (size_t i = 0; i < d->res.nproblems; i++) {
			const ledger_problem_t *p = &d->res.problems[i];
			ledger_problem_add(res, p->severity, p->code, p->entry, "%s", p->message);
		}
		res->dropped += d->res.dropped;
		if (d->res.worst > res->worst)
			res->worst = d->res.worst;
		if (d->res.unanchored_since != 0)
			res->unanchored_since = d->res.unanchored_since;
	}
	for (int i = 0; i < BATCHES; i++)
		free(d->b[i].data);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d);
}
