/* Validation and defaulting of every kind: a valid object of each kind
 * passes, each rule has a failing case checked by field path and reason,
 * defaults land where Kubernetes puts them, and updates respect what is
 * immutable.  Manifests are written with single quotes for readability. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "status.h"
#include "types.h"
#include "validate_int.h"

/* ---- helpers ---- */

static cs_json *J(const char *text)
{
	char *s = strdup(text), err[256];
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	cs_json *j = cs_json_parse(s, strlen(s), err, sizeof(err));
	if (!j)
		fail_msg("bad test JSON (%s): %s", err, s);
	free(s);
	return j;
}

static const cs_type *T(const char *kind)
{
	for (size_t i = 0; i < cs_types_count; i++)
		if (!strcmp(cs_types[i].kind, kind))
			return &cs_types[i];
	fail_msg("no type %s", kind);
	return NULL;
}

/* RFC 7386 merge, enough to derive test cases from a base object. */
static void merge(cs_json *dst, const cs_json *patch)
{
	for (size_t i = 0; i < patch->u.obj.len; i++) {
		const char *k = patch->u.obj.keys[i];
		const cs_json *pv = patch->u.obj.vals[i];
		cs_json *dv = cs_json_get(dst, k);
		if (pv->type == CS_JSON_NULL)
			cs_json_del(dst, k);
		else if (pv->type == CS_JSON_OBJECT && cs_json_is(dv, CS_JSON_OBJECT))
			merge(dv, pv);
		else
			cs_json_set(dst, k, cs_json_clone(pv));
	}
}

static const char *base_of(const char *kind);

static cs_json *build(const char *kind, const char *patch)
{
	cs_json *o = J(base_of(kind));
	if (patch) {
		cs_json *p = J(patch);
		merge(o, p);
		cs_json_free(p);
	}
	return o;
}

static void dump_causes(const cs_status *st)
{
	fprintf(stderr, "message: %s\n", st->message);
	for (size_t i = 0; i < st->ncauses; i++)
		fprintf(stderr, "  cause %s | %s | %s\n", st->causes[i].reason, st->causes[i].field,
			st->causes[i].message);
}

/* Defaults then validates, as the API server does on create (old NULL)
 * or update. */
static int run(const char *kind, cs_json *obj, cs_json *old, cs_status *st)
{
	const cs_type *t = T(kind);
	memset(st, 0, sizeof(*st));
	cs_type_default(t, obj);
	return cs_type_validate(t, obj, old, st);
}

static const cs_cause *find_cause(const cs_status *st, const char *field, const char *reason)
{
	for (size_t i = 0; i < st->ncauses; i++)
		if (!strcmp(st->causes[i].field, field) && !strcmp(st->causes[i].reason, reason))
			return &st->causes[i];
	return NULL;
}

static void expect_valid(const char *kind, const char *patch)
{
	cs_status st;
	cs_json *o = build(kind, patch);
	if (run(kind, o, NULL, &st) != 0) {
		dump_causes(&st);
		fail_msg("%s %s: rejected", kind, patch ? patch : "(base)");
	}
	cs_json_free(o);
}

/* ---- base objects: each valid on its own ---- */

#include "valid_objects.h"

static const char *base_of(const char *kind)
{
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (!strcmp(bases[i].kind, kind))
			return bases[i].json;
	fail_msg("no base for %s", kind);
	return NULL;
}

/* vsnprintf into a CS_VPATH buffer: what cs_vpath did before (truncating
 * is the point, hence not snprintf, which the compiler warns about). */
static void ref_vpath(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ref_vpath(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, CS_VPATH, fmt, ap);
	va_end(ap);
}

/* cs_vpath expands %s and %zu itself: the same text and truncation as
 * vsnprintf, which still takes any other format. */
