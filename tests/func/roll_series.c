/*
 * roll_series: a synthetic observation history for `rollover check`, built in
 * memory (bench/rollover-bench.sh; tests/func/test_rollover_series.sh).
 *
 * Zone bench. with 3 servers and 2 parent servers, one observation a
 * minute for --days days: re-signed every day (new RRSIGs: new versions of
 * every RRset), a pre-publish ZSK rollover on days 10-12 and a double-DS
 * KSK rollover on days 18-22; the second and third servers see each change
 * 2 and 5 minutes late, the second parent server 10 minutes late.  Each
 * observation holds DNSKEY, SOA, NS, CDS, CDNSKEY and two NSEC RRsets (the
 * apex one, and one of ten others in turn, as denial proofs are sampled).
 * --unsafe removes the old ZSK ten minutes after the new one starts signing
 * (TTL 1 h): a bogus window.  Real keys and signatures (the canary signer).
 *
 * Prints the verdict and the time to build the series and to check it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libknot/libknot.h>

#include "canary/sign.h"
#include "core/error.h"
#include "dnssec/dnssec.h"
#include "rollover/rollover.h"

#define T0    1800000000LL
#define DAY   86400
#define NNSEC 10

static uint8_t ZONE[32];

typedef struct {
	uint8_t owner[64];
	uint16_t type;
	uint32_t ttl;
	bool absent;
	uint8_t rd[4][200];
	const uint8_t *rdp[4];
	uint16_t rdlen[4];
	uint16_t n;
	uint8_t sig[3][200];
	const uint8_t *sigp[3];
	uint16_t siglen[3];
	uint16_t nsig;
} set_t;

static void set_init(set_t *s, const uint8_t *owner, uint16_t type, uint32_t ttl)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->owner, owner, knot_dname_size(owner));
	s->type = type;
	s->ttl = ttl;
}

static void set_add(set_t *s, const uint8_t *rd, size_t len)
{
	memcpy(s->rd[s->n], rd, len);
	s->rdp[s->n] = s->rd[s->n];
	s->rdlen[s->n++] = (uint16_t)len;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int set_sign(set_t *s, const dv_signkey_t *k, int64_t inc, int64_t exp)
{
	uint8_t *rd = s->sig[s->nsig];
	size_t zl = knot_dname_size(ZONE);
	rd[0] = (uint8_t)(s->type >> 8);
	rd[1] = (uint8_t)s->type;
	rd[2] = k->alg;
	rd[3] = (uint8_t)knot_dname_labels(s->owner, NULL);
	put32(rd + 4, s->ttl);
	put32(rd + 8, (uint32_t)exp);
	put32(rd + 12, (uint32_t)inc);
	rd[16] = (uint8_t)(k->tag >> 8);
	rd[17] = (uint8_t)k->tag;
	memcpy(rd + 18, ZONE, zl);
	dv_buf_t b;
	dv_buf_init(&b, 0);
	size_t sl = 0;
	int r = dv_sigdata_build(&b, rd, 18 + zl, s->owner, s->type, s->rdp, s->rdlen, s->n, false);
	if (r == DV_OK)
		r = dv_signkey_sign(k, b.data, b.len, rd + 18 + zl, &sl);
	dv_buf_clear(&b);
	s->sigp[s->nsig] = rd;
	s->siglen[s->nsig++] = (uint16_t)(18 + zl + sl);
	return r;
}

static dv_roll_rrset_t view(const set_t *s, bool sampled)
{
	return (dv_roll_rrset_t){.owner = s->owner,
	                         .type = s->type,
	                         .ttl = s->ttl,
	                         .absent = s->absent,
	                         .sampled = sampled,
	                         .n = s->n,
	                         .rd = s->rdp,
	                         .rdlen = s->rdlen,
	                         .nsig = s->nsig,
	                         .sig = s->sigp,
	                         .siglen = s->siglen};
}

/* One signed zone state: what a server serves between two changes. */
typedef struct {
	set_t dnskey, soa, ns, cds, cdnskey, nsec[NNSEC + 1];
} zone_t;

static dv_signkey_t KSK1, KSK2, ZSK1, ZSK2;

/* The zone as of signing generation `day`, in rollover phase `ph`:
 * ZSK: 0 ZSK1; 1 +ZSK2 published; 2 ZSK2 signs; 3 ZSK1 removed.
 * KSK (from day 18): 0 KSK1; 1 KSK2 in DNSKEY instead (after DS {1,2}). */
