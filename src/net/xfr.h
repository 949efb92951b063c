/*
 * Zone transfers through the query engine: AXFR (RFC 5936) and IXFR
 * (RFC 1995) over TCP, optionally signed with TSIG (RFC 8945).
 *
 * A transfer is one TCP connection on the engine's loop (dv_net_run runs it
 * beside ordinary queries).  Every message of the answer is checked as it
 * arrives (ID, question, RCODE, TSIG, ceilings) and its records are handed
 * to the caller message by message, so a large zone is never held twice:
 * a zone builder can take each record (owner, type, class, TTL, RDATA in
 * wire form) as it comes.  An incremental IXFR answer is parsed into a
 * difference model (dv_ixfr_t) instead.
 *
 * This is the second public header of src/net (beside net.h): the query API
 * stays as it was, the transfer API is its own concern.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/net.h"

/* ------------------------------------------------------------------ TSIG keys */

/*! A TSIG key (RFC 8945): name, algorithm, secret.  Opaque; see dv_tsig_key_load. */
typedef struct dv_tsig_key dv_tsig_key_t;

/*! Largest key file read (a key file holds one or a few keys). */
#define DV_TSIG_FILE_MAX (64 * 1024)

/*!
 * Read a TSIG key from a file in BIND's format
 *     key "name" { algorithm hmac-sha256; secret "base64"; };
 * (as written by tsig-keygen; comments with #, // and slash-star allowed) or
 * in Knot's YAML format
 *     key:
 *       - id: name
 *         algorithm: hmac-sha256
 *         secret: base64
 * (as written by keymgr -t).  name selects a key when the file holds
 * several (NULL: the file must hold exactly one).  Only hmac-sha256,
 * hmac-sha384 and hmac-sha512 are accepted (RFC 8945 §6): others return
 * DV_ENOTSUP with the reason in err.  Malformed files return DV_EPARSE with
 * "line N: what" in err.  Free the key with dv_tsig_key_free.
 */
int dv_tsig_key_load(const char *path, const char *name, dv_tsig_key_t **out, char *err,
                     size_t errlen);
/*! The same, from text in memory (len bytes, not NUL-terminated). */
int dv_tsig_key_parse(const char *text, size_t len, const char *name, dv_tsig_key_t **out,
                      char *err, size_t errlen);
/*! The key's name in presentation form ("xfr.example."). */
const char *dv_tsig_key_name(const dv_tsig_key_t *key);
/*! The key's algorithm name ("hmac-sha256"). */
const char *dv_tsig_key_algorithm(const dv_tsig_key_t *key);
/*! A copy of key, the caller's (dv_tsig_key_free): DV_OK or DV_ENOMEM. */
int dv_tsig_key_dup(const dv_tsig_key_t *key, dv_tsig_key_t **out);
void dv_tsig_key_free(dv_tsig_key_t *key);

/* ------------------------------------------------------------------ records */

/*! One resource record of a transfer, borrowed: valid during the callback
 *  only.  Names are uncompressed wire form, case as sent. */
typedef struct {
	const uint8_t *owner;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata; /*!< embedded names decompressed */
} dv_xfr_rr_t;

/* ------------------------------------------------------------------ IXFR model */

/*! One version step of an IXFR difference sequence (RFC 1995 §4). */
typedef struct {
	uint32_t old_serial, new_serial;
	dv_xfr_rr_t old_soa, new_soa; /*!< the SOAs that open the removals and the additions */
	dv_xfr_rr_t *removed;         /*!< RRs deleted by this step (the SOAs not included) */
	size_t removed_count;
	dv_xfr_rr_t *added; /*!< RRs added by this step (the SOAs not included) */
	size_t added_count;
} dv_ixfr_step_t;

/*! An IXFR difference sequence; owns its records. */
typedef struct dv_ixfr dv_ixfr_t;

