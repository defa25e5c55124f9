/* Label and node selectors as Kubernetes evaluates them
 * (k8s.io/apimachinery/pkg/labels, component-helpers nodeaffinity).  See
 * k8ssel.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "k8ssel.h"

const char *ks_label(const cs_host *h, const cs_object *labels, const char *key)
{
	size_t n = h->obj_len(labels);
	for (size_t i = 0; i < n; i++) {
		const char *k = h->obj_key_at(labels, i);
		if (k && !strcmp(k, key)) {
			const char *v = h->obj_str(h->obj_at(labels, i), NULL);
			return v ? v : "";
		}
	}
	return NULL;
}

static bool parsed(const cs_sched_node *node)
{
	return CS_HAS_FIELD(cs_sched_node, node, unschedulable);
}

const char *ks_node_label(const cs_host *h, const cs_sched_node *node, const char *key)
{
	if (parsed(node))
		return cs_sched_node_label(node, key);
	return ks_label(h, h->obj_get(node->node, "metadata.labels"), key);
}

size_t ks_node_nlabels(const cs_host *h, const cs_sched_node *node)
{
	return parsed(node) ? node->nlabels : h->obj_len(h->obj_get(node->node, "metadata.labels"));
}

void ks_node_label_at(const cs_host *h, const cs_sched_node *node, size_t i, const char **k,
		      const char **v)
{
	*k = *v = NULL;
	if (parsed(node)) {
		if (i < node->nlabels) {
			*k = node->labels[i].key;
			*v = node->labels[i].value;
		}
		return;
	}
	const cs_object *labels = h->obj_get(node->node, "metadata.labels");
	if (i < h->obj_len(labels)) {
		*k = h->obj_key_at(labels, i);
		*v = h->obj_str(h->obj_at(labels, i), NULL);
	}
}

static const char *str(const cs_host *h, const cs_object *o, const char *path)
{
	const char *s = h->obj_str(o, path);
	return s ? s : "";
}

long ks_node_taints(const cs_host *h, const cs_sched_node *node, const cs_sched_taint **out,
		    cs_sched_taint **scratch)
{
	*scratch = NULL;
	if (parsed(node)) {
		*out = node->taints;
		return (long)node->ntaints;
	}
	const cs_object *taints = h->obj_get(node->node, "spec.taints");
	size_t n = h->obj_len(taints);
	*out = NULL;
	if (!n)
		return 0;
	if (!(*scratch = calloc(n, sizeof(**scratch))))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const cs_object *t = h->obj_at(taints, i);
		(*scratch)[i] =
			(cs_sched_taint){str(h, t, "key"), str(h, t, "value"), str(h, t, "effect")};
	}
	*out = *scratch;
	return (long)n;
}

static bool in_values(const cs_host *h, const cs_object *values, const char *v)
{
	size_t n = h->obj_len(values);
	for (size_t i = 0; i < n; i++) {
		const char *s = h->obj_str(h->obj_at(values, i), NULL);
		if (s && !strcmp(s, v))
			return true;
	}
	return false;
}

/* strconv.ParseInt(s, 10, 64): the whole text, base 10. */
static bool parse_int(const char *s, long long *out)
{
	if (!s || !*s)
		return false;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || s[0] == ' ' || s[0] == '\t')
		return false;
	*out = v;
	return true;
}

enum req_result { REQ_NO, REQ_YES, REQ_INVALID };

/* One requirement {key, operator, values} against the value a label or
 * field has (NULL: absent).  gt_lt: Gt and Lt are allowed (node labels). */
static enum req_result requirement(const cs_host *h, const cs_object *req, const char *have,
				   bool gt_lt, bool exists_ok)
{
	const char *op = h->obj_str(req, "operator");
	const cs_object *values = h->obj_get(req, "values");
	size_t nv = h->obj_len(values);
	if (!op || !h->obj_str(req, "key"))
		return REQ_INVALID;
	if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
		if (!nv)
			return REQ_INVALID;
		bool in = have && in_values(h, values, have);
		return (op[0] == 'I' ? in : !in) ? REQ_YES : REQ_NO;
	}
	if (exists_ok && (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist"))) {
		if (nv)
			return REQ_INVALID;
		return ((op[0] == 'E') == (have != NULL)) ? REQ_YES : REQ_NO;
	}
	if (gt_lt && (!strcmp(op, "Gt") || !strcmp(op, "Lt"))) {
		long long want, got;
		if (nv != 1 || !parse_int(h->obj_str(h->obj_at(values, 0), NULL), &want))
			return REQ_INVALID;
		if (!parse_int(have, &got))
			return REQ_NO;
		return (op[0] == 'G' ? got > want : got < want) ? REQ_YES : REQ_NO;
	}
	return REQ_INVALID;
}

