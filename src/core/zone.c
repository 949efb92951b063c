/*
 * Zone loading (libzscanner) and canonical indexing.  See zone.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <libzscanner/scanner.h>

#include "core/error.h"
#include "core/generate.h"
#include "core/zone.h"
#include "core/buf.h"
#include "core/canon.h"

/* An owner as parsed: its lowercased wire name and lookup key, shared by the
 * records that follow it directly in the file. */
typedef struct {
	const uint8_t *dname;
	const uint8_t *lf;
	uint32_t ord; /* final name index, after sorting and merging */
	uint32_t line;
	bool split; /* the name has records in more than one run */
} owner_t;

typedef struct {
	owner_t *owner;
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
	uint32_t line;
	bool inc; /* from an $INCLUDEd file: its line is not moved by part offsets */
	const uint8_t *rdata;
} rec_t;

typedef struct shared shared_t;

typedef struct {
	dv_zone_t *zone;
	const dv_zone_opts_t *opts;
	dv_arena_t *arena; /* zone data: the zone's arena, or a part's own */
	unsigned part;     /* the part of the input parsed here (0: the only one) */
	shared_t *sh;      /* parallel parsing: what the parts share; NULL: serial */
	rec_t *recs;
	size_t nrecs, caprecs;
	owner_t **owners; /* every owner_t allocated, in file order */
	size_t nowners, capowners;
	owner_t *last;
	uint16_t class;
	int ret;
	char *errbuf;
	size_t errlen;
	uint64_t total_bytes, next_progress, reported;
	bool stop_at_soa; /* origin discovery pass */
	uint8_t soa_owner[DV_DNAME_MAXLEN];
	bool found_soa;
	size_t dropped;     /* bytes of the mapped input given back */
	dv_arena_t scratch; /* owner_t and sort keys, freed after indexing */
	const char *label;  /* the input being parsed, for messages (strings have no file name) */
	uint32_t line_override; /* records expanded from $GENERATE carry its line */
	uint64_t line_base;     /* lines before the input being parsed (resumption) */
	unsigned depth;         /* $INCLUDE nesting */
	/* After a $GENERATE line the scanner cannot go on (it takes the unknown
	 * directive as a fatal error): parsing resumes after the line. */
	const char *resume;
	size_t resume_len;
	uint64_t resume_line;
	size_t run_start; /* first record of the current owner's run */
	dv_rr_t *runbuf;  /* the run handed to opts->on_run */
	size_t runcap;
	unsigned incl;   /* $INCLUDE depth (records from included files keep their lines) */
	const char *map; /* the loader's own read-only mapping of the file, if any */
	size_t map_len;
	/* The scanner's state where the top-level input ended. */
	bool ended;
	uint32_t end_ttl;
	uint8_t end_origin[DV_DNAME_MAXLEN];
} load_t;

/* Parsing a file in parts on several threads. */
struct shared {
	atomic_bool abort;  /* a part failed: the others stop, the file is parsed again */
	pthread_mutex_t mu; /* progress reports */
	uint64_t done;      /* bytes parsed, all parts */
};

__attribute__((format(printf, 5, 6))) static void set_error(load_t *ld, int ret, const char *file,
                                                            uint64_t line, const char *fmt, ...)
{
	if (ld->ret != DV_OK)
		return;
	ld->ret = ret;
	int n = snprintf(ld->errbuf, ld->errlen, "%s:%llu: ", file ? file : "(input)",
	                 (unsigned long long)line);
	if (n < 0 || (size_t)n >= ld->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ld->errbuf + n, ld->errlen - n, fmt, ap);
	va_end(ap);
}

static const char *scanner_file(const zs_scanner_t *s, const load_t *ld)
{
	return s->file.name ? s->file.name : ld->label;
}

static uint64_t scanner_line(const zs_scanner_t *s, const load_t *ld)
{
	return ld->line_override ? ld->line_override : ld->line_base + s->line_counter;
}

/* The line zscanner stopped on: after an error input.current is at its end. */
static void error_line(const zs_scanner_t *s, const char **line, size_t *len)
{
	*line = NULL;
	*len = 0;
	const char *st = s->input.start, *e = s->input.current;
	if (st == NULL || e == NULL || e < st || e > s->input.end)
		return;
	if (e > st && (e == s->input.end || *e != '\n') && e[-1] == '\n')
		e--;
	const char *b = e;
	while (b > st && b[-1] != '\n')
		b--;
	while (e > b && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*line = b;
	*len = (size_t)(e - b);
}

static owner_t *owner_new(load_t *ld, const uint8_t *dname, size_t len, uint32_t line)
{
	/* The name stays with the zone; the owner record and its sort key
	 * live in a scratch arena that is freed once the zone is indexed. */
	owner_t *o = dv_arena_alloc(&ld->scratch, sizeof(*o));
	uint8_t *d = dv_arena_dup(ld->arena, dname, len);
	if (o == NULL || d == NULL)
		return NULL;
	knot_dname_to_lower(d);
	knot_dname_storage_t st;
	const uint8_t *lf = knot_dname_lf(d, st);
	uint8_t *lfc = lf ? dv_arena_dup(&ld->scratch, lf, (size_t)lf[0] + 1) : NULL;
	if (lfc == NULL)
		return NULL;
	o->dname = d;
	o->lf = lfc;
	o->ord = 0;
	o->split = false;
	o->line = line;
	if (ld->nowners == ld->capowners) {
		size_t nc = ld->capowners ? ld->capowners * 2 : 1024;
		owner_t **nv = realloc(ld->owners, nc * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		ld->owners = nv;
		ld->capowners = nc;
	}
	ld->owners[ld->nowners++] = o;
	return o;
}

static int run_scanner(load_t *ld, const char *path, const char *data, size_t len,
                       const char *label, const char *origin, uint32_t dttl);

/* $GENERATE: libzscanner reports it as an unknown directive; expand the line
 * and parse the records it makes with the directive's origin and TTL. */
static void on_generate(zs_scanner_t *s, load_t *ld, const char *line, size_t len)
{
	char err[256], origin[1025];
	dv_buf_t buf;
	dv_buf_init(&buf, (size_t)256 << 20);
	int ret = dv_generate_expand(line, len, &buf, err, sizeof(err));
	if (ret != DV_OK) {
		set_error(ld, ret, scanner_file(s, ld), scanner_line(s, ld), "%s", err);
		s->state = ZS_STATE_STOP;
		goto out;
	}
	if (s->input.current == NULL || s->input.current > s->input.end) {
		set_error(ld, DV_EPARSE, scanner_file(s, ld), scanner_line(s, ld),
		          "$GENERATE: cannot find the end of the line");
		goto out;
	}
	if (knot_dname_to_str(origin, s->zone_origin, sizeof(origin)) == NULL) {
		set_error(ld, DV_EPARSE, scanner_file(s, ld), scanner_line(s, ld), "bad origin");
		goto out;
	}
	const char *label = ld->label;
	char file[1024];
	snprintf(file, sizeof(file), "%s", scanner_file(s, ld));
	ld->label = file;
	ld->line_override = (uint32_t)scanner_line(s, ld);
	uint64_t base = ld->line_base;
	ld->line_base = 0;
	run_scanner(ld, NULL, (const char *)buf.data, buf.len, file, origin, s->default_ttl);
	ld->line_base = base;
	ld->line_override = 0;
	ld->label = label;
	/* Resume after the directive's line (input.current is at its end). */
	const char *cur = s->input.current;
	if (cur < s->input.end && *cur == '\n')
		cur++;
	ld->resume = cur;
	ld->resume_len = (size_t)(s->input.end - cur);
	ld->resume_line = scanner_line(s, ld);
	s->state = ZS_STATE_STOP;
out:
	dv_buf_clear(&buf);
}

static void on_error(zs_scanner_t *s)
{
	load_t *ld = s->process.data;
	const char *line;
	size_t len;
	error_line(s, &line, &len);
	if (s->error.code == ZS_BAD_DIRECTIVE && len >= 9 &&
	    strncasecmp(line, "$GENERATE", 9) == 0 && ld->line_override == 0) {
		on_generate(s, ld, line, len);
		return;
	}
	/* Quote the offending line (printable, shortened): zscanner's messages
	 * do not say which token was wrong. */
	char quote[84];
	size_t n = 0;
	for (size_t i = 0; i < len && n < 80; i++)
		quote[n++] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
	quote[n] = '\0';
	set_error(ld, DV_EPARSE, scanner_file(s, ld), scanner_line(s, ld), "%s%s%s%s",
	          zs_strerror(s->error.code), n ? ": '" : "", quote,
	          n ? (len > 80 ? "...'" : "'") : "");
	s->state = ZS_STATE_STOP;
}

/* Hand the records since run_start (one owner) to the on_run hook. */
static void flush_run(load_t *ld)
{
	size_t n = ld->nrecs - ld->run_start;
	if (ld->opts->on_run == NULL || n == 0 || ld->ret != DV_OK)
		return;
	if (n > ld->runcap) {
		dv_rr_t *nb = realloc(ld->runbuf, n * sizeof(*nb));
		if (nb == NULL)
			return; /* the hook is an optimisation: skipping a run is safe */
		ld->runbuf = nb;
		ld->runcap = n;
	}
	const rec_t *r = &ld->recs[ld->run_start];
	for (size_t i = 0; i < n; i++)
		ld->runbuf[i] = (dv_rr_t){.type = r[i].type,
		                          .rdlen = r[i].rdlen,
		                          .ttl = r[i].ttl,
		                          .line = r[i].line,
		                          .rdata = r[i].rdata};
	ld->opts->on_run(ld->opts->run_ctx, ld->part, ld->zone->origin, r[0].owner->dname,
	                 ld->runbuf, n);
	ld->run_start = ld->nrecs;
}

/* Give back the whole pages inside [from, to), memory read for the last
 * time: a private file mapping reads them again from the file if touched,
 * other memory comes back as zeros. */
static void pages_release(const void *from, const void *to)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)from + page - 1) / page * page;
	uintptr_t hi = (uintptr_t)to / page * page;
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* zscanner maps the whole file; pages already parsed are never read again,
 * so give them back (a private read-only file mapping re-reads them from the
 * file if touched).  This keeps peak memory near the size of the parsed data
 * rather than that plus the file.  ld->dropped counts from the scanner's
 * input start; only whole pages inside the input are given back, so parts of
 * one mapping parsed side by side never drop each other's pages. */
