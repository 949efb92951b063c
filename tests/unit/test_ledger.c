/*
 * Unit tests of the ledger (src/ledger): the RFC 9162 tree against the
 * published vectors, proof generation and verification with their edge
 * cases, C2SP notes, keys and checkpoints, and the tamper cases that a
 * database rewrite can produce (doc/ledger.md "What is protected").
 *
 * Vectors: transparency-dev/merkle (Apache-2.0) testonly/constants.go for
 * the leaves and roots of sizes 0-8, and testdata/{inclusion,consistency}
 * (tests/unit/data/merkle_vectors.json, its "source" names the commit);
 * C2SP signed-note.md "Verifier keys / Example" for the note and vkey.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/error.h"
#include "ledger/ledger.h"

#ifndef TOP_SRCDIR
#error "TOP_SRCDIR must be defined (tests/unit/meson.build)"
#endif

/* ---- helpers ---------------------------------------------------------------- */

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i] != '\0'; i++) {
		unsigned v;
		char b[3] = {h[2 * i], h[2 * i + 1], 0};
		v = (unsigned)strtoul(b, NULL, 16);
		out[i] = (uint8_t)v;
	}
}

/* A vector's hash; false when it is not one (the "garbage" vectors). */
static bool b64_try(const char *s, tlog_hash_t out)
{
	size_t n = 0;
	uint8_t buf[128];
	if (s == NULL || tlog_b64_decode(s, strlen(s), buf, sizeof(buf), &n) != DV_OK ||
	    n != TLOG_HASH_LEN)
		return false;
	memcpy(out, buf, TLOG_HASH_LEN);
	return true;
}

/* testonly/constants.go LeafInputs(). */
static const char *leaf_hex[8] = {"",
                                  "00",
                                  "10",
                                  "2021",
                                  "3031",
                                  "40414243",
                                  "5051525354555657",
                                  "606162636465666768696a6b6c6d6e6f"};
/* testonly/constants.go RootHashes(), sizes 0..8. */
static const char *root_hex[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* An in-memory tree over N leaves for the proof generators. */
#define MEM_LEAVES 130
static tlog_hash_t mem[9][MEM_LEAVES];
static uint64_t mem_size;

static int mem_subtree(void *ctx, unsigned level, uint64_t index, tlog_hash_t out)
{
	(void)ctx;
	if (level > 8 || ((index + 1) << level) > mem_size)
		return DV_EINVAL;
	memcpy(out, mem[level][index], TLOG_HASH_LEN);
	return 0;
}

static void mem_build(uint64_t n, bool kat)
{
	mem_size = n;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t d[16];
		if (kat && i < 8) {
			unhex(leaf_hex[i], d);
			tlog_leaf_hash(d, strlen(leaf_hex[i]) / 2, mem[0][i]);
		} else {
			d[0] = (uint8_t)i;
			tlog_leaf_hash(d, 1, mem[0][i]);
		}
	}
	for (unsigned l = 1; l <= 8; l++)
		for (uint64_t i = 0; ((i + 1) << l) <= n; i++)
			tlog_node_hash(mem[l - 1][2 * i], mem[l - 1][2 * i + 1], mem[l][i]);
}

/* ---- the tree ---------------------------------------------------------------- */

static void test_kat_roots(void **state)
{
	tlog_range_t r;
	tlog_range_init(&r);
	for (int n = 0; n <= 8; n++) {
		tlog_hash_t want, got, again;
		unhex(root_hex[n], want);
		tlog_range_root(&r, got);
		assert_memory_equal(got, want, TLOG_HASH_LEN);
		/* The same root from perfect subtrees (the proof path). */
		mem_build((uint64_t)n, true);
		assert_int_equal(tlog_root_from((uint64_t)n, mem_subtree, NULL, again), 0);
		assert_memory_equal(again, want, TLOG_HASH_LEN);
		/* A compact range survives its stored form. */
		uint8_t enc[8 + 64 * 32];
		tlog_range_t back;
		size_t len = tlog_range_encode(&r, enc, sizeof(enc));
		assert_int_equal(tlog_range_decode(enc, len, &back), 0);
		tlog_range_root(&back, again);
		assert_memory_equal(again, want, TLOG_HASH_LEN);
		assert_int_not_equal(tlog_range_decode(enc, len - 1, &back), 0);
		if (n < 8) {
			uint8_t d[16];
			tlog_hash_t lh;
			unhex(leaf_hex[n], d);
			tlog_leaf_hash(d, strlen(leaf_hex[n]) / 2, lh);
			tlog_range_append(&r, lh, NULL, NULL);
		}
	}
}

static json_t *load_vectors(void)
{
	json_error_t e;
	json_t *j = json_load_file(TOP_SRCDIR "/tests/unit/data/merkle_vectors.json", 0, &e);
	if (j == NULL)
		fail_msg("merkle_vectors.json: %s", e.text);
	return j;
}

/* A size or index: an integer, or a string for values of 2^63 and above. */
static uint64_t u64_of(json_t *v)
{
	if (json_is_string(v))
		return strtoull(json_string_value(v), NULL, 10);
	return (uint64_t)json_integer_value(v);
}

/* The proof hashes; SIZE_MAX when one is not a hash. */
static size_t proof_of(json_t *a, tlog_hash_t *p)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) if (!b64_try(json_string_value(v), p[i])) return SIZE_MAX;
	return json_array_size(a);
}

static void test_vectors_inclusion(void **state)
{
	json_t *j = load_vectors();
	size_t i, good = 0;
	json_t *v;
	json_array_foreach(json_object_get(j, "inclusion"), i, v)
	{
		tlog_hash_t proof[TLOG_PROOF_MAX], root, leaf;
		size_t n = proof_of(json_object_get(v, "proof"), proof);
		bool hashes = n != SIZE_MAX &&
		              b64_try(json_string_value(json_object_get(v, "root")), root) &&
		              b64_try(json_string_value(json_object_get(v, "leafHash")), leaf);
		uint64_t idx = u64_of(json_object_get(v, "leafIdx"));
		uint64_t size = u64_of(json_object_get(v, "treeSize"));
		bool want = !json_is_true(json_object_get(v, "wantErr"));
		if ((hashes && tlog_inclusion_verify(idx, size, leaf, proof, n, root)) != want)
			fail_msg("%s: wanted %s", json_string_value(json_object_get(v, "file")),
			         want ? "verified" : "refused");
		if (want) {
			/* Our generator gives the published proof. */
			tlog_hash_t mine[TLOG_PROOF_MAX];
			size_t mn = 0;
			mem_build(size, true);
			assert_int_equal(
			    tlog_inclusion_prove(idx, size, mem_subtree, NULL, mine, &mn), 0);
			assert_int_equal(mn, n);
			assert_memory_equal(mine, proof, n * TLOG_HASH_LEN);
			good++;
		}
	}
	assert_true(i >= 98 && good >= 6);
	json_decref(j);
}

