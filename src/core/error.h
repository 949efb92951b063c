/*
 * Project-wide error codes.  An error means "could not check" (bad input, no
 * memory, network failure); a DNSSEC problem in the data is a finding
 * (src/findings/findings.h), never an error.
 */
#pragma once

enum dv_error {
	DV_OK = 0,
	DV_ENOMEM = -1,      /*!< allocation failed */
	DV_EINVAL = -2,      /*!< invalid argument or option */
	DV_EIO = -3,         /*!< file could not be read or written */
	DV_EPARSE = -4,      /*!< malformed input (zone file, JSON, config, packet) */
	DV_ENOTZONE = -5,    /*!< input is not a zone (no SOA, several SOAs, out-of-zone data) */
	DV_ENOTSUP = -6,     /*!< algorithm or feature not supported */
	DV_ELIMIT = -7,      /*!< input exceeds a hard limit */
	DV_ETIMEOUT = -8,    /*!< network operation timed out */
	DV_ENET = -9,        /*!< network error */
	DV_ECRYPTO = -10,    /*!< key or signature malformed for its algorithm */
	DV_EABANDONED = -11, /*!< given up: a deadline or budget ran out first */
};

/*! Return a static, human-readable message for a dv_error code. */
const char *dv_strerror(int err);
