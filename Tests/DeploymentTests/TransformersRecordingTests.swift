import Deployment
import Formats
import Models
import TestSupport
import Testing

/// Spindle's model of each transformers version range against what the real library computed
/// (`fixtures/runtimes/record-transformers.sh`: transformers 4.45.2, 4.55.4, 4.56.0 and 5.24.0
/// on `fixtures/runtimes/configs.json`).
struct TransformersRecordingTests {
  /// The recorded version and the runtime range it belongs to.
  static let versions = [
    ("4.45.2", "transformers-4.45"), ("4.55.4", "transformers-4.55"),
    ("4.56.0", "transformers-4.56"), ("5.24.0", "transformers-5"),
  ]

  static let configs: [(name: String, config: JSONObject)] = {
    guard let list = try? Repository.recordedJSON("runtimes/configs.json").array else { return [] }
    return list.compactMap { entry in
      guard let name = entry["name"]?.string, let config = entry["config"]?.object else {
        return nil
      }
      return (name, config)
    }
  }()

  static let runs: [String: JSONObject] = {
    guard let runs = try? Repository.recordedJSON("runtimes/transformers.json")["runs"]?.array
    else { return [:] }
    var result: [String: JSONObject] = [:]
    for run in runs {
      if let version = run["versions"]?["transformers"]?.string, let cases = run["cases"]?.object {
        result[version] = cases
      }
    }
    return result
  }()

  static let cases: [(String, String)] = versions.flatMap { version in
    configs.map { (version.0, $0.name) }
  }

  @Test func recordingsCoverEveryVersionAndConfig() {
    #expect(Self.configs.count == 13)
    #expect(Set(Self.runs.keys) == Set(Self.versions.map(\.0)))
  }

  /// What the model runs: the rotary module's tables (the init function's, unless the model
  /// class ignores the scaling) and its attention scaling, exactly; the factor, original
  /// context and correction range the init function used, exactly.
  @Test(arguments: cases)
  func readingMatchesTheLibrary(version: String, name: String) throws {
    let recorded = try #require(Self.runs[version]?[name]?.object)
    let config = try #require(Self.configs.first { $0.name == name }?.config)
    let id = try #require(Self.versions.first { $0.0 == version }?.1)
    let runtime = try #require(Runtime.named(id))
    let reading = runtime.reading(ScalingDeclaration(config: config, path: name))
    #expect(reading.failure == nil)

    let module = try #require(recorded["model"]?["rotary_modules"]?.array?.first?.object)
    let initTables = try #require(recorded["rope_init"]?.object)
    let matchesInit = module["inv_freq_matches_rope_init"]?.bool == true
    // Dynamic NTK's tables after a forward pass of max_position_embeddings × factor tokens,
    // the length a reading evaluates it at.
    let tables = module["after_forward"]?.object ?? (matchesInit ? initTables : module)
    let expected = try #require(tables["inv_freq"]?.array).compactMap { value -> Double? in
      guard let text = value.string, let bits = UInt32(text.dropFirst(2), radix: 16) else {
        return nil
      }
      return Double(Float(bitPattern: bits))
    }
    #expect(expected.count == reading.scaling.inverseFrequencies.count)
    // torch's Float pow against Spindle's Double rounded to Float: a few ulp apart at most.
    for (i, (ours, theirs)) in zip(reading.scaling.inverseFrequencies, expected).enumerated() {
      #expect((ours - theirs).magnitude <= 5e-7 * theirs, "inv_freq[\(i)]: \(ours) vs \(theirs)")
    }
    let attention = module["attention_scaling"]?.number?.double ?? 1
    #expect(reading.scaling.attentionFactor == attention)

    guard matchesInit, let locals = initTables["locals"]?.object else { return }
    if let factor = locals["factor"]?.number?.double {
      #expect(reading.scaling.factor == factor)
    }
    if reading.scaling.ropeType == "yarn" {
      let original =
        locals["original_max_position_embeddings"]?.number?.int
        ?? config["max_position_embeddings"]?.number?.int
      #expect(reading.scaling.originalContextLength == original)
      if let low = locals["low"]?.number?.double, let high = locals["high"]?.number?.double {
        #expect(reading.scaling.correctionRange?.low == low)
        #expect(reading.scaling.correctionRange?.high == high)
      }
    }
  }
}
