/*
 * dnsvigil rollover plan: the RFC 7583 timeline of a key rollover (RFC 6781
 * §4.1.4 for an algorithm rollover), every step with its earliest safe time
 * and the formula that gives it, in RFC 7583's names.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libknot/libknot.h>

#include "core/error.h"
#include "rollover/rollover_int.h"

static const struct {
	const char *name, *option;
	int64_t def;
} params[DV_ROLL_P_COUNT] = {
    [DV_ROLL_P_TTLKEY] = {"TTLkey", "--dnskey-ttl", 3600},    /* dnskey-ttl */
    [DV_ROLL_P_TTLDS] = {"TTLds", "--ds-ttl", 86400},         /* parent-ds-ttl */
    [DV_ROLL_P_TTLSIG] = {"TTLsig", "--max-zone-ttl", 86400}, /* max-zone-ttl */
    [DV_ROLL_P_DPRP] = {"Dprp", "--propagation-delay", 300},  /* zone-propagation-delay */
    [DV_ROLL_P_DPRPP] = {"DprpP", "--parent-propagation-delay",
                         3600},                                     /* parent-propagation-delay */
    [DV_ROLL_P_DREG] = {"Dreg", "--registration-delay", 86400},     /* not a BIND option */
    [DV_ROLL_P_VALIDITY] = {"validity", "--sig-validity", 1209600}, /* signatures-validity */
    [DV_ROLL_P_REFRESH] = {"refresh", "--sig-refresh", 432000},     /* signatures-refresh */
    [DV_ROLL_P_SAFETY] = {"safety", "--safety-margin", 3600},       /* publish-/retire-safety */
};

const char *dv_roll_param_name(int p)
{
	return p >= 0 && p < DV_ROLL_P_COUNT ? params[p].name : "?";
}

const char *dv_roll_param_option(int p)
{
	return p >= 0 && p < DV_ROLL_P_COUNT ? params[p].option : "?";
}

void dv_roll_params_default(dv_roll_params_t *p)
{
	for (int i = 0; i < DV_ROLL_P_COUNT; i++) {
		p->v[i] = params[i].def;
		p->src[i] = DV_ROLL_SRC_DEFAULT;
	}
}

void dv_roll_params_served(const dv_roll_series_t *s, dv_roll_params_t *p)
{
	/* The TTLs of what the last observation saw served. */
	int64_t ttl[DV_ROLL_P_COUNT] = {0};
	bool have[DV_ROLL_P_COUNT] = {false};
	for (size_t i = 0; i < s->nversions; i++) {
		const roll_version_t *v = &s->versions[i];
		if (v->candidate || v->last_seen != s->last)
			continue;
		uint16_t t = s->rrkeys[v->rrkey].type;
		int slot = t == KNOT_RRTYPE_DNSKEY ? DV_ROLL_P_TTLKEY
		           : t == KNOT_RRTYPE_DS   ? DV_ROLL_P_TTLDS
		                                   : DV_ROLL_P_TTLSIG;
		/* An absent DS is cached for its negative TTL: it counts for TTLds. */
		if (v->absent && t != KNOT_RRTYPE_DS)
			continue;
		if (!have[slot] || v->ttl > ttl[slot])
			ttl[slot] = v->ttl;
		have[slot] = true;
	}
	for (int i = 0; i < DV_ROLL_P_COUNT; i++) {
		if (!have[i])
			continue;
		p->v[i] = ttl[i];
		p->src[i] = DV_ROLL_SRC_SERVED;
	}
}

const char *dv_roll_kind_name(dv_roll_kind_t k)
{
	static const char *n[] = {"zsk", "ksk", "csk", "algorithm"};
	return (unsigned)k < 4 ? n[k] : "?";
}

const char *dv_roll_method_name(dv_roll_method_t m)
{
	static const char *n[] = {"pre-publish", "double-signature", "double-ds", "double-rrset"};
	return (unsigned)m < 4 ? n[m] : "?";
}

int dv_roll_kind_parse(const char *s, dv_roll_kind_t *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, dv_roll_kind_name((dv_roll_kind_t)i)) == 0) {
			*out = (dv_roll_kind_t)i;
			return DV_OK;
		}
	}
	return DV_EINVAL;
}

int dv_roll_method_parse(const char *s, dv_roll_method_t *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, dv_roll_method_name((dv_roll_method_t)i)) == 0) {
			*out = (dv_roll_method_t)i;
			return DV_OK;
		}
	}
	return DV_EINVAL;
}

