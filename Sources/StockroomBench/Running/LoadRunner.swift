import NIOCore

/// Drives a target with a plan: a closed loop (each worker sends its next request when the last is
/// answered, as redis-benchmark and memtier_benchmark do) or an open loop (requests leave on a fixed
/// schedule, as wrk2's do), and prints a progress line each second.
public struct LoadRunner: Sendable {
    public let plan: LoadPlan
    /// Makes the run's purchase ids unique against earlier runs on the same data.
    public let runTag: String
    /// Where the open loop waits for each request's time: an event loop's timer costs a fraction of
    /// a `Task.sleep`, which matters at tens of thousands of waits a second.
    public let timers: any EventLoop

    public init(plan: LoadPlan, runTag: String, timers: any EventLoop) {
        self.plan = plan
        self.runTag = runTag
        self.timers = timers
    }

    /// What a run measured, how long it took from the first request to the last answer, and the CPU
    /// time the harness spent meanwhile.
    public struct Outcome: Sendable {
        public var tally: RunTally
        public var elapsedSeconds: Double
        public var harnessCPUSeconds: Double
    }

    /// - Parameter progress: gets one line a second while the load runs.
    public func run(_ target: any LoadTarget, progress: @escaping @Sendable (String) -> Void) async -> Outcome {
        let skuNames = plan.workload.skuNames
        let picker = SKUPicker(plan.workload.distribution, count: skuNames.count)
        let recorder = LiveRecorder(skuCount: skuNames.count)
        let cpuAtStart = ProcessCPU.seconds()
        let start = MonotonicClock.now()
        let tickets = RequestTickets(bound: plan.bound, start: start)
        let pacer = plan.rate.map { RatePacer(rate: $0, start: start) }

        let reporter = Task {
            var previous = recorder.progress(atNanoseconds: start)
            var second = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if Task.isCancelled { break }
                second += 1
                let current = recorder.progress(atNanoseconds: MonotonicClock.now())
                progress(current.line(since: previous, target: target.name, second: second))
                previous = current
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for connection in 0..<plan.connections {
                for slot in 0..<plan.pipeline {
                    let requests = RequestGenerator(
                        workload: plan.workload, picker: picker, runTag: runTag, worker: connection * plan.pipeline + slot,
                        seed: plan.seed
                    )
                    group.addTask {
                        if let pacer {
                            await Self.openLoop(target, connection, requests, skuNames, tickets, pacer, timers, recorder)
                        } else {
                            await Self.closedLoop(target, connection, requests, skuNames, tickets, recorder)
                        }
                    }
                }
            }
        }
        let elapsed = Double(MonotonicClock.now() - start) / 1e9
        reporter.cancel()
        return Outcome(tally: recorder.snapshot(), elapsedSeconds: elapsed, harnessCPUSeconds: ProcessCPU.seconds() - cpuAtStart)
    }

    /// One worker of a closed loop: send, wait for the answer, send the next; latency from the send.
    private static func closedLoop(
        _ target: any LoadTarget, _ connection: Int, _ requests: RequestGenerator, _ skuNames: [String],
        _ tickets: RequestTickets, _ recorder: LiveRecorder
    ) async {
        var requests = requests
        while tickets.next(at: MonotonicClock.now()) != nil {
            let request = requests.next()
            let sent = MonotonicClock.now()
            let outcome = await target.perform(request, sku: skuNames[request.sku], on: connection)
            recorder.record(outcome, for: request, latencyNanoseconds: MonotonicClock.now() - sent)
        }
    }

    /// One slot of an open loop: take the next request of the schedule, wait until it is due, send
    /// it; latency from when it was due, however late the slot got to it.
    private static func openLoop(
        _ target: any LoadTarget, _ connection: Int, _ requests: RequestGenerator, _ skuNames: [String],
        _ tickets: RequestTickets, _ pacer: RatePacer, _ timers: any EventLoop, _ recorder: LiveRecorder
    ) async {
        var requests = requests
        while let (_, intended) = tickets.next(pacedBy: pacer) {
            let now = MonotonicClock.now()
            if intended > now {
                try? await timers.scheduleTask(deadline: .uptimeNanoseconds(intended)) {}.futureResult.get()
            }
            let request = requests.next()
            let outcome = await target.perform(request, sku: skuNames[request.sku], on: connection)
            recorder.record(
                outcome, for: request, latencyNanoseconds: RatePacer.latency(intended: intended, answered: MonotonicClock.now())
            )
        }
    }
}
