// The machine's fused multiply-add peak in Float GFLOP/s, every core busy: 12 independent chains
// of 16-lane `addingProduct` per thread (enough to cover the FMA latency on the pipes), a fused
// multiply-add counted as two operations. Built by Benchmarks/attention.sh with
// `swiftc -O -Xcc -march=native` so the chains are the CPU's widest FMA instructions.
import Dispatch
import Foundation

@inline(never)
func chains(_ iterations: Int, _ seed: Float) -> Float {
  let x = SIMD16<Float>(repeating: 0.999_999)
  let y = SIMD16<Float>(repeating: seed)
  var a = (0..<12).map { SIMD16<Float>(repeating: Float($0)) }
  var a0 = a[0]
  var a1 = a[1]
  var a2 = a[2]
  var a3 = a[3]
  var a4 = a[4]
  var a5 = a[5]
  var a6 = a[6]
  var a7 = a[7]
  var a8 = a[8]
  var a9 = a[9]
  var a10 = a[10]
  var a11 = a[11]
  for _ in 0..<iterations {
    a0 = a0.addingProduct(x, y)
    a1 = a1.addingProduct(x, y)
    a2 = a2.addingProduct(x, y)
    a3 = a3.addingProduct(x, y)
    a4 = a4.addingProduct(x, y)
    a5 = a5.addingProduct(x, y)
    a6 = a6.addingProduct(x, y)
    a7 = a7.addingProduct(x, y)
    a8 = a8.addingProduct(x, y)
    a9 = a9.addingProduct(x, y)
    a10 = a10.addingProduct(x, y)
    a11 = a11.addingProduct(x, y)
  }
  a = [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11]
  return a.reduce(SIMD16<Float>(repeating: 0), +).sum()
}

let threads = ProcessInfo.processInfo.activeProcessorCount
let iterations = 200_000_000 / threads
var best = 0.0
for _ in 0..<3 {
  let start = Date()
  DispatchQueue.concurrentPerform(iterations: threads) { t in
    _ = chains(iterations, 1e-7 * Float(t + 1))
  }
  let seconds = Date().timeIntervalSince(start)
  best = max(best, Double(threads * iterations) * 12 * 16 * 2 / seconds / 1e9)
}
print(String(format: "fma-peak: %.0f GFLOP/s on %d threads", best, threads))
