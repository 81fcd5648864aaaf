import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Tensors

@Suite("Safetensors reader")
struct SafetensorsReaderTests {
  /// Every one-defect file fails with its kind, at its offset, naming its tensor or key;
  /// the defect-free ones open.
  @Test(arguments: SafetensorsCase.all)
  func corpusCase(_ testCase: SafetensorsCase) throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = "\(folder)/case.safetensors"
    try Scratch.write(testCase.bytes, to: path)
    guard let kind = testCase.expect else {
      let file = try SafetensorsFile(path: path)
      #expect(file.dataStart + file.totalDataBytes == testCase.bytes.count)
      return
    }
    let error = #expect(throws: FormatError.self) { try SafetensorsFile(path: path) }
    #expect(error?.kind == kind, "\(String(describing: error))")
    #expect(error?.path == path)
    if let name = testCase.name { #expect(error?.name == name) }
    if let offset = testCase.offset { #expect(error?.offset == offset) }
  }

  @Test func corpusCoversEveryReaderKind() {
    let covered = Set(SafetensorsCase.all.compactMap(\.expect))
    let readerKinds: Set<FormatError.Kind> = [
      .headerTooSmall, .headerTooLarge, .invalidHeaderLength, .headerNotUTF8, .invalidJSON,
      .duplicateKey, .invalidHeader, .unknownDType, .invalidOffset, .validationOverflow,
      .misalignedSlice, .tensorInvalidInfo, .metadataIncompleteBuffer, .gitLFSPointer,
      .htmlDocument,
    ]
    #expect(readerKinds.subtracting(covered).isEmpty)
    #expect(SafetensorsCase.all.filter { $0.expect != nil }.count >= 22)
  }

  @Test func readsEntriesInOffsetOrderWithAbsoluteOffsets() throws {
    let header =
      #"{"__metadata__":{"format":"pt","b":"x"},"w":{"dtype":"F32","shape":[2],"data_offsets":[2,10]},"s":{"dtype":"BF16","shape":[],"data_offsets":[0,2]},"z":{"dtype":"F4","shape":[2,0],"data_offsets":[10,10]}}  "#
    let bytes = SafetensorsCase.file(header, data: Array(0..<10))
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = "\(folder)/m.safetensors"
    try Scratch.write(bytes, to: path)
    let file = try SafetensorsFile(path: path)
    let dataStart = 8 + header.utf8.count
    #expect(file.headerLength == header.utf8.count)
    #expect(file.dataStart == dataStart)
    #expect(file.headerPadding == 2)
    #expect(file.metadata?.map(\.key) == ["format", "b"])
    #expect(file.metadata?.map(\.value) == ["pt", "x"])
    #expect(
      file.tensors == [
        TensorEntry(
          name: "s", dtype: .bf16, shape: [], offset: dataStart, byteCount: 2, path: path),
        TensorEntry(
          name: "w", dtype: .f32, shape: [2], offset: dataStart + 2, byteCount: 8, path: path),
        TensorEntry(
          name: "z", dtype: .f4, shape: [2, 0], offset: dataStart + 10, byteCount: 0, path: path),
      ])
    #expect(file.tensor(named: "w")?.offset == dataStart + 2)
    #expect(file.tensor(named: "missing") == nil)
    #expect(file.totalDataBytes == 10)
    #expect(file.parameterCount == 3)
    #expect(file.withBytes(of: file.tensors[1]) { Array($0) } == [2, 3, 4, 5, 6, 7, 8, 9])
  }

  @Test func metadataIsNilWhenAbsentAndEmptyWhenEmpty() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Scratch.write(SafetensorsCase.file("{}"), to: "\(folder)/a.safetensors")
    try Scratch.write(
      SafetensorsCase.file(#"{"__metadata__":{}}"#), to: "\(folder)/b.safetensors")
    #expect(try SafetensorsFile(path: "\(folder)/a.safetensors").metadata == nil)
    #expect(try SafetensorsFile(path: "\(folder)/b.safetensors").metadata?.count == 0)
  }

  @Test func messagesSayExpectedAndFound() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = "\(folder)/short.safetensors"
    try Scratch.write(
      SafetensorsCase.file(SafetensorsCase.i32Test, data: [UInt8](repeating: 0, count: 14)),
      to: path)
    let error = #expect(throws: FormatError.self) { try SafetensorsFile(path: path) }
    #expect(error?.message.contains("2 bytes missing") == true, "\(String(describing: error))")
    let lfs = "\(folder)/lfs.safetensors"
    try Scratch.write(Array("version https://git-lfs.github.com/spec/v1\n".utf8), to: lfs)
    let lfsError = #expect(throws: FormatError.self) { try SafetensorsFile(path: lfs) }
    #expect(lfsError?.message.contains("git lfs pull") == true)
  }

  @Test func missingFileIsNotFound() {
    let error = #expect(throws: FormatError.self) {
      try SafetensorsFile(path: "/nonexistent/model.safetensors")
    }
    #expect(error?.kind == .notFound)
  }
}
