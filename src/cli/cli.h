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

int dv_cmd_verify(int argc, char **argv);
int dv_cmd_findings(int argc, char **argv);
int dv_cmd_check(int argc, char **argv);
int dv_cmd_canary(int argc, char **argv);
int dv_cmd_audit(int argc, char **argv);
int dv_cmd_rollover(int argc, char **argv);
int dv_cmd_watch(int argc, char **argv);
int dv_cmd_status(int argc, char **argv);
int dv_cmd_history(int argc, char **argv);
int dv_cmd_log(int argc, char **argv);
int dv_cmd_witness(int argc, char **argv);
