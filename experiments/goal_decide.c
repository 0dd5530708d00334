/*
 * goal_decide.c — the decisions of a goal search (docs/goals.md): SLO by
 * one-sided t bounds with Bonferroni, optimize by Kim-Nelson's fully
 * sequential procedure on paired differences, the indifference set.
 */
#include "goal_int.h"

/* Replications 0..n-1 of p against every objective, each at level a
 * (one-sided). */
static int slo_status(const search *s, int p, int n, double a)
{
	const exp_goal *g = s->g;
	int open = 0;
	double *v = s->vals[g->nslo][p];        /* unstable */
	for (int r = 0; r < n; r++)
		if (!(v[r] == 0))
			return ST_FAIL;         /* unstable, failed or missing */
	for (int k = 0; k < g->nslo; k++) {
		const double *y = s->vals[k][p];
		for (int r = 0; r < n; r++)
			if (isnan(y[r]))
				return ST_FAIL;
		double m = now_mean(y, n), sd = sqrt(sample_var(y, n, m));
		double hw = sd == 0 ? 0 : n < 2 ? INFINITY :
			    gsl_cdf_tdist_Pinv(1 - a, n - 1) * sd / sqrt(n);
		double t = g->slo[k].target;
		int pass = g->slo[k].less ? m + hw < t : m - hw > t;
		int fail = g->slo[k].less ? m - hw >= t : m + hw <= t;
		if (fail)
			return ST_FAIL;
		if (!pass)
			open = 1;
	}
	return open ? ST_OPEN : ST_PASS;
}

/* Points in[0..k) each to a decision, stage by stage together. */
static int slo_decide(search *s, const int *pts, int k, double a, int *status,
		      int *nreps)
{
	int *want = calloc((size_t)s->n, sizeof *want);
	if (!want)
		return ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
	int rc = 0;
	for (int n = next_n(s, 0);; n = next_n(s, n)) {
		int any = 0;
		memset(want, 0, (size_t)s->n * sizeof *want);
		for (int i = 0; i < k; i++)
			if (status[pts[i]] == ST_OPEN) {
				want[pts[i]] = n;
				any = 1;
			}
		if (!any)
			break;
		if ((rc = stage(s, want)))
			break;
		for (int i = 0; i < k; i++)
			if (status[pts[i]] == ST_OPEN) {
				status[pts[i]] = slo_status(s, pts[i], n, a);
				nreps[pts[i]] = n;
				if (status[pts[i]] == ST_OPEN && n >= s->R)
					status[pts[i]] = ST_UNDECIDED;
			}
		if (n >= s->R)
			break;
	}
	free(want);
	return rc;
}

