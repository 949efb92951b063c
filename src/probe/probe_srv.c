/*
 * The live probe, per server address: the gate (a server's first query goes
 * alone; one that never answers it is dead and the rest are recorded
 * without being sent, instead of each waiting out its own timeout), the
 * budgets of queries, bytes and time per address and per probe, and the
 * records of what they left out.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "probe/probe_int.h"

static unsigned addr_hash(const struct sockaddr_storage *a)
{
	const uint8_t *b;
	size_t n;
	uint16_t port;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)a;
		b = (const uint8_t *)&s6->sin6_addr;
		n = 16;
		port = s6->sin6_port;
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)a;
		b = (const uint8_t *)&s4->sin_addr;
		n = 4;
		port = s4->sin_port;
	}
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	h = (h ^ port) * 16777619u;
	return h % PROBE_SRV_BUCKETS;
}

static bool addr_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a,
		                          *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	const struct sockaddr_in *x = (const struct sockaddr_in *)a,
	                         *y = (const struct sockaddr_in *)b;
	return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static srvstate_t *srv_get(probe_t *p, const struct sockaddr_storage *addr)
{
	unsigned h = addr_hash(addr);
	for (srvstate_t *s = p->srv_bucket[h]; s != NULL; s = s->hnext)
		if (addr_same(&s->addr, addr))
			return s;
	srvstate_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->addr = *addr;
	dv_net_addr_format(addr, s->text, sizeof(s->text));
	s->hnext = p->srv_bucket[h];
	p->srv_bucket[h] = s;
	s->next_all = p->srv_all;
	p->srv_all = s;
	return s;
}

void probe_srv_free(probe_t *p)
{
	for (srvstate_t *s = p->srv_all, *n; s != NULL; s = n) {
		n = s->next_all;
		for (qctx_t *h = s->held, *hn; h != NULL; h = hn) {
			hn = h->next;
			free(h);
		}
		free(s);
	}
	for (qctx_t *c = p->deferred, *n; c != NULL; c = n) {
		n = c->next;
		if (c->cached != NULL)
			free(c->cached->wire);
		free(c->cached);
		free(c);
	}
	p->srv_all = NULL;
	p->deferred = p->deferred_tail = NULL;
	memset(p->srv_bucket, 0, sizeof(p->srv_bucket));
}

static void push(qctx_t **head, qctx_t **tail, qctx_t *c)
{
	c->next = NULL;
	if (*tail != NULL)
		(*tail)->next = c;
	else
		*head = c;
	*tail = c;
}

/* End a query unsent, with `status` (DV_ETIMEOUT for a dead address,
 * DV_EABANDONED for a budget or the deadline: `why` says which). */
static void defer(probe_t *p, qctx_t *c, int status, uint8_t why)
{
	c->end_status = status;
	c->why = why;
	push(&p->deferred, &p->deferred_tail, c);
}

/* Send a query now, unless a budget or the deadline says otherwise. */
static int send_query(probe_t *p, qctx_t *c)
{
	srvstate_t *s = c->srv;
	if (dv_net_abandoned(p->net)) {
		defer(p, c, DV_EABANDONED, DV_SNAP_LIMIT_DEADLINE);
		return DV_OK;
	}
	if (p->sent >= p->max_queries) {
		defer(p, c, DV_EABANDONED, DV_SNAP_LIMIT_QUERIES);
		return DV_OK;
	}
	if (p->bytes >= p->max_bytes) {
		defer(p, c, DV_EABANDONED, DV_SNAP_LIMIT_BYTES);
		return DV_OK;
	}
	if (s->out == 0 && s->queries >= p->server_queries)
		s->out = DV_SNAP_LIMIT_SERVER_QUERIES;
	if (s->out != 0) {
		defer(p, c, DV_EABANDONED, s->out);
		return DV_OK;
	}
	s->queries++;
	p->sent++;
	c->sent = true;
	c->sent_ns = probe_mono_ns();
	int r = dv_net_submit(p->net, &c->q, probe_on_answer, c);
	if (r != DV_OK)
		free(c);
	return r;
}