/*! Ceilings of a difference sequence (0: the default in brackets). */
typedef struct {
	size_t max_steps;   /*!< version steps [65536] */
	size_t max_records; /*!< removed + added records [64 Mi] */
	size_t max_bytes;   /*!< bytes of record data held [2 GiB] */
} dv_ixfr_limits_t;

/*!
 * Start a difference sequence from version client_serial (the serial the
 * IXFR query carried) towards the server's current SOA (RFC 1995 §4: the
 * first record of the answer), whose RDATA is soa_rdata.  Ceilings may be
 * NULL.  Free with dv_ixfr_free.
 */
int dv_ixfr_new(uint32_t client_serial, const dv_xfr_rr_t *server_soa,
                const dv_ixfr_limits_t *limits, dv_ixfr_t **out);
/*!
 * Feed the next record of the answer (every record after the first SOA, in
 * order, the closing SOA included).  Returns DV_OK while more is expected,
 * 1 when the record was the closing SOA (the sequence is complete and
 * valid), or an error (DV_EPARSE: the sequence is malformed, DV_ELIMIT: a
 * ceiling, DV_ENOMEM) with the reason in dv_ixfr_error().  After an error
 * or completion, further records are refused with DV_EINVAL.
 */
int dv_ixfr_push(dv_ixfr_t *ix, const dv_xfr_rr_t *rr);
/*! Whether the closing SOA was seen (the sequence is complete). */
bool dv_ixfr_complete(const dv_ixfr_t *ix);
/*! The reason of the last error ("" if none). */
const char *dv_ixfr_error(const dv_ixfr_t *ix);
uint32_t dv_ixfr_from_serial(const dv_ixfr_t *ix);
uint32_t dv_ixfr_to_serial(const dv_ixfr_t *ix);
size_t dv_ixfr_step_count(const dv_ixfr_t *ix);
/*! Step i (0 = the oldest), or NULL past the end. */
const dv_ixfr_step_t *dv_ixfr_step(const dv_ixfr_t *ix, size_t i);
void dv_ixfr_free(dv_ixfr_t *ix);

/* ------------------------------------------------------------------ transfers */

enum dv_xfr_type {
	DV_XFR_AXFR = 252, /*!< RFC 5936 */
	DV_XFR_IXFR = 251, /*!< RFC 1995 */
};

/*! What the answer turned out to be. */
enum dv_xfr_kind {
	DV_XFR_KIND_NONE = 0, /*!< nothing usable arrived */
	DV_XFR_KIND_FULL = 1, /*!< the whole zone (AXFR, or IXFR answered AXFR-style) */
	DV_XFR_KIND_DIFF = 2, /*!< an IXFR difference sequence (result.ixfr) */
	DV_XFR_KIND_SOA = 3,  /*!< IXFR answered with the server's SOA alone (RFC 1995 §4):
	                           up to date when result.up_to_date */
};

/*! Why a transfer failed (result.failure); status holds the matching dv_error. */
enum dv_xfr_failure {
	DV_XFR_OK = 0,
	DV_XFR_REFUSED,       /*!< the server answered an error RCODE (REFUSED, NOTAUTH, ...) */
	DV_XFR_TSIG_REJECTED, /*!< the server rejected our TSIG (NOTAUTH + BADKEY/BADSIG/BADTIME) */
	DV_XFR_TSIG_INVALID,  /*!< the answer failed TSIG verification or was not signed */
	DV_XFR_MALFORMED,     /*!< a message or the record sequence broke the protocol */
	DV_XFR_TRUNCATED,     /*!< the connection closed before the transfer was complete */
	DV_XFR_NETWORK,       /*!< connect failed, connection reset, send error */
	DV_XFR_TIMEOUT,       /*!< idle timeout or the whole-transfer time ceiling */
	DV_XFR_LIMIT,         /*!< a byte, message or record ceiling was reached */
	DV_XFR_ABORTED,       /*!< the record callback asked to stop */
	DV_XFR_INTERNAL,      /*!< no memory, bad request */
};

