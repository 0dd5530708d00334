/*
 * pool_measure.c — what a run measures: the warm-up cut and the
 * measurement window (model.h), the levels' rare work (alerts, memory
 * limit), the series sampler and the scalars emitted at the end.
 */
#include "pool_int.h"
#include "profile.h"

/* ---- statistics helpers ------------------------------------------------- */

static void ev_probe(sim *s, void *ctx, uint64_t arg);

/* The window's expected length from t, for the probe's first interval:
 * `duration`, or the task cap at the offered rate, whichever is sooner. */
static double window_guess(const run *r, double t)
{
	const model_config *c = r->c;
	double rate = wl_mean_rate(&c->arrival);
	for (int i = 0; i < c->n_tenants; i++)
		rate += wl_mean_rate(&c->tenants[i].arrival);
	double h = c->duration > 0 ? c->duration : horizon_guess(c);
	if (c->tasks > 0 && rate > 0 && (double)c->tasks / rate < h)
		h = (double)c->tasks / rate;
	return h - t > 0 ? h - t : h > 0 ? h : 1.0;
}

/* The warm-up ends and the window opens at now (model.h). */
void do_cut(run *r)
{
	double t = sim_now(r->s);
	r->cut_done = 1;
	r->t_cut = t;
	stats_level_reset(&r->lv_queue, t);
	stats_level_reset(&r->lv_busy, t);
	stats_level_reset(&r->lv_workers, t);
	stats_level_reset(&r->lv_system, t);
	stats_level_reset(&r->lv_K, t);
	stats_level_reset(&r->lv_sat, t);
	for (int i = 0; i < r->n_ds; i++)
		stats_level_reset(&r->ds[i].lv_in_use, t);
	r->win0_completed = r->completed;
	r->win0_r = r->r_completed;
	r->win0_submitted = r->submitted;
	for (int i = 0; i < r->n_src; i++)
		r->src[i].st.win0 = r->src[i].st.completed;
	for (int g = 0; r->tst && g < r->c->n_tiers; g++)
		r->tst[g].win0 = r->tst[g].completed;
	if (r->win_closed)
		return;   /* the arrivals ended inside the warm-up */
	model_probe_start(&r->probe, t, window_guess(r, t));
	sim_after(r->s, r->probe.dt, PRIO_SAMPLE, ev_probe, r, 0);
}

/* The window closes at t >= now (every level's last change): the counts
 * as they stand, the levels' areas extended to t. */
void win_close(run *r, double t)
{
	r->win_closed = 1;
	r->win_empty = !r->cut_done;
	r->t_win = t;
	r->win1_completed = r->completed;
	r->win1_r = r->r_completed;
	r->win1_submitted = r->submitted;
	r->backlog_end = r->n_system;
	r->wa_queue = stats_level_area(&r->lv_queue, t);
	r->wa_busy = stats_level_area(&r->lv_busy, t);
	r->wa_system = stats_level_area(&r->lv_system, t);
	r->wa_K = stats_level_area(&r->lv_K, t);
	for (int i = 0; i < r->n_ds; i++)
		r->ds[i].wa_in_use = stats_level_area(&r->ds[i].lv_in_use, t);
	for (int i = 0; i < r->n_src; i++)
		r->src[i].st.win1 = r->src[i].st.completed;
	for (int g = 0; r->tst && g < r->c->n_tiers; g++)
		r->tst[g].win1 = r->tst[g].completed;
}

/* `duration`: the arrivals ran up to it. */
void ev_win_end(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	if (!r->win_closed)
		win_close(r, sim_now(s));
}

static void ev_probe(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	if (r->win_closed)
		return;
	double t = sim_now(s);
	model_probe_add(&r->probe, t, stats_level_area(&r->lv_system, t));
	sim_after(s, r->probe.dt, PRIO_SAMPLE, ev_probe, r, 0);
}

void ev_cut(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	if (!r->cut_done) {
		sync_state(r);
		do_cut(r);
	}
}


/* ---- alerts ------------------------------------------------------------------ */
/*
 * A rule `METRIC OP X for D` is evaluated continuously on the simulated
 * levels (they change only at events, so checking at the end of every
 * event is exact): it turns pending when the condition becomes true and
 * fires when it has held for D without a break (Prometheus' `for`, with
 * an evaluation interval of zero); it resolves when the condition fails.
 */

static double alert_value(const run *r, alert_metric m)
{
	switch (m) {
	case ALERT_QUEUE_DEPTH: return (double)r->n_waiting;
	case ALERT_RUNNING: return (double)r->n_busy;
	case ALERT_WORKERS: return (double)r->n_workers;
	default: return (double)r->n_system;
	}
}

