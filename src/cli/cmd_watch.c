/* dnsvigil watch: the daemon (src/daemon). */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "daemon/config.h"
#include "daemon/daemon.h"

static const char usage_text[] =
    "usage: dnsvigil watch --config FILE [--check-config]\n"
    "  -C, --config FILE    the configuration (doc/watch.md, doc/watch.example.yaml)\n"
    "      --check-config   read and check FILE, print nothing when it is good, and exit\n"
    "signals: SIGHUP reloads FILE (a bad file keeps the running configuration),\n"
    "SIGTERM/SIGINT finish the running cycles and stop\n"
    "exit status: 0 stopped cleanly (or the configuration is good), 3 could not start\n"
    "(bad usage, a bad configuration, the store or the listen address)\n";

enum { OPT_CHECK_CONFIG = 256 };

int dv_cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'C'},
	    {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_cli_t cli = {.cmd = "watch", .usage = usage_text};
	const char *config = NULL;
	bool check_only = false;
	int c;
	optind = 1;
	while ((c = dv_cli_getopt(&cli, argc, argv, "C:h", longopts)) != -1) {
		switch (c) {
		case DV_CLI_BAD:
			return DV_EXIT_UNKNOWN;
		case 'C':
			config = optarg;
			break;
		case OPT_CHECK_CONFIG:
			check_only = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		}
	}
	if (optind != argc)
		return dv_cli_usage(&cli, "unexpected argument '%s'", argv[optind]);
	if (config == NULL)
		return dv_cli_usage(&cli, "--config FILE is required");
	if (check_only) {
		dv_conf_t *conf;
		char err[1024];
		if (dv_conf_load(config, &conf, err, sizeof(err)) != DV_OK)
			return dv_cli_fail_input(&cli, err);
		dv_conf_free(conf);
		return DV_EXIT_OK;
	}
	int r = dv_daemon_run(config);
	/* The daemon could not start (its message is logged): could not judge. */
	return r == DV_EXIT_ERROR ? DV_EXIT_UNKNOWN : r;
}
