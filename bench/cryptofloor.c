/*
 * cryptofloor - how many DNSSEC signature verifications per second can this
 * machine do, per core and on all cores?  That rate is the "crypto floor" of
 * an offline zone verifier: a zone with R RRSIGs cannot be verified faster
 * than R / (all-core verifies per second), whatever the parser does.
 *
 * For each algorithm (RFC 8624 numbers: 8 RSASHA256 2048-bit, 13
 * ECDSAP256SHA256, 15 ED25519) it generates a key, signs a ~100-byte message
 * (about the size of RRSIG RDATA + a small canonical RRset, RFC 4034 §3.1.8.1)
 * and verifies that signature in a loop for a fixed time on 1 thread and on
 * T threads (one per core by default).
 *
 * Variants ("library" column):
 *   openssl          EVP_DigestVerifyInit + EVP_DigestVerify on a pre-built
 *                    EVP_PKEY for every signature, the MD_CTX reused, SHA-256
 *                    fetched once (what a straightforward verifier does).
 *   openssl-prehash  SHA-256 with EVP_Digest, then EVP_PKEY_verify on an
 *                    EVP_PKEY_CTX initialised once per thread (alg 8/13 only;
 *                    the cheapest way OpenSSL 3 offers).
 *   libsodium        crypto_sign_verify_detached (alg 15).
 *   openssl          for alg 15: one-shot EVP_DigestVerify (for comparison).
 *
 * Every verification result is checked; a failing one aborts the run, and a
 * tampered signature is shown to fail before timing starts, so the loop
 * cannot be measuring an early-exit error path.
 *
 * Output (stdout, TSV): alg, library, threads, verifies_per_s,
 * verifies_per_cpu_s.  The last column divides by the threads' CPU time
 * (CLOCK_THREAD_CPUTIME_ID) instead of wall time, so it hardly moves when
 * other jobs share the machine; verifies_per_s is what a run can get now.
 *
 * Build: cc -O2 -std=c11 -Wall -Wextra -o cryptofloor cryptofloor.c \
 *            -lcrypto -lsodium -lpthread
 * Usage: cryptofloor [-s SECONDS] [-t THREADS] [-a "8 13 15"]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sodium.h>

#define MSG_LEN     104
#define SIG_MAX     512
#define MAX_THREADS 256

enum variant {
	V_OSSL_DIGESTVERIFY,
	V_OSSL_PREHASH,
	V_SODIUM,
};

struct job {
	int alg;
	enum variant var;
	EVP_PKEY *pkey;     /* OpenSSL variants: shared, read-only */
	const EVP_MD *md;   /* NULL for Ed25519 */
	const uint8_t *pk;  /* libsodium public key */
	const uint8_t *msg; /* MSG_LEN bytes */
	const uint8_t *sig;
	size_t sig_len;
	double seconds;
};

struct worker {
	pthread_t tid;
	const struct job *job;
	uint64_t count;
	double elapsed;
	double cpu;
	int failed;
};

