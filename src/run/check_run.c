/* dv_check_run: a probe (or a saved snapshot) judged by the live checks;
 * with --full, every server's copy of each domain's zone transferred,
 * verified and compared (src/replica). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "run/run.h"

/* The copies of every probed domain's zone, their findings into out->res. */
static int check_full(const dv_check_run_opts_t *o, dv_check_run_t *out, char *errbuf,
                      size_t errlen)
{
	dv_snapshot_t *snap = out->snap;
	dv_tsig_key_t *key = NULL;
	int ret = DV_OK;
	if (o->tsig_path != NULL) {
		char why[512];
		if ((ret = dv_tsig_key_load(o->tsig_path, o->tsig_name, &key, why, sizeof(why))) !=
		    DV_OK) {
			snprintf(errbuf, errlen, "%s: %s", o->tsig_path, why);
			return ret;
		}
	}
	out->full = calloc(snap->ndomains ? snap->ndomains : 1, sizeof(*out->full));
	const char **addrs = calloc(DV_SNAP_MAX_ZONE_SERVERS, sizeof(*addrs));
	if (out->full == NULL || addrs == NULL) {
		ret = DV_ENOMEM;
		goto out;
	}
	dv_replica_opts_t ro = {.tsig = key,
	                        .limits = o->xfr,
	                        .max_records = o->max_records,
	                        .verify = {.now = out->opts.now,
	                                   .warn_expiry = out->opts.warn_secs,
	                                   .crit_expiry = out->opts.crit_secs,
	                                   .threads = o->threads ? o->threads : 1}};
	for (size_t d = 0; d < snap->ndomains && ret == DV_OK; d++) {
		uint8_t dname[255];
		if (dv_snap_dname_parse(snap->domains[d], dname) != DV_OK)
			continue;
		long zi = dv_snapshot_zone_find(snap, dname);
		if (zi < 0)
			continue; /* the walk did not reach it: the findings say why */
		const dv_snap_zone_t *sz = &snap->zones[zi];
		size_t n = 0;
		for (size_t k = 0; k < sz->nservers && n < DV_SNAP_MAX_ZONE_SERVERS; k++)
			addrs[n++] = snap->servers[sz->servers[k]].addr;
		dv_check_full_t *f = &out->full[out->nfull++];
		snprintf(f->zone, sizeof(f->zone), "%s", sz->name);
		dv_replica_set_t *set;
		if ((ret = dv_replica_set_new(sz->dname, &set)) != DV_OK)
			break;
		ret = dv_replica_refresh(set, addrs, n, o->probe.port, &ro, &f->report, errbuf,
		                         errlen);
		for (size_t k = 0; ret == DV_OK && k < f->report.findings.len; k++)
			ret = dv_findings_add_copy(&out->res.findings, &f->report.findings.v[k]);
		for (int c = 0; ret == DV_OK && c < DV_F_COUNT; c++)
			out->res.findings.dropped[c] += f->report.findings.dropped[c];
		/* The versions' zones are the set's: the report keeps their
		 * numbers, not the zones. */
		for (size_t v = 0; v < f->report.nver; v++)
			f->report.ver[v].zone = NULL;
		dv_replica_set_free(set);
	}
	dv_findings_sort(&out->res.findings);
out:
	free(addrs);
	dv_tsig_key_free(key);
	if (ret != DV_OK && errbuf[0] == '\0')
		snprintf(errbuf, errlen, "%s", dv_strerror(ret));
	return ret;
}

int dv_check_run(const dv_check_run_opts_t *o, char *const *domains, size_t ndomains,
                 dv_check_run_t *out, char *errbuf, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	errbuf[0] = '\0';
	out->stage = DV_CHECK_RUN_SOURCE;
	int r = o->from != NULL
	            ? dv_snapshot_load(o->from, &out->snap, errbuf, errlen)
	            : dv_probe_run(&o->probe, domains, ndomains, &out->snap, errbuf, errlen);
	if (r != DV_OK)
		return r;
	out->stage = DV_CHECK_RUN_SAVE;
	/* Written beside the old file and renamed over it (core/file.h): a
	 * failure keeps the old one, and the check goes on to its report. */
	int saved = DV_OK;
	if (o->save != NULL)
		saved = dv_snapshot_save(out->snap, o->save, errbuf, errlen);
	/* Time is an input: by default the probe's own time, so --from repeats
	 * the verdict. */
	out->opts = (dv_live_opts_t){.now = o->have_now ? o->now : out->snap->time,
	                             .warn_secs = o->warn_secs,
	                             .crit_secs = o->crit_secs,
	                             .expect = o->expect,
	                             .max_validations = o->max_validations};
	out->stage = DV_CHECK_RUN_JUDGE;
	if ((r = dv_live_check(out->snap, &out->opts, &out->res)) != DV_OK)
		return r;
	if (o->full && out->res.judged) {
		out->stage = DV_CHECK_RUN_FULL;
		if (o->from != NULL) {
			snprintf(errbuf, errlen,
			         "--full transfers the zones live: not with --from");
			return DV_EINVAL;
		}
		if ((r = check_full(o, out, errbuf, errlen)) != DV_OK)
			return r;
	}
	out->stage = saved != DV_OK ? DV_CHECK_RUN_SAVE : DV_CHECK_RUN_DONE;
	return saved;
}

void dv_check_run_clear(dv_check_run_t *run)
{
	for (size_t i = 0; i < run->nfull; i++)
		dv_replica_report_clear(&run->full[i].report);
	free(run->full);
	dv_live_result_clear(&run->res);
	dv_snapshot_free(run->snap);
	memset(run, 0, sizeof(*run));
}
