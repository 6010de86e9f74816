import Foundation
import GraderModel

/// One challenge as loaded from disk: what candidates see and, where present, the hidden mapping.
public struct Challenge: Sendable {
    public var manifest: ChallengeManifest
    public var rubric: Rubric
    /// Nil where `Graders/<id>/` is absent (a candidate's copy): public checks only.
    public var mapping: CheckMapping?
    public var directory: URL
    public var graderDirectory: URL

    public var id: String { manifest.id }
    public var publicChecks: [CheckDefinition] { manifest.checks }
    /// Public then hidden checks, as graded.
    public var allChecks: [CheckDefinition] { manifest.checks + (mapping?.checks ?? []) }
}

/// Loads and validates the challenges under `Challenges/` (and their mappings under `Graders/`).
///
/// A challenge whose files disagree (points not summing to 100, a check without weight, a weight
/// on a manual criterion, an unknown criterion id) is refused with every problem listed: a
/// mis-specified rubric would grade candidates wrongly.
public struct ChallengeCatalog: Sendable {
    public let layout: ProjectLayout

    public init(layout: ProjectLayout) { self.layout = layout }

    /// Ids of the challenges present on disk, in SPEC order.
    public func availableIDs() -> [String] {
        ChallengeManifest.knownIDs.filter {
            FileManager.default.fileExists(atPath: layout.challengeDirectory($0).appendingPathComponent("challenge.json").path)
        }
    }

    public func load(_ id: String) throws -> Challenge {
        guard ChallengeManifest.knownIDs.contains(id) else {
            throw CatalogError.unknownChallenge(id, available: availableIDs())
        }
        let directory = layout.challengeDirectory(id)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("challenge.json").path) else {
            throw CatalogError.unknownChallenge(id, available: availableIDs())
        }
        var manifest: ChallengeManifest = try decode(directory.appendingPathComponent("challenge.json"))
        for index in manifest.checks.indices { manifest.checks[index].visibility = .public }
        let rubric: Rubric = try decode(directory.appendingPathComponent("rubric.json"))
        var problems = rubric.problems()
        if manifest.id != id { problems.append("challenge.json says id \(manifest.id), folder is \(id)") }
        if rubric.challenge != id { problems.append("rubric.json is for \(rubric.challenge)") }

        let graderDirectory = layout.graderDirectory(id)
        let mappingURL = graderDirectory.appendingPathComponent("checks.json")
        var mapping: CheckMapping?
        if FileManager.default.fileExists(atPath: mappingURL.path) {
            var loaded: CheckMapping = try decode(mappingURL)
            for index in loaded.checks.indices { loaded.checks[index].visibility = .hidden }
            if loaded.challenge != id { problems.append("checks.json is for \(loaded.challenge)") }
            problems += loaded.problems(rubric: rubric, allChecks: manifest.checks + loaded.checks)
            mapping = loaded
        }
        for suite in manifest.publicSuites + (mapping?.suites ?? []) where !Self.isIdentifier(suite) {
            problems.append("suite name \(suite) is not a Swift identifier")
        }
        guard problems.isEmpty else { throw CatalogError.invalidChallenge(id, problems: problems) }
        return Challenge(manifest: manifest, rubric: rubric, mapping: mapping, directory: directory,
                         graderDirectory: graderDirectory)
    }

    private func decode<T: Decodable>(_ url: URL) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CatalogError.unreadable(url.path, reason: "\(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw CatalogError.unreadable(url.path, reason: "\(error)")
        }
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

public enum CatalogError: Error, CustomStringConvertible {
    case unknownChallenge(String, available: [String])
    case invalidChallenge(String, problems: [String])
    case unreadable(String, reason: String)

    public var description: String {
        switch self {
        case .unknownChallenge(let id, let available):
            "unknown challenge \"\(id)\"; available: \(available.joined(separator: ", "))"
        case .invalidChallenge(let id, let problems):
            "challenge \(id) is misconfigured:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        }
    }
}
