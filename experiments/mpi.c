/*
 * mpi.c — the MPI transport of the runner: jobs out, results back.
 *
 * Workload: one small message per run each way (a result is a few KB of
 * scalars and series), against seconds of simulation per run: the
 * transport is never the bottleneck, so it stays blocking and simple.
 * Only rank 0's helper thread and the ranks' main threads call MPI, never
 * two threads of one rank at once (MPI_THREAD_SERIALIZED suffices).
 *
 * Built as stubs (one rank) unless POOLSIM_MPI is defined (make MPI=1).
 */
#include "mpi.h"
#include "../sim/ps.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if POOLSIM_MPI
#include <mpi.h>

enum { TAG_JOB = 1, TAG_STOP = 2, TAG_RESULT = 3 };

/* The fixed part of a result message; scalars and points follow. */
typedef struct wire_head {
	int32_t rc, pad;
	double wall_s;
	uint64_t events, n_scalars, n_series;
} wire_head;

int exp_mpi_init(int *argc, char ***argv)
{
	int provided = 0;
	if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) !=
	    MPI_SUCCESS) {
		fprintf(stderr, "poolsim: error: MPI_Init_thread failed\n");
		return PS_EINVAL;
	}
	if (provided < MPI_THREAD_SERIALIZED) {
		fprintf(stderr, "poolsim: error: this MPI library does not "
			"allow calls from a helper thread "
			"(MPI_THREAD_SERIALIZED)\n");
		MPI_Finalize();
		return PS_EINVAL;
	}
	return 0;
}

void exp_mpi_fini(void)
{
	MPI_Finalize();
}

int exp_mpi_rank(void)
{
	int r = 0;
	MPI_Comm_rank(MPI_COMM_WORLD, &r);
	return r;
}

int exp_mpi_size(void)
{
	int n = 1;
	MPI_Comm_size(MPI_COMM_WORLD, &n);
	return n;
}

int exp_mpi_send_job(int to, int e, int p, int rep)
{
	int32_t m[3] = { e, p, rep };
	return MPI_Send(m, 3, MPI_INT32_T, to, TAG_JOB, MPI_COMM_WORLD) ==
	       MPI_SUCCESS ? 0 : PS_EIO;
}

void exp_mpi_send_stop_all(void)
{
	int n = exp_mpi_size();
	for (int k = 1; k < n; k++)
		MPI_Send(NULL, 0, MPI_BYTE, k, TAG_STOP, MPI_COMM_WORLD);
}

int exp_mpi_recv_job(int *e, int *p, int *rep)
{
	MPI_Status st;
	MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
	if (st.MPI_TAG == TAG_STOP) {
		MPI_Recv(NULL, 0, MPI_BYTE, 0, TAG_STOP, MPI_COMM_WORLD,
			 MPI_STATUS_IGNORE);
		return 0;
	}
	int32_t m[3];
	MPI_Recv(m, 3, MPI_INT32_T, 0, TAG_JOB, MPI_COMM_WORLD,
		 MPI_STATUS_IGNORE);
	*e = m[0];
	*p = m[1];
	*rep = m[2];
	return 1;
}

int exp_mpi_send_result(int rc, double wall_s, const model_result *res)
{
	wire_head h = { rc, 0, wall_s, res->events, res->n_scalars,
			res->n_series };
	size_t ns = res->n_scalars * sizeof(model_scalar);
	size_t np = res->n_series * sizeof(model_point);
	size_t ne = sizeof res->error;   /* the failure's sentence */
	size_t len = sizeof h + ne + ns + np;
	if (len > INT32_MAX)
		return PS_ENOMEM;   /* series are capped far below this */
	char *buf = malloc(len);
	if (!buf)
		return PS_ENOMEM;
	memcpy(buf, &h, sizeof h);
	memcpy(buf + sizeof h, res->error, ne);
	if (ns)
		memcpy(buf + sizeof h + ne, res->scalars, ns);
	if (np)
		memcpy(buf + sizeof h + ne + ns, res->series, np);
	int ok = MPI_Send(buf, (int)len, MPI_BYTE, 0, TAG_RESULT,
			  MPI_COMM_WORLD) == MPI_SUCCESS;
	free(buf);
	return ok ? 0 : PS_EIO;
}

int exp_mpi_recv_result(int *from, int *rc, double *wall_s, model_result *res)
{
	MPI_Status st;
	int len = 0;
	MPI_Probe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &st);
	MPI_Get_count(&st, MPI_BYTE, &len);
	*from = st.MPI_SOURCE;
	char *buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf)
		return PS_ENOMEM;
	MPI_Recv(buf, len, MPI_BYTE, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD,
		 MPI_STATUS_IGNORE);
	wire_head h;
	int bad = (size_t)len < sizeof h;
	if (!bad) {
		memcpy(&h, buf, sizeof h);
		bad = (size_t)len != sizeof h + sizeof res->error +
				      h.n_scalars * sizeof(model_scalar) +
				      h.n_series * sizeof(model_point);
	}
	if (bad) {
		free(buf);
		return PS_EIO;
	}
	*rc = h.rc;
	*wall_s = h.wall_s;
	res->events = h.events;
	memcpy(res->error, buf + sizeof h, sizeof res->error);
	res->error[sizeof res->error - 1] = '\0';
	const char *q = buf + sizeof h + sizeof res->error;
	for (uint64_t i = 0; i < h.n_scalars; i++, q += sizeof(model_scalar)) {
		model_scalar s;
		memcpy(&s, q, sizeof s);
		model_result_scalar(res, s.scope, s.name, s.value);
	}
	for (uint64_t i = 0; i < h.n_series; i++, q += sizeof(model_point)) {
		model_point pt;
		memcpy(&pt, q, sizeof pt);
		model_result_point(res, pt.scope, pt.name, pt.t, pt.value);
	}
	free(buf);
	return 0;
}

#else /* one process, no MPI */

int exp_mpi_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

void exp_mpi_fini(void)
{
}

int exp_mpi_rank(void)
{
	return 0;
}

int exp_mpi_size(void)
{
	return 1;
}

int exp_mpi_send_job(int to, int e, int p, int rep)
{
	(void)to;
	(void)e;
	(void)p;
	(void)rep;
	return PS_EINVAL;
}

void exp_mpi_send_stop_all(void)
{
}

int exp_mpi_recv_result(int *from, int *rc, double *wall_s, model_result *res)
{
	(void)from;
	(void)rc;
	(void)wall_s;
	(void)res;
	return PS_EINVAL;
}

int exp_mpi_recv_job(int *e, int *p, int *rep)
{
	(void)e;
	(void)p;
	(void)rep;
	return 0;
}

int exp_mpi_send_result(int rc, double wall_s, const model_result *res)
{
	(void)rc;
	(void)wall_s;
	(void)res;
	return PS_EINVAL;
}

#endif
