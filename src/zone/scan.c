/*
 * The one reader of zone-file text: libzscanner, one record at a time, with
 * $INCLUDE and $GENERATE followed here.  See scan.h.
 *
 * The record loop (rather than zs_parse_all) keeps the scanner's position
 * up to date, which progress and the release of parsed input pages need,
 * and makes both directives ours: an $INCLUDEd file is read by its own
 * scanner, under our limits, and $GENERATE (which libzscanner reports as an
 * unknown directive) is expanded a piece at a time.  After either, a fresh
 * scanner goes on after the directive's line, in the state the old one had
 * (origin, TTL, last owner): libzscanner leaves an entry of its fixed
 * 16-entry call stack behind for each include it hands to its caller, so a
 * scanner that went on after 17 of them would overrun it.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <libzscanner/scanner.h>

#include "core/buf.h"
#include "core/error.h"
#include "zone/generate.h"
#include "zone/scan.h"

#define GENERATE_PIECE ((size_t)1 << 20)  /* text made per piece of a $GENERATE */
#define GENERATE_BUF   ((size_t)64 << 20) /* ceiling of one piece (one long record) */

/* One text being read: a file, a part of one, or a piece of $GENERATE output. */
typedef struct frame {
	const struct frame *up; /* the text that included this one */
	const char *label;      /* names it in messages */
	const dv_input_t *in;   /* the file (identity, mapping), or NULL */
	const char *start, *end;
	uint64_t line_base;  /* lines before start */
	uint32_t line_fixed; /* $GENERATE output: every record is on the directive's line */
	unsigned depth;      /* $INCLUDE nesting: 0 for the top-level text */
	bool top;            /* the top-level text (progress, end state) */
	size_t dropped;      /* bytes from start given back */
	uint64_t next_progress;
	uint64_t gen_left; /* records its $GENERATE lines were counted for, not yet made */
} frame_t;

/* What a fresh scanner takes over from the one before it. */
typedef struct {
	char origin[1025];
	uint32_t ttl;
	uint8_t owner[KNOT_DNAME_MAXLEN];
	size_t owner_len;
} carry_t;

static int scan_frame(dv_scan_t *sc, frame_t *f, const carry_t *state);

int dv_scan_fail(dv_scan_t *sc, int ret, const char *file, uint64_t line, const char *fmt, ...)
{
	if (sc->ret != DV_OK)
		return sc->ret;
	sc->ret = ret;
	int n = snprintf(sc->err, sc->errlen, "%s:%llu: ", file ? file : "(input)",
	                 (unsigned long long)line);
	if (n < 0 || (size_t)n >= sc->errlen)
		return ret;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sc->err + n, sc->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return ret;
}

dv_load_limits_t dv_scan_limits(const dv_load_limits_t *l, size_t records)
{
	dv_load_limits_t r = l ? *l : (dv_load_limits_t){0};
	if (r.include_depth_max == 0)
		r.include_depth_max = DV_INCLUDE_DEPTH_MAX;
	if (r.include_files_max == 0)
		r.include_files_max = DV_INCLUDE_FILES_MAX;
	if (r.include_bytes_max == 0)
		r.include_bytes_max = DV_INCLUDE_BYTES_MAX;
	if (r.max_records == 0)
		r.max_records = records;
	if (r.max_records > DV_ZONE_MAX_RRS_CEILING)
		r.max_records = DV_ZONE_MAX_RRS_CEILING;
	return r;
}

void dv_scan_init(dv_scan_t *sc, const dv_scan_opts_t *opts, char *err, size_t errlen)
{
	*sc = (dv_scan_t){.opts = opts, .err = err, .errlen = errlen};
	atomic_init(&sc->own_budget.files, 0);
	atomic_init(&sc->own_budget.bytes, 0);
	if (opts->limits.include_root != NULL &&
	    realpath(opts->limits.include_root, sc->root) == NULL)
		snprintf(sc->root, sizeof(sc->root), "%s", opts->limits.include_root);
}

/* The line (from `lo`) that the scanner stopped on, without its end: after
 * an error or a directive the scanner is at the line's end. */
