/* One valid object of every kind in the type table, shared by the
 * validation unit tests and the validation fuzzer (single quotes stand for
 * double quotes, for readability; the users convert them). */
#ifndef CS_TEST_VALID_OBJECTS_H
#define CS_TEST_VALID_OBJECTS_H

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
	{"PriorityClass", "{'apiVersion':'scheduling.k8s.io/v1','kind':'PriorityClass','metadata':{"
			  "'name':'high'},'value':1000,'description':'batch that matters'}"},
	{"ResourceQuota", "{'apiVersion':'v1','kind':'ResourceQuota','metadata':{'name':'team',"
			  "'namespace':'default'},'spec':{'hard':{'pods':'10','requests.cpu':'4',"
			  "'limits.memory':'8Gi','count/deployments.apps':'5'}}}"},
	{"LimitRange", "{'apiVersion':'v1','kind':'LimitRange','metadata':{'name':'limits',"
		       "'namespace':'default'},'spec':{'limits':[{'type':'Container','max':{"
		       "'cpu':'2'},'min':{'cpu':'100m'},'default':{'cpu':'500m'}}]}}"},
	{"ControllerRevision", "{'apiVersion':'apps/v1','kind':'ControllerRevision','metadata':{"
			       "'name':'fluentd-5c9b8f','namespace':'default'},'data':{'spec':{}},"
			       "'revision':1}"},
};

#endif
