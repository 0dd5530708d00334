/*
 * metric.c — the metric registry (metric.h): one row per scalar a run can
 * emit. "The window" in the definitions is the measurement window of
 * docs/metrics.md and model.h: from the end of warmup (the instant of the
 * warm-up boundary, whether warmup is a time, a task count or a share) to
 * the end of arrivals (`duration` when the arrivals ran up to it, else the
 * last arrival; a SIGTERM, the pipeline's cancellation or a crash ends it
 * early; a window of no length, as burst(N), is widened to the run's end).
 * "Counted tasks" are the tasks that arrived inside it.
 */
#include "metric.h"

#include <stdio.h>
#include <string.h>

#define POOL MODEL_SCOPE_POOL
#define REQ MODEL_SCOPE_REQUEST
#define TEN MODEL_SCOPE_TENANT
#define TIER MODEL_SCOPE_TIER
#define SVC MODEL_SCOPE_SERVICE
#define DS MODEL_SCOPE_DOWNSTREAM
#define STAGE MODEL_SCOPE_STAGE
#define PHASE MODEL_SCOPE_PHASE
#define ALERT MODEL_SCOPE_ALERT
#define PART (TEN | TIER | SVC)   /* emit_sstat's scopes */
#define LO MODEL_GOAL_LOWER
#define NE MODEL_GOAL_NEUTRAL
#define HI MODEL_GOAL_HIGHER