/* An upper level's apex or DS question (probe.h dv_probe_cache_t). */
static bool cacheable(const probe_t *p, const qctx_t *t, const uint8_t *qname)
{
	if (p->opts->cache == NULL || p->opts->cache_max_age == 0 ||
	    (t->kind != K_CHILD && t->kind != K_DS) || t->zone == NULL ||
	    !knot_dname_is_equal(qname, t->zone->dname))
		return false;
	for (size_t i = 0; i < p->ndomains; i++)
		if (knot_dname_is_case_equal(p->domains[i], t->zone->dname))
			return false;
	return true;
}

/* Answer c from the cache (ended at the next drain, as if received). */
static bool from_cache(probe_t *p, qctx_t *c)
{
	probe_cached_t hit;
	if (!probe_cache_get(p->opts->cache, &c->q, p->snap->time, p->opts->cache_max_age, &hit))
		return false;
	if ((c->cached = malloc(sizeof(*c->cached))) == NULL) {
		free(hit.wire);
		return false;
	}
	*c->cached = hit;
	defer(p, c, DV_OK, 0);
	return true;
}

int probe_submit(probe_t *p, const struct sockaddr_storage *addr, const uint8_t *qname,
                 uint16_t qtype, unsigned flags, const qctx_t *tmpl)
{
	qctx_t *c = malloc(sizeof(*c));
	if (c == NULL)
		return DV_ENOMEM;
	*c = *tmpl;
	c->p = p;
	c->sent_ns = 0;
	c->gate_probe = false;
	c->sent = false;
	c->end_status = DV_OK;
	c->why = 0;
	c->cached = NULL;
	c->cacheable = cacheable(p, tmpl, qname);
	memset(&c->q, 0, sizeof(c->q));
	c->q.addr = *addr;
	memcpy(c->q.qname, qname, knot_dname_size(qname));
	c->q.qtype = qtype;
	c->q.flags = flags;
	c->q.timeout_ms = p->opts->timeout_ms ? p->opts->timeout_ms : 1000;
	c->q.retries = p->opts->retries >= 0 ? p->opts->retries : 1;
	if ((c->srv = srv_get(p, addr)) == NULL) {
		free(c);
		return DV_ENOMEM;
	}
	if (c->cacheable && from_cache(p, c))
		return DV_OK;
	srvstate_t *s = c->srv;
	switch (s->gate) {
	case G_UNKNOWN:
		s->gate = G_PROBING;
		c->gate_probe = true;
		break;
	case G_PROBING:
		push(&s->held, &s->held_tail, c);
		return DV_OK;
	case G_DEAD:
		defer(p, c, s->dead_status, s->dead_why);
		return DV_OK;
	default:
		break;
	}
	return send_query(p, c);
}

/* The first answer (or silence) of an address opens or closes its gate. */
static void gate_decide(probe_t *p, const qctx_t *c, const dv_response_t *r)
{
	srvstate_t *s = c->srv;
	qctx_t *h = s->held;
	s->held = s->held_tail = NULL;
	if (r->status == DV_ETIMEOUT || r->status == DV_ENET || r->status == DV_EABANDONED) {
		s->gate = G_DEAD;
		s->dead_status = r->status;
		s->dead_why = r->status != DV_EABANDONED ? 0
		              : c->sent                  ? DV_SNAP_LIMIT_DEADLINE
		                                         : c->why;
		while (h != NULL) {
			qctx_t *n = h->next;
			defer(p, h, s->dead_status, s->dead_why);
			h = n;
		}
		return;
	}
	s->gate = G_ALIVE;
	while (h != NULL) {
		qctx_t *n = h->next;
		int rc = send_query(p, h);
		if (rc != DV_OK)
			probe_fail(p, rc);
		h = n;
	}
}

/* A ceiling of the whole probe, whose abandoned queries the probe counts
 * (the others are a server's, counted by the server). */
