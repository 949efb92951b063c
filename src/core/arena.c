#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/error.h"

struct dv_arena_chunk {
	dv_arena_chunk_t *next;
	size_t size, used;
	_Alignas(8) unsigned char data[];
};

void dv_arena_init(dv_arena_t *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : (1u << 20);
	a->total = 0;
}

void *dv_arena_alloc(dv_arena_t *a, size_t len)
{
	if (len > SIZE_MAX / 2)
		return NULL;
	len = (len + 7) & ~(size_t)7;
	dv_arena_chunk_t *c = a->head;
	if (c == NULL || c->size - c->used < len) {
		size_t sz = len > a->chunk_size ? len : a->chunk_size;
		/* Chunks are mapped, not malloc()ed: glibc would serve them from
		 * its heap once its mmap threshold has risen, and keep the memory
		 * after they are freed; a zone's scratch arena is hundreds of MiB. */
		void *m = mmap(NULL, sizeof(*c) + sz, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		c = m;
		c->size = sz;
		c->used = 0;
		/* A jumbo allocation goes behind the head so the head's free space is kept. */
		if (a->head != NULL && len > a->chunk_size) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = c->data + c->used;
	c->used += len;
	a->total += len;
	return p;
}

void *dv_arena_dup(dv_arena_t *a, const void *src, size_t len)
{
	void *p = dv_arena_alloc(a, len ? len : 1);
	if (p != NULL && len > 0)
		memcpy(p, src, len);
	return p;
}

void dv_arena_adopt(dv_arena_t *dst, dv_arena_t *src)
{
	dv_arena_chunk_t *first = src->head;
	if (first == NULL)
		return;
	dv_arena_chunk_t *last = first;
	while (last->next != NULL)
		last = last->next;
	if (dst->head == NULL) {
		dst->head = first;
	} else {
		last->next = dst->head->next;
		dst->head->next = first;
	}
	dst->total += src->total;
	src->head = NULL;
	src->total = 0;
}

void dv_arena_clear(dv_arena_t *a)
{
	dv_arena_chunk_t *c = a->head;
	while (c != NULL) {
		dv_arena_chunk_t *n = c->next;
		munmap(c, sizeof(*c) + c->size);
		c = n;
	}
	a->head = NULL;
	a->total = 0;
}

void dv_arena_reset(dv_arena_t *a)
{
	dv_arena_chunk_t *keep = a->head;
	if (keep == NULL)
		return;
	for (dv_arena_chunk_t *c = keep->next, *n; c != NULL; c = n) {
		n = c->next;
		munmap(c, sizeof(*c) + c->size);
	}
	keep->next = NULL;
	keep->used = 0;
	a->total = 0;
}

int dv_array_grow(void *v, size_t *cap, size_t len, size_t elem, size_t first)
{
	if (len < *cap)
		return DV_OK;
	void **pv = v;
	size_t ncap = *cap ? *cap * 2 : first;
	if (ncap <= len || ncap > SIZE_MAX / elem)
		return DV_ENOMEM;
	void *nv = realloc(*pv, ncap * elem);
	if (nv == NULL)
		return DV_ENOMEM;
	*pv = nv;
	*cap = ncap;
	return DV_OK;
}

void dv_mem_release(const void *from, const void *to)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)from + page - 1) / page * page;
	uintptr_t hi = (uintptr_t)to / page * page;
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* The kept blocks: any thread frees zones (the daemon's workers). */
static struct {
	pthread_mutex_t lock;
	void *p[DV_MEM_SPARE_MAX];
	size_t len[DV_MEM_SPARE_MAX];
	size_t min;
} spare = {.lock = PTHREAD_MUTEX_INITIALIZER, .min = DV_MEM_SPARE_MIN};

void dv_mem_spare_min_set(size_t len)
{
	pthread_mutex_lock(&spare.lock);
	spare.min = len;
	pthread_mutex_unlock(&spare.lock);
}

void dv_mem_spare_put(void *p)
{
	if (p == NULL)
		return;
	size_t len = malloc_usable_size(p);
	void *out = p;
	pthread_mutex_lock(&spare.lock);
	if (len < spare.min) {
		pthread_mutex_unlock(&spare.lock);
		free(p);
		return;
	}
	/* Into an empty slot, else in place of the smallest kept, if smaller. */
	size_t at = 0;
	for (size_t i = 0; i < DV_MEM_SPARE_MAX && spare.p[at] != NULL; i++)
		if (spare.p[i] == NULL || spare.len[i] < spare.len[at])
			at = i;
	if (spare.p[at] == NULL || spare.len[at] < len) {
		out = spare.p[at];
		spare.p[at] = p;
		spare.len[at] = len;
		/* The first page holds malloc's header: it stays. */
		uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
		uintptr_t lo = ((uintptr_t)p + page) / page * page;
		uintptr_t hi = ((uintptr_t)p + len) / page * page;
		if (hi > lo)
			(void)madvise((void *)lo, hi - lo, MADV_FREE);
	}
	pthread_mutex_unlock(&spare.lock);
	free(out);
}

void *dv_mem_spare_take(size_t len)
{
	void *p = NULL;
	bool short_of = false;
	pthread_mutex_lock(&spare.lock);
	if (len >= spare.min) {
		/* The smallest that fits; else the largest of at least half, grown:
		 * a version a few entries larger than the one before is the common
		 * case, and realloc() of a mapped block moves no data (mremap). */
		size_t best = DV_MEM_SPARE_MAX, near = DV_MEM_SPARE_MAX;
		for (size_t i = 0; i < DV_MEM_SPARE_MAX; i++) {
			if (spare.p[i] == NULL)
				continue;
			if (spare.len[i] >= len &&
			    (best == DV_MEM_SPARE_MAX || spare.len[i] < spare.len[best]))
				best = i;
			if (spare.len[i] >= len / 2 &&
			    (near == DV_MEM_SPARE_MAX || spare.len[i] > spare.len[near]))
				near = i;
		}
		if (best == DV_MEM_SPARE_MAX && near < DV_MEM_SPARE_MAX) {
			best = near;
			short_of = true;
		}
		if (best < DV_MEM_SPARE_MAX) {
			p = spare.p[best];
			spare.p[best] = NULL;
		}
	}
	pthread_mutex_unlock(&spare.lock);
	if (p != NULL && short_of) {
		void *q = realloc(p, len);
		if (q == NULL)
			free(p);
		p = q;
	}
	return p != NULL ? p : malloc(len ? len : 1);
}

void dv_mem_spare_ready(size_t len)
{
	pthread_mutex_lock(&spare.lock);
	bool small = len < spare.min;
	pthread_mutex_unlock(&spare.lock);
	if (small || len > SIZE_MAX / 2)
		return;
	len += len / 64 + 4096; /* a next version a little larger fits */
	void *p = malloc(len);
	if (p == NULL)
		return;
	/* A write per page: memset() after malloc() may become calloc(), which
	 * touches nothing. */
	for (size_t i = 0; i < len; i += 4096)
		((volatile unsigned char *)p)[i] = 0;
	dv_mem_spare_put(p);
}

void dv_mem_spare_drop(void)
{
	pthread_mutex_lock(&spare.lock);
	for (size_t i = 0; i < DV_MEM_SPARE_MAX; i++) {
		free(spare.p[i]);
		spare.p[i] = NULL;
	}
	pthread_mutex_unlock(&spare.lock);
}
