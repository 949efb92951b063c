/*
 * Unit tests of the denial-of-existence checks (NSEC: RFC 4034 §4, RFC 4035
 * §2.3; NSEC3: RFC 5155 §7.1, RFC 9276) on small zones loaded through the
 * zone store: each healthy zone gives no finding, each broken variant gives
 * exactly the expected findings on the expected owners.
 *
 * The NSEC3 zones were generated with an independent implementation of the
 * RFC 5155 hash (Python hashlib); rfc5155_zone is the example zone of RFC
 * 5155 Appendix A (Opt-Out, salt aabbccdd, 12 iterations) without signatures.
 * Signatures do not matter to these checks; a few dummy RRSIGs are present
 * so that their presence is shown not to matter either.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/checks.h"
#include "core/error.h"
#include "core/zone.h"
#include "dnssec/dnssec.h"
#include "findings/findings.h"
#include "unit.h"

static const char nsec_zone[] =
    "$ORIGIN example.\n"
    "$TTL 3600\n"
    "@ SOA ns1 hostmaster 1 7200 3600 1209600 3600\n"
    "@ NS ns1\n"
    "@ NSEC *.example. NS SOA RRSIG NSEC\n"
    "@ RRSIG SOA 13 1 3600 20300101000000 20200101000000 12345 example. c2lnbmF0dXJl\n"
    "* TXT \"wild\"\n"
    "* NSEC a.example. TXT RRSIG NSEC\n"
    "a A 192.0.2.1\n"
    "a NSEC b.c.example. A RRSIG NSEC\n"
    "a RRSIG A 13 2 3600 20300101000000 20200101000000 12345 example. c2lnbmF0dXJl\n"
    "a RRSIG NSEC 13 2 3600 20300101000000 20200101000000 12345 example. c2lnbmF0dXJl\n"
    "b.c TXT \"b\"\n"
    "b.c NSEC ns1.example. TXT RRSIG NSEC\n"
    "ns1 A 192.0.2.53\n"
    "ns1 NSEC sub.example. A RRSIG NSEC\n"
    "sub NS ns.sub\n"
    "sub DS 12345 13 2 2BB183AF5F22588179A53B0A98631FAD1A292118ABCDEF0123456789ABCDEF01\n"
    "sub NSEC w.example. NS DS RRSIG NSEC\n"
    "ns.sub A 192.0.2.54\n"
    "w NS ns.elsewhere.test.\n"
    "w NSEC example. NS RRSIG NSEC\n";

/* The records both NSEC3 fixtures (opt-out or not) cover. */
#define NSEC3_RECORDS                                                                              \
	"$ORIGIN example.\n"                                                                       \
	"$TTL 3600\n"                                                                              \
	"@ SOA ns1 hostmaster 1 7200 3600 1209600 3600\n"                                          \
	"@ NS ns1\n"                                                                               \
	"@ NSEC3PARAM 1 0 0 -\n"                                                                   \
	"@ RRSIG SOA 13 1 3600 20300101000000 20200101000000 12345 example. c2lnbmF0dXJl\n"        \
	"a A 192.0.2.1\n"                                                                          \
	"a RRSIG A 13 2 3600 20300101000000 20200101000000 12345 example. c2lnbmF0dXJl\n"          \
	"b.c TXT \"b\"\n"                                                                          \
	"ns1 A 192.0.2.53\n"                                                                       \
	"sub NS ns.sub\n"                                                                          \
	"sub DS 12345 13 2 2BB183AF5F22588179A53B0A98631FAD1A292118ABCDEF0123456789ABCDEF01\n"     \
	"ns.sub A 192.0.2.54\n"                                                                    \
	"w NS ns.elsewhere.test.\n"                                                                \
	"v.d NS ns.elsewhere.test.\n"