static void ev_alert(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	alrun *a = &r->al[arg];
	a->ev = 0;
	a->state = 2;
	a->since = sim_now(s);
	if (isnan(a->first))
		a->first = sim_now(s);
}

void alerts_eval(run *r)
{
	double now = sim_now(r->s);
	for (int i = 0; i < r->c->n_alerts; i++) {
		const alert_spec *sp = &r->c->alerts[i];
		alrun *a = &r->al[i];
		double v = alert_value(r, sp->metric);
		int on = sp->op == ALERT_GT ? v > sp->threshold :
			 sp->op == ALERT_GE ? v >= sp->threshold :
			 sp->op == ALERT_LT ? v < sp->threshold :
					      v <= sp->threshold;
		if (on && a->state == 0) {
			a->state = 1;
			a->since = now;
			if (isnan(a->first_pending))
				a->first_pending = now;
			a->ev = sim_after(r->s, sp->for_s, PRIO_SAMPLE, ev_alert,
					  r, (uint64_t)i);
		} else if (!on && a->state == 1) {
			sim_cancel(r->s, a->ev);
			a->ev = 0;
			a->state = 0;
		} else if (!on && a->state == 2) {
			a->fired_s += now - a->since;
			a->state = 0;
		}
	}
}

/* ---- series ----------------------------------------------------------------- */

/* Under series_dt the buffer grows (doubling) so that every sample at
 * k x series_dt is kept; should memory run out, it falls back to the
 * decimation (fewer samples, no longer on every multiple). */
static void grow_samples(run *r)
{
	if (r->c->series_dt <= 0 || r->smp_n < r->smp_cap ||
	    r->smp_cap > INT_MAX / 4)
		return;
	double *q = realloc(r->smp, (size_t)r->smp_cap * 2 *
			    (size_t)r->smp_cols * sizeof(double));
	if (!q)
		return;
	r->smp = q;
	r->smp_cap *= 2;
}

static void sample_now(run *r)
{
	grow_samples(r);
	double *row = model_sample_row(r->smp, &r->smp_n, r->smp_cap,
				       r->smp_cols, &r->smp_dt);
	row[0] = sim_now(r->s);
	row[1] = (double)r->n_waiting;
	row[2] = (double)r->n_busy;
	row[3] = (double)r->n_workers;
	row[4] = (double)r->pools[0].K;
	row[5] = (double)r->arrived;
	for (int i = 0; i < r->n_ds; i++)
		row[6 + i] = (double)r->ds[i].in_use;
	for (int i = 0; i < r->c->n_alerts; i++)
		row[6 + r->n_ds + i] = r->al[i].state;
	if (r->c->n_tenants > 0)
		for (int i = 0; i < r->n_src; i++)
			row[6 + r->n_ds + r->c->n_alerts + i] =
				(double)r->src[i].st.completed;
}

void ev_sample(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	sample_now(r);
	if (r->c->series_dt > 0)   /* on the multiples, without drift */
		sim_schedule(s, (double)++r->smp_k * r->c->series_dt, PRIO_SAMPLE,
			     ev_sample, r, 0);
	else
		sim_after(s, r->smp_dt, PRIO_SAMPLE, ev_sample, r, 0);
}

/* A lower bound on the run length, for the first sampling interval (it
 * doubles as needed). */
double horizon_guess(const model_config *c)
{
	if (c->duration > 0)
		return c->duration;
	/* A finite profile that runs to its end (no tasks cap) lasts that
	 * long; the sources' latest end when tenants bring profiles. */
	double end = wl_profile_end(&c->arrival);
	for (int i = 0; i < c->n_tenants; i++)
		end = fmax(end, wl_profile_end(&c->tenants[i].arrival));
	if (c->tasks == 0 && end > 0)
		return end;
	double rate = wl_mean_rate(&c->arrival);
	if (rate > 0 && c->tasks > 0)
		return (double)c->tasks / rate;
	double n = c->tasks > 0 ? (double)c->tasks : 1000;
	if (c->arrival.kind == WL_BURST && c->arrival.burst_n > 0)
		n = (double)c->arrival.burst_n;
	double k = model_lib_of(c->pool)->caps & MODEL_LIB_UNBOUNDED
			   ? n : (double)c->K;
	double g = n * c->fanout * (c->service ? dist_mean(c->service) : 0) /
		   (k > 0 ? k : 1);
	return g > 0 && isfinite(g) ? g : 1.0;
}

