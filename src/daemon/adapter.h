/*
 * The ONE place where the daemon touches the probe, the live checks, the
 * findings and the audit (internal to src/daemon).  Those modules are being
 * restructured; when their interfaces change, only adapter.c follows.
 * Everything here runs on a worker thread: no shared state but the
 * signature memo and the rate limit, which are thread-safe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replica/replica.h"
#include "rollover/rollover.h"
#include "store/store.h"

/* Queries one UDP socket carries to a server within a batch (net.h
 * udp_reuse): the socket set-up was a fifth of a cycle's CPU. */
#define DV_DAEMON_UDP_REUSE 16
/* Queries one TCP connection carries to a server within a batch, pipelined
 * (net.h tcp_reuse): each zone's SOA over TCP to each of its servers had a
 * connection of its own, whose set-up and teardown were a tenth of a
 * cycle's CPU. */
#define DV_DAEMON_TCP_REUSE 128
/* Answers of the upper levels kept across batches (probe.h dv_probe_cache_t):
 * seven apex questions and a DS per server address of each zone above the
 * watched ones. */
#define DV_DAEMON_UPPER_ANSWERS 4096

typedef struct {
	const char *root_hints, *trust_anchor;
	unsigned timeout_ms;
	int retries;
	unsigned max_inflight;
	uint16_t port;
	int64_t warn, crit;      /*!< seconds */
	struct dv_sigmemo *memo; /*!< signatures verified in earlier cycles, or NULL */
	/*! Answers of the upper levels kept across batches (probe.h), or NULL,
	 *  reused for at most upper_max_age seconds (the zones' interval: the
	 *  root and the TLDs asked once per cycle, within their TTLs). */
	struct dv_probe_cache *upper;
	unsigned upper_max_age;
	struct dv_net_ratelimit *ratelimit; /*!< per-server rate limit, or NULL */
	/*! full: true (issue 13): per zone of the batch, its copies kept between
	 *  cycles (one cycle of a zone at a time uses them); a NULL entry, or
	 *  NULL: the apex checks only. */
	dv_replica_set_t *const *replicas;
	/*! per zone of the batch, the TSIG key signing its transfers; a NULL
	 *  entry, or NULL: unsigned */
	const dv_tsig_key_t *const *tsigs;
	unsigned threads; /*!< verification threads for the copies */
} dv_adapter_opts_t;

/*! What one zone's cycle produced. */
typedef struct {
	dv_obs_t obs;                 /*!< probe_ok false when the probe could not run */
	dv_store_findings_t findings; /*!< the zone's own findings */
	/*! What the rollover model takes from the probe (dv_roll_fingerprint): the
	 *  daemon keeps the snapshot when it changes (rollwatch.c). */
	uint8_t roll_fp[DV_ROLL_FINGERPRINT_LEN];
	bool have_roll_fp;
	char err[1024]; /*!< why the probe could not run */
} dv_adapter_result_t;

/*! What a batch probed (the snapshot), for the zones' own snapshots. */
typedef struct dv_adapter_batch dv_adapter_batch_t;

/*!
 * Probe the n zones (presentation form, final dot) together — one walk from
 * the root, so the root and the other upper levels are asked once for all
 * of them — and judge them as `check` does.  res[i] gets zone i's
 * observation and findings; a zone the probe could not judge has
 * res[i].obs.probe_ok false and res[i].err says why.  *batch keeps what was
 * probed (dv_adapter_zone_snapshot), freed with dv_adapter_batch_free.
 * *sigs_verified: cryptographic verifications run.  DV_OK or DV_ENOMEM.
 */
int dv_adapter_batch_cycle(const dv_adapter_opts_t *opts, char *const *zones, size_t n,
                           dv_adapter_result_t *res, dv_adapter_batch_t **batch,
                           uint64_t *sigs_verified);
/*! The `check --save` JSON (malloc'd) of what the batch probed for zone i
 *  alone: the zones from the root down to it and the queries that concern
 *  it, so `check --from` judges it as the batch did. */
int dv_adapter_zone_snapshot(const dv_adapter_batch_t *batch, size_t i, char **json, size_t *len);
/*! What the rollover model takes from zone i's part of the batch
 *  (dv_roll_fingerprint).  It reads every answer of the batch that concerns
 *  the zone, so the daemon asks for it only when the zone changed. */
int dv_adapter_zone_fingerprint(const dv_adapter_batch_t *batch, size_t i,
                                uint8_t out[DV_ROLL_FINGERPRINT_LEN]);
void dv_adapter_batch_free(dv_adapter_batch_t *batch);
void dv_adapter_result_clear(dv_adapter_result_t *res);

typedef struct {
	char name[257];   /*!< as configured */
	char verdict[32]; /*!< dv_verdict_name() */
} dv_adapter_verdict_t;

/*!
 * Audit `n` resolvers (addresses as `audit` takes them) with canary zone
 * `canary`.  verdicts[i] gets resolver i's verdict.  DV_EINVAL / DV_ENET
 * with a message in err when the audit could not run.
 */
int dv_adapter_audit(const char *canary, const char *const *addrs, size_t n, unsigned timeout_ms,
                     dv_adapter_verdict_t *verdicts, char *err, size_t errlen);