static void test_vectors_consistency(void **state)
{
	json_t *j = load_vectors();
	size_t i, good = 0;
	json_t *v;
	json_array_foreach(json_object_get(j, "consistency"), i, v)
	{
		tlog_hash_t proof[TLOG_PROOF_MAX], r1, r2;
		size_t n = proof_of(json_object_get(v, "proof"), proof);
		bool hashes = n != SIZE_MAX &&
		              b64_try(json_string_value(json_object_get(v, "root1")), r1) &&
		              b64_try(json_string_value(json_object_get(v, "root2")), r2);
		uint64_t s1 = u64_of(json_object_get(v, "size1"));
		uint64_t s2 = u64_of(json_object_get(v, "size2"));
		bool want = !json_is_true(json_object_get(v, "wantErr"));
		/* The "additional" vectors with placeholder roots (not 32-byte
		 * hashes) test size logic only; the one that matters here is
		 * "sizes are equal (one) and proof is empty": a 32-byte API
		 * cannot take those roots, so it is run with real equal ones. */
		const char *file = json_string_value(json_object_get(v, "file"));
		if (!hashes && strstr(file, "/additional/") != NULL && want && s1 == s2) {
			mem_build(s1, true);
			tlog_root_from(s1, mem_subtree, NULL, r1);
			assert_true(tlog_consistency_verify(s1, s2, r1, r1, proof, 0));
			continue;
		}
		/* Deliberate difference: transparency-dev refuses a proof from
		 * size 0 ("not provable"); C2SP tlog-witness says the empty tree
		 * is consistent with any tree and the proof is empty. */
		tlog_hash_t empty;
		tlog_empty_root(empty);
		if (hashes && s1 == 0 && s2 > 0 && n == 0 &&
		    memcmp(r1, empty, TLOG_HASH_LEN) == 0) {
			assert_true(tlog_consistency_verify(s1, s2, r1, r2, proof, n));
			continue;
		}
		if ((hashes && tlog_consistency_verify(s1, s2, r1, r2, proof, n)) != want)
			fail_msg("%s: wanted %s", json_string_value(json_object_get(v, "file")),
			         want ? "verified" : "refused");
		if (want && s2 <= 8) {
			tlog_hash_t mine[TLOG_PROOF_MAX];
			size_t mn = 0;
			mem_build(s2, true);
			assert_int_equal(
			    tlog_consistency_prove(s1, s2, mem_subtree, NULL, mine, &mn), 0);
			assert_int_equal(mn, n);
			assert_memory_equal(mine, proof, n * TLOG_HASH_LEN);
			good++;
		}
	}
	assert_true(i >= 98 && good >= 5);
	json_decref(j);
}

/* Every proof the generator makes for trees up to 130 leaves verifies;
 * with one bit flipped, or one hash dropped or added, none does. */
static void test_proofs_roundtrip(void **state)
{
	for (uint64_t n = 1; n <= MEM_LEAVES; n += (n < 40 ? 1 : 7)) {
		mem_build(n, false);
		tlog_hash_t rn, p[TLOG_PROOF_MAX + 1];
		size_t np;
		assert_int_equal(tlog_root_from(n, mem_subtree, NULL, rn), 0);
		for (uint64_t i = 0; i < n; i++) {
			assert_int_equal(tlog_inclusion_prove(i, n, mem_subtree, NULL, p, &np), 0);
			assert_true(tlog_inclusion_verify(i, n, mem[0][i], p, np, rn));
			assert_false(tlog_inclusion_verify(i, n, mem[0][(i + 1) % n], p, np, rn) &&
			             n > 1);
			if (np > 0) {
				assert_false(tlog_inclusion_verify(i, n, mem[0][i], p, np - 1, rn));
				memcpy(p[np], p[0], TLOG_HASH_LEN);
				assert_false(tlog_inclusion_verify(i, n, mem[0][i], p, np + 1, rn));
				p[np / 2][3] ^= 0x10;
				assert_false(tlog_inclusion_verify(i, n, mem[0][i], p, np, rn));
			}
		}
		for (uint64_t m = 0; m <= n; m++) {
			tlog_hash_t rm;
			tlog_root_from(m, mem_subtree, NULL, rm);
			assert_int_equal(tlog_consistency_prove(m, n, mem_subtree, NULL, p, &np),
			                 0);
			assert_true(tlog_consistency_verify(m, n, rm, rn, p, np));
			if (np > 0) {
				assert_false(tlog_consistency_verify(m, n, rm, rn, p, np - 1));
				memcpy(p[np], p[0], TLOG_HASH_LEN);
				assert_false(tlog_consistency_verify(m, n, rm, rn, p, np + 1));
				p[np - 1][0] ^= 1;
				assert_false(tlog_consistency_verify(m, n, rm, rn, p, np));
			}
		}
	}
}

/* Tamper case 14: the consistency verifier's edge cases. */
static void test_consistency_edges(void **state)
{
	tlog_hash_t r[17], p[TLOG_PROOF_MAX], q[TLOG_PROOF_MAX], empty;
	size_t np, nq;
	mem_build(16, false);
	for (uint64_t s = 0; s <= 16; s++)
		tlog_root_from(s, mem_subtree, NULL, r[s]);
	tlog_empty_root(empty);
	memcpy(q[0], r[3], TLOG_HASH_LEN);
	/* old = 0: the empty tree is consistent with any tree, proof empty. */
	assert_true(tlog_consistency_verify(0, 7, empty, r[7], p, 0));
	assert_false(tlog_consistency_verify(0, 7, empty, r[7], q, 1));
	/* old = new: equal roots, no proof. */
	assert_true(tlog_consistency_verify(5, 5, r[5], r[5], p, 0));
	assert_false(tlog_consistency_verify(5, 5, r[5], r[6], p, 0));
	assert_false(tlog_consistency_verify(5, 5, r[5], r[5], q, 1));
	/* old > new. */
	assert_int_equal(tlog_consistency_prove(7, 5, mem_subtree, NULL, p, &np), DV_EINVAL);
	assert_int_equal(tlog_consistency_prove(5, 7, mem_subtree, NULL, p, &np), 0);
	assert_false(tlog_consistency_verify(7, 5, r[7], r[5], p, np));
	/* An empty proof between different sizes. */
	assert_false(tlog_consistency_verify(5, 7, r[5], r[7], p, 0));
	/* Power-of-two sizes: the old root is not sent, it starts the path. */
	for (uint64_t m = 1; m <= 8; m *= 2)
		for (uint64_t n = m; n <= 16; n *= 2) {
			assert_int_equal(tlog_consistency_prove(m, n, mem_subtree, NULL, p, &np),
			                 0);
			assert_true(tlog_consistency_verify(m, n, r[m], r[n], p, np));
			if (m < n)
				assert_false(tlog_consistency_verify(m, n, r[m], r[n], p, np - 1));
		}
	/* Too long: one hash more, even a plausible one. */
	assert_int_equal(tlog_consistency_prove(6, 13, mem_subtree, NULL, p, &np), 0);
	memcpy(p[np], r[13], TLOG_HASH_LEN);
	assert_false(tlog_consistency_verify(6, 13, r[6], r[13], p, np + 1));
	/* The second size not consumed (hash-tree 0.1.1): a proof made for
	 * (m, n) must not pass for another second size with the same roots. */
	for (uint64_t m = 1; m < 16; m++)
		for (uint64_t n = m + 1; n <= 16; n++) {
			assert_int_equal(tlog_consistency_prove(m, n, mem_subtree, NULL, p, &np),
			                 0);
			for (uint64_t n2 = m + 1; n2 <= 16; n2++) {
				if (n2 == n)
					continue;
				assert_int_equal(
				    tlog_consistency_prove(m, n2, mem_subtree, NULL, q, &nq), 0);
				bool same = nq == np && memcmp(p, q, np * TLOG_HASH_LEN) == 0;
				if (tlog_consistency_verify(m, n2, r[m], r[n2], p, np) != same)
					fail_msg("proof %llu->%llu %s for %llu->%llu",
					         (unsigned long long)m, (unsigned long long)n,
					         same ? "refused" : "accepted",
					         (unsigned long long)m, (unsigned long long)n2);
			}
		}
	/* Inclusion: index beyond the tree, and a proof for another size. */
	assert_int_equal(tlog_inclusion_prove(3, 7, mem_subtree, NULL, p, &np), 0);
	assert_false(tlog_inclusion_verify(7, 7, mem[0][3], p, np, r[7]));
	assert_false(tlog_inclusion_verify(3, 8, mem[0][3], p, np, r[8]));
}

