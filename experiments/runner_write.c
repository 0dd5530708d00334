/*
 * runner_write.c — the writer's side of the runner: finished runs into
 * the database in batches (results/ is the only SQLite client), and the
 * jobs freed after.
 */
#include "runner_int.h"

/* The outcome of the stopping rule, as run_params of the point's last
 * admitted run (precision_met, precision_halfwidth) into out[0..2);
 * hw is their storage. Returns 2. */
static int outcome_params(const pstate *s, res_param *out, char *hw)
{
	out[0] = (res_param){ "precision_met", s->met ? "yes" : "no" };
	snprintf(hw, 64, "%.3g%%", 100 * s->halfw_rel);
	out[1] = (res_param){ "precision_halfwidth", hw };
	return 2;
}

static int write_job(runner *r, res_db *db, const int64_t *ids, const job *j,
		     int closed, char *err, size_t errlen)
{
	const exp_experiment *x = &r->plan->e[j->e];
	const exp_point *pt = &x->pts[j->p];
	const pstate *s = &r->ps[j->e][j->p];
	int np = pt->keys.n;
	res_param *params = calloc((size_t)np + 2, sizeof *params);
	if (!params)
		return ps_err(err, errlen, PS_ENOMEM, "out of memory");
	for (int i = 0; i < np; i++)
		params[i] = (res_param){ pt->keys.v[i].key, pt->keys.v[i].value };
	char hw[64];
	if (closed)
		np += outcome_params(s, params + np, hw);
	char status[256];
	if (!j->rc)
		snprintf(status, sizeof status, "done");
	else if (j->res.error[0])
		snprintf(status, sizeof status, "error: %s", j->res.error);
	else
		snprintf(status, sizeof status, "error: model_run failed (%d)",
			 j->rc);
	res_run run = {
		.experiment_id = ids[j->e], .point = j->p,
		.replication = j->rep, .seed = x->meta.seed,
		.itervars = pt->itervars, .status = status,
		.wall_s = j->wall_s, .events = j->res.events,
		.params = params, .n_params = np,
		.result = j->rc ? NULL : &j->res,
	};
	int rc = res_run_write(db, &run, err, errlen);
	free(params);
	return rc;
}

void drop(job *j)
{
	while (j) {
		job *nx = j->next;
		model_result_fini(&j->res);
		free(j);
		j = nx;
	}
}

/* Commits the open batch, if any; its runs then count as written. The
 * batch's time per row, commit included, updates the writer's cost that
 * backpressure uses (a moving average: the cost grows as the WAL fills
 * and falls after a checkpoint). */
int batch_commit(runner *r, res_db *db, exp_run_stats *st, char *err,
			size_t errlen)
{
	int open = res_batch_open(db);
	int rc = res_batch_commit(db, err, errlen);
	if (!rc) {
		st->written += r->batch_runs;
		st->failed += r->batch_failed;
	} else {
		r->broken = 1;
	}
	if (open && !rc && r->batch_rows > 0) {
		double el = now_s() - r->batch_t0;
		pthread_mutex_lock(&r->mu);
		r->s_per_row = 0.7 * r->s_per_row +
			       0.3 * el / (double)r->batch_rows;
		pthread_mutex_unlock(&r->mu);
		if (r->o->verbose)
			fprintf(stderr, "poolsim: committed %ld runs (%ld rows "
				"in %.3f s)\n", r->batch_runs, r->batch_rows, el);
	}
	r->batch_runs = r->batch_failed = r->batch_rows = 0;
	return rc;
}

/* Writes j into the batch (opening one; when it is not stored already)
 * and frees it. */
int write_one(runner *r, res_db *db, const int64_t *ids, job *j,
		     int closed, exp_run_stats *st, char *err, size_t errlen)
{
	int rc = 0;
	if (j->write && !r->broken) {
		if (r->batch_runs == 0) {
			r->batch_t0 = now_s();
			r->batch_oldest = j->done_at;
			rc = res_batch_begin(db, err, errlen);
		}
		if (!rc)
			rc = write_job(r, db, ids, j, closed, err, errlen);
		if (!rc) {
			r->batch_runs++;
			r->batch_rows += j->rows;
			r->batch_failed += j->rc != 0;
			if (r->batch_runs >= EXP_BATCH_RUNS ||
			    now_s() - r->batch_oldest >= EXP_BATCH_AGE_S)
				rc = batch_commit(r, db, st, err, errlen);
		} else {
			/* Nothing more is written; the batch's earlier runs
			 * are committed by the collector's next batch_commit,
			 * unless SQLite took the batch back with the run. */
			r->broken = 1;
			if (!res_batch_open(db))
				r->batch_runs = r->batch_failed = 0;
		}
	}
	j->next = NULL;
	drop(j);
	return rc;
}

/* The outcome of closed precision point (e, p) added to its run
 * out_rep, which is stored already (or earlier in the open batch): when the
 * run that closed the point was another, or when --resume closed it from
 * stored replications (idempotent: the same rows again). */
int write_outcome(runner *r, res_db *db, const int64_t *ids, int e,
			 int p, char *err, size_t errlen)
{
	const pstate *s = &r->ps[e][p];
	if (r->broken || s->out_rep < 0)
		return 0;
	res_param par[2];
	char hw[64];
	outcome_params(s, par, hw);
	int rc = 0;
	if (!res_batch_open(db)) {
		r->batch_t0 = r->batch_oldest = now_s();
		r->batch_runs = r->batch_failed = r->batch_rows = 0;
		rc = res_batch_begin(db, err, errlen);
	}
	if (!rc)
		rc = res_run_params_set(db, ids[e], p, s->out_rep, par, 2, err,
					errlen);
	if (rc)
		r->broken = 1;
	return rc;
}

