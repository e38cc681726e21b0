#!/usr/bin/env python3
"""Check vectors.json against an independent Python reading of README.md.

This decoder and encoder are written from the spec's prose alone (struct, big-endian), not from the Swift
codec, so a vector that passes here and in the Swift tests means the prose, the bytes and the Swift code agree.
It doubles as a compact reference implementation for client writers.

Usage: python3 proto-spec/tools/verify_vectors.py [path/to/vectors.json]
"""
import json
import os
import struct
import sys

REQUESTS = {0x01: "HELLO", 0x02: "AUTH", 0x03: "PING", 0x10: "PURCHASE", 0x11: "STOCK_GET", 0x12: "STOCK_SET",
            0x13: "STOCK_ADJUST"}
RESPONSES = {0x81: "HELLO_OK", 0x82: "AUTH_OK", 0x83: "PONG", 0x90: "PURCHASE_RESULT", 0x91: "STOCK_INFO",
             0xFF: "ERROR"}
OPCODES = {name: code for code, name in {**REQUESTS, **RESPONSES}.items()}
ERROR_NAMES = {0x0001: "BAD_FRAME", 0x0002: "FRAME_TOO_LARGE", 0x0003: "UNKNOWN_OPCODE",
               0x0004: "UNSUPPORTED_VERSION", 0x0005: "HELLO_REQUIRED", 0x0010: "UNAUTHENTICATED",
               0x0011: "FORBIDDEN", 0x0020: "UNKNOWN_SKU", 0x0021: "INVALID_ARGUMENT",
               0x0030: "BACKEND_UNAVAILABLE", 0x0031: "OVERLOADED", 0x0032: "SHUTTING_DOWN", 0x00FF: "INTERNAL"}
ROLES = {1: "SALES", 2: "ADMIN", 3: "OPS"}
OUTCOMES = {1: "SOLD", 2: "OUT_OF_STOCK"}


class WireError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def error_name(code):
    return ERROR_NAMES.get(code, "ERROR_0x%04X" % code)


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise WireError("BAD_FRAME")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int(self, fmt):
        return struct.unpack(">" + fmt, self.take(struct.calcsize(fmt)))[0]

    def bits(self, defined):
        value = self.int("B")
        if value & ~defined & 0xFF:
            raise WireError("BAD_FRAME")
        return value

    def enum(self, names):
        value = self.int("B")
        if value not in names:
            raise WireError("BAD_FRAME")
        return names[value]

    def str16(self, max_length=0xFFFF):
        length = self.int("H")
        if length > max_length:
            raise WireError("BAD_FRAME")
        try:
            return self.take(length).decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise WireError("BAD_FRAME")

    def rest(self):
        return self.take(len(self.data) - self.pos)


def decode_payload(name, r):
    if name == "HELLO":
        return {"minVersion": r.int("H"), "maxVersion": r.int("H"), "clientName": r.str16(255)}
    if name == "AUTH":
        return {"token": r.str16()}
    if name in ("PING", "PONG"):
        return {"data": r.rest().hex()}
    if name == "PURCHASE":
        return {"sku": r.str16(), "quantity": r.int("I"), "purchaseID": r.str16(), "customer": r.str16()}
    if name == "STOCK_GET":
        return {"sku": r.str16()}
    if name == "STOCK_SET":
        value = {"sku": r.str16(), "stock": r.int("q")}
        present, point, quantity = r.bits(0x03), r.int("q"), r.int("q")
        if present & 0x01:
            value["reorderPoint"] = point
        if present & 0x02:
            value["reorderQuantity"] = quantity
        return value
    if name == "STOCK_ADJUST":
        return {"sku": r.str16(), "delta": r.int("q")}
    if name == "HELLO_OK":
        value = {"version": r.int("H"), "maxFrameLength": r.int("I"),
                 "authenticationRequired": bool(r.bits(0x01)), "serverName": r.str16()}
        if value["version"] >= 2:
            value["maxInFlight"] = r.int("I")
        return value
    if name == "AUTH_OK":
        return {"role": r.enum(ROLES)}
    if name == "PURCHASE_RESULT":
        return {"outcome": r.enum(OUTCOMES), "replay": bool(r.bits(0x01)), "stock": r.int("q")}
    if name == "STOCK_INFO":
        value = {"sku": r.str16(), "stock": r.int("q"), "reorderPoint": r.int("q"), "reorderQuantity": r.int("q")}
        open_order = r.str16()
        if open_order:
            value["openOrder"] = open_order
        return value
    if name == "ERROR":
        code = r.int("H")
        return {"code": code, "codeName": error_name(code), "message": r.str16()}
    raise AssertionError(name)


