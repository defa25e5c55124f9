/* capctl rollout status|history|undo|pause|resume|restart: kubectl's
 * rollout commands for Deployments.  undo is client-side, as in modern
 * kubectl: the template of the revision's ReplicaSet is patched back
 * into the Deployment. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "capctl.h"
#include "rollout.h"
#include "target.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- status ---- */

struct status {
	cs_ctl *c;
	char last[512]; /* the line printed last: repeats are not printed again */
	cs_ctl_rollout_state state;
	bool deleted, malformed;
	char *rv;
};

/* Prints the new status line of d; true when the wait is over. */
static bool show(struct status *s, const cs_json *d)
{
	char msg[512];
	s->state = cs_ctl_rollout_status(d, msg, sizeof(msg));
	const char *rv = cs_json_str(cs_json_path(d, "metadata", "resourceVersion", NULL));
	if (rv) {
		free(s->rv);
		s->rv = cs_ctl_xstrdup(rv);
	}
	if (s->state == CS_ROLLOUT_FAILED) {
		cs_ctl_fail("%s", msg);
		return true;
	}
	if (strcmp(msg, s->last)) {
		fprintf(s->c->out, "%s\n", msg);
		fflush(s->c->out);
		snprintf(s->last, sizeof(s->last), "%s", msg);
	}
	return s->state == CS_ROLLOUT_DONE;
}

static int on_event(const char *line, size_t len, void *arg)
{
	struct status *s = arg;
	char err[256];
	cs_json *ev = cs_json_parse(line, len, err, sizeof(err));
	const char *type = cs_json_get_str(ev, "type");
	const cs_json *obj = cs_json_get(ev, "object");
	int stop = 0;
	if (!type || !cs_json_is(obj, CS_JSON_OBJECT)) {
		s->malformed = true;
		stop = 1;
	} else if (!strcmp(type, "DELETED")) {
		s->deleted = true;
		stop = 1;
	} else if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
		stop = show(s, obj);
	} else if (!strcmp(type, "ERROR")) {
		stop = 1; /* 410 and the like: read the object again */
	}
	cs_json_free(ev);
	return stop;
}

static int status_one(cs_ctl *c, const cs_ctl_target *tg)
{
	long timeout_ms = 0;
	if (c->o.timeout && cs_ctl_parse_duration(c->o.timeout, &timeout_ms) < 0)
		return cs_ctl_fail("invalid --timeout \"%s\": use e.g. 30s, 2m", c->o.timeout);
	long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	struct status s = {.c = c};
	int rc = 1;
	for (;;) {
		cs_json *d;
		if (cs_ctl_get(c, tg->t, tg->ns, tg->name, false, &d))
			break;
		bool over = show(&s, d);
		cs_json_free(d);
		if (over || !c->o.watch) {
			rc = s.state == CS_ROLLOUT_FAILED ? 1 : 0;
			break;
		}
		long long left = deadline ? deadline - now_ms() : 0;
		if (deadline && left <= 0) {
			rc = cs_ctl_fail("timed out waiting for the condition");
			break;
		}
		/* The server ends the watch when the time is up. */
		long secs = deadline ? (long)((left + 999) / 1000) : 300;
		char *path = cs_ctl_path(tg->t, tg->ns, NULL, NULL);
		cs_ctl_sb b = {0};
		cs_ctl_sb_add(&b, path);
		free(path);
		char *fs = cs_ctl_xasprintf("metadata.name=%s", tg->name);
		char ts[24];
		snprintf(ts, sizeof(ts), "%ld", secs);
		cs_ctl_query(&b, "fieldSelector", fs);
		cs_ctl_query(&b, "watch", "1");
		cs_ctl_query(&b, "resourceVersion", s.rv ? s.rv : "0");
		cs_ctl_query(&b, "timeoutSeconds", ts);
		free(fs);
		cs_ctl_http_resp r;
		char err[512];
		int st = cs_ctl_http_stream(c->http, b.s, "application/json", on_event, &s, &r, err,
					    sizeof(err));
		cs_ctl_sb_free(&b);
		bool http_failed = st == 0 && (r.code < 200 || r.code > 299) && r.code != 410;
		cs_ctl_http_resp_free(&r);
		if (st < 0) {
			fprintf(stderr, "%s\n", err);
			break;
		}
		if (s.deleted) {
			rc = cs_ctl_fail("object has been deleted");
			break;
		}
		if (s.malformed) {
			rc = cs_ctl_fail("malformed watch event from the server");
			break;
		}
		if (st == 1 && s.state != CS_ROLLOUT_WAITING) {
			rc = s.state == CS_ROLLOUT_FAILED ? 1 : 0;
			break;
		}
		if (http_failed) {
			rc = cs_ctl_fail("watching %s \"%s\" failed (HTTP %ld)", tg->t->resource,
					 tg->name, r.code);
			break;
		}
	}
	free(s.rv);
	return rc;
}

