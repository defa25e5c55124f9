/* capctl delete: by name, by manifest, or every object a selector (or
 * --all) matches; then, like kubectl, wait until the objects are gone. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "capctl.h"
#include "printer.h"
#include "target.h"

struct victim {
	const cs_type *t;
	char *ns, *name, *uid;
	bool wait;
};

struct victims {
	struct victim *v;
	size_t n;
};

static void add_victim(struct victims *vs, const cs_type *t, const char *ns, const char *name)
{
	vs->v = cs_ctl_xrealloc(vs->v, (vs->n + 1) * sizeof(*vs->v));
	struct victim *v = &vs->v[vs->n++];
	v->t = t;
	v->ns = ns ? cs_ctl_xstrdup(ns) : NULL;
	v->name = cs_ctl_xstrdup(name);
	v->uid = NULL;
	v->wait = false;
}

static void free_victims(struct victims *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].ns);
		free(vs->v[i].name);
		free(vs->v[i].uid);
	}
	free(vs->v);
}

static int delete_options(cs_ctl *c, cs_json **out)
{
	const char *policy = "Background";
	const char *cascade = c->o.cascade;
	if (cascade && (!strcmp(cascade, "foreground")))
		policy = "Foreground";
	else if (cascade && (!strcmp(cascade, "orphan") || !strcmp(cascade, "false")))
		policy = "Orphan";
	else if (cascade && strcmp(cascade, "background") && strcmp(cascade, "true"))
		return cs_ctl_fail("invalid cascade value (%s). Must be \"background\", "
				   "\"foreground\", or \"orphan\".",
				   cascade);
	long grace = c->o.grace_period;
	if (c->o.now) {
		if (grace >= 0)
			return cs_ctl_fail("--now and --grace-period cannot be specified together");
		grace = 1;
	}
	if (c->o.force) {
		if (grace < 0)
			grace = 0;
		fprintf(stderr, "Warning: Immediate deletion does not wait for confirmation that "
				"the running resource has been terminated. The resource may "
				"continue to run on the cluster indefinitely.\n");
	} else if (grace == 0) {
		/* As kubectl: 0 without --force means "as fast as allowed". */
		grace = 1;
	}
	cs_json *o = cs_json_object();
	cs_json_set(o, "kind", cs_json_string("DeleteOptions"));
	cs_json_set(o, "apiVersion", cs_json_string("v1"));
	cs_json_set(o, "propagationPolicy", cs_json_string(policy));
	if (grace >= 0)
		cs_json_set(o, "gracePeriodSeconds", cs_json_int(grace));
	*out = o;
	return 0;
}

static int collect(cs_ctl *c, const cs_ctl_targets *ts, struct victims *vs, bool *listed)
{
	bool selecting = c->o.selector || c->o.field_selector || c->o.all;
	for (size_t i = 0; i < ts->n; i++) {
		const cs_ctl_target *tg = &ts->v[i];
		if (tg->name) {
			if (selecting && !tg->obj)
				return cs_ctl_fail("name cannot be provided when a selector is "
						   "specified");
			add_victim(vs, tg->t, tg->ns, tg->name);
			continue;
		}
		if (tg->obj)
			return cs_ctl_fail("%s: an object without metadata.name cannot be deleted",
					   tg->source);
		if (!selecting)
			return cs_ctl_fail("resource(s) were provided, but no name was specified");
		*listed = true;
		cs_json *items = cs_json_array();
		int rc = cs_ctl_list(c, tg->t, tg->ns, NULL, items, NULL);
		for (size_t k = 0; rc == 0 && k < cs_json_len(items); k++) {
			const cs_json *meta = cs_json_get(cs_json_at(items, k), "metadata");
			const char *name = cs_json_get_str(meta, "name");
			if (name)
				add_victim(vs, tg->t, cs_json_get_str(meta, "namespace"), name);
		}
		cs_json_free(items);
		if (rc)
			return rc;
	}
	return 0;
}

