/* Scheduling profiles: which plugins run, with which score weights, for the
 * pods of one spec.schedulerName -- Kubernetes' KubeSchedulerProfile.
 *
 * The first profile comes from the options scheduler-name, plugins and
 * weights; option profiles adds more, one entry each:
 *
 *   "NAME: Plugin, Plugin=W, ..."
 *
 * NAME is the scheduler name its pods ask for; the plugins run in the
 * order listed (a plugin left out is disabled for the profile), each with
 * weight W (default 1).  Every profile runs on the same plugin modules, so
 * a plugin's module options (NodeResourcesFit's scoring) are shared by all
 * profiles; only the set, the order and the weights differ.
 *
 * Read in init; read-only afterwards except warned_missing (scheduling
 * thread). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"

#define MAX_WEIGHT 10000

static void profile_free(fw_profile *p)
{
	for (size_t i = 0; i < p->nplugins; i++)
		free(p->plugins[i]);
	free(p->plugins);
	for (size_t i = 0; i < p->nweights; i++)
		free(p->weights[i].plugin);
	free(p->weights);
	free(p->name);
}

void fw_profiles_free(struct fw *fw)
{
	for (size_t i = 0; i < fw->nprofiles; i++)
		profile_free(&fw->profiles[i]);
	free(fw->profiles);
	fw->profiles = NULL;
	fw->nprofiles = 0;
}

static int add_plugin(cs_mod *m, fw_profile *p, const char *what, const char *name)
{
	if (!*name) {
		m->host->log(m, CS_LOG_ERROR, "%s: an empty plugin name", what);
		return -1;
	}
	for (size_t k = 0; k < p->nplugins; k++)
		if (!strcmp(p->plugins[k], name)) {
			m->host->log(m, CS_LOG_ERROR, "%s: %s is listed twice", what, name);
			return -1;
		}
	char **v = realloc(p->plugins, (p->nplugins + 1) * sizeof(*v));
	if (!v)
		return -1;
	p->plugins = v;
	if (!(p->plugins[p->nplugins] = strdup(name)))
		return -1;
	p->nplugins++;
	return 0;
}

/* "Plugin=N": the weight of a plugin of the profile. */
static int add_weight(cs_mod *m, fw_profile *p, const char *what, const char *w)
{
	const cs_host *h = m->host;
	const char *eq = strrchr(w, '=');
	char *end = NULL;
	long long v = eq ? strtoll(eq + 1, &end, 10) : 0;
	if (!eq || eq == w || !eq[1] || *end || v < 1 || v > MAX_WEIGHT) {
		h->log(m, CS_LOG_ERROR, "%s: \"%s\" is not Plugin=N with N from 1 to %d", what, w,
		       MAX_WEIGHT);
		return -1;
	}
	char *name = strndup(w, (size_t)(eq - w));
	if (!name)
		return -1;
	bool listed = !p->nplugins;
	for (size_t k = 0; k < p->nplugins; k++)
		listed |= !strcmp(p->plugins[k], name);
	char err_text[64];
	snprintf(err_text, sizeof(err_text), "is not in %s (a typo?)", p->origin);
	const char *err = listed ? NULL : err_text;
	for (size_t k = 0; k < p->nweights && !err; k++)
		if (!strcmp(p->weights[k].plugin, name))
			err = "has two weights";
	fw_weight *vv = err ? NULL : realloc(p->weights, (p->nweights + 1) * sizeof(*vv));
	if (!vv) {
		if (err)
			h->log(m, CS_LOG_ERROR, "%s: %s %s", what, name, err);
		free(name);
		return -1;
	}
	p->weights = vv;
	p->weights[p->nweights++] = (fw_weight){name, v};
	return 0;
}

