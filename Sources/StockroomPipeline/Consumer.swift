import Logging
import ServiceLifecycle
import StockroomCore
import StockroomRedis

/// One consumer of a group: its read loop, reclaiming, handling, heartbeats and acknowledgements.
struct Consumer: Sendable {
    let name: String
    let context: GroupContext
    /// Shared by the group's consumers for everything but the blocking read.
    let control: RedisConnection
    /// This consumer's own connection, blocked in XREADGROUP while it waits.
    let reader: RedisConnection
    let handler: any EntryHandler
    let logger: Logger
    /// The streams of the one partition this consumer reads: its topic stream and the group's retry
    /// stream there. They share the partition's hash tag, so one command reads both, on a single
    /// Redis or on the Cluster node that holds the partition.
    let streams: [GroupStream]
    let partition: Int

    init(
        name: String, partition: Int, context: GroupContext, control: RedisConnection, reader: RedisConnection,
        handler: any EntryHandler
    ) {
        self.name = name
        self.context = context
        self.control = control
        self.reader = reader
        self.handler = handler
        self.partition = partition
        self.streams = context.streams.filter { $0.partition == partition }
        var logger = context.logger
        logger[metadataKey: "sr.consumer"] = "\(name)"
        logger[metadataKey: "sr.partition"] = "\(partition)"
        self.logger = logger
    }

    private var configuration: ConsumerGroupConfiguration { context.configuration }
    private var policy: DeliveryPolicy { context.policy }
    private var group: String { context.group }
    private var readingMarkKey: String {
        context.keys.readingMarkKey(context.subscription.topic, group: group, partition: partition)
    }

    /// Reads, reclaims and handles until a graceful shutdown (returns) or cancellation (throws).
    func run() async throws {
        var nextReclaim = ContinuousClock.now
        var failures = 0
        var groupsExist = false
        var nextMark = ContinuousClock.now
        while !Task.isShuttingDownGracefully {
            try Task.checkCancellation()
            do {
                if !groupsExist {
                    try await context.ensureGroups(partition: partition, on: control)
                    groupsExist = true
                }
                var batch: [StreamEntry] = []
                if ContinuousClock.now >= nextReclaim {
                    // Jittered so that consumers started together do not scan in lockstep.
                    let interval = configuration.reclaimInterval
                    nextReclaim = .now + interval * Double.random(in: 0.75...1.25)
                    batch = try await reclaim()
                }
                if batch.isEmpty {
                    batch = try await read()
                }
                failures = 0
                if ContinuousClock.now >= nextMark {
                    nextMark = .now + ReadingMark.renewal
                    try await ReadingMark.renew(key: readingMarkKey, consumer: name, block: configuration.block, on: control)
                }
                if context.readHealth.succeeded(partition: partition, consumer: name) {
                    logger.notice("reading the partition again")
                }
                if !batch.isEmpty {
                    await process(batch)
                }
            } catch let error as CancellationError {
                throw error
            } catch {
                context.metrics.redisErrors.increment()
                context.readHealth.failed(partition: partition, consumer: name)
                if let redisError = error as? RedisError, redisError.isNoGroup {
                    logger.warning("consumer group missing in Redis; creating it again", metadata: ["sr.error": "\(error)"])
                    groupsExist = false
                } else {
                    logger.warning(
                        "cannot read the partition; retrying",
                        metadata: ["sr.error": "\(error)", "sr.attempt": "\(failures + 1)"]
                    )
                }
                let delay = retryBackoff.delay(attempt: failures)
                failures += 1
                try await Task.sleep(for: delay)
            }
        }
    }

    /// On graceful exit: leave the group's consumer list if this consumer owns nothing any more.
    func retire() async {
        for stream in streams {
            _ = try? await control.run(.retireConsumer(name, of: stream.key, group: group)).get()
        }
    }

    // MARK: Reading

