/* cs_json: a small mutable DOM built from yajl's event parser. */
#include "json.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "capstan: out of memory allocating %zu bytes\n", n);
		abort();
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "capstan: out of memory allocating %zu bytes\n", n);
		abort();
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- object keys ----
 *
 * Kubernetes objects spell the same few hundred keys over and over; each
 * used to be its own malloc'd copy (two while parsing).  Keys found in this
 * pool point into it instead and are never freed; a key is the pool's when
 * it lies within the array, so other keys stay plain heap strings. */
static const char key_pool[] = "apiVersion\0"
			       "kind\0"
			       "metadata\0"
			       "name\0"
			       "namespace\0"
			       "uid\0"
			       "resourceVersion\0"
			       "creationTimestamp\0"
			       "generation\0"
			       "labels\0"
			       "annotations\0"
			       "ownerReferences\0"
			       "controller\0"
			       "blockOwnerDeletion\0"
			       "finalizers\0"
			       "deletionTimestamp\0"
			       "deletionGracePeriodSeconds\0"
			       "managedFields\0"
			       "generateName\0"
			       "selfLink\0"
			       "spec\0"
			       "status\0"
			       "items\0"
			       "continue\0"
			       "containers\0"
			       "initContainers\0"
			       "ephemeralContainers\0"
			       "image\0"
			       "imagePullPolicy\0"
			       "ports\0"
			       "containerPort\0"
			       "hostPort\0"
			       "protocol\0"
			       "resources\0"
			       "requests\0"
			       "limits\0"
			       "cpu\0"
			       "memory\0"
			       "ephemeral-storage\0"
			       "pods\0"
			       "env\0"
			       "value\0"
			       "valueFrom\0"
			       "command\0"
			       "args\0"
			       "workingDir\0"
			       "volumeMounts\0"
			       "mountPath\0"
			       "readOnly\0"
			       "subPath\0"
			       "volumes\0"
			       "emptyDir\0"
			       "configMap\0"
			       "secret\0"
			       "secretName\0"
			       "persistentVolumeClaim\0"
			       "claimName\0"
			       "hostPath\0"
			       "path\0"
			       "terminationMessagePath\0"
			       "terminationMessagePolicy\0"
			       "livenessProbe\0"
			       "readinessProbe\0"
			       "startupProbe\0"
			       "httpGet\0"
			       "tcpSocket\0"
			       "exec\0"
			       "initialDelaySeconds\0"
			       "periodSeconds\0"
			       "timeoutSeconds\0"
			       "successThreshold\0"
			       "failureThreshold\0"
			       "restartPolicy\0"
			       "terminationGracePeriodSeconds\0"
			       "activeDeadlineSeconds\0"
			       "dnsPolicy\0"
			       "securityContext\0"
			       "schedulerName\0"
			       "enableServiceLinks\0"
			       "serviceAccountName\0"
			       "serviceAccount\0"
			       "automountServiceAccountToken\0"
			       "tolerations\0"
			       "key\0"
			       "operator\0"
			       "effect\0"
			       "tolerationSeconds\0"
			       "priority\0"
			       "priorityClassName\0"
			       "preemptionPolicy\0"
			       "nodeName\0"
			       "nodeSelector\0"
			       "affinity\0"
			       "nodeAffinity\0"
			       "podAffinity\0"
			       "podAntiAffinity\0"
			       "requiredDuringSchedulingIgnoredDuringExecution\0"
			       "preferredDuringSchedulingIgnoredDuringExecution\0"
			       "nodeSelectorTerms\0"
			       "matchExpressions\0"
			       "matchLabels\0"
			       "matchFields\0"
			       "values\0"
			       "weight\0"
			       "preference\0"
			       "podAffinityTerm\0"
			       "topologyKey\0"
			       "labelSelector\0"
			       "topologySpreadConstraints\0"
			       "maxSkew\0"
			       "whenUnsatisfiable\0"
			       "hostNetwork\0"
			       "hostname\0"
			       "subdomain\0"
			       "overhead\0"
			       "runtimeClassName\0"
			       "readinessGates\0"
			       "phase\0"
			       "qosClass\0"
			       "conditions\0"
			       "type\0"
			       "lastProbeTime\0"
			       "lastTransitionTime\0"
			       "lastHeartbeatTime\0"
			       "lastUpdateTime\0"
			       "reason\0"
			       "message\0"
			       "hostIP\0"
			       "hostIPs\0"
			       "podIP\0"
			       "podIPs\0"
			       "ip\0"
			       "startTime\0"
			       "containerStatuses\0"
			       "initContainerStatuses\0"
			       "state\0"
			       "running\0"
			       "startedAt\0"
			       "ready\0"
			       "restartCount\0"
			       "imageID\0"
			       "containerID\0"
			       "started\0"
			       "lastState\0"
			       "terminated\0"
			       "waiting\0"
			       "exitCode\0"
			       "finishedAt\0"
			       "signal\0"
			       "nominatedNodeName\0"
			       "capacity\0"
			       "allocatable\0"
			       "addresses\0"
			       "address\0"
			       "nodeInfo\0"
			       "daemonEndpoints\0"
			       "kubeletEndpoint\0"
			       "Port\0"
			       "machineID\0"
			       "systemUUID\0"
			       "bootID\0"
			       "kernelVersion\0"
			       "osImage\0"
			       "containerRuntimeVersion\0"
			       "kubeletVersion\0"
			       "kubeProxyVersion\0"
			       "operatingSystem\0"
			       "architecture\0"
			       "images\0"
			       "names\0"
			       "sizeBytes\0"
			       "volumesInUse\0"
			       "volumesAttached\0"
			       "taints\0"
			       "unschedulable\0"
			       "podCIDR\0"
			       "podCIDRs\0"
			       "providerID\0"
			       "replicas\0"
			       "selector\0"
			       "template\0"
			       "strategy\0"
			       "rollingUpdate\0"
			       "maxUnavailable\0"
			       "maxSurge\0"
			       "revisionHistoryLimit\0"
			       "progressDeadlineSeconds\0"
			       "minReadySeconds\0"
			       "paused\0"
			       "observedGeneration\0"
			       "readyReplicas\0"
			       "availableReplicas\0"
			       "updatedReplicas\0"
			       "unavailableReplicas\0"
			       "fullyLabeledReplicas\0"
			       "collisionCount\0"
			       "holderIdentity\0"
			       "leaseDurationSeconds\0"
			       "acquireTime\0"
			       "renewTime\0"
			       "leaseTransitions\0"
			       "data\0"
			       "binaryData\0"
			       "stringData\0"
			       "immutable\0"
			       "involvedObject\0"
			       "source\0"
			       "component\0"
			       "host\0"
			       "count\0"
			       "firstTimestamp\0"
			       "lastTimestamp\0"
			       "eventTime\0"
			       "reportingComponent\0"
			       "reportingInstance\0"
			       "action\0"
			       "series\0"
			       "subsets\0"
			       "endpoints\0"
			       "targetPort\0"
			       "nodePort\0"
			       "clusterIP\0"
			       "clusterIPs\0"
			       "sessionAffinity\0"
			       "ipFamilies\0"
			       "ipFamilyPolicy\0"
			       "internalTrafficPolicy\0"
			       "externalTrafficPolicy\0"
			       "loadBalancer\0"
			       "ingress\0"
			       "code\0"
			       "details\0"
			       "causes\0"
			       "field\0"
			       "target\0";

