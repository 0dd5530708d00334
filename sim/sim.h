/*
 * sim.h — the event list and the virtual clock.
 *
 * Virtual time is double seconds. Events are ordered by (time, priority,
 * insertion sequence): equal times resolve by lower priority first, then
 * FIFO, so a run is a pure function of its inputs. The list is a winner
 * tree of 16-byte (time, prio|seq|slot) keys over a slot table; a handle
 * names a slot and its generation, so a stale handle is harmless.
 * prio is in [-128, 127] (asserted).
 *
 * Expected workload: pool models keep about K+1 events pending (tens to a
 * few thousand); millions of schedule/pop pairs per run.
 * Complexity: schedule, cancel, reschedule, pop: O(log cap), cap the most
 * events ever pending at once, rounded up to a power of two.
 *
 * Cancelling or rescheduling any event (including the one being handled,
 * which is no longer pending) from inside a handler is safe.
 */
#ifndef SIM_H
#define SIM_H

#include <signal.h>
#include <stdint.h>

typedef struct sim sim;

/* The latest virtual time (s) the clock represents to 1 ns: 2^53 ns,
 * about 104 days (a double has 53 bits of mantissa). Configurations are
 * refused past it (units.c, experiments/); a run whose clock would pass
 * it stops with SIM_FAULT_TIME (sim_fault) instead of going on with
 * times that have lost their nanoseconds, or overflow. */
#define SIM_TIME_MAX 9007199.254740992
#define SIM_TIME_MAX_TEXT "2^53 ns (104 days)"

/* 0 is never a valid handle: use it as "no event". */
typedef uint64_t sim_event_id;

/* A handler receives the simulator, the ctx it was scheduled with
 * (borrowed) and a 64-bit argument (an index or a packed id). */
typedef void (*sim_handler)(sim *s, void *ctx, uint64_t arg);

sim *sim_new(void);
void sim_free(sim *s);                  /* sim_free(NULL) is a no-op */

double sim_now(const sim *s);
/* The clock itself, read-only, valid until sim_free: a model that reads
 * the time several times per event keeps this pointer and dereferences it
 * instead of calling sim_now across translation units. */
const double *sim_clock(const sim *s);

/* Schedule fn(ctx, arg) at absolute time t, now <= t <= SIM_TIME_MAX.
 * A t outside that (or NaN), or no memory for the event, is a fault
 * (sim_fault): nothing is scheduled, 0 is returned and the running
 * sim_run / sim_run_to stops. */
sim_event_id sim_schedule(sim *s, double t, int prio, sim_handler fn,
			  void *ctx, uint64_t arg);
/* Same, at now + dt (dt >= 0, else a fault). */
sim_event_id sim_after(sim *s, double dt, int prio, sim_handler fn,
		       void *ctx, uint64_t arg);

/* Returns 1 if the event was pending and is now removed, 0 otherwise
 * (already fired, already cancelled, or 0). */
int sim_cancel(sim *s, sim_event_id id);

/* Moves a pending event to time t (now <= t <= SIM_TIME_MAX, else a
 * fault), keeping its priority; it gets a fresh sequence number (it goes
 * behind events already at t). Returns 1 if moved, 0 if the event was not
 * pending or on a fault. */
int sim_reschedule(sim *s, sim_event_id id, double t);

/* Returns 1 if the event is pending. */
int sim_is_pending(const sim *s, sim_event_id id);
/* Time of a pending event (asserts it is pending). */
double sim_event_time(const sim *s, sim_event_id id);

int sim_pending(const sim *s);          /* number of pending events */

/* Fires the next event; returns 0 when the list is empty. */
int sim_step(sim *s);

/* Fires events while the next one is at time <= until and sim_stop has
 * not been called; the clock is then left at the last event fired (it is
 * not advanced to until). Returns the number of events fired by this call. */
uint64_t sim_run(sim *s, double until);

/* For an event the caller keeps outside the list — typically a stream's
 * next arrival, drawn from a generator only when it is due: fires every
 * listed event ordered before (t, prio) (at equal time and priority the
 * listed ones go first), then moves the clock to t and counts one event
 * for the caller, who handles it next. Returns 1 then, or 0 if a handler
 * called sim_stop first (the clock is left at that handler's time), or
 * on a fault (t before now or past SIM_TIME_MAX, or one raised before). Saves a schedule and a pop per such event, about a
 * third of the event-list work of a pool model (see sim.c). */
int sim_run_to(sim *s, double t, int prio);

/* Makes the current sim_run or sim_run_to return after the running
 * handler. */
void sim_stop(sim *s);

uint64_t sim_events(const sim *s);      /* events fired since sim_new */

/* Why the list refused a call, once it has: the first fault stays, and
 * every later sim_run / sim_run_to returns at once. */
enum { SIM_FAULT_NONE, SIM_FAULT_TIME, SIM_FAULT_NOMEM, SIM_FAULT_STOP };
int sim_fault(const sim *s);

/* Polls *flag (borrowed; NULL = none) every 65,536 events fired: once it
 * is nonzero the run stops with SIM_FAULT_STOP, as by sim_stop. For a
 * Ctrl-C that must end a long run at once (the CLI's signal handler sets
 * the flag). */
void sim_watch(sim *s, const volatile sig_atomic_t *flag);

/* Time of the next listed event, INFINITY when none is pending. */
double sim_next_time(sim *s);

/* For a ticker with nothing to do until target (an idle worker pool's
 * purge timer): the first of t + period, (t + period) + period, ... at or
 * after target, each sum rounded as repeated sim_after(period) from t
 * rounds it, bit for bit; so skipping the idle ticks changes no tick
 * time. O(binades crossed), not O((target - t) / period). INFINITY when
 * target is past SIM_TIME_MAX (or period <= 0). */
double sim_tick_after(double t, double period, double target);

#endif