static void test_vpath_formats(void **state)
{
	(void)state;
	char buf[CS_VPATH], ref[CS_VPATH];
	assert_string_equal(cs_vpath(buf, "%s.%s[%zu]", "spec", "containers", (size_t)0),
			    "spec.containers[0]");
	assert_string_equal(cs_vpath(buf, "%s[%zu]", "a", (size_t)18446744073709551615ULL),
			    "a[18446744073709551615]");
	assert_string_equal(cs_vpath(buf, "data[%s]", ""), "data[]");
	assert_string_equal(cs_vpath(buf, "%s%%x%d", "p", 7), "p%x7");
	/* Longer than the buffer: cut at CS_VPATH - 1 bytes, as vsnprintf. */
	char longs[CS_VPATH * 2];
	memset(longs, 'x', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	cs_vpath(buf, "%s.%s[%zu]", "spec", longs, (size_t)42);
	ref_vpath(ref, "%s.%s[%zu]", "spec", longs, (size_t)42);
	assert_string_equal(buf, ref);
	assert_int_equal(strlen(buf), CS_VPATH - 1);
	memset(longs, 'y', CS_VPATH - 3);
	longs[CS_VPATH - 3] = '\0';
	cs_vpath(buf, "%s[%zu]", longs, (size_t)12345);
	ref_vpath(ref, "%s[%zu]", longs, (size_t)12345);
	assert_string_equal(buf, ref);
}

static void test_every_kind_has_a_valid_base(void **state)
{
	(void)state;
	for (size_t i = 0; i < cs_types_count; i++)
		expect_valid(cs_types[i].kind, NULL);
}

/* ---- rules: one failing case each ---- */

struct rule {
	const char *kind, *patch, *field, *reason;
	const char *msg; /* exact cause message, "~text" for a substring, or NULL */
};

#define REQ    "FieldValueRequired"
#define INV    "FieldValueInvalid"
#define NSUP   "FieldValueNotSupported"
#define DUP    "FieldValueDuplicate"
#define FORB   "FieldValueForbidden"
#define LONG   "FieldValueTooLong"
#define NFOUND "FieldValueNotFound"
#define TYPE   "FieldValueTypeInvalid"

#define CTR(extra) "{'spec':{'containers':[{'name':'app','image':'nginx'" extra "}]}}"
#define PORT_MSG   "must be between 1 and 65535, inclusive"

static const struct rule rules[] = {
	/* metadata, on any kind */
	{"Pod", "{'metadata':{'name':'Web_1'}}", "metadata.name", INV,
	 "~Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain"},
	{"Pod", "{'metadata':{'name':null}}", "metadata.name", REQ,
	 "Required value: name or generateName is required"},
	{"Pod", "{'metadata':{'generateName':'Web-'}}", "metadata.generateName", INV, NULL},
	{"Pod", "{'metadata':{'labels':{'bad key':'x'}}}", "metadata.labels", INV,
	 "~Invalid value: \"bad key\": "},
	{"Pod", "{'metadata':{'labels':{'app':'-bad-'}}}", "metadata.labels", INV,
	 "~Invalid value: \"-bad-\": "},
	{"Pod",
	 "{'metadata':{'labels':{'app':'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaa'}}}",
	 "metadata.labels", INV, "~must be no more than 63 characters"},
	{"Pod", "{'metadata':{'labels':{'app':3}}}", "metadata.labels[app]", TYPE, NULL},
	{"Pod", "{'metadata':{'annotations':{'a b/c':'x'}}}", "metadata.annotations", INV, NULL},
	{"Pod", "{'metadata':{'annotations':{'ok':1}}}", "metadata.annotations[ok]", TYPE, NULL},
	{"Pod", "{'metadata':{'finalizers':['cleanup']}}", "metadata.finalizers", INV,
	 "Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully "
	 "qualified"},
	{"Pod",
	 "{'metadata':{'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet',"
	 "'name':'web-1'}]}}",
	 "metadata.ownerReferences[0].uid", INV, "Invalid value: \"\": uid must not be empty"},
	{"Pod",
	 "{'metadata':{'ownerReferences':[{'apiVersion':'v1','kind':'A','name':'a','uid':"
	 "'1','controller':true},{'apiVersion':'v1','kind':'B','name':'b','uid':'2',"
	 "'controller':true}]}}",
	 "metadata.ownerReferences", INV, "~Only one reference can have Controller set to true"},

	/* Pod: containers */
	{"Pod", "{'spec':{'containers':[]}}", "spec.containers", REQ, "Required value"},
	{"Pod", "{'spec':{'containers':{}}}", "spec.containers", TYPE, NULL},
	{"Pod", "{'spec':{'containers':[{'name':'App','image':'x'}]}}", "spec.containers[0].name",
	 INV, "~a lowercase RFC 1123 label"},
	{"Pod", "{'spec':{'containers':[{'image':'x'}]}}", "spec.containers[0].name", REQ, NULL},
	{"Pod", "{'spec':{'initContainers':[{'name':'app','image':'busybox'}]}}",
	 "spec.initContainers[0].name", DUP, "Duplicate value: \"app\""},
	{"Pod", "{'spec':{'containers':[{'name':'a','image':'x'},{'name':'a','image':'x'}]}}",
	 "spec.containers[1].name", DUP, NULL},
	{"Pod", "{'spec':{'containers':[{'name':'app'}]}}", "spec.containers[0].image", REQ,
	 "Required value"},
	{"Pod", "{'spec':{'containers':[{'name':'app','image':''}]}}", "spec.containers[0].image",
	 REQ, NULL},
	{"Pod", "{'spec':{'containers':[{'name':'app','image':' nginx'}]}}",
	 "spec.containers[0].image", INV,
	 "Invalid value: \" nginx\": must not have leading or trailing whitespace"},
	{"Pod", CTR(",'command':['sh',1]"), "spec.containers[0].command[1]", TYPE,
	 "Invalid value: 1: must be of type string"},
	{"Pod", CTR(",'args':'run'"), "spec.containers[0].args", TYPE, NULL},
	{"Pod", CTR(",'ports':[{'name':'http'}]"), "spec.containers[0].ports[0].containerPort", REQ,
	 NULL},
	{"Pod", CTR(",'ports':[{'containerPort':70000}]"),
	 "spec.containers[0].ports[0].containerPort", INV, "Invalid value: 70000: " PORT_MSG},
	{"Pod", CTR(",'ports':[{'containerPort':80,'hostPort':-1}]"),
	 "spec.containers[0].ports[0].hostPort", INV, "Invalid value: -1: " PORT_MSG},
	{"Pod", CTR(",'ports':[{'containerPort':80,'protocol':'HTTP'}]"),
	 "spec.containers[0].ports[0].protocol", NSUP,
	 "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""},
	{"Pod", CTR(",'ports':[{'containerPort':80,'name':'HTTP_PORT'}]"),
	 "spec.containers[0].ports[0].name", INV,
	 "Invalid value: \"HTTP_PORT\": must contain only alpha-numeric characters (a-z, 0-9), and "
	 "hyphens (-)"},
	{"Pod", CTR(",'ports':[{'containerPort':80,'name':'longer-than-fifteen'}]"),
	 "spec.containers[0].ports[0].name", INV,
	 "Invalid value: \"longer-than-fifteen\": must be no more than 15 characters"},
	{"Pod", CTR(",'ports':[{'containerPort':80,'name':'8080'}]"),
	 "spec.containers[0].ports[0].name", INV,
	 "Invalid value: \"8080\": must contain at least one letter (a-z)"},
	{"Pod", CTR(",'ports':[{'containerPort':80,'name':'a--b'}]"),
	 "spec.containers[0].ports[0].name", INV,
	 "Invalid value: \"a--b\": must not contain consecutive hyphens"},
	{"Pod", CTR(",'ports':[{'containerPort':80,'name':'-ab'}]"),
	 "spec.containers[0].ports[0].name", INV,
	 "Invalid value: \"-ab\": must not begin or end with a hyphen"},
	{"Pod",
	 CTR(",'ports':[{'containerPort':80,'name':'web'},{'containerPort':81,'name':'web'}]"),
	 "spec.containers[0].ports[1].name", DUP, "Duplicate value: \"web\""},
	{"Pod",
	 "{'spec':{'hostNetwork':true,'containers':[{'name':'app','image':'x','ports':[{"
	 "'containerPort':80,'hostPort':8080}]}]}}",
	 "spec.containers[0].ports[0].containerPort", INV,
	 "Invalid value: 80: must match `hostPort` when `hostNetwork` is true"},

	/* Pod: resources */
	{"Pod", CTR(",'resources':{'requests':{'cpu':'abc'}}"),
	 "spec.containers[0].resources.requests[cpu]", INV,
	 "Invalid value: \"abc\": quantities must match the regular expression "
	 "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
	{"Pod", CTR(",'resources':{'limits':{'memory':'1GB'}}"),
	 "spec.containers[0].resources.limits[memory]", INV, "~quantities must match"},
	{"Pod", CTR(",'resources':{'requests':{'cpu':'1'},'limits':{'cpu':'500m'}}"),
	 "spec.containers[0].resources.requests", INV,
	 "Invalid value: \"1\": must be less than or equal to cpu limit of 500m"},
	{"Pod", CTR(",'resources':{'requests':{'memory':'2Gi'},'limits':{'memory':'1Gi'}}"),
	 "spec.containers[0].resources.requests", INV,
	 "Invalid value: \"2Gi\": must be less than or equal to memory limit of 1Gi"},
	{"Pod", CTR(",'resources':{'limits':{'memory':'-1Gi'}}"),
	 "spec.containers[0].resources.limits[memory]", INV,
	 "Invalid value: \"-1Gi\": must be greater than or equal to 0"},
	{"Pod", CTR(",'resources':{'requests':{'gpu':'1'}}"),
	 "spec.containers[0].resources.requests[gpu]", INV,
	 "Invalid value: \"gpu\": must be a standard resource type or fully qualified"},
	{"Pod",
	 CTR(",'resources':{'requests':{'example.com/gpu':'1'},'limits':{'example.com/gpu':"
	     "'2'}}"),
	 "spec.containers[0].resources.requests", INV,
	 "Invalid value: \"1\": must be equal to example.com/gpu limit of 2"},
	{"Pod", CTR(",'resources':{'requests':{'example.com/gpu':'1'}}"),
	 "spec.containers[0].resources.limits", REQ,
	 "Required value: Limit must be set for non overcommitable resources"},

	/* Pod: env */
	{"Pod", CTR(",'env':[{'name':'1ABC','value':'x'}]"), "spec.containers[0].env[0].name", INV,
	 "~Invalid value: \"1ABC\": a valid environment variable name must consist of"},
	{"Pod", CTR(",'env':[{'value':'x'}]"), "spec.containers[0].env[0].name", REQ, NULL},
	{"Pod", CTR(",'env':[{'name':'..'}]"), "spec.containers[0].env[0].name", INV,
	 "Invalid value: \"..\": must not be '..'"},
	{"Pod",
	 CTR(",'env':[{'name':'A','value':'x','valueFrom':{'fieldRef':{'fieldPath':"
	     "'metadata.name'}}}]"),
	 "spec.containers[0].env[0].valueFrom", INV,
	 "Invalid value: \"\": may not be specified when `value` is not empty"},
	{"Pod", CTR(",'env':[{'name':'A','valueFrom':{}}]"), "spec.containers[0].env[0].valueFrom",
	 INV, "~must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "},
	{"Pod",
	 CTR(",'env':[{'name':'A','valueFrom':{'fieldRef':{'fieldPath':'metadata.name'},"
	     "'secretKeyRef':{'name':'s','key':'k'}}}]"),
	 "spec.containers[0].env[0].valueFrom", INV,
	 "Invalid value: \"\": may not have more than one field specified at a time"},
	{"Pod", CTR(",'env':[{'name':'A','valueFrom':{'fieldRef':{'fieldPath':'spec.foo'}}}]"),
	 "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath", NSUP,
	 "~Unsupported value: \"spec.foo\": supported values: \"metadata.annotations\", "},
	{"Pod", CTR(",'env':[{'name':'A','valueFrom':{'secretKeyRef':{'name':'s'}}}]"),
	 "spec.containers[0].env[0].valueFrom.secretKeyRef.key", REQ, NULL},
	{"Pod",
	 CTR(",'env':[{'name':'A','valueFrom':{'configMapKeyRef':{'name':'c','key':'a b'}}}]"),
	 "spec.containers[0].env[0].valueFrom.configMapKeyRef.key", INV, "~a valid config key"},
	{"Pod",
	 CTR(",'env':[{'name':'A','valueFrom':{'resourceFieldRef':{'resource':'limits.gpu'}}}]"),
	 "spec.containers[0].env[0].valueFrom.resourceFieldRef.resource", NSUP, NULL},
	{"Pod", CTR(",'envFrom':[{'prefix':'P_'}]"), "spec.containers[0].envFrom[0]", INV,
	 "~must specify one of: `configMapRef` or `secretRef`"},

	/* Pod: volumes and mounts */
	{"Pod", CTR(",'volumeMounts':[{'name':'cache','mountPath':'/c'}]"),
	 "spec.containers[0].volumeMounts[0].name", NFOUND, "Not found: \"cache\""},
	{"Pod", CTR(",'volumeMounts':[{'name':'data'}]"),
	 "spec.containers[0].volumeMounts[0].mountPath", REQ, NULL},
	{"Pod",
	 CTR(",'volumeMounts':[{'name':'data','mountPath':'/d'},{'name':'data',"
	     "'mountPath':'/d'}]"),
	 "spec.containers[0].volumeMounts[1].mountPath", INV,
	 "Invalid value: \"/d\": must be unique"},
	{"Pod", CTR(",'volumeMounts':[{'name':'data','mountPath':'/d','subPath':'a/../../x'}]"),
	 "spec.containers[0].volumeMounts[0].subPath", INV,
	 "Invalid value: \"a/../../x\": must not contain '..'"},
	{"Pod", CTR(",'volumeMounts':[{'name':'data','mountPath':'/d','subPath':'/etc'}]"),
	 "spec.containers[0].volumeMounts[0].subPath", INV,
	 "Invalid value: \"/etc\": must be a relative path"},
	{"Pod", CTR(",'volumeMounts':[{'name':'data','mountPath':'/d','mountPropagation':'Up'}]"),
	 "spec.containers[0].volumeMounts[0].mountPropagation", NSUP, NULL},
	{"Pod",
	 "{'spec':{'volumes':[{'name':'data','emptyDir':{}},{'name':'data','emptyDir':{}}]}}",
	 "spec.volumes[1].name", DUP, "Duplicate value: \"data\""},
	{"Pod", "{'spec':{'volumes':[{'name':'data'}]}}", "spec.volumes[0]", REQ,
	 "Required value: must specify a volume type"},
	{"Pod", "{'spec':{'volumes':[{'name':'data','hostPath':{'path':'/x'},'emptyDir':{}}]}}",
	 "spec.volumes[0].emptyDir", FORB, "Forbidden: may not specify more than 1 volume type"},
	{"Pod", "{'spec':{'volumes':[{'name':'Data','emptyDir':{}}]}}", "spec.volumes[0].name", INV,
	 NULL},
	{"Pod", "{'spec':{'volumes':[{'name':'data','hostPath':{}}]}}",
	 "spec.volumes[0].hostPath.path", REQ, NULL},
	{"Pod", "{'spec':{'volumes':[{'name':'data','hostPath':{'path':'/x','type':'Dir'}}]}}",
	 "spec.volumes[0].hostPath.type", NSUP,
	 "Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", "
	 "\"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\""},
	{"Pod", "{'spec':{'volumes':[{'name':'data','secret':{}}]}}",
	 "spec.volumes[0].secret.secretName", REQ, NULL},
	{"Pod",
	 "{'spec':{'volumes':[{'name':'data','secret':{'secretName':'s','defaultMode':512}}]}}",
	 "spec.volumes[0].secret.defaultMode", INV,
	 "Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive"},
	{"Pod",
	 "{'spec':{'volumes':[{'name':'data','configMap':{'name':'c','items':[{'key':'k',"
	 "'path':'../x'}]}}]}}",
	 "spec.volumes[0].configMap.items[0].path", INV, NULL},
	{"Pod", "{'spec':{'volumes':[{'name':'data','persistentVolumeClaim':{}}]}}",
	 "spec.volumes[0].persistentVolumeClaim.claimName", REQ, NULL},
	{"Pod", "{'spec':{'volumes':[{'name':'data','emptyDir':{'sizeLimit':'big'}}]}}",
	 "spec.volumes[0].emptyDir.sizeLimit", INV, NULL},

	/* Pod: spec fields */
	{"Pod", "{'spec':{'restartPolicy':'Sometimes'}}", "spec.restartPolicy", NSUP,
	 "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", "
	 "\"Never\""},
	{"Pod", "{'spec':{'restartPolicy':5}}", "spec.restartPolicy", TYPE, NULL},
	{"Pod", "{'spec':{'dnsPolicy':'Google'}}", "spec.dnsPolicy", NSUP,
	 "Unsupported value: \"Google\": supported values: \"ClusterFirstWithHostNet\", "
	 "\"ClusterFirst\", \"Default\", \"None\""},
	{"Pod", "{'spec':{'dnsPolicy':'None'}}", "spec.dnsConfig", REQ,
	 "Required value: must provide `dnsConfig` when `dnsPolicy` is None"},
	{"Pod", "{'spec':{'dnsConfig':{'nameservers':['x']}}}", "spec.dnsConfig.nameservers[0]",
	 INV, NULL},
	{"Pod", "{'spec':{'terminationGracePeriodSeconds':-1}}",
	 "spec.terminationGracePeriodSeconds", INV,
	 "Invalid value: -1: must be greater than or equal to 0"},
	{"Pod", "{'spec':{'activeDeadlineSeconds':0}}", "spec.activeDeadlineSeconds", INV,
	 "Invalid value: 0: must be between 1 and 2147483647, inclusive"},
	{"Pod", "{'spec':{'nodeSelector':{'disk type':'ssd'}}}", "spec.nodeSelector", INV, NULL},
	{"Pod", "{'spec':{'serviceAccountName':'Bad_SA'}}", "spec.serviceAccountName", INV, NULL},
	{"Pod", "{'spec':{'nodeName':'-node'}}", "spec.nodeName", INV, NULL},
	{"Pod", "{'spec':{'hostname':'a.b'}}", "spec.hostname", INV, NULL},
	{"Pod", "{'spec':{'schedulerName':'My Scheduler'}}", "spec.schedulerName", INV, NULL},
	{"Pod", CTR(",'imagePullPolicy':'Sometimes'"), "spec.containers[0].imagePullPolicy", NSUP,
	 "Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", "
	 "\"Never\""},
	{"Pod", CTR(",'terminationMessagePolicy':'Other'"),
	 "spec.containers[0].terminationMessagePolicy", INV,
	 "Invalid value: \"Other\": must be 'File' or 'FallbackToLogsOnError'"},
	{"Pod", CTR(",'restartPolicy':'Always'"), "spec.containers[0].restartPolicy", FORB, NULL},

	/* Pod: tolerations */
	{"Pod", "{'spec':{'tolerations':[{'operator':'Equal','value':'x'}]}}",
	 "spec.tolerations[0].operator", INV,
	 "Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means "
	 "\"match all values and all keys\""},
	{"Pod", "{'spec':{'tolerations':[{'key':'k','operator':'Maybe'}]}}",
	 "spec.tolerations[0].operator", NSUP,
	 "Unsupported value: \"Maybe\": supported values: \"Equal\", \"Exists\""},
	{"Pod",
	 "{'spec':{'tolerations':[{'key':'k','operator':'Exists','effect':'NoSchedule',"
	 "'tolerationSeconds':60}]}}",
	 "spec.tolerations[0].effect", INV,
	 "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` "
	 "is set"},
	{"Pod", "{'spec':{'tolerations':[{'key':'k','operator':'Exists','value':'v'}]}}",
	 "spec.tolerations[0].operator", INV, "~value must be empty when `operator` is 'Exists'"},
	{"Pod", "{'spec':{'tolerations':[{'key':'k','value':'v','effect':'Never'}]}}",
	 "spec.tolerations[0].effect", NSUP,
	 "Unsupported value: \"Never\": supported values: \"NoSchedule\", \"PreferNoSchedule\", "
	 "\"NoExecute\""},
	{"Pod", "{'spec':{'tolerations':[{'key':'bad key','operator':'Exists'}]}}",
	 "spec.tolerations[0].key", INV, NULL},

	/* Pod: probes and lifecycle */
	{"Pod", CTR(",'livenessProbe':{'periodSeconds':5}"), "spec.containers[0].livenessProbe",
	 REQ, "Required value: must specify a handler type"},
	{"Pod", CTR(",'readinessProbe':{'exec':{'command':['true']},'tcpSocket':{'port':80}}"),
	 "spec.containers[0].readinessProbe.tcpSocket", FORB,
	 "Forbidden: may not specify more than 1 handler type"},
	{"Pod", CTR(",'livenessProbe':{'httpGet':{'port':'HTTP'}}"),
	 "spec.containers[0].livenessProbe.httpGet.port", INV, NULL},
	{"Pod", CTR(",'livenessProbe':{'tcpSocket':{'port':0}}"),
	 "spec.containers[0].livenessProbe.tcpSocket.port", INV, "Invalid value: 0: " PORT_MSG},
	{"Pod", CTR(",'livenessProbe':{'exec':{'command':['true']},'successThreshold':2}"),
	 "spec.containers[0].livenessProbe.successThreshold", INV, "Invalid value: 2: must be 1"},
	{"Pod", CTR(",'startupProbe':{'exec':{'command':['true']},'periodSeconds':-1}"),
	 "spec.containers[0].startupProbe.periodSeconds", INV, NULL},
	{"Pod", CTR(",'livenessProbe':{'exec':{}}"),
	 "spec.containers[0].livenessProbe.exec.command", REQ, NULL},
	{"Pod", CTR(",'lifecycle':{'preStop':{}}"), "spec.containers[0].lifecycle.preStop", REQ,
	 NULL},
	{"Pod",
	 "{'spec':{'initContainers':[{'name':'init','image':'x','readinessProbe':{'exec':{"
	 "'command':['true']}}}]}}",
	 "spec.initContainers[0].readinessProbe", FORB, NULL},

	/* Pod: affinity and spreading */
	{"Pod",
	 "{'spec':{'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuring"
	 "Execution':{'nodeSelectorTerms':[]}}}}}",
	 "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
	 "nodeSelectorTerms",
	 REQ, NULL},
	{"Pod",
	 "{'spec':{'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuring"
	 "Execution':{'nodeSelectorTerms':[{'matchExpressions':[{'key':'zone','operator':"
	 "'Like','values':['a']}]}]}}}}}",
	 "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
	 "nodeSelectorTerms[0].matchExpressions[0].operator",
	 NSUP, NULL},
	{"Pod",
	 "{'spec':{'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuring"
	 "Execution':{'nodeSelectorTerms':[{'matchExpressions':[{'key':'zone','operator':"
	 "'In'}]}]}}}}}",
	 "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
	 "nodeSelectorTerms[0].matchExpressions[0].values",
	 REQ, NULL},
	{"Pod",
	 "{'spec':{'affinity':{'nodeAffinity':{'preferredDuringSchedulingIgnoredDuring"
	 "Execution':[{'weight':0,'preference':{}}]}}}}",
	 "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
	 INV, "Invalid value: 0: must be in the range 1-100"},
	{"Pod",
	 "{'spec':{'affinity':{'podAntiAffinity':{'requiredDuringSchedulingIgnoredDuring"
	 "Execution':[{'labelSelector':{'matchLabels':{'app':'web'}}}]}}}}",
	 "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
	 "topologyKey",
	 REQ, "Required value: can not be empty"},
	{"Pod",
	 "{'spec':{'topologySpreadConstraints':[{'maxSkew':0,'topologyKey':'zone',"
	 "'whenUnsatisfiable':'DoNotSchedule'}]}}",
	 "spec.topologySpreadConstraints[0].maxSkew", INV,
	 "Invalid value: 0: must be greater than zero"},
	{"Pod",
	 "{'spec':{'topologySpreadConstraints':[{'maxSkew':1,'topologyKey':'zone',"
	 "'whenUnsatisfiable':'Maybe'}]}}",
	 "spec.topologySpreadConstraints[0].whenUnsatisfiable", NSUP, NULL},

	/* Deployment */
	{"Deployment", "{'spec':{'selector':null}}", "spec.selector", REQ, "Required value"},
	{"Deployment", "{'spec':{'selector':{'matchLabels':null}}}", "spec.selector", INV,
	 "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
	 "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
	 "deployment"},
	{"Deployment", "{'spec':{'selector':{'matchLabels':{'app':'api'}}}}",
	 "spec.template.metadata.labels", INV,
	 "Invalid value: map[string]string{\"app\":\"web\", \"tier\":\"fe\"}: `selector` does not "
	 "match template `labels`"},
	{"Deployment", "{'spec':{'selector':{'matchLabels':{'bad key':'web'}}}}",
	 "spec.selector.matchLabels", INV, NULL},
	{"Deployment", "{'spec':{'replicas':-1}}", "spec.replicas", INV,
	 "Invalid value: -1: must be greater than or equal to 0"},
	{"Deployment", "{'spec':{'replicas':'3'}}", "spec.replicas", TYPE,
	 "Invalid value: \"3\": must be of type integer"},
	{"Deployment", "{'spec':{'template':null}}", "spec.template", REQ, NULL},
	{"Deployment", "{'spec':{'template':{'spec':{'restartPolicy':'Never'}}}}",
	 "spec.template.spec.restartPolicy", NSUP,
	 "Unsupported value: \"Never\": supported values: \"Always\""},
	{"Deployment", "{'spec':{'template':{'spec':{'containers':[{'name':'app'}]}}}}",
	 "spec.template.spec.containers[0].image", REQ, NULL},
	{"Deployment", "{'spec':{'template':{'metadata':{'labels':{'app':'web','x':'-'}}}}}",
	 "spec.template.metadata.labels", INV, NULL},
	{"Deployment", "{'spec':{'template':{'spec':{'activeDeadlineSeconds':10}}}}",
	 "spec.template.spec.activeDeadlineSeconds", FORB,
	 "Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"},
	{"Deployment", "{'spec':{'strategy':{'type':'BlueGreen'}}}", "spec.strategy.type", NSUP,
	 "Unsupported value: \"BlueGreen\": supported values: \"Recreate\", \"RollingUpdate\""},
	{"Deployment", "{'spec':{'strategy':{'type':'Recreate','rollingUpdate':{'maxSurge':1}}}}",
	 "spec.strategy.rollingUpdate", FORB,
	 "Forbidden: may not be specified when strategy `type` is 'Recreate'"},
	{"Deployment", "{'spec':{'strategy':{'rollingUpdate':{'maxSurge':0,'maxUnavailable':0}}}}",
	 "spec.strategy.rollingUpdate.maxUnavailable", INV,
	 "Invalid value: 0: may not be 0 when `maxSurge` is 0"},
	{"Deployment",
	 "{'spec':{'strategy':{'rollingUpdate':{'maxSurge':'0%','maxUnavailable':0}}}}",
	 "spec.strategy.rollingUpdate.maxUnavailable", INV, NULL},
	{"Deployment", "{'spec':{'strategy':{'rollingUpdate':{'maxSurge':'abc'}}}}",
	 "spec.strategy.rollingUpdate.maxSurge", INV,
	 "Invalid value: abc: a valid percent string must be a numeric string followed by an "
	 "ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"},
	{"Deployment", "{'spec':{'strategy':{'rollingUpdate':{'maxUnavailable':'150%'}}}}",
	 "spec.strategy.rollingUpdate.maxUnavailable", INV,
	 "Invalid value: 150%: must not be greater than 100%"},
	{"Deployment", "{'spec':{'strategy':{'rollingUpdate':{'maxUnavailable':-1}}}}",
	 "spec.strategy.rollingUpdate.maxUnavailable", INV,
	 "Invalid value: -1: must be greater than or equal to 0"},
	{"Deployment", "{'spec':{'minReadySeconds':10,'progressDeadlineSeconds':5}}",
	 "spec.progressDeadlineSeconds", INV,
	 "Invalid value: 5: must be greater than minReadySeconds"},
	{"Deployment", "{'spec':{'revisionHistoryLimit':-1}}", "spec.revisionHistoryLimit", INV,
	 NULL},

	/* ReplicaSet */
	{"ReplicaSet", "{'spec':{'selector':{'matchExpressions':[]}}}", "spec.selector", INV,
	 "~empty selector is invalid for deployment"},
	{"ReplicaSet", "{'spec':{'replicas':-2}}", "spec.replicas", INV, NULL},
	{"ReplicaSet",
	 "{'spec':{'selector':{'matchExpressions':[{'key':'app','operator':'In',"
	 "'values':['api']}]}}}",
	 "spec.template.metadata.labels", INV, NULL},

	/* DaemonSet */
	{"DaemonSet", "{'spec':{'selector':{'matchLabels':null}}}", "spec.selector", INV,
	 "~empty selector is invalid for daemonset"},
	{"DaemonSet", "{'spec':{'selector':{'matchLabels':{'app':'other'}}}}",
	 "spec.template.metadata.labels", INV, NULL},
	{"DaemonSet", "{'spec':{'updateStrategy':{'type':'Rolling'}}}", "spec.updateStrategy.type",
	 NSUP, "Unsupported value: \"Rolling\": supported values: \"RollingUpdate\", \"OnDelete\""},
	{"DaemonSet",
	 "{'spec':{'updateStrategy':{'rollingUpdate':{'maxUnavailable':0,'maxSurge':0}}}}",
	 "spec.updateStrategy.rollingUpdate.maxUnavailable", REQ,
	 "Required value: cannot be 0 when maxSurge is 0"},
	{"DaemonSet", "{'spec':{'updateStrategy':{'rollingUpdate':{'maxUnavailable':'0%'}}}}",
	 "spec.updateStrategy.rollingUpdate.maxUnavailable", REQ, NULL},
	{"DaemonSet",
	 "{'spec':{'updateStrategy':{'rollingUpdate':{'maxUnavailable':1,'maxSurge':'10%'}}}}",
	 "spec.updateStrategy.rollingUpdate.maxSurge", INV,
	 "Invalid value: 10%: may not be set when maxUnavailable is non-zero"},
	{"DaemonSet",
	 "{'spec':{'updateStrategy':{'rollingUpdate':{'maxUnavailable':0,'maxSurge':'150%'}}}}",
	 "spec.updateStrategy.rollingUpdate.maxSurge", INV,
	 "Invalid value: 150%: must not be greater than 100%"},
	{"DaemonSet", "{'spec':{'template':{'spec':{'restartPolicy':'OnFailure'}}}}",
	 "spec.template.spec.restartPolicy", NSUP, NULL},
	{"DaemonSet", "{'spec':{'template':{'spec':{'activeDeadlineSeconds':5}}}}",
	 "spec.template.spec.activeDeadlineSeconds", INV,
	 "Invalid value: 5: activeDeadlineSeconds must be nil for daemons"},

	/* StatefulSet */
	{"StatefulSet", "{'spec':{'podManagementPolicy':'Random'}}", "spec.podManagementPolicy",
	 INV, "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"},
	{"StatefulSet", "{'spec':{'updateStrategy':{'type':'Fast'}}}", "spec.updateStrategy", INV,
	 "~must be 'RollingUpdate' or 'OnDelete'"},
	{"StatefulSet",
	 "{'spec':{'updateStrategy':{'type':'OnDelete','rollingUpdate':{"
	 "'partition':1}}}}",
	 "spec.updateStrategy.rollingUpdate", INV,
	 "~only allowed for updateStrategy 'RollingUpdate'"},
	{"StatefulSet", "{'spec':{'updateStrategy':{'rollingUpdate':{'partition':-1}}}}",
	 "spec.updateStrategy.rollingUpdate.partition", INV, NULL},
	{"StatefulSet", "{'spec':{'selector':{'matchLabels':{'app':null}}}}", "spec.selector", INV,
	 "~empty selector is invalid for statefulset"},
	{"StatefulSet", "{'spec':{'serviceName':'DB'}}", "spec.serviceName", INV, "~DNS-1035"},
	{"StatefulSet", "{'spec':{'replicas':-1}}", "spec.replicas", INV, NULL},
	{"StatefulSet",
	 "{'spec':{'volumeClaimTemplates':[{'metadata':{'name':'pgdata'},'spec':{"
	 "'resources':{'requests':{'storage':'5Gi'}}}}]}}",
	 "spec.volumeClaimTemplates[0].spec.accessModes", REQ,
	 "Required value: at least 1 access mode is required"},
	{"StatefulSet", "{'spec':{'volumeClaimTemplates':null}}",
	 "spec.template.spec.containers[0].volumeMounts[0].name", NFOUND, NULL},
	{"StatefulSet", "{'spec':{'template':{'spec':{'restartPolicy':'Never'}}}}",
	 "spec.template.spec.restartPolicy", NSUP, NULL},

	/* Job */
	{"Job", "{'spec':{'template':{'spec':{'restartPolicy':null}}}}",
	 "spec.template.spec.restartPolicy", REQ,
	 "Required value: valid values: \"OnFailure\", \"Never\""},
	{"Job", "{'spec':{'template':{'spec':{'restartPolicy':'Always'}}}}",
	 "spec.template.spec.restartPolicy", REQ, NULL},
	{"Job", "{'spec':{'parallelism':-1}}", "spec.parallelism", INV, NULL},
	{"Job", "{'spec':{'completions':-1}}", "spec.completions", INV, NULL},
	{"Job", "{'spec':{'backoffLimit':-2}}", "spec.backoffLimit", INV,
	 "Invalid value: -2: must be greater than or equal to 0"},
	{"Job", "{'spec':{'activeDeadlineSeconds':-5}}", "spec.activeDeadlineSeconds", INV, NULL},
	{"Job", "{'spec':{'completionMode':'Sometimes'}}", "spec.completionMode", NSUP,
	 "Unsupported value: \"Sometimes\": supported values: \"NonIndexed\", \"Indexed\""},
	{"Job", "{'spec':{'completionMode':'Indexed','parallelism':2}}", "spec.completions", REQ,
	 "Required value: when completion mode is Indexed"},
	{"Job", "{'spec':{'manualSelector':true}}", "spec.selector", REQ, NULL},
	{"Job", "{'spec':{'manualSelector':true,'selector':{'matchLabels':{'job':'pi'}}}}",
	 "spec.template.metadata.labels", INV, "~`selector` does not match template `labels`"},
	{"Job", "{'spec':{'template':null}}", "spec.template", REQ, NULL},

	/* CronJob */
	{"CronJob", "{'spec':{'schedule':null}}", "spec.schedule", REQ, "Required value"},
	{"CronJob", "{'spec':{'schedule':'foo'}}", "spec.schedule", INV,
	 "Invalid value: \"foo\": expected exactly 5 fields, found 1: [foo]"},
	{"CronJob", "{'spec':{'schedule':'61 * * * *'}}", "spec.schedule", INV,
	 "Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"},
	{"CronJob", "{'spec':{'schedule':'TZ=UTC 0 * * * *','timeZone':'UTC'}}", "spec.schedule",
	 INV, "~cannot use both timeZone field and TZ or CRON_TZ in schedule"},
	{"CronJob", "{'spec':{'timeZone':'Mars/Base'}}", "spec.timeZone", INV,
	 "Invalid value: \"Mars/Base\": unknown time zone Mars/Base"},
	{"CronJob", "{'spec':{'concurrencyPolicy':'Sometimes'}}", "spec.concurrencyPolicy", NSUP,
	 "Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\""},
	{"CronJob", "{'spec':{'successfulJobsHistoryLimit':-1}}", "spec.successfulJobsHistoryLimit",
	 INV, NULL},
	{"CronJob", "{'spec':{'startingDeadlineSeconds':-1}}", "spec.startingDeadlineSeconds", INV,
	 NULL},
	{"CronJob",
	 "{'spec':{'jobTemplate':{'spec':{'template':{'spec':{'restartPolicy':"
	 "'Always'}}}}}}",
	 "spec.jobTemplate.spec.template.spec.restartPolicy", REQ,
	 "Required value: valid values: \"OnFailure\", \"Never\""},
	{"CronJob", "{'spec':{'jobTemplate':{'spec':{'selector':{'matchLabels':{'a':'b'}}}}}}",
	 "spec.jobTemplate.spec.selector", INV, "~`selector` will be auto-generated"},
	{"CronJob", "{'spec':{'jobTemplate':{'spec':{'backoffLimit':-1}}}}",
	 "spec.jobTemplate.spec.backoffLimit", INV, NULL},
	{"CronJob", "{'metadata':{'name':'a-cronjob-name-that-is-fifty-three-characters-long-xy'}}",
	 "metadata.name", INV,
	 "Invalid value: \"a-cronjob-name-that-is-fifty-three-characters-long-xy\": must be no "
	 "more than 52 characters"},

	/* Service */
	{"Service", "{'metadata':{'name':'1web'}}", "metadata.name", INV,
	 "~a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
	 "an alphabetic character"},
	{"Service", "{'spec':{'ports':null}}", "spec.ports", REQ, "Required value"},
	{"Service", "{'spec':{'ports':[{'port':0}]}}", "spec.ports[0].port", INV,
	 "Invalid value: 0: " PORT_MSG},
	{"Service", "{'spec':{'ports':[{'targetPort':80}]}}", "spec.ports[0].port", INV, NULL},
	{"Service", "{'spec':{'ports':[{'name':'a','port':80},{'port':81}]}}", "spec.ports[1].name",
	 REQ, NULL},
	{"Service", "{'spec':{'ports':[{'name':'a','port':80},{'name':'a','port':81}]}}",
	 "spec.ports[1].name", DUP, "Duplicate value: \"a\""},
	{"Service", "{'spec':{'ports':[{'name':'A','port':80}]}}", "spec.ports[0].name", INV, NULL},
	{"Service", "{'spec':{'ports':[{'port':80,'protocol':'ICMP'}]}}", "spec.ports[0].protocol",
	 NSUP, "Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\""},
	{"Service", "{'spec':{'ports':[{'port':80,'targetPort':70000}]}}",
	 "spec.ports[0].targetPort", INV, "Invalid value: 70000: " PORT_MSG},
	{"Service", "{'spec':{'ports':[{'port':80,'targetPort':'HTTP'}]}}",
	 "spec.ports[0].targetPort", INV,
	 "Invalid value: \"HTTP\": must contain only alpha-numeric characters (a-z, 0-9), and "
	 "hyphens (-)"},
	{"Service", "{'spec':{'ports':[{'port':80,'targetPort':true}]}}",
	 "spec.ports[0].targetPort", TYPE, NULL},
	{"Service", "{'spec':{'ports':[{'name':'a','port':80},{'name':'b','port':80}]}}",
	 "spec.ports[1]", DUP, "~Duplicate value: core.ServicePort{"},
	{"Service", "{'spec':{'type':'Internal'}}", "spec.type", NSUP,
	 "Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"ExternalName\", "
	 "\"LoadBalancer\", \"NodePort\""},
	{"Service", "{'spec':{'selector':{'app':'-'}}}", "spec.selector", INV, NULL},
	{"Service", "{'spec':{'ports':[{'port':80,'nodePort':30080}]}}", "spec.ports[0].nodePort",
	 FORB, "Forbidden: may not be used when `type` is 'ClusterIP'"},
	{"Service", "{'spec':{'type':'ExternalName','ports':null}}", "spec.externalName", REQ,
	 NULL},
	{"Service", "{'spec':{'type':'ExternalName','externalName':'-bad-'}}", "spec.externalName",
	 INV, NULL},
	{"Service", "{'spec':{'type':'NodePort','clusterIP':'None'}}", "spec.clusterIP", INV,
	 "Invalid value: \"None\": may not be set to 'None' for NodePort services"},
	{"Service", "{'spec':{'sessionAffinity':'Sticky'}}", "spec.sessionAffinity", NSUP,
	 "Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\""},
	{"Service",
	 "{'spec':{'sessionAffinity':'ClientIP','sessionAffinityConfig':{'clientIP':{"
	 "'timeoutSeconds':0}}}}",
	 "spec.sessionAffinityConfig.clientIP.timeoutSeconds", INV, NULL},
	{"Service", "{'spec':{'clusterIP':'10.0.0.300'}}", "spec.clusterIP", INV,
	 "Invalid value: \"10.0.0.300\": must be empty, 'None', or a valid IP address"},
	{"Service", "{'spec':{'externalIPs':['127.0.0.1']}}", "spec.externalIPs[0]", INV,
	 "Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8)"},
	{"Service", "{'spec':{'externalTrafficPolicy':'Local'}}", "spec.externalTrafficPolicy", INV,
	 NULL},
	{"Service", "{'spec':{'internalTrafficPolicy':'Nearby'}}", "spec.internalTrafficPolicy",
	 NSUP, NULL},

	/* ConfigMap / Secret */
	{"ConfigMap", "{'data':{'bad key':'x'}}", "data[bad key]", INV,
	 "~Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters"},
	{"ConfigMap", "{'data':{'..':'x'}}", "data[..]", INV,
	 "Invalid value: \"..\": must not be '..'"},
	{"ConfigMap", "{'data':{'n':5}}", "data[n]", TYPE, NULL},
	{"ConfigMap", "{'binaryData':{'blob':'AAEC!'}}", "binaryData[blob]", INV,
	 "Invalid value: illegal base64 data at input byte 4"},
	{"ConfigMap", "{'data':{'blob':'x'}}", "data[blob]", INV,
	 "Invalid value: \"blob\": duplicate of key present in binaryData"},
	{"Secret", "{'data':{'password':'not base64!'}}", "data[password]", INV,
	 "Invalid value: illegal base64 data at input byte 3"},
	{"Secret", "{'data':{'password':'c2VjcmV0='}}", "data[password]", INV,
	 "Invalid value: illegal base64 data at input byte 8"},
	{"Secret", "{'data':{'password':'YWJj\\nZA'}}", "data[password]", INV,
	 "Invalid value: illegal base64 data at input byte 5"},
	{"Secret", "{'data':{'a/b':'eA=='}}", "data[a/b]", INV, NULL},
	{"Secret", "{'type':'kubernetes.io/tls'}", "data[tls.crt]", REQ, NULL},
	{"Secret", "{'type':'kubernetes.io/tls','data':{'tls.crt':'eA=='}}", "data[tls.key]", REQ,
	 NULL},
	{"Secret", "{'type':'kubernetes.io/dockerconfigjson'}", "data[.dockerconfigjson]", REQ,
	 NULL},
	{"Secret", "{'type':'kubernetes.io/service-account-token'}",
	 "metadata.annotations[kubernetes.io/service-account.name]", REQ, NULL},

	/* Namespace, Node */
	{"Namespace", "{'metadata':{'name':'team.a'}}", "metadata.name", INV, NULL},
	{"Namespace", "{'metadata':{'name':'Team'}}", "metadata.name", INV, NULL},
	{"Namespace", "{'spec':{'finalizers':['custom']}}", "spec.finalizers", INV, NULL},
	{"Namespace", "{'status':{'phase':'Gone'}}", "status.phase", NSUP, NULL},
	{"Node", "{'metadata':{'name':'Node_1'}}", "metadata.name", INV, NULL},
	{"Node", "{'spec':{'taints':[{'key':'k','effect':'Sometimes'}]}}", "spec.taints[0].effect",
	 NSUP,
	 "Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", "
	 "\"PreferNoSchedule\", \"NoExecute\""},
	{"Node", "{'spec':{'taints':[{'key':'k'}]}}", "spec.taints[0].effect", REQ, NULL},
	{"Node", "{'spec':{'taints':[{'effect':'NoSchedule'}]}}", "spec.taints[0].key", INV, NULL},
	{"Node",
	 "{'spec':{'taints':[{'key':'k','effect':'NoSchedule'},{'key':'k','value':'v',"
	 "'effect':'NoSchedule'}]}}",
	 "spec.taints[1]", DUP, "~taints must be unique by key and effect pair"},
	{"Node", "{'spec':{'podCIDR':'10.0.0.0/33'}}", "spec.podCIDR", INV, NULL},
	{"Node", "{'status':{'capacity':{'cpu':'lots'}}}", "status.capacity[cpu]", INV, NULL},

	/* Endpoints, Event, ServiceAccount */
	{"Endpoints", "{'subsets':[{'addresses':[{'ip':'abc'}]}]}", "subsets[0].addresses[0].ip",
	 INV,
	 "Invalid value: \"abc\": must be a valid IP address, (e.g. 10.9.8.7 or "
	 "2001:db8::ffff)"},
	{"Endpoints", "{'subsets':[{'addresses':[{'ip':'127.0.0.1'}]}]}",
	 "subsets[0].addresses[0].ip", INV, "~may not be in the loopback range"},
	{"Endpoints", "{'subsets':[{'ports':[{'port':80}]}]}", "subsets[0]", REQ,
	 "Required value: must specify `addresses` or `notReadyAddresses`"},
	{"Endpoints", "{'subsets':[{'addresses':[{'ip':'10.1.1.1'}],'ports':[{'port':0}]}]}",
	 "subsets[0].ports[0].port", INV, NULL},
	{"Endpoints",
	 "{'subsets':[{'addresses':[{'ip':'10.1.1.1'}],'ports':[{'port':80},"
	 "{'port':81}]}]}",
	 "subsets[0].ports[1].name", REQ, NULL},
	{"Endpoints", "{'subsets':[{'notReadyAddresses':[{'ip':'10.1.1.1','nodeName':'N!'}]}]}",
	 "subsets[0].notReadyAddresses[0].nodeName", INV, NULL},
	{"Event", "{'involvedObject':{'namespace':'other'}}", "involvedObject.namespace", INV,
	 "Invalid value: \"other\": does not match event.namespace"},
	{"Event", "{'involvedObject':null}", "involvedObject", REQ, NULL},
	{"Event", "{'type':'Bad'}", "type", NSUP, NULL},
	{"ServiceAccount", "{'imagePullSecrets':[1]}", "imagePullSecrets[0]", TYPE, NULL},
	{"ServiceAccount", "{'metadata':{'name':'SA'}}", "metadata.name", INV, NULL},

	/* Storage */
	{"PersistentVolume", "{'spec':{'capacity':null}}", "spec.capacity", REQ, NULL},
	{"PersistentVolume", "{'spec':{'capacity':{'storage':'1Gi','cpu':'1'}}}", "spec.capacity",
	 NSUP, NULL},
	{"PersistentVolume", "{'spec':{'capacity':{'storage':'-1Gi'}}}", "spec.capacity[storage]",
	 INV, NULL},
	{"PersistentVolume", "{'spec':{'accessModes':null}}", "spec.accessModes", REQ, NULL},
	{"PersistentVolume", "{'spec':{'accessModes':['ReadWriteSometimes']}}", "spec.accessModes",
	 NSUP,
	 "Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", "
	 "\"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""},
	{"PersistentVolume", "{'spec':{'accessModes':['ReadWriteOncePod','ReadWriteOnce']}}",
	 "spec.accessModes", FORB, NULL},
	{"PersistentVolume", "{'spec':{'hostPath':null}}", "spec", REQ,
	 "Required value: must specify a volume type"},
	{"PersistentVolume", "{'spec':{'nfs':{'server':'s','path':'/x'}}}", "spec.nfs", FORB,
	 "Forbidden: may not specify more than 1 volume type"},
	{"PersistentVolume", "{'spec':{'hostPath':{'path':null}}}", "spec.hostPath.path", REQ,
	 NULL},
	{"PersistentVolume", "{'spec':{'persistentVolumeReclaimPolicy':'Keep'}}",
	 "spec.persistentVolumeReclaimPolicy", NSUP, NULL},
	{"PersistentVolumeClaim", "{'spec':{'accessModes':null}}", "spec.accessModes", REQ,
	 "Required value: at least 1 access mode is required"},
	{"PersistentVolumeClaim", "{'spec':{'resources':null}}", "spec.resources[storage]", REQ,
	 NULL},
	{"PersistentVolumeClaim", "{'spec':{'resources':{'requests':{'storage':'0'}}}}",
	 "spec.resources[storage]", INV, "Invalid value: \"0\": must be greater than zero"},
	{"PersistentVolumeClaim", "{'spec':{'resources':{'requests':{'storage':'lots'}}}}",
	 "spec.resources[storage]", INV, NULL},
	{"PersistentVolumeClaim", "{'spec':{'volumeMode':'Raw'}}", "spec.volumeMode", NSUP, NULL},
	{"StorageClass", "{'provisioner':null}", "provisioner", REQ, NULL},
	{"StorageClass", "{'provisioner':'bad provisioner!'}", "provisioner", INV, NULL},
	{"StorageClass", "{'reclaimPolicy':'Recycle'}", "reclaimPolicy", NSUP,
	 "Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\""},
	{"StorageClass", "{'volumeBindingMode':'Later'}", "volumeBindingMode", NSUP, NULL},
	{"StorageClass", "{'parameters':{'a':1}}", "parameters[a]", TYPE, NULL},

	/* Lease */
	{"Lease", "{'spec':{'leaseDurationSeconds':0}}", "spec.leaseDurationSeconds", INV,
	 "Invalid value: 0: must be greater than 0"},
	{"Lease", "{'spec':{'leaseTransitions':-1}}", "spec.leaseTransitions", INV, NULL},
	{"Lease", "{'spec':{'renewTime':'yesterday'}}", "spec.renewTime", INV, NULL},

	/* PriorityClass */
	{"PriorityClass", "{'value':1000000001}", "value", FORB,
	 "Forbidden: maximum allowed value of a user defined priority is 1000000000"},
	{"PriorityClass", "{'value':3000000000}", "value", INV, NULL},
	{"PriorityClass", "{'metadata':{'name':'system-mine'}}", "metadata.name", FORB,
	 "Forbidden: priority class names with 'system-' prefix are reserved for system use "
	 "only. error: system-mine is not a known system priority class"},
	{"PriorityClass", "{'metadata':{'name':'system-node-critical'},'value':5}", "metadata.name",
	 FORB, "~value of system-node-critical PriorityClass must be 2000001000"},
	{"PriorityClass", "{'preemptionPolicy':'Sometimes'}", "preemptionPolicy", NSUP,
	 "Unsupported value: \"Sometimes\": supported values: \"PreemptLowerPriority\", "
	 "\"Never\""},
	{"PriorityClass", "{'value':'high'}", "value", TYPE, NULL},

	/* ResourceQuota */
	{"ResourceQuota", "{'spec':{'hard':{'pods':'-1'}}}", "spec.hard[pods]", INV,
	 "~must be greater than or equal to 0"},
	{"ResourceQuota", "{'spec':{'hard':{'pods':'1.5'}}}", "spec.hard[pods]", INV,
	 "~must be an integer"},
	{"ResourceQuota", "{'spec':{'hard':{'gpus':'1'}}}", "spec.hard[gpus]", INV,
	 "~must be a standard resource for quota"},
	{"ResourceQuota", "{'spec':{'hard':{'cpu':'lots'}}}", "spec.hard[cpu]", INV, NULL},
	{"ResourceQuota", "{'spec':{'scopes':['Sometimes']}}", "spec.scopes[0]", NSUP, NULL},
	{"ResourceQuota",
	 "{'spec':{'scopeSelector':{'matchExpressions':[{'scopeName':'PriorityClass',"
	 "'operator':'In'}]}}}",
	 "spec.scopeSelector.matchExpressions[0].values", REQ, NULL},

	/* LimitRange */
	{"LimitRange", "{'spec':{'limits':[{'type':'Node'}]}}", "spec.limits[0].type", NSUP, NULL},
	{"LimitRange", "{'spec':{'limits':[{'max':{'cpu':'1'}}]}}", "spec.limits[0].type", REQ,
	 NULL},
	{"LimitRange",
	 "{'spec':{'limits':[{'type':'Container','min':{'cpu':'2'},'max':{'cpu':'1'},"
	 "'default':null}]}}",
	 "spec.limits[0].min[cpu]", INV, "~min value 2 is greater than max value 1"},
	{"LimitRange",
	 "{'spec':{'limits':[{'type':'Container','default':{'cpu':'1'},"
	 "'defaultRequest':{'cpu':'2'}}]}}",
	 "spec.limits[0].defaultRequest[cpu]", INV,
	 "~default request value 2 is greater than default limit value 1"},
	{"LimitRange", "{'spec':{'limits':[{'type':'Pod','default':{'cpu':'1'}}]}}",
	 "spec.limits[0].default", FORB, "Forbidden: may not be specified when `type` is 'Pod'"},
	{"LimitRange",
	 "{'spec':{'limits':[{'type':'Container','maxLimitRequestRatio':{"
	 "'cpu':'0.5'}}]}}",
	 "spec.limits[0].maxLimitRequestRatio[cpu]", INV, "~ratio 0.5 is less than 1"},
	{"LimitRange", "{'spec':{'limits':[{'type':'PersistentVolumeClaim'}]}}",
	 "spec.limits[0].limits", REQ, NULL},

	/* ControllerRevision */
	{"ControllerRevision", "{'revision':-1}", "revision", INV, NULL},
};

static void test_rules(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];
		cs_status st;
		cs_json *o = build(r->kind, r->patch);
		int rc = run(r->kind, o, NULL, &st);
		const cs_cause *c = rc ? find_cause(&st, r->field, r->reason) : NULL;
		bool ok = c != NULL;
		if (ok && r->msg) {
			if (r->msg[0] == '~')
				ok = strstr(c->message, r->msg + 1) != NULL;
			else
				ok = !strcmp(c->message, r->msg);
		}
		if (!ok) {
			fprintf(stderr, "rule %zu: %s %s: want %s %s%s%s\n", i, r->kind, r->patch,
				r->field, r->reason, r->msg ? " " : "", r->msg ? r->msg : "");
			if (rc)
				dump_causes(&st);
			else
				fprintf(stderr, "  (accepted)\n");
			failures++;
		} else {
			assert_int_equal(st.code, 422);
			assert_string_equal(st.reason, "Invalid");
		}
		cs_json_free(o);
	}
	assert_int_equal(failures, 0);
}

/* Variations that must stay valid (guards against over-strict rules). */
static const struct {
	const char *kind, *patch;
} valid_variants[] = {
	{"Pod", "{'metadata':{'name':null,'generateName':'web-'}}"},
	{"Pod", "{'metadata':{'annotations':{'Example.com/Key':'x','kubectl.kubernetes.io/"
		"last-applied-configuration':'{}'},'finalizers':['example.com/cleanup',"
		"'kubernetes']}}"},
	{"Pod", "{'spec':{'restartPolicy':'Never','dnsPolicy':'None','dnsConfig':{'nameservers':"
		"['1.1.1.1'],'options':[{'name':'ndots','value':'2'}]}}}"},
	{"Pod", CTR(",'env':[{'name':'POD','valueFrom':{'fieldRef':{'fieldPath':"
		    "'metadata.labels[\\u0027app\\u0027]'}}},{'name':'my.var-1','valueFrom':{"
		    "'secretKeyRef':{'name':'s','key':'k'}}},{'name':'CPU','valueFrom':{"
		    "'resourceFieldRef':{'resource':'limits.cpu'}}}]")},
	{"Pod", CTR(",'resources':{'limits':{'cpu':2,'memory':'1Gi','example.com/gpu':'1'}}")},
	{"Pod", CTR(",'resources':{'requests':{'cpu':'0.5'},'limits':{'cpu':'500m'}}")},
	{"Pod", CTR(",'ports':[{'containerPort':53,'protocol':'UDP','name':'dns'},{"
		    "'containerPort':53,'protocol':'TCP','name':'dns-tcp','hostPort':5353}]")},
	{"Pod", CTR(",'livenessProbe':{'httpGet':{'port':'http','path':'/healthz'}},"
		    "'readinessProbe':{'tcpSocket':{'port':80},'successThreshold':3},'lifecycle':{"
		    "'preStop':{'exec':{'command':['sleep','5']}}}")},
	{"Pod", "{'spec':{'hostNetwork':true,'containers':[{'name':'app','image':'x','ports':[{"
		"'containerPort':8080}]}]}}"},
	{"Pod", "{'spec':{'initContainers':[{'name':'sidecar','image':'x','restartPolicy':"
		"'Always','readinessProbe':{'exec':{'command':['true']}}}]}}"},
	{"Pod", "{'spec':{'tolerations':[{'operator':'Exists'},{'key':'k','operator':'Equal',"
		"'value':'v','effect':'NoExecute','tolerationSeconds':30}],'nodeSelector':{"
		"'kubernetes.io/os':'linux'},'affinity':{'nodeAffinity':{'requiredDuringScheduling"
		"IgnoredDuringExecution':{'nodeSelectorTerms':[{'matchExpressions':[{'key':'cpu',"
		"'operator':'Gt','values':['4']}]}]}},'podAntiAffinity':{'preferredDuringScheduling"
		"IgnoredDuringExecution':[{'weight':50,'podAffinityTerm':{'topologyKey':"
		"'kubernetes.io/hostname','labelSelector':{'matchLabels':{'app':'web'}}}}]}}}}"},
	{"Pod",
	 "{'spec':{'volumes':[{'name':'data','emptyDir':{'medium':'Memory','sizeLimit':"
	 "'1Gi'}},{'name':'cfg','configMap':{'name':'c','items':[{'key':'a','path':'a.conf'}],"
	 "'defaultMode':420}},{'name':'host','hostPath':{'path':'/var/log','type':"
	 "'Directory'}},{'name':'claim','persistentVolumeClaim':{'claimName':'data'}}]}}"},
	{"Deployment", "{'spec':{'strategy':{'type':'Recreate'}}}"},
	{"Deployment", "{'spec':{'replicas':0,'strategy':{'rollingUpdate':{'maxSurge':0,"
		       "'maxUnavailable':'100%'}}}}"},
	{"Deployment", "{'spec':{'selector':{'matchLabels':null,'matchExpressions':[{'key':'tier',"
		       "'operator':'Exists'}]}}}"},
	{"DaemonSet", "{'spec':{'updateStrategy':{'type':'OnDelete'}}}"},
	{"DaemonSet", "{'spec':{'updateStrategy':{'rollingUpdate':{'maxUnavailable':0,"
		      "'maxSurge':'100%'}}}}"},
	{"StatefulSet", "{'spec':{'podManagementPolicy':'Parallel','updateStrategy':{'type':"
			"'OnDelete'},'serviceName':null}}"},
	{"Job", "{'spec':{'completions':5,'parallelism':2,'completionMode':'Indexed'}}"},
	{"Job", "{'spec':{'manualSelector':true,'selector':{'matchLabels':{'job':'pi'}},"
		"'template':{'metadata':{'labels':{'job':'pi'}}}}}"},
	{"CronJob", "{'spec':{'schedule':'@daily','concurrencyPolicy':'Forbid'}}"},
	{"CronJob", "{'spec':{'schedule':'CRON_TZ=UTC 0 * * * *'}}"},
	{"CronJob", "{'spec':{'schedule':'0 9 * * MON-FRI','timeZone':'Europe/Paris'}}"},
	{"Service", "{'spec':{'ports':null,'clusterIP':'None'}}"},
	{"Service", "{'spec':{'type':'ExternalName','externalName':'db.example.com.','ports':null,"
		    "'selector':null}}"},
	{"Service", "{'spec':{'type':'NodePort','ports':[{'port':80,'nodePort':30080}],"
		    "'externalTrafficPolicy':'Local'}}"},
	{"Service", "{'spec':{'ports':[{'port':53,'protocol':'UDP'}],'sessionAffinity':"
		    "'ClientIP','clusterIP':'10.96.0.10'}}"},
	{"Secret", "{'type':'kubernetes.io/tls','data':{'tls.crt':'eA==','tls.key':'eQ=='}}"},
	{"Secret", "{'data':{'multi':'YWJj\\nZGVm'}}"},
	{"Namespace", "{'spec':{'finalizers':['kubernetes']}}"},
	{"Endpoints", "{'subsets':[{'notReadyAddresses':[{'ip':'fd00::5','hostname':'web-0'}],"
		      "'ports':[{'port':80,'protocol':'UDP'}]}]}"},
	{"PersistentVolume", "{'spec':{'storageClassName':'local','volumeMode':'Block',"
			     "'accessModes':['ReadWriteOncePod']}}"},
	{"PersistentVolumeClaim", "{'spec':{'storageClassName':'local','selector':{"
				  "'matchLabels':{'tier':'fast'}}}}"},
	{"StorageClass", "{'reclaimPolicy':'Retain','volumeBindingMode':'WaitForFirstConsumer',"
			 "'allowVolumeExpansion':true}"},
	{"Lease", "{'spec':{'acquireTime':'2024-05-01T10:00:00+02:00','leaseTransitions':3}}"},
	{"PriorityClass", "{'metadata':{'name':'system-cluster-critical'},'value':2000000000}"},
	{"PriorityClass", "{'value':-5,'preemptionPolicy':'Never','globalDefault':true}"},
	{"ResourceQuota", "{'spec':{'hard':{'requests.nvidia.com/gpu':'2',"
			  "'gold.storageclass.storage.k8s.io/requests.storage':'500Gi',"
			  "'requests.hugepages-2Mi':'1Gi'},'scopes':['NotBestEffort']}}"},
	{"LimitRange", "{'spec':{'limits':[{'type':'Pod','max':{'memory':'1Gi'}},{'type':"
		       "'PersistentVolumeClaim','min':{'storage':'1Gi'}}]}}"},
};

static void test_valid_variants(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid_variants) / sizeof(valid_variants[0]); i++)
		expect_valid(valid_variants[i].kind, valid_variants[i].patch);
}

