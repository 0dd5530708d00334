/*
 * dump.c — every stored number of a database, for the golden digest
 * (tests/golden/golden.sh): per experiment (newest row of each name), each
 * run's status, every scalar and every series point, printed with %.17g so
 * that a change of one bit in any number changes the text.
 *
 *   dump DB            experiment<TAB>kind<TAB>line ... (kind: scalar|series)
 *
 * Reads through results/store.h like every other client of the database.
 */
#include <stdio.h>
#include <string.h>

#include "../../results/store.h"

struct ctx {
	const char *exp;
};

static void num(double v)
{
	if (v != v)
		fputs("NULL", stdout);
	else
		printf("%.17g", v);
}

static int scalar(void *u, const res_scalar_row *r)
{
	const struct ctx *c = u;
	printf("%s\tscalar\t%d\t%d\t%s\t%s\t%s\t", c->exp, r->point,
	       r->replication, r->status, r->scope ? r->scope : "-",
	       r->name ? r->name : "-");
	num(r->value);
	putchar('\n');
	return 0;
}

static int series(void *u, const res_series_pt *p)
{
	const struct ctx *c = u;
	printf("%s\tseries\t%d\t%d\t%s\t%s\t", c->exp, p->point,
	       p->replication, p->scope, p->name);
	num(p->t);
	putchar('\t');
	num(p->value);
	putchar('\n');
	return 0;
}

struct all {
	res_db *db;
	int rc;
};

static int experiment(void *u, const res_experiment *e)
{
	struct all *a = u;
	struct ctx c = { e->name };
	if (res_scalars(a->db, e->id, scalar, &c) ||
	    res_series(a->db, e->id, NULL, NULL, series, &c)) {
		fprintf(stderr, "dump: %s: %s\n", e->name, res_errmsg(a->db));
		a->rc = 1;
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char err[512];
	res_db *db;
	if (argc != 2) {
		fprintf(stderr, "usage: dump DB\n");
		return 2;
	}
	if (res_open(argv[1], 1, &db, err, sizeof err)) {
		fprintf(stderr, "dump: %s\n", err);
		return 1;
	}
	struct all a = { db, 0 };
	if (res_experiments(db, NULL, experiment, &a))
		a.rc = 1;
	res_close(db);
	return a.rc;
}
