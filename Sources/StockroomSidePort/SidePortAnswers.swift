import Hummingbird

/// The side port's JSON answers, encoded by Hummingbird's response encoder.
struct ArrivalAccepted: ResponseEncodable {
    var status = "accepted"
    /// The stock-arrival entry's id in its partition's stream.
    var entry: String
    var order: String
}

/// Every refusal: a code a script can switch on and a message for people.
struct SidePortRefusal: ResponseEncodable {
    var code: String
    var error: String
}
