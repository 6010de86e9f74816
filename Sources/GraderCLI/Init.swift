import ArgumentParser
import Foundation
import GraderPipeline

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a challenge's README, starter, public checks and a Swift package for your own tests into a folder.",
        discussion: "The package (Package.swift) builds your solution against the challenge's support module "
            + "(Support/), in the grader's language mode, and `swift test` runs your own tests (Tests/), "
            + "starting with the README's example. Existing files are never overwritten unless --force is given.")

    @Argument(help: "The challenge id (see `grader challenges`).") var challenge: String
    @Argument(help: "The folder to write into (default: ./<challenge>).") var directory: String?
    @Flag(help: "Overwrite files that already exist.") var force = false

    func run() async throws {
        let loaded = try ChallengeCatalog(layout: try Context.layout()).load(challenge)
        let target = URL(fileURLWithPath: directory ?? challenge)
        let manager = FileManager.default
        var copies: [(from: URL, to: URL)] = [
            (loaded.directory.appendingPathComponent("README.md"), target.appendingPathComponent("README.md")),
            (loaded.directory.appendingPathComponent(loaded.manifest.starter),
             target.appendingPathComponent("\(loaded.manifest.entryType).swift")),
            (loaded.directory.appendingPathComponent("rubric.json"), target.appendingPathComponent("rubric.json")),
        ]
        func copySwiftFiles(in folder: URL, to destination: String) throws {
            for file in try manager.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".swift") {
                copies.append((folder.appendingPathComponent(file), target.appendingPathComponent("\(destination)/\(file)")))
            }
        }
        try copySwiftFiles(in: loaded.directory.appendingPathComponent("PublicTests"), to: "PublicTests")
        try copySwiftFiles(in: loaded.directory.appendingPathComponent("Support"), to: "Support/Challenge")
        try copySwiftFiles(in: loaded.directory.appendingPathComponent("CandidateTests"), to: "Tests/SolutionTests")
        let layout = try Context.layout()
        for file in Self.wireFilesForCandidates {
            copies.append((layout.wireDirectory.appendingPathComponent(file), target.appendingPathComponent("Support/Wire/\(file)")))
        }
        let package = target.appendingPathComponent("Package.swift")
        if !force, let existing = (copies.map(\.to) + [package]).first(where: { manager.fileExists(atPath: $0.path) }) {
            throw CLIExit.input("\(existing.path) already exists; use --force to overwrite")
        }
        for copy in copies {
            try manager.createDirectory(at: copy.to.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? manager.removeItem(at: copy.to)
            try manager.copyItem(at: copy.from, to: copy.to)
            print("wrote \(copy.to.path)")
        }
        try Data(Self.packageManifest(challenge: loaded.id, entryFile: "\(loaded.manifest.entryType).swift").utf8).write(to: package)
        print("wrote \(package.path)")
        print("next: implement \(loaded.manifest.entryType).swift; `swift test` in \(target.path) runs your own tests, "
              + "`grader test \(challenge) \(target.path)/\(loaded.manifest.entryType).swift` the public checks")
    }

    /// The channel's files the support module is built on (its in-memory mode uses none of the
    /// channel, but the types are declared there).
    static let wireFilesForCandidates = ["InMemoryService.swift", "ServiceTransport.swift", "WireReader.swift", "WireWriter.swift"]

    /// A package building the candidate's file against the support module in Swift 5 mode with
    /// complete concurrency checking (as the grader compiles it), with a test target.
    static func packageManifest(challenge: String, entryFile: String) -> String {
        """
        // swift-tools-version:6.0
        // Written by `grader init \(challenge)`. `swift build` compiles your solution against the
        // challenge's support module as the grader does (Swift 5 mode, complete concurrency
        // checking); `swift test` runs your tests in Tests/SolutionTests. If you split your
        // solution into several files, list them all in `sources`.
        import PackageDescription

        let package = Package(
            name: "\(challenge)-solution",
            platforms: [.macOS(.v15)],
            targets: [
                .target(name: "Wire", path: "Support/Wire"),
                .target(name: "Challenge", dependencies: ["Wire"], path: "Support/Challenge"),
                .target(name: "Solution", dependencies: ["Challenge"], path: ".",
                        exclude: ["Support", "PublicTests", "Tests", "README.md", "rubric.json"],
                        sources: ["\(entryFile)"],
                        swiftSettings: [.swiftLanguageMode(.v5), .enableUpcomingFeature("StrictConcurrency")]),
                .testTarget(name: "SolutionTests", dependencies: ["Solution", "Challenge"], path: "Tests/SolutionTests"),
            ]
        )

        """
    }
}