static void drop_parsed_input(zs_scanner_t *s, load_t *ld)
{
	const char *st = s->input.start, *cur = s->input.current;
	if (st == NULL || cur < st)
		return;
	if (!s->input.mmaped &&
	    !(ld->map != NULL && st >= ld->map && s->input.end <= ld->map + ld->map_len))
		return; /* memory that is not a file mapping would be lost */
	/* Dropped pages of a private file mapping are read again from the file
	 * if touched (an error message quotes its line), so the margin only
	 * saves work; a small step keeps the part of the file held small. */
	const size_t margin = (size_t)256 << 10, step = (size_t)2 << 20;
	size_t done = (size_t)(cur - st);
	if (done < ld->dropped + margin + step)
		return;
	pages_release(st + ld->dropped, st + done - margin);
	ld->dropped = done - margin;
}

/* Progress: in parts, the bytes of all parts together. */
static void report_progress(zs_scanner_t *s, load_t *ld)
{
	if (ld->opts->progress == NULL || ld->total_bytes == 0 || s->input.start == NULL ||
	    s->input.current < s->input.start || ld->incl > 0)
		return;
	uint64_t done = (uint64_t)(s->input.current - s->input.start);
	if (done < ld->next_progress)
		return;
	if (ld->sh == NULL) {
		ld->opts->progress(ld->opts->progress_ctx, done, ld->total_bytes);
	} else {
		pthread_mutex_lock(&ld->sh->mu);
		if (done > ld->reported) /* ($GENERATE restarts the count) */
			ld->sh->done += done - ld->reported;
		ld->reported = done;
		ld->opts->progress(ld->opts->progress_ctx, ld->sh->done, ld->total_bytes);
		pthread_mutex_unlock(&ld->sh->mu);
	}
	ld->next_progress = done + (1u << 20);
}

static void on_record(zs_scanner_t *s)
{
	load_t *ld = s->process.data;
	const char *file = scanner_file(s, ld);
	uint64_t line = scanner_line(s, ld);

	if (ld->stop_at_soa) {
		if (s->r_type == KNOT_RRTYPE_SOA) {
			memcpy(ld->soa_owner, s->r_owner, s->r_owner_length);
			ld->found_soa = true;
			s->state = ZS_STATE_STOP;
		}
		return;
	}
	/* Owners are kept lowercase (canonical form, RFC 4034 §6.2); lowering
	 * the scanner's copy keeps its relative-owner logic intact. */
	knot_dname_to_lower(s->r_owner);
	if (ld->nrecs == 0)
		ld->class = s->r_class;
	if (s->r_class != ld->class) {
		set_error(ld, DV_ENOTZONE, file, line,
		          "record class %u differs from the zone's class %u", s->r_class,
		          ld->class);
		s->state = ZS_STATE_STOP;
		return;
	}
	/* Owners usually repeat in runs: share one owner_t per run (and check
	 * it is in the zone once). */
	bool same = ld->last != NULL && knot_dname_is_equal(ld->last->dname, s->r_owner);
	if (!same && knot_dname_in_bailiwick(s->r_owner, ld->zone->origin) < 0) {
		char owner[1025];
		dv_dname_to_str(s->r_owner, owner, sizeof(owner));
		set_error(ld, DV_ENOTZONE, file, line, "record owner %s is outside the zone %s",
		          owner, ld->zone->origin_str);
		s->state = ZS_STATE_STOP;
		return;
	}
	if (ld->sh != NULL && atomic_load_explicit(&ld->sh->abort, memory_order_relaxed)) {
		ld->ret = DV_EPARSE; /* another part failed: this one gives up too */
		s->state = ZS_STATE_STOP;
		return;
	}
	if (ld->nrecs >= DV_ZONE_MAX_RRS) {
		set_error(ld, DV_ELIMIT, file, line, "more than %u records", DV_ZONE_MAX_RRS);
		s->state = ZS_STATE_STOP;
		return;
	}
	owner_t *o = ld->last;
	if (!same) {
		flush_run(ld);
		o = owner_new(ld, s->r_owner, s->r_owner_length, (uint32_t)line);
		if (o == NULL)
			goto nomem;
		ld->last = o;
	}
	uint8_t *rd = dv_arena_alloc(ld->arena, s->r_data_length + 1);
	if (rd == NULL)
		goto nomem;
	memcpy(rd, s->r_data, s->r_data_length);
	if (dv_rdata_canonicalize(s->r_type, rd, s->r_data_length) != DV_OK) {
		set_error(ld, DV_EPARSE, file, line, "malformed RDATA");
		s->state = ZS_STATE_STOP;
		return;
	}
	if (ld->nrecs == ld->caprecs) {
		/* First guess from the input size (~80 bytes of text per record
		 * in signed zones), then grow by half: doubling would leave up to
		 * half of the largest array unused. */
		size_t nc = ld->caprecs ? ld->caprecs + ld->caprecs / 2
		                        : (size_t)(ld->total_bytes / 80) + 4096;
		rec_t *nv = realloc(ld->recs, nc * sizeof(*nv));
		if (nv == NULL)
			goto nomem;
		ld->recs = nv;
		ld->caprecs = nc;
	}
	ld->recs[ld->nrecs++] = (rec_t){
	    .owner = o,
	    .type = s->r_type,
	    .rdlen = (uint16_t)s->r_data_length,
	    .ttl = s->r_ttl,
	    .line = (uint32_t)scanner_line(s, ld),
	    .inc = ld->incl > 0,
	    .rdata = rd,
	};
	report_progress(s, ld);
	drop_parsed_input(s, ld);
	return;
nomem:
	set_error(ld, DV_ENOMEM, file, line, "out of memory");
	s->state = ZS_STATE_STOP;
}

static int lf_cmp(const uint8_t *a, const uint8_t *b)
{
	size_t la = a[0], lb = b[0];
	int c = memcmp(a + 1, b + 1, la < lb ? la : lb);
	if (c != 0)
		return c;
	return la < lb ? -1 : (la > lb ? 1 : 0);
}

static int owner_ptr_cmp(const void *pa, const void *pb)
{
	const owner_t *a = *(owner_t *const *)pa, *b = *(owner_t *const *)pb;
	return lf_cmp(a->lf, b->lf);
}

/* RFC 4034 §6.3: RRs of an RRset in order of their canonical RDATA as
 * left-justified octet strings. */
static int rdata_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);
	if (c != 0)
		return c;
	return la < lb ? -1 : (la > lb ? 1 : 0);
}

