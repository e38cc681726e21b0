import AsyncHTTPClient
import LegacyFactoryAPI
import Logging
import NIOCore

/// Places orders with the legacy factory over HTTP, within the configured concurrency and rate.
///
/// Every failure is a `FactoryError`. A timeout or a broken connection does not mean the factory
/// missed the order: the arrival side deduplicates by our order reference, so retrying is safe.
public final class FactoryClient: Sendable {
    public let configuration: FactoryConfiguration
    private let httpClient: HTTPClient
    private let ownsHTTPClient: Bool
    private let limiter: CallLimiter
    private let metrics: FactoryMetrics
    private let logger: Logger

    /// The largest answer we read from the factory.
    static let maximumResponseBytes = 1 << 20

    /// - Parameter httpClient: shared client; nil makes one of our own, shut down by `shutdown()`.
    public init(
        configuration: FactoryConfiguration,
        httpClient: HTTPClient? = nil,
        metrics: FactoryMetrics = FactoryMetrics(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.httpClient = httpClient ?? HTTPClient(eventLoopGroupProvider: .singleton)
        self.ownsHTTPClient = httpClient == nil
        self.limiter = CallLimiter(
            maxConcurrent: configuration.maxConcurrentCalls,
            ratePerSecond: configuration.maxCallsPerSecond
        )
        self.metrics = metrics
        self.logger = logger
    }

    /// Shuts down the HTTP client if this client made it.
    public func shutdown() async throws {
        if ownsHTTPClient {
            try await httpClient.shutdown()
        }
    }

    /// The message for `quantity` of `sku` under our order reference `order`, whose callback carries `token`.
    public func makeRequest(sku: String, quantity: Int, order: String, token: String) -> FactoryOrderRequest {
        FactoryOrderRequest(
            messageGroupID: configuration.messageGroupID,
            productID: sku,
            productCount: quantity,
            factoryID: configuration.factoryID,
            requester: configuration.requester,
            callbackURL: configuration.callbackURL(for: order, token: token)
        )
    }

    /// Sends one order and returns the factory's acknowledgement (its id for the order).
    public func placeOrder(_ order: FactoryOrderRequest) async throws(FactoryError) -> FactoryAcknowledgement {
        guard order.productCount >= 1 else {
            throw FactoryError(.invalidArgument, "the factory makes at least 1, asked for \(order.productCount)")
        }
        let body: [UInt8]
        do {
            body = try order.jsonBytes()
        } catch {
            throw FactoryError(.invalidArgument, "cannot encode the order", underlying: error)
        }
        do {
            return try await limiter.withPermit {
                try await timedCall(body: body, sku: order.productID)
            }
        } catch let error as FactoryError {
            throw error
        } catch {
            // Only the limiter's wait throws anything else: cancellation.
            throw FactoryError(.cancelled, "cancelled while waiting for a free factory slot", underlying: error)
        }
    }

    private func timedCall(body: [UInt8], sku: String) async throws(FactoryError) -> FactoryAcknowledgement {
        let started = ContinuousClock.now
        do {
            let acknowledgement = try await call(body: body)
            metrics.recordCall(since: started)
            metrics.callsSucceeded.increment()
            return acknowledgement
        } catch {
            metrics.recordCall(since: started)
            metrics.callFailed(error.code)
            logger.debug(
                "factory call failed",
                metadata: ["sr.sku": "\(sku)", "sr.error": "\(error)", "sr.error.code": "\(error.code)"]
            )
            throw error
        }
    }

    private func call(body: [UInt8]) async throws(FactoryError) -> FactoryAcknowledgement {
        var request = HTTPClientRequest(url: configuration.orderURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(body)
        let timeout = TimeAmount(configuration.requestTimeout)
        let deadline = NIODeadline.now() + timeout
        let status: UInt
        let answer: ByteBuffer
        do {
            let response = try await httpClient.execute(request, deadline: deadline, logger: logger)
            status = response.status.code
            answer = try await response.body.collect(upTo: Self.maximumResponseBytes)
        } catch {
            throw Self.classify(error)
        }
        let text = String(buffer: answer)
        guard (200..<300).contains(status) else {
            let code: FactoryError.Code = status == 503 || status == 429 ? .overloaded : .rejected
            throw FactoryError(code, "the factory answered \(status): \(text.prefix(200))", status: Int(status))
        }
        do {
            return try FactoryAcknowledgement.decode(answer.readableBytesView)
        } catch {
            throw FactoryError(
                .invalidResponse, "the factory answered \(status) without data.id: \(text.prefix(200))",
                status: Int(status), underlying: error
            )
        }
    }

    static func classify(_ error: any Error) -> FactoryError {
        if let error = error as? FactoryError { return error }
        if error is CancellationError {
            return FactoryError(.cancelled, "cancelled during the factory call", underlying: error)
        }
        if let httpError = error as? HTTPClientError {
            let timeouts: [HTTPClientError] = [
                .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout,
            ]
            if timeouts.contains(httpError) {
                return FactoryError(.timeout, "no answer from the factory in time", underlying: error)
            }
            if httpError == .cancelled {
                return FactoryError(.cancelled, "cancelled during the factory call", underlying: error)
            }
            if [HTTPClientError.invalidURL, .emptyHost, .emptyScheme].contains(httpError) {
                return FactoryError(.invalidArgument, "bad factory URL", underlying: error)
            }
            return FactoryError(.connectionFailed, "the factory call failed: \(httpError)", underlying: error)
        }
        return FactoryError(.connectionFailed, "cannot reach the factory: \(error)", underlying: error)
    }
}
