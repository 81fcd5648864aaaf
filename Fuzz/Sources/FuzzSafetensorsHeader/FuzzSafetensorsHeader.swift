import Formats
import FuzzSupport
import Models

/// The safetensors header parser on the input as a whole file; a header that parses must
/// survive being written again (as `meta` writes it) and read back unchanged, and the scaling
/// in its `__metadata__` is read as `stamp` and `inspect` read it.
@_cdecl("FuzzSafetensorsHeader_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runLibFuzzer(argc, argv, testOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = inputBytes(data, size)
  let path = "fuzz.safetensors"
  guard let file = try? SafetensorsFile(bytes: bytes, path: path) else { return 0 }
  _ = Checkpoint(safetensors: file, path: path)
  for force in [false, true] {
    _ = try? RoPESettings(safetensorsMetadata: file.metadata, path: path, force: force)
  }
  let json = file.headerJSON(metadata: file.metadata)
  let rewritten =
    SafetensorsFile.prefix(json: json, headerLength: (json.count + 7) / 8 * 8)
    + bytes[file.dataStart...]
  let again: SafetensorsFile
  do { again = try SafetensorsFile(bytes: rewritten, path: path) } catch {
    violation("the re-encoded header does not parse: \(error)")
  }
  func relative(_ entries: [TensorEntry], _ start: Int) -> [String] {
    entries.map { "\($0.name) \($0.dtype) \($0.shape) \($0.offset - start) \($0.byteCount)" }
  }
  if relative(again.tensors, again.dataStart) != relative(file.tensors, file.dataStart) {
    violation("the re-encoded header lists other tensors")
  }
  if again.metadata?.map(\.key) != file.metadata?.map(\.key)
    || again.metadata?.map(\.value) != file.metadata?.map(\.value)
  {
    violation("the re-encoded header has other metadata")
  }
  return 0
}
