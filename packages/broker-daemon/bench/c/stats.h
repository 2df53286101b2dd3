// SPDX-License-Identifier: Apache-2.0
/* Percentiles over samples in nanoseconds. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Sorts samples in place, then returns the nearest-rank p-th percentile (0 < p <= 100). */
uint64_t percentile_ns(uint64_t *samples, size_t n, double p);

#endif
