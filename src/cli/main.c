/* dnsvigil: one binary, one subcommand per lifecycle concern (DESIGN.md). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef DV_VERSION
#error "DV_VERSION comes from meson.build"
#endif

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
    {"verify", dv_cmd_verify, "verify a signed zone file completely, offline"},
    {"check", dv_cmd_check, "walk the chain of trust live and compare every server"},
    {"canary", dv_cmd_canary, "write zones of deliberately broken names"},
    {"audit", dv_cmd_audit, "prove that resolvers enforce validation"},
    {"rollover", dv_cmd_rollover, "plan, check, preflight and recover key rollovers"},
    {"watch", dv_cmd_watch, "the daemon: watch zones and resolvers, remember, serve metrics"},
    {"status", dv_cmd_status, "what the daemon knows now (from its store)"},
    {"history", dv_cmd_history, "how a zone changed over time (from the daemon's store)"},
    {"findings", dv_cmd_findings, "list the finding codes (--markdown: the reference)"},
    {"log", dv_cmd_log, "append to, show, verify and prove the tamper-evident ledger"},
    {"witness", dv_cmd_witness, "cosign other ledgers' checkpoints (C2SP tlog-witness)"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: dnsvigil COMMAND [options] [args]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'dnsvigil help COMMAND' (or 'dnsvigil COMMAND --help') describes each;\n"
	             "'dnsvigil --version' prints the version; man dnsvigil(1) has the rest.\n"
	             "exit status: 0 clean, 1 warnings, 2 errors found, 3 could not judge\n");
}

static int find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return (int)i;
	return -1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "dnsvigil: no COMMAND given\n");
		usage(stderr);
		return DV_EXIT_UNKNOWN;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return DV_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("dnsvigil %s\n", DV_VERSION);
		return DV_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc == 2) {
			usage(stdout);
			return DV_EXIT_OK;
		}
		int i = find(argv[2]);
		if (i < 0 || argc > 3) {
			fprintf(stderr,
			        i < 0 ? "dnsvigil help: no command '%s'\n"
			              : "dnsvigil help: one COMMAND ('%s' is one too many)\n",
			        argv[i < 0 ? 2 : 3]);
			usage(stderr);
			return DV_EXIT_UNKNOWN;
		}
		static char help[] = "--help";
		char *args[] = {argv[2], help, NULL};
		return commands[i].fn(2, args);
	}
	int i = find(argv[1]);
	if (i >= 0)
		return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "dnsvigil: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return DV_EXIT_UNKNOWN;
}
