import Formats
import Foundation
import TestSupport
import Testing

/// Errors that name the file: content told whatever the extension, one opener and one set of
/// messages for every command, and did-you-mean for misspelled options, commands, actions and
/// metadata keys.
@Suite("Errors that name the file")
struct FileMistakeTests {
  static let model = "fixtures/gguf/tiny-llama.gguf"
  static let usage64 = Int32(64)

  /// What each foreign file is called, for `inspect`, `validate`, `stamp`, `meta` and `run`
  /// alike, and whatever its extension.
  @Test(arguments: [
    (
      "page", ForeignFiles.html,
      "this is an HTML page (an error or login page saved by a failed download), not a"
        + " checkpoint; download the file again [htmlDocument]"
    ),
    (
      "notes", ForeignFiles.text,
      "this is a text file, not a checkpoint; pass a .safetensors or .gguf file, or a model"
        + " folder [notACheckpoint]"
    ),
    (
      "pytorch_model", ForeignFiles.pytorchZip,
      "this is a PyTorch checkpoint (zip), not safetensors or GGUF; save it as safetensors"
        + " first (transformers: model.save_pretrained(folder, safe_serialization=True))"
        + " [notACheckpoint]"
    ),
    (
      "legacy", ForeignFiles.pickle,
      "this is a PyTorch pickle, not safetensors or GGUF; save it as safetensors first"
        + " (transformers: model.save_pretrained(folder, safe_serialization=True))"
        + " [notACheckpoint]"
    ),
    (
      "pointer", ForeignFiles.lfsPointer,
      "this is a Git LFS pointer (the file itself was not downloaded), not a checkpoint; run"
        + " git lfs pull in its repository (or download the file) [gitLFSPointer]"
    ),
    (
      "empty", [],
      "this is an empty file (0 bytes), not a checkpoint; download or copy it again"
        + " [headerTooSmall]"
    ),
  ])
  func foreignFilesAreNamed(stem: String, bytes: [UInt8], message: String) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    for ext in ["gguf", "safetensors", "bin"] {
      let path = "\(folder)/\(stem).\(ext)"
      try Scratch.write(bytes, to: path)
      let line = "\(path) @0: \(message)"
      for command in [
        ["inspect", path], ["stamp", path, "--yarn", "2", "--dry-run"],
        ["meta", "set", path, "general.name=x", "--dry-run"], ["run", path, "--prompt", "hi"],
        ["rope", path],
      ] {
        let result = try SpindleProcess.run(command)
        #expect(result.status == 1, "\(command)")
        #expect(result.stderr == "Error: \(line)\n", "\(command)")
      }
      let validate = try SpindleProcess.run("validate", path)
      #expect(validate.status == 1)
      #expect(validate.stdout == "\(line)\n")
      #expect(try Scratch.bytes(path) == bytes)
    }
  }

  /// A config.json or tokenizer.json passed as the model: pass its folder.
  @Test func jsonBesideTheWeightsPointsToItsFolder() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let model = try Scratch.copy("hf/tiny-llama", into: folder)
    let config = "\(model)/config.json"
    let inspect = try SpindleProcess.run("inspect", config)
    #expect(inspect.status == 1)
    #expect(
      inspect.stderr
        == "Error: \(config) @0: this is a Hugging Face config.json, not a checkpoint; pass its"
        + " folder instead: \(model) [notACheckpoint]\n")
    let run = try SpindleProcess.run("run", config, "--prompt", "hi")
    #expect(run.stderr == inspect.stderr)
    let tokenizer = "\(model)/tokenizer.json"
    try Scratch.write(ForeignFiles.tokenizer, to: tokenizer)
    let asModel = try SpindleProcess.run("inspect", tokenizer)
    #expect(
      asModel.stderr
        == "Error: \(tokenizer) @0: this is a tokenizer.json, not a checkpoint; pass its folder"
        + " instead: \(model) [notACheckpoint]\n")
  }

  /// The three messages the README's "Common mistakes" shows, verbatim.
  @Test func readmeCommonMistakes() throws {
    let config = try SpindleProcess.run("inspect", "fixtures/hf/tiny-llama/config.json")
    #expect(config.status == 1)
    #expect(
      config.stderr
        == "Error: fixtures/hf/tiny-llama/config.json @0: this is a Hugging Face config.json, not"
        + " a checkpoint; pass its folder instead: fixtures/hf/tiny-llama [notACheckpoint]\n")

    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let pointer = "\(folder)/model.safetensors"
    try Scratch.write(ForeignFiles.lfsPointer, to: pointer)
    let lfs = try SpindleProcess.run("inspect", pointer)
    #expect(lfs.status == 1)
    #expect(
      lfs.stderr
        == "Error: \(pointer) @0: this is a Git LFS pointer (the file itself was not downloaded),"
        + " not a checkpoint; run git lfs pull in its repository (or download the file)"
        + " [gitLFSPointer]\n")

    let option = try SpindleProcess.run(
      "stamp", "fixtures/gguf/tiny-llama.gguf", "--yarn", "4", "--inplace")
    #expect(option.status == Self.usage64)
    #expect(
      option.stderr
        == "Error: Unknown option '--inplace'. Did you mean '--in-place'?\n"
        + "Usage: spindle stamp [<options>] <path>\n"
        + "  See 'spindle stamp --help' for more information.\n")
  }

  /// A damaged GGUF keeps its located error: file, byte offset, expected vs found.
  @Test func realCorruptionStaysLocated() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/damaged.gguf"
    var bytes = try Scratch.bytes(Repository.fixture("gguf/tiny-llama.gguf"))
    bytes[4] = 9
    try Scratch.write(bytes, to: path)
    let result = try SpindleProcess.run("inspect", path)
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "Error: \(path) @4: GGUF version 9 is newer than the supported versions 2 and 3"
        + " [unsupportedVersion]\n")
  }

  /// `run`, `meta` and `stamp` open their inputs as `inspect` does and say the same thing.
  @Test func oneOpenerOneSetOfMessages() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let model = try Scratch.copy("hf/tiny-llama", into: folder)

    let missing = "\(folder)/nothere.gguf"
    for command in [
      ["inspect", missing], ["run", missing, "--prompt", "hi"],
      ["stamp", missing, "--yarn", "2", "--in-place"],
      ["meta", "set", missing, "general.name=x", "--in-place"],
    ] {
      let result = try SpindleProcess.run(command)
      #expect(result.status == 1)
      #expect(
        result.stderr == "Error: \(missing): no such file or folder [notFound]\n", "\(command)")
    }

    // The fixture folder has no tokenizer.json: its path is named once.
    let run = try SpindleProcess.run("run", "\(model)/model.safetensors", "--prompt", "hi")
    #expect(run.status == 1)
    #expect(
      run.stderr
        == "Error: \(model)/tokenizer.json: no such file; the tokenizer of a Hugging Face model is"
        + " read from its tokenizer.json [notFound]\n")

    // Weights without their config.json: the model is the problem, not the tokenizer.
    let lone = "\(folder)/lone"
    try FileManager.default.createDirectory(atPath: lone, withIntermediateDirectories: false)
    try FileManager.default.copyItem(
      atPath: "\(model)/model.safetensors", toPath: "\(lone)/model.safetensors")
    let alone = try SpindleProcess.run("run", "\(lone)/model.safetensors", "--prompt", "hi")
    #expect(alone.status == 1)
    #expect(
      alone.stderr
        == "Error: \(lone)/model.safetensors: no config.json beside it (\(lone)/config.json):"
        + " safetensors alone carry no hyperparameters (name the model folder, or put its"
        + " config.json next to the weights) [format]\n")

    let meta = try SpindleProcess.run("meta", "set", model, "foo=bar", "--in-place")
    #expect(meta.status == 1)
    #expect(
      meta.stderr
        == "Error: \(model): this is a folder; metadata is edited in one .gguf or .safetensors"
        + " file: name it, e.g. \(model)/model.safetensors [unsupported]\n")

    let empty = "\(folder)/emptydir"
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
    let explained =
      "Error: \(empty): a folder without config.json or model.safetensors.index.json; name a"
      + " checkpoint file instead [unknownFormat]\n"
    for command in [
      ["inspect", empty], ["stamp", empty, "--yarn", "2", "--in-place"],
      ["meta", "set", empty, "foo=bar", "--in-place"], ["run", empty, "--prompt", "hi"],
    ] {
      let result = try SpindleProcess.run(command)
      #expect(result.status == 1)
      #expect(result.stderr == explained, "\(command)")
    }
    #expect(try Scratch.list(empty).isEmpty)
  }

  /// A misspelled option is reported as unknown, with its nearest spelling, before any
  /// other usage problem; exit status 64.
  @Test(arguments: [
    (
      ["stamp", model, "--yarn", "2", "--inplace"],
      "Unknown option '--inplace'. Did you mean '--in-place'?", "stamp"
    ),
    (
      ["stamp", model, "--yarn", "2", "--dryrun"],
      "Unknown option '--dryrun'. Did you mean '--dry-run'?", "stamp"
    ),
    (
      ["meta", "set", model, "general.name=x", "--inplace"],
      "Unknown option '--inplace'. Did you mean '--in-place'?", "meta set"
    ),
    (
      ["verify", model, "--text", "probe.txt"],
      "Unknown option '--text'. Did you mean '--text-file'?", "verify"
    ),
    (
      ["inspect", model, "--tensor"], "Unknown option '--tensor'. Did you mean '--tensors'?",
      "inspect"
    ),
    (["stamp", model, "--yarn", "2", "--frobnicate"], "Unknown option '--frobnicate'", "stamp"),
    (["inpsect", model], "Unknown command 'inpsect'. Did you mean 'inspect'?", nil),
    (
      ["frob", model],
      "Unknown command 'frob'. The commands are inspect, validate, verify, rewrite, convert, stamp,"
        + " tables, rope, memory, meta, restore, run, eval-context, help.", nil
    ),
  ])
  func misspelledOptionsAndCommands(arguments: [String], message: String, command: String?) throws {
    let result = try SpindleProcess.run(arguments)
    #expect(result.status == Self.usage64)
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.first.map(String.init) == "Error: \(message)", "\(result.stderr)")
    let help = command.map { "spindle \($0) --help" } ?? "spindle --help"
    #expect(lines.dropFirst().first?.hasPrefix("Usage: spindle") == true)
    #expect(result.stderr.hasSuffix("  See '\(help)' for more information.\n"))
  }

  /// `meta` actions and metadata keys: the nearest existing one is suggested.
  @Test func misspelledActionsAndKeys() throws {
    let action = try SpindleProcess.run("meta", Self.model, "sett", "general.name=x")
    #expect(action.status == Self.usage64)
    #expect(
      action.stderr.hasPrefix(
        "Error: unknown action 'sett'; did you mean 'set'? spindle meta set \(Self.model)"
          + " general.name=x\n"))

    let inspect = try SpindleProcess.run(
      "inspect", Self.model, "--metadata", "llama.contxt_length")
    #expect(inspect.status == 1)
    #expect(
      inspect.stderr
        == "Error: \(Self.model): no metadata key 'llama.contxt_length'; did you mean"
        + " 'llama.context_length'?\n")
    let two = try SpindleProcess.run(
      "inspect", Self.model, "--metadata", "context_length", "--metadata", "nothing.like.it")
    #expect(
      two.stderr
        == "Error: \(Self.model): no metadata key 'context_length' (did you mean"
        + " 'llama.context_length'?), 'nothing.like.it'\n")

    let delete = try SpindleProcess.run(
      "meta", "delete", Self.model, "llama.contxt_length", "--dry-run")
    #expect(delete.status == 1)
    #expect(
      delete.stderr
        == "Error: \(Self.model): 'llama.contxt_length' is not in the file; did you mean"
        + " 'llama.context_length'? [missingKey]\n")
    let set = try SpindleProcess.run(
      "meta", "set", Self.model, "llama.contxt_length=4096", "--dry-run")
    #expect(set.status == 1)
    #expect(
      set.stderr
        == "Error: \(Self.model): 'llama.contxt_length' is not in the file; did you mean"
        + " 'llama.context_length'? (To add it as a new key, give its type with --type.)"
        + " [invalidArgument]\n")
  }
}
