/*
 * test_plot.c — figures and reports from a fabricated database: valid PNGs
 * of the promised size, scripts that re-draw by hand, no command execution
 * from hostile experiment text, the gnuplot-missing message, and a report
 * whose answer and numbers match the data (which is built so that the
 * answer is known: K = 250 minimises p99, K = 500 overlaps it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../plots/plot.h"
#include "../results/store.h"
#include "../sim/ps.h"

#define MARKER "/tmp/PWNED-xyz"
#define EVIL_NAME "evil`touch " MARKER "`;x"
/* Its file stem: the safe characters, then "-" and FNV-1a of the name. */
#define EVIL_DESC "it's `touch " MARKER "` system(\"touch " MARKER "\") " \
		  "@macro \"q\"\nline2"

typedef struct fixture {
	char dir[64], db[128], out[128];
	res_db *h;
	int wrote_png, wrote_gp, wrote_md;
} fixture;

static const int ks[] = { 10, 50, 250, 500 };
static const double p99[] = { 2.0, 1.0, 0.41, 0.425 };  /* seconds */
static const double jit[] = { -0.01, 0.0, 0.012 };       /* per replication */

static void put_run(res_db *db, int64_t exp, int point, int rep,
		  const char *itervars, res_param *params, int np,
		  model_result *m)
{
	res_run r = { .experiment_id = exp, .point = point, .replication = rep,
		      .seed = 1, .itervars = itervars, .status = "done",
		      .wall_s = 0.1, .events = 10, .params = params,
		      .n_params = np, .result = m };
	char err[256] = "";
	int rc = res_run_write(db, &r, err, sizeof err);
	if (rc)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
}

static void fabricate(res_db *db)
{
	char err[256];
	int64_t exp;
	/* A: numeric sweep of K with series; answer known. */
	assert_int_equal(res_experiment_begin(db, "k-sweep", "which K minimises "
					      "p99?", "ini", 0, &exp, err,
					      sizeof err), 0);
	for (int p = 0; p < 4; p++)
		for (int rep = 0; rep < 3; rep++) {
			model_result m;
			model_result_init(&m);
			model_result_scalar(&m, "pool", "latency_p50",
					    p99[p] / 10 * (1 + jit[rep]));
			model_result_scalar(&m, "pool", "latency_p99",
					    p99[p] + jit[rep]);
			model_result_scalar(&m, "pool", "throughput",
					    1000.0 + p + jit[rep]);
			for (int i = 0; i < 20; i++) {
				model_result_point(&m, "pool", "queue_depth",
						   i * 0.5, (i * (p + 1)) % 7);
				model_result_point(&m, "downstream/db",
						   "in_use", i * 0.5, p + 1);
			}
			char kv[8], it[32];
			snprintf(kv, sizeof kv, "%d", ks[p]);
			snprintf(it, sizeof it, "K=%d", ks[p]);
			res_param prm[] = {
				{ "K", kv }, { "pool", "errgroup" },
				{ "seed", "1" },
				{ "plot", "K: latency_p50 latency_p99" },
			};
			put_run(db, exp, p, rep, it, prm, 4, &m);
			model_result_fini(&m);
		}
	/* B: hostile text, a categorical key and tenant scopes. */
	assert_int_equal(res_experiment_begin(db, EVIL_NAME, EVIL_DESC, "ini",
					      0, &exp, err, sizeof err), 0);
	static const char *const pools[] = { "errgroup", "tunny`id`'x" };
	for (int p = 0; p < 2; p++)
		for (int rep = 0; rep < 2; rep++) {
			model_result m;
			model_result_init(&m);
			model_result_scalar(&m, "pool", "latency_p99",
					    0.05 * (p + 1) + 0.001 * rep);
			model_result_scalar(&m, "pool", "throughput", 50.0);
			model_result_scalar(&m, "tenant/a`b'c", "throughput",
					    10.0 + rep);
			model_result_scalar(&m, "tenant/a`b'c", "latency_p99",
					    0.2 + 0.01 * rep);
			model_result_scalar(&m, "tier/gold", "throughput", 5.0);
			model_result_scalar(&m, "tier/gold", "latency_p99", 0.1);
			model_result_point(&m, "pool", "running", 0.0, 1.0);
			model_result_point(&m, "pool", "running", 1.0, 2.0);
			char it[64];
			snprintf(it, sizeof it, "pool=%s", pools[p]);
			res_param prm[] = { { "pool", pools[p] },
					    { "description", EVIL_DESC } };
			put_run(db, exp, p, rep, it, prm, 2, &m);
			model_result_fini(&m);
		}
	/* C: one point, no sweep. */
	assert_int_equal(res_experiment_begin(db, "single", "", "ini", 0, &exp,
					      err, sizeof err), 0);
	for (int rep = 0; rep < 3; rep++) {
		model_result m;
		model_result_init(&m);
		model_result_scalar(&m, "pool", "latency_p50", 0.01);
		model_result_scalar(&m, "pool", "latency_p99", 0.5 + 0.01 * rep);
		model_result_scalar(&m, "pool", "latency_p999", 3.0);
		model_result_scalar(&m, "pool", "throughput", 99.0);
		res_param prm[] = { { "description", "one point only" } };
		put_run(db, exp, 0, rep, "", prm, 1, &m);
		model_result_fini(&m);
	}
}

