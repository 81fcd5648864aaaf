import Foundation
import TestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("spindle rope")
struct RopeCommandTests {
  static let tiny = "fixtures/gguf/tiny-llama.gguf"

  /// `a` and `b` agree to within four units in the last place of `b`.
  static func close(_ a: Double, _ b: Double) -> Bool {
    (a - b).magnitude <= 4 * b.ulp
  }

  /// The YaRN table of the tiny fixture (d 16, θ 10000, L 2048) at factor 4, from the formulas.
  static func expectedPair(_ i: Int) -> (
    wavelength: Double, ratio: Double, ramp: Double, theta: Double, inverse: Double
  ) {
    let d = 16.0
    let theta = pow(10_000, -Double(2 * i) / d)
    let wavelength = 2 * Double.pi / theta
    func correction(_ rotations: Double) -> Double {
      d * log(2048 / (rotations * 2 * Double.pi)) / (2 * log(10_000))
    }
    let low = max(correction(32).rounded(.down), 0)
    let high = min(correction(1).rounded(.up), d - 1)
    let ramp = min(max((Double(i) - low) / (high - low), 0), 1)
    let kept = 1 - ramp
    return (wavelength, 2048 / wavelength, ramp, theta, theta / 4 * (1 - kept) + theta * kept)
  }

  @Test func csvRowsMatchTheFormulas() throws {
    let result = try SpindleProcess.run("rope", Self.tiny, "--yarn", "4", "--csv")
    #expect(result.status == 0)
    #expect(result.stderr == "")
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(
      lines.first
        == "i,wavelength,context_ratio,ramp,class,original_inv_freq,inv_freq,frequency_factor")
    #expect(lines.count == 10)
    #expect(lines.last == "")
    let classes = [
      "kept", "kept", "kept", "blended", "blended", "blended", "interpolated", "interpolated",
    ]
    let ramps = [0, 0, 0, 0.25, 0.5, 0.75, 1, 1]
    for i in 0..<8 {
      let cells = lines[i + 1].split(separator: ",").map(String.init)
      try #require(cells.count == 8)
      let numbers = cells.map { Double($0) }
      let expected = Self.expectedPair(i)
      #expect(cells[0] == String(i))
      #expect(cells[4] == classes[i])
      #expect(numbers[3] == ramps[i])
      #expect(expected.ramp == ramps[i])
      #expect(Self.close(try #require(numbers[1]), expected.wavelength), "wavelength \(i)")
      #expect(Self.close(try #require(numbers[2]), expected.ratio), "ratio \(i)")
      #expect(Self.close(try #require(numbers[5]), expected.theta), "θ \(i)")
      #expect(Self.close(try #require(numbers[6]), expected.inverse), "inv_freq \(i)")
      #expect(
        Self.close(try #require(numbers[7]), expected.theta / expected.inverse), "factor \(i)")
    }
    // Rows whose values are exact in decimal.
    #expect(lines[3] == "2,62.83185307179586,32.594932345220165,0.0,kept,0.1,0.1,1.0")
    #expect(lines[7] == "6,6283.185307179586,0.3259493234522017,1.0,interpolated,0.001,0.00025,4.0")
  }

  @Test func textReport() throws {
    let result = try SpindleProcess.run("rope", Self.tiny, "--yarn", "4")
    #expect(result.status == 0)
    #expect(result.stderr == "")
    #expect(
      result.stdout == """
        model:                 tiny-llama (gguf, fixtures/gguf/tiny-llama.gguf)
        type:                  yarn (what-if; the model declares none (context 2048))
        base θ:                10000
        head_dim:              16
        rotary dims d:         16 (8 pairs)
        partial rotary factor: 1
        original context L:    2048
        context:               8192
        factor s:              4
        attention factor:      1.13863 (Hugging Face); llama.cpp applies 1.13863
        correction range:      low 2, high 6 (llama.cpp: 2, 6)
        classes:               3 kept, 3 blended, 2 interpolated
        pairs:
          i  wavelength       L/λ  ramp  class                 θ_i     inv_freq  θ_i/inv_i
          0     6.28319   325.949     0  kept                    1            1          1
          1     19.8692   103.074     0  kept             0.316228     0.316228          1
          2     62.8319   32.5949     0  kept                  0.1          0.1          1
          3     198.692   10.3074  0.25  blended         0.0316228    0.0256935    1.23077
          4     628.319   3.25949   0.5  blended              0.01      0.00625        1.6
          5     1986.92   1.03074  0.75  blended        0.00316228    0.0013835    2.28571
          6     6283.19  0.325949     1  interpolated        0.001      0.00025          4
          7     19869.2  0.103074     1  interpolated  0.000316228  7.90569e-05          4
        KV cache (llama.cpp, f16): 0.50 MiB at 2048 tokens → 2.00 MiB at 8192

        """)
  }