#define KEY_SLOTS 1024               /* power of two, well above the pool's count */
static uint16_t key_slot[KEY_SLOTS]; /* offset + 1 into key_pool; 0: empty */
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static uint32_t key_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void key_index(void)
{
	for (size_t off = 0; off < sizeof(key_pool) - 1;) {
		size_t n = strlen(key_pool + off);
		uint32_t i = key_hash(key_pool + off, n) & (KEY_SLOTS - 1);
		while (key_slot[i])
			i = (i + 1) & (KEY_SLOTS - 1);
		key_slot[i] = (uint16_t)(off + 1);
		off += n + 1;
	}
}

static bool key_pooled(const char *k)
{
	return k >= key_pool && k < key_pool + sizeof(key_pool);
}

/* A key for an object node: the pool's spelling, or a heap copy. */
static char *key_dup(const char *s, size_t n)
{
	pthread_once(&key_once, key_index);
	for (uint32_t i = key_hash(s, n) & (KEY_SLOTS - 1); key_slot[i];
	     i = (i + 1) & (KEY_SLOTS - 1)) {
		const char *k = key_pool + key_slot[i] - 1;
		if (!strncmp(k, s, n) && !k[n])
			return (char *)k;
	}
	return xstrndup(s, n);
}

static void key_free(char *k)
{
	if (!key_pooled(k))
		free(k);
}

/* (int64_t)d is undefined behaviour when d is out of range or NaN, and
 * JSON numbers such as 1e300 reach here from untrusted input: saturate. */
