/*
 * model.c — the model_config lifecycle and the series ring.
 *
 * Small and cold: called once per scenario by experiments/, never on the
 * per-task path. The simulation itself is in pool.c.
 */
#include "model.h"
#include "profile.h"
#include "../sim/ps.h"
#include "../sim/sim.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void model_config_init(model_config *c)
{
	memset(c, 0, sizeof *c);
	c->tasks = 100000;
	c->producers = 1;
	c->fanout = 1;
	c->mem_goroutine = 2048;
	c->pool = POOL_GOROUTINES;
	c->K = 1;
	c->shards = 1;
	c->keys_n = 1;
	c->recover = -1;
	c->tune.min = 10;
	c->tune.max = 500;
	c->tune.step = 10;
	c->tune.period = 10;
	c->tune.high = 0.85;
	c->tune.low = 0.40;
	c->tune.window = 1;
	c->tune.target = 4;
	c->tune.smoothing = 0.2;
	c->tune.queue_size = 4;
	c->tune.long_window = 600;
	c->tune.rtt_tolerance = 1.5;
	c->tune.backoff_ratio = 0.9;
	c->tune.timeout = 5;
	c->tune.probe_multiplier = 30;
	c->tune.window_size = 10;
}

int model_alert_metric_parse(const char *name)
{
	static const char *const names[] = {
		"queue_depth", "running", "workers", "in_system", NULL
	};
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

void model_config_fini(model_config *c)
{
	if (!c)
		return;
	wl_spec_fini(&c->arrival);
	dist_free(c->service);
	dist_free(c->setup);
	dist_free(c->weight);
	for (int i = 0; i < c->n_downstreams && i < MODEL_MAX_DOWNSTREAMS; i++) {
		dist_free(c->downstreams[i].service);
		prof_free(c->downstreams[i].slowdown);
	}
	for (int i = 0; i < c->n_tenants && i < MODEL_MAX_TENANTS; i++) {
		wl_spec_fini(&c->tenants[i].arrival);
		dist_free(c->tenants[i].service);
	}
	for (int i = 0; i < c->n_stages && i < MODEL_MAX_STAGES; i++)
		dist_free(c->stages[i].service);
	memset(c, 0, sizeof *c);
}

double *model_sample_row(double *smp, int *n, int cap, int cols, double *dt)
{
	if (*n == cap) {
		for (int i = 0; i < *n / 2; i++)
			memmove(&smp[i * cols], &smp[2 * i * cols],
				(size_t)cols * sizeof(double));
		*n /= 2;
		*dt *= 2;
	}
	return &smp[(*n)++ * cols];
}

void model_probe_start(model_probe *p, double t0, double guess)
{
	assert(guess > 0);
	p->n = 0;
	p->dt = guess / 32;
	model_probe_add(p, t0, 0);
}

void model_probe_add(model_probe *p, double t, double area)
{
	double *row = model_sample_row(p->rows, &p->n, MODEL_PROBE_ROWS, 2,
				       &p->dt);
	row[0] = t;
	row[1] = area;
}

int model_unstable(const model_probe *p, double t0, double t1, double area1,
		   double arrivals)
{
	double T = t1 - t0;
	if (!(T > 0) || p->n < 1)
		return 0;
	/* ta: the row nearest t0 + T/3 strictly inside (t0, t1); tb: the
	 * row nearest t1 - T/3, at or after ta */
	int ia = -1, ib = -1;
	for (int i = 0; i < p->n; i++) {
		double t = p->rows[2 * i];
		if (t <= t0 || t >= t1)
			continue;
		if (ia < 0 || fabs(t - (t0 + T / 3)) <
				      fabs(p->rows[2 * ia] - (t0 + T / 3)))
			ia = i;
		if (ib < 0 || fabs(t - (t1 - T / 3)) <
				      fabs(p->rows[2 * ib] - (t1 - T / 3)))
			ib = i;
	}
	if (ia < 0 || ib < ia)
		return 0;
	double ta = p->rows[2 * ia], aa = p->rows[2 * ia + 1];
	double tb = p->rows[2 * ib], ab = p->rows[2 * ib + 1];
	double first = aa / (ta - t0), last = (area1 - ab) / (t1 - tb);
	double slope = (last - first) / ((tb + t1) / 2 - (t0 + ta) / 2);
	double growth = slope * T;
	return growth > 0.01 * arrivals && growth > 2 * sqrt(arrivals);
}

int model_run(const model_config *c, uint64_t seed, uint32_t rep,
	      model_result *out)
{
	return model_run_with(c, seed, rep, NULL, out);
}

int model_run_error(model_result *out, int fault, double now, double pending)
{
	if (fault == SIM_FAULT_STOP) {
		snprintf(out->error, sizeof out->error, "interrupted at "
			 "virtual time %.6g s", now);
		return PS_EINTR;
	}
	if (fault == SIM_FAULT_NOMEM) {
		char n[32];
		if (pending >= 1e6)
			snprintf(n, sizeof n, "%.0fM", pending / 1e6);
		else if (pending >= 1e4)
			snprintf(n, sizeof n, "%.0fk", pending / 1e3);
		else
			snprintf(n, sizeof n, "%.0f", pending);
		snprintf(out->error, sizeof out->error, "out of memory at %s "
			 "pending tasks (virtual time %.6g s)", n, now);
		return PS_ENOMEM;
	}
	snprintf(out->error, sizeof out->error, "at virtual time %.6g s a "
		 "drawn time passed " SIM_TIME_MAX_TEXT ", the most virtual "
		 "time represents to 1 ns (a distribution's tail too long)", now);
	return PS_EINVAL;
}
