#!/usr/bin/python3
"""simpy_mmc.py -- the bench's M/M/c (c=50, rho=0.9) in SimPy 2.3.1.

Usage: /usr/bin/python3 bench/simpy_mmc.py [TASKS]   (default 100000)
Debian's python3-simpy is SimPy 2 (SimPy.Simulation), installed for the
system python, not a pyenv one. The model is the one poolsim's bench runs:
Poisson arrivals at 45/s, exp(1 s) work, a FIFO Resource of 50 workers, a
process per task (as poolsim's producers=each). Prints one line,
"simpy TASKS ns_per_task mean_wait", timed with process CPU time and
the best of 3 rounds, like bench_mmc, so make bench can divide the two.
Fewer tasks than poolsim: SimPy costs microseconds per task.
"""
import random
import sys
import time

from SimPy.Simulation import (Process, Resource, activate, hold, initialize,
                              now, release, request, simulate)

C, LAMBDA, MEAN = 50, 45.0, 1.0
ROUNDS = 3


class Task(Process):
    def run(self, pool, stats):
        t0 = now()
        yield request, self, pool
        stats[0] += now() - t0
        stats[1] += 1
        yield hold, self, random.expovariate(1.0 / MEAN)
        yield release, self, pool


class Source(Process):
    def run(self, n, pool, stats):
        for _ in range(n):
            yield hold, self, random.expovariate(LAMBDA)
            t = Task()
            activate(t, t.run(pool, stats))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    best, wait = float("inf"), 0.0
    # Best of ROUNDS, as bench_mmc takes the best of its rounds: on a
    # shared machine other jobs only ever add time. Same seed each round.
    for _ in range(ROUNDS):
        random.seed(1)
        initialize()
        pool = Resource(capacity=C)   # FIFO waitQ by default
        stats = [0.0, 0]
        src = Source()
        activate(src, src.run(n, pool, stats))
        t0 = time.process_time()
        simulate(until=1e18)
        best = min(best, time.process_time() - t0)
        wait = stats[0] / max(stats[1], 1)
    print("simpy %d %.1f %.4f" % (n, best * 1e9 / n, wait))


if __name__ == "__main__":
    main()