static const model_metric rows[] = {
	/* ---- counts ---- */
	{ "submitted", "tasks", NE, POOL | PART,
	  "Tasks that reached Submit (or Go, Process, Acquire), warmup "
	  "included; a request of `fanout` N counts N. In a pipeline: items "
	  "the source produced." },
	{ "completed", "tasks", HI, POOL | REQ | PART | STAGE,
	  "Tasks that finished their work, warmup included (request: whole "
	  "requests; stage: items the stage finished)." },
	{ "rejected", "tasks", LO, POOL | PART,
	  "Tasks the pool refused at Submit (ants nonblocking or max_blocking, "
	  "errgroup TryGo, a full pond queue), warmup included." },
	{ "over_quota", "tasks", NE, POOL | PART,
	  "Tasks a tenant's token bucket refused before Submit (`tenant.NAME."
	  "quota`), warmup included." },
	{ "rejected_frac", "fraction", LO, POOL | PART,
	  "Counted tasks the pool rejected / counted tasks." },
	{ "errored", "tasks", LO, POOL,
	  "Tasks that returned an error or panicked (recovered) (`error`, "
	  "`panic`); a pipeline: items whose stage returned an error." },
	{ "skipped", "tasks", LO, POOL,
	  "errgroup WithContext: tasks that started after the first error "
	  "cancelled the context and returned at once without working." },
	{ "timed_out", "tasks", NE, POOL,
	  "tunny only: tasks whose ProcessTimed deadline (`timeout`) passed "
	  "(the caller got ErrJobTimedOut; the worker still finishes)." },
	{ "unfinished", "tasks", LO, POOL,
	  "With `shutdown.at`: tasks not finished when the process stopped "
	  "(never submitted, queued, or cut off at the drain deadline). A "
	  "pipeline: items dropped by the first error's cancellation." },
	{ "crashed", "flag", LO, POOL,
	  "1 when the process died (an unrecovered panic, or `mem.limit` "
	  "exceeded), else 0." },
	{ "lost", "tasks", LO, POOL,
	  "Tasks in the process (running, queued, blocked, not yet submitted) "
	  "when it crashed." },
	/* ---- rates ---- */
	{ "throughput", "1/s", HI, POOL | REQ | PART,
	  "Tasks completed inside the window / the window's length (request: "
	  "whole requests). Completions in the drain after the window do not "
	  "count, so an overloaded run reads its capacity, whatever its "
	  "length." },
	/* ---- latency: arrival (wanted by its producer) to done ---- */
	{ "latency_mean", "s", LO, POOL | REQ | PART,
	  "Mean latency of counted tasks: from the moment the producer wanted "
	  "to submit to the end of the work and downstream calls (blocking, "
	  "queueing and setup included). NAN when none completed." },
	{ "latency_p50", "s", LO, POOL | REQ | PART,
	  "Median latency of counted tasks (histogram, relative error below "
	  "0.1%)." },
	{ "latency_p90", "s", LO, POOL | REQ | PART,
	  "90th percentile of counted tasks' latency." },
	{ "latency_p95", "s", LO, POOL | REQ | PART | PHASE,
	  "95th percentile of counted tasks' latency (phase/N: of the tasks "
	  "that arrived during step N of a steps() profile)." },
	{ "latency_p99", "s", LO, POOL | REQ | PART | PHASE,
	  "99th percentile of counted tasks' latency (phase/N: of the tasks "
	  "that arrived during step N of a steps() profile)." },
	{ "latency_p999", "s", LO, POOL | REQ | PART,
	  "99.9th percentile of counted tasks' latency." },
	{ "latency_max", "s", LO, POOL | REQ | PART,
	  "Largest latency of a counted task." },
	/* ---- waiting ---- */
	{ "wait_mean", "s", LO, POOL | PART | DS,
	  "Mean time a counted task waited between Submit returning and a "
	  "worker starting it (downstream: a call's wait for a connection)." },
	{ "wait_p95", "s", LO, POOL | PART | DS,
	  "95th percentile of the same wait." },
	{ "wait_p99", "s", LO, POOL | PART | DS,
	  "99th percentile of the same wait." },
	{ "waited_frac", "fraction", LO, POOL,
	  "Share of counted tasks that waited at all for a worker (Erlang C's "
	  "P(W > 0))." },
	{ "blocked_mean", "s", LO, POOL,
	  "Mean time a counted task's producer spent inside Submit (blocked on "
	  "a full pool)." },
	{ "blocked_total_s", "s", LO, POOL,
	  "Sum of the producers' time blocked inside Submit, over counted "
	  "tasks." },
	{ "blocked_per_producer_s", "s", LO, POOL,
	  "blocked_total_s / the number of producers (for `producers = each`, "
	  "per submitting goroutine)." },
	{ "lock_wait_mean", "s", LO, POOL,
	  "Sharded pool: mean wait for a shard queue's mutex per operation." },
	/* ---- levels: time-averages over the window, maxima over the run ---- */
	{ "utilization", "fraction", NE, POOL | DS | STAGE,
	  "Time-average of busy workers / K over the window (autotuned: / the "
	  "time-average K; goroutines: / workers_peak). Downstream: busy "
	  "connections / limit (or / in_use_max when unlimited). Stage: busy "
	  "workers / the stage's K." },
	{ "queue_mean", "tasks", LO, POOL | STAGE,
	  "Time-average number of tasks waiting for a worker over the window "
	  "(stage: items in its input buffer)." },
	{ "queue_max", "tasks", NE, POOL | STAGE,
	  "Largest number of tasks waiting for a worker at any moment." },
	{ "system_mean", "tasks", NE, POOL,
	  "Time-average number of tasks in the system (blocked, queued or "
	  "running) over the window: Little's L = throughput × latency_mean "
	  "(exactly when the window ends with nothing in the system). "
	  "Pipeline: items between the source and the sink." },
	{ "backlog_end", "tasks", LO, POOL,
	  "Tasks in the system (wanted, blocked, queued or running) at the end "
	  "of arrivals: the work the drain after the window has to do." },
	{ "unstable", "flag", LO, POOL,
	  "1 when the backlog grew through the window (overload: the numbers "
	  "are not a steady state and grow with the run's length), else 0; "
	  "NULL for an empty window. The test: the time-average number in "
	  "system over the window's first and last thirds (cut at probe "
	  "points, every window/32..64 s) gives the slope of its linear trend; "
	  "unstable when that trend adds, over the window, more than 1% of "
	  "the window's arrivals and more than 2 sqrt(arrivals) tasks. M/M/1 "
	  "at rho = 1.05 is flagged, at 0.9 not." },
	{ "blocked_frac", "fraction", LO, STAGE,
	  "Pipeline stage: time-average share of its K workers blocked sending "
	  "to a full next stage." },
	{ "workers_peak", "workers", NE, POOL,
	  "Most worker goroutines alive at once." },
	{ "in_use_max", "calls", NE, DS,
	  "Most calls in flight to the downstream at once." },
	{ "calls", "calls", NE, DS,
	  "Calls made to the downstream, warmup included." },
	{ "mem_peak_bytes", "bytes", LO, POOL,
	  "Peak memory: (live goroutines + blocked submitters) × "
	  "`mem.goroutine` + submitted-not-finished tasks × `mem.task`." },
	/* ---- the run's own clock ---- */
	{ "makespan", "s", LO, POOL,
	  "Time of the last completion (of the crash, if one)." },
	{ "drain_s", "s", LO, POOL,
	  "Time from the end of arrivals to the run's end: the drain of "
	  "backlog_end. With `shutdown.at`: from SIGTERM to the last task "
	  "finished or cut off (at most `shutdown.drain`)." },
	{ "cancelled_at", "s", LO, POOL,
	  "Pipeline: time of the first error, which cancels the context." },
	{ "idle_after_cancel_s", "s", LO, POOL,
	  "Pipeline: time from the cancellation until every stage was idle." },
	{ "last_start_s", "s", LO, STAGE,
	  "Pipeline stage: time its last item started." },
	/* ---- autotuner ---- */
	{ "k_mean", "workers", NE, POOL,
	  "Autotuned: time-average K over the window." },
	{ "k_changes", "count", NE, POOL,
	  "Autotuned: number of Tune(n) calls." },
	{ "k_reversals", "count", LO, POOL,
	  "Autotuned: changes of direction (grow after shrink or shrink after "
	  "grow): flapping." },
	{ "k_min", "workers", NE, POOL,
	  "Autotuned: the smallest K of the run (the start included)." },
	{ "k_max", "workers", NE, POOL,
	  "Autotuned: the largest K of the run (the start included)." },
	{ "k_travel", "workers", LO, POOL,
	  "Autotuned: Σ|ΔK| over the run's changes, the distance K moved." },
	{ "k_flap", "ratio", LO, POOL,
	  "Autotuned: k_travel / (k_max - k_min); 1 when K only rose (or "
	  "only fell), 2 for one rise and fall, more when it oscillates; 0 "
	  "when K never moved." },
	{ "worker_seconds", "s", LO, POOL,
	  "Autotuned: ∫K dt over the window (the tuner's cost); k_mean × the "
	  "window's length." },
	{ "admit_rejected", "tasks", LO, POOL,
	  "Autotuned with `autotune.actuator = admit`: Submits the limiter "
	  "refused (in flight at the limit); also counted in `rejected`." },
	{ "tune_skipped", "count", NE, POOL,
	  "Autotuned with aimd, vegas or gradient2: windows with fewer than "
	  "`autotune.window_size` RTT samples, so no decision "
	  "(WindowedLimit)." },
	{ "saturated_s", "s", LO, POOL,
	  "Autotuned: time after warmup with every worker busy (K at its "
	  "limit of usefulness)." },
	/* ---- the scorecard (`slo` with `slo.window`) ---- */
	{ "slo_violation_s", "s", LO, POOL,
	  "With `slo.window`: seconds of the window in violation. Every "
	  "`series.interval` (1 s) the slo's latency quantile is taken over "
	  "the tasks completed in the trailing `slo.window` (latency from "
	  "the producer's want to done; rejected and failed tasks left out), "
	  "as a Prometheus rule on a latency histogram would; each "
	  "evaluation above the target inside the measurement window counts "
	  "one interval. Exact against the target (buckets have an edge at "
	  "it); an evaluation whose window holds no completed task does not "
	  "count." },
	{ "reaction_s", "s", LO, POOL,
	  "With `slo.window`: the slowest recovery after a step up. A step "
	  "up is a change of a steps() or rate(FILE) arrival profile to at "
	  "least 1.2 times the rate before it (a rise from 0 counts; the "
	  "minute-to-minute growth of a smooth curve, or any change inside "
	  "an interp=linear profile, does not), or of a downstream's "
	  "`slowdown` to at least 1.2 times its factor before (a brownout's "
	  "start). If the "
	  "windowed quantile (slo_violation_s) goes over the target after "
	  "the step and before the next one, the step's reaction is the time "
	  "from the step to the first evaluation back at or under it; else "
	  "0. A step still over the target at the end of the window never "
	  "recovered: it counts the time to the window's end (a lower bound) "
	  "and in reaction_unrecovered. NAN when no step up." },
	{ "reaction_unrecovered", "count", LO, POOL,
	  "With `slo.window`: steps up after which the windowed quantile was "
	  "still over the target at the end of the window (reaction_s)." },
	{ "steps_up", "count", NE, POOL,
	  "With `slo.window`: the steps up (of the arrival profile or a "
	  "downstream's slowdown) inside the window that reaction_s scores." },
	/* ---- parts ---- */
	{ "fairness", "index", HI, POOL,
	  "With tenants: Jain's index (Σx)² / (n Σx²) of the tenants' "
	  "throughputs; 1 when equal, 1/n when one takes all." },
	{ "imbalance", "ratio", LO, POOL,
	  "Sharded pool: tasks routed to the busiest shard / the mean per "
	  "shard (1 = even)." },
	{ "reuse_lifo_frac", "fraction", NE, POOL,
	  "ants and tunny: share of tasks handed to an existing worker that "
	  "went to the worker freed most recently (1 = LIFO reuse)." },
	/* ---- alerts ---- */
	{ "first_pending_s", "s", LO, ALERT,
	  "Time the alert first became pending (its condition first held); "
	  "NAN if it never did. For `alert.rule_file`, the first evaluation "
	  "at which promtool reported it pending (or firing)." },
	{ "first_fire_s", "s", LO, ALERT,
	  "Time the alert first became firing (its condition held for its "
	  "`for` duration); NAN if it never fired. For `alert.rule_file`, "
	  "the first evaluation at which promtool reported it firing." },
	{ "fired_s", "s", LO, ALERT,
	  "Total time the alert spent firing (for `alert.rule_file`: "
	  "evaluations found firing x alert.interval)." },
};

