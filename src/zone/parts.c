/*
 * Reading a zone file in parts, side by side.
 *
 * Parsing is the one step of loading that a single thread does, and on
 * zones whose signatures verify fast it takes longer than the cryptography
 * (RSA), or it cannot keep the verifying threads fed (very large zones).  So
 * a large file is cut at line starts into parts, each read by its own
 * reader and thread into its own builder, and the builders are joined in
 * file order.  A cut must fall between two records: it is placed at a line
 * that begins with an owner name, and checked afterwards, because a record
 * open across the cut (parentheses) leaves the part before it ending in an
 * error.  Each part starts with the $ORIGIN and $TTL in force at its start
 * and with the number of lines before it, found by a first pass over the
 * bytes, and must end in the state the next one started with.  Anything
 * unexpected (a CR, an error, a mismatch, a ceiling) sends the whole file
 * through the one-thread path, whose messages are then exact.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libknot/descriptor.h>
#include <libknot/dname.h>
#include <libzscanner/scanner.h>

#include "core/error.h"
#include "zone/load_int.h"

typedef struct part part_t;

struct zone_parts_shared {
	atomic_bool abort;  /* a part failed: the others stop, the file is read again */
	pthread_mutex_t mu; /* progress, and the first-pass rendezvous */
	pthread_cond_t cv;  /* every part's first pass is done, or abort */
	unsigned arrived;
	uint64_t done; /* bytes read, all parts */
	dv_scan_budget_t budget;
	zone_load_t *zl;
	unsigned n;
	part_t *p;
};

struct part {
	zone_parts_shared_t *sh;
	unsigned idx;
	zone_reader_t r;
	dv_scan_opts_t so;
	dv_scan_t sc;
	uint64_t from, to; /* byte range in the file: [from, to) */
	dv_prescan_t ps;
	uint32_t start_ttl;
	uint8_t start_origin[DV_DNAME_MAXLEN];
	char errbuf[256];
	pthread_t tid;
	bool started;
};

bool zone_parts_aborted(const zone_parts_shared_t *sh)
{
	return atomic_load_explicit(&sh->abort, memory_order_relaxed);
}

