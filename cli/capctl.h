/* capctl: the state one command runs with, and the command entry points.
 * Each cmd_*.c implements one command; main.c parses flags and picks it. */
#ifndef CS_CTL_CAPCTL_H
#define CS_CTL_CAPCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "args.h"
#include "http.h"

typedef struct cs_ctl {
	cs_ctl_opts o;
	const char *cmd_name;
	unsigned cmd; /* CS_CMD_* */
	char **args;  /* positional arguments after the command */
	size_t nargs;
	const char *namespace; /* effective: -n, $CAPSTAN_NAMESPACE or "default" */
	bool ns_explicit;      /* the user named the namespace */
	cs_ctl_http *http;
	FILE *out;
} cs_ctl;

typedef int (*cs_ctl_cmd_fn)(cs_ctl *c);

int cs_ctl_cmd_get(cs_ctl *c);
int cs_ctl_cmd_describe(cs_ctl *c);
int cs_ctl_cmd_create(cs_ctl *c);
int cs_ctl_cmd_replace(cs_ctl *c);
int cs_ctl_cmd_apply(cs_ctl *c);
int cs_ctl_cmd_delete(cs_ctl *c);
int cs_ctl_cmd_edit(cs_ctl *c);
int cs_ctl_cmd_scale(cs_ctl *c);
int cs_ctl_cmd_label(cs_ctl *c);
int cs_ctl_cmd_annotate(cs_ctl *c);
int cs_ctl_cmd_patch(cs_ctl *c);
int cs_ctl_cmd_rollout(cs_ctl *c);
int cs_ctl_cmd_version(cs_ctl *c);
int cs_ctl_cmd_api_resources(cs_ctl *c);
int cs_ctl_cmd_api_versions(cs_ctl *c);

#endif
