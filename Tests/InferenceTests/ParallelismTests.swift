import Synchronization
import Testing

@testable import Inference

@Suite("Worker pool")
struct ParallelismTests {
  /// Every iteration runs exactly once, over many loops in a row (the workers spinning) and after
  /// a pause long enough for them to fall asleep (woken by the condition variable).
  @Test(arguments: [1, 2, 3, 7])
  func everyIterationRunsOnce(workers: Int) async throws {
    let pool = WorkerPool(workers: workers)
    for round in 0..<200 {
      let iterations = round % 37
      // Each iteration owns its slot, so a slot other than 1 means a lost or repeated one.
      var counts = [Int](repeating: 0, count: iterations)
      let ran = counts.withUnsafeMutableBufferPointer { buffer in
        nonisolated(unsafe) let counters = buffer
        return pool.run(iterations: iterations) { i in counters[i] += 1 }
      }
      #expect(ran)
      #expect(counts.allSatisfy { $0 == 1 }, "round \(round)")
      if round % 50 == 49 { try await Task.sleep(for: .milliseconds(30)) }
    }
  }

  /// Loops posted from several threads at once all complete with every iteration once: the
  /// pool runs one and the others go through Dispatch.
  @Test func concurrentCallersAllComplete() async {
    final class Counter: Sendable { let total = Atomic<Int>(0) }
    let counter = Counter()
    await withTaskGroup(of: Void.self) { group in
      for _ in 0..<8 {
        group.addTask {
          for _ in 0..<100 {
            Parallelism.perform(iterations: 64) { _ in counter.total.add(1, ordering: .relaxed) }
          }
        }
      }
    }
    #expect(counter.total.load(ordering: .relaxed) == 8 * 100 * 64)
  }

  /// A loop posted while the pool is held by another is refused, not run twice or lost.
  @Test func busyPoolRefuses() {
    let pool = WorkerPool(workers: 1)
    let inner = Atomic<Bool>(true)
    let outer = pool.run(iterations: 1) { _ in
      inner.store(pool.run(iterations: 1) { _ in }, ordering: .relaxed)
    }
    #expect(outer)
    #expect(inner.load(ordering: .relaxed) == false)
  }
}