  @Test func jsonDocument() throws {
    let result = try SpindleProcess.run("rope", Self.tiny, "--yarn", "4", "--json")
    #expect(result.status == 0)
    let root = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(root["path"] as? String == Self.tiny)
    #expect(root["format"] as? String == "gguf")
    #expect(root["name"] as? String == "tiny-llama")
    #expect(root["what_if"] as? Bool == true)
    #expect(root["rope_type"] as? String == "yarn")
    #expect(root["summary"] as? String == "yarn ×4 (original 2048 → 8192)")
    #expect(root["base"] as? Double == 10_000)
    #expect(root["head_dim"] as? Int == 16)
    #expect(root["rotary_dim"] as? Int == 16)
    #expect(root["original_context"] as? Int == 2048)
    #expect(root["context"] as? Int == 8192)
    #expect(root["factor"] as? Double == 4)
    #expect(root["attention_factor"] as? Double == 1 + 0.1 * log(4.0))
    let llama = try #require(root["llama_cpp_attention_factor"] as? Double)
    #expect((llama - (1 + 0.1 * log(4.0))).magnitude < 1e-6)
    let range = try #require(root["correction_range"] as? [String: Double])
    #expect(range == ["low": 2, "high": 6])
    #expect(root["classes"] as? [String: Int] == ["kept": 3, "blended": 3, "interpolated": 2])
    let pairs = try #require(root["pairs"] as? [[String: Any]])
    #expect(pairs.count == 8)
    #expect(pairs[4]["class"] as? String == "blended")
    #expect(pairs[4]["ramp"] as? Double == 0.5)
    #expect(pairs[4]["inv_freq"] as? Double == 0.00625)
    #expect(pairs.map { $0["i"] as? Int } == Array(0..<8))
  }