static int rec_cmp(const void *pa, const void *pb)
{
	const rec_t *a = pa, *b = pb;
	if (a->owner->ord != b->owner->ord)
		return a->owner->ord < b->owner->ord ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return rdata_cmp(a->rdata, a->rdlen, b->rdata, b->rdlen);
}

#define INCLUDE_DEPTH_MAX 8

/* Whether a file holds a CR byte; read in blocks so that nothing of it stays
 * resident.  libzscanner refuses CRLF line ends. */
static int file_has_cr(const char *path, bool *has)
{
	*has = false;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return DV_EIO;
	char buf[65536];
	size_t n;
	while (!*has && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		*has = memchr(buf, '\r', n) != NULL;
	int ret = ferror(f) ? DV_EIO : DV_OK;
	fclose(f);
	return ret;
}

size_t dv_crlf_strip(char *buf, size_t len)
{
	size_t w = 0;
	for (size_t r = 0; r < len; r++)
		if (!(buf[r] == '\r' && r + 1 < len && buf[r + 1] == '\n'))
			buf[w++] = buf[r];
	return w;
}

int dv_file_read_lf(const char *path, char **out, size_t *outlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return DV_EIO;
	int ret = DV_EIO;
	char *buf = NULL;
	if (fseek(f, 0, SEEK_END) != 0)
		goto out;
	long size = ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc((size_t)size + 1);
	ret = DV_ENOMEM;
	if (buf == NULL)
		goto out;
	ret = DV_EIO;
	if (fread(buf, 1, (size_t)size, f) != (size_t)size)
		goto out;
	*out = buf;
	*outlen = dv_crlf_strip(buf, (size_t)size);
	buf = NULL;
	ret = DV_OK;
out:
	free(buf);
	fclose(f);
	return ret;
}

/*
 * Parse a file or string with zscanner, one record at a time.  The record
 * loop (rather than zs_parse_all) keeps input.current up to date, which the
 * progress line and the release of parsed input pages need; it also makes
 * $INCLUDE ours to follow, with a depth limit against include loops.
 * `label` names the input in messages.
 */
static int run_scanner(load_t *ld, const char *path, const char *data, size_t len,
                       const char *label, const char *origin, uint32_t dttl)
{
	/* The top-level input comes without CRLF (load() saw to it; $GENERATE
	 * text is made from it): only an $INCLUDEd file is searched here. */
	char *lf_copy = NULL;
	if (path != NULL && ld->depth > 0) {
		bool cr = false;
		if (file_has_cr(path, &cr) != DV_OK) {
			set_error(ld, DV_EIO, path, 0, "cannot read the file");
			return ld->ret;
		}
		if (cr) {
			int r = dv_file_read_lf(path, &lf_copy, &len);
			if (r != DV_OK) {
				set_error(ld, r, path, 0, "%s", dv_strerror(r));
				return ld->ret;
			}
			data = lf_copy;
			label = path;
			path = NULL;
		}
	}
	zs_scanner_t *s = malloc(sizeof(*s));
	if (s == NULL) {
		free(lf_copy);
		return DV_ENOMEM;
	}
	const char *outer_label = ld->label;
	size_t outer_dropped = ld->dropped;
	ld->dropped = 0;
	ld->label = label;
	ld->depth++;
	if (zs_init(s, origin, KNOT_CLASS_IN, dttl) != 0) {
		set_error(ld, DV_EINVAL, label, 0, "invalid origin '%s'", origin);
		free(s);
		goto done;
	}
	int r = path ? zs_set_input_file(s, path) : zs_set_input_string(s, data, len);
	if (r != 0) {
		set_error(ld, path ? DV_EIO : DV_EPARSE, label, 0, "%s",
		          path ? "cannot open the file" : zs_strerror(s->error.code));
		goto out;
	}
	s->process.data = ld;
	zs_scanner_t *first = s;
	zs_scanner_t *cont = NULL; /* the scanner resuming after a $GENERATE */
	zs_scanner_t *cur = s;
	uint64_t outer_base = ld->line_base;
	for (;;) {
		s = cur;
		while (ld->ret == DV_OK) {
			r = zs_parse_record(s);
			if (s->state == ZS_STATE_DATA) {
				on_record(s);
			} else if (s->state == ZS_STATE_ERROR || r != 0) {
				on_error(s);
			} else if (s->state == ZS_STATE_INCLUDE) {
				/* RFC 1035 §5.1: $INCLUDE file [origin]; zscanner resolved both,
				 * except a relative name in input that did not come from a file. */
				char inc_origin[1025], inc_path[4096];
				size_t ol = strnlen((const char *)s->buffer, sizeof(s->buffer));
				if (ol >= sizeof(inc_origin))
					ol = sizeof(inc_origin) - 1;
				memcpy(inc_origin, s->buffer, ol); /* the origin, in text form */
				inc_origin[ol] = '\0';
				const char *slash = strrchr(label, '/');
				size_t dl =
				    (s->include_filename[0] != '/' && path == NULL && slash != NULL)
				        ? (size_t)(slash - label) + 1
				        : 0;
				size_t fl =
				    strnlen(s->include_filename, sizeof(s->include_filename));
				if (dl + fl >= sizeof(inc_path)) {
					set_error(ld, DV_ELIMIT, scanner_file(s, ld),
					          scanner_line(s, ld),
					          "$INCLUDE file name too long");
					break;
				}
				memcpy(inc_path, label, dl);
				memcpy(inc_path + dl, s->include_filename, fl);
				inc_path[dl + fl] = '\0';
				if (ld->depth > INCLUDE_DEPTH_MAX) {
					set_error(
					    ld, DV_ELIMIT, scanner_file(s, ld), scanner_line(s, ld),
					    "$INCLUDE nested deeper than %d", INCLUDE_DEPTH_MAX);
					break;
				}
				struct stat ist;
				errno = 0;
				if (stat(inc_path, &ist) != 0 || !S_ISREG(ist.st_mode)) {
					set_error(ld, DV_EIO, scanner_file(s, ld),
					          scanner_line(s, ld), "$INCLUDE %s: %s", inc_path,
					          errno ? strerror(errno) : "not a regular file");
					break;
				}
				ld->incl++;
				r = run_scanner(ld, inc_path, NULL, 0, inc_path, inc_origin,
				                s->default_ttl);
				ld->incl--;
				if (r != DV_OK)
					break;
			} else {
				if (s->state == ZS_STATE_EOF && ld->depth == 1) {
					/* Where the input ends: the next part must start so. */
					ld->ended = true;
					ld->end_ttl = s->default_ttl;
					size_t ol = s->zone_origin_length;
					if (ol > sizeof(ld->end_origin))
						ol = sizeof(ld->end_origin);
					memcpy(ld->end_origin, s->zone_origin, ol);
				}
				break; /* ZS_STATE_EOF or ZS_STATE_STOP */
			}
			if (s->state == ZS_STATE_STOP)
				break;
		}
		if (ld->resume == NULL || ld->ret != DV_OK)
			break;
		/* Go on after the $GENERATE line with its origin and TTL; the first
		 * scanner stays alive because the rest of the input is its memory. */
		char origin_now[1025];
		uint32_t ttl_now = s->default_ttl;
		if (knot_dname_to_str(origin_now, s->zone_origin, sizeof(origin_now)) == NULL)
			break;
		const char *rest = ld->resume;
		size_t rest_len = ld->resume_len;
		ld->line_base = ld->resume_line;
		ld->resume = NULL;
		if (cont == NULL && (cont = malloc(sizeof(*cont))) == NULL) {
			set_error(ld, DV_ENOMEM, label, 0, "out of memory");
			break;
		}
		if (cur == cont)
			zs_deinit(cont);
		if (zs_init(cont, origin_now, KNOT_CLASS_IN, ttl_now) != 0 ||
		    zs_set_input_string(cont, rest, rest_len) != 0) {
			set_error(ld, DV_EPARSE, label, ld->line_base,
			          "cannot resume after $GENERATE");
			zs_deinit(cont);
			free(cont);
			cont = NULL;
			break;
		}
		cont->process.data = ld;
		ld->dropped = 0;
		cur = cont;
	}
	if (cont != NULL) {
		zs_deinit(cont);
		free(cont);
	}
	s = first;
	ld->line_base = outer_base;
out:
	zs_deinit(s);
	free(s);
done:
	ld->depth--;
	ld->label = outer_label;
	ld->dropped = outer_dropped;
	free(lf_copy);
	return ld->ret;
}

/* Insert every missing ancestor between an owner and the apex as an empty
 * non-terminal (needed by NSEC3, RFC 5155 §7.1, and by wildcard logic).
 *
 * One pass in canonical order with a stack of the current name's ancestors
 * that exist: a name's subtree follows it directly (RFC 4034 §6.1), so the
 * deepest existing ancestor of a name is on the stack when the name comes,
 * and the ancestors below it are missing.  They sort after every name before
 * (none is in their subtree, or they would have been made already) and
 * before the name, so they go out just ahead of it. */
static int add_empty_nonterminals(load_t *ld, owner_t ***uniq, size_t *nuniq)
{
	owner_t **u = *uniq;
	size_t n = *nuniq, nout = 0, cap = n + n / 4 + 16;
	owner_t **out = malloc(cap * sizeof(*out));
	const owner_t *stack[DV_DNAME_MAXLEN / 2 + 2];
	size_t depth = 0, apex_labels = knot_dname_labels(ld->zone->origin, NULL);
	if (out == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = u[i]->dname;
		while (depth > 0 && knot_dname_in_bailiwick(d, stack[depth - 1]->dname) <= 0)
			depth--;
		size_t labels = knot_dname_labels(d, NULL);
		size_t have =
		    depth > 0 ? knot_dname_labels(stack[depth - 1]->dname, NULL) : apex_labels;
		/* Missing ancestors, from the shallowest (with `l` labels each),
		 * then the name itself. */
		for (size_t l = have + 1 <= labels ? have + 1 : labels; l <= labels; l++) {
			owner_t *o = u[i];
			if (l < labels) {
				const uint8_t *a = d;
				for (size_t k = labels; k > l; k--)
					a += 1 + a[0];
				if ((o = owner_new(ld, a, knot_dname_size(a), 0)) == NULL)
					goto nomem;
				o->ord = UINT32_MAX; /* marks an ENT */
			}
			if (dv_array_grow(&out, &cap, nout, sizeof(*out), 16) != DV_OK)
				goto nomem;
			out[nout++] = o;
			if (depth < sizeof(stack) / sizeof(stack[0]))
				stack[depth++] = o;
		}
	}
	free(u);
	*uniq = out;
	*nuniq = nout;
	return DV_OK;
nomem:
	free(out);
	return DV_ENOMEM;
}

/* Records in order of their owner's ordinal, in place: an in-place bucket
 * permutation (American flag sort).  next[b] and end[b] bound bucket b.
 * A record that must travel far costs a cache miss. */
static void permute_by_name(load_t *ld, size_t nnames, uint32_t *next, const uint32_t *end)
{
	rec_t *r = ld->recs;
	for (size_t b = 0; b < nnames; b++) {
		while (next[b] < end[b]) {
			uint32_t t = r[next[b]].owner->ord;
			if (t == b) {
				next[b]++;
				continue;
			}
			rec_t tmp = r[next[t]];
			r[next[t]++] = r[next[b]];
			r[next[b]] = tmp;
		}
	}
}

/* The same order into a new array, reading the old one front to back and
 * giving its pages back as it goes: when records are near their place (a
 * signer writes glue before the delegation, the NSEC3 chain at the end),
 * the writes are near each other too, and memory grows only by how far
 * ahead of the reading the writing runs. */
static int scatter_by_name(load_t *ld, uint32_t *next)
{
	rec_t *r = ld->recs;
	size_t n = ld->nrecs;
	rec_t *out = malloc((n ? n : 1) * sizeof(*out));
	if (out == NULL)
		return DV_ENOMEM;
	const size_t step = ((size_t)4 << 20) / sizeof(rec_t);
	for (size_t i = 0; i < n; i += step) {
		size_t e = n - i < step ? n : i + step;
		for (size_t k = i; k < e; k++)
			out[next[r[k].owner->ord]++] = r[k];
		pages_release(r + i, r + e);
	}
	free(r);
	ld->recs = out;
	ld->caprecs = n;
	return DV_OK;
}

/* Order records canonically: by owner (its ordinal), then each name's few
 * records by type and RDATA.  glibc's qsort would allocate a copy of the
 * whole array, the largest allocation of a load. */
static int sort_records(load_t *ld, size_t nnames)
{
	rec_t *r = ld->recs;
	size_t n = ld->nrecs;
	uint32_t *next = calloc(nnames + 1, sizeof(*next));
	uint32_t *end = calloc(nnames + 1, sizeof(*end));
	int ret = DV_ENOMEM;
	if (next == NULL || end == NULL)
		goto out;
	/* next[b]: where the records of name b start. */
	for (size_t i = 0; i < n; i++)
		next[r[i].owner->ord + 1]++;
	for (size_t b = 1; b <= nnames; b++)
		next[b] += next[b - 1];
	/* How far ahead of its place in the input a record lands (the extra
	 * memory a copy would take), by a dry run with end[] as the cursors;
	 * it leaves end[b] where the records of name b end. */
	memcpy(end, next, nnames * sizeof(*end));
	size_t ahead = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t t = end[r[i].owner->ord]++;
		if (t > i && t - i > ahead)
			ahead = t - i;
	}
	size_t ahead_max = ld->opts->sort_ahead_max;
	if (ahead_max == 0)
		ahead_max = n / 16 > ((size_t)1 << 20) ? n / 16 : ((size_t)1 << 20);
	if (ahead <= ahead_max) {
		if ((ret = scatter_by_name(ld, next)) != DV_OK)
			goto out;
	} else {
		permute_by_name(ld, nnames, next, end);
	}
	r = ld->recs;
	for (size_t start = 0; start < n;) {
		size_t e = start + 1;
		while (e < n && r[e].owner->ord == r[start].owner->ord)
			e++;
		if (e - start > 16) {
			qsort(r + start, e - start, sizeof(*r), rec_cmp);
		} else {
			for (size_t i = start + 1; i < e; i++) {
				rec_t x = r[i];
				size_t j = i;
				while (j > start && rec_cmp(&r[j - 1], &x) > 0) {
					r[j] = r[j - 1];
					j--;
				}
				r[j] = x;
			}
		}
		start = e;
	}
	ret = DV_OK;
out:
	free(next);
	free(end);
	return ret;
}

