import Formats
import Models
import Testing

/// The descriptions against what llama.cpp's own gguf-py knows (fixtures/models/gguf-py-names.json,
/// written by fixtures/models/gguf_py_names.py from the llama.cpp sdist's gguf-py).
@Suite("Architecture descriptions")
struct ArchitectureDescriptionTests {
  struct Known {
    var tensors: Set<String>
    var huggingFaceToGGUF: [String: String]
  }

  static let known: [String: Known] = {
    let path = ModelFixtures.fixture("models/gguf-py-names.json")
    guard let text = try? ModelFixtures.text(path),
      let root = try? JSONValue.parse(text, path: path),
      let architectures = root.object?["architectures"]?.object
    else { return [:] }
    var result: [String: Known] = [:]
    for (name, value) in architectures {
      let tensors = value.object?["tensors"]?.array?.compactMap(\.string) ?? []
      var mapping: [String: String] = [:]
      for (key, target) in value.object?["huggingFaceToGGUF"]?.object ?? JSONObject() {
        mapping[key] = target.string
      }
      result[name] = Known(tensors: Set(tensors), huggingFaceToGGUF: mapping)
    }
    return result
  }()

  static func stem(_ name: String) -> String {
    for suffix in [".weight", ".bias"] where name.hasSuffix(suffix) {
      return String(name.dropLast(suffix.count))
    }
    return name
  }

  @Test("Every architecture has gguf-py's record", arguments: Architecture.all)
  func recorded(_ architecture: Architecture) {
    #expect(Self.known[architecture.ggufName] != nil)
  }

  @Test(
    "GGUF tensor names are ones gguf-py lists for the architecture", arguments: Architecture.all)
  func ggufNames(_ architecture: Architecture) throws {
    let known = try #require(Self.known[architecture.ggufName])
    for stored in architecture.tensors {
      guard let name = stored.name(.gguf, layer: 0, in: architecture) else { continue }
      #expect(known.tensors.contains(Self.stem(name)), "\(architecture): \(name)")
    }
  }

  @Test(
    "transformers names map to the same GGUF names as gguf-py's TensorNameMap",
    arguments: Architecture.all)
  func huggingFaceNames(_ architecture: Architecture) throws {
    let known = try #require(Self.known[architecture.ggufName])
    var checked = 0
    for stored in architecture.tensors {
      guard let hf = stored.name(.huggingFace, layer: 0, in: architecture),
        let gguf = stored.name(.gguf, layer: 0, in: architecture)
      else { continue }
      #expect(
        known.huggingFaceToGGUF[Self.stem(hf)] == Self.stem(gguf),
        "\(architecture): \(hf) → \(gguf)")
      checked += 1
    }
    #expect(checked >= 8)
  }

  @Test func registryFindsByEveryName() {
    #expect(Architecture.find(gguf: "gptneox") == .gptNeoX)
    #expect(Architecture.find(gguf: "mistral") == nil)
    #expect(Architecture.find(huggingFace: "mistral") == .llama)
    #expect(Architecture.find(huggingFace: "gpt_neox") == .gptNeoX)
    #expect(Architecture.find(huggingFace: nil, architectures: ["Phi3ForCausalLM"]) == .phi3)
    #expect(Architecture.find(huggingFace: "bert", architectures: ["BertModel"]) == nil)
    #expect(Architecture.all.map(\.ggufName) == ["llama", "qwen2", "qwen3", "phi3", "gptneox"])
  }

  @Test func layoutsAndRecipes() {
    #expect(Architecture.llama.rotaryLayout(.gguf) == .interleaved)
    #expect(Architecture.llama.rotaryLayout(.huggingFace) == .halves)
    for architecture in [Architecture.qwen2, .qwen3, .phi3, .gptNeoX] {
      #expect(architecture.rotaryLayout(.gguf) == .halves)
    }
    #expect(Architecture.gptNeoX.recipe.normalization == .layer)
    #expect(Architecture.gptNeoX.recipe.residual == .parallel)
    #expect(Architecture.phi3.ropeTables == [.longShortFactors])
    #expect(Architecture.llama.ropeTables == [.frequencies, .longShortFactors])
    #expect(Architecture.phi3.requiredRoles.isSuperset(of: [.query, .key, .value, .gate, .up]))
    #expect(!Architecture.llama.requiredRoles.contains(.output))
    #expect(Architecture.gptNeoX.requiredRoles.contains(.output))
  }
}

/// ``LlamaCppGraph``: the described architectures and the list of the others give exactly the
/// sets read off llama.cpp's `src/models/*.cpp` (llama-cpp-python 0.3.36's sdist).
@Suite("What llama.cpp's graph reads")
struct LlamaCppGraphTests {
  @Test func ropeFrequencyReaders() {
    #expect(
      LlamaCppGraph.architectures(reading: .frequencies) == [
        "llama", "llama4", "deci", "refact", "minicpm", "falcon-h1", "exaone", "exaone4",
        "exaone-moe", "granite", "granitemoe", "granitehybrid", "arcee", "llada", "apertus",
        "mistral3", "step35", "nanbeige", "pangu-embedded", "cogvlm", "gemma4",
      ])
    #expect(!LlamaCppGraph.reads(.frequencies, architecture: "qwen2"))
    #expect(!LlamaCppGraph.reads(.frequencies, architecture: "phi3"))
  }

  @Test func longRoPEFactorReaders() {
    #expect(
      LlamaCppGraph.architectures(reading: .longShortFactors) == [
        "phi3", "phimoe", "llama", "llama-embed", "apertus", "deci", "granite", "granitemoe",
        "granite_swa", "minicpm", "minicpm3", "mistral3", "pangu-embedded", "refact", "step35",
      ])
    #expect(!LlamaCppGraph.reads(.longShortFactors, architecture: "gptneox"))
  }

  @Test func yarnBetaReaders() {
    #expect(LlamaCppGraph.architecturesReadingYaRNBetas == ["grok", "mistral3"])
  }
}