static const char nsec3_plain[] = NSEC3_RECORDS
    "1ocurhhekmgijb12o4fl1rfb1he35098 NSEC3 1 0 0 - 2km8vfb1ttm1c2s1p6aagsi6hkuk0fss NS DS RRSIG\n"
    "2km8vfb1ttm1c2s1p6aagsi6hkuk0fss NSEC3 1 0 0 - 3MSEV9USMD4BR9S97V51R2TDVMR9IQO1\n"
    "3msev9usmd4br9s97v51r2tdvmr9iqo1 NSEC3 1 0 0 - 6cd522290vma0nr8lqu1ivtcofj94rga NS SOA RRSIG "
    "NSEC3PARAM\n"
    "6cd522290vma0nr8lqu1ivtcofj94rga NSEC3 1 0 0 - ATUTAKMS2NNIOD8SIE19KMFB3UQD60KQ A RRSIG\n"
    "atutakms2nniod8sie19kmfb3uqd60kq NSEC3 1 0 0 - kgqb5f8cke123q17papomfbrl1tc0551\n"
    "kgqb5f8cke123q17papomfbrl1tc0551 NSEC3 1 0 0 - M1O89LFDO9RRF2F8R8SS42D81D09V48M TXT RRSIG\n"
    "m1o89lfdo9rrf2f8r8ss42d81d09v48m NSEC3 1 0 0 - tf4v2jbvf5iq28bheot32e5nsh2dbof3 A RRSIG\n"
    "tf4v2jbvf5iq28bheot32e5nsh2dbof3 NSEC3 1 0 0 - TFTPPT7TNPK36LH26DSC4E73E0P3KJFS NS\n"
    "tftppt7tnpk36lh26dsc4e73e0p3kjfs NSEC3 1 0 0 - 1ocurhhekmgijb12o4fl1rfb1he35098 NS\n"
    "3msev9usmd4br9s97v51r2tdvmr9iqo1 RRSIG NSEC3 13 2 3600 20300101000000 20200101000000 12345 "
    "example. c2lnbmF0dXJl\n";

static const char nsec3_optout[] = NSEC3_RECORDS
    "1ocurhhekmgijb12o4fl1rfb1he35098 NSEC3 1 1 0 - 3msev9usmd4br9s97v51r2tdvmr9iqo1 NS DS RRSIG\n"
    "3msev9usmd4br9s97v51r2tdvmr9iqo1 NSEC3 1 1 0 - 6CD522290VMA0NR8LQU1IVTCOFJ94RGA NS SOA RRSIG "
    "NSEC3PARAM\n"
    "6cd522290vma0nr8lqu1ivtcofj94rga NSEC3 1 1 0 - atutakms2nniod8sie19kmfb3uqd60kq A RRSIG\n"
    "atutakms2nniod8sie19kmfb3uqd60kq NSEC3 1 1 0 - KGQB5F8CKE123Q17PAPOMFBRL1TC0551\n"
    "kgqb5f8cke123q17papomfbrl1tc0551 NSEC3 1 1 0 - m1o89lfdo9rrf2f8r8ss42d81d09v48m TXT RRSIG\n"
    "m1o89lfdo9rrf2f8r8ss42d81d09v48m NSEC3 1 1 0 - 1OCURHHEKMGIJB12O4FL1RFB1HE35098 A RRSIG\n";

