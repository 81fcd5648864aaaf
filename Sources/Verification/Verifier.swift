import Formats
import Inference
import Models
import Patching
import Tensors

/// A step of a verification, for progress displays: `step` of `stepCount`, and what runs.
public struct VerificationProgress: Sendable, Equatable {
  public var step: Int
  public var stepCount: Int
  public var label: String
  /// The share of the step done (0…1), for steps that report it; `nil` when the step begins.
  public var share: Double?
}

/// `spindle verify` as a library call: structure, equivalence, drift and long-context checks
/// of a patched checkpoint, optionally against the original it was made from.
///
/// ```swift
/// var options = VerificationOptions(against: "original.gguf")
/// options.probeLength = 64
/// let report = Verifier(path: "patched.gguf", options: options).run()
/// if !report.passed { print(report.failures.map(\.message)) }
/// ```
///
/// The structure checks read headers, compare tensor bytes with the original and scan
/// floating-point values (O(file), bounded memory); the numeric checks run the CPU forward
/// pass (`ModelCheckpoint`) on every model `Models` describes.
public struct Verifier: Sendable {
  /// The patched checkpoint.
  public var path: String
  public var options: VerificationOptions

  public init(path: String, options: VerificationOptions = VerificationOptions()) {
    self.path = path
    self.options = options
  }

  /// Runs every check; `progress` hears of each step before it starts (and of a long step's
  /// share done), `planned` of the ``VerificationPlan`` before the forward-pass checks.
  public func run(
    progress: (VerificationProgress) -> Void = { _ in },
    planned: (VerificationPlan) -> Void = { _ in }
  ) -> VerificationReport {
    let clock = ContinuousClock()
    let started = clock.now
    func elapsed() -> Double { (clock.now - started).seconds }
    let stepCount = options.structureOnly ? 2 : options.against == nil ? 6 : 7
    var step = 0
    var label = ""
    func report(_ text: String) {
      step += 1
      label = text
      progress(VerificationProgress(step: step, stepCount: stepCount, label: text))
    }
    report("reading headers and tables")
    let patched = OpenedCheckpoint(path: path)
    let original = options.against.map { OpenedCheckpoint(path: $0) }
    if let original, let mine = patched.checkpoint, let theirs = original.checkpoint {
      let differences = Self.modelDifferences(mine, theirs)
      if !differences.isEmpty {
        return differentModelsReport(patched, original, differences: differences)
      }
    }
    var checks = [
      fileCheck(patched, original: original), tablesCheck(patched),
      scalingCheck(patched, original: original),
    ]
    report("comparing tensors and scanning values")
    checks.append(changesCheck(patched, original: original))
    checks.append(valuesCheck(patched))
    checks.append(runtimesCheck(patched))
    var plan: VerificationPlan?
    if !options.structureOnly {
      let numerics = NumericChecks(verifier: self, patched: patched, original: original)
      report("planning: measuring the forward pass")
      plan = numerics.plan(elapsed: elapsed())
      if let plan { planned(plan) }
      report("equivalence: runtime scaling vs baked tables, layer by layer")
      checks.append(numerics.equivalence())
      report("drift: next-token distributions vs the original")
      let length = plan?.driftTokens ?? numerics.probes?.drift ?? 0
      var seconds: Double?
      checks.append(numerics.drift(length: length, seconds: &seconds))
      if let seconds, seconds > 0, let probes = numerics.probes,
        let configuration = numerics.model?.configuration
      {
        plan?.replanLongContext(
          configuration: configuration, probes: probes, elapsed: elapsed(),
          operationsPerSecond: numerics.driftOperations(length: length) / seconds)
      }
      checks.append(
        numerics.longContext(plan: plan) { text in
          report(text)
        } share: { share in
          progress(
            VerificationProgress(step: step, stepCount: stepCount, label: label, share: share))
        })
    }
    var settings = options.json
    settings["spindle_version"] = .string(SpindleVersion.current)
    return VerificationReport(
      path: path, against: options.against, checks: checks, settings: settings, plan: plan,
      seconds: elapsed())
  }
}

/// A checkpoint opened for the structure checks: its headers, its declared rotary settings,
/// its baked tables, each with the error that kept it from opening.
struct OpenedCheckpoint: Sendable {
  var path: String
  var checkpoint: Checkpoint?
  var openError: FormatError?
  /// The settings as `rope` reads them (a baked record applied), strictly.
  var source: RoPESource?
  var sourceError: PatchError?
  /// The settings read with `force` (problems become warnings), when the strict read failed.
  var lenientSettings: RoPESettings?
  var tables: BakedRoPECheck?

  init(path: String) {
    self.path = path
    switch Result(catching: { () throws(FormatError) in try Checkpoint.open(path) }) {
    case .success(let opened): checkpoint = opened
    case .failure(let error): openError = error
    }
    guard let checkpoint else { return }
    switch Result(catching: { () throws(PatchError) in try RoPESource(path: path) }) {
    case .success(let found): source = found
    case .failure(let error):
      sourceError = error
      lenientSettings = Self.lenientSettings(checkpoint)
    }
    tables = BakedRoPECheck(path: path)
  }

  /// The settings, strict or lenient.
  var settings: RoPESettings? { source?.settings ?? lenientSettings }

  /// The baked record, if the file has one.
  var record: BakedRoPE? { source?.baked ?? tables?.record }

  static func lenientSettings(_ checkpoint: Checkpoint) -> RoPESettings? {
    switch checkpoint.source {
    case .gguf(let files):
      guard let file = files.first else { return nil }
      return try? RoPESettings(gguf: file, force: true)
    case .huggingFace(let folder):
      return try? RoPESettings(
        huggingFace: folder.config.json, path: folder.config.path, force: true)
    default:
      return nil
    }
  }
}
