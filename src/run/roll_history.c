/*
 * A zone's rollover history from the watch daemon's store: its snapshots
 * replayed into an observation series, and the audited resolvers with the
 * spans they validated in (doc/rollover.md, "History from the daemon's store").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "run/run.h"

typedef struct {
	dv_roll_series_t *s;
	size_t n, total;
	int64_t last_time, until;
	char *err;
	size_t errlen;
} replay_t;

static int replay_one(const dv_store_snapshot_row_t *row, void *vctx)
{
	replay_t *c = vctx;
	char label[48];
	snprintf(label, sizeof(label), "snapshot %lld", (long long)row->id);
	if (strcmp(row->encoding, "json") != 0) {
		snprintf(c->err, c->errlen, "%s: encoding '%s' is not known", label, row->encoding);
		return DV_EINVAL;
	}
	c->n++;
	/* A clock stepped back leaves a snapshot older than what was replayed:
	 * the series takes each server's observations in time order only. */
	if (row->time < c->last_time)
		return 0;
	dv_snapshot_t *snap = NULL;
	int r = dv_snapshot_load_mem(row->data, row->len, label, &snap, c->err, c->errlen);
	if (r != DV_OK)
		return r;
	if (snap->time < c->last_time) {
		dv_snapshot_free(snap);
		return 0;
	}
	/* Every cycle from the snapshot's time to its seen_until saw the same:
	 * observing it at both ends is observing every cycle in between (a run
	 * of one version costs the same however long). */
	int64_t until = row->seen_until;
	if (c->n == c->total && c->until > until)
		until = c->until;
	r = dv_roll_extract(c->s, snap, label, c->err, c->errlen);
	c->last_time = snap->time;
	if (r == DV_OK && until > snap->time) {
		snap->time = until;
		r = dv_roll_extract(c->s, snap, label, c->err, c->errlen);
		c->last_time = until;
	}
	dv_snapshot_free(snap);
	return r;
}

static int count_one(const dv_store_snapshot_row_t *row, void *vctx)
{
	(void)row;
	(*(size_t *)vctx)++;
	return 0;
}

int dv_roll_history_load(dv_store_t *st, const uint8_t *zone, const dv_roll_history_opts_t *o,
                         dv_roll_series_t **out, size_t *nsnap, char *err, size_t errlen)
{
	*out = NULL;
	*nsnap = 0;
	dv_roll_series_t *s = NULL;
	int r = dv_roll_series_new(zone, &s);
	if (r != DV_OK) {
		snprintf(err, errlen, "%s", dv_strerror(r));
		return r;
	}
	const char *zs = dv_roll_series_zone(s);
	replay_t c = {.s = s, .until = o->until, .err = err, .errlen = errlen};
	if (c.until == 0 && dv_store_zone_last_success(st, zs, &c.until) != DV_OK) {
		snprintf(err, errlen, "store: %s", dv_store_errmsg(st));
		r = DV_EIO;
		goto fail;
	}
	/* Counted first: the newest snapshot is the one that lasts until `until`. */
	if (dv_store_snapshots_each(st, zs, o->since, o->max, count_one, &c.total) != DV_OK) {
		snprintf(err, errlen, "store: %s", dv_store_errmsg(st));
		r = DV_EIO;
		goto fail;
	}
	if (c.total == 0) {
		snprintf(err, errlen, "the store holds no snapshot of %s (is it watched?)", zs);
		dv_roll_series_free(s);
		return DV_OK;
	}
	err[0] = '\0';
	r = dv_store_snapshots_each(st, zs, o->since, o->max, replay_one, &c);
	if (r != DV_OK) {
		if (err[0] == '\0')
			snprintf(err, errlen, "store: %s", dv_store_errmsg(st));
		goto fail;
	}
	*out = s;
	*nsnap = c.n;
	return DV_OK;
fail:
	dv_roll_series_free(s);
	return r;
}

/* ---- resolvers --------------------------------------------------------------------- */

typedef struct {
	dv_roll_resolvers_t *out;
	int64_t *open; /* per resolver: start of the span it validates in, DV_ROLL_OPEN none */
	bool *seen;    /* per resolver: an event was seen */
	size_t *cap;
	int rc;
} res_ctx_t;

