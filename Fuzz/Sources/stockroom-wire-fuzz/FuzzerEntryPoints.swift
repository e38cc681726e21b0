import CLibFuzzer
import NIOCore

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The target of this run; `main` sets it before libFuzzer's first input and never again.
nonisolated(unsafe) var selectedTarget = WireFuzzTarget.frameStream

/// Picks the target named by `STOCKROOM_FUZZ_TARGET` (`list` prints the names), then hands the command line
/// to libFuzzer. The main is ours, not libFuzzer's, because SwiftPM links every executable's entry point as
/// `main`.
@main
enum StockroomWireFuzz {
    static func main() {
        let names = WireFuzzTarget.all.map(\.name)
        let name = getenv("STOCKROOM_FUZZ_TARGET").map { String(cString: $0) }
        if name == "list" {
            print(names.joined(separator: "\n"))
            return
        }
        guard let target = name.flatMap(WireFuzzTarget.init(name:)) else {
            var message = "stockroom-wire-fuzz: set STOCKROOM_FUZZ_TARGET to one of: \(names.joined(separator: " "))\n"
            message.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
            exit(2)
        }
        selectedTarget = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    do {
        _ = try selectedTarget.check(ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size)))
    } catch {
        // A trap is what libFuzzer counts as a crash: it saves the input and stops.
        fatalError("\(selectedTarget.name): \(error)")
    }
    return 0
}