static int64_t double_to_i64(double d)
{
	if (d != d)
		return 0;
	if (d >= 9223372036854775808.0)
		return INT64_MAX;
	if (d < -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

static cs_json *new_node(cs_json_type t)
{
	cs_json *v = xmalloc(sizeof(*v));
	memset(v, 0, sizeof(*v));
	v->type = t;
	return v;
}

/* An object's keys and values live in one block, keys first, values after
 * the capacity's worth of keys: one allocation per object, not two.  Only
 * this file allocates and frees it (free(keys) releases both). */
static void obj_reserve(cs_json *o, size_t cap)
{
	if (cap <= o->u.obj.cap)
		return;
	char **keys = xmalloc(cap * (sizeof(char *) + sizeof(cs_json *)));
	cs_json **vals = (cs_json **)(keys + cap);
	if (o->u.obj.len) {
		memcpy(keys, o->u.obj.keys, o->u.obj.len * sizeof(char *));
		memcpy(vals, o->u.obj.vals, o->u.obj.len * sizeof(cs_json *));
	}
	free(o->u.obj.keys);
	o->u.obj.keys = keys;
	o->u.obj.vals = vals;
	o->u.obj.cap = cap;
}

cs_json *cs_json_null(void)
{
	return new_node(CS_JSON_NULL);
}

cs_json *cs_json_bool(bool b)
{
	cs_json *v = new_node(CS_JSON_BOOL);
	v->u.b = b;
	return v;
}

cs_json *cs_json_int(int64_t i)
{
	/* Decimal text without snprintf ("%lld"): written on every update. */
	char buf[24];
	size_t k = sizeof(buf);
	uint64_t m = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
	do
		buf[--k] = (char)('0' + m % 10);
	while ((m /= 10));
	if (i < 0)
		buf[--k] = '-';
	cs_json *v = new_node(CS_JSON_NUMBER);
	v->u.num.text = xstrndup(buf + k, sizeof(buf) - k);
	v->u.num.is_int = true;
	v->u.num.i = i;
	v->u.num.d = (double)i;
	return v;
}

cs_json *cs_json_double(double d)
{
	char buf[64];
	cs_json *v = new_node(CS_JSON_NUMBER);
	snprintf(buf, sizeof(buf), "%.17g", d);
	v->u.num.text = xstrndup(buf, strlen(buf));
	v->u.num.d = d;
	v->u.num.i = double_to_i64(d);
	v->u.num.is_int = false;
	return v;
}

cs_json *cs_json_stringn(const char *s, size_t n)
{
	cs_json *v = new_node(CS_JSON_STRING);
	v->u.str.s = xstrndup(s, n);
	v->u.str.len = n;
	return v;
}

cs_json *cs_json_string(const char *s)
{
	return cs_json_stringn(s, strlen(s));
}

cs_json *cs_json_stringf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	cs_json *v = new_node(CS_JSON_STRING);
	v->u.str.s = s;
	v->u.str.len = (size_t)n;
	return v;
}

cs_json *cs_json_object(void)
{
	return new_node(CS_JSON_OBJECT);
}
cs_json *cs_json_array(void)
{
	return new_node(CS_JSON_ARRAY);
}

/* ---- shared trees ---- */

typedef struct {
	_Atomic unsigned refs;
	cs_json root; /* flags has CS_JSON_SHARED */
} holder;

static holder *holder_of(const cs_json *root)
{
	return (holder *)((char *)root - offsetof(holder, root));
}

bool cs_json_is_shared(const cs_json *v)
{
	return v && (v->flags & CS_JSON_SHARED);
}

cs_json *cs_json_share(cs_json *doc)
{
	if (!doc || cs_json_is_shared(doc))
		return doc;
	holder *h = xmalloc(sizeof(*h));
	atomic_init(&h->refs, 1);
	h->root = *doc;
	h->root.flags = CS_JSON_SHARED;
	free(doc); /* its children now belong to h->root */
	return &h->root;
}

cs_json *cs_json_ref(const cs_json *v)
{
	if (!cs_json_is_shared(v))
		return cs_json_clone(v);
	atomic_fetch_add_explicit(&holder_of(v)->refs, 1, memory_order_relaxed);
	return (cs_json *)v;
}

unsigned cs_json_refs(const cs_json *v)
{
	return cs_json_is_shared(v) ? atomic_load(&holder_of(v)->refs) : 0;
}

/* What a node owns, not the node. */
static void free_contents(cs_json *v)
{
	switch (v->type) {
	case CS_JSON_NUMBER: free(v->u.num.text); break;
	case CS_JSON_STRING: free(v->u.str.s); break;
	case CS_JSON_ARRAY:
		for (size_t i = 0; i < v->u.arr.len; i++)
			cs_json_free(v->u.arr.items[i]);
		free(v->u.arr.items);
		break;
	case CS_JSON_OBJECT:
		for (size_t i = 0; i < v->u.obj.len; i++) {
			key_free(v->u.obj.keys[i]);
			cs_json_free(v->u.obj.vals[i]);
		}
		free(v->u.obj.keys); /* vals share the block: obj_reserve() */
		break;
	default: break;
	}
}

void cs_json_clear(cs_json *v)
{
	uint8_t flags = v->flags;
	free_contents(v);
	memset(v, 0, sizeof(*v));
	v->type = CS_JSON_NULL;
	v->flags = flags;
}

void cs_json_free(cs_json *v)
{
	if (!v)
		return;
	if (v->flags & CS_JSON_SHARED) {
		holder *h = holder_of(v);
		if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1)
			return;
		free_contents(&h->root);
		free(h);
		return;
	}
	free_contents(v);
	free(v);
}

