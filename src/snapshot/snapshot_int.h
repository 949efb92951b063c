/* Internal to src/snapshot: the words of the check snapshot's JSON form,
 * shared by its writer (snapshot.c) and reader (snapshot_read.c). */
#pragma once

#include <stddef.h>

/*! Query status words by dv_snap_status_t. */
extern const char *const dv_snap_status_words[];
#define DV_SNAP_NSTATUS 5
/*! Query flag words and their DV_Q_* bits. */
typedef struct {
	const char *name;
	unsigned flag;
} dv_snap_flag_word_t;
extern const dv_snap_flag_word_t dv_snap_flag_words[];
#define DV_SNAP_NFLAGS 7
