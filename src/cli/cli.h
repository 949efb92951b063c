/*
 * Subcommands of the dnsvigil binary.  Each returns the process exit status.
 * Common exit statuses (doc/dnsvigil.1): 0 clean, 1 warnings only,
 * 2 errors found or bad input; --nagios modes use 0/1/2/3.
 */
#pragma once

#define DV_EXIT_OK      0
#define DV_EXIT_WARNING 1
#define DV_EXIT_ERROR   2
#define DV_EXIT_UNKNOWN 3 /*!< Monitoring Plugins UNKNOWN (--nagios only) */

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
