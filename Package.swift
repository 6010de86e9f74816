// swift-tools-version: 6.2
import PackageDescription

/// The product's own targets build in the Swift 6 language mode (the package default at this
/// tools version); candidates' code is compiled separately by the pipeline in Swift 5 mode.
let package = Package(
    name: "grader",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "grader", targets: ["grader"]),
        .executable(name: "grader-sandbox", targets: ["grader-sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Hummingbird's test client is built on it already; the CLI and the notifier use it too.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Core model: challenges, rubric, check results, scoring, the report schema.
        .target(name: "GraderModel"),
        // Durable storage: SQLite through GRDB, versioned migrations.
        .target(name: "GraderStore", dependencies: [
            "GraderModel",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The one narrow interface through which every compile and check process runs.
        .target(name: "GraderProcess", dependencies: [
            .product(name: "Subprocess", package: "swift-subprocess"),
        ]),
        // intake → compile → checks → score → persist → report.
        .target(name: "GraderPipeline", dependencies: [
            "GraderModel", "GraderStore", "GraderProcess", "Wire",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Text, Markdown and JSON renderings of a report.
        .target(name: "GraderReports", dependencies: ["GraderModel"]),
        // The check's two sides (SPEC §3, "The trust boundary"). Like every module compiled into
        // drivers and subjects, these are also compiled by the pipeline at run time, so they
        // depend on nothing outside the toolchain.
        // Both sides: the channel's frames and binary format.
        .target(name: "Wire", exclude: ["README.md"]),
        // Inside the sandbox: the runtime of the subject process, beside the candidate's code.
        .target(name: "SubjectRuntime", dependencies: ["Wire"], exclude: ["README.md"]),
        // Outside: what checks are written with, and the driver process's entry point.
        .target(name: "DriverKit", dependencies: ["Wire"], exclude: ["README.md"]),
        // The HTTP API's request and response bodies, shared by the daemon and its clients.
        .target(name: "GraderAPI", dependencies: ["GraderModel"]),
        // The daemon (SPEC §8): HTTP API, auth, grading workers, notifications, metrics.
        .target(name: "GraderServer", dependencies: [
            "GraderModel", "GraderStore", "GraderPipeline", "GraderReports", "GraderAPI",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], exclude: ["OpenAPI/openapi.json"]),
        // The client side of the API, for `submit`, `status`, `report` and `list` against a server.
        .target(name: "GraderClient", dependencies: [
            "GraderModel", "GraderAPI",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // Subcommands of `grader` (a library so tests can drive them).
        .target(name: "GraderCLI", dependencies: [
            "GraderModel", "GraderStore", "GraderPipeline", "GraderReports", "GraderServer", "GraderClient", "GraderAPI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "grader", dependencies: ["GraderCLI"]),

        // libseccomp, found through pkg-config (installed by scripts/bootstrap.sh).
        .systemLibrary(name: "CSeccomp", path: "Sandbox/CSeccomp", pkgConfig: "libseccomp",
                       providers: [.apt(["libseccomp-dev"])]),
        // The sandbox launcher every compile and check runs under (SPEC §6, Sandbox/README.md).
        .executableTarget(name: "grader-sandbox", dependencies: ["CSeccomp"], path: "Sandbox/Launcher",
                          cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers"])],
                          linkerSettings: [.linkedLibrary("m")]),

        .testTarget(name: "GraderModelTests", dependencies: ["GraderModel"]),
        .testTarget(name: "GraderStoreTests", dependencies: ["GraderStore", "GraderModel"]),
        .testTarget(name: "GraderProcessTests", dependencies: ["GraderProcess"]),
        .testTarget(name: "GraderPipelineTests", dependencies: ["GraderPipeline", "GraderModel", "GraderStore", "GraderProcess"]),
        .testTarget(name: "GraderReportsTests", dependencies: ["GraderReports", "GraderModel"]),
        .testTarget(name: "GraderClientTests", dependencies: [
            "GraderClient", "GraderAPI", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "GraderServerTests", dependencies: [
            "GraderServer", "GraderStore", "GraderModel", "GraderPipeline", "GraderAPI",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(name: "DriverKitTests", dependencies: ["DriverKit", "Wire"]),
        .testTarget(name: "SubjectRuntimeTests", dependencies: ["SubjectRuntime", "Wire"]),
        // A simulated service's support type, tested in memory here and through the driver by
        // GraderPipelineTests (ServiceChannelTests), which copies it into a fixture challenge.
        .testTarget(name: "ServiceFixtureTests", dependencies: ["Wire"]),
        .testTarget(name: "SandboxCorpusTests",
                    dependencies: ["GraderPipeline", "GraderModel", "GraderStore", "GraderProcess", "Wire"],
                    exclude: ["Corpus"]),
        .testTarget(name: "GradingEndToEndTests", dependencies: ["GraderPipeline", "GraderModel", "GraderStore", "GraderCLI"]),
    ]
)
