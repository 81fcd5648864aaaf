/// The time left in a run of steps whose costs are known in advance (floating-point
/// operations, from the model's shape): the rate of the steps measured so far applied to the
/// operations still to run.
///
/// Steps finished without being measured (results an earlier run saved) leave the estimate
/// and its rate alike; before the first measured step there is no estimate.
public struct RemainingTime: Sendable {
  private let operations: [Double]
  private var finished = 0
  private var measuredOperations = 0.0
  private var measuredSeconds = 0.0

  /// Steps in the order they run, each with its cost.
  public init(operations: [Double]) {
    self.operations = operations
  }

  /// Marks the next step finished, in `seconds` when it ran (nil when it was saved).
  public mutating func finishStep(seconds: Double?) {
    guard finished < operations.count else { return }
    if let seconds {
      measuredOperations += operations[finished]
      measuredSeconds += seconds
    }
    finished += 1
  }

  /// Seconds the remaining steps should take at the measured rate.
  public var estimate: Double? {
    guard measuredOperations > 0, finished < operations.count else { return nil }
    return operations[finished...].reduce(0, +) * measuredSeconds / measuredOperations
  }

  /// `estimate` as a person reads it: `40 s`, `12 min`, `3 h 05 min`.
  public static func text(_ seconds: Double) -> String {
    let whole = Int(seconds.rounded())
    if whole < 60 { return "\(whole) s" }
    let minutes = (whole + 30) / 60
    if minutes < 60 { return "\(minutes) min" }
    let rest = minutes % 60
    return "\(minutes / 60) h \(rest < 10 ? "0" : "")\(rest) min"
  }
}