static const char rfc5155_zone[] =
    "$ORIGIN example.\n"
    "$TTL 3600\n"
    "@ SOA ns1 bugs.x.w 1 3600 300 3600000 3600\n"
    "@ NS ns1\n"
    "@ NS ns2\n"
    "@ MX 1 xx\n"
    "@ DNSKEY 256 3 7 "
    "AwEAAaetidLzsKWUt4swWR8yu0wPHPiUi8LUsAD0QPWU+wzt89epO6tHzkMBVDkC7qphQO2hTY4hHn9npWFRw5BYubE=\n"
    "@ NSEC3PARAM 1 0 12 aabbccdd\n"
    "2t7b4g4vsa5smi47k61mv5bv1a22bojr A 192.0.2.127\n"
    "a NS ns1.a\n"
    "a NS ns2.a\n"
    "a DS 58470 5 1 3079F1593EBAD6DC121E202A8B766A6A4837206C\n"
    "ns1.a A 192.0.2.5\n"
    "ns2.a A 192.0.2.6\n"
    "ai A 192.0.2.9\n"
    "ai HINFO \"KLH-10\" \"ITS\"\n"
    "ai AAAA 2001:db8::f00:baa9\n"
    "c NS ns1.c\n"
    "c NS ns2.c\n"
    "ns1.c A 192.0.2.7\n"
    "ns2.c A 192.0.2.8\n"
    "ns1 A 192.0.2.1\n"
    "ns2 A 192.0.2.2\n"
    "*.w MX 1 ai\n"
    "x.w MX 1 xx\n"
    "x.y.w MX 1 xx\n"
    "xx A 192.0.2.10\n"
    "xx HINFO \"KLH-10\" \"TOPS-20\"\n"
    "xx AAAA 2001:db8::f00:baaa\n"
    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS "
    "SOA MX RRSIG DNSKEY NSEC3PARAM\n"
    "2t7b4g4vsa5smi47k61mv5bv1a22bojr NSEC3 1 1 12 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3s A "
    "RRSIG\n"
    "2vptu5timamqttgl4luu9kg21e0aor3s NSEC3 1 1 12 aabbccdd 35mthgpgcu1qg68fab165klnsnk3dpvl MX "
    "RRSIG\n"
    "35mthgpgcu1qg68fab165klnsnk3dpvl NSEC3 1 1 12 aabbccdd b4um86eghhds6nea196smvmlo4ors995 NS "
    "DS RRSIG\n"
    "b4um86eghhds6nea196smvmlo4ors995 NSEC3 1 1 12 aabbccdd gjeqe526plbf1g8mklp59enfd789njgi MX "
    "RRSIG\n"
    "gjeqe526plbf1g8mklp59enfd789njgi NSEC3 1 1 12 aabbccdd ji6neoaepv8b5o6k4ev33abha8ht9fgc A "
    "HINFO AAAA RRSIG\n"
    "ji6neoaepv8b5o6k4ev33abha8ht9fgc NSEC3 1 1 12 aabbccdd k8udemvp1j2f7eg6jebps17vp3n8i58h\n"
    "k8udemvp1j2f7eg6jebps17vp3n8i58h NSEC3 1 1 12 aabbccdd kohar7mbb8dc2ce8a9qvl8hon4k53uhi\n"
    "kohar7mbb8dc2ce8a9qvl8hon4k53uhi NSEC3 1 1 12 aabbccdd q04jkcevqvmu85r014c7dkba38o0ji5r A "
    "RRSIG\n"
    "q04jkcevqvmu85r014c7dkba38o0ji5r NSEC3 1 1 12 aabbccdd r53bq7cc2uvmubfu5ocmm6pers9tk9en A "
    "RRSIG\n"
    "r53bq7cc2uvmubfu5ocmm6pers9tk9en NSEC3 1 1 12 aabbccdd t644ebqk9bibcna874givr6joj62mlhv MX "
    "RRSIG\n"
    "t644ebqk9bibcna874givr6joj62mlhv NSEC3 1 1 12 aabbccdd 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A "
    "HINFO AAAA RRSIG\n";

#define MAXF 3
typedef struct {
	dv_code_t code;
	const char *owner;
} want_t;

