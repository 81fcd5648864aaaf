#!/usr/bin/env bash
# Regenerates the committed Swift code of the protobuf schemas under Sources/*/Protos/ with protoc
# and protoc-gen-swift; `--check` regenerates into a temporary folder and fails (exit 1) when a
# committed file differs. protoc comes from PATH or $PROTOC (Debian: protobuf-compiler).
# protoc-gen-swift is $PROTOC_GEN_SWIFT, or is built from the swift-protobuf checkout SwiftPM
# resolved for this package (.build/checkouts/swift-protobuf), so the generator is the version of
# the runtime library the code compiles against.
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 64 ;;
esac

protoc=${PROTOC:-$(command -v protoc || true)}
if [ -z "$protoc" ]; then
  echo "generate-protos: no protoc (apt-get install protobuf-compiler, or set PROTOC)" >&2
  exit 1
fi

plugin=${PROTOC_GEN_SWIFT:-}
if [ -z "$plugin" ]; then
  checkout=.build/checkouts/swift-protobuf
  [ -d "$checkout" ] || swift package resolve
  swift build --package-path "$checkout" --scratch-path .build/protoc-gen-swift \
    --product protoc-gen-swift >&2
  plugin=$(swift build --package-path "$checkout" --scratch-path .build/protoc-gen-swift \
    --show-bin-path)/protoc-gen-swift
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for folder in Sources/*/Protos; do
  [ -d "$folder" ] || continue
  for proto in "$folder"/*.proto; do
    "$protoc" --plugin=protoc-gen-swift="$plugin" --proto_path="$folder" \
      --swift_out="$scratch" --swift_opt=Visibility=Internal "$(basename "$proto")"
    name=$(basename "$proto" .proto).pb.swift
    if $check; then
      if ! diff -u "$folder/$name" "$scratch/$name"; then
        echo "generate-protos: $folder/$name is not what $proto generates; run make protos" >&2
        status=1
      fi
    else
      # Same folder, then rename: the committed name never holds a half-written file.
      cp "$scratch/$name" "$folder/.$name.tmp"
      sync "$folder/.$name.tmp"
      mv "$folder/.$name.tmp" "$folder/$name"
      echo "generate-protos: wrote $folder/$name"
    fi
  done
done
if $check && [ "$status" = 0 ]; then echo "generate-protos: generated code is current"; fi
exit "$status"
