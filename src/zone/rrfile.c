#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <libzscanner/scanner.h>

#include "core/error.h"
#include "core/zone.h"
#include "core/canon.h"
#include "zone/rrfile.h"

#define RRFILE_MAX 100000
/* Files up to this size are read whole to look for CRs (a DS or hints file is
 * a few KiB); larger ones go to libzscanner as they are. */
#define RRFILE_READ_MAX ((off_t)64 << 20)

typedef struct {
	dv_rrfile_t *out;
	size_t cap;
	int ret;
	char *err;
	size_t errlen;
	const char *path;
} ctx_t;

static void fail_at(zs_scanner_t *s, ctx_t *c, int ret, const char *msg)
{
	if (c->ret == DV_OK) {
		c->ret = ret;
		snprintf(c->err, c->errlen, "%s:%llu: %s", s->file.name ? s->file.name : c->path,
		         (unsigned long long)s->line_counter, msg);
	}
	s->state = ZS_STATE_STOP;
}

static void on_error(zs_scanner_t *s)
{
	fail_at(s, s->process.data, DV_EPARSE, zs_strerror(s->error.code));
}

static void on_record(zs_scanner_t *s)
{
	ctx_t *c = s->process.data;
	dv_rrfile_t *o = c->out;
	if (o->n >= RRFILE_MAX) {
		fail_at(s, c, DV_ELIMIT, "too many records");
		return;
	}
	if (o->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		dv_rrfile_rr_t *nv = realloc(o->v, nc * sizeof(*nv));
		if (nv == NULL) {
			fail_at(s, c, DV_ENOMEM, "out of memory");
			return;
		}
		o->v = nv;
		c->cap = nc;
	}
	dv_rrfile_rr_t *r = &o->v[o->n];
	memset(r, 0, sizeof(*r));
	memcpy(r->owner, s->r_owner, s->r_owner_length);
	knot_dname_to_lower(r->owner);
	r->type = s->r_type;
	r->ttl = s->r_ttl;
	r->line = (uint32_t)s->line_counter;
	r->rdlen = (uint16_t)s->r_data_length;
	r->rdata = malloc(s->r_data_length ? s->r_data_length : 1);
	if (r->rdata == NULL) {
		fail_at(s, c, DV_ENOMEM, "out of memory");
		return;
	}
	memcpy(r->rdata, s->r_data, s->r_data_length);
	o->n++;
	if (dv_rdata_canonicalize(r->type, r->rdata, r->rdlen) != DV_OK)
		fail_at(s, c, DV_EPARSE, "malformed RDATA");
}

/* The file with CRLF line ends turned into LF (libzscanner refuses CRs), or
 * *text NULL when it has none or is too large to read whole. */
static int read_lf(const char *path, off_t size, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	if (size <= 0 || size > RRFILE_READ_MAX)
		return DV_OK;
	int ret = dv_file_read_lf(path, text, len);
	if (ret == DV_OK && *len == (size_t)size) {
		free(*text); /* nothing changed: libzscanner reads the file itself */
		*text = NULL;
	}
	return ret;
}

int dv_rrfile_load(const char *path, const char *origin, dv_rrfile_t *out, char *err, size_t errlen)
{
	char dummy[8];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	out->v = NULL;
	out->n = 0;
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s:0: %s", path, strerror(errno));
		return DV_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s:0: not a regular file", path);
		return DV_EIO;
	}
	char *text;
	size_t tlen;
	int r = read_lf(path, st.st_size, &text, &tlen);
	if (r != DV_OK) {
		snprintf(err, errlen, "%s:0: %s", path, dv_strerror(r));
		return r;
	}
	zs_scanner_t *s = malloc(sizeof(*s));
	if (s == NULL) {
		free(text);
		return DV_ENOMEM;
	}
	ctx_t c = {.out = out, .err = err, .errlen = errlen, .path = path};
	if (zs_init(s, origin ? origin : ".", KNOT_CLASS_IN, 3600) != 0) {
		free(s);
		free(text);
		snprintf(err, errlen, "%s:0: invalid origin", path);
		return DV_EINVAL;
	}
	if ((text ? zs_set_input_string(s, text, tlen) : zs_set_input_file(s, path)) != 0) {
		snprintf(err, errlen, "%s:0: %s", path, zs_strerror(s->error.code));
		c.ret = DV_EIO;
	} else if (zs_set_processing(s, on_record, on_error, &c) != 0) {
		c.ret = DV_EINVAL;
	} else if (zs_parse_all(s) != 0 && c.ret == DV_OK) {
		fail_at(s, &c, DV_EPARSE, zs_strerror(s->error.code));
	}
	zs_deinit(s);
	free(s);
	free(text);
	if (c.ret != DV_OK)
		dv_rrfile_clear(out);
	return c.ret;
}

void dv_rrfile_clear(dv_rrfile_t *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].rdata);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