static int build_index(load_t *ld)
{
	dv_zone_t *z = ld->zone;
	int ret = DV_ENOMEM;
	owner_t **u = NULL;

	/* 1. Order distinct owners canonically; merge repeated owners. */
	u = malloc((ld->nowners ? ld->nowners : 1) * sizeof(*u));
	if (u == NULL)
		goto fail;
	memcpy(u, ld->owners, ld->nowners * sizeof(*u));
	size_t n = ld->nowners;
	qsort(u, n, sizeof(*u), owner_ptr_cmp);
	size_t nu = 0;
	for (size_t i = 0; i < n; i++) {
		if (nu > 0 && lf_cmp(u[nu - 1]->lf, u[i]->lf) == 0) {
			u[nu - 1]->split = true;
			u[i]->ord = (uint32_t)(nu - 1); /* provisional: index of the first */
			u[i]->line = UINT32_MAX;        /* marks "merged into u[ord]" */
			continue;
		}
		u[nu++] = u[i];
	}
	if ((ret = add_empty_nonterminals(ld, &u, &nu)) != DV_OK)
		goto fail;

	/* 2. Final ordinals.  Merged duplicates point at their representative. */
	z->names = calloc(nu ? nu : 1, sizeof(*z->names));
	if (z->names == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	z->name_count = nu;
	for (size_t i = 0; i < nu; i++) {
		bool ent = u[i]->ord == UINT32_MAX;
		u[i]->ord = (uint32_t)i;
		dv_name_t *nm = &z->names[i];
		nm->dname = u[i]->dname;
		nm->labels = (uint8_t)knot_dname_labels(nm->dname, NULL);
		if (ent)
			nm->flags |= DV_NAME_ENT;
		if (u[i]->split)
			nm->flags |= DV_NAME_SPLIT;
		if (knot_dname_is_wildcard(nm->dname))
			nm->flags |= DV_NAME_WILDCARD;
	}
	for (size_t i = 0; i < ld->nowners; i++) {
		owner_t *o = ld->owners[i];
		if (o->line == UINT32_MAX) {
			/* A merged duplicate: find its representative by lookup key. */
			long idx = dv_zone_name_find(z, o->dname);
			o->ord = (uint32_t)idx;
		}
	}

	/* 3. Records in canonical order; drop exact duplicates (RFC 2181 §5). */
	if ((ret = sort_records(ld, nu)) != DV_OK)
		goto fail;
	/* Convert to dv_rr_t in place (it is smaller than rec_t, so writing
	 * entry j never overtakes the reading of entry i >= j). */
	_Static_assert(sizeof(dv_rr_t) <= sizeof(rec_t), "in-place conversion");
	size_t nr = 0;
	dv_rr_t *rrs = (dv_rr_t *)(void *)ld->recs;
	for (size_t i = 0; i < ld->nrecs; i++) {
		rec_t r;
		memcpy(&r, &ld->recs[i], sizeof(r));
		if (nr > 0) {
			const dv_rr_t *p = &rrs[nr - 1];
			if (p->name == r.owner->ord && p->type == r.type &&
			    rdata_cmp(p->rdata, p->rdlen, r.rdata, r.rdlen) == 0)
				continue; /* RFC 2181 §5: duplicate RRs are one */
		}
		dv_rr_t out = {
		    .name = r.owner->ord,
		    .type = r.type,
		    .rdlen = r.rdlen,
		    .ttl = r.ttl,
		    .line = r.line,
		    .rdata = r.rdata,
		};
		memcpy(&rrs[nr++], &out, sizeof(out));
	}
	z->rrs = realloc(rrs, (nr ? nr : 1) * sizeof(*z->rrs));
	if (z->rrs == NULL)
		z->rrs = rrs;
	ld->recs = NULL;
	z->rr_count = nr;
	/* The owners and their sort keys are done with: give them back before
	 * the RRset index is built (the largest memory of a load is here). */
	free(ld->owners);
	ld->owners = NULL;
	ld->nowners = ld->capowners = 0;
	ld->last = NULL;
	dv_arena_clear(&ld->scratch);

	/* 4. RRsets (RRSIG excluded) and each name's ranges. */
	size_t caprs = 1, nrs = 0;
	for (size_t i = 1; i < nr; i++)
		caprs +=
		    z->rrs[i].name != z->rrs[i - 1].name || z->rrs[i].type != z->rrs[i - 1].type;
	z->rrsets = malloc(caprs * sizeof(*z->rrsets));
	if (z->rrsets == NULL) {
		ret = DV_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < nr;) {
		size_t j = i;
		while (j < nr && z->rrs[j].name == z->rrs[i].name &&
		       z->rrs[j].type == z->rrs[i].type)
			j++;
		dv_name_t *nm = &z->names[z->rrs[i].name];
		if (z->rrs[i].type == KNOT_RRTYPE_RRSIG) {
			nm->sig_first = (uint32_t)i;
			nm->sig_count = (uint32_t)(j - i);
		} else {
			dv_rrset_t *rs = &z->rrsets[nrs]; /* nrs < caprs: counted above */
			*rs = (dv_rrset_t){.name = z->rrs[i].name,
			                   .type = z->rrs[i].type,
			                   .ttl = z->rrs[i].ttl,
			                   .rr_first = (uint32_t)i,
			                   .rr_count = (uint32_t)(j - i)};
			const dv_rr_t *set = &z->rrs[i];
			for (uint32_t k = 1; k < rs->rr_count; k++) {
				if (set[k].ttl != rs->ttl) {
					rs->ttl_differs = true;
					if (set[k].ttl < rs->ttl)
						rs->ttl = set[k].ttl;
				}
			}
			if (nm->rrset_count == 0)
				nm->rrset_first = (uint32_t)nrs;
			nm->rrset_count++;
			nrs++;
		}
		i = j;
	}
	z->rrset_count = nrs;

	/* 5. Attach each name's RRSIGs to the RRsets they cover (the RRSIG run
	 *    is sorted by RDATA, which starts with the type covered). */
	for (size_t ni = 0; ni < z->name_count; ni++) {
		dv_name_t *nm = &z->names[ni];
		size_t s = nm->sig_first, se = s + nm->sig_count;
		for (uint32_t k = 0; k < nm->rrset_count; k++) {
			dv_rrset_t *rs = &z->rrsets[nm->rrset_first + k];
			while (s < se && (z->rrs[s].rdlen < 2 || ((z->rrs[s].rdata[0] << 8) |
			                                          z->rrs[s].rdata[1]) < rs->type))
				s++;
			size_t e = s;
			while (e < se && z->rrs[e].rdlen >= 2 &&
			       ((z->rrs[e].rdata[0] << 8) | z->rrs[e].rdata[1]) == rs->type)
				e++;
			rs->sig_first = (uint32_t)s;
			rs->sig_count = (uint32_t)(e - s);
			s = e;
		}
	}

	/* 6. Zone cuts, in one canonical-order pass: a subtree is contiguous,
	 *    so names below the current cut follow it directly. */
	z->names[0].flags |= DV_NAME_APEX;
	const uint8_t *cut = NULL, *dname_cut = NULL;
	/* RFC 6672 §2.3: a DNAME at the apex occludes every name below it. */
	if (dv_zone_rrset_find(z, 0, KNOT_RRTYPE_DNAME) != NULL)
		dname_cut = z->names[0].dname;
	for (size_t ni = 1; ni < z->name_count; ni++) {
		dv_name_t *nm = &z->names[ni];
		if (cut != NULL && knot_dname_in_bailiwick(nm->dname, cut) > 0) {
			nm->flags |= DV_NAME_NONAUTH;
			continue;
		}
		cut = NULL;
		if (dname_cut != NULL && knot_dname_in_bailiwick(nm->dname, dname_cut) > 0) {
			/* RFC 6672 §2.4: no data below a DNAME. */
			nm->flags |= DV_NAME_NONAUTH | DV_NAME_DNAME_BELOW;
			continue;
		}
		dname_cut = NULL;
		if (dv_zone_rrset_find(z, (uint32_t)ni, KNOT_RRTYPE_NS) != NULL) {
			nm->flags |= DV_NAME_DELEG;
			cut = nm->dname;
		} else if (dv_zone_rrset_find(z, (uint32_t)ni, KNOT_RRTYPE_DNAME) != NULL) {
			dname_cut = nm->dname;
		}
	}
	ret = DV_OK;
fail:
	free(u);
	return ret;
}

/* The apex name, lowercase (canonical form), and its text for messages. */
static void zone_set_origin(dv_zone_t *z, const uint8_t *origin)
{
	memcpy(z->origin, origin, knot_dname_size(origin));
	knot_dname_to_lower(z->origin);
	dv_dname_to_str(z->origin, z->origin_str, sizeof(z->origin_str));
}

static int check_soa(load_t *ld)
{
	dv_zone_t *z = ld->zone;
	size_t nsoa = 0;
	uint32_t line2 = 0;
	for (size_t i = 0; i < z->rrset_count; i++) {
		if (z->rrsets[i].type != KNOT_RRTYPE_SOA)
			continue;
		const dv_rrset_t *rs = &z->rrsets[i];
		if (rs->name != 0) {
			set_error(ld, DV_ENOTZONE, z->file, z->rrs[rs->rr_first].line,
			          "SOA record not at the zone apex %s", z->origin_str);
			return ld->ret;
		}
		nsoa += rs->rr_count;
		if (rs->rr_count > 1)
			line2 = z->rrs[rs->rr_first + 1].line;
	}
	if (z->name_count == 0 || nsoa == 0 || !knot_dname_is_equal(z->names[0].dname, z->origin)) {
		set_error(ld, DV_ENOTZONE, z->file, 0, "no SOA record at the zone apex %s",
		          z->origin_str);
		return ld->ret;
	}
	if (nsoa > 1) {
		set_error(ld, DV_ENOTZONE, z->file, line2, "more than one SOA record");
		return ld->ret;
	}
	return DV_OK;
}

/* ---- Parsing a file in parts, side by side ------------------------------
 *
 * Parsing is the one step of loading that a single thread does, and on
 * zones whose signatures verify fast it takes longer than the cryptography
 * (RSA), or it cannot keep the verifying threads fed (very large zones).  So
 * a large file is cut at line starts into parts, each parsed by its own
 * scanner and thread into its own arena, and the records are joined in file
 * order.  A cut must fall between two records: it is placed at a line that
 * begins with an owner name, and checked afterwards, because a record open
 * across the cut (parentheses) leaves the part before it ending in an error.
 * Each part starts with the $ORIGIN and $TTL in force at its start, found
 * by a first pass over the bytes, and must end in the state the next one
 * started with.  Anything unexpected (a CR, an error, a mismatch) sends the
 * whole file through the one-thread path, whose messages are then exact.
 */

typedef struct parts parts_t;

typedef struct {
	load_t ld;
	parts_t *all;
	unsigned idx;
	dv_arena_t arena;  /* the part's zone data, until merged */
	uint64_t from, to; /* byte range in the file: [from, to) */
	uint64_t newlines; /* line feeds in the range */
	char *dirs;        /* the range's $ORIGIN and $TTL lines, each ending in LF */
	size_t dirs_len, dirs_cap;
	uint32_t start_ttl;
	uint8_t start_origin[DV_DNAME_MAXLEN];
	char errbuf[256];
	pthread_t tid;
	bool started;
} part_t;

struct parts {
	shared_t sh;
	pthread_cond_t cv; /* with sh.mu: every part's first pass is done, or abort */
	unsigned arrived;
	int fd;
	const char *map, *label;
	size_t size;
	uint32_t dttl;
	unsigned n;
	part_t p[DV_ZONE_PARTS_MAX];
};

/* Line feeds in a buffer, eight bytes at a time: a byte of x ^ LF is zero
 * exactly where the input has a line feed, and the test below sets its top
 * bit then.  Those bits are summed per byte lane (at most 255 words per
 * round), then across the lanes. */
static uint64_t count_lf(const char *b, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, low7 = 0x7f7f7f7f7f7f7f7full;
	const uint64_t even = 0x00ff00ff00ff00ffull;
	uint64_t c = 0;
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t lanes = 0;
		for (unsigned k = 0; k < 255 && i + 8 <= n; k++, i += 8) {
			uint64_t x;
			memcpy(&x, b + i, 8);
			x ^= ones * '\n';
			lanes += (~(((x & low7) + low7) | x | low7)) >> 7;
		}
		uint64_t pairs = (lanes & even) + ((lanes >> 8) & even);
		c += (pairs * 0x0001000100010001ull) >> 48;
	}
	for (; i < n; i++)
		c += b[i] == '\n';
	return c;
}

