/*
 * Transparency-log formats, pure code (no I/O): the RFC 9162 Merkle tree
 * (hashes, compact ranges, inclusion and consistency proofs) and the C2SP
 * text formats built on it (signed-note, vkeys, tlog-checkpoint,
 * tlog-cosignature).  The ledger (ledger.h), the witness server and the
 * `log` command use these; so do the fuzz targets.
 *
 * Verifiers here return bool: false means "not proven", whatever the
 * reason; parsers return 0 or DV_EPARSE / DV_ELIMIT (core/error.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLOG_HASH_LEN 32 /*!< SHA-256, RFC 9162 §2.1 */
/*! Longest proof for a tree of < 2^63 leaves (inclusion ≤ 63 hashes,
 *  consistency ≤ 2·63: RFC 9162 §2.1.3, §2.1.4); tlog-witness allows 63 lines. */
#define TLOG_PROOF_MAX 128
#define TLOG_SIZE_MAX  ((uint64_t)INT64_MAX)

/* C2SP signed-note signature types. */
#define TLOG_SIGTYPE_ED25519     0x01 /*!< signed-note Ed25519 */
#define TLOG_SIGTYPE_COSIGNATURE 0x04 /*!< tlog-cosignature, timestamped Ed25519 */

#define TLOG_NAME_MAX      255          /*!< key names and origins (our ceiling) */
#define TLOG_NOTE_MAX      65536        /*!< a whole signed note (our ceiling) */
#define TLOG_NOTE_SIGS_MAX 64           /*!< signature lines; the spec asks ≥ 16 */
#define TLOG_SIG_MAX       (4 + 8 + 64) /*!< key ID, timestamp, Ed25519 signature */

typedef uint8_t tlog_hash_t[TLOG_HASH_LEN];

/* ---- RFC 9162 §2.1.1 hashing ---------------------------------------- */

/*! Leaf hash SHA-256(0x00 || data). */
void tlog_leaf_hash(const void *data, size_t len, tlog_hash_t out);
/*! Interior node SHA-256(0x01 || left || right). */
void tlog_node_hash(const tlog_hash_t left, const tlog_hash_t right, tlog_hash_t out);
/*! MTH({}) = SHA-256(""). */
void tlog_empty_root(tlog_hash_t out);

/*
 * A compact range [0, size): the roots of the perfect subtrees that the
 * binary representation of size gives, one per set bit.  Appending is
 * O(log n) and the root is O(log n) (transparency-dev/merkle "compact").
 */
typedef struct {
	uint64_t size;
	tlog_hash_t node[64]; /*!< node[l] is valid when bit l of size is set */
} tlog_range_t;

/*! Called for every perfect subtree completed by an append: its level
 *  (0 = the leaf itself) and its index within that level. */
typedef int (*tlog_node_cb)(void *ctx, unsigned level, uint64_t index, const tlog_hash_t hash);

void tlog_range_init(tlog_range_t *r);
/*! Append one leaf hash; cb (may be NULL) sees each completed subtree.
 *  Returns what cb returned first when non-zero, else 0. */
int tlog_range_append(tlog_range_t *r, const tlog_hash_t leaf, tlog_node_cb cb, void *ctx);
/*! The root hash of [0, size). */
void tlog_range_root(const tlog_range_t *r, tlog_hash_t out);
/*! Serialised form: 8-byte big-endian size, then the set nodes from the
 *  highest level down.  Returns the length written (≤ 8 + 64·32). */
size_t tlog_range_encode(const tlog_range_t *r, uint8_t *out, size_t cap);
/*! Inverse of tlog_range_encode.  0 or DV_EPARSE. */
int tlog_range_decode(const uint8_t *in, size_t len, tlog_range_t *r);

/* ---- proofs (RFC 9162 §2.1.3, §2.1.4) -------------------------------- */

/*! Supplies the hash of the perfect subtree at (level, index): leaves
 *  [index·2^level, (index+1)·2^level).  0 or an error code. */
typedef int (*tlog_subtree_fn)(void *ctx, unsigned level, uint64_t index, tlog_hash_t out);

/*! Inclusion proof of leaf `index` in the tree of `size` leaves. */
int tlog_inclusion_prove(uint64_t index, uint64_t size, tlog_subtree_fn fn, void *ctx,
                         tlog_hash_t *proof, size_t *n);
/*! Consistency proof from size m to size n (m ≤ n; empty when m = 0 or m = n). */
int tlog_consistency_prove(uint64_t m, uint64_t n, tlog_subtree_fn fn, void *ctx,
                           tlog_hash_t *proof, size_t *len);
/*! The root of the tree of `size` leaves from perfect subtrees. */
int tlog_root_from(uint64_t size, tlog_subtree_fn fn, void *ctx, tlog_hash_t out);

/*! RFC 9162 §2.1.3.2. */
bool tlog_inclusion_verify(uint64_t index, uint64_t size, const tlog_hash_t leaf,
                           const tlog_hash_t *proof, size_t n, const tlog_hash_t root);
/*! RFC 9162 §2.1.4.2, with the cases it leaves implicit: m > n fails;
 *  m = n needs an empty proof and equal roots; m = 0 needs an empty proof
 *  (the empty tree is consistent with every tree); every proof hash must
 *  be consumed and the second size exhausted (the hash-tree 0.1.1 bug). */
