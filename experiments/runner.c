/*
 * runner.c — plans, the thread pool of runs, resume and precision stopping.
 *
 * Workload: a sweep of tens to thousands of runs, each milliseconds to
 * seconds of CPU; the coordination here is negligible next to model_run.
 * Handing out a job scans points from a cursor (O(points) worst case per
 * job). Workers only simulate; the calling thread is the writer: it sleeps
 * until the oldest finished run is EXP_WAIT_S old (or EXP_BATCH_RUNS are
 * queued, or a worker waits for it, or the sweep is ending), then writes
 * the finished runs in transactions (batches): each run is stored whole or
 * not at all, a Ctrl-C keeps every finished run, a crash loses at most the
 * last EXP_COMMIT_S of them (--resume reruns those). Batches matter for
 * short runs: the writer shares the cores with the workers, and a commit
 * per run was a fifth of its time. Workers wait while the writer is behind
 * (backpressure, see EXP_BACKLOG_S): without it 12k runs of a few ms left
 * 345 MB queued and a kill -9 lost half of them. The WAL is checkpointed
 * on the store's own thread (res_checkpointer_start), or by the writer when
 * idle if that thread could not start.
 *
 * Under MPI (mpi.h) rank 0 replaces its simulating threads by one helper
 * thread that hands jobs to the other ranks and queues their results for
 * the same writer; the other ranks only simulate (serve_rank).
 *
 * Determinism: a run depends only on (config of its point, seed, rep), so
 * the rows do not depend on the thread count. Under `precision`, the
 * decision to add replication r is taken only once replications 0..r-1 of
 * that point are all finished, from exactly their values — also
 * independent of the thread count.
 */
#include "runner.h"
#include "mpi.h"
#include "promrule.h"
#include "sweep.h"
#include "../results/store.h"
#include "../sim/csv.h"
#include "../sim/ps.h"
#include "../sim/stats.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "runner_int.h"

/* ---- the plan ------------------------------------------------------------ */

double exp_run_cost_s(const model_config *c)
{
	double tasks = c->tasks > 0 ? (double)c->tasks : INFINITY;
	double n = 0;   /* arrivals up to duration, or to the profiles' end */
	for (int i = -1; i < c->n_tenants; i++) {
		if (i < 0 && c->n_tenants > 0)
			continue;
		const wl_spec *w = i < 0 ? &c->arrival : &c->tenants[i].arrival;
		double end = c->duration > 0 ? c->duration : INFINITY;
		if (w->kind == WL_CLOSED) {
			double cycle = (w->think ? dist_mean(w->think) : 0) +
				       (c->service ? dist_mean(c->service) : 0);
			n += cycle > 0 ? (double)w->closed_n * end / cycle :
					 INFINITY;
		} else if (w->kind == WL_BURST) {
			n += (double)w->burst_n;
		} else if (w->kind == WL_TRACE) {
			n += (double)w->trace_n;
		} else if (w->kind == WL_STEPS || w->kind == WL_RAMP) {
			double len = 0;   /* the profile ends on its own */
			for (int k = 0; k < w->n_steps; k++)
				len += w->steps[k].dur;
			if (w->kind == WL_RAMP)
				len = w->ramp_dur;
			n += wl_mean_rate(w) * (len < end ? len : end);
		} else {
			n += wl_mean_rate(w) * end;
		}
	}
	if (n < tasks)
		tasks = n;
	/* a task's events: its own, one per downstream call, one per
	 * further pipeline stage */
	double per = (c->fanout > 1 ? c->fanout : 1) *
		     (1.0 + c->n_downstreams +
		      (c->n_stages > 1 ? c->n_stages - 1 : 0));
	double s = tasks * per * EXP_NS_PER_TASK * 1e-9;
	if (c->tune.on && c->tune.period > 0 && c->duration > 0)
		s += c->duration / c->tune.period * EXP_NS_PER_TASK * 1e-9;
	return s;
}

/* "4.2 hours", "3.1e+05 years": a cost for messages. */
static void say_cost(double s, char *buf, size_t len)
{
	if (!isfinite(s))
		snprintf(buf, len, "forever (neither tasks nor duration ends it)");
	else if (s < 86400 * 365.0)
		snprintf(buf, len, "%.3g hours", s / 3600);
	else
		snprintf(buf, len, "%.3g years", s / (86400 * 365.0));
}

