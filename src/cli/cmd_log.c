/* dnsvigil log: append to, show, verify and prove the tamper-evident ledger. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ctype.h>

#include "cli/cli.h"
#include "cli/cliutil.h"
#include "core/error.h"
#include "findings/findings.h"
#include "ledger/ledger.h"
#include "report/report.h"

static const char usage_text[] =
    "usage: dnsvigil log append --kind KIND [--zone ZONE] [--text TEXT] [--evidence JSON]\n"
    "       dnsvigil log show [--zone ZONE] [--kind KIND] [--since TIME]\n"
    "       dnsvigil log verify [--log-key PUB] [--checkpoint FILE]... [--witness VKEY=URL]...\n"
    "                           [--witness-key VKEY]... [--nagios]\n"
    "       dnsvigil log verify --proof FILE --log-key PUB [--checkpoint OLD] [--witness-key "
    "VKEY]\n"
    "       dnsvigil log prove --entry N | --consistency OLD NEW\n"
    "  -d, --state-dir DIR      state directory (default /var/lib/dnsvigil; --dir is the\n"
    "                           deprecated name)\n"
    "  -z, --zone ZONE          the zone of an appended entry; show: only its entries\n"
    "      --log-origin ORIGIN  the log's name when it is created (default dnsvigil/HOSTNAME;\n"
    "                           --origin is the deprecated name)\n"
    "  -f, --format text|json   output format (default text; doc/ledger.md)\n"
    "  -n, --now TIME           the time of an append: YYYYMMDDHHmmSS (UTC),\n"
    "                           YYYY-MM-DDTHH:MM:SSZ or [@]UNIXSECONDS\n"
    "      --since TIME         show: entries from TIME on\n"
    "      --witness VKEY=URL   a C2SP witness: append pushes checkpoints to the ones given\n"
    "                           (kept in the ledger, replacing the list there); verify\n"
    "                           asks each whether it saw this log\n"
    "      --witness-key VKEY   trust this witness's cosignatures (verify; a vkey or file)\n"
    "      --log-key PUB        the log's public key (verify; default DIR/ledger.pub; --key\n"
    "                           is the deprecated name)\n"
    "      --checkpoint FILE    a checkpoint kept elsewhere: the log must contain it\n"
    "      --export FILE        append each new checkpoint to FILE (append)\n"
    "      --syslog             log each new checkpoint to syslog (append)\n"
    "      --nagios             Monitoring Plugins output and exit status (verify)\n"
    "exit status: 0 clean, 1 warnings (e.g. entries not anchored by a witness),\n"
    "2 errors found (tampering), 3 could not judge (bad usage, unreadable ledger)\n";

enum {
	OPT_ORIGIN = 256,
	OPT_WITNESS,
	OPT_WITNESS_KEY,
	OPT_KEY,
	OPT_CHECKPOINT,
	OPT_EXPORT,
	OPT_SYSLOG,
	OPT_NAGIOS,
	OPT_KIND,
	OPT_TEXT,
	OPT_EVIDENCE,
	OPT_SINCE,
	OPT_ENTRY,
	OPT_CONSISTENCY,
	OPT_PROOF,
	OPT_DIR,
};

#define LIST_MAX LEDGER_WITNESSES_MAX

typedef struct {
	const char *dir, *origin, *format, *now, *key, *export_file, *kind, *zone, *text;
	const char *evidence, *since, *entry, *proof;
	const char *cons[2];
	bool syslog, nagios;
	ledger_witness_t witness[LIST_MAX];
	char *witness_buf[LIST_MAX];
	size_t nwitness;
	tlog_vkey_t wkey[LIST_MAX];
	size_t nwkey;
	const char *checkpoint[LIST_MAX];
	size_t ncheckpoint;
	dv_cli_t cli;
} log_opts_t;

/* Every failure: could not judge (the message also on stdout as the
 * --format json error object or the --nagios UNKNOWN line). */
