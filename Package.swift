// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "connwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "connwatch", targets: ["connwatch"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // The API server's event loops (NIOPosix), which Hummingbird runs on as well.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        // Hummingbird's own lifecycle: the API server shuts down gracefully through a ServiceGroup.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // HMAC-SHA256 for webhook signatures.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Receiver title/text/body templates: full Mustache (sections over lists, partials).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // The engine's deadline heap.
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // OpenSSL, which libmosquitto uses: the verify result of a failed TLS handshake, and `check`'s
        // reading of certificate and key files.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        .target(
            name: "ConnWatchCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "ConnWatchRuntime",
            dependencies: [
                "ConnWatchCore", "CMosquitto", "COpenSSL", "CSystemd", "CCurl", "CCurlShim",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "connwatch",
            dependencies: [
                "ConnWatchCore", "ConnWatchRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "connwatch-bench", dependencies: ["ConnWatchCore", "ConnWatchRuntime"]),
        // Fuzz target bodies (plain functions, replayed by ConnWatchFuzzingTests) and the libFuzzer
        // entry point, built only by `make fuzz` with `--sanitize=fuzzer --product connwatch-fuzz`.
        .target(name: "ConnWatchFuzzing", dependencies: ["ConnWatchCore"]),
        .executableTarget(name: "connwatch-fuzz", dependencies: ["ConnWatchFuzzing"]),
        .target(name: "ConnWatchTestSupport", path: "Tests/Support"),
        .testTarget(name: "ConnWatchCoreTests", dependencies: ["ConnWatchCore", "ConnWatchTestSupport"]),
        .testTarget(
            name: "ConnWatchRuntimeTests",
            dependencies: [
                "ConnWatchRuntime", "ConnWatchTestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "ConnWatchFuzzingTests", dependencies: ["ConnWatchFuzzing"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ConnWatchCore", "ConnWatchTestSupport", .product(name: "Yams", package: "Yams")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