static const struct {
	const char *name;
	const char *base;
	const char *from1, *to1, *from2, *to2;
	want_t want[MAXF]; /* ends at the first NULL owner */
} cases[] = {
    /* ---- NSEC ---- */
    {"NSEC healthy", nsec_zone, NULL, NULL, NULL, NULL, {{0}}},
    {"NSEC next name in another case (RFC 6840 §5.1)",
     nsec_zone,
     "a NSEC b.c.example.",
     "a NSEC B.C.Example.",
     NULL,
     NULL,
     {{0}}},
    {"NSEC data at a delegation point is not in its bitmap",
     nsec_zone,
     "sub NS ns.sub\n",
     "sub NS ns.sub\nsub A 192.0.2.99\n",
     NULL,
     NULL,
     {{0}}},
    {"NSEC removed",
     nsec_zone,
     "a NSEC b.c.example. A RRSIG NSEC\n",
     "",
     NULL,
     NULL,
     {{DV_F_NSEC_MISSING, "a.example."}}},
    {"NSEC next skips a name",
     nsec_zone,
     "a NSEC b.c.example.",
     "a NSEC ns1.example.",
     NULL,
     NULL,
     {{DV_F_NSEC_CHAIN_BROKEN, "a.example."}}},
    {"NSEC last does not point to the apex",
     nsec_zone,
     "w NSEC example.",
     "w NSEC a.example.",
     NULL,
     NULL,
     {{DV_F_NSEC_CHAIN_BROKEN, "w.example."}}},
    {"NSEC chain still names a deleted name",
     nsec_zone,
     "b.c TXT \"b\"\n",
     "",
     "b.c NSEC ns1.example. TXT RRSIG NSEC\n",
     "",
     {{DV_F_NSEC_CHAIN_BROKEN, "a.example."}}},
    {"NSEC name added without re-signing",
     nsec_zone,
     "ns1 A 192.0.2.53\n",
     "ns1 A 192.0.2.53\nnew A 192.0.2.7\n",
     NULL,
     NULL,
     {{DV_F_NSEC_MISSING, "new.example."}}},
    {"NSEC bitmap lists an absent type",
     nsec_zone,
     "a NSEC b.c.example. A RRSIG NSEC",
     "a NSEC b.c.example. A AAAA RRSIG NSEC",
     NULL,
     NULL,
     {{DV_F_NSEC_BITMAP_MISMATCH, "a.example."}}},
    {"NSEC bitmap lacks RRSIG at the apex",
     nsec_zone,
     "NS SOA RRSIG NSEC",
     "NS SOA NSEC",
     NULL,
     NULL,
     {{DV_F_NSEC_BITMAP_MISMATCH, "example."}}},
    {"NSEC bitmap at a delegation lacks DS",
     nsec_zone,
     "NS DS RRSIG NSEC",
     "NS RRSIG NSEC",
     NULL,
     NULL,
     {{DV_F_NSEC_BITMAP_MISMATCH, "sub.example."}}},
    {"NSEC bitmap at a delegation lists glue",
     nsec_zone,
     "w NSEC example. NS RRSIG NSEC",
     "w NSEC example. A NS RRSIG NSEC",
     "w NS ns.elsewhere.test.\n",
     "w NS ns.elsewhere.test.\nw A 192.0.2.98\n",
     {{DV_F_NSEC_BITMAP_MISMATCH, "w.example."}}},
    {"NSEC at glue",
     nsec_zone,
     "ns.sub A 192.0.2.54\n",
     "ns.sub A 192.0.2.54\nns.sub NSEC w.example. A RRSIG NSEC\n",
     "sub NSEC w.example.",
     "sub NSEC ns.sub.example.",
     {{DV_F_NSEC_UNEXPECTED, "ns.sub.example."}}},
    {"two NSEC at one name",
     nsec_zone,
     "a A 192.0.2.1\n",
     "a A 192.0.2.1\na NSEC b.c.example. A TXT RRSIG NSEC\n",
     NULL,
     NULL,
     {{DV_F_NSEC_CHAIN_BROKEN, "a.example."}}},
    {"NSEC nothing owned below a DNAME",
     nsec_zone,
     "ns1 A 192.0.2.53\n",
     "dn DNAME target.test.\ndn NSEC ns1.example. DNAME RRSIG NSEC\nx.dn A 192.0.2.9\n"
     "ns1 A 192.0.2.53\n",
     "b.c NSEC ns1.example.",
     "b.c NSEC dn.example.",
     {{0}}},
    {"NSEC below a DNAME",
     nsec_zone,
     "ns1 A 192.0.2.53\n",
     "dn DNAME target.test.\ndn NSEC ns1.example. DNAME RRSIG NSEC\nx.dn A 192.0.2.9\n"
     "x.dn NSEC ns1.example. A RRSIG NSEC\nns1 A 192.0.2.53\n",
     "b.c NSEC ns1.example.",
     "b.c NSEC dn.example.",
     {{DV_F_NSEC_UNEXPECTED, "x.dn.example."}}},
    /* ---- NSEC3 ---- */
    {"NSEC3 healthy", nsec3_plain, NULL, NULL, NULL, NULL, {{0}}},
    {"NSEC3 Opt-Out healthy", nsec3_optout, NULL, NULL, NULL, NULL, {{0}}},
    {"NSEC3 Opt-Out with an NSEC3 for an unsigned delegation",
     nsec3_optout,
     "m1o89lfdo9rrf2f8r8ss42d81d09v48m NSEC3 1 1 0 - 1OCURHHEKMGIJB12O4FL1RFB1HE35098 A "
     "RRSIG\n",
     "m1o89lfdo9rrf2f8r8ss42d81d09v48m NSEC3 1 1 0 - tf4v2jbvf5iq28bheot32e5nsh2dbof3 A "
     "RRSIG\ntf4v2jbvf5iq28bheot32e5nsh2dbof3 NSEC3 1 1 0 - 1ocurhhekmgijb12o4fl1rfb1he35098 "
     "NS\n",
     NULL,
     NULL,
     {{0}}},
    {"NSEC3 RFC 5155 Appendix A",
     rfc5155_zone,
     NULL,
     NULL,
     NULL,
     NULL,
     {{DV_F_NSEC3_ITERATIONS, "example."}, {DV_F_NSEC3_SALT, "example."}}},
    {"NSEC3PARAM missing",
     nsec3_plain,
     "@ NSEC3PARAM 1 0 0 -\n",
     "",
     "NS SOA RRSIG NSEC3PARAM",
     "NS SOA RRSIG",
     {{DV_F_NSEC3PARAM_MISSING, "example."}}},
    {"NSEC3 removed",
     nsec3_plain,
     "6cd522290vma0nr8lqu1ivtcofj94rga NSEC3 1 0 0 - "
     "ATUTAKMS2NNIOD8SIE19KMFB3UQD60KQ A RRSIG\n",
     "",
     NULL,
     NULL,
     {{DV_F_NSEC3_MISSING, "a.example."}}},
    {"NSEC3 of an empty non-terminal removed",
     nsec3_plain,
     "atutakms2nniod8sie19kmfb3uqd60kq NSEC3 1 0 0 - kgqb5f8cke123q17papomfbrl1tc0551\n",
     "",
     NULL,
     NULL,
     {{DV_F_NSEC3_MISSING, "c.example."}}},
    {"NSEC3 of an insecure delegation removed, no Opt-Out",
     nsec3_plain,
     "tf4v2jbvf5iq28bheot32e5nsh2dbof3 NSEC3 1 0 0 - TFTPPT7TNPK36LH26DSC4E73E0P3KJFS NS\n",
     "",
     NULL,
     NULL,
     {{DV_F_NSEC3_MISSING, "w.example."}}},
    {"NSEC3 of a signed delegation missing under Opt-Out",
     nsec3_optout,
     "1ocurhhekmgijb12o4fl1rfb1he35098 NSEC3 1 1 0 - 3msev9usmd4br9s97v51r2tdvmr9iqo1 NS DS "
     "RRSIG\n",
     "",
     NULL,
     NULL,
     {{DV_F_NSEC3_MISSING, "sub.example."}}},
    {"NSEC3 span over unsigned delegations without Opt-Out",
     nsec3_optout,
     "m1o89lfdo9rrf2f8r8ss42d81d09v48m NSEC3 1 1 0",
     "m1o89lfdo9rrf2f8r8ss42d81d09v48m NSEC3 1 0 0",
     NULL,
     NULL,
     {{DV_F_NSEC3_MISSING, "w.example."}, {DV_F_NSEC3_MISSING, "v.d.example."}}},
    {"NSEC3 orphan after a name was deleted",
     nsec3_plain,
     "a A 192.0.2.1\n",
     "",
     "a RRSIG A",
     "ns1 RRSIG A",
     {{DV_F_NSEC3_ORPHAN, "6cd522290vma0nr8lqu1ivtcofj94rga.example."}}},
    {"NSEC3 next hash skips one",
     nsec3_plain,
     "6cd522290vma0nr8lqu1ivtcofj94rga NSEC3 1 0 0 - ATUTAKMS2NNIOD8SIE19KMFB3UQD60KQ",
     "6cd522290vma0nr8lqu1ivtcofj94rga NSEC3 1 0 0 - KGQB5F8CKE123Q17PAPOMFBRL1TC0551",
     NULL,
     NULL,
     {{DV_F_NSEC3_CHAIN_BROKEN, "6cd522290vma0nr8lqu1ivtcofj94rga.example."}}},
    {"NSEC3 chain not circular",
     nsec3_plain,
     "tftppt7tnpk36lh26dsc4e73e0p3kjfs NSEC3 1 0 0 - 1ocurhhekmgijb12o4fl1rfb1he35098",
     "tftppt7tnpk36lh26dsc4e73e0p3kjfs NSEC3 1 0 0 - 2km8vfb1ttm1c2s1p6aagsi6hkuk0fss",
     NULL,
     NULL,
     {{DV_F_NSEC3_CHAIN_BROKEN, "tftppt7tnpk36lh26dsc4e73e0p3kjfs.example."}}},
    {"NSEC3 next hash of the wrong length",
     nsec3_plain,
     "6cd522290vma0nr8lqu1ivtcofj94rga NSEC3 1 0 0 - ATUTAKMS2NNIOD8SIE19KMFB3UQD60KQ",
     "6cd522290vma0nr8lqu1ivtcofj94rga NSEC3 1 0 0 - ATUTAKMS",
     NULL,
     NULL,
     {{DV_F_NSEC3_CHAIN_BROKEN, "6cd522290vma0nr8lqu1ivtcofj94rga.example."}}},
    {"NSEC3 bitmap lists an absent type",
     nsec3_plain,
     "ATUTAKMS2NNIOD8SIE19KMFB3UQD60KQ A RRSIG",
     "ATUTAKMS2NNIOD8SIE19KMFB3UQD60KQ A AAAA RRSIG",
     NULL,
     NULL,
     {{DV_F_NSEC3_BITMAP_MISMATCH, "6cd522290vma0nr8lqu1ivtcofj94rga.example."}}},
    {"NSEC3 bitmap of an empty non-terminal not empty",
     nsec3_plain,
     "- kgqb5f8cke123q17papomfbrl1tc0551\n",
     "- kgqb5f8cke123q17papomfbrl1tc0551 RRSIG\n",
     NULL,
     NULL,
     {{DV_F_NSEC3_BITMAP_MISMATCH, "atutakms2nniod8sie19kmfb3uqd60kq.example."}}},
    {"NSEC3 bitmap lists NSEC3",
     nsec3_plain,
     "NS SOA RRSIG NSEC3PARAM",
     "NS SOA RRSIG NSEC3 NSEC3PARAM",
     NULL,
     NULL,
     {{DV_F_NSEC3_BITMAP_MISMATCH, "3msev9usmd4br9s97v51r2tdvmr9iqo1.example."}}},
    {"NSEC3 unsigned delegation bitmap lists RRSIG",
     nsec3_plain,
     "- TFTPPT7TNPK36LH26DSC4E73E0P3KJFS NS\n",
     "- TFTPPT7TNPK36LH26DSC4E73E0P3KJFS NS RRSIG\n",
     NULL,
     NULL,
     {{DV_F_NSEC3_BITMAP_MISMATCH, "tf4v2jbvf5iq28bheot32e5nsh2dbof3.example."}}},
    {"NSEC3 of an old chain left behind",
     nsec3_plain,
     "w NS ns.elsewhere.test.\n",
     "w NS ns.elsewhere.test.\n00000000000000000000000000000000 NSEC3 1 0 5 ab "
     "11111111111111111111111111111111 A RRSIG\n",
     NULL,
     NULL,
     {{DV_F_NSEC3_PARAM_MISMATCH, "00000000000000000000000000000000.example."}}},
    {"NSEC3 hash algorithm unknown",
     nsec3_plain,
     "@ NSEC3PARAM 1 0 0 -",
     "@ NSEC3PARAM 2 0 0 -",
     NULL,
     NULL,
     {{DV_F_NSEC3_BAD_HASH_ALGORITHM, "example."}}},
};

