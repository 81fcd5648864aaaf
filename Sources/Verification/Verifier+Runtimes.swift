import Deployment
import Formats
import Patching

extension Verifier {
  /// `runtimes`: what transformers, vLLM and llama.cpp apply for the patched model's scaling
  /// (``Deployment/RuntimeReport``). With ``VerificationOptions/runtimes`` it fails when a
  /// named runtime applies something else; without, disagreements are listed and the check
  /// is a skip, not a failure.
  func runtimesCheck(_ patched: OpenedCheckpoint) -> VerificationReport.Check {
    let name = "runtimes"
    guard let source = patched.source else {
      return .skip(name, "the model's scaling could not be read (see scaling)")
    }
    let report: RuntimeReport
    switch source.format {
    case .gguf:
      report = RuntimeReport(
        ggufSettings: source.settings, path: source.settingsPath,
        attentionMultiplier: source.ggmlAttentionMultiplier)
    case .huggingFace, .config:
      let named = options.runtimes?.compactMap(Runtime.named) ?? Runtime.catalog
      do {
        report = try RuntimeReport(configPath: source.settingsPath, runtimes: named)
      } catch {
        return .skip(name, "\(error)")
      }
    case .safetensors:
      return .skip(name, "a safetensors file alone names no runtime's config; check its folder")
    }
    let runtimes = report.readings.map(\.runtime.name).joined(separator: ", ")
    let details =
      report.findings.map { "\($0.summary): \($0.cause); fix: \($0.fix)" }
      + report.readings.compactMap { reading in
        reading.failure.map { "\(reading.runtime.name) fails: \($0)" }
      }
    var data = JSONObject()
    data["runtimes"] = .array(report.readings.map { .string($0.runtime.id) })
    data["disagreeing"] = .array(
      Array(Set(report.findings.map(\.runtime.id))).sorted().map { .string($0) })
    if let problem = report.problem {
      return VerificationReport.Check(
        name: name, status: options.runtimes == nil ? .skip : .fail,
        message: "no intended scaling to compare with: \(problem)", details: details, data: data)
    }
    let disagreeing = Set(report.findings.map(\.runtime.id)).count
    if disagreeing == 0 {
      return VerificationReport.Check(
        name: name, status: .pass, figure: "\(report.readings.count) agree",
        message: "every runtime applies the intended scaling: \(runtimes)", data: data)
    }
    return VerificationReport.Check(
      name: name, status: options.runtimes == nil ? .skip : .fail,
      figure: "\(disagreeing) of \(report.readings.count) differ", value: Double(disagreeing),
      message: options.runtimes == nil
        ? "\(disagreeing) runtime(s) would apply something else (informational; --runtimes all"
          + " makes it a failure)"
        : "\(disagreeing) named runtime(s) would apply something else",
      details: details, data: data)
  }
}
