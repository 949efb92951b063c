/* Observations, findings and event lists: memory and their stored JSON form. */
#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "store/store.h"

static void server_clear(dv_obs_server_t *s)
{
	free(s->dnskey);
	free(s->cds);
	free(s->cdnskey);
}

void dv_obs_clear(dv_obs_t *obs)
{
	if (obs == NULL)
		return;
	for (size_t i = 0; i < obs->nsrv; i++)
		server_clear(&obs->srv[i]);
	for (size_t i = 0; i < obs->npar; i++)
		free(obs->par[i].ds);
	free(obs->srv);
	free(obs->par);
	memset(obs, 0, sizeof(*obs));
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return DV_OK;
	*dst = strdup(src);
	return *dst ? DV_OK : DV_ENOMEM;
}

int dv_obs_copy(dv_obs_t *dst, const dv_obs_t *src)
{
	*dst = *src;
	dst->srv = NULL;
	dst->par = NULL;
	dst->nsrv = dst->npar = 0;
	if (src->nsrv && (dst->srv = calloc(src->nsrv, sizeof(*dst->srv))) == NULL)
		goto fail;
	for (size_t i = 0; i < src->nsrv; i++, dst->nsrv++) {
		dst->srv[i] = src->srv[i];
		dst->srv[i].dnskey = dst->srv[i].cds = dst->srv[i].cdnskey = NULL;
		if (dup_opt(&dst->srv[i].dnskey, src->srv[i].dnskey) ||
		    dup_opt(&dst->srv[i].cds, src->srv[i].cds) ||
		    dup_opt(&dst->srv[i].cdnskey, src->srv[i].cdnskey)) {
			dst->nsrv++;
			goto fail;
		}
	}
	if (src->npar && (dst->par = calloc(src->npar, sizeof(*dst->par))) == NULL)
		goto fail;
	for (size_t i = 0; i < src->npar; i++, dst->npar++) {
		dst->par[i] = src->par[i];
		if (dup_opt(&dst->par[i].ds, src->par[i].ds) != DV_OK)
			goto fail;
	}
	return DV_OK;
fail:
	dv_obs_clear(dst);
	return DV_ENOMEM;
}

/* The entry of `addr` in an array of *n entries of `size` bytes that each
 * begin with their address (char[DV_OBS_ADDR_MAX]); a new one, zeroed, is
 * added (*added set) when there is none and the ceiling `max` allows. */
static int entry_get(void **v, size_t *n, size_t max, size_t size, const char *addr, void **out,
                     bool *added)
{
	*added = false;
	for (size_t i = 0; i < *n; i++) {
		char *e = (char *)*v + i * size;
		if (strcmp(e, addr) == 0) {
			*out = e;
			return DV_OK;
		}
	}
	size_t len = strlen(addr);
	if (*n >= max || len >= DV_OBS_ADDR_MAX)
		return DV_ELIMIT;
	char *nv = realloc(*v, (*n + 1) * size);
	if (nv == NULL)
		return DV_ENOMEM;
	*v = nv;
	char *e = nv + *n * size;
	memset(e, 0, size);
	memcpy(e, addr, len + 1);
	(*n)++;
	*out = e;
	*added = true;
	return DV_OK;
}

int dv_obs_server(dv_obs_t *obs, const char *addr, dv_obs_server_t **out)
{
	_Static_assert(offsetof(dv_obs_server_t, addr) == 0, "entry_get: the address first");
	bool added;
	void *e = NULL;
	int rc = entry_get((void **)&obs->srv, &obs->nsrv, DV_OBS_MAX_SERVERS, sizeof(*obs->srv),
	                   addr, &e, &added);
	*out = e;
	return rc;
}

int dv_obs_parent(dv_obs_t *obs, const char *addr, dv_obs_parent_t **out)
{
	_Static_assert(offsetof(dv_obs_parent_t, addr) == 0, "entry_get: the address first");
	bool added;
	void *e = NULL;
	int rc = entry_get((void **)&obs->par, &obs->npar, DV_OBS_MAX_PARENTS, sizeof(*obs->par),
	                   addr, &e, &added);
	*out = e;
	if (rc == DV_OK && added)
		(*out)->ds_match = -1; /* not judged yet */
	return rc;
}

static bool str_same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