static void stop_line(const zs_scanner_t *s, const char *lo, const char *hi, const char **line,
                      size_t *len)
{
	const char *e = s->input.current;
	if (e == NULL || e < lo || e > hi)
		e = hi; /* the scanner was reading its final "\n" block */
	if (e > lo && (e == hi || *e != '\n') && e[-1] == '\n')
		e--;
	const char *b = e;
	while (b > lo && b[-1] != '\n')
		b--;
	while (e > b && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*line = b;
	*len = (size_t)(e - b);
}

/* Where the text goes on after the line the scanner stopped on. */
static const char *after_line(const zs_scanner_t *s, const char *lo, const char *hi)
{
	const char *p = s->input.current;
	if (p == NULL || p < lo || p > hi)
		return hi;
	const char *nl = memchr(p, '\n', (size_t)(hi - p));
	return nl ? nl + 1 : hi;
}

static uint64_t scanner_line(const frame_t *f, const zs_scanner_t *s, uint64_t base)
{
	return f->line_fixed ? f->line_fixed : base + s->line_counter;
}

static void carry_from(carry_t *c, const zs_scanner_t *s)
{
	if (knot_dname_to_str(c->origin, s->zone_origin, sizeof(c->origin)) == NULL)
		snprintf(c->origin, sizeof(c->origin), ".");
	c->ttl = s->default_ttl;
	c->owner_len = s->r_owner_length <= sizeof(c->owner) ? s->r_owner_length : 0;
	memcpy(c->owner, s->r_owner, c->owner_len);
}

/* Bytes of the top-level text read: progress, and pages given back. */
static void after_record(dv_scan_t *sc, frame_t *f, const zs_scanner_t *s)
{
	const char *cur = s->input.current;
	if (cur < f->start || cur > f->end)
		return;
	size_t done = (size_t)(cur - f->start);
	if (f->top && sc->opts->progress != NULL && done >= f->next_progress) {
		sc->opts->progress(sc->opts->progress_ctx, done);
		f->next_progress = done + (1u << 20);
	}
	/* Pages already parsed are never read again: giving them back keeps
	 * peak memory near the size of the parsed data rather than that plus
	 * the file.  Only whole pages inside the text go (parts of one mapping
	 * read side by side never drop each other's), and a private file
	 * mapping reads them again from the file if touched (an error message
	 * quotes its line), so the margin only saves work. */
	if (f->in == NULL || !dv_input_droppable(f->in))
		return;
	const size_t margin = (size_t)256 << 10, step = (size_t)2 << 20;
	if (done < f->dropped + margin + step)
		return;
	dv_mem_release(f->start + f->dropped, f->start + done - margin);
	f->dropped = done - margin;
}

static int on_record(dv_scan_t *sc, frame_t *f, const zs_scanner_t *s, uint64_t base)
{
	uint64_t line = scanner_line(f, s, base);
	if (sc->records >= sc->opts->limits.max_records)
		return dv_scan_fail(sc, DV_ELIMIT, f->label, line, "more than %zu records",
		                    sc->opts->limits.max_records);
	sc->records++;
	dv_zone_rec_t rec = {
	    .owner = s->r_owner,
	    .rdata = s->r_data,
	    .rclass = s->r_class,
	    .type = s->r_type,
	    .rdlen = (uint16_t)s->r_data_length,
	    .ttl = s->r_ttl,
	    .line = line < UINT32_MAX ? (uint32_t)line : UINT32_MAX,
	};
	int r = sc->opts->on_record(sc->opts->ctx, sc, &rec, f->label);
	if (r < 0)
		return sc->ret != DV_OK ? sc->ret
		                        : dv_scan_fail(sc, r, f->label, line, "%s", dv_strerror(r));
	if (r == DV_SCAN_STOP)
		return DV_SCAN_STOP;
	after_record(sc, f, s);
	return DV_OK;
}

static int on_error(dv_scan_t *sc, frame_t *f, const zs_scanner_t *s, uint64_t base,
                    const char *line, size_t len)
{
	/* Quote the offending line (printable, shortened): zscanner's messages
	 * do not say which token was wrong. */
	char quote[84];
	size_t n = 0;
	for (size_t i = 0; i < len && n < 80; i++)
		quote[n++] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
	quote[n] = '\0';
	/* A control byte that is no line end or tab: not text at all (an
	 * executable, a compressed file), whatever zscanner calls it. */
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)line[i];
		if (b < 0x20 && b != '\t' && b != '\r' && b != '\n')
			return dv_scan_fail(sc, DV_EPARSE, f->label, scanner_line(f, s, base),
			                    "not zone-file text: binary data (byte 0x%02x at "
			                    "column %zu)",
			                    b, i + 1);
	}
	return dv_scan_fail(sc, DV_EPARSE, f->label, scanner_line(f, s, base), "%s%s%s%s",
	                    zs_strerror(s->error.code), n ? ": '" : "", quote,
	                    n ? (len > 80 ? "...'" : "'") : "");
}