bool ks_selector_matches(const cs_host *h, const cs_object *sel, const cs_object *labels)
{
	if (!sel || h->obj_type(sel) != CS_OBJ_MAP)
		return false;
	const cs_object *ml = h->obj_get(sel, "matchLabels");
	for (size_t i = 0; i < h->obj_len(ml); i++) {
		const char *want = h->obj_str(h->obj_at(ml, i), NULL);
		const char *have = ks_label(h, labels, h->obj_key_at(ml, i));
		if (!want || !have || strcmp(want, have))
			return false;
	}
	const cs_object *me = h->obj_get(sel, "matchExpressions");
	for (size_t i = 0; i < h->obj_len(me); i++) {
		const cs_object *r = h->obj_at(me, i);
		const char *key = h->obj_str(r, "key");
		if (requirement(h, r, key ? ks_label(h, labels, key) : NULL, false, true) !=
		    REQ_YES)
			return false;
	}
	return true;
}

bool ks_node_term_matches(const cs_host *h, const cs_object *term, const cs_sched_node *node)
{
	const cs_object *me = h->obj_get(term, "matchExpressions");
	const cs_object *mf = h->obj_get(term, "matchFields");
	size_t ne = h->obj_len(me), nf = h->obj_len(mf);
	if (!ne && !nf)
		return false;
	for (size_t i = 0; i < ne; i++) {
		const cs_object *r = h->obj_at(me, i);
		const char *key = h->obj_str(r, "key");
		if (requirement(h, r, key ? ks_node_label(h, node, key) : NULL, true, true) !=
		    REQ_YES)
			return false;
	}
	for (size_t i = 0; i < nf; i++) {
		const cs_object *r = h->obj_at(mf, i);
		const char *key = h->obj_str(r, "key");
		/* The only field a node selector may name. */
		if (!key || strcmp(key, "metadata.name"))
			return false;
		if (requirement(h, r, node->name, false, false) != REQ_YES)
			return false;
	}
	return true;
}

bool ks_pod_fits_node(const cs_host *h, const cs_object *pod, const cs_sched_node *node)
{
	const cs_object *sel = h->obj_get(pod, "spec.nodeSelector");
	size_t n = h->obj_len(sel);
	for (size_t i = 0; i < n; i++) {
		const char *want = h->obj_str(h->obj_at(sel, i), NULL);
		const char *key = h->obj_key_at(sel, i);
		const char *have = key ? ks_node_label(h, node, key) : NULL;
		if (!want || !have || strcmp(want, have))
			return false;
	}
	const cs_object *req = h->obj_get(
		pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
	if (!req)
		return true;
	/* A required node selector with no terms matches no node. */
	const cs_object *terms = h->obj_get(req, "nodeSelectorTerms");
	for (size_t i = 0; i < h->obj_len(terms); i++)
		if (ks_node_term_matches(h, h->obj_at(terms, i), node))
			return true;
	return false;
}

static bool tolerates(const cs_host *h, const cs_object *tol, const cs_sched_taint *taint)
{
	const char *effect = str(h, tol, "effect"), *key = str(h, tol, "key");
	const char *op = str(h, tol, "operator");
	if (*effect && strcmp(effect, taint->effect))
		return false;
	if (*key && strcmp(key, taint->key))
		return false;
	if (!*op || !strcmp(op, "Equal"))
		return !strcmp(str(h, tol, "value"), taint->value);
	return !strcmp(op, "Exists");
}

bool ks_taints_tolerated(const cs_host *h, const cs_object *pod, const cs_sched_node *node)
{
	const cs_sched_taint *taints;
	cs_sched_taint *scratch;
	long n = ks_node_taints(h, node, &taints, &scratch);
	if (n < 0)
		return false;
	const cs_object *tols = n ? h->obj_get(pod, "spec.tolerations") : NULL;
	bool all = true;
	for (long i = 0; i < n && all; i++) {
		const cs_sched_taint *t = &taints[i];
		if (strcmp(t->effect, "NoSchedule") && strcmp(t->effect, "NoExecute"))
			continue;
		bool ok = false;
		for (size_t k = 0; k < h->obj_len(tols) && !ok; k++)
			ok = tolerates(h, h->obj_at(tols, k), t);
		all = ok;
	}
	free(scratch);
	return all;
}

static bool pod_parsed(const cs_sched_pod *p)
{
	return CS_HAS_FIELD(cs_sched_pod, p, terminating);
}

bool ks_pod_live(const cs_host *h, const cs_sched_pod *pod)
{
	if (pod_parsed(pod))
		return !pod->terminating;
	return !h->obj_get(pod->pod, "metadata.deletionTimestamp");
}

const char *ks_pod_label(const cs_host *h, const cs_sched_pod *pod, const char *key)
{
	if (pod_parsed(pod))
		return cs_sched_label_find(pod->labels, pod->nlabels, key);
	return ks_label(h, h->obj_get(pod->pod, "metadata.labels"), key);
}

/* ---- compiled selectors ---- */

static void reqs_free(ks_req *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].values);
	free(v);
}

