import Logging
import StockroomCore
import StockroomPipeline
import StockroomRedis

/// The `factory` group on `stock-empty`: places the order the purchase script opened with the
/// legacy factory, once.
///
/// Idempotent by our order reference: a redelivered entry whose order the factory already took
/// does nothing. A failed call is recorded (`attempts`, `last_error`) and rethrown, so the entry
/// stays pending and is retried. If the factory took the order but its answer was lost, the retry
/// orders again; the warehouse applies only the first delivery of the reference.
public struct FactoryOrderHandler: EntryHandler {
    private let keys: KeySpace
    private let redis: RedisConnection
    private let client: FactoryClient
    private let logger: Logger

    public init(keys: KeySpace, redis: RedisConnection, client: FactoryClient, logger: Logger) {
        self.keys = keys
        self.redis = redis
        self.client = client
        self.logger = logger
    }

    public func handle(_ entry: StreamEntry, heartbeat: any ClaimHeartbeat) async throws {
        let event = try StockEmptyEvent(entry)
        let order = event.order.description
        var logger = logger
        logger[metadataKey: "sr.sku"] = "\(event.sku)"
        logger[metadataKey: "sr.order"] = "\(order)"
        logger[metadataKey: "sr.entry"] = "\(entry.id)"
        let orderKey = keys.orderKey(order, partition: keys.partition(of: event.sku))

        let status = try await redis.send(["HGET", orderKey, "status"]).get().string
        if status != nil {
            logger.debug("factory order already placed", metadata: ["sr.order.status": "\(status ?? "")"])
            return
        }

        let request = client.makeRequest(sku: event.sku, quantity: event.reorderQuantity, order: order)
        let acknowledgement: FactoryAcknowledgement
        do {
            acknowledgement = try await withHeartbeat(heartbeat, logger: logger) { [client] in
                try await client.placeOrder(request)
            }
        } catch {
            let failure = (error as? FactoryError) ?? FactoryClient.classify(error)
            await recordFailure(failure, orderKey: orderKey, event: event, logger: logger)
            logger.warning(
                "factory call failed; the order stays pending",
                metadata: ["sr.error": "\(failure)", "sr.deliveries": "\(entry.deliveries)"]
            )
            throw failure
        }

        let reply = try await redis.evalScript(
            FactoryScripts.recordOrderRequested,
            keys: [orderKey],
            arguments: [event.sku, String(event.reorderQuantity), acknowledgement.id]
        ).get()
        let answer = try ScriptStatusReply(reply, script: FactoryScripts.recordOrderRequested.name)
        logger.info(
            "factory order placed",
            metadata: [
                "sr.factory.id": "\(acknowledgement.id)", "sr.quantity": "\(event.reorderQuantity)",
                "sr.order.record": "\(answer.status)", "sr.attempts": "\(answer.integer(0) ?? 0)",
            ]
        )
    }

    /// Best effort: the entry stays pending whether or not the failure could be written down.
    private func recordFailure(_ failure: FactoryError, orderKey: String, event: StockEmptyEvent, logger: Logger) async {
        do {
            _ = try await redis.evalScript(
                FactoryScripts.recordOrderFailure,
                keys: [orderKey],
                arguments: [
                    event.sku, String(event.reorderQuantity), failure.code.description,
                    String(failure.message.prefix(500)),
                ]
            ).get()
        } catch {
            logger.warning("cannot record the failed factory call", metadata: ["sr.error": "\(error)"])
        }
    }

    /// Runs `body` while refreshing the entry's claim, so a slow factory does not get the entry
    /// handed to another consumer mid-call.
    private func withHeartbeat<T: Sendable>(
        _ heartbeat: any ClaimHeartbeat,
        logger: Logger,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let interval = client.configuration.heartbeatInterval
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: interval)
                    } catch {
                        return nil
                    }
                    do {
                        try await heartbeat.refresh()
                    } catch {
                        // The call goes on: at worst another consumer retries and the arrival deduplicates.
                        logger.warning("cannot refresh the claim on the entry", metadata: ["sr.error": "\(error)"])
                    }
                }
                return nil
            }
            group.addTask { try await body() }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw CancellationError()
        }
    }
}
