#include "core/error.h"

const char *dv_strerror(int err)
{
	switch (err) {
	case DV_OK:
		return "success";
	case DV_ENOMEM:
		return "out of memory";
	case DV_EINVAL:
		return "invalid argument";
	case DV_EIO:
		return "input/output error";
	case DV_EPARSE:
		return "malformed input";
	case DV_ENOTZONE:
		return "not a zone";
	case DV_ENOTSUP:
		return "not supported";
	case DV_ELIMIT:
		return "limit exceeded";
	case DV_ETIMEOUT:
		return "timed out";
	case DV_ENET:
		return "network error";
	case DV_ECRYPTO:
		return "malformed key or signature";
	case DV_EABANDONED:
		return "abandoned: a deadline or budget ran out";
	default:
		return "unknown error";
	}
}