static bool probe_wide(uint8_t kind)
{
	return kind == DV_SNAP_LIMIT_DEADLINE || kind == DV_SNAP_LIMIT_QUERIES ||
	       kind == DV_SNAP_LIMIT_BYTES;
}

void probe_query_done(probe_t *p, qctx_t *c, const dv_response_t *r)
{
	srvstate_t *s = c->srv;
	if (c->sent) {
		/* Time spent waiting on the address, and what it sent. */
		s->ms += (probe_mono_ns() - c->sent_ns) / 1000000u;
		if (r->status == DV_OK) {
			s->bytes += r->len;
			p->bytes += r->len;
		}
		if (s->out == 0 && s->bytes > p->server_bytes)
			s->out = DV_SNAP_LIMIT_SERVER_BYTES;
		if (s->out == 0 && s->ms > p->server_ms)
			s->out = DV_SNAP_LIMIT_SERVER_TIME;
	}
	if (r->status == DV_EABANDONED) {
		uint8_t why = c->sent ? DV_SNAP_LIMIT_DEADLINE : c->why;
		if (probe_wide(why))
			p->abandoned[why]++;
		else
			s->abandoned++;
	}
	if (c->gate_probe)
		gate_decide(p, c, r);
}

void probe_drain(probe_t *p)
{
	if (p->draining)
		return;
	p->draining = true;
	while (p->deferred != NULL) {
		qctx_t *c = p->deferred;
		p->deferred = c->next;
		if (p->deferred == NULL)
			p->deferred_tail = NULL;
		/* The outcome without an attempt: attempts stay 0; or the
		 * answer kept by the cache, as it was received. */
		probe_cached_t *k = c->cached;
		c->cached = NULL;
		dv_response_t r = k != NULL ? k->resp : (dv_response_t){.status = c->end_status};
		probe_on_answer(c, &c->q, &r);
		if (k != NULL)
			free(k->wire);
		free(k);
	}
	p->draining = false;
}

void probe_budgets_init(probe_t *p, size_t ndomains)
{
	const dv_probe_opts_t *o = p->opts;
	uint64_t q = DV_PROBE_QUERIES_BASE + (uint64_t)DV_PROBE_QUERIES_PER_DOMAIN * ndomains;
	p->max_queries = o->max_queries
	                     ? o->max_queries
	                     : (q > DV_PROBE_MAX_QUERIES_CEIL ? DV_PROBE_MAX_QUERIES_CEIL : q);
	if (p->max_queries > DV_PROBE_MAX_QUERIES_CEIL)
		p->max_queries = DV_PROBE_MAX_QUERIES_CEIL;
	p->max_bytes = o->max_bytes ? o->max_bytes : DV_PROBE_MAX_BYTES;
	if (p->max_bytes > DV_PROBE_MAX_BYTES_CEIL)
		p->max_bytes = DV_PROBE_MAX_BYTES_CEIL;
	/* The budgets per server address hold for one domain asked: a probe
	 * of n domains may ask one provider's address about each of them, so
	 * by default n times as much of it (at most DV_PROBE_SERVER_DOMAINS
	 * times).  With one domain's budget, 100 zones on one address left the
	 * last ~40 "not answered" (CHAIN_INDETERMINATE) in `check` and in the
	 * daemon's batches (tests/func/test_watch_batch.sh). */
	uint64_t per = ndomains < 1                         ? 1
	               : ndomains > DV_PROBE_SERVER_DOMAINS ? DV_PROBE_SERVER_DOMAINS
	                                                    : ndomains;
	p->server_queries =
	    o->server_queries ? o->server_queries : (unsigned)(DV_PROBE_SERVER_QUERIES * per);
	p->server_bytes = o->server_bytes ? o->server_bytes : DV_PROBE_SERVER_BYTES * per;
	p->server_ms = o->server_ms ? o->server_ms : (unsigned)(DV_PROBE_SERVER_MS * per);
	p->deadline_ms = o->deadline_ms ? o->deadline_ms : DV_PROBE_DEADLINE_MS;
	if (p->deadline_ms > DV_PROBE_DEADLINE_MS_CEIL)
		p->deadline_ms = DV_PROBE_DEADLINE_MS_CEIL;
}