static int dirs_add(part_t *pt, const char *line, size_t len)
{
	if (pt->dirs_len + len + 1 > pt->dirs_cap) {
		size_t nc = (pt->dirs_len + len + 1) * 2;
		char *nv = realloc(pt->dirs, nc);
		if (nv == NULL)
			return DV_ENOMEM;
		pt->dirs = nv;
		pt->dirs_cap = nc;
	}
	memcpy(pt->dirs + pt->dirs_len, line, len);
	pt->dirs_len += len;
	pt->dirs[pt->dirs_len++] = '\n';
	return DV_OK;
}

/* Keep a directive line if it is $ORIGIN or $TTL (the others do not change
 * the scanner's state for the lines after them). */
static int keep_directive(part_t *pt, const char *line, size_t len)
{
	static const char *const names[] = {"$ORIGIN", "$TTL"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t nl = strlen(names[i]);
		if (len > nl && strncasecmp(line, names[i], nl) == 0 &&
		    (line[nl] == ' ' || line[nl] == '\t'))
			return dirs_add(pt, line, len);
	}
	return DV_OK;
}

/* The first pass over a part: read (not mapped, so the pages do not count
 * against the process) to find CRs, count line feeds and collect the
 * directives.  A part starts at a line start. */
static int part_prescan(part_t *pt)
{
	enum { BLOCK = 1 << 20, LINE_MAX_LEN = 4096 };
	char *buf = malloc(BLOCK);
	if (buf == NULL)
		return DV_ENOMEM;
	int ret = DV_OK;
	bool at_line_start = true;
	for (uint64_t off = pt->from; off < pt->to && ret == DV_OK;) {
		size_t want = pt->to - off < BLOCK ? (size_t)(pt->to - off) : BLOCK;
		ssize_t got = pread(pt->all->fd, buf, want, (off_t)off);
		if (got <= 0) {
			ret = DV_EIO;
			break;
		}
		size_t n = (size_t)got;
		if (memchr(buf, '\r', n) != NULL) {
			ret = DV_EPARSE; /* CRLF: the one-thread path strips them */
			break;
		}
		pt->newlines += count_lf(buf, n);
		for (const char *d = memchr(buf, '$', n); d != NULL && ret == DV_OK;
		     d = memchr(d + 1, '$', n - (size_t)(d + 1 - buf))) {
			if (d == buf ? !at_line_start : d[-1] != '\n')
				continue;
			const char *e = memchr(d, '\n', n - (size_t)(d - buf));
			if (e != NULL) {
				ret = keep_directive(pt, d, (size_t)(e - d));
				continue;
			}
			/* The line goes on past the block: read it whole. */
			char line[LINE_MAX_LEN];
			uint64_t at = off + (uint64_t)(d - buf);
			size_t lw =
			    pt->to - at < sizeof(line) ? (size_t)(pt->to - at) : sizeof(line);
			ssize_t lg = pread(pt->all->fd, line, lw, (off_t)at);
			if (lg <= 0) {
				ret = DV_EIO;
				break;
			}
			const char *le = memchr(line, '\n', (size_t)lg);
			if (le == NULL && (size_t)lg == sizeof(line)) {
				ret = DV_ELIMIT; /* let the one-thread path judge it */
				break;
			}
			ret = keep_directive(pt, line, le ? (size_t)(le - line) : (size_t)lg);
		}
		at_line_start = buf[n - 1] == '\n';
		off += n;
	}
	free(buf);
	return ret;
}

