/*
 * Replicas: every server's copy of a zone, transferred, verified and
 * compared (issue 13).
 *
 * A replica set belongs to one zone and lives as long as its caller wants
 * (the daemon keeps one per zone with `full: true`; `check --full` makes
 * one for a single round).  Each refresh asks every server address for its
 * copy: IXFR (RFC 1995) from the serial of the version last verified from
 * that server, AXFR (RFC 5936) when there is none, when the server answers
 * IXFR with the whole zone, or when IXFR fails or does not apply.  A
 * difference is applied to the version it starts from (dv_zone_patch) and
 * verified incrementally (dv_verify_zone_step); a whole zone is built and
 * verified fully.  Identical content (same serial, same records: a digest
 * of the canonical content, keyed with a secret of the process so that no
 * server can make two different copies look alike) is held and verified
 * once, however many servers serve it.  Then the versions are compared:
 * servers at one serial must hold identical content (the differing RRsets
 * are named, with the servers on each side), and servers behind the newest
 * serial are told by how much (RFC 1982) and since when.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "checks/checks.h"
#include "core/zone.h"
#include "findings/findings.h"
#include "net/xfr.h"

#define DV_REPLICA_ADDR_MAX 64   /*!< a server address as dv_net_addr_format prints it */
#define DV_REPLICA_SERVERS  256  /*!< server addresses of one set */
#define DV_REPLICA_DIFF_MAX 1000 /*!< differing RRsets named per pair of versions */

/* ---- one transfer into a zone ------------------------------------------------------ */

typedef struct {
	struct sockaddr_storage addr;
	uint8_t zone[255];         /*!< the apex, wire form */
	const dv_tsig_key_t *tsig; /*!< NULL: unsigned */
	dv_xfr_limits_t limits;
	size_t max_records; /*!< of the zone (0: DV_ZONE_MAX_RRS) */
	/*! Each run of records of one owner, as the builder ends it (the
	 *  presign pass, src/checks); may be NULL.  When the transfer fails it
	 *  is called once more with owner NULL before the records are freed:
	 *  from then on it must not touch them. */
	void (*on_run)(void *ctx, const uint8_t *owner, const dv_rr_t *rrs, size_t n);
	void *run_ctx;
} dv_replica_fetch_t;

/*!
 * AXFR the zone from one server into a new zone (labelled "AXFR from
 * ADDR").  DV_OK with *out the caller's (dv_zone_free), or: the transfer
 * failed (xr->failure, xr->detail; DV_ENET, DV_ETIMEOUT, DV_EPARSE, ...)
 * or the records are not a zone (DV_ENOTZONE, DV_ELIMIT: past
 * max_records), with the whole message in err.  xr may be NULL.
 */
int dv_replica_axfr(const dv_replica_fetch_t *req, dv_zone_t **out, dv_xfr_result_t *xr, char *err,
                    size_t errlen);

/* ---- a set of servers' copies --------------------------------------------------------- */

typedef struct dv_replica_set dv_replica_set_t;

typedef struct {
	const dv_tsig_key_t *tsig; /*!< for every server; NULL: unsigned */
	dv_xfr_limits_t limits;
	size_t max_records;
	dv_verify_opts_t verify; /*!< now, warn_expiry, threads, ds */
	bool incremental;        /*!< ask IXFR from the versions held */
	unsigned parallel;       /*!< whole-zone transfers at once (0: 1: one copy at a time) */
} dv_replica_opts_t;

/*! How a server's copy was had in a refresh. */
typedef enum {
	DV_REPLICA_AXFR = 0,   /*!< whole zone by AXFR */
	DV_REPLICA_IXFR,       /*!< a difference, applied */
	DV_REPLICA_IXFR_AXFR,  /*!< IXFR answered with the whole zone */
	DV_REPLICA_UP_TO_DATE, /*!< IXFR: no newer serial */
	DV_REPLICA_REFUSED,    /*!< the server refuses transfers */
	DV_REPLICA_FAILED,     /*!< the transfer failed (see failure, detail) */
} dv_replica_how_t;

