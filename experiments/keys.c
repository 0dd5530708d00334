/*
 * keys.c — the experiments.ini key table (keys.h). The meanings are the
 * user's reference (docs/experiments-ini.md is printed from them): say
 * what the key changes in the model, in the user's terms.
 */
#include "keys.h"
#include "../models/model.h"

#include <string.h>


static const exp_key rows[] = {
	/* ---- the experiment ---- */
	{ "description", "text", "none", "run", 0,
	  "One line shown in listings, reports and figure titles: the "
	  "question the experiment answers.",
	  "Which K keeps p99 under 100 ms at 800/s?" },
	{ "extends", "section name", "none", "run", 0,
	  "Inherit every key of another section; keys set here win.",
	  "slow-downstream" },
	{ "seed", "count", "1", "run", 0,
	  "Master seed. Same seed, same numbers, whatever -j.", "7" },
	{ "repeat", "count", "1", "run", 0,
	  "Replications per sweep point (the ceiling when `precision` is "
	  "set). Sweep points share random numbers.", "10" },
	{ "precision", "metric + percent", "off", "run", 0,
	  "`METRIC REL%`: add replications until the 95% half-width of the "
	  "pool's METRIC is below REL% of its mean.", "latency_p99 3%" },
	/* ---- goals (docs/goals.md) ---- */
	{ "optimize", "METRIC[@SCOPE] min|max", "none", "goal", 0,
	  "Answer \"which point is best?\": the sweep point that minimises "
	  "(or maximises) the metric, with the points that cannot be told "
	  "apart from it; replications are added in stages only where they "
	  "change the answer (repeat is then the most per point).",
	  "latency_p99 min" },
	{ "optimize.delta", "percent or the metric's unit", "2%", "goal", 0,
	  "Indifference zone: differences smaller than this (a percent of "
	  "the best mean, or e.g. 5ms) do not matter.", "5ms" },
	{ "optimize.confidence", "percent", "95%", "goal", 0,
	  "Probability of choosing the best point when it is better than "
	  "the others by at least optimize.delta.", "99%" },
	{ "optimize.shape", "unimodal or none", "none (every point)", "goal",
	  0, "`unimodal`: the metric falls then rises along the single swept "
	  "variable, so a long range is searched (ternary search) rather than "
	  "run whole.", "unimodal" },
	{ "slo", "METRIC[@SCOPE] < VALUE, ...", "none", "goal", 0,
	  "Answer \"what is the smallest K that meets these?\": every "
	  "objective must hold at the stated confidence (one-sided); "
	  "overloaded (unstable) points fail.", "latency_p99 < 100ms" },
	{ "slo.confidence", "percent", "95%", "goal", 0,
	  "Confidence that the chosen point meets every objective and the "
	  "points below it fail one.", "90%" },
	{ "slo.minimize", "swept key", "the first swept key", "goal", 0,
	  "The variable whose smallest feasible value is sought.", "K" },
	{ "slo.shape", "monotone or none", "none (every point)", "goal", 0,
	  "`monotone`: a point that meets the objectives has every larger "
	  "value meet them too, so the range is bisected.", "monotone" },
	{ "slo.window", "duration", "none (the slo is a search)", "goal", 0,
	  "Score every run against the slo instead of searching a K: the "
	  "slo's latency quantile over the tasks completed in the trailing "
	  "window, evaluated every `series.interval`, gives "
	  "slo_violation_s and reaction_s (docs/metrics.md). A whole number "
	  "of series.interval.", "10s" },
	{ "repeat.min", "count", "5", "goal", 0,
	  "Replications of every point in the first stage of a goal "
	  "(at least 2).", "10" },
	{ "constraint", "expression", "none", "run", 0,
	  "Keep only the sweep points where the expression over swept names "
	  "holds.", "K <= 4 * cpus" },
	{ "plot", "X: METRIC...", "metric vs the first swept key", "run", 0,
	  "The figure `poolsim plot` draws: a swept key, then metrics, each "
	  "optionally `@SCOPE` (docs/metrics.md lists metrics and scopes).",
	  "K: latency_p50 latency_p99" },
	{ "plot.replication", "all or a replication number", "all", "run", 0,
	  "What the time-series figure draws for each point: `all` the "
	  "median over replications with a band from the 10th to the 90th "
	  "percentile, or one replication (0 is the first).", "0" },
	{ "plot.xscale", "auto, log or linear", "auto", "run", 0,
	  "The x axis of the sweep figure: `auto` is logarithmic when the "
	  "swept values are positive and span more than 20x, else linear.",
	  "linear" },
	{ "plot.xrange", "LO:HI", "every swept value", "run", 0,
	  "The x range of the sweep figure, to zoom in on an optimum; either "
	  "end may be `*` (automatic).", "50:300" },
	{ "series.interval", "duration", "1s", "run", 0,
	  "Autotuned or scored (`slo.window`) runs: the interval of the "
	  "stored series queue_depth, running, workers, in_flight, offered "
	  "and latency_window (K is stored at every change).", "500ms" },
	{ "export.start", "instant (RFC 3339 or Unix seconds)",
	  "when the experiment was run", "run", 0,
	  "The wall-clock instant of virtual time 0 in `poolsim export` (a "
	  "sample at t seconds is stamped start + t); `--start` overrides "
	  "it.", "2026-01-01T00:00:00Z" },
	/* ---- the workload ---- */
	{ "arrival", "arrival process", "required unless tenants or "
	  "services are defined", "workload", 0,
	  "When tasks are wanted: poisson(RATE), const(RATE), burst(N), "
	  "steps(RATE for D, ...), ramp(RATE, RATE, D), trace(FILE), "
	  "rate(FILE, options) (a `t,rate` CSV or a Prometheus query_range "
	  "response replayed as a non-homogeneous Poisson process; options "
	  "scale=X, from=D, to=D, interp=step|linear, series={l=\"v\"}: "
	  "docs/replay.md), closed(N, think=DIST).",
	  "poisson(800/s)" },
	{ "tasks", "count", "100000; N of burst(N); a trace's length; a "
	  "steps or ramp profile runs to its end", "workload", 0,
	  "Arrivals per run. A cap that ends a steps or ramp profile early "
	  "draws a warning from check.", "20000" },
	{ "duration", "duration", "none (tasks decides)", "workload", 0,
	  "Stop generating arrivals at this virtual time; the run ends when "
	  "the last task finishes. Ends the measurement window.", "120s" },
	{ "warmup", "N tasks, duration or percent", "0", "workload", 0,
	  "The start left out of statistics: tasks (1000 tasks), time (10s) "
	  "or a share of the tasks (5%); a bare number other than 0 is an "
	  "error. Starts the measurement window.", "5%" },
	{ "producers", "count or each", "1", "workload", 0,
	  "Who calls Submit: N producer loops sharing the arrivals (a blocked "
	  "loop delays its later tasks), or `each`: a goroutine per arrival, "
	  "as HTTP handlers. With tunny (synchronous Process) one producer "
	  "serialises every task: check warns.", "each" },
	{ "fanout", "count", "1", "workload", 0,
	  "Each arrival is a request of N subtasks; it completes when all "
	  "have (scope `request`).", "4" },
	/* ---- a task's work ---- */
	{ "service", "distribution",
	  "required, unless a trace with a work column gives the work", "task", 0,
	  "A task's own work: const(D), exp(MEAN), uniform(A, B), "
	  "lognormal(p50=D, p99=D), gamma(mean=D, cv=X), pareto(xm=D, "
	  "alpha=X), normal(mean=D, sd=D), empirical(FILE), mix(P: DIST, ...), "
	  "DIST + DIST. Next to a trace with a work column it is an error (the "
	  "trace's work would win).", "lognormal(p50=4ms, p99=30ms)" },
	{ "setup", "distribution", "none", "task", 0,
	  "Worker construction cost: once per worker for tunny, once per task "
	  "for the other pools.", "const(200ms)" },
	{ "cpus", "count", "unset (work is waiting, not CPU)", "task", 0,
	  "Cores shared by the running tasks (processor sharing): work becomes "
	  "CPU demand.", "2" },
	{ "overhead", "none, measured or duration", "none", "task", 0,
	  "The library's own cost added to each task: `measured` takes the "
	  "pool's measured figure at its K (docs/libraries.md).",
	  "measured" },
	{ "mem.goroutine", "bytes", "2KB", "task", 0,
	  "Memory per live goroutine (workers and blocked submitters).",
	  "8KB" },
	{ "mem.task", "bytes", "0", "task", 0,
	  "Memory per submitted, unfinished task.", "64KB" },
	{ "mem.limit", "bytes", "none", "task", 0,
	  "Memory at which the process dies (OOM: crashed = 1).", "512MB" },
	/* ---- the pool ---- */
	{ "pool", "library", "required", "pool", 0,
	  "The pool library: one of `poolsim help libraries` "
	  "(docs/libraries.md).", "ants" },
	{ "K", "count", "required except for goroutines", "pool", 0,
	  "Workers or concurrency limit; must be > 0.", "${16, 32, 64}" },
	{ "queue", "count or unbounded", "the library's default", "pool",
	  EXP_KEY_LIBRARY,
	  "Bound of the task queue where the library has one.", "1000" },
	{ "nonblocking", "yes/no", "no", "pool", EXP_KEY_LIBRARY,
	  "Reject instead of block when the pool is full.", "yes" },
	{ "max_blocking", "count", "0 (no limit)", "pool", EXP_KEY_LIBRARY,
	  "Reject once this many submitters are blocked.", "100" },
	{ "trygo", "yes/no", "no", "pool", EXP_KEY_LIBRARY,
	  "TryGo (reject when full) instead of Go (block).", "yes" },
	{ "cancel_on_error", "yes/no", "no", "pool", EXP_KEY_LIBRARY,
	  "WithContext + WithCancelOnError: the first error or panic cancels "
	  "the pool's context; tasks that start afterwards return at once "
	  "(skipped).", "yes" },
	{ "timeout", "duration", "none", "pool", EXP_KEY_LIBRARY,
	  "ProcessTimed deadline, waiting plus running.", "100ms" },
	{ "setup_at", "new or first-use", "new", "pool", EXP_KEY_LIBRARY,
	  "`new`: worker constructors run one after another before any work; "
	  "`first-use`: each worker builds itself on its first task.",
	  "first-use" },
	{ "expiry", "duration", "ants 1s, workerpool 2s", "pool",
	  EXP_KEY_LIBRARY,
	  "Idle time after which a worker exits (the period of the "
	  "library's purge timer: at least 1us).", "10s" },
	{ "weight", "distribution", "1", "pool", EXP_KEY_LIBRARY,
	  "Units of the weighted semaphore each task acquires (Acquire(n)).",
	  "uniform(1, 4)" },
	{ "shards", "count", "1", "pool", EXP_KEY_LIBRARY,
	  "Number of shards, each a queue with its own mutex and workers.",
	  "8" },
	{ "route", "hash, round-robin or least-tasks", "hash", "pool",
	  EXP_KEY_LIBRARY, "How a task picks its shard.", "round-robin" },
	{ "keys", "zipf(S, N) or uniform(N)", "uniform(1)", "pool",
	  EXP_KEY_LIBRARY, "Distribution of the task keys that `hash` routes.",
	  "zipf(1.1, 1000)" },
	{ "lock_hold", "duration", "0", "pool", EXP_KEY_LIBRARY,
	  "Mutex hold time per queue operation (contention needs many "
	  "producers).", "200ns" },
	/* ---- downstreams ---- */
	{ "downstream.NAME.limit", "count or unlimited", "unlimited",
	  "downstream/NAME", 0,
	  "Connections to the downstream; a call waits for one. Tasks call "
	  "the downstreams in the order they are listed.", "40" },
	{ "downstream.NAME.service", "distribution", "required for a "
	  "downstream", "downstream/NAME", 0,
	  "Time of one call.", "exp(8ms)" },
	{ "downstream.NAME.usl", "SIGMA, KAPPA", "none", "downstream/NAME", 0,
	  "Universal Scalability Law: calls slow down with the calls in "
	  "flight (contention sigma, coherence kappa, each in [0, 1]).",
	  "0.05, 0.001" },
	{ "downstream.NAME.slowdown", "factor profile", "none (factor 1)",
	  "downstream/NAME", 0,
	  "A brownout: each call takes its drawn time times the factor at "
	  "the moment it starts. steps(F for D, ...) (the last factor holds "
	  "after the end), ramp(F, F, D), or file(FILE, options): a `t,factor` "
	  "CSV or a Prometheus query_range response, read as rate(FILE) is "
	  "(docs/replay.md). Factors > 0.",
	  "steps(1 for 60s, 4 for 60s, 1 for 120s)" },
	/* ---- tenants, tiers, services ---- */
	{ "tenant.NAME.arrival", "arrival process", "required for a tenant",
	  "tenant/NAME", 0,
	  "The tenant's own arrivals, with its own producers.",
	  "poisson(200/s)" },
	{ "tenant.NAME.quota", "RATE burst N", "none", "tenant/NAME", 0,
	  "A token bucket before Submit (x/time/rate Allow); refusals count "
	  "as over_quota.", "100/s burst 20" },
	{ "tenant.NAME.tier", "tier name", "none", "tenant/NAME", 0,
	  "The tier whose pool serves the tenant (`tier.NAME.K`).",
	  "premium" },
	{ "tenant.NAME.priority", "high or low", "low", "tenant/NAME",
	  0, "The tenant's class in a strict-priority pool (pool = priority).",
	  "high" },
	{ "tenant.NAME.service", "distribution", "`service`", "tenant/NAME",
	  0, "The tenant's own task work.", "exp(20ms)" },
	{ "tier.NAME.K", "count", "required for a tier", "tier/NAME", 0,
	  "Each tier has its own pool of this size.", "50" },
	{ "service.NAME.arrival", "arrival process", "required for a service",
	  "service/NAME", 0,
	  "Arrivals of one service sharing the downstreams with the others.",
	  "poisson(300/s)" },
	{ "service.NAME.replicas", "count", "1", "service/NAME", 0,
	  "Replicas of the service, each with its own pool of K.", "3" },
	{ "service.NAME.share", "percent or weight", "equal shares",
	  "service/NAME", 0,
	  "The service's share of the shared downstream connections.",
	  "50%" },
	{ "service.NAME.K", "count", "`K`", "service/NAME", 0,
	  "Workers of each replica of the service.", "20" },
	/* ---- the autotuner ---- */
	{ "autotune", "utilization, queue, aimd, vegas, gradient2 or off",
	  "off", "autotune", 0,
	  "Turns on the control loop that resizes the pool (ants Tune: pool "
	  "= ants only) with a policy: `utilization` (grow above `high`, "
	  "shrink below `low`), `queue` (a target queue depth), or Netflix "
	  "concurrency-limits' `aimd`, `vegas` and `gradient2` (AIMDLimit, "
	  "VegasLimit, Gradient2Limit behind WindowedLimit: one decision per "
	  "`autotune.period` from the mean RTT, submit to answer, of the tasks "
	  "answered in it, the most in flight and whether any was dropped: "
	  "an error, a timeout or the pool's rejection).", "gradient2" },
	{ "autotune.min", "count", "10 (aimd, gradient2: 20; vegas: 1)",
	  "autotune", 0, "Smallest limit (K) the tuner sets.", "5" },
	{ "autotune.max", "count", "500 (aimd, gradient2: 200; vegas: 1000)",
	  "autotune", 0, "Largest limit (K) the tuner sets.", "1000" },
	{ "autotune.initial", "count", "`K`", "autotune", 0,
	  "The starting limit (initialLimit), instead of K; it must lie in "
	  "[min, max]. With `autotune.actuator = admit` the limiter's start, "
	  "beside the pool's K.", "20" },
	{ "autotune.actuator", "resize or admit", "resize", "autotune", 0,
	  "How the limit acts: `resize` sets the pool's K (ants Tune, pond "
	  "resize; other libraries are refused); `admit` puts a limiter in "
	  "front of the pool that rejects a Submit while in flight (admitted, "
	  "not yet answered) >= the limit, as concurrency-limits' "
	  "SimpleLimiter does, with any library; the pool keeps K workers, the "
	  "limiter's refusals count as `rejected` (and `admit_rejected`) but "
	  "are not drops for the policy, and the k_* metrics and the K series "
	  "describe the limit.", "admit" },
	{ "autotune.step", "count", "10", "autotune", 0,
	  "utilization, queue: workers added or removed per decision.", "20" },
	{ "autotune.period", "duration", "10s (aimd, vegas, gradient2: 1s)",
	  "autotune", 0,
	  "Time between decisions (at least 1us): for aimd, vegas and "
	  "gradient2 the sample window (WindowedLimit's window time).", "5s" },
	{ "autotune.high", "fraction", "0.85", "autotune", 0,
	  "utilization: grow when the averaged utilization is above this.",
	  "0.9" },
	{ "autotune.low", "fraction", "0.40", "autotune", 0,
	  "utilization: shrink when the averaged utilization is below this.",
	  "0.3" },
	{ "autotune.window", "count", "1", "autotune", 0,
	  "utilization, queue: samples averaged per decision.", "3" },
	{ "autotune.cooldown", "duration", "0", "autotune", 0,
	  "utilization, queue: no change within this time of the last one.",
	  "30s" },
	{ "autotune.target", "count", "4", "autotune", 0,
	  "queue: the queue depth aimed at; grow above it, shrink below half "
	  "of it when more than `step` workers idle.", "10" },
	{ "autotune.smoothing", "fraction", "0.2 (vegas: 1.0)", "autotune", 0,
	  "vegas, gradient2: weight of the new estimate against the current "
	  "limit.", "0.5" },
	{ "autotune.queue_size", "count", "4", "autotune", 0,
	  "gradient2: growth allowed per decision while latency holds "
	  "(queueSize).", "8" },
	{ "autotune.long_window", "count", "600", "autotune", 0,
	  "gradient2: samples spanned by the long-term RTT average "
	  "(longWindow).", "100" },
	{ "autotune.rtt_tolerance", "number >= 1", "1.5", "autotune", 0,
	  "gradient2: how much above the long-term RTT the short one may be "
	  "before the limit shrinks (rttTolerance).", "2" },
	{ "autotune.backoff_ratio", "fraction in [0.5, 1)", "0.9", "autotune",
	  0, "aimd: the limit is multiplied by this on a drop (backoffRatio).",
	  "0.75" },
	{ "autotune.timeout", "duration", "5s", "autotune", 0,
	  "aimd: a window whose mean RTT exceeds this counts as a drop.",
	  "500ms" },
	{ "autotune.probe_multiplier", "count", "30", "autotune", 0,
	  "vegas: the no-load RTT is probed anew every 0.5-1 x this x limit "
	  "windows (probeMultiplier; the jitter is a fixed sequence).", "10" },
	{ "autotune.window_size", "count", "10", "autotune", 0,
	  "aimd, vegas, gradient2: a window with fewer RTT samples makes no "
	  "decision (WindowedLimit's windowSize).", "20" },
	/* ---- shutdown and failures ---- */
	{ "shutdown.at", "duration or after(N)", "none", "shutdown", 0,
	  "SIGTERM at a time or after N completions: arrivals stop, queued "
	  "and running tasks drain.", "after(100)" },
	{ "shutdown.drain", "duration", "wait for every task", "shutdown", 0,
	  "Drain timeout after SIGTERM; what is left is cut off "
	  "(unfinished).", "5s" },
	{ "panic", "fraction", "0", "failures", 0,
	  "Share of tasks that panic.", "1%" },
	{ "recover", "yes/no", "the library's default", "failures", 0,
	  "Whether panics are recovered; an unrecovered one crashes the "
	  "process and loses everything in it.", "no" },
	{ "error", "fraction", "0", "failures", 0,
	  "Share of tasks that return an error (errgroup WithContext cancels "
	  "the rest).", "0.5%" },
	/* ---- pipelines ---- */
	{ "stages", "names", "none (not a pipeline)", "stage/NAME", 0,
	  "Pipeline stage order; each stage is a pool feeding the next over a "
	  "channel.", "read, transform, write" },
	{ "stage.NAME.K", "count", "required for a stage", "stage/NAME", 0,
	  "Workers of the stage.", "4" },
	{ "stage.NAME.service", "distribution", "required for a stage",
	  "stage/NAME", 0, "Work per item in the stage.", "exp(2ms)" },
	{ "stage.NAME.buffer", "count", "0 (unbuffered)", "stage/NAME", 0,
	  "Capacity of the stage's output channel.", "100" },
	{ "stage.NAME.error", "fraction", "0", "stage/NAME", 0,
	  "Share of items whose stage returns an error; the first cancels "
	  "the pipeline.", "0.1%" },
	/* ---- alerts ---- */
	{ "alert.rule_file", "file", "none", "alert/NAME", 0,
	  "A Prometheus rules file (relative to this ini file) holding the "
	  "alert named by alert.name: `promtool test rules` evaluates it on "
	  "each run's series (named as `poolsim export` names them, e.g. "
	  "`poolsim_queue_depth{scope=\"pool\"}`) and the run stores when it "
	  "first went pending and firing at scope alert/NAME, beside the "
	  "built-in alerts. Needs promtool (Debian package prometheus).",
	  "rules.yml" },
	{ "alert.name", "alert name", "none (required with alert.rule_file)",
	  "alert/NAME", 0,
	  "The `alert:` name of the rule in alert.rule_file to evaluate.",
	  "QueueBacklog" },
	{ "alert.interval", "duration", "15s", "alert/NAME", 0,
	  "Scrape and evaluation interval for alert.rule_file: the series "
	  "are sampled every interval (the last value at or before each "
	  "instant) and the rule evaluated at each; times are multiples of "
	  "it.", "5s" },
	{ "alert.NAME", "METRIC OP THRESHOLD [for DURATION]", "none",
	  "alert/NAME", 0,
	  "A Prometheus-style rule on queue_depth, running, workers or "
	  "in_system; reports first_fire_s and fired_s.",
	  "queue_depth > 50 for 30s" },
};

