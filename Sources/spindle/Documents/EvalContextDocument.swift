import Evaluation
import RoPE

/// What `spindle eval-context` reports: the settings, the texts (path, SHA-256, tokens), one
/// perplexity per method, factor and length, and the passkey results; as JSON (`--json`), CSV
/// (`--csv`) or tables.
struct EvalContextDocument: Encodable {
  struct Text: Encodable {
    var path: String
    var sha256: String
    var tokens: Int
  }

  var model: String
  var `protocol`: String
  var stride: Int?
  var numerics: String
  /// With llama.cpp numerics, whether its flash-attention path ran; `nil` for exact.
  var flashAttention: Bool?
  var originalContextLength: Int
  /// Where the default texts come from (MANIFEST's citation); `nil` for `--text` files.
  var textSource: String?
  var texts: [Text]
  var results: [PerplexityResult]
  var passkey: [PasskeyResult]
  /// The passkey settings a resumed run must share; `nil` without `--passkey`.
  var passkeyTrials: Int?
  var passkeySeed: UInt64?

  /// The perplexity table, then the passkey table (methods × lengths, the original window
  /// marked), as each was run.
  var table: String {
    var text = ""
    if !results.isEmpty {
      text +=
        "perplexity by context length (\(`protocol`) protocol, \(texts.count)"
        + " text\(texts.count == 1 ? "" : "s"), original window \(originalContextLength)):\n"
      if let textSource { text += "texts: \(textSource)\n" }
      text += grid(
        results.map {
          (
            ContextMethod.label($0.method, factor: $0.factor), $0.length,
            NumberText.figures($0.perplexity, digits: 4)
          )
        })
    }
    if !passkey.isEmpty {
      if !text.isEmpty { text += "\n" }
      let trials = passkey[0].trials
      text += "passkey retrieval, correct of \(trials) trials:\n"
      text += grid(
        passkey.map {
          (
            ContextMethod.label($0.method, factor: $0.factor)
              + ($0.depth.map { " @\(NumberText.significant($0, digits: 3))" } ?? ""),
            $0.length, "\($0.correct)/\($0.trials)"
          )
        })
    }
    return text
  }

  /// Rows in first-met order, one column per length.
  func grid(_ cells: [(row: String, length: Int, value: String)]) -> String {
    var lengths: [Int] = []
    var rows: [(String, [Int: String])] = []
    for cell in cells {
      if !lengths.contains(cell.length) { lengths.append(cell.length) }
      if rows.last?.0 != cell.row { rows.append((cell.row, [:])) }
      rows[rows.count - 1].1[cell.length] = cell.value
    }
    let header =
      ["method"] + lengths.map { $0 == originalContextLength ? "\($0) (window)" : "\($0)" }
    let table = rows.map { row in [row.0] + lengths.map { row.1[$0] ?? "" } }
    let widths = header.indices.map { column in
      ([header] + table).map { $0[column].count }.max() ?? 0
    }
    func line(_ fields: [String]) -> String {
      var text = fields[0].padding(toLength: widths[0], withPad: " ", startingAt: 0)
      for column in 1..<fields.count {
        text += "  " + String(repeating: " ", count: widths[column] - fields[column].count)
        text += fields[column]
      }
      return text + "\n"
    }
    return ([header] + table).map(line).joined()
  }

  /// One row per result, perplexity and passkey alike (columns a row does not use are empty).
  var csv: String {
    var text =
      "test,method,factor,length,depth,perplexity,mean_nll,scored_tokens,texts,"
      + "passkey_correct,passkey_trials,seconds\n"
    func field(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
    for r in results {
      text +=
        "perplexity,\(r.method),\(field(r.factor)),\(r.length),,\(r.perplexity),"
        + "\(r.meanNegativeLogLikelihood),\(r.scoredTokens),\(r.texts),,,\(r.seconds)\n"
    }
    for r in passkey {
      text +=
        "passkey,\(r.method),\(field(r.factor)),\(r.length),\(field(r.depth)),,,,,"
        + "\(r.correct),\(r.trials),\(r.seconds)\n"
    }
    return text
  }
}
