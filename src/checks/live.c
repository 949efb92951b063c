/*
 * Live checks (dnsvigil check): the driver.  Each zone of the snapshot is
 * judged in turn, parents first (live_servers.c, live_parent.c,
 * live_chain.c, live_denial.c), then the findings the servers share are
 * merged into one naming them all — judged from a snapshot's raw messages.
 */
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/live_int.h"
#include "core/error.h"

const char *dv_chain_status_name(dv_chain_status_t st)
{
	switch (st) {
	case DV_CHAIN_SECURE:
		return "secure";
	case DV_CHAIN_INSECURE:
		return "insecure";
	case DV_CHAIN_INDETERMINATE:
		return "indeterminate";
	case DV_CHAIN_BOGUS:
		return "bogus";
	}
	return "?";
}

const char *live_srv_addr(const live_ctx_t *c, long s)
{
	return s < 0 ? NULL : c->snap->servers[s].addr;
}

const char *live_srv_name(const live_ctx_t *c, uint32_t s)
{
	return c->snap->servers[s].addr;
}

void live_type_str(uint16_t t, char *buf, size_t len)
{
	if (knot_rrtype_to_string(t, buf, len) < 0)
		snprintf(buf, len, "TYPE%u", t);
}

dv_live_server_t *live_server_result(dv_live_zone_t *zr, long server)
{
	for (size_t i = 0; server >= 0 && i < zr->nsrv; i++)
		if (zr->srv[i].server == (uint32_t)server)
			return &zr->srv[i];
	return NULL;
}

const live_msg_t *live_msg_of(const live_ctx_t *c, long q)
{
	if (q < 0 || !c->msgs[q].parsed)
		return NULL;
	return &c->msgs[q];
}

const live_rrset_t *live_answer(const live_ctx_t *c, const live_zone_ctx_t *zc, long q,
                                uint16_t type)
{
	return live_msg_find(live_msg_of(c, q), LIVE_SEC_ANSWER, zc->z->dname, type);
}

/* The queries of every zone, bucketed once (counting sort by zone). */
static int zone_queries_index(live_ctx_t *c, const dv_snapshot_t *snap)
{
	long *zq_index, *zq_start;
	zq_index = c->zq_index = malloc((snap->nqueries ? snap->nqueries : 1) * sizeof(*zq_index));
	zq_start = c->zq_start = calloc(snap->nzones + 1, sizeof(*zq_start));
	if (zq_index == NULL || zq_start == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < snap->nqueries; i++)
		zq_start[snap->queries[i].zone + 1]++;
	for (size_t z = 0; z < snap->nzones; z++)
		zq_start[z + 1] += zq_start[z];
	long *fill = calloc(snap->nzones + 1, sizeof(*fill));
	if (fill == NULL)
		return DV_ENOMEM;
	for (size_t i = 0; i < snap->nqueries; i++) {
		uint32_t z = snap->queries[i].zone;
		zq_index[zq_start[z] + fill[z]++] = (long)i;
	}
	free(fill);
	return DV_OK;
}

static long *zone_queries(live_ctx_t *c, uint32_t zi, size_t *n)
{
	*n = (size_t)(c->zq_start[zi + 1] - c->zq_start[zi]);
	return c->zq_index + c->zq_start[zi];
}

/*
 * Our own side, not the root's: when no root server answered anything (no
 * route, hints naming dead addresses) the probe never started, and when no
 * trust anchor record matches a key the root serves, the anchor file is
 * wrong.  Neither is a finding about a zone: the snapshot cannot be judged.
 */
static void root_judgeable(live_ctx_t *c, live_zone_ctx_t *zc)
{
	const dv_snapshot_t *snap = c->snap;
	bool any = false;
	size_t timeouts = 0, neterrs = 0;
	for (size_t k = 0; k < zc->nqueries; k++) {
		const dv_snap_query_t *q = &snap->queries[zc->queries[k]];
		if (q->side != DV_SIDE_CHILD)
			continue;
		any |= q->status == DV_SNAP_OK;
		timeouts += q->status == DV_SNAP_TIMEOUT;
		neterrs += q->status == DV_SNAP_NETERR;
	}
	if (!any && c->res->judged) {
		c->res->judged = false;
		char who[64];
		if (zc->z->nservers == 1)
			snprintf(who, sizeof(who), "the root server address of the root hints did");
		else
			snprintf(who, sizeof(who),
			         "none of the %zu root server addresses of the root "
			         "hints",
			         zc->z->nservers);
		snprintf(c->res->unjudged, sizeof(c->res->unjudged),
		         "the probe could not start: %s %s (%s): check this host's network and the "
		         "root hints",
		         who, zc->z->nservers == 1 ? "not answer" : "answered",
		         neterrs > timeouts ? "network errors" : "timeouts");
		return;
	}
	if (zc->zr->answering > 0 && !live_anchor_matches(zc) && c->res->judged) {
		c->res->judged = false;
		snprintf(c->res->unjudged, sizeof(c->res->unjudged),
		         "the trust anchor file does not match the root's keys: no DS or DNSKEY of "
		         "it designates a key the root servers serve (update the file)");
	}
}