/* ---- the Status Kubernetes returns ---- */

static void test_status_single_cause(void **state)
{
	(void)state;
	cs_status st;
	cs_json *o = build("Pod", "{'spec':{'restartPolicy':'Sometimes'}}");
	assert_int_equal(run("Pod", o, NULL, &st), -1);
	assert_int_equal(st.code, 422);
	assert_string_equal(st.reason, "Invalid");
	assert_string_equal(st.kind, "Pod");
	assert_string_equal(st.group, "");
	assert_string_equal(st.name, "web");
	assert_int_equal(st.ncauses, 1);
	assert_string_equal(st.message, "Pod \"web\" is invalid: spec.restartPolicy: Unsupported "
					"value: \"Sometimes\": supported values: \"Always\", "
					"\"OnFailure\", \"Never\"");
	cs_json_free(o);
}

static void test_status_several_causes(void **state)
{
	(void)state;
	cs_status st;
	cs_json *o = build("Pod", "{'spec':{'restartPolicy':'Sometimes','containers':[{'name':"
				  "'app'}]}}");
	assert_int_equal(run("Pod", o, NULL, &st), -1);
	assert_int_equal(st.ncauses, 2);
	assert_string_equal(st.message,
			    "Pod \"web\" is invalid: [spec.containers[0].image: Required value, "
			    "spec.restartPolicy: Unsupported value: \"Sometimes\": supported "
			    "values: \"Always\", \"OnFailure\", \"Never\"]");
	/* The Status object carries the causes as details.causes. */
	cs_json *js = cs_status_json(&st);
	const cs_json *causes = cs_json_path(js, "details", "causes", NULL);
	assert_int_equal(cs_json_len(causes), 2);
	assert_string_equal(cs_json_get_str(cs_json_at(causes, 0), "field"),
			    "spec.containers[0].image");
	assert_string_equal(cs_json_get_str(cs_json_at(causes, 0), "reason"), "FieldValueRequired");
	assert_string_equal(cs_json_get_str(cs_json_at(causes, 0), "message"), "Required value");
	cs_json_free(js);
	cs_json_free(o);
}