const exp_key *exp_keys(size_t *n)
{
	*n = sizeof rows / sizeof rows[0];
	return rows;
}

/* "downstream.db.limit" against "downstream.NAME.limit": NAME matches one
 * or more characters up to the next '.' of the pattern's tail. */
static int key_match(const char *pat, const char *key)
{
	const char *ph = strstr(pat, "NAME");
	if (!ph)
		return !strcmp(pat, key);
	size_t pre = (size_t)(ph - pat);
	if (strncmp(pat, key, pre))
		return 0;
	const char *tail = ph + 4;          /* "" or ".limit" */
	const char *name = key + pre;
	size_t kl = strlen(name), tl = strlen(tail);
	if (kl <= tl || strcmp(name + kl - tl, tail))
		return 0;
	return 1;   /* a NAME may itself hold dots (strrchr splits it) */
}

const exp_key *exp_key_find(const char *key)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (key_match(rows[i].name, key))
			return &rows[i];
	return NULL;
}

const char *exp_pool_names(unsigned mask, const char *last, char *buf,
			   size_t len)
{
	int n = 0, total = 0;
	for (int p = 0; p < POOL__COUNT; p++)
		total += !!(mask & 1u << p);
	size_t m = 0;
	buf[0] = '\0';
	for (int p = 0; p < POOL__COUNT && m < len; p++)
		if (mask & 1u << p) {
			n++;
			m += (size_t)snprintf(buf + m, len - m, "%s%s",
					      n == 1 ? "" : n == total ? last : ", ",
					      pool_kind_name((pool_kind)p));
		}
	return buf;
}

unsigned exp_key_pools(const exp_key *k)
{
	unsigned m = 0;
	if (!(k->pools & EXP_KEY_LIBRARY))
		return 0;
	for (int p = 0; p < POOL__COUNT; p++)
		if (model_lib_has_option((pool_kind)p, k->name))
			m |= 1u << p;
	return m;
}