/* The run cap and, unless force, each point's cost: diagnostics in d,
 * PS_EPARSE or 0. */
int plan_limits(const exp_ini *ini, const exp_section *sec,
		       const exp_plan *p, const exp_experiment *e, int force,
		       exp_diags *d)
{
	if (p->total_runs > EXP_MAX_RUNS) {
		exp_diag_add(d, ini->path, sec->line, "[%s] takes the runs to "
			     "%ld (%d points x repeat %d%s): more than the %ld "
			     "runs one invocation may expand to; split the "
			     "sweep, lower repeat, or select experiments with -c",
			     sec->name, p->total_runs, e->npts, e->meta.repeat,
			     e->meta.has_precision ? ", the precision ceiling"
						   : "", EXP_MAX_RUNS);
		return PS_EPARSE;
	}
	for (int j = 0; j < e->npts && !force; j++) {
		double cost = exp_run_cost_s(&e->pts[j].cfg);
		if (!(cost > EXP_MAX_RUN_COST_S))
			continue;
		char cs[64];
		say_cost(cost, cs, sizeof cs);
		const exp_kv *t = exp_kvs_get(&e->pts[j].keys, "tasks");
		exp_diag_add(d, ini->path, t ? t->line : sec->line, "[%s]%s%s: "
			     "one run would take about %s of CPU (estimated at "
			     "%.0f ns a task): past an hour a run needs --force",
			     sec->name, *e->pts[j].itervars ? " " : "",
			     e->pts[j].itervars, cs, EXP_NS_PER_TASK);
		return PS_EPARSE;
	}
	return 0;
}

/* ---- execution ------------------------------------------------------------- */

static long run_no(const runner *r, int e, int p, int rep)
{
	const exp_experiment *x = &r->plan->e[e];
	return x->first_run + (long)p * x->meta.repeat + rep;
}

static int selected(const runner *r, long run)
{
	return !r->o->selected || r->o->selected[run];
}

/* Under the lock: the next job, or NULL (with *wait = 1 when one may come
 * later: a precision point waiting for its decision). */
static job *take_job(runner *r, int *wait)
{
	*wait = 0;
	int advance = 1;
	for (int e = r->cur_e; e < r->plan->n; e++) {
		const exp_experiment *x = &r->plan->e[e];
		for (int p = (e == r->cur_e ? r->cur_p : 0); p < x->npts; p++) {
			pstate *s = &r->ps[e][p];
			int prec = x->meta.has_precision;
			int limit = prec ? s->n : x->meta.repeat;
			while (!s->closed && s->next < limit) {
				long run = run_no(r, e, p, s->next);
				if (!selected(r, run) || r->stored[run]) {
					s->next++;
					continue;
				}
				job *j = calloc(1, sizeof *j);
				if (!j)
					return NULL;
				j->e = e;
				j->p = p;
				j->rep = s->next++;
				j->write = !r->stored[run];
				s->inflight++;
				if (++r->handed == r->planned - 2 * r->started)
					pthread_cond_signal(&r->fin);   /* ending */
				return j;
			}
			if (!s->closed && s->next >= x->meta.repeat && !prec)
				s->closed = 1;
			int open = !s->closed &&
				   !(prec && s->next >= x->meta.repeat);
			if (open && prec)
				*wait = 1;
			if ((open || s->inflight) && advance) {
				advance = 0;
				r->cur_e = e;
				r->cur_p = p;
			}
		}
	}
	if (advance) {
		r->cur_e = r->plan->n;
		r->cur_p = 0;
	}
	return NULL;
}

double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Under the lock (or before the workers start): the stopping rule of
 * precision point (e, p), applied as often as the finished replications
 * allow: once 0..n-1 have all finished, close the point when they meet the
 * target or n hit repeat, else admit replication n. Several steps at once
 * only under --resume, where the replications stored earlier are finished
 * from the start. Returns 1 when this call closed the point. */
