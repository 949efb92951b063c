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

static const dv_cli_common_map_t common[] = {DV_CLI_STORE_OPTIONS, {0, 0, NULL}};

int dv_cmd_status(int argc, char **argv)
{
	static const struct option own[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_cli_t cli = {.cmd = "status", .usage = usage_text};
	dv_cli_begin(&cli, argc, argv);
	struct option longopts[8];
	dv_cli_longopts(own, common, longopts, sizeof(longopts) / sizeof(longopts[0]));
	dv_cli_common_t co = {.format = "text"};
	int c;
	optind = 1;
	while ((c = dv_cli_next(&cli, &co, common, argc, argv, "C:d:f:h", longopts)) != -1) {
		if (c == DV_CLI_BAD)
			return DV_EXIT_UNKNOWN;
		if (c == 'h') {
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		}
	}
	if (optind != argc)
		return dv_cli_usage(&cli, "unexpected argument '%s'", argv[optind]);
	dv_show_opts_t o = {
	    .config = co.config, .state_dir = co.state_dir, .json = strcmp(co.format, "json") == 0};
	return dv_show_status(&o, stdout);
}
