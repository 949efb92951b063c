/*
 * The ONE place where the daemon touches the probe, the live checks, the
 * findings and the audit (internal to src/daemon).  Those modules are being
 * restructured; when their interfaces change, only adapter.c follows.
 * Everything here runs on a worker thread: no shared state.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rollover/rollover.h"
#include "store/store.h"

typedef struct {
	const char *root_hints, *trust_anchor;
	unsigned timeout_ms;
	int retries;
	unsigned max_inflight;
	uint16_t port;
	int64_t warn, crit; /*!< seconds */
} dv_adapter_opts_t;

/*! What one zone cycle produced. */
typedef struct {
	dv_obs_t obs;                 /*!< probe_ok false when the probe could not run */
	dv_store_findings_t findings; /*!< the zone's own findings */
	char *snapshot;               /*!< the `check --save` JSON of the probe (malloc'd) */
	size_t snapshot_len;
	uint64_t sigs_verified; /*!< cryptographic verifications the checks ran */
	/*! What the rollover model takes from the probe (dv_roll_fingerprint): the
	 *  daemon keeps the snapshot when it changes (rollwatch.c). */
	uint8_t roll_fp[DV_ROLL_FINGERPRINT_LEN];
	bool have_roll_fp;
	char err[1024]; /*!< why the probe could not run */
} dv_adapter_result_t;

/*!
 * Probe `zone` (presentation form, final dot) live and judge it as `check`
 * does.  Returns DV_OK with res filled (even when the probe failed: then
 * res->obs.probe_ok is false and res->err says why), or DV_ENOMEM.
 */
int dv_adapter_zone_cycle(const dv_adapter_opts_t *opts, const char *zone, int64_t now,
                          dv_adapter_result_t *res);
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
