/* dv_check_run: a probe (or a saved snapshot) judged by the live checks. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "run/run.h"

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
	int saved = DV_OK;
	if (o->save != NULL && (saved = dv_snapshot_save(out->snap, o->save)) != DV_OK)
		snprintf(errbuf, errlen, "%s: cannot write the snapshot", o->save);
	/* Time is an input: by default the probe's own time, so --from repeats
	 * the verdict. */
	out->opts = (dv_live_opts_t){.now = o->have_now ? o->now : out->snap->time,
	                             .warn_secs = o->warn_secs,
	                             .crit_secs = o->crit_secs,
	                             .expect = o->expect};
	out->stage = DV_CHECK_RUN_JUDGE;
	if ((r = dv_live_check(out->snap, &out->opts, &out->res)) != DV_OK)
		return r;
	out->stage = saved != DV_OK ? DV_CHECK_RUN_SAVE : DV_CHECK_RUN_DONE;
	return saved;
}

void dv_check_run_clear(dv_check_run_t *run)
{
	dv_live_result_clear(&run->res);
	dv_snapshot_free(run->snap);
	memset(run, 0, sizeof(*run));
}