/* ---- the interval series (autotuned or scored runs) ---------------------- */

enum { IV_T, IV_QUEUE, IV_RUNNING, IV_WORKERS, IV_INFLIGHT, IV_OFFERED,
       IV_LAT, IV_COLS };

int klog_add(run *r, double t, long k)
{
	if (r->klog_n == r->klog_cap) {
		int nc = r->klog_cap ? 2 * r->klog_cap : 64;
		double *p = realloc(r->klog, (size_t)nc * 2 * sizeof *p);
		if (!p)
			return PS_ENOMEM;
		r->klog = p;
		r->klog_cap = nc;
	}
	r->klog[2 * r->klog_n] = t;
	r->klog[2 * r->klog_n + 1] = (double)k;
	r->klog_n++;
	return 0;
}

/* A row every iv_dt: the levels at its time, the arrivals since the
 * previous row per second, the windowed quantile; then the window
 * moves on by one interval. */
static void ev_interval(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	if (r->ivs_n == r->ivs_cap) {
		int nc = r->ivs_cap ? 2 * r->ivs_cap : 256;
		double *p = realloc(r->ivs, (size_t)nc * IV_COLS * sizeof *p);
		if (!p) {
			r->oom = 1;
			sim_stop(s);
			return;
		}
		r->ivs = p;
		r->ivs_cap = nc;
	}
	double *row = &r->ivs[(size_t)r->ivs_n++ * IV_COLS];
	row[IV_T] = sim_now(s);
	row[IV_QUEUE] = (double)r->n_waiting;
	row[IV_RUNNING] = (double)r->n_busy;
	row[IV_WORKERS] = (double)r->n_workers;
	row[IV_INFLIGHT] = (double)r->n_system;
	row[IV_OFFERED] = (double)(r->arrived - r->iv_arrived) / r->iv_dt;
	r->iv_arrived = r->arrived;
	row[IV_LAT] = model_wq_quantile(&r->wq, r->c->slo_window > 0
						 ? r->c->slo_q : 0.99);
	model_wq_rotate(&r->wq);
	sim_after(s, r->iv_dt, PRIO_SAMPLE, ev_interval, r, 0);
}

int ivs_setup(run *r)
{
	const model_config *c = r->c;
	r->ivs_on = 1;
	r->iv_dt = c->series_interval > 0 ? c->series_interval : 1.0;
	/* experiments/ checks that slo.window is a whole number of
	 * intervals; without an slo the window is one interval */
	int slots = c->slo_window > 0 ? (int)lround(c->slo_window / r->iv_dt)
				      : 1;
	if (slots < 1)
		slots = 1;
	if (model_wq_init(&r->wq, c->slo_window > 0 ? c->slo_target : 1.0,
			  slots) ||
	    klog_add(r, 0, tune_limit0(c)))
		return PS_ENOMEM;
	sim_schedule(r->s, r->iv_dt, PRIO_SAMPLE, ev_interval, r, 0);
	return 0;
}

void ivs_fini(run *r)
{
	free(r->ivs);
	free(r->klog);
	r->ivs = r->klog = NULL;
	model_wq_fini(&r->wq);
}