static void on_wrote(void *u, const char *path)
{
	fixture *f = u;
	size_t n = strlen(path);
	assert_true(access(path, F_OK) == 0);
	if (n > 4 && !strcmp(path + n - 4, ".png"))
		f->wrote_png++;
	else if (n > 3 && !strcmp(path + n - 3, ".gp"))
		f->wrote_gp++;
	else if (n > 3 && !strcmp(path + n - 3, ".md"))
		f->wrote_md++;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_plot.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/r.db", f->dir);
	snprintf(f->out, sizeof f->out, "%s/out/figs", f->dir);
	char err[256];
	if (res_open(f->db, 0, &f->h, err, sizeof err) != 0)
		return -1;
	fabricate(f->h);
	unlink(MARKER);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	res_close(f->h);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	int rc = getenv("KEEP") ? 0 : system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	rewind(fp);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = 0;
	fclose(fp);
	return s;
}

/* PNG signature, then the IHDR chunk with big-endian width and height
 * (h 0: any height a series figure may take). */
static void check_png(const char *path, unsigned w, unsigned h)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		print_error("missing %s\n", path);
	assert_non_null(fp);
	unsigned char b[24];
	assert_int_equal(fread(b, 1, 24, fp), 24);
	fclose(fp);
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
					      0x1a, '\n' };
	assert_memory_equal(b, sig, 8);
	assert_memory_equal(b + 12, "IHDR", 4);
	unsigned bw = (unsigned)b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19];
	unsigned bh = (unsigned)b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23];
	assert_int_equal(bw, w);
	if (h)
		assert_int_equal(bh, h);
	else            /* a series figure: its panels decide the height */
		assert_true(bh >= 300 && bh <= 2000);
}

static int draw(fixture *f, const char *name, const char *format,
		const char *prog, char *err, size_t errlen)
{
	plot_opts o = { .dir = f->out, .format = format, .gnuplot = prog,
			.wrote = on_wrote, .u = f };
	return plot_draw(f->h, name, &o, err, errlen);
}

static void test_figures(void **state)
{
	fixture *f = *state;
	char err[512] = "";
	int rc = draw(f, NULL, "png", NULL, err, sizeof err);
	if (rc)
		print_error("plot_draw: %s\n", err);
	assert_int_equal(rc, 0);
	char p[256];
	snprintf(p, sizeof p, "%s/k-sweep.png", f->out);
	check_png(p, 1000, 600);
	snprintf(p, sizeof p, "%s/k-sweep-series.png", f->out);
	check_png(p, 1000, 0);
	snprintf(p, sizeof p, "%s/single.png", f->out);
	check_png(p, 1000, 600);
	/* The hostile name is sanitised into a plain file name. */
	snprintf(p, sizeof p, "%s/evil_touch__tmp_PWNED-xyz__x-cadcd7b2.png", f->out);
	check_png(p, 1000, 600);
	snprintf(p, sizeof p, "%s/evil_touch__tmp_PWNED-xyz__x-cadcd7b2-scopes.png",
		 f->out);
	check_png(p, 1000, 600);
	assert_int_equal(f->wrote_png, 6);
	assert_int_equal(f->wrote_gp, 6);

	/* The numeric sweep: log x (10..500 spans 50x), lines with error bars
	 * in ms, data inlined. */
	snprintf(p, sizeof p, "%s/k-sweep.gp", f->out);
	char *gp = slurp(p);
	assert_non_null(gp);
	assert_non_null(strstr(gp, "set logscale x"));
	assert_non_null(strstr(gp, "yerrorlines"));
	assert_non_null(strstr(gp, "(s)'"));   /* p99 up to 2 s: seconds */
	assert_non_null(strstr(gp, "$d0 << EOD"));
	assert_non_null(strstr(gp, "'p99'"));
	free(gp);
}

