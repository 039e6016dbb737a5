// swift-tools-version: 6.2
import PackageDescription

/// Settings every Drover target shares: Swift 6 mode, stricter features, warnings as errors.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

/// The agent's link inputs: the order file (the functions a running agent executes, the
/// steady-state loop's first; regenerate with scripts/agent-order after changing what the agent
/// runs) and the libstdc++ linker script that makes the C++ runtime static.
let agentLinkDirectory = Context.packageDirectory + "/Sources/drover-agent/Link"

let package = Package(
    name: "Drover",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "drover", targets: ["drover"]),
        .executable(name: "drover-agent", targets: ["drover-agent"]),
        .executable(name: "drover-bench", targets: ["drover-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // No default traits: BinaryDelimitedStreams imports full Foundation (and ICU) into the lean agent.
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // System OpenSSL 3 (libssl + libcrypto); shim.h wraps the macros Swift cannot import.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // System zlib for per-frame compression.
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "DroverWire",
            dependencies: [
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DroverTLS",
            dependencies: [
                "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Host metrics: pure /proc and statvfs parsers plus a collector (FoundationEssentials at most).
        .target(
            name: "DroverHost",
            dependencies: [],
            swiftSettings: strict
        ),
        // The controller's durable state: SQLite (WAL) through GRDB, versioned migrations.
        .target(
            name: "DroverStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift")
            ],
            swiftSettings: strict
        ),
        // The controller's live fleet picture: liveness, history, threshold conditions (pure).
        .target(
            name: "DroverInventory",
            dependencies: ["DroverWire"],
            swiftSettings: strict
        ),
        // The operator HTTPS JSON API (server and client) on NIOHTTP1 over DroverTLS.
        .target(
            name: "DroverAPI",
            dependencies: [
                "DroverInventory",
                "DroverStore",
                "DroverTLS",
                "DroverWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Service specs (YAML through Yams) and the pure rollout state machines; no I/O, no NIO.
        .target(
            name: "DroverRollout",
            dependencies: [
                .product(name: "Yams", package: "Yams")
            ],
            swiftSettings: strict
        ),
        // Session layer: pure opening/heartbeat/backoff/correlation state machines and the
        // NIOAsyncChannel plumbing (TLS + frames) shared by controller and agent.
        .target(
            name: "DroverSession",
            dependencies: [
                "DroverWire",
                "DroverTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Controller service: fleet CA, enrollment, agent sessions, host registry.
        .target(
            name: "DroverController",
            dependencies: [
                "DroverAPI",
                "DroverInventory",
                "DroverRollout",
                "DroverSession",
                "DroverWire",
                "DroverTLS",
                "DroverStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strict
        ),
        // Agent service: enrollment, controller session, host reports, renewal. No GRDB; FoundationEssentials at most.
        .target(
            name: "DroverAgent",
            dependencies: [
                "DroverSession",
                "DroverWire",
                "DroverTLS",
                "DroverHost",
                "DroverRuntime",
                "DroverProxy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strict
        ),
        // Container engines (Docker Engine API over a unix socket; supervised child processes) and
        // health checks for the agent: NIO and FoundationEssentials only, posix_spawn for children.
        .target(
            name: "DroverRuntime",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The agent's service proxy: weighted HTTP/1.1 and TCP forwarding, stickiness, draining,
        // per-version statistics. Linked into the lean agent: NIO and the stdlib only.
        .target(
            name: "DroverProxy",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            // The request path touches the handlers' stored properties many times per request;
            // release builds skip the runtime exclusivity checks there (about 4 % of the proxy's
            // CPU under load, measured with perf). Debug builds, which the tests run, keep them.
            swiftSettings: strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .target(
            name: "DroverTestSupport",
            dependencies: [
                "DroverTLS",
                "DroverWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DroverCLI",
            dependencies: [
                "DroverAgent",
                "DroverAPI",
                "DroverRollout",
                "DroverWire",
                "DroverTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "DroverStore",
                "DroverSession",
                "DroverController",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "drover",
            dependencies: [
                "DroverCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // The lean agent: no SQLite, no full Foundation; only what a host needs.
        .executableTarget(
            name: "drover-agent",
            dependencies: [
                "DroverWire",
                "DroverTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "DroverSession",
                "DroverAgent",
            ],
            exclude: ["Link"],
            swiftSettings: strict,
            // Release: the Swift runtime, FoundationEssentials and libstdc++ linked in (one file
            // to install, and fewer resident pages). -static-stdlib alone misses
            // FoundationEssentials' helper archives. No full Foundation, so no ICU.
            // Linked with the toolchain's lld for a smaller resident set (README, "Agent
            // footprint"): no exported dynamic symbols (the Swift driver exports every symbol of
            // an executable: 1.8 MB of tables the loader reads at start), packed relative
            // relocations (DT_RELR, glibc 2.36+: 12 KB instead of 1.4 MB), read-only data apart
            // from code, and the hot functions laid out together by the order file.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-static-stdlib", "-use-ld=lld", "-L\(agentLinkDirectory)",
                        "-Xlinker", "--no-export-dynamic",
                        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                        "-Xlinker", "--symbol-ordering-file=\(agentLinkDirectory)/drover-agent.order",
                        "-Xlinker", "--no-warn-symbol-ordering",
                    ], .when(configuration: .release)),
                .linkedLibrary("_FoundationCollections", .when(configuration: .release)),
                .linkedLibrary("_FoundationCShims", .when(configuration: .release)),
                .linkedLibrary("swiftSynchronization", .when(configuration: .release)),
            ]
        ),
        .executableTarget(
            name: "drover-bench",
            dependencies: [
                "DroverAgent",
                "DroverAPI",
                "DroverController",
                "DroverInventory",
                "DroverProxy",
                "DroverSession",
                "DroverStore",
                "DroverWire",
                "DroverTLS",
                "DroverTestSupport",
                "COpenSSL",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Replays a corpus normally; built with -sanitize=fuzzer by scripts/fuzz it is a libFuzzer
        // host of several targets (frames, HTTP/1 heads and bodies, API requests, specs, host
        // reports, agent commands), chosen with --target or DROVER_FUZZ_TARGET.
        .executableTarget(
            name: "drover-fuzz",
            dependencies: [
                "DroverAgent",
                "DroverAPI",
                "DroverController",
                "DroverInventory",
                "DroverProxy",
                "DroverRollout",
                "DroverRuntime",
                "DroverStore",
                "DroverTLS",
                "DroverWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverWireTests",
            dependencies: [
                "DroverWire",
                "DroverTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            resources: [],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverHostTests",
            dependencies: ["DroverHost"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverAgentTests",
            dependencies: [
                "DroverAgent",
                "DroverSession",
                "DroverTLS",
                "DroverTestSupport",
                "DroverRuntime",
                "DroverProxy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverStoreTests",
            dependencies: ["DroverStore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverRolloutTests",
            // DroverProxy only to pin LatencyBuckets to the proxy's own histogram layout.
            dependencies: ["DroverRollout", "DroverProxy"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverInventoryTests",
            dependencies: ["DroverInventory", "DroverWire"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverAPITests",
            dependencies: [
                "DroverAPI",
                "DroverCLI",
                "DroverInventory",
                "DroverStore",
                "DroverTLS",
                "DroverTestSupport",
                "DroverWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DeployTests",
            dependencies: [],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverSessionTests",
            dependencies: [
                "DroverSession",
                "DroverTestSupport",
                "DroverWire",
                "DroverTLS",
                "DroverHost",
                "DroverAgent",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverControllerTests",
            dependencies: [
                "DroverController",
                "DroverInventory",
                "DroverRollout",
                "DroverSession",
                "DroverStore",
                "DroverTLS",
                "DroverWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "DroverStore",
                "DroverTestSupport",
            ],
            swiftSettings: strict
        ),
        // Needs Podman and the local test images: scripts/podman-setup (run by scripts/test).
        .testTarget(
            name: "DroverRuntimeTests",
            dependencies: [
                "DroverRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverProxyTests",
            dependencies: [
                "DroverProxy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverTLSTests",
            dependencies: [
                "DroverTLS",
                "DroverWire",
                "DroverTestSupport",
                "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
