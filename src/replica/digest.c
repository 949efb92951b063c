/*
 * Content digests of zone versions (replica_int.h): per name, a keyed
 * BLAKE2b (libsodium) of the owner and its records in canonical form and
 * order (RFC 4034 §6: the store keeps them so), summed modulo 2^256.  The
 * sum lets a patch update the digest name by name; the secret key, drawn
 * once per process, is what keeps the sum collision-resistant against
 * chosen contents (an unkeyed sum of hashes is not: Wagner's generalised
 * birthday attack finds sets that sum alike).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "replica/replica_int.h"

static uint8_t key[crypto_generichash_KEYBYTES];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void key_init(void)
{
	randombytes_buf(key, sizeof(key));
}

static void add(digest_t *d, const uint8_t h[32], bool sub)
{
	unsigned __int128 carry = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t w;
		memcpy(&w, h + 8 * i, 8);
		if (sub) {
			/* d - w = d + (~w + 1), the +1 entering as the first carry */
			unsigned __int128 s =
			    (unsigned __int128)d->w[i] + (uint64_t)~w + (i == 0 ? 1 : 0) + carry;
			d->w[i] = (uint64_t)s;
			carry = s >> 64;
		} else {
			unsigned __int128 s = (unsigned __int128)d->w[i] + w + carry;
			d->w[i] = (uint64_t)s;
			carry = s >> 64;
		}
	}
}

/* The hash of one name: its owner, then each record (type, TTL, RDATA). */
static void name_hash(const dv_zone_t *z, uint32_t ni, uint8_t out[32])
{
	const dv_name_t *nm = &z->names[ni];
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, sizeof(key), 32);
	size_t dl = 0;
	while (nm->dname[dl] != 0)
		dl += 1 + (size_t)nm->dname[dl];
	crypto_generichash_update(&st, nm->dname, dl + 1);
	/* A name's records are one run of rrs: from its first RRset or RRSIG. */
	size_t first = SIZE_MAX, end = 0;
	if (nm->rrset_count > 0) {
		const dv_rrset_t *a = &z->rrsets[nm->rrset_first];
		const dv_rrset_t *b = &z->rrsets[nm->rrset_first + nm->rrset_count - 1];
		first = a->rr_first;
		end = (size_t)b->rr_first + b->rr_count;
	}
	if (nm->sig_count > 0) {
		if (nm->sig_first < first)
			first = nm->sig_first;
		if ((size_t)nm->sig_first + nm->sig_count > end)
			end = (size_t)nm->sig_first + nm->sig_count;
	}
	for (size_t i = first; first != SIZE_MAX && i < end; i++) {
		const dv_rr_t *rr = &z->rrs[i];
		uint8_t head[8] = {(uint8_t)(rr->type >> 8),  (uint8_t)rr->type,
		                   (uint8_t)(rr->ttl >> 24),  (uint8_t)(rr->ttl >> 16),
		                   (uint8_t)(rr->ttl >> 8),   (uint8_t)rr->ttl,
		                   (uint8_t)(rr->rdlen >> 8), (uint8_t)rr->rdlen};
		crypto_generichash_update(&st, head, sizeof(head));
		crypto_generichash_update(&st, rr->rdata, rr->rdlen);
	}
	crypto_generichash_final(&st, out, 32);
}

typedef struct {
	const dv_zone_t *z;
	size_t from, to;
	digest_t d;
} job_t;

static void *work(void *arg)
{
	job_t *j = arg;
	uint8_t h[32];
	for (size_t i = j->from; i < j->to; i++) {
		name_hash(j->z, (uint32_t)i, h);
		add(&j->d, h, false);
	}
	return NULL;
}

void digest_zone(const dv_zone_t *z, unsigned threads, digest_t *out)
{
	pthread_once(&key_once, key_init);
	memset(out, 0, sizeof(*out));
	size_t nt = threads ? threads : 1;
	if (nt > 16)
		nt = 16;
	if (z->name_count < 65536)
		nt = 1;
	job_t jobs[16];
	pthread_t tid[16];
	bool started[16] = {false};
	for (size_t t = 0; t < nt; t++)
		jobs[t] = (job_t){z, z->name_count * t / nt, z->name_count * (t + 1) / nt, {{0}}};
	for (size_t t = 1; t < nt; t++)
		started[t] = pthread_create(&tid[t], NULL, work, &jobs[t]) == 0;
	work(&jobs[0]);
	for (size_t t = 0; t < nt; t++) {
		if (t > 0 && started[t])
			pthread_join(tid[t], NULL);
		else if (t > 0)
			work(&jobs[t]);
		uint8_t h[32];
		memcpy(h, jobs[t].d.w, 32);
		add(out, h, false);
	}
}

void digest_names(const dv_zone_t *z, const dv_zone_delta_t *delta, bool new_version, digest_t *d)
{
	pthread_once(&key_once, key_init);
	uint8_t h[32];
	for (size_t i = 0; i < delta->n; i++) {
		uint32_t ni = new_version ? delta->v[i].new_index : delta->v[i].old_index;
		if (ni == DV_ZONE_NONE)
			continue;
		name_hash(z, ni, h);
		add(d, h, !new_version);
	}
}

bool digest_equal(const digest_t *a, const digest_t *b)
{
	return memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

void digest_hex(const digest_t *d, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)d->w[3]);
}