static void run_case(size_t i, unsigned threads)
{
	char *text = unit_text_edit(cases[i].base, cases[i].from1, cases[i].to1, cases[i].from2,
	                            cases[i].to2);
	dv_zone_t *z = unit_zone_load(text);
	dv_findings_t f = {0};
	assert_int_equal(dv_check_nsec(z, &f), DV_OK);
	assert_int_equal(dv_check_nsec3(z, threads, &f), DV_OK);
	size_t n = 0;
	while (n < MAXF && cases[i].want[n].owner != NULL)
		n++;
	bool ok = f.len == n;
	/* Every expected (code, owner) once; findings come in check order. */
	bool used[MAXF] = {false};
	for (size_t k = 0; ok && k < n; k++) {
		bool found = false;
		for (size_t j = 0; j < f.len && !found; j++) {
			if (!used[j] && f.v[j].code == cases[i].want[k].code &&
			    strcmp(name_str(f.v[j].owner), cases[i].want[k].owner) == 0)
				used[j] = found = true;
		}
		ok = found;
	}
	if (!ok) {
		fprintf(stderr, "case '%s' (%u threads): got %zu findings, want %zu\n",
		        cases[i].name, threads, f.len, n);
		for (size_t k = 0; k < f.len; k++)
			fprintf(stderr, "  got  %s %s: %s\n", dv_code_name(f.v[k].code),
			        name_str(f.v[k].owner), f.v[k].detail);
		for (size_t k = 0; k < n; k++)
			fprintf(stderr, "  want %s %s\n", dv_code_name(cases[i].want[k].code),
			        cases[i].want[k].owner);
	}
	assert_true(ok);
	dv_findings_clear(&f);
	dv_zone_free(z);
	free(text);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i, 1);
}

