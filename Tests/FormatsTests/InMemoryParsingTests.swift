import Foundation
import TestSupport
import Testing

@testable import Formats

/// The GGUF and safetensors parsers read a buffer in memory exactly as they read a mapped
/// file: same values, same errors.
@Suite("Parsing bytes in memory")
struct InMemoryParsingTests {
  static let ggufFixtures = [
    "gguf/tiny-llama.gguf", "gguf/quantized.gguf", "gguf/bigendian.gguf",
    "gguf/nested-array.gguf", "gguf/custom-align-1.gguf", "gguf/v2.gguf",
    "gguf-random/files/s1-DATA_SUCCESS.gguf", "gguf-random/files/s3-KV_RANDOM_KV.gguf",
  ]

  @Test(arguments: ggufFixtures)
  func ggufBothWays(_ fixture: String) throws {
    let path = Repository.fixture(fixture)
    let mapped = try GGUFFile(path: path)
    let memory = try GGUFFile(bytes: try Scratch.bytes(path), path: path)
    #expect(memory.file !== mapped.file)
    #expect(memory.version == mapped.version)
    #expect(memory.endianness == mapped.endianness)
    #expect(memory.alignment == mapped.alignment)
    #expect(memory.metadata == mapped.metadata)
    #expect(
      memory.metadata.map { $0.value.summary() } == mapped.metadata.map { $0.value.summary() })
    #expect(memory.tensorInfos == mapped.tensorInfos)
    #expect(memory.tensors == mapped.tensors)
    #expect(memory.headerEnd == mapped.headerEnd)
    #expect(memory.dataOffset == mapped.dataOffset)
    #expect(memory.problems == mapped.problems)
    #expect(memory.warnings == mapped.warnings)
    for tensor in mapped.tensors {
      #expect(memory.file.bytes(in: tensor.byteRange) == mapped.file.bytes(in: tensor.byteRange))
    }
  }

  @Test(arguments: [
    "safetensors/dtypes.safetensors", "safetensors/dtypes-exotic.safetensors",
    "hf/tiny-llama/model.safetensors",
  ])
  func safetensorsBothWays(_ fixture: String) throws {
    let path = Repository.fixture(fixture)
    let mapped = try SafetensorsFile(path: path)
    let memory = try SafetensorsFile(bytes: try Scratch.bytes(path), path: path)
    #expect(memory.headerLength == mapped.headerLength)
    #expect(memory.metadata?.map(\.key) == mapped.metadata?.map(\.key))
    #expect(memory.metadata?.map(\.value) == mapped.metadata?.map(\.value))
    #expect(memory.tensors == mapped.tensors)
    #expect(memory.headerPadding == mapped.headerPadding)
  }

  /// Every malformed file fails with the same error, located the same way.
  @Test func malformedCorpusBothWays() throws {
    var compared = 0
    for format in ["gguf", "safetensors"] {
      let folder = Repository.fixture("malformed/\(format)")
      for name in try Scratch.list(folder) {
        let path = "\(folder)/\(name)"
        let bytes = try Scratch.bytes(path)
        func outcome(_ open: () throws(FormatError) -> Void) -> FormatError? {
          do {
            try open()
            return nil
          } catch { return error }
        }
        let mapped: FormatError?
        let memory: FormatError?
        if format == "gguf" {
          mapped = outcome { () throws(FormatError) in _ = try GGUFFile(path: path) }
          memory = outcome { () throws(FormatError) in _ = try GGUFFile(bytes: bytes, path: path) }
        } else {
          mapped = outcome { () throws(FormatError) in _ = try SafetensorsFile(path: path) }
          memory = outcome { () throws(FormatError) in
            _ = try SafetensorsFile(bytes: bytes, path: path)
          }
        }
        #expect(memory == mapped, "\(name)")
        compared += 1
      }
    }
    #expect(compared >= 100)
  }
}