static pthread_barrier_t start_barrier;

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static void die(const char *what)
{
	fprintf(stderr, "cryptofloor: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

/* One verification; returns 1 when the signature is valid. */
static int verify_once(const struct job *j, EVP_MD_CTX *mctx, EVP_PKEY_CTX *pctx,
                       const uint8_t *sig, size_t sig_len)
{
	switch (j->var) {
	case V_OSSL_DIGESTVERIFY:
		if (EVP_DigestVerifyInit(mctx, NULL, j->md, NULL, j->pkey) != 1)
			return -1;
		return EVP_DigestVerify(mctx, sig, sig_len, j->msg, MSG_LEN);
	case V_OSSL_PREHASH: {
		uint8_t dig[EVP_MAX_MD_SIZE];
		unsigned int dlen = 0;
		if (EVP_Digest(j->msg, MSG_LEN, dig, &dlen, j->md, NULL) != 1)
			return -1;
		return EVP_PKEY_verify(pctx, sig, sig_len, dig, dlen);
	}
	case V_SODIUM:
		return crypto_sign_verify_detached(sig, j->msg, MSG_LEN, j->pk) == 0 ? 1 : 0;
	}
	return -1;
}

static int prehash_ctx_new(const struct job *j, EVP_PKEY_CTX **out)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, j->pkey, NULL);
	if (c == NULL || EVP_PKEY_verify_init(c) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(c, j->md) != 1)
		goto fail;
	if (j->alg == 8 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1)
		goto fail;
	*out = c;
	return 0;
fail:
	EVP_PKEY_CTX_free(c);
	return -1;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	const struct job *j = w->job;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;

	if (j->var == V_OSSL_DIGESTVERIFY && (mctx = EVP_MD_CTX_new()) == NULL)
		w->failed = 1;
	if (j->var == V_OSSL_PREHASH && prehash_ctx_new(j, &pctx) != 0)
		w->failed = 1;

	pthread_barrier_wait(&start_barrier);
	if (w->failed)
		goto out;

	double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	double t0 = now_s(), t = t0;
	uint64_t n = 0;
	/* Check the clock every 16 verifies: the slowest one (RSA) is ~30 us. */
	while (t - t0 < j->seconds) {
		for (int k = 0; k < 16; k++) {
			if (verify_once(j, mctx, pctx, j->sig, j->sig_len) != 1) {
				w->failed = 1;
				goto out;
			}
		}
		n += 16;
		t = now_s();
	}
	w->count = n;
	w->elapsed = t - t0;
	w->cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
out:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	return NULL;
}

/*
 * Sum of per-thread rates (each thread ran for about the same wall time), and
 * verifies per CPU-second (all verifies / all threads' CPU time) in *per_cpu.
 */
static double run_threads(const struct job *j, int nthreads, double *per_cpu)
{
	struct worker w[MAX_THREADS];
	double rate = 0, cpu = 0;
	uint64_t total = 0;

	memset(w, 0, sizeof(w));
	if (pthread_barrier_init(&start_barrier, NULL, (unsigned)nthreads) != 0)
		die("pthread_barrier_init");
	for (int i = 0; i < nthreads; i++) {
		w[i].job = j;
		if (pthread_create(&w[i].tid, NULL, worker_run, &w[i]) != 0)
			die("pthread_create");
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(w[i].tid, NULL);
	pthread_barrier_destroy(&start_barrier);
	for (int i = 0; i < nthreads; i++) {
		if (w[i].failed || w[i].elapsed <= 0)
			die("a verification failed during the timed loop");
		rate += (double)w[i].count / w[i].elapsed;
		total += w[i].count;
		cpu += w[i].cpu;
	}
	*per_cpu = cpu > 0 ? (double)total / cpu : 0;
	return rate;
}

static EVP_PKEY *keygen(int alg)
{
	EVP_PKEY *pkey = NULL;
	switch (alg) {
	case 8:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case 13:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case 15:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	}
	if (pkey == NULL)
		die("key generation failed");
	return pkey;
}

static size_t ossl_sign(EVP_PKEY *pkey, const EVP_MD *md, const uint8_t *msg, uint8_t *sig)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t len = SIG_MAX;
	if (c == NULL || EVP_DigestSignInit(c, NULL, md, NULL, pkey) != 1 ||
	    EVP_DigestSign(c, sig, &len, msg, MSG_LEN) != 1)
		die("signing failed");
	EVP_MD_CTX_free(c);
	return len;
}

