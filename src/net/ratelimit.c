/*
 * Per-server-address rate limits shared by several engines (net.h,
 * dv_net_ratelimit_t): a token bucket per address (IP and port) holding at
 * most `burst` tokens, refilled at `qps` per second; a query takes one when
 * it starts.  Thread-safe (one mutex): the daemon runs several probes at
 * once, and a limit per engine would multiply the rate by their number.
 *
 * Bounded: at most DV_NET_RATELIMIT_ADDRS addresses are remembered; when
 * that many are, the table starts afresh (every bucket full again), which
 * can only let one more burst through.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/net.h"

#define BUCKETS 1024

typedef struct entry {
	struct entry *next;
	uint8_t key[18]; /* address (4 or 16 bytes) and port */
	uint8_t keylen;
	uint64_t tokens_ns; /* tokens in units of the refill period of one token, in ns */
	uint64_t last_ns;
} entry_t;

struct dv_net_ratelimit {
	pthread_mutex_t lock;
	uint64_t period_ns; /* time to earn one token */
	uint64_t cap_ns;    /* burst * period_ns */
	entry_t *buckets[BUCKETS];
	size_t n;
};

static void rates(dv_net_ratelimit_t *rl, unsigned qps, unsigned burst)
{
	rl->period_ns = 1000000000ull / qps;
	if (rl->period_ns == 0)
		rl->period_ns = 1;
	rl->cap_ns = rl->period_ns * (burst ? burst : 1);
}

int dv_net_ratelimit_new(unsigned qps, unsigned burst, dv_net_ratelimit_t **out)
{
	if (qps == 0 || out == NULL)
		return DV_EINVAL;
	dv_net_ratelimit_t *rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		return DV_ENOMEM;
	if (pthread_mutex_init(&rl->lock, NULL) != 0) {
		free(rl);
		return DV_ENOMEM;
	}
	rates(rl, qps, burst);
	*out = rl;
	return DV_OK;
}

void dv_net_ratelimit_set(dv_net_ratelimit_t *rl, unsigned qps, unsigned burst)
{
	if (qps == 0)
		return;
	pthread_mutex_lock(&rl->lock);
	rates(rl, qps, burst);
	/* buckets fuller than the new depth are cut down at their next use */
	for (size_t i = 0; i < BUCKETS; i++)
		for (entry_t *e = rl->buckets[i]; e != NULL; e = e->next)
			if (e->tokens_ns > rl->cap_ns)
				e->tokens_ns = rl->cap_ns;
	pthread_mutex_unlock(&rl->lock);
}

static void clear(dv_net_ratelimit_t *rl)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		for (entry_t *e = rl->buckets[i], *n; e != NULL; e = n) {
			n = e->next;
			free(e);
		}
		rl->buckets[i] = NULL;
	}
	rl->n = 0;
}

void dv_net_ratelimit_free(dv_net_ratelimit_t *rl)
{
	if (rl == NULL)
		return;
	clear(rl);
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static size_t addr_key(const struct sockaddr_storage *a, uint8_t key[18])
{
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)a;
		memcpy(key, &s6->sin6_addr, 16);
		memcpy(key + 16, &s6->sin6_port, 2);
		return 18;
	}
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)a;
	memcpy(key, &s4->sin_addr, 4);
	memcpy(key + 4, &s4->sin_port, 2);
	return 6;
}

uint64_t dv_net_ratelimit_take(dv_net_ratelimit_t *rl, const struct sockaddr_storage *addr,
                               uint64_t now_ns)
{
	uint8_t key[18];
	size_t kl = addr_key(addr, key);
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < kl; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	uint64_t wait = 0;
	pthread_mutex_lock(&rl->lock);
	entry_t **slot = &rl->buckets[h % BUCKETS], *e;
	for (e = *slot; e != NULL; e = e->next)
		if (e->keylen == kl && memcmp(e->key, key, kl) == 0)
			break;
	if (e == NULL) {
		if (rl->n >= DV_NET_RATELIMIT_ADDRS)
			clear(rl);
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			goto out; /* no memory: not limited rather than stuck */
		memcpy(e->key, key, kl);
		e->keylen = (uint8_t)kl;
		e->tokens_ns = rl->cap_ns;
		e->last_ns = now_ns;
		e->next = *slot;
		*slot = e;
		rl->n++;
	}
	if (now_ns > e->last_ns) {
		uint64_t add = now_ns - e->last_ns;
		e->tokens_ns = add >= rl->cap_ns - e->tokens_ns ? rl->cap_ns : e->tokens_ns + add;
		e->last_ns = now_ns;
	}
	if (e->tokens_ns >= rl->period_ns)
		e->tokens_ns -= rl->period_ns;
	else
		wait = rl->period_ns - e->tokens_ns;
out:
	pthread_mutex_unlock(&rl->lock);
	return wait;
}
