#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A peer that behaves like the chatixia sidecar on the wire, built on aiortc.

It gets a token with POST /api/token (X-API-Key), opens /ws?token=, sends
`register`, and offers a DataChannel labelled `mesh` (ordered, reliable,
in-band) to every peer in the `peer_list` it gets back.  Its offers and
answers carry no candidates: every candidate follows as an `ice_candidate`
frame with sdpMid "" and sdpMLineIndex 0, right behind the SDP (or, with
--candidates-first, before it, which a relay may also produce).  It never
sends end-of-candidates.  Offers from others are answered on a new peer
connection, as the sidecar does.

Once the channel to --target is open it sends a chatixia task_request
({"message","skill"}, a 12-hex request_id) and waits for the task_response;
with --repeat it sends the same request id again and expects the same answer.
It answers task_request frames like the chatixia runner ({"result","error"}).
Events go to stdout as JSON lines; diagnostics to stderr.

aioice is limited to 127.0.0.1 and no STUN server is used.  Exits 77 when
aiortc or websockets is missing.
"""
import argparse
import asyncio
import json
import sys
import urllib.request
import uuid

try:
    import aioice.ice
    import websockets
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.sdp import candidate_from_sdp
except ImportError as e:  # pragma: no cover
    print("skipping: %s (install python3-aiortc and python3-websockets)" % e, file=sys.stderr)
    sys.exit(77)

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def log(*args):
    print("sidecar:", *args, file=sys.stderr, flush=True)


def split_candidates(sdp):
    """The SDP without its candidate lines, and those candidates ("candidate:...")."""
    lines = sdp.split("\r\n")
    keep, cands = [], []
    for line in lines:
        if line.startswith("a=candidate:"):
            cands.append(line[2:])
        elif line == "a=end-of-candidates":
            continue
        else:
            keep.append(line)
    return "\r\n".join(keep), cands


class Sidecar:
    def __init__(self, args):
        self.args = args
        self.peer_id = None
        self.ws = None
        self.pcs = {}
        self.channels = {}
        self.waiting = {}
        self.opened = asyncio.Event()
        self.config = RTCConfiguration(iceServers=[])

    def token(self):
        req = urllib.request.Request(self.args.registry + "/api/token", data=b"", method="POST",
                                     headers={"X-API-Key": self.args.api_key})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = json.loads(resp.read())
        return body["token"], body["peer_id"]

    async def send(self, type_, target, payload):
        await self.ws.send(json.dumps({"type": type_, "peer_id": self.peer_id,
                                       "target_id": target, "payload": payload}))

    async def send_description(self, type_, target, pc):
        sdp, cands = split_candidates(pc.localDescription.sdp)
        frames = [("ice_candidate", {"candidate": c, "sdpMid": "", "sdpMLineIndex": 0})
                  for c in cands]
        if self.args.candidates_first:
            frames = frames + [(type_, {"sdp": sdp})]
        else:
            frames = [(type_, {"sdp": sdp})] + frames
        for t, p in frames:
            await self.send(t, target, p)

    def watch_channel(self, peer, channel):
        self.channels[peer] = channel

        @channel.on("open")
        def on_open():
            log("channel to", peer, "open")
            emit({"event": "open", "peer": peer, "label": channel.label,
                  "ordered": channel.ordered})
            if peer == self.args.target:
                self.opened.set()

        @channel.on("message")
        def on_message(data):
            if isinstance(data, bytes):
                data = data.decode("utf-8", "replace")
            try:
                msg = json.loads(data)
            except ValueError:
                return
            if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
                return
            asyncio.ensure_future(self.on_mesh_message(peer, msg))

        if channel.readyState == "open":
            on_open()

    async def on_mesh_message(self, peer, msg):
        if msg["type"] == "task_request":
            payload = msg.get("payload") or {}
            emit({"event": "task_request", "peer": peer, "request_id": msg.get("request_id"),
                  "payload": payload})
            if payload.get("skill") == "py_echo":
                reply = {"result": "py:" + str(payload.get("message", "")), "error": ""}
            else:
                reply = {"error": "unknown skill: %s" % payload.get("skill")}
            self.channels[peer].send(json.dumps({
                "type": "task_response", "request_id": msg.get("request_id", ""),
                "source_agent": self.args.agent, "target_agent": msg.get("source_agent", ""),
                "payload": reply}))
            return
        future = self.waiting.pop(msg.get("request_id") or "", None)
        if future is not None and not future.done():
            future.set_result(msg)
        elif msg["type"] == "agent_prompt":
            emit({"event": "agent_prompt", "peer": peer, "payload": msg.get("payload")})

    def new_pc(self, peer):
        pc = RTCPeerConnection(self.config)
        self.pcs[peer] = pc

        @pc.on("connectionstatechange")
        async def on_state():
            if pc.connectionState in ("failed", "closed") and self.pcs.get(peer) is pc:
                emit({"event": "peer_disconnected", "peer": peer})
                self.pcs.pop(peer, None)
                self.channels.pop(peer, None)

        return pc

    async def offer_to(self, peer):
        pc = self.new_pc(peer)
        self.watch_channel(peer, pc.createDataChannel("mesh"))
        await pc.setLocalDescription(await pc.createOffer())
        await self.send_description("offer", peer, pc)

    async def on_offer(self, peer, payload):
        pc = self.new_pc(peer)

        @pc.on("datachannel")
        def on_datachannel(channel):
            self.watch_channel(peer, channel)

        await pc.setRemoteDescription(RTCSessionDescription(payload["sdp"], "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        await self.send_description("answer", peer, pc)

    async def on_candidate(self, peer, payload):
        pc = self.pcs.get(peer)
        text = payload.get("candidate") or ""
        if pc is None or not text:
            return  # the sidecar drops these too
        cand = candidate_from_sdp(text.split(":", 1)[1])
        cand.sdpMid = payload.get("sdpMid")
        cand.sdpMLineIndex = payload.get("sdpMLineIndex")
        try:
            await pc.addIceCandidate(cand)
        except Exception as e:  # noqa: BLE001 - report and go on, like the sidecar
            log("candidate from", peer, "refused:", e)

    async def signaling(self):
        token, self.peer_id = self.token()
        ws_url = self.args.registry.replace("http://", "ws://", 1) + "/ws?token=" + token
        async with websockets.connect(ws_url) as ws:
            self.ws = ws
            await self.send("register", None, None)
            emit({"event": "registered", "peer_id": self.peer_id})
            async for text in ws:
                frame = json.loads(text)
                kind, sender = frame.get("type"), frame.get("peer_id")
                payload = frame.get("payload") or {}
                if kind == "peer_list":
                    for peer in payload.get("peers", []):
                        if peer != self.peer_id and peer not in self.channels:
                            await self.offer_to(peer)
                elif kind == "offer":
                    await self.on_offer(sender, payload)
                elif kind == "answer" and sender in self.pcs:
                    await self.pcs[sender].setRemoteDescription(
                        RTCSessionDescription(payload["sdp"], "answer"))
                elif kind == "ice_candidate":
                    await self.on_candidate(sender, payload)

    async def request(self, request_id):
        future = asyncio.get_event_loop().create_future()
        self.waiting[request_id] = future
        self.channels[self.args.target].send(json.dumps({
            "type": "task_request", "request_id": request_id, "source_agent": self.args.agent,
            "target_agent": self.args.target_agent,
            "payload": {"message": self.args.message, "skill": self.args.skill}}))
        return await asyncio.wait_for(future, 10)

    async def run(self):
        sig = asyncio.ensure_future(self.signaling())
        try:
            if self.args.target:
                await asyncio.wait_for(self.opened.wait(), 20)
                request_id = uuid.uuid4().hex[:12]
                reply = await self.request(request_id)
                emit({"event": "task_response", "request_id": reply.get("request_id"),
                      "sent_id": request_id, "source_agent": reply.get("source_agent"),
                      "target_agent": reply.get("target_agent"), "payload": reply.get("payload")})
                if self.args.repeat:
                    again = await self.request(request_id)
                    emit({"event": "task_response", "request_id": again.get("request_id"),
                          "sent_id": request_id, "repeat": True, "payload": again.get("payload")})
            await asyncio.sleep(self.args.linger)
        finally:
            sig.cancel()
            for pc in list(self.pcs.values()):
                await pc.close()
        emit({"event": "done"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--registry", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--agent", default="py-agent", help="this side's agent id")
    parser.add_argument("--target", help="peer id to send a task_request to")
    parser.add_argument("--target-agent", default="")
    parser.add_argument("--skill", default="echo")
    parser.add_argument("--message", default="hello from chatixia")
    parser.add_argument("--repeat", action="store_true")
    parser.add_argument("--candidates-first", action="store_true")
    parser.add_argument("--linger", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(Sidecar(args).run(), 60))


if __name__ == "__main__":
    main()