/* $GENERATE: expand the line a piece at a time, each piece read with the
 * directive's origin and TTL; every record carries the directive's line. */
static int on_generate(dv_scan_t *sc, frame_t *f, const zs_scanner_t *s, uint64_t lineno,
                       const char *line, size_t len)
{
	const size_t max = sc->opts->limits.max_records;
	if (f->line_fixed != 0)
		return dv_scan_fail(sc, DV_EPARSE, f->label, lineno,
		                    "$GENERATE output may not hold directives");
	dv_generate_t g;
	char err[256];
	int ret = dv_generate_parse(line, len, &g, err, sizeof(err));
	if (ret != DV_OK)
		return dv_scan_fail(sc, ret, f->label, lineno, "%s", err);
	/* Its records were counted when the file was first looked at. */
	uint64_t counted = g.count < f->gen_left ? g.count : f->gen_left;
	f->gen_left -= counted;
	sc->promised -= counted;
	if (sc->records + sc->promised + g.count > max)
		return dv_scan_fail(sc, DV_ELIMIT, f->label, lineno,
		                    "$GENERATE: %llu records would make more than %zu records",
		                    (unsigned long long)g.count, max);
	carry_t state;
	carry_from(&state, s);
	state.owner_len = 0;
	frame_t piece = {.up = f,
	                 .label = f->label,
	                 .line_fixed = lineno < UINT32_MAX ? (uint32_t)lineno : UINT32_MAX,
	                 .depth = f->depth};
	dv_buf_t buf;
	dv_buf_init(&buf, GENERATE_BUF);
	while (ret == DV_OK && g.next < g.count) {
		buf.len = 0;
		ret = dv_generate_next(&g, &buf, GENERATE_PIECE, err, sizeof(err));
		if (ret != DV_OK) {
			dv_scan_fail(sc, ret, f->label, lineno, "%s", err);
			break;
		}
		piece.start = (const char *)buf.data;
		piece.end = piece.start + buf.len;
		ret = scan_frame(sc, &piece, &state);
	}
	dv_buf_clear(&buf);
	return sc->ret != DV_OK ? sc->ret : (ret == DV_SCAN_STOP ? DV_SCAN_STOP : DV_OK);
}

/* Whether a resolved path lies inside the root directory. */
static bool inside_root(const dv_scan_t *sc, const char *real)
{
	size_t rl = strlen(sc->root);
	if (rl == 1 && sc->root[0] == '/')
		return true;
	return strncmp(real, sc->root, rl) == 0 && real[rl] == '/';
}

/* RFC 1035 §5.1: $INCLUDE file [origin].  The file is read by its own
 * scanner, with the origin given or the current one; afterwards the
 * including file goes on as before (the origin reverts). */