cs_json *cs_json_clone(const cs_json *v)
{
	if (!v)
		return NULL;
	cs_json *c = new_node(v->type);
	switch (v->type) {
	case CS_JSON_BOOL: c->u.b = v->u.b; break;
	case CS_JSON_NUMBER:
		c->u.num = v->u.num;
		c->u.num.text = xstrndup(v->u.num.text, strlen(v->u.num.text));
		break;
	case CS_JSON_STRING:
		c->u.str.s = xstrndup(v->u.str.s, v->u.str.len);
		c->u.str.len = v->u.str.len;
		break;
	case CS_JSON_ARRAY:
		c->u.arr.cap = c->u.arr.len = v->u.arr.len;
		c->u.arr.items = xmalloc(sizeof(cs_json *) * c->u.arr.cap);
		for (size_t i = 0; i < v->u.arr.len; i++)
			c->u.arr.items[i] = cs_json_clone(v->u.arr.items[i]);
		break;
	case CS_JSON_OBJECT:
		obj_reserve(c, v->u.obj.len);
		c->u.obj.len = v->u.obj.len;
		for (size_t i = 0; i < v->u.obj.len; i++) {
			const char *k = v->u.obj.keys[i];
			c->u.obj.keys[i] = key_pooled(k) ? (char *)k : xstrndup(k, strlen(k));
			c->u.obj.vals[i] = cs_json_clone(v->u.obj.vals[i]);
		}
		break;
	default: break;
	}
	return c;
}

/* exact: numbers by spelling and maps in key order (cs_json_identical);
 * else numbers by value and maps in any order (cs_json_equal). */
static bool same(const cs_json *a, const cs_json *b, bool exact)
{
	if (a == b)
		return true;
	if (!a || !b || a->type != b->type)
		return false;
	switch (a->type) {
	case CS_JSON_NULL: return true;
	case CS_JSON_BOOL: return a->u.b == b->u.b;
	case CS_JSON_NUMBER:
		if (exact)
			return !strcmp(a->u.num.text, b->u.num.text);
		if (a->u.num.is_int && b->u.num.is_int)
			return a->u.num.i == b->u.num.i;
		return a->u.num.d == b->u.num.d;
	case CS_JSON_STRING:
		return a->u.str.len == b->u.str.len &&
		       memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case CS_JSON_ARRAY:
		if (a->u.arr.len != b->u.arr.len)
			return false;
		for (size_t i = 0; i < a->u.arr.len; i++)
			if (!same(a->u.arr.items[i], b->u.arr.items[i], exact))
				return false;
		return true;
	case CS_JSON_OBJECT:
		if (a->u.obj.len != b->u.obj.len)
			return false;
		for (size_t i = 0; i < a->u.obj.len; i++) {
			const cs_json *bv = exact ? (strcmp(a->u.obj.keys[i], b->u.obj.keys[i])
							     ? NULL
							     : b->u.obj.vals[i])
						  : cs_json_get(b, a->u.obj.keys[i]);
			if (!bv || !same(a->u.obj.vals[i], bv, exact))
				return false;
		}
		return true;
	}
	return false;
}

bool cs_json_equal(const cs_json *a, const cs_json *b)
{
	return same(a, b, false);
}

bool cs_json_identical(const cs_json *a, const cs_json *b)
{
	return same(a, b, true);
}

/* ---- object / array access ---- */

static ssize_t obj_index(const cs_json *o, const char *key)
{
	if (!o || o->type != CS_JSON_OBJECT)
		return -1;
	/* The first byte tells most keys apart without a call: this lookup
	 * is the hottest in the server (parsing, validation, selectors). */
	char k0 = key[0];
	for (size_t i = 0; i < o->u.obj.len; i++) {
		const char *k = o->u.obj.keys[i];
		if (k[0] == k0 && strcmp(k, key) == 0)
			return (ssize_t)i;
	}
	return -1;
}

cs_json *cs_json_get(const cs_json *o, const char *key)
{
	ssize_t i = obj_index(o, key);
	return i < 0 ? NULL : o->u.obj.vals[i];
}

