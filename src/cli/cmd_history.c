/* dnsvigil history ZONE: how a zone changed over time, from the daemon's store. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "daemon/daemon.h"

static const char usage_text[] =
    "usage: dnsvigil history [options] ZONE\n"
    "       dnsvigil history [options] --snapshot ID\n"
    "  -C, --config FILE      the daemon's configuration (its state_directory)\n"
    "  -d, --state-dir DIR    the state directory (default /var/lib/dnsvigil)\n"
    "  -f, --format text|json output format (default text)\n"
    "      --since TIME       events from TIME on: YYYYMMDDHHmmSS (UTC),\n"
    "                         YYYY-MM-DDTHH:MM:SSZ or [@]UNIXSECONDS\n"
    "      --snapshot ID      write stored snapshot ID (JSON, for 'check --from')\n"
    "exit status: 0 printed, 3 could not (bad usage, no store, nothing known of ZONE,\n"
    "no such snapshot)\n";

enum { OPT_SINCE = 256, OPT_SNAPSHOT };

static const dv_cli_common_map_t common[] = {DV_CLI_STORE_OPTIONS, {0, 0, NULL}};

int dv_cmd_history(int argc, char **argv)
{
	static const struct option own[] = {
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"snapshot", required_argument, NULL, OPT_SNAPSHOT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_cli_t cli = {.cmd = "history", .usage = usage_text};
	dv_cli_begin(&cli, argc, argv);
	struct option longopts[8];
	dv_cli_longopts(own, common, longopts, sizeof(longopts) / sizeof(longopts[0]));
	dv_cli_common_t co = {.format = "text"};
	int64_t since = 0;
	unsigned long snap = 0;
	int c;
	optind = 1;
	while ((c = dv_cli_next(&cli, &co, common, argc, argv, "C:d:f:h", longopts)) != -1) {
		if (c == DV_CLI_BAD)
			return DV_EXIT_UNKNOWN;
		if (c == OPT_SINCE && dv_cli_time(&cli, "--since", optarg, &since) != 0)
			return DV_EXIT_UNKNOWN;
		if (c == OPT_SNAPSHOT &&
		    dv_cli_number(&cli, "--snapshot", optarg, 1, 1ul << 62, &snap) != 0)
			return DV_EXIT_UNKNOWN;
		if (c == 'h') {
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		}
	}
	dv_show_opts_t o = {
	    .config = co.config, .state_dir = co.state_dir, .json = strcmp(co.format, "json") == 0};
	if (snap != 0 && optind < argc)
		return dv_cli_usage(&cli, "--snapshot takes no ZONE ('%s')", argv[optind]);
	if (snap == 0 && optind >= argc)
		return dv_cli_usage(&cli, "no ZONE given (or --snapshot ID)");
	if (snap == 0 && optind + 1 < argc)
		return dv_cli_usage(&cli, "one ZONE at a time: '%s' is one too many",
		                    argv[optind + 1]);
	char zone[256] = "";
	if (optind < argc) {
		size_t n = strlen(argv[optind]);
		if (n == 0 || n > 253)
			return dv_cli_usage(&cli, "'%s' is not a zone name", argv[optind]);
		for (size_t i = 0; i < n; i++)
			zone[i] = (char)tolower((unsigned char)argv[optind][i]);
		if (zone[n - 1] != '.')
			zone[n++] = '.';
		zone[n] = '\0';
	}
	return dv_show_history(&o, zone, since, (int64_t)snap, stdout);
}
