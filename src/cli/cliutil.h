/*
 * What every subcommand shares: one dialect (doc/dnsvigil.1 "CONVENTIONS").
 *
 *  - Durations: "30s", "90m", "14d", "2w"; a bare number is days in every
 *    threshold (--warn, --crit, --stuck-after), seconds in TTLs and delays,
 *    milliseconds in --timeout.
 *  - Times (--now, --since): YYYYMMDDHHmmSS (UTC), YYYY-MM-DDTHH:MM:SSZ,
 *    @UNIXSECONDS or UNIXSECONDS.
 *  - A short option means one thing in every subcommand (the table is in
 *    doc/dnsvigil.1).
 *  - Exit statuses 0 clean, 1 warnings, 2 errors found, 3 could not judge
 *    (bad usage, unreadable or malformed input, a probe that could not
 *    start); a failure is said on stderr and, when the output asked for is
 *    --nagios or --format json, also there on stdout (one UNKNOWN line, a
 *    JSON error object).
 */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*! One run of a subcommand: its names and the output it was asked for,
 *  known before its options are parsed (dv_cli_begin looks ahead), so that
 *  even a bad option is reported in that form. */
typedef struct {
	const char *cmd;          /*!< "check" */
	const char *sub;          /*!< "verify" of "log verify", or NULL */
	const char *nagios_label; /*!< "DNSVIGIL": the plugin line's first word(s) */
	const char *usage;        /*!< the --help text */
	bool nagios, json;
	const char *input; /*!< the file being read, for the JSON error object */
} dv_cli_t;

/*! Fill cli->nagios and cli->json from argv (--nagios; --format json,
 *  --format=json, -f json, -fjson), before "--". */
void dv_cli_begin(dv_cli_t *cli, int argc, char **argv);

/*!
 * The run could not judge (bad usage, unreadable input, a probe that could
 * not start): "dnsvigil CMD: message" on stderr, and on stdout the plugin's
 * UNKNOWN line (--nagios) or the JSON error object (--format json).
 * Returns 3 (DV_EXIT_UNKNOWN).
 */
__attribute__((format(printf, 2, 3))) int dv_cli_fail(const dv_cli_t *cli, const char *fmt, ...);
/*! The same for a message that names its file already ("FILE:LINE: why"
 *  from a loader): printed as it is. */
int dv_cli_fail_input(const dv_cli_t *cli, const char *msg);
/*! A usage error: dv_cli_fail's message followed, on stderr, by "try
 *  'dnsvigil CMD --help'". */
__attribute__((format(printf, 2, 3))) int dv_cli_usage(const dv_cli_t *cli, const char *fmt, ...);

#define DV_CLI_BAD (-2) /*!< dv_cli_getopt: a bad option, already reported */
/*! getopt_long with messages of our own ("unknown option '--x'", "--warn
 *  needs a value"): the option, -1 at the end, or DV_CLI_BAD. */
int dv_cli_getopt(const dv_cli_t *cli, int argc, char **argv, const char *shorts,
                  const struct option *longs);
/*! The option just returned by dv_cli_getopt, as the user wrote it
 *  ("--warn", "-w"), for messages. */
const char *dv_cli_optname(int argc, char **argv);

/*! A duration (dv_duration_parse): a bare number counts `bare_unit`
 *  seconds.  0, or -1 after a message naming the option. */
int dv_cli_duration(const dv_cli_t *cli, const char *opt, const char *s, int64_t bare_unit,
                    int64_t *out);
/*! A time (--now, --since); s NULL means the current time.  0, or -1 after a
 *  message naming the option. */
int dv_cli_time(const dv_cli_t *cli, const char *opt, const char *s, int64_t *out);
/*! An integer in [min, max].  0, or -1 after a message naming the option. */
int dv_cli_number(const dv_cli_t *cli, const char *opt, const char *s, unsigned long min,
                  unsigned long max, unsigned long *out);
/*! A count of bytes, N or N with k or M (1024-based), in [min, max].  0, or
 *  -1 after a message naming the option. */
