/*
 * The asynchronous query engine (libuv + libknot packets).
 *
 * UDP with EDNS0 (DO bit, 1232-byte buffer, RFC 9715 / DNS flag day 2020),
 * TCP fallback on TC=1 and on demand, per-query timeout and bounded
 * retries, a concurrency limit per server and overall, IPv4 and IPv6.
 * Responses are matched on ID, question and source address; anything else
 * is dropped and counted.  No blocking call runs on the loop.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct dv_net dv_net_t;

/*!
 * A limit on the queries started per second towards each server address
 * (IP and port), shared by any number of engines on any threads: a token
 * bucket of `burst` queries per address refilled at `qps` per second.  A
 * query takes a token when it starts; its later attempts (retries, TCP
 * fallback) take none.  At most DV_NET_RATELIMIT_ADDRS addresses are
 * remembered (past that the table starts afresh).
 */
typedef struct dv_net_ratelimit dv_net_ratelimit_t;
#define DV_NET_RATELIMIT_ADDRS 65536u

/*! qps > 0; burst 0 means 1.  Free with dv_net_ratelimit_free. */
int dv_net_ratelimit_new(unsigned qps, unsigned burst, dv_net_ratelimit_t **out);
void dv_net_ratelimit_free(dv_net_ratelimit_t *rl);
/*! New rates from now on (a reload); qps > 0. */
void dv_net_ratelimit_set(dv_net_ratelimit_t *rl, unsigned qps, unsigned burst);
/*! Take a token for addr at monotonic time now_ns: 0 when taken, else the
 *  nanoseconds until one is due (nothing taken). */
uint64_t dv_net_ratelimit_take(dv_net_ratelimit_t *rl, const struct sockaddr_storage *addr,
                               uint64_t now_ns);

typedef struct {
	unsigned max_inflight;   /*!< queries in flight overall (default 256) */
	unsigned per_server_max; /*!< queries in flight per server address (default 8) */
	unsigned timeout_ms;     /*!< default per-attempt timeout (default 1500) */
	unsigned retries;        /*!< default extra UDP attempts after the first (default 2) */
	unsigned deadline_ms;    /*!< from the first dv_net_run: every query not yet finished
	                              then, and every one submitted after, ends DV_EABANDONED
	                              (0: no deadline) */
	dv_net_ratelimit_t *ratelimit; /*!< per-server rate limit (borrowed), or NULL */
	/*! Queries one connected UDP socket may carry to a server (0 or 1: a
	 *  new socket, so a new random source port, for every attempt).  A
	 *  shared socket still has a kernel-chosen port, every query a random
	 *  ID unique on it, and answers are matched on ID, question and source;
	 *  it saves the socket set-up of each query (the watch daemon). */
	unsigned udp_reuse;
	/*! Queries one TCP connection may carry to a server, pipelined (RFC
	 *  7766 §6.2.1.1) and matched on ID and question (0 or 1: a connection
	 *  per attempt).  Where a shared connection closes with queries in
	 *  flight, each is asked again on a connection of its own, so a server
	 *  that takes one query per connection is judged as without sharing;
	 *  it saves the connection set-up of each query (the watch daemon). */
	unsigned tcp_reuse;
} dv_net_opts_t;

#define DV_NET_UDP_REUSE_MAX 256u
#define DV_NET_TCP_REUSE_MAX 1024u

enum dv_query_flags {
	DV_Q_DO = 1 << 0,              /*!< set the DNSSEC OK bit (RFC 3225) */
	DV_Q_CD = 1 << 1,              /*!< set Checking Disabled */
	DV_Q_RD = 1 << 2,              /*!< set Recursion Desired */
	DV_Q_TCP = 1 << 3,             /*!< TCP only, never UDP */
	DV_Q_NO_EDNS = 1 << 4,         /*!< send no OPT record */
	DV_Q_NO_TCP_FALLBACK = 1 << 5, /*!< keep a TC=1 UDP answer instead of retrying over TCP */
	DV_Q_AD = 1 << 6,              /*!< set the AD bit in the query (RFC 6840 §5.7) */
};

typedef struct {
	struct sockaddr_storage addr; /*!< server address and port */
	uint8_t qname[255];           /*!< wire form */
	uint16_t qtype;
	uint16_t qclass;     /*!< 0 means IN */
	unsigned flags;      /*!< enum dv_query_flags */
	unsigned timeout_ms; /*!< 0: engine default */
	int retries;         /*!< -1: engine default */
} dv_query_t;