static int precision_decide(runner *r, int e, int p)
{
	const exp_experiment *x = &r->plan->e[e];
	pstate *s = &r->ps[e][p];
	while (!s->closed) {
		for (int i = 0; i < s->n; i++)
			if (!s->fin[i])
				return 0;
		double *v = malloc((size_t)s->n * sizeof *v);
		int n = 0, bad = 0;
		if (!v)
			return 0;   /* decided again when a replication ends */
		for (int i = 0; i < s->n; i++) {
			if (isnan(s->vals[i])) {
				bad += s->fin[i] == 1;
				continue;
			}
			v[n++] = s->vals[i];
		}
		double mean, hw = n >= 2 ? stats_ci95(v, n, &mean) : INFINITY;
		free(v);
		if (n < 2)
			mean = 0;
		s->halfw_rel = mean != 0 ? hw / fabs(mean) :
			       (hw == 0 ? 0 : INFINITY);
		s->met = !bad && n >= 2 && s->halfw_rel < x->meta.precision_rel;
		if (s->met || s->n >= x->meta.repeat) {
			s->closed = 1;
			s->out_rep = -1;
			for (int i = s->n - 1; i >= 0 && s->out_rep < 0; i--)
				if (s->fin[i] == 1)
					s->out_rep = i;
			return 1;
		}
		s->n++;
	}
	return 0;
}

/* Under the lock, after job j of a precision point finished. Returns 1
 * when j closed the point. */
static int precision_step(runner *r, const job *j)
{
	const exp_experiment *x = &r->plan->e[j->e];
	pstate *s = &r->ps[j->e][j->p];
	s->vals[j->rep] = j->rc ? NAN :
		model_result_get(&j->res, "pool", x->meta.precision_metric);
	s->fin[j->rep] = 1;
	return precision_decide(r, j->e, j->p);
}

/* Under the lock: j has finished. Its point's bookkeeping, and under
 * precision the decision it may complete, happen here rather than in the
 * writer, so that no worker waits for the writer. The writer is woken only
 * when the queue was empty (it then sleeps until the first job is
 * EXP_WAIT_S old) or holds EXP_BATCH_RUNS: one wake-up per batch, not
 * per run, so a worker is not preempted after each run to store it. */
static void job_done(runner *r, job *j)
{
	r->ps[j->e][j->p].inflight--;
	if (j->rc == PS_EINTR) {
		/* Ctrl-C stopped it midway: not a result, nothing to store
		 * (--resume runs it again) */
		j->next = NULL;
		drop(j);
		return;
	}
	if (r->plan->e[j->e].meta.has_precision) {
		j->closed = precision_step(r, j);
		pthread_cond_broadcast(&r->work);   /* a decision may be due */
	}
	j->done_at = now_s();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	j->done_wall = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
	j->rows = r->plan->e[j->e].pts[j->p].keys.n + 3 +
		  (long)j->res.n_scalars + (long)j->res.n_series;
	r->pend_rows += j->rows;
	j->next = NULL;
	if (r->done_tail)
		r->done_tail->next = j;
	else
		r->done_head = j;
	r->done_tail = j;
	if (r->queued++ == 0 || r->queued >= EXP_BATCH_RUNS)
		pthread_cond_signal(&r->fin);
}

/* Under the lock: the writer is behind by more than the backlog bound. */
static int backlogged(const runner *r)
{
	double oldest = r->wr_oldest > 0 ? r->wr_oldest :
			r->done_head ? r->done_head->done_at : 0;
	return r->pend_rows > EXP_BACKLOG_ROWS ||
	       (double)r->pend_rows * r->s_per_row > EXP_BACKLOG_S ||
	       (oldest > 0 && now_s() - oldest > EXP_BACKLOG_S);
}

/* Under the lock, before a worker takes a new run: wait while the writer
 * is behind (the bound of EXP_COMMIT_S and of the backlog's memory). The
 * writer is woken at once rather than at its next deadline. */
static void wait_for_writer(runner *r)
{
	while (!r->stop && backlogged(r)) {
		r->blocked++;
		pthread_cond_signal(&r->fin);
		pthread_cond_wait(&r->room, &r->mu);
		r->blocked--;
	}
}

/* run -v: one line per finished run, with the wall-clock moment it was
 * queued for the writer (so that a test can tell which runs finished
 * before a kill -9). Outside the lock. */