/* ---- notes, keys, checkpoints --------------------------------------------------- */

/* C2SP signed-note.md "Verifier keys", example. */
static const char c2sp_vkey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
static const char c2sp_note[] =
    "This is an example message.\n\n\xe2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";

static void test_note_c2sp_example(void **state)
{
	tlog_vkey_t k;
	static tlog_note_t n;
	char back[256];
	assert_int_equal(tlog_vkey_parse(c2sp_vkey, strlen(c2sp_vkey), &k), 0);
	assert_string_equal(k.name, "example.com/foo");
	assert_int_equal(k.id, 0x530d903a);
	assert_int_equal(tlog_key_id(k.name, k.type, k.pub), 0x530d903a);
	assert_int_equal(tlog_vkey_format(&k, back, sizeof(back)), strlen(c2sp_vkey));
	assert_string_equal(back, c2sp_vkey);
	assert_int_equal(tlog_note_parse(c2sp_note, strlen(c2sp_note), &n), 0);
	assert_int_equal(n.text_len, strlen("This is an example message.\n"));
	bool ok = false;
	assert_int_equal(tlog_note_verify(&n, &k, 1, &ok, NULL), TLOG_NOTE_VERIFIED);
	assert_true(ok);
	/* A vkey whose ID does not match its name and key is refused. */
	char bad[sizeof(c2sp_vkey)];
	memcpy(bad, c2sp_vkey, sizeof(bad));
	bad[17] = bad[17] == '0' ? '1' : '0';
	assert_int_not_equal(tlog_vkey_parse(bad, strlen(bad), &k), 0);
}

static void make_key(ledger_key_t *k, const char *name, uint8_t type)
{
	uint8_t seed[32];
	memset(seed, name[0], sizeof(seed));
	crypto_sign_seed_keypair(k->vkey.pub, k->sk, seed);
	snprintf(k->vkey.name, sizeof(k->vkey.name), "%s", name);
	k->vkey.type = type;
	k->vkey.id = tlog_key_id(name, type, k->vkey.pub);
}

/* A signed checkpoint note in buf. */
static size_t signed_cp(char *buf, size_t cap, const char *body, const ledger_key_t *k)
{
	size_t n = strlen(body);
	memcpy(buf, body, n);
	buf[n++] = '\n';
	n += tlog_note_sign(body, strlen(body), k->vkey.name, k->vkey.id, k->sk, buf + n, cap - n);
	buf[n] = '\0';
	return n;
}

/* Tamper case 9: unknown keys, bad signatures. */
static void test_note_keys(void **state)
{
	ledger_key_t log, other, same_name;
	static tlog_note_t n;
	char buf[2048];
	const char body[] = "example.org/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	make_key(&log, "example.org/log", TLOG_SIGTYPE_ED25519);
	make_key(&other, "example.org/other", TLOG_SIGTYPE_ED25519);
	make_key(&same_name, "example.org/log", TLOG_SIGTYPE_ED25519);
	same_name.vkey.pub[0] ^= 1; /* another key, same name: its ID differs */
	same_name.vkey.id = tlog_key_id(same_name.vkey.name, 1, same_name.vkey.pub);

	size_t len = signed_cp(buf, sizeof(buf), body, &log);
	assert_int_equal(tlog_note_parse(buf, len, &n), 0);
	assert_int_equal(tlog_note_verify(&n, &log.vkey, 1, NULL, NULL), TLOG_NOTE_VERIFIED);
	/* Only unknown signatures: rejected. */
	assert_int_equal(tlog_note_verify(&n, &other.vkey, 1, NULL, NULL), TLOG_NOTE_NO_KEY);
	assert_int_equal(tlog_note_verify(&n, &same_name.vkey, 1, NULL, NULL), TLOG_NOTE_NO_KEY);
	/* A known key whose signature fails: the whole note is rejected, even
	 * beside a good one. */
	len = signed_cp(buf, sizeof(buf), body, &other);
	len += tlog_note_sign(body, strlen(body), log.vkey.name, log.vkey.id, log.sk, buf + len,
	                      sizeof(buf) - len);
	assert_int_equal(tlog_note_parse(buf, len, &n), 0);
	tlog_vkey_t both[2] = {log.vkey, other.vkey};
	assert_int_equal(tlog_note_verify(&n, both, 2, NULL, NULL), TLOG_NOTE_VERIFIED);
	n.sig[0].sig[10] ^= 0x40;
	assert_int_equal(tlog_note_verify(&n, both, 2, NULL, NULL), TLOG_NOTE_BAD_SIG);
	/* The text changed under a valid signature. */
	len = signed_cp(buf, sizeof(buf), body, &log);
	buf[strlen("example.org/log\n")] = '6';
	assert_int_equal(tlog_note_parse(buf, len, &n), 0);
	assert_int_equal(tlog_note_verify(&n, &log.vkey, 1, NULL, NULL), TLOG_NOTE_BAD_SIG);
	/* 16 signatures must be accepted (C2SP signed-note); past our ceiling not. */
	len = signed_cp(buf, sizeof(buf), body, &log);
	static char many[TLOG_NOTE_MAX];
	memcpy(many, buf, len);
	size_t sig_len = len - strlen(body) - 1;
	for (int i = 0; i < 15; i++)
		memcpy(many + len + (size_t)i * sig_len, buf + strlen(body) + 1, sig_len);
	assert_int_equal(tlog_note_parse(many, len + 15 * sig_len, &n), 0);
	assert_int_equal(n.nsig, 16);
	for (int i = 15; i < TLOG_NOTE_SIGS_MAX; i++)
		memcpy(many + len + (size_t)i * sig_len, buf + strlen(body) + 1, sig_len);
	assert_int_equal(tlog_note_parse(many, len + TLOG_NOTE_SIGS_MAX * sig_len, &n), DV_ELIMIT);
}

