/*
 * libFuzzer target: a zone file, through the same path `dnsvigil verify`
 * takes: dv_zone_load_mem (libzscanner, canonical indexing), then every
 * offline check (dv_verify_zone) on one thread at a fixed time.
 *
 * Beyond memory errors (ASan/UBSan), the store's documented invariants are
 * checked and a violation traps: indices in range, names in strictly
 * increasing canonical order with the apex first (no name twice), RRsets
 * and their RRSIG ranges consistent.  $INCLUDE reaches the files of a
 * sandbox directory only (fuzz_util.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libknot/libknot.h>

#include "checks/checks.h"
#include "core/error.h"
#include "core/zone.h"
#include "zone/loader.h"
#include "fuzz_util.h"

#define FUZZ_MAX (64 * 1024)

static void check_invariants(const dv_zone_t *z)
{
	if (z->name_count == 0 || !(z->names[0].flags & DV_NAME_APEX) ||
	    !knot_dname_is_equal(z->names[0].dname, z->origin))
		__builtin_trap();
	for (size_t i = 1; i < z->name_count; i++) {
		if (dv_dname_cmp(z->names[i - 1].dname, z->names[i].dname) >= 0)
			__builtin_trap();
		if (z->names[i].flags & DV_NAME_APEX)
			__builtin_trap();
	}
	for (size_t i = 0; i < z->rr_count; i++) {
		if (z->rrs[i].name >= z->name_count ||
		    (z->rrs[i].rdlen > 0 && z->rrs[i].rdata == NULL))
			__builtin_trap();
		if (i > 0 && z->rrs[i].name < z->rrs[i - 1].name)
			__builtin_trap();
	}
	for (size_t i = 0; i < z->rrset_count; i++) {
		const dv_rrset_t *rs = &z->rrsets[i];
		if (rs->name >= z->name_count || rs->rr_count == 0 ||
		    rs->rr_first + (size_t)rs->rr_count > z->rr_count ||
		    rs->sig_first + (size_t)rs->sig_count > z->rr_count)
			__builtin_trap();
		for (uint32_t k = 0; k < rs->rr_count; k++) {
			const dv_rr_t *rr = &z->rrs[rs->rr_first + k];
			if (rr->name != rs->name || rr->type != rs->type || rr->ttl < rs->ttl)
				__builtin_trap();
		}
		for (uint32_t k = 0; k < rs->sig_count; k++) {
			const dv_rr_t *rr = &z->rrs[rs->sig_first + k];
			if (rr->name != rs->name || rr->type != KNOT_RRTYPE_RRSIG ||
			    rr->rdlen < 2 || ((rr->rdata[0] << 8) | rr->rdata[1]) != rs->type)
				__builtin_trap();
		}
		if (dv_zone_rrset_find(z, rs->name, rs->type) != rs)
			__builtin_trap();
	}
	for (size_t i = 0; i < z->name_count; i++) {
		const dv_name_t *nm = &z->names[i];
		if (nm->rrset_first + (size_t)nm->rrset_count > z->rrset_count ||
		    nm->sig_first + (size_t)nm->sig_count > z->rr_count)
			__builtin_trap();
		if ((nm->flags & DV_NAME_ENT) && (nm->rrset_count != 0 || nm->sig_count != 0))
			__builtin_trap();
		if (dv_zone_name_find(z, nm->dname) < 0)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX)
		return 0;
	dv_zone_t *z = NULL;
	char err[512], label[128];
	/* Relative $INCLUDE names are looked for beside the label: the sandbox. */
	snprintf(label, sizeof(label), "%s/fuzz", fuzz_sandbox());
	dv_zone_opts_t zo = {.limits = fuzz_limits()};
	int ret = dv_zone_load_mem((const char *)data, size, label, &zo, &z, err, sizeof(err));
	if (ret != DV_OK) {
		/* A failed load returns nothing and always says why. */
		if (z != NULL || err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			__builtin_trap();
		return 0;
	}
	check_invariants(z);

	dv_verify_opts_t o = {
	    .now = 1800000000, /* 2027-01-15: inside the seed zones' windows */
	    .warn_expiry = 7 * 86400,
	    .threads = 1,
	};
	dv_verify_stats_t st;
	dv_findings_t f = {0};
	ret = dv_verify_zone(z, &o, &st, &f);
	if (ret != DV_OK && ret != DV_ENOMEM && ret != DV_ELIMIT)
		__builtin_trap();
	for (size_t i = 0; i < f.len; i++)
		if (f.v[i].code >= DV_F_COUNT)
			__builtin_trap();
	dv_findings_clear(&f);
	dv_zone_free(z);
	return 0;
}
