/* Command-line flags, parsed the way kubectl's (pflag) are: flags may come
 * before or after the command and its arguments, "--name=value",
 * "--name value", "-n value", "-nvalue", "-n=value", bundled boolean
 * shorthands ("-Aw"), "--bool=false", and "--" ends the flags.  One table
 * describes every flag once; each row lists the commands that accept it,
 * so help output and "unknown flag" errors come from the same place. */
#ifndef CS_CTL_ARGS_H
#define CS_CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

enum {
	CS_CMD_GET = 1u << 0,
	CS_CMD_DESCRIBE = 1u << 1,
	CS_CMD_CREATE = 1u << 2,
	CS_CMD_APPLY = 1u << 3,
	CS_CMD_REPLACE = 1u << 4,
	CS_CMD_DELETE = 1u << 5,
	CS_CMD_EDIT = 1u << 6,
	CS_CMD_SCALE = 1u << 7,
	CS_CMD_LABEL = 1u << 8,
	CS_CMD_ANNOTATE = 1u << 9,
	CS_CMD_PATCH = 1u << 10,
	CS_CMD_VERSION = 1u << 11,
	CS_CMD_API_RESOURCES = 1u << 12,
	CS_CMD_API_VERSIONS = 1u << 13,
	CS_CMD_HELP = 1u << 14,
	CS_CMD_ROLLOUT = 1u << 15,
	CS_CMD_ALL = 0xffffffffu,
};

typedef struct cs_ctl_strv {
	char **v;
	size_t n;
} cs_ctl_strv;

typedef struct cs_ctl_opts {
	/* connection (every command) */
	const char *server, *token, *ca_file, *cert_file, *key_file, *request_timeout;
	bool insecure;
	const char *namespace;
	bool help;
	/* selection */
	bool all_namespaces, all;
	const char *selector, *field_selector;
	cs_ctl_strv filenames;
	bool recursive;
	bool ignore_not_found;
	/* output */
	const char *output;
	bool no_headers, show_labels;
	cs_ctl_strv label_columns;
	long chunk_size;
	bool watch, watch_only, output_watch_events;
	/* delete */
	const char *cascade, *timeout;
	long grace_period;
	bool now, force, wait;
	/* scale, label, annotate, patch */
	long replicas, current_replicas;
	const char *resource_version;
	bool overwrite;
	const char *patch, *patch_type;
	/* rollout */
	long to_revision, revision;
	/* version, api-resources */
	bool client_only;
	const char *namespaced, *api_group;
} cs_ctl_opts;

typedef enum { CS_FLAG_BOOL, CS_FLAG_STR, CS_FLAG_INT, CS_FLAG_STRS } cs_ctl_flag_type;

typedef struct cs_ctl_flag {
	const char *name;
	char shorthand;
	cs_ctl_flag_type type;
	size_t off;      /* into cs_ctl_opts */
	unsigned cmds;   /* CS_CMD_* that accept it */
	const char *arg; /* value placeholder for help, NULL for bools */
	const char *help;
} cs_ctl_flag;

extern const cs_ctl_flag cs_ctl_flags[];
extern const size_t cs_ctl_nflags;

void cs_ctl_opts_init(cs_ctl_opts *o);
void cs_ctl_opts_free(cs_ctl_opts *o);

/* Parses argv[1..argc-1].  Positional arguments (the command first) land
 * in pos (strings point into argv; free only the array).  seen[i] is set
 * for every flag cs_ctl_flags[i] given.  Returns 0, or -1 with err set. */
int cs_ctl_args_parse(int argc, char **argv, cs_ctl_opts *o, char ***pos, size_t *npos, bool *seen,
		      char *err, size_t errlen);

/* Rejects flags that the command (one CS_CMD_* bit) does not take. */
int cs_ctl_args_check(const bool *seen, unsigned cmd, char *err, size_t errlen);

#endif
