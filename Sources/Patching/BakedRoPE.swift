public import Formats
public import Models
import RoPE

/// The provenance record of RoPE tables Spindle baked into a checkpoint: what was computed,
/// from which parameters, where it lives, and a checksum of the table bytes.
///
/// Stored as one compact JSON string under ``metadataKey`` (a GGUF `STRING` KV, or a
/// safetensors `__metadata__` entry), so both formats carry the same record:
///
///     {"spindle_version":"0.1.0","table":"rope_freqs.weight","form":"frequency_factors",
///      "pairs":32,"table_crc32":"9b1c04aa","attention_factor":1.1386294361119891,
///      "attention":"metadata","rope_theta":10000.0,"rotary_dim":64,
///      "max_position_embeddings":8192,"scaling":{"rope_type":"yarn","factor":4.0,...}}
///
/// `scaling` is the transformers dict of the scaling the table encodes (the same text
/// `rope_scaling` would hold), so the table can be recomputed from the record alone and
/// compared with the file (``BakedRoPECheck``).
public struct BakedRoPE: Equatable, Sendable {
  /// The metadata key holding the record.
  public static let metadataKey = "spindle.rope"

  /// What the table's entries are.
  public enum Form: String, Sendable, CaseIterable {
    /// `θ_i / inv_freq_i`: what llama.cpp's `rope_freqs.weight` holds (ggml divides by it).
    case frequencyFactors = "frequency_factors"
    /// `inv_freq_i`: what a transformers `rotary_emb.inv_freq` buffer holds.
    case inverseFrequencies = "inverse_frequencies"
  }

  /// Where the attention factor (the magnitude YaRN puts on cos and sin) is applied.
  public enum AttentionPlacement: String, Sendable, CaseIterable {
    /// A runtime key carries it (GGUF `{arch}.rope.scaling.attn_factor`; the HF config).
    case metadata
    /// It is folded into the Q and K weights (portable mode); no runtime applies it.
    case weights
  }

  /// The Spindle version that baked the table.
  public var spindleVersion: String
  /// The table tensor's name.
  public var tableName: String
  public var form: Form
  /// Entries in the table: one per rotary pair.
  public var pairCount: Int
  /// CRC-32 of the table's bytes as stored.
  public var tableChecksum: UInt32
  /// The attention factor of the scaling (applied as ``attention`` says).
  public var attentionFactor: Double
  public var attention: AttentionPlacement
  /// The geometry the table was computed for.
  public var base: Double
  public var rotaryDimension: Int
  public var contextLength: Int
  /// The scaling as a transformers dict (`rope_type`, `factor`, lengths, betas).
  public var scaling: JSONObject

  public init(
    spindleVersion: String, tableName: String, form: Form, pairCount: Int,
    tableChecksum: UInt32, attentionFactor: Double, attention: AttentionPlacement,
    base: Double, rotaryDimension: Int, contextLength: Int, scaling: JSONObject
  ) {
    self.spindleVersion = spindleVersion
    self.tableName = tableName
    self.form = form
    self.pairCount = pairCount
    self.tableChecksum = tableChecksum
    self.attentionFactor = attentionFactor
    self.attention = attention
    self.base = base
    self.rotaryDimension = rotaryDimension
    self.contextLength = contextLength
    self.scaling = scaling
  }

  /// The record as the compact JSON stored under ``metadataKey``.
  public var json: String {
    var object = JSONObject()
    object["spindle_version"] = .string(spindleVersion)
    object["table"] = .string(tableName)
    object["form"] = .string(form.rawValue)
    object["pairs"] = .integer(pairCount)
    object["table_crc32"] = .string(Self.hex(tableChecksum))
    object["attention_factor"] = .double(attentionFactor)
    object["attention"] = .string(attention.rawValue)
    object["rope_theta"] = .double(base)
    object["rotary_dim"] = .integer(rotaryDimension)
    object["max_position_embeddings"] = .integer(contextLength)
    object["scaling"] = .object(scaling)
    return JSONValue.object(object).serialized(.compact)
  }

