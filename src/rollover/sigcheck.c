/*
 * The one place the rollover model asks src/dnssec whether a signature is
 * good.  Signature judging is being gathered into one function of
 * src/dnssec; when it lands, this adapter is the only call to switch.
 */
#include "core/error.h"
#include "rollover/rollover_int.h"

int roll_sig_verify(dv_roll_series_t *s, roll_key_t *key, const roll_version_t *v,
                    const uint8_t *owner, size_t sig_index)
{
	if (key->parsed == 0) {
		int r = dv_key_new(key->rdata.rd, key->rdata.len, &key->key);
		if (r == DV_ENOMEM)
			return r;
		key->parsed = r == DV_OK ? 1 : -1;
	}
	if (key->parsed < 0)
		return DV_ECRYPTO;
	const uint8_t *sig = v->set.sig[sig_index];
	size_t siglen = v->set.siglen[sig_index];
	long soff = dv_rrsig_sig_offset(sig, siglen);
	if (soff < 0)
		return DV_ECRYPTO;
	/* RFC 4034 §3.1.8.1: the RRSIG RDATA without the signature, then the
	 * RRset in canonical form and order (a version's RDATA is kept sorted). */
	int r = dv_sigdata_build(&s->sigdata, sig, siglen, owner, s->rrkeys[v->rrkey].type,
	                         v->set.rd, v->set.rdlen, v->set.n, true);
	if (r != DV_OK)
		return r == DV_ENOMEM ? r : DV_ECRYPTO;
	s->sigs_verified++;
	return dv_key_verify(key->key, s->sigdata.data, s->sigdata.len, sig + soff,
	                     siglen - (size_t)soff);
}
