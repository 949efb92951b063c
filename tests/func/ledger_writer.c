/*
 * ledger_writer DIR TOKEN: append batches to the ledger in DIR until
 * killed, printing "acked FIRST COUNT TOKEN" after each batch is durable
 * (ledger_append_batch returned 0).  Entry i of a batch carries
 * {"token": TOKEN, "pos": i}.  test_ledger.sh kills it with SIGKILL at
 * random moments and checks that every acknowledged entry survived.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ledger/ledger.h"

int main(int argc, char **argv)
{
	char err[512] = "";
	if (argc != 3) {
		fprintf(stderr, "usage: ledger_writer DIR TOKEN\n");
		return 2;
	}
	ledger_opts_t o = {.origin = "test.example/killed", .checkpoint_entries = 16};
	ledger_t *l = NULL;
	if (ledger_open(argv[1], &o, &l, err, sizeof(err)) != 0) {
		fprintf(stderr, "ledger_writer: %s\n", err);
		return 2;
	}
	srand((unsigned)time(NULL) ^ (unsigned)argv[2][0]);
	for (unsigned batch = 0; batch < 100000; batch++) {
		ledger_entry_t e[20];
		json_t *ev[20];
		size_t n = 1 + (size_t)rand() % 20;
		for (size_t i = 0; i < n; i++) {
			ev[i] = json_pack("{s:s, s:I}", "token", argv[2], "pos", (json_int_t)i);
			e[i] = (ledger_entry_t){
			    .kind = "operator.note", .zone = "killed.example.", .evidence = ev[i]};
		}
		uint64_t first = 0;
		int r = ledger_append_batch(l, e, n, (int64_t)time(NULL), &first);
		for (size_t i = 0; i < n; i++)
			json_decref(ev[i]);
		if (r != 0) {
			fprintf(stderr, "ledger_writer: append: %d\n", r);
			return 1;
		}
		printf("acked %llu %zu %s\n", (unsigned long long)first, n, argv[2]);
		fflush(stdout);
	}
	return ledger_close(l, (int64_t)time(NULL)) == 0 ? 0 : 1;
}
