/* Where the daemon's events go (daemon_int.h). */
#include "core/error.h"
#include "daemon/daemon_int.h"

int dv_daemon_emit_events(dv_store_t *st, dv_events_t *events)
{
	/* The ledger is not written here: two databases cannot commit as one,
	 * so the ledger follows the store after its commit, from the store's
	 * event ids (ledgersync.c, doc/watch.md "Store and ledger"). */
	for (size_t i = 0; i < events->len; i++) {
		int rc = dv_store_event_add(st, &events->v[i]);
		if (rc != DV_OK)
			return rc;
	}
	return DV_OK;
}

void dv_daemon_log_events(const dv_events_t *events)
{
	for (size_t i = 0; i < events->len; i++) {
		const dv_event_t *e = &events->v[i];
		dv_log(DV_LOG_NOTICE, e->zone[0] ? e->zone : NULL, e->kind, "%s%s%s: '%s' -> '%s'",
		       e->server[0] ? e->server : "", e->server[0] ? " " : "", e->subject,
		       e->old_value, e->new_value);
	}
	if (events->dropped)
		dv_log(DV_LOG_WARNING, NULL, NULL, "%zu events past the ceiling of one cycle",
		       events->dropped);
}
