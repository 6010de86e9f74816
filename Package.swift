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
        // Subcommands of `grader` (a library so tests can drive them).
        .target(name: "GraderCLI", dependencies: [
            "GraderModel", "GraderStore", "GraderPipeline", "GraderReports",
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
