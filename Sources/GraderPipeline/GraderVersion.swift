import Crypto
import Foundation
import GraderModel

/// The grader version recorded with every grading: a release number plus a fingerprint of
/// everything that decides a challenge's grade (the channel's format, the driver kit, the subject
/// runtime and its sanitizer support; the challenge's support module, vocabulary, subject module,
/// adapter, public checks, rubric; the hidden checks and mapping). Editing any of them changes the
/// version, which keys the check-module cache and tells a regrade that the grader changed.
public enum GraderVersion {
    public static let release = "0.1.0"

    public static func current(for challenge: Challenge, layout: ProjectLayout) throws -> String {
        "\(release)+\(try fingerprint(for: challenge, layout: layout))"
    }

    /// The first 12 hex digits of a SHA-256 over the relevant files' paths and bytes.
    public static func fingerprint(for challenge: Challenge, layout: ProjectLayout) throws -> String {
        var files: [URL] = []
        for directory in [layout.wireDirectory, layout.driverKitDirectory, layout.subjectRuntimeDirectory] {
            files += try swiftFiles(in: directory)
        }
        files += try sourceFiles(in: layout.sanitizerSupportDirectory, extension: "c")
        for folder in ["Support", "Wire", "Subject", "PublicTests"] {
            files += try swiftFiles(in: challenge.directory.appendingPathComponent(folder))
        }
        files += ["Adapter.swift", "challenge.json", "rubric.json"].map { challenge.directory.appendingPathComponent($0) }
        if challenge.mapping != nil {
            files.append(challenge.graderDirectory.appendingPathComponent("checks.json"))
            files += try swiftFiles(in: challenge.graderDirectory.appendingPathComponent("Checks"))
        }
        var hasher = SHA256()
        let rootPath = layout.root.path
        for file in files {
            let relative = file.standardizedFileURL.path.replacingOccurrences(of: rootPath, with: "")
            let content = try Data(contentsOf: file)
            hasher.update(data: Data("\(relative)\n\(content.count)\n".utf8))
            hasher.update(data: content)
        }
        return String(hasher.finalize().hexString.prefix(12))
    }

    /// The `.swift` files directly in `directory`, sorted by name (empty when it does not exist).
    static func swiftFiles(in directory: URL) throws -> [URL] {
        try sourceFiles(in: directory, extension: "swift")
    }

    /// The files with `pathExtension` directly in `directory`, sorted by name (empty when it does not exist).
    static func sourceFiles(in directory: URL, extension pathExtension: String) throws -> [URL] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == pathExtension }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