int slo_search(search *s, exp_answer *a)
{
	const exp_goal *g = s->g;
	int n = s->n, rc = 0;
	int *status = calloc((size_t)n, sizeof *status);
	int *nreps = calloc((size_t)n, sizeof *nreps);
	unsigned char *in = calloc((size_t)n, 1);
	if (!status || !nreps || !in) {
		rc = ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	double alpha = 1 - g->confidence;
	int first_pass = -1;    /* index in order */
	if (g->shape == EXP_SHAPE_MONOTONE) {
		int D = 1;
		while ((1 << D) < n + 1)
			D++;
		double aa = alpha / ((double)D * g->nslo * s->looks);
		int lo = -1, hi = n;   /* order indices: lo fails, hi passes */
		for (;;) {
			/* the untried index in (lo, hi) nearest the middle */
			int mid = -1, best = 0;
			for (int i = lo + 1; i < hi; i++) {
				if (status[s->order[i]] != ST_OPEN)
					continue;
				int d = abs(2 * i - (lo + hi));
				if (mid < 0 || d < best) {
					mid = i;
					best = d;
				}
			}
			if (mid < 0)
				break;
			int p = s->order[mid];
			if ((rc = slo_decide(s, &p, 1, aa, status, nreps)))
				goto out;
			if (status[p] == ST_PASS)
				hi = mid;
			else if (status[p] == ST_FAIL)
				lo = mid;
		}
		first_pass = hi < n ? hi : -1;
		int und = 0;
		for (int i = lo + 1; i < hi; i++)
			if (status[s->order[i]] == ST_UNDECIDED) {
				in[s->order[i]] = 1;
				und = 1;
			}
		a->decided = !und;
		if (und && hi < n)
			in[s->order[hi]] = 1;
	} else {
		double aa = alpha / ((double)n * g->nslo * s->looks);
		/* every point, stage by stage; points above the first that
		 * passes cannot be the answer and drop out */
		int *want = calloc((size_t)n, sizeof *want);
		if (!want) {
			rc = ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
			goto out;
		}
		for (int r = next_n(s, 0);; r = next_n(s, r)) {
			memset(want, 0, (size_t)n * sizeof *want);
			int any = 0;
			for (int i = 0; i < n; i++) {
				int p = s->order[i];
				if (status[p] == ST_PASS)
					break;
				if (status[p] == ST_OPEN) {
					want[p] = r;
					any = 1;
				}
			}
			if (!any)
				break;
			if ((rc = stage(s, want))) {
				free(want);
				goto out;
			}
			for (int p = 0; p < n; p++)
				if (want[p]) {
					status[p] = slo_status(s, p, r, aa);
					nreps[p] = r;
					if (status[p] == ST_OPEN && r >= s->R)
						status[p] = ST_UNDECIDED;
				}
			if (r >= s->R)
				break;
		}
		free(want);
		int und = 0;
		for (int i = 0; i < n; i++) {
			int p = s->order[i];
			if (status[p] == ST_PASS) {
				first_pass = i;
				break;
			}
			if (status[p] == ST_UNDECIDED) {
				in[p] = 1;
				und = 1;
			}
		}
		a->decided = !und;
		if (und && first_pass >= 0)
			in[s->order[first_pass]] = 1;
	}
	char pw[300], list[1024];
	a->point = first_pass >= 0 ? s->order[first_pass] : -1;
	a->found = first_pass >= 0;
	if (a->point >= 0) {
		setf(a->chosen, sizeof a->chosen, "%s",
			 s->x->pts[a->point].itervars);
		point_words(s, a->point, pw, sizeof pw);
	}
	value_list(s, in, list, sizeof list);
	if (!a->decided)
		setf(a->indifferent, sizeof a->indifferent, "%s", list);
	and_last(list, sizeof list);
	char objs[300] = "";
	for (int k = 0; k < g->nslo; k++)
		appendf(objs, sizeof objs, "%s%s", k ? " and " : "",
			g->slo[k].text);
	if (a->decided && a->found)
		setf(a->text, sizeof a->text, "%s is the smallest %s with "
			 "%s at %g%% confidence (one-sided)", pw, var_word(s),
			 objs, 100 * g->confidence);
	else if (a->decided)
		setf(a->text, sizeof a->text, "no %s in the range meets "
			 "%s: every one fails at %g%% confidence (one-sided)",
			 var_word(s), objs, 100 * g->confidence);
	else
		setf(a->text, sizeof a->text, "undecided between %s = %s%s "
			 "(the smallest %s with %s at %g%% confidence: repeat "
			 "= %d was not enough)", var_word(s), list,
			 a->found ? "" : " or none in the range", var_word(s),
			 objs, 100 * g->confidence, s->R);
	/* The monotone shape, on the points run: an objective's metric
	 * significantly worse at a larger value than at a smaller one. */
	if (g->shape == EXP_SHAPE_MONOTONE) {
		for (int k = 0; k < g->nslo && !a->warning[0]; k++)
			for (int i = 0; i < n && !a->warning[0]; i++)
				for (int j = i + 1; j < n && !a->warning[0]; j++) {
					int pi = s->order[i], pj = s->order[j];
					int m = nreps[pi] < nreps[pj] ? nreps[pi] :
						nreps[pj];
					if (m < 2)
						continue;
					double d[m > 0 ? m : 1];
					int bad = 0;
					for (int r = 0; r < m; r++) {
						d[r] = s->vals[k][pj][r] - s->vals[k][pi][r];
						if (!g->slo[k].less)
							d[r] = -d[r];
						bad |= isnan(d[r]);
					}
					if (bad)
						continue;
					double mu = now_mean(d, m);
					double sd = sqrt(sample_var(d, m, mu));
					double t = gsl_cdf_tdist_Pinv(1 - alpha /
						(double)(n * n), m - 1);
					if (mu - t * sd / sqrt(m) > 0) {
						char wi[300], wj[300];
						point_words(s, pi, wi, sizeof wi);
						point_words(s, pj, wj, sizeof wj);
						setf(a->warning, sizeof a->warning,
							 "the data contradict slo.shape = "
							 "monotone: %s is worse at %s than at "
							 "%s", g->slo[k].metric, wj, wi);
					}
				}
	}
out:
	free(status);
	free(nreps);
	free(in);
	return rc;
}

/* X of point p, replication r, in the "larger is better" orientation. */
static double xval(const search *s, int p, int r)
{
	double v = s->vals[0][p][r];
	return s->g->maximize ? v : -v;
}

/* Below this predictive probability of being told apart by repeat, a
 * pair is not worth more replications (kn's futility stop). */
#define FUTILE 0.05

/* The paired differences X_a - X_b over replications 0..n-1: their mean
 * and sample standard deviation; 0, or 1 when a value is missing. */
static int pair_stats(const search *s, int a, int b, int n, double *d,
		      double *mean, double *sd)
{
	for (int r = 0; r < n; r++) {
		d[r] = xval(s, a, r) - xval(s, b, r);
		if (isnan(d[r]))
			return 1;
	}
	*mean = now_mean(d, n);
	*sd = sqrt(sample_var(d, n, *mean));
	return 0;
}

/* KN on the points cand[0..k) at level alpha, with a screen beside it.
 * Fills *chosen and in[] (the survivors); returns 0 or an error;
 * *decided = 0 when repeat ran out, or could not decide, with more than
 * one survivor (*need: the replications KN would take, or 0).
 *
 * At every stage boundary r, half of alpha goes to a paired t screen: i
 * is out when it is worse than a survivor l, X_i - X_l's one-sided bound
 * below 0 at alpha / 2 / ((k - 1) L) (Bonferroni over the other points
 * and the L looks: the best point survives every screen with probability
 * at least 1 - alpha / 2). The other half is KN's (its pairwise bounds
 * hold whatever the screen removes). A point far worse than the others
 * but noisy, which KN's variance-scaled region keeps for long, is out at
 * the first boundary.
 *
 * Futility: more replications are not run when no pair left is likely to
 * be decided by repeat: for each, KN's count h^2 S^2 / delta^2 is at least
 * repeat, and the mean difference at repeat predicted from the data so far
 * (normal, flat prior) leaves KN's region or passes the screen's bound
 * with probability below FUTILE. This only ever turns an answer into
 * "undecided" (never a wrong choice), so the guarantee stands. */
static int kn(search *s, const int *cand, int k, double alpha, int *chosen,
	      unsigned char *in, int *decided, double *need)
{
	int n0 = s->g->repeat_min < s->R ? s->g->repeat_min : s->R;
	int rc = 0;
	int *want = calloc((size_t)s->n, sizeof *want);
	int *alive = malloc((size_t)k * sizeof *alive);
	int *keep = malloc((size_t)k * sizeof *keep);
	double *S2 = calloc((size_t)k * (size_t)k, sizeof *S2);
	double *mean = malloc((size_t)k * sizeof *mean);
	double *d = malloc((size_t)s->R * sizeof *d);
	*need = 0;
	if (!want || !alive || !keep || !S2 || !mean || !d) {
		rc = ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < k; i++)
		want[cand[i]] = n0;
	if ((rc = stage(s, want)))
		goto out;
	*decided = 1;
	int na = 0;
	for (int i = 0; i < k; i++) {
		int bad = 0;
		for (int r = 0; r < n0; r++)
			bad |= isnan(xval(s, cand[i], r));
		if (!bad)
			alive[na++] = i;   /* a failed run puts a point out */
	}
	if (na == 0) {
		*chosen = -1;
		goto out;
	}
	/* delta in the metric's unit; a relative one from the first stage */
	double delta = s->g->delta;
	if (s->g->delta_rel) {
		double best = -INFINITY;
		for (int i = 0; i < na; i++) {
			double m = 0;
			for (int r = 0; r < n0; r++)
				m += xval(s, cand[alive[i]], r);
			if (m / n0 > best)
				best = m / n0;
		}
		delta = s->g->delta * fabs(best);
		if (!(delta > 0))
			delta = 1e-12;
	}
	double akn = alpha / 2;
	double ascr = alpha / 2 / ((double)(na > 1 ? na - 1 : 1) * s->looks);
	double eta = 0.5 * (pow(2 * akn / (na > 1 ? na - 1 : 1),
				-2.0 / (n0 - 1)) - 1);
	double h2 = 2 * eta * (n0 - 1);
	for (int i = 0; i < na; i++)
		for (int l = 0; l < na; l++) {
			if (i == l)
				continue;
			for (int r = 0; r < n0; r++)
				d[r] = xval(s, cand[alive[i]], r) -
				       xval(s, cand[alive[l]], r);
			S2[alive[i] * k + alive[l]] =
				sample_var(d, n0, now_mean(d, n0));
		}
	int r = n0;
	for (;;) {
		for (int i = 0; i < na; i++) {
			double m = 0;
			for (int q = 0; q < r; q++)
				m += xval(s, cand[alive[i]], q);
			mean[alive[i]] = m / r;
		}
		/* the screen and KN's elimination, against the survivors of
		 * the previous stage */
		double ts = r > 1 ? gsl_cdf_tdist_Pinv(1 - ascr, r - 1) : INFINITY;
		int nk = 0;
		for (int i = 0; i < na; i++) {
			int ok = 1;
			for (int l = 0; l < na && ok; l++) {
				if (l == i)
					continue;
				int ii = alive[i], ll = alive[l];
				double w = delta / (2.0 * r) *
					   (h2 * S2[ii * k + ll] / (delta * delta) - r);
				if (w < 0)
					w = 0;
				if (mean[ii] < mean[ll] - w)
					ok = 0;
				double dm, sd;
				if (ok && !pair_stats(s, cand[ii], cand[ll], r, d,
						      &dm, &sd) &&
				    (sd == 0 ? dm < 0 : dm + ts * sd / sqrt(r) < 0))
					ok = 0;
			}
			if (ok)
				keep[nk++] = alive[i];
		}
		memcpy(alive, keep, (size_t)nk * sizeof *alive);
		na = nk;
		double nmax = 0;
		for (int i = 0; i < na; i++)
			for (int l = 0; l < na; l++)
				if (i != l) {
					double N = floor(h2 * S2[alive[i] * k + alive[l]] /
							 (delta * delta));
					if (N > nmax)
						nmax = N;
				}
		if (na <= 1 || r > nmax)
			break;
		*need = nmax + 1;
		if (r >= s->R) {
			*decided = 0;
			break;
		}
		/* futility: can any pair left still be decided by repeat? */
		int R = s->R, hope = 0;
		double tR = gsl_cdf_tdist_Pinv(1 - ascr, R - 1);
		for (int i = 0; i < na && !hope; i++)
			for (int l = i + 1; l < na && !hope; l++) {
				int ii = alive[i], ll = alive[l];
				double S2il = S2[ii * k + ll];
				if (floor(h2 * S2il / (delta * delta)) < R) {
					hope = 1;
					break;
				}
				double dm, sd;
				if (pair_stats(s, cand[ii], cand[ll], r, d, &dm, &sd)) {
					hope = 1;
					break;
				}
				/* the final mean difference predicted from the
				 * data (flat prior): N(dm, sd^2 (R - r) / (R r)) */
				double sp = sd * sqrt((double)(R - r) / ((double)R * r));
				double wR = delta / (2.0 * R) *
					    (h2 * S2il / (delta * delta) - R);
				double thr = tR * sd / sqrt(R);
				if (wR < thr)
					thr = wR;
				double pp = sp > 0 ?
					gsl_cdf_ugaussian_P((fabs(dm) - thr) / sp) +
					gsl_cdf_ugaussian_P((-fabs(dm) - thr) / sp) :
					fabs(dm) > thr;
				if (pp >= FUTILE)
					hope = 1;
			}
		if (!hope) {
			*decided = 0;
			break;
		}
		int nr = next_n(s, r);
		if (nr > nmax + 1)
			nr = (int)nmax + 1;
		if (nr <= r)
			nr = r + 1;
		r = nr;
		memset(want, 0, (size_t)s->n * sizeof *want);
		for (int i = 0; i < na; i++)
			want[cand[alive[i]]] = r;
		if ((rc = stage(s, want)))
			goto out;
		for (int i = 0; i < na; i++) {
			int bad = 0;
			for (int q = 0; q < r; q++)
				bad |= isnan(xval(s, cand[alive[i]], q));
			if (bad) {
				memmove(alive + i, alive + i + 1,
					(size_t)(na - i - 1) * sizeof *alive);
				na--;
				i--;
			}
		}
		if (na == 0)
			break;
	}
	*chosen = -1;
	double bm = -INFINITY;
	for (int i = 0; i < na; i++) {
		in[cand[alive[i]]] = 1;
		if (mean[alive[i]] > bm) {
			bm = mean[alive[i]];
			*chosen = cand[alive[i]];
		}
	}
out:
	free(want);
	free(alive);
	free(keep);
	free(S2);
	free(mean);
	free(d);
	return rc;
}

/* The points run that are not shown worse than `chosen` by more than
 * delta: for each, a one-sided paired t bound on X_chosen - X_i over
 * their common replications, at alpha / (points run - 1). Sets in[]. */
static void indifferent(const search *s, int chosen, double alpha,
			unsigned char *in)
{
	const exp_goal *g = s->g;
	double delta = g->delta;
	int nc = 0, m = 0;
	while (nc < s->R && s->have[chosen][nc])
		nc++;
	if (g->delta_rel) {
		double mu = 0;
		for (int r = 0; r < nc; r++)
			mu += xval(s, chosen, r);
		delta = g->delta * fabs(mu / (nc ? nc : 1));
	}
	for (int p = 0; p < s->n; p++)
		m += s->have[p] != NULL && p != chosen;
	double *d = malloc((size_t)s->R * sizeof *d);
	for (int p = 0; d && p < s->n; p++) {
		in[p] = 0;
		if (!s->have[p] || p == chosen)
			continue;
		int n = 0, bad = 0;
		while (n < nc && s->have[p][n])
			n++;
		for (int r = 0; r < n; r++) {
			d[r] = xval(s, chosen, r) - xval(s, p, r);
			bad |= isnan(d[r]);
		}
		if (bad || n < 2)
			continue;   /* a failed run, or too few to say */
		double mu = now_mean(d, n), sd = sqrt(sample_var(d, n, mu));
		double lo = mu - (sd == 0 ? 0 : gsl_cdf_tdist_Pinv(1 - alpha / m,
				  n - 1) * sd / sqrt(n));
		in[p] = !(lo > delta);
	}
	free(d);
}

/* Paired comparison of order indices a < b at level al (each side): 1 when
 * a is better, -1 when b is, 0 when not told apart within repeat. */
static int compare(search *s, int a, int b, double al, int *rc)
{
	int pa = s->order[a], pb = s->order[b];
	int *want = calloc((size_t)s->n, sizeof *want);
	double *d = malloc((size_t)s->R * sizeof *d);
	int res = 0;
	*rc = 0;
	if (!want || !d) {
		*rc = ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	for (int n = next_n(s, 0);; n = next_n(s, n)) {
		want[pa] = want[pb] = n;
		if ((*rc = stage(s, want)))
			goto out;
		int bad = 0;
		for (int r = 0; r < n; r++) {
			d[r] = xval(s, pa, r) - xval(s, pb, r);
			bad |= isnan(d[r]);
		}
		if (bad) {
			/* a failed run: the other side is the better */
			res = isnan(xval(s, pa, 0)) ? -1 : 1;
			goto out;
		}
		double m = now_mean(d, n), sd = sqrt(sample_var(d, n, m));
		double hw = sd == 0 ? 0 : gsl_cdf_tdist_Pinv(1 - al, n - 1) *
			    sd / sqrt(n);
		if (m - hw > 0 || (sd == 0 && m > 0)) {
			res = 1;
			goto out;
		}
		if (m + hw < 0 || (sd == 0 && m < 0)) {
			res = -1;
			goto out;
		}
		if (n >= s->R) {
			res = m >= 0 ? 2 : -2;   /* by the estimate only */
			goto out;
		}
	}
out:
	free(want);
	free(d);
	return res;
}

int optimize_search(search *s, exp_answer *a)
{
	const exp_goal *g = s->g;
	int n = s->n, rc = 0, chosen = -1, decided = 1, weak = 0;
	double alpha = 1 - g->confidence;
	unsigned char *in = calloc((size_t)n, 1);
	int *cand = malloc((size_t)n * sizeof *cand);
	if (!in || !cand) {
		rc = ps_err(s->err, s->errlen, PS_ENOMEM, "out of memory");
		goto out;
	}
	int lo = 0, hi = n - 1;
	double akn = alpha;
	if (g->shape == EXP_SHAPE_UNIMODAL && n > 4) {
		/* ternary search: at most S steps, each two one-sided tests */
		int S = 0;
		for (double w = n; w > 4; w = w * 2 / 3 + 1)
			S++;
		double astep = alpha / 2 / ((double)S * s->looks * 2);
		akn = alpha / 2;
		while (hi - lo + 1 > 4) {
			int x1 = lo + (hi - lo) / 3, x2 = hi - (hi - lo) / 3;
			int c = compare(s, x1, x2, astep, &rc);
			if (rc)
				goto out;
			if (c == 2 || c == -2)
				weak = 1;
			if (c > 0)
				hi = x2 - 1;   /* the peak is left of x2 */
			else
				lo = x1 + 1;
		}
	}
	int k = 0;
	for (int i = lo; i <= hi; i++)
		cand[k++] = s->order[i];
	double need = 0;
	if ((rc = kn(s, cand, k, akn, &chosen, in, &decided, &need)))
		goto out;
	a->point = chosen;
	a->decided = decided;
	a->found = chosen >= 0;
	char pw[300] = "", list[1024];
	if (chosen >= 0) {
		setf(a->chosen, sizeof a->chosen, "%s",
			 s->x->pts[chosen].itervars);
		point_words(s, chosen, pw, sizeof pw);
		if (decided) {
			indifferent(s, chosen, alpha, in);
			in[chosen] = 0;
		}
	}
	value_list(s, in, list, sizeof list);
	setf(a->indifferent, sizeof a->indifferent, "%s", list);
	and_last(list, sizeof list);
	char dl[64];
	if (g->delta_rel)
		snprintf(dl, sizeof dl, "%g%%", 100 * g->delta);
	else if (model_metric_is_time(g->metric))
		snprintf(dl, sizeof dl, "%gms", 1e3 * g->delta);
	else
		snprintf(dl, sizeof dl, "%g", g->delta);
	const char *what = g->maximize ? "maximises" : "minimises";
	if (chosen < 0)
		setf(a->text, sizeof a->text, "no point could be compared: "
			 "every one has a failed run");
	else if (!decided && need > s->R)
		setf(a->text, sizeof a->text, "undecided between %s = %s "
			 "(the %s that %s %s within %s at %g%% confidence: that "
			 "takes about %.0f replications, repeat = %d; %s has the "
			 "best mean)", var_word(s), list, var_word(s), what,
			 g->metric, dl, 100 * g->confidence, need, s->R, pw);
	else if (!decided)
		setf(a->text, sizeof a->text, "undecided between %s = %s "
			 "(the %s that %s %s within %s at %g%% confidence: repeat "
			 "= %d was not enough; %s has the best mean)",
			 var_word(s), list, var_word(s), what, g->metric, dl,
			 100 * g->confidence, s->R, pw);
	else if (*list)
		setf(a->text, sizeof a->text, "%s %s %s (the best, or within "
			 "%s of it, at %g%% confidence); %s = %s cannot be told "
			 "apart from it within %s", pw, what, g->metric, dl,
			 100 * g->confidence, var_word(s), list, dl);
	else
		setf(a->text, sizeof a->text, "%s %s %s (the best, or within "
			 "%s of it, at %g%% confidence); every other %s is worse "
			 "by more than %s", pw, what, g->metric, dl,
			 100 * g->confidence, var_word(s), dl);
	if (weak)
		appendf(a->text, sizeof a->text, "; a ternary step was decided "
			"on the estimate alone (not significant within repeat), "
			"so the confidence assumes the shape");
	/* The unimodal shape on the points run: a point significantly worse
	 * than one on each side of it is a second valley. */
	if (g->shape == EXP_SHAPE_UNIMODAL) {
		int m = 0;
		for (int i = 0; i < n; i++)
			if (s->have[s->order[i]])
				cand[m++] = s->order[i];
		double *dd = malloc((size_t)s->R * sizeof *dd);
		for (int j = 1; dd && j + 1 < m && !a->warning[0]; j++) {
			int worse_l = 0, worse_r = 0;
			for (int i = 0; i < m; i++) {
				if (i == j)
					continue;
				int nn = 0;
				while (nn < s->R && s->have[cand[i]][nn] &&
				       s->have[cand[j]][nn])
					nn++;
				if (nn < 2)
					continue;
				for (int r = 0; r < nn; r++)
					dd[r] = xval(s, cand[i], r) - xval(s, cand[j], r);
				double mu = now_mean(dd, nn);
				double sd = sqrt(sample_var(dd, nn, mu));
				double t = gsl_cdf_tdist_Pinv(1 - alpha / (double)(m * m),
							      nn - 1);
				if (!isnan(mu) && mu - t * sd / sqrt(nn) > 0)
					*(i < j ? &worse_l : &worse_r) = 1;
			}
			if (worse_l && worse_r) {
				point_words(s, cand[j], pw, sizeof pw);
				setf(a->warning, sizeof a->warning, "the data "
					 "contradict optimize.shape = unimodal: %s "
					 "is worse than points on both sides of it",
					 pw);
			}
		}
		free(dd);
	}
out:
	free(in);
	free(cand);
	return rc;
}

