/*
 * Rollovers in the watch daemon (issue 14 §2, internal to src/daemon): each
 * zone cycle keeps the snapshot when what the rollover model observes
 * changed, and judges where the zone's rollover stands from its history in
 * the store (src/run: dv_roll_history_load): the phase (a `rollover.phase`
 * event when it changes), the bogus windows that are open or ahead and the
 * stuck findings (joining the cycle's findings), and the figures the
 * rollover metrics show.  Runs on the main thread, in cycle_commit.
 */
#pragma once

#include <stdbool.h>

#include "daemon/adapter.h"
#include "metrics/metrics.h"
#include "store/store.h"

typedef struct dv_rollwatch dv_rollwatch_t;

/*! A zone's rollover state, empty (free with dv_rollwatch_free). */
dv_rollwatch_t *dv_rollwatch_new(void);
void dv_rollwatch_free(dv_rollwatch_t *rw);

/*
 * A zone cycle runs in two parts (cycle.c): on the worker, beside the other
 * zones of its batch, the observation is compared with the last; on the main
 * thread, which owns the store, it is committed.  The rollover's part of the
 * worker's side reads only `rw`, which only this zone's commit changes.
 */

/*! Worker side: whether the rollover needs this cycle's fingerprint even
 *  though the observation did not change (none yet, or a snapshot to keep
 *  was not stored). */
bool dv_rollwatch_wants_fingerprint(const dv_rollwatch_t *rw);
/*! Worker side: the last fingerprint into `out`; false when there is none. */
bool dv_rollwatch_last_fingerprint(const dv_rollwatch_t *rw, uint8_t *out);
/*! Worker side: whether this cycle's snapshot is needed (what the model
 *  observes changed, or the cycle that changed was not recorded). */
bool dv_rollwatch_wants_snapshot(const dv_rollwatch_t *rw, const dv_adapter_result_t *res);
/*! Worker side: the findings of the last verdict (bogus windows open or
 *  ahead, stuck) into `out`, so that they take part in the comparison. */
int dv_rollwatch_findings_add(const dv_rollwatch_t *rw, dv_store_findings_t *out);

/*!
 * Main side, one successful cycle of zone `res->obs.zone`: when what the
 * model observes changed, *keep_snapshot is set (the caller keeps the
 * cycle's snapshot, `snapshot`: its `check --save` JSON, needed then) and the
 * store learns until when the previous one held; when it changed, or a time
 * the verdict depends on has come, the rollover is judged again from the
 * store's history and this snapshot: a changed phase adds a
 * `rollover.phase` event to `events`, changed findings show from the next
 * cycle on.  Returns DV_OK or DV_ENOMEM; a history that cannot be read or
 * judged is logged and leaves the last verdict standing.
 */
int dv_rollwatch_cycle(dv_rollwatch_t *rw, dv_store_t *st, const dv_adapter_result_t *res,
                       const char *snapshot, size_t snapshot_len, dv_events_t *events,
                       bool *keep_snapshot);

/*! Main side: the cycle's store transaction committed (its snapshot, when
 *  one was to be kept, is stored: the next cycle need not check). */
void dv_rollwatch_committed(dv_rollwatch_t *rw);

/*! What /metrics shows (valid until the next cycle). */
const dv_metrics_rollover_t *dv_rollwatch_view(const dv_rollwatch_t *rw);
