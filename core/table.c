/* meta.k8s.io/v1 Table output: what `kubectl get` asks for.
 *
 * Column sets and cell rules follow the Kubernetes server-side printers
 * (pkg/printers/internalversion) so that kubectl shows what users expect.
 * The server always generates the wide cells; kubectl hides the columns with
 * priority > 0 unless -o wide is given. */
#include "types.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- small helpers ---- */

typedef struct {
	char *s;
	size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p)
			abort();
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		sb_add(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		abort();
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_add(b, big, (size_t)n);
	free(big);
}

/* Separator before every element but the first. */
static void sb_sep(sbuf *b, const char *sep)
{
	if (b->len)
		sb_puts(b, sep);
}

/* Hands the text to a JSON string cell and releases the buffer. */
static cs_json *sb_json(sbuf *b)
{
	cs_json *v = cs_json_string(b->s ? b->s : "");
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	return v;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *sget(const cs_json *o, const char *key)
{
	return cs_json_get_str(o, key);
}

static bool nonempty(const char *s)
{
	return s && *s;
}

static bool streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static const char *or_default(const char *s, const char *def)
{
	return nonempty(s) ? s : def;
}

static int64_t iget(const cs_json *o, const char *key, int64_t def)
{
	return cs_json_as_int(cs_json_get(o, key), def);
}

static void push_str(cs_json *cells, const char *s)
{
	cs_json_push(cells, cs_json_string(s ? s : ""));
}

static void push_int(cs_json *cells, int64_t i)
{
	cs_json_push(cells, cs_json_int(i));
}

/* ---- time ---- */

/* RFC 3339 ("2024-01-02T03:04:05Z", optional fraction, "Z" or "+hh:mm"). */
static bool parse_time(const char *s, time_t *out)
{
	if (!nonempty(s))
		return false;
	struct tm tm = {0};
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return false;
	const char *p = s + n;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm, k = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &k) != 2 || k != 5)
			return false;
		off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*out = t - off;
	return true;
}

/* The duration Kubernetes prints (apimachinery duration.HumanDuration):
 * about two significant units, "5s", "3m2s", "45m", "5h3m", "2d3h", "400d",
 * "3y20d".  Not static: capctl and the job/event printers share it. */
const char *cs_human_duration(int64_t secs, char *buf, size_t len)
{
	if (secs < -1) {
		snprintf(buf, len, "<invalid>");
		return buf;
	}
	if (secs < 0)
		secs = 0;
	int64_t min = secs / 60, hours = secs / 3600, days = hours / 24;
	if (secs < 120)
		snprintf(buf, len, "%llds", (long long)secs);
	else if (min < 10 && secs % 60)
		snprintf(buf, len, "%lldm%llds", (long long)min, (long long)(secs % 60));
	else if (min < 180)
		snprintf(buf, len, "%lldm", (long long)min);
	else if (hours < 8 && min % 60)
		snprintf(buf, len, "%lldh%lldm", (long long)hours, (long long)(min % 60));
	else if (hours < 48)
		snprintf(buf, len, "%lldh", (long long)hours);
	else if (hours < 24 * 8 && hours % 24)
		snprintf(buf, len, "%lldd%lldh", (long long)days, (long long)(hours % 24));
	else if (hours < 24 * 365 * 2)
		snprintf(buf, len, "%lldd", (long long)days);
	else if (hours < 24 * 365 * 8 && days % 365)
		snprintf(buf, len, "%lldy%lldd", (long long)(days / 365), (long long)(days % 365));
	else
		snprintf(buf, len, "%lldy", (long long)(days / 365));
	return buf;
}

typedef struct {
	time_t now;
	char tmp[64];
} row_ctx;

static const char *since_t(row_ctx *c, time_t t)
{
	return cs_human_duration((int64_t)(c->now - t), c->tmp, sizeof(c->tmp));
}

/* Age of a timestamp, "<unknown>" when it is missing (as Kubernetes). */
static const char *since(row_ctx *c, const char *ts)
{
	time_t t;
	if (!parse_time(ts, &t)) {
		snprintf(c->tmp, sizeof(c->tmp), "<unknown>");
		return c->tmp;
	}
	return since_t(c, t);
}

static void push_age(cs_json *cells, row_ctx *c, const cs_json *obj)
{
	const cs_json *ts = cs_json_path(obj, "metadata", "creationTimestamp", NULL);
	push_str(cells, since(c, cs_json_str(ts)));
}

static const char *obj_name(const cs_json *obj)
{
	return cs_json_str(cs_json_path(obj, "metadata", "name", NULL));
}

static bool is_deleting(const cs_json *obj)
{
	return nonempty(cs_json_str(cs_json_path(obj, "metadata", "deletionTimestamp", NULL)));
}

/* ---- label and selector formatting ---- */

/* labels.FormatLabels: "k=v" sorted by key, "<none>" when empty. */
static cs_json *format_labels(const cs_json *m)
{
	size_t n = cs_json_is(m, CS_JSON_OBJECT) ? cs_json_len(m) : 0;
	if (!n)
		return cs_json_string("<none>");
	char **parts = calloc(n, sizeof(char *));
	if (!parts)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *v = cs_json_str(m->u.obj.vals[i]);
		if (asprintf(&parts[i], "%s=%s", m->u.obj.keys[i], v ? v : "") < 0)
			abort();
	}
	qsort(parts, n, sizeof(char *), cmp_str);
	sbuf b = {0};
	for (size_t i = 0; i < n; i++) {
		sb_sep(&b, ",");
		sb_puts(&b, parts[i]);
		free(parts[i]);
	}
	free(parts);
	return sb_json(&b);
}

/* One requirement of a label selector in labels.Selector.String() form. */
static char *requirement(const cs_json *expr, const char **key_out)
{
	const char *key = sget(expr, "key"), *op = sget(expr, "operator");
	if (!nonempty(key) || !op)
		return NULL;
	*key_out = key;
	char *out = NULL;
	if (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist")) {
		if (asprintf(&out, "%s%s", op[0] == 'D' ? "!" : "", key) < 0)
			abort();
	} else if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
		const cs_json *vals = cs_json_get(expr, "values");
		size_t n = cs_json_len(vals);
		if (!cs_json_is(vals, CS_JSON_ARRAY) || !n)
			return NULL;
		const char **sorted = calloc(n, sizeof(char *));
		if (!sorted)
			abort();
		for (size_t i = 0; i < n; i++)
			sorted[i] = or_default(cs_json_str(cs_json_at(vals, i)), "");
		qsort(sorted, n, sizeof(char *), cmp_str);
		sbuf b = {0};
		sb_printf(&b, "%s %s (", key, !strcmp(op, "In") ? "in" : "notin");
		for (size_t i = 0; i < n; i++) /* a set: duplicates collapse */
			if (!i || strcmp(sorted[i], sorted[i - 1]))
				sb_printf(&b, "%s%s", i ? "," : "", sorted[i]);
		sb_puts(&b, ")");
		free(sorted);
		out = b.s;
	}
	return out;
}

typedef struct {
	const char *key;
	char *text;
} req;

static int cmp_req(const void *a, const void *b)
{
	const req *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->text, y->text);
}

/* metav1.LabelSelectorAsSelector(sel).String(): requirements sorted by key.
 * Returns NULL for an invalid selector; "" for an empty or missing one. */