bool dv_obs_same(const dv_obs_t *a, const dv_obs_t *b)
{
	if (strcmp(a->zone, b->zone) != 0 || a->probe_ok != b->probe_ok ||
	    strcmp(a->status, b->status) != 0 || a->have_serial != b->have_serial ||
	    (a->have_serial && a->serial != b->serial) ||
	    a->earliest_expiry != b->earliest_expiry ||
	    a->newest_inception != b->newest_inception || a->divergent != b->divergent ||
	    a->nsrv != b->nsrv || a->npar != b->npar)
		return false;
	for (size_t i = 0; i < a->nsrv; i++) {
		const dv_obs_server_t *x = &a->srv[i], *y = &b->srv[i];
		if (strcmp(x->addr, y->addr) != 0 || x->answering != y->answering ||
		    x->have_serial != y->have_serial ||
		    (x->have_serial && x->serial != y->serial) ||
		    x->earliest_expiry != y->earliest_expiry ||
		    x->newest_inception != y->newest_inception || !str_same(x->dnskey, y->dnskey) ||
		    !str_same(x->cds, y->cds) || !str_same(x->cdnskey, y->cdnskey) ||
		    /* full: true: how the copy came is news too (status shows it) */
		    strcmp(x->transfer, y->transfer) != 0 || x->have_copy != y->have_copy ||
		    (x->have_copy && x->copy_serial != y->copy_serial) || x->behind != y->behind ||
		    x->behind_since != y->behind_since)
			return false;
	}
	for (size_t i = 0; i < a->npar; i++) {
		const dv_obs_parent_t *x = &a->par[i], *y = &b->par[i];
		if (strcmp(x->addr, y->addr) != 0 || x->answering != y->answering ||
		    x->ds_match != y->ds_match || !str_same(x->ds, y->ds))
			return false;
	}
	return true;
}

/* ---- JSON form (the zone_latest.obs column) ------------------------------- */

static int jset(json_t *o, const char *k, json_t *v)
{
	return v == NULL || json_object_set_new(o, k, v) != 0 ? DV_ENOMEM : DV_OK;
}

static int jset_opt(json_t *o, const char *k, const char *v)
{
	return v == NULL ? DV_OK : jset(o, k, json_string(v));
}

int dv_obs_to_json(const dv_obs_t *obs, char **out)
{
	int rc = DV_ENOMEM;
	json_t *o = json_object(), *srv = json_array(), *par = json_array();
	*out = NULL;
	if (o == NULL || srv == NULL || par == NULL)
		goto fail;
	if (jset(o, "zone", json_string(obs->zone)) || jset(o, "time", json_integer(obs->time)) ||
	    jset(o, "probe_ok", json_boolean(obs->probe_ok)) ||
	    jset(o, "status", json_string(obs->status)) ||
	    jset(o, "earliest_expiry", json_integer(obs->earliest_expiry)) ||
	    jset(o, "newest_inception", json_integer(obs->newest_inception)) ||
	    jset(o, "divergent", json_boolean(obs->divergent)))
		goto fail;
	if (obs->have_serial && jset(o, "serial", json_integer(obs->serial)))
		goto fail;
	for (size_t i = 0; i < obs->nsrv; i++) {
		const dv_obs_server_t *s = &obs->srv[i];
		json_t *j = json_object();
		if (j == NULL || json_array_append_new(srv, j) != 0)
			goto fail;
		if (jset(j, "addr", json_string(s->addr)) ||
		    jset(j, "answering", json_boolean(s->answering)) ||
		    jset(j, "earliest_expiry", json_integer(s->earliest_expiry)) ||
		    jset(j, "newest_inception", json_integer(s->newest_inception)) ||
		    (s->have_serial && jset(j, "serial", json_integer(s->serial))) ||
		    jset_opt(j, "dnskey", s->dnskey) || jset_opt(j, "cds", s->cds) ||
		    jset_opt(j, "cdnskey", s->cdnskey))
			goto fail;
		if (s->transfer[0] || s->have_copy) {
			json_t *c = json_object();
			if (c == NULL || jset(j, "copy", c) ||
			    jset(c, "transfer", json_string(s->transfer)) ||
			    (s->have_copy && jset(c, "serial", json_integer(s->copy_serial))) ||
			    jset(c, "rrsets_added", json_integer(s->rrsets_added)) ||
			    jset(c, "rrsets_removed", json_integer(s->rrsets_removed)) ||
			    jset(c, "rrsets_changed", json_integer(s->rrsets_changed)) ||
			    jset(c, "behind", json_integer(s->behind)) ||
			    (s->behind_since > 0 &&
			     jset(c, "behind_since", json_integer(s->behind_since))))
				goto fail;
		}
	}
	for (size_t i = 0; i < obs->npar; i++) {
		json_t *j = json_object();
		if (j == NULL || json_array_append_new(par, j) != 0)
			goto fail;
		if (jset(j, "addr", json_string(obs->par[i].addr)) ||
		    jset(j, "answering", json_boolean(obs->par[i].answering)) ||
		    jset(j, "ds_match", json_integer(obs->par[i].ds_match)) ||
		    jset_opt(j, "ds", obs->par[i].ds))
			goto fail;
	}
	if (json_object_set(o, "servers", srv) || json_object_set(o, "parents", par))
		goto fail;
	*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	rc = *out ? DV_OK : DV_ENOMEM;
fail:
	json_decref(srv);
	json_decref(par);
	json_decref(o);
	return rc;
}