bool tlog_consistency_verify(uint64_t m, uint64_t n, const tlog_hash_t root_m,
                             const tlog_hash_t root_n, const tlog_hash_t *proof, size_t len);

/* ---- base64 (RFC 4648 §4, padded, canonical) ------------------------- */

/*! Encode; out gets a NUL-terminated string.  Length without the NUL, or
 *  0 when cap is too small. */
size_t tlog_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap);
/*! Decode exactly the canonical encoding (padding, no stray bits, no other
 *  characters).  0 or DV_EPARSE. */
int tlog_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen);

/* ---- C2SP signed-note -------------------------------------------------- */

/*! A verifier key: C2SP signed-note "Verifier keys" `name+hex(id)+base64(type||pub)`. */
typedef struct {
	char name[TLOG_NAME_MAX + 1];
	uint8_t type; /*!< TLOG_SIGTYPE_* */
	uint32_t id;
	uint8_t pub[32];
} tlog_vkey_t;

/*! SHA-256(name || 0x0A || type || pub)[:4] as a big-endian uint32. */
uint32_t tlog_key_id(const char *name, uint8_t type, const uint8_t pub[32]);
/*! Is `name` a valid key name (non-empty, UTF-8, no spaces, no '+', no
 *  control characters, ≤ TLOG_NAME_MAX bytes)? */
bool tlog_name_valid(const char *name, size_t len);
/*! Parse a vkey string (Ed25519 or cosignature type); the ID must match
 *  the name and key.  0 or DV_EPARSE / DV_ENOTSUP. */
int tlog_vkey_parse(const char *s, size_t len, tlog_vkey_t *out);
/*! Format a vkey.  Length, or 0 when cap is too small. */
size_t tlog_vkey_format(const tlog_vkey_t *k, char *out, size_t cap);

typedef struct {
	const char *name; /*!< borrowed from the parsed buffer, not terminated */
	size_t name_len;
	uint32_t id;
	uint8_t sig[TLOG_SIG_MAX]; /*!< without the key ID */
	size_t sig_len;
} tlog_sig_t;

/*! A parsed signed note; text and names point into the caller's buffer. */
typedef struct {
	const char *text; /*!< the note text, ending in '\n' */
	size_t text_len;
	size_t nsig;
	tlog_sig_t sig[TLOG_NOTE_SIGS_MAX];
} tlog_note_t;

/*! Parse a signed note (C2SP signed-note "Format"): UTF-8, no control
 *  characters but newline, text, blank line, 1..TLOG_NOTE_SIGS_MAX lines
 *  "— name base64".  Signatures are not checked.  0 or DV_EPARSE/DV_ELIMIT. */
int tlog_note_parse(const char *buf, size_t len, tlog_note_t *out);
/*! Parse bare signature lines (a tlog-witness 200 answer) for `text`. */
int tlog_sigs_parse(const char *buf, size_t len, const char *text, size_t text_len,
                    tlog_note_t *out);

enum tlog_note_verdict {
	TLOG_NOTE_VERIFIED = 0, /*!< ≥ 1 known key verified, none failed */
	TLOG_NOTE_NO_KEY = 1,   /*!< no signature by a known key */
	TLOG_NOTE_BAD_SIG = 2,  /*!< a known key's signature failed: reject all */
};
/*! Check a note against known keys (C2SP signed-note "Signatures": unknown
 *  keys ignored, a failing known key rejects the note).  `ok` (may be NULL,
 *  nkeys entries) is set true per key that verified; for cosignature keys
 *  `times` (may be NULL) receives the signed timestamp. */
enum tlog_note_verdict tlog_note_verify(const tlog_note_t *n, const tlog_vkey_t *keys, size_t nkeys,
                                        bool *ok, uint64_t *times);

/*! Ed25519 signature line for `text` ("— name base64(id||sig)\n").
 *  sk is libsodium's 64-byte secret key.  Length, or 0 when cap is too small. */
size_t tlog_note_sign(const char *text, size_t text_len, const char *name, uint32_t id,
                      const uint8_t sk[64], char *out, size_t cap);
/*! A tlog-cosignature/v1 line for checkpoint `text` at POSIX time `t`. */
size_t tlog_cosign(const char *text, size_t text_len, uint64_t t, const char *name, uint32_t id,
                   const uint8_t sk[64], char *out, size_t cap);

/* ---- C2SP tlog-checkpoint -------------------------------------------- */

typedef struct {
	char origin[TLOG_NAME_MAX + 1];
	uint64_t size;
	tlog_hash_t root;
	size_t extensions; /*!< extension lines after the root (NOT RECOMMENDED) */
} tlog_checkpoint_t;

/*! Parse a checkpoint body (the note text).  0 or DV_EPARSE. */
int tlog_checkpoint_parse(const char *text, size_t len, tlog_checkpoint_t *out);
/*! Format a checkpoint body without extension lines.  Length or 0. */
size_t tlog_checkpoint_format(const char *origin, uint64_t size, const tlog_hash_t root, char *out,
                              size_t cap);
