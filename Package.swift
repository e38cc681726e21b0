// swift-tools-version:6.0
import PackageDescription

/// One set of settings for every Swift target: Swift 6 language mode and explicit `any`.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "stockroom",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "StockroomClient", targets: ["StockroomClient"]),
        .library(name: "StockroomWire", targets: ["StockroomWire"]),
        .executable(name: "stockroom", targets: ["stockroom"]),
        .executable(name: "stockroom-bench", targets: ["stockroom-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // System libraries: Debian's libhiredis-dev (RESP reader) and libssl-dev (TLS).
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),

        // The one error convention: an opaque, extensible code, a message, the underlying error.
        .target(name: "StockroomErrors", swiftSettings: swiftSettings),
        .target(
            name: "StockroomWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockroomRedis",
            dependencies: [
                "StockroomErrors",
                "CHiredis",
                "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockroomEmbeddedRedis",
            dependencies: [
                "StockroomRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockroomTLS",
            dependencies: [
                "StockroomErrors",
                "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockroomCore",
            dependencies: [
                "StockroomErrors",
                "StockroomRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockroomPipeline",
            dependencies: [
                "StockroomErrors",
                "StockroomCore",
                "StockroomRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The legacy Factory API's messages: what the factory client sends, the side port takes back
        // and the simulator answers.
        .target(name: "LegacyFactoryAPI", swiftSettings: swiftSettings),
        .target(
            name: "StockroomFactory",
            dependencies: [
                "StockroomErrors",
                "LegacyFactoryAPI",
                "StockroomCore",
                "StockroomPipeline",
                "StockroomRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockroomWarehouse",
            dependencies: [
                "StockroomCore",
                "StockroomPipeline",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockroomOps",
            dependencies: [
                "StockroomCore",
                "StockroomPipeline",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Serving a Hummingbird router until graceful shutdown: the side port's and the simulator's.
        .target(
            name: "StockroomHTTP",
            dependencies: [
                "StockroomTLS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The operator console: server-rendered pages under /console/ on a Hummingbird router.
        .target(
            name: "StockroomConsole",
            dependencies: [
                "StockroomHTTP",
                "StockroomTLS",
                "StockroomCore",
                "StockroomPipeline",
                "StockroomRedis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockroomSidePort",
            dependencies: [
                "StockroomErrors",
                "LegacyFactoryAPI",
                "StockroomConsole",
                "StockroomCore",
                "StockroomHTTP",
                "StockroomRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // A test and demo tool, not part of the service: the service library never depends on it.
        .target(
            name: "StockroomFactorySimulator",
            dependencies: [
                "LegacyFactoryAPI",
                "StockroomHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockroomServer",
            dependencies: [
                "StockroomWire",
                "StockroomCore",
                "StockroomRedis",
                "StockroomTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StockroomClient",
            dependencies: [
                "StockroomErrors",
                "StockroomWire",
                "StockroomTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Assembly: a configuration in, the services out. The CLI and the in-process tests use it.
        .target(
            name: "StockroomApp",
            dependencies: [
                "StockroomConsole",
                "StockroomCore",
                "StockroomEmbeddedRedis",
                "StockroomFactory",
                "StockroomOps",
                "StockroomPipeline",
                "StockroomRedis",
                "StockroomServer",
                "StockroomSidePort",
                "StockroomWarehouse",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command-line pieces both executables share: the client options (server, token, TLS) and HOST:PORT.
        .target(
            name: "StockroomCommandLine",
            dependencies: [
                "StockroomClient",
                "StockroomServer",
                "StockroomTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "stockroom",
            dependencies: [
                "StockroomConsole",
                "StockroomApp",
                "StockroomCommandLine",
                "StockroomServer",
                "StockroomClient",
                "StockroomCore",
                "StockroomFactory",
                "StockroomFactorySimulator",
                "StockroomPipeline",
                "StockroomRedis",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmark harness's logic (workloads, pacing, measuring, checks, reports), kept apart
        // from its command line so that its unit tests can reach it.
        .target(
            name: "StockroomBench",
            dependencies: [
                "StockroomClient",
                "StockroomCore",
                "StockroomEmbeddedRedis",
                "StockroomPipeline",
                "StockroomRedis",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "stockroom-bench",
            dependencies: [
                "StockroomBench",
                "StockroomClient",
                "StockroomCommandLine",
                "StockroomCore",
                "StockroomRedis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // Helpers shared by the test targets: private redis-server processes, free ports, key prefixes.
        .target(
            name: "TestSupport",
            dependencies: [
                "StockroomCore",
                "StockroomRedis",
                "StockroomEmbeddedRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StockroomWireTests",
            dependencies: [
                "StockroomWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StockroomRedisTests",
            dependencies: ["StockroomRedis", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StockroomTLSTests",
            dependencies: [
                "StockroomTLS",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StockroomCoreTests",
            dependencies: ["StockroomCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StockroomPipelineTests",
            dependencies: [
                "StockroomPipeline",
                "StockroomCore",
                "StockroomRedis",
                "TestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StockroomFactoryTests",
            dependencies: [
                "StockroomConsole",
                "StockroomTLS",
                "LegacyFactoryAPI",
                "StockroomFactory",
                "StockroomFactorySimulator",
                "StockroomHTTP",
                "StockroomOps",
                "StockroomSidePort",
                "StockroomWarehouse",
                "StockroomPipeline",
                "StockroomCore",
                "StockroomRedis",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StockroomServerTests",
            dependencies: [
                "StockroomServer",
                "StockroomClient",
                "StockroomWire",
                "StockroomTLS",
                "TestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StockroomBenchTests",
            dependencies: ["StockroomBench", "StockroomClient", "StockroomCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StockroomAppTests",
            dependencies: [
                "StockroomApp",
                "StockroomClient",
                "StockroomCore",
                "StockroomFactorySimulator",
                "StockroomPipeline",
                "StockroomRedis",
                "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
