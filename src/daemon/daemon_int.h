/* Internal to src/daemon: logging and the one place where events go. */
#pragma once

#include "store/store.h"

/* syslog priorities (RFC 5424 §6.2.1), as journald takes them. */
#define DV_LOG_ERR     3
#define DV_LOG_WARNING 4
#define DV_LOG_NOTICE  5
#define DV_LOG_INFO    6
#define DV_LOG_DEBUG   7

/*! One log record; zone and event may be NULL. */
void dv_log(int prio, const char *zone, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*!
 * THE place where the events of a cycle go, called inside the cycle's store
 * transaction (so they are written exactly when the observation that caused
 * them is).  Today they go to the store's event table; the ledger
 * (issue 11) is connected here by the lead.  Sets each event's id.
 */
int dv_daemon_emit_events(dv_store_t *st, dv_events_t *events);
/*! Log the events of a committed cycle (after the commit: never twice). */
void dv_daemon_log_events(const dv_events_t *events);
