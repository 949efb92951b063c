/* Files written and read safely (core/file.h). */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

/* A fresh name "NAME.tmpXXXXXXXXXXXX" (random, so that another process
 * cannot guess it and plant something there first). */
static void tmp_name(char *out, size_t len, const char *name)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	uint8_t r[12];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* Only for a kernel without getrandom: O_EXCL still refuses any
		 * name that exists, the retries below pick another. */
		uint64_t x = (uint64_t)getpid() * 0x9E3779B97F4A7C15u ^ (uint64_t)(uintptr_t)out;
		for (size_t i = 0; i < sizeof(r); i++, x = x * 6364136223846793005u + 1)
			r[i] = (uint8_t)(x >> 56);
	}
	char suf[sizeof(r) + 1];
	for (size_t i = 0; i < sizeof(r); i++)
		suf[i] = digits[r[i] % 36];
	suf[sizeof(r)] = '\0';
	snprintf(out, len, ".%.200s.tmp%s", name, suf);
}

static int afile_start(dv_afile_t *af, mode_t mode, char *err, size_t errlen)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		tmp_name(af->tmp, sizeof(af->tmp), af->name);
		int fd = openat(af->dirfd, af->tmp,
		                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			break;
		af->f = fdopen(fd, "w");
		if (af->f != NULL)
			return DV_OK;
		int e = errno;
		close(fd);
		unlinkat(af->dirfd, af->tmp, 0);
		errno = e;
		break;
	}
	snprintf(err, errlen, "%s: %s", af->path, strerror(errno ? errno : EEXIST));
	if (af->own_dir)
		close(af->dirfd);
	af->dirfd = -1;
	return DV_EIO;
}

int dv_afile_openat(dv_afile_t *af, int dirfd, const char *shown, const char *name, mode_t mode,
                    char *err, size_t errlen)
{
	memset(af, 0, sizeof(*af));
	af->dirfd = dirfd;
	snprintf(af->path, sizeof(af->path), "%s/%s", shown, name);
	if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strlen(name) >= sizeof(af->name)) {
		snprintf(err, errlen, "%s: not a file name", af->path);
		return DV_EINVAL;
	}
	memcpy(af->name, name, strlen(name) + 1);
	return afile_start(af, mode, err, errlen);
}

int dv_afile_open(dv_afile_t *af, const char *path, mode_t mode, char *err, size_t errlen)
{
	memset(af, 0, sizeof(*af));
	af->dirfd = -1;
	snprintf(af->path, sizeof(af->path), "%s", path);
	const char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;
	size_t dlen = slash == NULL ? 0 : (slash == path ? 1 : (size_t)(slash - path));
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strlen(name) >= sizeof(af->name) || dlen >= sizeof(af->path)) {
		snprintf(err, errlen, "%s: not a file name", path);
		return DV_EINVAL;
	}
	char dir[4096];
	if (dlen == 0) {
		dir[0] = '.';
		dir[1] = '\0';
	} else {
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	af->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (af->dirfd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return DV_EIO;
	}
	af->own_dir = true;
	memcpy(af->name, name, strlen(name) + 1);
	return afile_start(af, mode, err, errlen);
}

int dv_afile_commit(dv_afile_t *af, char *err, size_t errlen)
{
	int e = 0;
	if (fflush(af->f) != 0 || ferror(af->f))
		e = errno ? errno : EIO;
	if (e == 0 && fsync(fileno(af->f)) != 0)
		e = errno;
	if (fclose(af->f) != 0 && e == 0)
		e = errno;
	af->f = NULL;
	if (e == 0 && renameat(af->dirfd, af->tmp, af->dirfd, af->name) != 0)
		e = errno;
	if (e != 0) {
		unlinkat(af->dirfd, af->tmp, 0);
		snprintf(err, errlen, "%s: %s (the previous file, if any, is kept)", af->path,
		         strerror(e));
	} else {
		/* The rename itself reaches the disk with the directory. */
		(void)fsync(af->dirfd);
	}
	if (af->own_dir)
		close(af->dirfd);
	af->dirfd = -1;
	return e == 0 ? DV_OK : DV_EIO;
}

void dv_afile_abort(dv_afile_t *af)
{
	if (af->f != NULL) {
		fclose(af->f);
		af->f = NULL;
		unlinkat(af->dirfd, af->tmp, 0);
	}
	if (af->own_dir && af->dirfd >= 0)
		close(af->dirfd);
	af->dirfd = -1;
}

int dv_dir_open_safe(const char *dir, unsigned flags, mode_t mode, char *err, size_t errlen)
{
	if ((flags & DV_DIR_CREATE) && mkdir(dir, mode) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	/* O_NOFOLLOW: a symbolic link as the directory itself is refused (ELOOP
	 * or ENOTDIR); its parents are the caller's choice. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "%s: %s", dir,
		         e == ELOOP || e == ENOTDIR ? "not a directory (a symbolic link is not "
		                                      "followed)"
		                                    : strerror(e));
		return -1;
	}
	const char *why = NULL;
	if (st.st_uid != geteuid())
		why = "owned by another user";
	else if (st.st_mode & S_IWOTH)
		why = "writable by other users";
	else if ((flags & DV_DIR_NO_GROUP_W) && (st.st_mode & S_IWGRP))
		why = "writable by its group";
	if (why != NULL) {
		close(fd);
		snprintf(err, errlen,
		         "%s: %s: refused, another user could replace what is written there", dir,
		         why);
		return -1;
	}
	return fd;
}

FILE *dv_file_open_owned(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat st;
	int e = 0;
	if (fstat(fd, &st) != 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	else if (st.st_uid != geteuid())
		e = EPERM;
	FILE *f = e == 0 ? fdopen(fd, "r") : NULL;
	if (f == NULL) {
		if (e == 0)
			e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

int dv_file_read_bounded(const char *path, size_t max, const char *what, char **out, size_t *len,
                         char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	int r = DV_EIO;
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	/* The size first: nothing of a file beyond the ceiling is read. */
	if ((uint64_t)st.st_size > (uint64_t)max) {
		snprintf(err, errlen, "%s: %lld bytes, larger than the %zu %s may have", path,
		         (long long)st.st_size, max, what);
		r = DV_ELIMIT;
		goto out;
	}
	size_t want = (size_t)st.st_size, got = 0;
	buf = malloc(want + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = DV_ENOMEM;
		goto out;
	}
	/* One byte more than stat said: a file that grows meanwhile is refused. */
	while (got <= want) {
		ssize_t n = read(fd, buf + got, want + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != want) {
		snprintf(err, errlen, "%s: changed size while being read", path);
		goto out;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	r = DV_OK;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}
