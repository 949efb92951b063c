/* dnsvigil rollover: plan a key rollover, check one from observations,
 * preflight a signed zone, recover from a failure (doc/rollover.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "daemon/config.h"
#include "report/report.h"
#include "rollover/rollover.h"
#include "run/run.h"
#include "store/store.h"

static const char usage_text[] =
    "usage: dnsvigil rollover plan --zone Z --kind zsk|ksk|csk|algorithm\n"
    "                              --method pre-publish|double-signature|double-ds|double-rrset\n"
    "                              [--now T] [HISTORY] [overrides]\n"
    "       dnsvigil rollover check --zone Z HISTORY\n"
    "       dnsvigil rollover preflight --zone Z --candidate SIGNED_ZONE_FILE\n"
    "                                   [--candidate-ds DS_FILE] HISTORY\n"
    "       dnsvigil rollover recover --zone Z HISTORY [--insecure]\n"
    "  HISTORY: --from SNAPSHOT... [SNAPSHOT...], or the watch daemon's store:\n"
    "           --state-dir DIR | --config FILE [--since TIME]\n"
    "  -z, --zone Z                the zone\n"
    "      --from FILE|DIR         snapshots of `dnsvigil check --save` (repeatable; also\n"
    "                              positional); a directory stands for its *.json files\n"
    "  -d, --state-dir DIR         the daemon's state directory (its store)\n"
    "  -C, --config FILE           the daemon's configuration (its state_directory)\n"
    "      --since TIME            store: the snapshots from TIME on (default: all kept)\n"
    "      --resolver NAME[=ADDR]  a validating resolver that could see a bogus window\n"
    "                              (repeatable; with a store, its audited ones too)\n"
    "  -n, --now TIME              YYYYMMDDHHmmSS (UTC), YYYY-MM-DDTHH:MM:SSZ or\n"
    "                              [@]UNIXSECONDS (default: the last snapshot's time; for\n"
    "                              plan without snapshots, the clock)\n"
    "  -f, --format text|json      report format (default text)\n"
    "      --serve-stale DUR       RFC 8767 allowance added to cache windows (default 0;\n"
    "                              a bare number is seconds)\n"
    "      --stuck-after DUR       check: stuck threshold (default 2d; a bare number is days)\n"
    "      --candidate FILE        preflight: the signed zone about to be published\n"
    "      --candidate-ds FILE     preflight: the DS RRset the parent is about to publish\n"
    "                              (no record in it: the DS withdrawn)\n"
    "      --insecure              recover: plan going insecure\n"
    "  plan: --kind K --method M and overrides (durations: 90s, 15m, 12h, 7d, 2w; a bare\n"
    "  number is seconds, as TTLs are):\n"
    "      --dnskey-ttl --ds-ttl --max-zone-ttl --propagation-delay\n"
    "      --parent-propagation-delay --registration-delay --sig-validity --sig-refresh\n"
    "      --safety-margin  (preflight and recover take the delays too)\n"
    "exit status: plan 0; check and preflight 0 safe, 1 strict validators only or stuck,\n"
    "2 bogus windows; recover 0 nothing to recover, 2 a failure at hand; 3 could not\n"
    "judge (bad usage, unreadable or malformed snapshots, a store that cannot be read)\n";

enum {
	OPT_FROM = 256,
	OPT_KIND,
	OPT_METHOD,
	OPT_STALE,
	OPT_STUCK,
	OPT_CANDIDATE,
	OPT_INSECURE,
	OPT_CANDIDATE_DS,
	OPT_SINCE,
	OPT_RESOLVER,
	OPT_PARAM, /* + DV_ROLL_P_* */
};

#define MAX_RESOLVER_OPTS 64

