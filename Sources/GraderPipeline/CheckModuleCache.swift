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

/// How a submission's own code (its module and the subject's entry file) is compiled.
public enum CheckBuild: String, Sendable {
    /// The build whose check outcomes are scored.
    case plain
    /// `-sanitize=thread`: the race pass's build (SPEC §3). Only the candidate's code is
    /// instrumented: the subject runtime and adapter it links with are the plain build's (their
    /// own accesses are not under test, and the runtime orders requests and storms for
    /// ThreadSanitizer with pthread mutexes, which it intercepts whatever the caller).
    case threadSanitizer = "tsan"

    /// Flags for every Swift compile of this build.
    var swiftFlags: [String] { self == .threadSanitizer ? ["-sanitize=thread"] : [] }
    /// Extra flags for the submission's own module: line tables, so a race report names its lines.
    var submissionFlags: [String] { self == .threadSanitizer ? ["-gline-tables-only"] : [] }
}

/// A challenge's prebuilt modules for one check set: the subject's libraries, linked into each
/// submission's subject binary (plain or ThreadSanitizer), and the driver executable, which holds
/// the checks. Built once per grader version and toolchain.
///
/// Subject side (in the sandbox, beside the candidate's code): `Wire`, `SubjectRuntime`, the
/// challenge's `Challenge` support module and its `ChallengeSubject` adapter module. Driver side
/// (outside): `Wire`, `DriverKit`, `Challenge` and `ChallengeChecks` (the public and, for the full
/// set, hidden checks), linked into `driver/driver`. The candidate's compile sees only `Challenge`
/// (and `Wire`, which it is built on).
public struct CheckModule: Sendable {
    public var directory: URL
    public var suites: [String]
    /// The challenge's adapter, pasted into each submission's generated subject entry file.
    public var adapterSource: String
    public var buildMilliseconds: Int
    public var cached: Bool
    /// The files whose compile filled the clang module cache: the challenge's starter with every
    /// allowed import. A compile of them that needs a module the cache lacks means the cache went
    /// stale (a system header changed since), not that a submission asked for too much.
    public var cacheProbe: [SubmittedFile]

    public var wireDirectory: URL { directory.appendingPathComponent("wire") }
    public var runtimeDirectory: URL { directory.appendingPathComponent("runtime") }
    public var challengeDirectory: URL { directory.appendingPathComponent("challenge") }
    public var subjectDirectory: URL { directory.appendingPathComponent("subject") }
    public var sanitizerSupportDirectory: URL { directory.appendingPathComponent("sanitizer") }
    public var driverKitDirectory: URL { directory.appendingPathComponent("driverkit") }
    public var checksDirectory: URL { directory.appendingPathComponent("checks") }
    /// The driver executable (never instrumented; the race pass uses it too).
    public var driverExecutable: URL { directory.appendingPathComponent("driver/driver") }

    /// Module folders the candidate's own compile may import from.
    public var candidateImportDirectories: [URL] { [challengeDirectory, wireDirectory] }
    /// Module folders the subject's entry file imports from.
    public var subjectImportDirectories: [URL] { [subjectDirectory, runtimeDirectory, challengeDirectory, wireDirectory] }
    /// What a submission's subject links with, in order. The sanitizer support is an object, not
    /// an archive member, so that its definitions always win over the shared library's.
    public func subjectLibraries(for build: CheckBuild) -> [URL] {
        [subjectDirectory.appendingPathComponent("libChallengeSubject.a"),
         runtimeDirectory.appendingPathComponent("libSubjectRuntime.a"),
         challengeDirectory.appendingPathComponent("libChallenge.a"),
         wireDirectory.appendingPathComponent("libWire.a")]
            + (build == .threadSanitizer ? ["MutexAnnotations.o", "SanitizerOptions.o"].map(sanitizerSupportDirectory.appendingPathComponent) : [])
    }
}

