/*
 * The resolver probe (dnsvigil audit): ask each resolver every canary mode's
 * question, three ways, and keep every answer in a resolver snapshot
 * (snapshot/resolver.h), judged by src/checks/audit.h.  It only collects.
 *
 * Per resolver and mode: DO+RD (as a validating stub asks); DO+RD+CD after a
 * SERVFAIL (was it validation or reachability?); RD alone without EDNS (as
 * an ordinary stub such as glibc's asks: no DO, no AD).  Besides, the valid
 * control and rrsig-notyet are asked with DO+RD+CD up front: their
 * signatures date the canary.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "snapshot/resolver.h"

/* Ceilings of an audit (doc/limits.md): the whole probe, and per resolver
 * (its questions are bounded by the canary modes already: at most
 * DV_RSNAP_MAX_QUERIES_PER_RESOLVER). */
#define DV_RPROBE_DEADLINE_MS  120000u    /*!< the whole audit */
#define DV_RPROBE_SERVER_BYTES (4u << 20) /*!< answer bytes per resolver */
#define DV_RPROBE_SERVER_MS    60000u     /*!< waiting on one resolver, summed over questions */

typedef struct {
	const char *canary;      /*!< canary zone, trailing dot optional */
	uint16_t port;           /*!< default port for addresses without one (0: 53) */
	unsigned timeout_ms;     /*!< per attempt (0: 3000) */
	int retries;             /*!< extra UDP attempts (-1: 1) */
	unsigned max_inflight;   /*!< overall concurrency bound (0: 256) */
	unsigned per_server_max; /*!< per-resolver concurrency bound (0: 16) */
	unsigned deadline_ms;    /*!< the whole audit (0: DV_RPROBE_DEADLINE_MS) */
	uint64_t server_bytes;   /*!< answer bytes per resolver (0: the default) */
	unsigned server_ms;      /*!< ms waiting on one resolver, summed (0: the default) */
} dv_resolver_probe_opts_t;

/*!
 * Ask `n` resolvers (addresses as dv_net_addr_parse() takes them).  Each
 * resolver's first question goes alone: one that never answers it is not
 * asked the rest (they are recorded with its outcome, unsent).  What the
 * deadline or a resolver's budget cut off is recorded with status
 * "abandoned".  On success *out holds the snapshot (caller frees).  DV_EINVAL for a bad canary
 * name or address, DV_ELIMIT for more than DV_RSNAP_MAX_RESOLVERS addresses
 * (message in err); unanswered questions are not errors: they are recorded.
 */
int dv_resolver_probe_run(const dv_resolver_probe_opts_t *opts, const char *const *addrs, size_t n,
                          dv_resolver_snapshot_t **out, char *err, size_t errlen);