cs_json *cs_json_path(const cs_json *o, ...)
{
	va_list ap;
	const char *k;
	const cs_json *cur = o;
	va_start(ap, o);
	while (cur && (k = va_arg(ap, const char *)))
		cur = cs_json_get(cur, k);
	va_end(ap);
	return (cs_json *)cur;
}

/* A new member; takes the key (from key_dup) and the value. */
static void obj_append(cs_json *o, char *key, cs_json *val)
{
	if (o->u.obj.len == o->u.obj.cap)
		obj_reserve(o, o->u.obj.cap ? o->u.obj.cap * 2 : 8);
	o->u.obj.keys[o->u.obj.len] = key;
	o->u.obj.vals[o->u.obj.len] = val;
	o->u.obj.len++;
}

void cs_json_set(cs_json *o, const char *key, cs_json *val)
{
	if (!o || o->type != CS_JSON_OBJECT) {
		cs_json_free(val);
		return;
	}
	ssize_t i = obj_index(o, key);
	if (i >= 0) {
		cs_json_free(o->u.obj.vals[i]);
		o->u.obj.vals[i] = val;
		return;
	}
	obj_append(o, key_dup(key, strlen(key)), val);
}

cs_json *cs_json_obj_ensure(cs_json *o, const char *key)
{
	cs_json *c = cs_json_get(o, key);
	if (c && c->type == CS_JSON_OBJECT)
		return c;
	c = cs_json_object();
	cs_json_set(o, key, c);
	return c;
}

cs_json *cs_json_take(cs_json *o, const char *key)
{
	ssize_t i = obj_index(o, key);
	if (i < 0)
		return NULL;
	cs_json *v = o->u.obj.vals[i];
	key_free(o->u.obj.keys[i]);
	size_t rest = o->u.obj.len - (size_t)i - 1;
	memmove(&o->u.obj.keys[i], &o->u.obj.keys[i + 1], rest * sizeof(char *));
	memmove(&o->u.obj.vals[i], &o->u.obj.vals[i + 1], rest * sizeof(cs_json *));
	o->u.obj.len--;
	return v;
}

bool cs_json_del(cs_json *o, const char *key)
{
	ssize_t i = obj_index(o, key);
	if (i < 0)
		return false;
	cs_json_free(cs_json_take(o, key));
	return true;
}

size_t cs_json_len(const cs_json *a)
{
	if (!a)
		return 0;
	if (a->type == CS_JSON_ARRAY)
		return a->u.arr.len;
	if (a->type == CS_JSON_OBJECT)
		return a->u.obj.len;
	return 0;
}

cs_json *cs_json_at(const cs_json *a, size_t i)
{
	if (!a || a->type != CS_JSON_ARRAY || i >= a->u.arr.len)
		return NULL;
	return a->u.arr.items[i];
}

void cs_json_insert(cs_json *a, size_t i, cs_json *val)
{
	if (!a || a->type != CS_JSON_ARRAY || i > a->u.arr.len) {
		cs_json_free(val);
		return;
	}
	if (a->u.arr.len == a->u.arr.cap) {
		a->u.arr.cap = a->u.arr.cap ? a->u.arr.cap * 2 : 8;
		a->u.arr.items = xrealloc(a->u.arr.items, sizeof(cs_json *) * a->u.arr.cap);
	}
	memmove(&a->u.arr.items[i + 1], &a->u.arr.items[i], (a->u.arr.len - i) * sizeof(cs_json *));
	a->u.arr.items[i] = val;
	a->u.arr.len++;
}

void cs_json_push(cs_json *a, cs_json *val)
{
	cs_json_insert(a, a && a->type == CS_JSON_ARRAY ? a->u.arr.len : 0, val);
}

cs_json *cs_json_remove_at(cs_json *a, size_t i)
{
	if (!a || a->type != CS_JSON_ARRAY || i >= a->u.arr.len)
		return NULL;
	cs_json *v = a->u.arr.items[i];
	memmove(&a->u.arr.items[i], &a->u.arr.items[i + 1],
		(a->u.arr.len - i - 1) * sizeof(cs_json *));
	a->u.arr.len--;
	return v;
}

const char *cs_json_str(const cs_json *v)
{
	return v && v->type == CS_JSON_STRING ? v->u.str.s : NULL;
}

const char *cs_json_get_str(const cs_json *o, const char *key)
{
	return cs_json_str(cs_json_get(o, key));
}

int64_t cs_json_as_int(const cs_json *v, int64_t fallback)
{
	if (!v || v->type != CS_JSON_NUMBER)
		return fallback;
	return v->u.num.is_int ? v->u.num.i : double_to_i64(v->u.num.d);
}

bool cs_json_as_bool(const cs_json *v, bool fallback)
{
	return v && v->type == CS_JSON_BOOL ? v->u.b : fallback;
}

