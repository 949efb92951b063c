/*
 * A growable byte buffer with a ceiling: every buffer grown from untrusted
 * input has one (STYLE.md; curl's dynbuf takes its `toobig` at init).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint8_t *data;
	size_t len, cap, max;
} dv_buf_t;

/*! Start an empty buffer that may grow to `max` bytes (0: 16 MiB). */
void dv_buf_init(dv_buf_t *b, size_t max);
/*! Append len bytes.  DV_ELIMIT past the ceiling, DV_ENOMEM. */
int dv_buf_append(dv_buf_t *b, const void *p, size_t len);
/*! Release the memory; the buffer is empty and may be used again. */
void dv_buf_clear(dv_buf_t *b);
