import Foundation

/// The rate of one operation, measured in batches over a fixed time.
struct Measurement {
    let name: String
    let operationsPerSecond: Double

    /// Runs `body` for about `seconds` and returns the rate.
    static func once(_ name: String, seconds: Double, _ body: () -> Bool) -> Measurement {
        var succeeded = 0
        var operations = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed: UInt64 = 0
        repeat {
            for _ in 0..<256 where body() { succeeded &+= 1 }
            operations += 256
            elapsed = DispatchTime.now().uptimeNanoseconds - start
        } while Double(elapsed) < seconds * 1e9
        precondition(succeeded == operations, "\(name): the measured operation failed")
        return Measurement(name: name, operationsPerSecond: Double(operations) / (Double(elapsed) / 1e9))
    }

    var line: String {
        let rate = operationsPerSecond
        return "\(name.padding(toLength: 46, withPad: " ", startingAt: 0)) \(String(format: "%12.0f", rate)) /s  \(String(format: "%9.0f", 1e9 / rate)) ns"
    }
}

/// A subject and its peer, measured in alternation so that both see the same
/// machine (frequency, the other core's load): the ratio is the median of
/// the per-round ratios, the rates the medians of the rounds.
struct Comparison {
    let subject: Measurement
    let peer: Measurement
    let ratio: Double

    static func run(
        _ subjectName: String, _ subject: () -> Bool,
        against peerName: String, _ peer: () -> Bool,
        rounds: Int = 9, seconds: Double = 0.4
    ) -> Comparison {
        _ = Measurement.once(subjectName, seconds: 0.2, subject) // warm up
        _ = Measurement.once(peerName, seconds: 0.2, peer)
        var subjects: [Double] = [], peers: [Double] = [], ratios: [Double] = []
        for _ in 0..<rounds {
            let a = Measurement.once(subjectName, seconds: seconds, subject).operationsPerSecond
            let b = Measurement.once(peerName, seconds: seconds, peer).operationsPerSecond
            subjects.append(a); peers.append(b); ratios.append(a / b)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        return Comparison(
            subject: Measurement(name: subjectName, operationsPerSecond: median(subjects)),
            peer: Measurement(name: peerName, operationsPerSecond: median(peers)),
            ratio: median(ratios)
        )
    }

    func lines(target: String) -> [String] {
        [peer.line, subject.line, String(format: "  ratio: %.1f%% of the peer (%@)", ratio * 100, target)]
    }
}
