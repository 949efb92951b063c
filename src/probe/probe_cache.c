/*
 * Answers of the upper levels kept across probes (probe.h
 * dv_probe_cache_t): the watch daemon's batches each walk from the root,
 * and without this each asked the root and the TLDs the same apex and DS
 * questions again.  An answer is kept while younger than the smallest TTL
 * of its records (RFC 2181 §5.2: an RRset's TTL bounds how long it may be
 * reused; RFC 2308 §5 for the SOA of a negative answer) and the caller's
 * maximum age, keyed by server address, question and flags.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "net/net_int.h"
#include "probe/probe_int.h"

#define BUCKETS 256

typedef struct entry {
	struct entry *next;
	struct sockaddr_storage addr;
	uint8_t qname[KNOT_DNAME_MAXLEN];
	uint16_t qtype;
	unsigned flags;
	int64_t stored, expires;
	probe_cached_t ans;
} entry_t;

struct dv_probe_cache {
	pthread_mutex_t lock;
	entry_t *bucket[BUCKETS];
	size_t n, max;
	uint64_t hits, stored;
};

int dv_probe_cache_new(size_t max, dv_probe_cache_t **out)
{
	dv_probe_cache_t *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return DV_ENOMEM;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return DV_ENOMEM;
	}
	c->max = max ? max : 1;
	*out = c;
	return DV_OK;
}

static void entry_free(entry_t *e)
{
	free(e->ans.wire);
	free(e);
}

void dv_probe_cache_free(dv_probe_cache_t *c)
{
	if (c == NULL)
		return;
	for (size_t b = 0; b < BUCKETS; b++)
		for (entry_t *e = c->bucket[b], *n; e != NULL; e = n) {
			n = e->next;
			entry_free(e);
		}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void dv_probe_cache_stats(dv_probe_cache_t *c, dv_probe_cache_stats_t *out)
{
	pthread_mutex_lock(&c->lock);
	out->hits = c->hits;
	out->stored = c->stored;
	out->entries = c->n;
	pthread_mutex_unlock(&c->lock);
}

static unsigned key_hash(const dv_query_t *q)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t n = knot_dname_size(q->qname);
	for (size_t i = 0; i < n; i++)
		h = (h ^ q->qname[i]) * 16777619u;
	h = (h ^ q->qtype) * 16777619u;
	const uint8_t *a;
	size_t an;
	uint16_t port;
	if (q->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&q->addr;
		a = (const uint8_t *)&s6->sin6_addr;
		an = 16;
		port = s6->sin6_port;
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&q->addr;
		a = (const uint8_t *)&s4->sin_addr;
		an = 4;
		port = s4->sin_port;
	}
	for (size_t i = 0; i < an; i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ port) * 16777619u;
	return h % BUCKETS;
}

static bool key_same(const entry_t *e, const dv_query_t *q)
{
	return e->qtype == q->qtype && e->flags == q->flags &&
	       knot_dname_is_equal(e->qname, q->qname) && dv_net_addr_equal(&e->addr, &q->addr);
}

bool probe_cache_get(dv_probe_cache_t *c, const dv_query_t *q, int64_t now, int64_t max_age,
                     probe_cached_t *out)
{
	bool hit = false;
	pthread_mutex_lock(&c->lock);
	for (entry_t *e = c->bucket[key_hash(q)]; e != NULL; e = e->next) {
		if (!key_same(e, q))
			continue;
		if (now >= e->expires || now - e->stored >= max_age || now < e->stored)
			break;
		if ((out->wire = malloc(e->ans.resp.len)) == NULL)
			break;
		memcpy(out->wire, e->ans.wire, e->ans.resp.len);
		out->resp = e->ans.resp;
		out->resp.wire = out->wire;
		c->hits++;
		hit = true;
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* The smallest TTL of the message's records (the OPT pseudo-record aside),
 * or 0 when it holds none or is no answer worth keeping. */
static uint32_t answer_ttl(const uint8_t *wire, size_t len)
{
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return 0;
	memcpy(copy, wire, len);
	uint32_t ttl = 0;
	bool any = false;
	knot_pkt_t *pkt = knot_pkt_new(copy, (uint16_t)len, NULL);
	if (pkt == NULL || knot_pkt_parse(pkt, 0) != KNOT_EOK)
		goto out;
	uint8_t rcode = knot_wire_get_rcode(pkt->wire);
	if ((rcode != KNOT_RCODE_NOERROR && rcode != KNOT_RCODE_NXDOMAIN) ||
	    knot_wire_get_tc(pkt->wire))
		goto out;
	for (int s = KNOT_ANSWER; s <= KNOT_ADDITIONAL; s++) {
		const knot_pktsection_t *sec = knot_pkt_section(pkt, s);
		for (uint16_t i = 0; i < sec->count; i++) {
			const knot_rrset_t *rr = knot_pkt_rr(sec, i);
			if (rr->type == KNOT_RRTYPE_OPT)
				continue;
			if (!any || rr->ttl < ttl)
				ttl = rr->ttl;
			any = true;
		}
	}
out:
	knot_pkt_free(pkt);
	free(copy);
	return any ? ttl : 0;
}

/* Room for one more: the expired go first, then the oldest. */
static void make_room(dv_probe_cache_t *c, int64_t now)
{
	entry_t **oldest = NULL;
	for (size_t b = 0; b < BUCKETS; b++)
		for (entry_t **pp = &c->bucket[b]; *pp != NULL;) {
			entry_t *e = *pp;
			if (now >= e->expires) {
				*pp = e->next;
				entry_free(e);
				c->n--;
				continue;
			}
			if (oldest == NULL || e->stored < (*oldest)->stored)
				oldest = pp;
			pp = &e->next;
		}
	if (c->n >= c->max && oldest != NULL) {
		entry_t *e = *oldest;
		*oldest = e->next;
		entry_free(e);
		c->n--;
	}
}

void probe_cache_put(dv_probe_cache_t *c, const dv_query_t *q, const dv_response_t *r, int64_t now)
{
	if (r->status != DV_OK || r->wire == NULL || r->len < KNOT_WIRE_HEADER_SIZE ||
	    r->len > UINT16_MAX)
		return;
	uint32_t ttl = answer_ttl(r->wire, r->len);
	if (ttl == 0)
		return;
	entry_t *e = calloc(1, sizeof(*e));
	if (e == NULL || (e->ans.wire = malloc(r->len)) == NULL) {
		free(e);
		return;
	}
	memcpy(e->ans.wire, r->wire, r->len);
	e->ans.resp = *r;
	e->ans.resp.wire = e->ans.wire;
	e->addr = q->addr;
	memcpy(e->qname, q->qname, knot_dname_size(q->qname));
	e->qtype = q->qtype;
	e->flags = q->flags;
	e->stored = now;
	e->expires = now + ttl;
	pthread_mutex_lock(&c->lock);
	unsigned h = key_hash(q);
	/* a newer answer replaces the one kept */
	for (entry_t **pp = &c->bucket[h]; *pp != NULL; pp = &(*pp)->next)
		if (key_same(*pp, q)) {
			entry_t *old = *pp;
			*pp = old->next;
			entry_free(old);
			c->n--;
			break;
		}
	if (c->n >= c->max)
		make_room(c, now);
	e->next = c->bucket[h];
	c->bucket[h] = e;
	c->n++;
	c->stored++;
	pthread_mutex_unlock(&c->lock);
}
