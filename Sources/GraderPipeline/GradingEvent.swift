import GraderModel

/// Progress of one grading, for a terminal or a log.
public enum GradingEvent: Sendable {
    case preparingCheckModule(challenge: String)
    case compiling
    case runningChecks(total: Int)
    case checkFinished(CheckOutcome, done: Int, total: Int)
    case racePass(checks: Int)
    case racePassFinished(CheckOutcome)
    case retrying(attempt: Int, reason: String)
}