typedef struct {
	dv_cli_t cli;
	const char *sub;
	const char *zone, *now_s, *format, *candidate, *candidate_ds;
	const char *state_dir, *config, *since_s;
	dv_roll_resolver_t res[MAX_RESOLVER_OPTS];
	size_t nres;
	char *from[64];
	size_t nfrom;
	char **more; /* positional snapshots */
	size_t nmore;
	bool have_kind, have_method, insecure;
	dv_roll_kind_t kind;
	dv_roll_method_t method;
	int64_t stale, stuck;
	dv_roll_params_t params;
} ropts_t;

static int parse(int argc, char **argv, ropts_t *o)
{
	static const struct option longopts[] = {
	    {"zone", required_argument, NULL, 'z'},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"now", required_argument, NULL, 'n'},
	    {"format", required_argument, NULL, 'f'},
	    {"kind", required_argument, NULL, OPT_KIND},
	    {"method", required_argument, NULL, OPT_METHOD},
	    {"serve-stale", required_argument, NULL, OPT_STALE},
	    {"stuck-after", required_argument, NULL, OPT_STUCK},
	    {"candidate", required_argument, NULL, OPT_CANDIDATE},
	    {"candidate-ds", required_argument, NULL, OPT_CANDIDATE_DS},
	    {"state-dir", required_argument, NULL, 'd'},
	    {"config", required_argument, NULL, 'C'},
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"resolver", required_argument, NULL, OPT_RESOLVER},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {"dnskey-ttl", required_argument, NULL, OPT_PARAM + DV_ROLL_P_TTLKEY},
	    {"ds-ttl", required_argument, NULL, OPT_PARAM + DV_ROLL_P_TTLDS},
	    {"max-zone-ttl", required_argument, NULL, OPT_PARAM + DV_ROLL_P_TTLSIG},
	    {"propagation-delay", required_argument, NULL, OPT_PARAM + DV_ROLL_P_DPRP},
	    {"parent-propagation-delay", required_argument, NULL, OPT_PARAM + DV_ROLL_P_DPRPP},
	    {"registration-delay", required_argument, NULL, OPT_PARAM + DV_ROLL_P_DREG},
	    {"sig-validity", required_argument, NULL, OPT_PARAM + DV_ROLL_P_VALIDITY},
	    {"sig-refresh", required_argument, NULL, OPT_PARAM + DV_ROLL_P_REFRESH},
	    {"safety-margin", required_argument, NULL, OPT_PARAM + DV_ROLL_P_SAFETY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = dv_cli_getopt(&o->cli, argc, argv, "z:n:f:d:C:h", longopts)) != -1) {
		switch (c) {
		case DV_CLI_BAD:
			return -1;
		case 'z':
			o->zone = optarg;
			break;
		case OPT_FROM:
			if (o->nfrom >= sizeof(o->from) / sizeof(o->from[0])) {
				dv_cli_usage(&o->cli, "too many --from (use a directory)");
				return -1;
			}
			o->from[o->nfrom++] = optarg;
			break;
		case 'n':
			o->now_s = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
				dv_cli_usage(&o->cli, "--format '%s': text or json", optarg);
				return -1;
			}
			o->format = optarg;
			break;
		case OPT_KIND:
			if (dv_roll_kind_parse(optarg, &o->kind) != DV_OK) {
				dv_cli_usage(&o->cli, "--kind '%s': zsk, ksk, csk or algorithm",
				             optarg);
				return -1;
			}
			o->have_kind = true;
			break;
		case OPT_METHOD:
			if (dv_roll_method_parse(optarg, &o->method) != DV_OK) {
				dv_cli_usage(
				    &o->cli,
				    "--method '%s': pre-publish, double-signature, double-ds "
				    "or double-rrset",
				    optarg);
				return -1;
			}
			o->have_method = true;
			break;
		case OPT_STALE:
			/* An allowance, like a TTL: a bare number is seconds. */
			if (dv_cli_duration(&o->cli, "--serve-stale", optarg, 1, &o->stale) != 0)
				return -1;
			break;
		case OPT_STUCK:
			/* A threshold: a bare number is days. */
			if (dv_cli_duration(&o->cli, "--stuck-after", optarg, 86400, &o->stuck) !=
			    0)
				return -1;
			break;
		case OPT_CANDIDATE:
			o->candidate = optarg;
			break;
		case OPT_CANDIDATE_DS:
			o->candidate_ds = optarg;
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case 'C':
			o->config = optarg;
			break;
		case OPT_SINCE:
			o->since_s = optarg;
			break;
		case OPT_RESOLVER:
			if (o->nres >= MAX_RESOLVER_OPTS || optarg[0] == '\0' || optarg[0] == '=') {
				dv_cli_usage(&o->cli, "--resolver '%s': NAME[=ADDRESS], at most %d",
				             optarg, MAX_RESOLVER_OPTS);
				return -1;
			}
			{
				static const int64_t always[2] = {DV_ROLL_START, DV_ROLL_OPEN};
				char *eq = strchr(optarg, '=');
				if (eq != NULL)
					*eq = '\0';
				o->res[o->nres++] =
				    (dv_roll_resolver_t){.name = optarg,
				                         .address = eq ? eq + 1 : NULL,
				                         .validating = always,
				                         .nvalidating = 1};
			}
			break;
		case OPT_INSECURE:
			o->insecure = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			if (c >= OPT_PARAM && c < OPT_PARAM + DV_ROLL_P_COUNT) {
				int p = c - OPT_PARAM;
				/* TTLs and delays: a bare number is seconds. */
				if (dv_cli_duration(&o->cli, dv_roll_param_option(p), optarg, 1,
				                    &o->params.v[p]) != 0)
					return -1;
				o->params.src[p] = DV_ROLL_SRC_OPTION;
			}
			break;
		}
	}
	o->more = argv + optind;
	o->nmore = (size_t)(argc - optind);
	if (o->zone == NULL) {
		dv_cli_usage(&o->cli, "--zone Z is required");
		return -1;
	}
	return 0;
}

