/*
 * Unit tests of the live checks (src/checks/live.h) on hand-made snapshots:
 * a root and a child zone "test." signed here with ECDSA P-256 keys, served
 * by hand-built DNS messages, then broken one way at a time.  Each finding is
 * shown present on the broken snapshot and absent on the healthy one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libknot/libknot.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "checks/live.h"
#include "core/error.h"
#include "dnssec/dnssec.h"
#include "net/net.h"
#include "probe/probe.h"
#include "snapshot/snapshot.h"
#include "unit.h"

#define NOW 1790000000LL
#define DAY 86400

/* ---- signing ---------------------------------------------------------------- */

typedef struct {
	EVP_PKEY *pk;
	uint8_t rd[4 + 64];
	uint16_t tag;
} tkey_t;

static void key_new(tkey_t *k, uint16_t flags)
{
	k->pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(k->pk);
	uint8_t pub[65];
	size_t len = 0;
	assert_int_equal(
	    EVP_PKEY_get_octet_string_param(k->pk, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &len),
	    1);
	assert_int_equal(len, 65);
	k->rd[0] = (uint8_t)(flags >> 8);
	k->rd[1] = (uint8_t)flags;
	k->rd[2] = 3;
	k->rd[3] = 13;
	memcpy(k->rd + 4, pub + 1, 64);
	k->tag = dv_keytag(k->rd, sizeof(k->rd));
}

/* The RRSIG RDATA of `rr` made with key k of zone `signer`. */
static void sign(const knot_rrset_t *rr, knot_rrset_t *sigs, const uint8_t *signer, const tkey_t *k,
                 int64_t inception, int64_t expiration, bool corrupt)
{
	uint8_t rd[512];
	size_t sl = knot_dname_size(signer);
	rd[0] = (uint8_t)(rr->type >> 8);
	rd[1] = (uint8_t)rr->type;
	rd[2] = 13;
	rd[3] = (uint8_t)knot_dname_labels(rr->owner, NULL);
	uint32_t v[3] = {rr->ttl, (uint32_t)expiration, (uint32_t)inception};
	for (int i = 0; i < 3; i++) {
		rd[4 + 4 * i] = (uint8_t)(v[i] >> 24);
		rd[5 + 4 * i] = (uint8_t)(v[i] >> 16);
		rd[6 + 4 * i] = (uint8_t)(v[i] >> 8);
		rd[7 + 4 * i] = (uint8_t)v[i];
	}
	rd[16] = (uint8_t)(k->tag >> 8);
	rd[17] = (uint8_t)k->tag;
	memcpy(rd + 18, signer, sl);
	size_t hl = 18 + sl;
	const uint8_t *rds[16];
	uint16_t lens[16];
	knot_rdata_t *d = rr->rrs.rdata;
	for (uint16_t i = 0; i < rr->rrs.count; i++, d = knot_rdataset_next(d)) {
		rds[i] = d->data;
		lens[i] = d->len;
	}
	dv_buf_t buf;
	dv_buf_init(&buf, 0);
	assert_int_equal(
	    dv_sigdata_build(&buf, rd, hl, rr->owner, rr->type, rds, lens, rr->rrs.count, false),
	    DV_OK);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[128];
	size_t dl = sizeof(der);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pk), 1);
	assert_int_equal(EVP_DigestSign(md, der, &dl, buf.data, buf.len), 1);
	EVP_MD_CTX_free(md);
	dv_buf_clear(&buf);
	const uint8_t *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
	assert_non_null(es);
	BN_bn2binpad(ECDSA_SIG_get0_r(es), rd + hl, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(es), rd + hl + 32, 32);
	ECDSA_SIG_free(es);
	if (corrupt)
		rd[hl + 5] ^= 0x40;
	assert_int_equal(knot_rrset_add_rdata(sigs, rd, (uint16_t)(hl + 64), NULL), KNOT_EOK);
}

/* ---- the test world ------------------------------------------------------------- */

typedef struct {
	tkey_t root_ksk, child_ksk, child_zsk, other_ksk;
	tkey_t child_revoked; /* a key with the REVOKE bit (RFC 5011 §2.1) */
	uint8_t root[1], child[255], nx[255];
} world_t;

static world_t W;

static int setup(void **state)
{
	(void)state;
	key_new(&W.root_ksk, 257);
	key_new(&W.child_ksk, 257);
	key_new(&W.child_zsk, 256);
	key_new(&W.other_ksk, 257);
	key_new(&W.child_revoked, 256 | DV_DNSKEY_FLAG_REVOKE);
	W.root[0] = 0;
	assert_non_null(knot_dname_from_str(W.child, "test.", sizeof(W.child)));
	assert_non_null(knot_dname_from_str(W.nx, "nx-label.test.", sizeof(W.nx)));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(W.root_ksk.pk);
	EVP_PKEY_free(W.child_ksk.pk);
	EVP_PKEY_free(W.child_zsk.pk);
	EVP_PKEY_free(W.other_ksk.pk);
	EVP_PKEY_free(W.child_revoked.pk);
	return 0;
}

