/*
 * Subcommands of the dnsvigil binary.  Each returns the process exit status,
 * the same in every subcommand (doc/dnsvigil.1 "EXIT STATUS"): 0 clean,
 * 1 warnings only, 2 errors found, 3 could not judge (bad usage, unreadable
 * or malformed input, a probe that could not start); --nagios the
 * Monitoring Plugins OK, WARNING, CRITICAL, UNKNOWN with the same numbers.
 */
#pragma once

#define DV_EXIT_OK      0
#define DV_EXIT_WARNING 1
#define DV_EXIT_ERROR   2
#define DV_EXIT_UNKNOWN 3 /*!< could not judge; Monitoring Plugins UNKNOWN */

/* int dv_cmd_verify(int argc, char **argv), ...: one per line of commands.def */
#define X(name, help) int dv_cmd_##name(int argc, char **argv);
#include "cli/commands.def"
#undef X