static void check_zone(live_ctx_t *c, uint32_t zi)
{
	live_zone_ctx_t zc = {.zi = zi, .z = &c->snap->zones[zi], .zr = &c->res->zones[zi]};
	zc.zr->zone = zi;
	zc.zr->servers = (unsigned)zc.z->nservers;
	zc.queries = zone_queries(c, zi, &zc.nqueries);
	if (c->err)
		return;
	live_collect_child(c, &zc);
	if (c->err)
		return;
	live_check_health(c, &zc);
	zc.zr->srv = calloc(zc.nchild ? zc.nchild : 1, sizeof(*zc.zr->srv));
	if (zc.zr->srv == NULL) {
		c->err = DV_ENOMEM;
		return;
	}
	zc.zr->nsrv = zc.nchild;
	for (size_t s = 0; s < zc.nchild; s++) {
		zc.zr->srv[s].server = zc.child[s].server;
		zc.zr->srv[s].answering = zc.child[s].answering;
		if (zc.child[s].answering)
			zc.zr->answering++;
	}
	live_collect_parent(c, &zc);
	if (c->err)
		return;
	live_eval_chain(c, &zc);
	live_check_apex_sigs(c, &zc);
	live_check_consistency(c, &zc);
	live_check_parent_ds(c, &zc);
	if (zc.zr->signed_zone)
		live_check_algorithms(c, &zc);
	live_check_cds(c, &zc);
	live_check_denial(c, &zc);
	if (zc.z->parent < 0)
		root_judgeable(c, &zc);

	/* The keys the children's DS RRsets are validated with. */
	live_zone_keys_t *st = &c->zone_keys[zi];
	size_t cap = 0;
	for (size_t s = 0; s < zc.nchild; s++)
		if (zc.child[s].keys_trusted && zc.child[s].keys != NULL)
			cap += zc.child[s].keys->n;
	live_rrset_t *u = live_rrset_new(c, zc.z->dname, KNOT_RRTYPE_DNSKEY, cap);
	if (u == NULL)
		return;
	for (size_t s = 0; s < zc.nchild; s++) {
		const live_rrset_t *k = zc.child[s].keys;
		for (uint16_t i = 0; zc.child[s].keys_trusted && k != NULL && i < k->n; i++)
			if (!live_rrset_has(u, k->rd[i], k->rdlen[i])) {
				u->rd[u->n] = k->rd[i];
				u->rdlen[u->n++] = k->rdlen[i];
			}
	}
	st->keys = *u;
	st->have_keys = u->n > 0;

	const dv_live_zone_t *zr = zc.zr;
	dv_code_t code = zr->status == DV_CHAIN_BOGUS           ? DV_F_CHAIN_BOGUS
	                 : zr->status == DV_CHAIN_INSECURE      ? DV_F_CHAIN_INSECURE
	                 : zr->status == DV_CHAIN_INDETERMINATE ? DV_F_CHAIN_INDETERMINATE
	                                                        : DV_F_COUNT;
	if (code != DV_F_COUNT)
		dv_findings_add(
		    &c->raw, code,
		    &(dv_evidence_t){.zone = c->snap->zones[zi].dname, .owner = zc.z->dname}, "%s",
		    zr->reason);
}

static int cmp_but_server(const dv_finding_t *a, const dv_finding_t *b)
{
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	int r = dv_finding_name_cmp(a->zone, b->zone);
	if (r == 0)
		r = dv_finding_name_cmp(a->owner, b->owner);
	if (r == 0 && a->type != b->type)
		r = a->type < b->type ? -1 : 1;
	if (r == 0 && a->keytag != b->keytag)
		r = a->keytag < b->keytag ? -1 : 1;
	if (r == 0 && a->algorithm != b->algorithm)
		r = a->algorithm < b->algorithm ? -1 : 1;
	if (r == 0 && a->time != b->time)
		r = a->time < b->time ? -1 : 1;
	if (r == 0)
		r = strcmp(a->detail, b->detail);
	return r;
}

