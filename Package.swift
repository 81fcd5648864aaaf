// swift-tools-version: 6.1
import PackageDescription

// The vector kernels are one Swift source (Sources/VectorKernels) compiled once per x86-64
// level; Sources/VectorKernelsAVX2 and Sources/VectorKernelsAVX512 are symbolic links to it.
// Swift has no per-function target attribute, so the level is a module's compiler flag, and
// the forward pass picks a module at run time from the CPU (Inference's KernelLevel). The
// flags are `unsafeFlags`, which SwiftPM accepts in a root package or a local or branch
// dependency, but not in a dependency pinned to a version.
var kernelTargets: [Target] = [
  .target(name: "KernelInterface", dependencies: ["Tensors"]),
  .target(name: "CBlockProducts"),
  .target(name: "VectorKernels", dependencies: ["Tensors", "KernelInterface", "CBlockProducts"]),
]
var kernelModules: [Target.Dependency] = ["KernelInterface", "VectorKernels"]
#if arch(x86_64)
for (level, name) in [("x86-64-v3", "AVX2"), ("x86-64-v4", "AVX512")] {
  kernelTargets.append(
    .target(
      name: "VectorKernels\(name)", dependencies: ["Tensors", "KernelInterface", "CBlockProducts"],
      swiftSettings: [
        .define("SPINDLE_KERNELS_\(name)"), .unsafeFlags(["-Xcc", "-march=\(level)"]),
      ]))
  kernelModules.append(.target(name: "VectorKernels\(name)"))
}
#endif

let package = Package(
  name: "Spindle",
  products: [
    .executable(name: "spindle", targets: ["spindle"]),
    .library(
      name: "SpindleKit",
      targets: [
        "Tensors", "Formats", "RoPE", "Models", "Patching", "Rendering", "Inference",
        "Tokenization", "Verification", "Conversion", "Quantization", "Evaluation", "Deployment",
      ]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
  ],
  targets: kernelTargets + [
    .systemLibrary(
      name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
    .systemLibrary(
      name: "CJSONC", pkgConfig: "json-c", providers: [.apt(["libjson-c-dev"]), .brew(["json-c"])]),
    .target(name: "CSystemShims"),
    .target(name: "Tensors", dependencies: ["CSystemShims"]),
    .target(name: "Formats", dependencies: ["Tensors", "CZstd", "CJSONC"]),
    .target(name: "RoPE"),
    .target(name: "Inference", dependencies: ["Tensors", "RoPE", "CSystemShims"] + kernelModules),
    .target(name: "Models", dependencies: ["Tensors", "Formats", "RoPE", "Inference"]),
    .target(name: "Patching", dependencies: ["Tensors", "Formats", "RoPE", "Models"]),
    .target(
      name: "Conversion",
      dependencies: [
        "Tensors", "Formats", "RoPE", "Models", "Patching", "Inference", "Quantization",
        "Tokenization",
      ]),
    .target(name: "Rendering", dependencies: ["RoPE", "Models", "Patching", "Evaluation"]),
    // Protos/*.pb.swift is generated from the .proto beside it and committed (`make protos`).
    .target(
      name: "Tokenization",
      dependencies: [
        "Tensors", "Formats", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      exclude: ["Protos/sentencepiece_model.proto"]),
    .target(name: "Quantization", dependencies: ["Tensors"]),
    .target(
      name: "Verification",
      dependencies: [
        "Tensors", "Formats", "RoPE", "Models", "Patching", "Inference", "Quantization",
        "Deployment",
      ]),
    .target(name: "Evaluation", dependencies: ["RoPE", "Models", "Inference", "Tokenization"]),
    .target(name: "Deployment", dependencies: ["Tensors", "Formats", "RoPE", "Models"]),
    .executableTarget(
      name: "spindle",
      dependencies: [
        "Tensors", "Formats", "RoPE", "Models", "Patching", "Rendering", "Inference",
        "Tokenization", "Verification", "Conversion", "Quantization", "Evaluation", "Deployment",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // Shared by the test targets: repository paths and recorded references, scratch folders,
    // running the built binary, the SmolLM2 model cache.
    .target(name: "TestSupport", dependencies: ["Formats"], path: "Tests/TestSupport"),
    .testTarget(
      name: "EvaluationTests",
      dependencies: ["Evaluation", "Rendering", "Models", "Inference", "RoPE", "TestSupport"]),
    .testTarget(
      name: "TensorsTests",
      dependencies: ["Tensors", .product(name: "PropertyBased", package: "swift-property-based")]),
    .testTarget(
      name: "FormatsTests",
      dependencies: [
        "Tensors", "Formats", "TestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]),
    // CLITests runs the `spindle` binary (SpindleProcess), which `swift build --build-tests` and
    // `swift test` build with every product; it imports no module of it, so it names no
    // dependency on it and compiles beside the library instead of after the binary's link.
    .testTarget(
      name: "CLITests",
      dependencies: [
        "Formats", "Tensors", "Models", "Inference", "Patching", "RoPE", "TestSupport",
      ]),
    .testTarget(
      name: "PatchingTests",
      dependencies: [
        "Patching", "Models", "Formats", "RoPE", "Tensors", "TestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]),
    .testTarget(
      name: "InferenceTests",
      dependencies: [
        "Inference", "Verification", "Formats", "Models", "Patching", "RoPE", "Tensors",
        "TestSupport", "VectorKernels", "KernelInterface",
      ]),
    .testTarget(
      name: "ModelsTests",
      dependencies: ["Models", "Inference", "Formats", "RoPE", "Tensors", "TestSupport"]),
    .testTarget(
      name: "VerificationTests",
      dependencies: [
        "Verification", "Models", "Inference", "Formats", "Patching", "RoPE", "Tensors",
        "TestSupport",
      ]),
    .testTarget(
      name: "ConversionTests",
      dependencies: [
        "Conversion", "Models", "Inference", "Formats", "Tensors", "Tokenization", "TestSupport",
      ]),
    .testTarget(
      name: "TokenizationTests",
      dependencies: ["Tokenization", "Formats", "Tensors", "TestSupport"]),
    .testTarget(
      name: "QuantizationTests", dependencies: ["Quantization", "Tensors", "TestSupport"]),
    .testTarget(
      name: "DeploymentTests",
      dependencies: ["Deployment", "Formats", "Models", "RoPE", "TestSupport"]),
    .testTarget(
      name: "RoPETests",
      dependencies: [
        "RoPE", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
      ]),
  ],
  swiftLanguageModes: [.v6]
)

// The test suites that drive the library and the binary compile without optimization in a
// release build too: optimizing them took most of a clean release build's last minutes on 2
// cores (CLITests alone, last on the build's critical path, 145 s optimized), and the suite's
// time is the library's and the binary's, which stay optimized. InferenceTests keeps -O: its
// reference loops (FlashAttentionTests, TinyArchitecture) are numeric code.
for target in package.targets where target.type == .test && target.name != "InferenceTests" {
  target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-Onone"])]
}
