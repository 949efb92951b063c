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
    "  -c, --config FILE           the daemon's configuration (its state_directory)\n"
    "  -s, --since TIME            store: the snapshots from TIME on (default: all kept)\n"
    "      --resolver NAME[=ADDR]  a validating resolver that could see a bogus window\n"
    "                              (repeatable; with a store, its audited ones too)\n"
    "  -n, --now TIME              YYYYMMDDHHmmSS (UTC) or @UNIX (default: the last snapshot's\n"
    "                              time; for plan without snapshots, the clock)\n"
    "  -f, --format text|json      report format (default text)\n"
    "      --serve-stale DUR       RFC 8767 allowance added to cache windows (default 0)\n"
    "      --stuck-after DUR       check: stuck threshold (default 2d)\n"
    "      --candidate FILE        preflight: the signed zone about to be published\n"
    "      --candidate-ds FILE     preflight: the DS RRset the parent is about to publish\n"
    "                              (no record in it: the DS withdrawn)\n"
    "      --insecure              recover: plan going insecure\n"
    "  plan: --kind K --method M and overrides (durations: 90, 90s, 15m, 12h, 7d, 2w):\n"
    "      --dnskey-ttl --ds-ttl --max-zone-ttl --propagation-delay\n"
    "      --parent-propagation-delay --registration-delay --sig-validity --sig-refresh\n"
    "      --safety-margin  (preflight and recover take the delays too)\n"
    "exit status: plan 0; check and preflight 0 safe, 1 strict validators only or stuck,\n"
    "2 bogus windows; recover 0 nothing to recover, 2 a failure at hand; 2 bad input;\n"
    "3 the store could not be read\n";

enum {
	OPT_FROM = 256,
	OPT_KIND,
	OPT_METHOD,
	OPT_STALE,
	OPT_STUCK,
	OPT_CANDIDATE,
	OPT_INSECURE,
	OPT_CANDIDATE_DS,
	OPT_RESOLVER,
	OPT_PARAM, /* + DV_ROLL_P_* */
};

#define MAX_RESOLVER_OPTS 64

