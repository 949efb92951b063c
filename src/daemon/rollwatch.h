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

/*!
 * One successful cycle of zone `res->obs.zone`, before its observation is
 * compared with the last: when what the model observes changed,
 * *keep_snapshot is set (the caller keeps the cycle's snapshot) and the
 * store learns until when the previous one held; when it changed, or a time
 * the verdict depends on has come, the rollover is judged again from the
 * store's history and this snapshot.  Its findings (bogus windows open or
 * ahead, stuck) are added to res->findings every cycle; a changed phase adds
 * a `rollover.phase` event to `events`.  Returns DV_OK or DV_ENOMEM; a
 * history that cannot be read or judged is logged and leaves the last
 * verdict standing.
 */
int dv_rollwatch_cycle(dv_rollwatch_t *rw, dv_store_t *st, dv_adapter_result_t *res,
                       dv_events_t *events, bool *keep_snapshot);

/*! What /metrics shows (valid until the next cycle). */
const dv_metrics_rollover_t *dv_rollwatch_view(const dv_rollwatch_t *rw);
