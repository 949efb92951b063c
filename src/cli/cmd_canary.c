/* dnsvigil canary: write the zones of deliberately broken names. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libknot/libknot.h>

#include "canary/canary.h"
#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"

#define MAX_NS_ADDRS 8
/* The longest child label of the mode table and "ns1", with its length
 * octet, must fit below the zone (canary.c checks 64). */
#define CHILD_ROOM 64

static const char usage_text[] =
    "usage: dnsvigil canary --zone NAME --out DIR [options]\n"
    "  -z, --zone NAME      the canary parent zone (e.g. canary.example.)\n"
    "      --out DIR        where the zone files, dsset, delegation, zones.list and\n"
    "                       modes.tsv go: a new or empty directory, or one holding this\n"
    "                       canary already (it is rewritten)\n"
    "      --keys DIR       private keys, kept across runs (default DIR/keys)\n"
    "  -n, --now TIME       sign relative to TIME: YYYYMMDDHHmmSS (UTC),\n"
    "                       YYYY-MM-DDTHH:MM:SSZ or [@]UNIXSECONDS (default: now)\n"
    "  -a, --ns-addr ADDR   address of ns1.NAME, the server of every canary zone\n"
    "                       (repeatable; default 127.0.0.1)\n"
    "      --ttl DURATION   TTL of every record (default 30s; a bare number is seconds)\n"
    "exit status: 0 written, 3 could not write (bad usage, an unusable directory)\n"
    "layout and failure modes: doc/canary.md\n";

enum { OPT_OUT = 256, OPT_KEYS, OPT_TTL };

static const dv_cli_common_map_t common[] = {
    {'n', DV_CLI_NOW, "now"},
    {0, 0, NULL},
};

/* A canary zone name: an ordinary name of the DNS below the root, with room
 * for the children. */
static int check_zone(const dv_cli_t *cli, const char *zone, char *canon, size_t len)
{
	for (const unsigned char *p = (const unsigned char *)zone; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			return dv_cli_usage(cli,
			                    "--zone '%s': a zone name holds no spaces or control "
			                    "characters",
			                    zone);
	uint8_t wire[KNOT_DNAME_MAXLEN];
	if (strlen(zone) > 1023 || knot_dname_from_str(wire, zone, sizeof(wire)) == NULL)
		return dv_cli_usage(
		    cli,
		    "--zone '%s': not a domain name (at most 255 octets, labels of at "
		    "most 63)",
		    zone);
	if (wire[0] == 0)
		return dv_cli_usage(cli,
		                    "--zone '%s': the root cannot be a canary zone: give a name "
		                    "you can delegate, e.g. canary.example.",
		                    zone);
	if (knot_dname_size(wire) + CHILD_ROOM > KNOT_DNAME_MAXLEN)
		return dv_cli_usage(cli,
		                    "--zone '%s': too long: the canary's child zones need %d more "
		                    "octets below it (at most %d octets in wire form)",
		                    zone, CHILD_ROOM, KNOT_DNAME_MAXLEN - CHILD_ROOM);
	knot_dname_to_lower(wire);
	knot_dname_to_str(canon, wire, len);
	return 0;
}

/* The canary a directory holds: the first name of its zones.list, or "". */
static void canary_of(const char *dir, char *zone, size_t len)
{
	char path[PATH_MAX], line[1100];
	zone[0] = '\0';
	snprintf(path, sizeof(path), "%s/zones.list", dir);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strcspn(line, " \t\n");
		snprintf(zone, len, "%.*s", (int)n, line);
	}
	fclose(f);
}

/* --out: new, empty, or holding this very canary (never two canaries mixed). */
static int check_out(const dv_cli_t *cli, const char *dir, const char *zone)
{
	struct stat st;
	if (dir[0] == '\0')
		return dv_cli_usage(cli, "--out '': a directory is needed");
	if (stat(dir, &st) != 0)
		return errno == ENOENT ? 0 : dv_cli_fail(cli, "--out %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return dv_cli_usage(cli, "--out %s: not a directory", dir);
	char have[1100];
	canary_of(dir, have, sizeof(have));
	if (have[0] != '\0') {
		if (strcasecmp(have, zone) == 0)
			return 0; /* the same canary, written again */
		return dv_cli_usage(cli,
		                    "--out %s holds the canary %s: give an empty directory for %s "
		                    "(two canaries must not mix)",
		                    dir, have, zone);
	}
	DIR *d = opendir(dir);
	if (d == NULL)
		return dv_cli_fail(cli, "--out %s: %s", dir, strerror(errno));
	const struct dirent *e;
	char first[300] = "";
	while ((e = readdir(d)) != NULL)
		/* keys/ alone: the keys of a run that stopped before writing. */
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "keys") != 0) {
			snprintf(first, sizeof(first), "%s", e->d_name);
			break;
		}
	closedir(d);
	if (first[0] != '\0')
		return dv_cli_usage(
		    cli,
		    "--out %s is not empty (it holds '%s', and no canary): give a new "
		    "or empty directory",
		    dir, first);
	return 0;
}

static void print_file(const char *dir, const char *name, const char *indent)
{
	char path[PATH_MAX], line[2048];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (line[0] != ';' && line[0] != '\n')
			printf("%s%s", indent, line);
	fclose(f);
}

/* How to serve what was written: the server's configuration and what the
 * parent publishes (doc/canary.md "Serving it"). */
