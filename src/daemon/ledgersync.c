/*
 * The ledger follows the store (doc/watch.md "Store and ledger").
 *
 * A cycle's events are committed to the store first, in the transaction
 * that holds the observation they come from; the ledger then takes every
 * store event it does not hold yet, in id order, in batches
 * (ledger_append_batch: one durable transaction each).  Each entry names
 * the store (its random identity) and the event id, so the ledger itself
 * says how far it got: after a crash at any instant — before the store's
 * commit (nothing to append), between the two commits (the events are
 * appended on restart), after the ledger's commit (the entries are found
 * and not appended again) — every store event is in the ledger exactly
 * once, in order.  The store only keeps the entry index of each event as
 * a hint (where to start reading the ledger on restart, and for
 * `history`).
 *
 * Everything here runs on one worker thread at a time (a ledger_t is not
 * thread-safe; ledger_tick may wait on witnesses), with a read-only store
 * connection of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "daemon/daemon_int.h"

#define BATCH      512   /* events per ledger transaction */
#define RUN_MAX    20000 /* events per run: the loop gets its marks, then asks again */
#define VALUE_MAX  16384 /* bytes of an old/new value kept in the entry */
#define TICK_EVERY 10    /* seconds between ledger_tick calls without a new checkpoint */

/* ---- entries -------------------------------------------------------------- */

/* A JSON string of s, valid UTF-8 whatever s holds (bytes that are not are
 * shown as '?'), at most VALUE_MAX bytes with a note of the whole length. */
static json_t *str_value(const char *s)
{
	size_t n = strlen(s);
	json_t *j = n <= VALUE_MAX ? json_string(s) : NULL;
	if (j != NULL)
		return j;
	size_t keep = n <= VALUE_MAX ? n : VALUE_MAX;
	char *b = malloc(keep + 80);
	if (b == NULL)
		return NULL;
	/* copy, replacing what is not UTF-8 (RFC 3629 §4 shapes, no overlong check
	 * needed: jansson validates again and we only need it to accept) */
	size_t o = 0;
	for (size_t i = 0; i < keep;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80         ? 1
		             : (c >> 5) == 6  ? 2
		             : (c >> 4) == 14 ? 3
		             : (c >> 3) == 30 ? 4
		                              : 0;
		bool ok = len > 0 && i + len <= keep;
		for (size_t k = 1; ok && k < len; k++)
			ok = ((unsigned char)s[i + k] >> 6) == 2;
		if (ok && len > 1) {
			memcpy(b + o, s + i, len);
			o += len;
			i += len;
		} else {
			b[o++] = ok ? (char)c : '?';
			i++;
		}
	}
	b[o] = '\0';
	if (n > keep)
		snprintf(b + o, 80, "\n... (%zu bytes in all; the store has the whole value)", n);
	j = json_string(b);
	if (j == NULL) { /* still refused: drop to ASCII */
		for (size_t i = 0; b[i]; i++)
			if ((unsigned char)b[i] >= 0x80)
				b[i] = '?';
		j = json_string(b);
	}
	free(b);
	return j;
}

/* The entry of one store event: kind and zone as the event's, evidence
 * {event, store, observed, server, subject, old, new}. */
