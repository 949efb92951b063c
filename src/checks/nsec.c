/*
 * NSEC chain checks (RFC 4034 §4, RFC 4035 §2.3): who owns an NSEC, whether
 * the Next Domain Names form one circular chain in canonical order, and
 * whether each type bitmap lists exactly the types at its owner.
 */
#include <stdlib.h>

#include "checks/checks.h"
#include "checks/denial.h"

enum { NEED = 1, HAS = 2 };

/*
 * RFC 4035 §2.3: every authoritative name and every delegation point owns an
 * NSEC.  Glue and occluded names below a cut (or below a DNAME) own none, and
 * neither do empty non-terminals, which own no RRset at all.  An owner with
 * only NSEC3 is a hash of another chain, not a name of the zone's data.
 */
static bool needs_nsec(const dv_zone_t *z, uint32_t ni)
{
	if (z->names[ni].flags & (DV_NAME_NONAUTH | DV_NAME_ENT))
		return false;
	return !denial_name_is_nsec3_only(z, ni);
}

/*
 * RFC 4034 §4.1.2: the types present at the owner, NSEC and RRSIG included.
 * At a delegation point only the parent's authoritative data counts: NS, DS
 * if present, NSEC, RRSIG (RFC 4035 §2.3, §2.2) — not glue sitting there.
 */
static int expected_types(const dv_zone_t *z, uint32_t ni, denial_types_t *t)
{
	const dv_name_t *nm = &z->names[ni];
	bool deleg = (nm->flags & DV_NAME_DELEG) && !(nm->flags & DV_NAME_APEX);
	t->len = 0;
	for (uint32_t k = 0; k < nm->rrset_count; k++) {
		uint16_t type = z->rrsets[nm->rrset_first + k].type;
		if (deleg && type != KNOT_RRTYPE_NS && type != KNOT_RRTYPE_DS)
			continue;
		if (denial_types_push(t, type) != DV_OK)
			return DV_ENOMEM;
	}
	if (denial_types_push(t, KNOT_RRTYPE_NSEC) != DV_OK ||
	    denial_types_push(t, KNOT_RRTYPE_RRSIG) != DV_OK)
		return DV_ENOMEM;
	denial_types_finish(t);
	return DV_OK;
}

/* Length of the Next Domain Name at the start of NSEC RDATA, or 0 if malformed. */
static size_t nsec_next_len(const uint8_t *rd, size_t rdlen)
{
	size_t pos = 0;
	for (;;) {
		if (pos >= rdlen || pos >= DV_DNAME_MAXLEN)
			return 0;
		uint8_t lab = rd[pos];
		if (lab > 63)
			return 0; /* compression is not allowed here (RFC 4034 §4.1.1) */
		pos += 1 + (size_t)lab;
		if (lab == 0)
			return pos <= DV_DNAME_MAXLEN ? pos : 0;
	}
}

