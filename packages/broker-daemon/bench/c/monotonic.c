/*
 * Prints CLOCK_MONOTONIC in nanoseconds, so a shell script can start a timing that
 * a C program (dhcp-probe's end_ns) finishes on the same clock.
 */
#include <stdio.h>

#include "clock.h"

int main(void) {
  printf("%llu\n", (unsigned long long)now_ns());
  return 0;
}