/* How to break the healthy world. */
typedef struct {
	int64_t child_exp;    /*!< child signatures' expiration (0: NOW + 20 days) */
	bool ds_other;        /*!< DS at the root names a key not in the child */
	bool no_ds;           /*!< no DS at the root (NSEC proof of absence) */
	bool bad_sig;         /*!< child SOA signature corrupted */
	uint32_t serial2;     /*!< second child server's serial (0: same) */
	bool unsigned2;       /*!< second child server serves no RRSIG */
	int srv2;             /*!< 0 normal, 1 timeout, 2 REFUSED, 3 SERVFAIL, 4 lame */
	int udp2;             /*!< second server: 1 UDP failed (TCP answered), 2 UDP truncated */
	bool tcp2_fail;       /*!< second server: the SOA over TCP times out */
	bool noopt2;          /*!< second server: its SOA answer lacks the OPT record */
	bool ns2_extra;       /*!< second server's NS RRset names another server */
	bool parent_ns_extra; /*!< the root's delegation names another server */
	bool dnskey2_extra;   /*!< second server's DNSKEY RRset has another key */
	uint32_t dnskey_ttl;  /*!< DNSKEY TTL (0: 300) */
	bool alg5;            /*!< a RSASHA1 key (RFC 8624: NOT RECOMMENDED) in the DNSKEY RRset */
	bool ds_sha1;         /*!< a SHA-1 DS next to the SHA-256 one */
	bool cds_unsigned;    /*!< a matching CDS without RRSIG */
	bool ds2_other;       /*!< a second root server serves another DS for test. */
	bool child_nsec;      /*!< with no_ds: the NSEC "proving" no DS is the child's (SOA set) */
	bool bad_nsec;        /*!< the NXDOMAIN NSEC does not cover the name */
	bool cds_delete;      /*!< CDS delete form published */
	bool cds_other;       /*!< CDS of a key not in the DNSKEY RRset */
	bool nsec3;           /*!< the child (and the root's DS denial) use NSEC3 */
	bool bad_nsec3;       /*!< the child's NSEC3 covers nothing useful */
	int optout;           /*!< with no_ds: NSEC3 at the root, 1 opt-out, 2 without the flag */
	int revoked;          /*!< 1: the revoked key signs the child's data instead of the ZSK;
	                           2: it signs the data beside the ZSK (both published) */
} breakage_t;

typedef struct {
	knot_rrset_t *sec[3][8];
	int n[3];
	uint8_t rcode;
	bool aa;
} tmsg_t;

static knot_rrset_t *rrset(const uint8_t *owner, uint16_t type, uint32_t ttl)
{
	knot_rrset_t *r = knot_rrset_new(owner, type, KNOT_CLASS_IN, ttl, NULL);
	assert_non_null(r);
	return r;
}

static void add(knot_rrset_t *r, const void *d, size_t len)
{
	assert_int_equal(knot_rrset_add_rdata(r, d, (uint16_t)len, NULL), KNOT_EOK);
}

static void put(tmsg_t *m, int sec, knot_rrset_t *r)
{
	assert_true(m->n[sec] < 8);
	m->sec[sec][m->n[sec]++] = r;
}

/* Put an RRset and its signature (keys: signer's DNSKEYs to sign with). */
static void put_signed(tmsg_t *m, int sec, knot_rrset_t *r, const uint8_t *signer, const tkey_t *k,
                       int64_t exp, bool corrupt)
{
	put(m, sec, r);
	knot_rrset_t *s = rrset(r->owner, KNOT_RRTYPE_RRSIG, r->ttl);
	sign(r, s, signer, k, NOW - DAY, exp, corrupt);
	put(m, sec, s);
}

static void add_query(dv_snapshot_t *snap, uint32_t zone, uint32_t server, uint8_t side,
                      const uint8_t *qname, uint16_t qtype, unsigned flags, tmsg_t *m, int status)
{
	dv_snap_query_t q = {.zone = zone,
	                     .server = server,
	                     .side = side,
	                     .qtype = qtype,
	                     .flags = (uint16_t)flags,
	                     .qname = qname,
	                     .attempts = 1};
	q.status = (uint8_t)status;
	knot_pkt_t *pkt = NULL;
	if (status == DV_SNAP_OK) {
		pkt = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
		assert_non_null(pkt);
		knot_wire_set_id(pkt->wire, 0x1234);
		assert_int_equal(knot_pkt_put_question(pkt, qname, KNOT_CLASS_IN, qtype), KNOT_EOK);
		knot_wire_set_qr(pkt->wire);
		if (m->aa)
			knot_wire_set_aa(pkt->wire);
		knot_wire_set_rcode(pkt->wire, m->rcode);
		for (int s = 0; s < 3; s++) {
			assert_int_equal(knot_pkt_begin(pkt, (knot_section_t)(KNOT_ANSWER + s)),
			                 KNOT_EOK);
			for (int i = 0; i < m->n[s]; i++)
				assert_int_equal(knot_pkt_put(pkt, 0, m->sec[s][i], 0), KNOT_EOK);
		}
		knot_rrset_t opt;
		assert_int_equal(knot_edns_init(&opt, 1232, 0, 0, &pkt->mm), KNOT_EOK);
		knot_edns_set_do(&opt);
		assert_int_equal(knot_pkt_put(pkt, 0, &opt, KNOT_PF_FREE), KNOT_EOK);
		q.wire = pkt->wire;
		q.len = (uint16_t)pkt->size;
	}
	assert_int_equal(dv_snapshot_add_query(snap, &q, NULL), DV_OK);
	knot_pkt_free(pkt);
	for (int s = 0; s < 3; s++)
		for (int i = 0; i < m->n[s]; i++)
			knot_rrset_free(m->sec[s][i], NULL);
	memset(m, 0, sizeof(*m));
}

static knot_rrset_t *soa(const uint8_t *zone, uint32_t serial)
{
	uint8_t rd[300];
	size_t zl = knot_dname_size(zone);
	memcpy(rd, zone, zl);
	memcpy(rd + zl, zone, zl);
	uint32_t v[5] = {serial, 3600, 600, 86400, 300};
	for (int i = 0; i < 5; i++) {
		rd[2 * zl + 4 * i] = (uint8_t)(v[i] >> 24);
		rd[2 * zl + 4 * i + 1] = (uint8_t)(v[i] >> 16);
		rd[2 * zl + 4 * i + 2] = (uint8_t)(v[i] >> 8);
		rd[2 * zl + 4 * i + 3] = (uint8_t)v[i];
	}
	knot_rrset_t *r = rrset(zone, KNOT_RRTYPE_SOA, 300);
	add(r, rd, 2 * zl + 20);
	return r;
}

