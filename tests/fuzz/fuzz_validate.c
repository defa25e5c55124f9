/* Defaulting, validation and table rendering for every kind in the type
 * table.  The input is taken twice: as an object on its own, and as a merge
 * patch over a valid object of each kind (so mutations reach the checks
 * behind the required fields), validated on create and as an update in
 * both directions.  None of it may crash, leak or hit UB. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "patch.h"
#include "status.h"
#include "types.h"

/* One valid object per kind (single quotes for readability). */
static const struct {
	const char *kind, *json;
} bases[] = {
	{"Namespace", "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'team-a'}}"},
	{"Pod",
	 "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','namespace':'default',"
	 "'labels':{'app':'web'}},'spec':{'containers':[{'name':'app','image':'nginx:1.25',"
	 "'ports':[{'name':'http','containerPort':80}],'resources':{'requests':{'cpu':'100m',"
	 "'memory':'64Mi'},'limits':{'cpu':'500m','memory':'128Mi'}},'env':[{'name':'MODE',"
	 "'value':'prod'}],'volumeMounts':[{'name':'data','mountPath':'/data'}]}],"
	 "'volumes':[{'name':'data','emptyDir':{}}]}}"},
	{"Node", "{'apiVersion':'v1','kind':'Node','metadata':{'name':'node-1.example.com'},"
		 "'spec':{'podCIDR':'10.244.1.0/24','taints':[{'key':'dedicated','value':'db',"
		 "'effect':'NoSchedule'}]},'status':{'capacity':{'cpu':'4','memory':'8Gi',"
		 "'pods':'110'}}}"},
	{"Service",
	 "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web',"
	 "'namespace':'default'},'spec':{'selector':{'app':'web'},'ports':[{'name':'http',"
	 "'port':80,'targetPort':'http'},{'name':'https','port':443,'targetPort':8443}]}}"},
	{"Endpoints", "{'apiVersion':'v1','kind':'Endpoints','metadata':{'name':'web',"
		      "'namespace':'default'},'subsets':[{'addresses':[{'ip':'10.244.1.5',"
		      "'nodeName':'node-1'}],'ports':[{'name':'http','port':80}]}]}"},
	{"ConfigMap", "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cfg',"
		      "'namespace':'default'},'data':{'app.conf':'x=1','KEY_NAME':'v'},"
		      "'binaryData':{'blob':'AAEC'}}"},
	{"Secret", "{'apiVersion':'v1','kind':'Secret','metadata':{'name':'creds',"
		   "'namespace':'default'},'data':{'password':'c2VjcmV0','empty':''},"
		   "'stringData':{'user':'admin'}}"},
	{"Event", "{'apiVersion':'v1','kind':'Event','metadata':{'name':'web.17a','namespace':"
		  "'default'},'involvedObject':{'kind':'Pod','name':'web','namespace':'default'},"
		  "'reason':'Scheduled','message':'assigned','type':'Normal','count':1}"},
	{"ServiceAccount", "{'apiVersion':'v1','kind':'ServiceAccount','metadata':{'name':"
			   "'builder','namespace':'default'},'imagePullSecrets':[{'name':'reg'}]}"},
	{"PersistentVolume", "{'apiVersion':'v1','kind':'PersistentVolume','metadata':{'name':"
			     "'pv-1'},'spec':{'capacity':{'storage':'10Gi'},'accessModes':"
			     "['ReadWriteOnce'],'hostPath':{'path':'/srv/pv-1'}}}"},
	{"PersistentVolumeClaim", "{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':"
				  "{'name':'data','namespace':'default'},'spec':{'accessModes':"
				  "['ReadWriteOnce'],'resources':{'requests':{'storage':'1Gi'}}}}"},
	{"Deployment", "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
		       "'namespace':'default'},'spec':{'replicas':3,'selector':{'matchLabels':"
		       "{'app':'web'}},'template':{'metadata':{'labels':{'app':'web','tier':'fe'}},"
		       "'spec':{'containers':[{'name':'app','image':'nginx'}]}}}}"},
	{"ReplicaSet", "{'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'web-1',"
		       "'namespace':'default'},'spec':{'selector':{'matchExpressions':[{'key':"
		       "'app','operator':'In','values':['web']}]},'template':{'metadata':"
		       "{'labels':{'app':'web'}},'spec':{'containers':[{'name':'app','image':"
		       "'nginx'}]}}}}"},
	{"DaemonSet", "{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'agent',"
		      "'namespace':'default'},'spec':{'selector':{'matchLabels':{'app':'agent'}},"
		      "'template':{'metadata':{'labels':{'app':'agent'}},'spec':{'containers':"
		      "[{'name':'agent','image':'agent:2'}]}}}}"},
	{"StatefulSet", "{'apiVersion':'apps/v1','kind':'StatefulSet','metadata':{'name':'db',"
			"'namespace':'default'},'spec':{'serviceName':'db','selector':{"
			"'matchLabels':{'app':'db'}},'template':{'metadata':{'labels':{'app':"
			"'db'}},'spec':{'containers':[{'name':'db','image':'postgres:16',"
			"'volumeMounts':[{'name':'pgdata','mountPath':'/var/lib/pg'}]}]}},"
			"'volumeClaimTemplates':[{'metadata':{'name':'pgdata'},'spec':{"
			"'accessModes':['ReadWriteOnce'],'resources':{'requests':{'storage':"
			"'5Gi'}}}}]}}"},
	{"Job", "{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'pi','namespace':"
		"'default'},'spec':{'template':{'spec':{'restartPolicy':'Never','containers':[{"
		"'name':'pi','image':'perl:5','command':['perl','-e','print 1']}]}}}}"},
	{"CronJob", "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'hello',"
		    "'namespace':'default'},'spec':{'schedule':'*/5 * * * *','jobTemplate':{"
		    "'spec':{'template':{'spec':{'restartPolicy':'OnFailure','containers':[{"
		    "'name':'hello','image':'busybox'}]}}}}}}"},
	{"StorageClass", "{'apiVersion':'storage.k8s.io/v1','kind':'StorageClass','metadata':"
			 "{'name':'local'},'provisioner':'capstan.io/local-path','parameters':"
			 "{'root':'/srv'}}"},
	{"Lease", "{'apiVersion':'coordination.k8s.io/v1','kind':'Lease','metadata':{'name':"
		  "'node-1','namespace':'kube-node-lease'},'spec':{'holderIdentity':'node-1',"
		  "'leaseDurationSeconds':40,'renewTime':'2024-05-01T10:00:00.123456Z'}}"},
};

