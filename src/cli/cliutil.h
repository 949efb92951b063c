/* Option parsing shared by the subcommands. */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*! Parse "90", "90s", "15m", "12h", "7d", "2w" into seconds.  0 or -1. */
int dv_cli_duration(const char *s, int64_t *out);
/*! Parse --now (YYYYMMDDHHmmSS UTC or @UNIX); NULL means the current time.  0 or -1,
 *  printing the error to stderr. */
int dv_cli_now(const char *s, int64_t *out);
/*! Parse an unsigned integer in [min, max].  0 or -1. */
int dv_cli_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);
/*! Parse a duration of the budget options into milliseconds: "250ms", or
 *  what dv_cli_duration takes ("30", "30s", "2m").  In [min, max] ms; 0 or -1. */
int dv_cli_millis(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/*! Parse a byte count: "4096", "64k", "4M" (binary units).  In [min, max];
 *  0 or -1. */
int dv_cli_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/*! Check a --format argument ("text" or "json") for command `cmd`.  0, or -1
 *  after a message on stderr. */
int dv_cli_format(const char *cmd, const char *arg);

/*
 * Options several commands share, parsed in one place.  A command lists in
 * its map which of them it takes, under which getopt value and long name,
 * and the unit a bare number has (today verify's --warn-expiry counts
 * seconds and check's --warn/--crit days; one dialect is issue 9 §5: that
 * is a change of these maps).
 */
typedef enum {
	DV_CLI_NOW = 1, /*!< --now TIME (kept as text: its default differs) */
	DV_CLI_FORMAT,  /*!< --format text|json */
	DV_CLI_WARN,    /*!< a warning threshold (a duration) */
	DV_CLI_CRIT,    /*!< a critical threshold */
	DV_CLI_NAGIOS,  /*!< --nagios */
	DV_CLI_SAVE,    /*!< --save FILE */
	DV_CLI_FROM,    /*!< --from FILE */
	DV_CLI_TIMEOUT, /*!< --timeout MS (10..60000), per query attempt */
	DV_CLI_RETRIES, /*!< --retries N (0..10), extra UDP attempts */
	DV_CLI_PORT,    /*!< --port N (1..65535) */
} dv_cli_common_kind_t;

typedef struct {
	int val; /*!< what getopt_long returns for it */
	dv_cli_common_kind_t kind;
	const char *name; /*!< long name, for messages */
	int64_t unit;     /*!< thresholds: seconds a bare number means */
} dv_cli_common_map_t;

typedef struct {
	const char *now;    /*!< NULL: not given */
	const char *format; /*!< "text" unless given */
	bool nagios;
	int64_t warn, crit; /*!< seconds (the command sets the defaults) */
	const char *save, *from;
	unsigned timeout_ms; /*!< the command sets the defaults of these three */
	int retries;
	uint16_t port;
} dv_cli_common_t;

/*! getopt_long's table: the command's own options (ended by a NULL name),
 *  then those of its common map.  `out` holds `cap` entries (the last one
 *  ends the table); the table is cut short when they do not fit. */
void dv_cli_longopts(const struct option *own, const dv_cli_common_map_t *map, struct option *out,
                     size_t cap);

/*!
 * If `val` is in the map (ended by val 0), parse its argument into *c:
 * 1 handled, 0 not a common option, -1 a bad value (message printed, with
 * "dnsvigil CMD:").
 */
int dv_cli_common(dv_cli_common_t *c, const char *cmd, const dv_cli_common_map_t *map, int val,
                  const char *arg);