void ks_sel_free(ks_sel *s)
{
	if (s)
		reqs_free(s->reqs, s->n);
}

void ks_nterm_free(ks_nterm *t)
{
	if (t)
		reqs_free(t->reqs, t->n);
}

/* A requirement as requirement() reads it: Gt and Lt only for node labels
 * (node), In and NotIn on metadata.name only for a node term's fields
 * (field).  false: not valid, which matches nothing. */
static bool compile_req(const cs_host *h, const cs_object *r, bool node, bool field, ks_req *out)
{
	const char *op = h->obj_str(r, "operator");
	const cs_object *values = h->obj_get(r, "values");
	size_t nv = h->obj_len(values);
	out->key = h->obj_str(r, "key");
	out->field = field;
	if (nv && !(out->values = calloc(nv, sizeof(*out->values))))
		return false;
	if (!op || !out->key || (field && strcmp(out->key, "metadata.name")))
		return false;
	if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
		if (!nv)
			return false;
		out->op = op[0] == 'I' ? KS_IN : KS_NOT_IN;
	} else if (!field && (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist"))) {
		if (nv)
			return false;
		out->op = op[0] == 'E' ? KS_EXISTS : KS_DOES_NOT_EXIST;
	} else if (node && !field && (!strcmp(op, "Gt") || !strcmp(op, "Lt"))) {
		if (nv != 1 || !parse_int(h->obj_str(h->obj_at(values, 0), NULL), &out->num))
			return false;
		out->op = op[0] == 'G' ? KS_GT : KS_LT;
		return true;
	} else {
		return false;
	}
	for (size_t i = 0; i < nv; i++) {
		const char *v = h->obj_str(h->obj_at(values, i), NULL);
		if (v)
			out->values[out->nvalues++] = v;
	}
	return true;
}

/* The requirement holds for a label or field value (NULL: absent). */
static bool req_holds(const ks_req *r, const char *have)
{
	if (r->op == KS_GT || r->op == KS_LT) {
		long long got;
		return parse_int(have, &got) && (r->op == KS_GT ? got > r->num : got < r->num);
	}
	bool in = false;
	for (size_t k = 0; have && k < r->nvalues && !in; k++)
		in = !strcmp(r->values[k], have);
	switch (r->op) {
	case KS_IN: return in;
	case KS_NOT_IN: return !in;
	case KS_EXISTS: return have != NULL;
	default: return have == NULL;
	}
}

int ks_sel_compile(const cs_host *h, const cs_object *sel, ks_sel *out)
{
	memset(out, 0, sizeof(*out));
	out->none = true;
	if (!sel || h->obj_type(sel) != CS_OBJ_MAP)
		return 0;
	const cs_object *ml = h->obj_get(sel, "matchLabels");
	const cs_object *me = h->obj_get(sel, "matchExpressions");
	size_t nl = h->obj_len(ml), ne = h->obj_len(me);
	if (nl + ne && !(out->reqs = calloc(nl + ne, sizeof(*out->reqs))))
		return -1;
	for (size_t i = 0; i < nl; i++) {
		ks_req *r = &out->reqs[out->n++];
		r->key = h->obj_key_at(ml, i);
		r->op = KS_IN;
		if (!(r->values = calloc(1, sizeof(*r->values))))
			goto oom;
		r->values[0] = h->obj_str(h->obj_at(ml, i), NULL);
		r->nvalues = 1;
		if (!r->key || !r->values[0])
			return 0; /* matches nothing, as ks_selector_matches */
	}
	for (size_t i = 0; i < ne; i++) {
		const cs_object *x = h->obj_at(me, i);
		ks_req *r = &out->reqs[out->n++];
		if (!compile_req(h, x, false, false, r)) {
			if (h->obj_len(h->obj_get(x, "values")) && !r->values)
				goto oom;
			return 0;
		}
	}
	out->none = false;
	return 0;
oom:
	ks_sel_free(out);
	memset(out, 0, sizeof(*out));
	out->none = true;
	return -1;
}

