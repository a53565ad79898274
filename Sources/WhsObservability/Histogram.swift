/// Observations counted into fixed buckets, as Prometheus histograms are: each bucket counts
/// the observations at most its bound; `_bucket{le=...}` lines are the running totals, written
/// at scrape time. Kept as a value, inside whatever lock its owner holds, so that one request
/// takes one lock for its counter and its latency together.
struct Histogram {
    /// Upper bounds, ascending; `+Inf` is implied.
    let bounds: [Double]
    /// One count per bound, then the ones past the last bound.
    private(set) var counts: [Int]
    private(set) var sum = 0.0
    private(set) var count = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    mutating func observe(_ value: Double) {
        var index = 0
        while index < bounds.count, value > bounds[index] { index += 1 }
        counts[index] += 1
        sum += value
        count += 1
    }

    /// Seconds, from half a millisecond to ten: a request of `whs serve` takes tens of
    /// microseconds on an embedded store and milliseconds on PostgreSQL; a send with
    /// `--api-faults latency=` takes what it is told.
    static let requestSeconds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Seconds of one push, up to the 3 s a receiver is given to answer (docs/DELIVERY.md).
    static let attemptSeconds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5]
}