/* Every snapshot named, --from first. */
static size_t snapshot_list(const ropts_t *o, char **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < o->nfrom && n < cap; i++)
		out[n++] = o->from[i];
	for (size_t i = 0; i < o->nmore && n < cap; i++)
		out[n++] = o->more[i];
	return n;
}

/* The report in the envelope of every command (doc/json.md). */
static int emit(const ropts_t *o, json_t *j, const dv_findings_t *findings, int status)
{
	if (j == NULL)
		return -1;
	/* recover's one-line account was its "summary": the envelope's
	 * summary is the counts. */
	json_t *text = json_object_get(j, "summary");
	if (json_is_string(text)) {
		json_object_set(j, "explanation", text);
		json_object_del(j, "summary");
	}
	json_object_del(j, "dnsvigil");
	json_object_del(j, "format");
	dv_report_envelope_set(j, "rollover", o->sub, dv_report_status_name(status));
	json_t *rest = json_deep_copy(j);
	json_object_clear(j);
	const char *k;
	json_t *v;
	/* The envelope, the summary, the command's own members, the findings. */
	json_object_foreach(rest, k, v)
	{
		if (strcmp(k, "status") == 0) {
			json_object_set(j, k, v);
			json_object_set_new(j, "summary", dv_report_summary_json(findings));
		} else {
			json_object_set(j, k, v);
		}
	}
	json_decref(rest);
	json_object_set_new(j, "findings", dv_findings_json(findings));
	int r = dv_json_write(stdout, j);
	json_decref(j);
	return r;
}

/* Defaults, then what was served (s may be NULL), then the options. */
static void params_merge(const ropts_t *o, const dv_roll_series_t *s, dv_roll_params_t *p)
{
	dv_roll_params_default(p);
	if (s != NULL)
		dv_roll_params_served(s, p);
	for (int i = 0; i < DV_ROLL_P_COUNT; i++) {
		if (o->params.src[i] == DV_ROLL_SRC_OPTION) {
			p->v[i] = o->params.v[i];
			p->src[i] = DV_ROLL_SRC_OPTION;
		}
	}
}