static json_t *evidence_of(const dv_event_t *e, const char *store_id)
{
	char observed[32];
	ledger_time_format(e->time, observed, sizeof(observed));
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	int bad = json_object_set_new(o, "event", json_integer(e->id));
	bad |= json_object_set_new(o, "store", json_string(store_id));
	bad |= json_object_set_new(o, "observed", json_string(observed));
	bad |= json_object_set_new(o, "server", str_value(e->server));
	bad |= json_object_set_new(o, "subject", str_value(e->subject));
	bad |= json_object_set_new(o, "old", str_value(e->old_value ? e->old_value : ""));
	bad |= json_object_set_new(o, "new", str_value(e->new_value ? e->new_value : ""));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- opening ------------------------------------------------------------------ */

int dv_lsync_open(const dv_conf_t *conf, dv_lsync_t *ls, char *err, size_t errlen)
{
	memset(ls, 0, sizeof(*ls));
	ls->last_event = -1;
	ledger_witness_t w[LEDGER_WITNESSES_MAX];
	for (size_t i = 0; i < conf->nwitnesses && i < LEDGER_WITNESSES_MAX; i++)
		w[i] = (ledger_witness_t){.vkey = conf->witnesses[i].key,
		                          .url = conf->witnesses[i].url};
	char origin[300];
	if (conf->ledger_origin != NULL) {
		snprintf(origin, sizeof(origin), "%s", conf->ledger_origin);
	} else {
		char host[256] = "localhost";
		gethostname(host, sizeof(host) - 1);
		snprintf(origin, sizeof(origin), "dnsvigil/%s", host);
	}
	ledger_opts_t lo = {.origin = conf->ledger_origin,
	                    .key_file = conf->ledger_key,
	                    .witnesses = w,
	                    .nwitnesses = conf->nwitnesses,
	                    .witness_timeout_ms = conf->witness_timeout_ms,
	                    .checkpoint_secs = (unsigned)conf->checkpoint_interval};
	int r = ledger_open(conf->state_directory, &lo, &ls->ledger, err, errlen);
	if (r != DV_OK && conf->ledger_origin == NULL && strstr(err, "an origin is needed")) {
		/* a new ledger: the default origin, as `dnsvigil log` gives it */
		lo.origin = origin;
		err[0] = '\0';
		r = ledger_open(conf->state_directory, &lo, &ls->ledger, err, errlen);
	}
	if (r != DV_OK)
		return r;
	char serr[512];
	if ((r = dv_store_open(conf->state_directory, true, &ls->reader, serr, sizeof(serr))) !=
	    DV_OK) {
		snprintf(err, errlen, "store (the ledger's reader): %s", serr);
		ledger_free(ls->ledger);
		ls->ledger = NULL;
		return r;
	}
	snprintf(ls->store_id, sizeof(ls->store_id), "%s", dv_store_id(ls->reader));
	return DV_OK;
}

int dv_lsync_close(dv_lsync_t *ls, int64_t now, ledger_status_t *final, int *final_rc)
{
	int r = DV_OK;
	if (final_rc != NULL)
		*final_rc = DV_OK;
	if (final != NULL && ls->ledger != NULL) {
		/* ledger_close() without the free: the status must be read between.
		 * An unreadable one leaves *final as the last run left it (the
		 * metrics keep true counts) and is said so, not zeroed. */
		ledger_status_t st;
		r = ledger_checkpoint(ls->ledger, now);
		*final_rc = ledger_status(ls->ledger, &st);
		if (*final_rc == DV_OK)
			*final = st;
	}
	ledger_free(ls->ledger);
	dv_store_close(ls->reader);
	ls->ledger = NULL;
	ls->reader = NULL;
	return r;
}

/* ---- marks ------------------------------------------------------------------------ */

static int mark_add(dv_lsync_marks_t *m, int64_t id, uint64_t index)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		int64_t *ids = realloc(m->ids, cap * sizeof(*ids));
		if (ids == NULL)
			return DV_ENOMEM;
		m->ids = ids;
		uint64_t *ix = realloc(m->index, cap * sizeof(*ix));
		if (ix == NULL)
			return DV_ENOMEM;
		m->index = ix;
		m->cap = cap;
	}
	m->ids[m->n] = id;
	m->index[m->n++] = index;
	return DV_OK;
}

void dv_lsync_marks_free(dv_lsync_marks_t *m)
{
	free(m->ids);
	free(m->index);
	memset(m, 0, sizeof(*m));
}

/* ---- recovery: how far the ledger got ------------------------------------------------ */

typedef struct {
	dv_lsync_t *ls;
	dv_lsync_marks_t *marks;
	int64_t mark_event; /* the store's hint: this event is entry mark_index */
	int64_t mark_index;
	bool mark_seen; /* the hint holds */
	int rc;
} scan_t;

static int scan_entry(void *ctx, uint64_t index, const char *body, size_t len, const json_t *e)
{
	(void)body;
	(void)len;
	scan_t *s = ctx;
	const json_t *ev = json_object_get(e, "evidence");
	const char *store = json_string_value(json_object_get(ev, "store"));
	json_t *id = json_object_get(ev, "event");
	if (store == NULL || strcmp(store, s->ls->store_id) != 0 || !json_is_integer(id))
		return 0; /* an operator's note, or another store's entry */
	int64_t v = json_integer_value(id);
	if ((int64_t)index == s->mark_index && v == s->mark_event)
		s->mark_seen = true;
	if (v > s->ls->last_event) {
		s->ls->last_event = v;
		if ((s->rc = mark_add(s->marks, v, index)) != DV_OK)
			return 1;
	}
	return 0;
}

/* The newest store event the ledger holds, read from the ledger's tail
 * (from the entry the store last recorded). */
static int recover(dv_lsync_t *ls, dv_lsync_marks_t *marks)
{
	int64_t ev, idx;
	int r = dv_store_ledger_mark(ls->reader, &ev, &idx);
	if (r != DV_OK)
		return r;
	scan_t s = {.ls = ls, .marks = marks, .mark_event = ev, .mark_index = idx};
	ls->last_event = ev > 0 ? ev : 0;
	ledger_filter_t f = {.from = idx > 0 ? (uint64_t)idx : 0};
	r = ledger_foreach(ls->ledger, &f, scan_entry, &s);
	if (r == DV_OK && ev > 0 && !s.mark_seen) {
		/* The hint names an entry this ledger does not have (a ledger
		 * replaced by a new one): read all of it, and give it every event
		 * the store still holds that it lacks. */
		dv_log(DV_LOG_WARNING, NULL, NULL,
		       "ledger: entry %lld is not store event %lld: reading the whole ledger",
		       (long long)idx, (long long)ev);
		ls->last_event = 0;
		s.mark_index = -1;
		marks->n = 0;
		f.from = 0;
		r = ledger_foreach(ls->ledger, &f, scan_entry, &s);
	}
	if (r == 1)
		r = s.rc;
	if (r != DV_OK)
		ls->last_event = -1;
	return r;
}

