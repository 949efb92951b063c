/* A growable byte buffer with a ceiling (core/buf.h). */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"

void dv_buf_init(dv_buf_t *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max ? max : (size_t)16 << 20;
}

int dv_buf_append(dv_buf_t *b, const void *p, size_t len)
{
	if (len > b->max - b->len)
		return DV_ELIMIT;
	if (b->len + len > b->cap) {
		size_t nc = b->cap ? b->cap : 512;
		while (nc < b->len + len)
			nc *= 2;
		if (nc > b->max)
			nc = b->max;
		uint8_t *nd = realloc(b->data, nc);
		if (nd == NULL)
			return DV_ENOMEM;
		b->data = nd;
		b->cap = nc;
	}
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	return DV_OK;
}

void dv_buf_clear(dv_buf_t *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
