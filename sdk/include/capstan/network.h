/* capstan module ABI v1: network drivers.
 *
 * The verbs of the Container Network Interface (CNI spec 1.0): ADD puts a
 * pod's network namespace on the network, DEL takes it off, CHECK verifies
 * it.  A network driver is told which container and namespace, gets the
 * network configuration (CNI's network config JSON: cniVersion, name, type
 * and the driver's own keys; NULL means the driver's default network from
 * its module options) and answers with a CNI result:
 *
 *   {cniVersion, interfaces [{name, mac, sandbox}],
 *    ips [{address "10.1.0.5/24", gateway, interface}],
 *    routes [{dst, gw}], dns {nameservers, domain, search, options}}
 *
 * As in CNI: DEL of something that is not there succeeds; ADD of an
 * attachment that exists fails.  Calls for different containers may run
 * concurrently: a driver must be thread-safe.  Every verb returns 0 or -1
 * with *err filled. */
#ifndef CAPSTAN_NETWORK_H
#define CAPSTAN_NETWORK_H

#include <capstan/module.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME and CNI_ARGS of the spec. */
typedef struct cs_net_attachment {
	size_t size;              /* sizeof(cs_net_attachment) */
	const char *container_id; /* the pod sandbox id */
	const char *netns;        /* path, e.g. /run/netns/x or /proc/PID/ns/net */
	const char *ifname;       /* inside the namespace, usually "eth0" */
	const char *pod_namespace, *pod_name, *pod_uid;
	/* runtimeConfig capabilities (portMappings, bandwidth, ...) or NULL */
	const cs_object *runtime_config;
} cs_net_attachment;

typedef struct cs_network_ops {
	size_t size; /* sizeof(cs_network_ops) */
	/* CNI versions the driver speaks, e.g. "1.0.0". */
	const char *cni_version;
	/* *result: CNI result (owned by the caller). */
	int (*add)(cs_mod *m, const cs_net_attachment *a, const cs_object *netconf,
		   cs_object **result, cs_error *err);
	/* prev_result: the result of ADD, or NULL if lost. */
	int (*del)(cs_mod *m, const cs_net_attachment *a, const cs_object *netconf,
		   const cs_object *prev_result, cs_error *err);
	int (*check)(cs_mod *m, const cs_net_attachment *a, const cs_object *netconf,
		     const cs_object *prev_result, cs_error *err);
} cs_network_ops;

#ifdef __cplusplus
}
#endif

#endif
