/*
 * mpi.h — distributing a plan's runs over MPI ranks (`make MPI=1`).
 *
 * Every rank runs the same command line, so every rank loads the same file
 * and builds the same plan; only run numbers travel. Rank 0 is the runner
 * of runner.c with one extra thread that hands runs to ranks 1..N-1 on
 * request (dynamic assignment: a rank that finishes early gets the next
 * run, so long runs do not hold the others back) and queues their results
 * for the single writer, exactly like a local worker thread's. Ranks >= 1
 * simulate one run at a time and never open the database.
 *
 * Wire format: a job is three int32 (experiment, point, replication); a
 * result is a header (rc, wall_s, events, counts) followed by the raw
 * model_scalar and model_point arrays. Raw structs assume one binary on
 * one architecture across the ranks, which is how clusters run it.
 *
 * Without POOLSIM_MPI every function is a stub: one rank, rank 0.
 */
#ifndef EXP_MPI_H
#define EXP_MPI_H

#include "../models/model.h"

/* MPI_Init_thread (MPI_THREAD_SERIALIZED: rank 0 talks from its helper
 * thread). Call once, before anything else of this header; returns 0 or
 * PS_EINVAL with a message on stderr. */
int exp_mpi_init(int *argc, char ***argv);
void exp_mpi_fini(void);

int exp_mpi_rank(void);
int exp_mpi_size(void);   /* 1 without MPI */

/* Rank 0 → rank `to`: run (e, p, rep). */
int exp_mpi_send_job(int to, int e, int p, int rep);
/* Rank 0 → every rank >= 1: no more jobs. */
void exp_mpi_send_stop_all(void);
/* Rank 0: waits for any rank's result; *from is its rank, res (initialised
 * by the caller) receives the scalars and series. */
int exp_mpi_recv_result(int *from, int *rc, double *wall_s, model_result *res);

/* Ranks >= 1: waits for a job; returns 1 with (e, p, rep), 0 on stop. */
int exp_mpi_recv_job(int *e, int *p, int *rep);
/* Ranks >= 1 → rank 0. res is borrowed. */
int exp_mpi_send_result(int rc, double wall_s, const model_result *res);

#endif
