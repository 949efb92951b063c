/*
 * A bump allocator: many small allocations, one free.  Zone data (names,
 * RDATA) lives here so that loading a zone costs no malloc per record.
 */
#pragma once

#include <stddef.h>

typedef struct dv_arena_chunk dv_arena_chunk_t;

typedef struct {
	dv_arena_chunk_t *head;
	size_t chunk_size; /*!< default size of new chunks */
	size_t total;      /*!< bytes handed out (statistics) */
} dv_arena_t;

/*! Initialise an empty arena; chunk_size 0 selects 1 MiB. */
void dv_arena_init(dv_arena_t *a, size_t chunk_size);
/*! Allocate len bytes aligned to 8; NULL when out of memory.  Owned by the arena. */
void *dv_arena_alloc(dv_arena_t *a, size_t len);
/*! Copy len bytes into the arena; NULL when out of memory. */
void *dv_arena_dup(dv_arena_t *a, const void *src, size_t len);
/*! Move every chunk of src into dst (behind dst's head, whose free space
 *  stays in use); src is left empty.  Pointers into src's memory stay valid. */
void dv_arena_adopt(dv_arena_t *dst, dv_arena_t *src);
/*! Release every chunk; the arena is empty and may be used again. */
void dv_arena_clear(dv_arena_t *a);
/*! Empty the arena but keep its head chunk mapped for the next allocations
 *  (scratch memory reused many times); every pointer into it is invalid. */
void dv_arena_reset(dv_arena_t *a);

/*!
 * Make room in a growable array for one more element: when len == *cap,
 * reallocate *v to twice the capacity (or `first` elements).  Returns 0 or
 * DV_ENOMEM (the array is left as it was).
 */
int dv_array_grow(void *v, size_t *cap, size_t len, size_t elem, size_t first);

/*!
 * Large arrays kept for reuse.  A new version of a big zone (dv_zone_patch)
 * fills arrays of hundreds of MiB; fresh memory costs a page fault and a
 * zeroed page per 4 KiB, which was three times the copying itself.  The
 * arrays of the version it replaces are freed soon after, so they are kept
 * here for the next one instead: at most DV_MEM_SPARE_MAX blocks of at least
 * DV_MEM_SPARE_MIN bytes, the largest kept.  Kept blocks are given to the
 * kernel lazily (MADV_FREE): under memory pressure they cost nothing.
 */
enum { DV_MEM_SPARE_MAX = 8, DV_MEM_SPARE_MIN = 8 << 20 };

/*! free() p (from malloc), or keep it for dv_mem_spare_take(). */
void dv_mem_spare_put(void *p);
/*! A block of at least len bytes: the smallest kept one that fits, else
 *  the largest kept one of at least len / 2 grown by realloc(), else
 *  malloc(len).  Its contents are undefined; free() it or
 *  dv_mem_spare_put() it. */
void *dv_mem_spare_take(size_t len);
/*! Keep a block of len bytes (and a little more) whose pages are already
 *  touched: for the first next version of something big, which would else
 *  fault in fresh memory (nothing yet freed to reuse).  Below the minimum
 *  size, nothing. */
void dv_mem_spare_ready(size_t len);
/*! free() every kept block. */
void dv_mem_spare_drop(void);
/*! Keep blocks of at least len bytes (tests: 0 reuses every block). */
void dv_mem_spare_min_set(size_t len);

/*! Give back the whole pages inside [from, to): memory read for the last
 *  time.  A private file mapping reads them again from the file if touched;
 *  other memory comes back as zeros. */
void dv_mem_release(const void *from, const void *to);
