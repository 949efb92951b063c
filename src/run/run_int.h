/* What verify_file.c and verify_axfr.c share (inside src/run only). */
#pragma once

#include <stddef.h>

#include "run/run.h"

/*! The verification options of a verify run. */
dv_verify_opts_t run_verify_opts(const dv_verify_file_opts_t *o);
/*! With --ds: the records must name the zone at all (a file for another
 *  zone is a usage error, not a finding).  DV_OK, or DV_EINVAL with
 *  "DSFILE:0: ..." in errbuf. */
int run_ds_check(const dv_verify_result_t *res, const char *ds_path, char *errbuf, size_t errlen);
/*! Wire the presign pass (may be NULL) into the options: finished before
 *  the signature check, its marks used by it. */
void run_presign_wire(dv_verify_opts_t *opts, dv_presign_t *presign);
