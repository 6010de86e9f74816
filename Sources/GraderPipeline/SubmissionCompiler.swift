import Foundation
import GraderModel
import GraderProcess

/// Compiles one submission into its subject binary, in two steps (SPEC §3):
///
/// 1. the candidate's files alone, as module `CandidateSubmission`, in Swift 5 mode with
///    `-strict-concurrency=complete` and `-enable-testing`, seeing only the `Challenge` module (and
///    `Wire`, which it is built on; never the checks, the driver or the subject runtime): a failure
///    is `compile_error`;
/// 2. a generated entry file (imports, the challenge's adapter, `@main` running the subject
///    runtime) compiled and linked with the cached subject libraries: a failure means the
///    candidate's declarations do not fit the contract, `contract_mismatch`.
///
/// The subject binary holds nothing hidden: the checks live in the driver, built separately.
public struct SubmissionCompiler: Sendable {
    public static let candidateModule = "CandidateSubmission"
    /// Wall-clock limit of each compile step (a legitimate one takes well under a second; a
    /// type-checker bomb is stopped here and graded `compile_error`).
    public static let defaultCompileLimitSeconds: Double = 60

    public let toolchain: Toolchain
    public let runner: any ProcessRunner
    /// Clang's module cache (compiled Glibc, SwiftShims, Foundation headers), prewarmed when the
    /// check module is built. Sandboxed compiles only read it (it is granted read-only), so no
    /// submission's compile can change what another's reads; a module missing from it fails the
    /// compile, which ``compile(files:module:entryTypeName:workDirectory:)`` attributes.
    public let clangModuleCache: URL
    public let compileLimitSeconds: Double
    /// Plain, or the race pass's ThreadSanitizer build of the candidate's code.
    public let build: CheckBuild

    public init(toolchain: Toolchain, runner: any ProcessRunner, clangModuleCache: URL,
                compileLimitSeconds: Double = defaultCompileLimitSeconds, build: CheckBuild = .plain) {
        self.toolchain = toolchain
        self.runner = runner
        self.clangModuleCache = clangModuleCache
        self.compileLimitSeconds = compileLimitSeconds
        self.build = build
    }

    public enum Outcome: Sendable {
        case compiled(binary: URL, warnings: [CompilerDiagnostic], concurrencyWarnings: [CompilerDiagnostic],
                      candidateMilliseconds: Int, entryMilliseconds: Int)
        case compileError(message: String, milliseconds: Int)
        case contractMismatch(message: String, warnings: [CompilerDiagnostic],
                              concurrencyWarnings: [CompilerDiagnostic], milliseconds: Int)
    }

    /// Compiles `files` in `workDirectory` (which it fills with `src/`, `module/`, `entry/`, `subject`).
    /// Throws ``GraderFault/staleModuleCache(_:)`` when the clang module cache lacks what the
    /// challenge's starter needs (the grader's fault, not the submission's).
    public func compile(files: [SubmittedFile], module: CheckModule, entryTypeName: String,
                        workDirectory: URL) async throws -> Outcome {
        try await compile(files: files, module: module, entryTypeName: entryTypeName, workDirectory: workDirectory,
                          probingCache: false)
    }

