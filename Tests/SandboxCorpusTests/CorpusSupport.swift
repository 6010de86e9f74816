#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import GraderPipeline
import GraderProcess
import GraderStore

/// The real project and one data folder for the whole corpus run.
enum Corpus {
    /// The race pass's outcome id in `Graders/lru-cache/checks.json`.
    static let racePassID = "race-free"

    /// The pid of a process that has ended and been reaped (so no launcher has it now).
    static func deadProcessID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")
    static let dataDirectory: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grader-corpus-\(UUID().uuidString)")
        atexit { try? FileManager.default.removeItem(at: Corpus.dataDirectory) }
        return directory
    }()
    /// How many times each case is graded (`GRADER_CORPUS_RUNS`, default 3).
    static var runs: Int { max(1, Int(ProcessInfo.processInfo.environment["GRADER_CORPUS_RUNS"] ?? "") ?? 3) }
    /// Short enough that the many-expression type-checker bomb meets it; a real compile takes < 1 s.
    static let compileLimitSeconds: Double = 20

    static func pipeline() async throws -> GradingPipeline {
        let trusted = DirectProcessRunner()
        return GradingPipeline(layout: ProjectLayout(root: root), database: try GraderDatabase(dataDirectory: dataDirectory),
                               dataDirectory: dataDirectory, toolchain: try await Toolchain.locate(runner: trusted),
                               runner: try SandboxedProcessRunner.located(), trustedRunner: trusted,
                               compileLimitSeconds: compileLimitSeconds)
    }

    /// Marks a case that is a whole submission of its own (a forger, say), graded as `LRUCache.swift`.
    static let wholeSubmissionMarker = "// corpus: whole submission"

    /// The reference cache as `LRUCache.swift`, its `init` calling the case's `hostileAction`
    /// first, and the case as `Hostile.swift`, placeholders filled in; or, for a case marked as a
    /// whole submission, the case alone.
    static func files(for name: String, substitutions: [String: String]) throws -> [SubmittedFile] {
        var hostile = try String(contentsOf: directory.appendingPathComponent("Cases/\(name).swift"), encoding: .utf8)
        for (placeholder, value) in substitutions { hostile = hostile.replacingOccurrences(of: placeholder, with: value) }
        if hostile.hasPrefix(wholeSubmissionMarker) {
            return [SubmittedFile(name: "LRUCache.swift", content: Data(hostile.utf8))]
        }
        let reference = try String(contentsOf: root.appendingPathComponent("Graders/lru-cache/Reference/LRUCache.swift"), encoding: .utf8)
        let anchor = "precondition(capacity >= 1, \"capacity must be at least 1\")"
        guard reference.contains(anchor) else { throw CocoaError(.fileReadCorruptFile, userInfo: ["anchor": anchor]) }
        let base = reference.replacingOccurrences(of: anchor, with: anchor + "\n        hostileAction(capacity: capacity)")
        return [SubmittedFile(name: "LRUCache.swift", content: Data(base.utf8)),
                SubmittedFile(name: "Hostile.swift", content: Data(hostile.utf8))]
    }
}

/// A TCP listener on 127.0.0.1 that the network case aims at; it must never see a connection.
final class LoopbackListener {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, bound else { throw CocoaError(.fileWriteUnknown) }
        self.descriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Connections waiting to be accepted (each one accepted and counted).
    func pendingConnections() -> Int {
        var count = 0
        while case let client = accept(descriptor, nil, nil), client >= 0 { close(client); count += 1 }
        return count
    }

    deinit { close(descriptor) }
}

