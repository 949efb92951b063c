/* Internal to src/rollover: the series' data, shared by the model's files. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "dnssec/dnssec.h"
#include "rollover/rollover.h"

#define ROLL_NONE UINT32_MAX

/* A time span [start, end); end DV_ROLL_OPEN when open. */
typedef struct {
	int64_t start, end;
} roll_span_t;

/* The RDATA a key or DS record was first seen with: the head of an entry of
 * either universe, by which it is found again. */
typedef struct {
	const uint8_t *rd;
	uint16_t len;
} roll_rdata_t;

/* A DNSKEY seen in any DNSKEY RRset version: the key universe. */
typedef struct {
	roll_rdata_t rdata;
	uint16_t tag, flags;
	uint8_t alg;
	dv_key_t *key; /* parsed on first use */
	int8_t parsed; /* 0 not tried, 1 parsed, -1 unusable */
} roll_key_t;

/* A DS record seen in any DS RRset version. */
typedef struct {
	roll_rdata_t rdata;
	uint16_t tag;
	uint8_t alg, digest;
	bool usable; /* RFC 4035 §5.2: supported algorithm and digest type */
} roll_dsrec_t;

/* An RRSIG of a version, resolved against the key universe. */
typedef struct {
	int32_t key; /* key universe index whose signature it is (verified), -1 none */
	uint16_t tag;
	uint8_t alg;
	int64_t inception, expiration; /* absolute (RFC 4034 §3.1.5 serial arithmetic) */
} roll_sig_t;

/* One version of one RRset: its RDATA and RRSIGs as served. */
typedef struct {
	uint32_t rrkey;
	bool absent;
	bool candidate;
	uint32_t ttl; /* largest TTL it was served with */
	uint64_t hash;
	const uint8_t *blob; /* identity: RDATA then RRSIG RDATA, each sorted */
	uint32_t bloblen;
	dv_roll_rrset_t set; /* its RDATA and RRSIGs, pointing into blob */
	int64_t first_seen, last_seen;
	/* after finalize */
	roll_sig_t *sigs;  /* nsig */
	size_t sigs_nkeys; /* keys tried when they were resolved */
	uint32_t *members; /* DNSKEY: key universe indexes; DS: DS record indexes */
	uint16_t nmembers;
	roll_span_t *served; /* merged spans it may have been served in */
	size_t nserved;
	roll_span_t *cached; /* merged spans it may have been cached in */
	size_t ncached;
} roll_version_t;

/* An (owner, type) pair and its versions. */
typedef struct {
	const uint8_t *owner;
	uint16_t type;
	uint32_t *versions;
	size_t nversions, cap;
} roll_rrkey_t;

/* Consecutive observations of one version at one server. */
typedef struct {
	uint32_t version; /* ROLL_NONE: no usable answer */
	uint32_t ttl;     /* largest TTL within the run */
	int64_t first, last;
	bool exact; /* a candidate: served from `first`, not earlier */
} roll_run_t;

typedef struct {
	uint32_t server, rrkey;
	bool sampled;
	roll_run_t *runs;
	size_t nruns, cap;
} roll_stream_t;

typedef struct {
	char addr[DV_SNAP_ADDR_MAX];
	const char *name;
	dv_roll_side_t side;
	int64_t *epochs; /* distinct observation times, ascending */
	size_t nepochs, capepochs;
	uint32_t *stream_of; /* rrkey -> stream index (ROLL_NONE) */
	size_t nstream_of;
} roll_server_t;

/* Open-addressing index of uint32 values by a 64-bit hash. */
typedef struct {
	uint64_t *hash;
	uint32_t *val;
	size_t cap, len;
} roll_index_t;

