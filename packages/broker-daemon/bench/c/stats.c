// SPDX-License-Identifier: Apache-2.0
#include "stats.h"

#include <math.h>
#include <stdlib.h>

static int compare_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

uint64_t percentile_ns(uint64_t *samples, size_t n, double p) {
  if (n == 0) return 0;
  qsort(samples, n, sizeof *samples, compare_u64);
  size_t rank = (size_t)ceil(p / 100.0 * (double)n);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return samples[rank - 1];
}
