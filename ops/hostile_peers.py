#!/usr/bin/env python3
"""Hostile peers against a running `stockroom serve`, for ops/hostile-test.

Each case misbehaves in one way, then checks what a reviewer asks of the server: it still answers a
normal client within 100 ms, its RSS stays bounded, and Redis holds exactly what it held before
(DEBUG DIGEST). Frames are made with the spec's own Python codec (proto-spec/tools/verify_vectors.py).
Prints one line per case and a summary; exits 1 if any case broke a rule.

Usage: hostile_peers.py HOST PORT SERVER_PID REDIS_PORT TOKEN
"""
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "proto-spec", "tools"))
import verify_vectors as codec  # noqa: E402

HOST, PORT, SERVER_PID, REDIS_PORT, TOKEN = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
RSS_LIMIT_MB = 400          # the whole server, 10,000 connections included
ANSWER_LIMIT_S = 0.100      # a normal client's PING and STOCK_GET, after each case
NORMAL_SOURCE = "127.0.0.2"  # the attackers use 127.0.0.1: their throttled address is not the normal client's
HELLO = codec.encode(1, {"opcode": "HELLO", "minVersion": 1, "maxVersion": 2, "clientName": "hostile"})


def ready(sock, event, timeout):
    """Whether `sock` becomes readable (select.POLLIN) or writable (POLLOUT) within `timeout` seconds.
    poll, not select: after 10,000 connections the descriptors are far above select's 1,024."""
    poller = select.poll()
    poller.register(sock, event)
    return bool(poller.poll(timeout * 1000))


def frame(request_id, value):
    return codec.encode(request_id, value)


def raw_frame(opcode, request_id, payload, flags=0):
    return struct.pack(">IBBI", 6 + len(payload), opcode, flags, request_id) + payload