/* The scorecard's scalars and the interval series. */
static void emit_ivs(run *r, model_result *o, double end)
{
	const model_config *c = r->c;
	int n = r->ivs_n;
	for (int i = 0; i < n; i++) {
		const double *row = &r->ivs[(size_t)i * IV_COLS];
		double t = row[IV_T];
		if (c->series_dt <= 0) {   /* else pool_emit's samples */
			model_result_point(o, "pool", "queue_depth", t,
					   row[IV_QUEUE]);
			model_result_point(o, "pool", "running", t,
					   row[IV_RUNNING]);
			model_result_point(o, "pool", "workers", t,
					   row[IV_WORKERS]);
		}
		model_result_point(o, "pool", "in_flight", t, row[IV_INFLIGHT]);
		model_result_point(o, "pool", "offered", t, row[IV_OFFERED]);
		if (!isnan(row[IV_LAT]))
			model_result_point(o, "pool", "latency_window", t,
					   row[IV_LAT]);
	}
	if (c->tune.on) {
		for (int i = 0; i < r->klog_n; i++)
			model_result_point(o, "pool", "K", r->klog[2 * i],
					   r->klog[2 * i + 1]);
		/* the level holds to the run's end */
		if (r->klog_n && r->klog[2 * (r->klog_n - 1)] < end)
			model_result_point(o, "pool", "K", end,
					   r->klog[2 * r->klog_n - 1]);
	}
	if (c->slo_window <= 0)
		return;
	int cap = model_steps_up_max(c);
	double *t = malloc((size_t)(n ? n : 1) * sizeof *t);
	double *q = malloc((size_t)(n ? n : 1) * sizeof *q);
	double *ups = malloc((size_t)(cap ? cap : 1) * sizeof *ups);
	model_score sc = { NAN, NAN, 0, 0 };
	if (!t || !q || !ups) {
		/* out of memory at the very end: the score is unknown */
		free(t);
		free(q);
		free(ups);
		model_result_scalar(o, "pool", "slo_violation_s", NAN);
		model_result_scalar(o, "pool", "reaction_s", NAN);
		return;
	}
	int nu = model_steps_up(c, ups, cap);
	for (int i = 0; i < n; i++) {
		t[i] = r->ivs[(size_t)i * IV_COLS + IV_T];
		q[i] = r->ivs[(size_t)i * IV_COLS + IV_LAT];
	}
	model_score_compute(t, q, n, r->iv_dt, c->slo_target, r->t_cut,
			    r->t_win, ups, nu, &sc);
	free(t);
	free(q);
	free(ups);
	model_result_scalar(o, "pool", "slo_violation_s", sc.violation_s);
	model_result_scalar(o, "pool", "reaction_s", sc.reaction_s);
	model_result_scalar(o, "pool", "reaction_unrecovered",
			    (double)sc.unrecovered);
	model_result_scalar(o, "pool", "steps_up", (double)sc.steps);
}

/* ---- results ------------------------------------------------------------ */

/* An empty histogram gives NAN for every one of these (and emit_wait's). */
static void emit_latency(model_result *o, const char *scope,
			 const stats_hist *h)
{
	static const struct {
		const char *name;
		double p;
	} q[] = { { "latency_p50", 0.50 }, { "latency_p90", 0.90 },
		  { "latency_p95", 0.95 }, { "latency_p99", 0.99 },
		  { "latency_p999", 0.999 },
		  { "latency_max", 1 } };
	model_result_scalar(o, scope, "latency_mean", stats_hist_mean(h));
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
		model_result_scalar(o, scope, q[i].name,
				    stats_hist_quantile(h, q[i].p));
}

static void emit_wait(model_result *o, const char *scope, const stats_hist *h)
{
	model_result_scalar(o, scope, "wait_mean", stats_hist_mean(h));
	model_result_scalar(o, scope, "wait_p95", stats_hist_quantile(h, 0.95));
	model_result_scalar(o, scope, "wait_p99", stats_hist_quantile(h, 0.99));
}

/* A count over the window's length w (NAN when the window is empty). */
static inline double per_s(long n, double w)
{
	return w > 0 ? (double)n / w : NAN;
}

static void emit_sstat(model_result *o, const char *scope, const sstat *st,
		       double w)
{
	model_result_scalar(o, scope, "submitted", (double)st->submitted);
	model_result_scalar(o, scope, "completed", (double)st->completed);
	model_result_scalar(o, scope, "rejected", (double)st->rejected);
	model_result_scalar(o, scope, "over_quota", (double)st->over_quota);
	model_result_scalar(o, scope, "rejected_frac",
			    st->counted_arrivals > 0
				    ? (double)st->counted_rejected /
					      (double)st->counted_arrivals
				    : 0);
	model_result_scalar(o, scope, "throughput", per_s(st->win1 - st->win0, w));
	emit_latency(o, scope, st->h_lat);
	emit_wait(o, scope, st->h_wait);
}

/* Tenant, service and tier scopes; fairness; the sharded pool's lock and
 * balance. */
static void emit_scopes(run *r, model_result *o, double w)
{
	const model_config *c = r->c;
	if (c->n_tenants > 0) {
		double sum = 0, sq = 0;
		for (int i = 0; i < r->n_src; i++) {
			const sstat *st = &r->src[i].st;
			double x = w > 0 ? (double)(st->win1 - st->win0) / w : 0;
			sum += x;
			sq += x * x;
			emit_sstat(o, r->src[i].scope, st, w);
		}
		model_result_scalar(o, "pool", "over_quota", (double)r->over_quota);
		model_result_scalar(o, "pool", "fairness",
				    sq > 0 ? sum * sum / ((double)r->n_src * sq)
					   : NAN);
	}
	char scope[64];
	for (int g = 0; g < c->n_tiers; g++) {
		if (c->tiers[g].is_service)
			continue;   /* the service/NAME scope says it all */
		snprintf(scope, sizeof scope, "tier/%s", c->tiers[g].name);
		emit_sstat(o, scope, &r->tst[g], w);
	}
}

