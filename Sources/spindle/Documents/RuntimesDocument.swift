import Deployment
import RoPE

/// `spindle rope --runtimes --json`: the intended scaling, each runtime's reading and every
/// disagreement with its cause and fix.
struct RuntimesDocument: Encodable {
  struct Range: Encodable {
    var low: Double
    var high: Double
    var rounded: Bool?
  }

  struct Scaling: Encodable {
    var ropeType: String
    var factor: Double
    var originalContext: Int?
    var correctionRange: Range?
    var attentionFactor: Double
    var maxContext: Int?
  }

  struct Finding: Encodable {
    var aspect: String
    var intended: String
    var found: String
    var cause: String
    var fix: String
  }

  struct Reading: Encodable {
    var id: String
    var name: String
    var family: String
    var source: String
    var failure: String?
    var scaling: Scaling?
    var keysRead: [String]
    var keysIgnored: [String]
    var assumptions: [String]
    /// Largest relative difference of the inverse frequencies from the intended ones.
    var inverseFrequencyDifference: Double?
    var agrees: Bool
    var findings: [Finding]
  }

  var path: String
  var intended: Scaling?
  var problem: String?
  var agrees: Bool
  var runtimes: [Reading]

  init(_ report: RuntimeReport) {
    path = report.declaration.path
    problem = report.problem
    agrees = report.agrees
    intended = report.intended.map { intended in
      Scaling(
        ropeType: intended.ropeType, factor: intended.factor,
        originalContext: intended.originalContextLength,
        correctionRange: intended.correctionRange.map {
          Range(low: $0.low, high: $0.high, rounded: intended.rounded)
        }, attentionFactor: intended.attentionFactor, maxContext: intended.maxContext)
    }
    runtimes = report.readings.map { reading in
      let findings = report.findings.filter { $0.runtime == reading.runtime }
      return Reading(
        id: reading.runtime.id, name: reading.runtime.name,
        family: reading.runtime.family.rawValue, source: reading.runtime.source,
        failure: reading.failure,
        scaling: reading.failure == nil
          ? Scaling(
            ropeType: reading.scaling.ropeType, factor: reading.scaling.factor,
            originalContext: reading.scaling.originalContextLength,
            correctionRange: reading.scaling.correctionRange.map {
              Range(low: $0.low, high: $0.high, rounded: reading.scaling.rounded)
            }, attentionFactor: reading.scaling.attentionFactor,
            maxContext: reading.scaling.maxContext)
          : nil,
        keysRead: reading.keysRead, keysIgnored: reading.keysIgnored,
        assumptions: reading.assumptions,
        inverseFrequencyDifference: report.frequencyDifference(reading),
        agrees: report.intended != nil && findings.isEmpty,
        findings: findings.map {
          Finding(
            aspect: $0.aspect.rawValue, intended: $0.intended, found: $0.found, cause: $0.cause,
            fix: $0.fix)
        })
    }
  }
}
