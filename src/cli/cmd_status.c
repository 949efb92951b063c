/* dnsvigil status: what the daemon knows now, from its store. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "daemon/daemon.h"

static const char usage_text[] =
    "usage: dnsvigil status [--config FILE | --state-dir DIR] [--format text|json]\n"
    "  -c, --config FILE      the daemon's configuration (its state_directory; only its zones)\n"
    "  -d, --state-dir DIR    the state directory (default /var/lib/dnsvigil)\n"
    "  -f, --format text|json\n"
    "exit status: 0 every zone as expected and clean, 1 warnings or a probe failing,\n"
    "2 errors, a bogus zone, a zone not as expected or a resolver not validating,\n"
    "3 no store could be read\n";

int dv_cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"state-dir", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_show_opts_t o = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 'd':
			o.state_dir = optarg;
			break;
		case 'f':
			if (dv_cli_format("status", optarg) != 0)
				return DV_EXIT_UNKNOWN;
			o.json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return DV_EXIT_UNKNOWN;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return DV_EXIT_UNKNOWN;
	}
	return dv_show_status(&o, stdout);
}
