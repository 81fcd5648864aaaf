import ArgumentParser
import Deployment
import Formats
import Models
import Patching
import RoPE

#if canImport(Glibc)
import Glibc
#endif

extension Spindle.Rope {
  /// `--runtimes`: the runtime report of the config at the input path.
  func runRuntimes() throws {
    let configPath = try Self.configPath(input.path)
    var whatIf: RoPESettings?
    if !scaling.isEmpty {
      let source = try RoPESource(path: configPath)
      whatIf = try source.settings.previewing(
        try scaling.request(), path: source.settingsPath, contextKey: source.contextKey)
    }
    let chosen = runtimeIDs.isEmpty ? Runtime.catalog : runtimeIDs.compactMap(Runtime.named)
    let report = try RuntimeReport(configPath: configPath, whatIf: whatIf, runtimes: chosen)
    if json {
      try JSONOutput.print(RuntimesDocument(report))
    } else {
      print(Self.text(report))
    }
  }

  /// The `config.json` a runtime report reads: the path itself, or the one in the folder.
  static func configPath(_ path: String) throws -> String {
    if path.hasSuffix(".json") { return path }
    let candidate = (path.hasSuffix("/") ? String(path.dropLast()) : path) + "/config.json"
    var status = stat()
    guard stat(candidate, &status) == 0 else {
      throw CommandFailure(
        "\(path): --runtimes reads a Hugging Face config (a folder with config.json, or the"
          + " file); a GGUF file has one runtime, llama.cpp, whose values `spindle rope` shows")
    }
    return candidate
  }

  static func text(_ report: RuntimeReport) -> String {
    let number = RuntimeReport.text
    func range(_ range: YaRNCorrectionRange?, _ rounded: Bool?) -> String {
      range.map { RuntimeReport.rangeText($0, rounded) } ?? "-"
    }
    var rows = [
      [
        "runtime", "type", "factor", "original", "correction range", "attention", "max context",
        "Δ inv_freq",
      ]
    ]
    if let intended = report.intended {
      rows.append([
        "intended", intended.ropeType, number(intended.factor),
        intended.originalContextLength.map(String.init) ?? "-",
        range(intended.correctionRange, intended.rounded), number(intended.attentionFactor),
        intended.maxContext.map(String.init) ?? "-", "",
      ])
    }
    for reading in report.readings {
      if reading.failure != nil {
        rows.append([reading.runtime.name, "fails", "", "", "", "", "", ""])
        continue
      }
      rows.append([
        reading.runtime.name, reading.scaling.ropeType, number(reading.scaling.factor),
        reading.scaling.originalContextLength.map(String.init) ?? "-",
        range(reading.scaling.correctionRange, reading.scaling.rounded),
        number(reading.scaling.attentionFactor),
        reading.scaling.maxContext.map(String.init) ?? "no limit",
        report.frequencyDifference(reading).map { NumberText.significant($0, digits: 2) } ?? "-",
      ])
    }
    var lines = ["runtimes reading \(report.declaration.path):"]
    lines.append(table(rows, rightAligned: [2, 3, 5, 6, 7], minimum: 8))
    if let problem = report.problem {
      lines.append("no intended scaling to compare with: \(problem)")
    }
    for reading in report.readings {
      if let failure = reading.failure { lines.append("\(reading.runtime.name) fails: \(failure)") }
    }
    let assumed = report.readings.filter { !$0.assumptions.isEmpty }
    for reading in assumed {
      lines.append(
        "\(reading.runtime.name) assumes \(reading.assumptions.joined(separator: "; "))")
    }
    if report.intended != nil {
      if report.findings.isEmpty {
        lines.append("every runtime applies the intended scaling")
      } else {
        lines.append("disagreements (\(report.findings.count)):")
        for finding in report.findings {
          lines.append("  \(finding.summary)")
          lines.append("    cause: \(finding.cause)")
          lines.append("    fix: \(finding.fix)")
        }
      }
    }
    return lines.joined(separator: "\n")
  }
}
