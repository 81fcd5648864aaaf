internal import CSystemShims
import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Threads that stay awake between the short parallel loops of a forward pass.
///
/// A token of generation runs some two hundred parallel loops (a matrix product or attention
/// each) of tens of microseconds; waking threads through the kernel for each one cost more than
/// the loops themselves. As ggml's thread pool, the workers spin on a generation counter (with
/// the CPU's pause hint) while work keeps coming, and sleep on a condition variable after
/// ``spinLimit`` empty checks (about a millisecond), so an idle process uses no CPU.
///
/// One loop runs at a time: ``run(iterations:_:)`` returns `false` without running anything
/// when another thread's loop holds the pool, and the caller runs its loop another way.
final class WorkerPool: @unchecked Sendable {
  /// Empty checks before a worker goes to sleep.
  static let spinLimit = 1 << 15

  /// Threads besides the caller's.
  let workers: Int

  private let generation = Atomic<Int>(0)
  private let nextIteration = Atomic<Int>(0)
  private let finished = Atomic<Int>(0)
  private let sleepers = Atomic<Int>(0)
  private let busy = Atomic<Bool>(false)
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let wake: UnsafeMutablePointer<pthread_cond_t>
  // Written by the posting thread before `generation` is bumped, read by workers after.
  private var job: ((Int) -> Void)?
  private var iterations = 0

  /// Starts `workers` detached threads; they live as long as the process.
  init(workers: Int) {
    self.workers = workers
    mutex = .allocate(capacity: 1)
    wake = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(wake, nil)
    for _ in 0..<workers {
      let context = Unmanaged.passRetained(self).toOpaque()
      #if canImport(Darwin)
      var thread: pthread_t?
      #else
      var thread = pthread_t()
      #endif
      let status = pthread_create(
        &thread, nil,
        { context in
          guard let context else { return nil }
          Unmanaged<WorkerPool>.fromOpaque(context).takeUnretainedValue().workerLoop()
          return nil
        }, context)
      precondition(status == 0, "pthread_create failed with error \(status)")
      #if canImport(Darwin)
      if let thread { pthread_detach(thread) }
      #else
      pthread_detach(thread)
      #endif
    }
  }

  /// Runs `body(i)` for every `i` in `0..<iterations` on the calling thread and the workers.
  ///
  /// Each takes the next undone `i`; returns when all are done. `false` (nothing run) when
  /// another loop holds the pool.
  func run(iterations: Int, _ body: (Int) -> Void) -> Bool {
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else { return false }
    withoutActuallyEscaping(body) { body in
      job = body
      self.iterations = iterations
      nextIteration.store(0, ordering: .relaxed)
      finished.store(0, ordering: .relaxed)
      generation.add(1, ordering: .sequentiallyConsistent)
      if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
      }
      Self.take(from: nextIteration, below: iterations, body)
      while finished.load(ordering: .acquiring) < workers { spindle_cpu_relax() }
      job = nil
    }
    busy.store(false, ordering: .releasing)
    return true
  }

  private static func take(from next: borrowing Atomic<Int>, below end: Int, _ body: (Int) -> Void)
  {
    while true {
      let i = next.add(1, ordering: .relaxed).oldValue
      if i >= end { return }
      body(i)
    }
  }

  private func workerLoop() {
    var seen = 0
    while true {
      var spins = 0
      var current = generation.load(ordering: .acquiring)
      while current == seen {
        spins += 1
        if spins < Self.spinLimit {
          spindle_cpu_relax()
        } else {
          // The poster bumps `generation`, then reads `sleepers`; a sleeper counts itself,
          // then reads `generation` (both sequentially consistent): one of them sees the other.
          pthread_mutex_lock(mutex)
          sleepers.add(1, ordering: .sequentiallyConsistent)
          while generation.load(ordering: .sequentiallyConsistent) == seen {
            pthread_cond_wait(wake, mutex)
          }
          sleepers.subtract(1, ordering: .sequentiallyConsistent)
          pthread_mutex_unlock(mutex)
          spins = 0
        }
        current = generation.load(ordering: .acquiring)
      }
      seen = current
      runJob()
      finished.add(1, ordering: .releasing)
    }
  }

  /// The worker's share of the posted loop; its reference to the loop's closure ends when this
  /// returns, before the worker reports (the poster then checks that nothing kept it).
  @inline(never)
  private func runJob() {
    guard let job else { return }
    Self.take(from: nextIteration, below: iterations, job)
  }
}
