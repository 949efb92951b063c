/*
 * Internal to the live probe:
 *
 *   probe.c      the walk: zones, referrals, address look-ups, answers
 *   probe_srv.c  per server address: the gate, the budgets, sending and
 *                giving up, and the limit records of what was given up
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/net.h"
#include "probe/probe.h"
#include "snapshot/snapshot.h"

typedef struct pzone pzone_t;
typedef struct step step_t;
typedef struct probe probe_t;
typedef struct resolve resolve_t;
typedef struct srvstate srvstate_t;

/* What the names left out at a ceiling are noted in (a short list; the
 * count says how many). */
#define PROBE_NOTE_MAX 300

struct pzone {
	uint32_t zi;
	pzone_t *parent;
	pzone_t *next_all;
	uint8_t dname[255];
	uint8_t nxname[255];
	bool ready;    /*!< its first server set is known and probed */
	int resolving; /*!< address lookups still out for the first set */
	step_t **wait; /*!< walks waiting for `ready` */
	size_t nwait, capwait;
	uint8_t (*nsnames)[255]; /*!< NS names already handled */
	size_t nns;
	char (*addrs)[DV_SNAP_ADDR_MAX]; /*!< addresses probed */
	size_t naddrs;
	unsigned resolve_names; /*!< NS names looked up for want of glue */
	/* Left out at a ceiling: how many, and the first by name. */
	uint64_t ns_skipped, addrs_skipped, resolves_skipped;
	char ns_note[PROBE_NOTE_MAX], addrs_note[PROBE_NOTE_MAX], resolves_note[PROBE_NOTE_MAX];
};

/* One domain's visit of one zone: the referral queries asked there. */
struct step {
	probe_t *p;
	step_t *next_all;
	uint8_t domain[255];
	pzone_t *zone; /*!< the zone asked */
	pzone_t *cut;  /*!< the child zone the answers point to, once known */
	int depth;
	int pending;
	uint32_t *qidx; /*!< snapshot queries of this step, retagged to `cut` */
	size_t nq, capq;
	bool asked;    /*!< it asked the zone's servers itself */
	step_t *fhead; /*!< steps waiting on this one's answers (probe.c: walk_step) */
	step_t *fnext; /*!< next in the leader's fhead list */
};

typedef enum { K_CHILD, K_REFERRAL, K_DS, K_RESOLVE } kind_t;

struct resolve {
	pzone_t *zone; /*!< the zone whose NS name this is */
	uint8_t name[255];
	char name_str[1025];
	uint16_t qtype;
	bool initial; /*!< counts in zone->resolving */
	struct sockaddr_storage srv[16];
	size_t nsrv, cur;
	int hops;
};

typedef struct qctx {
	kind_t kind;
	probe_t *p;
	pzone_t *zone;
	step_t *step;
	resolve_t *res;
	uint32_t server; /*!< snapshot server index (not for K_RESOLVE) */
	srvstate_t *srv; /*!< the address asked */
	uint64_t sent_ns;
	bool gate_probe;             /*!< the first query to its address: decides the gate */
	bool sent;                   /*!< handed to the engine (its time counts) */
	int end_status;              /*!< deferred: the status it ends with, unsent */
	uint8_t why;                 /*!< with DV_EABANDONED: the dv_snap_limit_kind_t */
	dv_query_t q;                /*!< the query, kept while held back */
	struct qctx *next;           /*!< held or deferred list */
	bool cacheable;              /*!< an upper level's apex or DS question (dv_probe_cache_t) */
	struct probe_cached *cached; /*!< deferred: answered from the cache (owned) */
} qctx_t;

/* An answer kept by the cache: the engine's response as received, its
 * message in `wire` (owned; resp.wire points to it). */
typedef struct probe_cached {
	dv_response_t resp;
	uint8_t *wire;
} probe_cached_t;

/* Per server address: its gate — the first query goes alone, the others
 * wait for its answer; one that never answers it is dead, and the rest are
 * recorded unsent — and its budgets. */
struct srvstate {
	srvstate_t *hnext, *next_all;
	struct sockaddr_storage addr;
	char text[DV_SNAP_ADDR_MAX];
	uint8_t gate; /*!< G_* */
	int dead_status;
	uint8_t dead_why;
	qctx_t *held, *held_tail;
	uint64_t queries, bytes, ms; /*!< spent */
	uint8_t out;                 /*!< 0, or the DV_SNAP_LIMIT_SERVER_* that ran out */
	uint64_t abandoned;          /*!< queries not sent for its budgets */
};

enum { G_UNKNOWN = 0, G_PROBING, G_ALIVE, G_DEAD };

#define PROBE_SRV_BUCKETS 1024

struct probe {
	const dv_probe_opts_t *opts;
	dv_net_t *net;
	dv_snapshot_t *snap;
	pzone_t *zones;
	step_t *steps;
	uint64_t t0_ns;
	size_t resolves;
	srvstate_t *srv_bucket[PROBE_SRV_BUCKETS];
	srvstate_t *srv_all;
	qctx_t *deferred, *deferred_tail; /*!< to be ended unsent */
	bool draining;
	/* Budgets of the probe (opts or defaults) and what is spent. */
	uint64_t max_queries, max_bytes, server_queries, server_bytes, server_ms;
	unsigned deadline_ms;
	uint64_t sent, bytes;
	/* Queries abandoned at a probe-wide ceiling (DEADLINE, QUERIES, BYTES;
	 * those at a server's ceiling are counted by the server). */
	uint64_t abandoned[DV_SNAP_LIMIT_KINDS];
	int err;                       /*!< latched DV_E* */
	const uint8_t (*domains)[255]; /*!< the domains asked (wire) */
	size_t ndomains;
};

/* probe.c */
uint64_t probe_mono_ns(void);
void probe_fail(probe_t *p, int err);
void probe_on_answer(void *ctx, const dv_query_t *q, const dv_response_t *r);
/* Append `name` to a note of names left out, while it has room. */
void probe_note(char *note, const char *name);

/* probe_srv.c */
/*! Queue a query of the template's kind; it is sent, held behind its
 *  address's gate, or ended unsent (dead address, budget, deadline). */
int probe_submit(probe_t *p, const struct sockaddr_storage *addr, const uint8_t *qname,
                 uint16_t qtype, unsigned flags, const qctx_t *tmpl);
/*! A query ended (answered, or ended unsent): account for it, open or
 *  close its address's gate. */
void probe_query_done(probe_t *p, qctx_t *c, const dv_response_t *r);
/*! End the deferred queries (their callbacks run from here). */
void probe_drain(probe_t *p);
/*! Set the budgets from the options (ndomains: the domains asked). */
void probe_budgets_init(probe_t *p, size_t ndomains);
/*! Record, in the snapshot, what the budgets and the deadline left out. */
int probe_limits_record(probe_t *p);
void probe_srv_free(probe_t *p);

/* probe_cache.c */
/*! A kept answer to q fresh at `now` (its wire a copy the caller frees). */
bool probe_cache_get(dv_probe_cache_t *c, const dv_query_t *q, int64_t now, int64_t max_age,
                     probe_cached_t *out);
/*! Keep r, the answer to q received at `now`, if it is worth keeping. */
void probe_cache_put(dv_probe_cache_t *c, const dv_query_t *q, const dv_response_t *r, int64_t now);