/// Builds each challenge's modules once per grader version and toolchain, and reuses them.
///
/// Layout: `<cache>/<key>/` where the key hashes the toolchain version, the grader version, the
/// check set and the build. Builds happen in a temporary folder renamed into place, under an
/// `flock`, so concurrent graders (processes or tasks) build a module once and never see half of one.
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

    public func module(for challenge: Challenge, set: CheckSet, graderVersion: String) async throws -> CheckModule {
        let suites = challenge.manifest.publicSuites + (set == .full ? challenge.mapping?.suites ?? [] : [])
        if set == .full && challenge.mapping == nil { throw GraderFault.missingHiddenChecks(challenge.id) }
        let key = cacheKey(challenge: challenge, set: set, graderVersion: graderVersion)
        let directory = cacheDirectory.appendingPathComponent(key)
        let adapter = try String(contentsOf: challenge.directory.appendingPathComponent("Adapter.swift"), encoding: .utf8)
        let probe = try Self.cacheProbe(for: challenge)
        var module = CheckModule(directory: directory, suites: suites, adapterSource: adapter,
                                 buildMilliseconds: 0, cached: true, cacheProbe: probe)
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
        let staged = CheckModule(directory: staging, suites: suites, adapterSource: adapter,
                                 buildMilliseconds: 0, cached: false, cacheProbe: probe)
        try await buildModules(challenge: challenge, set: set, into: staged)
        for build in [CheckBuild.plain, .threadSanitizer] {
            try await prewarmModuleCache(challenge: challenge, module: staged, build: build)
        }
        module.buildMilliseconds = milliseconds(since: started)
        module.cached = false
        let record = "{\"graderVersion\":\"\(graderVersion)\",\"toolchain\":\"\(toolchain.version)\",\"buildMilliseconds\":\(module.buildMilliseconds)}\n"
        try Data(record.utf8).write(to: staging.appendingPathComponent("complete"))
        try? manager.removeItem(at: directory)
        try manager.moveItem(at: staging, to: directory)
        return module
    }

    /// Every module of `staged`, independent ones two at a time.
    private func buildModules(challenge: Challenge, set: CheckSet, into staged: CheckModule) async throws {
        let build = CheckBuild.plain
        let vocabulary = try GraderVersion.swiftFiles(in: challenge.directory.appendingPathComponent("Wire"))
        try await buildLibrary("Wire", into: staged.wireDirectory, sources: try GraderVersion.swiftFiles(in: layout.wireDirectory),
                               includes: [], build: build)
        async let runtime: Void = buildLibrary(
            "SubjectRuntime", into: staged.runtimeDirectory,
            sources: try GraderVersion.swiftFiles(in: layout.subjectRuntimeDirectory), includes: [staged.wireDirectory], build: build)
        try await buildLibrary("Challenge", into: staged.challengeDirectory,
                               sources: try GraderVersion.swiftFiles(in: challenge.directory.appendingPathComponent("Support")),
                               includes: [staged.wireDirectory], build: build)
        try await runtime
        async let subject: Void = buildLibrary(
            "ChallengeSubject", into: staged.subjectDirectory,
            sources: try GraderVersion.swiftFiles(in: challenge.directory.appendingPathComponent("Subject")) + vocabulary,
            includes: [staged.wireDirectory, staged.runtimeDirectory, staged.challengeDirectory], build: build)
        try await buildSanitizerSupport(into: staged.sanitizerSupportDirectory)
        try await buildLibrary("DriverKit", into: staged.driverKitDirectory,
                               sources: try GraderVersion.swiftFiles(in: layout.driverKitDirectory),
                               includes: [staged.wireDirectory], build: .plain)
        try await subject
        var checks = try GraderVersion.swiftFiles(in: challenge.directory.appendingPathComponent("PublicTests")) + vocabulary
        if set == .full { checks += try GraderVersion.swiftFiles(in: challenge.graderDirectory.appendingPathComponent("Checks")) }
        try await buildLibrary("ChallengeChecks", into: staged.checksDirectory, sources: checks,
                               includes: [staged.wireDirectory, staged.driverKitDirectory, staged.challengeDirectory], build: .plain)
        try await linkDriver(staged)
    }

    /// The driver executable: a generated entry running the suites' checks through `DriverMain`.
    private func linkDriver(_ module: CheckModule) async throws {
        let directory = module.driverExecutable.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let entry = directory.appendingPathComponent("DriverEntry.swift")
        try Data(Self.driverEntrySource(suites: module.suites).utf8).write(to: entry)
        var arguments = ["-parse-as-library", "-module-name", "DriverEntry", "-swift-version", "6", "-Onone",
                         "-module-cache-path", clangModuleCache.path]
        for include in [module.checksDirectory, module.driverKitDirectory, module.challengeDirectory, module.wireDirectory] {
            arguments += ["-I", include.path]
        }
        arguments += [entry.path,
                      module.checksDirectory.appendingPathComponent("libChallengeChecks.a").path,
                      module.driverKitDirectory.appendingPathComponent("libDriverKit.a").path,
                      module.challengeDirectory.appendingPathComponent("libChallenge.a").path,
                      module.wireDirectory.appendingPathComponent("libWire.a").path,
                      "-o", module.driverExecutable.path]
        try await runTrustedBuild("driver", executable: toolchain.swiftc, arguments: arguments, in: directory)
        try? FileManager.default.removeItem(at: entry)
    }

    static func driverEntrySource(suites: [String]) -> String {
        let checks = suites.map { "ChallengeChecks.\($0).checks()" }.joined(separator: " + ")
        return """
            // Generated by the grader: the driver of one challenge's checks. Do not edit.
            import ChallengeChecks
            import DriverKit

            @main
            enum DriverEntry {
                static func main() async {
                    await DriverKit.DriverMain.run(checks: \(checks))
                }
            }

            """
    }

    /// The challenge's starter with every allowed import (``CheckModule/cacheProbe``).
    static func cacheProbe(for challenge: Challenge) throws -> [SubmittedFile] {
        let starter = try Data(contentsOf: challenge.directory.appendingPathComponent("Starter.swift"))
        let imports = Data("import Foundation\nimport Dispatch\nimport Synchronization\n".utf8)
        return [SubmittedFile(name: "Starter.swift", content: starter), SubmittedFile(name: "Imports.swift", content: imports)]
    }

    /// Rebuilds what the clang module cache lacks for `challenge`'s module of `set` (both builds),
    /// after a compile found it stale (``GraderFault/staleModuleCache(_:)``). Clang replaces a
    /// module file by renaming a finished one over it, so compiles reading the cache meanwhile are
    /// unaffected.
    public func rewarmModuleCache(for challenge: Challenge, set: CheckSet, graderVersion: String) async throws {
        let module = try await module(for: challenge, set: set, graderVersion: graderVersion)
        let lock = try await FileLock.acquire(cacheDirectory.appendingPathComponent(
            "\(cacheKey(challenge: challenge, set: set, graderVersion: graderVersion)).lock"))
        defer { lock.release() }
        for build in [CheckBuild.plain, .threadSanitizer] {
            try await prewarmModuleCache(challenge: challenge, module: module, build: build)
        }
    }

    /// Compiles the challenge's starter, as a submission would be (in `build`), so that the shared
    /// clang module cache holds every module a submission's compile imports: sandboxed compiles
    /// only read it.
    private func prewarmModuleCache(challenge: Challenge, module: CheckModule, build: CheckBuild) async throws {
        let work = module.directory.appendingPathComponent("prewarm-\(build.rawValue)")
        try? FileManager.default.removeItem(at: work)
        defer { try? FileManager.default.removeItem(at: work) }
        let compiler = SubmissionCompiler(toolchain: toolchain, runner: runner, clangModuleCache: clangModuleCache,
                                          build: build)
        let outcome = try await compiler.compile(files: module.cacheProbe, module: module,
                                                 entryTypeName: challenge.manifest.entryType, workDirectory: work)
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

    func cacheKey(challenge: Challenge, set: CheckSet, graderVersion: String) -> String {
        let digest = SHA256.hash(data: Data("\(toolchain.version)\n\(graderVersion)\n\(set.rawValue)".utf8))
        return "\(challenge.id)-\(set.rawValue)-" + digest.prefix(8).hexString
    }

    /// Compiles `HarnessSanitizerSupport`'s C files (uninstrumented) into objects.
    private func buildSanitizerSupport(into directory: URL) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sources = try GraderVersion.sourceFiles(in: layout.sanitizerSupportDirectory, extension: "c")
        guard !sources.isEmpty else {
            throw GraderFault.checkModuleBuildFailed(module: "HarnessSanitizerSupport", output: "no C sources in \(layout.sanitizerSupportDirectory.path)")
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
    /// The clang module cache lacks a module the challenge's own starter needs: it went stale
    /// (a system header changed since it was built). What the compiler said.
    case staleModuleCache(String)

    public var description: String {
        switch self {
        case .missingHiddenChecks(let id): "Graders/\(id)/ is missing: hidden checks are needed to grade \(id)"
        case .checkModuleBuildFailed(let module, let output): "building the cached module \(module) failed:\n\(output)"
        case .checkHarness(let check, let message): "the grader could not run check \(check): \(message)"
        case .io(let message): message
        case .launch(let message): message
        case .staleModuleCache(let output):
            "the prebuilt clang module cache lacks a module the challenge's starter needs (a system header changed since it "
                + "was built); it is rebuilt before the next attempt. The compiler said: \(output)"
        }
    }
}