static void test_status_grouped_kind(void **state)
{
	(void)state;
	cs_status st;
	cs_json *o = build("Job", "{'spec':{'template':{'spec':{'restartPolicy':'Always'}}}}");
	assert_int_equal(run("Job", o, NULL, &st), -1);
	assert_string_equal(st.kind, "Job");
	assert_string_equal(st.group, "batch");
	assert_string_equal(st.name, "pi");
	assert_string_equal(st.message,
			    "Job.batch \"pi\" is invalid: spec.template.spec."
			    "restartPolicy: Required value: valid values: \"OnFailure\", "
			    "\"Never\"");
	cs_json_free(o);
}

/* Identical errors are reported once; more than the status can hold are
 * still counted in the message. */
static void test_status_dedup_and_overflow(void **state)
{
	(void)state;
	cs_status st;
	cs_json *o = build("Pod", "{'metadata':{'labels':{'a':'-','b':'-'}}}");
	assert_int_equal(run("Pod", o, NULL, &st), -1);
	assert_int_equal(st.ncauses, 1); /* both are `metadata.labels: Invalid value: "-"` */
	assert_non_null(strstr(st.message, "Pod \"web\" is invalid: metadata.labels: Invalid "
					   "value: \"-\": "));
	cs_json_free(o);

	char buf[4096] = "{'spec':{'containers':[";
	for (int i = 0; i < 20; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s{'name':'c%d'}",
			 i ? "," : "", i);
	strcat(buf, "]}}");
	o = build("Pod", buf);
	assert_int_equal(run("Pod", o, NULL, &st), -1);
	assert_int_equal(st.ncauses, CS_STATUS_MAX_CAUSES);
	assert_non_null(strstr(st.message, "[spec.containers[0].image: Required value, "));
	cs_json_free(o);
}

