public import Formats

/// The outcome of `spindle verify`: one ``Check`` per question asked of the patched model,
/// each with its verdict, its figure and what a person should read.
///
/// ```swift
/// let report = Verifier(path: "patched.gguf", options: options).run()
/// print(report.text)              // one line per check, then the details
/// report.json.serialized(.pretty) // the same as one JSON document
/// report.passed                   // false when any check failed (skips do not fail)
/// ```
public struct VerificationReport: Sendable, Encodable {
  /// One verdict.
  public struct Check: Sendable, Encodable {
    /// Whether the check held.
    public enum Status: String, Sendable, CaseIterable, Encodable {
      case pass
      case fail
      /// Not run, with the reason in ``Check/message`` (no original to compare with, an
      /// unscaled model, a format without a forward pass here).
      case skip
    }

    /// A stable identifier: `file`, `tables`, `scaling`, `changes`, `values`, `equivalence`,
    /// `drift`, `long-context`.
    public var name: String
    public var status: Status
    /// The measured figure in words (`max |Δlogit| 2.4e-07`, `mean KL 0.0012 nats`).
    public var figure: String
    /// The figure as a number, when there is one (JSON `value`).
    public var value: Double?
    /// The threshold the value was held to, when there is one (JSON `threshold`).
    public var threshold: Double?
    /// Why it failed, or what was checked; one sentence.
    public var message: String
    /// Every problem or note, one line each (a failed check lists all it found).
    public var details: [String]
    /// Check-specific numbers for the JSON report (NLL buckets, positions).
    public var data: JSONObject

    public init(
      name: String, status: Status, figure: String = "", value: Double? = nil,
      threshold: Double? = nil, message: String, details: [String] = [],
      data: JSONObject = JSONObject()
    ) {
      self.name = name
      self.status = status
      self.figure = figure
      self.value = value
      self.threshold = threshold
      self.message = message
      self.details = details
      self.data = data
    }

    static func skip(_ name: String, _ reason: String) -> Check {
      Check(name: name, status: .skip, message: reason)
    }
  }

  /// The patched checkpoint.
  public var path: String
  /// The original it was compared with, if any.
  public var against: String?
  /// The checks, in the order run.
  public var checks: [Check]
  /// The probe and thresholds used, for the JSON report.
  public var settings: JSONObject
  /// What the forward-pass checks were expected to cost, and the probe lengths the budget
  /// afforded (`nil` without forward-pass checks).
  public var plan: VerificationPlan?
  /// Seconds the verification took.
  public var seconds: Double?

  public init(
    path: String, against: String?, checks: [Check], settings: JSONObject,
    plan: VerificationPlan? = nil, seconds: Double? = nil
  ) {
    self.path = path
    self.against = against
    self.checks = checks
    self.settings = settings
    self.plan = plan
    self.seconds = seconds
  }

  /// Whether no check failed.
  public var passed: Bool { !checks.contains { $0.status == .fail } }

  /// The checks that failed.
  public var failures: [Check] { checks.filter { $0.status == .fail } }

  /// The report for people: a header, one line per check, indented details, a verdict.
  public var text: String {
    var lines = ["verify \(path)" + (against.map { " against \($0)" } ?? "")]
    let width = checks.map(\.name.count).max() ?? 0
    for check in checks {
      let label = check.name + String(repeating: " ", count: width - check.name.count)
      let figure = check.figure.isEmpty ? "" : check.figure + ": "
      lines.append("  \(check.status.rawValue.uppercased())  \(label)  \(figure)\(check.message)")
      let indent = String(repeating: " ", count: width + 10)
      for detail in check.details where detail != check.message { lines.append(indent + detail) }
    }
    let counts = VerificationReport.Check.Status.allCases.compactMap { status -> String? in
      let count = checks.count { $0.status == status }
      return count == 0
        ? nil : "\(count) \(status == .pass ? "passed" : status == .fail ? "failed" : "skipped")"
    }
    lines.append(
      "result: \(passed ? "PASS" : "FAIL") (\(counts.joined(separator: ", ")))")
    return lines.joined(separator: "\n")
  }

  /// The report as one JSON document:
  /// `{"path", "against", "passed", "checks": [{"name", "status", "figure", "value",
  /// "threshold", "message", "details", "data"}], "settings", "plan", "seconds"}` (``JSONValueEncoder``: absent
  /// and non-finite numbers are `null`).
  public var json: JSONValue {
    // Encoding plain values and JSON objects cannot fail.
    (try? JSONValueEncoder().encode(self)) ?? .null
  }

  private enum CodingKeys: String, CodingKey {
    case path, against, passed, checks, settings, plan, seconds
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(path, forKey: .path)
    try container.encodeIfPresent(against, forKey: .against)
    try container.encode(passed, forKey: .passed)
    try container.encode(checks, forKey: .checks)
    try container.encode(settings, forKey: .settings)
    try container.encode(plan.map { JSONValue.object($0.json) } ?? .null, forKey: .plan)
    try container.encode(Self.number(seconds), forKey: .seconds)
  }

  /// A number for JSON: `null` when absent or not finite (JSON has no NaN).
  static func number(_ value: Double?) -> JSONValue {
    guard let value, value.isFinite else { return .null }
    return .double(value)
  }
}
