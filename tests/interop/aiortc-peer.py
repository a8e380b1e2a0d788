#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One aiortc data channel peer that speaks weft-dc-peer's signalling.

Signalling is JSON, one object per line, on stdin (from the other peer) and
stdout (to it): {"type":"offer"|"answer","sdp":...},
{"type":"candidate","candidate":...,"sdpMid":...,"sdpMLineIndex":...} and
{"type":"end-of-candidates"}.  Results go to stdout as {"type":"open",...} and
{"type":"result",...}; diagnostics to stderr.

Modes (as in weft-dc-peer, plus "types"):
  echo   send every message back until the channel closes
  ping   --count N messages of --size bytes, one at a time
  send   --megabytes M in --size byte messages, then a "done" text message
         with weft-dc-peer's checksum; waits for "verified"
  recv   checks the data against the checksum and confirms
  types  sends text, binary, empty text, empty binary, non-ASCII text and a
         message of --size bytes; checks that each comes back unchanged and
         of the same kind (the other side echoes)

aioice is limited to 127.0.0.1 and no STUN server is used, so every packet
stays on the loopback interface.  The run is bounded by --timeout.
"""
import argparse
import asyncio
import json
import os
import statistics
import struct
import sys
import time

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

HIGH_WATER = 1024 * 1024
LOW_WATER = 256 * 1024
WARMUP = 20
FNV_PRIME = 0x100000001B3
FNV_OFFSET = 0xCBF29CE484222325
MASK = (1 << 64) - 1


def checksum_update(h, data):
    """weft-dc-peer's checksum: FNV-1a over little-endian 64-bit words, then the tail bytes."""
    n = len(data) // 8 * 8
    for (w,) in struct.iter_unpack("<Q", data[:n]):
        h = ((h ^ w) * FNV_PRIME) & MASK
    for b in data[n:]:
        h = ((h ^ b) * FNV_PRIME) & MASK
    return h


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def log(*args):
    print("aiortc-peer:", *args, file=sys.stderr, flush=True)


