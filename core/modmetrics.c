/* Metrics registered by modules, exported with the core's at /metrics as
 * NAME{module="<module>"}. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "modhost.h"

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NB (sizeof(buckets) / sizeof(buckets[0]))

struct cs_metric {
	cs_metric *next;  /* global registry */
	cs_metric *mnext; /* the module's */
	cs_modinst *owner;
	char module[64];
	char name[128];
	char help[256];
	enum cs_metric_type type;
	pthread_mutex_t mu;
	double value, sum;
	uint64_t count, hist[NB];
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static cs_metric *reg;

static bool valid_name(const char *s)
{
	if (!s || !*s || strlen(s) >= 128 ||
	    !(isalpha((unsigned char)*s) || *s == '_' || *s == ':'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || *s == ':'))
			return false;
	return true;
}

cs_metric *cs_modmetric_new(cs_mod *m, enum cs_metric_type type, const char *name, const char *help)
{
	cs_modinst *mi = cs_modinst_of(m);
	if (!valid_name(name) || type < CS_METRIC_COUNTER || type > CS_METRIC_HISTOGRAM) {
		cs_mod_log(m, CS_LOG_ERROR,
			   "metric \"%s\": not a valid Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*) "
			   "or type",
			   name ? name : "(null)");
		return NULL;
	}
	pthread_mutex_lock(&reg_mu);
	for (cs_metric *c = reg; c; c = c->next)
		if (c->owner == mi && !strcmp(c->name, name)) {
			pthread_mutex_unlock(&reg_mu);
			cs_mod_log(m, CS_LOG_ERROR, "metric \"%s\" is already registered", name);
			return NULL;
		}
	cs_metric *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->owner = mi;
	snprintf(c->module, sizeof(c->module), "%s", mi->name);
	snprintf(c->name, sizeof(c->name), "%s", name);
	/* One line in the exposition format: no newlines or backslashes. */
	snprintf(c->help, sizeof(c->help), "%s", help ? help : "");
	for (char *p = c->help; *p; p++)
		if (*p == '\n' || *p == '\\')
			*p = ' ';
	c->type = type;
	pthread_mutex_init(&c->mu, NULL);
	c->next = reg;
	reg = c;
	pthread_mutex_unlock(&reg_mu);
	pthread_mutex_lock(&mi->mu);
	c->mnext = mi->metrics;
	mi->metrics = c;
	pthread_mutex_unlock(&mi->mu);
	return c;
}

void cs_modmetric_add(cs_metric *c, double v)
{
	if (!c || (c->type == CS_METRIC_COUNTER && v < 0) || c->type == CS_METRIC_HISTOGRAM)
		return;
	pthread_mutex_lock(&c->mu);
	c->value += v;
	pthread_mutex_unlock(&c->mu);
}

void cs_modmetric_set(cs_metric *c, double v)
{
	if (!c || c->type != CS_METRIC_GAUGE)
		return;
	pthread_mutex_lock(&c->mu);
	c->value = v;
	pthread_mutex_unlock(&c->mu);
}

void cs_modmetric_observe(cs_metric *c, double v)
{
	if (!c || c->type != CS_METRIC_HISTOGRAM)
		return;
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < NB; i++)
		if (v <= buckets[i])
			c->hist[i]++;
	c->sum += v;
	c->count++;
	pthread_mutex_unlock(&c->mu);
}

void cs_modmetrics_free(cs_modinst *mi)
{
	pthread_mutex_lock(&reg_mu);
	for (cs_metric **pp = &reg; *pp;) {
		cs_metric *c = *pp;
		if (c->owner == mi) {
			*pp = c->next;
			pthread_mutex_destroy(&c->mu);
			free(c);
		} else {
			pp = &c->next;
		}
	}
	pthread_mutex_unlock(&reg_mu);
	mi->metrics = NULL;
}

void cs_modmetrics_render(void (*emit)(void *arg, const char *text, size_t len), void *arg)
{
	char line[1024];
	pthread_mutex_lock(&reg_mu);
	for (cs_metric *c = reg; c; c = c->next) {
		/* HELP/TYPE once per name (several modules may use one). */
		bool first = true;
		for (cs_metric *p = reg; p != c; p = p->next)
			first &= strcmp(p->name, c->name) != 0;
		int n;
		if (first) {
			n = snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n", c->name,
				     c->help, c->name,
				     c->type == CS_METRIC_COUNTER ? "counter"
				     : c->type == CS_METRIC_GAUGE ? "gauge"
								  : "histogram");
			emit(arg, line, (size_t)n);
		}
		pthread_mutex_lock(&c->mu);
		if (c->type != CS_METRIC_HISTOGRAM) {
			n = snprintf(line, sizeof(line), "%s{module=\"%s\"} %.17g\n", c->name,
				     c->module, c->value);
			emit(arg, line, (size_t)n);
		} else {
			for (size_t i = 0; i < NB; i++) {
				n = snprintf(line, sizeof(line),
					     "%s_bucket{module=\"%s\",le=\"%g\"} %llu\n", c->name,
					     c->module, buckets[i], (unsigned long long)c->hist[i]);
				emit(arg, line, (size_t)n);
			}
			n = snprintf(
				line, sizeof(line),
				"%s_bucket{module=\"%s\",le=\"+Inf\"} %llu\n%s_sum{module=\"%s\"} "
				"%.17g\n%s_count{module=\"%s\"} %llu\n",
				c->name, c->module, (unsigned long long)c->count, c->name,
				c->module, c->sum, c->name, c->module,
				(unsigned long long)c->count);
			emit(arg, line, (size_t)n);
		}
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_unlock(&reg_mu);
}
