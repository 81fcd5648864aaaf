import Formats
import FuzzSupport
import Models
import Tokenization

/// The GGUF reader (header, KVs, tensor infos) on the input as a whole file, then what reads a
/// parsed GGUF: the value renderer, the RoPE scaling and LongRoPE tables reader, and the
/// tokenizer loader.
@_cdecl("FuzzGGUF_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runLibFuzzer(argc, argv, testOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = inputBytes(data, size)
  let path = "fuzz.gguf"
  guard let file = try? GGUFFile(bytes: bytes, path: path) else { return 0 }
  for entry in file.metadata { _ = entry.value.summary() }
  for problem in file.problems + file.warnings { _ = problem.description }
  for tensor in file.tensors
  where tensor.byteRange.lowerBound < file.dataOffset
    || tensor.byteRange.upperBound > file.file.count
  {
    violation("tensor \(tensor.name) lies outside the file: \(tensor.byteRange)")
  }
  _ = GGUFLongRoPETables(gguf: file)
  for force in [false, true] { _ = try? RoPESettings(gguf: file, force: force) }
  if let tokenizer = try? Tokenizer(gguf: file) {
    let ids = tokenizer.encode("Hello world 123 <s>")
    _ = try? tokenizer.decode(ids)
  }
  return 0
}