def connect(source=None, timeout=5.0):
    sock = socket.create_connection((HOST, PORT), timeout=timeout, source_address=(source, 0) if source else None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_frames(sock, wanted=1, timeout=5.0):
    """Reads until `wanted` frames arrived or the server closed; returns (decoded frames, closed)."""
    data, frames, deadline = b"", [], time.monotonic() + timeout
    while len(frames) < wanted:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return frames, False
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return frames, False
        except ConnectionResetError:
            return frames, True
        if not chunk:
            return frames, True
        data += chunk
        parsed, data = parse(data)
        frames += parsed
    return frames, False


def parse(data):
    frames = []
    while len(data) >= 4:
        (length,) = struct.unpack_from(">I", data)
        if len(data) < 4 + length:
            break
        opcode, flags, request_id = struct.unpack_from(">BBI", data, 4)
        value = codec.decode_message("response", opcode, flags, data[10:4 + length])
        frames.append((request_id, value))
        data = data[4 + length:]
    return frames, data


def closed_by_server(sock, timeout=12.0):
    """Reads everything until EOF; returns (frames seen, closed within `timeout`)."""
    frames, closed = read_frames(sock, wanted=10**9, timeout=timeout)
    return frames, closed


def errors(frames):
    return ", ".join(f"{v.get('codeName', v['opcode'])}(id {i})" for i, v in frames) or "nothing"


def rss_mb():
    with open(f"/proc/{SERVER_PID}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def redis_digest():
    return subprocess.run(["redis-cli", "-p", REDIS_PORT, "DEBUG", "DIGEST"], capture_output=True, text=True,
                          check=True).stdout.strip()


def normal_client():
    """A well-behaved client from another address: HELLO, AUTH, then the time a PING and a STOCK_GET take."""
    sock = connect(source=NORMAL_SOURCE)
    try:
        sock.sendall(HELLO + frame(2, {"opcode": "AUTH", "token": TOKEN}))
        frames, _ = read_frames(sock, wanted=2)
        if len(frames) < 2 or frames[1][1]["opcode"] != "AUTH_OK":
            return None, f"handshake failed: {errors(frames)}"
        started = time.monotonic()
        sock.sendall(frame(3, {"opcode": "PING", "data": "6869"}) + frame(4, {"opcode": "STOCK_GET", "sku": "HOSTILE-1"}))
        frames, _ = read_frames(sock, wanted=2, timeout=2)
        elapsed = time.monotonic() - started
        if [v["opcode"] for _, v in sorted(frames, key=lambda f: f[0])] != ["PONG", "STOCK_INFO"]:
            return None, f"answers: {errors(frames)}"
        return elapsed, ""
    finally:
        sock.close()


# The cases: each returns a line saying what the server did.

def random_bytes():
    outcomes = []
    rng = random.Random(7)
    for size in (1, 10, 1000, 65536):
        sock = connect()
        sock.sendall(bytes(rng.getrandbits(8) for _ in range(size)))
        frames, closed = closed_by_server(sock)
        outcomes.append(f"{size} B: {errors(frames)}{', closed' if closed else ', OPEN'}")
        sock.close()
    return "; ".join(outcomes), all(o.endswith("closed") for o in outcomes)


def truncated_frames():
    sock = connect()
    sock.sendall(HELLO[:7])  # a HELLO cut inside its header, then nothing: the frame deadline closes it
    frames, closed = closed_by_server(sock, timeout=15)
    sock.close()
    cut = connect()
    cut.sendall(HELLO + frame(2, {"opcode": "PING", "data": "00" * 100})[:50])
    cut.close()  # gone mid-frame: the server just forgets it
    return f"HELLO cut after 7 bytes: {errors(frames)}{', closed' if closed else ', OPEN'}; a frame cut by close: forgotten", closed


def extreme_lengths():
    outcomes, ok = [], True
    for length in (0, 2**32 - 1):
        sock = connect()
        sock.sendall(struct.pack(">I", length) + b"\x01\x00\x00\x00\x00\x01")
        frames, closed = closed_by_server(sock)
        codes = [v.get("codeName") for _, v in frames]
        expected = "BAD_FRAME" if length == 0 else "FRAME_TOO_LARGE"
        ok = ok and closed and codes == [expected]
        outcomes.append(f"length {length}: {errors(frames)}{', closed' if closed else ', OPEN'}")
        sock.close()
    return "; ".join(outcomes), ok


def garbage_payloads():
    sock = connect()
    sock.sendall(HELLO + frame(2, {"opcode": "AUTH", "token": TOKEN}))
    read_frames(sock, wanted=2)
    rng = random.Random(11)
    sent = 0
    for request_id in range(10, 210):
        opcode = rng.choice([0x10, 0x11, 0x12, 0x13])
        sock.sendall(raw_frame(opcode, request_id, bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 200)))))
        sent += 1
    sock.sendall(frame(999, {"opcode": "PING", "data": "01"}))
    frames, closed = read_frames(sock, wanted=sent + 1, timeout=10)
    sock.close()
    codes = {}
    for _, value in frames:
        codes[value.get("codeName", value["opcode"])] = codes.get(value.get("codeName", value["opcode"]), 0) + 1
    still_open = any(v["opcode"] == "PONG" for _, v in frames)
    return f"{sent} garbage payloads: {codes}; PING after them answered: {still_open}", still_open and not closed


def unknown_opcodes_and_versions():
    sock = connect()
    sock.sendall(HELLO + frame(2, {"opcode": "AUTH", "token": TOKEN}))
    read_frames(sock, wanted=2)
    sock.sendall(raw_frame(0x7E, 3, b"x") + raw_frame(0x90, 4, b"") + frame(5, {"opcode": "PING", "data": ""}))
    frames, _ = read_frames(sock, wanted=3)
    sock.close()
    after_hello = [v.get("codeName", v["opcode"]) for _, v in sorted(frames, key=lambda f: f[0])]
    version = connect()
    version.sendall(codec.encode(1, {"opcode": "HELLO", "minVersion": 9, "maxVersion": 12, "clientName": "future"}))
    vframes, closed = closed_by_server(version)
    version.close()
    ok = after_hello == ["UNKNOWN_OPCODE", "UNKNOWN_OPCODE", "PONG"] and closed
    return f"opcodes 0x7E, 0x90: {after_hello}; versions 9-12: {errors(vframes)}{', closed' if closed else ', OPEN'}", ok


def never_reads():
    sock = connect()
    sock.sendall(HELLO + frame(2, {"opcode": "AUTH", "token": TOKEN}))
    read_frames(sock, wanted=2)
    sock.setblocking(False)
    ping = frame(3, {"opcode": "PING", "data": "61" * 60_000})
    data = ping * 10_000
    sent, deadline, stalled = 0, time.monotonic() + 20, False
    while sent < len(data) and time.monotonic() < deadline:
        if not ready(sock, select.POLLOUT, 2.0):
            stalled = True
            break
        try:
            sent += sock.send(data[sent:sent + 65536])
        except BlockingIOError:
            continue
    rss = rss_mb()
    sock.close()
    frames_taken = sent // len(ping)
    return (f"10,000 PINGs of 60 KB, answers never read: the server took {frames_taken} and stopped reading "
            f"(stalled: {stalled}); server RSS {rss:.0f} MB"), stalled and frames_taken < 10_000