static fw_profile *new_profile(cs_mod *m, struct fw *fw, const char *name, const char *what,
			       const char *origin)
{
	if (!*name) {
		m->host->log(m, CS_LOG_ERROR, "%s: the scheduler name is empty", what);
		return NULL;
	}
	for (size_t i = 0; i < fw->nprofiles; i++)
		if (!strcmp(fw->profiles[i].name, name)) {
			m->host->log(m, CS_LOG_ERROR, "%s: scheduler name \"%s\" has two profiles",
				     what, name);
			return NULL;
		}
	fw_profile *v = realloc(fw->profiles, (fw->nprofiles + 1) * sizeof(*v));
	if (!v)
		return NULL;
	fw->profiles = v;
	fw_profile *p = &v[fw->nprofiles];
	memset(p, 0, sizeof(*p));
	p->origin = origin;
	if (!(p->name = strdup(name)))
		return NULL;
	fw->nprofiles++;
	return p;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* One entry of option profiles. */
static int read_entry(cs_mod *m, struct fw *fw, const char *entry, size_t idx)
{
	char what[64];
	snprintf(what, sizeof(what), "option profiles, entry %zu", idx + 1);
	char *text = strdup(entry);
	if (!text)
		return -1;
	char *colon = strchr(text, ':');
	if (!colon) {
		m->host->log(m, CS_LOG_ERROR, "%s: \"%s\" is not \"NAME: Plugin, Plugin=W, ...\"",
			     what, entry);
		free(text);
		return -1;
	}
	*colon = '\0';
	fw_profile *p = new_profile(m, fw, trim(text), what, "option profiles");
	int rc = p ? 0 : -1;
	if (p && !*trim(colon + 1)) {
		m->host->log(m, CS_LOG_ERROR, "%s: profile %s lists no plugins", what, p->name);
		rc = -1;
	}
	char *save = NULL;
	/* Plugins first (weights check they are listed), then weights. */
	for (int pass = 0; pass < 2 && !rc; pass++) {
		char *list = strdup(colon + 1);
		if (!list)
			rc = -1;
		for (char *tok = list ? strtok_r(list, ",", &save) : NULL; tok && !rc;
		     tok = strtok_r(NULL, ",", &save)) {
			char *item = trim(tok), *eq = strchr(item, '=');
			if (pass == 0) {
				if (eq)
					*eq = '\0';
				rc = add_plugin(m, p, what, trim(item));
			} else if (eq) {
				rc = add_weight(m, p, what, item);
			}
		}
		free(list);
	}
	free(text);
	return rc;
}

int fw_profiles_read(cs_mod *m, struct fw *fw)
{
	const cs_host *h = m->host;
	fw_profile *p = new_profile(m, fw, h->opt_str(m, "scheduler-name"), "option scheduler-name",
				    "option plugins");
	if (!p)
		return -1;
	for (size_t i = 0; i < h->opt_list_len(m, "plugins"); i++)
		if (add_plugin(m, p, "option plugins", h->opt_list_at(m, "plugins", i)) < 0)
			return -1;
	for (size_t i = 0; i < h->opt_list_len(m, "weights"); i++)
		if (add_weight(m, p, "option weights", h->opt_list_at(m, "weights", i)) < 0)
			return -1;
	for (size_t i = 0; i < h->opt_list_len(m, "profiles"); i++)
		if (read_entry(m, fw, h->opt_list_at(m, "profiles", i), i) < 0)
			return -1;
	return 0;
}

fw_profile *fw_profile_of(struct fw *fw, const char *scheduler)
{
	if (!scheduler || !*scheduler)
		scheduler = "default-scheduler";
	for (size_t i = 0; i < fw->nprofiles; i++)
		if (!strcmp(fw->profiles[i].name, scheduler))
			return &fw->profiles[i];
	return NULL;
}

int64_t fw_profile_weight(const fw_profile *p, const char *plugin)
{
	for (size_t i = 0; i < p->nweights; i++)
		if (!strcmp(p->weights[i].plugin, plugin))
			return p->weights[i].weight;
	return 1;
}

void fw_profiles_log(cs_mod *m, struct fw *fw)
{
	const cs_host *h = m->host;
	cs_mod *inst;
	const cs_module *d;
	for (size_t i = 0; (d = h->module_at(m, CS_KIND_SCHEDULER, i, &inst)); i++) {
		const char *name = fw_plugin_name(d);
		bool used = false;
		for (size_t k = 0; k < fw->nprofiles && !used; k++) {
			const fw_profile *p = &fw->profiles[k];
			used = !p->nplugins;
			for (size_t j = 0; j < p->nplugins; j++)
				used |= !strcmp(p->plugins[j], name);
		}
		h->log(m, CS_LOG_INFO, "scheduler plugin %s (module %s)%s", name, d->name,
		       used ? "" : ": loaded but in no profile, not used");
	}
	for (size_t k = 0; k < fw->nprofiles; k++) {
		const fw_profile *p = &fw->profiles[k];
		for (size_t j = 0; j < p->nplugins; j++)
			if (!fw_plugin_find(m, p->plugins[j], &inst))
				h->log(m, CS_LOG_WARN,
				       "plugin %s (%s) is not loaded: the pods of scheduler %s "
				       "wait until it is",
				       p->plugins[j], p->origin, p->name);
		for (size_t j = 0; !p->nplugins && j < p->nweights; j++)
			if (!fw_plugin_find(m, p->weights[j].plugin, &inst))
				h->log(m, CS_LOG_WARN,
				       "option weights: no loaded plugin is called %s",
				       p->weights[j].plugin);
		/* nodeSelector moved from NodeBasics to NodeAffinity (as in
		 * Kubernetes): a configuration from before would silently stop
		 * honouring it. */
		bool has_na = !p->nplugins && fw_plugin_find(m, "NodeAffinity", &inst);
		for (size_t j = 0; j < p->nplugins; j++)
			has_na |= !strcmp(p->plugins[j], "NodeAffinity");
		if (!has_na)
			h->log(m, CS_LOG_WARN,
			       "scheduler %s runs no plugin NodeAffinity (module "
			       "sched-nodeaffinity): "
			       "its pods' spec.nodeSelector and node affinity are ignored",
			       p->name);
		h->log(m, CS_LOG_INFO, "scheduling the pods of scheduler \"%s\" (%s)", p->name,
		       p->nplugins ? "its listed plugins" : "every loaded plugin");
	}
}