static knot_rrset_t *ns(const uint8_t *zone, const char *name, const char *name2)
{
	uint8_t w[255];
	assert_non_null(knot_dname_from_str(w, name, sizeof(w)));
	knot_rrset_t *r = rrset(zone, KNOT_RRTYPE_NS, 300);
	add(r, w, knot_dname_size(w));
	if (name2 != NULL) {
		assert_non_null(knot_dname_from_str(w, name2, sizeof(w)));
		add(r, w, knot_dname_size(w));
	}
	return r;
}

static void ds_add(knot_rrset_t *r, const uint8_t *zone, const tkey_t *k, uint8_t digest)
{
	uint8_t rd[4 + DV_DIGEST_MAXLEN];
	size_t dl = 0;
	rd[0] = (uint8_t)(k->tag >> 8);
	rd[1] = (uint8_t)k->tag;
	rd[2] = 13;
	rd[3] = digest;
	assert_int_equal(dv_ds_digest(zone, k->rd, sizeof(k->rd), digest, rd + 4, &dl), DV_OK);
	add(r, rd, 4 + dl);
}

static knot_rrset_t *ds_of(const uint8_t *zone, const tkey_t *k)
{
	knot_rrset_t *r = rrset(zone, KNOT_RRTYPE_DS, 300);
	ds_add(r, zone, k, 2);
	return r;
}

/* NSEC owner -> next with the given types (bitmap of window 0). */
static knot_rrset_t *nsec(const uint8_t *owner, const char *next, const uint16_t *types, size_t nt)
{
	uint8_t rd[400];
	assert_non_null(knot_dname_from_str(rd, next, 255));
	size_t l = knot_dname_size(rd);
	long bl = dv_bitmap_encode(types, nt, rd + l, sizeof(rd) - l);
	assert_true(bl > 0);
	knot_rrset_t *r = rrset(owner, KNOT_RRTYPE_NSEC, 300);
	add(r, rd, l + (size_t)bl);
	return r;
}

/* NSEC3 (SHA-1, 0 iterations, no salt) at hash(owner_name).zone, next hash
 * = hash(owner_name) + delta (delta 0: the one record covers every other hash). */
static knot_rrset_t *nsec3(const uint8_t *zone, const uint8_t *owner_name, int delta, uint8_t flags,
                           const uint16_t *types, size_t nt)
{
	uint8_t h[DV_NSEC3_HASH_LEN], rd[200];
	assert_int_equal(dv_nsec3_hash(1, 0, NULL, 0, owner_name, h), 0);
	rd[0] = 1;
	rd[1] = flags;
	rd[2] = rd[3] = 0;
	rd[4] = 0;
	rd[5] = DV_NSEC3_HASH_LEN;
	memcpy(rd + 6, h, DV_NSEC3_HASH_LEN);
	rd[6 + DV_NSEC3_HASH_LEN - 1] = (uint8_t)(rd[6 + DV_NSEC3_HASH_LEN - 1] + delta);
	long bl = dv_bitmap_encode(types, nt, rd + 6 + DV_NSEC3_HASH_LEN, 100);
	assert_true(bl >= 0);
	uint8_t owner[255];
	char b32[64];
	dv_base32hex_encode(h, sizeof(h), b32, sizeof(b32));
	owner[0] = 32;
	memcpy(owner + 1, b32, 32);
	memcpy(owner + 33, zone, knot_dname_size(zone));
	knot_rrset_t *r = rrset(owner, KNOT_RRTYPE_NSEC3, 300);
	add(r, rd, 6 + DV_NSEC3_HASH_LEN + (size_t)bl);
	return r;
}