def idle_connections():
    sockets, refused = [], 0
    for _ in range(10_000):
        try:
            sockets.append(connect(timeout=10))
        except OSError:
            refused += 1
    rss = rss_mb()
    elapsed, problem = normal_client()
    # The handshake deadline closes them: count how many the server closed within its deadline + slack.
    poller, by_fd = select.poll(), {}
    for sock in sockets:
        sock.setblocking(False)
        poller.register(sock, select.POLLIN)
        by_fd[sock.fileno()] = sock
    deadline, closed = time.monotonic() + 20, 0
    while by_fd and time.monotonic() < deadline:
        for fd, _ in poller.poll(500):
            try:
                gone = not by_fd[fd].recv(65536)
            except BlockingIOError:
                gone = False
            except OSError:
                gone = True
            if gone:
                poller.unregister(fd)
                del by_fd[fd]
                closed += 1
    for sock in sockets:
        sock.close()
    during = f"{elapsed * 1000:.1f} ms" if elapsed is not None else f"FAILED ({problem})"
    ok = elapsed is not None and elapsed < ANSWER_LIMIT_S and closed == len(sockets)
    return (f"{len(sockets)} idle connections ({refused} refused): server RSS {rss:.0f} MB, a normal client meanwhile "
            f"{during}; all closed at the handshake deadline: {closed}/{len(sockets)}"), ok


def one_byte_every_two_seconds():
    sock = connect()
    started, closed = time.monotonic(), False
    for byte in HELLO:
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            closed = True
            break
        if ready(sock, select.POLLIN, 2.0):
            frames, closed = closed_by_server(sock, timeout=1)
            break
    else:
        frames = []
    sock.close()
    return f"one byte every 2 s: {errors(frames)}, closed after {time.monotonic() - started:.0f} s", closed


def wrong_auths():
    counts, attempts, started = {}, 0, time.monotonic()
    while attempts < 10_000 and time.monotonic() - started < 30:
        sock = connect()
        sock.sendall(HELLO)
        read_frames(sock, wanted=1)
        closed = False
        while not closed and attempts < 10_000:
            attempts += 1
            sock.sendall(frame(attempts + 1, {"opcode": "AUTH", "token": f"sr_guess{attempts}"}))
            frames, closed = read_frames(sock, wanted=1, timeout=2)
            message = frames[0][1].get("message", "") if frames else "no answer"
            kind = "throttled" if "too many" in message else "closes" if "close" in message else "refused"
            counts[kind] = counts.get(kind, 0) + 1
            if kind != "refused":
                closed = True
        sock.close()
    elapsed = time.monotonic() - started
    return (f"{attempts} wrong AUTHs in {elapsed:.1f} s ({attempts / elapsed:.0f}/s): {counts}"), counts.get("throttled", 0) > 0


CASES = [
    ("random bytes", random_bytes),
    ("truncated frames", truncated_frames),
    ("lengths 0 and 2^32-1", extreme_lengths),
    ("garbage payloads", garbage_payloads),
    ("unknown opcodes and versions", unknown_opcodes_and_versions),
    ("a sender that never reads", never_reads),
    ("10,000 idle connections", idle_connections),
    ("one byte every 2 s", one_byte_every_two_seconds),
    ("10,000 wrong AUTHs", wrong_auths),
]


def main():
    digest = redis_digest()
    failures = 0
    for name, case in CASES:
        description, behaved = case()
        elapsed, problem = normal_client()
        rss = rss_mb()
        same = redis_digest() == digest
        ok = behaved and elapsed is not None and elapsed < ANSWER_LIMIT_S and rss < RSS_LIMIT_MB and same
        failures += 0 if ok else 1
        answer = f"{elapsed * 1000:.1f} ms" if elapsed is not None else f"FAILED ({problem})"
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {description} | normal client {answer}, RSS {rss:.0f} MB, "
              f"Redis {'unchanged' if same else 'CHANGED'}", flush=True)
    print(f"hostile: {len(CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