struct dv_roll_series {
	dv_arena_t arena;
	uint8_t zone[255];
	char zone_str[1025];
	roll_server_t *servers;
	size_t nservers, capservers;
	roll_rrkey_t *rrkeys;
	size_t nrrkeys, caprrkeys;
	roll_index_t rrkey_index;
	roll_version_t *versions;
	size_t nversions, capversions;
	roll_index_t version_index;
	roll_stream_t *streams;
	size_t nstreams, capstreams;
	roll_key_t *keys;
	size_t nkeys, capkeys;
	roll_dsrec_t *dsrecs;
	size_t ndsrecs, capdsrecs;
	bool *ds_match; /* ndsrecs x nkeys: DS record i matches key j */
	size_t observations;
	int64_t first, last;
	bool has_candidate;     /* a candidate was added: no more observations */
	bool child_candidate;   /* ... for the child servers (a signed zone) */
	bool parent_candidate;  /* ... for the parent servers (a DS RRset) */
	int64_t candidate_time; /* of the child candidate */
	int64_t candidate_prop; /* the old versions are gone from every server by time + this */
	int64_t candidate_ds_time, candidate_ds_prop; /* the same for the parent servers */
	bool finalized;
	int64_t finalized_stale; /* the serve-stale allowance the windows were built with */
	size_t sigs_verified;
	dv_buf_t blob;    /* scratch: the identity of the RRset being observed */
	dv_buf_t sigdata; /* scratch: data an RRSIG covers */
};

/* series.c */
uint64_t roll_hash(const void *p, size_t len, uint64_t seed);
int roll_index_add(roll_index_t *ix, uint64_t h, uint32_t val);
/* Iterate the values stored under h: *pos starts at 0; ROLL_NONE at the end. */
uint32_t roll_index_next(const roll_index_t *ix, uint64_t h, size_t *pos);
void roll_index_free(roll_index_t *ix);
int roll_rrkey_get(dv_roll_series_t *s, const uint8_t *owner, uint16_t type, bool add,
                   uint32_t *out);
bool roll_version_is(const dv_roll_series_t *s, uint32_t v, uint16_t type);

/* finalize.c: keys, DS records, signatures, served and cached spans. */
int roll_finalize(dv_roll_series_t *s, int64_t serve_stale);
/* Whether sig i of version v is valid at t (verified and within its validity). */
static inline bool roll_sig_valid(const roll_version_t *v, size_t i, int64_t t)
{
	const roll_sig_t *g = &v->sigs[i];
	return g->key >= 0 && g->inception <= t && t <= g->expiration;
}
bool roll_version_has_key(const roll_version_t *v, uint32_t key);
/* Whether some cached span of v contains t / ends after t. */
bool roll_cached_at(const roll_version_t *v, int64_t t);
/* End of the last cached span (DV_ROLL_OPEN when open; DV_ROLL_START when never cached). */
int64_t roll_cached_end(const roll_version_t *v);
/* Whether the version is served at t. */
bool roll_served_at(const roll_version_t *v, int64_t t);
int64_t roll_served_end(const roll_version_t *v);
/* The version the stream's server served at its last answer at or before
 * now (ROLL_NONE: none, or no usable answer), and since when. */
uint32_t roll_stream_current(const roll_stream_t *st, int64_t now, int64_t *since);

/* model.c */
int roll_evaluate(dv_roll_series_t *s, const dv_roll_check_opts_t *o, dv_roll_result_t *r);
/* Validation of one combination at t (cached versions).  Returns true when it
 * validates; *strict_ok gets the strict algorithm rule's verdict. */
bool roll_r1(const dv_roll_series_t *s, const roll_version_t *ds, const roll_version_t *k,
             int64_t t, bool *strict_ok);
bool roll_r2(const dv_roll_series_t *s, const roll_version_t *k, int64_t t, bool *strict_ok);
bool roll_r3(const dv_roll_series_t *s, const roll_version_t *k, const roll_version_t *r, int64_t t,
             bool *strict_ok);
bool roll_ds_secure(const dv_roll_series_t *s, const roll_version_t *ds);

/* phase.c: current state, next steps, stuck detection, findings. */
int roll_phase(dv_roll_series_t *s, const dv_roll_check_opts_t *o, dv_roll_result_t *r);
/* The one place findings are built (a finding builder API is coming). */
int roll_finding(dv_findings_t *list, dv_code_t code, const dv_roll_series_t *s,
                 const uint8_t *owner, uint16_t type, int32_t keytag, uint8_t alg, int64_t time,
                 int64_t now, const char *fmt, ...) __attribute__((format(printf, 10, 11)));

/* sigcheck.c: the one adapter to the signature primitives of src/dnssec. */
int roll_sig_verify(dv_roll_series_t *s, roll_key_t *key, const roll_version_t *v,
                    const uint8_t *owner, size_t sig_index);
