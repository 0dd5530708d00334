/*
 * zoom.h — the zoom panel around an optimum (zoom.c). Private to plots/.
 */
#ifndef PLOT_ZOOM_H
#define PLOT_ZOOM_H

#include <stdio.h>

#include "plot_int.h"

#define ZOOM_MAX 15

typedef struct plot_zoom {
	int n;                          /* points drawn; 0 = no panel */
	double x[ZOOM_MAX];             /* the swept value */
	double mean[ZOOM_MAX], ci[ZOOM_MAX];   /* paired difference, 95% */
	int n_pairs[ZOOM_MAX];          /* replications that paired up */
	int chosen;                     /* index of the chosen point */
	double chosen_x, lo, hi;        /* the answer's span */
	char metric[32], scope[64], var[64];
	char unit[16];
	double scale;                   /* stored unit -> drawn unit */
	int maximize;
	/* slo: values (not differences) with the one-sided bound the
	 * decision uses (ci: its distance from the mean), and the target */
	int slo, lt;                    /* lt: "METRIC < VALUE" */
	double target, confidence;
	char target_text[48];
} plot_zoom;

/* Builds the panel of experiment e from its answer: goal is the answer's
 * goal text ("optimize: latency_mean min", "slo: latency_p99 < 100ms"),
 * point the chosen point's stored number, lo..hi the span of the points
 * that cannot be told apart, confidence the answer's. optimize: paired
 * differences from the chosen point; slo (its first objective): each
 * point's mean with the one-sided bound at the answer's confidence
 * against the target. One numeric swept key and at least two
 * replications. Returns z->n (0: no panel). */
int plot_zoom_build(res_db *db, const plot_exp *e, const char *goal,
		    int point, double lo, double hi, double confidence,
		    plot_zoom *z);

/* Writes the panel's datablock and plot command into a multiplot. */
void plot_zoom_draw(FILE *f, const plot_zoom *z);

#endif
