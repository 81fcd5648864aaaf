import FuzzSupport
import Tokenization

/// Tokenizer metadata loading from a Hugging Face folder, the input (after its first byte,
/// which picks the file) being one of its files: `tokenizer.json` read as a tokenizer (then
/// encoding and decoding a text) or converted to GGUF metadata, `tokenizer_config.json` beside
/// a committed tokenizer.json, or `tokenizer.model` (SentencePiece protobuf) alone and in a
/// folder for the llama and phi3 readers.
@_cdecl("FuzzTokenizer_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runLibFuzzer(argc, argv, testOneInput)
}

let tinyTokenizerJSON = FuzzScratch.read(FuzzFixtures.path("tokenizer/tiny-llama3.tokenizer.json"))
let spmTokenizerConfig = FuzzScratch.read(
  FuzzFixtures.path("tokenizer-metadata/special-llama/tokenizer_config.json"))

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(inputBytes(data, size))
  let choice = input.byte()
  let bytes = input.rest
  let folder = FuzzScratch.fresh("tokenizer")
  switch choice % 5 {
  case 0:
    FuzzScratch.write(bytes, to: "\(folder)/tokenizer.json")
    guard let tokenizer = try? Tokenizer(huggingFace: folder) else { return 0 }
    let ids = tokenizer.encode("Hello world 123 <|im_start|> ünï ✓")
    _ = try? tokenizer.decode(ids)
  case 1:
    FuzzScratch.write(bytes, to: "\(folder)/tokenizer.json")
    let pre = choice & 0x80 == 0 ? "llama-bpe" : nil
    _ = try? TokenizerMetadata(huggingFace: folder, architecture: "llama", preTokenizer: pre)
  case 2:
    FuzzScratch.write(tinyTokenizerJSON, to: "\(folder)/tokenizer.json")
    FuzzScratch.write(bytes, to: "\(folder)/tokenizer_config.json")
    _ = try? TokenizerMetadata(huggingFace: folder, architecture: "qwen2", preTokenizer: "qwen2")
    _ = try? Tokenizer(huggingFace: folder)
  case 3:
    _ = try? SentencePieceModel(bytes: bytes, path: "tokenizer.model")
  default:
    FuzzScratch.write(bytes, to: "\(folder)/tokenizer.model")
    FuzzScratch.write(spmTokenizerConfig, to: "\(folder)/tokenizer_config.json")
    let architecture = choice & 0x80 == 0 ? "llama" : "phi3"
    _ = try? TokenizerMetadata(huggingFace: folder, architecture: architecture)
  }
  return 0
}