/*! "axfr", "ixfr", "ixfr-axfr", "up-to-date", "refused", "failed". */
const char *dv_replica_how_name(dv_replica_how_t how);

typedef struct {
	char addr[DV_REPLICA_ADDR_MAX];
	dv_replica_how_t how;
	bool fell_back;     /*!< IXFR failed or did not apply: AXFR was used */
	char fallback[320]; /*!< why ("" if not) */
	enum dv_xfr_failure failure;
	uint8_t rcode;
	char detail[320];     /*!< the failure in words */
	bool have;            /*!< a copy of this server is held */
	uint32_t serial;      /*!< of the copy held */
	uint32_t from_serial; /*!< IXFR: the serial it started from */
	int version;          /*!< index into the report's versions, -1 none */
	size_t rrsets_added, rrsets_removed, rrsets_changed; /*!< this refresh */
	uint64_t records;                                    /*!< records received */
	unsigned elapsed_ms;
	uint32_t behind;      /*!< serials behind the newest (RFC 1982), 0: not */
	int64_t behind_since; /*!< first time seen behind (0: not behind) */
} dv_replica_server_t;

typedef struct {
	uint32_t serial;
	const dv_zone_t *zone; /*!< borrowed: valid until the next refresh or the set's end */
	dv_verify_stats_t stats;
	dv_findings_t findings; /*!< of its verification (zone and servers not set) */
	bool verified;          /*!< verified in this refresh (else as before) */
	bool incremental;       /*!< ... by a step, not whole */
	unsigned servers;       /*!< servers holding it */
	char digest[17];        /*!< the first 8 octets of its content digest, hex (in-process) */
} dv_replica_version_t;

typedef struct {
	dv_replica_server_t *srv; /*!< in the order the addresses were given */
	size_t nsrv;
	dv_replica_version_t *ver;
	size_t nver;
	uint32_t newest; /*!< newest serial held (RFC 1982) */
	bool have_newest;
	/*! Findings: each version's, with the servers that hold it and the
	 *  zone; transfers refused or failed; content differing at one serial;
	 *  servers behind.  Sorted. */
	dv_findings_t findings;
} dv_replica_report_t;

/*! A set for zone `origin` (wire form). */
int dv_replica_set_new(const uint8_t *origin, dv_replica_set_t **out);
/*!
 * Tell a new set that server `addr` (as the set prints it: the `addr` of a
 * dv_replica_server_t, "ADDR" or "ADDR@PORT") has been behind since
 * `since`, a time kept by an earlier run (the daemon's store), so that a
 * restart does not restart its lag clock.  A refresh that finds it still
 * behind reports that time (a time after the refresh's own is not
 * believed: the refresh's is taken); one that finds it caught up, or no
 * longer lists it, forgets it; while its transfers fail it is kept.  A
 * server the set already knows keeps what it knows.  DV_EINVAL (not an
 * address, since <= 0), DV_ELIMIT (DV_REPLICA_SERVERS known), DV_ENOMEM.
 */
int dv_replica_set_seed(dv_replica_set_t *set, const char *addr, int64_t since);
/*!
 * Refresh every server of `addrs` (n, as dv_net_addr_parse reads them;
 * port `port`, 0: 53) at time opts->verify.now: transfer, verify, compare.
 * Servers of the set not given any more are forgotten.  Returns DV_OK with
 * the report (clear it with dv_replica_report_clear), or DV_EINVAL (a bad
 * address, more than DV_REPLICA_SERVERS), DV_ENOMEM, with err.  Failed
 * transfers are not errors: they are in the report.
 */
int dv_replica_refresh(dv_replica_set_t *set, const char *const *addrs, size_t n, uint16_t port,
                       const dv_replica_opts_t *opts, dv_replica_report_t *out, char *err,
                       size_t errlen);
void dv_replica_report_clear(dv_replica_report_t *report);
void dv_replica_set_free(dv_replica_set_t *set);