/* Tamper case 10: malformed notes and checkpoints. */
static void test_note_malformed(void **state)
{
	ledger_key_t k;
	static tlog_note_t n;
	tlog_checkpoint_t cp;
	char buf[2048];
	make_key(&k, "example.org/log", TLOG_SIGTYPE_ED25519);
	const char *root = "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=";
	char good[256];
	snprintf(good, sizeof(good), "example.org/log\n1\n%s\n", root);
	size_t len = signed_cp(buf, sizeof(buf), good, &k);
	assert_int_equal(tlog_note_parse(buf, len, &n), 0);
	assert_int_equal(tlog_checkpoint_parse(n.text, n.text_len, &cp), 0);
	assert_string_equal(cp.origin, "example.org/log");
	assert_int_equal(cp.size, 1);
	assert_int_equal(cp.extensions, 0);

	/* No final newline; no blank line; a control character; not UTF-8;
	 * no signature; a signature line without the em dash. */
	assert_int_not_equal(tlog_note_parse(buf, len - 1, &n), 0);
	const char *notes[] = {
	    "example.org/log\n1\nX\n\xe2\x80\x94 example.org/log AAAA\n",
	    "example.org/log\r\n1\n\n\xe2\x80\x94 example.org/log AAAAAAAA\n",
	    "exam\tple\n1\n\n\xe2\x80\x94 example.org/log AAAAAAAA\n",
	    "example.org/\xff\n1\n\n\xe2\x80\x94 example.org/log AAAAAAAA\n",
	    "example.org/log\n1\n\n",
	    "example.org/log\n1\n\n- example.org/log AAAAAAAA\n",
	    "example.org/log\n1\n\n\xe2\x80\x94 example.org/log AAAAAAA\n",
	    "example.org/log\n1\n\n\xe2\x80\x94 exa+mple AAAAAAAA\n",
	};
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		if (tlog_note_parse(notes[i], strlen(notes[i]), &n) == 0)
			fail_msg("malformed note %zu accepted", i);

	/* Checkpoint bodies: leading zero, reordered, empty origin, extra
	 * empty line, a root of the wrong length or with stray bits, a size
	 * too large. */
	char body[256];
	const char *bodies[][2] = {
	    {"example.org/log\n01\n", "R\n"},
	    {"example.org/log\n", "R\n1\n"},
	    {"\n1\n", "R\n"},
	    {"example.org/log\n1\n", "R\n\n"},
	    {"example.org/log\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoA==\n", ""},
	    {"example.org/log\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB1=\n", ""},
	    {"example.org/log\n99999999999999999999\n", "R\n"},
	    {"example.org/log\n-1\n", "R\n"},
	    {"example.org/log\n 1\n", "R\n"},
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		/* "R" stands for the good root. */
		const char *tail = bodies[i][1];
		snprintf(body, sizeof(body), "%s%s%s", bodies[i][0], tail[0] == 'R' ? root : "",
		         tail[0] == 'R' ? tail + 1 : tail);
		if (tlog_checkpoint_parse(body, strlen(body), &cp) == 0)
			fail_msg("malformed checkpoint %zu accepted: %s", i, body);
	}
	/* An extension line parses, and is counted (the ledger refuses it). */
	snprintf(body, sizeof(body), "example.org/log\n1\n%s\nextra\n", root);
	assert_int_equal(tlog_checkpoint_parse(body, strlen(body), &cp), 0);
	assert_int_equal(cp.extensions, 1);
	/* Key names. */
	assert_true(tlog_name_valid("example.com/log42", 17));
	assert_false(tlog_name_valid("a b", 3));
	assert_false(tlog_name_valid("a+b", 3));
	assert_false(tlog_name_valid("a\xc2\xa0"
	                             "b",
	                             4)); /* U+00A0 */
	assert_false(tlog_name_valid("", 0));
}

static void test_cosignature(void **state)
{
	ledger_key_t log, w;
	static tlog_note_t n;
	char buf[2048], line[256];
	make_key(&log, "example.org/log", TLOG_SIGTYPE_ED25519);
	make_key(&w, "witness.example/w1", TLOG_SIGTYPE_COSIGNATURE);
	const char body[] = "example.org/log\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n";
	size_t len = signed_cp(buf, sizeof(buf), body, &log);
	size_t l = tlog_cosign(body, strlen(body), 1679315147, w.vkey.name, w.vkey.id, w.sk, line,
	                       sizeof(line));
	assert_true(l > 0);
	memcpy(buf + len, line, l + 1);
	assert_int_equal(tlog_note_parse(buf, len + l, &n), 0);
	tlog_vkey_t keys[2] = {log.vkey, w.vkey};
	bool ok[2];
	uint64_t t[2] = {0, 0};
	assert_int_equal(tlog_note_verify(&n, keys, 2, ok, t), TLOG_NOTE_VERIFIED);
	assert_true(ok[0] && ok[1]);
	assert_int_equal(t[1], 1679315147);
	/* The timestamp is signed: change it and the cosignature fails. */
	n.sig[1].sig[7] ^= 1;
	assert_int_equal(tlog_note_verify(&n, keys, 2, ok, t), TLOG_NOTE_BAD_SIG);
	/* The witness's answer alone (signature lines) parses against the text. */
	assert_int_equal(tlog_sigs_parse(line, l, body, strlen(body), &n), 0);
	assert_int_equal(tlog_note_verify(&n, &w.vkey, 1, NULL, NULL), TLOG_NOTE_VERIFIED);
}

static char tmpdir[64];

static void test_key_files(void **state)
{
	char path[512], vpath[128], err[256];
	ledger_key_t k, back;
	tlog_vkey_t vk;
	snprintf(path, sizeof(path), "%s/k", tmpdir);
	snprintf(vpath, sizeof(vpath), "%s/k.pub", tmpdir);
	assert_int_equal(
	    ledger_key_generate(path, vpath, "example.org/log", 1, &k, err, sizeof(err)), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Never replaced. */
	assert_int_not_equal(
	    ledger_key_generate(path, NULL, "example.org/log", 1, &back, err, sizeof(err)), 0);
	assert_int_equal(ledger_key_load(path, &back, err, sizeof(err)), 0);
	assert_memory_equal(back.sk, k.sk, 64);
	assert_int_equal(ledger_vkey_load(vpath, &vk, err, sizeof(err)), 0);
	assert_memory_equal(vk.pub, k.vkey.pub, 32);
	/* A key readable by others is refused, and the message shows no key. */
	chmod(path, 0640);
	assert_int_not_equal(ledger_key_load(path, &back, err, sizeof(err)), 0);
	assert_null(strstr(err, "PRIVATE"));
	chmod(path, 0600);
	/* A symbolic link is not followed. */
	char link[512];
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_not_equal(ledger_key_load(link, &back, err, sizeof(err)), 0);
	assert_int_not_equal(
	    ledger_key_generate(link, NULL, "example.org/log", 1, &back, err, sizeof(err)), 0);
	ledger_key_clear(&k);
	ledger_key_clear(&back);
}

/* ---- the ledger and its tamper cases ------------------------------------------- */

#define ORIGIN "test.example/ledger"
#define T0     1764759600

/* A fresh ledger of n entries; checkpoints every 16 and at the end. */
static void make_ledger(const char *dir, unsigned n)
{
	char err[256] = "", cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	ledger_opts_t o = {.origin = ORIGIN, .checkpoint_entries = 16};
	ledger_t *l = NULL;
	assert_int_equal(ledger_open(dir, &o, &l, err, sizeof(err)), 0);
	for (unsigned i = 0; i < n; i++) {
		json_t *ev =
		    json_pack("{s:i, s:s}", "serial", 2026000000 + (int)i, "server", "192.0.2.1");
		ledger_entry_t e = {.kind = "zone.serial", .zone = "example.", .evidence = ev};
		assert_int_equal(ledger_append(l, &e, T0 + i, NULL), 0);
		json_decref(ev);
	}
	assert_int_equal(ledger_close(l, T0 + n), 0);
}

static int verify(const char *dir, const ledger_verify_opts_t *vo, ledger_verify_result_t *r)
{
	static const ledger_verify_opts_t none = {0};
	char err[256] = "";
	int ret = ledger_verify(dir, vo ? vo : &none, r, err, sizeof(err));
	if (ret != 0)
		fail_msg("verify %s: %s", dir, err);
	for (size_t i = 0; i < r->nproblems; i++)
		print_message("  verify: %s %s\n", r->problems[i].code, r->problems[i].message);
	return (int)r->worst;
}

static bool has(const ledger_verify_result_t *r, const char *code)
{
	for (size_t i = 0; i < r->nproblems; i++)
		if (strcmp(r->problems[i].code, code) == 0)
			return true;
	return false;
}

static void sql(const char *dir, const char *q)
{
	char path[512];
	sqlite3 *db;
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg);
	sqlite3_close(db);
}