static int on_include(dv_scan_t *sc, frame_t *f, const zs_scanner_t *s, uint64_t lineno)
{
	const dv_load_limits_t *l = &sc->opts->limits;
	dv_scan_budget_t *budget = sc->opts->budget ? sc->opts->budget : &sc->own_budget;
	if (f->line_fixed != 0)
		return dv_scan_fail(sc, DV_EPARSE, f->label, lineno,
		                    "$GENERATE output may not hold directives");
	if (l->no_include)
		return dv_scan_fail(sc, DV_ELIMIT, f->label, lineno,
		                    "$INCLUDE refused: includes are turned off for this input");
	/* libzscanner puts its own directory, ".", before a relative name;
	 * relative names are looked for in the directory of the including file
	 * (where it really is, if it was named through a link), or of the
	 * label of text in memory. */
	const char *name = s->include_filename;
	if (strncmp(name, "./", 2) == 0)
		name += 2;
	char path[PATH_MAX], real[PATH_MAX];
	const char *dir = f->label;
	if (f->in != NULL && f->in->fd >= 0 && realpath(f->label, real) != NULL)
		dir = real;
	const char *slash = strrchr(dir, '/');
	size_t dl = (name[0] != '/' && slash != NULL) ? (size_t)(slash - dir) + 1 : 0;
	size_t nl = strlen(name);
	if (dl + nl >= sizeof(path))
		return dv_scan_fail(sc, DV_ELIMIT, f->label, lineno, "$INCLUDE file name too long");
	memcpy(path, dir, dl);
	memcpy(path + dl, name, nl + 1);

	if (f->depth + 1 > l->include_depth_max)
		return dv_scan_fail(sc, DV_ELIMIT, f->label, lineno,
		                    "$INCLUDE %s: nested deeper than %u files", path,
		                    l->include_depth_max);
	if (atomic_fetch_add(&budget->files, 1) + 1 > l->include_files_max)
		return dv_scan_fail(sc, DV_ELIMIT, f->label, lineno,
		                    "$INCLUDE %s: more than %u included files", path,
		                    l->include_files_max);
	if (sc->root[0] != '\0' && (realpath(path, real) == NULL || !inside_root(sc, real)))
		return dv_scan_fail(sc, DV_ELIMIT, f->label, lineno,
		                    "$INCLUDE %s: not inside the directory %s", path, sc->root);
	dv_input_t in;
	char why[128];
	if (dv_input_open(&in, path, why, sizeof(why)) != DV_OK)
		return dv_scan_fail(sc, DV_EIO, f->label, lineno, "$INCLUDE %s: %s", path, why);
	int ret = DV_OK;
	/* A file that is still being read, included again, would never end. */
	for (const frame_t *u = f; u != NULL; u = u->up) {
		if (u->in != NULL && u->in->fd >= 0 && u->in->dev == in.dev &&
		    u->in->ino == in.ino) {
			ret = dv_scan_fail(sc, DV_EPARSE, f->label, lineno,
			                   "$INCLUDE %s: include loop: %s is already being read",
			                   path, u->label);
			goto out;
		}
	}
	if (atomic_fetch_add(&budget->bytes, in.size) + in.size > l->include_bytes_max) {
		ret = dv_scan_fail(sc, DV_ELIMIT, f->label, lineno,
		                   "$INCLUDE %s: included files together exceed %llu bytes", path,
		                   (unsigned long long)l->include_bytes_max);
		goto out;
	}
	char what[PATH_MAX + 16];
	snprintf(what, sizeof(what), "$INCLUDE %s: ", path);
	uint64_t gen;
	if ((ret = dv_scan_prepare(sc, &in, path, f->label, lineno, what, &gen)) != DV_OK)
		goto out;
	/* libzscanner wrote the origin (given, or the current one) as text. */
	carry_t state = {.ttl = s->default_ttl};
	size_t ol = strnlen((const char *)s->buffer, sizeof(s->buffer));
	if (ol >= sizeof(state.origin)) {
		ret = dv_scan_fail(sc, DV_EPARSE, f->label, lineno, "$INCLUDE %s: origin too long",
		                   path);
		goto out;
	}
	memcpy(state.origin, s->buffer, ol);
	state.origin[ol] = '\0';
	frame_t child = {.up = f,
	                 .label = path,
	                 .in = &in,
	                 .start = in.data,
	                 .end = in.data + in.len,
	                 .depth = f->depth + 1,
	                 .gen_left = gen};
	sc->promised += gen;
	ret = scan_frame(sc, &child, &state);
	sc->promised -= child.gen_left;
out:
	dv_input_close(&in);
	return ret;
}

static zs_scanner_t *scanner_start(dv_scan_t *sc, frame_t *f, zs_scanner_t *s, const carry_t *c,
                                   const char *from, uint64_t line)
{
	if (zs_init(s, c->origin, KNOT_CLASS_IN, c->ttl) != 0) {
		zs_deinit(s);
		dv_scan_fail(sc, DV_EINVAL, f->label, line, "invalid origin '%s'", c->origin);
		return NULL;
	}
	if (zs_set_input_string(s, from, (size_t)(f->end - from)) != 0) {
		dv_scan_fail(sc, DV_EPARSE, f->label, line, "%s", zs_strerror(s->error.code));
		zs_deinit(s);
		return NULL;
	}
	/* A line with no owner takes the last one (RFC 1035 §5.1). */
	if (c->owner_len > 0 && c->owner_len <= sizeof(s->r_owner)) {
		memcpy(s->r_owner, c->owner, c->owner_len);
		s->r_owner_length = (uint32_t)c->owner_len;
	}
	return s;
}