    private func compile(files: [SubmittedFile], module: CheckModule, entryTypeName: String,
                         workDirectory: URL, probingCache: Bool) async throws -> Outcome {
        let manager = FileManager.default
        let sources = workDirectory.appendingPathComponent("src")
        let candidateModule = workDirectory.appendingPathComponent("module")
        let entry = workDirectory.appendingPathComponent("entry")
        for folder in [sources, candidateModule, entry] {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        for file in files {
            try file.content.write(to: sources.appendingPathComponent(file.name), options: .withoutOverwriting)
        }
        let hidePaths = [workDirectory.path, module.directory.path, clangModuleCache.path,
                         module.directory.deletingLastPathComponent().path]

        // Step 1: the candidate's module, alone.
        let candidateStarted = ContinuousClock.now
        let objectFile = Self.objectFile(in: workDirectory)
        let candidate = try await swiftc(build.swiftFlags + build.submissionFlags + [
            "-parse-as-library", "-module-name", Self.candidateModule, "-swift-version", "5",
            "-strict-concurrency=complete", "-enable-testing", "-O", "-wmo",
            "-module-cache-path", clangModuleCache.path,
        ] + module.candidateImportDirectories.flatMap { ["-I", $0.path] } + [
            "-c", "-emit-module", "-emit-module-path", candidateModule.appendingPathComponent("\(Self.candidateModule).swiftmodule").path,
            "-o", objectFile.path,
        ] + files.map(\.name), in: sources, readable: module.candidateImportDirectories.map(\.path) + [clangModuleCache.path])
        let candidateMilliseconds = milliseconds(since: candidateStarted)
        let candidateOutput = String(decoding: candidate.standardError + candidate.standardOutput, as: UTF8.self)
        let (warnings, concurrencyWarnings) = CompilerDiagnostics.warnings(in: candidateOutput, candidateFiles: Set(files.map(\.name)))
        guard candidate.succeeded else {
            if Self.needsUncachedModule(candidateOutput) {
                // The sandbox grants the prebuilt module cache read-only. It holds every module the
                // challenge's starter needs with each allowed import (the cache was built by
                // compiling exactly that), so a module missing from it is the submission's doing
                // (an import submissions may not use, or something else only its code pulls in),
                // unless the cache went stale: the starter, compiled here the same way, tells.
                if probingCache {
                    throw GraderFault.staleModuleCache(CompilerDiagnostics.sanitize(String(candidateOutput.prefix(600)), removing: hidePaths))
                }
                _ = try await compile(files: module.cacheProbe, module: module, entryTypeName: entryTypeName,
                                      workDirectory: workDirectory.appendingPathComponent("cache-probe"), probingCache: true)
                let imports = SourcePolicy.scan(files).filter { $0.rule == "import" }
                let message = imports.isEmpty
                    ? "the code needs a system module the grader does not provide to submissions (only the standard library, "
                        + "Foundation, Dispatch, Synchronization and Challenge are): "
                        + CompilerDiagnostics.sanitize(String(candidateOutput.prefix(600)), removing: hidePaths)
                    : imports.map { "\($0.file):\($0.line): \($0.message)" }.joined(separator: "\n")
                return .compileError(message: message, milliseconds: candidateMilliseconds)
            }
            var message = CompilerDiagnostics.sanitize(candidateOutput, removing: hidePaths)
            if candidate.limitHit == .wallTime {
                message = "the compile did not finish within \(Int(compileLimitSeconds)) s and was stopped\n" + message
            }
            return .compileError(message: message, milliseconds: candidateMilliseconds)
        }

        // Step 2: the generated entry file, compiled and linked with the check module.
        let entryStarted = ContinuousClock.now
        let entryFile = entry.appendingPathComponent("Entry.swift")
        try Data(Self.entrySource(module: module).utf8).write(to: entryFile)
        let binary = workDirectory.appendingPathComponent("subject")
        // -Onone: the entry is glue. The candidate's code and the challenge's subject module are
        // optimised in their own modules, and the subject module drives the cache through
        // existentials; optimising the entry would only specialise generic entry points into it.
        let link = try await swiftc(build.swiftFlags + [
            "-parse-as-library", "-module-name", "SubjectEntry", "-swift-version", "6", "-Onone",
            "-module-cache-path", clangModuleCache.path, "-I", candidateModule.path,
        ] + module.subjectImportDirectories.flatMap { ["-I", $0.path] } + [
            "Entry.swift", objectFile.path,
        ] + module.subjectLibraries(for: build).map(\.path) + ["-o", binary.path], in: entry,
           readable: module.subjectImportDirectories.map(\.path) + [clangModuleCache.path]
               + (build == .threadSanitizer ? [module.sanitizerSupportDirectory.path] : []))
        let entryMilliseconds = milliseconds(since: entryStarted)
        guard link.succeeded else {
            let output = CompilerDiagnostics.sanitize(String(decoding: link.standardError + link.standardOutput, as: UTF8.self),
                                                      removing: hidePaths)
            let message = """
                Your files compiled, but the checks cannot use them as the contract requires: `\(entryTypeName)` and its \
                members must have exactly the names and signatures given in the challenge's README. The compiler says:
                \(output)
                """
            return .contractMismatch(message: message, warnings: warnings, concurrencyWarnings: concurrencyWarnings,
                                     milliseconds: candidateMilliseconds + entryMilliseconds)
        }
        return .compiled(binary: binary, warnings: warnings, concurrencyWarnings: concurrencyWarnings,
                         candidateMilliseconds: candidateMilliseconds, entryMilliseconds: entryMilliseconds)
    }

    /// The object file of the candidate's module, once ``compile(files:module:entryTypeName:workDirectory:)``
    /// has built it in `workDirectory`.
    public static func objectFile(in workDirectory: URL) -> URL {
        workDirectory.appendingPathComponent("module").appendingPathComponent("\(candidateModule).o")
    }

    /// The compiler tried to build a clang module into the (read-only) module cache.
    static func needsUncachedModule(_ output: String) -> Bool {
        output.contains(".pcm") && (output.contains("Permission denied") || output.contains("Read-only file system"))
    }

    /// The generated entry file: imports, the challenge's adapter (which defines
    /// `subjectHandler`), and `@main` running the subject runtime with it.
    static func entrySource(module: CheckModule) -> String {
        // Module-qualified: the candidate's types are imported too and may reuse any unqualified name.
        """
            // Generated by the grader for one submission. Do not edit.
            @testable import \(candidateModule)
            import Challenge
            import ChallengeSubject
            import SubjectRuntime

            \(module.adapterSource)

            @main
            enum SubjectEntry {
                static func main() async {
                    await SubjectRuntime.SubjectMain.run(subjectHandler)
                }
            }

            """
    }

    private func swiftc(_ arguments: [String], in directory: URL, readable: [String]) async throws -> ProcessResult {
        do {
            return try await runner.run(ProcessRequest(
                executable: toolchain.swiftc, arguments: arguments,
                environment: CompileEnvironment.make(toolchain: toolchain, home: directory.path),
                workingDirectory: directory.path, profile: .compile,
                limits: ProcessLimits(wallSeconds: compileLimitSeconds, outputBytes: 1 << 20),
                readablePaths: readable + [toolchain.usrDirectory],
                writableDirectory: directory.deletingLastPathComponent().path))
        } catch {
            throw GraderFault.launch("\(error)")
        }
    }
}
