internal import CSystemShims
internal import KernelInterface
internal import VectorKernels

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

#if canImport(VectorKernelsAVX2)
internal import VectorKernelsAVX2
#endif
#if canImport(VectorKernelsAVX512)
internal import VectorKernelsAVX512
#endif

/// Which compiled copy of the vector kernels the forward pass runs, chosen at run time from
/// the CPU (as ggml chooses its CPU variant), so a plain `swift build -c release` is as fast
/// as a build for the machine's own CPU and runs on any x86-64.
///
/// Every level computes the same bits (one Swift source); a level only decides which
/// instructions do it. `SPINDLE_KERNELS=baseline|avx2|avx512` lowers the level (tests, and
/// comparisons); asking for more than the CPU has is an error, never an illegal instruction.
public enum KernelLevel: String, CaseIterable, Comparable, Sendable {
  /// The target's baseline (SSE2 on x86-64): every `fma` a libm call, F16 in software.
  case baseline
  /// x86-64-v3: AVX2, FMA, F16C, BMI1/2.
  case avx2
  /// x86-64-v4: AVX-512 F/BW/CD/DQ/VL.
  case avx512

  /// The environment variable that lowers the level.
  public static let environmentVariable = "SPINDLE_KERNELS"

  /// The highest level this CPU runs and this build compiled.
  public static let supported: KernelLevel = {
    let cpu = spindle_cpu_level()
    return allCases.last { $0.isCompiled && $0.cpuLevel <= cpu } ?? .baseline
  }()

  /// The level asked for by ``environmentVariable``, or ``supported`` when it is unset; an
  /// unknown name or a level above ``supported`` is an error (`spindle` reports it at start).
  public static let requested: Result<KernelLevel, InferenceError> = {
    guard let value = getenv(environmentVariable), value.pointee != 0 else {
      return .success(supported)
    }
    return level(named: String(cString: value))
  }()

  /// The level the forward pass uses: the one ``withLevel(_:_:)`` set for the running task,
  /// else ``requested``, or ``supported`` if that was refused.
  public static var selected: KernelLevel { scoped ?? processLevel }

  private static let processLevel: KernelLevel = (try? requested.get()) ?? supported

  @TaskLocal private static var scoped: KernelLevel?

  /// Runs `body` with the forward passes it starts on `level` (which this machine must run),
  /// whatever ``selected`` is elsewhere; comparing levels needs no second process.
  ///
  /// The level is read once per matrix product or attention call, on the calling thread, so
  /// every worker of that call runs it too.
  public static func withLevel<Result>(
    _ level: KernelLevel, _ body: () throws -> Result
  ) rethrows -> Result {
    precondition(level <= supported, "kernel level \(level.rawValue) does not run on this CPU")
    return try $scoped.withValue(level, operation: body)
  }

  /// `name` as a level this machine can run.
  public static func level(named name: String) -> Result<KernelLevel, InferenceError> {
    let names = allCases.map(\.rawValue).joined(separator: ", ")
    guard let level = KernelLevel(rawValue: name) else {
      return .failure(
        InferenceError(
          .invalidConfiguration, name: environmentVariable,
          "\(environmentVariable)=\(name) is not a kernel level; expected one of \(names)"))
    }
    guard level <= supported else {
      return .failure(
        InferenceError(
          .invalidConfiguration, name: environmentVariable,
          "\(environmentVariable)=\(name) asks for more than this machine runs: the highest"
            + " level here is \(supported.rawValue)"))
    }
    return .success(level)
  }

  /// Whether this build holds the level's copy of the kernels.
  public var isCompiled: Bool { compiledKernels != nil }

  /// The levels this machine runs, lowest first.
  public static var runnable: [KernelLevel] { allCases.filter { $0 <= supported } }

  public static func < (a: KernelLevel, b: KernelLevel) -> Bool { a.cpuLevel < b.cpuLevel }

  /// The x86-64 microarchitecture level of ``spindle_cpu_level()``.
  var cpuLevel: Int32 {
    switch self {
    case .baseline: 1
    case .avx2: 3
    case .avx512: 4
    }
  }

  /// The level's kernels (only a compiled level is ever selected).
  var kernels: any VectorKernelSet.Type {
    guard let kernels = compiledKernels else {
      preconditionFailure("kernel level \(rawValue) is not compiled into this build")
    }
    return kernels
  }

  private var compiledKernels: (any VectorKernelSet.Type)? {
    switch self {
    case .baseline: return VectorKernels.CompiledKernels.self
    case .avx2:
      #if canImport(VectorKernelsAVX2)
      return VectorKernelsAVX2.CompiledKernels.self
      #else
      return nil
      #endif
    case .avx512:
      #if canImport(VectorKernelsAVX512)
      return VectorKernelsAVX512.CompiledKernels.self
      #else
      return nil
      #endif
    }
  }
}