static void test_annotation_size(void **state)
{
	(void)state;
	cs_status st;
	cs_json *o = build("ConfigMap", NULL);
	cs_json *ann = cs_json_obj_ensure(cs_json_get(o, "metadata"), "annotations");
	size_t n = 256 * 1024;
	char *big = malloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	cs_json_set(ann, "k", cs_json_string(big + 1)); /* 1 + (n - 1) bytes: at the limit */
	assert_int_equal(run("ConfigMap", o, NULL, &st), 0);
	cs_json_set(ann, "k", cs_json_string(big)); /* one byte over */
	assert_int_equal(run("ConfigMap", o, NULL, &st), -1);
	const cs_cause *c = find_cause(&st, "metadata.annotations", "FieldValueTooLong");
	assert_non_null(c);
	assert_string_equal(c->message, "Too long: must have at most 262144 bytes");
	free(big);
	cs_json_free(o);
}

/* ---- defaulting ---- */

static const char *str_at(const cs_json *o, const char *path)
{
	/* dotted path with [n] indexes */
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	const cs_json *cur = o;
	for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, ".")) {
		char *br = strchr(tok, '[');
		if (br)
			*br = '\0';
		cur = cs_json_get(cur, tok);
		if (br)
			cur = cs_json_at(cur, (size_t)atoi(br + 1));
	}
	if (!cur)
		return NULL;
	static char out[256];
	char *d = cs_json_dump(cur, false, NULL);
	snprintf(out, sizeof(out), "%s", d);
	free(d);
	return out;
}

