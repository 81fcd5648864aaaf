import Formats
import FuzzSupport
import Models
import Patching

/// A Hugging Face config.json: the JSON parser, the typed accessors, the architecture lookup,
/// the RoPE scaling reader (legacy `rope_scaling` and v5 `rope_parameters`), and the
/// byte-preserving text patch `stamp` writes with, whose result must parse and hold exactly
/// the members set and every other member unchanged.
@_cdecl("FuzzHFConfig_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runLibFuzzer(argc, argv, testOneInput)
}

let path = "config.json"

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = inputBytes(data, size)
  let root: JSONValue
  do {
    root = try bytes.withUnsafeBytes { raw throws(FormatError) in
      try JSONValue.parse(raw, path: path)
    }
  } catch { return 0 }
  guard let config = try? HFConfig(root, path: path) else { return 0 }
  _ = try? config.architectures
  _ = try? config.modelType
  _ = try? config.hiddenSize
  _ = try? config.numAttentionHeads
  _ = try? config.numKeyValueHeads
  _ = try? config.numHiddenLayers
  _ = try? config.maxPositionEmbeddings
  _ = try? config.headDim
  _ = try? config.ropeTheta
  _ = try? config.torchDType
  _ = Architecture.find(
    huggingFace: try? config.modelType, architectures: (try? config.architectures) ?? [])
  _ = HuggingFaceScalingForm(config: config.json)
  for force in [false, true] {
    if let settings = try? RoPESettings(huggingFace: config.json, path: path, force: force) {
      _ = settings.summary
      _ = settings.huggingFaceScaling()
      _ = settings.huggingFaceMembers(for: config.json)
    }
  }
  checkTextPatch(bytes, config.json)
  return 0
}

/// Sets a context length and a YaRN scaling through ``ConfigTextPatch``.
func checkTextPatch(_ bytes: [UInt8], _ before: JSONObject) {
  guard var patch = try? ConfigTextPatch(text: bytes, path: path) else { return }
  let scaling = JSONValue.object(
    JSONObject([
      ("rope_type", .string("yarn")), ("factor", .integer(4)),
      ("original_max_position_embeddings", .integer(2048)),
    ]))
  let set: [(key: String, value: JSONValue)] = [
    ("max_position_embeddings", .integer(8192)), ("rope_scaling", scaling),
  ]
  for (key, value) in set { patch.set(key, value) }
  let edited = patch.edited
  let after: JSONValue
  do {
    after = try edited.withUnsafeBytes { raw throws(FormatError) in
      try JSONValue.parse(raw, path: path)
    }
  } catch {
    violation(
      "the patched config does not parse: \(error)\n\(String(decoding: edited, as: UTF8.self))")
  }
  guard let object = after.object else { violation("the patched config is not an object") }
  for (key, value) in set where !sameJSON(object[key], value) {
    violation("the patched config has \(key) = \(String(describing: object[key])), not \(value)")
  }
  let setKeys = Set(set.map(\.key))
  let kept = before.filter { !setKeys.contains($0.key) }
  let keptAfter = object.filter { !setKeys.contains($0.key) }
  if kept.map(\.key) != keptAfter.map(\.key)
    || zip(kept, keptAfter).contains(where: { $0.value != $1.value })
  {
    violation("the patched config changed members it was not asked to")
  }
}

/// Equal JSON, members of objects in any order (the patch sorts the keys of a sorted file).
func sameJSON(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
  switch (a, b) {
  case (.object(let x)?, .object(let y)?):
    return x.count == y.count && x.allSatisfy { member in sameJSON(member.value, y[member.key]) }
  case (.array(let x)?, .array(let y)?):
    return x.count == y.count && zip(x, y).allSatisfy { sameJSON($0, $1) }
  default:
    return a == b
  }
}
