/* SPDX-License-Identifier: GPL-3.0-or-later */
/* thread-cpu-time.h: the calling thread's CPU time, for the test and the
 * benchmark that judge the main thread's own work on a shared machine,
 * where the wall clock also counts everything else that runs. */

#pragma once

#include <time.h>

#include <glib.h>

/* In µs. */
static inline gint64
thread_cpu_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}