static void say_finished(const runner *r, const job *j)
{
	const exp_experiment *x = &r->plan->e[j->e];
	fprintf(stderr, "poolsim: run %ld finished at %.6f: %s point %d rep %d "
		"(%s), %s, %.3f s\n", run_no(r, j->e, j->p, j->rep),
		j->done_wall, x->name, j->p, j->rep, x->pts[j->p].itervars,
		j->rc ? "failed" : "done", j->wall_s);
}

/* A run whose numbers overflowed is not a result: an infinite scalar or
 * series value makes it a failed run, with the first such value named in
 * its status. (NaN is a metric's documented "none": a latency when no
 * task completed, an alert that never fired; it is stored as NULL.) */
static int check_finite(model_result *res)
{
	for (size_t i = 0; i < res->n_scalars; i++) {
		const model_scalar *m = &res->scalars[i];
		if (isinf(m->value)) {
			snprintf(res->error, sizeof res->error, "%.31s at %.48s is "
				 "%s: the run overflowed, no valid result",
				 m->name, m->scope, m->value > 0 ? "Inf" : "-Inf");
			return PS_EINVAL;
		}
	}
	for (size_t i = 0; i < res->n_series; i++) {
		const model_point *m = &res->series[i];
		if (isinf(m->value) || !isfinite(m->t)) {
			snprintf(res->error, sizeof res->error, "series %.31s at "
				 "%.48s is not finite (t = %.6g s): the run "
				 "overflowed", m->name, m->scope, m->t);
			return PS_EINVAL;
		}
	}
	return 0;
}

/* One run, as a worker thread or an MPI rank does it: simulated, timed,
 * and its series sorted for the writer (res_series_sort) here rather than
 * in the writer, which shares the cores with the workers; on failure the
 * points go in as they are. res is initialised here. */
static int simulate(const exp_experiment *x, int p, int rep,
		    const exp_run_opts *o, model_result *res, double *wall_s)
{
	model_result_init(res);
	double t0 = now_s();
	/* the signal flag, polled inside the run: Ctrl-C ends a long run
	 * within milliseconds, not when it finishes */
	model_limits lim = { o->stop, exp_mem_budget() / o->threads };
	int rc = model_run_with(&x->pts[p].cfg, x->meta.seed, (uint32_t)rep,
				&lim, res);
	*wall_s = now_s() - t0;
	if (!rc)
		rc = check_finite(res);
	res_series_sort(res);
	if (!rc && x->meta.rule_file[0]) {
		/* the user's Prometheus rule, on the sorted series; its
		 * promtool time counts in the run's wall time */
		rc = exp_promrule_eval(x, p, rep, res);
		res_series_sort(res);
		*wall_s = now_s() - t0;
	}
	return rc;
}

static void *worker(void *u)
{
	runner *r = u;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		int wait = 0;
		wait_for_writer(r);
		job *j = r->stop || (r->o->stop && *r->o->stop) ? NULL :
			 take_job(r, &wait);
		if (!j) {
			if (!r->stop && wait) {
				pthread_cond_wait(&r->work, &r->mu);
				continue;
			}
			break;
		}
		pthread_mutex_unlock(&r->mu);
		j->rc = simulate(&r->plan->e[j->e], j->p, j->rep, r->o, &j->res,
				 &j->wall_s);
		pthread_mutex_lock(&r->mu);
		int kept = j->rc != PS_EINTR;   /* else job_done frees it */
		job_done(r, j);
		if (r->o->verbose && kept) {
			job jv = *j;   /* the writer may free j once unlocked */
			pthread_mutex_unlock(&r->mu);
			say_finished(r, &jv);
			pthread_mutex_lock(&r->mu);
		}
	}
	r->live--;
	pthread_cond_signal(&r->fin);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Rank 0 under MPI: the stand-in for worker threads. Keeps every other
 * rank busy with one job from take_job, queues each result as a worker
 * would, and tells the ranks to stop when no job is left. */