void pool_emit(run *r, model_result *o)
{
	const model_config *c = r->c;
	/* Rates and time-averages over the window (model.h); drain_s and
	 * makespan say what came after it. */
	double end = sim_now(r->s);
	if (!r->win_closed)
		/* the run was over (or crashed) before the window's end
		 * event: nothing changed from end to `duration` */
		win_close(r, r->win_at_duration && !r->crashed &&
					     c->duration > end
				     ? c->duration : end);
	double t_arr = r->term ? r->t_term : r->t_win;   /* arrivals' end */
	if (r->cut_done && !r->win_empty && r->t_win <= r->t_cut) {
		long b = r->backlog_end;   /* still the arrivals' end's */
		win_close(r, end);   /* every arrival at one instant: widen */
		r->backlog_end = b;
	}
	double w = r->win_empty ? 0 : r->t_win - r->t_cut;
	double k = r->lib->caps & MODEL_LIB_UNBOUNDED ? (double)r->workers_peak
						      : (double)r->K_total;
	if (c->tune.on)
		k = w > 0 ? r->wa_K / w : NAN;
	sample_now(r);

	model_result_scalar(o, "pool", "submitted", (double)r->submitted);
	model_result_scalar(o, "pool", "completed", (double)r->completed);
	model_result_scalar(o, "pool", "rejected", (double)r->rejected);
	long cs = r->counted_arrivals * r->fanout;
	model_result_scalar(o, "pool", "rejected_frac",
			    cs > 0 ? (double)r->counted_rejected / (double)cs : 0);
	model_result_scalar(o, "pool", "throughput",
			    per_s(r->win1_completed - r->win0_completed, w));
	emit_latency(o, "pool", r->h_lat);
	emit_wait(o, "pool", r->h_wait);
	model_result_scalar(o, "pool", "waited_frac",
			    1 - stats_hist_frac_zero(r->h_wait));   /* NAN: none */
	model_result_scalar(o, "pool", "blocked_mean",
			    r->t_blocked.n ? acc_mean(&r->t_blocked) : 0);
	model_result_scalar(o, "pool", "utilization",
			    w > 0 ? k > 0 ? r->wa_busy / w / k : 0 : NAN);
	model_result_scalar(o, "pool", "queue_mean",
			    w > 0 ? r->wa_queue / w : NAN);
	model_result_scalar(o, "pool", "queue_max", r->lv_queue.max);
	model_result_scalar(o, "pool", "system_mean",
			    w > 0 ? r->wa_system / w : NAN);
	model_result_scalar(o, "pool", "backlog_end", (double)r->backlog_end);
	model_result_scalar(o, "pool", "unstable",
			    w > 0 ? model_unstable(&r->probe, r->t_cut, r->t_win,
						   r->wa_system,
						   (double)(r->win1_submitted -
							    r->win0_submitted))
				  : NAN);
	model_result_scalar(o, "pool", "workers_peak", (double)r->workers_peak);
	model_result_scalar(o, "pool", "mem_peak_bytes", r->mem_peak);
	model_result_scalar(o, "pool", "crashed", r->crashed);
	model_result_scalar(o, "pool", "lost", (double)r->lost);
	model_result_scalar(o, "pool", "makespan", r->last_done);
	/* from the end of arrivals (the SIGTERM when one came) to the run's
	 * last event */
	model_result_scalar(o, "pool", "drain_s", end - t_arr);
	model_result_scalar(o, "pool", "blocked_total_s", r->t_blocked.sum);
	double producers = c->producers > 0 ? c->producers :
			   c->arrival.kind == WL_CLOSED ? c->arrival.closed_n :
			   (double)r->t_blocked.n;
	model_result_scalar(o, "pool", "blocked_per_producer_s",
			    producers > 0 ? r->t_blocked.sum / producers : 0);
	if (c->panic > 0 || c->error > 0) {
		model_result_scalar(o, "pool", "errored", (double)r->errored);
		model_result_scalar(o, "pool", "skipped", (double)r->skipped);
	}
	if (c->shutdown != SHUT_NONE)
		model_result_scalar(o, "pool", "unfinished",
				    (double)(r->unfinished + r->n_system));
	if (c->tune.on) {
		model_result_scalar(o, "pool", "k_mean", k);
		model_result_scalar(o, "pool", "k_changes", (double)r->k_changes);
		model_result_scalar(o, "pool", "k_reversals",
				    (double)r->k_reversals);
		/* set_K keeps the range once K moves */
		long kmin = r->k_changes ? r->k_min : tune_limit(r);
		long kmax = r->k_changes ? r->k_max : tune_limit(r);
		model_result_scalar(o, "pool", "k_min", (double)kmin);
		model_result_scalar(o, "pool", "k_max", (double)kmax);
		model_result_scalar(o, "pool", "k_travel", (double)r->k_travel);
		model_result_scalar(o, "pool", "k_flap",
				    kmax > kmin ? (double)r->k_travel /
							  (double)(kmax - kmin)
						: 0);
		model_result_scalar(o, "pool", "worker_seconds",
				    w > 0 ? r->wa_K : NAN);
		if (r->admit_on)
			model_result_scalar(o, "pool", "admit_rejected",
					    (double)r->admit_rejected);
		model_result_scalar(o, "pool", "tune_skipped",
				    (double)r->tune.skipped);
		model_result_scalar(o, "pool", "saturated_s",
				    stats_level_mean(&r->lv_sat, end) *
					    (end - r->t_cut));
	}
	for (int p = 0; p < r->n_phases; p++) {
		char ph[32];
		snprintf(ph, sizeof ph, "phase/%d", p + 1);
		model_result_scalar(o, ph, "latency_p95",
				    stats_hist_quantile(r->h_phase[p], 0.95));
		model_result_scalar(o, ph, "latency_p99",
				    stats_hist_quantile(r->h_phase[p], 0.99));
	}
	for (int i = 0; i < c->n_alerts; i++) {
		char al[64];
		alrun *a = &r->al[i];
		snprintf(al, sizeof al, "alert/%s", c->alerts[i].name);
		model_result_scalar(o, al, "first_pending_s", a->first_pending);
		model_result_scalar(o, al, "first_fire_s", a->first);
		model_result_scalar(o, al, "fired_s", a->fired_s +
				    (a->state == 2 ? end - a->since : 0));
	}
	if (r->lib->ops->emit)
		r->lib->ops->emit(r, o);   /* the library's own scalars */
	if (r->fanout > 1) {
		emit_latency(o, "request", r->h_rlat);
		model_result_scalar(o, "request", "completed",
				    (double)r->r_completed);
		model_result_scalar(o, "request", "throughput",
				    per_s(r->win1_r - r->win0_r, w));
	}
	emit_scopes(r, o, w);
	char scope[64];
	for (int i = 0; i < r->n_ds; i++) {
		dsrun *d = &r->ds[i];
		snprintf(scope, sizeof scope, "downstream/%s", d->spec->name);
		emit_wait(o, scope, d->h_wait);
		double lim = d->spec->limit > 0 ? d->spec->limit : d->lv_in_use.max;
		model_result_scalar(o, scope, "utilization",
				    w > 0 ? lim > 0 ? d->wa_in_use / w / lim : 0
					  : NAN);
		model_result_scalar(o, scope, "calls", (double)d->calls);
		model_result_scalar(o, scope, "in_use_max", d->lv_in_use.max);
		/* a brownout's factor at each change, up to the run's end */
		const profile *sl = d->spec->slowdown;
		double t = 0;
		for (int g = 0; sl && g < sl->n && t <= end; g++) {
			model_result_point(o, scope, "slowdown", t, sl->seg[g].v0);
			t += sl->seg[g].dur;
			if (sl->seg[g].v1 != sl->seg[g].v0 && t <= end)
				model_result_point(o, scope, "slowdown", t,
						   sl->seg[g].v1);
		}
		if (sl && sl->n && t < end)
			model_result_point(o, scope, "slowdown", end,
					   sl->seg[sl->n - 1].v1);
	}

	/* series: at most series_points samples, evenly thinned */
	int want = c->series_points > 0 ? c->series_points : 200;
	int step = c->series_dt > 0 ? 1 : (r->smp_n + want - 1) / want;
	if (step < 1)
		step = 1;
	if (r->ivs_on)
		emit_ivs(r, o, end);
	for (int j = 0; j < r->smp_n; j += step) {
		const double *row = &r->smp[j * r->smp_cols];
		/* rates: counts since the previous kept sample, per second */
		const double *pr = j >= step ? row - step * r->smp_cols : NULL;
		double dt = pr ? row[0] - pr[0] : row[0];
		if (r->ivs_on) {
			/* K and offered are in the interval series */
		} else if (c->tune.on) {
			/* offered load: arrivals */
			double da = pr ? row[5] - pr[5] : row[5];
			model_result_point(o, "pool", "K", row[0], row[4]);
			model_result_point(o, "pool", "offered", row[0],
					   dt > 0 ? da / dt : NAN);
		}
		if (!r->ivs_on || c->series_dt > 0) {
			/* under series_dt (a rule evaluated at its multiples)
			 * the levels are the rule's samples, not the
			 * interval series' */
			model_result_point(o, "pool", "queue_depth", row[0],
					   row[1]);
			model_result_point(o, "pool", "running", row[0], row[2]);
			model_result_point(o, "pool", "workers", row[0], row[3]);
		}
		for (int i = 0; i < r->n_ds; i++) {
			snprintf(scope, sizeof scope, "downstream/%s",
				 r->ds[i].spec->name);
			model_result_point(o, scope, "in_use", row[0], row[6 + i]);
		}
		for (int i = 0; i < c->n_alerts; i++) {
			snprintf(scope, sizeof scope, "alert/%s",
				 c->alerts[i].name);
			model_result_point(o, scope, "state", row[0],
					   row[6 + r->n_ds + i]);
		}
		for (int i = 0; c->n_tenants > 0 && i < r->n_src; i++) {
			int col = 6 + r->n_ds + c->n_alerts + i;
			double dn = pr ? row[col] - pr[col] : row[col];
			model_result_point(o, r->src[i].scope, "throughput",
					   row[0], dt > 0 ? dn / dt : NAN);
		}
	}
}


