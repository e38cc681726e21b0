// swift-tools-version:6.0
import Foundation
import PackageDescription

// The libFuzzer targets for StockroomWire's decoders. A package of its own, so that `swift build` and
// `swift test` of the main package never build them: the executable links only with `-sanitize=fuzzer`.
// `ops/fuzz` builds and runs it.

/// SwiftPM names a package required by path after its directory, whatever that checkout is called.
let mainPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "stockroom-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // libFuzzer's driver, for the executable's own main.
        .systemLibrary(name: "CLibFuzzer"),
        // One executable for every target; STOCKROOM_FUZZ_TARGET picks one. The contract it checks is
        // symlinked from Tests/StockroomWireTests/Fuzzing, where `swift test` replays the regressions with it.
        .executableTarget(
            name: "stockroom-wire-fuzz",
            dependencies: [
                "CLibFuzzer",
                .product(name: "StockroomWire", package: mainPackage),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .enableUpcomingFeature("ExistentialAny")]
        )
    ]
)