static int sql_try(const char *dir, const char *q)
{
	char path[512];
	sqlite3 *db;
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	int r = sqlite3_exec(db, q, NULL, NULL, NULL);
	sqlite3_close(db);
	return r;
}

static const char drop_triggers[] =
    "DROP TRIGGER leaf_no_update; DROP TRIGGER leaf_no_delete; DROP TRIGGER node_no_update;"
    "DROP TRIGGER node_no_delete; DROP TRIGGER checkpoint_no_update;"
    "DROP TRIGGER checkpoint_no_delete; DROP TRIGGER cosig_no_delete;";

/* The stored nodes, as the ledger keeps them (levels 4, 8, …). */
static sqlite3_stmt *node_ins;
static int store_node(void *ctx, unsigned level, uint64_t index, const tlog_hash_t hash)
{
	if (level == 0 || level % 4 != 0)
		return 0;
	sqlite3_bind_int(node_ins, 1, (int)level);
	sqlite3_bind_int64(node_ins, 2, (sqlite3_int64)index);
	sqlite3_bind_blob(node_ins, 3, hash, 32, SQLITE_TRANSIENT);
	sqlite3_step(node_ins);
	sqlite3_reset(node_ins);
	return 0;
}

/*
 * What an attacker with write access does after editing entries: recompute
 * every leaf hash, the stored nodes and the tree state; with a key (stolen,
 * case 13) also re-sign every checkpoint.  Without the key the old
 * signatures stay.
 */
