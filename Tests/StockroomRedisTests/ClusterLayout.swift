// ClusterLayout: a test's view of a real cluster (who serves which slots), read from one node
// without routing, and the node-by-node commands that tests use to move slots around.

import TestSupport
import XCTest

@testable import StockroomRedis

struct ClusterLayout {
    let topology: ClusterTopology

    /// The topology as the first seed that answers sees it.
    static func read(_ seedURL: String) async throws -> ClusterLayout {
        var lastError: (any Error)?
        for seed in try RedisConfiguration(url: seedURL).seeds {
            do {
                let reply = try await withClusterNode(port: seed.port) { try await $0.send(["CLUSTER", "SHARDS"]).get() }
                return ClusterLayout(topology: try ClusterTopology(shardsReply: reply))
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestSupportError("no seed in \(seedURL)")
    }

    var masters: [RedisNodeAddress] { self.topology.masters }
    var allNodes: [RedisNodeAddress] { self.topology.masters + self.topology.replicas }

    func master(ofSlot slot: Int) -> RedisNodeAddress? {
        self.topology.shards.first { shard in shard.slots.contains { $0.contains(slot) } }?.master
    }

    func replicas(of master: RedisNodeAddress) -> [RedisNodeAddress] {
        self.topology.shards.first { $0.master == master }?.replicas ?? []
    }

    /// `{<prefix><n>}`, with an `n` chosen so that `master` serves the key's slot. Keys made by
    /// appending to it share its slot; the prefix in the tag keeps other tests out of that slot.
    func key(_ prefix: String, servedBy master: RedisNodeAddress) -> String {
        for index in 0... {
            let key = "{\(prefix)\(index)}"
            if self.master(ofSlot: HashSlot.of(key: key)) == master {
                return key
            }
        }
        preconditionFailure("unreachable: the loop only ends by returning")
    }

    /// For a test that moves a slot: a key of its own served by `masters[from]`, that key's slot, and
    /// the master `masters[to]` it will move to.
    func slotMove(_ prefix: String, from: Int, to: Int) -> (source: RedisNodeAddress, target: RedisNodeAddress, key: String, slot: Int) {
        let key = self.key(prefix, servedBy: self.masters[from])
        return (self.masters[from], self.masters[to], key, HashSlot.of(key: key))
    }

    /// One key per master, in the order of ``masters``.
    func keysOnEveryMaster(_ prefix: String) -> [String] {
        self.masters.map { self.key(prefix, servedBy: $0) }
    }
}

/// What one node says about itself and its slots, sent to that node alone.
enum ClusterAdmin {
    static func nodeID(_ node: RedisNodeAddress) async throws -> String {
        try await withClusterNode(port: node.port) { try await $0.send(["CLUSTER", "MYID"]).get().string ?? "" }
    }

    static func processID(_ node: RedisNodeAddress) async throws -> Int32 {
        try await redisProcessID(port: node.port)
    }

    /// How many times `node` ran `command` (INFO commandstats).
    static func calls(of command: String, on node: RedisNodeAddress) async throws -> Int {
        let info = try await withClusterNode(port: node.port) { try await $0.send(["INFO", "commandstats"]).get().string ?? "" }
        let prefix = "cmdstat_\(command.lowercased()):calls="
        guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix(prefix) }) else { return 0 }
        return Int(line.dropFirst(prefix.count).prefix(while: \.isNumber)) ?? 0
    }

    static func send(_ arguments: [String], to node: RedisNodeAddress) async throws -> RESPValue {
        try await withClusterNode(port: node.port) { try await $0.send(arguments).get() }
    }

    /// Starts moving `slot` from `source` to `target` (IMPORTING on the target, MIGRATING on the source).
    static func beginMigration(slot: Int, from source: RedisNodeAddress, to target: RedisNodeAddress) async throws {
        let (sourceID, targetID) = (try await nodeID(source), try await nodeID(target))
        _ = try await send(["CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID], to: target)
        _ = try await send(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID], to: source)
    }

    /// MIGRATE of `keys` from `source` to `target`.
    static func migrate(_ keys: [String], from source: RedisNodeAddress, to target: RedisNodeAddress) async throws {
        _ = try await send(["MIGRATE", target.host, String(target.port), "", "0", "5000", "KEYS"] + keys, to: source)
    }

    /// Ends a migration: `target` owns `slot` (told to the target first, as the spec says, then to every master).
    static func assign(slot: Int, to target: RedisNodeAddress, masters: [RedisNodeAddress]) async throws {
        let targetID = try await nodeID(target)
        _ = try await send(["CLUSTER", "SETSLOT", String(slot), "NODE", targetID], to: target)
        for master in masters where master != target {
            _ = try await send(["CLUSTER", "SETSLOT", String(slot), "NODE", targetID], to: master)
        }
    }

    /// Moves `slot` from `source` to `target` in two halves and back again, whatever happens: `during`
    /// runs while only `movedFirst` has moved (the slot MIGRATING on the source, IMPORTING on the
    /// target), `after` once every one of `keys` has moved and the target owns the slot; then the slot
    /// goes back to the source with its keys.
    static func withHalfMigratedSlot(
        _ slot: Int,
        keys: [String],
        movedFirst: [String],
        from source: RedisNodeAddress,
        to target: RedisNodeAddress,
        masters: [RedisNodeAddress],
        during: () async throws -> Void,
        after: () async throws -> Void
    ) async throws {
        try await beginMigration(slot: slot, from: source, to: target)
        var failure: (any Error)?
        do {
            try await migrate(movedFirst, from: source, to: target)
            try await during()
        } catch {
            failure = error
        }
        // MIGRATE skips the keys the source does not have.
        try await migrate(keys, from: source, to: target)
        try await assign(slot: slot, to: target, masters: masters)
        if failure == nil {
            do {
                try await after()
            } catch {
                failure = error
            }
        }
        try await moveSlot(slot, keys: keys, from: target, to: source, masters: masters)
        if let failure { throw failure }
    }

    /// Moves `slot` with its `keys` from `source` to `target`, start to end.
    static func moveSlot(_ slot: Int, keys: [String], from source: RedisNodeAddress, to target: RedisNodeAddress, masters: [RedisNodeAddress])
        async throws
    {
        try await beginMigration(slot: slot, from: source, to: target)
        if !keys.isEmpty {
            try await migrate(keys, from: source, to: target)
        }
        try await assign(slot: slot, to: target, masters: masters)
    }
}

/// `XCTAssertEqual` for a value that takes `await` to get: XCTest's autoclosures cannot await, so
/// the value arrives evaluated.
func XCTAssertEqualAwaited<T: Equatable>(
    _ actual: T,
    _ expected: T,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath,
    line: UInt = #line
) {
    XCTAssertEqual(actual, expected, message(), file: file, line: line)
}