/* The same verdicts with hashing spread over threads. */
static void test_cases_threaded(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i, 4);
}

/* A zone without NSEC or NSEC3: both checks have nothing to say. */
static void test_unsigned(void **state)
{
	(void)state;
	dv_zone_t *z = unit_zone_load("example. 3600 IN SOA ns1 admin 1 1800 900 604800 86400\n"
	                              "example. 3600 IN NS ns1\nns1 3600 IN A 192.0.2.1\n");
	dv_findings_t f = {0};
	assert_int_equal(dv_check_nsec(z, &f), DV_OK);
	assert_int_equal(dv_check_nsec3(z, 2, &f), DV_OK);
	assert_int_equal(f.len, 0);
	dv_zone_free(z);
}

/* Detail lines say what was expected and what was found. */
static void test_details(void **state)
{
	(void)state;
	char *text = unit_text_edit(nsec_zone, "a NSEC b.c.example. A RRSIG NSEC",
	                            "a NSEC ns1.example. A AAAA NSEC", NULL, NULL);
	dv_zone_t *z = unit_zone_load(text);
	dv_findings_t f = {0};
	assert_int_equal(dv_check_nsec(z, &f), DV_OK);
	assert_int_equal(f.len, 2);
	assert_int_equal(f.v[0].code, DV_F_NSEC_CHAIN_BROKEN);
	assert_non_null(strstr(f.v[0].detail, "ns1.example."));
	assert_non_null(strstr(f.v[0].detail, "b.c.example."));
	assert_int_equal(f.v[1].code, DV_F_NSEC_BITMAP_MISMATCH);
	assert_non_null(strstr(f.v[1].detail, "[RRSIG]"));
	assert_non_null(strstr(f.v[1].detail, "[AAAA]"));
	assert_int_equal(f.v[1].type, 47);
	dv_findings_clear(&f);
	dv_zone_free(z);
	free(text);
}

