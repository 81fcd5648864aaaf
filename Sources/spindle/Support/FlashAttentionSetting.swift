import ArgumentParser

/// llama.cpp's `-fa auto|on|off`; `auto` is on for the CPU backend, the only one Spindle
/// mirrors.
enum FlashAttentionSetting: String, ExpressibleByArgument, CaseIterable, Sendable {
  case auto, on, off

  /// Whether llama.cpp's CPU backend runs flash attention.
  var isOn: Bool { self != .off }
}
