import ArgumentParser
import Foundation
import GraderPipeline

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a challenge's README, starter and public tests into a folder.",
        discussion: "Existing files are never overwritten unless --force is given.")

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
        let publicTests = loaded.directory.appendingPathComponent("PublicTests")
        for file in try manager.contentsOfDirectory(atPath: publicTests.path).sorted() where file.hasSuffix(".swift") {
            copies.append((publicTests.appendingPathComponent(file), target.appendingPathComponent("PublicTests/\(file)")))
        }
        if !force, let existing = copies.first(where: { manager.fileExists(atPath: $0.to.path) }) {
            throw CLIExit.input("\(existing.to.path) already exists; use --force to overwrite")
        }
        try manager.createDirectory(at: target.appendingPathComponent("PublicTests"), withIntermediateDirectories: true)
        for copy in copies {
            try? manager.removeItem(at: copy.to)
            try manager.copyItem(at: copy.from, to: copy.to)
            print("wrote \(copy.to.path)")
        }
        print("next: implement \(loaded.manifest.entryType).swift, then `grader test \(challenge) \(target.path)/\(loaded.manifest.entryType).swift`")
    }
}
