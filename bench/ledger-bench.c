/*
 * ledger-bench DIR N BATCH: the ledger library's speed (bench/ledger-bench.sh
 * runs it; not a test).
 *   1. append N entries in batches of BATCH (one transaction each,
 *      synchronous=FULL, checkpoints every 64 entries): entries/s;
 *   2. inclusion proofs of 2,000 random entries from the stored nodes,
 *      each checked offline: mean and worst time;
 *   3. witness round trips: 200 checkpoints pushed over HTTP (libcurl) to a
 *      witness on 127.0.0.1 in the same process (libmicrohttpd).
 * Entries look like the daemon's: a zone.serial change with its evidence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/ledger.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char err[512] = "";
	if (argc != 4) {
		fprintf(stderr, "usage: ledger-bench DIR N BATCH\n");
		return 2;
	}
	const char *dir = argv[1];
	long n = strtol(argv[2], NULL, 10), batch = strtol(argv[3], NULL, 10);
	if (n <= 0 || batch <= 0 || batch > 100000)
		return 2;
	ledger_opts_t o = {.origin = "bench.example/ledger"};
	ledger_t *l = NULL;
	if (ledger_open(dir, &o, &l, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	ledger_entry_t *e = calloc((size_t)batch, sizeof(*e));
	json_t **ev = calloc((size_t)batch, sizeof(*ev));
	char(*zones)[32] = calloc((size_t)batch, sizeof(*zones));
	double t0 = now_s();
	for (long done = 0; done < n; done += batch) {
		long k = n - done < batch ? n - done : batch;
		for (long i = 0; i < k; i++) {
			snprintf(zones[i], sizeof(zones[i]), "z%05ld.bench.", (done + i) % 100000);
			ev[i] = json_pack("{s:s, s:I, s:I}", "server", "192.0.2.53", "old",
			                  (json_int_t)(2026120300 + done + i), "new",
			                  (json_int_t)(2026120301 + done + i));
			e[i] = (ledger_entry_t){
			    .kind = "zone.serial", .zone = zones[i], .evidence = ev[i]};
		}
		if (ledger_append_batch(l, e, (size_t)k, 1764759600 + done / 1000, NULL) != 0) {
			fprintf(stderr, "append failed\n");
			return 1;
		}
		for (long i = 0; i < k; i++)
			json_decref(ev[i]);
	}
	double t1 = now_s();
	ledger_checkpoint(l, 1764759600 + n / 1000 + 1);
	printf("append\t%ld entries\tbatch %ld\t%.2f s\t%.0f entries/s\n", n, batch, t1 - t0,
	       (double)n / (t1 - t0));

	/* Inclusion proofs, each verified as a third party would. */
	tlog_vkey_t key;
	char vp[4096];
	snprintf(vp, sizeof(vp), "%s/%s", dir, LEDGER_VKEY_FILE);
	if (ledger_vkey_load(vp, &key, err, sizeof(err)) != 0)
		return 1;
	double worst = 0, sum = 0, vsum = 0;
	int proofs = 2000;
	srand(1);
	ledger_verify_result_t *res = malloc(sizeof(*res));
	for (int i = 0; i < proofs; i++) {
		uint64_t idx = (uint64_t)(((double)rand() / RAND_MAX) * (double)(n - 1));
		char *p = NULL;
		size_t len = 0;
		double a = now_s();
		if (ledger_prove_inclusion(l, idx, &p, &len) != 0)
			return 1;
		double b = now_s();
		if (ledger_proof_check(p, len, &key, NULL, 0, NULL, 0, res, err, sizeof(err)) !=
		        0 ||
		    res->worst != LEDGER_OK)
			return 1;
		double c = now_s();
		free(p);
		sum += b - a;
		vsum += c - b;
		if (b - a > worst)
			worst = b - a;
	}
	printf("prove\t%d inclusion proofs\tmean %.3f ms\tworst %.3f ms\tcheck mean %.3f ms\n",
	       proofs, sum / proofs * 1e3, worst * 1e3, vsum / proofs * 1e3);
	free(res);
	ledger_free(l);

	/* The verifier in process: wall time, and the CPU time of the reader
	 * (this thread: rows, hashes, tree, nodes) against the whole process
	 * (plus the entry checker thread): on two idle cores the wall time is
	 * about the larger of the two threads. */
	{
		ledger_verify_opts_t vo = {0};
		ledger_verify_result_t *vr = malloc(sizeof(*vr));
		struct timespec c0, c1, p0, p1;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p0);
		double w0 = now_s();
		if (ledger_verify(dir, &vo, vr, err, sizeof(err)) != 0 || vr->size != (uint64_t)n)
			return 1;
		double w1 = now_s();
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p1);
		double reader =
		    (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
		double all =
		    (double)(p1.tv_sec - p0.tv_sec) + (double)(p1.tv_nsec - p0.tv_nsec) / 1e9;
		printf("verify\t%llu entries (in process)\t%.2f s wall\treader thread %.2f s CPU\t"
		       "checker thread %.2f s CPU\n",
		       (unsigned long long)vr->size, w1 - w0, reader, all - reader);
		free(vr);
	}

	/* Witness round trips over loopback. */
	char wdir[4200], wkey[4300], wstate[4300];
	snprintf(wdir, sizeof(wdir), "%s.witness", dir);
	snprintf(wkey, sizeof(wkey), "%s.key", wdir);
	snprintf(wstate, sizeof(wstate), "%s.db", wdir);
	ledger_key_t k;
	remove(wkey);
	remove(wstate);
	if (ledger_key_generate(wkey, NULL, "bench.example/w", TLOG_SIGTYPE_COSIGNATURE, &k, err,
	                        sizeof(err)) != 0)
		return 1;
	ledger_trust_t trust = {.origin = "bench.example/ledger", .key = key};
	ledger_witness_opts_t wo = {.listen = "127.0.0.1:0",
	                            .key_file = wkey,
	                            .state_file = wstate,
	                            .trust = &trust,
	                            .ntrust = 1};
	ledger_witness_server_t *w = NULL;
	if (ledger_witness_start(&wo, &w, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", ledger_witness_port(w));
	ledger_witness_t wit = {.vkey = ledger_witness_vkey(w), .url = url};
	ledger_opts_t o2 = {.witnesses = &wit, .nwitnesses = 1};
	if (ledger_open(dir, &o2, &l, err, sizeof(err)) != 0)
		return 1;
	ledger_tick(l, 1764759600 + n);
	int pushes = 200;
	double a = now_s();
	for (int i = 0; i < pushes; i++) {
		ledger_entry_t one = {.kind = "operator.note"};
		ledger_append(l, &one, 1764759600 + n + i, NULL);
		ledger_checkpoint(l, 1764759600 + n + i); /* sign, push, store the cosignature */
	}
	double b = now_s();
	ledger_status_t st;
	ledger_status(l, &st);
	printf(
	    "witness\t%d checkpoints signed, pushed and cosigned\t%.2f ms each\tunanchored %llu\n",
	    pushes, (b - a) / pushes * 1e3, (unsigned long long)st.unanchored);
	ledger_free(l);
	ledger_witness_stop(w);
	ledger_key_clear(&k);
	free(e);
	free(ev);
	free(zones);
	return 0;
}