typedef struct {
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
	    {"config", required_argument, NULL, 'c'},
	    {"since", required_argument, NULL, 's'},
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
	while ((c = getopt_long(argc, argv, "z:n:f:d:c:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'z':
			o->zone = optarg;
			break;
		case OPT_FROM:
			if (o->nfrom >= sizeof(o->from) / sizeof(o->from[0])) {
				fprintf(stderr,
				        "dnsvigil rollover: too many --from (use a directory)\n");
				return -1;
			}
			o->from[o->nfrom++] = optarg;
			break;
		case 'n':
			o->now_s = optarg;
			break;
		case 'f':
			if (dv_cli_format("rollover", optarg) != 0)
				return -1;
			o->format = optarg;
			break;
		case OPT_KIND:
			if (dv_roll_kind_parse(optarg, &o->kind) != DV_OK) {
				fprintf(stderr,
				        "dnsvigil rollover: --kind zsk, ksk, csk or algorithm\n");
				return -1;
			}
			o->have_kind = true;
			break;
		case OPT_METHOD:
			if (dv_roll_method_parse(optarg, &o->method) != DV_OK) {
				fprintf(stderr, "dnsvigil rollover: --method pre-publish, "
				                "double-signature, double-ds or double-rrset\n");
				return -1;
			}
			o->have_method = true;
			break;
		case OPT_STALE:
		case OPT_STUCK:
			if (dv_cli_duration(optarg, c == OPT_STALE ? &o->stale : &o->stuck) != 0) {
				fprintf(stderr, "dnsvigil rollover: bad duration '%s'\n", optarg);
				return -1;
			}
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
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->since_s = optarg;
			break;
		case OPT_RESOLVER:
			if (o->nres >= MAX_RESOLVER_OPTS || optarg[0] == '\0' || optarg[0] == '=') {
				fprintf(
				    stderr,
				    "dnsvigil rollover: --resolver NAME[=ADDRESS], at most %d\n",
				    MAX_RESOLVER_OPTS);
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
				if (dv_cli_duration(optarg, &o->params.v[p]) != 0) {
					fprintf(stderr, "dnsvigil rollover: bad %s '%s'\n",
					        dv_roll_param_option(p), optarg);
					return -1;
				}
				o->params.src[p] = DV_ROLL_SRC_OPTION;
				break;
			}
			fputs(usage_text, stderr);
			return -1;
		}
	}
	o->more = argv + optind;
	o->nmore = (size_t)(argc - optind);
	if (o->zone == NULL) {
		fprintf(stderr, "dnsvigil rollover %s: --zone is required\n", o->sub);
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

static int emit(const ropts_t *o, json_t *j, const dv_findings_t *findings)
{
	if (j == NULL)
		return -1;
	json_object_set_new(j, "status", json_string(dv_findings_status(findings)));
	json_object_set_new(j, "findings", dv_findings_json(findings));
	int r = dv_json_write(stdout, j);
	json_decref(j);
	(void)o;
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
	if (!o->have_kind || !o->have_method) {
		fprintf(stderr, "dnsvigil rollover plan: --kind and --method are required\n");
		return DV_EXIT_ERROR;
	}
	dv_roll_params_t p;
	params_merge(o, s, &p);
	int64_t start;
	if (o->now_s == NULL && s != NULL)
		start = dv_roll_series_last(s);
	else if (dv_cli_now(o->now_s, &start) != 0)
		return DV_EXIT_ERROR;
	dv_roll_plan_t plan;
	char err[256];
	if (dv_roll_plan(o->kind, o->method, start, &p, &plan, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "dnsvigil rollover plan: %s\n", err);
		return DV_EXIT_ERROR;
	}
	if (strcmp(o->format, "json") == 0) {
		dv_findings_t none = {0};
		if (emit(o, dv_roll_plan_json(&plan, o->zone), &none) != 0)
			return DV_EXIT_ERROR;
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
	if (o->now_s != NULL && dv_cli_now(o->now_s, &co.now) != 0)
		return DV_EXIT_ERROR;
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
			dv_cli_now(NULL, &clock);
			if (clock > co.now)
				co.now = clock;
		}
		int64_t prop_parent = p.v[DV_ROLL_P_DPRPP];
		int64_t horizon = maxttl + (prop > prop_parent ? prop : prop_parent) + o->stale;
		if (o->candidate != NULL &&
		    dv_roll_candidate_load(s, o->candidate, co.now, prop, horizon, err,
		                           sizeof(err)) != DV_OK) {
			fprintf(stderr, "%s\n", err);
			return DV_EXIT_ERROR;
		}
		if (o->candidate_ds != NULL &&
		    dv_roll_candidate_ds_load(s, o->candidate_ds, co.now, prop_parent, err,
		                              sizeof(err)) != DV_OK) {
			fprintf(stderr, "%s\n", err);
			return DV_EXIT_ERROR;
		}
		co.candidate_only = true;
		co.from = co.now;
		co.horizon = co.now + horizon + 1;
	}
	dv_roll_result_t res;
	int r = dv_roll_check(s, &co, &res);
	if (r != DV_OK) {
		fprintf(stderr, "dnsvigil rollover: %s\n", dv_strerror(r));
		dv_roll_result_free(&res);
		return DV_EXIT_ERROR;
	}
	const char *cmd = preflight ? "preflight" : "check";
	int status = dv_findings_exit_status(&res.findings);
	if (strcmp(o->format, "json") == 0) {
		if (emit(o, dv_roll_check_json(s, cmd, &co, &res), &res.findings) != 0)
			status = DV_EXIT_ERROR;
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
	if (o->now_s != NULL && dv_cli_now(o->now_s, &ro.now) != 0)
		return DV_EXIT_ERROR;
	dv_roll_recovery_t rec;
	int r = dv_roll_recover(s, &ro, &rec);
	if (r != DV_OK) {
		fprintf(stderr, "dnsvigil rollover recover: %s\n", dv_strerror(r));
		dv_roll_recovery_free(&rec);
		return DV_EXIT_ERROR;
	}
	int status = rec.kase == DV_ROLL_CASE_NONE || rec.kase == DV_ROLL_CASE_INSECURE
	                 ? DV_EXIT_OK
	                 : DV_EXIT_ERROR;
	if (strcmp(o->format, "json") == 0) {
		if (emit(o, dv_roll_recover_json(s, &ro, &rec), &rec.check.findings) != 0)
			status = DV_EXIT_ERROR;
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
	if (o->since_s != NULL && dv_cli_now(o->since_s, &ho.since) != 0)
		return DV_EXIT_ERROR;
	if (dir == NULL) {
		if (dv_conf_load(o->config, &conf, err, sizeof(err)) != DV_OK) {
			fprintf(stderr, "%s\n", err);
			return DV_EXIT_UNKNOWN;
		}
		dir = conf->state_directory;
	}
	dv_store_t *st = NULL;
	int status = DV_EXIT_OK;
	if (dv_store_open(dir, true, &st, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "dnsvigil rollover: %s\n", err);
		status = DV_EXIT_UNKNOWN;
		goto out;
	}
	size_t n;
	int r = dv_roll_history_load(st, zone, &ho, s, &n, err, sizeof(err));
	if (r != DV_OK || *s == NULL) {
		fprintf(stderr, "dnsvigil rollover: %s: %s\n", dir, err);
		status = r == DV_EIO || r == DV_ENOMEM ? DV_EXIT_UNKNOWN : DV_EXIT_ERROR;
		goto out;
	}
	if ((r = dv_roll_history_resolvers(st, rs)) != DV_OK) {
		fprintf(stderr, "dnsvigil rollover: %s: resolvers: %s\n", dir,
		        r == DV_EIO ? dv_store_errmsg(st) : dv_strerror(r));
		dv_roll_series_free(*s);
		*s = NULL;
		status = DV_EXIT_UNKNOWN;
	}
out:
	dv_store_close(st);
	dv_conf_free(conf);
	return status;
}

int dv_cmd_rollover(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? DV_EXIT_ERROR : DV_EXIT_OK;
	}
	ropts_t o = {.sub = argv[1], .format = "text", .stuck = 2 * 86400};
	for (int i = 0; i < DV_ROLL_P_COUNT; i++)
		o.params.src[i] = DV_ROLL_SRC_DEFAULT;
	bool plan = strcmp(o.sub, "plan") == 0, check = strcmp(o.sub, "check") == 0;
	bool preflight = strcmp(o.sub, "preflight") == 0, recover = strcmp(o.sub, "recover") == 0;
	if (!plan && !check && !preflight && !recover) {
		fprintf(stderr, "dnsvigil rollover: unknown subcommand '%s'\n", o.sub);
		fputs(usage_text, stderr);
		return DV_EXIT_ERROR;
	}
	int pr = parse(argc - 1, argv + 1, &o);
	if (pr != 0)
		return pr > 0 ? DV_EXIT_OK : DV_EXIT_ERROR;
	uint8_t zone[255];
	if (dv_snap_dname_parse(o.zone, zone) != DV_OK) {
		fprintf(stderr, "dnsvigil rollover: bad zone name '%s'\n", o.zone);
		return DV_EXIT_ERROR;
	}
	if (preflight && o.candidate == NULL && o.candidate_ds == NULL) {
		fprintf(stderr,
		        "dnsvigil rollover preflight: --candidate or --candidate-ds is required\n");
		return DV_EXIT_ERROR;
	}
	char *files[DV_ROLL_MAX_SNAPSHOTS > 4096 ? 4096 : DV_ROLL_MAX_SNAPSHOTS];
	size_t nfiles = snapshot_list(&o, files, sizeof(files) / sizeof(files[0]));
	if (nfiles < o.nfrom + o.nmore) {
		fprintf(stderr,
		        "dnsvigil rollover: too many snapshot arguments (use a directory)\n");
		return DV_EXIT_ERROR;
	}
	bool store = o.state_dir != NULL || o.config != NULL;
	if (store && nfiles > 0) {
		fprintf(stderr, "dnsvigil rollover: snapshots (--from) or the daemon's store "
		                "(--state-dir, --config), not both\n");
		return DV_EXIT_ERROR;
	}
	dv_roll_series_t *s = NULL;
	dv_roll_resolvers_t rs = {0};
	char err[1400];
	int status;
	if (nfiles > 0 && dv_roll_series_load(zone, files, nfiles, &s, err, sizeof(err)) != DV_OK) {
		fprintf(stderr, "%s\n", err);
		return DV_EXIT_ERROR;
	}
	if (store && (status = history_load(&o, zone, &s, &rs)) != DV_EXIT_OK)
		return status;
	if (s == NULL && !plan) {
		fprintf(
		    stderr,
		    "dnsvigil rollover %s: --from SNAPSHOT, --state-dir or --config is required\n",
		    o.sub);
		return DV_EXIT_ERROR;
	}
	/* The resolvers given on the command line, then those the store audits. */
	dv_roll_resolver_t *allv = malloc((rs.n + o.nres + 1) * sizeof(*allv));
	if (allv == NULL) {
		fprintf(stderr, "dnsvigil rollover: out of memory\n");
		dv_roll_resolvers_clear(&rs);
		dv_roll_series_free(s);
		return DV_EXIT_ERROR;
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
		status = DV_EXIT_ERROR;
	free(allv);
	dv_roll_resolvers_clear(&rs);
	dv_roll_series_free(s);
	return status;
}