static int span_add(dv_roll_resolver_t *r, size_t *cap, int64_t from, int64_t to)
{
	int64_t *v = (int64_t *)r->validating;
	if (r->nvalidating == *cap) {
		size_t n = *cap ? *cap * 2 : 4;
		int64_t *nv = realloc(v, 2 * n * sizeof(*nv));
		if (nv == NULL)
			return DV_ENOMEM;
		v = nv;
		*cap = n;
		r->validating = v;
	}
	v[2 * r->nvalidating] = from;
	v[2 * r->nvalidating + 1] = to;
	r->nvalidating++;
	return DV_OK;
}

static int resolver_row(const dv_store_resolver_row_t *row, void *vctx)
{
	res_ctx_t *c = vctx;
	dv_roll_resolvers_t *o = c->out;
	dv_roll_resolver_t *n = realloc(o->v, (o->n + 1) * sizeof(*n));
	if (n == NULL) {
		c->rc = DV_ENOMEM;
		return 1;
	}
	o->v = n;
	memset(&n[o->n], 0, sizeof(n[o->n]));
	char *name = strdup(row->resolver), *addr = strdup(row->address);
	n[o->n].name = name;
	n[o->n].address = addr;
	n[o->n].validating = NULL;
	o->n++;
	if (name == NULL || addr == NULL) {
		c->rc = DV_ENOMEM;
		return 1;
	}
	return 0;
}

static int verdict_event(const dv_event_t *e, void *vctx)
{
	res_ctx_t *c = vctx;
	if (strcmp(e->kind, DV_EV_RESOLVER_VERDICT) != 0)
		return 0;
	for (size_t i = 0; i < c->out->n; i++) {
		dv_roll_resolver_t *r = &c->out->v[i];
		if (strcmp(r->name, e->server) != 0)
			continue;
		/* The first event kept tells the verdict before it too (events
		 * older than the retention are gone). */
		if (!c->seen[i] && strcmp(e->old_value, "validating") == 0)
			c->open[i] = DV_ROLL_START;
		c->seen[i] = true;
		bool now = strcmp(e->new_value, "validating") == 0;
		if (now && c->open[i] == DV_ROLL_OPEN) {
			c->open[i] = e->time;
		} else if (!now && c->open[i] != DV_ROLL_OPEN) {
			if ((c->rc = span_add(r, &c->cap[i], c->open[i], e->time)) != DV_OK)
				return 1;
			c->open[i] = DV_ROLL_OPEN;
		}
	}
	return 0;
}

int dv_roll_history_resolvers(dv_store_t *st, dv_roll_resolvers_t *out)
{
	memset(out, 0, sizeof(*out));
	res_ctx_t c = {.out = out};
	int rc = dv_store_resolvers_each(st, resolver_row, &c);
	if (rc == DV_OK)
		rc = c.rc;
	if (rc != DV_OK)
		goto fail;
	c.open = malloc((out->n + 1) * sizeof(*c.open));
	c.seen = calloc(out->n + 1, sizeof(*c.seen));
	c.cap = calloc(out->n + 1, sizeof(*c.cap));
	if (c.open == NULL || c.seen == NULL || c.cap == NULL) {
		rc = DV_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < out->n; i++)
		c.open[i] = DV_ROLL_OPEN;
	rc = dv_store_events_each(st, "", 0, verdict_event, &c);
	if (rc == DV_OK)
		rc = c.rc;
	/* A resolver without any event kept: its current verdict, since ever. */
	for (size_t i = 0; i < out->n && rc == DV_OK; i++) {
		if (!c.seen[i]) {
			char verdict[32];
			if (dv_store_resolver_get(st, out->v[i].name, verdict, sizeof(verdict)) ==
			        DV_OK &&
			    strcmp(verdict, "validating") == 0)
				c.open[i] = DV_ROLL_START;
		}
		if (c.open[i] != DV_ROLL_OPEN)
			rc = span_add(&out->v[i], &c.cap[i], c.open[i], DV_ROLL_OPEN);
	}
fail:
	free(c.open);
	free(c.seen);
	free(c.cap);
	if (rc != DV_OK)
		dv_roll_resolvers_clear(out);
	return rc;
}

void dv_roll_resolvers_clear(dv_roll_resolvers_t *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free((char *)r->v[i].name);
		free((char *)r->v[i].address);
		free((int64_t *)r->v[i].validating);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