static int cmp_merge(const void *pa, const void *pb)
{
	const dv_finding_t *a = pa, *b = pb;
	int r = cmp_but_server(a, b);
	return r != 0 ? r : strcmp(a->server, b->server);
}

/* The same finding from several servers becomes one, naming them all. */
static void merge(dv_findings_t *raw, dv_findings_t *out)
{
	if (raw->len > 1)
		qsort(raw->v, raw->len, sizeof(*raw->v), cmp_merge);
	for (size_t i = 0; i < raw->len;) {
		size_t j = i + 1;
		while (j < raw->len && cmp_but_server(&raw->v[i], &raw->v[j]) == 0)
			j++;
		const dv_finding_t *f = &raw->v[i];
		char servers[DV_FINDING_SERVER_MAX];
		snprintf(servers, sizeof(servers), "%s", f->server);
		if (j - i > 1) {
			size_t len = strlen(servers);
			size_t k;
			for (k = i + 1; k < j; k++) {
				if (strcmp(raw->v[k].server, raw->v[k - 1].server) == 0)
					continue;
				size_t add = strlen(raw->v[k].server) + 1;
				if (len + add + 8 >= sizeof(servers))
					break;
				snprintf(servers + len, sizeof(servers) - len, ",%s",
				         raw->v[k].server);
				len += add;
			}
			if (k < j)
				snprintf(servers + len, sizeof(servers) - len, ",+%zu", j - k);
		}
		dv_evidence_t ev = {.owner = f->owner,
		                    .zone = f->zone,
		                    .server = servers,
		                    .type = f->type,
		                    .algorithm = f->algorithm,
		                    .has_keytag = f->keytag >= 0,
		                    .keytag = (uint16_t)f->keytag,
		                    .time = f->time,
		                    .seconds_left = f->seconds_left};
		dv_findings_add(out, f->code, &ev, f->detail[0] ? "%s" : NULL, f->detail);
		i = j;
	}
	/* Beyond the raw list's ceiling, counted per server. */
	for (int c = 0; c < DV_F_COUNT; c++)
		out->dropped[c] += raw->dropped[c];
}

static int addr_cmp(const void *a, const void *b, void *arg)
{
	const dv_snapshot_t *snap = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = strcmp(snap->servers[x].addr, snap->servers[y].addr);
	return r != 0 ? r : (x < y ? -1 : x > y);
}

/* Distinct server addresses, and how many answered (NOERROR/NXDOMAIN) anything. */
static int count_servers(const dv_snapshot_t *snap, const live_msg_t *msgs, dv_live_result_t *out)
{
	size_t n = snap->nservers;
	uint32_t *ord = malloc((n ? n : 1) * sizeof(*ord));
	uint32_t *canon = malloc((n ? n : 1) * sizeof(*canon));
	bool *ans = calloc(n ? n : 1, sizeof(*ans));
	int r = DV_ENOMEM;
	if (ord == NULL || canon == NULL || ans == NULL)
		goto out;
	for (uint32_t i = 0; i < n; i++)
		ord[i] = i;
	qsort_r(ord, n, sizeof(*ord), addr_cmp, (void *)snap);
	for (size_t i = 0; i < n; i++) {
		bool same = i > 0 &&
		            strcmp(snap->servers[ord[i]].addr, snap->servers[ord[i - 1]].addr) == 0;
		canon[ord[i]] = same ? canon[ord[i - 1]] : ord[i];
		if (!same)
			out->servers++;
	}
	for (size_t i = 0; i < snap->nqueries; i++) {
		const dv_snap_query_t *q = &snap->queries[i];
		if (q->status == DV_SNAP_OK && msgs[i].parsed &&
		    (msgs[i].rcode == KNOT_RCODE_NOERROR || msgs[i].rcode == KNOT_RCODE_NXDOMAIN))
			ans[canon[q->server]] = true;
	}
	for (size_t i = 0; i < n; i++)
		out->answering += ans[i];
	r = DV_OK;
out:
	free(ord);
	free(canon);
	free(ans);
	return r;
}

/* How a PROBE_LIMIT finding words each ceiling: the text around the
 * ceiling's number and the option that sets it, in one of four forms. */