void zone_parts_progress(zone_parts_shared_t *sh, zone_reader_t *r, uint64_t done)
{
	const dv_zone_opts_t *o = sh->zl->opts;
	pthread_mutex_lock(&sh->mu);
	if (done > r->reported)
		sh->done += done - r->reported;
	r->reported = done;
	o->progress(o->progress_ctx, sh->done, sh->zl->total_bytes);
	pthread_mutex_unlock(&sh->mu);
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

/* Cut points: parts of about equal size, each at least part_min. */
static unsigned parts_cut(part_t *p, const dv_input_t *in, unsigned want, size_t part_min)
{
	size_t size = in->len;
	if (part_min == 0)
		part_min = 1;
	if (want > DV_ZONE_PARTS_MAX)
		want = DV_ZONE_PARTS_MAX;
	if (want > size / part_min)
		want = (unsigned)(size / part_min);
	unsigned n = 0;
	uint64_t from = 0;
	for (unsigned k = 1; k < want; k++) {
		uint64_t cut = find_cut(in->map, size, size / want * k);
		if (cut <= from)
			continue;
		p[n].from = from;
		p[n].to = cut;
		n++;
		from = cut;
	}
	p[n].from = from;
	p[n].to = size;
	return n + 1;
}

/* The reader's state at the start of part k: the file's, changed by the
 * directives of the parts before it. */
static int part_start_state(zone_parts_shared_t *sh, unsigned k)
{
	part_t *pt = &sh->p[k];
	size_t len = 0;
	for (unsigned j = 0; j < k; j++)
		len += sh->p[j].ps.dirs_len;
	char *text = malloc(len + 1);
	zs_scanner_t *s = malloc(sizeof(*s));
	int ret = DV_ENOMEM;
	if (text == NULL || s == NULL)
		goto out;
	len = 0;
	for (unsigned j = 0; j < k; j++) {
		if (sh->p[j].ps.dirs_len > 0)
			memcpy(text + len, sh->p[j].ps.dirs, sh->p[j].ps.dirs_len);
		len += sh->p[j].ps.dirs_len;
	}
	ret = DV_EPARSE;
	if (zs_init(s, sh->zl->origin_str, KNOT_CLASS_IN, sh->zl->dttl) != 0 ||
	    zs_set_input_string(s, text, len) != 0)
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

static void parts_abort(zone_parts_shared_t *sh)
{
	pthread_mutex_lock(&sh->mu);
	atomic_store(&sh->abort, true);
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
}

/* Wait until every part has done its first pass (each needs the directives
 * and line counts of the parts before it); false if the load is given up. */
static bool parts_wait(zone_parts_shared_t *sh)
{
	pthread_mutex_lock(&sh->mu);
	if (++sh->arrived == sh->n)
		pthread_cond_broadcast(&sh->cv);
	while (sh->arrived < sh->n && !atomic_load(&sh->abort))
		pthread_cond_wait(&sh->cv, &sh->mu);
	pthread_mutex_unlock(&sh->mu);
	return !atomic_load(&sh->abort);
}

static void *part_main(void *arg)
{
	part_t *pt = arg;
	zone_parts_shared_t *sh = pt->sh;
	zone_load_t *zl = sh->zl;
	if (dv_input_prescan(zl->in, pt->from, pt->to, DV_PRESCAN_LINES | DV_PRESCAN_DIRS,
	                     UINT64_MAX, &pt->ps) != DV_OK ||
	    pt->ps.has_cr) /* CRLF: the one-thread path strips the CRs */
		parts_abort(sh);
	if (!parts_wait(sh))
		return NULL;
	uint64_t lines = 0, gen = 0;
	for (unsigned k = 0; k < sh->n; k++) {
		gen += sh->p[k].ps.gen_records;
		if (k < pt->idx)
			lines += sh->p[k].ps.newlines;
	}
	char origin[1025];
	/* Past the record ceiling with what $GENERATE lines will make: the
	 * one-thread path says where. */
	if (gen > zl->limits.max_records || part_start_state(sh, pt->idx) != DV_OK ||
	    knot_dname_to_str(origin, pt->start_origin, sizeof(origin)) == NULL) {
		parts_abort(sh);
		return NULL;
	}
	dv_scan_text_t t = {.label = zl->label,
	                    .in = zl->in,
	                    .from = pt->from,
	                    .to = pt->to,
	                    .origin = origin,
	                    .ttl = pt->start_ttl,
	                    .line_base = lines,
	                    .gen_records = pt->ps.gen_records};
	if (dv_scan_text(&pt->sc, &t) != DV_OK)
		parts_abort(sh);
	else
		dv_zone_builder_end_run(pt->r.b);
	return NULL;
}

/* The parts are read: join them if each ended as the next one started. */
static int parts_join(zone_parts_shared_t *sh, dv_zone_builder_t *b)
{
	if (atomic_load(&sh->abort))
		return DV_EPARSE;
	for (unsigned k = 0; k + 1 < sh->n; k++) {
		const dv_scan_t *sc = &sh->p[k].sc;
		const part_t *next = &sh->p[k + 1];
		if (!sc->ended || sc->end_ttl != next->start_ttl ||
		    !knot_dname_is_equal(sc->end_origin, next->start_origin))
			return DV_EPARSE;
	}
	dv_zone_builder_t *bs[DV_ZONE_PARTS_MAX];
	for (unsigned k = 0; k < sh->n; k++)
		bs[k] = sh->p[k].r.b;
	return dv_zone_builder_join(b, bs, sh->n);
}

int zone_load_parts(zone_load_t *zl, zone_reader_t *r0, dv_zone_builder_t **out)
{
	const dv_zone_opts_t *o = zl->opts;
	dv_input_t *in = zl->in;
	*out = NULL;
	if (in->map == NULL || in->data != in->map)
		return DV_EINVAL;
	char err[256];
	/* As in the one-thread path: the owner of the first SOA. */
	if (!zl->have_origin && zone_find_origin(zl, err, sizeof(err)) != DV_OK)
		return DV_EPARSE;
	zone_parts_shared_t *sh = calloc(1, sizeof(*sh));
	part_t *p = calloc(DV_ZONE_PARTS_MAX, sizeof(*p));
	dv_zone_builder_t *b = NULL;
	int ret = DV_ENOMEM;
	if (sh == NULL || p == NULL || zone_builder_new(zl, r0, &b) != DV_OK)
		goto out;
	sh->zl = zl;
	sh->p = p;
	sh->n = parts_cut(p, in, o->threads, o->part_min ? o->part_min : DV_ZONE_PART_MIN);
	ret = DV_EINVAL;
	if (sh->n < 2)
		goto out; /* nothing to gain */
	atomic_init(&sh->abort, false);
	atomic_init(&sh->budget.files, 0);
	atomic_init(&sh->budget.bytes, 0);
	pthread_mutex_init(&sh->mu, NULL);
	pthread_cond_init(&sh->cv, NULL);
	ret = DV_OK;
	for (unsigned k = 0; k < sh->n && ret == DV_OK; k++) {
		part_t *pt = &p[k];
		pt->sh = sh;
		pt->idx = k;
		pt->r = (zone_reader_t){.zl = zl, .part = k, .sh = sh};
		ret = dv_zone_builder_part(b, (size_t)((pt->to - pt->from) / 80), &pt->r, &pt->r.b);
		pt->so = zone_scan_opts(zl, &pt->r);
		pt->so.budget = &sh->budget;
		dv_scan_init(&pt->sc, &pt->so, pt->errbuf, sizeof(pt->errbuf));
	}
	/* Part 0 is read here; a part whose thread will not start stops all. */
	bool all_started = ret == DV_OK;
	for (unsigned k = 1; k < sh->n && all_started; k++) {
		p[k].started = pthread_create(&p[k].tid, NULL, part_main, &p[k]) == 0;
		all_started = p[k].started;
	}
	if (all_started)
		part_main(&p[0]);
	else
		parts_abort(sh);
	for (unsigned k = 1; k < sh->n; k++)
		if (p[k].started)
			pthread_join(p[k].tid, NULL);
	pthread_cond_destroy(&sh->cv);
	pthread_mutex_destroy(&sh->mu);
	ret = parts_join(sh, b);
	if (ret != DV_OK && atomic_load(&zl->hook_used))
		zone_hook_release(zl);
	for (unsigned k = 0; k < sh->n; k++) {
		dv_zone_builder_free(p[k].r.b);
		free(p[k].ps.dirs);
	}
out:
	if (ret == DV_OK) {
		*out = b;
		b = NULL;
	}
	dv_zone_builder_free(b);
	free(p);
	free(sh);
	return ret;
}