#define ASSERT_AT(obj, path, want)                                                                 \
	do {                                                                                       \
		const char *got_ = str_at(obj, path);                                              \
		if (!got_ || strcmp(got_, want))                                                   \
			fail_msg("%s: got %s want %s", path, got_ ? got_ : "(absent)", want);      \
	} while (0)

static void test_default_pod(void **state)
{
	(void)state;
	cs_json *o = build("Pod", "{'spec':{'containers':[{'name':'a','image':'nginx','ports':[{"
				  "'containerPort':80}],'resources':{'limits':{'cpu':'1',"
				  "'memory':'1Gi'}},'env':[{'name':'N','valueFrom':{'fieldRef':{"
				  "'fieldPath':'metadata.name'}}}],'livenessProbe':{'httpGet':{"
				  "'port':80}}},{'name':'b','image':'nginx:1.25'},{'name':'c',"
				  "'image':'nginx:latest'},{'name':'d','image':'reg:5000/x@sha256:"
				  "abc'},{'name':'e','image':'reg:5000/x'}],'volumes':[{'name':'s',"
				  "'secret':{'secretName':'s'}}]}}");
	cs_type_default(T("Pod"), o);
	ASSERT_AT(o, "spec.restartPolicy", "\"Always\"");
	ASSERT_AT(o, "spec.dnsPolicy", "\"ClusterFirst\"");
	ASSERT_AT(o, "spec.schedulerName", "\"default-scheduler\"");
	ASSERT_AT(o, "spec.terminationGracePeriodSeconds", "30");
	ASSERT_AT(o, "spec.securityContext", "{}");
	ASSERT_AT(o, "spec.enableServiceLinks", "true");
	ASSERT_AT(o, "spec.containers[0].imagePullPolicy", "\"Always\"");
	ASSERT_AT(o, "spec.containers[1].imagePullPolicy", "\"IfNotPresent\"");
	ASSERT_AT(o, "spec.containers[2].imagePullPolicy", "\"Always\"");
	ASSERT_AT(o, "spec.containers[3].imagePullPolicy", "\"IfNotPresent\"");
	ASSERT_AT(o, "spec.containers[4].imagePullPolicy", "\"Always\""); /* port is no tag */
	ASSERT_AT(o, "spec.containers[0].terminationMessagePath", "\"/dev/termination-log\"");
	ASSERT_AT(o, "spec.containers[0].terminationMessagePolicy", "\"File\"");
	ASSERT_AT(o, "spec.containers[0].ports[0].protocol", "\"TCP\"");
	ASSERT_AT(o, "spec.containers[0].resources.requests", "{\"cpu\":\"1\",\"memory\":\"1Gi\"}");
	ASSERT_AT(o, "spec.containers[1].resources", "{}");
	ASSERT_AT(o, "spec.containers[0].env[0].valueFrom.fieldRef.apiVersion", "\"v1\"");
	ASSERT_AT(o, "spec.containers[0].livenessProbe.timeoutSeconds", "1");
	ASSERT_AT(o, "spec.containers[0].livenessProbe.periodSeconds", "10");
	ASSERT_AT(o, "spec.containers[0].livenessProbe.successThreshold", "1");
	ASSERT_AT(o, "spec.containers[0].livenessProbe.failureThreshold", "3");
	ASSERT_AT(o, "spec.containers[0].livenessProbe.httpGet.path", "\"/\"");
	ASSERT_AT(o, "spec.containers[0].livenessProbe.httpGet.scheme", "\"HTTP\"");
	ASSERT_AT(o, "spec.volumes[0].secret.defaultMode", "420");
	ASSERT_AT(o, "status.phase", "\"Pending\"");
	ASSERT_AT(o, "status.qosClass", "\"Burstable\""); /* b..e have no resources */
	cs_json_free(o);

	/* User values win; an existing status is kept. */
	o = build("Pod", "{'spec':{'restartPolicy':'Never','dnsPolicy':'Default',"
			 "'terminationGracePeriodSeconds':0,'containers':[{'name':'a','image':"
			 "'nginx','imagePullPolicy':'Never','resources':{'requests':{'cpu':"
			 "'1'},'limits':{'cpu':'1'}}}]},'status':{'phase':'Running'}}");
	cs_type_default(T("Pod"), o);
	ASSERT_AT(o, "spec.restartPolicy", "\"Never\"");
	ASSERT_AT(o, "spec.dnsPolicy", "\"Default\"");
	ASSERT_AT(o, "spec.terminationGracePeriodSeconds", "0");
	ASSERT_AT(o, "spec.containers[0].imagePullPolicy", "\"Never\"");
	ASSERT_AT(o, "status", "{\"phase\":\"Running\"}");
	cs_json_free(o);

	/* QoS classes. */
	static const struct {
		const char *res, *qos;
	} qos[] = {
		{"{}", "BestEffort"},
		{"{'limits':{'cpu':'1','memory':'1Gi'}}", "Guaranteed"},
		{"{'requests':{'cpu':'1000m','memory':'1024Mi'},'limits':{'cpu':'1','memory':"
		 "'1Gi'}}",
		 "Guaranteed"},
		{"{'requests':{'cpu':'1'}}", "Burstable"},
		{"{'limits':{'cpu':'1'}}", "Burstable"},
	};
	for (size_t i = 0; i < sizeof(qos) / sizeof(qos[0]); i++) {
		char patch[512], want[64];
		snprintf(patch, sizeof(patch),
			 "{'spec':{'containers':[{'name':'a','image':'x',"
			 "'resources':%s}]}}",
			 qos[i].res);
		o = build("Pod", patch);
		cs_type_default(T("Pod"), o);
		snprintf(want, sizeof(want), "\"%s\"", qos[i].qos);
		ASSERT_AT(o, "status.qosClass", want);
		cs_json_free(o);
	}

	/* hostNetwork pods publish their container ports on the host. */
	o = build("Pod", "{'spec':{'hostNetwork':true,'containers':[{'name':'a','image':'x',"
			 "'ports':[{'containerPort':8080}]}]}}");
	cs_type_default(T("Pod"), o);
	ASSERT_AT(o, "spec.containers[0].ports[0].hostPort", "8080");
	cs_json_free(o);
}

static void test_default_workloads(void **state)
{
	(void)state;
	cs_json *o = build("Deployment", "{'spec':{'replicas':null}}");
	cs_type_default(T("Deployment"), o);
	ASSERT_AT(o, "spec.replicas", "1");
	ASSERT_AT(o, "spec.strategy",
		  "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{"
		  "\"maxUnavailable\":\"25%\",\"maxSurge\":\"25%\"}}");
	ASSERT_AT(o, "spec.revisionHistoryLimit", "10");
	ASSERT_AT(o, "spec.progressDeadlineSeconds", "600");
	ASSERT_AT(o, "spec.template.spec.restartPolicy", "\"Always\"");
	ASSERT_AT(o, "spec.template.spec.containers[0].imagePullPolicy", "\"Always\"");
	assert_null(str_at(o, "status")); /* no pod status inside templates */
	cs_json_free(o);

	o = build("Deployment", "{'spec':{'strategy':{'type':'Recreate'}}}");
	cs_type_default(T("Deployment"), o);
	ASSERT_AT(o, "spec.strategy", "{\"type\":\"Recreate\"}");
	ASSERT_AT(o, "spec.replicas", "3");
	cs_json_free(o);

	o = build("Deployment", "{'spec':{'strategy':{'rollingUpdate':{'maxSurge':1}}}}");
	cs_type_default(T("Deployment"), o);
	ASSERT_AT(o, "spec.strategy.rollingUpdate", "{\"maxSurge\":1,\"maxUnavailable\":\"25%\"}");
	cs_json_free(o);

	o = build("ReplicaSet", NULL);
	cs_type_default(T("ReplicaSet"), o);
	ASSERT_AT(o, "spec.replicas", "1");
	ASSERT_AT(o, "spec.template.spec.dnsPolicy", "\"ClusterFirst\"");
	cs_json_free(o);

	o = build("StatefulSet", NULL);
	cs_type_default(T("StatefulSet"), o);
	ASSERT_AT(o, "spec.replicas", "1");
	ASSERT_AT(o, "spec.podManagementPolicy", "\"OrderedReady\"");
	ASSERT_AT(o, "spec.updateStrategy",
		  "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{"
		  "\"partition\":0}}");
	ASSERT_AT(o, "spec.revisionHistoryLimit", "10");
	ASSERT_AT(o, "spec.persistentVolumeClaimRetentionPolicy",
		  "{\"whenDeleted\":\"Retain\",\"whenScaled\":\"Retain\"}");
	ASSERT_AT(o, "spec.volumeClaimTemplates[0].spec.volumeMode", "\"Filesystem\"");
	ASSERT_AT(o, "spec.volumeClaimTemplates[0].status.phase", "\"Pending\"");
	ASSERT_AT(o, "spec.template.spec.terminationGracePeriodSeconds", "30");
	cs_json_free(o);

	o = build("DaemonSet", NULL);
	cs_type_default(T("DaemonSet"), o);
	ASSERT_AT(o, "spec.updateStrategy",
		  "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{"
		  "\"maxUnavailable\":1,\"maxSurge\":0}}");
	ASSERT_AT(o, "spec.revisionHistoryLimit", "10");
	cs_json_free(o);

	o = build("DaemonSet", "{'spec':{'updateStrategy':{'type':'OnDelete'}}}");
	cs_type_default(T("DaemonSet"), o);
	ASSERT_AT(o, "spec.updateStrategy", "{\"type\":\"OnDelete\"}");
	cs_json_free(o);
}