/* Build the whole snapshot. */
static dv_snapshot_t *world(const breakage_t *b)
{
	dv_snapshot_t *s = NULL;
	assert_int_equal(dv_snapshot_new(&s), DV_OK);
	s->time = NOW;
	assert_int_equal(dv_snapshot_add_domain(s, "test."), DV_OK);
	knot_rrset_t *ta = ds_of(W.root, &W.root_ksk);
	assert_int_equal(dv_snapshot_add_anchor(s, W.root, KNOT_RRTYPE_DS, 300, ta->rrs.rdata->data,
	                                        ta->rrs.rdata->len),
	                 DV_OK);
	knot_rrset_free(ta, NULL);
	uint32_t zr, zc, r1, c1, c2;
	assert_int_equal(dv_snapshot_zone(s, W.root, -1, &zr), DV_OK);
	assert_int_equal(dv_snapshot_zone(s, W.child, (long)zr, &zc), DV_OK);
	assert_int_equal(dv_snapshot_server(s, "a.root.", "192.0.2.1", &r1), DV_OK);
	assert_int_equal(dv_snapshot_server(s, "ns1.test.", "192.0.2.11", &c1), DV_OK);
	assert_int_equal(dv_snapshot_server(s, "ns2.test.", "192.0.2.12", &c2), DV_OK);
	assert_int_equal(dv_snapshot_zone_add_server(s, zr, r1), DV_OK);
	assert_int_equal(dv_snapshot_zone_add_server(s, zc, c1), DV_OK);
	assert_int_equal(dv_snapshot_zone_add_server(s, zc, c2), DV_OK);
	int64_t rexp = NOW + 30 * DAY;
	int64_t cexp = b->child_exp ? b->child_exp : NOW + 20 * DAY;
	tmsg_t m = {.aa = true};

	/* The root: SOA, NS, DNSKEY. */
	put_signed(&m, 0, soa(W.root, 1), W.root, &W.root_ksk, rexp, false);
	add_query(s, zr, r1, DV_SIDE_CHILD, W.root, KNOT_RRTYPE_SOA, DV_Q_DO, &m, DV_SNAP_OK);
	m.aa = true;
	put_signed(&m, 0, ns(W.root, "a.root.", NULL), W.root, &W.root_ksk, rexp, false);
	add_query(s, zr, r1, DV_SIDE_CHILD, W.root, KNOT_RRTYPE_NS, DV_Q_DO, &m, DV_SNAP_OK);
	m.aa = true;
	knot_rrset_t *rk = rrset(W.root, KNOT_RRTYPE_DNSKEY, 300);
	add(rk, W.root_ksk.rd, sizeof(W.root_ksk.rd));
	put_signed(&m, 0, rk, W.root, &W.root_ksk, rexp, false);
	add_query(s, zr, r1, DV_SIDE_CHILD, W.root, KNOT_RRTYPE_DNSKEY, DV_Q_DO, &m, DV_SNAP_OK);

	/* The root's DS answer for test. (parent side). */
	m.aa = true;
	if (b->no_ds) {
		put_signed(&m, 1, soa(W.root, 1), W.root, &W.root_ksk, rexp, false);
		static const uint16_t t[] = {KNOT_RRTYPE_NS, KNOT_RRTYPE_RRSIG, KNOT_RRTYPE_NSEC};
		static const uint16_t tc[] = {KNOT_RRTYPE_NS, KNOT_RRTYPE_SOA, KNOT_RRTYPE_RRSIG,
		                              KNOT_RRTYPE_NSEC};
		static const uint16_t t3[] = {KNOT_RRTYPE_NS, KNOT_RRTYPE_SOA, KNOT_RRTYPE_RRSIG,
		                              KNOT_RRTYPE_DNSKEY};
		if (b->optout)
			put_signed(&m, 1, nsec3(W.root, W.root, 0, b->optout == 1, t3, 4), W.root,
			           &W.root_ksk, rexp, false);
		else
			put_signed(&m, 1,
			           b->child_nsec ? nsec(W.child, ".", tc, 4)
			                         : nsec(W.child, ".", t, 3),
			           W.root, &W.root_ksk, rexp, false);
	} else {
		knot_rrset_t *d = ds_of(W.child, b->ds_other ? &W.other_ksk : &W.child_ksk);
		if (b->ds_sha1)
			ds_add(d, W.child, &W.child_ksk, 1);
		put_signed(&m, 0, d, W.root, &W.root_ksk, rexp, false);
	}
	add_query(s, zc, r1, DV_SIDE_PARENT, W.child, KNOT_RRTYPE_DS, DV_Q_DO, &m, DV_SNAP_OK);
	if (b->ds2_other) {
		/* A second root server (only its DS answer matters here) out of step. */
		uint32_t r2;
		assert_int_equal(dv_snapshot_server(s, "b.root.", "192.0.2.2", &r2), DV_OK);
		assert_int_equal(dv_snapshot_zone_add_server(s, zr, r2), DV_OK);
		m.aa = true;
		put_signed(&m, 0, ds_of(W.child, &W.other_ksk), W.root, &W.root_ksk, rexp, false);
		add_query(s, zc, r2, DV_SIDE_PARENT, W.child, KNOT_RRTYPE_DS, DV_Q_DO, &m,
		          DV_SNAP_OK);
	}
	/* The root's referral. */
	m.aa = false;
	put(&m, 1, ns(W.child, "ns1.test.", b->parent_ns_extra ? "ns9.test." : NULL));
	add_query(s, zc, r1, DV_SIDE_PARENT, W.child, KNOT_RRTYPE_NS, DV_Q_DO, &m, DV_SNAP_OK);

	/* The child's two servers. */
	uint32_t cs[2] = {c1, c2};
	for (int i = 0; i < 2; i++) {
		bool sg = !(i == 1 && b->unsigned2);
		if (i == 1 && b->srv2 == 1) {
			add_query(s, zc, c2, DV_SIDE_CHILD, W.child, KNOT_RRTYPE_SOA, DV_Q_DO, &m,
			          DV_SNAP_TIMEOUT);
			add_query(s, zc, c2, DV_SIDE_CHILD, W.child, KNOT_RRTYPE_DNSKEY, DV_Q_DO,
			          &m, DV_SNAP_TIMEOUT);
			continue;
		}
		if (i == 1 && b->srv2 >= 2) {
			m.rcode = b->srv2 == 2   ? KNOT_RCODE_REFUSED
			          : b->srv2 == 3 ? KNOT_RCODE_SERVFAIL
			                         : KNOT_RCODE_NOERROR;
			if (b->srv2 == 4) /* lame: a referral-like answer without AA */
				put(&m, 1, ns(W.child, "ns1.test.", NULL));
			add_query(s, zc, c2, DV_SIDE_CHILD, W.child, KNOT_RRTYPE_SOA, DV_Q_DO, &m,
			          DV_SNAP_OK);
			continue;
		}
		uint32_t serial = i == 1 && b->serial2 ? b->serial2 : 100;
		/* The key the child's data is signed with. */
		const tkey_t *zsk = b->revoked == 1 ? &W.child_revoked : &W.child_zsk;
		m.aa = true;
		knot_rrset_t *so = soa(W.child, serial);
		if (sg)
			put_signed(&m, 0, so, W.child, zsk, cexp, b->bad_sig);
		else
			put(&m, 0, so);
		if (sg && b->revoked == 2) {
			/* A second signature, by the revoked key. */
			knot_rrset_t *rs2 = rrset(W.child, KNOT_RRTYPE_RRSIG, 300);
			sign(so, rs2, W.child, &W.child_revoked, NOW - DAY, cexp, false);
			put(&m, 0, rs2);
		}
		add_query(s, zc, cs[i], DV_SIDE_CHILD, W.child, KNOT_RRTYPE_SOA, DV_Q_DO, &m,
		          DV_SNAP_OK);
		/* The same SOA over TCP. */
		m.aa = true;
		so = soa(W.child, serial);
		if (sg)
			put_signed(&m, 0, so, W.child, zsk, cexp, b->bad_sig);
		else
			put(&m, 0, so);
		add_query(s, zc, cs[i], DV_SIDE_CHILD, W.child, KNOT_RRTYPE_SOA, DV_Q_DO | DV_Q_TCP,
		          &m, i == 1 && b->tcp2_fail ? DV_SNAP_TIMEOUT : DV_SNAP_OK);
		m.aa = true;
		knot_rrset_t *n =
		    ns(W.child, "ns1.test.", i == 1 && b->ns2_extra ? "ns2.test." : NULL);
		if (sg)
			put_signed(&m, 0, n, W.child, zsk, cexp, false);
		else
			put(&m, 0, n);
		add_query(s, zc, cs[i], DV_SIDE_CHILD, W.child, KNOT_RRTYPE_NS, DV_Q_DO, &m,
		          DV_SNAP_OK);
		m.aa = true;
		knot_rrset_t *k =
		    rrset(W.child, KNOT_RRTYPE_DNSKEY, b->dnskey_ttl ? b->dnskey_ttl : 300);
		add(k, W.child_ksk.rd, sizeof(W.child_ksk.rd));
		add(k, W.child_zsk.rd, sizeof(W.child_zsk.rd));
		if (b->revoked)
			add(k, W.child_revoked.rd, sizeof(W.child_revoked.rd));
		if (i == 1 && b->dnskey2_extra)
			add(k, W.other_ksk.rd, sizeof(W.other_ksk.rd));
		if (b->alg5) {
			uint8_t k5[4 + 64] = {1, 0, 3, 5, 3, 1, 0, 1};
			add(k, k5, sizeof(k5));
		}
		if (sg) {
			put(&m, 0, k);
			knot_rrset_t *ks = rrset(W.child, KNOT_RRTYPE_RRSIG, 300);
			sign(k, ks, W.child, &W.child_ksk, NOW - DAY, cexp, false);
			put(&m, 0, ks);
		} else {
			put(&m, 0, k);
		}
		add_query(s, zc, cs[i], DV_SIDE_CHILD, W.child, KNOT_RRTYPE_DNSKEY, DV_Q_DO, &m,
		          DV_SNAP_OK);
		if (b->cds_delete || b->cds_other || b->cds_unsigned) {
			m.aa = true;
			knot_rrset_t *c = rrset(W.child, KNOT_RRTYPE_CDS, 300);
			if (b->cds_delete) {
				static const uint8_t del[] = {0, 0, 0, 0, 0};
				add(c, del, sizeof(del));
			} else {
				knot_rrset_t *d =
				    ds_of(W.child, b->cds_other ? &W.other_ksk : &W.child_ksk);
				add(c, d->rrs.rdata->data, d->rrs.rdata->len);
				knot_rrset_free(d, NULL);
			}
			if (b->cds_unsigned)
				put(&m, 0, c);
			else
				put_signed(&m, 0, c, W.child, &W.child_zsk, cexp, false);
			add_query(s, zc, cs[i], DV_SIDE_CHILD, W.child, KNOT_RRTYPE_CDS, DV_Q_DO,
			          &m, DV_SNAP_OK);
		}
		/* NXDOMAIN for nx-label.test.: NSEC test. -> zzz.test. covers it and the wildcard.
		 */
		m.aa = true;
		m.rcode = KNOT_RCODE_NXDOMAIN;
		static const uint16_t at[] = {KNOT_RRTYPE_NS, KNOT_RRTYPE_SOA, KNOT_RRTYPE_RRSIG,
		                              KNOT_RRTYPE_NSEC, KNOT_RRTYPE_DNSKEY};
		knot_rrset_t *ns0 =
		    b->nsec3 ? nsec3(W.child, W.child, b->bad_nsec3 ? 1 : 0, 0, at, 5)
		             : nsec(W.child, b->bad_nsec ? "aaa.test." : "zzz.test.", at, 5);
		if (sg) {
			put_signed(&m, 1, soa(W.child, serial), W.child, zsk, cexp, false);
			put_signed(&m, 1, ns0, W.child, zsk, cexp, false);
		} else {
			put(&m, 1, soa(W.child, serial));
			put(&m, 1, ns0);
		}
		add_query(s, zc, cs[i], DV_SIDE_CHILD, W.nx, DV_PROBE_NX_TYPE, DV_Q_DO, &m,
		          DV_SNAP_OK);
	}
	/* Transport conditions of the second server's UDP SOA query. */
	for (size_t i = 0; i < s->nqueries; i++) {
		dv_snap_query_t *q = &s->queries[i];
		if (q->server != c2 || q->qtype != KNOT_RRTYPE_SOA || (q->flags & DV_Q_TCP) ||
		    q->wire == NULL)
			continue;
		q->udp_failed = b->udp2 == 1;
		q->udp_truncated = b->udp2 == 2;
		q->tcp = b->udp2 != 0;
		if (b->noopt2) {
			/* The OPT RR (11 octets, no options) is the message's last record. */
			uint8_t *w = (uint8_t *)q->wire;
			assert_int_equal(w[11], 1);
			w[11] = 0;
			q->len -= 11;
		}
	}
	return s;
}

