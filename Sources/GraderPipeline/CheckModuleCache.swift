#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import GraderModel
import GraderProcess

/// Which checks a module holds: the public ones (`grader test`) or all of them (`grader grade`).
public enum CheckSet: String, Sendable {
    case publicOnly = "public"
    case full
}

/// How a check module, and every submission linked with it, is compiled.
public enum CheckBuild: String, Sendable {
    /// The build whose check outcomes are scored.
    case plain
    /// `-sanitize=thread`: the race pass's build (SPEC §3), cached separately.
    case threadSanitizer = "tsan"

    /// Flags for every Swift compile of this build.
    var swiftFlags: [String] { self == .threadSanitizer ? ["-sanitize=thread"] : [] }
    /// Extra flags for the submission's own module: line tables, so a race report names its lines.
    var submissionFlags: [String] { self == .threadSanitizer ? ["-gline-tables-only"] : [] }
}

/// A built check module: three static libraries and their interfaces, ready to link a submission
/// against. The candidate's compile sees only `challengeDirectory`.
public struct CheckModule: Sendable {
    public var directory: URL
    public var build: CheckBuild = .plain
    public var suites: [String]
    /// The challenge's adapter, pasted into each submission's generated entry file.
    public var adapterSource: String
    public var buildMilliseconds: Int
    public var cached: Bool

    public var harnessDirectory: URL { directory.appendingPathComponent("harness") }
    public var challengeDirectory: URL { directory.appendingPathComponent("challenge") }
    public var checksDirectory: URL { directory.appendingPathComponent("checks") }
    public var sanitizerSupportDirectory: URL { directory.appendingPathComponent("sanitizer") }
    /// What a submission links with, in order. The sanitizer support is an object, not an
    /// archive member, so that its definitions always win over the shared library's.
    public var libraries: [URL] {
        [checksDirectory.appendingPathComponent("libChallengeChecks.a"),
         harnessDirectory.appendingPathComponent("libHarnessKit.a"),
         challengeDirectory.appendingPathComponent("libChallenge.a")]
            + (build == .threadSanitizer ? [sanitizerSupportDirectory.appendingPathComponent("MutexAnnotations.o")] : [])
    }
}

/// Builds each challenge's check module once per grader version and toolchain, and reuses it.
///
/// Layout: `<cache>/<key>/` where the key hashes the toolchain version, the grader version and the
/// check set. Builds happen in a temporary folder renamed into place, under an `flock`, so
/// concurrent graders (processes or tasks) build a module once and never see half of one.
public struct CheckModuleCache: Sendable {
    public let cacheDirectory: URL
    public let toolchain: Toolchain
    public let runner: any ProcessRunner
    public let layout: ProjectLayout

    public init(cacheDirectory: URL, toolchain: Toolchain, runner: any ProcessRunner, layout: ProjectLayout) {
        self.cacheDirectory = cacheDirectory
        self.toolchain = toolchain
        self.runner = runner
        self.layout = layout
    }

    /// Shared by every compile, so Glibc's and Foundation's clang modules are built once.
    public var clangModuleCache: URL { cacheDirectory.appendingPathComponent("clang-module-cache") }

