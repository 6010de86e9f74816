#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GraderPipeline
import GraderProcess
import GraderStore

/// Builds what the commands need: the project layout, the database, the pipeline.
enum Context {
    static func layout() throws -> ProjectLayout { try ProjectLayout.locate() }

    static func pipeline(_ data: DataOptions) async throws -> GradingPipeline {
        let layout = try layout()
        let directory = data.resolved
        let database = try GraderDatabase(dataDirectory: directory)
        let trusted = DirectProcessRunner()
        let toolchain = try await Toolchain.locate(runner: trusted)
        return GradingPipeline(layout: layout, database: database, dataDirectory: directory,
                               toolchain: toolchain, runner: try SandboxedProcessRunner.located(), trustedRunner: trusted)
    }

    /// Reads submission files from paths given on the command line: regular files only, read
    /// with a size bound (intake enforces the real limits on what was read).
    static func readFiles(_ paths: [String]) throws -> [SubmittedFile] {
        try paths.map { path in
            var info = stat()
            guard stat(path, &info) == 0 else { throw CLIExit.input("cannot read \(path): \(String(cString: strerror(errno)))") }
            guard (info.st_mode & S_IFMT) == S_IFREG else { throw CLIExit.input("\(path) is not a regular file") }
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIExit.input("cannot open \(path)") }
            defer { try? handle.close() }
            let content = try handle.read(upToCount: Intake.maximumTotalBytes + 1) ?? Data()
            return SubmittedFile(name: URL(fileURLWithPath: path).lastPathComponent, content: content)
        }
    }
}