/* Read one text, one stretch between the directives followed here at a time. */
static int scan_frame(dv_scan_t *sc, frame_t *f, const carry_t *state)
{
	zs_scanner_t *s = malloc(sizeof(*s));
	if (s == NULL)
		return dv_scan_fail(sc, DV_ENOMEM, f->label, f->line_base, "out of memory");
	carry_t c = *state;
	const char *from = f->start;
	uint64_t base = f->line_base;
	int ret = DV_OK;
	while (ret == DV_OK && sc->ret == DV_OK) {
		if (scanner_start(sc, f, s, &c, from, base + 1) == NULL)
			break;
		bool resume = false;
		while (ret == DV_OK && sc->ret == DV_OK) {
			int r = zs_parse_record(s);
			if (s->state == ZS_STATE_DATA) {
				ret = on_record(sc, f, s, base);
			} else if (s->state == ZS_STATE_ERROR || r != 0) {
				const char *line;
				size_t len;
				stop_line(s, from, f->end, &line, &len);
				uint64_t ln = scanner_line(f, s, base);
				if (s->error.code == ZS_BAD_DIRECTIVE && len >= 9 &&
				    strncasecmp(line, "$GENERATE", 9) == 0) {
					ret = on_generate(sc, f, s, ln, line, len);
					resume = true;
				} else {
					ret = on_error(sc, f, s, base, line, len);
				}
				break;
			} else if (s->state == ZS_STATE_INCLUDE) {
				ret = on_include(sc, f, s, scanner_line(f, s, base));
				resume = true;
				break;
			} else {
				if (s->state == ZS_STATE_EOF && f->top) {
					/* Where the text ends: what follows must start so. */
					sc->ended = true;
					sc->end_ttl = s->default_ttl;
					size_t ol = s->zone_origin_length;
					if (ol > sizeof(sc->end_origin))
						ol = sizeof(sc->end_origin);
					memcpy(sc->end_origin, s->zone_origin, ol);
				}
				break; /* ZS_STATE_EOF or ZS_STATE_STOP */
			}
		}
		if (resume && ret == DV_OK && sc->ret == DV_OK) {
			/* Go on after the directive's line, in the state before it. */
			carry_from(&c, s);
			const char *next = after_line(s, from, f->end);
			base += s->line_counter;
			from = next;
		} else {
			resume = false;
		}
		zs_deinit(s);
		if (!resume)
			break;
	}
	free(s);
	if (ret == DV_SCAN_STOP)
		return DV_SCAN_STOP;
	return sc->ret;
}

int dv_scan_text(dv_scan_t *sc, const dv_scan_text_t *t)
{
	frame_t f = {.label = t->label,
	             .in = t->in,
	             .start = t->in->data + t->from,
	             .end = t->in->data + t->to,
	             .line_base = t->line_base,
	             .top = true,
	             .gen_left = t->gen_records};
	carry_t c = {.ttl = t->ttl};
	snprintf(c.origin, sizeof(c.origin), "%s", t->origin ? t->origin : ".");
	sc->promised += t->gen_records;
	int ret = scan_frame(sc, &f, &c);
	sc->promised -= f.gen_left;
	return ret == DV_SCAN_STOP ? DV_OK : ret;
}

int dv_scan_prepare(dv_scan_t *sc, dv_input_t *in, const char *path, const char *file,
                    uint64_t line, const char *what, uint64_t *gen_records)
{
	const size_t max = sc->opts->limits.max_records;
	uint64_t used = sc->records + sc->promised;
	dv_prescan_t ps;
	int ret = dv_input_prescan(in, 0, in->len, 0, used < max ? max - used : 0, &ps);
	if (ret != DV_OK)
		return dv_scan_fail(sc, ret, file, line, "%s%s", what, dv_strerror(ret));
	if (ps.gen_over_at != UINT64_MAX)
		return dv_scan_fail(sc, DV_ELIMIT, path, dv_input_line_at(in, ps.gen_over_at),
		                    "$GENERATE: would make more than %zu records in all", max);
	/* libzscanner refuses CRLF: read a copy with LF line ends. */
	if (ps.has_cr && (ret = dv_input_use_lf(in)) != DV_OK)
		return dv_scan_fail(sc, ret, file, line, "%s%s", what, dv_strerror(ret));
	*gen_records = ps.gen_records;
	return DV_OK;
}

int dv_scan_file(dv_scan_t *sc, const char *path, const char *origin)
{
	dv_input_t in;
	char why[128];
	if (dv_input_open(&in, path, why, sizeof(why)) != DV_OK)
		return dv_scan_fail(sc, DV_EIO, path, 0, "%s", why);
	uint64_t gen;
	int ret = dv_scan_prepare(sc, &in, path, path, 0, "", &gen);
	if (ret == DV_OK) {
		dv_scan_text_t t = {.label = path,
		                    .in = &in,
		                    .to = in.len,
		                    .origin = origin,
		                    .ttl = sc->opts->default_ttl ? sc->opts->default_ttl : 3600,
		                    .gen_records = gen};
		ret = dv_scan_text(sc, &t);
	}
	dv_input_close(&in);
	return ret;
}
