/*
 * The fingerprint of a snapshot: what the model would take from it, in a
 * form two snapshots can be compared by.  The watch daemon keeps a snapshot
 * in its store exactly when this changes, so the stored snapshots are the
 * observation series (doc/rollover.md, "History from the daemon's store").
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>
#include <sodium.h>

#include "core/error.h"
#include "rollover/rollover_int.h"

typedef struct {
	const roll_server_t *server;
	const roll_rrkey_t *rrkey;
	const roll_run_t *run;
} entry_t;

static int entry_cmp(const void *pa, const void *pb)
{
	const entry_t *a = pa, *b = pb;
	if (a->server->side != b->server->side)
		return a->server->side < b->server->side ? -1 : 1;
	int c = strcmp(a->server->addr, b->server->addr);
	if (c != 0)
		return c;
	if (a->rrkey->type != b->rrkey->type)
		return a->rrkey->type < b->rrkey->type ? -1 : 1;
	return knot_dname_cmp(a->rrkey->owner, b->rrkey->owner);
}

static void put_u32(crypto_generichash_state *h, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	crypto_generichash_update(h, b, 4);
}

int dv_roll_fingerprint(const dv_snapshot_t *snap, const uint8_t *zone,
                        uint8_t out[DV_ROLL_FINGERPRINT_LEN])
{
	dv_roll_series_t *s = NULL;
	char err[256];
	entry_t *e = NULL;
	int r = dv_roll_series_new(zone, &s);
	if (r != DV_OK)
		return r;
	if ((r = dv_roll_extract(s, snap, "snapshot", err, sizeof(err))) != DV_OK)
		goto out;
	e = malloc((s->nstreams + 1) * sizeof(*e));
	if (e == NULL) {
		r = DV_ENOMEM;
		goto out;
	}
	size_t n = 0;
	for (size_t i = 0; i < s->nstreams; i++) {
		const roll_stream_t *st = &s->streams[i];
		/* Sampled RRsets (denial proofs of a random name) are left out;
		 * one snapshot gives each stream one run. */
		if (st->sampled || st->nruns == 0)
			continue;
		e[n++] = (entry_t){&s->servers[st->server], &s->rrkeys[st->rrkey],
		                   &st->runs[st->nruns - 1]};
	}
	if (n > 1)
		qsort(e, n, sizeof(*e), entry_cmp);
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, DV_ROLL_FINGERPRINT_LEN);
	for (size_t i = 0; i < n; i++) {
		const entry_t *x = &e[i];
		uint8_t side = (uint8_t)x->server->side;
		crypto_generichash_update(&h, &side, 1);
		crypto_generichash_update(&h, (const uint8_t *)x->server->addr,
		                          strlen(x->server->addr) + 1);
		crypto_generichash_update(&h, x->rrkey->owner, knot_dname_size(x->rrkey->owner));
		put_u32(&h, x->rrkey->type);
		if (x->run->version == ROLL_NONE) {
			put_u32(&h, UINT32_MAX); /* no usable answer */
			continue;
		}
		const roll_version_t *v = &s->versions[x->run->version];
		put_u32(&h, x->run->ttl);
		put_u32(&h, v->bloblen);
		crypto_generichash_update(&h, v->blob, v->bloblen);
	}
	crypto_generichash_final(&h, out, DV_ROLL_FINGERPRINT_LEN);
out:
	free(e);
	dv_roll_series_free(s);
	return r;
}
