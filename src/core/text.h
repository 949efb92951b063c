/*
 * Text that came from input, made safe to print.  Zone data, DNS answers,
 * snapshots and reports are untrusted: a name or a string in them may hold
 * terminal control sequences (ESC, the C1 CSI), bidirectional overrides
 * that make a line read otherwise than it is, or bytes that are not UTF-8.
 * Sinks pass every such string through here before it reaches a terminal
 * or a monitoring system (issue 10 §15).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum {
	DV_TEXT_PIPE = 1 << 0, /*!< escape '|' too: the perfdata separator of a Nagios line */
};

/*!
 * Copy `in` into out (outlen bytes, always NUL-terminated when outlen > 0)
 * with every byte of a control character (C0, DEL, C1), of a bidirectional
 * formatting character (U+200E/F, U+202A–U+202E, U+2066–U+2069) and of an
 * invalid UTF-8 sequence written as "\DDD" (the decimal escape of DNS
 * presentation form, RFC 1035 §5.1); a backslash stays as it is.  `flags`:
 * DV_TEXT_*.  A string cut short is cut at a character boundary.  Returns
 * out.
 */
char *dv_text_escape(char *out, size_t outlen, const char *in, unsigned flags);

/*! Whether dv_text_escape would change nothing in `in`. */
bool dv_text_is_safe(const char *in, unsigned flags);

/*! Write `in` escaped as dv_text_escape does, without a length limit.
 *  Returns what fputs returns for the last piece (EOF on a write error). */
int dv_text_fputs(const char *in, unsigned flags, FILE *out);
