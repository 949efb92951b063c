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

/*
 * Ceilings of a probe (doc/limits.md).  A hostile server controls what the
 * probe is told (referrals, NS sets, glue) and when it answers: every
 * quantity it could grow has one, per server address as well as per probe,
 * and what a ceiling cuts off is recorded in the snapshot (a limit record),
 * never dropped silently.
 */
#define DV_PROBE_DEADLINE_MS        60000u /*!< the whole probe */
#define DV_PROBE_DEADLINE_MS_CEIL   3600000u
#define DV_PROBE_QUERIES_BASE       4096u       /*!< queries per probe: this ... */
#define DV_PROBE_QUERIES_PER_DOMAIN 512u        /*!< ... plus this per domain asked */
#define DV_PROBE_MAX_QUERIES_CEIL   50000u      /*!< = DV_SNAP_MAX_QUERIES */
#define DV_PROBE_MAX_BYTES          (64u << 20) /*!< answer bytes per probe */
#define DV_PROBE_MAX_BYTES_CEIL     (128u << 20)
#define DV_PROBE_SERVER_QUERIES     512u       /*!< queries per server address */
#define DV_PROBE_SERVER_BYTES       (4u << 20) /*!< answer bytes per server address */
#define DV_PROBE_SERVER_MS          30000u     /*!< waiting on one address, summed over queries */
#define DV_PROBE_SERVER_DOMAINS     1024u      /*!< the 3 above: per domain asked, up to this */
#define DV_PROBE_MAX_DEPTH          32u        /*!< zone cuts walked per domain */
#define DV_PROBE_MAX_ZONE_NS        64u        /*!< NS names used per zone */
#define DV_PROBE_MAX_ZONE_ADDRS     64u        /*!< server addresses probed per zone */
#define DV_PROBE_RESOLVES_PER_ZONE  20u        /*!< NS names without glue looked up per zone */
#define DV_PROBE_MAX_RESOLVES       4096u      /*!< address look-ups per probe */

typedef struct {
	const char *root_hints;   /*!< zone-file-form NS + A/AAAA of the root */
	const char *trust_anchor; /*!< DS or DNSKEY records of the root */
	unsigned timeout_ms;      /*!< per attempt (0: 1000) */
	int retries;              /*!< extra UDP attempts (-1: 1) */
	bool ipv4_only, ipv6_only;
	unsigned max_inflight; /*!< 0: the engine's default */
	uint16_t port;         /*!< every server's port (0: 53), for test trees on other ports */
	/* Budgets; 0 means the default above. */
	unsigned deadline_ms;    /*!< the whole probe */
	unsigned max_queries;    /*!< queries per probe (default: base + per domain) */
	uint64_t max_bytes;      /*!< answer bytes per probe */
	unsigned server_queries; /*!< queries per server address */
	uint64_t server_bytes;   /*!< answer bytes per server address */
	unsigned server_ms;      /*!< ms waiting on one server address, summed */
	/*! Per-server-address rate limit shared with other probes (net.h), or NULL. */
	struct dv_net_ratelimit *ratelimit;
	unsigned udp_reuse; /*!< queries per UDP socket (net.h; 0: a socket per query) */
	unsigned tcp_reuse; /*!< queries per TCP connection (net.h; 0: one per query) */
	/*! Answers of the upper levels kept across probes, or NULL (below). */
	struct dv_probe_cache *cache;
	unsigned cache_max_age; /*!< seconds an answer of `cache` is reused (0: not used) */
} dv_probe_opts_t;

/*!
 * Answers of the upper levels kept across probes (the watch daemon, issue
 * 12 §2: the root and the TLDs asked once per cycle, not once per batch).
 * With opts.cache, the apex questions (SOA, NS, DNSKEY, CDS, CDNSKEY,
 * NODATA, SOA over TCP) and the DS question of each zone above the domains
 * asked — never of a domain asked itself, never its NXDOMAIN probe (a fresh
 * random name each time), never a referral — are answered from the cache
 * while the kept answer is younger than its smallest TTL and
 * opts.cache_max_age; the snapshot records it as it was received.  Only
 * NOERROR and NXDOMAIN answers with a record are kept.  Thread-safe; at
 * most `max` answers (the expired, then the oldest, make room).
 */
typedef struct dv_probe_cache dv_probe_cache_t;
int dv_probe_cache_new(size_t max, dv_probe_cache_t **out);
void dv_probe_cache_free(dv_probe_cache_t *c);
typedef struct {
	uint64_t hits;   /*!< queries answered from the cache */
	uint64_t stored; /*!< answers kept */
	size_t entries;  /*!< answers held now */
} dv_probe_cache_stats_t;
void dv_probe_cache_stats(dv_probe_cache_t *c, dv_probe_cache_stats_t *out);

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
