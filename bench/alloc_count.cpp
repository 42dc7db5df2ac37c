// libcohort-alloc-count.so: counts heap allocations per thread in a process it is preloaded
// into (LD_PRELOAD), for bench/run.sh --allocations (issue 18: no per-event heap
// allocation on the hot path, counted). It stands in front of malloc, calloc, realloc,
// the aligned allocators and operator new, counts each call and the bytes asked for
// against the calling thread, and hands the call on to the allocator behind it (jemalloc
// in cohortd). On SIGUSR2 it appends one line per thread seen — "tid name allocations
// bytes" — and then "end" to the file named by COHORT_ALLOC_COUNT_FILE; the difference of
// two dumps taken around a run, over the events the run acknowledged, is allocations per
// event, by thread name (cohort.http, caf.actor for detached actors such as ingest,
// cohortd for CAF's workers).
//
// Fails loudly: more threads than it has rows for abort the process, since a count that
// silently dropped a thread would understate the figure.

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

constexpr int max_threads = 512;

/// One thread's counts; tid 0 marks a free row.
struct row {
  std::atomic<long> tid{0};
  std::atomic<std::uint64_t> allocations{0};
  std::atomic<std::uint64_t> bytes{0};
};

row rows[max_threads];
std::atomic<int> rows_used{0};

__attribute__((tls_model("initial-exec"))) thread_local row* mine = nullptr;
/// Set while operator new runs, so that a malloc it makes is not counted twice.
__attribute__((tls_model("initial-exec"))) thread_local bool in_new = false;

void count(std::size_t n) {
  if (in_new)
    return;
  if (mine == nullptr) {
    auto at = rows_used.fetch_add(1);
    if (at >= max_threads)
      std::abort();
    mine = &rows[at];
    mine->tid.store(syscall(SYS_gettid));
  }
  mine->allocations.fetch_add(1, std::memory_order_relaxed);
  mine->bytes.fetch_add(n, std::memory_order_relaxed);
}

// The allocator behind this one, resolved on first use. dlsym may itself call calloc
// before it has an answer: that is served from a static buffer, never freed.
using malloc_fn = void* (*)(std::size_t);
using calloc_fn = void* (*)(std::size_t, std::size_t);
using realloc_fn = void* (*)(void*, std::size_t);
using free_fn = void (*)(void*);
using memalign_fn = int (*)(void**, std::size_t, std::size_t);
using aligned_fn = void* (*)(std::size_t, std::size_t);

malloc_fn next_malloc;
calloc_fn next_calloc;
realloc_fn next_realloc;
free_fn next_free;
memalign_fn next_posix_memalign;
aligned_fn next_aligned_alloc;
aligned_fn next_memalign;

alignas(16) char boot[16384];
std::size_t boot_used = 0;
bool resolving = false;

bool from_boot(void* p) {
  return p >= static_cast<void*>(boot) && p < static_cast<void*>(boot + sizeof boot);
}

void* boot_alloc(std::size_t n) {
  n = (n + 15) & ~std::size_t{15};
  if (boot_used + n > sizeof boot)
    std::abort();
  void* p = boot + boot_used;
  boot_used += n;
  return p;
}

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

bool resolve() {
  if (next_free != nullptr)
    return true;
  if (resolving)
    return false;
  resolving = true;
  next_malloc = next<malloc_fn>("malloc");
  next_calloc = next<calloc_fn>("calloc");
  next_realloc = next<realloc_fn>("realloc");
  next_posix_memalign = next<memalign_fn>("posix_memalign");
  next_aligned_alloc = next<aligned_fn>("aligned_alloc");
  next_memalign = next<aligned_fn>("memalign");
  next_free = next<free_fn>("free");
  resolving = false;
  return next_free != nullptr;
}

// --- the dump, async-signal-safe: open, read, write and close only -----------------------

