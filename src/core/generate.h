/*
 * $GENERATE (BIND's zone-file extension, which libzscanner does not know):
 * expand one directive line into zone-file text, one record per line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

#define DV_GENERATE_MAX 1000000 /*!< records one directive may produce */

/*!
 * Expand "$GENERATE start-stop[/step] lhs [ttl] [class] type rhs" (the line
 * without its newline; a trailing comment is allowed).  In lhs and rhs, `$`
 * is the iterator, `${offset[,width[,base]]}` formats it (base d, o, x, X),
 * `\$` is a literal dollar.  Appends the records to out.  Returns 0, or
 * DV_EPARSE / DV_ELIMIT with a message in err.
 */
int dv_generate_expand(const char *line, size_t len, dv_buf_t *out, char *err, size_t errlen);