static int check_one(const dv_zone_t *z, uint32_t ni, uint32_t next_need, uint32_t next_has,
                     denial_types_t *types, uint8_t *scratch, dv_findings_t *out)
{
	const dv_rrset_t *rs = dv_zone_rrset_find(z, ni, KNOT_RRTYPE_NSEC);
	int ret;
	if (rs->rr_count > 1) {
		ret =
		    dv_findings_add(out, DV_F_NSEC_CHAIN_BROKEN, DENIAL_AT(z, ni, KNOT_RRTYPE_NSEC),
		                    "%u NSEC records at one name; exactly one belongs here "
		                    "(RFC 4034 §4)",
		                    rs->rr_count);
		if (ret != DV_OK)
			return ret;
	}
	const dv_rr_t *rr = &z->rrs[rs->rr_first];
	size_t nlen = nsec_next_len(rr->rdata, rr->rdlen);
	if (nlen == 0 && rr->line == 0) /* a transfer has no lines */
		return dv_findings_add(out, DV_F_NSEC_CHAIN_BROKEN,
		                       DENIAL_AT(z, ni, KNOT_RRTYPE_NSEC), "malformed NSEC RDATA");
	if (nlen == 0)
		return dv_findings_add(out, DV_F_NSEC_CHAIN_BROKEN,
		                       DENIAL_AT(z, ni, KNOT_RRTYPE_NSEC),
		                       "malformed NSEC RDATA (line %u)", rr->line);

	/*
	 * RFC 4034 §4.1.1: Next Domain Name is the next owner in canonical order
	 * that has authoritative data or is a delegation point; the last NSEC
	 * points back to the apex.  Compared without case: NSEC next names
	 * keep their case in canonical form (RFC 6840 §5.1).  A pointer to the
	 * next name that should own an NSEC is right even when that NSEC is
	 * missing, and a pointer to the next NSEC that does exist is right when
	 * the names between lack theirs: each of those is reported once, as
	 * NSEC_MISSING / NSEC_UNEXPECTED, not again here.
	 */
	const uint8_t *nx = rr->rdata;
	const uint8_t *want = z->names[next_need].dname;
	const uint8_t *have = z->names[next_has].dname;
	if (dv_dname_cmp(nx, want) != 0 && dv_dname_cmp(nx, have) != 0) {
		char found[DV_FINDING_NAME_MAX], expect[DV_FINDING_NAME_MAX];
		dv_dname_to_str(nx, found, sizeof(found));
		dv_dname_to_str(want, expect, sizeof(expect));
		ret =
		    dv_findings_add(out, DV_F_NSEC_CHAIN_BROKEN, DENIAL_AT(z, ni, KNOT_RRTYPE_NSEC),
		                    "Next Domain Name is %s, expected %s%s", found, expect,
		                    next_need == 0 ? " (the last NSEC points to the apex)" : "");
		if (ret != DV_OK)
			return ret;
	}

	if ((ret = expected_types(z, ni, types)) != DV_OK)
		return ret;
	char diff[400];
	if (!denial_bitmap_matches(rr->rdata + nlen, rr->rdlen - nlen, types, scratch, diff,
	                           sizeof(diff)))
		return dv_findings_add(out, DV_F_NSEC_BITMAP_MISMATCH,
		                       DENIAL_AT(z, ni, KNOT_RRTYPE_NSEC), "%s", diff);
	return DV_OK;
}

/* The findings of one name, given whether it needs and has an NSEC and
 * the next names (circular) that need and that have one. */
static int judge_name(const dv_zone_t *z, uint32_t ni, uint8_t state, uint32_t next_need,
                      uint32_t next_has, denial_types_t *types, uint8_t *scratch,
                      dv_findings_t *out)
{
	if ((state & HAS) && !(state & NEED)) {
		/* RFC 4035 §2.3: no NSEC below a zone cut (or a DNAME). */
		return dv_findings_add(out, DV_F_NSEC_UNEXPECTED,
		                       DENIAL_AT(z, ni, KNOT_RRTYPE_NSEC), "%s",
		                       (z->names[ni].flags & DV_NAME_DNAME_BELOW)
		                           ? "name below a DNAME (RFC 6672 §2.4) owns an NSEC"
		                           : "glue or occluded name below a zone cut owns an "
		                             "NSEC (RFC 4035 §2.3)");
	}
	if (state & HAS)
		return check_one(z, ni, next_need, next_has, types, scratch, out);
	if (state & NEED) {
		bool deleg =
		    (z->names[ni].flags & DV_NAME_DELEG) && !(z->names[ni].flags & DV_NAME_APEX);
		return dv_findings_add(out, DV_F_NSEC_MISSING, DENIAL_AT(z, ni, KNOT_RRTYPE_NSEC),
		                       "%s has no NSEC (RFC 4035 §2.3)",
		                       deleg ? "delegation point" : "authoritative name");
	}
	return DV_OK;
}

static uint8_t name_state(const dv_zone_t *z, uint32_t ni)
{
	return (needs_nsec(z, ni) ? NEED : 0) |
	       (dv_zone_rrset_find(z, ni, KNOT_RRTYPE_NSEC) != NULL ? HAS : 0);
}

