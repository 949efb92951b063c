/* The RFC 9162 Merkle tree: hashes, compact ranges, proofs. */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ledger/tlog.h"

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* Fetched once: an implicit fetch per digest costs three times the hash
 * itself on a 65-byte node (measured: 413 ns against 163 ns). */
static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static void sha256_2(const void *a, size_t alen, const void *b, size_t blen, tlog_hash_t out)
{
	pthread_once(&sha256_once, sha256_fetch);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (c == NULL || sha256_md == NULL || EVP_DigestInit_ex2(c, sha256_md, NULL) != 1 ||
	    EVP_DigestUpdate(c, a, alen) != 1 || (blen > 0 && EVP_DigestUpdate(c, b, blen) != 1) ||
	    EVP_DigestFinal_ex(c, out, NULL) != 1)
		abort(); /* only on allocation failure inside libcrypto */
	EVP_MD_CTX_free(c);
}

void tlog_leaf_hash(const void *data, size_t len, tlog_hash_t out)
{
	static const uint8_t zero = 0x00;
	sha256_2(&zero, 1, data, len, out);
}

void tlog_node_hash(const tlog_hash_t left, const tlog_hash_t right, tlog_hash_t out)
{
	uint8_t buf[1 + 2 * TLOG_HASH_LEN];
	buf[0] = 0x01;
	memcpy(buf + 1, left, TLOG_HASH_LEN);
	memcpy(buf + 1 + TLOG_HASH_LEN, right, TLOG_HASH_LEN);
	sha256_2(buf, sizeof(buf), NULL, 0, out);
}

void tlog_empty_root(tlog_hash_t out)
{
	sha256_2("", 0, NULL, 0, out);
}

/* ---- compact range ----------------------------------------------------- */

void tlog_range_init(tlog_range_t *r)
{
	memset(r, 0, sizeof(*r));
}

int tlog_range_append(tlog_range_t *r, const tlog_hash_t leaf, tlog_node_cb cb, void *ctx)
{
	tlog_hash_t h;
	memcpy(h, leaf, TLOG_HASH_LEN);
	uint64_t index = r->size;
	unsigned level = 0;
	int ret = cb ? cb(ctx, 0, index, h) : 0;
	/* Each set low bit of the old size is a left sibling that this leaf
	 * completes: merge upwards while the carry propagates. */
	while ((r->size >> level) & 1) {
		tlog_node_hash(r->node[level], h, h);
		level++;
		index >>= 1;
		if (cb && ret == 0)
			ret = cb(ctx, level, index, h);
	}
	memcpy(r->node[level], h, TLOG_HASH_LEN);
	r->size++;
	return ret;
}

void tlog_range_root(const tlog_range_t *r, tlog_hash_t out)
{
	if (r->size == 0) {
		tlog_empty_root(out);
		return;
	}
	/* Fold from the smallest subtree (rightmost) to the largest. */
	unsigned l = (unsigned)__builtin_ctzll(r->size);
	tlog_hash_t acc;
	memcpy(acc, r->node[l], TLOG_HASH_LEN);
	for (l++; l < 64; l++)
		if ((r->size >> l) & 1)
			tlog_node_hash(r->node[l], acc, acc);
	memcpy(out, acc, TLOG_HASH_LEN);
}

size_t tlog_range_encode(const tlog_range_t *r, uint8_t *out, size_t cap)
{
	size_t need = 8 + (size_t)__builtin_popcountll(r->size) * TLOG_HASH_LEN;
	if (cap < need)
		return 0;
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(r->size >> (56 - 8 * i));
	size_t off = 8;
	for (int l = 63; l >= 0; l--)
		if ((r->size >> l) & 1) {
			memcpy(out + off, r->node[l], TLOG_HASH_LEN);
			off += TLOG_HASH_LEN;
		}
	return off;
}

int tlog_range_decode(const uint8_t *in, size_t len, tlog_range_t *r)
{
	tlog_range_init(r);
	if (len < 8)
		return DV_EPARSE;
	uint64_t size = 0;
	for (int i = 0; i < 8; i++)
		size = size << 8 | in[i];
	if (size > TLOG_SIZE_MAX || len != 8 + (size_t)__builtin_popcountll(size) * TLOG_HASH_LEN)
		return DV_EPARSE;
	r->size = size;
	size_t off = 8;
	for (int l = 63; l >= 0; l--)
		if ((size >> l) & 1) {
			memcpy(r->node[l], in + off, TLOG_HASH_LEN);
			off += TLOG_HASH_LEN;
		}
	return DV_OK;
}

/* ---- proof generation (RFC 9162 §2.1.3.1, §2.1.4.1) -------------------- */