/* A line that starts with an owner name: not blank, not a comment, not a
 * directive, not a parenthesis. */
static size_t owner_token(const char *p, const char *end)
{
	if (p >= end || strchr(" \t\r\n;$()", *p) != NULL)
		return 0;
	size_t n = 0;
	while (p + n < end && strchr(" \t\r\n;()", p[n]) == NULL)
		n++;
	return n;
}

/* Where to cut near `at`: the first line after it that starts with an owner
 * other than that of the owner line before it, so that a name's records stay
 * in one part (a name in two parts is still right, only verified later).
 * Looks at most 1 MiB ahead; 0 if no cut is found. */
static uint64_t find_cut(const char *map, size_t size, uint64_t at)
{
	const char *end = map + size,
	           *lim = map + (size - at < (1u << 20) ? size : at + (1u << 20));
	const char *p = memchr(map + at, '\n', (size_t)(end - (map + at)));
	const char *prev = NULL;
	size_t prevlen = 0;
	while (p != NULL && p + 1 < lim) {
		p++;
		size_t tl = owner_token(p, end);
		if (tl > 0) {
			if (prev != NULL && (tl != prevlen || strncasecmp(p, prev, tl) != 0))
				return (uint64_t)(p - map);
			prev = p;
			prevlen = tl;
		}
		p = memchr(p, '\n', (size_t)(end - p));
	}
	return 0;
}

/* The scanner state at the start of part k: the file's, changed by the
 * directives of the parts before it. */
static int part_start_state(parts_t *ps, unsigned k, const char *origin)
{
	part_t *pt = &ps->p[k];
	size_t len = 0;
	for (unsigned j = 0; j < k; j++)
		len += ps->p[j].dirs_len;
	char *text = malloc(len + 1);
	zs_scanner_t *s = malloc(sizeof(*s));
	int ret = DV_ENOMEM;
	if (text == NULL || s == NULL)
		goto out;
	len = 0;
	for (unsigned j = 0; j < k; j++) {
		if (ps->p[j].dirs_len > 0)
			memcpy(text + len, ps->p[j].dirs, ps->p[j].dirs_len);
		len += ps->p[j].dirs_len;
	}
	ret = DV_EPARSE;
	if (zs_init(s, origin, KNOT_CLASS_IN, ps->dttl) != 0) {
		free(s);
		s = NULL;
		goto out;
	}
	if (zs_set_input_string(s, text, len) != 0)
		goto deinit;
	for (;;) {
		int r = zs_parse_record(s);
		if (r != 0 || s->state == ZS_STATE_ERROR || s->state == ZS_STATE_DATA ||
		    s->state == ZS_STATE_INCLUDE)
			goto deinit; /* only directives were collected: anything else is odd */
		if (s->state == ZS_STATE_EOF)
			break;
	}
	if (s->zone_origin_length > sizeof(pt->start_origin))
		goto deinit;
	memcpy(pt->start_origin, s->zone_origin, s->zone_origin_length);
	pt->start_ttl = s->default_ttl;
	ret = DV_OK;
deinit:
	zs_deinit(s);
out:
	free(s);
	free(text);
	return ret;
}

static void parts_abort(parts_t *ps)
{
	pthread_mutex_lock(&ps->sh.mu);
	atomic_store(&ps->sh.abort, true);
	pthread_cond_broadcast(&ps->cv);
	pthread_mutex_unlock(&ps->sh.mu);
}

/* Wait until every part has done its first pass (each needs the directives
 * of the parts before it); false if the load is given up. */
