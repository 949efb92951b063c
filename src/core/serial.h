/*
 * Serial number arithmetic (RFC 1982) for SOA serials: 32-bit numbers that
 * wrap, so "newer" is defined only for distances below 2^31.  Header only.
 */
#pragma once

#include <stdint.h>

/*! Outcome of comparing two serials (RFC 1982 §3.2). */
enum dv_serial_order {
	DV_SERIAL_EQUAL = 0,
	DV_SERIAL_OLDER = -1,    /*!< a precedes b */
	DV_SERIAL_NEWER = 1,     /*!< a follows b */
	DV_SERIAL_UNDEFINED = 2, /*!< exactly 2^31 apart: RFC 1982 leaves the order undefined */
};

/*! Compare serial a with serial b (RFC 1982 §3.2). */
static inline enum dv_serial_order dv_serial_compare(uint32_t a, uint32_t b)
{
	if (a == b) {
		return DV_SERIAL_EQUAL;
	}
	uint32_t d = a - b; /* modulo 2^32 */
	if (d == 0x80000000u) {
		return DV_SERIAL_UNDEFINED;
	}
	return d < 0x80000000u ? DV_SERIAL_NEWER : DV_SERIAL_OLDER;
}

/*! RFC 1982 §3.1: add n (0 .. 2^31 - 1) to serial s; larger n is undefined and
 *  returns s unchanged. */
static inline uint32_t dv_serial_add(uint32_t s, uint32_t n)
{
	return n > 0x7fffffffu ? s : s + n;
}