static int delete_one(cs_ctl *c, struct victim *v, const cs_json *opts, cs_ctl_out *o)
{
	char *path = cs_ctl_path(v->t, v->ns, v->name, NULL);
	cs_ctl_resp r;
	int rc = cs_ctl_call(c, "DELETE", path, NULL, NULL, opts, &r);
	free(path);
	if (rc < 0)
		return -1;
	char ref[160];
	cs_ctl_kind_ref(v->t, ref, sizeof(ref));
	if (cs_ctl_ok(&r)) {
		if (o->fmt == CS_OUT_NAME)
			fprintf(c->out, "%s/%s\n", ref, v->name);
		else
			fprintf(c->out, "%s \"%s\" deleted\n", ref, v->name);
		fflush(c->out);
		/* A Status answer means the object is already gone; an object
		 * answer may still be terminating (finalizers, grace period). */
		const char *kind = cs_json_get_str(r.obj, "kind");
		v->wait = !(kind && !strcmp(kind, "Status"));
		const char *uid = cs_json_str(cs_json_path(r.obj, "metadata", "uid", NULL));
		v->uid = uid ? cs_ctl_xstrdup(uid) : NULL;
		rc = 0;
	} else if (r.code == 404 && c->o.ignore_not_found) {
		rc = 0;
	} else {
		cs_ctl_print_error(&r);
		rc = 1;
	}
	cs_ctl_resp_free(&r);
	return rc;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Polls until every deleted object is gone (404, or replaced by another
 * object of the same name: another uid). */
static int wait_gone(cs_ctl *c, struct victims *vs, long timeout_ms)
{
	long start = now_ms(), pause = 50;
	for (;;) {
		bool pending = false;
		for (size_t i = 0; i < vs->n; i++) {
			struct victim *v = &vs->v[i];
			if (!v->wait)
				continue;
			cs_json *obj;
			int rc = cs_ctl_get(c, v->t, v->ns, v->name, true, &obj);
			if (rc == 404) {
				v->wait = false;
				continue;
			}
			if (rc)
				return 1;
			const char *uid = cs_json_str(cs_json_path(obj, "metadata", "uid", NULL));
			if (v->uid && uid && strcmp(v->uid, uid) != 0)
				v->wait = false;
			else
				pending = true;
			cs_json_free(obj);
		}
		if (!pending)
			return 0;
		if (timeout_ms > 0 && now_ms() - start >= timeout_ms) {
			for (size_t i = 0; i < vs->n; i++)
				if (vs->v[i].wait)
					cs_ctl_fail("timed out waiting for the condition on %s/%s",
						    vs->v[i].t->resource, vs->v[i].name);
			return 1;
		}
		usleep((useconds_t)pause * 1000);
		if (pause < 1000)
			pause *= 2;
	}
}

int cs_ctl_cmd_delete(cs_ctl *c)
{
	cs_ctl_out o;
	char err[512];
	if (cs_ctl_out_parse(c->o.output, CS_OUT_NAME, &o, err, sizeof(err)) < 0)
		return cs_ctl_fail("%s", err);
	long timeout_ms = 0;
	if (c->o.timeout && cs_ctl_parse_duration(c->o.timeout, &timeout_ms) < 0)
		return cs_ctl_fail("invalid --timeout \"%s\": use e.g. 30s, 2m", c->o.timeout);
	if (!c->nargs && !c->o.filenames.n)
		return cs_ctl_fail("You must provide one or more resources by argument or "
				   "filename.");
	cs_json *opts = NULL;
	if (delete_options(c, &opts))
		return 1;
	cs_ctl_targets ts;
	struct victims vs = {0};
	bool listed = false;
	int rc = cs_ctl_targets_get(c, c->args, c->nargs, &ts);
	if (rc == 0)
		rc = collect(c, &ts, &vs, &listed);
	if (rc == 0 && !vs.n && listed)
		fprintf(stderr, "No resources found\n");
	int failed = rc;
	for (size_t i = 0; rc == 0 && i < vs.n; i++) {
		int d = delete_one(c, &vs.v[i], opts, &o);
		if (d < 0)
			rc = failed = 1;
		else
			failed |= d;
	}
	if (rc == 0 && c->o.wait)
		failed |= wait_gone(c, &vs, timeout_ms);
	free_victims(&vs);
	cs_ctl_targets_free(&ts);
	cs_json_free(opts);
	cs_ctl_out_free(&o);
	return failed;
}
