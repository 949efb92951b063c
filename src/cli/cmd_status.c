/* dnsvigil status: what the daemon knows now, from its store. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "daemon/daemon.h"

static const char usage_text[] =
    "usage: dnsvigil status [--config FILE | --state-dir DIR] [--format text|json]\n"
    "  -C, --config FILE      the daemon's configuration (its state_directory; only its zones)\n"
    "  -d, --state-dir DIR    the state directory (default /var/lib/dnsvigil)\n"
    "  -f, --format text|json output format (default text)\n"
    "exit status: 0 every zone as expected and clean, 1 warnings or a probe failing,\n"
    "2 errors, a bogus zone, a zone not as expected or a resolver not validating,\n"
    "3 could not judge (bad usage, no store could be read)\n";

int dv_cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'C'},
	    {"state-dir", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_cli_t cli = {.cmd = "status", .usage = usage_text};
	dv_cli_begin(&cli, argc, argv);
	dv_show_opts_t o = {0};
	int c;
	optind = 1;
	while ((c = dv_cli_getopt(&cli, argc, argv, "C:d:f:h", longopts)) != -1) {
		switch (c) {
		case DV_CLI_BAD:
			return DV_EXIT_UNKNOWN;
		case 'C':
			o.config = optarg;
			break;
		case 'd':
			o.state_dir = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
				return dv_cli_usage(&cli, "--format '%s': text or json", optarg);
			o.json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		}
	}
	if (optind != argc)
		return dv_cli_usage(&cli, "unexpected argument '%s'", argv[optind]);
	return dv_show_status(&o, stdout);
}
