import Foundation
import GraderPipeline
import GraderProcess
import GraderStore

/// A throwaway copy of the project's challenge material for pipeline tests: the real driver kit,
/// subject runtime and `lru-cache` challenge, with 3-second check limits and a small fixture rubric
/// and hidden suite.
enum TestProject {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let fixtureRubric = """
        {"challenge": "lru-cache", "criteria": [
          {"id": "scalability.caching", "points": 80, "kind": "auto", "essential": true, "description": "fixture"},
          {"id": "quality.clean-code", "points": 20, "kind": "manual", "essential": false, "description": "fixture"}]}
        """

    static let fixtureMapping = """
        {"challenge": "lru-cache", "suites": ["FixtureChecks"],
         "checks": [{"id": "fixture.capacity-respected", "title": "count never exceeds capacity", "timeoutSeconds": 3}],
         "criteria": {"public.get-put-basics": {"scalability.caching": 1},
                      "public.evicts-least-recently-used": {"scalability.caching": 1},
                      "fixture.capacity-respected": {"scalability.caching": 2}},
         "redFlags": {}}
        """

    static let fixtureChecks = """
        import DriverKit
        public enum FixtureChecks {
            public static func checks() -> [Check] {
                [Check("fixture.capacity-respected") { context in
                    let cache = try await RemoteLRUCache<Int, Int>.make(context, capacity: 2)
                    _ = try await cache.perform((0..<5).map { .put(.int($0), .int($0)) })
                    try requireEqual(try await cache.count(), 2, "count after 5 puts at capacity 2")
                }]
            }
        }
        """

    /// All fixture projects live here; removed when the test process exits.
    static let parent: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grader-fixtures-\(getpid())")
        atexit { try? FileManager.default.removeItem(at: TestProject.parent) }
        return directory
    }()

    /// Makes a fresh project folder; `modify` may edit its files before use.
    static func make(modify: (URL) throws -> Void = { _ in }) throws -> ProjectLayout {
        let manager = FileManager.default
        let root = parent.appendingPathComponent(UUID().uuidString)
        try manager.createDirectory(at: root.appendingPathComponent("Sources"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("Challenges"), withIntermediateDirectories: true)
        for module in ["Wire", "SubjectRuntime", "DriverKit", "HarnessSanitizerSupport"] {
            try manager.copyItem(at: repositoryRoot.appendingPathComponent("Sources/\(module)"),
                                 to: root.appendingPathComponent("Sources/\(module)"))
        }
        let challenge = root.appendingPathComponent("Challenges/lru-cache")
        try manager.copyItem(at: repositoryRoot.appendingPathComponent("Challenges/lru-cache"), to: challenge)
        let manifestURL = challenge.appendingPathComponent("challenge.json")
        let manifest = try String(contentsOf: manifestURL, encoding: .utf8)
            .replacingOccurrences(of: "\"timeoutSeconds\": 5", with: "\"timeoutSeconds\": 3")
        try manifest.write(to: manifestURL, atomically: true, encoding: .utf8)
        try fixtureRubric.write(to: challenge.appendingPathComponent("rubric.json"), atomically: true, encoding: .utf8)
        let grader = root.appendingPathComponent("Graders/lru-cache/Checks")
        try manager.createDirectory(at: grader, withIntermediateDirectories: true)
        try fixtureMapping.write(to: grader.deletingLastPathComponent().appendingPathComponent("checks.json"), atomically: true, encoding: .utf8)
        try fixtureChecks.write(to: grader.appendingPathComponent("FixtureChecks.swift"), atomically: true, encoding: .utf8)
        try modify(root)
        return ProjectLayout(root: root)
    }

    /// One project and data folder shared by the suite, so its check modules are built once.
    static let shared: (layout: ProjectLayout, data: URL) = {
        let layout = try! make()
        return (layout, layout.root.appendingPathComponent("data"))
    }()

    static func pipeline(layout: ProjectLayout = shared.layout, data: URL = shared.data,
                         database: URL? = nil) async throws -> GradingPipeline {
        let trusted = DirectProcessRunner()
        let toolchain = try await Toolchain.locate(runner: trusted)
        let store = try GraderDatabase(dataDirectory: database ?? data.appendingPathComponent("db-\(UUID().uuidString)"))
        return GradingPipeline(layout: layout, database: store, dataDirectory: data, toolchain: toolchain,
                               runner: try SandboxedProcessRunner.located(), trustedRunner: trusted)
    }
}

/// Candidate sources used by the pipeline tests.
enum Sources {
    /// A small, correct (O(n) but fine for these checks) LRU cache.
    static let correct = """
        import Foundation
        final class LRUCache<Key: Hashable, Value> {
            private var values: [Key: Value] = [:]
            private var order: [Key] = []
            private let capacity: Int
            private let lock = NSLock()
            init(capacity: Int) { self.capacity = capacity }
            func get(_ key: Key) -> Value? {
                lock.lock(); defer { lock.unlock() }
                guard let value = values[key] else { return nil }
                touch(key)
                return value
            }
            func put(_ key: Key, _ value: Value) {
                lock.lock(); defer { lock.unlock() }
                values[key] = value
                touch(key)
                if order.count > capacity { values[order.removeFirst()] = nil }
            }
            var count: Int { lock.lock(); defer { lock.unlock() }; return values.count }
            private func touch(_ key: Key) {
                if let index = order.firstIndex(of: key) { order.remove(at: index) }
                order.append(key)
            }
        }
        """

    /// `correct` with `body` inserted at the start of `get`.
    static func correct(getPrelude body: String) -> String {
        correct.replacingOccurrences(of: "    func get(_ key: Key) -> Value? {\n",
                                     with: "    func get(_ key: Key) -> Value? {\n        \(body)\n")
    }
}