bool ks_sel_matches_pod(const cs_host *h, const ks_sel *s, const cs_sched_pod *pod)
{
	if (s->none)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (!req_holds(&s->reqs[i], ks_pod_label(h, pod, s->reqs[i].key)))
			return false;
	return true;
}

int ks_nterm_compile(const cs_host *h, const cs_object *term, ks_nterm *out)
{
	memset(out, 0, sizeof(*out));
	out->never = true;
	const cs_object *me = h->obj_get(term, "matchExpressions");
	const cs_object *mf = h->obj_get(term, "matchFields");
	size_t ne = h->obj_len(me), nf = h->obj_len(mf);
	if (!ne && !nf)
		return 0;
	if (!(out->reqs = calloc(ne + nf, sizeof(*out->reqs))))
		return -1;
	for (size_t i = 0; i < ne + nf; i++) {
		const cs_object *r = i < ne ? h->obj_at(me, i) : h->obj_at(mf, i - ne);
		ks_req *q = &out->reqs[out->n++];
		if (!compile_req(h, r, true, i >= ne, q)) {
			if (h->obj_len(h->obj_get(r, "values")) && !q->values) {
				ks_nterm_free(out);
				memset(out, 0, sizeof(*out));
				out->never = true;
				return -1;
			}
			return 0;
		}
	}
	out->never = false;
	return 0;
}

bool ks_nterm_matches(const cs_host *h, const ks_nterm *t, const cs_sched_node *node)
{
	if (t->never)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		const ks_req *r = &t->reqs[i];
		if (!req_holds(r, r->field ? node->name : ks_node_label(h, node, r->key)))
			return false;
	}
	return true;
}

void ks_nodesel_free(ks_nodesel *s)
{
	if (!s)
		return;
	free(s->keys);
	free(s->values);
	for (size_t i = 0; i < s->nterms; i++)
		ks_nterm_free(&s->terms[i]);
	free(s->terms);
}

int ks_nodesel_compile(const cs_host *h, const cs_object *pod, ks_nodesel *out)
{
	memset(out, 0, sizeof(*out));
	const cs_object *sel = h->obj_get(pod, "spec.nodeSelector");
	size_t n = h->obj_len(sel);
	if (n && (!(out->keys = calloc(n, sizeof(*out->keys))) ||
		  !(out->values = calloc(n, sizeof(*out->values)))))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		const char *k = h->obj_key_at(sel, i), *v = h->obj_str(h->obj_at(sel, i), NULL);
		if (!k || !v)
			out->sel_never = true;
		out->keys[out->nsel] = k;
		out->values[out->nsel++] = v;
	}
	const cs_object *req = h->obj_get(
		pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
	out->required = req != NULL;
	const cs_object *terms = req ? h->obj_get(req, "nodeSelectorTerms") : NULL;
	size_t nt = h->obj_len(terms);
	if (nt && !(out->terms = calloc(nt, sizeof(*out->terms))))
		goto oom;
	for (size_t i = 0; i < nt; i++)
		if (ks_nterm_compile(h, h->obj_at(terms, i), &out->terms[out->nterms++]) < 0)
			goto oom;
	return 0;
oom:
	ks_nodesel_free(out);
	memset(out, 0, sizeof(*out));
	out->sel_never = true;
	return -1;
}

bool ks_nodesel_fits(const cs_host *h, const ks_nodesel *s, const cs_sched_node *node)
{
	if (s->sel_never)
		return false;
	for (size_t i = 0; i < s->nsel; i++) {
		const char *have = ks_node_label(h, node, s->keys[i]);
		if (!have || strcmp(have, s->values[i]))
			return false;
	}
	if (!s->required)
		return true;
	for (size_t i = 0; i < s->nterms; i++)
		if (ks_nterm_matches(h, &s->terms[i], node))
			return true;
	return false;
}