/* Worker reuse (ants, tunny): the share of hand-offs to the worker freed
 * last (LIFO reuse), for their emit operations. */
void emit_reuse(run *r, model_result *o)
{
	model_result_scalar(o, "pool", "reuse_lifo_frac",
			    r->reuse_n ? (double)r->reuse_last / (double)r->reuse_n
				       : NAN);
}

/* ---- the scorecard: windowed quantile and its score (model.h) ----------- */

/* Buckets: 256 per octave of v / target, from the octave's bit pattern
 * (the double's exponent and top 8 mantissa bits: no log per task), for
 * v / target in [2^-20, 2^17). Taking the bits of the next smaller double
 * makes each bucket (lo, hi]: the target itself (v / target = 1, an
 * octave's edge) falls in the bucket below it, so "over the target" is
 * exact. */
#define WQ_SUB 8                        /* log2 of the buckets per octave */
#define WQ_SHIFT (52 - WQ_SUB)
#define WQ_BASE ((uint64_t)(1023 - 20) << WQ_SUB)   /* 2^-20 */
#define WQ_OCTAVES 37

static int wq_bucket(const model_wq *w, double v)
{
	double x = v / w->target;
	if (!(x > 0))
		return 0;
	uint64_t u;
	memcpy(&u, &x, sizeof u);
	u = (u - 1) >> WQ_SHIFT;
	return u < WQ_BASE ? 0 : u - WQ_BASE >= (uint64_t)w->nb
				 ? w->nb - 1 : (int)(u - WQ_BASE);
}

