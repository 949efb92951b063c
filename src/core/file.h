/*
 * Files written safely: a new version never half replaces the old one, and
 * nothing is written through a link an attacker planted.
 *
 * A file is written under a fresh random name in its own directory
 * (O_CREAT|O_EXCL|O_NOFOLLOW, so an existing name or a symbolic link there is
 * never opened), flushed, fsync'ed, then renamed over the final name (rename
 * replaces a link at the final name, it never follows it) and the directory
 * fsync'ed.  On any failure the temporary file is removed and the old file
 * is left as it was (issue 10 §13, §14).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/*! A file being written; see dv_afile_open. */
typedef struct {
	int dirfd;       /*!< the directory (owned when opened by path) */
	bool own_dir;    /*!< dirfd is closed with the file */
	FILE *f;         /*!< write here */
	char name[256];  /*!< the final name in the directory */
	char tmp[300];   /*!< the temporary name in the directory */
	char path[4096]; /*!< the final path, for messages */
} dv_afile_t;

/*!
 * Start writing `path` (its directory must exist) with permissions `mode`
 * (umask applied).  Returns 0, or DV_EIO / DV_EINVAL with "path: reason" in
 * err.  Finish with dv_afile_commit or dv_afile_abort.
 */
int dv_afile_open(dv_afile_t *af, const char *path, mode_t mode, char *err, size_t errlen);

/*! The same for `name` (one path component) in the directory open as
 *  `dirfd` (kept open by the caller); `shown` names the directory in
 *  messages. */
int dv_afile_openat(dv_afile_t *af, int dirfd, const char *shown, const char *name, mode_t mode,
                    char *err, size_t errlen);

/*! Flush, fsync and close the file, rename it over the final name, fsync
 *  the directory.  0, or DV_EIO with "path: reason" in err; the old file is
 *  then untouched.  The file is finished either way. */
int dv_afile_commit(dv_afile_t *af, char *err, size_t errlen);

/*! Give up: close and remove the temporary file. */
void dv_afile_abort(dv_afile_t *af);

/*! Directory checks of dv_dir_open_safe. */
enum {
	DV_DIR_CREATE = 1 << 0,     /*!< create it (one level) when missing */
	DV_DIR_NO_GROUP_W = 1 << 1, /*!< refuse a group-writable directory too */
};

/*!
 * Open a directory that files may safely be written into: it must be a
 * directory reached without following a symbolic link at its last
 * component, owned by the effective user, and not writable by others (nor
 * by its group with DV_DIR_NO_GROUP_W); created with `mode` when missing and
 * DV_DIR_CREATE is set.  Returns a descriptor (O_DIRECTORY), or -1 with
 * "dir: reason" in err.
 */
int dv_dir_open_safe(const char *dir, unsigned flags, mode_t mode, char *err, size_t errlen);

/*!
 * Open `name` in the directory `dirfd` for reading without following a
 * symbolic link, and only when it is a regular file owned by the effective
 * user.  Returns a stream, or NULL with errno set (ELOOP for a link, EPERM
 * for another owner, EINVAL for a non-regular file; ENOENT when missing).
 */
FILE *dv_file_open_owned(int dirfd, const char *name);

/*!
 * Read a whole regular file of at most `max` bytes: the size is checked
 * before anything is read, and a file that grows meanwhile is refused.
 * Returns 0 with *out (NUL-terminated, caller frees) and *len; DV_EIO with
 * "path: reason", or DV_ELIMIT with "path: N bytes, larger than the MAX
 * WHAT may have" in err (`what`: "a snapshot").
 */
int dv_file_read_bounded(const char *path, size_t max, const char *what, char **out, size_t *len,
                         char *err, size_t errlen);
