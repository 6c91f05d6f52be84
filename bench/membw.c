/* membw.c - the memory-bandwidth ceiling behind cpu_bench.py's decode
 * prediction (batch-1 decode streams every weight once per token).
 *
 *   cc -O3 -march=native -pthread bench/membw.c -o membw
 *   ./membw [THREADS [MIB [PASSES]]]       (defaults 1, 512, 10)
 *
 * Over a MIB-sized float buffer (512 MiB by default, far beyond the caches)
 * and for 1..THREADS threads, each on its own contiguous share:
 *  - "read" sums the floats into 64 independent accumulators (four 512-bit
 *    or eight 256-bit add chains, so add latency never limits the stream;
 *    batch-1 decode reads its weights exactly so, once, in order);
 *  - "copy" memcpys into a second buffer and counts bytes read + written
 *    (glibc uses non-temporal stores at this size: no read-for-ownership).
 * The buffers are touched before timing, the threads started once per
 * thread count and the first pass of each figure is not counted. Each
 * figure is reported as the best pass (the ceiling: least disturbed by other
 * work on a shared machine) and the median pass.
 * Prints one JSON object, GB/s (1e9 bytes/s):
 *   {"read_1t": best, "read_1t_median": ..., "copy_1t": ..., ...}
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { kAcc = 64, kMaxThreads = 256, kMaxPasses = 1000 };

static float *src, *dst;
static size_t total; /* floats */
static int nthreads;
static volatile int mode; /* 0 read, 1 copy, -1 stop */
static pthread_barrier_t start, finish;
static volatile float sink;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Thread t's share [lo, hi), multiples of kAcc floats except the last end. */
static void share(int t, size_t *lo, size_t *hi) {
  *lo = total * t / nthreads / kAcc * kAcc;
  *hi = t + 1 == nthreads ? total : total * (t + 1) / nthreads / kAcc * kAcc;
}

static void work(int t) {
  size_t lo, hi;
  share(t, &lo, &hi);
  if (mode == 1) {
    memcpy(dst + lo, src + lo, (hi - lo) * sizeof(float));
    return;
  }
  float s[kAcc] = {0};
  size_t i = lo;
  for (; i + kAcc <= hi; i += kAcc)
    for (int j = 0; j < kAcc; ++j)
      s[j] += src[i + j];
  for (; i < hi; ++i)
    s[0] += src[i];
  float sum = 0;
  for (int j = 0; j < kAcc; ++j)
    sum += s[j];
  sink = sum;
}

static void *worker(void *arg) {
  int t = (int)(size_t)arg;
  for (;;) {
    pthread_barrier_wait(&start);
    if (mode < 0)
      return NULL;
    work(t);
    pthread_barrier_wait(&finish);
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* GB/s of `passes` timed passes (after one untimed), best and median. */
static void measure(int m, int passes, double *best, double *median) {
  double gbs[kMaxPasses];
  double bytes = (m == 1 ? 2.0 : 1.0) * (double)total * sizeof(float);
  mode = m;
  for (int rep = -1; rep < passes; ++rep) {
    double t0 = now();
    pthread_barrier_wait(&start);
    work(0);
    pthread_barrier_wait(&finish);
    if (rep >= 0)
      gbs[rep] = bytes / (now() - t0) / 1e9;
  }
  qsort(gbs, (size_t)passes, sizeof gbs[0], cmp);
  *best = gbs[passes - 1];
  *median = passes % 2 ? gbs[passes / 2]
                       : 0.5 * (gbs[passes / 2 - 1] + gbs[passes / 2]);
}

int main(int argc, char **argv) {
  int maxThreads = argc > 1 ? atoi(argv[1]) : 1;
  long mib = argc > 2 ? atol(argv[2]) : 512;
  int passes = argc > 3 ? atoi(argv[3]) : 10;
  if (maxThreads < 1 || maxThreads > kMaxThreads || mib < 1 || passes < 1 ||
      passes > kMaxPasses) {
    fprintf(stderr, "usage: membw [THREADS 1..%d [MIB >= 1 [PASSES 1..%d]]]\n",
            kMaxThreads, kMaxPasses);
    return 2;
  }
  total = (size_t)mib * 1024 * 1024 / sizeof(float) / kAcc * kAcc;
  src = aligned_alloc(64, total * sizeof(float));
  dst = aligned_alloc(64, total * sizeof(float));
  if (!src || !dst) {
    fprintf(stderr, "membw: cannot allocate 2 x %ld MiB\n", mib);
    return 1;
  }
  for (size_t i = 0; i < total; ++i)
    src[i] = dst[i] = (float)(i & 1023);
  printf("{");
  for (int n = 1; n <= maxThreads; ++n) {
    nthreads = n;
    pthread_barrier_init(&start, NULL, (unsigned)n);
    pthread_barrier_init(&finish, NULL, (unsigned)n);
    pthread_t th[kMaxThreads];
    mode = 0;
    for (int t = 1; t < n; ++t)
      pthread_create(&th[t], NULL, worker, (void *)(size_t)t);
    double rb, rm, cb, cm;
    measure(0, passes, &rb, &rm);
    measure(1, passes, &cb, &cm);
    mode = -1;
    pthread_barrier_wait(&start); /* releases the workers to stop */
    for (int t = 1; t < n; ++t)
      pthread_join(th[t], NULL);
    pthread_barrier_destroy(&start);
    pthread_barrier_destroy(&finish);
    printf("%s\"read_%dt\": %.2f, \"read_%dt_median\": %.2f, "
           "\"copy_%dt\": %.2f, \"copy_%dt_median\": %.2f",
           n > 1 ? ", " : "", n, rb, n, rm, n, cb, n, cm);
  }
  printf("}\n");
  free(src);
  free(dst);
  return 0;
}
