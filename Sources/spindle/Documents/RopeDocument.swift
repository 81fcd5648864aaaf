import Formats
import Rendering

/// `spindle rope --json`: source, settings, magnitudes, class counts, warnings, table
/// problems and one entry per rotary pair.
///
/// Numbers are exact (the shortest text that reads back as the Double); the llama.cpp values
/// are ggml's Floats as their shortest Float text.
struct RopeDocument: Encodable {
  struct Range<Bound: Encodable>: Encodable {
    var low: Bound
    var high: Bound
  }

  struct Pair: Encodable {
    var i: Int
    var wavelength: Double
    var contextRatio: Double
    var ramp: Double
    var `class`: String
    var originalInvFreq: Double
    var invFreq: Double
    var frequencyFactor: Double
  }

  var path: String
  var settingsPath: String
  var format: String
  var name: String
  var whatIf: Bool
  var summary: String
  var ropeType: String
  var base: Double
  var headDim: Int
  var rotaryDim: Int
  var partialRotaryFactor: Double
  var originalContext: Int
  var context: Int
  var sequenceLength: Int?
  var factor: Double
  var attentionFactor: Double
  var llamaCppAttentionFactor: Double
  var correctionRange: Range<Double>?
  var llamaCppCorrectionRange: Range<Float>?
  /// Pairs per class, keyed by the class's name, in class order.
  var classes: JSONObject
  var tables: String?
  var warnings: [String]
  /// Baked tables that do not match their spindle.rope record (as `validate` names them).
  var ropeTableProblems: [ProblemDocument] = []
  var pairs: [Pair]

  init(_ document: RoPEReportDocument) {
    let configuration = document.configuration
    let report = document.report
    path = document.source.path
    settingsPath = document.source.settingsPath
    format = document.source.format.formatName
    name = document.source.name
    whatIf = document.isPreview
    summary = document.settings.summary
    ropeType = document.settings.scaling.ropeType
    base = configuration.base
    headDim = configuration.headDimension
    rotaryDim = configuration.rotaryDimension
    partialRotaryFactor = configuration.partialRotaryFactor
    originalContext = configuration.originalContextLength
    context = configuration.maxPositionEmbeddings
    sequenceLength = document.sequenceLength
    factor = report.factor
    attentionFactor = report.attentionFactor
    llamaCppAttentionFactor = document.llamaCppAttentionFactor
    correctionRange = report.correctionRange.map { Range(low: $0.low, high: $0.high) }
    llamaCppCorrectionRange = document.llamaCppCorrectionRange.map {
      Range(low: $0.low, high: $0.high)
    }
    classes = JSONObject(
      document.classCounts.map { ($0.dimensionClass.rawValue, .integer($0.count)) })
    tables = document.tables
    warnings = document.warnings
    pairs = report.dimensions.map { pair in
      Pair(
        i: pair.pairIndex, wavelength: pair.wavelength, contextRatio: pair.contextRatio,
        ramp: pair.ramp, class: pair.dimensionClass.rawValue,
        originalInvFreq: pair.originalInverseFrequency, invFreq: pair.inverseFrequency,
        frequencyFactor: RoPEReportDocument.frequencyFactor(pair))
    }
  }
}