static void *mpi_proxy(void *u)
{
	runner *r = u;
	int n = exp_mpi_size(), busy = 0, failed = 0;
	job **on = calloc((size_t)n, sizeof *on);
	pthread_mutex_lock(&r->mu);
	for (;;) {
		int wait = 0;
		for (int k = 1; on && k < n && !r->stop && !failed &&
				!backlogged(r); k++) {
			if (on[k])
				continue;
			job *j = take_job(r, &wait);
			if (!j)
				break;
			on[k] = j;
			busy++;
			pthread_mutex_unlock(&r->mu);
			failed = exp_mpi_send_job(k, j->e, j->p, j->rep) != 0;
			pthread_mutex_lock(&r->mu);
		}
		if (busy == 0 && on && !r->stop && !failed && backlogged(r)) {
			wait_for_writer(r);
			continue;
		}
		if (busy == 0 || !on) {
			if (on && !r->stop && !failed && wait) {
				pthread_cond_wait(&r->work, &r->mu);
				continue;
			}
			break;
		}
		pthread_mutex_unlock(&r->mu);
		int from = 0, rc = 0;
		double wall = 0;
		model_result res;
		model_result_init(&res);
		int mrc = exp_mpi_recv_result(&from, &rc, &wall, &res);
		pthread_mutex_lock(&r->mu);
		if (mrc || from <= 0 || from >= n || !on[from]) {
			model_result_fini(&res);
			failed = 1;   /* a broken transport: stop handing out */
			break;
		}
		job *j = on[from];
		on[from] = NULL;
		busy--;
		j->res = res;
		j->rc = rc;
		j->wall_s = wall;
		int kept = rc != PS_EINTR;   /* else job_done frees it */
		job_done(r, j);
		if (r->o->verbose && kept) {
			job jv = *j;
			pthread_mutex_unlock(&r->mu);
			say_finished(r, &jv);
			pthread_mutex_lock(&r->mu);
		}
	}
	pthread_mutex_unlock(&r->mu);
	if (!r->o->keep_ranks)
		exp_mpi_send_stop_all();
	for (int k = 1; on && k < n; k++)
		if (on[k]) {
			model_result_init(&on[k]->res);
			drop(on[k]);
		}
	free(on);
	pthread_mutex_lock(&r->mu);
	r->live--;
	pthread_cond_signal(&r->fin);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Ranks >= 1 under MPI: simulate whatever rank 0 hands out until it says
 * stop. The plan is the same on every rank (same command line). */
static int serve_rank(const exp_plan *plan, const exp_run_opts *o)
{
	int e, p, rep;
	while (exp_mpi_recv_job(&e, &p, &rep)) {
		model_result res;
		int rc = PS_EINVAL;
		double wall = 0;
		if (e >= 0 && e < plan->n && p >= 0 && p < plan->e[e].npts)
			rc = simulate(&plan->e[e], p, rep, o, &res, &wall);
		else
			model_result_init(&res);
		int src = exp_mpi_send_result(rc, wall, &res);
		model_result_fini(&res);
		if (src)
			return src;
	}
	return 0;
}

/* Starts want workers (or the MPI proxy); returns how many started. */
static int start_workers(runner *r, pthread_t *th, int want, int mpi)
{
	int n;
	pthread_mutex_lock(&r->mu);
	r->live = r->started = want;
	pthread_mutex_unlock(&r->mu);
	for (n = 0; n < want; n++)
		if (pthread_create(&th[n], NULL, mpi ? mpi_proxy : worker, r)) {
			pthread_mutex_lock(&r->mu);
			r->live -= want - n;
			r->started = n;
			pthread_mutex_unlock(&r->mu);
			break;
		}
	return n;
}

struct stored_ctx {
	runner *r;
	exp_run_stats *st;
	int e;
};

/* res_runs_done's callback under --resume: a run already stored is
 * marked, skipped and no longer planned. */
static int mark_stored(void *u, int p, int rep, double value)
{
	struct stored_ctx *c = u;
	const exp_experiment *x = &c->r->plan->e[c->e];
	if (p < 0 || p >= x->npts || rep < 0 || rep >= x->meta.repeat)
		return 0;   /* not of this plan */
	long run = run_no(c->r, c->e, p, rep);
	if (selected(c->r, run) && !c->r->stored[run]) {
		c->r->stored[run] = 1;
		c->r->planned--;
		c->st->skipped++;
		pstate *s = &c->r->ps[c->e][p];
		if (x->meta.has_precision) {
			s->vals[rep] = value;
			s->fin[rep] = 1;
		}
	}
	return 0;
}

/* The experiment rows (of experiments with a selected run; -r may leave
 * none), and under --resume the runs already stored: marked, skipped, and
 * no longer planned. */
static int begin_experiments(runner *r, res_db *db, int64_t *ids,
			     exp_run_stats *st, char *err, size_t errlen)
{
	const exp_plan *plan = r->plan;
	for (int e = 0; e < plan->n; e++) {
		const exp_experiment *x = &plan->e[e];
		int any = 0;
		for (long k = 0; k < (long)x->npts * x->meta.repeat && !any; k++)
			any = selected(r, x->first_run + k);
		if (!any)
			continue;
		int rc = res_experiment_begin(db, x->name, x->description,
					      x->text, r->o->resume, &ids[e],
					      err, errlen);
		/* Under precision the stopping rule decides the runs, under
		 * a goal (goal.c) the search the points too: not known here. */
		int goal = x->meta.goal.kind != EXP_GOAL_NONE;
		if (!rc)
			rc = res_experiment_plan(db, ids[e], x->meta.has_precision ||
						 goal ? -1 : (long)x->npts *
						 x->meta.repeat, goal ? -1 :
						 x->npts, err, errlen);
		if (rc)
			return rc;
		if (!r->o->resume)
			continue;
		struct stored_ctx c = { r, st, e };
		int prec = x->meta.has_precision;
		if (res_runs_done(db, ids[e], prec ? x->meta.precision_metric :
				  NULL, mark_stored, &c))
			return ps_err(err, errlen, PS_EDB, "%s: reading the stored "
				      "runs: %s", r->o->db_path, res_errmsg(db));
		/* Precision goes on from the stored replications: the
		 * decisions they allow are taken now, exactly as they were
		 * (or would have been) when they finished. */
		for (int p = 0; prec && p < x->npts; p++) {
			if (r->ps[e][p].closed || !precision_decide(r, e, p))
				continue;
			rc = write_outcome(r, db, ids, e, p, err, errlen);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static void progress(const runner *r, long done, uint64_t events, double t0,
		     int final)
{
	double el = now_s() - t0;
	double eps = el > 0 ? (double)events / el : 0;
	double eta = done > 0 ? el * (double)(r->planned - done) / (double)done : 0;
	/* A terminal gets one line redrawn; run -v into a file, a line a
	 * second among the others. */
	int tty = r->o->progress && !r->o->verbose;
	fprintf(stderr, "%s%ld/%ld runs  %.3g events/s  ETA %.0fs%s", tty ?
		"\r" : "poolsim: progress: ", done, r->planned, eps,
		eta < 0 ? 0 : eta, !tty ? "\n" : final ? "   \n" : "   ");
	fflush(stderr);
}

int exp_run(const exp_plan *plan, const exp_run_opts *o, exp_run_stats *st,
	    char *err, size_t errlen)
{
	runner r = { 0 };
	res_db *db = NULL;
	memset(st, 0, sizeof *st);
	if (exp_mpi_rank() > 0)
		return serve_rank(plan, o) ? ps_err(err, errlen, PS_EIO,
						 "MPI transport failed") : 0;
	int mpi = exp_mpi_size() > 1;   /* rank 0 of several: only the proxy */
	int64_t *ids = calloc((size_t)plan->n + 1, sizeof *ids);
	pthread_t *th = calloc((size_t)o->threads, sizeof *th);
	int rc = 0, nth = 0;
	r.plan = plan;
	r.o = o;
	r.ps = calloc((size_t)plan->n + 1, sizeof *r.ps);
	r.stored = calloc((size_t)plan->total_runs + 1, 1);
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.work, NULL);
	pthread_cond_init(&r.fin, NULL);
	pthread_cond_init(&r.room, NULL);
	r.s_per_row = EXP_ROW_S0;
	if (!ids || !th || !r.ps || !r.stored) {
		rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = res_open(o->db_path, 0, &db, err, errlen)))
		goto out;
	for (int e = 0; e < plan->n; e++) {
		const exp_experiment *x = &plan->e[e];
		r.ps[e] = calloc((size_t)x->npts + 1, sizeof *r.ps[e]);
		if (!r.ps[e]) {
			rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
			goto out;
		}
		for (int p = 0; p < x->npts; p++) {
			if (x->meta.has_precision) {
				pstate *s = &r.ps[e][p];
				s->vals = malloc((size_t)x->meta.repeat *
						 sizeof(double));
				s->fin = calloc((size_t)x->meta.repeat, 1);
				if (!s->vals || !s->fin) {
					rc = ps_err(err, errlen, PS_ENOMEM, "out of memory");
					goto out;
				}
				s->n = x->meta.repeat < EXP_PRECISION_MIN ?
				       x->meta.repeat : EXP_PRECISION_MIN;
				for (int i = 0; i < x->meta.repeat; i++) {
					s->vals[i] = NAN;
					if (!selected(&r, run_no(&r, e, p, i)))
						s->fin[i] = 2;
				}
				/* -r may leave nothing to wait for */
				precision_decide(&r, e, p);
			}
			for (int i = 0; i < x->meta.repeat; i++)
				r.planned += selected(&r, run_no(&r, e, p, i));
		}
	}
	/* Without --resume the workers need nothing from the database:
	 * start them first, and the schema of a new file (res_open) is
	 * created while the first runs simulate rather than before. */
	int want = mpi ? 1 : o->threads;
	if (!o->resume && (nth = start_workers(&r, th, want, mpi)) == 0) {
		rc = ps_err(err, errlen, PS_ENOMEM, "cannot start threads");
		goto out;
	}
	if ((rc = begin_experiments(&r, db, ids, st, err, errlen))) {
		pthread_mutex_lock(&r.mu);
		r.stop = 1;
		pthread_cond_broadcast(&r.work);
		pthread_cond_broadcast(&r.room);
		pthread_mutex_unlock(&r.mu);
		goto out;
	}
	/* A failure to start it only leaves the checkpoints to the writer. */
	res_checkpointer_start(db, NULL, 0);
	if (o->resume && (nth = start_workers(&r, th, want, mpi)) == 0) {
		rc = ps_err(err, errlen, PS_ENOMEM, "cannot start threads");
		goto out;
	}
	double t0 = now_s(), last = 0;
	uint64_t events = 0;
	long done = 0;
	pthread_mutex_lock(&r.mu);
	for (;;) {
		/* Sleep until the oldest finished run is EXP_WAIT_S old, the
		 * queue holds a batch, or the sweep is ending: once at most two
		 * jobs per worker are left to hand out (or a worker has left,
		 * when precision makes the count uncertain) write at once, so
		 * that the backlog is stored while the last runs simulate and
		 * only the very last run waits for the writer. */
		while (r.live > 0) {
			double wait = 0.2;   /* s: polls *stop, redraws progress */
			if (r.done_head) {
				if (r.queued >= EXP_BATCH_RUNS || r.blocked ||
				    r.handed >= r.planned - 2 * r.started ||
				    r.live < r.started)
					break;
				wait = r.done_head->done_at + EXP_WAIT_S - now_s();
				if (wait <= 0)
					break;
				if (wait > 0.2)
					wait = 0.2;
			}
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			long ns = ts.tv_nsec + (long)(wait * 1e9);
			ts.tv_sec += ns / 1000000000L;
			ts.tv_nsec = ns % 1000000000L;
			pthread_cond_timedwait(&r.fin, &r.mu, &ts);
			if (o->stop && *o->stop && !r.stop) {
				r.stop = 1;
				rc = PS_EINTR;
				pthread_cond_broadcast(&r.work);
				pthread_cond_broadcast(&r.room);
			}
			if ((o->progress || o->verbose) &&
			    now_s() - last > (o->verbose ? 1.0 : 0.2)) {
				last = now_s();
				progress(&r, done, events, t0, 0);
			}
		}
		job *batch = r.done_head;
		if (!batch)
			break;   /* no worker left, nothing queued */
		r.done_head = r.done_tail = NULL;
		r.queued = 0;
		r.wr_oldest = batch->done_at;
		int ending = r.live == 0;
		pthread_mutex_unlock(&r.mu);
		int wrc = 0;
		while (batch) {
			job *j = batch;
			batch = j->next;
			const exp_experiment *x = &plan->e[j->e];
			pstate *s = &r.ps[j->e][j->p];
			int closed = j->closed, jp = j->p, w;
			long rows = j->rows;
			done++;
			events += j->res.events;
			/* Precision runs too are written as they finish;
			 * the outcome goes on the point's last admitted run
			 * (out_rep), with it when that run closed the point,
			 * else after it: every other run of the point
			 * finished, and so was queued, before the closing
			 * one. The rows do not depend on -j. */
			int here = closed && s->out_rep == j->rep;
			int je = j->e;
			w = write_one(&r, db, ids, j, here, st,
				      wrc ? NULL : err, errlen);
			if (!w && closed && !here)
				w = write_outcome(&r, db, ids, je, jp,
						  wrc ? NULL : err, errlen);
			if (w && !wrc)
				wrc = w;
			pthread_mutex_lock(&r.mu);
			r.pend_rows -= rows;
			r.wr_oldest = batch ? batch->done_at : 0;
			if (r.blocked && !backlogged(&r))
				pthread_cond_broadcast(&r.room);
			pthread_mutex_unlock(&r.mu);
			if (closed) {
				if (o->progress && !o->verbose)
					fputc('\n', stderr);
				fprintf(stderr, "poolsim: %s%s%s: %s half-width "
					"%.3g%% of the mean after %d replications: "
					"target %.3g%% %s\n", x->name,
					*x->pts[jp].itervars ? " " : "",
					x->pts[jp].itervars,
					x->meta.precision_metric,
					100 * s->halfw_rel, s->n,
					100 * x->meta.precision_rel,
					s->met ? "met" : "NOT met (repeat reached)");
			}
		}
		int crc = batch_commit(&r, db, st, wrc ? NULL : err, errlen);
		if (crc && !wrc)
			wrc = crc;
		/* Idle until the next batch: checkpoint now rather than in
		 * res_close, at the end. A failure loses nothing. */
		if (!wrc && !ending)
			res_checkpoint(db);
		pthread_mutex_lock(&r.mu);
		if (wrc && !r.stop) {
			r.stop = 1;
			rc = wrc;
			pthread_cond_broadcast(&r.work);
			pthread_cond_broadcast(&r.room);
		}
		if (o->stop && *o->stop && !r.stop) {
			r.stop = 1;
			rc = PS_EINTR;
			pthread_cond_broadcast(&r.work);
			pthread_cond_broadcast(&r.room);
		}
	}
	pthread_mutex_unlock(&r.mu);
	/* The end, Ctrl-C or an error: what is written is committed. */
	int crc = batch_commit(&r, db, st, rc && rc != PS_EINTR ? NULL : err,
			       errlen);
	if (crc && (!rc || rc == PS_EINTR))
		rc = crc;
	if (o->progress || o->verbose)
		progress(&r, done, events, t0, 1);
	if (rc == PS_EINTR)
		ps_err(err, errlen, PS_EINTR, "interrupted");
out:
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	if (mpi && nth == 0)
		exp_mpi_send_stop_all();   /* failed before the proxy started */
	st->kept = st->written + st->skipped;
	if (o->ids_out && ids)
		memcpy(o->ids_out, ids, (size_t)plan->n * sizeof *ids);
	for (job *j = r.done_head; j;) {
		job *nx = j->next;
		model_result_fini(&j->res);
		free(j);
		j = nx;
	}
	for (int e = 0; r.ps && e < plan->n; e++) {
		for (int p = 0; r.ps[e] && p < plan->e[e].npts; p++) {
			free(r.ps[e][p].vals);
			free(r.ps[e][p].fin);
		}
		free(r.ps[e]);
	}
	free(r.ps);
	free(r.stored);
	free(ids);
	free(th);
	res_close(db);
	pthread_cond_destroy(&r.work);
	pthread_cond_destroy(&r.fin);
	pthread_cond_destroy(&r.room);
	pthread_mutex_destroy(&r.mu);
	return rc;
}