/* ---- running the checks ------------------------------------------------------ */

typedef struct {
	dv_live_result_t res;
	dv_snapshot_t *snap;
} run_t;

static void run(const breakage_t *b, run_t *r, int64_t now)
{
	r->snap = world(b);
	dv_live_opts_t o = {.now = now, .warn_secs = 7 * DAY, .crit_secs = 2 * DAY};
	assert_int_equal(dv_live_check(r->snap, &o, &r->res), DV_OK);
}

static void done(run_t *r)
{
	dv_live_result_clear(&r->res);
	dv_snapshot_free(r->snap);
}

/* Whether a finding of `code` on zone (and server, when not NULL) is present. */
static bool has(const run_t *r, dv_code_t code, const char *zone, const char *server)
{
	for (size_t i = 0; i < r->res.findings.len; i++) {
		const dv_finding_t *f = &r->res.findings.v[i];
		if (f->code == code && strcmp(name_str(f->zone), zone) == 0 &&
		    (server == NULL || strstr(f->server, server) != NULL))
			return true;
	}
	return false;
}

static void dump(const run_t *r)
{
	for (size_t i = 0; i < r->res.findings.len; i++) {
		const dv_finding_t *f = &r->res.findings.v[i];
		print_message("  %s %s @%s %s\n", dv_code_name(f->code), name_str(f->zone),
		              f->server, f->detail);
	}
}