/* ---- history, undo ---- */

/* The ReplicaSets d controls. */
static int owned_rss(cs_ctl *c, const cs_json *d, const char *ns, cs_json **owned)
{
	const cs_type *rst = cs_ctl_resolve_type("replicasets.apps");
	if (!rst)
		return 1;
	cs_json *items = cs_json_array();
	int rc = cs_ctl_list(c, rst, ns, NULL, items, NULL);
	if (rc == 0)
		*owned = cs_ctl_owned_rss(d, items);
	cs_json_free(items);
	return rc;
}

static int history_one(cs_ctl *c, const cs_ctl_target *tg, const char *ref)
{
	cs_json *d, *owned = NULL;
	if (cs_ctl_get(c, tg->t, tg->ns, tg->name, false, &d))
		return 1;
	int rc = owned_rss(c, d, tg->ns, &owned);
	if (rc == 0 && c->o.revision > 0) {
		const cs_json *rs = NULL;
		for (size_t i = 0; !rs && i < cs_json_len(owned); i++)
			if (cs_ctl_rs_revision(cs_json_at(owned, i)) == c->o.revision)
				rs = cs_json_at(owned, i);
		if (!rs) {
			rc = cs_ctl_fail("unable to find the specified revision");
		} else {
			fprintf(c->out, "%s/%s with revision #%ld\n", ref, tg->name, c->o.revision);
			cs_ctl_print_template(c->out, cs_json_path(rs, "spec", "template", NULL));
		}
	} else if (rc == 0) {
		fprintf(c->out, "%s/%s \n", ref, tg->name);
		cs_ctl_history_table(c->out, owned);
		fprintf(c->out, "\n");
	}
	cs_json_free(owned);
	cs_json_free(d);
	return rc;
}

static int undo_one(cs_ctl *c, const cs_ctl_target *tg, const char *ref)
{
	cs_json *d, *owned = NULL;
	if (cs_ctl_get(c, tg->t, tg->ns, tg->name, false, &d))
		return 1;
	int rc;
	if (cs_json_as_bool(cs_json_path(d, "spec", "paused", NULL), false)) {
		rc = cs_ctl_fail("you cannot rollback a paused deployment; resume it first with "
				 "'capctl rollout resume' and try again");
	} else if ((rc = owned_rss(c, d, tg->ns, &owned)) == 0) {
		char err[256];
		const cs_json *rs =
			cs_ctl_revision_rs(owned, tg->name, c->o.to_revision, err, sizeof(err));
		bool skipped = false;
		cs_json *patch = rs ? cs_ctl_undo_patch(d, rs, &skipped) : NULL;
		if (!rs) {
			rc = cs_ctl_fail("%s", err);
		} else if (skipped) {
			fprintf(c->out,
				"%s/%s skipped rollback (current template already matches revision "
				"%lld)\n",
				ref, tg->name, cs_ctl_rs_revision(rs));
		} else {
			char *path = cs_ctl_path(tg->t, tg->ns, tg->name, NULL);
			cs_ctl_resp r;
			int call =
				cs_ctl_call(c, "PATCH", path, NULL, CS_CTL_JSON_PATCH, patch, &r);
			free(path);
			if (call < 0) {
				rc = 1; /* cs_ctl_call printed why */
			} else if (cs_ctl_ok(&r)) {
				fprintf(c->out, "%s/%s rolled back\n", ref, tg->name);
			} else {
				char *msg = cs_ctl_error_text(r.code, r.obj, r.raw, NULL);
				rc = cs_ctl_fail("failed restoring revision %lld: %s",
						 cs_ctl_rs_revision(rs), msg);
				free(msg);
			}
			if (call >= 0)
				cs_ctl_resp_free(&r);
		}
		cs_json_free(patch);
	}
	cs_json_free(owned);
	cs_json_free(d);
	return rc;
}