typedef struct {
	dv_roll_plan_t *p;
	int64_t v[DV_ROLL_P_COUNT];
} pctx_t;

static int64_t step(pctx_t *c, const char *event, int64_t time, const char *action, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

static int64_t step(pctx_t *c, const char *event, int64_t time, const char *action, const char *fmt,
                    ...)
{
	dv_roll_plan_t *p = c->p;
	if (p->nsteps >= DV_ROLL_MAX_STEPS)
		return time;
	dv_roll_step_t *s = &p->steps[p->nsteps++];
	snprintf(s->event, sizeof(s->event), "%s", event);
	snprintf(s->action, sizeof(s->action), "%s", action);
	s->time = time;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->formula, sizeof(s->formula), fmt, ap);
	va_end(ap);
	return time;
}

#define V(x) ((long long)c->v[DV_ROLL_P_##x])

static void zsk_prepublish(pctx_t *c, int64_t t0)
{
	int64_t ipub = c->v[DV_ROLL_P_DPRP] + c->v[DV_ROLL_P_TTLKEY];
	int64_t iret = c->p->dsgn + c->v[DV_ROLL_P_DPRP] + c->v[DV_ROLL_P_TTLSIG];
	int64_t safety = c->v[DV_ROLL_P_SAFETY];
	step(c, "Tpub(N+1)", t0, "publish the new ZSK in the DNSKEY RRset; it signs nothing yet",
	     "the start");
	int64_t tact = step(c, "Tact(N+1)", t0 + ipub + safety,
	                    "sign the zone with the new ZSK and stop signing with the old one "
	                    "(Tret(N) = Tact(N+1))",
	                    "Tact(N+1) = Tpub(N+1) + Ipub + Ipubsafety; Ipub = Dprp + TTLkey = "
	                    "%lld + %lld = %lld s; Ipubsafety = %lld s",
	                    V(DPRP), V(TTLKEY), (long long)ipub, (long long)safety);
	step(c, "Trem(N)", tact + iret + safety, "remove the old ZSK from the DNSKEY RRset",
	     "Trem(N) = Tret(N) + Iret + Iretsafety; Iret = Dsgn + Dprp + TTLsig = %lld + %lld + "
	     "%lld = %lld s; Iretsafety = %lld s",
	     (long long)c->p->dsgn, V(DPRP), V(TTLSIG), (long long)iret, (long long)safety);
}

static void zsk_double_signature(pctx_t *c, int64_t t0)
{
	int64_t ttl = c->v[DV_ROLL_P_TTLKEY] > c->v[DV_ROLL_P_TTLSIG] ? c->v[DV_ROLL_P_TTLKEY]
	                                                              : c->v[DV_ROLL_P_TTLSIG];
	int64_t ipub = c->p->dsgn + c->v[DV_ROLL_P_DPRP] + ttl;
	int64_t safety = c->v[DV_ROLL_P_SAFETY];
	step(c, "Tpub(N+1)", t0,
	     "publish the new ZSK and sign every RRset with both ZSKs (Tact(N+1) = Tpub(N+1))",
	     "the start");
	step(c, "Trem(N)", t0 + ipub + safety,
	     "remove the old ZSK and its signatures (Tret(N) = Trem(N))",
	     "Trem(N) = Tpub(N+1) + Ipub + Iretsafety; Ipub = Dsgn + Dprp + max(TTLkey, TTLsig) = "
	     "%lld + %lld + %lld = %lld s: caches then hold only the new DNSKEY RRset and only "
	     "double-signed data; Iretsafety = %lld s",
	     (long long)c->p->dsgn, V(DPRP), (long long)ttl, (long long)ipub, (long long)safety);
}

