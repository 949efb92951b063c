/*
 * Internal pieces of the query engine that do no I/O, split out so unit
 * tests and the fuzz target can call them directly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "net/net.h"

/*! Largest query we build: header 12 + QNAME 255 + QTYPE/QCLASS 4 + OPT 11. */
#define DV_NET_QUERY_MAX 512
/*! EDNS0 UDP payload size we advertise (DNS flag day 2020, RFC 9715 §3). */
#define DV_NET_EDNS_PAYLOAD 1232

/*! Outcome of matching a received message against the query it may answer. */
enum dv_net_match {
	DV_NET_MATCH_OK = 0,       /*!< answers our query and parses */
	DV_NET_MATCH_MISMATCH = 1, /*!< not an answer to our query (ID, QR, opcode, question) */
	DV_NET_MATCH_BAD = 2,      /*!< header and question match, the rest does not parse */
};

/*!
 * Build the wire form of a query with message ID id into buf (cap bytes).
 * Sets RD/CD/AD per q->flags; adds an OPT RR (RFC 6891) with a 1232-byte
 * payload and the DO bit per DV_Q_DO unless DV_Q_NO_EDNS.
 * Returns 0 and the length in *len, or DV_EINVAL / DV_ELIMIT / DV_ENOMEM.
 */
int dv_net_query_build(const dv_query_t *q, uint16_t id, uint8_t *buf, size_t cap, size_t *len);

/*!
 * Decide whether wire (len bytes) is the answer to query (our own wire,
 * qlen bytes): same ID, QR set, same opcode, exactly one question equal to
 * ours (QNAME compared case-insensitively, RFC 4343; QTYPE; QCLASS), as
 * RFC 5452 §9.1 asks; then the whole message must parse (knot_pkt_parse),
 * unless TC is set (a truncated message may stop mid-record).
 * Neither buffer is modified.  Returns an enum dv_net_match value.
 */
int dv_net_match(const uint8_t *query, size_t qlen, const uint8_t *wire, size_t len);

/*!
 * Find the first complete DNS message in a TCP byte stream (RFC 1035
 * §4.2.2: a two-byte length, then the message).  Returns true and sets
 * *off and *mlen when buf holds a whole message, false when more bytes are
 * needed.  *used is set to the bytes the message occupies with its prefix.
 */
bool dv_net_tcp_frame(const uint8_t *buf, size_t len, size_t *off, size_t *mlen, size_t *used);

/*! True when a and b are the same family, address, port (and IPv6 scope). */
bool dv_net_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/*!
 * Long-running work on the engine's loop that is not a query (a zone
 * transfer): it keeps dv_net_run running until it ends and is aborted by
 * dv_net_free.  abort() must close the job's handles without calling any
 * user callback; their close callbacks free the job.
 */
typedef struct dv_net_job dv_net_job_t;
struct dv_net_job {
	void (*abort)(dv_net_job_t *job);
	dv_net_job_t *prev, *next;
};

/*! The engine's libuv loop, for jobs. */
uv_loop_t *dv_net_loop(dv_net_t *net);
/*! Register a started job: dv_net_run now waits for it. */
void dv_net_job_add(dv_net_t *net, dv_net_job_t *job);
/*! The job ended (its user callback ran): unregister it. */
void dv_net_job_remove(dv_net_t *net, dv_net_job_t *job);
