/* dnsvigil watch: the daemon (src/daemon). */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/error.h"
#include "daemon/config.h"
#include "daemon/daemon.h"

static const char usage_text[] =
    "usage: dnsvigil watch --config FILE [--check-config]\n"
    "  -c, --config FILE    the configuration (doc/watch.md, doc/watch.example.yaml)\n"
    "      --check-config   read and check FILE, print nothing when it is good, and exit\n"
    "signals: SIGHUP reloads FILE (a bad file keeps the running configuration),\n"
    "SIGTERM/SIGINT finish the running cycles and stop\n"
    "exit status: 0 stopped cleanly (or the configuration is good), 2 could not start\n";

int dv_cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	bool check_only = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'C':
			check_only = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return DV_EXIT_ERROR;
		}
	}
	if (config == NULL || optind != argc) {
		fputs(usage_text, stderr);
		return DV_EXIT_ERROR;
	}
	if (check_only) {
		dv_conf_t *conf;
		char err[1024];
		if (dv_conf_load(config, &conf, err, sizeof(err)) != DV_OK) {
			fprintf(stderr, "%s\n", err);
			return DV_EXIT_ERROR;
		}
		dv_conf_free(conf);
		return DV_EXIT_OK;
	}
	return dv_daemon_run(config);
}
