/// How the simulated legacy factory behaves.
public struct FactorySimulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port; `FactorySimulator.listening` tells which.
    public var port = 7490
    /// Production time, from the order to the callback. The original takes four steps 10 s apart.
    public var delay: Duration = .seconds(40)
    /// Share of orders refused with an injected failure, from 0 to 1.
    public var failRate = 0.0
    /// Share of injected failures that are timeouts (the request is held, then answered 500 late);
    /// the rest are immediate 500s.
    public var timeoutShare = 0.5
    /// How long a "timeout" holds the request: longer than the client's timeout, but bounded.
    public var timeoutHold: Duration = .seconds(15)
    /// Orders in production at once; past it the factory answers 503.
    public var maxConcurrent = 16
    /// Whether finished orders call back `CallbackUrl`.
    public var callbacks = true
    /// Share of accepted orders, from 0 to 1, that are answered 201 and produced but never called
    /// back: the lost callback the original's one-shot, no-retry callback makes possible.
    public var dropCallbackRate = 0.0
    /// Bounds each callback; the factory ignores the answer and never retries.
    public var callbackTimeout: Duration = .seconds(5)

    public init() {}
}
