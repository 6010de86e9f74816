import Foundation
import GraderProcess

/// A program of the grader's own, built with ThreadSanitizer and started as the race pass starts
/// a subject (the same sandbox, profile and memory): whether ThreadSanitizer can start on this
/// host at all.
///
/// It decides who is to blame for an instrumented subject that ended before its runtime said hello.
/// None of the candidate's code has run by then, but the binary is theirs (its size, its sections:
/// a huge static array can leave ThreadSanitizer no room for its shadow memory), so the host is
/// blamed, and the grading retried, only when the canary cannot start either. Built once per
/// toolchain into the cache folder; run only when a subject died that way.
struct SanitizerCanary: Sendable {
    let toolchain: Toolchain
    /// Builds the canary (grader code only).
    let trustedRunner: any ProcessRunner
    /// Runs it, as subjects are run.
    let runner: any ProcessRunner
    let cacheDirectory: URL
    let memoryBytes: Int64

    static let marker = "grader-sanitizer-canary"

    /// Whether the canary starts and ends normally.
    func starts() async throws -> Bool {
        let binary = try await build()
        let work = cacheDirectory.appendingPathComponent("canary-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let result: ProcessResult
        do {
            result = try await runner.run(ProcessRequest(
                executable: binary.path, arguments: [],
                environment: ["SWIFT_BACKTRACE": "enable=no", "PATH": "/usr/bin:/bin", "HOME": work.path],
                workingDirectory: work.path, profile: .run,
                limits: ProcessLimits(wallSeconds: 30, outputBytes: 64 * 1024, memoryBytes: memoryBytes),
                readablePaths: [binary.path, toolchain.runtimeLibraryDirectory]))
        } catch {
            throw GraderFault.launch("the ThreadSanitizer canary could not be started: \(error)")
        }
        return result.succeeded && String(decoding: result.standardOutput + result.standardError, as: UTF8.self).contains(Self.marker)
    }

    /// The canary's binary, built on first need (in a staging folder, renamed into place).
    func build() async throws -> URL {
        let manager = FileManager.default
        let key = Data(toolchain.version.utf8).reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        let directory = cacheDirectory.appendingPathComponent("sanitizer-canary-\(String(key, radix: 16))")
        let binary = directory.appendingPathComponent("canary")
        if manager.isExecutableFile(atPath: binary.path) { return binary }
        let staging = cacheDirectory.appendingPathComponent("sanitizer-canary.staging-\(UUID().uuidString)")
        try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: staging) }
        // Threads that share a counter under a lock: ThreadSanitizer's runtime, its interceptors and
        // its shadow memory all in use, as in a subject.
        let source = """
            import Foundation
            let lock = NSLock()
            nonisolated(unsafe) var total = 0
            let threads = (0..<4).map { _ in Thread { for _ in 0..<1000 { lock.lock(); total += 1; lock.unlock() } } }
            for thread in threads { thread.start() }
            while lock.withLock({ total }) < 4000 { usleep(1000) }
            print("\(Self.marker) \\(total)")

            """
        try Data(source.utf8).write(to: staging.appendingPathComponent("main.swift"))
        let result: ProcessResult
        do {
            result = try await trustedRunner.run(ProcessRequest(
                executable: toolchain.swiftc, arguments: ["-sanitize=thread", "-O", "main.swift", "-o", "canary"],
                environment: CompileEnvironment.make(toolchain: toolchain, home: staging.path),
                workingDirectory: staging.path, profile: .compile, limits: ProcessLimits(wallSeconds: 300)))
        } catch {
            throw GraderFault.launch("the ThreadSanitizer canary could not be built: \(error)")
        }
        guard result.succeeded else {
            throw GraderFault.checkModuleBuildFailed(module: "the ThreadSanitizer canary",
                                                     output: String(decoding: result.standardError.prefix(2000), as: UTF8.self))
        }
        try? manager.removeItem(at: directory)
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        try manager.moveItem(at: staging.appendingPathComponent("canary"), to: binary)
        // Sandboxed runs use another uid: the binary must be readable and executable by it.
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary.path)
        return binary
    }
}