/* The series: instantaneous levels at each sample time (not averages). */
static const model_metric series[] = {
	{ "queue_depth", "tasks", LO, POOL | STAGE,
	  "Tasks waiting for a worker at the sample time (blocked submitters "
	  "of a pool without a queue included); stage: items in its input "
	  "buffer." },
	{ "running", "tasks", NE, POOL | STAGE,
	  "Tasks being worked on at the sample time (busy workers)." },
	{ "workers", "workers", NE, POOL,
	  "Worker goroutines alive at the sample time." },
	{ "K", "workers", NE, POOL,
	  "Autotuned: the pool's capacity (Tune(n)), stored at the start, "
	  "at every change (exactly, not sampled) and at the run's end." },
	{ "offered", "1/s", NE, POOL,
	  "Autotuned or scored: arrivals per second since the previous "
	  "sample (every `series.interval`)." },
	{ "in_flight", "tasks", NE, POOL,
	  "Autotuned or scored: tasks submitted (or blocked in Submit) and "
	  "not yet answered, every `series.interval`." },
	{ "latency_window", "s", LO, POOL,
	  "Autotuned or scored: the slo's latency quantile (latency_p99 "
	  "without an slo) over the tasks completed in the trailing "
	  "`slo.window` (one `series.interval` without one), every "
	  "interval; absent when none completed. Bucketed: at most 0.5% "
	  "above the exact quantile, exact against the slo's target." },
	{ "throughput", "1/s", HI, TEN | SVC,
	  "Tasks of the tenant (or service) completed since the previous "
	  "sample, per second." },
	{ "slowdown", "factor", NE, DS,
	  "With `downstream.NAME.slowdown`: the factor on the downstream's "
	  "call time, at the start, at each change of its profile (exactly) "
	  "and at the run's end." },
	{ "in_use", "calls", NE, DS,
	  "Calls in flight to the downstream at the sample time." },
	{ "state", "state", NE, ALERT,
	  "The alert's state at the sample time: 0 inactive, 1 pending (the "
	  "condition holds, not yet for its `for` duration), 2 firing." },
};