/* The next name after ni (circular, from the apex) whose state has `bit`. */
static uint32_t next_with(const dv_zone_t *z, uint32_t ni, uint8_t bit)
{
	for (size_t j = (size_t)ni + 1; j < z->name_count; j++)
		if (name_state(z, (uint32_t)j) & bit)
			return (uint32_t)j;
	for (size_t j = 0; j <= ni; j++)
		if (name_state(z, (uint32_t)j) & bit)
			return (uint32_t)j;
	return 0;
}

int verify_nsec_names(const dv_zone_t *z, const uint32_t *names, size_t n, dv_findings_t *out)
{
	uint8_t *scratch = malloc(DENIAL_BITMAP_MAX);
	denial_types_t types = {0};
	int ret = scratch ? DV_OK : DV_ENOMEM;
	for (size_t i = 0; i < n && ret == DV_OK; i++) {
		uint32_t ni = names[i];
		uint8_t st = name_state(z, ni);
		uint32_t nn = 0, nh = 0;
		if (st & HAS) {
			nn = next_with(z, ni, NEED);
			nh = next_with(z, ni, HAS);
		}
		ret = judge_name(z, ni, st, nn, nh, &types, scratch, out);
	}
	free(scratch);
	free(types.v);
	return ret;
}

size_t verify_nsec_prev(const dv_zone_t *z, uint32_t ni, uint32_t *out, size_t cap)
{
	/* Walk back (circular) to the first name that both needs and has an
	 * NSEC: the names with an NSEC on the way are those whose Next Domain
	 * Name may skip to or past ni; names before that one point to it or
	 * before.  Returns the count, or cap + 1 when there are more. */
	size_t n = 0, total = z->name_count;
	for (size_t step = 1; step < total; step++) {
		uint32_t j = (uint32_t)((ni + total - step) % total);
		uint8_t st = name_state(z, j);
		if (st & HAS) {
			if (n == cap)
				return cap + 1;
			out[n++] = j;
		}
		if ((st & NEED) && (st & HAS))
			break;
	}
	return n;
}

int dv_check_nsec(const dv_zone_t *z, dv_findings_t *out)
{
	bool any = false;
	for (size_t i = 0; i < z->rrset_count && !any; i++)
		any = z->rrsets[i].type == KNOT_RRTYPE_NSEC;
	if (!any || z->name_count == 0)
		return DV_OK;

	int ret = DV_ENOMEM;
	size_t n = z->name_count;
	uint8_t *state = calloc(n, 1);
	uint32_t *next_need = malloc(n * sizeof(*next_need));
	uint32_t *next_has = malloc(n * sizeof(*next_has));
	uint8_t *scratch = malloc(DENIAL_BITMAP_MAX);
	denial_types_t types = {0};
	if (state == NULL || next_need == NULL || next_has == NULL || scratch == NULL)
		goto fail;

	uint32_t first_need = UINT32_MAX, first_has = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		if (needs_nsec(z, (uint32_t)i))
			state[i] |= NEED;
		if (dv_zone_rrset_find(z, (uint32_t)i, KNOT_RRTYPE_NSEC) != NULL)
			state[i] |= HAS;
		if ((state[i] & NEED) && first_need == UINT32_MAX)
			first_need = (uint32_t)i;
		if ((state[i] & HAS) && first_has == UINT32_MAX)
			first_has = (uint32_t)i;
	}
	if (first_need == UINT32_MAX)
		first_need = 0; /* cannot happen: the apex owns the SOA */
	/* Circular successors, so the last name's successor is the first (the apex). */
	uint32_t nn = first_need, nh = first_has;
	for (size_t i = n; i-- > 0;) {
		next_need[i] = nn;
		next_has[i] = nh;
		if (state[i] & NEED)
			nn = (uint32_t)i;
		if (state[i] & HAS)
			nh = (uint32_t)i;
	}

	for (size_t i = 0; i < n; i++) {
		ret = judge_name(z, (uint32_t)i, state[i], next_need[i], next_has[i], &types,
		                 scratch, out);
		if (ret != DV_OK)
			goto fail;
	}
	ret = DV_OK;
fail:
	free(state);
	free(next_need);
	free(next_has);
	free(scratch);
	free(types.v);
	return ret;
}
