import StockroomCore
import StockroomRedis
import XCTest

/// Spread tags land the same number of partitions on each master of a cluster that splits its slots
/// evenly, as `redis-cli --cluster create` does.
final class PartitionTagsTests: XCTestCase {
    /// The slot ranges `redis-cli --cluster create` gives `masters` masters (its cursor arithmetic).
    private func masterRanges(_ masters: Int) -> [ClosedRange<Int>] {
        let perMaster = Double(HashSlot.count) / Double(masters)
        var ranges: [ClosedRange<Int>] = []
        var first = 0
        var cursor = 0.0
        for master in 0..<masters {
            var last = Int((cursor + perMaster - 1).rounded())
            if last > HashSlot.count || master == masters - 1 { last = HashSlot.count - 1 }
            last = max(last, first)
            ranges.append(first...last)
            first = last + 1
            cursor += perMaster
        }
        return ranges
    }

    private func spread(_ keys: KeySpace, over masters: Int) -> [Int] {
        let ranges = masterRanges(masters)
        var counts = [Int](repeating: 0, count: masters)
        for partition in 0..<keys.partitions {
            let slot = HashSlot.of(key: keys.skuNamesKey(partition: partition))
            counts[ranges.firstIndex { $0.contains(slot) }!] += 1
        }
        return counts
    }

    func testTwelveSpreadPartitionsLandEvenlyOnThreeAndSixMasters() {
        let keys = KeySpace(partitions: 12, tags: .spread)
        XCTAssertEqual(spread(keys, over: 3), [4, 4, 4])
        XCTAssertEqual(spread(keys, over: 6), [2, 2, 2, 2, 2, 2])
        XCTAssertEqual(spread(keys, over: 4), [3, 3, 3, 3])
    }

    func testNumberedTagsLandWhereCRC16PutsThem() {
        XCTAssertEqual(spread(KeySpace(partitions: 4), over: 3), [1, 1, 2])
        XCTAssertEqual(spread(KeySpace(partitions: 16), over: 3), [4, 5, 7])
        XCTAssertEqual(KeySpace(partitions: 4).skuNamesKey(partition: 3), "stockroom:{p3}:sku-names")
    }

    func testEverySpreadTagIsInTheMiddleOfItsRangeAndEveryKeyOfAPartitionSharesIt() {
        for partitions in [1, 4, 12, 16, 64, PartitionTags.maximumPartitions] {
            let keys = KeySpace(partitions: partitions, tags: .spread)
            let width = Double(HashSlot.count) / Double(partitions)
            for partition in 0..<partitions {
                let slot = Double(HashSlot.of(key: keys.skuKey("X", partition: partition)))
                let start = Double(partition) * width
                XCTAssertTrue((start + width / 4)..<(start + width * 3 / 4) ~= slot, "partition \(partition) of \(partitions)")
                XCTAssertEqual(HashSlot.of(key: keys.stream(.sales, partition: partition)), Int(slot))
            }
        }
        XCTAssertEqual(KeySpace(partitions: 12, tags: .spread).skuNamesKey(partition: 0).hasPrefix("stockroom:{p0-"), true)
    }
}