const model_metric *model_series(size_t *n)
{
	*n = sizeof series / sizeof series[0];
	return series;
}

const model_metric *model_series_find(const char *name)
{
	for (size_t i = 0; i < sizeof series / sizeof series[0]; i++)
		if (!strcmp(series[i].name, name))
			return &series[i];
	return NULL;
}

static const char *const families[MODEL_SCOPE__COUNT] = {
	"pool", "request", "tenant/NAME", "tier/NAME", "service/NAME",
	"downstream/NAME", "stage/NAME", "phase/N", "alert/NAME"
};

const model_metric *model_metrics(size_t *n)
{
	*n = sizeof rows / sizeof rows[0];
	return rows;
}

const model_metric *model_metric_find(const char *name)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

unsigned model_scope_family(const char *scope)
{
	for (int i = 0; i < MODEL_SCOPE__COUNT; i++) {
		const char *f = families[i];
		size_t n = strcspn(f, "/");
		if (!f[n]) {
			if (!strcmp(scope, f))
				return 1u << i;
		} else if (!strncmp(scope, f, n + 1) && scope[n + 1]) {
			return 1u << i;
		}
	}
	return 0;
}

unsigned model_scope_family_named(const char *family)
{
	for (int i = 0; i < MODEL_SCOPE__COUNT; i++) {
		size_t n = strcspn(families[i], "/");
		if (strlen(family) == n && !strncmp(family, families[i], n))
			return 1u << i;
	}
	return 0;
}

const char *model_scope_family_name(int i)
{
	return i >= 0 && i < MODEL_SCOPE__COUNT ? families[i] : NULL;
}

void model_scope_list(unsigned scopes, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; i < MODEL_SCOPE__COUNT && len < n; i++) {
		if (!(scopes & 1u << i))
			continue;
		int w = snprintf(buf + len, n - len, "%s%s", len ? ", " : "",
				 families[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

int model_metric_is_time(const char *name)
{
	const model_metric *m = model_metric_find(name);
	return m && !strcmp(m->unit, "s");
}