int dv_cli_bytes(const dv_cli_t *cli, const char *opt, const char *s, uint64_t min, uint64_t max,
                 uint64_t *out);
/*! A duration in milliseconds: "500ms", or a duration (dv_duration_parse;
 *  a bare number is seconds), in [min_ms, max_ms].  0, or -1 after a
 *  message naming the option. */
int dv_cli_millis(const dv_cli_t *cli, const char *opt, const char *s, uint64_t min_ms,
                  uint64_t max_ms, unsigned *out);
/*! Parse an unsigned integer in [min, max], silently.  0 or -1. */
int dv_cli_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/*
 * Options several commands share, parsed in one place.  A command lists in
 * its map which of them it takes, under which getopt value and long name;
 * the parsing (and the unit of a bare number) is the same for all.
 */
typedef enum {
	DV_CLI_NOW = 1, /*!< --now TIME (kept as text: its default differs) */
	DV_CLI_FORMAT,  /*!< --format text|json */
	DV_CLI_WARN,    /*!< --warn DURATION (bare number: days) */
	DV_CLI_CRIT,    /*!< --crit DURATION (bare number: days) */
	DV_CLI_NAGIOS,  /*!< --nagios */
	DV_CLI_SAVE,    /*!< --save FILE */
	DV_CLI_FROM,    /*!< --from FILE */
	DV_CLI_TIMEOUT, /*!< --timeout DURATION (bare number: ms; 10 ms..60 s), per attempt */
	DV_CLI_RETRIES, /*!< --retries N (0..10), extra UDP attempts */
	DV_CLI_PORT,    /*!< --port N (1..65535) */
	DV_CLI_CONFIG,  /*!< --config FILE: the daemon's configuration */
	DV_CLI_STATE,   /*!< --state-dir DIR: the daemon's state directory */
	/* Budgets against hostile servers (doc/limits.md), check and audit: */
	DV_CLI_DEADLINE,     /*!< --deadline DURATION, the whole probe */
	DV_CLI_SERVER_TIME,  /*!< --server-time DURATION, waiting on one server, summed */
	DV_CLI_SERVER_BYTES, /*!< --server-bytes N[k|M], answer bytes per server */
	/* Transfers and their verification, verify --axfr and check --full: */
	DV_CLI_THREADS,   /*!< --threads N (1..256): dv_cli_threads() */
	DV_CLI_TSIG,      /*!< --tsig FILE: the TSIG key file */
	DV_CLI_TSIG_NAME, /*!< --tsig-name NAME: which key of that file */
} dv_cli_common_kind_t;

typedef struct {
	int val; /*!< what getopt_long returns for it */
	dv_cli_common_kind_t kind;
	const char *name; /*!< long name */
} dv_cli_common_map_t;

/*! The common options of the commands that probe and save (check, audit):
 *  one list, so that they keep the same names and letters. */
#define DV_CLI_PROBE_OPTIONS(opt_nagios, opt_from)                                                 \
	{'n', DV_CLI_NOW, "now"}, {'f', DV_CLI_FORMAT, "format"},                                  \
	    {opt_nagios, DV_CLI_NAGIOS, "nagios"}, {'s', DV_CLI_SAVE, "save"},                     \
	    {opt_from, DV_CLI_FROM, "from"}, {'T', DV_CLI_TIMEOUT, "timeout"},                     \
	    {'R', DV_CLI_RETRIES, "retries"},                                                      \
	{                                                                                          \
		'p', DV_CLI_PORT, "port"                                                           \
	}

/*! The budgets both probing commands take (the same names and syntax):
 *  durations as --timeout's (500ms, 30s, 2m; a bare number is seconds),
 *  bytes with an optional k or M. */
#define DV_CLI_BUDGET_OPTIONS(opt_deadline, opt_server_time, opt_server_bytes)                     \
	{opt_deadline, DV_CLI_DEADLINE, "deadline"},                                               \
	    {opt_server_time, DV_CLI_SERVER_TIME, "server-time"},                                  \
	{                                                                                          \
		opt_server_bytes, DV_CLI_SERVER_BYTES, "server-bytes"                              \
	}

