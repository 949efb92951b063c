/* libFuzzer target: the snapshot reader (dv_snapshot_load_mem), then the live
 * checks on whatever it accepted, which re-parse every message it holds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "checks/live.h"
#include "dnssec/dnssec.h"
#include "snapshot/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dv_snapshot_t *s = NULL;
	char err[512];
	if (dv_snapshot_load_mem((const char *)data, size, "fuzz", &s, err, sizeof(err)) != 0)
		return 0;
	dv_live_opts_t o = {.now = s->time, .warn_secs = 7 * 86400, .crit_secs = 86400};
	dv_live_result_t r;
	if (dv_live_check(s, &o, &r) == 0) {
		/* KeyTrap: whatever the snapshot, the budget bounds the work. */
		if (r.sigs_verified > DV_SIG_MAX_PER_RUN)
			abort();
		dv_live_result_clear(&r);
	}
	dv_snapshot_free(s);
	return 0;
}