static void ksk_double_ksk(pctx_t *c, int64_t t0)
{
	int64_t ipubc = c->v[DV_ROLL_P_DPRP] + c->v[DV_ROLL_P_TTLKEY];
	int64_t iret = c->v[DV_ROLL_P_DPRPP] + c->v[DV_ROLL_P_TTLDS];
	int64_t safety = c->v[DV_ROLL_P_SAFETY];
	step(c, "Tpub(N+1)", t0, "publish the new KSK and sign the DNSKEY RRset with both KSKs",
	     "the start");
	int64_t tsbm = step(c, "Tsbm(N+1)", t0 + ipubc + safety,
	                    "submit the new KSK's DS to the parent, replacing the old DS (CDS/"
	                    "CDNSKEY of the new KSK only)",
	                    "Tsbm(N+1) = Tpub(N+1) + IpubC + Ipubsafety; IpubC = DprpC + TTLkey = "
	                    "%lld + %lld = %lld s; Ipubsafety = %lld s",
	                    V(DPRP), V(TTLKEY), (long long)ipubc, (long long)safety);
	int64_t tret = step(c, "Tret(N)", tsbm + c->v[DV_ROLL_P_DREG],
	                    "the parent publishes the new DS (Tact(N+1) = Tret(N)); confirm it "
	                    "before going on",
	                    "Tret(N) = Tsbm(N+1) + Dreg = + %lld s (the parent's registration "
	                    "delay, expected)",
	                    V(DREG));
	step(c, "Trem(N)", tret + iret + safety,
	     "remove the old KSK and its signature over the DNSKEY RRset",
	     "Trem(N) = Tret(N) + Iret + Iretsafety; Iret = DprpP + TTLds = %lld + %lld = %lld s; "
	     "Iretsafety = %lld s",
	     V(DPRPP), V(TTLDS), (long long)iret, (long long)safety);
}

static void ksk_double_ds(pctx_t *c, int64_t t0)
{
	int64_t ipubp = c->v[DV_ROLL_P_DPRPP] + c->v[DV_ROLL_P_TTLDS];
	int64_t iret = c->v[DV_ROLL_P_DPRP] + c->v[DV_ROLL_P_TTLKEY];
	int64_t safety = c->v[DV_ROLL_P_SAFETY];
	step(c, "Tsbm(N+1)", t0, "submit the new KSK's DS to the parent, beside the old DS",
	     "the start");
	int64_t treg = step(c, "Tsbm(N+1)+Dreg", t0 + c->v[DV_ROLL_P_DREG],
	                    "the parent publishes the new DS; confirm it before going on",
	                    "Tsbm(N+1) + Dreg = + %lld s (expected)", V(DREG));
	int64_t tact = step(c, "Tact(N+1)", treg + ipubp + safety,
	                    "replace the old KSK by the new one in the DNSKEY RRset; the new KSK "
	                    "signs it (Tpub(N+1) = Tact(N+1) = Tret(N))",
	                    "Tact(N+1) = Tsbm(N+1) + Dreg + IpubP + Ipubsafety; IpubP = DprpP + "
	                    "TTLds = %lld + %lld = %lld s; Ipubsafety = %lld s",
	                    V(DPRPP), V(TTLDS), (long long)ipubp, (long long)safety);
	int64_t tdea =
	    step(c, "Tdea(N)", tact + iret + safety, "ask the parent to remove the old DS",
	         "Tdea(N) = Tret(N) + Iret + Iretsafety; Iret = DprpC + TTLkey = %lld + "
	         "%lld = %lld s; Iretsafety = %lld s",
	         V(DPRP), V(TTLKEY), (long long)iret, (long long)safety);
	step(c, "Trem(N)", tdea + c->v[DV_ROLL_P_DREG], "the parent removes the old DS",
	     "Trem(N) = Tdea(N) + Dreg = + %lld s (expected)", V(DREG));
}

static void ksk_double_rrset(pctx_t *c, int64_t t0)
{
	int64_t ipubc = c->v[DV_ROLL_P_DPRP] + c->v[DV_ROLL_P_TTLKEY];
	int64_t ipubp = c->v[DV_ROLL_P_DREG] + c->v[DV_ROLL_P_DPRPP] + c->v[DV_ROLL_P_TTLDS];
	int64_t ipub = ipubc > ipubp ? ipubc : ipubp;
	int64_t safety = c->v[DV_ROLL_P_SAFETY];
	step(c, "Tpub(N+1)", t0,
	     "publish the new KSK (signing the DNSKEY RRset beside the old one) and submit its DS, "
	     "beside the old DS (Tsbm(N+1) = Tpub(N+1))",
	     "the start");
	int64_t tret = step(c, "Tret(N)", t0 + ipub + safety,
	                    "remove the old KSK and ask the parent to remove the old DS",
	                    "Tret(N) = Tpub(N+1) + max(IpubC, Dreg + IpubP) + Iretsafety; IpubC = "
	                    "DprpC + TTLkey = %lld s; Dreg + IpubP = Dreg + DprpP + TTLds = %lld + "
	                    "%lld + %lld = %lld s; Iretsafety = %lld s",
	                    (long long)ipubc, V(DREG), V(DPRPP), V(TTLDS), (long long)ipubp,
	                    (long long)safety);
	step(c, "Trem(N)", tret + c->v[DV_ROLL_P_DREG], "the parent removes the old DS",
	     "Trem(N) = Tret(N) + Dreg = + %lld s (expected)", V(DREG));
}

