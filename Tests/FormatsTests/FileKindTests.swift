import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Tensors

@Suite("File kinds and the one opener")
struct FileKindTests {
  struct Sample: CustomTestStringConvertible, Sendable {
    var label: String
    var bytes: [UInt8]
    var name: String = "file"
    var kind: FileKind
    var testDescription: String { label }
  }

  static let samples: [Sample] = [
    Sample(label: "GGUF", bytes: Array("GGUF".utf8) + [3, 0, 0, 0], kind: .gguf),
    Sample(label: "GGUF cut inside its magic", bytes: Array("GGU".utf8), kind: .gguf),
    Sample(
      label: "safetensors", bytes: [2, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8), kind: .safetensors),
    Sample(
      label: "safetensors whose header length starts like a pickle (0x0280)",
      bytes: [0x80, 2, 0, 0, 0, 0, 0, 0] + Array("{".utf8), kind: .safetensors),
    Sample(
      label: "safetensors whose header is cut", bytes: [60, 0, 0, 0, 0, 0, 0, 0] + Array("{".utf8),
      kind: .safetensors),
    Sample(label: "zstd frame", bytes: Zstd.magic + [0x24, 0, 0], kind: .zstd),
    Sample(label: "empty", bytes: [], kind: .empty),
    Sample(label: "Git LFS pointer", bytes: ForeignFiles.lfsPointer, kind: .gitLFSPointer),
    Sample(label: "HTML page", bytes: ForeignFiles.html, kind: .html),
    Sample(
      label: "HTML after a byte-order mark and blanks",
      bytes: [0xEF, 0xBB, 0xBF] + Array("\n  <HTML lang=en></HTML>".utf8), kind: .html),
    Sample(
      label: "HTML page in Latin-1",
      bytes: Array("<html><body>caf".utf8) + [0xE9] + Array("</body></html>".utf8), kind: .html),
    Sample(label: "config.json", bytes: ForeignFiles.config, kind: .json(.modelConfig)),
    Sample(label: "tokenizer.json", bytes: ForeignFiles.tokenizer, kind: .json(.tokenizer)),
    Sample(
      label: "tokenizer_config.json",
      bytes: Array(#"{"added_tokens_decoder": {}, "tokenizer_class": "GPT2Tokenizer"}"#.utf8),
      kind: .json(.tokenizerConfig)),
    Sample(
      label: "safetensors index",
      bytes: Array(#"{"metadata": {"total_size": 8}, "weight_map": {"w": "a.safetensors"}}"#.utf8),
      kind: .json(.safetensorsIndex)),
    Sample(
      label: "generation_config.json by its name",
      bytes: Array(#"{"bos_token_id": 1, "eos_token_id": 2}"#.utf8),
      name: "m/generation_config.json", kind: .json(.generationConfig)),
    Sample(label: "other JSON", bytes: Array(#"[1, 2, {"a": "b"}]"#.utf8), kind: .json(.other)),
    Sample(label: "text", bytes: ForeignFiles.text, kind: .text),
    Sample(
      label: "text cut inside a character", bytes: Array("naïve café €".utf8.dropLast(1)),
      kind: .text),
    Sample(label: "PyTorch zip", bytes: ForeignFiles.pytorchZip, kind: .pytorchZip),
    Sample(
      label: "zip named .pt", bytes: ForeignFiles.zip([("weights", [1, 2, 3])]), name: "m.pt",
      kind: .pytorchZip),
    Sample(
      label: "other zip", bytes: ForeignFiles.zip([("notes.txt", Array("hi".utf8))]),
      name: "m.zip", kind: .zip),
    Sample(label: "PyTorch pickle", bytes: ForeignFiles.pickle, kind: .pytorchPickle),
    Sample(
      label: "header length over the limit (damaged safetensors)",
      bytes: [0x3C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF] + Array("{}".utf8), kind: .binary),
    Sample(label: "control bytes", bytes: [1, 2, 3, 4, 5, 6, 7, 8, 9], kind: .binary),
  ]

  @Test(arguments: samples)
  func sniffs(_ sample: Sample) {
    #expect(FileKind.sniff(sample.bytes, name: sample.name) == sample.kind)
  }

  /// Each refusal says what the file is and what to pass instead, located at byte 0.
  @Test(arguments: [
    (
      FileKind.json(.modelConfig), "models/tiny/config.json",
      "this is a Hugging Face config.json, not a checkpoint; pass its folder instead: models/tiny",
      FormatError.Kind.notACheckpoint
    ),
    (
      .json(.tokenizer), "tokenizer.json",
      "this is a tokenizer.json, not a checkpoint; pass its folder instead: .", .notACheckpoint
    ),
    (
      .text, "notes.gguf",
      "this is a text file, not a checkpoint; pass a .safetensors or .gguf file, or a model folder",
      .notACheckpoint
    ),
    (
      .gitLFSPointer, "m.safetensors",
      "this is a Git LFS pointer (the file itself was not downloaded), not a checkpoint; run git"
        + " lfs pull in its repository (or download the file)", .gitLFSPointer
    ),
    (
      .html, "m.gguf",
      "this is an HTML page (an error or login page saved by a failed download), not a"
        + " checkpoint; download the file again", .htmlDocument
    ),
    (
      .pytorchZip, "pytorch_model.bin",
      "this is a PyTorch checkpoint (zip), not safetensors or GGUF; save it as safetensors first"
        + " (transformers: model.save_pretrained(folder, safe_serialization=True))",
      .notACheckpoint
    ),
    (
      .pytorchPickle, "m.pt",
      "this is a PyTorch pickle, not safetensors or GGUF; save it as safetensors first"
        + " (transformers: model.save_pretrained(folder, safe_serialization=True))",
      .notACheckpoint
    ),
    (
      .empty, "m.gguf",
      "this is an empty file (0 bytes), not a checkpoint; download or copy it again",
      .headerTooSmall
    ),
    (
      .zip, "m.zip", "this is a zip archive, not a checkpoint; unpack it and pass the model inside",
      .notACheckpoint
    ),
  ])
  func refusalSaysWhatToPass(kind: FileKind, path: String, message: String, error: FormatError.Kind)
  {
    #expect(kind.refusal(path: path) == FormatError(error, path: path, offset: 0, message))
  }

  @Test func checkpointKindsAreNotRefused() {
    for kind in [FileKind.gguf, .safetensors, .zstd, .binary, .json(.safetensorsIndex)] {
      #expect(kind.refusal(path: "m") == nil)
      #expect(kind.isCheckpoint)
    }
  }

  /// `Checkpoint.open` and both readers give the same error for the same content, whatever
  /// the extension.
  @Test(arguments: [
    (ForeignFiles.html, FormatError.Kind.htmlDocument), (ForeignFiles.text, .notACheckpoint),
    (ForeignFiles.config, .notACheckpoint), (ForeignFiles.pytorchZip, .notACheckpoint),
    (ForeignFiles.pickle, .notACheckpoint), (ForeignFiles.lfsPointer, .gitLFSPointer),
  ])
  func sameErrorWhateverTheExtension(bytes: [UInt8], kind: FormatError.Kind) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    var messages: Set<String> = []
    for name in ["m.gguf", "m.safetensors", "m.bin", "m"] {
      let path = "\(folder)/\(name)"
      try Scratch.write(bytes, to: path)
      let errors = [
        #expect(throws: FormatError.self) { try Checkpoint.open(path) },
        #expect(throws: FormatError.self) { try GGUFFile(path: path) },
        #expect(throws: FormatError.self) { try SafetensorsFile(path: path) },
      ]
      for error in errors {
        #expect(error?.kind == kind)
        #expect(error?.path == path)
        #expect(error?.offset == 0)
        if let error { messages.insert(error.message) }
      }
    }
    #expect(messages.count == 1, "\(messages)")
  }

  /// A damaged checkpoint still gets its reader's located error.
  @Test func damagedCheckpointsKeepTheirLocatedErrors() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let version9 = "\(folder)/v9.gguf"
    try Scratch.write(
      Array("GGUF".utf8) + [9, 0, 0, 0] + [UInt8](repeating: 0, count: 16), to: version9)
    #expect(
      throws: FormatError(
        .unsupportedVersion, path: version9, offset: 4,
        "GGUF version 9 is newer than the supported versions 2 and 3")
    ) { try Checkpoint.open(version9) }
    let badMagic = "\(folder)/bad.gguf"
    try Scratch.write([0x47, 0x47, 0x55, 0x00, 3, 0, 0, 0], to: badMagic)
    let magicError = #expect(throws: FormatError.self) { try Checkpoint.open(badMagic) }
    #expect(magicError?.kind == .badMagic)
    #expect(magicError?.offset == 0)
    let tooLarge = "\(folder)/big.safetensors"
    try Scratch.write([0x3C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF] + Array("{}".utf8), to: tooLarge)
    let largeError = #expect(throws: FormatError.self) { try Checkpoint.open(tooLarge) }
    #expect(largeError?.kind == .headerTooLarge)
  }

  @Test func aSafetensorsIndexOpensWhateverItsName() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let sharded = try Scratch.copy("safetensors/sharded", into: folder)
    let renamed = "\(sharded)/weights-index.json"
    try FileManager.default.moveItem(
      atPath: "\(sharded)/model.safetensors.index.json", toPath: renamed)
    let checkpoint = try Checkpoint.open(renamed)
    #expect(checkpoint.layout == .shardedSafetensors)
    #expect(checkpoint.tensors.count == 21)
  }

  @Test func missingPathsAndFolders() throws {
    #expect(throws: FormatError(.notFound, path: "nowhere.gguf", "no such file or folder")) {
      try CheckpointPath.resolve("nowhere.gguf")
    }
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    #expect(throws: CheckpointPath.unrecognizedFolder(folder)) { try Checkpoint.open(folder + "/") }
  }
}

