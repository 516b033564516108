// Clang thread-safety annotations (-Wthread-safety) and a Mutex they apply
// to. Under other compilers the annotations expand to nothing.
//
//   Mutex mu_;
//   int count_ GUARDED_BY(mu_);
//   void f() { MutexLock l(mu_); ++count_; while (!ready_) l.wait(cv_); }
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define RINDLE_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define RINDLE_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) RINDLE_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY RINDLE_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) RINDLE_THREAD_ANNOTATION(guarded_by(x))
#define REQUIRES(...) RINDLE_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) RINDLE_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) RINDLE_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) RINDLE_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace rindle {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  std::mutex& native() { return mu_; }

 private:
  std::mutex mu_;
};

// Holds a Mutex for its scope; waits on condition variables with it held.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.native()) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Releases and re-takes the mutex inside the scope.
  void unlock() RELEASE() { lock_.unlock(); }
  void lock() ACQUIRE() { lock_.lock(); }

  // Waits for a notification (spurious wakeups possible: loop on the condition).
  void wait(std::condition_variable& cv) { cv.wait(lock_); }
  // False on timeout.
  bool wait_until(std::condition_variable& cv, std::chrono::steady_clock::time_point deadline) {
    return cv.wait_until(lock_, deadline) == std::cv_status::no_timeout;
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace rindle