bool cs_json_is(const cs_json *v, cs_json_type t)
{
	return v && v->type == t;
}

/* ---- parsing ---- */

struct parse_ctx {
	cs_json *stack[CS_JSON_MAX_DEPTH + 1];
	size_t depth;
	char *pending_key; /* key waiting for its value inside an object */
	cs_json *root;
	bool too_deep;
	bool nul_key;
	/* Where the document ended, to find what yajl leaves unchecked after
	 * it; finishing: inside yajl_complete_parse, i.e. at the input's end. */
	yajl_handle h;
	bool finishing;
	size_t end;
};

static void mark_end(struct parse_ctx *c)
{
	c->end = c->finishing ? SIZE_MAX : yajl_get_bytes_consumed(c->h);
}

/* Attach a finished value to its parent (or make it the root). */
static int attach(struct parse_ctx *c, cs_json *v)
{
	if (c->depth == 0) {
		c->root = v;
		mark_end(c);
		return 1;
	}
	cs_json *parent = c->stack[c->depth - 1];
	if (parent->type == CS_JSON_ARRAY) {
		cs_json_push(parent, v);
	} else {
		/* Duplicate keys: last one wins, as Go's decoder does. */
		ssize_t i = obj_index(parent, c->pending_key);
		if (i >= 0) {
			cs_json_free(parent->u.obj.vals[i]);
			parent->u.obj.vals[i] = v;
			key_free(c->pending_key);
		} else {
			obj_append(parent, c->pending_key, v);
		}
		c->pending_key = NULL;
	}
	return 1;
}

static int p_null(void *ctx)
{
	return attach(ctx, cs_json_null());
}
static int p_bool(void *ctx, int b)
{
	return attach(ctx, cs_json_bool(b));
}

static int p_number(void *ctx, const char *s, size_t len)
{
	cs_json *v = new_node(CS_JSON_NUMBER);
	v->u.num.text = xstrndup(s, len);
	char *end;
	v->u.num.is_int = !memchr(s, '.', len) && !memchr(s, 'e', len) && !memchr(s, 'E', len);
	if (v->u.num.is_int) {
		errno = 0;
		long long ll = strtoll(v->u.num.text, &end, 10);
		if (errno == ERANGE)
			v->u.num.is_int = false;
		v->u.num.i = ll;
	}
	v->u.num.d = strtod(v->u.num.text, &end);
	if (!v->u.num.is_int)
		v->u.num.i = double_to_i64(v->u.num.d);
	return attach(ctx, v);
}

static int p_string(void *ctx, const unsigned char *s, size_t len)
{
	return attach(ctx, cs_json_stringn((const char *)s, len));
}

static int open_container(struct parse_ctx *c, cs_json *v)
{
	if (c->depth >= CS_JSON_MAX_DEPTH) {
		c->too_deep = true;
		cs_json_free(v);
		return 0;
	}
	attach(c, v);
	c->stack[c->depth++] = v;
	return 1;
}

static int p_start_map(void *ctx)
{
	return open_container(ctx, cs_json_object());
}
static int p_start_array(void *ctx)
{
	return open_container(ctx, cs_json_array());
}

static int p_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct parse_ctx *c = ctx;
	/* Keys are C strings here: "a\u0000b" would silently become "a" and
	 * could stand in for (or overwrite) the real "a". */
	if (memchr(key, '\0', len)) {
		c->nul_key = true;
		return 0;
	}
	if (c->pending_key)
		key_free(c->pending_key);
	c->pending_key = key_dup((const char *)key, len);
	return 1;
}

static int p_end(void *ctx)
{
	struct parse_ctx *c = ctx;
	if (--c->depth == 0)
		mark_end(c);
	return 1;
}

static const yajl_callbacks parse_cbs = {
	.yajl_null = p_null,
	.yajl_boolean = p_bool,
	.yajl_number = p_number,
	.yajl_string = p_string,
	.yajl_start_map = p_start_map,
	.yajl_map_key = p_map_key,
	.yajl_end_map = p_end,
	.yajl_start_array = p_start_array,
	.yajl_end_array = p_end,
};

/* yajl's own allocations while parsing (its handle, lexer, buffers: a dozen
 * per document, one of them 2 KiB) come from a per-thread scratch area that
 * is reset after each document; beyond it, from the heap.  Each block has
 * its size in front, for realloc. */
#define SCRATCH_SIZE (32u << 10)
struct scratch {
	size_t used;
	_Alignas(16) unsigned char mem[SCRATCH_SIZE];
};
static __thread struct scratch *scratch;

static bool in_scratch(const struct scratch *sc, const void *p)
{
	return sc && (const unsigned char *)p >= sc->mem &&
	       (const unsigned char *)p < sc->mem + SCRATCH_SIZE;
}