static int zone_build(zone_t *z, int day, int zph, int kph)
{
	int64_t inc = T0 + (int64_t)day * DAY - 3600, exp = inc + 14 * DAY;
	const dv_signkey_t *ksk = kph ? &KSK2 : &KSK1;
	const dv_signkey_t *zsk = zph >= 2 ? &ZSK2 : &ZSK1;
	int r = DV_OK;
	set_init(&z->dnskey, ZONE, KNOT_RRTYPE_DNSKEY, 3600);
	set_add(&z->dnskey, ksk->rdata, ksk->rdlen);
	if (zph <= 2)
		set_add(&z->dnskey, ZSK1.rdata, ZSK1.rdlen);
	if (zph >= 1)
		set_add(&z->dnskey, ZSK2.rdata, ZSK2.rdlen);
	r |= set_sign(&z->dnskey, ksk, inc, exp);
	set_init(&z->soa, ZONE, KNOT_RRTYPE_SOA, 3600);
	uint8_t soa[64] = {2, 'n', 's', 5,   'b', 'e', 'n', 'c', 'h', 0,
	                   1, 'h', 5,   'b', 'e', 'n', 'c', 'h', 0};
	put32(soa + 19, (uint32_t)(day * 10 + zph + kph * 5 + 1));
	put32(soa + 23, 3600);
	put32(soa + 27, 600);
	put32(soa + 31, 1209600);
	put32(soa + 35, 300);
	set_add(&z->soa, soa, 39);
	r |= set_sign(&z->soa, zsk, inc, exp);
	set_init(&z->ns, ZONE, KNOT_RRTYPE_NS, 3600);
	set_add(&z->ns, soa, 10);
	r |= set_sign(&z->ns, zsk, inc, exp);
	set_init(&z->cds, ZONE, KNOT_RRTYPE_CDS, 300);
	z->cds.absent = true;
	set_init(&z->cdnskey, ZONE, KNOT_RRTYPE_CDNSKEY, 300);
	z->cdnskey.absent = true;
	for (int i = 0; i <= NNSEC; i++) {
		uint8_t owner[64], next[64];
		char name[32];
		snprintf(name, sizeof(name), i ? "n%02d.bench." : "bench.", i);
		knot_dname_from_str(owner, name, sizeof(owner));
		snprintf(name, sizeof(name), "n%02d.bench.", i + 1 > NNSEC ? 0 : i + 1);
		knot_dname_from_str(next, name, sizeof(next));
		set_init(&z->nsec[i], owner, KNOT_RRTYPE_NSEC, 300);
		uint8_t rd[80];
		size_t nl = knot_dname_size(next);
		memcpy(rd, next, nl);
		static const uint8_t bitmap[] = {0, 6, 0x62, 0x01, 0x80, 0x08, 0x00, 0x03};
		memcpy(rd + nl, bitmap, sizeof(bitmap));
		set_add(&z->nsec[i], rd, nl + sizeof(bitmap));
		r |= set_sign(&z->nsec[i], zsk, inc, exp);
	}
	return r;
}

/* Phases at time t (seconds after T0). */
static int zsk_phase(int64_t t, bool unsafe)
{
	if (t < 10 * DAY)
		return 0;
	if (t < 11 * DAY)
		return 1;
	if (t < 11 * DAY + (unsafe ? 600 : DAY))
		return 2;
	return 3;
}

static int ksk_phase(int64_t t)
{
	return t >= 20 * DAY;
}

