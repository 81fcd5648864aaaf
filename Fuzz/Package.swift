// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets over Spindle's parsers and planners; see docs/reliability.md and `make fuzz`.
// Build: swift build -Xswiftc -sanitize=fuzzer,address (the flags apply to Spindle's modules too,
// so they are coverage-instrumented). `Spindle` is a symlink to the repository root: a path
// dependency on ".." would take the identity of the checkout folder's name, which clashes with
// this package's ("fuzz") in a checkout folder called fuzz.
let targets = [
  "FuzzSafetensorsHeader", "FuzzGGUF", "FuzzShards", "FuzzHFConfig", "FuzzTokenizer",
  "FuzzDequantization", "FuzzMetaPlan", "FuzzStampPlan",
]

let package = Package(
  name: "SpindleFuzz",
  dependencies: [.package(path: "Spindle")],
  targets: [
    .target(name: "FuzzDriver"),
    .target(
      name: "FuzzSupport",
      dependencies: ["FuzzDriver", .product(name: "SpindleKit", package: "spindle")]),
  ]
    + targets.map { name in
      .executableTarget(
        name: name,
        dependencies: ["FuzzSupport", .product(name: "SpindleKit", package: "spindle")],
        swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    },
  swiftLanguageModes: [.v6]
)