void put(int fd, const char* s, std::size_t n) {
  while (n > 0) {
    auto w = write(fd, s, n);
    if (w <= 0)
      return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void put(int fd, const char* s) {
  put(fd, s, std::strlen(s));
}

void put(int fd, std::uint64_t v) {
  char buf[24];
  int i = sizeof buf;
  do {
    buf[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  put(fd, buf + i, sizeof buf - i);
}

/// The thread's name from /proc, or "exited".
void put_name(int fd, long tid) {
  char path[64] = "/proc/self/task/";
  char digits[24];
  int i = sizeof digits;
  auto v = static_cast<std::uint64_t>(tid);
  do {
    digits[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  auto len = std::strlen(path);
  std::memcpy(path + len, digits + i, sizeof digits - i);
  std::memcpy(path + len + (sizeof digits - i), "/comm", 6);
  char name[32];
  ssize_t n = -1;
  if (int in = open(path, O_RDONLY); in >= 0) {
    n = read(in, name, sizeof name);
    close(in);
  }
  while (n > 0 && (name[n - 1] == '\n' || name[n - 1] == ' '))
    --n;
  if (n <= 0)
    put(fd, "exited");
  else
    put(fd, name, static_cast<std::size_t>(n));
}

void dump(int) {
  const char* file = getenv("COHORT_ALLOC_COUNT_FILE");
  if (file == nullptr)
    return;
  int fd = open(file, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0)
    return;
  int used = rows_used.load();
  for (int i = 0; i < used && i < max_threads; ++i) {
    auto tid = rows[i].tid.load();
    if (tid == 0)
      continue;
    put(fd, static_cast<std::uint64_t>(tid));
    put(fd, " ");
    put_name(fd, tid);
    put(fd, " ");
    put(fd, rows[i].allocations.load());
    put(fd, " ");
    put(fd, rows[i].bytes.load());
    put(fd, "\n");
  }
  put(fd, "end\n");
  close(fd);
}

__attribute__((constructor)) void install() {
  struct sigaction sa {};
  sa.sa_handler = dump;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, nullptr);
}

template <class Next>
void* counted_new(std::size_t n, Next&& call) {
  count(n);
  struct inside {
    inside() { in_new = true; }
    ~inside() { in_new = false; }  // also when the allocator throws bad_alloc
  } guard;
  return call();
}

} // namespace

extern "C" {

void* malloc(std::size_t n) {
  if (!resolve())
    return boot_alloc(n);
  count(n);
  return next_malloc(n);
}

void* calloc(std::size_t k, std::size_t n) {
  if (!resolve())
    return boot_alloc(k * n);  // static storage: already zero
  count(k * n);
  return next_calloc(k, n);
}

void* realloc(void* p, std::size_t n) {
  if (from_boot(p)) {
    void* q = malloc(n);
    auto held = static_cast<std::size_t>(boot + sizeof boot - static_cast<char*>(p));
    if (q != nullptr)
      std::memcpy(q, p, n < held ? n : held);
    return q;
  }
  if (!resolve())
    return boot_alloc(n);
  count(n);
  return next_realloc(p, n);
}

void free(void* p) {
  if (p == nullptr || from_boot(p))
    return;
  if (resolve())
    next_free(p);
}

int posix_memalign(void** out, std::size_t align, std::size_t n) {
  if (!resolve())
    std::abort();
  count(n);
  return next_posix_memalign(out, align, n);
}

void* aligned_alloc(std::size_t align, std::size_t n) {
  if (!resolve())
    std::abort();
  count(n);
  return next_aligned_alloc(align, n);
}

void* memalign(std::size_t align, std::size_t n) {
  if (!resolve())
    std::abort();
  count(n);
  return next_memalign(align, n);
}

} // extern "C"

// operator new: counted here, allocated by the definition behind this one (jemalloc's,
// or libstdc++'s, which calls malloc: not counted again).
namespace {
using new_fn = void* (*)(std::size_t);
using new_nothrow_fn = void* (*)(std::size_t, const std::nothrow_t&);
using new_aligned_fn = void* (*)(std::size_t, std::align_val_t);
} // namespace

void* operator new(std::size_t n) {
  static auto call = next<new_fn>("_Znwm");
  return counted_new(n, [&] { return call(n); });
}

void* operator new[](std::size_t n) {
  static auto call = next<new_fn>("_Znam");
  return counted_new(n, [&] { return call(n); });
}

void* operator new(std::size_t n, const std::nothrow_t& t) noexcept {
  static auto call = next<new_nothrow_fn>("_ZnwmRKSt9nothrow_t");
  return counted_new(n, [&] { return call(n, t); });
}

void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  static auto call = next<new_nothrow_fn>("_ZnamRKSt9nothrow_t");
  return counted_new(n, [&] { return call(n, t); });
}

void* operator new(std::size_t n, std::align_val_t a) {
  static auto call = next<new_aligned_fn>("_ZnwmSt11align_val_t");
  return counted_new(n, [&] { return call(n, a); });
}

void* operator new[](std::size_t n, std::align_val_t a) {
  static auto call = next<new_aligned_fn>("_ZnamSt11align_val_t");
  return counted_new(n, [&] { return call(n, a); });
}
