/// Upper-case, zero-padded hexadecimal for the `…_0x1234` names of unknown codes.
///
/// - Parameters:
///   - value: The number to format.
///   - digits: The minimum number of digits; shorter results are left-padded with zeros.
/// - Returns: The hexadecimal digits, without a `0x` prefix.
func hex(_ value: some BinaryInteger & UnsignedInteger, digits: Int) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}