static int get_str(json_t *o, const char *k, char *buf, size_t len, bool required)
{
	json_t *v = json_object_get(o, k);
	if (v == NULL)
		return required ? DV_EPARSE : DV_OK;
	if (!json_is_string(v) || json_string_length(v) >= len)
		return DV_EPARSE;
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return DV_OK;
}

static int get_int(json_t *o, const char *k, int64_t *out)
{
	json_t *v = json_object_get(o, k);
	if (v == NULL)
		return DV_OK;
	if (!json_is_integer(v))
		return DV_EPARSE;
	*out = json_integer_value(v);
	return DV_OK;
}

static int get_serial(json_t *o, bool *have, uint32_t *out)
{
	json_t *v = json_object_get(o, "serial");
	if (v == NULL)
		return DV_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
		return DV_EPARSE;
	*have = true;
	*out = (uint32_t)json_integer_value(v);
	return DV_OK;
}

static int get_set(json_t *o, const char *k, char **out)
{
	json_t *v = json_object_get(o, k);
	if (v == NULL)
		return DV_OK;
	if (!json_is_string(v))
		return DV_EPARSE;
	*out = strdup(json_string_value(v));
	return *out ? DV_OK : DV_ENOMEM;
}

/* The "copy" of a server (full: true). */
static int get_copy(json_t *c, dv_obs_server_t *s)
{
	int64_t v[4] = {0, 0, 0, 0};
	static const char *const keys[4] = {"rrsets_added", "rrsets_removed", "rrsets_changed",
	                                    "behind"};
	if (!json_is_object(c) || get_str(c, "transfer", s->transfer, sizeof(s->transfer), true) ||
	    get_serial(c, &s->have_copy, &s->copy_serial))
		return DV_EPARSE;
	for (int i = 0; i < 4; i++)
		if (get_int(c, keys[i], &v[i]) || v[i] < 0 || v[i] > UINT32_MAX)
			return DV_EPARSE;
	s->rrsets_added = (uint32_t)v[0];
	s->rrsets_removed = (uint32_t)v[1];
	s->rrsets_changed = (uint32_t)v[2];
	s->behind = (uint32_t)v[3];
	/* absent in a store of an earlier version: not known */
	if (get_int(c, "behind_since", &s->behind_since) || s->behind_since < 0)
		return DV_EPARSE;
	return DV_OK;
}

static int server_from_json(dv_obs_t *out, const char *addr, json_t *e)
{
	dv_obs_server_t *s;
	int rc = dv_obs_server(out, addr, &s);
	if (rc != DV_OK)
		return rc;
	s->answering = json_is_true(json_object_get(e, "answering"));
	if (get_int(e, "earliest_expiry", &s->earliest_expiry) ||
	    get_int(e, "newest_inception", &s->newest_inception) ||
	    get_serial(e, &s->have_serial, &s->serial) || get_set(e, "dnskey", &s->dnskey) ||
	    get_set(e, "cds", &s->cds) || get_set(e, "cdnskey", &s->cdnskey))
		return DV_EPARSE;
	json_t *c = json_object_get(e, "copy");
	return c != NULL && get_copy(c, s) != DV_OK ? DV_EPARSE : DV_OK;
}

