import Dispatch
import Synchronization

/// How many threads the forward pass splits its work over.
///
/// Matrix products split their rows, and attention its (query, head) pairs, into shares that at
/// most ``threadCount`` threads take in turn (``perform(iterations:_:)``), so `--threads 1`
/// really runs on one thread and a busy core holds back only the share it is working on. The
/// default, every online core, is what llama.cpp's `-t` is on an idle machine. `spindle run`,
/// `verify` and `bench` set it from `--threads` before any forward pass starts; set it only
/// while no pass runs.
public enum Parallelism {
  /// Online processors (at least 1).
  public static let processorCount = CMath.processorCount

  private static let configured = Atomic<Int>(CMath.processorCount)

  /// Worker threads for the next forward pass (at least 1).
  public static var threadCount: Int {
    get { configured.load(ordering: .relaxed) }
    set { configured.store(max(1, newValue), ordering: .relaxed) }
  }

  /// One ``WorkerPool`` per worker count asked for (a count's threads are started once).
  private static let pools = Mutex<[Int: WorkerPool]>([:])

  /// Runs `body(i)` for every `i` in `0..<iterations` on at most ``threadCount`` threads (the
  /// caller's included); each thread takes the next undone `i` until none is left.
  ///
  /// The threads are a ``WorkerPool``'s; when its loop is taken by another caller (tests run
  /// passes side by side), the loop goes to Dispatch's `concurrentPerform` instead.
  static func perform(iterations: Int, _ body: (Int) -> Void) {
    let threads = min(threadCount, iterations)
    if threads <= 1 {
      for i in 0..<iterations { body(i) }
      return
    }
    let workers = threadCount - 1
    let pool = pools.withLock { pools in
      if let pool = pools[workers] { return pool }
      let pool = WorkerPool(workers: workers)
      pools[workers] = pool
      return pool
    }
    if pool.run(iterations: iterations, body) { return }
    let next = Atomic<Int>(0)
    withoutActuallyEscaping(body) { body in
      nonisolated(unsafe) let work = body
      DispatchQueue.concurrentPerform(iterations: threads) { _ in
        while true {
          let i = next.add(1, ordering: .relaxed).oldValue
          if i >= iterations { return }
          work(i)
        }
      }
    }
  }
}