/* ---- pause, resume, restart ---- */

static int patch_one(cs_ctl *c, const cs_ctl_target *tg, const char *ref, const char *sub)
{
	cs_json *d;
	if (cs_ctl_get(c, tg->t, tg->ns, tg->name, false, &d))
		return 1;
	bool paused = cs_json_as_bool(cs_json_path(d, "spec", "paused", NULL), false);
	cs_json_free(d);
	char what[160];
	snprintf(what, sizeof(what), "%s.%s", tg->t->resource, tg->t->group);
	if (!strcmp(sub, "pause") && paused)
		return cs_ctl_fail("%s \"%s\" is already paused", what, tg->name);
	if (!strcmp(sub, "resume") && !paused)
		return cs_ctl_fail("%s \"%s\" is not paused", what, tg->name);
	if (!strcmp(sub, "restart") && paused)
		return cs_ctl_fail("%s \"%s\" can't restart paused deployment (run rollout resume "
				   "first)",
				   what, tg->name);
	cs_json *patch = cs_json_object();
	cs_json *spec = cs_json_obj_ensure(patch, "spec");
	if (!strcmp(sub, "pause")) {
		cs_json_set(spec, "paused", cs_json_bool(true));
	} else if (!strcmp(sub, "resume")) {
		cs_json_set(spec, "paused", cs_json_null());
	} else {
		char ts[32];
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		cs_json *md = cs_json_obj_ensure(cs_json_obj_ensure(spec, "template"), "metadata");
		cs_json_set(cs_json_obj_ensure(md, "annotations"), CS_CTL_RESTARTED_AT,
			    cs_json_string(ts));
	}
	char *path = cs_ctl_path(tg->t, tg->ns, tg->name, NULL);
	cs_ctl_resp r;
	int rc = cs_ctl_call(c, "PATCH", path, NULL, CS_CTL_STRATEGIC_PATCH, patch, &r) < 0;
	free(path);
	cs_json_free(patch);
	if (rc)
		return 1;
	if (cs_ctl_ok(&r)) {
		fprintf(c->out, "%s/%s %s\n", ref, tg->name,
			!strcmp(sub, "pause")    ? "paused"
			: !strcmp(sub, "resume") ? "resumed"
						 : "restarted");
	} else {
		cs_ctl_print_error(&r);
		rc = 1;
	}
	cs_ctl_resp_free(&r);
	return rc;
}

static const char *const subs[] = {"status", "history", "undo", "pause", "resume", "restart"};

int cs_ctl_cmd_rollout(cs_ctl *c)
{
	const char *sub = c->nargs ? c->args[0] : NULL;
	bool known = false;
	for (size_t i = 0; sub && i < sizeof(subs) / sizeof(*subs); i++)
		known |= !strcmp(sub, subs[i]);
	if (!sub)
		return cs_ctl_fail("you must specify a rollout subcommand: status, history, undo, "
				   "pause, resume or restart");
	if (!known)
		return cs_ctl_fail("unknown command \"%s\" for \"capctl rollout\"", sub);
	if (c->nargs < 2 && !c->o.filenames.n)
		return cs_ctl_fail("required resource not specified");
	cs_ctl_targets ts;
	int rc = cs_ctl_targets_get(c, c->args + 1, c->nargs - 1, &ts);
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		const cs_ctl_target *tg = &ts.v[i];
		char ref[160];
		cs_ctl_kind_ref(tg->t, ref, sizeof(ref));
		if (!tg->name) {
			rc = cs_ctl_fail("resource(s) were provided, but no name was specified");
		} else if (!strcmp(sub, "status") && !cs_ctl_rollout_has_status(tg->t->kind)) {
			rc = cs_ctl_fail("no status viewer has been implemented for %s",
					 tg->t->kind);
		} else if (!strcmp(sub, "status")) {
			rc = status_one(c, tg);
		} else if (strcmp(tg->t->kind, "Deployment")) {
			rc = cs_ctl_fail("capctl rollout %s supports deployments only, not %s", sub,
					 ref);
		} else if (!strcmp(sub, "history")) {
			rc = history_one(c, tg, ref);
		} else if (!strcmp(sub, "undo")) {
			rc = undo_one(c, tg, ref);
		} else {
			rc = patch_one(c, tg, ref, sub);
		}
	}
	cs_ctl_targets_free(&ts);
	return rc;
}
