/*
 * tune.c — the autotuner: a pure policy (tune_decide) and its actuator
 * (the tick below, which observes the pool, asks the policy and applies
 * the answer: through the library's resize operation — ants' Tune — or,
 * with autotune.actuator = admit, as the limit of a limiter in front of
 * the pool, which submit() consults).
 *
 * The actuator keeps the counts a reader needs to judge a tuner (k_changes,
 * k_reversals, the K level); the policy keeps only its own state.
 */
#include "pool_int.h"
#include "tune.h"

static double next_jitter(tune_state *st)
{
	/* splitmix64: a fixed sequence, so a run replays exactly (the
	 * reference draws ThreadLocalRandom.nextDouble(0.5, 1)) */
	unsigned long long z = (st->rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return 0.5 + 0.5 * (double)(z >> 11) / 9007199254740992.0;
}

int tune_state_init(tune_state *st, const tune_spec *ts)
{
	memset(st, 0, sizeof *st);
	st->limit = NAN;
	st->rng = 19;
	st->probe_jitter = next_jitter(st);
	st->win = calloc((size_t)(ts->window > 0 ? ts->window : 1), sizeof(double));
	return st->win ? 0 : PS_ENOMEM;
}

void tune_state_fini(tune_state *st)
{
	free(st->win);
	st->win = NULL;
}

static const char *const policy_names[TUNE__COUNT] = {
	"utilization", "queue", "aimd", "vegas", "gradient2"
};

const char *tune_policy_name(int policy)
{
	return policy >= 0 && policy < TUNE__COUNT ? policy_names[policy] : "?";
}

int tune_policy_parse(const char *name)
{
	for (int i = 0; i < TUNE__COUNT; i++)
		if (!strcmp(name, policy_names[i]))
			return i;
	return -1;
}

void tune_policy_defaults(int policy, long *min, long *max, double *period,
			  double *smoothing)
{
	/* concurrency-limits: AIMDLimit and Gradient2Limit min 20 max 200,
	 * VegasLimit clamps to 1 and maxConcurrency 1000; WindowedLimit's
	 * min = max window time 1 s */
	static const long mins[TUNE__COUNT] = { 10, 10, 20, 1, 20 };
	static const long maxs[TUNE__COUNT] = { 500, 500, 200, 1000, 200 };
	static const double periods[TUNE__COUNT] = { 10, 10, 1, 1, 1 };
	*min = mins[policy];
	*max = maxs[policy];
	*period = periods[policy];
	*smoothing = policy == TUNE_VEGAS ? 1.0 : 0.2;
}

static double clampd(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* Log10RootFunction.create(0): max(1, (int)log10(limit)). */
static int log10fn(int limit)
{
	int l = limit > 0 ? (int)log10((double)limit) : 0;
	return l > 1 ? l : 1;
}

static double averaged(const tune_spec *ts, tune_state *st, double x)
{
	st->win[st->n++ % ts->window] = x;
	long n = st->n < ts->window ? st->n : ts->window;
	double u = 0;
	for (long i = 0; i < n; i++)
		u += st->win[i];
	return u / (double)n;
}

/* Exercise 19's utilisation thresholds. */
static long decide_utilization(const tune_spec *ts, tune_state *st,
			       const tune_obs *o)
{
	double u = averaged(ts, st, (double)o->workers / (double)o->K);
	long K = o->K, k = K;
	int quiet = st->changes > 0 && o->t - st->last_change < ts->cooldown;
	if (!quiet && u > ts->high && K < ts->max)
		k = K + ts->step < ts->max ? K + ts->step : ts->max;
	else if (!quiet && u < ts->low && K > ts->min)
		k = K - ts->step > ts->min ? K - ts->step : ts->min;
	return k;
}

/* A target queue depth: grow above it, shrink well below it when workers
 * idle, hold in the band between. */
static long decide_queue(const tune_spec *ts, tune_state *st,
			 const tune_obs *o)
{
	double q = averaged(ts, st, (double)o->queue);
	long K = o->K, k = K;
	int quiet = st->changes > 0 && o->t - st->last_change < ts->cooldown;
	if (!quiet && q > ts->target && K < ts->max)
		k = K + ts->step < ts->max ? K + ts->step : ts->max;
	else if (!quiet && q < ts->target / 2 && K - o->busy > ts->step &&
		 K > ts->min)
		k = K - ts->step > ts->min ? K - ts->step : ts->min;
	return k;
}

/* AIMDLimit: +1 while in flight >= limit/2, * backoff_ratio on a drop or
 * an RTT above timeout. */
static void decide_aimd(const tune_spec *ts, tune_state *st, double rtt,
			long inflight, int drop)
{
	long cur = (long)st->limit;
	if (drop || rtt > ts->timeout)
		cur = (long)((double)cur * ts->backoff_ratio);
	else if (inflight * 2 >= cur)
		cur = cur + 1;
	else
		return;
	st->limit = (double)(cur < ts->min ? ts->min : cur > ts->max ? ts->max
								     : cur);
}

/* VegasLimit: queue use = limit (1 - rtt_noload / rtt) against alpha,
 * beta and threshold, functions of log10(limit); the no-load RTT is the
 * least seen, re-probed every jitter * probe_multiplier * limit samples. */
static void decide_vegas(const tune_spec *ts, tune_state *st, double rtt,
			 long inflight, int drop)
{
	st->probe_count++;
	if (st->probe_jitter * (double)ts->probe_multiplier * st->limit <=
	    (double)st->probe_count) {
		st->probe_jitter = next_jitter(st);
		st->probe_count = 0;
		st->rtt_noload = rtt;
		return;
	}
	if (st->rtt_noload == 0 || rtt < st->rtt_noload) {
		st->rtt_noload = rtt;
		return;
	}
	double L = st->limit, nl;
	int q = (int)ceil(L * (1 - st->rtt_noload / rtt));
	int l10 = log10fn((int)L);
	if (drop) {
		nl = L - l10;
	} else if (inflight * 2 < (long)L) {
		return;
	} else {
		int alpha = 3 * l10, beta = 6 * l10, threshold = l10;
		if (q <= threshold)
			nl = L + beta;
		else if (q < alpha)
			nl = L + l10;
		else if (q > beta)
			nl = L - l10;
		else
			return;
	}
	nl = clampd(nl, 1, (double)ts->max);
	nl = (1 - ts->smoothing) * L + ts->smoothing * nl;
	st->limit = clampd(nl, (double)ts->min, (double)ts->max);
}

/* Gradient2Limit: gradient = clamp(rtt_tolerance * long / short, 0.5, 1),
 * limit = smoothed(limit * gradient + queue_size); no growth while app
 * limited (in flight < limit / 2); the long RTT decays (* 0.95) when it is
 * over twice the short one. */
static void decide_gradient2(const tune_spec *ts, tune_state *st,
			     double rtt, long inflight)
{
	double shortr = rtt;
	/* ExpAvgMeasurement(long_window, 10): a plain mean for 10 samples,
	 * then an EWMA of factor 2 / (long_window + 1) */
	if (st->long_n < 10) {
		st->long_n++;
		st->long_sum += rtt;
		st->long_rtt = st->long_sum / (double)st->long_n;
	} else {
		double f = 2.0 / ((double)ts->long_window + 1);
		st->long_rtt = st->long_rtt * (1 - f) + rtt * f;
	}
	double longr = st->long_rtt;
	if (longr / shortr > 2)
		st->long_rtt *= 0.95;
	if ((double)inflight < st->limit / 2)
		return;
	double g = clampd(ts->rtt_tolerance * longr / shortr, 0.5, 1.0);
	double nl = st->limit * g + (double)ts->queue_size;
	nl = st->limit * (1 - ts->smoothing) + nl * ts->smoothing;
	st->limit = clampd(nl, (double)ts->min, (double)ts->max);
}

long tune_decide(const tune_spec *ts, tune_state *st, const tune_obs *o)
{
	long k = o->K;
	if (ts->policy == TUNE_UTILIZATION) {
		k = decide_utilization(ts, st, o);
	} else if (ts->policy == TUNE_QUEUE) {
		k = decide_queue(ts, st, o);
	} else {
		if (isnan(st->limit))
			st->limit = (double)o->K;
		/* WindowedLimit: a window with too few samples is skipped */
		double rtt = o->latency_mean;
		int ready = o->samples >= ts->window_size && !isnan(rtt);
		/* vegas and gradient2 divide by the RTT (the reference
		 * requires rtt > 0) */
		if (!ready)
			st->skipped++;
		if (ready && (ts->policy == TUNE_AIMD || rtt > 0)) {
			long inflight = o->in_flight_max;
			int drop = o->dropped > 0;
			if (ts->policy == TUNE_AIMD)
				decide_aimd(ts, st, rtt, inflight, drop);
			else if (ts->policy == TUNE_VEGAS)
				decide_vegas(ts, st, rtt, inflight, drop);
			else
				decide_gradient2(ts, st, rtt, inflight);
		}
		k = (long)st->limit;
	}
	if (k != o->K) {
		st->changes++;
		st->last_change = o->t;
	}
	return k;
}

/* The actuator: the limit becomes k, on the run's single pool (resize) or
 * on the limiter in front of it (admit). */
static void set_K(run *r, long k)
{
	pinst *p = &r->pools[0];   /* the autotuner drives a single pool */
	long old = tune_limit(r);
	int dir = k > old ? 1 : -1;
	if (!r->k_changes)
		r->k_min = r->k_max = old;   /* the start */
	if (r->tune_dir && dir != r->tune_dir)
		r->k_reversals++;
	r->tune_dir = dir;
	r->k_changes++;
	r->k_travel += k > old ? k - old : old - k;
	if (k < r->k_min)
		r->k_min = k;
	if (k > r->k_max)
		r->k_max = k;
	if (r->admit_on)
		r->admit_limit = k;
	else
		r->K_total = k;
	stats_level_set(&r->lv_K, sim_now(r->s), (double)k);
	if (r->ivs_on && klog_add(r, sim_now(r->s), k))
		r->oom = 1;   /* the run stops: out of memory */
	if (!r->admit_on)
		r->lib->ops->resize(r, p, k);
}

/* One RTT sample, from resolve(): what a wrapper around Submit sees when
 * the task's caller gets its answer. Kept as sums so the window costs
 * nothing per task but this. */
void tune_sample(run *r, double rtt, int drop, int rejected)
{
	r->tn_n++;
	r->tn_sum += rtt;
	if (r->tn_n == 1 || rtt < r->tn_min)
		r->tn_min = rtt;
	if (drop)
		r->tn_drop++;
	else
		r->tn_done++;
	if (rejected)
		r->tn_rej++;
	/* in flight when the sample was taken, itself included (resolve
	 * calls before taking it out) */
	if (r->n_system > r->tn_inflight_max)
		r->tn_inflight_max = r->n_system;
}

static void ev_tune(sim *s, void *ctx, uint64_t arg)
{
	run *r = ctx;
	const pinst *p = &r->pools[0];
	tune_obs o = {
		.t = sim_now(s), .K = tune_limit(r), .workers = p->n_workers,
		.busy = r->n_busy, .queue = r->n_waiting,
		.in_flight = r->n_system, .in_flight_max = r->tn_inflight_max,
		.completed = r->tn_done, .rejected = r->tn_rej,
		.dropped = r->tn_drop, .samples = r->tn_n,
		.latency_mean = r->tn_n ? r->tn_sum / (double)r->tn_n : NAN,
		.latency_min = r->tn_n ? r->tn_min : NAN,
	};
	r->tn_n = r->tn_done = r->tn_drop = r->tn_rej = 0;
	r->tn_sum = r->tn_min = 0;
	r->tn_inflight_max = 0;
	long k = tune_decide(&r->c->tune, &r->tune, &o);
	if (k != o.K)
		set_K(r, k);
	if (!r->finished)
		sim_after(s, r->c->tune.period, PRIO_TICK, ev_tune, r, 0);
	sync_state(r);
	check_end(r);
}

int tune_setup(run *r)
{
	const tune_spec *ts = &r->c->tune;
	assert(ts->window >= 1 && ts->period > 0);
	/* experiments/ refuses resize on a library without MODEL_LIB_RESIZE */
	r->admit_on = ts->actuator == TUNE_ACT_ADMIT;
	r->admit_limit = tune_limit0(r->c);
	assert(r->admit_on ||
	       ((r->lib->caps & MODEL_LIB_RESIZE) && r->lib->ops->resize));
	if (tune_state_init(&r->tune, ts))
		return PS_ENOMEM;
	sim_schedule(r->s, ts->period, PRIO_TICK, ev_tune, r, 0);
	return 0;
}