    public func module(for challenge: Challenge, set: CheckSet, graderVersion: String,
                       build: CheckBuild = .plain) async throws -> CheckModule {
        let suites = challenge.manifest.publicSuites + (set == .full ? challenge.mapping?.suites ?? [] : [])
        if set == .full && challenge.mapping == nil { throw GraderFault.missingHiddenChecks(challenge.id) }
        let key = cacheKey(challenge: challenge, set: set, graderVersion: graderVersion, build: build)
        let directory = cacheDirectory.appendingPathComponent(key)
        let adapter = try String(contentsOf: challenge.directory.appendingPathComponent("Harness/Adapter.swift"), encoding: .utf8)
        var module = CheckModule(directory: directory, build: build, suites: suites, adapterSource: adapter,
                                 buildMilliseconds: 0, cached: true)
        let manager = FileManager.default
        if manager.fileExists(atPath: directory.appendingPathComponent("complete").path) { return module }

        try manager.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        let lock = try await FileLock.acquire(cacheDirectory.appendingPathComponent("\(key).lock"))
        defer { lock.release() }
        if manager.fileExists(atPath: directory.appendingPathComponent("complete").path) { return module }

        let started = ContinuousClock.now
        let staging = cacheDirectory.appendingPathComponent("\(key).staging-\(getpid())")
        try? manager.removeItem(at: staging)
        defer { try? manager.removeItem(at: staging) }
        var sources = try GraderVersion.swiftFiles(in: challenge.directory.appendingPathComponent("PublicTests"))
        if set == .full { sources += try GraderVersion.swiftFiles(in: challenge.graderDirectory.appendingPathComponent("Checks")) }
        let staged = CheckModule(directory: staging, build: build, suites: suites, adapterSource: adapter,
                                 buildMilliseconds: 0, cached: false)
        try await buildLibrary("HarnessKit", into: staged.harnessDirectory,
                               sources: try GraderVersion.swiftFiles(in: layout.harnessKitDirectory), includes: [], build: build)
        try await buildLibrary("Challenge", into: staged.challengeDirectory,
                               sources: try GraderVersion.swiftFiles(in: challenge.directory.appendingPathComponent("Support")),
                               includes: [], build: build)
        try await buildLibrary("ChallengeChecks", into: staged.checksDirectory, sources: sources,
                               includes: [staged.harnessDirectory, staged.challengeDirectory], build: build)
        if build == .threadSanitizer { try await buildSanitizerSupport(into: staged.sanitizerSupportDirectory) }
        try await prewarmModuleCache(challenge: challenge, module: staged)
        module.buildMilliseconds = milliseconds(since: started)
        module.cached = false
        let record = "{\"graderVersion\":\"\(graderVersion)\",\"toolchain\":\"\(toolchain.version)\",\"buildMilliseconds\":\(module.buildMilliseconds)}\n"
        try Data(record.utf8).write(to: staging.appendingPathComponent("complete"))
        try? manager.removeItem(at: directory)
        try manager.moveItem(at: staging, to: directory)
        return module
    }

    /// Compiles the challenge's starter, as a submission would be (in the same build), so that the
    /// shared clang module cache holds every module a submission's compile imports: sandboxed
    /// compiles only read it.
    private func prewarmModuleCache(challenge: Challenge, module: CheckModule) async throws {
        let work = module.directory.appendingPathComponent("prewarm")
        defer { try? FileManager.default.removeItem(at: work) }
        let starter = try Data(contentsOf: challenge.directory.appendingPathComponent("Starter.swift"))
        let imports = Data("import Foundation\nimport Dispatch\nimport Synchronization\n".utf8)
        let compiler = SubmissionCompiler(toolchain: toolchain, runner: runner, clangModuleCache: clangModuleCache,
                                          build: module.build)
        let outcome = try await compiler.compile(
            files: [SubmittedFile(name: "Starter.swift", content: starter), SubmittedFile(name: "Imports.swift", content: imports)],
            module: module, entryTypeName: challenge.manifest.entryType, workDirectory: work)
        guard case .compiled = outcome else {
            throw GraderFault.checkModuleBuildFailed(module: "\(challenge.id) starter", output: "the challenge's Starter.swift does not compile against it: \(outcome)")
        }
        // Sandboxed compiles run as another uid: the cache (compiled system headers, nothing secret)
        // must be readable by it. Clang creates its folders 0750.
        try Self.makeWorldReadable(clangModuleCache)
    }

