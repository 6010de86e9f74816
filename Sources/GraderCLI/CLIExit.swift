import Foundation
import GraderPipeline
import GraderProcess
import GraderServer
import GraderStore

/// An exit with a code and a message for standard error.
struct CLIExit: Error {
    static let belowBar: Int32 = 1
    static let usage: Int32 = 2
    static let internalError: Int32 = 3

    var code: Int32
    var message: String

    static func input(_ message: String) -> CLIExit { CLIExit(code: usage, message: message) }
    static func `internal`(_ message: String) -> CLIExit { CLIExit(code: internalError, message: message) }

    /// Maps the product's own errors onto exit codes: the user's input (2) or the grader (3).
    static func map(_ error: any Error) -> CLIExit? {
        switch error {
        case let error as IntakeError: return .input("rejected: \(error)")
        case let error as ReplayError: return .input(error.description)
        case let error as CatalogError:
            if case .unknownChallenge = error { return .input(error.description) }
            return .internal(error.description)
        case let error as StoreError:
            if case .missing = error { return .input(error.description) }
            return .internal(error.description)
        case let error as ToolchainError: return .internal(error.description)
        case let error as LayoutError: return .internal(error.description)
        case let error as GraderFault: return .internal("grader failure: \(error)")
        case let error as ProcessLaunchError: return .internal("grader failure: \(error)")
        case let error as DaemonLockError: return .input(error.description)
        default: return nil
        }
    }
}