static bool parts_wait(parts_t *ps)
{
	pthread_mutex_lock(&ps->sh.mu);
	if (++ps->arrived == ps->n)
		pthread_cond_broadcast(&ps->cv);
	while (ps->arrived < ps->n && !atomic_load(&ps->sh.abort))
		pthread_cond_wait(&ps->cv, &ps->sh.mu);
	pthread_mutex_unlock(&ps->sh.mu);
	return !atomic_load(&ps->sh.abort);
}

static void *part_main(void *arg)
{
	part_t *pt = arg;
	parts_t *ps = pt->all;
	load_t *ld = &pt->ld;
	if (part_prescan(pt) != DV_OK)
		parts_abort(ps);
	if (!parts_wait(ps))
		return NULL;
	char origin[1025];
	if (part_start_state(ps, pt->idx, ld->zone->origin_str) != DV_OK ||
	    knot_dname_to_str(origin, pt->start_origin, sizeof(origin)) == NULL) {
		parts_abort(ps);
		return NULL;
	}
	run_scanner(ld, NULL, ps->map + pt->from, (size_t)(pt->to - pt->from), ps->label, origin,
	            pt->start_ttl);
	flush_run(ld);
	if (ld->ret != DV_OK)
		parts_abort(ps);
	return NULL;
}

/* Copy src after dst, giving src's pages back as they are copied (the two
 * arrays are the largest allocations of a load), and move the lines of
 * records from the top-level file down by `base`. */
static void recs_append(rec_t *dst, rec_t *src, size_t n, uint64_t base)
{
	const size_t step = ((size_t)8 << 20) / sizeof(rec_t);
	for (size_t i = 0; i < n; i += step) {
		size_t m = n - i < step ? n - i : step;
		memcpy(dst + i, src + i, m * sizeof(*src));
		for (size_t k = i; k < i + m; k++)
			if (!dst[k].inc)
				dst[k].line = (uint32_t)(dst[k].line + base);
		pages_release(src + i, src + i + m);
	}
}

/* Join the parts in file order into ld, as if one scanner had read them. */
static int parts_merge(load_t *ld, parts_t *ps)
{
	size_t nrecs = 0, nowners = 0;
	for (unsigned k = 0; k < ps->n; k++) {
		nrecs += ps->p[k].ld.nrecs;
		nowners += ps->p[k].ld.nowners;
		if (k > 0 && ps->p[k].ld.nrecs > 0 && ps->p[0].ld.nrecs > 0 &&
		    ps->p[k].ld.class != ps->p[0].ld.class)
			return DV_EPARSE; /* the one-thread path reports it */
	}
	if (nrecs > DV_ZONE_MAX_RRS)
		return DV_ELIMIT;
	load_t *l0 = &ps->p[0].ld;
	rec_t *recs = realloc(l0->recs, (nrecs ? nrecs : 1) * sizeof(*recs));
	owner_t **owners = realloc(l0->owners, (nowners ? nowners : 1) * sizeof(*owners));
	if (recs != NULL)
		l0->recs = recs;
	if (owners != NULL)
		l0->owners = owners;
	if (recs == NULL || owners == NULL)
		return DV_ENOMEM;
	size_t nr = l0->nrecs, no = l0->nowners;
	uint64_t base = 0;
	for (unsigned k = 1; k < ps->n; k++) {
		load_t *lk = &ps->p[k].ld;
		base += ps->p[k - 1].newlines;
		recs_append(recs + nr, lk->recs, lk->nrecs, base);
		nr += lk->nrecs;
		if (lk->nowners > 0)
			memcpy(owners + no, lk->owners, lk->nowners * sizeof(*owners));
		no += lk->nowners;
		free(lk->recs);
		lk->recs = NULL;
		free(lk->owners);
		lk->owners = NULL;
	}
	ld->recs = recs;
	ld->nrecs = ld->caprecs = nrecs;
	ld->owners = owners;
	ld->nowners = ld->capowners = nowners;
	ld->class = l0->class;
	ld->run_start = nrecs;
	ld->last = NULL;
	l0->recs = NULL;
	l0->owners = NULL;
	for (unsigned k = 0; k < ps->n; k++)
		dv_arena_adopt(&ld->scratch, &ps->p[k].ld.scratch);
	return DV_OK;
}

/* Cut points: ps->n parts of about equal size, each at least part_min. */
static void parts_cut(parts_t *ps, unsigned want, size_t part_min)
{
	if (part_min == 0)
		part_min = 1;
	if (want > DV_ZONE_PARTS_MAX)
		want = DV_ZONE_PARTS_MAX;
	if (want > ps->size / part_min)
		want = (unsigned)(ps->size / part_min);
	ps->n = 0;
	uint64_t from = 0;
	for (unsigned k = 1; k < want; k++) {
		uint64_t cut = find_cut(ps->map, ps->size, ps->size / want * k);
		if (cut <= from)
			continue;
		ps->p[ps->n].from = from;
		ps->p[ps->n].to = cut;
		ps->n++;
		from = cut;
	}
	ps->p[ps->n].from = from;
	ps->p[ps->n].to = ps->size;
	ps->n++;
}

/*
 * Load a file in parts.  DV_OK: ld holds the records as the one-thread path
 * would have left them.  Otherwise nothing is reported and ld is as it was:
 * the caller parses the file on one thread.  Records already handed to the
 * on_run hook stay in the zone's arena.
 */
