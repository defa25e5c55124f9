/* rt-hollow images: pulls are recorded, nothing is downloaded. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hollow.h"

/* "nginx" and "nginx:latest" are one image, as in every CRI runtime. */
static char *normalise(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	const char *last = slash ? slash + 1 : ref;
	char *out;
	if (strchr(ref, '@') || strchr(last, ':'))
		out = strdup(ref);
	else if (asprintf(&out, "%s:latest", ref) < 0)
		out = NULL;
	return out;
}

/* A stable stand-in for a digest: four FNV-1a-64 passes with different
 * salts give 64 hex digits.  It is NOT a content digest (nothing is pulled,
 * there is no content); it only has to be the same for the same name. */
static void fake_digest(const char *name, char out[HOLLOW_ID_LEN + 1])
{
	for (unsigned salt = 0; salt < 4; salt++) {
		uint64_t h = 0xcbf29ce484222325ull;
		h = (h ^ (0x9e + salt)) * 0x100000001b3ull;
		for (const unsigned char *p = (const unsigned char *)name; *p; p++)
			h = (h ^ *p) * 0x100000001b3ull;
		snprintf(out + 16 * salt, 17, "%016llx", (unsigned long long)h);
	}
}

const hollow_image *hollow_image_find(hollow *hw, const char *ref)
{
	char *name = normalise(ref);
	ht_node *n = name ? ht_find(&hw->images, name) : NULL;
	free(name);
	if (n)
		return ht_entry(n, hollow_image, by_name);
	/* By image id or repo digest, as kubelet sometimes asks with the
	 * imageRef it got back: images are few, a walk is fine. */
	size_t b = 0;
	for (n = ht_next(&hw->images, &b, NULL); n; n = ht_next(&hw->images, &b, n)) {
		hollow_image *im = ht_entry(n, hollow_image, by_name);
		if (!strcmp(im->id, ref) || !strcmp(im->repo_digest, ref))
			return im;
	}
	return NULL;
}

static void image_free(hollow_image *im)
{
	free(im->name);
	free(im->repo_digest);
	free(im);
}

void hollow_images_free(hollow *hw)
{
	size_t b = 0;
	ht_node *n = ht_next(&hw->images, &b, NULL);
	while (n) {
		ht_node *next = ht_next(&hw->images, &b, n);
		image_free(ht_entry(n, hollow_image, by_name));
		n = next;
	}
}

static bool bad_ref(const char *image)
{
	if (!image || !*image)
		return true;
	for (const char *p = image; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return true;
	return false;
}

int hollow_pull_image(cs_mod *m, const char *image, const cs_object *auth, char **ref,
		      cs_error *err)
{
	(void)auth; /* nothing is fetched, so there is nobody to authenticate to */
	hollow *hw = hollow_of(m);
	if (bad_ref(image))
		return m->host->errorf(err, CS_INVALID, "Invalid",
				       "pull image: \"%s\" is not an image reference",
				       image ? image : "");
	hollow_image *im = calloc(1, sizeof(*im));
	char *name = normalise(image);
	if (!im || !name)
		goto oom;
	char hex[HOLLOW_ID_LEN + 1];
	fake_digest(name, hex);
	snprintf(im->id, sizeof(im->id), "sha256:%s", hex);
	size_t repo_len = strcspn(name, "@");
	const char *slash = strrchr(name, '/');
	const char *colon = strrchr(slash ? slash : name, ':');
	if (repo_len == strlen(name) && colon)
		repo_len = (size_t)(colon - name);
	if (asprintf(&im->repo_digest, "%.*s@%s", (int)repo_len, name, im->id) < 0) {
		im->repo_digest = NULL;
		goto oom;
	}
	char *out = strdup(im->repo_digest);
	if (!out)
		goto oom;
	im->name = name;
	pthread_mutex_lock(&hw->mu);
	int rc = 0;
	if (!ht_find(&hw->images, name)) {
		rc = ht_insert(&hw->images, &im->by_name, im->name);
		if (!rc)
			im = NULL;
	}
	pthread_mutex_unlock(&hw->mu);
	if (im)
		image_free(im);
	if (rc) {
		free(out);
		return m->host->errorf(err, 500, "InternalError", "pull image %s: out of memory",
				       image);
	}
	if (ref)
		*ref = out;
	else
		free(out);
	return 0;
oom:
	free(name);
	if (im)
		free(im->repo_digest);
	free(im);
	return m->host->errorf(err, 500, "InternalError", "pull image %s: out of memory", image);
}

int hollow_image_status(cs_mod *m, const char *image, cs_object **status, cs_error *err)
{
	const cs_host *h = m->host;
	hollow *hw = hollow_of(m);
	*status = NULL;
	if (bad_ref(image))
		return h->errorf(err, CS_INVALID, "Invalid",
				 "image status: \"%s\" is not an image reference",
				 image ? image : "");
	pthread_mutex_lock(&hw->mu);
	const hollow_image *im = hollow_image_find(hw, image);
	cs_object *o = NULL;
	if (im) {
		o = h->obj_new(CS_OBJ_MAP);
		cs_object *tags = h->obj_new(CS_OBJ_ARRAY);
		cs_object *digests = h->obj_new(CS_OBJ_ARRAY);
		if (!strchr(im->name, '@'))
			h->obj_append(tags, h->obj_new_str(im->name));
		h->obj_append(digests, h->obj_new_str(im->repo_digest));
		h->obj_set_str(o, "id", im->id);
		h->obj_set(o, "repoTags", tags);
		h->obj_set(o, "repoDigests", digests);
		h->obj_set_int(o, "size", 0);
	}
	pthread_mutex_unlock(&hw->mu);
	*status = o;
	return 0;
}

int hollow_remove_image(cs_mod *m, const char *image, cs_error *err)
{
	hollow *hw = hollow_of(m);
	if (bad_ref(image))
		return m->host->errorf(err, CS_INVALID, "Invalid",
				       "remove image: \"%s\" is not an image reference",
				       image ? image : "");
	pthread_mutex_lock(&hw->mu);
	hollow_image *im = (hollow_image *)hollow_image_find(hw, image);
	if (im)
		ht_remove(&hw->images, &im->by_name);
	pthread_mutex_unlock(&hw->mu);
	/* CRI: removing an image that is not there is not an error. */
	if (im)
		image_free(im);
	return 0;
}