static dv_chain_status_t status(const run_t *r, const char *zone)
{
	for (size_t i = 0; i < r->snap->nzones; i++)
		if (strcmp(r->snap->zones[i].name, zone) == 0)
			return r->res.zones[i].status;
	fail_msg("zone %s absent", zone);
	return DV_CHAIN_INDETERMINATE;
}

static void test_healthy(void **state)
{
	(void)state;
	breakage_t b = {0};
	run_t r;
	run(&b, &r, NOW);
	if (r.res.findings.len != 0)
		dump(&r);
	assert_int_equal(r.res.findings.len, 0);
	assert_int_equal(status(&r, "."), DV_CHAIN_SECURE);
	assert_int_equal(status(&r, "test."), DV_CHAIN_SECURE);
	assert_true(r.res.have_expiry);
	assert_int_equal(r.res.earliest_expiry, NOW + 20 * DAY);
	/* Every signature judged is valid; the chain's own judgments of the
	 * DNSKEY RRset (against the DS-matched keys) come from the cache, so
	 * no more verifications run than signatures were judged. */
	assert_true(r.res.sigs_checked > 0);
	assert_int_equal(r.res.sigs_valid, r.res.sigs_checked);
	assert_int_equal(r.res.sigs_failed + r.res.sigs_expired + r.res.sigs_not_yet_valid, 0);
	assert_true(r.res.sigs_verified <= r.res.sigs_checked);
	assert_int_equal(r.res.answering, 3);
	done(&r);
}

/* A valid NSEC3 NXDOMAIN proof (closest encloser, next closer, wildcard). */
static void test_nsec3(void **state)
{
	(void)state;
	breakage_t b = {.nsec3 = true};
	run_t r;
	run(&b, &r, NOW);
	if (r.res.findings.len != 0)
		dump(&r);
	assert_int_equal(r.res.findings.len, 0);
	done(&r);
	/* An NSEC3 only covering the delegation proves no DS only with Opt-Out. */
	breakage_t ob = {.no_ds = true, .optout = 1};
	run(&ob, &r, NOW);
	assert_int_equal(status(&r, "test."), DV_CHAIN_INSECURE);
	done(&r);
	breakage_t nb = {.no_ds = true, .optout = 2};
	run(&nb, &r, NOW);
	assert_int_equal(status(&r, "test."), DV_CHAIN_BOGUS);
	assert_true(has(&r, DV_F_DENIAL_PROOF_INVALID, ".", "192.0.2.1"));
	done(&r);
}

