import Synchronization
import Tensors

/// Wall time the forward passes of this process have spent in attention (scores, softmax and
/// `V·p`, every numerics), for `spindle bench`'s whole-sequence pass: there attention is
/// O(n²) and the products O(n), and the benchmark states attention's own rate, not one
/// inferred from a shorter pass. Passes that run side by side (tests) each add their time.
public enum AttentionTime {
  private static let nanoseconds = Atomic<UInt64>(0)

  /// Seconds spent so far.
  public static var seconds: Double {
    Double(nanoseconds.load(ordering: .relaxed)) / 1e9
  }

  /// `body()`, its wall time added to ``seconds``.
  static func measure<T>(_ body: () -> T) -> T {
    let start = ContinuousClock.now
    let result = body()
    let elapsed = (ContinuousClock.now - start).seconds
    nanoseconds.add(UInt64(max(0, elapsed * 1e9)), ordering: .relaxed)
    return result
  }
}