/* Largest power of two strictly below n (n ≥ 2). */
static uint64_t split_point(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* MTH(D[start : start + n]) where start is a multiple of the largest power
 * of two ≤ n, which holds for every range the proof recursions visit. */
static int mth(uint64_t start, uint64_t n, tlog_subtree_fn fn, void *ctx, tlog_hash_t out)
{
	if ((n & (n - 1)) == 0) {
		unsigned level = (unsigned)__builtin_ctzll(n);
		return fn(ctx, level, start >> level, out);
	}
	uint64_t k = split_point(n);
	tlog_hash_t l, r;
	int ret = mth(start, k, fn, ctx, l);
	if (ret == 0)
		ret = mth(start + k, n - k, fn, ctx, r);
	if (ret == 0)
		tlog_node_hash(l, r, out);
	return ret;
}

int tlog_root_from(uint64_t size, tlog_subtree_fn fn, void *ctx, tlog_hash_t out)
{
	if (size == 0) {
		tlog_empty_root(out);
		return DV_OK;
	}
	return mth(0, size, fn, ctx, out);
}

/* PATH(m, D[start : start + n]); hashes come out leaf-side first. */
static int path(uint64_t m, uint64_t start, uint64_t n, tlog_subtree_fn fn, void *ctx,
                tlog_hash_t *proof, size_t *len)
{
	if (n <= 1)
		return DV_OK;
	uint64_t k = split_point(n);
	int ret;
	if (m < k) {
		ret = path(m, start, k, fn, ctx, proof, len);
		if (ret == 0)
			ret = mth(start + k, n - k, fn, ctx, proof[*len]);
	} else {
		ret = path(m - k, start + k, n - k, fn, ctx, proof, len);
		if (ret == 0)
			ret = mth(start, k, fn, ctx, proof[*len]);
	}
	if (ret == 0)
		(*len)++;
	return ret;
}

int tlog_inclusion_prove(uint64_t index, uint64_t size, tlog_subtree_fn fn, void *ctx,
                         tlog_hash_t *proof, size_t *n)
{
	*n = 0;
	if (index >= size || size > TLOG_SIZE_MAX)
		return DV_EINVAL;
	return path(index, 0, size, fn, ctx, proof, n);
}

/* SUBPROOF(m, D[start : start + n], b). */
static int subproof(uint64_t m, uint64_t start, uint64_t n, bool b, tlog_subtree_fn fn, void *ctx,
                    tlog_hash_t *proof, size_t *len)
{
	if (m == n) {
		if (b)
			return DV_OK;
		int ret = mth(start, m, fn, ctx, proof[*len]);
		if (ret == 0)
			(*len)++;
		return ret;
	}
	uint64_t k = split_point(n);
	int ret;
	if (m <= k) {
		ret = subproof(m, start, k, b, fn, ctx, proof, len);
		if (ret == 0)
			ret = mth(start + k, n - k, fn, ctx, proof[*len]);
	} else {
		ret = subproof(m - k, start + k, n - k, false, fn, ctx, proof, len);
		if (ret == 0)
			ret = mth(start, k, fn, ctx, proof[*len]);
	}
	if (ret == 0)
		(*len)++;
	return ret;
}

int tlog_consistency_prove(uint64_t m, uint64_t n, tlog_subtree_fn fn, void *ctx,
                           tlog_hash_t *proof, size_t *len)
{
	*len = 0;
	if (m > n || n > TLOG_SIZE_MAX)
		return DV_EINVAL;
	if (m == 0 || m == n)
		return DV_OK;
	return subproof(m, 0, n, true, fn, ctx, proof, len);
}

/* ---- proof verification ------------------------------------------------ */

bool tlog_inclusion_verify(uint64_t index, uint64_t size, const tlog_hash_t leaf,
                           const tlog_hash_t *proof, size_t n, const tlog_hash_t root)
{
	if (index >= size || n > 64)
		return false;
	uint64_t fn = index, sn = size - 1;
	tlog_hash_t r;
	memcpy(r, leaf, TLOG_HASH_LEN);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(proof[i], r, r);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			tlog_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, TLOG_HASH_LEN) == 0;
}

bool tlog_consistency_verify(uint64_t m, uint64_t n, const tlog_hash_t root_m,
                             const tlog_hash_t root_n, const tlog_hash_t *proof, size_t len)
{
	if (m > n || n > TLOG_SIZE_MAX || len > TLOG_PROOF_MAX)
		return false;
	if (m == 0) {
		/* The empty tree, whose root is fixed, precedes every tree. */
		tlog_hash_t empty;
		tlog_empty_root(empty);
		return len == 0 && memcmp(root_m, empty, TLOG_HASH_LEN) == 0 &&
		       (n > 0 || memcmp(root_n, empty, TLOG_HASH_LEN) == 0);
	}
	if (m == n)
		return len == 0 && memcmp(root_m, root_n, TLOG_HASH_LEN) == 0;
	/* Step 1: a non-trivial proof is never empty. */
	if (len == 0)
		return false;
	/* Step 2: when m is a power of two, the old root is the first node. */
	const uint8_t *first = proof[0];
	size_t i = 1;
	if ((m & (m - 1)) == 0) {
		first = root_m;
		i = 0;
	}
	/* Steps 3-4. */
	uint64_t fn = m - 1, sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	/* Step 5. */
	tlog_hash_t fr, sr;
	memcpy(fr, first, TLOG_HASH_LEN);
	memcpy(sr, first, TLOG_HASH_LEN);
	/* Step 6. */
	for (; i < len; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(proof[i], fr, fr);
			tlog_node_hash(proof[i], sr, sr);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			tlog_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	/* Step 7: both roots, and the second size fully consumed. */
	return sn == 0 && memcmp(fr, root_m, TLOG_HASH_LEN) == 0 &&
	       memcmp(sr, root_n, TLOG_HASH_LEN) == 0;
}
