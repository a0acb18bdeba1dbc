// The physical floor of cross-core messaging: a cache-line ping-pong between two pinned threads.
//
// Two threads share two 64-byte-aligned cache lines, one per direction. The initiator writes a
// sequence number into the "ping" line and spins until the responder has copied it into the "pong"
// line; each round trip therefore moves each line between the two cores' caches once, which is the
// least any shared-memory message can cost. The initiator times batches of round trips and reports
// the median and 99th percentile of the per-batch averages, halved to one-way figures, as one JSON
// line on standard output:  {"oneWayNsMedian":…,"oneWayNsP99":…,"rounds":…}
//
// Usage: cacheline-pingpong CPU_A CPU_B [BATCHES [ROUNDS_PER_BATCH]]
// Threads are pinned with pthread_setaffinity_np; if pinning fails they run unpinned (and say so on
// standard error). Every loop is bounded: counts are capped, and a spin that sees no answer for
// SPIN_TIMEOUT_NS makes the program exit with status 2, so that a stuck peer can never hang a caller.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_LINE_BYTES 64
#define BATCHES_DEFAULT 200
#define BATCHES_MAX 10000
#define ROUNDS_PER_BATCH_DEFAULT 1000
#define ROUNDS_PER_BATCH_MAX 100000
#define WARMUP_ROUNDS 10000
#define SPIN_TIMEOUT_NS 2000000000ull /* 2 s without an answer: the peer is gone */
#define SPINS_PER_CLOCK_CHECK 65536u
#define SEQ_STOP UINT64_MAX

struct line {
  _Atomic uint64_t seq;
  char pad[CACHE_LINE_BYTES - sizeof(uint64_t)];
} __attribute__((aligned(CACHE_LINE_BYTES)));

static struct line ping_line; /* written by the initiator only */
static struct line pong_line; /* written by the responder only */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu, const char *who) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  if (err != 0) fprintf(stderr, "cacheline-pingpong: could not pin %s to CPU %d (%s); running unpinned\n", who, cpu, strerror(err));
}

/* Spins until *line holds a value other than `previous`, bounded by SPIN_TIMEOUT_NS. */
static uint64_t await_change(struct line *line, uint64_t previous, const char *who) {
  uint32_t spins = 0;
  uint64_t started = 0;
  for (;;) {
    uint64_t value = atomic_load_explicit(&line->seq, memory_order_acquire);
    if (value != previous) return value;
    if (++spins % SPINS_PER_CLOCK_CHECK == 0) {
      uint64_t t = now_ns();
      if (started == 0) started = t;
      else if (t - started > SPIN_TIMEOUT_NS) {
        fprintf(stderr, "cacheline-pingpong: %s saw no answer within %llu ns\n", who, (unsigned long long)SPIN_TIMEOUT_NS);
        exit(2);
      }
    }
  }
}

static int responder_cpu;

static void *responder(void *unused) {
  (void)unused;
  pin(responder_cpu, "responder");
  uint64_t last = 0;
  for (;;) {
    uint64_t value = await_change(&ping_line, last, "responder");
    if (value == SEQ_STOP) return NULL;
    atomic_store_explicit(&pong_line.seq, value, memory_order_release);
    last = value;
  }
}

static uint64_t seq = 0;

static void round_trip(void) {
  seq++;
  atomic_store_explicit(&ping_line.seq, seq, memory_order_release);
  uint64_t answer = await_change(&pong_line, seq - 1, "initiator");
  if (answer != seq) {
    fprintf(stderr, "cacheline-pingpong: answer %llu for ping %llu\n", (unsigned long long)answer, (unsigned long long)seq);
    exit(3);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static long parse_arg(const char *text, long lo, long hi, const char *name) {
  char *end = NULL;
  long value = strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < lo || value > hi) {
    fprintf(stderr, "cacheline-pingpong: %s must be an integer in [%ld, %ld], got '%s'\n", name, lo, hi, text);
    exit(64);
  }
  return value;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: %s CPU_A CPU_B [BATCHES [ROUNDS_PER_BATCH]]\n", argv[0]);
    return 64;
  }
  int initiator_cpu = (int)parse_arg(argv[1], 0, CPU_SETSIZE - 1, "CPU_A");
  responder_cpu = (int)parse_arg(argv[2], 0, CPU_SETSIZE - 1, "CPU_B");
  long batches = argc > 3 ? parse_arg(argv[3], 1, BATCHES_MAX, "BATCHES") : BATCHES_DEFAULT;
  long rounds_per_batch = argc > 4 ? parse_arg(argv[4], 1, ROUNDS_PER_BATCH_MAX, "ROUNDS_PER_BATCH") : ROUNDS_PER_BATCH_DEFAULT;

  pin(initiator_cpu, "initiator");
  pthread_t thread;
  if (pthread_create(&thread, NULL, responder, NULL) != 0) {
    fprintf(stderr, "cacheline-pingpong: pthread_create failed\n");
    return 1;
  }
  for (long i = 0; i < WARMUP_ROUNDS; i++) round_trip();

  double *one_way_ns = malloc((size_t)batches * sizeof(double));
  if (one_way_ns == NULL) return 1;
  for (long b = 0; b < batches; b++) {
    uint64_t t0 = now_ns();
    for (long i = 0; i < rounds_per_batch; i++) round_trip();
    uint64_t t1 = now_ns();
    one_way_ns[b] = (double)(t1 - t0) / (double)rounds_per_batch / 2.0;
  }
  atomic_store_explicit(&ping_line.seq, SEQ_STOP, memory_order_release);
  pthread_join(thread, NULL);

  qsort(one_way_ns, (size_t)batches, sizeof(double), cmp_double);
  double median = one_way_ns[(batches - 1) / 2];
  long p99_index = (long)((double)batches * 0.99 + 0.5) - 1;
  if (p99_index < 0) p99_index = 0;
  if (p99_index >= batches) p99_index = batches - 1;
  double p99 = one_way_ns[p99_index];
  printf("{\"oneWayNsMedian\":%.1f,\"oneWayNsP99\":%.1f,\"rounds\":%ld,\"batches\":%ld,\"initiatorCpu\":%d,\"responderCpu\":%d}\n",
         median, p99, batches * rounds_per_batch, batches, initiator_cpu, responder_cpu);
  free(one_way_ns);
  return 0;
}