static void csk_prepublish(pctx_t *c, int64_t t0)
{
	int64_t ipub = c->v[DV_ROLL_P_DPRP] + c->v[DV_ROLL_P_TTLKEY];
	int64_t safety = c->v[DV_ROLL_P_SAFETY];
	step(c, "Tpub(N+1)", t0, "publish the new CSK in the DNSKEY RRset; it signs nothing yet",
	     "the start");
	int64_t tact = step(c, "Tact(N+1)", t0 + ipub + safety,
	                    "sign the zone and the DNSKEY RRset with the new CSK; the old CSK "
	                    "stops signing data but keeps signing the DNSKEY RRset (its DS is in "
	                    "caches)",
	                    "Tact(N+1) = Tpub(N+1) + Ipub + Ipubsafety; Ipub = Dprp + TTLkey = "
	                    "%lld + %lld = %lld s; Ipubsafety = %lld s",
	                    V(DPRP), V(TTLKEY), (long long)ipub, (long long)safety);
	int64_t tsbm = step(c, "Tsbm(N+1)", tact + ipub + safety,
	                    "submit the new CSK's DS to the parent, replacing the old DS",
	                    "Tsbm(N+1) = Tact(N+1) + IpubC + Ipubsafety; IpubC = DprpC + TTLkey = "
	                    "%lld s (caches hold a DNSKEY RRset signed by the new CSK)",
	                    (long long)ipub);
	int64_t tret = step(c, "Tret(N)", tsbm + c->v[DV_ROLL_P_DREG],
	                    "the parent publishes the new DS; confirm it before going on",
	                    "Tret(N) = Tsbm(N+1) + Dreg = + %lld s (expected)", V(DREG));
	int64_t a = tret + c->v[DV_ROLL_P_DPRPP] + c->v[DV_ROLL_P_TTLDS];
	int64_t b = tact + c->p->dsgn + c->v[DV_ROLL_P_DPRP] + c->v[DV_ROLL_P_TTLSIG];
	step(c, "Trem(N)", (a > b ? a : b) + safety, "remove the old CSK and its signatures",
	     "Trem(N) = max(Tret(N) + DprpP + TTLds, Tact(N+1) + Dsgn + Dprp + TTLsig) + "
	     "Iretsafety: the KSK side (Iret = %lld + %lld s) and the ZSK side (Iret = %lld + %lld "
	     "+ %lld s); Iretsafety = %lld s",
	     V(DPRPP), V(TTLDS), (long long)c->p->dsgn, V(DPRP), V(TTLSIG), (long long)safety);
}

static void algorithm_roll(pctx_t *c, int64_t t0)
{
	int64_t safety = c->v[DV_ROLL_P_SAFETY];
	int64_t isig = c->p->dsgn + c->v[DV_ROLL_P_DPRP] + c->v[DV_ROLL_P_TTLSIG];
	int64_t ikey = c->v[DV_ROLL_P_DPRP] + c->v[DV_ROLL_P_TTLKEY];
	int64_t ids = c->v[DV_ROLL_P_DPRPP] + c->v[DV_ROLL_P_TTLDS];
	step(c, "new RRSIGs", t0,
	     "sign every RRset with the new algorithm's keys as well, without publishing them",
	     "the start (RFC 6781 §4.1.4: signatures first, so that validators insisting on every "
	     "algorithm of the DNSKEY RRset find them on all cached data)");
	int64_t t1 =
	    step(c, "new DNSKEY", t0 + isig + safety,
	         "publish the new algorithm's DNSKEYs; the new KSK signs the DNSKEY RRset "
	         "too",
	         "new RRSIGs + Dsgn + Dprp + TTLsig + safety = + %lld + %lld + %lld + %lld "
	         "s: no cached data lacks the new signatures",
	         (long long)c->p->dsgn, V(DPRP), V(TTLSIG), (long long)safety);
	int64_t t2 = step(c, "DS submitted", t1 + ikey + safety,
	                  "submit the DS of the new algorithm's KSK, replacing the old DS",
	                  "new DNSKEY + Dprp + TTLkey + safety = + %lld + %lld + %lld s: caches "
	                  "hold the DNSKEY RRset with the new keys",
	                  V(DPRP), V(TTLKEY), (long long)safety);
	int64_t t3 = step(c, "DS published", t2 + c->v[DV_ROLL_P_DREG],
	                  "the parent publishes the new DS; confirm it before going on",
	                  "DS submitted + Dreg = + %lld s (expected)", V(DREG));
	int64_t t4 = step(c, "old DNSKEY removed", t3 + ids + safety,
	                  "remove the old algorithm's DNSKEYs, keeping its signatures",
	                  "DS published + DprpP + TTLds + safety = + %lld + %lld + %lld s: no "
	                  "cached DS points at the old algorithm",
	                  V(DPRPP), V(TTLDS), (long long)safety);
	step(c, "old RRSIGs removed", t4 + ikey + safety, "remove the old algorithm's signatures",
	     "old DNSKEY removed + Dprp + TTLkey + safety = + %lld + %lld + %lld s: no cached "
	     "DNSKEY RRset holds an old-algorithm key",
	     V(DPRP), V(TTLKEY), (long long)safety);
}