/* One breakage, the code it must give (on zone, server), and the chain status. */
static const struct {
	const char *name;
	breakage_t b;
	int64_t now_offset;
	dv_code_t code;
	const char *zone, *server;
	dv_chain_status_t st;
} cases[] = {
    {"expired",
     {.child_exp = NOW - DAY},
     0,
     DV_F_RRSIG_EXPIRED,
     "test.",
     "192.0.2.11",
     DV_CHAIN_BOGUS},
    {"expired/chain", {.child_exp = NOW - DAY}, 0, DV_F_CHAIN_BOGUS, "test.", NULL, DV_CHAIN_BOGUS},
    {"expiring",
     {.child_exp = NOW + 5 * DAY},
     0,
     DV_F_RRSIG_EXPIRES_SOON,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    {"critical",
     {.child_exp = NOW + DAY},
     0,
     DV_F_RRSIG_EXPIRES_CRITICAL,
     "test.",
     NULL,
     DV_CHAIN_SECURE},
    {"time is an input", {0}, 21 * DAY, DV_F_RRSIG_EXPIRED, "test.", NULL, DV_CHAIN_BOGUS},
    {"ds mismatch",
     {.ds_other = true},
     0,
     DV_F_DS_NO_MATCHING_DNSKEY,
     "test.",
     "192.0.2.11",
     DV_CHAIN_BOGUS},
    {"bad signature",
     {.bad_sig = true},
     0,
     DV_F_RRSIG_INVALID,
     "test.",
     "192.0.2.12",
     DV_CHAIN_BOGUS},
    {"serial",
     {.serial2 = 99},
     0,
     DV_F_SERVERS_SERIAL_DIFFER,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    /* One server without RRSIGs: validators retry the other, so the zone stays
     * secure (as DNSViz judges it) and the server is the finding. */
    {"unsigned server",
     {.unsigned2 = true},
     0,
     DV_F_SERVERS_RRSIG_DIFFER,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    {"unsigned server/no dnssec",
     {.unsigned2 = true},
     0,
     DV_F_SERVER_NO_DNSSEC,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    {"unsigned server/no SEP",
     {.unsigned2 = true},
     0,
     DV_F_DNSKEY_NOT_SIGNED_BY_DS_KEY,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    {"unreachable",
     {.srv2 = 1},
     0,
     DV_F_SERVER_UNREACHABLE,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    {"refused", {.srv2 = 2}, 0, DV_F_SERVER_REFUSED, "test.", "192.0.2.12", DV_CHAIN_SECURE},
    {"island", {.no_ds = true}, 0, DV_F_ISLAND_OF_SECURITY, "test.", NULL, DV_CHAIN_INSECURE},
    {"insecure", {.no_ds = true}, 0, DV_F_CHAIN_INSECURE, "test.", NULL, DV_CHAIN_INSECURE},
    {"nsec",
     {.bad_nsec = true},
     0,
     DV_F_DENIAL_PROOF_INVALID,
     "test.",
     "192.0.2.11",
     DV_CHAIN_SECURE},
    {"nsec3 broken",
     {.nsec3 = true, .bad_nsec3 = true},
     0,
     DV_F_DENIAL_PROOF_INVALID,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    {"nsec3 opt-out: no DS proven",
     {.no_ds = true, .optout = 1},
     0,
     DV_F_CHAIN_INSECURE,
     "test.",
     NULL,
     DV_CHAIN_INSECURE},
    {"servfail", {.srv2 = 3}, 0, DV_F_SERVER_SERVFAIL, "test.", "192.0.2.12", DV_CHAIN_SECURE},
    {"lame", {.srv2 = 4}, 0, DV_F_SERVER_LAME, "test.", "192.0.2.12", DV_CHAIN_SECURE},
    {"udp fails", {.udp2 = 1}, 0, DV_F_SERVER_UDP_FAILS, "test.", "192.0.2.12", DV_CHAIN_SECURE},
    {"udp truncates",
     {.udp2 = 2},
     0,
     DV_F_SERVER_UDP_FAILS,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    {"tcp fails",
     {.tcp2_fail = true},
     0,
     DV_F_SERVER_TCP_FAILS,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    {"edns", {.noopt2 = true}, 0, DV_F_SERVER_EDNS_BROKEN, "test.", "192.0.2.12", DV_CHAIN_SECURE},
    {"ns differ",
     {.ns2_extra = true},
     0,
     DV_F_SERVERS_NS_DIFFER,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    {"parent ns differ",
     {.parent_ns_extra = true},
     0,
     DV_F_PARENT_CHILD_NS_DIFFER,
     "test.",
     "192.0.2.1",
     DV_CHAIN_SECURE},
    {"dnskey differ",
     {.dnskey2_extra = true},
     0,
     DV_F_SERVERS_DNSKEY_DIFFER,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
    {"dnskey ttl",
     {.dnskey_ttl = 30 * DAY},
     0,
     DV_F_TTL_EXCEEDS_VALIDITY,
     "test.",
     "192.0.2.11",
     DV_CHAIN_SECURE},
    {"rsasha1 key", {.alg5 = true}, 0, DV_F_ALGORITHM_DEPRECATED, "test.", NULL, DV_CHAIN_SECURE},
    {"rsasha1 key unused",
     {.alg5 = true},
     0,
     DV_F_RRSIG_ALGORITHM_MISSING,
     "test.",
     "192.0.2.11",
     DV_CHAIN_SECURE},
    {"sha1 ds", {.ds_sha1 = true}, 0, DV_F_DS_DIGEST_DEPRECATED, "test.", NULL, DV_CHAIN_SECURE},
    {"inverted window",
     {.child_exp = NOW - 2 * DAY},
     0,
     DV_F_RRSIG_WINDOW_INVERTED,
     "test.",
     "192.0.2.11",
     DV_CHAIN_BOGUS},
    {"not yet valid",
     {.child_exp = NOW + DAY},
     -2 * DAY,
     DV_F_RRSIG_NOT_YET_VALID,
     ".",
     NULL,
     DV_CHAIN_BOGUS},
    {"cds unsigned",
     {.cds_unsigned = true},
     0,
     DV_F_CDS_UNSIGNED,
     "test.",
     "192.0.2.11",
     DV_CHAIN_SECURE},
    /* A resolver cannot choose the parent server it gets the DS from. */
    /* RFC 6840 §4.4: the child's apex NSEC cannot deny the parent's DS. */
    {"child-side nsec",
     {.no_ds = true, .child_nsec = true},
     0,
     DV_F_DENIAL_PROOF_INVALID,
     ".",
     "192.0.2.1",
     DV_CHAIN_SECURE},
    {"child-side nsec/chain",
     {.no_ds = true, .child_nsec = true},
     0,
     DV_F_CHAIN_BOGUS,
     "test.",
     NULL,
     DV_CHAIN_BOGUS},
    {"parent ds differ",
     {.ds2_other = true},
     0,
     DV_F_PARENT_DS_DIFFER,
     "test.",
     "192.0.2.2",
     DV_CHAIN_BOGUS},
    {"cds delete",
     {.cds_delete = true},
     0,
     DV_F_CDS_DELETE,
     "test.",
     "192.0.2.11",
     DV_CHAIN_SECURE},
    {"cds other key",
     {.cds_other = true},
     0,
     DV_F_CDS_NO_MATCHING_DNSKEY,
     "test.",
     "192.0.2.12",
     DV_CHAIN_SECURE},
};

static void test_cases(void **state)
{
	(void)state;
	/* Every code of the table is absent from the healthy world. */
	run_t h;
	breakage_t none = {0};
	run(&none, &h, NOW);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (has(&h, cases[i].code, cases[i].zone, NULL))
			fail_msg("healthy world has %s", dv_code_name(cases[i].code));
		run_t r;
		run(&cases[i].b, &r, NOW + cases[i].now_offset);
		if (!has(&r, cases[i].code, cases[i].zone, cases[i].server)) {
			dump(&r);
			fail_msg("case '%s': no %s on %s @%s", cases[i].name,
			         dv_code_name(cases[i].code), cases[i].zone,
			         cases[i].server ? cases[i].server : "*");
		}
		if (status(&r, cases[i].zone) != cases[i].st) {
			dump(&r);
			fail_msg("case '%s': zone %s is %s, wanted %s", cases[i].name,
			         cases[i].zone, dv_chain_status_name(status(&r, cases[i].zone)),
			         dv_chain_status_name(cases[i].st));
		}
		/* The root is never blamed for the child's problems. */
		if (strcmp(cases[i].zone, ".") != 0)
			assert_int_equal(status(&r, "."), DV_CHAIN_SECURE);
		done(&r);
	}
	done(&h);
}

/* The serial finding blames the stale server only, and names both serials. */
static void test_evidence(void **state)
{
	(void)state;
	breakage_t b = {.serial2 = 99};
	run_t r;
	run(&b, &r, NOW);
	assert_false(has(&r, DV_F_SERVERS_SERIAL_DIFFER, "test.", "192.0.2.11"));
	/* Per server: each one's serial and signature expiry. */
	const dv_live_zone_t *zt = &r.res.zones[1];
	assert_int_equal(zt->nsrv, 2);
	assert_true(zt->srv[0].answering && zt->srv[1].answering);
	assert_int_equal(zt->srv[0].serial, 100);
	assert_int_equal(zt->srv[1].serial, 99);
	assert_int_equal(zt->serial, 100);
	assert_true(zt->srv[1].have_expiry);
	assert_int_equal(zt->srv[1].earliest_expiry, NOW + 20 * DAY);
	bool found = false;
	for (size_t i = 0; i < r.res.findings.len; i++)
		if (r.res.findings.v[i].code == DV_F_SERVERS_SERIAL_DIFFER) {
			assert_string_equal(r.res.findings.v[i].detail,
			                    "serial 99, while 192.0.2.11 serves 100");
			found = true;
		}
	assert_true(found);
	done(&r);
	/* An expired signature served by both servers is one finding naming both. */
	breakage_t e = {.child_exp = NOW - DAY};
	run(&e, &r, NOW);
	found = false;
	for (size_t i = 0; i < r.res.findings.len; i++) {
		const dv_finding_t *f = &r.res.findings.v[i];
		if (f->code == DV_F_RRSIG_EXPIRED && f->type == KNOT_RRTYPE_SOA) {
			assert_string_equal(f->server, "192.0.2.11,192.0.2.12");
			assert_int_equal(f->time, NOW - DAY);
			assert_int_equal(f->keytag, W.child_zsk.tag);
			found = true;
		}
	}
	assert_true(found);
	done(&r);
}

/*
 * RFC 5011 §2.1: data signed only by a revoked key is unsigned to a
 * validator (an error, and the zone bogus); beside a key that counts, the
 * revoked key's signatures change nothing.
 */
static void test_revoked(void **state)
{
	(void)state;
	breakage_t only = {.revoked = 1}, beside = {.revoked = 2}, none = {0};
	run_t r;
	run(&only, &r, NOW);
	if (!has(&r, DV_F_RRSIG_REVOKED_KEY, "test.", "192.0.2.11"))
		dump(&r);
	assert_true(has(&r, DV_F_RRSIG_REVOKED_KEY, "test.", "192.0.2.12"));
	assert_int_equal(status(&r, "test."), DV_CHAIN_BOGUS);
	assert_int_equal(status(&r, "."), DV_CHAIN_SECURE);
	bool soa_found = false;
	for (size_t i = 0; i < r.res.findings.len; i++) {
		const dv_finding_t *f = &r.res.findings.v[i];
		/* The DNSKEY RRset it may sign: never reported. */
		if (f->code == DV_F_RRSIG_REVOKED_KEY)
			assert_int_not_equal(f->type, KNOT_RRTYPE_DNSKEY);
		if (f->code == DV_F_RRSIG_REVOKED_KEY && f->type == KNOT_RRTYPE_SOA) {
			assert_int_equal(f->keytag, W.child_revoked.tag);
			soa_found = true;
		}
	}
	assert_true(soa_found);
	done(&r);
	run(&beside, &r, NOW);
	if (has(&r, DV_F_RRSIG_REVOKED_KEY, "test.", NULL) ||
	    status(&r, "test.") != DV_CHAIN_SECURE)
		dump(&r);
	assert_false(has(&r, DV_F_RRSIG_REVOKED_KEY, "test.", NULL));
	assert_int_equal(status(&r, "test."), DV_CHAIN_SECURE);
	done(&r);
	run(&none, &r, NOW);
	assert_false(has(&r, DV_F_RRSIG_REVOKED_KEY, "test.", NULL));
	done(&r);
}

/* A snapshot judged again after a JSON round trip gives the same findings. */
static void test_roundtrip(void **state)
{
	(void)state;
	breakage_t b = {.serial2 = 99, .bad_sig = true};
	run_t r;
	run(&b, &r, NOW);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(dv_snapshot_write(r.snap, f), DV_OK);
	fclose(f);
	dv_snapshot_t *back = NULL;
	char err[256];
	assert_int_equal(dv_snapshot_load_mem(buf, len, "mem", &back, err, sizeof(err)), DV_OK);
	dv_live_result_t again;
	dv_live_opts_t o = {.now = NOW, .warn_secs = 7 * DAY, .crit_secs = 2 * DAY};
	assert_int_equal(dv_live_check(back, &o, &again), DV_OK);
	assert_int_equal(again.findings.len, r.res.findings.len);
	for (size_t i = 0; i < again.findings.len; i++) {
		const dv_finding_t *x = &again.findings.v[i], *y = &r.res.findings.v[i];
		assert_int_equal(x->code, y->code);
		assert_string_equal(name_str(x->zone), name_str(y->zone));
		assert_string_equal(name_str(x->owner), name_str(y->owner));
		assert_string_equal(x->server, y->server);
		assert_string_equal(x->detail, y->detail);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->keytag, y->keytag);
		assert_int_equal(x->algorithm, y->algorithm);
		assert_int_equal(x->time, y->time);
		assert_int_equal(x->seconds_left, y->seconds_left);
	}
	dv_live_result_clear(&again);
	dv_snapshot_free(back);
	free(buf);
	done(&r);
}

/* Garbage messages are judged (unparseable answers), never a crash. */
static void test_garbage(void **state)
{
	(void)state;
	breakage_t b = {0};
	run_t r;
	r.snap = world(&b);
	for (size_t i = 0; i < r.snap->nqueries; i++) {
		uint8_t *w = (uint8_t *)r.snap->queries[i].wire;
		for (size_t k = 12; w != NULL && k < r.snap->queries[i].len; k += 3)
			w[k] ^= (uint8_t)(0x5a + k);
	}
	dv_live_opts_t o = {.now = NOW, .warn_secs = 7 * DAY, .crit_secs = 2 * DAY};
	assert_int_equal(dv_live_check(r.snap, &o, &r.res), DV_OK);
	assert_int_not_equal(status(&r, "test."), DV_CHAIN_SECURE);
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_healthy), cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_nsec3),   cmocka_unit_test(test_evidence),
	    cmocka_unit_test(test_revoked), cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
