import Hummingbird

/// The side port's JSON answers, encoded by Hummingbird's response encoder.
struct ArrivalAnswer: ResponseEncodable {
    /// `accepted`, or `duplicate` for a repeat of a delivered order's callback (nothing appended).
    var status: String
    /// The stock-arrival entry's id in its partition's stream; absent for a duplicate.
    var entry: String?
    var order: String
}

/// Every refusal: a code a script can switch on and a message for people.
struct SidePortRefusal: ResponseEncodable {
    var code: String
    var error: String
}
