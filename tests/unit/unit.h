/* Helpers shared by the unit tests (tests/unit). */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/zone.h"
#include "findings/findings.h"
#include "zone/loader.h"

/* Presentation form of a wire name ("" for NULL), in one of four rotating
 * buffers: up to four may be used in one expression. */
static inline const char *name_str(const uint8_t *dname)
{
	static char buf[4][DV_FINDING_NAME_MAX];
	static unsigned next;
	char *b = buf[next++ % 4];
	b[0] = '\0';
	if (dname != NULL)
		dv_dname_to_str(dname, b, DV_FINDING_NAME_MAX);
	return b;
}

/* The zone of `text` (labelled "test"); the test fails when it does not load. */
static inline dv_zone_t *unit_zone_load(const char *text)
{
	dv_zone_t *z = NULL;
	char err[512] = "";
	int ret = dv_zone_load_mem(text, strlen(text), "test", NULL, &z, err, sizeof(err));
	if (ret != DV_OK)
		fprintf(stderr, "load: %s\n", err);
	assert_int_equal(ret, DV_OK);
	assert_non_null(z);
	return z;
}

/* `base` with up to two (from, to) replacements, each of which must apply
 * (the test fails otherwise); free() the result. */
static inline char *unit_text_edit(const char *base, const char *from1, const char *to1,
                                   const char *from2, const char *to2)
{
	char *cur = strdup(base);
	assert_non_null(cur);
	const char *from[2] = {from1, from2}, *to[2] = {to1, to2};
	for (int i = 0; i < 2; i++) {
		if (from[i] == NULL)
			continue;
		char *at = strstr(cur, from[i]);
		if (at == NULL)
			fprintf(stderr, "edit: '%s' not found\n", from[i]);
		assert_non_null(at);
		size_t pre = (size_t)(at - cur), fl = strlen(from[i]), tl = strlen(to[i]);
		char *n = malloc(strlen(cur) - fl + tl + 1);
		assert_non_null(n);
		memcpy(n, cur, pre);
		memcpy(n + pre, to[i], tl);
		memcpy(n + pre + tl, at + fl, strlen(at + fl) + 1);
		free(cur);
		cur = n;
	}
	return cur;
}