#undef V

/* The timelines there are: each kind of rollover with the methods it has. */
typedef struct {
	dv_roll_kind_t kind;
	dv_roll_method_t method;
	const char *reference;
	void (*run)(pctx_t *c, int64_t start);
	const char *allowed; /*!< the kind's methods, for the message */
} timeline_t;

static const char zsk_methods[] = "pre-publish or double-signature";
static const char ksk_methods[] = "double-signature (Double-KSK), double-ds or double-rrset";

static const timeline_t timelines[] = {
    {DV_ROLL_ZSK, DV_ROLL_PRE_PUBLISH, "RFC 7583 §3.2.1", zsk_prepublish, zsk_methods},
    {DV_ROLL_ZSK, DV_ROLL_DOUBLE_SIGNATURE, "RFC 7583 §3.2.2", zsk_double_signature, zsk_methods},
    {DV_ROLL_KSK, DV_ROLL_DOUBLE_SIGNATURE, "RFC 7583 §3.3.1 (Double-KSK)", ksk_double_ksk,
     ksk_methods},
    {DV_ROLL_KSK, DV_ROLL_DOUBLE_DS, "RFC 7583 §3.3.2", ksk_double_ds, ksk_methods},
    {DV_ROLL_KSK, DV_ROLL_DOUBLE_RRSET, "RFC 7583 §3.3.3", ksk_double_rrset, ksk_methods},
    {DV_ROLL_CSK, DV_ROLL_PRE_PUBLISH, "RFC 7583 §3.2.1 and §3.3.1 combined (a CSK is both)",
     csk_prepublish, "pre-publish"},
    {DV_ROLL_ALGORITHM, DV_ROLL_DOUBLE_SIGNATURE, "RFC 6781 §4.1.4 (conservative)", algorithm_roll,
     "double-signature"},
    {0, 0, NULL, NULL, NULL},
};

int dv_roll_plan(dv_roll_kind_t kind, dv_roll_method_t method, int64_t start,
                 const dv_roll_params_t *prm, dv_roll_plan_t *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->method = method;
	out->start = start;
	out->params = *prm;
	for (int i = 0; i < DV_ROLL_P_COUNT; i++) {
		if (prm->v[i] < 0 || prm->v[i] > 10LL * 365 * 86400) {
			snprintf(err, errlen, "%s out of range", params[i].option);
			return DV_EINVAL;
		}
	}
	/* Dsgn: a signer that re-signs gradually (BIND) takes validity -
	 * refresh to replace every signature; one that re-signs at once, 0. */
	out->dsgn = prm->v[DV_ROLL_P_VALIDITY] - prm->v[DV_ROLL_P_REFRESH];
	if (out->dsgn < 0) {
		snprintf(err, errlen, "--sig-refresh exceeds --sig-validity");
		return DV_EINVAL;
	}
	pctx_t c = {.p = out};
	memcpy(c.v, prm->v, sizeof(c.v));
	const timeline_t *t = timelines;
	while (t->run != NULL && !(t->kind == kind && t->method == method))
		t++;
	if (t->run != NULL) {
		out->reference = t->reference;
		t->run(&c, start);
		return DV_OK;
	}
	const char *allowed = "pre-publish";
	for (t = timelines; t->run != NULL; t++)
		if (t->kind == kind)
			allowed = t->allowed;
	snprintf(err, errlen, "a %s rollover has no %s timeline here; use --method %s",
	         dv_roll_kind_name(kind), dv_roll_method_name(method), allowed);
	return DV_EINVAL;
}
