/*
 * parsefloor - how long does libzscanner alone take to read a zone file?
 *
 * dnsvigil must parse every record with libzscanner (DESIGN.md), so the
 * parser's CPU time is a second floor beside the crypto floor: on C cores a
 * verifier cannot finish before (crypto CPU + parse CPU) / C, however well it
 * overlaps the two.  This reads the file with zs_parse_all and a record
 * callback that does nothing, once to warm the page cache and then timed,
 * and prints the process CPU seconds.
 *
 * Build: cc -O2 -std=c11 -Wall -Wextra -o parsefloor parsefloor.c -lzscanner
 * Usage: parsefloor ORIGIN ZONEFILE
 * Output (stdout, TSV): cpu_s records bytes
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include <libzscanner/scanner.h>

static void on_record(zs_scanner_t *s)
{
	(*(uint64_t *)s->process.data)++;
}

static int parse(const char *origin, const char *path, uint64_t *records)
{
	zs_scanner_t s;
	*records = 0;
	if (zs_init(&s, origin, 1 /* IN */, 3600) != 0)
		return -1;
	int ret = -1;
	if (zs_set_input_file(&s, path) != 0 ||
	    zs_set_processing(&s, on_record, NULL, records) != 0)
		goto out;
	if (zs_parse_all(&s) != 0 || s.error.counter != 0) {
		fprintf(stderr, "parsefloor: %s:%llu: %s\n", path,
		        (unsigned long long)s.line_counter, zs_strerror(s.error.code));
		goto out;
	}
	ret = 0;
out:
	zs_deinit(&s);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: parsefloor ORIGIN ZONEFILE\n");
		return 2;
	}
	struct stat st;
	uint64_t n;
	if (stat(argv[2], &st) != 0 || parse(argv[1], argv[2], &n) != 0)
		return 1;
	struct timespec a, b;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	if (parse(argv[1], argv[2], &n) != 0)
		return 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	double cpu = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%.3f\t%llu\t%lld\n", cpu, (unsigned long long)n, (long long)st.st_size);
	return 0;
}