/* DS at the parent: 0 {KSK1}, 1 {KSK1, KSK2}, 2 {KSK2}. */
static int ds_phase(int64_t t)
{
	return t < 18 * DAY ? 0 : t < 22 * DAY ? 1 : 2;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int days = 30, interval = 60;
	bool unsafe = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
			days = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc)
			interval = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--unsafe") == 0)
			unsafe = true;
		else {
			fprintf(stderr,
			        "usage: roll_series [--days N] [--interval S] [--unsafe]\n");
			return 2;
		}
	}
	if (days < 1 || days > 366 || interval < 1 || interval > 86400) {
		fprintf(stderr, "roll_series: --days 1..366, --interval 1..86400\n");
		return 2;
	}
	char dir[] = "/tmp/dv-rollseries.XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 2;
	knot_dname_from_str(ZONE, "bench.", sizeof(ZONE));
	int r = dv_signkey_load_or_new(dir, "k1", 13, 0, 257, &KSK1);
	r |= dv_signkey_load_or_new(dir, "k2", 13, 0, 257, &KSK2);
	r |= dv_signkey_load_or_new(dir, "z1", 13, 0, 256, &ZSK1);
	r |= dv_signkey_load_or_new(dir, "z2", 13, 0, 256, &ZSK2);
	const char *files[] = {"k1", "k2", "z1", "z2"};
	for (int i = 0; i < 4; i++) {
		char p[64];
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	if (r != DV_OK) {
		fprintf(stderr, "roll_series: key generation failed\n");
		return 2;
	}
	/* Every state each day can be in: days x ZSK phase x KSK phase, signed once. */
	size_t nz = (size_t)days * 4 * 2;
	zone_t *zones = calloc(nz, sizeof(*zones));
	bool *built = calloc(nz, sizeof(*built));
	set_t ds[3];
	for (int i = 0; i < 3; i++) {
		set_init(&ds[i], ZONE, KNOT_RRTYPE_DS, 86400);
		const dv_signkey_t *k[2] = {i == 2 ? &KSK2 : &KSK1, i == 1 ? &KSK2 : NULL};
		for (int j = 0; j < 2; j++) {
			if (k[j] == NULL)
				continue;
			uint8_t rd[80] = {(uint8_t)(k[j]->tag >> 8), (uint8_t)k[j]->tag, k[j]->alg,
			                  2};
			size_t dl = 0;
			dv_ds_digest(ZONE, k[j]->rdata, k[j]->rdlen, 2, rd + 4, &dl);
			set_add(&ds[i], rd, 4 + dl);
		}
	}
	double t_build = now_s();
	dv_roll_series_t *s = NULL;
	uint32_t child[3], parent[2];
	if (zones == NULL || built == NULL || dv_roll_series_new(ZONE, &s) != DV_OK)
		return 2;
	for (int i = 0; i < 3; i++) {
		char a[32];
		snprintf(a, sizeof(a), "192.0.2.%d", i + 1);
		dv_roll_series_server(s, DV_ROLL_CHILD, a, NULL, &child[i]);
	}
	for (int i = 0; i < 2; i++) {
		char a[32];
		snprintf(a, sizeof(a), "198.51.100.%d", i + 1);
		dv_roll_series_server(s, DV_ROLL_PARENT, a, NULL, &parent[i]);
	}
	double t_sign = 0;
	static const int64_t lag[3] = {0, 120, 300}, plag[2] = {0, 600};
	int64_t end = (int64_t)days * DAY;
	size_t k = 0;
	for (int64_t t = 0; t < end; t += interval, k++) {
		for (int i = 0; i < 3; i++) {
			int64_t e = t - lag[i] < 0 ? 0 : t - lag[i];
			int day = (int)(e / DAY), zp = zsk_phase(e, unsafe), kp = ksk_phase(e);
			size_t zi = ((size_t)day * 4 + (size_t)zp) * 2 + (size_t)kp;
			if (!built[zi]) {
				double t1 = now_s();
				if (zone_build(&zones[zi], day, zp, kp) != DV_OK)
					return 2;
				t_sign += now_s() - t1;
				built[zi] = true;
			}
			zone_t *z = &zones[zi];
			dv_roll_rrset_t v[7] = {view(&z->dnskey, false),
			                        view(&z->soa, false),
			                        view(&z->ns, false),
			                        view(&z->cds, false),
			                        view(&z->cdnskey, false),
			                        view(&z->nsec[0], true),
			                        view(&z->nsec[1 + k % NNSEC], true)};
			for (int j = 0; j < 7; j++)
				if (dv_roll_series_observe(s, child[i], T0 + t, &v[j]) != DV_OK)
					return 2;
		}
		for (int i = 0; i < 2; i++) {
			int64_t e = t - plag[i] < 0 ? 0 : t - plag[i];
			dv_roll_rrset_t d = view(&ds[ds_phase(e)], false);
			if (dv_roll_series_observe(s, parent[i], T0 + t, &d) != DV_OK)
				return 2;
		}
	}
	t_build = now_s() - t_build - t_sign;
	double t_check = now_s();
	dv_roll_check_opts_t o = {
	    .now = dv_roll_series_last(s), .stuck_after = 2 * DAY, .from = DV_ROLL_START};
	dv_roll_result_t res;
	if (dv_roll_check(s, &o, &res) != DV_OK)
		return 2;
	t_check = now_s() - t_check;
	size_t bogus = 0;
	for (size_t i = 0; i < res.nwindows; i++)
		bogus += !res.windows[i].strict_only;
	printf("days %d interval %d s: %zu observations, %zu versions, %zu signatures verified, "
	       "%zu events\n",
	       days, interval, res.observations, res.versions, res.sigs_verified, res.events);
	printf("verdict: %s (%zu bogus windows)\n", bogus ? "bogus" : "safe", bogus);
	for (size_t i = 0; i < res.nwindows && i < 3; i++)
		printf("  window +%llds..+%llds %s %s\n", (long long)(res.windows[i].start - T0),
		       (long long)(res.windows[i].end - T0), dv_roll_rule_name(res.windows[i].rule),
		       res.windows[i].why);
	printf("build %.3f s (signing %.3f s apart), check %.3f s, total %.3f s\n", t_build, t_sign,
	       t_check, t_build + t_check);
	dv_roll_result_free(&res);
	dv_roll_series_free(s);
	free(zones);
	free(built);
	dv_signkey_clear(&KSK1);
	dv_signkey_clear(&KSK2);
	dv_signkey_clear(&ZSK1);
	dv_signkey_clear(&ZSK2);
	return bogus ? 1 : 0;
}