static void rehash(const char *dir, bool resign)
{
	char path[512], err[256];
	sqlite3 *db;
	sqlite3_stmt *st, *up;
	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_exec(db, drop_triggers, NULL, NULL, NULL);
	sqlite3_exec(db, "BEGIN; DELETE FROM node;", NULL, NULL, NULL);
	tlog_range_t r;
	tlog_range_init(&r);
	sqlite3_prepare_v2(db, "INSERT INTO node(level, idx, hash) VALUES(?, ?, ?)", -1, &node_ins,
	                   NULL);
	sqlite3_prepare_v2(db, "SELECT idx, body FROM leaf ORDER BY idx", -1, &st, NULL);
	sqlite3_prepare_v2(db, "UPDATE leaf SET lh = ? WHERE idx = ?", -1, &up, NULL);
	static tlog_hash_t roots[8192];
	while (sqlite3_step(st) == SQLITE_ROW) {
		tlog_hash_t lh;
		tlog_leaf_hash(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), lh);
		sqlite3_bind_blob(up, 1, lh, 32, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 2, sqlite3_column_int64(st, 0));
		sqlite3_step(up);
		sqlite3_reset(up);
		tlog_range_append(&r, lh, store_node, NULL);
		if (r.size < 8192)
			tlog_range_root(&r, roots[r.size]);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	sqlite3_finalize(node_ins);
	uint8_t enc[8 + 64 * 32];
	size_t elen = tlog_range_encode(&r, enc, sizeof(enc));
	sqlite3_prepare_v2(db, "UPDATE tree SET frontier = ?", -1, &up, NULL);
	sqlite3_bind_blob(up, 1, enc, (int)elen, SQLITE_TRANSIENT);
	sqlite3_step(up);
	sqlite3_finalize(up);
	if (resign) {
		ledger_key_t k;
		char kp[512];
		snprintf(kp, sizeof(kp), "%s/ledger.key", dir);
		assert_int_equal(ledger_key_load(kp, &k, err, sizeof(err)), 0);
		sqlite3_prepare_v2(db, "SELECT size FROM checkpoint", -1, &st, NULL);
		sqlite3_prepare_v2(db, "UPDATE checkpoint SET note = ? WHERE size = ?", -1, &up,
		                   NULL);
		while (sqlite3_step(st) == SQLITE_ROW) {
			uint64_t size = (uint64_t)sqlite3_column_int64(st, 0);
			char body[256], note[1024];
			if (size > r.size || size >= 8192)
				continue;
			tlog_checkpoint_format(ORIGIN, size, roots[size], body, sizeof(body));
			signed_cp(note, sizeof(note), body, &k);
			sqlite3_bind_text(up, 1, note, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(up, 2, (sqlite3_int64)size);
			sqlite3_step(up);
			sqlite3_reset(up);
		}
		sqlite3_finalize(st);
		sqlite3_finalize(up);
		ledger_key_clear(&k);
	}
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static char base[128], work[128];

/* A copy of the clean 100-entry ledger to tamper with. */
static void fresh(void)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -a %s %s", work, base, work);
	assert_int_equal(system(cmd), 0);
}

static void test_ledger_clean(void **state)
{
	ledger_verify_result_t r;
	fresh();
	/* Intact, but no witness: a warning, never OK (case 11's sibling). */
	assert_int_equal(verify(work, NULL, &r), LEDGER_WARNING);
	assert_int_equal(r.size, 100);
	assert_int_equal(r.unanchored_since, T0); /* the time of entry 0 */
	assert_int_equal(r.checkpoints, 7);       /* 16, 32, …, 96 and 100 at close */
	assert_true(has(&r, "unanchored"));
	assert_int_equal(r.nproblems, 1);
	/* Proofs from the stored nodes verify against the checkpoint. */
	char err[256];
	ledger_opts_t ro = {.read_only = true};
	ledger_t *l = NULL;
	tlog_vkey_t key;
	char vp[512];
	snprintf(vp, sizeof(vp), "%s/ledger.pub", work);
	assert_int_equal(ledger_vkey_load(vp, &key, err, sizeof(err)), 0);
	assert_int_equal(ledger_open(work, &ro, &l, err, sizeof(err)), 0);
	for (uint64_t i = 0; i < 100; i += 7) {
		char *p = NULL;
		size_t len = 0;
		ledger_verify_result_t pr;
		assert_int_equal(ledger_prove_inclusion(l, i, &p, &len), 0);
		assert_int_equal(
		    ledger_proof_check(p, len, &key, NULL, 0, NULL, 0, &pr, err, sizeof(err)), 0);
		assert_int_equal(pr.worst, LEDGER_OK);
		/* One changed character in the carried entry: not proven. */
		char *x = strstr(p, "extra ") + 10;
		*x = *x == 'A' ? 'B' : 'A';
		assert_int_equal(
		    ledger_proof_check(p, len, &key, NULL, 0, NULL, 0, &pr, err, sizeof(err)), 0);
		assert_int_equal(pr.worst, LEDGER_ERROR);
		free(p);
	}
	char *old = NULL, *p = NULL;
	size_t olen, plen;
	ledger_verify_result_t pr;
	assert_int_equal(ledger_prove_consistency(l, 48, 100, &p, &plen), 0);
	sqlite3 *db;
	char dbp[512];
	snprintf(dbp, sizeof(dbp), "%s/ledger.db", work);
	sqlite3_open(dbp, &db);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT note FROM checkpoint WHERE size = 48", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	old = strdup((const char *)sqlite3_column_text(st, 0));
	olen = strlen(old);
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(
	    ledger_proof_check(p, plen, &key, NULL, 0, old, olen, &pr, err, sizeof(err)), 0);
	assert_int_equal(pr.worst, LEDGER_OK);
	/* Against another old checkpoint: refused. */
	char *x = strstr(old, "\n") + 1;
	*x = *x == '4' ? '3' : '4'; /* "48" becomes "38": the signature fails */
	assert_int_equal(
	    ledger_proof_check(p, plen, &key, NULL, 0, old, olen, &pr, err, sizeof(err)), 0);
	assert_int_equal(pr.worst, LEDGER_ERROR);
	free(old);
	free(p);
	ledger_free(l);
}

/* Cases 1 and 15: one bit flipped in an entry, triggers dropped first. */
static void test_tamper_bitflip(void **state)
{
	ledger_verify_result_t r;
	fresh();
	/* The triggers stop an accidental UPDATE or DELETE … */
	assert_int_not_equal(sql_try(work, "UPDATE leaf SET body = body WHERE idx = 10"),
	                     SQLITE_OK);
	assert_int_not_equal(sql_try(work, "DELETE FROM leaf WHERE idx = 99"), SQLITE_OK);
	/* … but not someone who drops them. */
	sql(work, drop_triggers);
	sql(work,
	    "UPDATE leaf SET body = replace(body, '2026000010', '2026000011') WHERE idx = 10");
	assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
	assert_true(has(&r, "leaf_hash_mismatch"));
	assert_true(has(&r, "root_mismatch"));
}

/* Case 2: the same with the hashes and tree recomputed, no key. */
static void test_tamper_rehashed(void **state)
{
	ledger_verify_result_t r;
	fresh();
	sql(work, drop_triggers);
	sql(work,
	    "UPDATE leaf SET body = replace(body, '2026000010', '2026000011') WHERE idx = 10");
	rehash(work, false);
	assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
	assert_false(has(&r, "leaf_hash_mismatch"));
	assert_false(has(&r, "node_mismatch"));
	assert_false(has(&r, "tree_state_mismatch"));
	/* Every checkpoint from 16 on signed another root. */
	assert_true(has(&r, "root_mismatch"));
	/* And the root line of a checkpoint rewritten to match: the signature fails. */
	sql(work,
	    "UPDATE checkpoint SET note = replace(note, substr(note, 1, 40), substr(note, 1, 39)"
	    " || 'x') WHERE size = 100");
	verify(work, NULL, &r);
	assert_true(has(&r, "checkpoint_bad_signature") || has(&r, "checkpoint_malformed"));
}

/* Cases 3, 4, 5: deleted and renumbered, swapped, inserted. */
static void test_tamper_reorder(void **state)
{
	ledger_verify_result_t r;
	fresh();
	sql(work, drop_triggers);
	sql(work, "DELETE FROM leaf WHERE idx = 10; UPDATE leaf SET idx = idx - 1 WHERE idx > 10;");
	rehash(work, false);
	assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
	assert_true(has(&r, "root_mismatch"));
	assert_true(has(&r, "log_truncated")); /* 99 entries, a checkpoint of 100 */

	fresh();
	sql(work, drop_triggers);
	sql(work,
	    "UPDATE leaf SET idx = -1 WHERE idx = 10; UPDATE leaf SET idx = 10 WHERE idx = 11;"
	    "UPDATE leaf SET idx = 11 WHERE idx = -1;");
	rehash(work, false);
	assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
	assert_true(has(&r, "root_mismatch"));
	assert_true(has(&r, "entry_time_backwards")); /* entry 11 is now older than 10 */

	fresh();
	sql(work, drop_triggers);
	sql(work,
	    "UPDATE leaf SET idx = idx + 1000 WHERE idx >= 10; UPDATE leaf SET idx = idx - 999"
	    " WHERE idx >= 1000; INSERT INTO leaf(idx, body, lh) SELECT 10, body, lh FROM leaf"
	    " WHERE idx = 9;");
	rehash(work, false);
	assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
	assert_true(has(&r, "root_mismatch"));
}

/* Case 6: the tail truncated below the latest checkpoint. */
static void test_tamper_truncated(void **state)
{
	ledger_verify_result_t r;
	fresh();
	sql(work, drop_triggers);
	sql(work, "DELETE FROM leaf WHERE idx >= 90");
	rehash(work, false);
	assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
	assert_true(has(&r, "log_truncated"));
	assert_false(has(&r, "root_mismatch")); /* what is left is genuine */
	/* Deleting the checkpoints that name the lost entries too leaves an
	 * intact-looking shorter log: only a copy kept elsewhere (case 8) or a
	 * witness (functional test) can tell.  Here: the exported copy. */
	fresh();
	char saved[512];
	snprintf(saved, sizeof(saved), "%s.cp100", work);
	sql(work, "SELECT 1"); /* the database as it is */
	{
		sqlite3 *db;
		sqlite3_stmt *st;
		char dbp[512];
		snprintf(dbp, sizeof(dbp), "%s/ledger.db", work);
		sqlite3_open(dbp, &db);
		sqlite3_prepare_v2(db, "SELECT note FROM checkpoint WHERE size = 100", -1, &st,
		                   NULL);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		FILE *f = fopen(saved, "w");
		fputs((const char *)sqlite3_column_text(st, 0), f);
		fclose(f);
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	sql(work, drop_triggers);
	sql(work, "DELETE FROM leaf WHERE idx >= 90; DELETE FROM checkpoint WHERE size > 90;"
	          "UPDATE tree SET cp_size = 80;");
	rehash(work, false);
	assert_int_equal(verify(work, NULL, &r), LEDGER_WARNING);
	const char *files[] = {saved};
	ledger_verify_opts_t vo = {.checkpoint_files = files, .ncheckpoint_files = 1};
	assert_int_equal(verify(work, &vo, &r), LEDGER_ERROR);
	assert_true(has(&r, "rollback"));
	/* Case 7 offline: re-grown to 100 with other content (a fork). */
	ledger_opts_t o = {0};
	ledger_t *l = NULL;
	char err[256];
	sql(work, "UPDATE tree SET cp_size = 80, pending_since = 0");
	assert_int_equal(ledger_open(work, &o, &l, err, sizeof(err)), 0);
	for (int i = 0; i < 10; i++) {
		ledger_entry_t e = {.kind = "operator.note", .zone = "example."};
		assert_int_equal(ledger_append(l, &e, T0 + 200, NULL), 0);
	}
	assert_int_equal(ledger_close(l, T0 + 200), 0);
	assert_int_equal(verify(work, &vo, &r), LEDGER_ERROR);
	assert_true(has(&r, "fork"));
	assert_int_equal(r.size, 100);
	unlink(saved);
}

/* Case 8: the whole directory restored from an older backup. */
static void test_tamper_restored(void **state)
{
	char old[512], cmd[2048], saved[160];
	ledger_verify_result_t r;
	make_ledger(work, 40);
	snprintf(old, sizeof(old), "%s.old", work);
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -a %s %s", old, work, old);
	assert_int_equal(system(cmd), 0);
	/* Later entries; the newest checkpoint is kept elsewhere. */
	char err[256];
	ledger_opts_t o = {0};
	ledger_t *l = NULL;
	assert_int_equal(ledger_open(work, &o, &l, err, sizeof(err)), 0);
	ledger_entry_t e = {.kind = "operator.note"};
	for (int i = 0; i < 5; i++)
		assert_int_equal(ledger_append(l, &e, T0 + 100, NULL), 0);
	o.export_file = saved;
	ledger_free(l);
	snprintf(saved, sizeof(saved), "%s.export", work);
	unlink(saved);
	ledger_opts_t oe = {.export_file = saved};
	assert_int_equal(ledger_open(work, &oe, &l, err, sizeof(err)), 0);
	assert_int_equal(ledger_close(l, T0 + 100), 0);
	/* The restored backup verifies on its own (every old checkpoint is
	 * genuine) … */
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mv %s %s", work, old, work);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(verify(work, NULL, &r), LEDGER_WARNING);
	/* … and the exported checkpoint shows the rollback. */
	const char *files[] = {saved};
	ledger_verify_opts_t vo = {.checkpoint_files = files, .ncheckpoint_files = 1};
	assert_int_equal(verify(work, &vo, &r), LEDGER_ERROR);
	assert_true(has(&r, "rollback"));
	unlink(saved);
	make_ledger(work, 0);
}

/* Cases 9 and 10 in the database: other keys, bad signatures, other
 * origin, extra lines. */
static void test_tamper_checkpoints(void **state)
{
	ledger_verify_result_t r;
	ledger_key_t other;
	char note[1024], body[256], q[2048];
	make_key(&other, ORIGIN, TLOG_SIGTYPE_ED25519);
	/* Signed by another key of the same name. */
	fresh();
	sql(work, drop_triggers);
	{
		sqlite3 *db;
		sqlite3_stmt *st;
		char dbp[512];
		snprintf(dbp, sizeof(dbp), "%s/ledger.db", work);
		sqlite3_open(dbp, &db);
		sqlite3_prepare_v2(db, "SELECT note FROM checkpoint WHERE size = 64", -1, &st,
		                   NULL);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		const char *n = (const char *)sqlite3_column_text(st, 0);
		size_t bl = (size_t)(strstr(n, "\n\n") - n) + 1;
		memcpy(body, n, bl);
		body[bl] = '\0';
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	signed_cp(note, sizeof(note), body, &other);
	snprintf(q, sizeof(q), "UPDATE checkpoint SET note = '%s' WHERE size = 64", note);
	sql(work, q);
	assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
	assert_true(has(&r, "checkpoint_unknown_key"));
	/* The right key, a flipped signature bit. */
	fresh();
	sql(work, drop_triggers);
	sql(work, "UPDATE checkpoint SET note = substr(note, 1, length(note) - 6) ||"
	          " CASE substr(note, length(note) - 5, 1) WHEN 'A' THEN 'B' ELSE 'A' END ||"
	          " substr(note, length(note) - 4) WHERE size = 64");
	assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
	assert_true(has(&r, "checkpoint_bad_signature"));
	/* Other origin, signed with the log's own key (the origin check, not
	 * the signature, must catch it). */
	ledger_key_t k;
	char kp[512], err[256];
	snprintf(kp, sizeof(kp), "%s/ledger.key", work);
	assert_int_equal(ledger_key_load(kp, &k, err, sizeof(err)), 0);
	const char *codes[] = {"checkpoint_origin", "checkpoint_malformed"};
	for (int i = 0; i < 2; i++) {
		char b2[300];
		fresh();
		sql(work, drop_triggers);
		if (i == 0)
			snprintf(b2, sizeof(b2), "other.example/log\n%s", strchr(body, '\n') + 1);
		else
			snprintf(b2, sizeof(b2), "%sextension\n", body);
		signed_cp(note, sizeof(note), b2, &k);
		snprintf(q, sizeof(q), "UPDATE checkpoint SET note = '%s' WHERE size = 64", note);
		sql(work, q);
		assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
		if (!has(&r, codes[i]))
			fail_msg("case %d: no %s", i, codes[i]);
	}
	ledger_key_clear(&k);
}

/* Case 11: every checkpoint deleted: unanchored since entry 0. */
static void test_tamper_no_checkpoints(void **state)
{
	ledger_verify_result_t r;
	fresh();
	sql(work, drop_triggers);
	sql(work, "DELETE FROM checkpoint; UPDATE tree SET cp_size = 0");
	assert_int_equal(verify(work, NULL, &r), LEDGER_WARNING);
	assert_true(has(&r, "unanchored"));
	assert_int_equal(r.anchored_size, 0);
	assert_int_equal(r.checkpoints, 0);
	bool since0 = false;
	for (size_t i = 0; i < r.nproblems; i++)
		if (strcmp(r.problems[i].code, "unanchored") == 0 && r.problems[i].entry == 0)
			since0 = true;
	assert_true(since0);
}

/* Case 12 (and 13 locally): times going backwards, every hash and
 * signature redone with the stolen key: only the time check catches it. */
static void test_tamper_time_backwards(void **state)
{
	ledger_verify_result_t r;
	fresh();
	sql(work, drop_triggers);
	sql(work, "UPDATE leaf SET body = replace(body, '2025-12-03T11:00:50Z',"
	          " '2025-12-03T10:00:50Z') WHERE idx = 50");
	rehash(work, true);
	assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
	assert_true(has(&r, "entry_time_backwards"));
	assert_false(has(&r, "root_mismatch"));
	assert_false(has(&r, "checkpoint_bad_signature"));
	/* Entries that dnsvigil cannot have written: not canonical (a space),
	 * an unknown field, not JSON; hashes and signatures redone. */
	const char *bad[] = {
	    "UPDATE leaf SET body = replace(body, '{\"evidence\":', '{ \"evidence\":') WHERE idx = "
	    "7",
	    "UPDATE leaf SET body = replace(body, '\"kind\"', '\"extra\":1,\"kind\"') WHERE idx = "
	    "7",
	    "UPDATE leaf SET body = 'not json' WHERE idx = 7",
	};
	for (int i = 0; i < 3; i++) {
		fresh();
		sql(work, drop_triggers);
		sql(work, bad[i]);
		rehash(work, true);
		assert_int_equal(verify(work, NULL, &r), LEDGER_ERROR);
		if (!has(&r, "entry_malformed"))
			fail_msg("malformed entry %d not found", i);
	}
	/* A rewrite that keeps times in order passes locally: with a stolen
	 * key only a witness tells (functional test test_ledger). */
	fresh();
	sql(work, drop_triggers);
	sql(work,
	    "UPDATE leaf SET body = replace(body, '2026000050', '2026000099') WHERE idx = 50");
	rehash(work, true);
	assert_int_equal(verify(work, NULL, &r), LEDGER_WARNING);
}

/* Case 12 across the verifier's batches of 2,048 entries: a time going
 * back at the first entry of a batch, and inside a later one. */
static void test_time_across_batches(void **state)
{
	char dir[512], cmd[600], err[256];
	ledger_verify_result_t r;
	snprintf(dir, sizeof(dir), "%s/many", tmpdir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	ledger_opts_t o = {.origin = ORIGIN};
	ledger_t *l = NULL;
	assert_int_equal(ledger_open(dir, &o, &l, err, sizeof(err)), 0);
	ledger_entry_t e[500];
	for (int i = 0; i < 500; i++)
		e[i] = (ledger_entry_t){.kind = "operator.note"};
	for (int b = 0; b < 10; b++) /* 5,000 entries, one second apart per batch */
		assert_int_equal(ledger_append_batch(l, e, 500, T0 + b, NULL), 0);
	assert_int_equal(ledger_close(l, T0 + 10), 0);
	assert_int_equal(verify(dir, NULL, &r), LEDGER_WARNING);
	assert_false(has(&r, "entry_time_backwards"));
	assert_false(has(&r, "node_mismatch"));
	/* Entry 2048 (first of the second batch) an hour back. */
	sql(dir, drop_triggers);
	sql(dir, "UPDATE leaf SET body = replace(body, '2025-12-03T11:00:04Z',"
	         " '2025-12-03T10:00:04Z') WHERE idx = 2048");
	rehash(dir, true);
	assert_int_equal(verify(dir, NULL, &r), LEDGER_ERROR);
	assert_true(has(&r, "entry_time_backwards"));
	assert_false(has(&r, "node_mismatch")); /* the rewrite is complete */
	assert_false(has(&r, "root_mismatch"));
	bool at2048 = false;
	for (size_t i = 0; i < r.nproblems; i++)
		if (strcmp(r.problems[i].code, "entry_time_backwards") == 0 &&
		    r.problems[i].entry == 2048)
			at2048 = true;
	assert_true(at2048);
}

/* Appends: canonical entries, times clamped, bad input refused, and a
 * crash between statements is impossible to observe (one transaction). */
static void test_append_rules(void **state)
{
	char dir[512], err[256];
	snprintf(dir, sizeof(dir), "%s/rules", tmpdir);
	ledger_opts_t o = {.origin = ORIGIN};
	ledger_t *l = NULL;
	assert_int_equal(ledger_open(dir, &o, &l, err, sizeof(err)), 0);
	json_t *ev = json_pack("{s:s, s:i, s:[i,i]}", "b", "x", "a", 1, "c", 2, 1);
	ledger_entry_t e = {.kind = "dnskey.added", .zone = "example.", .evidence = ev};
	uint64_t idx;
	assert_int_equal(ledger_append(l, &e, T0 + 10, &idx), 0);
	assert_int_equal(idx, 0);
	/* Earlier time: raised to the last entry's. */
	assert_int_equal(ledger_append(l, &e, T0, &idx), 0);
	json_decref(ev);
	/* Reals, bad kinds, non-object evidence: refused, nothing written. */
	ev = json_pack("{s:f}", "x", 1.5);
	ledger_entry_t bad1 = {.kind = "zone.serial", .evidence = ev};
	assert_int_equal(ledger_append(l, &bad1, T0, NULL), DV_EINVAL);
	json_decref(ev);
	ledger_entry_t bad2 = {.kind = "Zone Serial"};
	assert_int_equal(ledger_append(l, &bad2, T0, NULL), DV_EINVAL);
	e.evidence = NULL; /* released above */
	ledger_entry_t batch[3] = {e, e, bad2};
	assert_int_equal(ledger_append_batch(l, batch, 3, T0, NULL), DV_EINVAL);
	ledger_status_t st;
	assert_int_equal(ledger_status(l, &st), 0);
	assert_int_equal(st.size, 2);
	assert_int_equal(st.unanchored, 2);
	assert_int_equal(st.checkpoint_size, 0);
	/* 300 s after the first unanchored entry a checkpoint is due. */
	assert_int_equal(ledger_tick(l, T0 + 100), 0);
	assert_int_equal(ledger_status(l, &st), 0);
	assert_int_equal(st.checkpoint_size, 0);
	assert_int_equal(ledger_tick(l, T0 + 310), 0);
	assert_int_equal(ledger_status(l, &st), 0);
	assert_int_equal(st.checkpoint_size, 2);
	ledger_free(l);
	/* A witness list given replaces the stored one. */
	ledger_key_t w1, w2;
	char v1[300], v2[300];
	make_key(&w1, "w1.example/w", TLOG_SIGTYPE_COSIGNATURE);
	make_key(&w2, "w2.example/w", TLOG_SIGTYPE_COSIGNATURE);
	tlog_vkey_format(&w1.vkey, v1, sizeof(v1));
	tlog_vkey_format(&w2.vkey, v2, sizeof(v2));
	ledger_witness_t two[2] = {{v1, "http://127.0.0.1:9/"}, {v2, "http://127.0.0.1:9/"}};
	ledger_opts_t ow = {.witnesses = two, .nwitnesses = 2};
	assert_int_equal(ledger_open(dir, &ow, &l, err, sizeof(err)), 0);
	ledger_free(l);
	ow.witnesses = two + 1;
	ow.nwitnesses = 1;
	assert_int_equal(ledger_open(dir, &ow, &l, err, sizeof(err)), 0);
	ledger_free(l);
	ledger_opts_t none = {0};
	assert_int_equal(ledger_open(dir, &none, &l, err, sizeof(err)), 0);
	ledger_free(l);
	{
		sqlite3 *wdb;
		sqlite3_stmt *ws;
		char wp[600];
		snprintf(wp, sizeof(wp), "%s/ledger.db", dir);
		sqlite3_open(wp, &wdb);
		sqlite3_prepare_v2(wdb, "SELECT group_concat(vkey) FROM witness", -1, &ws, NULL);
		assert_int_equal(sqlite3_step(ws), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(ws, 0), v2);
		sqlite3_finalize(ws);
		sqlite3_close(wdb);
	}
	/* The origin is fixed at creation. */
	ledger_opts_t o2 = {.origin = "other.example/log"};
	assert_int_not_equal(ledger_open(dir, &o2, &l, err, sizeof(err)), 0);
	assert_non_null(strstr(err, ORIGIN));
	/* The stored form is canonical: sorted keys, no spaces. */
	ledger_verify_result_t r;
	verify(dir, NULL, &r);
	assert_false(has(&r, "entry_malformed"));
	assert_false(has(&r, "entry_time_backwards"));
	sqlite3 *db;
	sqlite3_stmt *s;
	char dbp[600];
	snprintf(dbp, sizeof(dbp), "%s/ledger.db", dir);
	sqlite3_open(dbp, &db);
	sqlite3_prepare_v2(db, "SELECT body FROM leaf WHERE idx = 1", -1, &s, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal(
	    (const char *)sqlite3_column_text(s, 0),
	    "{\"evidence\":{\"a\":1,\"b\":\"x\",\"c\":[2,1]},\"kind\":\"dnskey.added\","
	    "\"time\":\"2025-12-03T11:00:10Z\",\"zone\":\"example.\"}");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dv-test-ledger.XXXXXX");
	if (mkdtemp(tmpdir) == NULL || sodium_init() < 0)
		return -1;
	snprintf(base, sizeof(base), "%s/base", tmpdir);
	snprintf(work, sizeof(work), "%s/work", tmpdir);
	make_ledger(base, 100);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kat_roots),
	    cmocka_unit_test(test_vectors_inclusion),
	    cmocka_unit_test(test_vectors_consistency),
	    cmocka_unit_test(test_proofs_roundtrip),
	    cmocka_unit_test(test_consistency_edges),
	    cmocka_unit_test(test_note_c2sp_example),
	    cmocka_unit_test(test_note_keys),
	    cmocka_unit_test(test_note_malformed),
	    cmocka_unit_test(test_cosignature),
	    cmocka_unit_test(test_key_files),
	    cmocka_unit_test(test_ledger_clean),
	    cmocka_unit_test(test_tamper_bitflip),
	    cmocka_unit_test(test_tamper_rehashed),
	    cmocka_unit_test(test_tamper_reorder),
	    cmocka_unit_test(test_tamper_truncated),
	    cmocka_unit_test(test_tamper_restored),
	    cmocka_unit_test(test_tamper_checkpoints),
	    cmocka_unit_test(test_tamper_no_checkpoints),
	    cmocka_unit_test(test_tamper_time_backwards),
	    cmocka_unit_test(test_time_across_batches),
	    cmocka_unit_test(test_append_rules),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