static int parent_from_json(dv_obs_t *out, const char *addr, json_t *e)
{
	dv_obs_parent_t *p;
	int rc = dv_obs_parent(out, addr, &p);
	if (rc != DV_OK)
		return rc;
	p->answering = json_is_true(json_object_get(e, "answering"));
	int64_t m = -1;
	if (get_int(e, "ds_match", &m) || m < -1 || m > 1 || get_set(e, "ds", &p->ds))
		return DV_EPARSE;
	p->ds_match = (int8_t)m;
	return DV_OK;
}

/* Each object of the list under `key` (none when it is absent), found by
 * its "addr" and read by `fn`: DV_EPARSE for a malformed list or entry. */
static int each_entry(json_t *o, const char *key, dv_obs_t *out,
                      int (*fn)(dv_obs_t *, const char *, json_t *))
{
	json_t *a = json_object_get(o, key), *e;
	size_t i;
	if (a != NULL && !json_is_array(a))
		return DV_EPARSE;
	json_array_foreach(a, i, e)
	{
		char addr[DV_OBS_ADDR_MAX];
		if (!json_is_object(e) || get_str(e, "addr", addr, sizeof(addr), true))
			return DV_EPARSE;
		int rc = fn(out, addr, e);
		if (rc != DV_OK)
			return rc;
	}
	return DV_OK;
}

int dv_obs_from_json(const char *text, dv_obs_t *out)
{
	memset(out, 0, sizeof(*out));
	if (strlen(text) > DV_STORE_MAX_OBS_TXT)
		return DV_ELIMIT;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	int rc = DV_EPARSE;
	if (!json_is_object(o))
		goto fail;
	if (get_str(o, "zone", out->zone, sizeof(out->zone), true) ||
	    get_str(o, "status", out->status, sizeof(out->status), false) ||
	    get_int(o, "time", &out->time) ||
	    get_int(o, "earliest_expiry", &out->earliest_expiry) ||
	    get_int(o, "newest_inception", &out->newest_inception) ||
	    get_serial(o, &out->have_serial, &out->serial))
		goto fail;
	out->probe_ok = json_is_true(json_object_get(o, "probe_ok"));
	out->divergent = json_is_true(json_object_get(o, "divergent"));
	if ((rc = each_entry(o, "servers", out, server_from_json)) != DV_OK ||
	    (rc = each_entry(o, "parents", out, parent_from_json)) != DV_OK)
		goto fail;
	json_decref(o);
	return DV_OK;
fail:
	json_decref(o);
	dv_obs_clear(out);
	return rc;
}

/* ---- lists ----------------------------------------------------------------- */

int dv_store_findings_add(dv_store_findings_t *list, const dv_store_finding_t *f)
{
	if (list->len >= DV_OBS_MAX_FINDINGS) {
		list->dropped++;
		return DV_OK;
	}
	if (dv_array_grow(&list->v, &list->cap, list->len, sizeof(*list->v), 8) != DV_OK)
		return DV_ENOMEM;
	list->v[list->len++] = *f;
	return DV_OK;
}

void dv_store_findings_free(dv_store_findings_t *list)
{
	free(list->v);
	memset(list, 0, sizeof(*list));
}

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= len)
		n = len - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

int dv_events_add(dv_events_t *list, const char *kind, int64_t time, const char *zone,
                  const char *server, const char *subject, const char *old_value,
                  const char *new_value)
{
	if (list->len >= DV_EVENTS_MAX) {
		list->dropped++;
		return DV_OK;
	}
	if (dv_array_grow(&list->v, &list->cap, list->len, sizeof(*list->v), 8) != DV_OK)
		return DV_ENOMEM;
	dv_event_t *e = &list->v[list->len];
	memset(e, 0, sizeof(*e));
	e->time = time;
	e->ledger = -1;
	copy_str(e->kind, sizeof(e->kind), kind);
	copy_str(e->zone, sizeof(e->zone), zone);
	copy_str(e->server, sizeof(e->server), server);
	copy_str(e->subject, sizeof(e->subject), subject);
	e->old_value = strdup(old_value ? old_value : "");
	e->new_value = strdup(new_value ? new_value : "");
	if (e->old_value == NULL || e->new_value == NULL) {
		free(e->old_value);
		free(e->new_value);
		return DV_ENOMEM;
	}
	list->len++;
	return DV_OK;
}

void dv_events_free(dv_events_t *list)
{
	for (size_t i = 0; i < list->len; i++) {
		free(list->v[i].old_value);
		free(list->v[i].new_value);
	}
	free(list->v);
	memset(list, 0, sizeof(*list));
}