typedef enum {
	LIMIT_BY_PROBE = 1, /* "the probe's B<max>A: <n> OUTCOME (OPTION)" */
	LIMIT_BY_SERVER,    /* "<n> queries to this server not sent: B<max>A (OPTION)" */
	LIMIT_BY_ZONE,      /* "<n> B<max>A: NAMES" */
	LIMIT_BY_WALK,      /* "the walk to NAMES stopped after <max> zone cuts: ..." */
} limit_form_t;

static const struct {
	limit_form_t form;
	const char *before, *after; /* around the ceiling */
	const char *outcome;        /* LIMIT_BY_PROBE: what became of the queries */
	const char *option;
} limit_text[DV_SNAP_LIMIT_KINDS] = {
    [DV_SNAP_LIMIT_DEADLINE] = {LIMIT_BY_PROBE, "deadline of ", " ms passed", "queries abandoned",
                                "--deadline"},
    [DV_SNAP_LIMIT_QUERIES] = {LIMIT_BY_PROBE, "budget of ", " queries was spent", "not sent",
                               "--max-queries"},
    [DV_SNAP_LIMIT_BYTES] = {LIMIT_BY_PROBE, "budget of ", " answer bytes was spent",
                             "queries not sent", "--max-bytes"},
    [DV_SNAP_LIMIT_SERVER_QUERIES] = {LIMIT_BY_SERVER, "its budget of ", " queries was spent", NULL,
                                      "--server-queries"},
    [DV_SNAP_LIMIT_SERVER_BYTES] = {LIMIT_BY_SERVER, "its answers passed ", " bytes", NULL,
                                    "--server-bytes"},
    [DV_SNAP_LIMIT_SERVER_TIME] = {LIMIT_BY_SERVER, "waiting on it passed ", " ms", NULL,
                                   "--server-time"},
    [DV_SNAP_LIMIT_ZONE_NS] = {LIMIT_BY_ZONE, "NS names beyond the first ", " not used", NULL,
                               NULL},
    [DV_SNAP_LIMIT_ZONE_ADDRS] = {LIMIT_BY_ZONE, "server addresses beyond the first ",
                                  " not probed", NULL, NULL},
    [DV_SNAP_LIMIT_RESOLVES] = {LIMIT_BY_ZONE, "NS names without glue not looked up (", " are)",
                                NULL, NULL},
    [DV_SNAP_LIMIT_DEPTH] = {LIMIT_BY_WALK, NULL, NULL, NULL, NULL},
};

/* What the probe abandoned at a ceiling (the snapshot's limit records):
 * one PROBE_LIMIT finding each, naming it. */
static void report_limits(live_ctx_t *c)
{
	const dv_snapshot_t *snap = c->snap;
	for (size_t i = 0; i < snap->nlimits; i++) {
		const dv_snap_limit_t *l = &snap->limits[i];
		if (l->kind >= DV_SNAP_LIMIT_KINDS)
			continue;
		dv_evidence_t ev = {.zone = l->zone >= 0 ? snap->zones[l->zone].dname : NULL,
		                    .server = l->server};
		unsigned long long n = (unsigned long long)l->count,
		                   max = (unsigned long long)l->ceiling;
		const char *names = l->names;
		/* only the deadline's record names what it abandoned */
		bool to = l->kind == DV_SNAP_LIMIT_DEADLINE && names[0] != '\0';
		const char *b = limit_text[l->kind].before, *a = limit_text[l->kind].after;
		switch (limit_text[l->kind].form) {
		case LIMIT_BY_PROBE:
			dv_findings_add(&c->raw, DV_F_PROBE_LIMIT, &ev,
			                "the probe's %s%llu%s: %llu %s%s%s (%s)", b, max, a, n,
			                limit_text[l->kind].outcome, to ? ", to " : "",
			                to ? names : "", limit_text[l->kind].option);
			break;
		case LIMIT_BY_SERVER:
			dv_findings_add(&c->raw, DV_F_PROBE_LIMIT, &ev,
			                "%llu queries to this server not sent: %s%llu%s (%s)", n, b,
			                max, a, limit_text[l->kind].option);
			break;
		case LIMIT_BY_ZONE:
			dv_findings_add(&c->raw, DV_F_PROBE_LIMIT, &ev, "%llu %s%llu%s: %s", n, b,
			                max, a, names);
			break;
		case LIMIT_BY_WALK:
			dv_findings_add(
			    &c->raw, DV_F_PROBE_LIMIT, &ev,
			    "the walk to %s stopped after %llu zone cuts: the zones below "
			    "were not probed",
			    names, max);
			break;
		}
	}
}