static int add(probe_t *p, uint8_t kind, long zone, const char *server, const char *names,
               uint64_t count, uint64_t ceiling)
{
	dv_snap_limit_t l = {.kind = kind,
	                     .zone = zone,
	                     .server = server,
	                     .names = names,
	                     .count = count,
	                     .ceiling = ceiling};
	int r = dv_snapshot_add_limit(p->snap, &l);
	return r == DV_ELIMIT ? DV_OK : r; /* beyond its own ceiling: not recorded */
}

int probe_limits_record(probe_t *p)
{
	int r = DV_OK;
	/* the ceiling in force, by the kind of limit a query was abandoned at */
	const uint64_t ceiling[DV_SNAP_LIMIT_KINDS] = {
	    [DV_SNAP_LIMIT_DEADLINE] = p->deadline_ms,
	    [DV_SNAP_LIMIT_QUERIES] = p->max_queries,
	    [DV_SNAP_LIMIT_BYTES] = p->max_bytes,
	    [DV_SNAP_LIMIT_SERVER_QUERIES] = p->server_queries,
	    [DV_SNAP_LIMIT_SERVER_BYTES] = p->server_bytes,
	    [DV_SNAP_LIMIT_SERVER_TIME] = p->server_ms,
	};
	for (uint8_t k = 0; k < DV_SNAP_LIMIT_KINDS && r == DV_OK; k++)
		if (probe_wide(k) && p->abandoned[k] > 0)
			r = add(p, k, -1, "", "", p->abandoned[k], ceiling[k]);
	/* Addresses in the order they were first asked (the list is newest first). */
	size_t n = 0;
	for (srvstate_t *s = p->srv_all; s != NULL; s = s->next_all)
		n++;
	srvstate_t **v = calloc(n ? n : 1, sizeof(*v));
	if (v == NULL)
		return DV_ENOMEM;
	size_t i = n;
	for (srvstate_t *s = p->srv_all; s != NULL; s = s->next_all)
		v[--i] = s;
	for (i = 0; i < n && r == DV_OK; i++) {
		const srvstate_t *s = v[i];
		if (s->abandoned == 0)
			continue;
		uint8_t k = s->out ? s->out : DV_SNAP_LIMIT_SERVER_QUERIES;
		r = add(p, k, -1, s->text, "", s->abandoned, ceiling[k]);
	}
	free(v);
	/* Zones in the order they were found (the list is newest first). */
	n = 0;
	for (pzone_t *z = p->zones; z != NULL; z = z->next_all)
		n++;
	pzone_t **zv = calloc(n ? n : 1, sizeof(*zv));
	if (zv == NULL)
		return DV_ENOMEM;
	i = n;
	for (pzone_t *z = p->zones; z != NULL; z = z->next_all)
		zv[--i] = z;
	for (i = 0; i < n && r == DV_OK; i++) {
		const pzone_t *z = zv[i];
		if (z->ns_skipped > 0)
			r = add(p, DV_SNAP_LIMIT_ZONE_NS, (long)z->zi, "", z->ns_note,
			        z->ns_skipped, DV_PROBE_MAX_ZONE_NS);
		if (r == DV_OK && z->addrs_skipped > 0)
			r = add(p, DV_SNAP_LIMIT_ZONE_ADDRS, (long)z->zi, "", z->addrs_note,
			        z->addrs_skipped, DV_PROBE_MAX_ZONE_ADDRS);
		if (r == DV_OK && z->resolves_skipped > 0)
			r = add(p, DV_SNAP_LIMIT_RESOLVES, (long)z->zi, "", z->resolves_note,
			        z->resolves_skipped, z->resolve_names);
	}
	free(zv);
	return r;
}