static void test_scripts_redraw_by_hand(void **state)
{
	fixture *f = *state;
	char err[512] = "";
	assert_int_equal(draw(f, NULL, "png", NULL, err, sizeof err), 0);
	static const char *const names[] = {
		"k-sweep", "k-sweep-series", "single",
		"evil_touch__tmp_PWNED-xyz__x-cadcd7b2",
		"evil_touch__tmp_PWNED-xyz__x-cadcd7b2-scopes" };
	char tmp[128];
	snprintf(tmp, sizeof tmp, "%s/redraw", f->dir);
	assert_int_equal(mkdir(tmp, 0755), 0);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char cmd[1024];
		snprintf(cmd, sizeof cmd, "cp '%s/%s.gp' '%s/' && cd '%s' && "
			 "gnuplot '%s.gp' 2>/dev/null", f->out, names[i], tmp,
			 tmp, names[i]);
		assert_int_equal(system(cmd), 0);
		char png[256];
		snprintf(png, sizeof png, "%s/%s.png", tmp, names[i]);
		check_png(png, 1000, strstr(names[i], "-series") ? 0 : 600);
	}
}

static void test_injection(void **state)
{
	fixture *f = *state;
	char err[512] = "";
	assert_int_equal(draw(f, EVIL_NAME, "png", NULL, err, sizeof err), 0);
	assert_int_equal(access(MARKER, F_OK), -1);
	char p[256];
	snprintf(p, sizeof p, "%s/evil_touch__tmp_PWNED-xyz__x-cadcd7b2.gp", f->out);
	char *gp = slurp(p);
	assert_non_null(gp);
	/* The title, single-quoted: ' doubled, the newline blanked. */
	const char *want = "set title 'it''s `touch " MARKER "` system(\"touch "
			   MARKER "\") @macro \"q\" line2'";
	if (!strstr(gp, want))
		print_error("%s\n", gp);
	assert_non_null(strstr(gp, want));
	/* Categorical x: the tunny value is a quoted tic label. */
	assert_non_null(strstr(gp, "'tunny`id`''x'"));
	free(gp);
	/* A report of the same experiment does not execute anything either. */
	plot_opts o = { .dir = f->out, .format = "png" };
	assert_int_equal(plot_report(f->h, EVIL_NAME, &o, err, sizeof err), 0);
	assert_int_equal(access(MARKER, F_OK), -1);
}

static void test_gnuplot_missing(void **state)
{
	fixture *f = *state;
	static const char *const progs[] = { "/nonexistent/gnuplot",
					     "gnuplot-not-on-path-xyz" };
	for (int i = 0; i < 2; i++) {
		char err[512] = "";
		f->wrote_gp = f->wrote_png = 0;
		assert_int_equal(draw(f, "k-sweep", "png", progs[i], err,
				      sizeof err), PS_EIO);
		char want[512];
		snprintf(want, sizeof want, "gnuplot not found: install it with "
			 "'apt-get install gnuplot-nox' (the .gp scripts are in "
			 "%s)", f->out);
		assert_string_equal(err, want);
		assert_int_equal(f->wrote_gp, 2);
		assert_int_equal(f->wrote_png, 0);
		char p[256];
		snprintf(p, sizeof p, "%s/k-sweep.gp", f->out);
		assert_int_equal(access(p, F_OK), 0);
	}
}

static void test_svg(void **state)
{
	fixture *f = *state;
	char err[512] = "";
	assert_int_equal(draw(f, "single", "svg", NULL, err, sizeof err), 0);
	char p[256];
	snprintf(p, sizeof p, "%s/single.svg", f->out);
	char *s = slurp(p);
	assert_non_null(s);
	assert_non_null(strstr(s, "<svg"));
	free(s);
}

static void test_unknown_experiment(void **state)
{
	fixture *f = *state;
	char err[512] = "";
	assert_int_not_equal(draw(f, "nope", "png", NULL, err, sizeof err), 0);
	assert_non_null(strstr(err, "nope"));
}

struct row {
	double mean, ci;
};

static int get_row(void *u, const res_summary *s)
{
	struct row *r = u;
	r[s->point].mean = s->mean;
	r[s->point].ci = s->ci95;
	return 0;
}

static int find_id(void *u, const res_experiment *e)
{
	*(int64_t *)u = e->id;
	return 1;
}