  /// Element names and attributes of an SVG, read with Foundation's XML parser.
  final class SVGShape: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    func parser(
      _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String] = [:]
    ) {
      elements.append((elementName, attributes))
    }
  }

  @Test func svgPlot() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let plot = "\(folder)/tiny.svg"
    let result = try SpindleProcess.run("rope", Self.tiny, "--yarn", "4", "--plot", plot)
    #expect(result.status == 0)
    #expect(result.stdout.hasSuffix("\nplot: \(plot)\n"))
    let data = try Data(contentsOf: URL(fileURLWithPath: plot))
    let parser = XMLParser(data: data)
    let shape = SVGShape()
    parser.delegate = shape
    #expect(parser.parse(), "\(String(describing: parser.parserError))")
    let elements = shape.elements
    #expect(elements.first?.name == "svg")
    #expect(elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
    #expect(elements.first?.attributes["version"] == "1.1")
    let polylines = elements.filter { $0.name == "polyline" }
    #expect(polylines.map { $0.attributes["class"] } == ["scaled", "original"])
    #expect(polylines.map { $0.attributes["stroke-dasharray"] } == [nil, "6 4"])
    for line in polylines {
      #expect(line.attributes["points"]?.split(separator: " ").count == 8)
    }
    let bands = elements.filter { $0.attributes["class"]?.hasPrefix("band ") == true }
    #expect(
      bands.map { $0.attributes["class"] }
        == ["band band-kept", "band band-blended", "band band-interpolated"])
    #expect(!elements.contains { $0.attributes.keys.contains { $0.hasSuffix("href") } })
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains("<title>tiny-llama: yarn ×4 (original 2048 → 8192) (what-if)</title>"))
    #expect(text.contains(">kept (3 pairs)</text>"))
    #expect(text.contains(">interpolated (2 pairs)</text>"))
    // Deterministic: a second run writes the same bytes.
    let again = try SpindleProcess.run("rope", Self.tiny, "--yarn", "4", "--plot", plot, "--csv")
    #expect(again.status == 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: plot)) == data)
  }

  @Test func stampedModelShowsItsScaling() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let stamped = "\(folder)/yarn.gguf"
    let stamp = try SpindleProcess.run("stamp", Self.tiny, "--yarn", "4", "-o", stamped)
    #expect(stamp.status == 0)
    let result = try SpindleProcess.run("rope", stamped)
    #expect(result.status == 0)
    #expect(result.stderr == "")
    #expect(result.stdout.contains("\ntype:                  yarn\n"))
    #expect(result.stdout.contains("\ncontext:               8192\n"))
    #expect(result.stdout.contains("\nclasses:               3 kept, 3 blended, 2 interpolated\n"))
    let preview = try SpindleProcess.run("rope", Self.tiny, "--yarn", "4", "--csv")
    let own = try SpindleProcess.run("rope", stamped, "--csv")
    #expect(own.stdout == preview.stdout)

    let hf = "\(folder)/hf"
    #expect(
      try SpindleProcess.run("stamp", "fixtures/hf/tiny-llama", "--yarn", "4", "-o", hf).status == 0
    )
    for path in [hf, "\(hf)/config.json"] {
      let json = try SpindleProcess.run("rope", path, "--json")
      #expect(json.status == 0)
      let root = try #require(
        try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
      #expect(root["what_if"] as? Bool == false)
      #expect(root["summary"] as? String == "yarn ×4 (original 2048 → 8192)")
      #expect(root["settings_path"] as? String == "\(hf)/config.json")
    }
  }

  @Test func modelWithoutRoPEInformation() throws {
    let path = "fixtures/safetensors/dtypes.safetensors"
    let result = try SpindleProcess.run("rope", path)
    #expect(result.status == 1)
    #expect(result.stdout == "")
    #expect(
      result.stderr
        == "Error: \(path): no rotary geometry: a safetensors file does not record its head size;"
        + " pass --head-dim (and --rope-theta), or show the model's folder or its config.json"
        + " [missingKey]\n")
  }

  @Test func badConfig() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let config = "\(folder)/config.json"
    try Data(
      #"{"head_dim": 16, "max_position_embeddings": 8192, "rope_scaling": {"rope_type": "yarn", "factor": "4"}}"#
        .utf8
    ).write(to: URL(fileURLWithPath: config))
    let result = try SpindleProcess.run("rope", config)
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "Error: \(config): 'rope_scaling.factor' must be a number, found string \"4\""
        + " [wrongType]\n")
  }

  /// Bad option combinations exit 64 before the (missing) model is opened.
  @Test(arguments: [
    (["--json", "--csv"], "--json and --csv are two formats; give one"),
    (
      ["--beta-fast", "16"],
      "the what-if options describe a scaling to preview: add --yarn FACTOR, --rope TYPE"
        + " --factor FACTOR, or --from-config CONFIG"
    ),
    (["--yarn", "4", "--rope", "linear"], "--yarn and --rope both choose the scaling; give one"),
    (
      ["--yarn", "0.5"],
      "the factor must be a finite number >= 1 (below 1 it would shrink the context), not 0.5"
    ),
    (["--plot", "out.png"], "--plot writes SVG; name a file ending in .svg, not 'out.png'"),
    (["--sequence-length", "0"], "--sequence-length must be positive, not 0"),
    (["--head-dim", "15"], "--head-dim must be even and positive, not 15"),
  ])
  func usageErrors(options: [String], message: String) throws {
    let result = try SpindleProcess.run(["rope", "no-such-model.gguf"] + options)
    #expect(result.status == 64)
    #expect(result.stderr.hasPrefix("Error: \(message)\n"))
  }
}