@Suite("Nearest name")
struct NearestNameTests {
  @Test(arguments: [
    ("inpsect", ["inspect", "validate", "verify"], "inspect"),
    ("--inplace", ["--dry-run", "--output", "--in-place"], "--in-place"),
    ("sett", ["set", "delete", "rename"], "set"),
    ("context_length", ["general.name", "llama.context_length"], "llama.context_length"),
    ("llama.contxt_length", ["llama.block_count", "llama.context_length"], "llama.context_length"),
    ("Inspect", ["inspect"], "inspect"),
  ])
  func suggests(name: String, candidates: [String], expected: String) {
    #expect(NearestName.suggestion(for: name, among: candidates) == expected)
  }

  @Test func nothingCloseIsNoSuggestion() {
    #expect(NearestName.suggestion(for: "frobnicate", among: ["set", "delete", "rename"]) == nil)
    #expect(NearestName.suggestion(for: "set", among: ["set"]) == nil)
    #expect(NearestName.suggestion(for: "", among: ["set"]) == nil)
  }

  @Test(arguments: [
    ("", "abc", 3), ("abc", "abc", 0), ("ab", "ba", 1), ("kitten", "sitting", 3),
    ("--dryrun", "--dry-run", 1), ("ca", "abc", 3),
  ])
  func editDistance(a: String, b: String, distance: Int) {
    #expect(NearestName.editDistance(a, b) == distance)
    #expect(NearestName.editDistance(b, a) == distance)
  }
}
