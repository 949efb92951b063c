/* libFuzzer target: the proof verifiers.  The input chooses sizes, an
 * index, the proof hashes and a mutation; a real tree of those sizes gives
 * the true roots.  Invariants: an honest proof verifies; a proof that
 * differs from it (other hashes, length, sizes, index) never verifies.
 * Inputs starting with 'P' go to ledger_proof_check as proof text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LEAVES 300
static tlog_hash_t leaf[LEAVES];
static tlog_hash_t level[10][LEAVES];

static int subtree(void *ctx, unsigned lvl, uint64_t index, tlog_hash_t out)
{
	(void)ctx;
	if (lvl >= 10 || ((index + 1) << lvl) > LEAVES)
		return -1;
	memcpy(out, level[lvl][index], TLOG_HASH_LEN);
	return 0;
}

static void build(void)
{
	for (unsigned i = 0; i < LEAVES; i++) {
		uint8_t b[2] = {(uint8_t)i, (uint8_t)(i >> 8)};
		tlog_leaf_hash(b, 2, leaf[i]);
		memcpy(level[0][i], leaf[i], TLOG_HASH_LEN);
	}
	for (unsigned l = 1; l < 10; l++)
		for (unsigned i = 0; (i + 1) << l <= LEAVES; i++)
			tlog_node_hash(level[l - 1][2 * i], level[l - 1][2 * i + 1], level[l][i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int built;
	if (!built) {
		build();
		built = 1;
	}
	/* First byte 'P': the rest is proof text for ledger_proof_check, with
	 * the key and old checkpoint of the seeds (corpus/proof). */
	if (size > 0 && data[0] == 'P') {
		static const char vkey[] =
		    "dnsvigil/vm+ae6ce02b+Ae+8G5FPagQt3JpJU+12COmV9diIjBbAjwEmRICtOEPE";
		static const char old[] =
		    "dnsvigil/vm\n1\nSko/469aT/IOEEev3g/LP8NTPGAN3a5QEYyLOVcrlnA=\n\n"
		    "\xe2\x80\x94 dnsvigil/vm "
		    "rmzgKyVVb6ri9mS0Q/0KC3duKdLCrGtMHN0vXNn9fGihY/Fd+URxYrBBnm7rZ"
		    "+N1TB5oFrzs50bkLOtm9r8at7T8bAs=\n";
		static ledger_verify_result_t r;
		tlog_vkey_t k;
		char err[256];
		if (tlog_vkey_parse(vkey, strlen(vkey), &k) != 0)
			abort();
		if (ledger_proof_check((const char *)data + 1, size - 1, &k, NULL, 0, old,
		                       strlen(old), &r, err, sizeof(err)) == 0 &&
		    r.worst == LEDGER_OK && r.checkpoints != 1)
			abort(); /* "proven" only through a verified checkpoint */
		return 0;
	}
	if (size < 6)
		return 0;
	uint64_t m = (data[0] | data[1] << 8) % (LEAVES + 1);
	uint64_t n = (data[2] | data[3] << 8) % (LEAVES + 1);
	unsigned mut = data[4];
	const uint8_t *rest = data + 5;
	size_t rlen = size - 5;
	if (m > n) {
		uint64_t t = m;
		m = n;
		n = t;
	}
	tlog_hash_t rm, rn, proof[TLOG_PROOF_MAX + 1];
	size_t np = 0;
	if (tlog_root_from(m, subtree, NULL, rm) != 0 ||
	    tlog_root_from(n, subtree, NULL, rn) != 0 ||
	    tlog_consistency_prove(m, n, subtree, NULL, proof, &np) != 0)
		abort();
	if (!tlog_consistency_verify(m, n, rm, rn, proof, np))
		abort();
	/* Mutations: overwrite a hash byte, drop or add a hash, shift a size. */
	tlog_hash_t bad[TLOG_PROOF_MAX + 1];
	memcpy(bad, proof, sizeof(proof));
	size_t nb = np;
	uint64_t bm = m, bn = n;
	bool changed = false;
	switch (mut % 5) {
	case 0:
		if (np > 0 && rlen > 0) {
			size_t at = rest[0] % np;
			uint8_t x = rlen > 1 ? rest[1] : 1;
			if (x != 0) {
				bad[at][rest[0] % TLOG_HASH_LEN] ^= x;
				changed = true;
			}
		}
		break;
	case 1:
		if (np > 0) {
			nb--;
			changed = true;
		}
		break;
	case 2:
		memcpy(bad[nb], rlen >= 32 ? rest : (const uint8_t *)proof, TLOG_HASH_LEN);
		nb++;
		changed = true;
		break;
	case 3:
		bn = n + 1 + (rlen ? rest[0] % 4 : 0);
		changed = bn <= LEAVES;
		break;
	default:
		if (m > 0 && m < n) {
			bm = m - 1;
			changed = true;
		}
		break;
	}
	if (changed && bn <= LEAVES) {
		/* Honest sizes, another proof: never proven (every proof hash
		 * is consumed, so a change reaches a root).  Other sizes, their
		 * true roots: proven only if the honest proof for those sizes
		 * is this very proof. */
		tlog_hash_t rbm, rbn, hp[TLOG_PROOF_MAX];
		size_t nh = 0;
		tlog_root_from(bm, subtree, NULL, rbm);
		tlog_root_from(bn, subtree, NULL, rbn);
		if (tlog_consistency_prove(bm, bn, subtree, NULL, hp, &nh) != 0)
			abort();
		bool same = nh == nb && memcmp(hp, bad, nb * TLOG_HASH_LEN) == 0;
		if (tlog_consistency_verify(bm, bn, rbm, rbn, bad, nb) != same)
			abort();
	}
	/* Inclusion: index from the input, the same mutations. */
	if (n > 0) {
		uint64_t idx = (rlen > 2 ? rest[2] : 0) % n;
		if (tlog_inclusion_prove(idx, n, subtree, NULL, proof, &np) != 0 ||
		    !tlog_inclusion_verify(idx, n, leaf[idx], proof, np, rn))
			abort();
		if (np > 0 && rlen > 3 && rest[3] != 0) {
			proof[rest[3] % np][0] ^= rest[3];
			if (tlog_inclusion_verify(idx, n, leaf[idx], proof, np, rn))
				abort();
		}
	}
	return 0;
}