static void test_report(void **state)
{
	fixture *f = *state;
	char err[512] = "";
	assert_int_equal(draw(f, "k-sweep", "png", NULL, err, sizeof err), 0);
	plot_opts o = { .dir = f->out, .format = "png", .wrote = on_wrote,
			.u = f };
	assert_int_equal(plot_report(f->h, "k-sweep", &o, err, sizeof err), 0);
	assert_int_equal(f->wrote_md, 1);
	char p[256];
	snprintf(p, sizeof p, "%s/k-sweep.md", f->out);
	char *md = slurp(p);
	assert_non_null(md);
	if (!strstr(md, "K = 250 minimises latency_p99"))
		print_error("%s\n", md);
	assert_non_null(strstr(md, "# k-sweep\n"));
	assert_non_null(strstr(md, "which K minimises p99?"));
	assert_non_null(strstr(md, "K = 250 minimises latency_p99"));
	/* The intervals of K = 250 and 500 overlap, but the jitter is the
	 * same per replication at every point (as common random numbers
	 * make it): paired, K = 500 is worse by 15 ms in every replication. */
	assert_non_null(strstr(md, "the runner-up K = 500 (425.7 ms ± 27 ms) "
				   "is clearly worse, 1.04x higher"));
	assert_null(strstr(md, "cannot be told apart)"));
	assert_non_null(strstr(md, "interval of their paired differences"));
	assert_non_null(strstr(md, "3 replications"));
	assert_non_null(strstr(md, "![metrics](k-sweep.png)"));
	assert_non_null(strstr(md, "| pool | errgroup |"));   /* constant */
	assert_null(strstr(md, "| K | 10 |"));               /* swept */

	/* The table's numbers are res_summaries' numbers, in ms. */
	int64_t id = 0;
	assert_int_equal(res_experiments(f->h, "k-sweep", find_id, &id), 0);
	struct row r[4] = { { 0, 0 } };
	assert_int_equal(res_summaries(f->h, id, "pool", "latency_p99", get_row,
				       r), 0);
	for (int i = 0; i < 4; i++) {
		assert_true(r[i].ci > 0);
		/* Row "| K | p50 ± ci | p99 ± ci |": p99 is the third cell. */
		char head[32];
		snprintf(head, sizeof head, "\n| %d | ", ks[i]);
		const char *row = strstr(md, head);
		assert_non_null(row);
		row = strchr(row + strlen(head), '|');
		assert_non_null(row);
		double m, c;
		assert_int_equal(sscanf(row, "| %lf ± %lf |", &m, &c), 2);
		/* 4 and 2 significant digits, in ms. */
		assert_true(fabs(m - r[i].mean * 1000) <= 5e-4 * r[i].mean * 1000);
		assert_true(fabs(c - r[i].ci * 1000) <= 5e-2 * r[i].ci * 1000);
	}
	free(md);

	/* Comparison wording for a categorical key. */
	assert_int_equal(plot_report(f->h, EVIL_NAME, &o, err, sizeof err), 0);
	snprintf(p, sizeof p, "%s/evil_touch__tmp_PWNED-xyz__x-cadcd7b2.md", f->out);
	md = slurp(p);
	assert_non_null(md);
	assert_non_null(strstr(md, "pool = errgroup wins on latency_p99"));
	assert_non_null(strstr(md, "1.99x higher"));
	free(md);
}

/* Names to file stems: plain names stay, others are tagged so that they
 * cannot meet; the clash finder agrees with the pairwise test. */
static void test_fnames(void **state)
{
	char a[PLOT_FNAME_MAX], b[PLOT_FNAME_MAX];
	plot_fname("k-sweep", a, sizeof a);
	assert_string_equal(a, "k-sweep");
	plot_fname("-e", a, sizeof a);
	assert_string_equal(a, "-e");
	plot_fname(".a", a, sizeof a);
	plot_fname("_a", b, sizeof b);
	assert_string_equal(b, "_a");
	assert_true(a[0] == '_' && strncmp(a, "_a-", 3) == 0 && strlen(a) == 11);
	plot_fname("..", a, sizeof a);
	assert_true(a[0] != '.' && !strchr(a, '/'));
	plot_fname("a/../../b", a, sizeof a);
	assert_null(strchr(a, '/'));
	char f[PLOT_FNAME_MAX + 16];
	assert_int_equal(plot_fname_clash(".a", "_a", f, sizeof f), 0);
	assert_int_equal(plot_fname_clash("x", "x-series", f, sizeof f), 1);
	assert_string_equal(f, "x-series");
	assert_int_equal(plot_fname_clash("x-scopes", "x", f, sizeof f), 1);
	assert_int_equal(plot_fname_clash("Fast", "fast", f, sizeof f), 2);
	assert_int_equal(plot_fname_clash("a", "b", f, sizeof f), 0);
	const char *names[] = { "x", "a", "x-stages", "A", "b", "x-series" };
	int with[6];
	assert_int_equal(plot_fname_clashes(names, 6, with), 5);
	assert_int_equal(with[0], 2);   /* x meets x-stages first */
	assert_int_equal(with[1], 3);
	assert_int_equal(with[2], 0);
	assert_int_equal(with[3], 1);
	assert_int_equal(with[4], -1);
	assert_int_equal(with[5], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scripts_redraw_by_hand, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_injection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gnuplot_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_svg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_experiment, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
		cmocka_unit_test(test_fnames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