class Peer:
    def __init__(self, args):
        self.args = args
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.channel = None
        self.finished = asyncio.get_running_loop().create_future()
        self.start = time.perf_counter()
        self.remote_set = False
        self.peer_ready = asyncio.Event()
        self.pending = []  # candidates that came before the description

    def finish(self, code):
        if not self.finished.done():
            self.finished.set_result(code)

    # ---- signalling ----

    async def handle(self, msg):
        kind = msg.get("type")
        if kind == "ready":
            self.peer_ready.set()
            return
        if kind in ("offer", "answer"):
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type=kind))
            self.remote_set = True
            if kind == "offer":
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                emit({"type": "answer", "sdp": self.pc.localDescription.sdp})
            pending, self.pending = self.pending, []
            for m in pending:
                await self.handle(m)
        elif not self.remote_set:
            self.pending.append(msg)
        elif kind == "candidate":
            text = msg.get("candidate") or ""
            if text.startswith("a="):
                text = text[2:]
            if text.startswith("candidate:"):
                text = text[len("candidate:"):]
            if not text:
                return
            cand = candidate_from_sdp(text)
            cand.sdpMid = msg.get("sdpMid")
            cand.sdpMLineIndex = msg.get("sdpMLineIndex")
            if cand.sdpMid is None and cand.sdpMLineIndex is None:
                cand.sdpMLineIndex = 0
            # aiortc matches the mid exactly; weft's trickled candidates carry it
            if cand.sdpMid is None and self.pc.sctp is not None:
                cand.sdpMid = self.pc.sctp.mid
            await self.pc.addIceCandidate(cand)
        elif kind == "end-of-candidates":
            if self.pc.sctp is not None:
                await self.pc.sctp.transport.transport.addRemoteCandidate(None)

    async def read_signalling(self):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=1 << 20)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                return
            line = line.strip()
            if not line.startswith(b"{"):
                continue
            try:
                await self.handle(json.loads(line))
            except Exception as e:  # a bad line must end the run, visibly
                log("signalling failed:", repr(e))
                self.finish(1)
                return

    # ---- channel ----

    def use_channel(self, channel):
        self.channel = channel

        @channel.on("open")
        def on_open():
            self.opened()

        @channel.on("close")
        def on_close():
            if self.args.mode in ("echo", "recv"):
                self.finish(0 if self.args.mode == "echo" else getattr(self, "recv_code", 1))
            else:
                log("the channel closed before the run finished")
                self.finish(1)

        if channel.readyState == "open":
            self.opened()

    def opened(self):
        if getattr(self, "_opened", False):
            return
        self._opened = True
        ch = self.channel
        emit({"type": "open", "ms": (time.perf_counter() - self.start) * 1000,
              "label": ch.label, "id": ch.id})
        mode = self.args.mode
        if mode == "echo":
            ch.on("message", lambda m: ch.send(m))
        elif mode == "ping":
            asyncio.ensure_future(self.run_ping())
        elif mode == "send":
            asyncio.ensure_future(self.run_send())
        elif mode == "recv":
            self.setup_recv()
        elif mode == "types":
            asyncio.ensure_future(self.run_types())

    async def run_ping(self):
        ch = self.channel
        q = asyncio.Queue()
        ch.on("message", lambda m: q.put_nowait(time.perf_counter()))
        payload = b"p" * self.args.size
        rtts = []
        for i in range(self.args.count + WARMUP):
            t = time.perf_counter()
            ch.send(payload)
            back = await asyncio.wait_for(q.get(), 10)
            if i >= WARMUP:
                rtts.append((back - t) * 1e6)
        rtts.sort()
        emit({"type": "result", "mode": "ping", "count": len(rtts), "size": self.args.size,
              "p50_us": rtts[len(rtts) // 2], "p99_us": rtts[min(len(rtts) - 1, len(rtts) * 99 // 100)],
              "mean_us": statistics.mean(rtts)})
        self.finish(0)

    async def run_send(self):
        ch = self.channel
        total = self.args.megabytes * 1000 * 1000
        size = self.args.size
        base = bytearray(os.urandom(max(size, 8)))
        verified = asyncio.get_running_loop().create_future()

        def on_message(m):
            if isinstance(m, str):
                obj = json.loads(m)
                if obj.get("type") == "verified" and not verified.done():
                    verified.set_result(bool(obj.get("ok")))

        ch.on("message", on_message)
        can_send = asyncio.Event()
        can_send.set()
        ch.bufferedAmountLowThreshold = LOW_WATER
        ch.on("bufferedamountlow", can_send.set)
        h = FNV_OFFSET
        sent = 0
        count = 0
        t0 = time.perf_counter()
        while sent < total:
            if ch.bufferedAmount > HIGH_WATER:
                can_send.clear()
                try:
                    await asyncio.wait_for(can_send.wait(), 5)
                except asyncio.TimeoutError:
                    pass
                continue
            n = min(size, total - sent)
            base[0:8] = struct.pack("<Q", count)
            chunk = bytes(base[:n])
            ch.send(chunk)
            if not self.args.no_checksum:
                h = checksum_update(h, chunk)
            sent += n
            count += 1
            await asyncio.sleep(0)
        ch.send(json.dumps({"type": "done", "bytes": sent, "checksum": "%016x" % h}))
        ok = await verified
        secs = time.perf_counter() - t0
        emit({"type": "result", "mode": "send", "bytes": sent, "message_size": size,
              "seconds": secs, "mb_per_s": sent / secs / 1e6, "verified": ok})
        self.finish(0 if ok else 1)

    def setup_recv(self):
        ch = self.channel
        state = {"h": FNV_OFFSET, "n": 0}

        def on_message(m):
            if isinstance(m, bytes):
                if not self.args.no_checksum:
                    state["h"] = checksum_update(state["h"], m)
                state["n"] += len(m)
                return
            obj = json.loads(m)
            if obj.get("type") != "done":
                return
            ok = obj.get("bytes") == state["n"] and (
                self.args.no_checksum or obj.get("checksum") == "%016x" % state["h"])
            ch.send(json.dumps({"type": "verified", "ok": ok}))
            emit({"type": "result", "mode": "recv", "bytes": state["n"], "verified": ok})
            self.recv_code = 0 if ok else 1

        ch.on("message", on_message)

    async def run_types(self):
        ch = self.channel
        q = asyncio.Queue()
        ch.on("message", q.put_nowait)
        big = bytes(i & 0xFF for i in range(self.args.size))
        cases = [("text", "hello"), ("binary", b"\x00\x01\x02\xff"), ("empty text", ""),
                 ("empty binary", b""), ("non-ASCII text", "ünïcödé ✓"),
                 ("large binary", big)]
        details = []
        ok = True
        for name, value in cases:
            ch.send(value)
            try:
                back = await asyncio.wait_for(q.get(), 10)
            except asyncio.TimeoutError:
                back = None
            good = type(back) is type(value) and back == value
            details.append({"case": name, "ok": good,
                            "got": type(back).__name__ + ":" + str(len(back) if back is not None else -1)})
            ok = ok and good
        emit({"type": "result", "mode": "types", "ok": ok, "details": details})
        self.finish(0 if ok else 1)

    async def run(self):
        reader = asyncio.ensure_future(self.read_signalling())

        @self.pc.on("datachannel")
        def on_datachannel(channel):
            if self.channel is None:
                self.use_channel(channel)

        @self.pc.on("connectionstatechange")
        def on_state():
            if self.pc.connectionState == "failed":
                log("connection failed")
                self.finish(1)

        if self.args.answer:
            # lets an offerer started with --wait-ready time the open from here
            emit({"type": "ready"})
        if self.args.offer:
            if self.args.wait_ready:
                await asyncio.wait_for(self.peer_ready.wait(), self.args.timeout)
                self.start = time.perf_counter()
            self.use_channel(self.pc.createDataChannel(self.args.label, ordered=True))
            await self.pc.setLocalDescription(await self.pc.createOffer())
            emit({"type": "offer", "sdp": self.pc.localDescription.sdp})
        try:
            code = await asyncio.wait_for(self.finished, self.args.timeout)
        except asyncio.TimeoutError:
            log("timed out after %d s (channel %s)" % (
                self.args.timeout, "open" if getattr(self, "_opened", False) else "never opened"))
            code = 2
        reader.cancel()
        await self.pc.close()
        return code


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    role = parser.add_mutually_exclusive_group(required=True)
    role.add_argument("--offer", action="store_true")
    role.add_argument("--answer", action="store_true")
    parser.add_argument("--mode", default="echo",
                        choices=["echo", "ping", "send", "recv", "types"])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--megabytes", type=int, default=10)
    parser.add_argument("--label", default="aiortc")
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--wait-ready", action="store_true",
                        help="offerer: wait for the answerer's \"ready\" line before offering")
    parser.add_argument("--no-checksum", action="store_true",
                        help="send and recv: count bytes only (benchmarks; both sides need it)")
    args = parser.parse_args()
    if args.size <= 0:
        args.size = {"send": 65536, "types": 65536}.get(args.mode, 100)
    return await Peer(args).run()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