  /// Reads a record; `path` locates errors.
  ///
  /// - Throws: ``PatchError/Kind/wrongType`` naming the member that is missing or mistyped.
  public init(json text: String, path: String) throws(PatchError) {
    let key = Self.metadataKey
    let value: JSONValue
    do { value = try JSONValue.parse(text, path: path) } catch {
      throw PatchError(.wrongType, path: path, key: key, "'\(key)' is not JSON: \(error.message)")
    }
    guard let object = value.object else {
      throw PatchError(
        .wrongType, path: path, key: key,
        "'\(key)' must hold a JSON object, found \(value.typeName)")
    }
    func member(_ name: String) throws(PatchError) -> JSONValue {
      guard let found = object[name] else {
        throw PatchError(
          .missingKey, path: path, key: "\(key).\(name)", "the '\(key)' record has no '\(name)'")
      }
      return found
    }
    func wrong(_ name: String, _ expected: String, _ found: JSONValue) -> PatchError {
      PatchError(
        .wrongType, path: path, key: "\(key).\(name)",
        "'\(key).\(name)' must be \(expected), found \(found.serialized(.compact).prefix(60))")
    }
    func string(_ name: String) throws(PatchError) -> String {
      let found = try member(name)
      guard let text = found.string else { throw wrong(name, "a string", found) }
      return text
    }
    func integer(_ name: String) throws(PatchError) -> Int {
      let found = try member(name)
      guard let number = found.number?.int, number > 0 else {
        throw wrong(name, "a positive integer", found)
      }
      return number
    }
    func double(_ name: String) throws(PatchError) -> Double {
      let found = try member(name)
      guard let number = found.number?.double, number.isFinite, number > 0 else {
        throw wrong(name, "a positive number", found)
      }
      return number
    }
    let formText = try string("form")
    guard let form = Form(rawValue: formText) else {
      throw wrong("form", "frequency_factors or inverse_frequencies", .string(formText))
    }
    let attentionText = try string("attention")
    guard let attention = AttentionPlacement(rawValue: attentionText) else {
      throw wrong("attention", "metadata or weights", .string(attentionText))
    }
    let checksumText = try string("table_crc32")
    guard checksumText.count == 8, let checksum = UInt32(checksumText, radix: 16) else {
      throw wrong("table_crc32", "8 hex digits", .string(checksumText))
    }
    let scalingValue = try member("scaling")
    guard let scaling = scalingValue.object else {
      throw wrong("scaling", "a transformers rope_scaling object", scalingValue)
    }
    self.init(
      spindleVersion: try string("spindle_version"), tableName: try string("table"), form: form,
      pairCount: try integer("pairs"), tableChecksum: checksum,
      attentionFactor: try double("attention_factor"), attention: attention,
      base: try double("rope_theta"), rotaryDimension: try integer("rotary_dim"),
      contextLength: try integer("max_position_embeddings"), scaling: scaling)
  }

  /// The settings the record describes, read as a config.json with these members would be.
  public func settings(path: String) throws(PatchError) -> RoPESettings {
    var config = JSONObject()
    config["max_position_embeddings"] = .integer(contextLength)
    config["rope_theta"] = .double(base)
    config["head_dim"] = .integer(rotaryDimension)
    config["rope_scaling"] = .object(scaling)
    do {
      return try RoPESettings(huggingFace: config, path: path)
    } catch {
      var located = error
      located.message = "the '\(Self.metadataKey)' record's scaling: " + error.message
      throw located
    }
  }

  /// The table the record's parameters give, in its form, and the attention factor.
  public func recomputed(path: String) throws(PatchError) -> (table: [Float], attention: Double) {
    let settings = try settings(path: path)
    guard let configuration = settings.rotaryConfiguration else {
      throw PatchError(.format, path: path, "the '\(Self.metadataKey)' record lacks a geometry")
    }
    let frequencies: RoPEFrequencies
    do { frequencies = try settings.scaling.frequencies(for: configuration) } catch {
      throw PatchError(error, path: path, prefix: Self.metadataKey + ".scaling.")
    }
    let table =
      form == .frequencyFactors ? frequencies.frequencyFactors : frequencies.inverseFrequencies
    return (table, Double(frequencies.attentionFactor))
  }

  static func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }
}
