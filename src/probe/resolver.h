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

typedef struct {
	const char *canary;      /*!< canary zone, trailing dot optional */
	uint16_t port;           /*!< default port for addresses without one (0: 53) */
	unsigned timeout_ms;     /*!< per attempt (0: 3000) */
	int retries;             /*!< extra UDP attempts (-1: 1) */
	unsigned max_inflight;   /*!< overall concurrency bound (0: 256) */
	unsigned per_server_max; /*!< per-resolver concurrency bound (0: 16) */
} dv_resolver_probe_opts_t;

/*!
 * Ask `n` resolvers (addresses as dv_net_addr_parse() takes them).  On
 * success *out holds the snapshot (caller frees).  DV_EINVAL for a bad canary
 * name or address, DV_ELIMIT for more than DV_RSNAP_MAX_RESOLVERS addresses
 * (message in err); unanswered questions are not errors: they are recorded.
 */
int dv_resolver_probe_run(const dv_resolver_probe_opts_t *opts, const char *const *addrs, size_t n,
                          dv_resolver_snapshot_t **out, char *err, size_t errlen);