static void test_default_batch(void **state)
{
	(void)state;
	/* Without a uid no selector can be generated yet. */
	cs_json *o = build("Job", "{'spec':{'template':{'metadata':{'labels':{'app':'pi'}}}}}");
	cs_type_default(T("Job"), o);
	ASSERT_AT(o, "spec.completions", "1");
	ASSERT_AT(o, "spec.parallelism", "1");
	ASSERT_AT(o, "spec.backoffLimit", "6");
	ASSERT_AT(o, "spec.completionMode", "\"NonIndexed\"");
	ASSERT_AT(o, "spec.suspend", "false");
	ASSERT_AT(o, "metadata.labels", "{\"app\":\"pi\"}");
	ASSERT_AT(o, "spec.template.spec.dnsPolicy", "\"ClusterFirst\"");
	assert_null(str_at(o, "spec.selector"));
	ASSERT_AT(o, "spec.template.metadata.labels", "{\"app\":\"pi\"}");
	cs_json_free(o);

	/* A work queue (parallelism only) keeps completions unset. */
	o = build("Job", "{'spec':{'parallelism':4}}");
	cs_type_default(T("Job"), o);
	ASSERT_AT(o, "spec.parallelism", "4");
	assert_null(str_at(o, "spec.completions"));
	cs_json_free(o);

	/* With a uid: generated selector and labels, and the result validates. */
	o = build("Job", "{'metadata':{'uid':'1234-abcd','labels':{'team':'x'}}}");
	cs_status st;
	assert_int_equal(run("Job", o, NULL, &st), 0);
	ASSERT_AT(o, "spec.selector",
		  "{\"matchLabels\":{\"batch.kubernetes.io/controller-uid\":"
		  "\"1234-abcd\"}}");
	ASSERT_AT(o, "spec.template.metadata.labels",
		  "{\"job-name\":\"pi\",\"batch.kubernetes.io/job-name\":\"pi\",\"controller-uid\":"
		  "\"1234-abcd\",\"batch.kubernetes.io/controller-uid\":\"1234-abcd\"}");
	ASSERT_AT(o, "metadata.labels", "{\"team\":\"x\"}");
	cs_json_free(o);

	/* A user-set controller-uid label that disagrees is caught. */
	o = build("Job", "{'metadata':{'uid':'1234-abcd'},'spec':{'template':{'metadata':{"
			 "'labels':{'controller-uid':'other'}}}}}");
	assert_int_equal(run("Job", o, NULL, &st), -1);
	const cs_cause *c = find_cause(&st, "spec.template.metadata.labels[controller-uid]",
				       "FieldValueInvalid");
	assert_non_null(c);
	assert_non_null(strstr(c->message, ": must be '1234-abcd'"));
	cs_json_free(o);

	/* manualSelector: nothing is generated. */
	o = build("Job",
		  "{'metadata':{'uid':'u'},'spec':{'manualSelector':true,'selector':{"
		  "'matchLabels':{'j':'pi'}},'template':{'metadata':{'labels':{'j':'pi'}}}}}");
	assert_int_equal(run("Job", o, NULL, &st), 0);
	ASSERT_AT(o, "spec.selector", "{\"matchLabels\":{\"j\":\"pi\"}}");
	ASSERT_AT(o, "spec.template.metadata.labels", "{\"j\":\"pi\"}");
	cs_json_free(o);

	o = build("CronJob", NULL);
	cs_type_default(T("CronJob"), o);
	ASSERT_AT(o, "spec.concurrencyPolicy", "\"Allow\"");
	ASSERT_AT(o, "spec.suspend", "false");
	ASSERT_AT(o, "spec.successfulJobsHistoryLimit", "3");
	ASSERT_AT(o, "spec.failedJobsHistoryLimit", "1");
	ASSERT_AT(o, "spec.jobTemplate.spec.template.spec.schedulerName", "\"default-scheduler\"");
	ASSERT_AT(o, "spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy",
		  "\"Always\"");
	cs_json_free(o);
}

static void test_default_core(void **state)
{
	(void)state;
	cs_json *o = build("Service", "{'spec':{'ports':[{'port':80},{'port':53,'protocol':'UDP',"
				      "'targetPort':'dns'}]}}");
	cs_type_default(T("Service"), o);
	ASSERT_AT(o, "spec.type", "\"ClusterIP\"");
	ASSERT_AT(o, "spec.sessionAffinity", "\"None\"");
	ASSERT_AT(o, "spec.internalTrafficPolicy", "\"Cluster\"");
	assert_null(str_at(o, "spec.externalTrafficPolicy"));
	ASSERT_AT(o, "spec.ports[0]", "{\"port\":80,\"protocol\":\"TCP\",\"targetPort\":80}");
	ASSERT_AT(o, "spec.ports[1]", "{\"port\":53,\"protocol\":\"UDP\",\"targetPort\":\"dns\"}");
	cs_json_free(o);

	o = build("Service", "{'spec':{'type':'NodePort','sessionAffinity':'ClientIP'}}");
	cs_type_default(T("Service"), o);
	ASSERT_AT(o, "spec.externalTrafficPolicy", "\"Cluster\"");
	ASSERT_AT(o, "spec.sessionAffinityConfig", "{\"clientIP\":{\"timeoutSeconds\":10800}}");
	cs_json_free(o);

	/* A Container limit item: default limit from max, default request
	 * from the default limit, then from min; Pod items get none. */
	o = build("LimitRange", "{'spec':{'limits':[{'type':'Container','max':{'cpu':'2',"
				"'memory':'1Gi'},'min':{'cpu':'100m','ephemeral-storage':'1Gi'},"
				"'default':{'cpu':'500m'}},{'type':'Pod','max':{'cpu':'4'}}]}}");
	cs_type_default(T("LimitRange"), o);
	ASSERT_AT(o, "spec.limits[0].default", "{\"cpu\":\"500m\",\"memory\":\"1Gi\"}");
	ASSERT_AT(o, "spec.limits[0].defaultRequest",
		  "{\"cpu\":\"500m\",\"memory\":\"1Gi\",\"ephemeral-storage\":\"1Gi\"}");
	ASSERT_AT(o, "spec.limits[1]", "{\"type\":\"Pod\",\"max\":{\"cpu\":\"4\"}}");
	cs_json_free(o);

	o = build("PriorityClass", NULL);
	cs_type_default(T("PriorityClass"), o);
	ASSERT_AT(o, "preemptionPolicy", "\"PreemptLowerPriority\"");
	cs_json_free(o);

	o = build("Namespace", NULL);
	cs_type_default(T("Namespace"), o);
	ASSERT_AT(o, "spec.finalizers", "[\"kubernetes\"]");
	ASSERT_AT(o, "status.phase", "\"Active\"");
	cs_json_free(o);

	/* Once the namespace exists (has a status), finalizers the namespace
	 * controller removed stay removed. */
	o = build("Namespace", "{'spec':{'finalizers':[]},'status':{'phase':'Terminating'}}");
	cs_type_default(T("Namespace"), o);
	ASSERT_AT(o, "spec.finalizers", "[]");
	ASSERT_AT(o, "status.phase", "\"Terminating\"");
	cs_json_free(o);
	o = build("Namespace", "{'status':{'phase':'Terminating'}}");
	cs_type_default(T("Namespace"), o);
	assert_null(str_at(o, "spec.finalizers"));
	cs_json_free(o);

	o = build("PersistentVolumeClaim", NULL);
	cs_type_default(T("PersistentVolumeClaim"), o);
	ASSERT_AT(o, "spec.volumeMode", "\"Filesystem\"");
	ASSERT_AT(o, "status.phase", "\"Pending\"");
	cs_json_free(o);

	o = build("PersistentVolume", NULL);
	cs_type_default(T("PersistentVolume"), o);
	ASSERT_AT(o, "spec.persistentVolumeReclaimPolicy", "\"Retain\"");
	ASSERT_AT(o, "spec.volumeMode", "\"Filesystem\"");
	ASSERT_AT(o, "status.phase", "\"Pending\"");
	cs_json_free(o);

	o = build("Secret", NULL);
	cs_type_default(T("Secret"), o);
	ASSERT_AT(o, "type", "\"Opaque\"");
	/* stringData lands in data, encoded, and is not stored. */
	ASSERT_AT(o, "data", "{\"password\":\"c2VjcmV0\",\"empty\":\"\",\"user\":\"YWRtaW4=\"}");
	assert_null(str_at(o, "stringData"));
	cs_json_free(o);
	o = build("Secret", "{'stringData':{'a':'x','ab':'xy','abc':'xyz','password':'s3cr3t!',"
			    "'bad':1}}");
	cs_type_default(T("Secret"), o);
	ASSERT_AT(o, "data",
		  "{\"password\":\"czNjcjN0IQ==\",\"empty\":\"\",\"user\":"
		  "\"YWRtaW4=\",\"a\":\"eA==\",\"ab\":\"eHk=\",\"abc\":\"eHl6\"}");
	ASSERT_AT(o, "stringData", "{\"bad\":1}");
	cs_json_free(o);

	o = build("StorageClass", NULL);
	cs_type_default(T("StorageClass"), o);
	ASSERT_AT(o, "reclaimPolicy", "\"Delete\"");
	ASSERT_AT(o, "volumeBindingMode", "\"Immediate\"");
	cs_json_free(o);

	o = build("Endpoints", NULL);
	cs_type_default(T("Endpoints"), o);
	ASSERT_AT(o, "subsets[0].ports[0].protocol", "\"TCP\"");
	cs_json_free(o);

	o = build("Node", NULL);
	cs_type_default(T("Node"), o);
	ASSERT_AT(o, "status.allocatable", "{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"}");
	cs_json_free(o);

	/* Wrong types are left for validation to report, not replaced. */
	o = build("Deployment", "{'spec':{'strategy':'fast'}}");
	cs_status st;
	assert_int_equal(run("Deployment", o, NULL, &st), -1);
	ASSERT_AT(o, "spec.strategy", "\"fast\"");
	assert_non_null(find_cause(&st, "spec.strategy", "FieldValueTypeInvalid"));
	cs_json_free(o);

	/* Defaulting twice changes nothing (updates re-run it). */
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		cs_json *a = J(bases[i].json);
		cs_type_default(T(bases[i].kind), a);
		cs_json *b = cs_json_clone(a);
		cs_type_default(T(bases[i].kind), b);
		if (!cs_json_equal(a, b))
			fail_msg("%s: defaulting is not idempotent", bases[i].kind);
		cs_json_free(a);
		cs_json_free(b);
	}
}

/* ---- updates ---- */

struct update_case {
	const char *kind, *old_patch, *new_patch;
	const char *field, *reason; /* NULL: the update is allowed */
	const char *msg;
};