/* Before timing: the good signature verifies, a tampered one does not. */
static void self_check(const struct job *j)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t bad[SIG_MAX];

	if (mctx == NULL || (j->var == V_OSSL_PREHASH && prehash_ctx_new(j, &pctx) != 0))
		die("context setup failed");
	if (verify_once(j, mctx, pctx, j->sig, j->sig_len) != 1)
		die("self-check: valid signature rejected");
	memcpy(bad, j->sig, j->sig_len);
	bad[j->sig_len / 2] ^= 0x01;
	if (verify_once(j, mctx, pctx, bad, j->sig_len) == 1)
		die("self-check: tampered signature accepted");
	ERR_clear_error();
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
}

static void measure(const struct job *j, const char *lib, int nthreads)
{
	double rate, per_cpu;

	self_check(j);
	rate = run_threads(j, 1, &per_cpu);
	printf("%d\t%s\t1\t%.0f\t%.0f\n", j->alg, lib, rate, per_cpu);
	fflush(stdout);
	if (nthreads > 1) {
		rate = run_threads(j, nthreads, &per_cpu);
		printf("%d\t%s\t%d\t%.0f\t%.0f\n", j->alg, lib, nthreads, rate, per_cpu);
		fflush(stdout);
	}
}

static void bench_alg(int alg, double seconds, int nthreads)
{
	uint8_t msg[MSG_LEN], sig[SIG_MAX];
	EVP_MD *sha256 = NULL;
	EVP_PKEY *pkey = keygen(alg);
	struct job j = {.alg = alg, .pkey = pkey, .msg = msg, .seconds = seconds};

	randombytes_buf(msg, sizeof(msg));
	if (alg != 15) {
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (sha256 == NULL)
			die("EVP_MD_fetch(SHA256)");
		j.md = sha256;
	}
	j.sig = sig;
	j.sig_len = ossl_sign(pkey, j.md, msg, sig);

	j.var = V_OSSL_DIGESTVERIFY;
	measure(&j, "openssl", nthreads);
	if (alg != 15) {
		j.var = V_OSSL_PREHASH;
		measure(&j, "openssl-prehash", nthreads);
	} else {
		/* libsodium gets its own key pair: same algorithm, same cost. */
		uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
		uint8_t ssig[crypto_sign_BYTES];
		crypto_sign_keypair(pk, sk);
		crypto_sign_detached(ssig, NULL, msg, MSG_LEN, sk);
		struct job s = j;
		s.var = V_SODIUM;
		s.pk = pk;
		s.sig = ssig;
		s.sig_len = sizeof(ssig);
		measure(&s, "libsodium", nthreads);
	}
	EVP_MD_free(sha256);
	EVP_PKEY_free(pkey);
}

static long parse_long(const char *s, long lo, long hi, const char *what)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "cryptofloor: bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	double seconds = 2.0;
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);
	int nthreads = nproc > 0 && nproc <= MAX_THREADS ? (int)nproc : 1;
	char algs_buf[64] = "8 13 15";
	int opt;

	while ((opt = getopt(argc, argv, "s:t:a:h")) != -1) {
		switch (opt) {
		case 's':
			seconds = (double)parse_long(optarg, 1, 60, "seconds");
			break;
		case 't':
			nthreads = (int)parse_long(optarg, 1, MAX_THREADS, "threads");
			break;
		case 'a':
			snprintf(algs_buf, sizeof(algs_buf), "%s", optarg);
			break;
		default:
			fprintf(stderr,
			        "usage: cryptofloor [-s SECONDS] [-t THREADS] [-a \"8 13 15\"]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (sodium_init() < 0)
		die("sodium_init");

	printf("alg\tlibrary\tthreads\tverifies_per_s\tverifies_per_cpu_s\n");
	/* Walk the space-separated algorithm list without strtok. */
	const char *p = algs_buf;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		char *end = NULL;
		long alg = strtol(p, &end, 10);
		if (end == p || (alg != 8 && alg != 13 && alg != 15)) {
			fprintf(stderr, "cryptofloor: algorithms are 8, 13, 15\n");
			return 2;
		}
		bench_alg((int)alg, seconds, nthreads);
		p = end;
	}
	return 0;
}
