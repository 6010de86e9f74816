/// Confirms or overturns the checks that skipped themselves.
///
/// A driver skips a check when its own tables show the check cannot judge what it exists for: a
/// round of error recovery under contention that already breaks a rule, or hangs, without any
/// fault. But that round runs in the candidate's process, which can recognise it and misbehave
/// there on purpose to have a failing check left out of its criterion's score. So a skip stands
/// only when a check it defers to (``CheckDefinition/defersTo``: the storms, which run the same
/// kind of round) did not pass in the same grading, charging what the skip names; otherwise the
/// check fails, with the skip's reason as its message. A skip from a check that defers to nothing
/// never stands.
public enum SkipConfirmation {
    public static func apply(to outcomes: [CheckOutcome], checks: [CheckDefinition]) -> [CheckOutcome] {
        let statuses = Dictionary(outcomes.map { ($0.id, $0.status) }, uniquingKeysWith: { first, _ in first })
        return outcomes.map { outcome in
            guard outcome.status == .skipped, let definition = checks.first(where: { $0.id == outcome.id }) else { return outcome }
            let ran = definition.defersTo.compactMap { id in statuses[id].map { (id, $0) } }
            if ran.isEmpty && !definition.defersTo.isEmpty {
                // One check alone (a replay): nothing to confirm against; the grading decides.
                var noted = outcome
                noted.message += " (in a grading this skip stands only if one of "
                    + definition.defersTo.joined(separator: ", ") + " does not pass)"
                return noted
            }
            if ran.contains(where: { !$0.1.passed && $0.1 != .skipped }) { return outcome }
            var overturned = outcome
            overturned.status = .fail
            let reason = outcome.message.hasPrefix("skipped: ") ? String(outcome.message.dropFirst(9)) : outcome.message
            overturned.message = reason + "; but "
                + (definition.defersTo.isEmpty ? "no other check charges it"
                   : "every check that would charge it (" + definition.defersTo.joined(separator: ", ") + ") passed")
                + ", so it is this check's failure"
            return overturned
        }
    }
}
