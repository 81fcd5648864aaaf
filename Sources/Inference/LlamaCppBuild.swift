internal import CSystemShims

/// Which of llama.cpp's x86 CPU builds `--numerics llama.cpp` reproduces: its F32 and F16
/// sums, softmax, SiLU and norms round differently in the AVX-512 build (16 lanes) and the
/// AVX2 one (8 lanes).
///
/// llama.cpp takes the widest build its CPU runs (a native build, or the CPU variant
/// `GGML_BACKEND_DL` loads), so ``native`` is the one for this machine; another can be asked
/// for to predict a deployment on other CPUs. The choice is independent of ``KernelLevel``:
/// every kernel level computes either build's sums (a 16-lane sum is two ymm registers on AVX2).
/// The integer block products (Q8_0, Q4_1) are the same in both builds. Older x86 CPUs
/// (AVX without FMA, SSE only) run llama.cpp builds that are not reproduced; there the AVX2
/// build's sums are used.
public enum LlamaCppBuild: String, CaseIterable, Sendable {
  /// The `haswell`/`zen` variants: AVX2, FMA and F16C; `GGML_F32_EPR` and tinyBLAS `KN` 8.
  case avx2
  /// The `skylakex`/`icelake` variants: AVX-512 F, DQ (and VNNI); 16 lanes.
  case avx512

  /// Floats per vector in this build's sums.
  public var lanes: Int {
    switch self {
    case .avx2: 8
    case .avx512: 16
    }
  }

  /// The build llama.cpp runs on this CPU: AVX-512 where the CPU and OS run x86-64-v4.
  public static let native: LlamaCppBuild = spindle_cpu_level() >= 4 ? .avx512 : .avx2

  /// The build the running task's forward passes reproduce: the one ``withBuild(_:_:)`` set,
  /// else ``native``.
  public static var selected: LlamaCppBuild { scoped ?? native }

  @TaskLocal private static var scoped: LlamaCppBuild?

  /// Runs `body` with its forward passes in `build`'s sums. Read once per matrix product or
  /// attention call, on the calling thread, as ``KernelLevel/selected`` is.
  public static func withBuild<Result>(
    _ build: LlamaCppBuild, _ body: () throws -> Result
  ) rethrows -> Result {
    try $scoped.withValue(build, operation: body)
  }
}
