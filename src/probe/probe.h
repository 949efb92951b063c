/*
 * The live probe (dnsvigil check): from the root hints and trust anchor,
 * walk every zone cut down to each domain and ask every server address of
 * every zone on the way the questions the live checks need (issue 3 §3).
 * It only collects: the answers go into a snapshot, judged by src/checks/live.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot/snapshot.h"

typedef struct {
	const char *root_hints;   /*!< zone-file-form NS + A/AAAA of the root */
	const char *trust_anchor; /*!< DS or DNSKEY records of the root */
	unsigned timeout_ms;      /*!< per attempt (0: 1000) */
	int retries;              /*!< extra UDP attempts (-1: 1) */
	bool ipv4_only, ipv6_only;
	unsigned max_inflight; /*!< 0: the engine's default */
	uint16_t port;         /*!< every server's port (0: 53), for test trees on other ports */
	/*! Per-server-address rate limit shared with other probes (net.h), or NULL. */
	struct dv_net_ratelimit *ratelimit;
	unsigned udp_reuse; /*!< queries per UDP socket (net.h; 0: a socket per query) */
} dv_probe_opts_t;

/* The questions asked of every child server (besides SOA, NS, DNSKEY, CDS, CDNSKEY). */
#define DV_PROBE_NX_TYPE     1  /*!< A at a random name: the NXDOMAIN proof */
#define DV_PROBE_NODATA_TYPE 10 /*!< NULL at the apex: the NODATA proof */

/*!
 * Probe `domains` (presentation form).  On success *out holds the snapshot
 * (caller frees).  Errors (unreadable hints or anchor, no memory, engine
 * failure) return DV_E* with a message in err.  Unanswered queries are not
 * errors: they are recorded and judged.
 */
int dv_probe_run(const dv_probe_opts_t *opts, char *const *domains, size_t ndomains,
                 dv_snapshot_t **out, char *err, size_t errlen);
