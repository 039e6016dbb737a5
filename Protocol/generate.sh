#!/usr/bin/env bash
# Regenerates Sources/DroverWire/Generated/drover.pb.swift from Protocol/drover/v1/drover.proto.
#
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift, found in this order:
#   1. $PROTOC_GEN_SWIFT (path to the plugin binary)
#   2. protoc-gen-swift on PATH
#   3. built here from the package's resolved swift-protobuf checkout
#      (.build/checkouts/swift-protobuf; run `swift package resolve` first).
# The plugin's version should match the SwiftProtobuf library the package uses (1.39.x).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
proto_dir="$root/Protocol"
out_dir="$root/Sources/DroverWire/Generated"

protoc="${PROTOC:-protoc}"
if ! command -v "$protoc" >/dev/null 2>&1; then
    echo "generate.sh: protoc not found (apt-get install protobuf-compiler)" >&2
    exit 1
fi

plugin="${PROTOC_GEN_SWIFT:-}"
if [[ -z "$plugin" ]]; then
    plugin="$(command -v protoc-gen-swift || true)"
fi
if [[ -z "$plugin" ]]; then
    checkout="$root/.build/checkouts/swift-protobuf"
    if [[ ! -d "$checkout" ]]; then
        (cd "$root" && swift package resolve)
    fi
    echo "generate.sh: building protoc-gen-swift from $checkout" >&2
    swift build -c release --product protoc-gen-swift --package-path "$checkout" >&2
    plugin="$(swift build -c release --product protoc-gen-swift --package-path "$checkout" --show-bin-path)/protoc-gen-swift"
fi
if [[ ! -x "$plugin" ]]; then
    echo "generate.sh: protoc-gen-swift not executable: $plugin" >&2
    exit 1
fi

mkdir -p "$out_dir"
"$protoc" \
    --plugin=protoc-gen-swift="$plugin" \
    --proto_path="$proto_dir" \
    --swift_opt=Visibility=Public \
    --swift_opt=FileNaming=DropPath \
    --swift_out="$out_dir" \
    drover/v1/drover.proto
echo "generate.sh: wrote $out_dir/drover.pb.swift" >&2