/* The upper edge of bucket j, as a multiple of the target. */
static double wq_edge(int j)
{
	uint64_t u = ((uint64_t)j + WQ_BASE + 1) << WQ_SHIFT;
	double x;
	memcpy(&x, &u, sizeof x);
	return x;
}

int model_wq_init(model_wq *w, double target, int slots)
{
	assert(target > 0 && slots >= 1);
	memset(w, 0, sizeof *w);
	w->target = target;
	w->nb = WQ_OCTAVES << WQ_SUB;
	w->off = wq_bucket(w, target);   /* its upper edge is the target */
	assert(w->nb <= 65536);   /* touched holds uint16_t */
	w->slots = slots;
	size_t cells = (size_t)slots * (size_t)w->nb;
	w->slot = calloc(cells, sizeof *w->slot);
	w->touched = malloc(cells * sizeof *w->touched);
	w->n_touched = calloc((size_t)slots, sizeof *w->n_touched);
	w->sum = calloc((size_t)w->nb, sizeof *w->sum);
	w->block = calloc((size_t)(w->nb + 63) / 64, sizeof *w->block);
	w->slot_n = calloc((size_t)slots, sizeof *w->slot_n);
	if (!w->slot || !w->touched || !w->n_touched || !w->sum ||
	    !w->block || !w->slot_n) {
		model_wq_fini(w);
		return PS_ENOMEM;
	}
	return 0;
}

void model_wq_fini(model_wq *w)
{
	free(w->slot);
	free(w->touched);
	free(w->n_touched);
	free(w->sum);
	free(w->block);
	free(w->slot_n);
	w->slot = NULL;
	w->touched = NULL;
	w->n_touched = NULL;
	w->sum = w->block = w->slot_n = NULL;
}

