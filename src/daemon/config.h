/*
 * The configuration of `dnsvigil watch` (issue 12 §1): one YAML file read
 * through libyaml.  The schema is documented in doc/watch.md and shown by
 * doc/watch.example.yaml.  The file is untrusted: every error is reported as
 * "file:line: message", unknown keys are refused, YAML aliases are refused
 * (no expansion bombs) and every list and string has a ceiling (doc/limits.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ceilings (doc/limits.md). */
#define DV_CONF_MAX_BYTES     (8u * 1024 * 1024) /*!< the file */
#define DV_CONF_MAX_ZONES     200000u
#define DV_CONF_MAX_RESOLVERS 1024u
#define DV_CONF_MAX_WITNESSES 16u   /*!< LEDGER_WITNESSES_MAX */
#define DV_CONF_MAX_LABELS    16u   /*!< per zone (after merging the defaults) */
#define DV_CONF_MAX_STRING    4096u /*!< any scalar */
#define DV_CONF_MAX_LABEL_LEN 256u  /*!< a label value */
#define DV_CONF_MAX_DEPTH     8u    /*!< nesting of mappings and sequences */

typedef enum {
	DV_CONF_EXPECT_ANY = 0,
	DV_CONF_EXPECT_SECURE = 1,
	DV_CONF_EXPECT_INSECURE = 2,
} dv_conf_expect_t;

/*! "any", "secure", "insecure". */
const char *dv_conf_expect_name(dv_conf_expect_t e);

typedef struct {
	char *key;   /*!< Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*, no "__" prefix */
	char *value; /*!< any UTF-8 text up to DV_CONF_MAX_LABEL_LEN bytes */
} dv_conf_label_t;

/*! Settings a zone takes from `defaults:` unless it sets them itself. */
typedef struct {
	int64_t interval;        /*!< seconds between cycles */
	int64_t warn, crit;      /*!< RRSIG expiry thresholds, seconds */
	dv_conf_expect_t expect; /*!< the chain status the operator expects */
	bool full;               /*!< whole-zone transfer and verification (issue 13) */
	int64_t signer_refresh;  /*!< remaining validity a healthy signer keeps; 0: learned */
	char *tsig;              /*!< key file signing full: true's transfers (NULL: unsigned) */
	char *tsig_name;         /*!< the key of that file (NULL: the file's only one) */
	/*! Read from `tsig` when the configuration is loaded (zones only, not
	 *  `defaults:`); NULL: unsigned. */
	struct dv_tsig_key *tsig_key;
	dv_conf_label_t *labels;
	size_t nlabels;
} dv_conf_zone_settings_t;

typedef struct {
	char *name;    /*!< presentation form, lowercase, with the final dot */
	unsigned line; /*!< where it was configured */
	dv_conf_zone_settings_t s;
} dv_conf_zone_t;

typedef struct {
	char *address; /*!< as `dnsvigil audit` takes it: 192.0.2.1, [::1]:5353 */
	char *name;    /*!< metric label (default: the address) */
	unsigned line;
} dv_conf_resolver_t;

typedef struct {
	char *url;
	char *key; /*!< the witness's public key (C2SP note verifier key) */
	unsigned line;
} dv_conf_witness_t;

typedef struct {
	char *path; /*!< the file read */

	char *state_directory;
	char *root_hints;
	char *trust_anchor;
	char *listen; /*!< HOST:PORT of /metrics; "" disables it */

	/* probe: */
	unsigned timeout_ms;
	int retries;
	uint16_t port;             /*!< every server's port (lab trees on other ports) */
	unsigned concurrency;      /*!< zone cycles at once */
	unsigned max_inflight;     /*!< queries in flight per cycle */
	unsigned per_server_qps;   /*!< queries per second to one server address, 0: no limit */
	unsigned per_server_burst; /*!< token-bucket depth for per_server_qps */

	dv_conf_zone_settings_t defaults;
	dv_conf_zone_t *zones;
	size_t nzones;

	char *canary; /*!< resolvers: the canary zone asked for */
	int64_t resolver_interval;
	dv_conf_resolver_t *resolvers;
	size_t nresolvers;

	char *ledger_key;    /*!< the ledger's signing key file (NULL: STATE/ledger.key) */
	char *ledger_origin; /*!< its origin when created (NULL: as stored, or dnsvigil/HOST) */
	unsigned witness_timeout_ms; /*!< per witness push (0: the ledger's 5000) */
	int64_t
	    checkpoint_interval; /*!< seconds before an unsigned entry is checkpointed (0: 300) */
	dv_conf_witness_t *witnesses;
	size_t nwitnesses;

	/* retention: */
	int64_t keep_events;         /*!< seconds */
	int64_t keep_snapshots;      /*!< seconds */
	unsigned snapshots_per_zone; /*!< at most this many kept per zone */
	int64_t keep_observations;   /*!< seconds of observation history */
} dv_conf_t;

/*!
 * Read and check `path`.  On success *out is owned by the caller
 * (dv_conf_free).  DV_EIO (unreadable), DV_EPARSE (malformed, unknown key,
 * bad value) or DV_ELIMIT (a ceiling), with "path:line: message" in err.
 */
int dv_conf_load(const char *path, dv_conf_t **out, char *err, size_t errlen);
/*! Same from memory; `label` stands for the file name in messages. */
int dv_conf_load_mem(const char *data, size_t len, const char *label, dv_conf_t **out, char *err,
                     size_t errlen);
void dv_conf_free(dv_conf_t *conf);

/*! The zone named `name` (presentation form, as stored), or NULL. */
const dv_conf_zone_t *dv_conf_zone_find(const dv_conf_t *conf, const char *name);

/*! Parse "90", "90s", "15m", "12h", "7d", "2w" into seconds.  0 or DV_EPARSE. */
int dv_conf_duration(const char *s, int64_t *out);
