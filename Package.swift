// swift-tools-version: 6.1
import PackageDescription

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
  targets: [
    .systemLibrary(
      name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
    .systemLibrary(
      name: "CJSONC", pkgConfig: "json-c", providers: [.apt(["libjson-c-dev"]), .brew(["json-c"])]),
    .target(name: "CSystemShims"),
    .target(name: "Tensors", dependencies: ["CSystemShims"]),
    .target(name: "Formats", dependencies: ["Tensors", "CZstd", "CJSONC"]),
    .target(name: "RoPE"),
    .target(name: "Inference", dependencies: ["Tensors", "RoPE", "CSystemShims"]),
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
    .testTarget(
      name: "CLITests",
      dependencies: [
        "Formats", "Tensors", "Models", "Inference", "Patching", "RoPE", "TestSupport", "spindle",
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
        "TestSupport",
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
