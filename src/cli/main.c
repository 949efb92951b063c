/* dnsvigil: one binary, one subcommand per lifecycle concern (DESIGN.md). */
#include <errno.h>
#include <stdbool.h>
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
#define X(name, help) {#name, dv_cmd_##name, help},
#include "cli/commands.def"
#undef X
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

/* A report that did not reach its reader is a failure, whatever it said
 * (issue 10 §4): every write to standard output is checked here, once,
 * where the stream is flushed and closed.  True when all went out. */
static bool output_closed(const char *cmd)
{
	errno = 0;
	bool failed = ferror(stdout) != 0;
	if (fflush(stdout) != 0)
		failed = true;
	int e = errno;
	if (fclose(stdout) != 0) {
		failed = true;
		if (e == 0)
			e = errno;
	}
	if (failed)
		fprintf(stderr, "dnsvigil %s: cannot write the report to standard output: %s\n",
		        cmd, e != 0 ? strerror(e) : "write error");
	return !failed;
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
		int status = commands[i].fn(2, args);
		return output_closed("help") ? status : DV_EXIT_UNKNOWN;
	}
	int i = find(argv[1]);
	if (i >= 0) {
		int status = commands[i].fn(argc - 1, argv + 1);
		return output_closed(commands[i].name) ? status : DV_EXIT_UNKNOWN;
	}
	fprintf(stderr, "dnsvigil: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return DV_EXIT_UNKNOWN;
}
