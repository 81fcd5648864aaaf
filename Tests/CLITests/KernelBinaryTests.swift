import Foundation
import TestSupport
import Testing

/// The release binary's vector kernels, read back with binutils: each level's copy uses its own
/// instructions, and no kernel body was copied into a caller built for the baseline (SwiftPM's
/// cross-module optimisation would do that to an entry point not marked `@inline(never)`, and
/// every `fma` there would become a call into libm again).
@Suite(
  "Kernel instructions in the release binary",
  .enabled(
    if: KernelBinary.isRelease && KernelBinary.tools,
    "needs the release binary (make test's release step) and binutils' nm and objdump"))
struct KernelBinaryTests {
  @Test func theBaselineCopyCallsLibmForEveryFusedProduct() throws {
    let code = try KernelBinary.disassembly(ofModule: "VectorKernels")
    #expect(code.count("vfmadd") == 0)
    #expect(code.count("call.*<fmaf") > 100)
  }

  @Test(arguments: [("VectorKernelsAVX2", "ymm", "zmm"), ("VectorKernelsAVX512", "zmm", nil)])
  func aLevelsCopyUsesItsInstructions(module: String, register: String, absent: String?) throws {
    #if arch(x86_64)
    let code = try KernelBinary.disassembly(ofModule: module)
    #expect(code.count("vfmadd") > 100)
    #expect(code.count("vcvtph2ps") > 0)
    #expect(code.count(register) > 100)
    if let absent { #expect(code.count(absent) == 0) }
    #expect(code.count("call.*<fmaf") == 0)
    #expect(code.count("call.*__extendhfsf2") == 0)
    #endif
  }

  /// CBlockProducts' integer products: AVX2's `maddubs`/`madd` in 256-bit registers (no
  /// AVX-512 instruction, as it runs on AVX2-only CPUs), VNNI's `dpbusd`.
  @Test(arguments: [
    ("spindle_block_rows_avx2", "vpmaddubsw", "zmm|vpdpbusd"),
    ("spindle_block_rows_vnni", "vpdpbusd", "vpmaddubsw"),
  ])
  func theIntegerProductsUseTheirInstructions(
    function: String, instruction: String, absent: String
  ) throws {
    #if arch(x86_64)
    let code = try KernelBinary.disassembly(ofFunction: function)
    #expect(code.count(instruction) >= 8)
    #expect(code.count("vfmadd") >= 8)
    #expect(code.count(absent) == 0)
    #endif
  }

  @Test func noMatrixKernelWasInlinedIntoInference() throws {
    let code = try KernelBinary.disassembly(
      ofModule: "Inference", symbolsContaining: "WeightMatrix")
    #expect(!code.text.isEmpty)
    #expect(code.count("call.*<fmaf") == 0)
    #expect(code.count("call.*__extendhfsf2") == 0)
  }
}

/// nm and objdump over ``SpindleProcess/executable``.
enum KernelBinary {
  static let isRelease = SpindleProcess.executable.contains("/release/")
  static let tools = ["/usr/bin/nm", "/usr/bin/objdump"].allSatisfy {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  struct Code {
    var text: String
    /// Lines matching the regular expression `pattern`.
    func count(_ pattern: String) -> Int {
      guard let expression = try? NSRegularExpression(pattern: pattern) else { return -1 }
      return expression.numberOfMatches(
        in: text, range: NSRange(text.startIndex..., in: text))
    }
  }

  static func output(_ tool: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  /// The disassembly of the module's functions (Swift symbols `$s<length><module>…`), as one
  /// address range from its first to the end of its last (the linker keeps an object file's
  /// code together); with `symbolsContaining`, only the functions whose name holds it.
  static func disassembly(
    ofModule module: String, symbolsContaining part: String? = nil
  ) throws -> Code {
    let prefix = "$s\(module.utf8.count)\(module)"
    let symbols = try functions { name in
      name.hasPrefix(prefix) && (part.map { name.contains($0) } ?? true)
    }
    guard !symbols.isEmpty else { return Code(text: "") }
    if part == nil {
      let low = symbols.map(\.0).min() ?? 0
      let high = symbols.map(\.1).max() ?? 0
      return Code(text: try range(low, high))
    }
    return Code(text: try symbols.map { try range($0.0, $0.1) }.joined(separator: "\n"))
  }

  /// The disassembly of the C function `name`.
  static func disassembly(ofFunction name: String) throws -> Code {
    guard let symbol = try functions(where: { $0 == name }).first else { return Code(text: "") }
    return Code(text: try range(symbol.0, symbol.1))
  }

  /// Address ranges of the binary's functions whose symbol satisfies `isWanted` (nm).
  static func functions(where isWanted: (Substring) -> Bool) throws -> [(Int, Int)] {
    try output(
      "/usr/bin/nm", ["-S", "--defined-only", SpindleProcess.executable]
    ).split(separator: "\n").compactMap { line -> (Int, Int)? in
      let fields = line.split(separator: " ")
      guard fields.count == 4, "tT".contains(fields[2]), isWanted(fields[3]),
        let address = Int(fields[0], radix: 16), let size = Int(fields[1], radix: 16)
      else { return nil }
      return (address, address + size)
    }
  }

  static func range(_ low: Int, _ high: Int) throws -> String {
    try output(
      "/usr/bin/objdump",
      [
        "-d", "--no-show-raw-insn", "--start-address=\(low)", "--stop-address=\(high)",
        SpindleProcess.executable,
      ])
  }
}
