import Foundation
import GraderProcess

/// Finds the symbols of the sanitizers' own interface that the candidate's code defines or calls,
/// in the object file of its plain (uninstrumented) build.
///
/// ThreadSanitizer takes hooks from the program it runs in: a program may define
/// `__tsan_default_options` (and turn reports off with `report_bugs=0`), `__tsan_on_report` (and
/// drop each report), or call `__tsan_ignore_thread_begin` and the `Annotate…` family (and hide
/// its accesses). Swift reaches them only through `@_cdecl`, `@_silgen_name` or `@_extern`, all of
/// which the source policy flags, but the names can be built in ways a source scan misses; the
/// object's symbol table cannot hide them. The plain build is read because the instrumented one
/// carries the compiler's own calls into the runtime (`__tsan_read8`, `__tsan_func_entry`, even
/// `__tsan_ignore_thread_begin`). A name looked up at run time (`dlsym`) is not in the table: see
/// `Sandbox/README.md` for what the race pass does not defend.
struct SanitizerInterfaceScan: Sendable {
    /// The interfaces of LLVM's sanitizers (compiler-rt's `include/sanitizer/*.h`), and the
    /// dynamic annotations ThreadSanitizer honours (`AnnotateBenignRaceSized`, …).
    /// The Swift runtime's hooks into ThreadSanitizer (`_swift_tsan_acquire`, …) too.
    static let prefixes = ["__tsan", "__sanitizer", "__asan", "__lsan", "__msan", "__ubsan", "__interceptor",
                           "__interception", "Annotate", "WTFAnnotate", "RunningOnValgrind", "ValgrindSlowdown",
                           "_swift_tsan"]
    static let limits = ProcessLimits(wallSeconds: 60, outputBytes: 8 << 20)

    let toolchain: Toolchain
    let runner: any ProcessRunner
    let workDirectory: URL

    /// The interface symbols `object` names, sorted and distinct. Throws ``GraderFault`` when
    /// `llvm-nm` cannot read it (the grader's own build made it).
    func symbols(in object: URL) async throws -> [String] {
        let directory = workDirectory.appendingPathComponent("nm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result: ProcessResult
        do {
            // The object is compiled from the candidate's source: read it in the sandbox.
            result = try await runner.run(ProcessRequest(
                executable: toolchain.nm, arguments: ["--format=just-symbols", "--no-sort", object.path],
                environment: ["PATH": "/usr/bin:/bin", "HOME": directory.path, "LANG": "C.UTF-8"],
                workingDirectory: directory.path, profile: .compile, limits: Self.limits,
                readablePaths: [object.path, toolchain.usrDirectory], writableDirectory: directory.path))
        } catch {
            throw GraderFault.launch("\(error)")
        }
        guard result.succeeded, !result.standardOutputTruncated else {
            throw GraderFault.io("llvm-nm could not read the submission's object: "
                + String(decoding: result.standardError.prefix(600), as: UTF8.self))
        }
        return Self.interfaceSymbols(in: String(decoding: result.standardOutput, as: UTF8.self))
    }

    /// The interface names among `llvm-nm`'s output lines, sorted and distinct.
    static func interfaceSymbols(in listing: String) -> [String] {
        let names = listing.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        return Set(names.filter { name in prefixes.contains { name.hasPrefix($0) } }.map { String($0.prefix(200)) }).sorted()
    }
}