static void *scratch_malloc(void *ctx, size_t n)
{
	struct scratch *sc = ctx;
	size_t need = 16 + ((n + 15) & ~(size_t)15);
	if (sc->used + need > SCRATCH_SIZE)
		return xmalloc(n);
	unsigned char *p = sc->mem + sc->used;
	sc->used += need;
	memcpy(p, &n, sizeof(n));
	return p + 16;
}

static void scratch_free(void *ctx, void *p)
{
	if (!in_scratch(ctx, p))
		free(p);
}

static void *scratch_realloc(void *ctx, void *p, size_t n)
{
	if (!p)
		return scratch_malloc(ctx, n);
	if (!in_scratch(ctx, p))
		return xrealloc(p, n);
	size_t old;
	memcpy(&old, (unsigned char *)p - 16, sizeof(old));
	void *q = scratch_malloc(ctx, n);
	memcpy(q, p, old < n ? old : n);
	return q;
}

static void scratch_release(void *arg)
{
	free(arg);
}

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_key_make(void)
{
	/* Frees a thread's area when the thread ends. */
	if (pthread_key_create(&scratch_key, scratch_release) != 0)
		abort();
}

static struct scratch *scratch_get(void)
{
	if (!scratch) {
		pthread_once(&scratch_once, scratch_key_make);
		scratch = xmalloc(sizeof(*scratch));
		pthread_setspecific(scratch_key, scratch);
	}
	scratch->used = 0;
	return scratch;
}

cs_json *cs_json_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct parse_ctx c = {0};
	struct scratch *sc = scratch_get();
	yajl_alloc_funcs afs = {scratch_malloc, scratch_realloc, scratch_free, sc};
	yajl_handle h = yajl_alloc(&parse_cbs, &afs, &c);
	if (!h) {
		snprintf(err, errlen, "cannot allocate JSON parser");
		return NULL;
	}
	c.h = h;
	yajl_status s = yajl_parse(h, (const unsigned char *)buf, len);
	if (s == yajl_status_ok) {
		c.finishing = true;
		s = yajl_complete_parse(h);
	}
	if (s != yajl_status_ok) {
		if (c.too_deep) {
			snprintf(err, errlen, "JSON nesting exceeds the maximum depth of %d",
				 CS_JSON_MAX_DEPTH);
		} else if (c.nul_key) {
			snprintf(err, errlen,
				 "invalid JSON at byte %zu: object key contains a NUL character",
				 yajl_get_bytes_consumed(h));
		} else {
			unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)buf, len);
			size_t off = yajl_get_bytes_consumed(h);
			/* yajl's message has a trailing newline; keep one line. */
			char *nl = strchr((char *)msg, '\n');
			if (nl)
				*nl = '\0';
			snprintf(err, errlen, "invalid JSON at byte %zu: %s", off, (char *)msg);
			yajl_free_error(h, msg);
		}
		yajl_free(h);
		if (c.pending_key)
			key_free(c.pending_key);
		/* The root owns everything attached so far. */
		cs_json_free(c.root);
		return NULL;
	}
	yajl_free(h);
	if (c.pending_key)
		key_free(c.pending_key);
	if (!c.root) {
		snprintf(err, errlen, "empty JSON document");
		return NULL;
	}
	/* yajl's own trailing-garbage check passes an unterminated string
	 * after the document ("2 \"x"): its lexer merely buffers it. */
	for (size_t i = c.end; i < len; i++) {
		if (!strchr(" \t\n\v\f\r", buf[i]) || !buf[i]) {
			snprintf(err, errlen, "invalid JSON at byte %zu: trailing garbage", i);
			cs_json_free(c.root);
			return NULL;
		}
	}
	return c.root;
}

/* ---- output ---- */

/* yajl_gen indexes a fixed array of YAJL_MAX_DEPTH states by nesting depth
 * and, past it, skips brackets yet keeps writing state beyond the array:
 * invalid output and heap corruption.  Parsing caps documents at
 * CS_JSON_MAX_DEPTH and the patch and YAML code keep to it; should a deeper
 * tree still be built somewhere, what lies below the limit is written as
 * null rather than letting yajl go out of bounds. */