/*
 * A zone large enough for the hashing to be spread over threads: 4000
 * delegations under Opt-Out, one in a hundred signed (with DS).  Its NSEC3
 * chain is built here with dv_nsec3_hash (checked against RFC 5155 in
 * test_nsec3).  `skip` leaves the NSEC3 of that delegation out.
 */
#define BIG_DELEGS 4000
typedef struct {
	uint8_t hash[DV_NSEC3_HASH_LEN];
	const char *types;
} bigrec_t;

static int bigrec_cmp(const void *a, const void *b)
{
	return memcmp(a, b, DV_NSEC3_HASH_LEN);
}

static char *big_zone(int skip)
{
	size_t cap = 512 * 1024, len = 0;
	char *z = malloc(cap);
	bigrec_t recs[BIG_DELEGS / 100 + 2];
	size_t n = 0;
	assert_non_null(z);
	len +=
	    (size_t)snprintf(z + len, cap - len,
	                     "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 h 1 7200 3600 1209600 3600\n"
	                     "@ NS ns1\n@ NSEC3PARAM 1 0 0 -\nns1 A 192.0.2.1\n");
	uint8_t wire[64];
	assert_int_equal(dv_nsec3_hash(1, 0, NULL, 0,
	                               (const uint8_t *)"\x07"
	                                                "example",
	                               recs[n].hash),
	                 0);
	recs[n++].types = "NS SOA RRSIG NSEC3PARAM";
	assert_int_equal(dv_nsec3_hash(1, 0, NULL, 0,
	                               (const uint8_t *)"\x03ns1\x07"
	                                                "example",
	                               recs[n].hash),
	                 0);
	recs[n++].types = "A RRSIG";
	for (int i = 0; i < BIG_DELEGS; i++) {
		len += (size_t)snprintf(z + len, cap - len, "d%d NS ns1.example.\n", i);
		if (i % 100 != 7)
			continue;
		len += (size_t)snprintf(
		    z + len, cap - len,
		    "d%d DS 12345 13 2 "
		    "2BB183AF5F22588179A53B0A98631FAD1A292118ABCDEF0123456789ABCDEF01\n",
		    i);
		if (i == skip)
			continue;
		char label[16];
		int ll = snprintf(label, sizeof(label), "d%d", i);
		wire[0] = (uint8_t)ll;
		memcpy(wire + 1, label, (size_t)ll);
		memcpy(wire + 1 + ll,
		       "\x07"
		       "example",
		       9);
		assert_int_equal(dv_nsec3_hash(1, 0, NULL, 0, wire, recs[n].hash), 0);
		recs[n++].types = "NS DS RRSIG";
	}
	qsort(recs, n, sizeof(recs[0]), bigrec_cmp);
	for (size_t k = 0; k < n; k++) {
		char own[40], nxt[40];
		dv_base32hex_encode(recs[k].hash, DV_NSEC3_HASH_LEN, own, sizeof(own));
		dv_base32hex_encode(recs[(k + 1) % n].hash, DV_NSEC3_HASH_LEN, nxt, sizeof(nxt));
		len += (size_t)snprintf(z + len, cap - len, "%s NSEC3 1 1 0 - %s %s\n", own, nxt,
		                        recs[k].types);
	}
	assert_true(len < cap - 1);
	return z;
}

static void test_threads(void **state)
{
	(void)state;
	for (int variant = 0; variant < 2; variant++) {
		char *text = big_zone(variant == 0 ? -1 : 1207);
		dv_zone_t *z = unit_zone_load(text);
		for (unsigned threads = 1; threads <= 4; threads += 3) {
			dv_findings_t f = {0};
			assert_int_equal(dv_check_nsec3(z, threads, &f), DV_OK);
			if (variant == 0) {
				assert_int_equal(f.len, 0);
			} else {
				assert_int_equal(f.len, 1);
				assert_int_equal(f.v[0].code, DV_F_NSEC3_MISSING);
				assert_string_equal(name_str(f.v[0].owner), "d1207.example.");
			}
			dv_findings_clear(&f);
		}
		dv_zone_free(z);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),    cmocka_unit_test(test_cases_threaded),
	    cmocka_unit_test(test_unsigned), cmocka_unit_test(test_details),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