/*! Ceilings of one transfer (0: the default in brackets).  See doc/xfr.md. */
typedef struct {
	uint64_t max_bytes;    /*!< bytes received [4 GiB] */
	uint64_t max_messages; /*!< messages received [4 Mi] */
	uint64_t max_records;  /*!< answer records received [64 Mi] */
	unsigned max_ms;       /*!< whole transfer, connect to last message [600000] */
	unsigned idle_ms;      /*!< connect, and silence between reads [10000] */
} dv_xfr_limits_t;

typedef struct {
	struct sockaddr_storage addr; /*!< server address and port */
	uint8_t zone[255];            /*!< zone apex, wire form */
	enum dv_xfr_type type;
	uint32_t serial;           /*!< IXFR: the client's serial (RFC 1995 §3) */
	const dv_tsig_key_t *tsig; /*!< NULL: unsigned; else must outlive the transfer */
	dv_xfr_limits_t limits;
	dv_ixfr_limits_t ixfr_limits;
} dv_xfr_req_t;

/*! One message's zone records, in the order received.  For a full zone the
 *  closing SOA is left out, so every record of the zone is delivered exactly
 *  once, the apex SOA first.  Borrowed: valid during the callback only. */
typedef struct {
	uint64_t index; /*!< message number, 1 = first */
	const dv_xfr_rr_t *rrs;
	size_t count;
} dv_xfr_msg_t;

/*! Called for each message of a full-zone answer that carries zone records.
 *  Return 0 to go on, anything else to stop the transfer (DV_XFR_ABORTED). */
typedef int (*dv_xfr_msg_cb)(void *ctx, const dv_xfr_msg_t *msg);

typedef struct {
	int status; /*!< DV_OK or a dv_error (DV_ENET, DV_ETIMEOUT, DV_EPARSE, ...) */
	enum dv_xfr_failure failure; /*!< DV_XFR_OK or why it failed */
	enum dv_xfr_kind kind;       /*!< full, diff, SOA only (meaningful on success) */
	uint8_t rcode;               /*!< RCODE of the last message (DV_XFR_REFUSED: the refusal) */
	uint16_t tsig_error;         /*!< TSIG error field the server sent (RFC 8945 §5.3.2) */
	uint32_t serial;             /*!< the server's SOA serial */
	bool up_to_date;             /*!< IXFR: the server's serial is not newer than ours */
	bool tsig_verified;          /*!< the answer was TSIG-signed and every check passed */
	uint64_t messages, records, bytes;
	uint64_t tsig_signed; /*!< messages that carried a TSIG */
	unsigned elapsed_ms;
	dv_ixfr_t *ixfr;  /*!< DV_XFR_KIND_DIFF: the sequence; the caller frees it */
	char detail[320]; /*!< the failure in words, naming message and record */
} dv_xfr_result_t;

/*! Called once when the transfer ends (result is borrowed; take result->ixfr
 *  by setting it to NULL). */
typedef void (*dv_xfr_done_cb)(void *ctx, const dv_xfr_req_t *req, dv_xfr_result_t *result);

/*!
 * Start a transfer on the engine's loop; it runs from dv_net_run.  on_msg
 * may be NULL (records are checked and counted only).  The request is
 * copied (the TSIG key is not: it must outlive the transfer).  Returns
 * DV_EINVAL for a bad address, zone or type, DV_ENOMEM.
 */
int dv_xfr_submit(dv_net_t *net, const dv_xfr_req_t *req, dv_xfr_msg_cb on_msg,
                  dv_xfr_done_cb on_done, void *ctx);

/*! Name of a failure ("refused", "tsig-rejected", ...), for messages and JSON. */
const char *dv_xfr_failure_name(enum dv_xfr_failure f);
/*! Name of a kind ("full", "diff", "soa"). */
const char *dv_xfr_kind_name(enum dv_xfr_kind k);
