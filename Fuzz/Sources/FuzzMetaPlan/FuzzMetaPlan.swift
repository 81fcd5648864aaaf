import Formats
import FuzzSupport
import Patching
import Tensors

/// `meta`'s planner and engine on a parsed GGUF or safetensors input.
///
/// The input after its first two bytes is a
/// GGUF or safetensors file (copied to a scratch folder), the first byte picks edits (set,
/// add, delete, rename, a value too long for the room), the second the reserve. A plan either
/// fails with its typed error or, applied to the copy, gives a file that is exactly the planned
/// header plus the old data, parses again, holds the edits, and keeps every tensor's bytes.
@_cdecl("FuzzMetaPlan_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runLibFuzzer(argc, argv, testOneInput)
}

/// What the re-read file must hold for an edit.
enum Expectation {
  case value(String, String)
  case absent(String)
  case present(String)
}

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(inputBytes(data, size))
  let choice = input.byte()
  let reserve = [0, 64, 16_384][Int(input.byte() % 3)]
  let bytes = input.rest
  let isGGUF = bytes.starts(with: GGUFFile.magic)
  let folder = FuzzScratch.fresh("meta")
  let path = "\(folder)/model.\(isGGUF ? "gguf" : "safetensors")"
  FuzzScratch.write(bytes, to: path)
  // The keys the file has, to delete and rename real ones.
  let keys: [String]
  if isGGUF {
    keys = ((try? GGUFFile(bytes: bytes, path: path))?.metadata.map(\.key) ?? [])
      .filter { $0 != GGUFFile.reservedKey && $0 != "general.alignment" }
  } else {
    keys = (try? SafetensorsFile(bytes: bytes, path: path))?.metadata?.map(\.key) ?? []
  }
  var edits: [MetadataEdit] = []
  var expected: [Expectation] = []
  let stringType: GGUFValueType? = isGGUF ? .string : nil
  if choice & 1 != 0 || choice & 0x3F == 0 {
    edits.append(.set(key: "general.name", value: "fuzzed", type: stringType))
    expected.append(.value("general.name", "fuzzed"))
  }
  if choice & 2 != 0 {
    edits.append(.set(key: "fuzz.count", value: "7", type: isGGUF ? .uint32 : nil))
    expected.append(.value("fuzz.count", isGGUF ? "uint32 7" : "7"))
  }
  if choice & 4 != 0, let key = keys.first, key != "general.name" {
    edits.append(.delete(key: key))
    expected.append(.absent(key))
  }
  if choice & 8 != 0, keys.count > 1, !["general.name", "fuzz.renamed"].contains(keys[1]) {
    edits.append(.rename(from: keys[1], to: "fuzz.renamed"))
    expected += [.absent(keys[1]), .present("fuzz.renamed")]
  }
  if choice & 16 != 0 {
    let long = String(repeating: "x", count: 3000)
    edits.append(.set(key: "fuzz.long", value: long, type: stringType))
    expected.append(.value("fuzz.long", long))
  }
  if choice & 32 != 0, let key = keys.last, !["general.name", "fuzz.renamed"].contains(key),
    !edits.contains(where: { $0.key == key })
  {
    edits.append(.set(key: key, value: "1", type: nil))
    expected.append(.present(key))
  }
  guard let plan = try? HeaderPlan(path: path, edits: edits, reserve: reserve) else { return 0 }
  let oldData = Array(bytes[plan.dataRange])
  do { _ = try PatchEngine.execute(plan) } catch {
    violation("planned \(plan.strategy) edit failed: \(error)")
  }
  let written = FuzzScratch.read(path)
  if written != plan.newHeader + oldData {
    violation("the file is not the planned header plus the old data")
  }
  if isGGUF {
    checkGGUF(before: bytes, path: path, expected)
  } else {
    checkSafetensors(before: bytes, path: path, expected)
  }
  return 0
}

func checkGGUF(before: [UInt8], path: String, _ expected: [Expectation]) {
  let after: GGUFFile
  do { after = try GGUFFile(path: path) } catch {
    violation("the edited GGUF does not parse: \(error)")
  }
  guard let old = try? GGUFFile(bytes: before, path: path) else {
    violation("the input parsed for the plan but not in memory")
  }
  sameTensors(old.tensors, old.file, after.tensors, after.file)
  check(expected) { key in
    after.metadata(key).map { $0.string ?? "\($0.typeName.lowercased()) \($0.summary())" }
  }
}

func checkSafetensors(before: [UInt8], path: String, _ expected: [Expectation]) {
  let after: SafetensorsFile
  do { after = try SafetensorsFile(path: path) } catch {
    violation("the edited safetensors file does not parse: \(error)")
  }
  guard let old = try? SafetensorsFile(bytes: before, path: path) else {
    violation("the input parsed for the plan but not in memory")
  }
  sameTensors(old.tensors, old.file, after.tensors, after.file)
  check(expected) { after.metadataValue(for: $0) }
}

/// Checks the edits against the edited file's values, as text (`nil`: no such key).
func check(_ expected: [Expectation], _ value: (String) -> String?) {
  for expectation in expected {
    switch expectation {
    case .value(let key, let text):
      let found = value(key)
      if found != text { violation("\(key) reads \(found ?? "nothing") after the edit") }
    case .absent(let key):
      if value(key) != nil { violation("\(key) is still there") }
    case .present(let key):
      if value(key) == nil { violation("\(key) is missing") }
    }
  }
}

func sameTensors(
  _ old: [TensorEntry], _ oldFile: MappedFile, _ new: [TensorEntry], _ newFile: MappedFile
) {
  if old.map({ "\($0.name) \($0.dtype) \($0.shape)" })
    != new.map({ "\($0.name) \($0.dtype) \($0.shape)" })
  {
    violation("the edit changed the tensor list")
  }
  for (a, b) in zip(old, new) where oldFile.bytes(in: a.byteRange) != newFile.bytes(in: b.byteRange)
  {
    violation("the edit changed the bytes of \(a.name)")
  }
}