static int run_plan(ropts_t *o, dv_roll_series_t *s)
{
	if (!o->have_kind || !o->have_method)
		return dv_cli_usage(&o->cli, "--kind and --method are required");
	dv_roll_params_t p;
	params_merge(o, s, &p);
	int64_t start;
	if (o->now_s == NULL && s != NULL)
		start = dv_roll_series_last(s);
	else if (dv_cli_time(&o->cli, "--now", o->now_s, &start) != 0)
		return DV_EXIT_UNKNOWN;
	dv_roll_plan_t plan;
	char err[256];
	if (dv_roll_plan(o->kind, o->method, start, &p, &plan, err, sizeof(err)) != DV_OK)
		return dv_cli_fail(&o->cli, "%s", err);
	if (strcmp(o->format, "json") == 0) {
		dv_findings_t none = {0};
		if (emit(o, dv_roll_plan_json(&plan, o->zone), &none, DV_EXIT_OK) != 0)
			return DV_EXIT_UNKNOWN;
	} else {
		dv_roll_plan_text(stdout, &plan, o->zone);
	}
	return DV_EXIT_OK;
}

static int run_check(ropts_t *o, dv_roll_series_t *s, const dv_roll_resolvers_t *rs, bool preflight)
{
	dv_roll_check_opts_t co = {.serve_stale = o->stale,
	                           .stuck_after = o->stuck,
	                           .from = DV_ROLL_START,
	                           .now = dv_roll_series_last(s),
	                           .resolvers = rs->v,
	                           .nresolvers = rs->n};
	if (o->now_s != NULL && dv_cli_time(&o->cli, "--now", o->now_s, &co.now) != 0)
		return DV_EXIT_UNKNOWN;
	char err[1400];
	if (preflight) {
		/* The consequences play out within the largest TTL served plus the
		 * propagation delay: evaluate [now, now + max TTL + propagation]. */
		dv_roll_params_t p;
		params_merge(o, s, &p);
		int64_t prop = p.v[DV_ROLL_P_DPRP];
		int64_t maxttl = p.v[DV_ROLL_P_TTLKEY];
		if (p.v[DV_ROLL_P_TTLDS] > maxttl)
			maxttl = p.v[DV_ROLL_P_TTLDS];
		if (p.v[DV_ROLL_P_TTLSIG] > maxttl)
			maxttl = p.v[DV_ROLL_P_TTLSIG];
		if (o->now_s == NULL) {
			int64_t clock;
			dv_cli_time(&o->cli, "--now", NULL, &clock);
			if (clock > co.now)
				co.now = clock;
		}
		int64_t prop_parent = p.v[DV_ROLL_P_DPRPP];
		int64_t horizon = maxttl + (prop > prop_parent ? prop : prop_parent) + o->stale;
		if (o->candidate != NULL) {
			o->cli.input = o->candidate;
			if (dv_roll_candidate_load(s, o->candidate, co.now, prop, horizon, err,
			                           sizeof(err)) != DV_OK)
				return dv_cli_fail_input(&o->cli, err);
		}
		if (o->candidate_ds != NULL) {
			o->cli.input = o->candidate_ds;
			if (dv_roll_candidate_ds_load(s, o->candidate_ds, co.now, prop_parent, err,
			                              sizeof(err)) != DV_OK)
				return dv_cli_fail_input(&o->cli, err);
		}
		co.candidate_only = true;
		co.from = co.now;
		co.horizon = co.now + horizon + 1;
	}
	dv_roll_result_t res;
	int r = dv_roll_check(s, &co, &res);
	if (r != DV_OK) {
		dv_roll_result_free(&res);
		return dv_cli_fail(&o->cli, "the model check could not run: %s", dv_strerror(r));
	}
	const char *cmd = preflight ? "preflight" : "check";
	int status = dv_findings_exit_status(&res.findings);
	if (strcmp(o->format, "json") == 0) {
		if (emit(o, dv_roll_check_json(s, cmd, &co, &res), &res.findings, status) != 0)
			status = DV_EXIT_UNKNOWN;
	} else {
		dv_roll_check_text(stdout, s, cmd, &co, &res);
		if (res.findings.len > 0) {
			fputc('\n', stdout);
			dv_report_findings_text(stdout, &res.findings, 10);
		}
	}
	dv_roll_result_free(&res);
	return status;
}