static int bad_at(const log_opts_t *o, const char *msg, const char *arg)
{
	return dv_cli_fail(&o->cli, "%s%s%s", msg, arg ? " " : "", arg ? arg : "");
}
#define bad(msg, arg) bad_at(o, (msg), (arg))

/* The options that keep their argument as it is. */
static const dv_cli_text_t texts[] = {
    {'d', offsetof(log_opts_t, dir)},           {OPT_DIR, offsetof(log_opts_t, dir)},
    {OPT_ORIGIN, offsetof(log_opts_t, origin)}, {'n', offsetof(log_opts_t, now)},
    {OPT_KEY, offsetof(log_opts_t, key)},       {OPT_EXPORT, offsetof(log_opts_t, export_file)},
    {OPT_KIND, offsetof(log_opts_t, kind)},     {'z', offsetof(log_opts_t, zone)},
    {OPT_TEXT, offsetof(log_opts_t, text)},     {OPT_EVIDENCE, offsetof(log_opts_t, evidence)},
    {OPT_SINCE, offsetof(log_opts_t, since)},   {OPT_ENTRY, offsetof(log_opts_t, entry)},
    {OPT_PROOF, offsetof(log_opts_t, proof)},   {0, 0},
};

static int parse(int argc, char **argv, log_opts_t *o)
{
	static const struct option longopts[] = {
	    {"state-dir", required_argument, NULL, 'd'},
	    {"dir", required_argument, NULL, OPT_DIR},
	    {"log-origin", required_argument, NULL, OPT_ORIGIN},
	    /* Deprecated names: --origin is the zone origin in verify, --key a
	     * key file in witness. */
	    {"origin", required_argument, NULL, OPT_ORIGIN},
	    {"format", required_argument, NULL, 'f'},
	    {"now", required_argument, NULL, 'n'},
	    {"witness", required_argument, NULL, OPT_WITNESS},
	    {"witness-key", required_argument, NULL, OPT_WITNESS_KEY},
	    {"log-key", required_argument, NULL, OPT_KEY},
	    {"key", required_argument, NULL, OPT_KEY},
	    {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
	    {"export", required_argument, NULL, OPT_EXPORT},
	    {"syslog", no_argument, NULL, OPT_SYSLOG},
	    {"nagios", no_argument, NULL, OPT_NAGIOS},
	    {"kind", required_argument, NULL, OPT_KIND},
	    {"zone", required_argument, NULL, 'z'},
	    {"text", required_argument, NULL, OPT_TEXT},
	    {"evidence", required_argument, NULL, OPT_EVIDENCE},
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"entry", required_argument, NULL, OPT_ENTRY},
	    {"consistency", required_argument, NULL, OPT_CONSISTENCY},
	    {"proof", required_argument, NULL, OPT_PROOF},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char err[256];
	int c;
	optind = 2;
	while ((c = dv_cli_getopt(&o->cli, argc, argv, "d:z:f:n:h", longopts)) != -1) {
		switch (c) {
		case DV_CLI_BAD:
			return DV_EXIT_UNKNOWN;
		case 'f':
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
				return dv_cli_usage(&o->cli, "--format '%s': text or json", optarg);
			o->format = optarg;
			break;
		case OPT_WITNESS: {
			/* VKEY=URL: a vkey holds no '=' (33 bytes are 44 base64
			 * characters, no padding). */
			const char *eq = strchr(optarg, '=');
			if (eq == NULL || o->nwitness == LIST_MAX)
				return bad("--witness takes VKEY=URL:", optarg);
			char *vk = strndup(optarg, (size_t)(eq - optarg));
			tlog_vkey_t k;
			if (vk == NULL || ledger_vkey_load(vk, &k, err, sizeof(err)) != DV_OK ||
			    k.type != TLOG_SIGTYPE_COSIGNATURE) {
				free(vk);
				return bad("--witness: not a witness cosignature vkey:", optarg);
			}
			/* A file name was given: keep the vkey string itself. */
			char s[512];
			tlog_vkey_format(&k, s, sizeof(s));
			free(vk);
			o->witness_buf[o->nwitness] = strdup(s);
			o->witness[o->nwitness].vkey = o->witness_buf[o->nwitness];
			o->witness[o->nwitness].url = eq + 1;
			if (o->witness_buf[o->nwitness] == NULL)
				return DV_EXIT_UNKNOWN;
			if (o->nwkey < LIST_MAX)
				o->wkey[o->nwkey++] = k;
			o->nwitness++;
			break;
		}
		case OPT_WITNESS_KEY:
			if (o->nwkey == LIST_MAX ||
			    ledger_vkey_load(optarg, &o->wkey[o->nwkey], err, sizeof(err)) !=
			        DV_OK ||
			    o->wkey[o->nwkey].type != TLOG_SIGTYPE_COSIGNATURE)
				return bad("--witness-key: not a witness cosignature vkey:",
				           optarg);
			o->nwkey++;
			break;
		case OPT_CHECKPOINT:
			if (o->ncheckpoint == LIST_MAX)
				return bad("too many --checkpoint", NULL);
			o->checkpoint[o->ncheckpoint++] = optarg;
			break;
		case OPT_SYSLOG:
			o->syslog = true;
			break;
		case OPT_NAGIOS:
			o->nagios = true;
			break;
		case OPT_CONSISTENCY:
			if (optind >= argc)
				return bad("--consistency takes OLD NEW", NULL);
			o->cons[0] = optarg;
			o->cons[1] = argv[optind++];
			break;
		case 'h':
			fputs(usage_text, stdout);
			return DV_EXIT_OK;
		default:
			dv_cli_text(o, texts, c, optarg);
			break;
		}
	}
	if (optind < argc)
		return dv_cli_usage(&o->cli, "unexpected argument '%s'", argv[optind]);
	return -1;
}

static bool json_out(const log_opts_t *o)
{
	return strcmp(o->format, "json") == 0;
}

/* ---- append ---------------------------------------------------------------- */

static int do_append(log_opts_t *o)
{
	char err[512] = "", origin[300];
	int64_t now;
	if (o->kind == NULL)
		return bad("append needs --kind", NULL);
	if (dv_cli_time(&o->cli, "--now", o->now, &now) != 0)
		return DV_EXIT_UNKNOWN;
	json_t *ev = json_object();
	if (o->evidence != NULL) {
		json_decref(ev);
		ev = json_loads(o->evidence, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(ev)) {
			json_decref(ev);
			return bad("--evidence takes a JSON object", NULL);
		}
	}
	if (o->text != NULL)
		json_object_set_new(ev, "text", json_string(o->text));
	if (o->origin == NULL) {
		char host[256] = "localhost";
		gethostname(host, sizeof(host) - 1);
		snprintf(origin, sizeof(origin), "dnsvigil/%s", host);
	}
	ledger_opts_t lo = {.origin = o->origin,
	                    .witnesses = o->witness,
	                    .nwitnesses = o->nwitness,
	                    .export_file = o->export_file,
	                    .export_syslog = o->syslog};
	ledger_t *l = NULL;
	int r = ledger_open(o->dir, &lo, &l, err, sizeof(err));
	if (r != DV_OK && o->origin == NULL && strstr(err, "an origin is needed")) {
		lo.origin = origin;
		err[0] = '\0';
		r = ledger_open(o->dir, &lo, &l, err, sizeof(err));
	}
	if (r != DV_OK) {
		json_decref(ev);
		return bad(err, NULL);
	}
	ledger_entry_t e = {.kind = o->kind, .zone = o->zone, .evidence = ev};
	uint64_t index = 0;
	r = ledger_append(l, &e, now, &index);
	json_decref(ev);
	if (r != DV_OK) {
		ledger_free(l);
		return bad("cannot append:", dv_strerror(r));
	}
	/* A command-line append ends like a clean shutdown: checkpoint, push. */
	ledger_status_t st;
	ledger_checkpoint(l, now);
	int status = DV_EXIT_OK;
	if (ledger_status(l, &st) == DV_OK && st.last_error[0] != '\0') {
		fprintf(stderr, "dnsvigil log: %s\n", st.last_error);
		status = st.witness_alarms > 0 ? DV_EXIT_ERROR : DV_EXIT_WARNING;
	}
	if (json_out(o)) {
		json_t *j = json_object();
		dv_report_envelope_set(j, "log", "append", dv_report_status_name(status));
		json_object_set_new(j, "summary", dv_report_summary_json(NULL));
		json_object_set_new(j, "index", json_integer((json_int_t)index));
		json_object_set_new(j, "size", json_integer((json_int_t)st.size));
		json_object_set_new(j, "unanchored", json_integer((json_int_t)st.unanchored));
		json_object_set_new(j, "findings", json_array());
		dv_json_write(stdout, j);
		json_decref(j);
	} else
		printf("entry %llu appended; %llu entries, %llu unanchored\n",
		       (unsigned long long)index, (unsigned long long)st.size,
		       (unsigned long long)st.unanchored);
	ledger_free(l);
	return status;
}

/* ---- show ------------------------------------------------------------------- */

typedef struct {
	dv_jw_t *w; /* JSON: the entries array */
	size_t n;
} show_ctx_t;

static int show_one(void *ctx, uint64_t index, const char *body, size_t len, const json_t *e)
{
	show_ctx_t *s = ctx;
	if (s->w != NULL) {
		json_t *o = json_object();
		json_object_set_new(o, "index", json_integer((json_int_t)index));
		json_t *entry = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
		json_object_set_new(o, "entry", entry ? entry : json_null());
		if (entry == NULL)
			json_object_set_new(o, "malformed", json_true());
		dv_jw_value(s->w, NULL, o);
	} else if (e == NULL) {
		printf("%llu  (malformed entry: run 'dnsvigil log verify')\n",
		       (unsigned long long)index);
	} else {
		/* A ledger is read back from disk: its text is input, escaped
		 * (core/text.h); the evidence as ASCII JSON. */
		const char *zone = json_string_value(json_object_get(e, "zone"));
		char *ev = json_dumps(json_object_get(e, "evidence"),
		                      JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		printf("%llu  %s  %s  ", (unsigned long long)index,
		       json_string_value(json_object_get(e, "time")),
		       json_string_value(json_object_get(e, "kind")));
		dv_report_put_text(stdout, zone ? zone : "-");
		fputs("  ", stdout);
		dv_report_put_text(stdout, ev ? ev : "{}");
		fputc('\n', stdout);
		free(ev);
	}
	s->n++;
	return 0;
}

static int do_show(log_opts_t *o)
{
	char err[512] = "";
	ledger_filter_t f = {.zone = o->zone, .kind = o->kind};
	if (o->since != NULL && dv_cli_time(&o->cli, "--since", o->since, &f.since) != 0)
		return DV_EXIT_UNKNOWN;
	ledger_opts_t lo = {.read_only = true};
	ledger_t *l = NULL;
	if (ledger_open(o->dir, &lo, &l, err, sizeof(err)) != DV_OK)
		return bad(err, NULL);
	show_ctx_t s = {0};
	if (json_out(o)) {
		s.w = dv_jw_new(stdout);
		if (s.w == NULL) {
			ledger_free(l);
			return DV_EXIT_UNKNOWN;
		}
		dv_report_envelope(s.w, "log", "show", "ok");
		dv_jw_array(s.w, "entries");
	}
	int r = ledger_foreach(l, &f, show_one, &s);
	ledger_free(l);
	int written = 0;
	if (s.w != NULL) {
		dv_jw_end_array(s.w);
		json_t *sum = dv_report_summary_json(NULL);
		json_object_set_new(sum, "entries", json_integer((json_int_t)s.n));
		dv_jw_value(s.w, "summary", sum);
		dv_jw_array(s.w, "findings");
		dv_jw_end_array(s.w);
		dv_jw_end_object(s.w);
		written = dv_jw_free(s.w);
	}
	if (r != DV_OK) {
		fprintf(stderr, "dnsvigil log: cannot read the ledger: %s\n", dv_strerror(r));
		return DV_EXIT_UNKNOWN;
	}
	return written == 0 && fflush(stdout) == 0 ? DV_EXIT_OK : DV_EXIT_UNKNOWN;
}

/* ---- verify ----------------------------------------------------------------- */

static const char *sev_name(ledger_severity_t s)
{
	return s == LEDGER_ERROR ? "error" : s == LEDGER_WARNING ? "warning" : "ok";
}

/* A ledger problem as a finding (its code LEDGER_ and the problem's in
 * capitals: src/findings/codes.def); NULL for a code the table lacks. */
static json_t *problem_finding(const ledger_problem_t *p)
{
	char name[80];
	size_t n = (size_t)snprintf(name, sizeof(name), "LEDGER_%s", p->code);
	for (size_t i = 0; i < n && i < sizeof(name); i++)
		name[i] = (char)toupper((unsigned char)name[i]);
	dv_code_t code;
	if (dv_code_from_name(name, &code) != DV_OK)
		return NULL;
	json_t *f = json_object();
	json_object_set_new(f, "code", json_string(dv_code_name(code)));
	json_object_set_new(f, "severity", json_string(dv_severity_name(dv_code_severity(code))));
	json_object_set_new(f, "title", json_string(dv_code_title(code)));
	json_object_set_new(f, "entry", json_integer((json_int_t)p->entry));
	json_object_set_new(f, "detail", dv_report_json_text(p->message));
	json_object_set_new(f, "remediation", json_string(dv_code_remediation(code)));
	return f;
}

static void print_result(const log_opts_t *o, const ledger_verify_result_t *r)
{
	char root[64], since[32] = "", at[32] = "";
	tlog_b64_encode(r->root, TLOG_HASH_LEN, root, sizeof(root));
	if (r->unanchored_since != 0)
		ledger_time_format(r->unanchored_since, since, sizeof(since));
	if (r->anchored_time != 0)
		ledger_time_format(r->anchored_time, at, sizeof(at));
	uint64_t unanchored = r->size - r->anchored_size;
	if (o->nagios) {
		static const char *word[] = {"OK", "WARNING", "CRITICAL"};
		const ledger_problem_t *first = NULL;
		for (size_t i = 0; i < r->nproblems; i++)
			if (r->problems[i].severity == r->worst) {
				first = &r->problems[i];
				break;
			}
		printf("DNSVIGIL LEDGER %s - %s%s%llu entries, %llu unanchored | entries=%llu "
		       "unanchored=%llu problems=%zu\n",
		       word[r->worst], first ? first->message : "", first ? "; " : "",
		       (unsigned long long)r->size, (unsigned long long)unanchored,
		       (unsigned long long)r->size, (unsigned long long)unanchored,
		       r->nproblems + r->dropped);
		for (size_t i = 0; i < r->nproblems; i++)
			printf("%s %s: %s\n", sev_name(r->problems[i].severity),
			       r->problems[i].code, r->problems[i].message);
		return;
	}
	if (json_out(o)) {
		json_t *j = json_pack(
		    "{s:s, s:I, s:s, s:I, s:I, s:I, s:I}", "origin", r->origin, "size",
		    (json_int_t)r->size, "root", root, "checkpoints", (json_int_t)r->checkpoints,
		    "cosignatures", (json_int_t)r->cosignatures, "anchored_size",
		    (json_int_t)r->anchored_size, "unanchored", (json_int_t)unanchored);
		dv_report_envelope_set(j, "log", "verify", dv_report_status_name((int)r->worst));
		/* The problems in the one finding shape too (codes LEDGER_*). */
		json_t *sum = dv_report_summary_json(NULL), *fs = json_array();
		size_t nsev[3] = {0};
		for (size_t i = 0; i < r->nproblems; i++) {
			const ledger_problem_t *p = &r->problems[i];
			nsev[p->severity]++;
			json_t *fj = problem_finding(p);
			if (fj != NULL)
				json_array_append_new(fs, fj);
		}
		json_object_set_new(sum, "errors", json_integer((json_int_t)nsev[LEDGER_ERROR]));
		json_object_set_new(sum, "warnings",
		                    json_integer((json_int_t)nsev[LEDGER_WARNING]));
		json_object_set_new(j, "summary", sum);
		json_object_set_new(j, "anchored_time", at[0] ? json_string(at) : json_null());
		json_object_set_new(j, "unanchored_since",
		                    unanchored && since[0] ? json_string(since) : json_null());
		json_t *ps = json_array();
		for (size_t i = 0; i < r->nproblems; i++)
			json_array_append_new(ps, json_pack("{s:s, s:s, s:I, s:s}", "severity",
			                                    sev_name(r->problems[i].severity),
			                                    "code", r->problems[i].code, "entry",
			                                    (json_int_t)r->problems[i].entry,
			                                    "message", r->problems[i].message));
		json_object_set_new(j, "problems", ps);
		json_object_set_new(j, "problems_dropped", json_integer((json_int_t)r->dropped));
		json_object_set_new(j, "findings", fs);
		dv_json_write(stdout, j);
		json_decref(j);
		return;
	}
	printf("ledger %s: %llu entries, %llu checkpoints, %llu cosignatures\nroot %s\n", r->origin,
	       (unsigned long long)r->size, (unsigned long long)r->checkpoints,
	       (unsigned long long)r->cosignatures, root);
	if (r->anchored_size > 0)
		printf("anchored by a witness: entries 0-%llu%s%s\n",
		       (unsigned long long)r->anchored_size - 1, at[0] ? ", cosigned " : "", at);
	for (size_t i = 0; i < r->nproblems; i++)
		printf("%s %s: %s\n", r->problems[i].severity == LEDGER_ERROR ? "ERROR" : "WARNING",
		       r->problems[i].code, r->problems[i].message);
	if (r->dropped > 0)
		printf("(%zu more problems not shown)\n", r->dropped);
	if (o->proof != NULL) {
		printf("%s\n", r->worst == LEDGER_ERROR ? "verdict: NOT PROVEN"
		                                        : "verdict: proven by the log key");
		return;
	}
	printf("%s\n", r->worst == LEDGER_ERROR     ? "verdict: TAMPERED OR CORRUPT"
	               : r->worst == LEDGER_WARNING ? "verdict: intact, with warnings"
	                                            : "verdict: intact and anchored");
}

static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	bool ok = buf != NULL && !ferror(f) && n <= max;
	fclose(f);
	if (!ok) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int do_verify(log_opts_t *o)
{
	char err[512] = "";
	tlog_vkey_t key;
	ledger_verify_result_t *res = calloc(1, sizeof(*res));
	int r;
	if (res == NULL)
		return DV_EXIT_UNKNOWN;
	if (o->key != NULL && ledger_vkey_load(o->key, &key, err, sizeof(err)) != DV_OK) {
		free(res);
		return bad(err, NULL);
	}
	if (o->proof != NULL) {
		size_t len = 0, olen = 0;
		char *old = NULL;
		char *p = read_file(o->proof, 1 << 20, &len);
		if (o->key == NULL || p == NULL ||
		    (o->ncheckpoint > 0 &&
		     (old = read_file(o->checkpoint[0], TLOG_NOTE_MAX, &olen)) == NULL)) {
			free(p);
			free(res);
			return bad(o->key == NULL ? "--proof needs --log-key" : "cannot read",
			           o->proof);
		}
		r = ledger_proof_check(p, len, &key, o->wkey, o->nwkey, old, olen, res, err,
		                       sizeof(err));
		free(p);
		free(old);
	} else {
		ledger_verify_opts_t vo = {.log_key = o->key ? &key : NULL,
		                           .witness_keys = o->wkey,
		                           .nwitness_keys = o->nwkey,
		                           .checkpoint_files = o->checkpoint,
		                           .ncheckpoint_files = o->ncheckpoint,
		                           .witnesses = o->witness,
		                           .nwitnesses = o->nwitness};
		r = ledger_verify(o->dir, &vo, res, err, sizeof(err));
	}
	if (r != DV_OK) {
		free(res);
		return bad(err, NULL);
	}
	print_result(o, res);
	int status = (int)res->worst;
	free(res);
	return fflush(stdout) == 0 ? status : DV_EXIT_UNKNOWN;
}

/* ---- prove ---------------------------------------------------------------------- */

static int do_prove(log_opts_t *o)
{
	char err[512] = "";
	unsigned long a = 0, b = 0;
	if ((o->entry == NULL) == (o->cons[0] == NULL))
		return bad("prove takes --entry N or --consistency OLD NEW", NULL);
	if (o->entry != NULL && dv_cli_uint(o->entry, 0, (unsigned long)INT64_MAX, &a) != 0)
		return bad("--entry takes an entry number:", o->entry);
	if (o->cons[0] != NULL && (dv_cli_uint(o->cons[0], 0, (unsigned long)INT64_MAX, &a) != 0 ||
	                           dv_cli_uint(o->cons[1], 0, (unsigned long)INT64_MAX, &b) != 0))
		return bad("--consistency takes two checkpoint sizes", NULL);
	ledger_opts_t lo = {.read_only = true};
	ledger_t *l = NULL;
	if (ledger_open(o->dir, &lo, &l, err, sizeof(err)) != DV_OK)
		return bad(err, NULL);
	char *out = NULL;
	size_t len = 0;
	int r = o->entry ? ledger_prove_inclusion(l, a, &out, &len)
	                 : ledger_prove_consistency(l, a, b, &out, &len);
	ledger_free(l);
	if (r != DV_OK)
		return bad("no proof:",
		           r == DV_EINVAL
		               ? (o->entry ? "no checkpoint covers that entry yet"
		                           : "both sizes must be checkpoints, OLD <= NEW")
		               : dv_strerror(r));
	if (json_out(o)) {
		json_t *j =
		    json_pack("{s:s, s:s%}", "proof_format",
		              o->entry ? "c2sp.org/tlog-proof@v1" : "tlog-witness add-checkpoint",
		              "proof", out, len);
		dv_report_envelope_set(j, "log", "prove", "ok");
		json_object_set_new(j, "summary", dv_report_summary_json(NULL));
		json_object_set_new(j, "findings", json_array());
		dv_json_write(stdout, j);
		json_decref(j);
	} else {
		fwrite(out, 1, len, stdout);
	}
	free(out);
	return fflush(stdout) == 0 ? DV_EXIT_OK : DV_EXIT_UNKNOWN;
}

int dv_cmd_log(int argc, char **argv)
{
	log_opts_t o = {.dir = "/var/lib/dnsvigil",
	                .format = "text",
	                .cli = {.cmd = "log", .usage = usage_text}};
	static const char *const subs[] = {"append", "show", "verify", "prove"};
	/* Only verify has a plugin line. */
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		o.cli.nagios_label = "DNSVIGIL LEDGER";
	int sr = dv_cli_subcommand(&o.cli, argc, argv, subs, sizeof(subs) / sizeof(subs[0]));
	if (sr >= 0)
		return sr;
	int status = parse(argc, argv, &o);
	if (status < 0) {
		if (strcmp(argv[1], "append") == 0)
			status = do_append(&o);
		else if (strcmp(argv[1], "show") == 0)
			status = do_show(&o);
		else if (strcmp(argv[1], "verify") == 0)
			status = do_verify(&o);
		else
			status = do_prove(&o);
	}
	for (size_t i = 0; i < o.nwitness; i++)
		free(o.witness_buf[i]);
	return status;
}