def split_frames(data, max_frame_length):
    """Frame stage: yields (opcode, flags, request id, payload); raises WireError for a bad length field."""
    pos = 0
    while pos < len(data):
        if len(data) - pos < 4:
            raise AssertionError("stream ends inside a length field")
        (length,) = struct.unpack_from(">I", data, pos)
        if length > max_frame_length:
            raise WireError("FRAME_TOO_LARGE")
        if length < 6:
            raise WireError("BAD_FRAME")
        if len(data) - pos - 4 < length:
            raise AssertionError("stream ends inside a frame")
        opcode, flags, request_id = struct.unpack_from(">BBI", data, pos + 4)
        yield opcode, flags, request_id, data[pos + 10:pos + 4 + length]
        pos += 4 + length


def decode_message(kind, opcode, flags, payload):
    """Message stage, in the spec's order: flags, opcode, fields, trailing bytes."""
    if flags != 0:
        raise WireError("BAD_FRAME")
    names = REQUESTS if kind == "request" else RESPONSES
    if opcode not in names:
        raise WireError("UNKNOWN_OPCODE")
    reader = Reader(payload)
    value = {"opcode": names[opcode], **decode_payload(names[opcode], reader)}
    if reader.pos != len(payload):
        raise WireError("BAD_FRAME")
    return value


def str16(text):
    data = text.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def encode(request_id, value):
    name = value["opcode"]
    if name == "HELLO":
        payload = struct.pack(">HH", value["minVersion"], value["maxVersion"]) + str16(value["clientName"])
    elif name == "AUTH":
        payload = str16(value["token"])
    elif name in ("PING", "PONG"):
        payload = bytes.fromhex(value["data"])
    elif name == "PURCHASE":
        payload = (str16(value["sku"]) + struct.pack(">I", value["quantity"]) + str16(value["purchaseID"])
                   + str16(value["customer"]))
    elif name == "STOCK_GET":
        payload = str16(value["sku"])
    elif name == "STOCK_SET":
        present = (0x01 if "reorderPoint" in value else 0) | (0x02 if "reorderQuantity" in value else 0)
        payload = str16(value["sku"]) + struct.pack(">qBqq", value["stock"], present, value.get("reorderPoint", 0),
                                                    value.get("reorderQuantity", 0))
    elif name == "STOCK_ADJUST":
        payload = str16(value["sku"]) + struct.pack(">q", value["delta"])
    elif name == "HELLO_OK":
        payload = struct.pack(">HIB", value["version"], value["maxFrameLength"],
                              1 if value["authenticationRequired"] else 0) + str16(value["serverName"])
        if value["version"] >= 2:
            payload += struct.pack(">I", value["maxInFlight"])
    elif name == "AUTH_OK":
        payload = struct.pack(">B", {v: k for k, v in ROLES.items()}[value["role"]])
    elif name == "PURCHASE_RESULT":
        payload = struct.pack(">BBq", {v: k for k, v in OUTCOMES.items()}[value["outcome"]],
                              1 if value["replay"] else 0, value["stock"])
    elif name == "STOCK_INFO":
        payload = (str16(value["sku"]) + struct.pack(">qqq", value["stock"], value["reorderPoint"],
                                                     value["reorderQuantity"]) + str16(value.get("openOrder", "")))
    elif name == "ERROR":
        payload = struct.pack(">H", value["code"]) + str16(value["message"])
    else:
        raise AssertionError(name)
    return struct.pack(">IBBI", 6 + len(payload), OPCODES[name], 0, request_id) + payload


def main():
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vectors", "vectors.json")
    path = sys.argv[1] if len(sys.argv) > 1 else default
    with open(path, encoding="utf-8") as handle:
        spec = json.load(handle)
    limit, failures = spec["maxFrameLength"], []

    for vector in spec["valid"]:
        data = bytes.fromhex(vector["hex"])
        frames = list(split_frames(data, limit))
        opcode, flags, request_id, payload = frames[0]
        decoded = decode_message(vector["kind"], opcode, flags, payload)
        if len(frames) != 1 or request_id != vector["requestID"] or decoded != vector["value"]:
            failures.append("%s: decodes to %r (request id %d)" % (vector["name"], decoded, request_id))
        if encode(vector["requestID"], vector["value"]) != data:
            failures.append("%s: encodes to %s" % (vector["name"], encode(vector["requestID"], vector["value"]).hex()))

    for vector in spec["invalid"]:
        stage = "frame"
        try:
            for opcode, flags, request_id, payload in split_frames(bytes.fromhex(vector["hex"]), limit):
                stage = "message"
                if request_id != vector.get("requestID"):
                    failures.append("%s: request id %d" % (vector["name"], request_id))
                decode_message(vector["kind"], opcode, flags, payload)
            failures.append("%s: decoded without error" % vector["name"])
        except WireError as error:
            if (error.code, stage) != (vector["error"], vector["stage"]):
                failures.append("%s: %s at the %s stage" % (vector["name"], error.code, stage))

    failed = {failure.split(":")[0] for failure in failures}
    for failure in failures:
        print("FAIL", failure)
    print("%d passed, %d failed" % (len(spec["valid"]) + len(spec["invalid"]) - len(failed), len(failed)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