    static func makeWorldReadable(_ directory: URL) throws {
        let manager = FileManager.default
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        guard let walker = manager.enumerator(at: directory, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey]) else { return }
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
            if values.isSymbolicLink == true { continue }
            try manager.setAttributes([.posixPermissions: values.isDirectory == true ? 0o755 : 0o644], ofItemAtPath: url.path)
        }
    }

    func cacheKey(challenge: Challenge, set: CheckSet, graderVersion: String, build: CheckBuild = .plain) -> String {
        let digest = SHA256.hash(data: Data("\(toolchain.version)\n\(graderVersion)\n\(set.rawValue)\n\(build.rawValue)".utf8))
        let name = build == .plain ? set.rawValue : "\(set.rawValue)-\(build.rawValue)"
        return "\(challenge.id)-\(name)-" + digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Compiles `HarnessSanitizerSupport`'s C files (uninstrumented) into objects.
    private func buildSanitizerSupport(into directory: URL) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sources = try GraderVersion.sourceFiles(in: layout.harnessSanitizerSupportDirectory, extension: "c")
        guard !sources.isEmpty else {
            throw GraderFault.checkModuleBuildFailed(module: "HarnessSanitizerSupport", output: "no C sources in \(layout.harnessSanitizerSupportDirectory.path)")
        }
        for source in sources {
            let object = directory.appendingPathComponent(source.deletingPathExtension().lastPathComponent + ".o")
            try await runTrustedBuild("HarnessSanitizerSupport", executable: toolchain.clang,
                                      arguments: ["-c", "-O2", "-fPIC", "-Wall", "-Wextra", "-Werror", source.path, "-o", object.path],
                                      in: directory)
        }
    }

    private func buildLibrary(_ name: String, into directory: URL, sources: [URL], includes: [URL], build: CheckBuild) async throws {
        guard !sources.isEmpty else { throw GraderFault.checkModuleBuildFailed(module: name, output: "no sources") }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = build.swiftFlags + ["-parse-as-library", "-module-name", name, "-swift-version", "6", "-O", "-wmo",
                         "-module-cache-path", clangModuleCache.path,
                         "-emit-module", "-emit-module-path", directory.appendingPathComponent("\(name).swiftmodule").path,
                         "-emit-library", "-static", "-o", directory.appendingPathComponent("lib\(name).a").path]
        for include in includes { arguments += ["-I", include.path] }
        arguments += sources.map(\.path)
        try await runTrustedBuild(name, executable: toolchain.swiftc, arguments: arguments, in: directory)
    }

    private func runTrustedBuild(_ name: String, executable: String, arguments: [String], in directory: URL) async throws {
        let result = try await runner.run(ProcessRequest(
            executable: executable, arguments: arguments,
            environment: CompileEnvironment.make(toolchain: toolchain, home: directory.path),
            workingDirectory: directory.path, profile: .compile,
            limits: ProcessLimits(wallSeconds: 600, outputBytes: 1 << 20),
            readablePaths: [layout.root.path]))
        guard result.succeeded else {
            let output = String(decoding: result.standardError + result.standardOutput, as: UTF8.self)
            throw GraderFault.checkModuleBuildFailed(module: name, output: output)
        }
    }
}

/// The environment every compile runs with (nothing inherited from the grader's own).
enum CompileEnvironment {
    static func make(toolchain: Toolchain, home: String) -> [String: String] {
        ["PATH": "\(toolchain.binDirectory):/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8",
         "SWIFT_BACKTRACE": "enable=no"]
    }
}

/// An exclusive `flock` on a lock file, waited for without blocking a thread.
struct FileLock {
    private let descriptor: Int32

    static func acquire(_ url: URL) async throws -> FileLock {
        let descriptor = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw GraderFault.io("cannot open lock \(url.path): errno \(errno)") }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(descriptor)
                throw GraderFault.io("cannot lock \(url.path): errno \(errno)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return FileLock(descriptor: descriptor)
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

func milliseconds(since start: ContinuousClock.Instant) -> Int {
    let (seconds, attoseconds) = (ContinuousClock.now - start).components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
}

/// A failure of the grader itself, never of the submission: graded as `internal_error`, retried.
public enum GraderFault: Error, CustomStringConvertible {
    case missingHiddenChecks(String)
    case checkModuleBuildFailed(module: String, output: String)
    case checkHarness(check: String, message: String)
    case io(String)
    case launch(String)

    public var description: String {
        switch self {
        case .missingHiddenChecks(let id): "Graders/\(id)/ is missing: hidden checks are needed to grade \(id)"
        case .checkModuleBuildFailed(let module, let output): "building the cached module \(module) failed:\n\(output)"
        case .checkHarness(let check, let message): "the harness could not run check \(check): \(message)"
        case .io(let message): message
        case .launch(let message): message
        }
    }
}