static int run_recover(ropts_t *o, dv_roll_series_t *s)
{
	dv_roll_params_t p;
	params_merge(o, NULL, &p);
	dv_roll_recover_opts_t ro = {.now = dv_roll_series_last(s),
	                             .serve_stale = o->stale,
	                             .dprp = p.v[DV_ROLL_P_DPRP],
	                             .dprp_parent = p.v[DV_ROLL_P_DPRPP],
	                             .dreg = p.v[DV_ROLL_P_DREG],
	                             .insecure = o->insecure};
	if (o->now_s != NULL && dv_cli_time(&o->cli, "--now", o->now_s, &ro.now) != 0)
		return DV_EXIT_UNKNOWN;
	dv_roll_recovery_t rec;
	int r = dv_roll_recover(s, &ro, &rec);
	if (r != DV_OK) {
		dv_roll_recovery_free(&rec);
		return dv_cli_fail(&o->cli, "no recovery plan: %s", dv_strerror(r));
	}
	int status = rec.kase == DV_ROLL_CASE_NONE || rec.kase == DV_ROLL_CASE_INSECURE
	                 ? DV_EXIT_OK
	                 : DV_EXIT_ERROR;
	if (strcmp(o->format, "json") == 0) {
		if (emit(o, dv_roll_recover_json(s, &ro, &rec), &rec.check.findings, status) != 0)
			status = DV_EXIT_UNKNOWN;
	} else {
		dv_roll_recover_text(stdout, s, &ro, &rec);
	}
	dv_roll_recovery_free(&rec);
	return status;
}

/* The history of `zone` from the daemon's store (--state-dir, --config), and
 * the resolvers it audits.  Returns an exit status. */
static int history_load(const ropts_t *o, const uint8_t *zone, dv_roll_series_t **s,
                        dv_roll_resolvers_t *rs)
{
	char err[1400];
	dv_conf_t *conf = NULL;
	const char *dir = o->state_dir;
	dv_roll_history_opts_t ho = {0};
	if (o->since_s != NULL && dv_cli_time(&o->cli, "--since", o->since_s, &ho.since) != 0)
		return DV_EXIT_UNKNOWN;
	if (dir == NULL) {
		if (dv_conf_load(o->config, &conf, err, sizeof(err)) != DV_OK)
			return dv_cli_fail_input(&o->cli, err);
		dir = conf->state_directory;
	}
	dv_store_t *st = NULL;
	int status = DV_EXIT_OK;
	if (dv_store_open(dir, true, &st, err, sizeof(err)) != DV_OK) {
		status = dv_cli_fail(&o->cli, "%s", err);
		goto out;
	}
	/* A store that cannot be read, or holds no snapshot of the zone: the
	 * rollover cannot be judged (exit 3). */
	size_t n;
	int r = dv_roll_history_load(st, zone, &ho, s, &n, err, sizeof(err));
	if (r != DV_OK || *s == NULL) {
		status = dv_cli_fail(&o->cli, "%s: %s", dir, err);
		goto out;
	}
	if ((r = dv_roll_history_resolvers(st, rs)) != DV_OK) {
		status = dv_cli_fail(&o->cli, "%s: resolvers: %s", dir,
		                     r == DV_EIO ? dv_store_errmsg(st) : dv_strerror(r));
		dv_roll_series_free(*s);
		*s = NULL;
	}
out:
	dv_store_close(st);
	dv_conf_free(conf);
	return status;
}