    private func read() async throws -> [StreamEntry] {
        let blockMilliseconds = max(configuration.block.wholeMilliseconds, 1)
        var command = [
            "XREADGROUP", "GROUP", group, name, "COUNT", String(configuration.batchSize),
            "BLOCK", String(blockMilliseconds), "STREAMS",
        ]
        command += streams.map(\.key)
        command += Array(repeating: ">", count: streams.count)
        // The reply comes after BLOCK at the latest; the extra time only detects a dead connection.
        let reply = try await reader.send(command, timeout: .milliseconds(blockMilliseconds + 10_000)).get()
        var batch: [StreamEntry] = []
        for (key, entries) in try StreamReplies.readGroup(reply) {
            guard let stream = context.streamsByKey[key] else { continue }
            for (id, fields) in entries {
                batch.append(makeEntry(id: id, fields: fields ?? [:], stream: stream, deliveries: 1))
            }
        }
        return batch
    }

    private func makeEntry(id: String, fields: [String: String], stream: GroupStream, deliveries: Int) -> StreamEntry {
        let acknowledgement = stream.acknowledgement(of: id, group: group)
        guard stream.kind == .retry else {
            return StreamEntry(
                id: id, topic: stream.topic, stream: stream.key, partition: stream.partition, fields: fields, deliveries: deliveries,
                originalID: id, originalStream: stream.key, acknowledgement: acknowledgement
            )
        }
        // A redriven copy: the handler sees the original fields and where they came from.
        var original = fields
        for name in fields.keys where name.hasPrefix(PipelineFields.retryPrefix) {
            original[name] = nil
        }
        return StreamEntry(
            id: id,
            topic: stream.topic,
            stream: stream.key,
            partition: stream.partition,
            fields: original,
            deliveries: deliveries,
            originalID: fields[PipelineFields.retryOriginalID] ?? id,
            originalStream: fields[PipelineFields.retryOriginalStream] ?? stream.key,
            acknowledgement: acknowledgement
        )
    }

    // MARK: Reclaiming

    /// Takes over entries whose consumer failed them or vanished, following the backoff; dead-letters
    /// those whose last allowed delivery never finished.
    private func reclaim() async throws -> [StreamEntry] {
        let scan = policy.reclaimScan
        let scans = streams.map { stream in
            let command = ["XPENDING", stream.key, group, "IDLE", String(scan.minIdleMilliseconds), "-", "+", String(scan.count)]
            return (stream, control.send(command))
        }
        var claimed: [StreamEntry] = []
        for (stream, rows) in scans {
            for row in try StreamReplies.pendingRows(try await rows.get()) {
                switch policy.reclaim(deliveries: row.deliveries, idleMilliseconds: row.idleMilliseconds, claimedSoFar: claimed.count) {
                case .deadLetter(let minDeliveries, let minIdle):
                    try await deadLetter(
                        id: row.id, stream: stream, reason: .maxDeliveries, error: "", minDeliveries: minDeliveries, minIdle: minIdle
                    )
                case .claim(let minIdle):
                    claimed += try await claim(row, of: stream, minIdle: minIdle)
                case .wait, .batchFull:
                    continue
                }
            }
        }
        return claimed
    }

    /// `XCLAIM`; empty when another consumer was faster or the entry is gone (trimmed or deleted).
    private func claim(_ row: PendingRow, of stream: GroupStream, minIdle: Int64) async throws -> [StreamEntry] {
        let reply = try await control.send(["XCLAIM", stream.key, group, name, String(minIdle), row.id]).get()
        var claimed: [StreamEntry] = []
        for (id, fields) in try StreamReplies.entries(reply) {
            guard let fields else { continue }
            context.metrics.reclaimed.increment()
            logger.debug(
                "reclaimed entry",
                metadata: [
                    "sr.stream": "\(stream.key)", "sr.entry": "\(id)", "sr.previous_consumer": "\(row.consumer)",
                    "sr.deliveries": "\(row.deliveries + 1)",
                ]
            )
            claimed.append(makeEntry(id: id, fields: fields, stream: stream, deliveries: row.deliveries + 1))
        }
        return claimed
    }

