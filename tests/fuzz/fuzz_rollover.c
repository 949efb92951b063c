/* libFuzzer target: the rollover extraction (src/rollover/extract.c parses the
 * DNS messages a snapshot holds), then the model check on what it extracted,
 * for every zone of the snapshot.  Checks invariants, not only crashes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rollover/rollover.h"
#include "snapshot/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_zone(const dv_snapshot_t *snap, const uint8_t *zone)
{
	dv_roll_series_t *s = NULL;
	char err[512];
	if (dv_roll_series_new(zone, &s) != 0)
		return;
	/* The same snapshot twice: a series may hold observations of one time. */
	if (dv_roll_extract(s, snap, "fuzz", err, sizeof(err)) != 0 ||
	    dv_roll_extract(s, snap, "fuzz", err, sizeof(err)) != 0 ||
	    dv_roll_series_count(s) == 0) {
		dv_roll_series_free(s);
		return;
	}
	dv_roll_check_opts_t o = {.now = snap->time, .stuck_after = 86400, .from = DV_ROLL_START};
	dv_roll_result_t r;
	if (dv_roll_check(s, &o, &r) == 0) {
		for (size_t i = 0; i < r.nwindows; i++)
			if (r.windows[i].start >= r.windows[i].end || r.windows[i].start < r.from)
				abort();
		for (size_t i = 0; i < r.nnext; i++)
			if (r.next[i].earliest < o.now)
				abort();
	}
	dv_roll_result_free(&r);
	dv_roll_recover_opts_t ro = {.now = snap->time, .dprp = 60, .dprp_parent = 60, .dreg = 60};
	dv_roll_recovery_t rec;
	if (dv_roll_recover(s, &ro, &rec) == 0 && rec.healed < ro.now &&
	    rec.kase != DV_ROLL_CASE_NONE)
		abort();
	dv_roll_recovery_free(&rec);
	dv_roll_series_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dv_snapshot_t *snap = NULL;
	char err[512];
	if (dv_snapshot_load_mem((const char *)data, size, "fuzz", &snap, err, sizeof(err)) != 0)
		return 0;
	for (size_t z = 0; z < snap->nzones && z < 8; z++)
		check_zone(snap, snap->zones[z].dname);
	dv_snapshot_free(snap);
	return 0;
}