int dv_live_check(const dv_snapshot_t *snap, const dv_live_opts_t *opts, dv_live_result_t *out)
{
	memset(out, 0, sizeof(*out));
	live_ctx_t c = {.snap = snap, .opts = opts, .res = out};
	dv_sig_budget_init(&c.budget);
	if (opts->max_validations != 0)
		c.budget.max[DV_SIG_SCOPE_RUN] = opts->max_validations;
	/* Before merging, one finding per server: room for every server of a
	 * zone under the ceiling the merged list keeps. */
	c.raw.limit = (size_t)DV_FINDINGS_PER_CODE * DV_SNAP_MAX_ZONE_SERVERS;
	dv_arena_init(&c.arena, 0);
	int r = dv_sigcache_new(DV_SIGCACHE_MEMO, &c.cache);
	if (r != DV_OK)
		goto fail;
	dv_sigcache_budget(c.cache, &c.budget);
	if (opts->memo != NULL)
		dv_sigcache_set_memo(c.cache, opts->memo);
	r = DV_ENOMEM;
	c.msgs = calloc(snap->nqueries ? snap->nqueries : 1, sizeof(*c.msgs));
	out->zones = calloc(snap->nzones ? snap->nzones : 1, sizeof(*out->zones));
	c.zone_keys = calloc(snap->nzones ? snap->nzones : 1, sizeof(*c.zone_keys));
	c.zs_start = calloc(snap->nzones + 1, sizeof(*c.zs_start));
	if (c.msgs == NULL || out->zones == NULL || c.zone_keys == NULL || c.zs_start == NULL)
		goto fail;
	/* Per zone, a validation counter per server (the budget's "server"). */
	for (size_t z = 0; z < snap->nzones; z++)
		c.zs_start[z + 1] = c.zs_start[z] + snap->zones[z].nservers;
	c.server_work = calloc(c.zs_start[snap->nzones] + 1, sizeof(*c.server_work));
	if (c.server_work == NULL)
		goto fail;
	out->nzones = snap->nzones;
	for (size_t i = 0; i < snap->nqueries; i++) {
		const dv_snap_query_t *q = &snap->queries[i];
		if (q->status != DV_SNAP_OK)
			continue;
		if ((r = live_msg_parse(&c, q->wire, q->len, &c.msgs[i])) != DV_OK)
			goto fail;
	}
	if ((r = zone_queries_index(&c, snap)) != DV_OK)
		goto fail;
	out->judged = true;
	if ((r = live_domains_locate(&c)) != DV_OK)
		goto fail;
	/* Zones are stored parents first (the probe and the reader ensure it). */
	for (uint32_t z = 0; z < snap->nzones; z++) {
		check_zone(&c, z);
		if (c.err) {
			r = c.err;
			goto fail;
		}
	}
	live_domains_judge(&c);
	out->sigs_verified = dv_sigcache_verifications(c.cache);
	/* Servers: distinct addresses, and those answering for some zone. */
	if ((r = count_servers(snap, c.msgs, out)) != DV_OK)
		goto fail;
	/* The expiry that counts: the requested zones' own. */
	for (size_t z = 0; z < out->nzones; z++)
		if (out->zones[z].requested && out->zones[z].have_signed_until &&
		    (!out->have_expiry || out->zones[z].signed_until < out->earliest_expiry)) {
			out->have_expiry = true;
			out->earliest_expiry = out->zones[z].signed_until;
		}
	report_limits(&c);
	/* A run that cannot be judged blames no zone. */
	if (out->judged)
		merge(&c.raw, &out->findings);
	dv_findings_sort(&out->findings);
	r = DV_OK;
fail:
	if (r != DV_OK)
		dv_live_result_clear(out);
	free(c.zone_keys);
	free(c.zs_start);
	free(c.server_work);
	free(c.zq_index);
	free(c.zq_start);
	free(c.msgs);
	dv_findings_clear(&c.raw);
	dv_sigcache_free(c.cache);
	dv_arena_clear(&c.arena);
	return r;
}

void dv_live_result_clear(dv_live_result_t *res)
{
	free(res->domains);
	res->domains = NULL;
	res->ndomains = 0;
	for (size_t z = 0; res->zones != NULL && z < res->nzones; z++)
		free(res->zones[z].srv);
	free(res->zones);
	res->zones = NULL;
	res->nzones = 0;
	dv_findings_clear(&res->findings);
}