/// What the sandbox must never leave on the host.
enum HostState {
    /// Processes running as a sandbox uid (the launcher allocates them from 1,900,000,000 up).
    static func strayProcesses() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }),
                  let uid = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.flatMap({ UInt32($0) }),
                  uid >= 1_900_000_000 else { return nil }
            return "\(pid) (uid \(uid))"
        }
    }

    /// Where the launcher puts its private roots' mount points (`Sandbox/Launcher/main.c`).
    static let rootsDirectory = "/tmp/grader-sandbox"

    /// The memory cgroups the launcher may make its own inside: this process's (v2 unified, v1 memory).
    static func memoryCgroupParents() -> [String] {
        let cgroups = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        return cgroups.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { return nil }
            return fields[0] == "0" ? "/sys/fs/cgroup\(fields[2])"
                : fields[1].split(separator: ",").contains("memory") ? "/sys/fs/cgroup/memory\(fields[2])" : nil
        }
    }

    /// The memory cgroup the launcher makes its own inside, if one is writable here.
    static func memoryCgroupDirectory() -> String? {
        memoryCgroupParents().first { access($0, W_OK) == 0 }
    }

    /// The launcher's private-root mount points, verdict folders and memory cgroups left behind.
    static func leftoverSandboxArtifacts() -> [String] {
        let manager = FileManager.default
        var found = ((try? manager.contentsOfDirectory(atPath: "/tmp")) ?? [])
            .filter { $0.hasPrefix("grader-verdict.") }.map { "/tmp/" + $0 }
        found += ((try? manager.contentsOfDirectory(atPath: rootsDirectory)) ?? []).map { "\(rootsDirectory)/\($0)" }
        for parent in memoryCgroupParents() {
            found += ((try? manager.contentsOfDirectory(atPath: parent)) ?? [])
                .filter { $0.hasPrefix("grader-sandbox-") }.map { "\(parent)/\($0)" }
        }
        return found
    }
}

/// Text only the hidden checks hold: every fragment of a string literal in
/// `Graders/lru-cache/Checks` (split at interpolations) of at least `minimumLength` characters that
/// appears nowhere in what candidates can see (the challenge's folder, the runtime and wire sources).
enum HiddenText {
    static let minimumLength = 16

    static let fragments: [String] = {
        let checks = Corpus.root.appendingPathComponent("Graders/lru-cache/Checks")
        var publicText = ""
        for folder in ["Challenges/lru-cache", "Sources/SubjectRuntime", "Sources/Wire", "Sources/DriverKit"] {
            let walker = FileManager.default.enumerator(at: Corpus.root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let url = walker?.nextObject() as? URL {
                if let text = try? String(contentsOf: url, encoding: .utf8) { publicText += text }
            }
        }
        var fragments: Set<String> = []
        let files = (try? FileManager.default.contentsOfDirectory(at: checks, includingPropertiesForKeys: nil)) ?? []
        for file in files where file.pathExtension == "swift" {
            let source = (try? Data(contentsOf: file)) ?? Data()
            for segment in SourcePolicy.stringLiterals(in: source) where segment.count >= minimumLength && !publicText.contains(segment) {
                fragments.insert(segment)
            }
        }
        return fragments.sorted()
    }()

    /// The hidden fragments that occur in `text`.
    static func leaked(in text: String) -> [String] {
        fragments.filter { text.contains($0) }
    }

    /// The same, in raw bytes (a binary, a memory dump): one pass over the bytes, looking each
    /// position's first four bytes up among the fragments' (every fragment is 16 bytes or more).
    static func leaked(in bytes: [UInt8]) -> [String] {
        var byPrefix: [UInt32: [[UInt8]]] = [:]
        for fragment in fragments {
            let needle = Array(fragment.utf8)
            byPrefix[prefix(needle, 0), default: []].append(needle)
        }
        var found: Set<String> = []
        guard bytes.count >= 4 else { return [] }
        for index in 0...(bytes.count - 4) {
            guard let needles = byPrefix[prefix(bytes, index)] else { continue }
            for needle in needles where index + needle.count <= bytes.count && bytes[index..<(index + needle.count)].elementsEqual(needle) {
                found.insert(String(decoding: needle, as: UTF8.self))
            }
        }
        return found.sorted()
    }

    private static func prefix(_ bytes: [UInt8], _ index: Int) -> UInt32 {
        UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
    }
}