/* ---- a run ----------------------------------------------------------------------------- */

typedef struct {
	dv_event_t *v;
	size_t n;
	int rc;
} batch_t;

static int take_event(const dv_event_t *e, void *ctx)
{
	batch_t *b = ctx;
	dv_event_t *d = &b->v[b->n];
	*d = *e;
	d->old_value = strdup(e->old_value ? e->old_value : "");
	d->new_value = strdup(e->new_value ? e->new_value : "");
	if (d->old_value == NULL || d->new_value == NULL) {
		free(d->old_value);
		free(d->new_value);
		b->rc = DV_ENOMEM;
		return 1;
	}
	b->n++;
	return 0;
}

static void batch_clear(batch_t *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].old_value);
		free(b->v[i].new_value);
	}
	b->n = 0;
}

/* Append the next events (at most BATCH); *got how many. */
static int append_some(dv_lsync_t *ls, int64_t now, dv_lsync_marks_t *marks, size_t *got, char *err,
                       size_t errlen)
{
	ledger_entry_t e[BATCH];
	json_t *ev[BATCH];
	*got = 0;
	dv_event_t *v = malloc(BATCH * sizeof(*v)); /* ~1 MB: not on a worker's stack */
	if (v == NULL) {
		snprintf(err, errlen, "ledger: no memory");
		return DV_ENOMEM;
	}
	batch_t b = {.v = v};
	int r = dv_store_events_after(ls->reader, ls->last_event, BATCH, take_event, &b);
	if (r == DV_OK)
		r = b.rc;
	if (r != DV_OK) {
		snprintf(err, errlen, "store: reading events: %s", dv_strerror(r));
		batch_clear(&b);
		free(v);
		return r;
	}
	size_t n = 0;
	for (; n < b.n; n++) {
		if ((ev[n] = evidence_of(&v[n], ls->store_id)) == NULL)
			break;
		e[n] = (ledger_entry_t){
		    .kind = v[n].kind, .zone = v[n].zone[0] ? v[n].zone : NULL, .evidence = ev[n]};
	}
	uint64_t first = 0;
	r = n < b.n  ? DV_ENOMEM
	    : n == 0 ? DV_OK
	             : ledger_append_batch(ls->ledger, e, n, now, &first);
	if (r == DV_OK && n > 0)
		dv_daemon_crash_point("ledger-append");
	if (r != DV_OK)
		snprintf(err, errlen, "ledger: appending %zu entries: %s", n, dv_strerror(r));
	for (size_t i = 0; i < n; i++) {
		if (r == DV_OK && mark_add(marks, v[i].id, first + i) != DV_OK)
			r = DV_ENOMEM; /* the entries are in; only the hints are lost */
		json_decref(ev[i]);
	}
	if (n > 0 && (r == DV_OK || r == DV_ENOMEM)) {
		ls->last_event = v[n - 1].id;
		*got = n;
		r = DV_OK;
	}
	batch_clear(&b);
	free(v);
	return r;
}

int dv_lsync_run(dv_lsync_t *ls, int64_t now, dv_lsync_result_t *res)
{
	int r = DV_OK;
	res->err[0] = '\0';
	res->more = false;
	if (ls->last_event < 0 && (r = recover(ls, &res->marks)) != DV_OK) {
		snprintf(res->err, sizeof(res->err), "ledger: finding how far it got: %s",
		         dv_strerror(r));
		goto status;
	}
	size_t total = 0, got;
	do {
		r = append_some(ls, now, &res->marks, &got, res->err, sizeof(res->err));
		total += got;
	} while (r == DV_OK && got == BATCH && total < RUN_MAX);
	res->appended = total;
	res->more = r == DV_OK && got == BATCH;
	/* Checkpoints are made by the appends (every 64 entries or 300 s); the
	 * tick makes the time-based one when nothing is appended, and pushes to
	 * the witnesses (each may take witness_timeout_ms). */
	ledger_status_t st;
	if (ledger_status(ls->ledger, &st) == DV_OK &&
	    (st.checkpoint_size != ls->pushed_size || now - ls->last_tick >= TICK_EVERY)) {
		ledger_tick(ls->ledger, now);
		ls->last_tick = now;
		ls->pushed_size = st.checkpoint_size;
	}
status:
	if (ledger_status(ls->ledger, &res->status) != DV_OK)
		memset(&res->status, 0, sizeof(res->status));
	if (dv_store_events_count_after(ls->reader, ls->last_event < 0 ? 0 : ls->last_event,
	                                &res->pending) != DV_OK)
		res->pending = -1;
	res->last_event = ls->last_event;
	return r;
}
