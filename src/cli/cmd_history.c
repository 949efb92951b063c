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
    "  -c, --config FILE      the daemon's configuration (its state_directory)\n"
    "  -d, --state-dir DIR    the state directory (default /var/lib/dnsvigil)\n"
    "  -f, --format text|json\n"
    "  -s, --since TIME       events from TIME on (YYYYMMDDHHmmSS UTC or @UNIX)\n"
    "      --snapshot ID      write stored snapshot ID (JSON, for 'check --from')\n"
    "exit status: 0 printed, 2 nothing known of ZONE or no such snapshot, 3 no store\n";

int dv_cmd_history(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"state-dir", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'f'},
	    {"since", required_argument, NULL, 's'},
	    {"snapshot", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_show_opts_t o = {0};
	int64_t since = 0;
	unsigned long snap = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:f:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 'd':
			o.state_dir = optarg;
			break;
		case 'f':
			if (dv_cli_format("history", optarg) != 0)
				return DV_EXIT_UNKNOWN;
			o.json = strcmp(optarg, "json") == 0;
			break;
		case 's':
			if (dv_cli_now(optarg, &since) != 0)
				return DV_EXIT_UNKNOWN;
			break;
		case 'S':
			if (dv_cli_uint(optarg, 1, 1ul << 62, &snap) != 0) {
				fprintf(stderr, "dnsvigil history: bad --snapshot '%s'\n", optarg);
				return DV_EXIT_UNKNOWN;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return DV_EXIT_UNKNOWN;
		}
	}
	if (snap == 0 && optind + 1 != argc) {
		fputs(usage_text, stderr);
		return DV_EXIT_UNKNOWN;
	}
	char zone[256] = "";
	if (optind < argc) {
		size_t n = strlen(argv[optind]);
		if (n == 0 || n > 253) {
			fprintf(stderr, "dnsvigil history: bad zone name\n");
			return DV_EXIT_UNKNOWN;
		}
		for (size_t i = 0; i < n; i++)
			zone[i] = (char)tolower((unsigned char)argv[optind][i]);
		if (zone[n - 1] != '.')
			zone[n++] = '.';
		zone[n] = '\0';
	}
	return dv_show_history(&o, zone, since, (int64_t)snap, stdout);
}