static char *selector_string(const cs_json *sel)
{
	const cs_json *ml = cs_json_get(sel, "matchLabels");
	const cs_json *me = cs_json_get(sel, "matchExpressions");
	size_t nl = cs_json_is(ml, CS_JSON_OBJECT) ? cs_json_len(ml) : 0;
	size_t ne = cs_json_is(me, CS_JSON_ARRAY) ? cs_json_len(me) : 0;
	req *reqs = calloc(nl + ne + 1, sizeof(req));
	if (!reqs)
		abort();
	size_t n = 0;
	bool bad = false;
	for (size_t i = 0; i < nl; i++) {
		const char *v = cs_json_str(ml->u.obj.vals[i]);
		reqs[n].key = ml->u.obj.keys[i];
		if (asprintf(&reqs[n].text, "%s=%s", reqs[n].key, v ? v : "") < 0)
			abort();
		n++;
	}
	for (size_t i = 0; i < ne && !bad; i++) {
		reqs[n].text = requirement(cs_json_at(me, i), &reqs[n].key);
		if (!reqs[n].text)
			bad = true;
		else
			n++;
	}
	qsort(reqs, n, sizeof(req), cmp_req);
	sbuf b = {0};
	sb_puts(&b, "");
	for (size_t i = 0; i < n; i++) {
		sb_sep(&b, ",");
		sb_puts(&b, reqs[i].text);
		free(reqs[i].text);
	}
	free(reqs);
	if (bad) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* metav1.FormatLabelSelector: "<none>" when empty, "<error>" when invalid. */
static cs_json *format_selector(const cs_json *sel)
{
	char *s = selector_string(sel);
	cs_json *v = cs_json_string(!s ? "<error>" : *s ? s : "<none>");
	free(s);
	return v;
}

/* Container names and images of a pod template, comma separated. */
static void push_containers(cs_json *cells, const cs_json *pod_spec)
{
	const cs_json *cs = cs_json_get(pod_spec, "containers");
	sbuf names = {0}, images = {0};
	sb_puts(&names, "");
	sb_puts(&images, "");
	for (size_t i = 0; i < cs_json_len(cs); i++) {
		const cs_json *c = cs_json_at(cs, i);
		if (i) {
			sb_puts(&names, ",");
			sb_puts(&images, ",");
		}
		sb_puts(&names, or_default(sget(c, "name"), ""));
		sb_puts(&images, or_default(sget(c, "image"), ""));
	}
	cs_json_push(cells, sb_json(&names));
	cs_json_push(cells, sb_json(&images));
}

static const cs_json *template_spec(const cs_json *obj)
{
	return cs_json_path(obj, "spec", "template", "spec", NULL);
}

/* ---- column definitions ---- */

typedef struct {
	const char *name, *type, *format;
	int priority;
	const char *desc;
} column;

#define COL(n, t, d)                                                                               \
	{                                                                                          \
		n, t, "", 0, d                                                                     \
	}
#define WIDE(n, t, d)                                                                              \
	{                                                                                          \
		n, t, "", 1, d                                                                     \
	}
#define NAME_COL                                                                                   \
	{                                                                                          \
		"Name", "string", "name", 0, "Name must be unique within a namespace."             \
	}
#define AGE_COL                                                                                    \
	{                                                                                          \
		"Age", "string", "", 0,                                                            \
			"CreationTimestamp is a timestamp representing the server time when this " \
			"object was "                                                              \
			"created."                                                                 \
	}
#define CONTAINERS_COL WIDE("Containers", "string", "Names of each container in the template.")
#define IMAGES_COL     WIDE("Images", "string", "Images referenced by each container in the template.")
#define SELECTOR_COL                                                                               \
	WIDE("Selector", "string", "Label query over pods that should match the replicas.")

typedef void (*row_fn)(cs_json *cells, const cs_json *obj, row_ctx *c, cs_json *row);

/* ---- per-kind rows ---- */

static bool cond_true(const cs_json *conds, const char *type)
{
	for (size_t i = 0; i < cs_json_len(conds); i++) {
		const cs_json *c = cs_json_at(conds, i);
		const char *t = sget(c, "type");
		if (t && !strcmp(t, type))
			return streq(sget(c, "status"), "True");
	}
	return false;
}

static void later_finish(const cs_json *status, time_t *latest)
{
	const char *fin =
		cs_json_str(cs_json_path(status, "lastState", "terminated", "finishedAt", NULL));
	time_t t;
	if (parse_time(fin, &t) && t > *latest)
		*latest = t;
}

/* Pod STATUS, READY and RESTARTS follow the kubectl rules: init container
 * progress ("Init:1/2"), the last container's waiting/terminated reason,
 * "Terminating" for a pod being deleted, sidecars counted as containers. */
static void row_pod(cs_json *cells, const cs_json *pod, row_ctx *c, cs_json *row)
{
	const cs_json *spec = cs_json_get(pod, "spec"), *st = cs_json_get(pod, "status");
	const cs_json *conds = cs_json_get(st, "conditions");
	const cs_json *inits = cs_json_get(spec, "initContainers");
	int64_t restarts = 0, sidecar_restarts = 0;
	int64_t total = (int64_t)cs_json_len(cs_json_get(spec, "containers")), ready = 0;
	time_t last_restart = 0, last_sidecar_restart = 0;
	const char *phase = sget(st, "phase");
	char reason[320];
	snprintf(reason, sizeof(reason), "%s",
		 or_default(sget(st, "reason"), or_default(phase, "")));

	for (size_t i = 0; i < cs_json_len(conds); i++) {
		const cs_json *cd = cs_json_at(conds, i);
		if (streq(sget(cd, "type"), "PodScheduled") &&
		    streq(sget(cd, "reason"), "SchedulingGated"))
			snprintf(reason, sizeof(reason), "SchedulingGated");
	}
	if (streq(phase, "Succeeded") || streq(phase, "Failed")) {
		bool ok = streq(phase, "Succeeded");
		cs_json *cond = cs_json_object();
		cs_json_set(cond, "type", cs_json_string("Completed"));
		cs_json_set(cond, "status", cs_json_string("True"));
		cs_json_set(cond, "reason", cs_json_string(phase));
		cs_json_set(cond, "message",
			    cs_json_string(ok ? "The pod has completed successfully."
					      : "The pod failed."));
		cs_json *arr = cs_json_array();
		cs_json_push(arr, cond);
		cs_json_set(row, "conditions", arr);
	}

	/* Sidecars: init containers with restartPolicy Always keep running. */
	for (size_t i = 0; i < cs_json_len(inits); i++)
		if (streq(sget(cs_json_at(inits, i), "restartPolicy"), "Always"))
			total++;

	const cs_json *ics = cs_json_get(st, "initContainerStatuses");
	bool initializing = false;
	for (size_t i = 0; i < cs_json_len(ics); i++) {
		const cs_json *cst = cs_json_at(ics, i);
		const char *cname = sget(cst, "name");
		bool sidecar = false;
		for (size_t j = 0; j < cs_json_len(inits); j++) {
			const cs_json *ic = cs_json_at(inits, j);
			if (streq(sget(ic, "name"), cname))
				sidecar = streq(sget(ic, "restartPolicy"), "Always");
		}
		int64_t rc = iget(cst, "restartCount", 0);
		restarts += rc;
		later_finish(cst, &last_restart);
		if (sidecar) {
			sidecar_restarts += rc;
			later_finish(cst, &last_sidecar_restart);
		}
		const cs_json *term = cs_json_path(cst, "state", "terminated", NULL);
		const cs_json *wait = cs_json_path(cst, "state", "waiting", NULL);
		if (term && iget(term, "exitCode", 0) == 0)
			continue;
		if (sidecar && cs_json_as_bool(cs_json_get(cst, "started"), false)) {
			if (cs_json_as_bool(cs_json_get(cst, "ready"), false))
				ready++;
			continue;
		}
		if (term) {
			const char *r = sget(term, "reason");
			if (nonempty(r))
				snprintf(reason, sizeof(reason), "Init:%s", r);
			else if (iget(term, "signal", 0))
				snprintf(reason, sizeof(reason), "Init:Signal:%lld",
					 (long long)iget(term, "signal", 0));
			else
				snprintf(reason, sizeof(reason), "Init:ExitCode:%lld",
					 (long long)iget(term, "exitCode", 0));
		} else if (wait && nonempty(sget(wait, "reason")) &&
			   !streq(sget(wait, "reason"), "PodInitializing")) {
			snprintf(reason, sizeof(reason), "Init:%s", sget(wait, "reason"));
		} else {
			snprintf(reason, sizeof(reason), "Init:%zu/%zu", i, cs_json_len(inits));
		}
		initializing = true;
		break;
	}

	if (!initializing || cond_true(conds, "Initialized")) {
		restarts = sidecar_restarts;
		last_restart = last_sidecar_restart;
		bool running = false;
		const cs_json *css = cs_json_get(st, "containerStatuses");
		for (size_t k = cs_json_len(css); k-- > 0;) {
			const cs_json *cst = cs_json_at(css, k);
			restarts += iget(cst, "restartCount", 0);
			later_finish(cst, &last_restart);
			const cs_json *term = cs_json_path(cst, "state", "terminated", NULL);
			const char *wr =
				cs_json_str(cs_json_path(cst, "state", "waiting", "reason", NULL));
			if (nonempty(wr)) {
				snprintf(reason, sizeof(reason), "%s", wr);
			} else if (term && nonempty(sget(term, "reason"))) {
				snprintf(reason, sizeof(reason), "%s", sget(term, "reason"));
			} else if (term) {
				if (iget(term, "signal", 0))
					snprintf(reason, sizeof(reason), "Signal:%lld",
						 (long long)iget(term, "signal", 0));
				else
					snprintf(reason, sizeof(reason), "ExitCode:%lld",
						 (long long)iget(term, "exitCode", 0));
			} else if (cs_json_as_bool(cs_json_get(cst, "ready"), false) &&
				   cs_json_path(cst, "state", "running", NULL)) {
				running = true;
				ready++;
			}
		}
		if (!strcmp(reason, "Completed") && running)
			snprintf(reason, sizeof(reason), "%s",
				 cond_true(conds, "Ready") ? "Running" : "NotReady");
	}

	if (is_deleting(pod) && streq(sget(st, "reason"), "NodeLost"))
		snprintf(reason, sizeof(reason), "Unknown");
	else if (is_deleting(pod) && !streq(phase, "Succeeded") && !streq(phase, "Failed"))
		snprintf(reason, sizeof(reason), "Terminating");

	push_str(cells, obj_name(pod));
	cs_json_push(cells, cs_json_stringf("%lld/%lld", (long long)ready, (long long)total));
	push_str(cells, reason);
	if (restarts && last_restart)
		cs_json_push(cells, cs_json_stringf("%lld (%s ago)", (long long)restarts,
						    since_t(c, last_restart)));
	else
		cs_json_push(cells, cs_json_stringf("%lld", (long long)restarts));
	push_age(cells, c, pod);

	const char *ip = cs_json_str(cs_json_get(cs_json_at(cs_json_get(st, "podIPs"), 0), "ip"));
	push_str(cells, or_default(ip, or_default(sget(st, "podIP"), "<none>")));
	push_str(cells, or_default(sget(spec, "nodeName"), "<none>"));
	push_str(cells, or_default(sget(st, "nominatedNodeName"), "<none>"));
	const cs_json *gates = cs_json_get(spec, "readinessGates");
	if (!cs_json_len(gates)) {
		push_str(cells, "<none>");
		return;
	}
	size_t ok = 0;
	for (size_t i = 0; i < cs_json_len(gates); i++) {
		const char *ct = sget(cs_json_at(gates, i), "conditionType");
		for (size_t j = 0; j < cs_json_len(conds); j++) {
			const cs_json *cd = cs_json_at(conds, j);
			if (streq(sget(cd, "type"), ct)) {
				if (streq(sget(cd, "status"), "True"))
					ok++;
				break;
			}
		}
	}
	cs_json_push(cells, cs_json_stringf("%zu/%zu", ok, cs_json_len(gates)));
}

static const column pod_cols[] = {
	NAME_COL,
	COL("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
	COL("Status", "string", "The aggregate status of the containers in this pod."),
	COL("Restarts", "string",
	    "The number of times the containers in this pod have been restarted and when the "
	    "last container in this pod has restarted."),
	AGE_COL,
	WIDE("IP", "string", "IP address allocated to the pod."),
	WIDE("Node", "string", "The node the pod is scheduled onto."),
	WIDE("Nominated Node", "string", "The node the pod is nominated to run on (preemption)."),
	WIDE("Readiness Gates", "string", "Readiness gates satisfied out of those declared."),
};

/* spec.replicas is defaulted to 1 by the API server; an absent value means
 * the object predates defaulting, which Kubernetes treats the same way. */
static int64_t spec_replicas(const cs_json *obj)
{
	return iget(cs_json_get(obj, "spec"), "replicas", 1);
}

static void row_deployment(cs_json *cells, const cs_json *d, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *st = cs_json_get(d, "status");
	push_str(cells, obj_name(d));
	cs_json_push(cells, cs_json_stringf("%lld/%lld", (long long)iget(st, "readyReplicas", 0),
					    (long long)spec_replicas(d)));
	push_int(cells, iget(st, "updatedReplicas", 0));
	push_int(cells, iget(st, "availableReplicas", 0));
	push_age(cells, c, d);
	push_containers(cells, template_spec(d));
	char *sel = selector_string(cs_json_path(d, "spec", "selector", NULL));
	push_str(cells, sel ? sel : "<invalid>");
	free(sel);
}

static const column deployment_cols[] = {
	NAME_COL,
	COL("Ready", "string", "Number of the pod with ready state"),
	COL("Up-to-date", "string",
	    "Total number of non-terminated pods targeted by this "
	    "deployment that have the desired template spec."),
	COL("Available", "string",
	    "Total number of available pods (ready for at least "
	    "minReadySeconds) targeted by this deployment."),
	AGE_COL,
	CONTAINERS_COL,
	IMAGES_COL,
	SELECTOR_COL,
};

static void row_replicaset(cs_json *cells, const cs_json *rs, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *st = cs_json_get(rs, "status");
	push_str(cells, obj_name(rs));
	push_int(cells, spec_replicas(rs));
	push_int(cells, iget(st, "replicas", 0));
	push_int(cells, iget(st, "readyReplicas", 0));
	push_age(cells, c, rs);
	push_containers(cells, template_spec(rs));
	cs_json_push(cells, format_selector(cs_json_path(rs, "spec", "selector", NULL)));
}

static const column replicaset_cols[] = {
	NAME_COL,
	COL("Desired", "integer", "Replicas is the number of desired replicas."),
	COL("Current", "integer", "Replicas is the most recently observed number of replicas."),
	COL("Ready", "integer", "The number of ready replicas for this replica set."),
	AGE_COL,
	CONTAINERS_COL,
	IMAGES_COL,
	SELECTOR_COL,
};

static void row_daemonset(cs_json *cells, const cs_json *ds, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *st = cs_json_get(ds, "status");
	push_str(cells, obj_name(ds));
	push_int(cells, iget(st, "desiredNumberScheduled", 0));
	push_int(cells, iget(st, "currentNumberScheduled", 0));
	push_int(cells, iget(st, "numberReady", 0));
	push_int(cells, iget(st, "updatedNumberScheduled", 0));
	push_int(cells, iget(st, "numberAvailable", 0));
	cs_json_push(cells, format_labels(cs_json_get(template_spec(ds), "nodeSelector")));
	push_age(cells, c, ds);
	push_containers(cells, template_spec(ds));
	cs_json_push(cells, format_selector(cs_json_path(ds, "spec", "selector", NULL)));
}

static const column daemonset_cols[] = {
	NAME_COL,
	COL("Desired", "integer",
	    "The total number of nodes that should be running the daemon pod."),
	COL("Current", "integer",
	    "The number of nodes running at least one daemon pod that are "
	    "supposed to."),
	COL("Ready", "integer",
	    "The number of nodes that should be running the daemon pod and "
	    "have one or more of the daemon pod running and ready."),
	COL("Up-to-date", "integer",
	    "The total number of nodes that are running updated daemon pod."),
	COL("Available", "integer",
	    "The number of nodes that should be running the daemon pod and "
	    "have one or more of the daemon pod running and available."),
	COL("Node Selector", "string",
	    "NodeSelector is a selector which must be true for the pod "
	    "to fit on a node."),
	AGE_COL,
	CONTAINERS_COL,
	IMAGES_COL,
	SELECTOR_COL,
};

static void row_statefulset(cs_json *cells, const cs_json *ss, row_ctx *c, cs_json *row)
{
	(void)row;
	push_str(cells, obj_name(ss));
	int64_t ready = iget(cs_json_get(ss, "status"), "readyReplicas", 0);
	cs_json_push(cells,
		     cs_json_stringf("%lld/%lld", (long long)ready, (long long)spec_replicas(ss)));
	push_age(cells, c, ss);
	push_containers(cells, template_spec(ss));
}

static const column statefulset_cols[] = {
	NAME_COL,   COL("Ready", "string", "Number of the pod with ready state"),
	AGE_COL,    CONTAINERS_COL,
	IMAGES_COL,
};

static void row_job(cs_json *cells, const cs_json *job, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *spec = cs_json_get(job, "spec"), *st = cs_json_get(job, "status");
	const cs_json *conds = cs_json_get(st, "conditions");
	int64_t ok = iget(st, "succeeded", 0);
	const char *status = "Running";
	if (cond_true(conds, "Complete"))
		status = "Complete";
	else if (cond_true(conds, "Failed"))
		status = "Failed";
	else if (is_deleting(job))
		status = "Terminating";
	else if (cond_true(conds, "Suspended"))
		status = "Suspended";
	else if (cond_true(conds, "FailureTarget"))
		status = "FailureTarget";

	push_str(cells, obj_name(job));
	push_str(cells, status);
	if (cs_json_is(cs_json_get(spec, "completions"), CS_JSON_NUMBER))
		cs_json_push(cells, cs_json_stringf("%lld/%lld", (long long)ok,
						    (long long)iget(spec, "completions", 0)));
	else if (iget(spec, "parallelism", 0) > 1)
		cs_json_push(cells, cs_json_stringf("%lld/1 of %lld", (long long)ok,
						    (long long)iget(spec, "parallelism", 0)));
	else
		cs_json_push(cells, cs_json_stringf("%lld/1", (long long)ok));

	time_t start, end;
	char dur[64] = "";
	if (parse_time(sget(st, "startTime"), &start)) {
		if (!parse_time(sget(st, "completionTime"), &end))
			end = c->now;
		cs_human_duration((int64_t)(end - start), dur, sizeof(dur));
	}
	push_str(cells, dur);
	push_age(cells, c, job);
	push_containers(cells, template_spec(job));
	cs_json_push(cells, format_selector(cs_json_get(spec, "selector")));
}

static const column job_cols[] = {
	NAME_COL,
	COL("Status", "string", "Status of the job."),
	COL("Completions", "string", "The number of pods which reached phase Succeeded."),
	COL("Duration", "string", "Time required to complete the job."),
	AGE_COL,
	CONTAINERS_COL,
	IMAGES_COL,
	SELECTOR_COL,
};

static void row_cronjob(cs_json *cells, const cs_json *cj, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *spec = cs_json_get(cj, "spec"), *st = cs_json_get(cj, "status");
	const cs_json *suspend = cs_json_get(spec, "suspend");
	push_str(cells, obj_name(cj));
	push_str(cells, sget(spec, "schedule"));
	push_str(cells, or_default(sget(spec, "timeZone"), "<none>"));
	push_str(cells, !cs_json_is(suspend, CS_JSON_BOOL) ? "<unset>"
			: suspend->u.b                     ? "True"
							   : "False");
	push_int(cells, (int64_t)cs_json_len(cs_json_get(st, "active")));
	const char *last = sget(st, "lastScheduleTime");
	push_str(cells, nonempty(last) ? since(c, last) : "<none>");
	push_age(cells, c, cj);
	const cs_json *job_spec = cs_json_path(spec, "jobTemplate", "spec", NULL);
	push_containers(cells, cs_json_path(job_spec, "template", "spec", NULL));
	cs_json_push(cells, format_selector(cs_json_get(job_spec, "selector")));
}

static const column cronjob_cols[] = {
	NAME_COL,
	COL("Schedule", "string", "The schedule in Cron format."),
	COL("Timezone", "string", "The time zone name for the given schedule."),
	COL("Suspend", "boolean", "Whether subsequent executions are suspended."),
	COL("Active", "integer", "Number of currently running jobs."),
	COL("Last Schedule", "string", "When the job was last successfully scheduled."),
	AGE_COL,
	CONTAINERS_COL,
	IMAGES_COL,
	SELECTOR_COL,
};

/* Unique load balancer IPs/hostnames, sorted (a Go string set). */
static void lb_ingress(sbuf *b, const cs_json *svc)
{
	const cs_json *ing = cs_json_path(svc, "status", "loadBalancer", "ingress", NULL);
	size_t n = cs_json_len(ing), k = 0;
	const char **v = calloc(n + 1, sizeof(char *));
	if (!v)
		abort();
	for (size_t i = 0; i < n; i++) {
		const cs_json *e = cs_json_at(ing, i);
		const char *s = nonempty(sget(e, "ip")) ? sget(e, "ip") : sget(e, "hostname");
		if (nonempty(s))
			v[k++] = s;
	}
	qsort(v, k, sizeof(char *), cmp_str);
	for (size_t i = 0; i < k; i++) {
		if (i && !strcmp(v[i], v[i - 1]))
			continue;
		sb_sep(b, ",");
		sb_puts(b, v[i]);
	}
	free(v);
}

static void join_strings(sbuf *b, const cs_json *arr)
{
	for (size_t i = 0; i < cs_json_len(arr); i++) {
		const char *s = cs_json_str(cs_json_at(arr, i));
		if (s) {
			sb_sep(b, ",");
			sb_puts(b, s);
		}
	}
}

static void row_service(cs_json *cells, const cs_json *svc, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *spec = cs_json_get(svc, "spec");
	const char *type = or_default(sget(spec, "type"), "");
	const cs_json *ext = cs_json_get(spec, "externalIPs");
	push_str(cells, obj_name(svc));
	push_str(cells, type);
	const char *cip = cs_json_str(cs_json_at(cs_json_get(spec, "clusterIPs"), 0));
	push_str(cells, or_default(cip, or_default(sget(spec, "clusterIP"), "<none>")));

	sbuf b = {0};
	if (!strcmp(type, "ClusterIP") || !strcmp(type, "NodePort")) {
		join_strings(&b, ext);
		if (!b.len)
			sb_puts(&b, "<none>");
	} else if (!strcmp(type, "LoadBalancer")) {
		lb_ingress(&b, svc);
		join_strings(&b, ext);
		if (!b.len)
			sb_puts(&b, "<pending>");
	} else if (!strcmp(type, "ExternalName")) {
		sb_puts(&b, or_default(sget(spec, "externalName"), ""));
	} else {
		sb_puts(&b, "<unknown>");
	}
	cs_json_push(cells, sb_json(&b));

	const cs_json *ports = cs_json_get(spec, "ports");
	for (size_t i = 0; i < cs_json_len(ports); i++) {
		const cs_json *p = cs_json_at(ports, i);
		const char *proto = or_default(sget(p, "protocol"), "TCP");
		sb_sep(&b, ",");
		if (iget(p, "nodePort", 0) > 0)
			sb_printf(&b, "%lld:%lld/%s", (long long)iget(p, "port", 0),
				  (long long)iget(p, "nodePort", 0), proto);
		else
			sb_printf(&b, "%lld/%s", (long long)iget(p, "port", 0), proto);
	}
	if (!b.len)
		sb_puts(&b, "<none>");
	cs_json_push(cells, sb_json(&b));
	push_age(cells, c, svc);
	cs_json_push(cells, format_labels(cs_json_get(spec, "selector")));
}

static const column service_cols[] = {
	NAME_COL,
	COL("Type", "string", "Type determines how the Service is exposed."),
	COL("Cluster-IP", "string", "The IP address of the service, usually assigned randomly."),
	COL("External-IP", "string",
	    "IP addresses for which nodes in the cluster will also "
	    "accept traffic for this service."),
	COL("Port(s)", "string", "The list of ports that are exposed by this service."),
	AGE_COL,
	WIDE("Selector", "string",
	     "Route service traffic to pods with label keys and values "
	     "matching this selector."),
};

/* At most three addresses, then "+ N more...". */
static void row_endpoints(cs_json *cells, const cs_json *ep, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *subsets = cs_json_get(ep, "subsets");
	sbuf b = {0};
	size_t listed = 0, count = 0;
	const size_t max = 3;
	bool more = false;
	for (size_t i = 0; i < cs_json_len(subsets); i++) {
		const cs_json *ss = cs_json_at(subsets, i);
		const cs_json *addrs = cs_json_get(ss, "addresses");
		const cs_json *ports = cs_json_get(ss, "ports");
		size_t np = cs_json_len(ports);
		for (size_t p = 0; p < (np ? np : 1); p++) {
			count += cs_json_len(addrs);
			for (size_t a = 0; a < cs_json_len(addrs); a++) {
				if (listed == max) {
					more = true;
					break;
				}
				const char *ip = or_default(sget(cs_json_at(addrs, a), "ip"), "");
				sb_sep(&b, ",");
				if (!np)
					sb_puts(&b, ip);
				else if (strchr(ip, ':'))
					sb_printf(&b, "[%s]:%lld", ip,
						  (long long)iget(cs_json_at(ports, p), "port", 0));
				else
					sb_printf(&b, "%s:%lld", ip,
						  (long long)iget(cs_json_at(ports, p), "port", 0));
				listed++;
			}
		}
	}
	if (!cs_json_len(subsets))
		sb_puts(&b, "<none>");
	else if (more)
		sb_printf(&b, " + %zu more...", count - max);
	push_str(cells, obj_name(ep));
	cs_json_push(cells, sb_json(&b));
	push_age(cells, c, ep);
}

static const column endpoints_cols[] = {
	NAME_COL,
	COL("Endpoints", "string", "The set of all endpoints is the union of all subsets."),
	AGE_COL,
};

static const char *node_address(const cs_json *node, const char *type)
{
	const cs_json *addrs = cs_json_path(node, "status", "addresses", NULL);
	for (size_t i = 0; i < cs_json_len(addrs); i++)
		if (streq(sget(cs_json_at(addrs, i), "type"), type))
			return or_default(sget(cs_json_at(addrs, i), "address"), "");
	return "<none>";
}

static void row_node(cs_json *cells, const cs_json *node, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *conds = cs_json_path(node, "status", "conditions", NULL);
	const cs_json *info = cs_json_path(node, "status", "nodeInfo", NULL);
	sbuf b = {0};
	for (size_t i = 0; i < cs_json_len(conds); i++) {
		const cs_json *cd = cs_json_at(conds, i);
		if (streq(sget(cd, "type"), "Ready")) {
			b.len = 0;
			sb_puts(&b, streq(sget(cd, "status"), "True") ? "Ready" : "NotReady");
		}
	}
	if (!b.len)
		sb_puts(&b, "Unknown");
	if (cs_json_as_bool(cs_json_path(node, "spec", "unschedulable", NULL), false))
		sb_puts(&b, ",SchedulingDisabled");
	push_str(cells, obj_name(node));
	cs_json_push(cells, sb_json(&b));

	/* Roles come from node-role.kubernetes.io/<role> and kubernetes.io/role. */
	const cs_json *labels = cs_json_path(node, "metadata", "labels", NULL);
	size_t n = cs_json_is(labels, CS_JSON_OBJECT) ? cs_json_len(labels) : 0, k = 0;
	const char **roles = calloc(n + 1, sizeof(char *));
	if (!roles)
		abort();
	static const char prefix[] = "node-role.kubernetes.io/";
	for (size_t i = 0; i < n; i++) {
		const char *key = labels->u.obj.keys[i], *val = cs_json_str(labels->u.obj.vals[i]);
		if (!strncmp(key, prefix, sizeof(prefix) - 1) && key[sizeof(prefix) - 1])
			roles[k++] = key + sizeof(prefix) - 1;
		else if (!strcmp(key, "kubernetes.io/role") && nonempty(val))
			roles[k++] = val;
	}
	qsort(roles, k, sizeof(char *), cmp_str);
	for (size_t i = 0; i < k; i++) {
		if (i && !strcmp(roles[i], roles[i - 1]))
			continue;
		sb_sep(&b, ",");
		sb_puts(&b, roles[i]);
	}
	free(roles);
	if (!b.len)
		sb_puts(&b, "<none>");
	cs_json_push(cells, sb_json(&b));
	push_age(cells, c, node);
	push_str(cells, sget(info, "kubeletVersion"));
	push_str(cells, node_address(node, "InternalIP"));
	push_str(cells, node_address(node, "ExternalIP"));
	push_str(cells, or_default(sget(info, "osImage"), "<unknown>"));
	push_str(cells, or_default(sget(info, "kernelVersion"), "<unknown>"));
	push_str(cells, or_default(sget(info, "containerRuntimeVersion"), "<unknown>"));
}

static const column node_cols[] = {
	NAME_COL,
	COL("Status", "string", "The status of the node"),
	COL("Roles", "string", "The roles of the node"),
	AGE_COL,
	COL("Version", "string", "Kubelet Version reported by the node."),
	WIDE("Internal-IP", "string", "List of addresses reachable to the node."),
	WIDE("External-IP", "string", "List of addresses reachable to the node."),
	WIDE("OS-Image", "string", "OS Image reported by the node."),
	WIDE("Kernel-Version", "string", "Kernel Version reported by the node."),
	WIDE("Container-Runtime", "string", "ContainerRuntime Version reported by the node."),
};

static void row_event(cs_json *cells, const cs_json *ev, row_ctx *c, cs_json *row)
{
	(void)row;
	char first[64], last[64];
	const char *ft = sget(ev, "firstTimestamp");
	snprintf(first, sizeof(first), "%s", since(c, nonempty(ft) ? ft : sget(ev, "eventTime")));
	const char *lt = sget(ev, "lastTimestamp");
	snprintf(last, sizeof(last), "%s", nonempty(lt) ? since(c, lt) : first);
	int64_t count = iget(ev, "count", 0);
	const cs_json *series = cs_json_get(ev, "series");
	if (cs_json_is(series, CS_JSON_OBJECT)) {
		snprintf(last, sizeof(last), "%s", since(c, sget(series, "lastObservedTime")));
		count = iget(series, "count", 0);
	} else if (count == 0) {
		count = 1; /* singleton events carry no count in the new API */
	}

	const cs_json *inv = cs_json_get(ev, "involvedObject");
	sbuf target = {0};
	for (const char *k = or_default(sget(inv, "kind"), ""); *k; k++) {
		char ch = (*k >= 'A' && *k <= 'Z') ? (char)(*k - 'A' + 'a') : *k;
		sb_add(&target, &ch, 1);
	}
	if (nonempty(sget(inv, "name")))
		sb_printf(&target, "/%s", sget(inv, "name"));

	const cs_json *src = cs_json_get(ev, "source");
	const char *comp =
		or_default(sget(src, "component"), or_default(sget(ev, "reportingComponent"), ""));
	const char *host =
		or_default(sget(src, "host"), or_default(sget(ev, "reportingInstance"), ""));
	sbuf source = {0};
	sb_puts(&source, comp);
	if (*host)
		sb_printf(&source, ", %s", host);

	/* Message trimmed of surrounding white space, as strings.TrimSpace. */
	const char *msg = or_default(sget(ev, "message"), "");
	while (*msg == ' ' || *msg == '\t' || *msg == '\n' || *msg == '\r' || *msg == '\v' ||
	       *msg == '\f')
		msg++;
	size_t ml = strlen(msg);
	while (ml && strchr(" \t\n\r\v\f", msg[ml - 1]))
		ml--;

	push_str(cells, last);
	push_str(cells, sget(ev, "type"));
	push_str(cells, sget(ev, "reason"));
	cs_json_push(cells, sb_json(&target));
	push_str(cells, sget(inv, "fieldPath"));
	cs_json_push(cells, sb_json(&source));
	cs_json_push(cells, cs_json_stringn(msg, ml));
	push_str(cells, first);
	push_int(cells, count);
	push_str(cells, obj_name(ev));
}

static const column event_cols[] = {
	COL("Last Seen", "string",
	    "The time at which the most recent occurrence of this event "
	    "was recorded."),
	COL("Type", "string", "Type of this event (Normal, Warning)."),
	COL("Reason", "string", "Short, machine understandable string for the transition."),
	COL("Object", "string", "The object that this event is about."),
	WIDE("Subobject", "string", "The part of the object the event is about."),
	WIDE("Source", "string", "The component reporting this event."),
	COL("Message", "string", "A human-readable description of the status of this operation."),
	WIDE("First Seen", "string", "The time at which the event was first recorded."),
	WIDE("Count", "string", "The number of times this event has occurred."),
	{"Name", "string", "name", 1, "Name must be unique within a namespace."},
};

static void row_namespace(cs_json *cells, const cs_json *ns, row_ctx *c, cs_json *row)
{
	(void)row;
	push_str(cells, obj_name(ns));
	push_str(cells, cs_json_str(cs_json_path(ns, "status", "phase", NULL)));
	push_age(cells, c, ns);
}

static const column namespace_cols[] = {
	NAME_COL,
	COL("Status", "string", "The status of the namespace"),
	AGE_COL,
};

static void row_secret(cs_json *cells, const cs_json *s, row_ctx *c, cs_json *row)
{
	(void)row;
	push_str(cells, obj_name(s));
	push_str(cells, sget(s, "type"));
	push_int(cells, (int64_t)cs_json_len(cs_json_get(s, "data")));
	push_age(cells, c, s);
}

static const column secret_cols[] = {
	NAME_COL,
	COL("Type", "string", "Used to facilitate programmatic handling of secret data."),
	COL("Data", "string", "Number of keys in the secret data."),
	AGE_COL,
};

static void row_configmap(cs_json *cells, const cs_json *cm, row_ctx *c, cs_json *row)
{
	(void)row;
	push_str(cells, obj_name(cm));
	push_int(cells, (int64_t)(cs_json_len(cs_json_get(cm, "data")) +
				  cs_json_len(cs_json_get(cm, "binaryData"))));
	push_age(cells, c, cm);
}

static const column configmap_cols[] = {
	NAME_COL,
	COL("Data", "string", "Number of keys in the configuration data."),
	AGE_COL,
};

static void row_serviceaccount(cs_json *cells, const cs_json *sa, row_ctx *c, cs_json *row)
{
	(void)row;
	push_str(cells, obj_name(sa));
	push_int(cells, (int64_t)cs_json_len(cs_json_get(sa, "secrets")));
	push_age(cells, c, sa);
}

static const column serviceaccount_cols[] = {
	NAME_COL,
	COL("Secrets", "string",
	    "Secrets is a list of the secrets in the same namespace that "
	    "pods running using this ServiceAccount are allowed to use."),
	AGE_COL,
};

/* helper.GetAccessModesAsString: fixed order, abbreviated. */
static cs_json *access_modes(const cs_json *modes)
{
	static const char *const order[][2] = {
		{"ReadWriteOnce", "RWO"},
		{"ReadOnlyMany", "ROX"},
		{"ReadWriteMany", "RWX"},
		{"ReadWriteOncePod", "RWOP"},
	};
	sbuf b = {0};
	sb_puts(&b, "");
	for (size_t k = 0; k < 4; k++)
		for (size_t i = 0; i < cs_json_len(modes); i++)
			if (streq(cs_json_str(cs_json_at(modes, i)), order[k][0])) {
				sb_sep(&b, ",");
				sb_puts(&b, order[k][1]);
				break;
			}
	return sb_json(&b);
}

/* The beta annotation still wins over spec.storageClassName. */
static const char *storage_class(const cs_json *obj)
{
	static const char beta[] = "volume.beta.kubernetes.io/storage-class";
	const char *ann = cs_json_str(cs_json_path(obj, "metadata", "annotations", beta, NULL));
	if (ann)
		return ann;
	return or_default(cs_json_str(cs_json_path(obj, "spec", "storageClassName", NULL)), "");
}

static void row_pv(cs_json *cells, const cs_json *pv, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *spec = cs_json_get(pv, "spec");
	const cs_json *claim = cs_json_get(spec, "claimRef");
	push_str(cells, obj_name(pv));
	push_str(cells, cs_json_str(cs_json_path(spec, "capacity", "storage", NULL)));
	cs_json_push(cells, access_modes(cs_json_get(spec, "accessModes")));
	push_str(cells, sget(spec, "persistentVolumeReclaimPolicy"));
	push_str(cells, is_deleting(pv) ? "Terminating"
					: cs_json_str(cs_json_path(pv, "status", "phase", NULL)));
	if (claim)
		cs_json_push(cells,
			     cs_json_stringf("%s/%s", or_default(sget(claim, "namespace"), ""),
					     or_default(sget(claim, "name"), "")));
	else
		push_str(cells, "");
	push_str(cells, storage_class(pv));
	push_str(cells, or_default(sget(spec, "volumeAttributesClassName"), "<unset>"));
	push_str(cells, cs_json_str(cs_json_path(pv, "status", "reason", NULL)));
	push_age(cells, c, pv);
	push_str(cells, or_default(sget(spec, "volumeMode"), "<unset>"));
}

static const column pv_cols[] = {
	NAME_COL,
	COL("Capacity", "string",
	    "Capacity is the description of the persistent volume's "
	    "resources and capacity."),
	COL("Access Modes", "string", "AccessModes contains all ways the volume can be mounted."),
	COL("Reclaim Policy", "string",
	    "What happens to a persistent volume when released from "
	    "its claim."),
	COL("Status", "string",
	    "Phase indicates if a volume is available, bound to a claim, or "
	    "released by a claim."),
	COL("Claim", "string",
	    "ClaimRef is part of a bi-directional binding between "
	    "PersistentVolume and PersistentVolumeClaim."),
	COL("StorageClass", "string", "StorageClass of the pv"),
	COL("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
	COL("Reason", "string", "Reason is a brief CamelCase string that describes any failure."),
	AGE_COL,
	WIDE("VolumeMode", "string",
	     "volumeMode defines if a volume is intended to be used with a "
	     "formatted filesystem or to remain in raw block state."),
};

static void row_pvc(cs_json *cells, const cs_json *pvc, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *spec = cs_json_get(pvc, "spec"), *st = cs_json_get(pvc, "status");
	const char *volume = or_default(sget(spec, "volumeName"), "");
	push_str(cells, obj_name(pvc));
	push_str(cells, is_deleting(pvc) ? "Terminating" : sget(st, "phase"));
	push_str(cells, volume);
	if (*volume) {
		push_str(cells, cs_json_str(cs_json_path(st, "capacity", "storage", NULL)));
		cs_json_push(cells, access_modes(cs_json_get(st, "accessModes")));
	} else {
		push_str(cells, "");
		push_str(cells, "");
	}
	push_str(cells, storage_class(pvc));
	push_str(cells, or_default(sget(spec, "volumeAttributesClassName"), "<unset>"));
	push_age(cells, c, pvc);
	push_str(cells, or_default(sget(spec, "volumeMode"), "<unset>"));
}

static const column pvc_cols[] = {
	NAME_COL,
	COL("Status", "string", "Phase represents the current phase of PersistentVolumeClaim."),
	COL("Volume", "string",
	    "The binding reference to the PersistentVolume backing this claim."),
	COL("Capacity", "string", "The actual resources of the underlying volume."),
	COL("Access Modes", "string", "The actual access modes the volume backing the PVC has."),
	COL("StorageClass", "string", "StorageClass of the pvc"),
	COL("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
	AGE_COL,
	WIDE("VolumeMode", "string",
	     "volumeMode defines what type of volume is required by the "
	     "claim."),
};

static void row_storageclass(cs_json *cells, const cs_json *sc, row_ctx *c, cs_json *row)
{
	(void)row;
	const cs_json *ann = cs_json_path(sc, "metadata", "annotations", NULL);
	bool def = streq(sget(ann, "storageclass.kubernetes.io/is-default-class"), "true") ||
		   streq(sget(ann, "storageclass.beta.kubernetes.io/is-default-class"), "true");
	cs_json_push(cells, cs_json_stringf("%s%s", or_default(obj_name(sc), ""),
					    def ? " (default)" : ""));
	push_str(cells, sget(sc, "provisioner"));
	push_str(cells, or_default(sget(sc, "reclaimPolicy"), "Delete"));
	push_str(cells, or_default(sget(sc, "volumeBindingMode"), "Immediate"));
	cs_json_push(cells,
		     cs_json_bool(cs_json_as_bool(cs_json_get(sc, "allowVolumeExpansion"), false)));
	push_age(cells, c, sc);
}

static const column storageclass_cols[] = {
	NAME_COL,
	COL("Provisioner", "string", "Provisioner indicates the type of the provisioner."),
	COL("ReclaimPolicy", "string", "Reclaim policy of dynamically provisioned volumes."),
	COL("VolumeBindingMode", "string", "When volumes are provisioned and bound."),
	COL("AllowVolumeExpansion", "string", "Whether the storage class allows volume expand."),
	AGE_COL,
};

static void row_lease(cs_json *cells, const cs_json *l, row_ctx *c, cs_json *row)
{
	(void)row;
	push_str(cells, obj_name(l));
	push_str(cells, cs_json_str(cs_json_path(l, "spec", "holderIdentity", NULL)));
	push_age(cells, c, l);
}

static const column lease_cols[] = {
	NAME_COL,
	COL("Holder", "string", "The identity of the holder of a current lease."),
	AGE_COL,
};

static void row_priorityclass(cs_json *cells, const cs_json *pc, row_ctx *c, cs_json *row)
{
	(void)row;
	push_str(cells, obj_name(pc));
	push_int(cells, iget(pc, "value", 0));
	cs_json_push(cells, cs_json_bool(cs_json_as_bool(cs_json_get(pc, "globalDefault"), false)));
	push_age(cells, c, pc);
	push_str(cells, or_default(sget(pc, "preemptionPolicy"), "PreemptLowerPriority"));
}

static const column priorityclass_cols[] = {
	NAME_COL,
	COL("Value", "integer", "value represents the integer value of this priority class."),
	COL("Global-Default", "boolean",
	    "globalDefault specifies whether this PriorityClass should be considered as the "
	    "default priority."),
	AGE_COL,
	COL("PreemptionPolicy", "string",
	    "preemptionPolicy is the Policy for preempting pods with lower priority."),
};

/* "requests.cpu: 500m/1, pods: 2/10": used/hard per resource, sorted, the
 * limits.* ones in their own column. */
static void push_quota(cs_json *cells, const cs_json *rq, bool limits)
{
	const cs_json *hard = cs_json_path(rq, "status", "hard", NULL);
	const cs_json *used = cs_json_path(rq, "status", "used", NULL);
	size_t n = cs_json_is(hard, CS_JSON_OBJECT) ? cs_json_len(hard) : 0;
	const char **names = calloc(n ? n : 1, sizeof(char *));
	if (!names)
		abort();
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!strncmp(hard->u.obj.keys[i], "limits.", 7) == limits)
			names[k++] = hard->u.obj.keys[i];
	qsort(names, k, sizeof(char *), cmp_str);
	sbuf b = {0};
	for (size_t i = 0; i < k; i++) {
		const cs_json *h = cs_json_get(hard, names[i]), *u = cs_json_get(used, names[i]);
		sb_sep(&b, ", ");
		sb_printf(
			&b, "%s: %s/%s", names[i],
			u ? or_default(cs_json_str(u),
				       u->type == CS_JSON_NUMBER ? u->u.num.text : "0")
			  : "0",
			or_default(cs_json_str(h), h->type == CS_JSON_NUMBER ? h->u.num.text : ""));
	}
	free(names);
	cs_json_push(cells, sb_json(&b));
}

static void row_resourcequota(cs_json *cells, const cs_json *rq, row_ctx *c, cs_json *row)
{
	(void)row;
	push_str(cells, obj_name(rq));
	push_age(cells, c, rq);
	push_quota(cells, rq, false);
	push_quota(cells, rq, true);
}

static const column resourcequota_cols[] = {
	NAME_COL,
	AGE_COL,
	COL("Request", "string",
	    "Request represents a minimum amount of cpu/memory that a container may consume."),
	COL("Limit", "string",
	    "Limits control the maximum amount of cpu/memory that a container may use "
	    "independent of contention on the node."),
};

static void row_limitrange(cs_json *cells, const cs_json *lr, row_ctx *c, cs_json *row)
{
	(void)row;
	(void)c;
	push_str(cells, obj_name(lr));
	push_str(cells, cs_json_str(cs_json_path(lr, "metadata", "creationTimestamp", NULL)));
}

static const column limitrange_cols[] = {
	NAME_COL,
	COL("Created At", "date",
	    "CreationTimestamp is a timestamp representing the server time when this object was "
	    "created."),
};

/* "daemonset.apps/fluentd": the controlling owner, or "<none>". */
static void push_controller(cs_json *cells, const cs_json *obj)
{
	const cs_json *refs = cs_json_path(obj, "metadata", "ownerReferences", NULL);
	for (size_t i = 0; i < cs_json_len(refs); i++) {
		const cs_json *ref = cs_json_at(refs, i);
		if (!cs_json_as_bool(cs_json_get(ref, "controller"), false))
			continue;
		const char *av = or_default(sget(ref, "apiVersion"), "");
		const char *slash = strchr(av, '/');
		char *kind = strdup(or_default(sget(ref, "kind"), ""));
		if (!kind)
			abort();
		for (char *p = kind; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		cs_json_push(cells, cs_json_stringf("%s%s%.*s/%s", kind, slash ? "." : "",
						    slash ? (int)(slash - av) : 0, av,
						    or_default(sget(ref, "name"), "")));
		free(kind);
		return;
	}
	push_str(cells, "<none>");
}

static void row_controllerrevision(cs_json *cells, const cs_json *cr, row_ctx *c, cs_json *row)
{
	(void)row;
	push_str(cells, obj_name(cr));
	push_controller(cells, cr);
	push_int(cells, iget(cr, "revision", 0));
	push_age(cells, c, cr);
}

static const column controllerrevision_cols[] = {
	NAME_COL,
	COL("Controller", "string", "Controller of the object"),
	COL("Revision", "integer",
	    "Revision indicates the revision of the state represented by Data."),
	AGE_COL,
};

static void row_default(cs_json *cells, const cs_json *obj, row_ctx *c, cs_json *row)
{
	(void)row;
	push_str(cells, obj_name(obj));
	push_age(cells, c, obj);
}

static const column default_cols[] = {NAME_COL, AGE_COL};

typedef struct {
	const char *group, *resource;
	const column *cols;
	size_t ncols;
	row_fn row;
} printer;

#define P(g, r, cols, fn)                                                                          \
	{                                                                                          \
		g, r, cols, sizeof(cols) / sizeof(cols[0]), fn                                     \
	}

static const printer printers[] = {
	P("", "pods", pod_cols, row_pod),
	P("", "namespaces", namespace_cols, row_namespace),
	P("", "nodes", node_cols, row_node),
	P("", "services", service_cols, row_service),
	P("", "endpoints", endpoints_cols, row_endpoints),
	P("", "configmaps", configmap_cols, row_configmap),
	P("", "secrets", secret_cols, row_secret),
	P("", "events", event_cols, row_event),
	P("", "serviceaccounts", serviceaccount_cols, row_serviceaccount),
	P("", "persistentvolumes", pv_cols, row_pv),
	P("", "persistentvolumeclaims", pvc_cols, row_pvc),
	P("apps", "deployments", deployment_cols, row_deployment),
	P("apps", "replicasets", replicaset_cols, row_replicaset),
	P("apps", "daemonsets", daemonset_cols, row_daemonset),
	P("apps", "statefulsets", statefulset_cols, row_statefulset),
	P("batch", "jobs", job_cols, row_job),
	P("batch", "cronjobs", cronjob_cols, row_cronjob),
	P("storage.k8s.io", "storageclasses", storageclass_cols, row_storageclass),
	P("coordination.k8s.io", "leases", lease_cols, row_lease),
	P("scheduling.k8s.io", "priorityclasses", priorityclass_cols, row_priorityclass),
	P("", "resourcequotas", resourcequota_cols, row_resourcequota),
	P("", "limitranges", limitrange_cols, row_limitrange),
	P("apps", "controllerrevisions", controllerrevision_cols, row_controllerrevision),
};

static const printer default_printer = P("", "", default_cols, row_default);

static const printer *printer_for(const cs_type *t)
{
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (!strcmp(printers[i].group, t->group) &&
		    !strcmp(printers[i].resource, t->resource))
			return &printers[i];
	return &default_printer;
}

/* ---- the table ---- */

static cs_json *partial_metadata(const cs_json *obj)
{
	cs_json *p = cs_json_object();
	cs_json_set(p, "kind", cs_json_string("PartialObjectMetadata"));
	cs_json_set(p, "apiVersion", cs_json_string("meta.k8s.io/v1"));
	const cs_json *md = cs_json_get(obj, "metadata");
	cs_json_set(p, "metadata", md ? cs_json_clone(md) : cs_json_object());
	return p;
}

cs_json *cs_table_build(const cs_type *t, const cs_json *items, const char *include_object,
			const char *resource_version, const char *cont)
{
	enum { INC_NONE, INC_METADATA, INC_OBJECT } inc;
	if (!t || !cs_json_is(items, CS_JSON_ARRAY))
		return NULL;
	if (!nonempty(include_object) || !strcmp(include_object, "Metadata"))
		inc = INC_METADATA;
	else if (!strcmp(include_object, "None"))
		inc = INC_NONE;
	else if (!strcmp(include_object, "Object"))
		inc = INC_OBJECT;
	else
		return NULL; /* the API answers 400: includeObject must be None|Metadata|Object */

	const printer *p = printer_for(t);
	cs_json *table = cs_json_object();
	cs_json_set(table, "kind", cs_json_string("Table"));
	cs_json_set(table, "apiVersion", cs_json_string("meta.k8s.io/v1"));
	cs_json *md = cs_json_object();
	if (nonempty(resource_version))
		cs_json_set(md, "resourceVersion", cs_json_string(resource_version));
	if (nonempty(cont))
		cs_json_set(md, "continue", cs_json_string(cont));
	cs_json_set(table, "metadata", md);

	cs_json *defs = cs_json_array();
	for (size_t i = 0; i < p->ncols; i++) {
		cs_json *d = cs_json_object();
		cs_json_set(d, "name", cs_json_string(p->cols[i].name));
		cs_json_set(d, "type", cs_json_string(p->cols[i].type));
		cs_json_set(d, "format", cs_json_string(p->cols[i].format));
		cs_json_set(d, "description", cs_json_string(p->cols[i].desc));
		cs_json_set(d, "priority", cs_json_int(p->cols[i].priority));
		cs_json_push(defs, d);
	}
	cs_json_set(table, "columnDefinitions", defs);

	row_ctx ctx = {.now = time(NULL)};
	cs_json *rows = cs_json_array();
	for (size_t i = 0; i < cs_json_len(items); i++) {
		const cs_json *obj = cs_json_at(items, i);
		cs_json *row = cs_json_object();
		cs_json *cells = cs_json_array();
		cs_json_set(row, "cells", cells);
		p->row(cells, obj, &ctx, row);
		if (inc == INC_METADATA)
			cs_json_set(row, "object", partial_metadata(obj));
		else if (inc == INC_OBJECT)
			cs_json_set(row, "object", cs_json_clone(obj));
		cs_json_push(rows, row);
	}
	cs_json_set(table, "rows", rows);
	return table;
}
