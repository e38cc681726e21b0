import Foundation

/// Where the harness's lines go: straight to stdout, unbuffered, so progress lines appear as they
/// happen even when stdout is a pipe (ops/bench's `tee`), and in the order they were made.
public enum Console {
    public static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