static int load_parts(load_t *ld, const char *path, uint32_t dttl, bool find_origin)
{
	const dv_zone_opts_t *o = ld->opts;
	dv_zone_t *z = ld->zone;
	parts_t *ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		return DV_ENOMEM;
	int ret = DV_EIO;
	ps->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ps->fd < 0)
		goto out;
	struct stat st;
	if (fstat(ps->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
		goto out;
	ps->size = (size_t)st.st_size;
	void *m = mmap(NULL, ps->size, PROT_READ, MAP_PRIVATE, ps->fd, 0);
	if (m == MAP_FAILED)
		goto out;
	ps->map = m;
	ps->label = ld->label;
	ps->dttl = dttl;
	ld->map = ps->map;
	ld->map_len = ps->size;

	if (find_origin) {
		/* As in the one-thread path: the owner of the first SOA. */
		ld->stop_at_soa = true;
		ret = run_scanner(ld, NULL, ps->map, ps->size, ld->label, ".", dttl);
		ld->stop_at_soa = false;
		if (ret != DV_OK || !ld->found_soa) {
			ret = DV_EPARSE;
			goto out;
		}
		zone_set_origin(z, ld->soa_owner);
	}

	parts_cut(ps, o->threads, o->part_min ? o->part_min : DV_ZONE_PART_MIN);
	ret = DV_EINVAL;
	if (ps->n < 2)
		goto out; /* nothing to gain */
	pthread_mutex_init(&ps->sh.mu, NULL);
	pthread_cond_init(&ps->cv, NULL);
	for (unsigned k = 0; k < ps->n; k++) {
		part_t *pt = &ps->p[k];
		pt->all = ps;
		pt->idx = k;
		dv_arena_init(&pt->arena, 0);
		pt->ld = (load_t){.zone = z,
		                  .opts = o,
		                  .arena = &pt->arena,
		                  .part = k,
		                  .sh = &ps->sh,
		                  .errbuf = pt->errbuf,
		                  .errlen = sizeof(pt->errbuf),
		                  .label = ld->label,
		                  .total_bytes = ld->total_bytes,
		                  .map = ps->map,
		                  .map_len = ps->size};
		dv_arena_init(&pt->ld.scratch, 0);
	}
	/* Part 0 is parsed here; a part whose thread will not start stops all. */
	bool all_started = true;
	for (unsigned k = 1; k < ps->n && all_started; k++) {
		part_t *pt = &ps->p[k];
		pt->started = pthread_create(&pt->tid, NULL, part_main, pt) == 0;
		all_started = pt->started;
	}
	if (all_started)
		part_main(&ps->p[0]);
	else
		parts_abort(ps);
	for (unsigned k = 1; k < ps->n; k++)
		if (ps->p[k].started)
			pthread_join(ps->p[k].tid, NULL);
	pthread_cond_destroy(&ps->cv);
	pthread_mutex_destroy(&ps->sh.mu);

	ret = atomic_load(&ps->sh.abort) ? DV_EPARSE : DV_OK;
	for (unsigned k = 0; ret == DV_OK && k + 1 < ps->n; k++) {
		const load_t *lk = &ps->p[k].ld;
		const part_t *next = &ps->p[k + 1];
		if (!lk->ended || lk->end_ttl != next->start_ttl ||
		    !knot_dname_is_equal(lk->end_origin, next->start_origin))
			ret = DV_EPARSE;
	}
	if (ret == DV_OK)
		ret = parts_merge(ld, ps);
	if (ret == DV_OK)
		z->parts = ps->n;
	/* The hook may hold records of any part: all zone data stays. */
	for (unsigned k = 0; k < ps->n; k++) {
		load_t *lk = &ps->p[k].ld;
		dv_arena_adopt(&z->arena, &ps->p[k].arena);
		free(lk->recs);
		free(lk->owners);
		free(lk->runbuf);
		dv_arena_clear(&lk->scratch);
		free(ps->p[k].dirs);
	}
out:
	if (ps->map != NULL)
		munmap((void *)(uintptr_t)ps->map, ps->size);
	if (ps->fd >= 0)
		close(ps->fd);
	ld->map = NULL;
	ld->map_len = 0;
	free(ps);
	return ret;
}

static int load(const char *path, const char *data, size_t len, const char *label,
                const dv_zone_opts_t *opts, dv_zone_t **out, char *errbuf, size_t errlen)
{
	static const dv_zone_opts_t defaults = {0};
	char dummy[8];
	if (errbuf == NULL || errlen == 0) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	if (opts == NULL)
		opts = &defaults;
	dv_zone_t *z = calloc(1, sizeof(*z));
	if (z == NULL)
		return DV_ENOMEM;
	dv_arena_init(&z->arena, 0);
	z->parts = 1;
	snprintf(z->file, sizeof(z->file), "%s", label);
	load_t ld = {.zone = z,
	             .opts = opts,
	             .arena = &z->arena,
	             .errbuf = errbuf,
	             .errlen = errlen,
	             .label = label};
	uint32_t dttl = opts->default_ttl ? opts->default_ttl : 3600;
	dv_arena_init(&ld.scratch, 0);
	char *lf_copy = NULL; /* the input with CRLF turned into LF */
	int ret;

	if (path != NULL) {
		struct stat st;
		if (stat(path, &st) != 0) {
			set_error(&ld, DV_EIO, label, 0, "%s", strerror(errno));
			ret = ld.ret;
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			set_error(&ld, DV_EIO, label, 0, "not a regular file");
			ret = ld.ret;
			goto fail;
		}
		ld.total_bytes = (uint64_t)st.st_size;
	} else {
		ld.total_bytes = len;
	}

	/* The origin: given, or the owner of the first SOA (a first, short pass). */
	if (opts->origin != NULL) {
		uint8_t wire[DV_DNAME_MAXLEN];
		if (knot_dname_from_str(wire, opts->origin, sizeof(wire)) == NULL) {
			set_error(&ld, DV_EINVAL, label, 0, "invalid origin '%s'", opts->origin);
			ret = ld.ret;
			goto fail;
		}
		zone_set_origin(z, wire);
	}
	size_t part_min = opts->part_min ? opts->part_min : DV_ZONE_PART_MIN;
	if (path != NULL && opts->threads > 1 && ld.total_bytes / 2 >= part_min) {
		if (load_parts(&ld, path, dttl, opts->origin == NULL) == DV_OK)
			goto parsed;
		/* Start again on one thread, which reports what went wrong. */
		ld.ret = DV_OK;
		ld.found_soa = false;
		errbuf[0] = '\0';
	}
	/* libzscanner refuses CRLF: search the input once, and parse a copy
	 * with LF line ends in both passes if it has CRs. */
	if (path != NULL) {
		bool cr = false;
		if (file_has_cr(path, &cr) != DV_OK) {
			set_error(&ld, DV_EIO, label, 0, "cannot read the file");
			ret = ld.ret;
			goto fail;
		}
		if (cr && (ret = dv_file_read_lf(path, &lf_copy, &len)) != DV_OK) {
			set_error(&ld, ret, label, 0, "%s", dv_strerror(ret));
			goto fail;
		}
	} else if (len > 0 && memchr(data, '\r', len) != NULL) {
		if ((lf_copy = malloc(len)) == NULL) {
			ret = DV_ENOMEM;
			goto fail;
		}
		memcpy(lf_copy, data, len);
		len = dv_crlf_strip(lf_copy, len);
	}
	if (lf_copy != NULL) {
		data = lf_copy;
		path = NULL;
	}
	if (opts->origin == NULL) {
		ld.stop_at_soa = true;
		ret = run_scanner(&ld, path, data, len, label, ".", dttl);
		if (ret != DV_OK)
			goto fail;
		if (!ld.found_soa) {
			set_error(&ld, DV_ENOTZONE, label, 0, "no SOA record: not a zone file");
			ret = ld.ret;
			goto fail;
		}
		zone_set_origin(z, ld.soa_owner);
		ld.stop_at_soa = false;
	}
	ret = run_scanner(&ld, path, data, len, label, z->origin_str, dttl);
	if (ret != DV_OK)
		goto fail;
	flush_run(&ld);
parsed:

	if (ld.nrecs == 0) {
		set_error(&ld, DV_ENOTZONE, label, 0, "no records: not a zone file");
		ret = ld.ret;
		goto fail;
	}
	if ((ret = build_index(&ld)) != DV_OK) {
		set_error(&ld, ret, label, 0, "%s", dv_strerror(ret));
		goto fail;
	}
	if ((ret = check_soa(&ld)) != DV_OK)
		goto fail;
	free(ld.owners);
	free(ld.runbuf);
	dv_arena_clear(&ld.scratch);
	free(lf_copy);
	*out = z;
	return DV_OK;
fail:
	/* The hook may still be reading records in the arena: let it finish. */
	if (opts->on_run != NULL)
		opts->on_run(opts->run_ctx, 0, z->origin, NULL, NULL, 0);
	free(ld.recs);
	free(ld.owners);
	free(ld.runbuf);
	dv_arena_clear(&ld.scratch);
	free(lf_copy);
	dv_zone_free(z);
	return ret;
}

int dv_zone_load(const char *path, const dv_zone_opts_t *opts, dv_zone_t **out, char *errbuf,
                 size_t errlen)
{
	return load(path, NULL, 0, path, opts, out, errbuf, errlen);
}

int dv_zone_load_mem(const char *data, size_t len, const char *label, const dv_zone_opts_t *opts,
                     dv_zone_t **out, char *errbuf, size_t errlen)
{
	return load(NULL, data, len, label ? label : "(input)", opts, out, errbuf, errlen);
}

void dv_zone_free(dv_zone_t *z)
{
	if (z == NULL)
		return;
	free(z->rrs);
	free(z->names);
	free(z->rrsets);
	dv_arena_clear(&z->arena);
	free(z);
}

long dv_zone_name_find(const dv_zone_t *z, const uint8_t *dname)
{
	uint8_t low[KNOT_DNAME_MAXLEN];
	size_t sz = knot_dname_size(dname);
	if (sz == 0 || sz > sizeof(low))
		return -1;
	memcpy(low, dname, sz);
	knot_dname_to_lower(low);
	/* The same key the names were sorted by (knot_dname_lf). */
	knot_dname_storage_t st, sm;
	const uint8_t *lf = knot_dname_lf(low, st);
	size_t lo = 0, hi = z->name_count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = lf_cmp(knot_dname_lf(z->names[mid].dname, sm), lf);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const dv_rrset_t *dv_zone_rrset_find(const dv_zone_t *z, uint32_t name, uint16_t type)
{
	if (name >= z->name_count)
		return NULL;
	const dv_name_t *nm = &z->names[name];
	for (uint32_t i = 0; i < nm->rrset_count; i++) {
		const dv_rrset_t *rs = &z->rrsets[nm->rrset_first + i];
		if (rs->type == type)
			return rs;
		if (rs->type > type)
			break;
	}
	return NULL;
}

uint32_t dv_zone_serial(const dv_zone_t *z)
{
	const dv_rrset_t *rs = dv_zone_rrset_find(z, 0, KNOT_RRTYPE_SOA);
	if (rs == NULL)
		return 0;
	const dv_rr_t *rr = &z->rrs[rs->rr_first];
	/* SOA RDATA: MNAME, RNAME (uncompressed in canonical form), then SERIAL. */
	size_t off = 0;
	for (int n = 0; n < 2; n++) {
		while (off < rr->rdlen && rr->rdata[off] != 0)
			off += 1 + (size_t)rr->rdata[off];
		off++;
	}
	if (off + 4 > rr->rdlen)
		return 0;
	const uint8_t *p = rr->rdata + off;
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