void model_wq_add(model_wq *w, double v)
{
	int j = wq_bucket(w, v);
	size_t base = (size_t)w->cur * (size_t)w->nb;
	if (w->slot[base + (size_t)j]++ == 0)
		w->touched[base + (size_t)w->n_touched[w->cur]++] = (uint16_t)j;
	w->slot_n[w->cur]++;
	w->sum[j]++;
	w->block[j / 64]++;
	w->n++;
}

double model_wq_quantile(const model_wq *w, double q)
{
	if (!w->n)
		return NAN;
	/* (1 - 1e-12): 0.99 * 100 is rank 99, whatever the rounding */
	uint64_t rank = (uint64_t)ceil(q * (double)w->n * (1 - 1e-12));
	if (rank < 1)
		rank = 1;
	uint64_t cum = 0;
	int b = 0, nblk = (w->nb + 63) / 64;
	for (; b < nblk - 1 && cum + w->block[b] < rank; b++)
		cum += w->block[b];
	int j = b * 64;
	for (; j < w->nb - 1; j++) {
		cum += w->sum[j];
		if (cum >= rank)
			break;
	}
	return j == w->off ? w->target : w->target * wq_edge(j);
}

void model_wq_rotate(model_wq *w)
{
	w->cur = (w->cur + 1) % w->slots;
	size_t base = (size_t)w->cur * (size_t)w->nb;
	for (int i = 0; i < w->n_touched[w->cur]; i++) {
		int j = w->touched[base + (size_t)i];
		uint32_t c = w->slot[base + (size_t)j];
		w->sum[j] -= c;
		w->block[j / 64] -= c;
		w->slot[base + (size_t)j] = 0;
	}
	w->n -= w->slot_n[w->cur];
	w->n_touched[w->cur] = 0;
	w->slot_n[w->cur] = 0;
}

void model_score_compute(const double *t, const double *q, int n, double dt,
			 double target, double t0, double t1,
			 const double *ups, int n_ups, model_score *out)
{
	memset(out, 0, sizeof *out);
	out->reaction_s = NAN;
	for (int i = 0; i < n; i++)
		if (t[i] > t0 && t[i] <= t1 && q[i] > target)
			out->violation_s += dt;
	for (int k = 0; k < n_ups; k++) {
		double s = ups[k];
		if (s < t0 || s >= t1)
			continue;
		double next = t1;
		for (int m = k + 1; m < n_ups; m++)
			if (ups[m] > s) {
				next = ups[m] < t1 ? ups[m] : t1;
				break;
			}
		out->steps++;
		double react = 0;
		int i = 0;
		while (i < n && t[i] <= s)
			i++;
		for (; i < n && t[i] <= next; i++)
			if (q[i] > target)
				break;
		if (i < n && t[i] <= next && q[i] > target) {
			/* over: the first evaluation back at or under */
			for (i++; i < n && t[i] <= t1; i++)
				if (q[i] <= target)
					break;
			if (i < n && t[i] <= t1) {
				react = t[i] - s;
			} else {
				react = t1 - s;
				out->unrecovered++;
			}
		}
		if (isnan(out->reaction_s) || react > out->reaction_s)
			out->reaction_s = react;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int model_steps_up_max(const model_config *c)
{
	int n = c->arrival.kind == WL_STEPS ? c->arrival.n_steps : 0;
	for (int i = 0; i < c->n_downstreams; i++)
		if (c->downstreams[i].slowdown)
			n += c->downstreams[i].slowdown->n;
	return n;
}

int model_steps_up(const model_config *c, double *ups, int cap)
{
	int n = 0;
	const wl_spec *w = &c->arrival;
	double t = 0;
	for (int i = 0; w->kind == WL_STEPS && i + 1 < w->n_steps && n < cap;
	     i++) {
		t += w->steps[i].dur;
		double a = w->linear ? w->steps[i].rate_end : w->steps[i].rate;
		double b = w->steps[i + 1].rate;
		if (b > 0 && b >= MODEL_STEP_UP * a)
			ups[n++] = t;
	}
	for (int d = 0; d < c->n_downstreams; d++) {
		const profile *p = c->downstreams[d].slowdown;
		t = 0;
		for (int i = 0; p && i + 1 < p->n && n < cap; i++) {
			t += p->seg[i].dur;
			if (p->seg[i + 1].v0 >= MODEL_STEP_UP * p->seg[i].v1)
				ups[n++] = t;
		}
	}
	qsort(ups, (size_t)n, sizeof *ups, cmp_double);
	return n;
}
