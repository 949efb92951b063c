/*
 * A series from snapshot files, in time order.  A directory stands for the
 * *.json files in it.  Files given out of time order are read twice (once to
 * learn the order), so that only one snapshot is in memory at a time.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "rollover/rollover_int.h"

typedef struct {
	char *path;
	int64_t time;
	size_t order;
} entry_t;

static int entry_cmp(const void *pa, const void *pb)
{
	const entry_t *a = pa, *b = pb;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int name_cmp(const void *pa, const void *pb)
{
	return strcmp(*(char *const *)pa, *(char *const *)pb);
}

static int push(entry_t **v, size_t *n, size_t *cap, const char *path)
{
	if (*n >= DV_ROLL_MAX_SNAPSHOTS)
		return DV_ELIMIT;
	if (dv_array_grow(v, cap, *n, sizeof(**v), 16) != DV_OK)
		return DV_ENOMEM;
	char *p = strdup(path);
	if (p == NULL)
		return DV_ENOMEM;
	(*v)[*n] = (entry_t){.path = p, .order = *n};
	(*n)++;
	return DV_OK;
}

/* The *.json files of a directory, sorted by name. */
static int expand_dir(const char *dir, entry_t **v, size_t *n, size_t *cap, char *err,
                      size_t errlen)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		snprintf(err, errlen, "%s: cannot read the directory", dir);
		return DV_EIO;
	}
	char **names = NULL;
	size_t nn = 0, capn = 0;
	int r = DV_OK;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && r == DV_OK) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		if (nn >= DV_ROLL_MAX_SNAPSHOTS) {
			r = DV_ELIMIT;
			break;
		}
		size_t pl = strlen(dir) + 1 + l + 1;
		char *p = malloc(pl);
		if (p == NULL || dv_array_grow(&names, &capn, nn, sizeof(*names), 64) != DV_OK) {
			free(p);
			r = DV_ENOMEM;
			break;
		}
		snprintf(p, pl, "%s/%s", dir, de->d_name);
		names[nn++] = p;
	}
	closedir(d);
	if (nn > 1)
		qsort(names, nn, sizeof(*names), name_cmp);
	for (size_t i = 0; i < nn; i++) {
		if (r == DV_OK)
			r = push(v, n, cap, names[i]);
		free(names[i]);
	}
	free(names);
	if (r == DV_ELIMIT)
		snprintf(err, errlen, "%s: more than %u snapshots", dir, DV_ROLL_MAX_SNAPSHOTS);
	else if (r != DV_OK)
		snprintf(err, errlen, "%s: %s", dir, dv_strerror(r));
	return r;
}

int dv_roll_series_load(const uint8_t *zone, char *const *paths, size_t npaths,
                        dv_roll_series_t **out, char *err, size_t errlen)
{
	entry_t *v = NULL;
	size_t n = 0, cap = 0;
	dv_roll_series_t *s = NULL;
	int r = DV_OK;
	for (size_t i = 0; i < npaths && r == DV_OK; i++) {
		struct stat st;
		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			r = expand_dir(paths[i], &v, &n, &cap, err, errlen);
		else if ((r = push(&v, &n, &cap, paths[i])) != DV_OK)
			snprintf(err, errlen, "%s: %s", paths[i],
			         r == DV_ELIMIT ? "too many snapshots" : dv_strerror(r));
	}
	if (r == DV_OK && n == 0) {
		snprintf(err, errlen, "no snapshot given (--from FILE or DIRECTORY)");
		r = DV_EINVAL;
	}
	if (r != DV_OK)
		goto out;
	/* One pass when the files come in time order; else learn the order first. */
	for (int pass = 0; pass < 2 && r == DV_OK; pass++) {
		bool ordered = true;
		int64_t prev = DV_ROLL_START;
		if ((r = dv_roll_series_new(zone, &s)) != DV_OK) {
			snprintf(err, errlen, "%s", dv_strerror(r));
			break;
		}
		for (size_t i = 0; i < n && r == DV_OK; i++) {
			dv_snapshot_t *snap = NULL;
			if ((r = dv_snapshot_load(v[i].path, &snap, err, errlen)) != DV_OK)
				break;
			v[i].time = snap->time;
			if (snap->time < prev)
				ordered = false;
			prev = snap->time;
			if (ordered)
				r = dv_roll_extract(s, snap, v[i].path, err, errlen);
			dv_snapshot_free(snap);
		}
		if (r != DV_OK || ordered)
			break;
		dv_roll_series_free(s);
		s = NULL;
		qsort(v, n, sizeof(*v), entry_cmp);
		/* Now sorted: the second pass reads them in order. */
	}
	if (r == DV_OK && dv_roll_series_count(s) == 0) {
		snprintf(err, errlen, "no answer about zone %s in the snapshots",
		         dv_roll_series_zone(s));
		r = DV_EINVAL;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	if (r != DV_OK) {
		dv_roll_series_free(s);
		return r;
	}
	*out = s;
	return DV_OK;
}
