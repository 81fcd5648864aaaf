import Foundation
import Testing
import Verification

@testable import Inference

/// Op-by-op comparison with llama.cpp's intermediate tensors (SPINDLE_PROBE_DIR, written by a
/// cb_eval dumper): each Spindle op is fed llama.cpp's own inputs.
@Suite(
  "op probe", .enabled(if: ProcessInfo.processInfo.environment["SPINDLE_PROBE_DIR"] != nil))
struct OpProbeTests {
  @Test func probe() throws {
    let env = ProcessInfo.processInfo.environment
    let dir = env["SPINDLE_PROBE_DIR"]!
    let modelPath = env["SPINDLE_PROBE_MODEL"]!
    let checkpoint = try LlamaCheckpoint(gguf: modelPath)
    let model = try checkpoint.model(rotary: .llamaCpp, numericMode: .llamaCpp)
    let c = model.configuration
    let tokens = try String(contentsOfFile: dir + "/tokens.txt", encoding: .utf8)
      .split(separator: "\n").map { Int($0)! }
    let n = tokens.count
    func load(_ name: String) -> [Float]? {
      guard let data = FileManager.default.contents(atPath: "\(dir)/\(name).f32") else {
        return nil
      }
      return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
    func report(_ name: String, _ ours: [Float], _ theirs: [Float]?) {
      guard let theirs else {
        print("PROBE \(name): missing")
        return
      }
      guard ours.count == theirs.count else {
        print("PROBE \(name): count \(ours.count) vs \(theirs.count)")
        return
      }
      var maxDiff: Float = 0
      var differing = 0
      var first = -1
      for i in ours.indices where ours[i] != theirs[i] {
        differing += 1
        if first < 0 { first = i }
        maxDiff = max(maxDiff, abs(ours[i] - theirs[i]))
      }
      print(
        "PROBE \(name): \(differing)/\(ours.count) differ, max \(maxDiff)"
          + (first >= 0 ? " first \(first) ours \(ours[first]) theirs \(theirs[first])" : ""))
    }
    let mode = model.numericMode
    let start = Int(env["SPINDLE_PROBE_START"] ?? "") ?? 0
    let (cosines, sines) = model.rotary.rotations(positions: start..<(start + n))
    let layerLimit = Int(env["SPINDLE_PROBE_LAYERS"] ?? "") ?? c.layerCount
    for (index, layer) in model.layers.enumerated().prefix(layerLimit) {
      let input = index == 0 ? load("embd")! : load("l_out-\(index - 1)")!
      var h = input
      Kernels.rmsNorm(&h, weight: layer.attentionNorm, epsilon: c.rmsNormEpsilon)
      report("attn_norm-\(index)", h, load("attn_norm-\(index)"))
      let hRef = load("attn_norm-\(index)")!
      report(
        "Qcur-\(index)", layer.query.multiply(hRef, count: n, mode: mode), load("Qcur-\(index)"))
      report("Kcur-\(index)", layer.key.multiply(hRef, count: n, mode: mode), load("Kcur-\(index)"))
      report(
        "Vcur-\(index)", layer.value.multiply(hRef, count: n, mode: mode), load("Vcur-\(index)"))
      var q = load("Qcur-\(index)")!
      var k = load("Kcur-\(index)")!
      let pairs = model.rotary.pairCount
      q.withUnsafeMutableBufferPointer { qb in
        k.withUnsafeMutableBufferPointer { kb in
          cosines.withUnsafeBufferPointer { cb in
            sines.withUnsafeBufferPointer { sb in
              for row in 0..<n {
                model.rotary.rotate(
                  qb.baseAddress! + row * c.queryLength, heads: c.headCount,
                  headDimension: c.headDimension, cos: cb.baseAddress! + row * pairs,
                  sin: sb.baseAddress! + row * pairs)
                model.rotary.rotate(
                  kb.baseAddress! + row * c.keyValueLength, heads: c.keyValueHeadCount,
                  headDimension: c.headDimension, cos: cb.baseAddress! + row * pairs,
                  sin: sb.baseAddress! + row * pairs)
              }
            }
          }
        }
      }
      report("Qrope-\(index)", q, load("Qcur-\(index)#2"))
      report("Krope-\(index)", k, load("Kcur-\(index)#2"))
      let qr = load("Qcur-\(index)#2")!.map(LlamaModel.roundedToHalf)
      let kr = load("Kcur-\(index)#2")!.map(LlamaModel.roundedToHalf)
      let vr = load("Vcur-\(index)")!.map(LlamaModel.roundedToHalf)
      let attention = LlamaModel.causalAttention(
        q: qr, k: kr, v: vr, queryRows: Array(0..<n), configuration: c, roundProbabilities: true)
      report("kqv_out-\(index)", attention, load("kqv_out-\(index)"))
      let kqvRef = load("kqv_out-\(index)")!
      let o = layer.attentionOutput.multiply(kqvRef, count: n, mode: mode)
      report("attn_out-\(index)", o, load("attn_out-\(index)"))
      let oRef = load("attn_out-\(index)")!
      report("ffn_inp-\(index)", zip(input, oRef).map { $0 + $1 }, load("ffn_inp-\(index)"))
      var f = load("ffn_inp-\(index)")!
      Kernels.rmsNorm(&f, weight: layer.feedForwardNorm, epsilon: c.rmsNormEpsilon)
      report("ffn_norm-\(index)", f, load("ffn_norm-\(index)"))
      let fRef = load("ffn_norm-\(index)")!
      report(
        "ffn_gate-\(index)", layer.gate!.multiply(fRef, count: n, mode: mode),
        load("ffn_gate-\(index)"))
      report(
        "ffn_up-\(index)", layer.up.multiply(fRef, count: n, mode: mode), load("ffn_up-\(index)"))
      var gate = load("ffn_gate-\(index)")!
      Kernels.swiGLUGGML(gate: &gate, up: load("ffn_up-\(index)")!)
      report("ffn_swiglu-\(index)", gate, load("ffn_swiglu-\(index)"))
      let down = layer.down.multiply(load("ffn_swiglu-\(index)")!, count: n, mode: mode)
      report("ffn_out-\(index)", down, load("ffn_out-\(index)"))
      report(
        "l_out-\(index)", zip(load("ffn_inp-\(index)")!, load("ffn_out-\(index)")!).map { $0 + $1 },
        load("l_out-\(index)"))
    }
    if let last = load("l_out-\(c.layerCount - 1)") {
      var x = last
      Kernels.rmsNorm(&x, weight: model.outputNorm, epsilon: c.rmsNormEpsilon)
      report("result_norm", x, load("result_norm"))
      if let norm = load("result_norm") {
        report(
          "result_output", model.output.multiply(norm, count: n, mode: mode), load("result_output"))
      }
    }
  }
}