static void gen_value(yajl_gen g, const cs_json *v, unsigned depth)
{
	if (depth >= YAJL_MAX_DEPTH - 1 &&
	    (v->type == CS_JSON_ARRAY || v->type == CS_JSON_OBJECT)) {
		yajl_gen_null(g);
		return;
	}
	switch (v->type) {
	case CS_JSON_NULL: yajl_gen_null(g); break;
	case CS_JSON_BOOL: yajl_gen_bool(g, v->u.b); break;
	case CS_JSON_NUMBER: yajl_gen_number(g, v->u.num.text, strlen(v->u.num.text)); break;
	case CS_JSON_STRING:
		yajl_gen_string(g, (const unsigned char *)v->u.str.s, v->u.str.len);
		break;
	case CS_JSON_ARRAY:
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.arr.len; i++)
			gen_value(g, v->u.arr.items[i], depth + 1);
		yajl_gen_array_close(g);
		break;
	case CS_JSON_OBJECT:
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.obj.len; i++) {
			const char *k = v->u.obj.keys[i];
			yajl_gen_string(g, (const unsigned char *)k, strlen(k));
			gen_value(g, v->u.obj.vals[i], depth + 1);
		}
		yajl_gen_map_close(g);
		break;
	}
}

/* Compact output without yajl_gen: its per-call state checks and per-chunk
 * callbacks cost more than the writing itself, and every stored object and
 * watch line goes through here.  The bytes are yajl's exactly: the same
 * escapes (\b \t \n \f \r, \uXXXX in upper case for other controls, no
 * escaped solidus, other bytes verbatim) and the same null below the depth
 * yajl_gen would stop at. */
struct wbuf {
	char *p;
	size_t len, cap;
};

static void wb_reserve(struct wbuf *b, size_t n)
{
	if (b->len + n < b->cap)
		return;
	/* Most objects written are a few KiB: start there, not at 1 KiB
	 * and two reallocs later. */
	size_t cap = b->cap ? b->cap : 4096;
	while (b->len + n >= cap)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

static inline void wb_put(struct wbuf *b, const char *s, size_t n)
{
	wb_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static inline void wb_ch(struct wbuf *b, char c)
{
	wb_reserve(b, 1);
	b->p[b->len++] = c;
}

static void wb_string(struct wbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	wb_ch(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		wb_put(b, s + run, i - run);
		run = i + 1;
		char e[6] = {'\\', 0};
		size_t el = 2;
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\b': e[1] = 'b'; break;
		case '\t': e[1] = 't'; break;
		case '\n': e[1] = 'n'; break;
		case '\f': e[1] = 'f'; break;
		case '\r': e[1] = 'r'; break;
		default:
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			el = 6;
		}
		wb_put(b, e, el);
	}
	wb_put(b, s + run, n - run);
	wb_ch(b, '"');
}

static void wb_value(struct wbuf *b, const cs_json *v, unsigned depth)
{
	if (depth >= YAJL_MAX_DEPTH - 1 &&
	    (v->type == CS_JSON_ARRAY || v->type == CS_JSON_OBJECT)) {
		wb_put(b, "null", 4);
		return;
	}
	switch (v->type) {
	case CS_JSON_NULL: wb_put(b, "null", 4); break;
	case CS_JSON_BOOL: v->u.b ? wb_put(b, "true", 4) : wb_put(b, "false", 5); break;
	case CS_JSON_NUMBER: wb_put(b, v->u.num.text, strlen(v->u.num.text)); break;
	case CS_JSON_STRING: wb_string(b, v->u.str.s, v->u.str.len); break;
	case CS_JSON_ARRAY:
		wb_ch(b, '[');
		for (size_t i = 0; i < v->u.arr.len; i++) {
			if (i)
				wb_ch(b, ',');
			wb_value(b, v->u.arr.items[i], depth + 1);
		}
		wb_ch(b, ']');
		break;
	case CS_JSON_OBJECT:
		wb_ch(b, '{');
		for (size_t i = 0; i < v->u.obj.len; i++) {
			if (i)
				wb_ch(b, ',');
			const char *k = v->u.obj.keys[i];
			wb_string(b, k, strlen(k));
			wb_ch(b, ':');
			wb_value(b, v->u.obj.vals[i], depth + 1);
		}
		wb_ch(b, '}');
		break;
	}
}

char *cs_json_dump(const cs_json *v, bool pretty, size_t *len)
{
	if (pretty)
		return cs_json_dump_yajl(v, true, len);
	struct wbuf b = {0};
	if (v)
		wb_value(&b, v, 0);
	else
		wb_put(&b, "null", 4);
	wb_ch(&b, '\0');
	if (len)
		*len = b.len - 1;
	return b.p;
}

char *cs_json_dump_yajl(const cs_json *v, bool pretty, size_t *len)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		abort();
	if (pretty) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "  ");
	}
	if (v)
		gen_value(g, v, 0);
	else
		yajl_gen_null(g);
	const unsigned char *out;
	size_t n;
	yajl_gen_get_buf(g, &out, &n);
	char *s = xstrndup((const char *)out, n);
	yajl_gen_free(g);
	if (len)
		*len = n;
	return s;
}