static const struct update_case updates[] = {
	/* Pods: only images, deadline (down), tolerations (added) may change. */
	{"Pod", NULL, "{'metadata':{'labels':{'app':'web','v':'2'}}}", NULL, NULL, NULL},
	{"Pod", NULL,
	 "{'spec':{'containers':[{'name':'app','image':'nginx:1.26','ports':[{'name':"
	 "'http','containerPort':80}],'resources':{'requests':{'cpu':'100m','memory':"
	 "'64Mi'},'limits':{'cpu':'500m','memory':'128Mi'}},'env':[{'name':'MODE',"
	 "'value':'prod'}],'volumeMounts':[{'name':'data','mountPath':'/data'}]}]}}",
	 NULL, NULL, NULL},
	/* A new image with no tag defaults its pull policy to Always: that is a
	 * change, as in Kubernetes when a PUT omits imagePullPolicy. */
	{"Pod", NULL,
	 "{'spec':{'containers':[{'name':'app','image':'nginx','ports':[{'name':"
	 "'http','containerPort':80}],'resources':{'requests':{'cpu':'100m','memory':"
	 "'64Mi'},'limits':{'cpu':'500m','memory':'128Mi'}},'env':[{'name':'MODE',"
	 "'value':'prod'}],'volumeMounts':[{'name':'data','mountPath':'/data'}]}]}}",
	 "spec", FORB, NULL},
	{"Pod", NULL,
	 CTR(",'ports':[{'name':'http','containerPort':8080}],'resources':{"
	     "'requests':{'cpu':'100m','memory':'64Mi'},'limits':{'cpu':'500m',"
	     "'memory':'128Mi'}},'env':[{'name':'MODE','value':'prod'}],"
	     "'volumeMounts':[{'name':'data','mountPath':'/data'}]"),
	 "spec", FORB,
	 "~Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"},
	{"Pod", NULL, "{'spec':{'restartPolicy':'Never'}}", "spec", FORB, NULL},
	{"Pod", NULL, "{'spec':{'nodeName':'node-2'}}", "spec", FORB, NULL},
	{"Pod", "{'spec':{'activeDeadlineSeconds':100}}", "{'spec':{'activeDeadlineSeconds':50}}",
	 NULL, NULL, NULL},
	{"Pod", "{'spec':{'activeDeadlineSeconds':100}}", "{'spec':{'activeDeadlineSeconds':200}}",
	 "spec.activeDeadlineSeconds", INV,
	 "Invalid value: 200: must be less than or equal to previous value"},
	{"Pod", "{'spec':{'activeDeadlineSeconds':100}}", "{'spec':{'activeDeadlineSeconds':null}}",
	 "spec.activeDeadlineSeconds", INV,
	 "Invalid value: null: must not update from a positive integer to nil value"},
	{"Pod", NULL, "{'spec':{'activeDeadlineSeconds':30}}", NULL, NULL, NULL},
	{"Pod", "{'spec':{'tolerations':[{'key':'a','operator':'Exists'}]}}",
	 "{'spec':{'tolerations':[{'key':'a','operator':'Exists'},{'key':'b','operator':"
	 "'Exists'}]}}",
	 NULL, NULL, NULL},
	{"Pod", "{'spec':{'tolerations':[{'key':'a','operator':'Exists'}]}}",
	 "{'spec':{'tolerations':[{'key':'b','operator':'Exists'}]}}", "spec", FORB, NULL},

	/* apps/v1 selectors are immutable. */
	{"Deployment", NULL,
	 "{'spec':{'replicas':5,'template':{'spec':{'containers':[{'name':"
	 "'app','image':'nginx:2'}]}}}}",
	 NULL, NULL, NULL},
	{"Deployment", NULL, "{'spec':{'selector':{'matchLabels':{'tier':'fe'}}}}", "spec.selector",
	 INV,
	 "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", "
	 "\"tier\":\"fe\"}, "
	 "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"},
	{"ReplicaSet", NULL, "{'spec':{'selector':{'matchLabels':{'app':'web'}}}}", "spec.selector",
	 INV, NULL},
	{"DaemonSet", NULL,
	 "{'spec':{'selector':{'matchLabels':{'app':'agent','x':'y'}},"
	 "'template':{'metadata':{'labels':{'app':'agent','x':'y'}}}}}",
	 "spec.selector", INV, NULL},
	{"StatefulSet", NULL, "{'spec':{'replicas':5,'updateStrategy':{'type':'OnDelete'}}}", NULL,
	 NULL, NULL},
	{"StatefulSet", NULL, "{'spec':{'serviceName':'db2'}}", "spec", FORB,
	 "~Forbidden: updates to statefulset spec for fields other than 'replicas', "},
	{"StatefulSet", NULL, "{'spec':{'podManagementPolicy':'Parallel'}}", "spec", FORB, NULL},

	/* Jobs: template and completions are fixed once created. */
	{"Job",
	 "{'spec':{'manualSelector':true,'selector':{'matchLabels':{'j':'pi'}},'template':{"
	 "'metadata':{'labels':{'j':'pi'}}}}}",
	 "{'spec':{'manualSelector':true,'selector':{'matchLabels':{'j':'pi'}},'template':{"
	 "'metadata':{'labels':{'j':'pi'}},'spec':{'containers':[{'name':'pi','image':"
	 "'perl:6'}]}}}}",
	 "spec.template", INV, "~field is immutable"},
	{"Job",
	 "{'spec':{'manualSelector':true,'selector':{'matchLabels':{'j':'pi'}},'template':{"
	 "'metadata':{'labels':{'j':'pi'}}}}}",
	 "{'spec':{'manualSelector':true,'selector':{'matchLabels':{'j':'pi'}},'template':{"
	 "'metadata':{'labels':{'j':'pi'}}},'completions':3}}",
	 "spec.completions", INV, "Invalid value: 3: field is immutable"},
	{"Job",
	 "{'spec':{'manualSelector':true,'selector':{'matchLabels':{'j':'pi'}},'template':{"
	 "'metadata':{'labels':{'j':'pi'}}}}}",
	 "{'spec':{'manualSelector':true,'selector':{'matchLabels':{'j':'pi'}},'template':{"
	 "'metadata':{'labels':{'j':'pi'}}},'suspend':true,'parallelism':3,'completions':1}}",
	 NULL, NULL, NULL},
	{"CronJob", NULL,
	 "{'spec':{'schedule':'0 * * * *','jobTemplate':{'spec':{'template':{"
	 "'spec':{'containers':[{'name':'hello','image':'busybox:2'}]}}}}}}",
	 NULL, NULL, NULL},

	/* Services keep their cluster IP. */
	{"Service", "{'spec':{'clusterIP':'10.96.0.5'}}", "{'spec':{'clusterIP':'10.96.0.6'}}",
	 "spec.clusterIP", INV, "Invalid value: \"10.96.0.6\": field is immutable"},
	{"Service", "{'spec':{'clusterIP':'10.96.0.5'}}",
	 "{'spec':{'clusterIP':'10.96.0.5','ports':[{'port':8080}]}}", NULL, NULL, NULL},

	/* Secrets and config maps. */
	{"Secret", NULL, "{'type':'kubernetes.io/basic-auth','data':{'username':'eA=='}}", "type",
	 INV, "Invalid value: \"kubernetes.io/basic-auth\": field is immutable"},
	{"Secret", "{'immutable':true}", "{'immutable':true,'data':{'password':'eA=='}}", "data",
	 FORB, "Forbidden: field is immutable when `immutable` is set"},
	{"Secret", "{'immutable':true}", "{'immutable':false}", "immutable", FORB, NULL},
	{"ConfigMap", "{'immutable':true}", "{'immutable':true,'data':{'k':'v'}}", "data", FORB,
	 NULL},
	{"ConfigMap", "{'immutable':true}", "{'immutable':true,'metadata':{'labels':{'a':'b'}}}",
	 NULL, NULL, NULL},
	{"ConfigMap", NULL, "{'data':{'k':'v2'}}", NULL, NULL, NULL},

	/* Storage. */
	{"PersistentVolumeClaim", NULL, "{'spec':{'resources':{'requests':{'storage':'2Gi'}}}}",
	 NULL, NULL, NULL},
	{"PersistentVolumeClaim", NULL, "{'spec':{'volumeName':'pv-1'}}", NULL, NULL, NULL},
	{"PersistentVolumeClaim", NULL, "{'spec':{'accessModes':['ReadWriteMany']}}", "spec", FORB,
	 NULL},
	{"PersistentVolumeClaim", "{'spec':{'resources':{'requests':{'storage':'2Gi'}}}}",
	 "{'spec':{'resources':{'requests':{'storage':'1Gi'}}}}", "spec.resources.requests.storage",
	 FORB, "Forbidden: field can not be less than previous value"},
	{"StorageClass", NULL, "{'provisioner':'other.io/x'}", "provisioner", FORB,
	 "Forbidden: updates to provisioner are forbidden."},
	{"StorageClass", NULL, "{'parameters':{'root':'/data'}}", "parameters", FORB, NULL},
	{"StorageClass", NULL, "{'volumeBindingMode':'WaitForFirstConsumer'}", "volumeBindingMode",
	 INV, NULL},
	{"StorageClass", NULL, "{'allowVolumeExpansion':true}", NULL, NULL, NULL},
	{"PriorityClass", NULL, "{'value':2000}", "value", FORB,
	 "Forbidden: may not be changed in an update."},
	{"PriorityClass", NULL, "{'preemptionPolicy':'Never'}", "preemptionPolicy", INV, NULL},
	{"PriorityClass", NULL, "{'description':'changed'}", NULL, NULL, NULL},
	{"ControllerRevision", NULL, "{'data':{'spec':{'x':1}}}", "data", INV, NULL},
	{"ControllerRevision", NULL, "{'revision':7}", NULL, NULL, NULL},
};

/* A pod's status write or binding keeps the stored spec: it is not
 * validated again (Kubernetes' status and binding strategies), even when
 * today's rules would refuse it; a changed spec, or the main resource, is. */
static void test_status_and_binding_keep_spec(void **state)
{
	(void)state;
	const cs_type *t = T("Pod");
	cs_status st;
	/* A stored spec that validation refuses (an image-less container). */
	cs_json *old = build("Pod", NULL);
	cs_json_del(cs_json_at(cs_json_path(old, "spec", "containers", NULL), 0), "image");
	cs_json *nw = cs_json_clone(old);
	cs_json_set(nw, "status", J("{'phase':'Running'}"));
	memset(&st, 0, sizeof(st));
	assert_int_equal(cs_type_validate_sub(t, nw, old, "status", &st), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(cs_type_validate_sub(t, nw, old, "binding", &st), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(cs_type_validate_sub(t, nw, old, NULL, &st), -1);
	assert_non_null(find_cause(&st, "spec.containers[0].image", "FieldValueRequired"));
	/* A spec that differs from the stored one is validated. */
	cs_json_set(cs_json_get(nw, "spec"), "restartPolicy", cs_json_string("Never"));
	memset(&st, 0, sizeof(st));
	assert_int_equal(cs_type_validate_sub(t, nw, old, "status", &st), -1);
	assert_non_null(find_cause(&st, "spec.containers[0].image", "FieldValueRequired"));
	/* Metadata is validated whatever the subresource. */
	cs_json_free(nw);
	nw = cs_json_clone(old);
	cs_json_set(cs_json_get(nw, "metadata"), "labels", J("{'bad key!':'x'}"));
	memset(&st, 0, sizeof(st));
	assert_int_equal(cs_type_validate_sub(t, nw, old, "status", &st), -1);
	cs_json_free(nw);
	cs_json_free(old);
}

static void test_updates(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(updates) / sizeof(updates[0]); i++) {
		const struct update_case *u = &updates[i];
		cs_status st;
		cs_json *old = build(u->kind, u->old_patch);
		/* The stored object went through create. */
		if (run(u->kind, old, NULL, &st) != 0) {
			dump_causes(&st);
			fail_msg("update %zu: old object invalid", i);
		}
		cs_json *nw = build(u->kind, u->old_patch);
		cs_json *p = J(u->new_patch);
		merge(nw, p);
		cs_json_free(p);
		int rc = run(u->kind, nw, old, &st);
		bool ok;
		if (!u->field) {
			ok = rc == 0;
		} else {
			const cs_cause *c = rc ? find_cause(&st, u->field, u->reason) : NULL;
			ok = c != NULL;
			if (ok && u->msg)
				ok = u->msg[0] == '~' ? strstr(c->message, u->msg + 1) != NULL
						      : !strcmp(c->message, u->msg);
		}
		if (!ok) {
			fprintf(stderr, "update %zu: %s %s -> %s: want %s %s\n", i, u->kind,
				u->old_patch ? u->old_patch : "(base)", u->new_patch,
				u->field ? u->field : "(allowed)", u->reason ? u->reason : "");
			if (rc)
				dump_causes(&st);
			failures++;
		}
		cs_json_free(old);
		cs_json_free(nw);
	}
	assert_int_equal(failures, 0);
}

/* A Job created before its uid was known gets its selector on a later
 * write; that is not a change to an immutable field. */
static void test_job_selector_generated_on_update(void **state)
{
	(void)state;
	cs_status st;
	cs_json *old = build("Job", NULL);
	assert_int_equal(run("Job", old, NULL, &st), 0);
	assert_null(str_at(old, "spec.selector"));
	cs_json *nw = build("Job", "{'metadata':{'uid':'u-1'}}");
	assert_int_equal(run("Job", nw, old, &st), 0);
	ASSERT_AT(nw, "spec.selector.matchLabels",
		  "{\"batch.kubernetes.io/controller-uid\":\"u-1\"}");
	cs_json_free(old);
	cs_json_free(nw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vpath_formats),
		cmocka_unit_test(test_every_kind_has_a_valid_base),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_valid_variants),
		cmocka_unit_test(test_status_single_cause),
		cmocka_unit_test(test_status_several_causes),
		cmocka_unit_test(test_status_grouped_kind),
		cmocka_unit_test(test_status_dedup_and_overflow),
		cmocka_unit_test(test_annotation_size),
		cmocka_unit_test(test_default_pod),
		cmocka_unit_test(test_default_workloads),
		cmocka_unit_test(test_default_batch),
		cmocka_unit_test(test_default_core),
		cmocka_unit_test(test_status_and_binding_keep_spec),
		cmocka_unit_test(test_updates),
		cmocka_unit_test(test_job_selector_generated_on_update),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
