import WhsSupport

/// One run of a `watch`, for the host to announce: which run, of how many, how often.
public struct WatchRun {
    /// 1 for the first run.
    public let number: Int
    /// nil: until Ctrl-C (or `timeout=`).
    public let count: Int?
    public let every: Double
    /// The interval as written (`2s`), for the header.
    public let everyText: String
}

extension Interpreter {
    /// `watch every=2s` when no interval is given: psql's `\watch` default.
    public static let defaultWatchEvery = 2.0

    /// `watch [every=] [count=] [timeout=] { ... }`: runs the block, waits, runs it again, until
    /// `count` runs, `timeout` or Ctrl-C. A statement that fails is shown (`reportWatchFailure`)
    /// and the block goes on with its next statement: watching a server that is down keeps
    /// watching. Ctrl-C and `exit` end the watch as they end anything.
    func watch(_ options: WatchOptions, _ body: [Statement], in statement: Statement) throws -> Flow {
        let every = try options.every.map { try seconds($0, what: "watch every=", in: statement) } ?? Interpreter.defaultWatchEvery
        guard every > 0 else {
            throw EvaluationError(message: "watch every= must be more than 0 (250ms, 2s)", at: statement.range.lowerBound)
        }
        var count: Int?
        if let expression = options.count {
            let value = try evaluate(expression, in: statement)
            guard case .int(let number) = value, number >= 1 else {
                throw EvaluationError(message: "watch count= must be a whole number of runs, 1 or more, got \(value.literal)", at: statement.range.lowerBound)
            }
            count = number
        }
        let timeout = try options.timeout.map { try seconds($0, what: "watch timeout=", in: statement) }
        var everyText = DurationText.format(every)
        if let expression = options.every, case .literal(.duration(let duration)) = expression { everyText = duration.text }
        let deadline = timeout.map { WhsSupport.Clock.now() + $0 }
        var number = 0
        while true {
            number += 1
            beginWatchRun(WatchRun(number: number, count: count, every: every, everyText: everyText))
            for inner in body {
                do {
                    if case .returned(let value) = try execute(inner) { return .returned(value) }
                } catch {
                    switch error {
                    case .exit, .interrupted: throw error
                    default: reportWatchFailure(error)
                    }
                }
            }
            if let count, number >= count { return .normal(.null) }
            if let deadline, WhsSupport.Clock.now() + every > deadline { return .normal(.null) }
            try pause(every, in: statement)
        }
    }
}