static void print_howto(const char *dir, const char *zone, const char *const *ns, size_t nns)
{
	char path[PATH_MAX], line[2200], abs[PATH_MAX];
	const char *base = realpath(dir, abs) ? abs : dir;
	printf("\nto serve it:\n"
	       "1. load every zone of %s/zones.list on the server at",
	       base);
	for (size_t i = 0; i < nns; i++)
		printf(" %s", ns[i]);
	printf(" (ns1.%s)\n   nsd.conf:\n", zone);
	snprintf(path, sizeof(path), "%s/zones.list", dir);
	FILE *f = fopen(path, "r");
	for (int pass = 0; f != NULL && pass < 2; pass++) {
		if (pass == 1)
			printf("   named.conf:\n");
		rewind(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			char name[1100], file[1100];
			size_t n = strcspn(line, " ");
			if (line[n] != ' ')
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)n, line);
			snprintf(file, sizeof(file), "%.*s", (int)strcspn(line + n + 1, "\n"),
			         line + n + 1);
			if (pass == 0)
				printf("     zone: name: \"%s\" zonefile: \"%s/%s\"\n", name, base,
				       file);
			else
				printf("     zone \"%s\" { type primary; file \"%s/%s\"; };\n",
				       name, base, file);
		}
	}
	if (f != NULL)
		fclose(f);
	printf("2. at the parent of %s, delegate it and add its DS (%s/delegation, %s/dsset):\n",
	       zone, base, base);
	print_file(dir, "delegation", "     ");
	print_file(dir, "dsset", "     ");
	printf("3. then: dnsvigil check %s; dnsvigil audit --canary %s RESOLVER...\n", zone, zone);
}

/* The options that keep their argument as it is. */
static const dv_cli_text_t texts[] = {
    {'z', offsetof(dv_canary_opts_t, zone)},
    {OPT_OUT, offsetof(dv_canary_opts_t, out_dir)},
    {OPT_KEYS, offsetof(dv_canary_opts_t, keys_dir)},
    {0, 0},
};

int dv_cmd_canary(int argc, char **argv)
{
	static const struct option own[] = {
	    {"zone", required_argument, NULL, 'z'},
	    {"out", required_argument, NULL, OPT_OUT},
	    {"keys", required_argument, NULL, OPT_KEYS},
	    {"ns-addr", required_argument, NULL, 'a'},
	    {"ttl", required_argument, NULL, OPT_TTL},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	dv_cli_t cli = {.cmd = "canary", .usage = usage_text};
	dv_cli_begin(&cli, argc, argv);
	const char *ns[MAX_NS_ADDRS];
	size_t nns = 0;
	dv_canary_opts_t opts = {0};
	struct option all[16];
	dv_cli_longopts(own, common, all, sizeof(all) / sizeof(all[0]));
	dv_cli_common_t co = {0};
	int64_t ttl = 30;
	int c;
	optind = 1;
	while ((c = dv_cli_next(&cli, &co, common, argc, argv, "z:n:a:h", all)) != -1) {
		if (c == DV_CLI_BAD)
			return DV_EXIT_UNKNOWN;
		switch (c) {
		case 'a':
			if (nns == MAX_NS_ADDRS)
				return dv_cli_usage(&cli, "at most %d --ns-addr", MAX_NS_ADDRS);
			ns[nns++] = optarg;
			break;
		case OPT_TTL:
			if (dv_cli_duration(&cli, "--ttl", optarg, 1, &ttl) != 0)
				return DV_EXIT_UNKNOWN;
			if (ttl < 1 || ttl > 86400)
				return dv_cli_usage(&cli, "--ttl '%s': 1s..1d", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			dv_cli_text(&opts, texts, c, optarg);
			break;
		}
	}
	if (optind < argc)
		return dv_cli_usage(&cli, "unexpected argument '%s'", argv[optind]);
	if (opts.zone == NULL)
		return dv_cli_usage(&cli, "--zone NAME is required (the canary's parent zone, e.g. "
		                          "canary.example.)");
	if (opts.out_dir == NULL)
		return dv_cli_usage(&cli, "--out DIR is required (where the zone files go)");
	char zone[KNOT_DNAME_TXT_MAXLEN + 1];
	if (check_zone(&cli, opts.zone, zone, sizeof(zone)) != 0)
		return DV_EXIT_UNKNOWN;
	opts.zone = zone;
	if (check_out(&cli, opts.out_dir, zone) != 0)
		return DV_EXIT_UNKNOWN;
	struct stat st;
	if (opts.keys_dir != NULL && stat(opts.keys_dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return dv_cli_usage(&cli, "--keys %s: not a directory", opts.keys_dir);
	if (dv_cli_time(&cli, "--now", co.now, &opts.now) != 0)
		return DV_EXIT_UNKNOWN;
	if (nns == 0) {
		ns[nns++] = "127.0.0.1";
		fprintf(
		    stderr,
		    "dnsvigil canary: notice: ns1.%s gets the address 127.0.0.1 (no --ns-addr): "
		    "only resolvers on this host can reach it\n",
		    zone);
	}
	opts.ns_addrs = ns;
	opts.ns_addr_count = nns;
	opts.ttl = (uint32_t)ttl;
	char err[1024];
	int ret = dv_canary_write(&opts, err, sizeof(err));
	if (ret != 0)
		return dv_cli_fail(&cli, "%s", err[0] ? err : dv_strerror(ret));
	printf("wrote %zu zones (%zu failure modes) for %s into %s\n", dv_canary_mode_count + 1,
	       dv_canary_mode_count, zone, opts.out_dir);
	print_howto(opts.out_dir, zone, ns, nns);
	return fflush(stdout) == 0 ? DV_EXIT_OK : DV_EXIT_UNKNOWN;
}