    // MARK: Handling

    private func process(_ batch: [StreamEntry]) async {
        let inFlight = InFlight(batch)
        await withTaskGroup(of: Void.self) { tasks in
            // The runtime's heartbeat: keeps every unfinished entry of the batch claimed.
            tasks.addTask {
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: configuration.heartbeatInterval)
                    } catch {
                        return
                    }
                    await refreshClaims(await inFlight.remaining())
                    // A long batch is not a stalled partition: status keeps seeing it read.
                    try? await ReadingMark.renew(key: readingMarkKey, consumer: name, block: configuration.block, on: control)
                }
            }
            entries: for (index, entry) in batch.enumerated() {
                switch policy.nextInBatch(isCancelled: Task.isCancelled, isShuttingDown: Task.isShuttingDownGracefully) {
                case .handle:
                    await handle(entry)
                    await inFlight.finish(entry)
                case .handBack(let idle):
                    await handBack(Array(batch[index...]), idle: idle)
                    break entries
                case .abandon:
                    break entries
                }
            }
            tasks.cancelAll()
        }
    }

    private func handle(_ entry: StreamEntry) async {
        guard let stream = context.streamsByKey[entry.stream] else { return }
        var logger = self.logger
        logger[metadataKey: "sr.stream"] = "\(entry.stream)"
        logger[metadataKey: "sr.entry"] = "\(entry.id)"
        logger[metadataKey: "sr.deliveries"] = "\(entry.deliveries)"
        if entry.deliveries > 1 { context.metrics.redelivered.increment() }
        let claim = EntryClaim(control: control, stream: entry.stream, group: group, consumer: name, id: entry.id)
        let started = ContinuousClock.now
        let outcome: DeliveryPolicy.HandlerOutcome
        do {
            try await handler.handle(entry, context: EntryContext(heartbeat: claim, logger: logger))
            outcome = .succeeded
        } catch {
            outcome = DeliveryPolicy.HandlerOutcome(thrown: error, whileCancelled: Task.isCancelled)
        }
        context.metrics.handlerDuration.record(duration: ContinuousClock.now - started)

        switch policy.decide(after: outcome, deliveries: entry.deliveries) {
        case .acknowledge:
            await acknowledge(entry, of: stream, logger: logger)
        case .deadLetterPoison(let reason, let error):
            context.metrics.poison.increment()
            logger.warning("poison entry", metadata: ["sr.error": "\(reason)"])
            try? await deadLetter(id: entry.id, stream: stream, reason: .poison, error: error)
        case .deadLetterLastDelivery(let error):
            context.metrics.failed.increment()
            logger.warning("handler failed on its last allowed delivery", metadata: ["sr.error": "\(error)"])
            try? await deadLetter(id: entry.id, stream: stream, reason: .maxDeliveries, error: error)
        case .recordFailure(let error, let retryAfter):
            context.metrics.failed.increment()
            logger.warning("handler failed; will retry", metadata: ["sr.error": "\(error)", "sr.retry_after": "\(retryAfter)"])
            await recordFailure(entry, of: stream, error: error, logger: logger)
        case .leavePending(let error):
            logger.info("handler cancelled; the entry stays pending", metadata: ["sr.error": "\(error)"])
        }
    }

    private func acknowledge(_ entry: StreamEntry, of stream: GroupStream, logger: Logger) async {
        do {
            try await retrying("ack", logger: logger, metrics: context.metrics, attempts: 8) {
                _ = try await control.run(.ack([entry.id], of: stream, group: group)).get()
            }
            context.metrics.acked.increment()
            logger.trace("acknowledged")
        } catch {
            // Still pending: it will be delivered again (the handler is idempotent).
            logger.error("handled but not acknowledged; it will be delivered again", metadata: ["sr.error": "\(error)"])
        }
    }

    /// Keeps the error for the dead letter it may become; the entry itself stays pending either way.
    private func recordFailure(_ entry: StreamEntry, of stream: GroupStream, error text: String, logger: Logger) async {
        do {
            try await retrying("record failure", logger: logger, metrics: context.metrics, attempts: 4) {
                _ = try await control.run(.recordFailure(entry.id, of: stream, group: group, consumer: name, error: text)).get()
            }
        } catch {
            logger.error("could not record the handler's error", metadata: ["sr.error": "\(error)"])
        }
    }

    /// Runs the dead-letter script; returns quietly when the entry is no longer pending or not due.
    private func deadLetter(
        id: String,
        stream: GroupStream,
        reason: DeadLetterReason,
        error: String,
        minDeliveries: Int = 0,
        minIdle: Int64 = 0
    ) async throws {
        let reply = try await retrying("dead-letter", logger: logger, metrics: context.metrics, attempts: 8) {
            let call = ScriptCall.deadLetter(
                id, of: stream, subscription: context.subscription, reason: reason, error: error, minDeliveries: minDeliveries,
                minIdleMilliseconds: minIdle
            )
            return try await control.run(call).get()
        }
        let answer = try ScriptStatusReply(reply, script: "dead-letter")
        guard answer.status == "DEAD" else { return }
        context.metrics.deadLettered(reason: reason).increment()
        logger.warning(
            "entry dead-lettered",
            metadata: [
                "sr.stream": "\(stream.key)", "sr.entry": "\(id)", "sr.reason": "\(reason.rawValue)",
                "sr.dead_letter": "\(answer.string(0) ?? "?")", "sr.deliveries": "\(answer.integer(1) ?? 0)",
                "sr.effect": "\(answer.string(2) ?? "")",
            ]
        )
    }

    // MARK: Claims

    /// Refreshes this consumer's claims on `entries`, one script per stream.
    private func refreshClaims(_ entries: [StreamEntry], idle: Int64? = nil) async {
        let byStream = Dictionary(grouping: entries, by: \.stream)
        for (stream, entries) in byStream {
            do {
                let call = ScriptCall.heartbeat(entries.map(\.id), of: stream, group: group, consumer: name, idleMilliseconds: idle)
                let reply = try await control.run(call).get()
                let kept = Set((reply.array ?? []).compactMap(\.string))
                for entry in entries where !kept.contains(entry.id) {
                    logger.warning(
                        "lost the claim on an entry of the batch",
                        metadata: ["sr.stream": "\(stream)", "sr.entry": "\(entry.id)"]
                    )
                }
            } catch {
                logger.warning("heartbeat failed", metadata: ["sr.stream": "\(stream)", "sr.error": "\(error)"])
            }
        }
    }

    /// Hands unstarted entries back at shutdown, with the idle time the policy chose.
    private func handBack(_ entries: [StreamEntry], idle: Int64) async {
        logger.info("shutting down; handing back unstarted entries", metadata: ["sr.count": "\(entries.count)"])
        await refreshClaims(entries, idle: idle)
    }
}

/// The entries of a batch not yet finished, for the heartbeat.
private actor InFlight {
    private var entries: [StreamEntry]

    init(_ entries: [StreamEntry]) {
        self.entries = entries
    }

    func remaining() -> [StreamEntry] { entries }

    func finish(_ entry: StreamEntry) {
        if let index = entries.firstIndex(where: { $0.id == entry.id && $0.stream == entry.stream }) {
            entries.remove(at: index)
        }
    }
}

/// The heartbeat handed to a handler: refreshes this one entry's claim.
struct EntryClaim: ClaimHeartbeat {
    let control: RedisConnection
    let stream: String
    let group: String
    let consumer: String
    let id: String

    func refresh() async throws {
        let reply = try await control.run(.heartbeat([id], of: stream, group: group, consumer: consumer)).get()
        guard (reply.array ?? []).contains(where: { $0.string == id }) else {
            throw ClaimLostError(entryID: id, stream: stream)
        }
    }
}