/*
 * How a query ends (resp.status):
 *  - DV_OK: a message matching the query (ID, question, source) that parses;
 *    any RCODE, including SERVFAIL and NXDOMAIN, is an answer.
 *  - DV_ETIMEOUT: every attempt timed out (UDP: 1 + retries attempts, then one
 *    TCP attempt; DV_Q_TCP: one TCP attempt).  Worst case about
 *    timeout_ms * (retries + 2).
 *  - DV_ENET: the last attempt failed at once: connection refused or reset,
 *    send error.  Where nothing listens, the connected UDP socket gets ICMP
 *    port unreachable (ECONNREFUSED): the remaining UDP retries are skipped,
 *    TCP is tried once and refused, and the query ends with DV_ENET within
 *    milliseconds, with udp_failed set.
 *  - DV_EPARSE: nothing valid arrived but at least one message matched the
 *    query and failed to parse.
 *  - DV_EABANDONED: the engine's deadline passed first (dv_net_opts_t), or
 *    dv_net_abandon was called: not sent, or not waited for any longer.
 */
typedef struct {
	int status; /*!< DV_OK, DV_ETIMEOUT (no answer), DV_ENET (send/connect error), DV_EPARSE
	               (answers did not parse) */
	const uint8_t *wire; /*!< the DNS message (valid only during the callback; copy it) */
	size_t len;
	bool tcp;           /*!< the answer came over TCP */
	bool udp_truncated; /*!< a UDP answer had TC=1 (and TCP was used unless NO_TCP_FALLBACK) */
	bool udp_failed; /*!< UDP attempts all timed out (or were refused) before TCP (DV_Q_TCP not
	                    set) */
	unsigned rtt_ms; /*!< of the attempt that answered */
	unsigned attempts; /*!< sends made, UDP and TCP */
	unsigned rtt_us;   /*!< rtt_ms in microseconds (loopback answers take well under 1 ms) */
} dv_response_t;

/*! Called on the loop thread exactly once per submitted query.  May submit more queries. */
typedef void (*dv_query_cb)(void *ctx, const dv_query_t *query, const dv_response_t *resp);

/*! Counters since dv_net_new: sent = attempts (UDP and TCP), answered = queries
 *  ending DV_OK, timeouts = attempts that timed out, tcp_fallbacks = TCP
 *  attempts after UDP (TC=1 or UDP failure). */
typedef struct {
	uint64_t sent, answered, timeouts, tcp_fallbacks;
	uint64_t dropped_mismatch; /*!< datagrams that matched no outstanding query */
	/* Added after the first API draft; appended so existing code is unaffected. */
	uint64_t bad_answers;              /*!< messages that matched a query but failed to parse */
	uint64_t max_inflight_seen;        /*!< highest number of queries in flight at once */
	uint64_t max_server_inflight_seen; /*!< highest in flight to any one server at once */
	uint64_t tcp_connects;             /*!< TCP connections opened */
	uint64_t udp_sockets;              /*!< UDP sockets opened */
} dv_net_stats_t;

/*! New engine with its own libuv loop.  opts may be NULL (defaults); in opts, 0 means
 *  the default for max_inflight, per_server_max and timeout_ms (retries 0 is 0).
 *  timeout_ms is capped at 60000 and retries at 16.  Free with dv_net_free. */
int dv_net_new(const dv_net_opts_t *opts, dv_net_t **out);
/*! Queue a query; the callback runs from dv_net_run.  The query is copied.
 *  Queries wait in a FIFO per server address until both limits allow.
 *  Returns DV_EINVAL for a bad address family, QNAME or NULL callback. */
int dv_net_submit(dv_net_t *net, const dv_query_t *query, dv_query_cb cb, void *ctx);
/*! Run the loop until every submitted query (including ones submitted from callbacks) completed.
 *  Not reentrant: calling it from a callback returns DV_EINVAL. */
int dv_net_run(dv_net_t *net);
void dv_net_stats(const dv_net_t *net, dv_net_stats_t *out);
/*! Give up now, as when the deadline passes: every query not yet finished
 *  ends DV_EABANDONED (its callback runs from the loop, soon), and so does
 *  every query submitted afterwards, unsent.  May be called from a callback. */
void dv_net_abandon(dv_net_t *net);
/*! Whether the deadline passed or dv_net_abandon was called. */
bool dv_net_abandoned(const dv_net_t *net);
/*! Close every handle and free the engine; queries not yet run are dropped without a
 *  callback.  Never call it from a callback. */
void dv_net_free(dv_net_t *net);

/*! Parse "127.0.0.1", "::1", "127.0.0.1@5353", "[::1]:5353" into addr (default port 53). */
int dv_net_addr_parse(const char *text, uint16_t default_port, struct sockaddr_storage *addr);
/*! A listening address: "127.0.0.1:9853" or "[::1]:9853", numeric, the port
 *  required (0: any free port).  DV_EINVAL otherwise. */
int dv_net_listen_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len);
/*! Print an address as "127.0.0.1" or "127.0.0.1@5353" (port shown when not 53). */
void dv_net_addr_format(const struct sockaddr_storage *addr, char *buf, size_t len);