int dv_cmd_rollover(int argc, char **argv)
{
	ropts_t o = {
	    .format = "text", .stuck = 2 * 86400, .cli = {.cmd = "rollover", .usage = usage_text}};
	static const char *const subs[] = {"plan", "check", "preflight", "recover"};
	int sr = dv_cli_subcommand(&o.cli, argc, argv, subs, sizeof(subs) / sizeof(subs[0]));
	if (sr >= 0)
		return sr;
	o.sub = o.cli.sub;
	for (int i = 0; i < DV_ROLL_P_COUNT; i++)
		o.params.src[i] = DV_ROLL_SRC_DEFAULT;
	bool plan = strcmp(o.sub, "plan") == 0;
	bool preflight = strcmp(o.sub, "preflight") == 0, recover = strcmp(o.sub, "recover") == 0;
	int pr = parse(argc - 1, argv + 1, &o);
	if (pr != 0)
		return pr > 0 ? DV_EXIT_OK : DV_EXIT_UNKNOWN;
	uint8_t zone[255];
	if (dv_snap_dname_parse(o.zone, zone) != DV_OK)
		return dv_cli_usage(&o.cli, "--zone '%s': not a domain name", o.zone);
	if (preflight && o.candidate == NULL && o.candidate_ds == NULL)
		return dv_cli_usage(
		    &o.cli, "--candidate SIGNED_ZONE_FILE or --candidate-ds DS_FILE is required");
	char *files[DV_ROLL_MAX_SNAPSHOTS > 4096 ? 4096 : DV_ROLL_MAX_SNAPSHOTS];
	size_t nfiles = snapshot_list(&o, files, sizeof(files) / sizeof(files[0]));
	if (nfiles < o.nfrom + o.nmore)
		return dv_cli_usage(&o.cli, "too many snapshot arguments (use a directory)");
	bool store = o.state_dir != NULL || o.config != NULL;
	if (store && nfiles > 0)
		return dv_cli_usage(&o.cli, "snapshots (--from) or the daemon's store "
		                            "(--state-dir, --config), not both");
	dv_roll_series_t *s = NULL;
	dv_roll_resolvers_t rs = {0};
	char err[1400];
	int status;
	if (nfiles > 0 && dv_roll_series_load(zone, files, nfiles, &s, err, sizeof(err)) != DV_OK)
		return dv_cli_fail_input(&o.cli, err);
	if (store && (status = history_load(&o, zone, &s, &rs)) != DV_EXIT_OK)
		return status;
	if (s == NULL && !plan)
		return dv_cli_usage(&o.cli, "--from SNAPSHOT, --state-dir or --config is required");
	/* The resolvers given on the command line, then those the store audits. */
	dv_roll_resolver_t *allv = malloc((rs.n + o.nres + 1) * sizeof(*allv));
	if (allv == NULL) {
		dv_roll_resolvers_clear(&rs);
		dv_roll_series_free(s);
		return dv_cli_fail(&o.cli, "out of memory");
	}
	if (o.nres > 0)
		memcpy(allv, o.res, o.nres * sizeof(*allv));
	if (rs.n > 0)
		memcpy(allv + o.nres, rs.v, rs.n * sizeof(*allv));
	dv_roll_resolvers_t all = {allv, rs.n + o.nres};
	if (plan)
		status = run_plan(&o, s);
	else if (recover)
		status = run_recover(&o, s);
	else
		status = run_check(&o, s, &all, preflight);
	if (fflush(stdout) != 0)
		status = DV_EXIT_UNKNOWN;
	free(allv);
	dv_roll_resolvers_clear(&rs);
	dv_roll_series_free(s);
	return status;
}
