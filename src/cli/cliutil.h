/* Option parsing shared by the subcommands. */
#pragma once

#include <stdint.h>

/*! Parse "90", "90s", "15m", "12h", "7d", "2w" into seconds.  0 or -1. */
int dv_cli_duration(const char *s, int64_t *out);
/*! Parse --now (YYYYMMDDHHmmSS UTC or @UNIX); NULL means the current time.  0 or -1,
 *  printing the error to stderr. */
int dv_cli_now(const char *s, int64_t *out);
/*! Parse an unsigned integer in [min, max].  0 or -1. */
int dv_cli_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);
/*! Check a --format argument ("text" or "json") for command `cmd`.  0, or -1
 *  after a message on stderr. */
int dv_cli_format(const char *cmd, const char *arg);