static cs_json *base_json[sizeof(bases) / sizeof(bases[0])];

static void init_bases(void)
{
	char err[256];
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		char *s = strdup(bases[i].json);
		for (char *p = s; *p; p++)
			if (*p == '\'')
				*p = '"';
		base_json[i] = cs_json_parse(s, strlen(s), err, sizeof(err));
		if (!base_json[i]) {
			fprintf(stderr, "base %s: %s\n", bases[i].kind, err);
			abort();
		}
		free(s);
	}
}

static const cs_json *base_for(const cs_type *t)
{
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (!strcmp(bases[i].kind, t->kind))
			return base_json[i];
	abort(); /* a kind without a base: add one above */
}

static void validate(const cs_type *t, const cs_json *obj, const cs_json *old, const char *what)
{
	cs_status st = {0};
	if (cs_type_validate(t, obj, old, &st) == 0)
		return;
	if ((st.code != 422 && st.code != 400) || !st.message[0]) {
		fprintf(stderr, "%s %s: code %d (%s)\n", t->kind, what, st.code, st.message);
		abort();
	}
}

static void table(const cs_type *t, const cs_json *obj)
{
	if (!cs_json_is(obj, CS_JSON_OBJECT))
		return;
	cs_json *items = cs_json_array();
	cs_json_push(items, cs_json_clone(obj));
	static const char *const modes[] = {"Object", "None", "Metadata"};
	for (size_t i = 0; i < 3; i++) {
		cs_json *tb = cs_table_build(t, items, modes[i], "1", NULL);
		if (!tb)
			abort();
		free(cs_json_dump(tb, false, NULL));
		cs_json_free(tb);
	}
	cs_json_free(items);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base_json[0])
		init_bases();
	char err[256];
	cs_json *v = cs_json_parse((const char *)data, size, err, sizeof(err));
	if (!v)
		return 0;
	for (size_t i = 0; i < cs_types_count; i++) {
		const cs_type *t = &cs_types[i];

		cs_json *obj = cs_json_clone(v);
		cs_type_default(t, obj);
		validate(t, obj, NULL, "create");
		validate(t, obj, obj, "update");
		table(t, obj);
		cs_json_free(obj);

		if (!cs_json_is(v, CS_JSON_OBJECT))
			continue;
		cs_json *old = cs_json_clone(base_for(t));
		cs_type_default(t, old);
		cs_json *merged = cs_json_clone(old);
		cs_status st = {0};
		if (cs_patch_merge(&merged, v, &st) != 0)
			abort();
		cs_type_default(t, merged);
		validate(t, merged, NULL, "create (patched base)");
		validate(t, merged, old, "update (patched base)");
		validate(t, old, merged, "update (back to base)");
		table(t, merged);
		cs_json_free(merged);
		cs_json_free(old);
	}
	cs_json_free(v);
	return 0;
}