/*! The options of the commands that transfer a zone and verify it whole
 *  (verify --axfr, check --full): -j and the TSIG key the same in each. */
#define DV_CLI_TRANSFER_OPTIONS(opt_tsig, opt_tsig_name)                                           \
	{'j', DV_CLI_THREADS, "threads"}, {opt_tsig, DV_CLI_TSIG, "tsig"},                         \
	{                                                                                          \
		opt_tsig_name, DV_CLI_TSIG_NAME, "tsig-name"                                       \
	}

/*! The options of the commands that read the daemon's store (status,
 *  history): -C, -d and -f mean the same in each. */
#define DV_CLI_STORE_OPTIONS                                                                       \
	{'C', DV_CLI_CONFIG, "config"}, {'d', DV_CLI_STATE, "state-dir"},                          \
	{                                                                                          \
		'f', DV_CLI_FORMAT, "format"                                                       \
	}

typedef struct {
	const char *now;    /*!< NULL: not given */
	const char *format; /*!< "text" unless given */
	bool nagios;
	int64_t warn, crit; /*!< seconds (the command sets the defaults) */
	bool warn_given, crit_given;
	const char *save, *from;
	unsigned timeout_ms; /*!< the command sets the defaults of these three */
	int retries;
	uint16_t port;
	unsigned deadline_ms, server_ms; /*!< 0: the command's default */
	uint64_t server_bytes;           /*!< 0: the command's default */
	const char *config, *state_dir;  /*!< NULL: not given */
	unsigned threads;                /*!< 0: not given (dv_cli_threads) */
	const char *tsig, *tsig_name;    /*!< NULL: not given */
} dv_cli_common_t;

/*! getopt_long's table: the command's own options (ended by a NULL name),
 *  then those of its common map.  `out` holds `cap` entries (the last one
 *  ends the table); the table is cut short when they do not fit. */
void dv_cli_longopts(const struct option *own, const dv_cli_common_map_t *map, struct option *out,
                     size_t cap);

/*!
 * If `val` is in the map (ended by val 0), parse its argument into *c:
 * 1 handled, 0 not a common option, -1 a bad value (reported).
 */
int dv_cli_common(const dv_cli_t *cli, dv_cli_common_t *c, const dv_cli_common_map_t *map, int val,
                  const char *arg);
/*!
 * The next option of the command's own: the common ones of the map are
 * parsed into *co on the way (dv_cli_common).  The option, -1 at the end,
 * or DV_CLI_BAD after a message.
 */
int dv_cli_next(const dv_cli_t *cli, dv_cli_common_t *co, const dv_cli_common_map_t *map, int argc,
                char **argv, const char *shorts, const struct option *longs);
/*!
 * A command with subcommands (rollover, log): argv[1] is one of `subs`
 * (set in cli->sub), then dv_cli_begin.  Returns -1 to go on, or the exit
 * status after --help (0) or a missing or unknown subcommand (3, said).
 */
int dv_cli_subcommand(dv_cli_t *cli, int argc, char **argv, const char *const *subs, size_t n);
/*! --warn and --crit together: a warning comes before the critical
 *  threshold.  0, or -1 after a message naming both (and which was a
 *  default). */
int dv_cli_thresholds(const dv_cli_t *cli, const dv_cli_common_t *c);
/*! An option that keeps its argument as it is (a file, a name, a time read
 *  later): the `const char *` field of the command's options it sets. */
typedef struct {
	int val;    /*!< what getopt_long returns for it */
	size_t off; /*!< offsetof(the command's options, the field) */
} dv_cli_text_t;

/*! If `val` is in `map` (ended by val 0), keep `arg` in its field of
 *  `opts`: true; false when it is not there. */
bool dv_cli_text(void *opts, const dv_cli_text_t *map, int val, const char *arg);

/*! The verification threads: --threads, or one per online core. */
unsigned dv_cli_threads(const dv_cli_common_t *c);
/*! "7d", "36h", "90m", "45s": a duration in its largest whole unit (days at most). */
const char *dv_cli_duration_str(int64_t secs, char *buf, size_t len);
