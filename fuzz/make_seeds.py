#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from inputs of the unit tests.

Re-run after changing a seed; the fuzzers never write here (bench/fuzz.sh gives each run a
scratch corpus directory), so the checked-in seeds stay small and reviewable."""
import gzip, os, pathlib, struct

root = pathlib.Path(__file__).resolve().parent / "corpus"

def mp_str(s):
    b = s.encode()
    return (bytes([0xa0 | len(b)]) if len(b) < 32 else b"\xd9" + bytes([len(b)])) + b

def mp(v):
    """Minimal msgpack encoder (the seeds need maps, arrays, strings, ints, floats)."""
    if isinstance(v, bool): return b"\xc3" if v else b"\xc2"
    if isinstance(v, int):
        return bytes([v]) if 0 <= v < 128 else b"\xd3" + struct.pack(">q", v)
    if isinstance(v, float): return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str): return mp_str(v)
    if isinstance(v, list): return bytes([0x90 | len(v)]) + b"".join(mp(x) for x in v)
    if isinstance(v, dict):
        return bytes([0x80 | len(v)]) + b"".join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(v)

segment = [
    b'{"batch":[{"type":"track","messageId":"m-1","userId":"u-1","anonymousId":"a-1","event":"Product Added","properties":{"price":19.5,"products":[{"id":"sku-1","qty":2}],"gift":true,"note":null},"context":{"device":{"type":"ios"},"page":{"path":"/p/1"}},"timestamp":"2024-05-01T12:00:00Z"}],"writeKey":"demo-key"}',
    b'{"userId":"u","event":"Order Completed","sentAt":"2024-05-01T12:00:05Z","originalTimestamp":"2024-05-01T12:00:00.123+02:00"}',
    b'{"anonymousId":42,"previousId":"old","groupId":"g"}',
    b'{"batch":[{"type":"page","userId":"u","name":"Home"},{"type":"bogus"},{"type":"identify","traits":{"a":[1,2,{"b":1e400}]}}],"sentAt":"2024-05-01T12:00:05Z","context":{"ip":"1.2.3.4"}}',
    b'{"batch":[',
]
native = [
    b'{"event_type":"click","user_id":"u","timestamp":1714564800000,"path":"/p","x":1,"y":2,"button_id":"buy"}',
    b'[{"action":"tap","user_id":"u","timestamp":1714564800000,"touch_coordinates":{"x":1,"y":2},"session_id":"s","event_id":"e"}]',
    b'{"events":[{"action":"Product Viewed","user_id":77,"timestamp":"1714564800000","touch_coordinates":{"x":1}}]}',
    b'["[2024-05-01T12:00:00Z] user=u3 event=page_view path=/home session=s9 id=7", "user=u event=scroll scroll_depth=75 ratio=0.5 ok=true big=12345678901234567890"]',
    b'[{"foo":1},{"event_type":"click"}]',
]
native = [b"\x00" + n for n in native]  # first byte even: JSON
native += [b"\x01" + mp([{"event_type": "click", "user_id": "u", "timestamp": 1714564800000, "x": 1.5}]),
           b"\x01" + mp({"events": [{"action": "tap", "user_id": "u", "timestamp": 1714564800000,
                                      "touch_coordinates": {"x": 1, "y": 2}, "session_id": "s", "event_id": "e"}]}),
           b"\x01" + mp(["user=u event=scroll"])]
plain = b'{"batch":[{"type":"track","userId":"u","event":"x"}]}'
gz = gzip.compress(plain, mtime=0)
gzips = [gz, gz[: len(gz) // 2], gzip.compress(b"\0" * 100000, mtime=0), b"\x78\x9c" + gz[10:-8], b"\x1f\x8b"]
rules = [
    b'count("product_view", "5m") >= 3 && wishlist_visits > 0',
    b'score >= 85 && page_depth >= 3\nbounce_rate > 0.6\ntrue',
    b'has_tag("High Consideration") || device == "mobile"',
    b"-(cart_adds / product_views) * 2 + 1 < 0.5 && !is_mobile == false",
    b"'it\\'s' != \"tab\\there\\n\\\\\"\nscor > (1",
]
shipped = (pathlib.Path(__file__).resolve().parent.parent / "config" / "cohort.yaml").read_bytes()
configs = [
    shipped,
    b"admin:\ntags:\nwebhooks:\nkafka:\n",
    b"ingest: {max_message_bytes: 1000, request_timeout: 500ms}\nsessions: {recent_events: 7, allowed_lateness: 0s}\n",
    b"node: {listen: '[::1]:80'}\nsegments:\n  - {name: A, when: 'score > 1'}\n  - {name: B, when: 'scor'}\n",
    b"ingest:\n  max_body_bytes: big\n  unknown: 1\n",
]
frames = [
    b'{"op":"subscribe","userId":"u-1"}',
    b'{"segment":"High Intent","op":"unsubscribe","extra":1}',
    b'{"op":"unsubscribe","segment":"a\\"b"}',
    b'{"op":"subscribe","userId":"u","segment":"s"}',
    b'{"op":"inspect","userId":""}',
]

def http_req(method, target, headers=(), body=b""):
    """A raw HTTP/1.1 request."""
    head = [f"{method} {target} HTTP/1.1", "Host: cohort.example"] + list(headers)
    if body and not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body

def parity(raw, odd):
    """Pads the first Host header so that the input's length is odd (http_request_fuzz
    then configures write keys and an admin token) or even (auth off)."""
    if len(raw) % 2 != odd:
        raw = raw.replace(b"Host: cohort.example", b"Host: cohort.example.", 1)
    return raw

basic = "Authorization: Basic " + __import__("base64").b64encode(b"wk_live_fuzz:").decode()
batch = segment[0].replace(b"demo-key", b"wk_test_fuzz")
bomb = gzip.compress(b"\0" * 2000000, mtime=0)
https = [
    parity(http_req("POST", "/v1/batch", [basic, "Content-Type: application/json"], batch)
           + http_req("GET", "/healthz", ["Connection: close"]), 1),
    parity(http_req("POST", "/v1/track?x=1", ["Content-Encoding: gzip", "Content-Type: text/plain"],
                    gzip.compress(b'{"userId":"u","event":"Signed Up","writeKey":"wk_live_fuzz"}', mtime=0)), 1),
    parity(http_req("POST", "/v1/events", ["Content-Type: application/msgpack"],
                    mp([{"event_type": "click", "user_id": "u", "timestamp": 1714564800000, "x": 1.5}])), 0),
    parity(http_req("POST", "/v1/events", ["Transfer-Encoding: chunked", "Content-Type: application/json"],
                    b"20\r\n" + native[1][1:33] + b"\r\n" + hex(len(native[1]) - 33)[2:].encode() + b"\r\n"
                    + native[1][33:] + b"\r\n0\r\n\r\n"), 0),
    parity(http_req("GET", "/v1/personalize?userId=u%201&placement=home+page&x")
           + http_req("GET", "/v1/profiles/u%2F1", ["Connection: close"]), 0),
    parity(http_req("GET", "/admin/api/nodes", ["Authorization: Bearer s3cret-admin-token"])
           + http_req("POST", "/admin/api/profiles/x/unmerge", ["Authorization: Bearer wrong", "Connection: close"]), 1),
    parity(http_req("DELETE", "/v1/batch") + http_req("GET", "/nope"), 0),
    parity(http_req("GET", "/healthz", ["X-Big: " + "a" * 17000]), 0),
    parity(http_req("POST", "/v1/batch", ["Content-Length: 2000000"]), 1),
    parity(http_req("POST", "/v1/batch", ["Content-Encoding: gzip", basic], bomb), 1),
    parity(http_req("POST", "/v1/page", ["Content-Encoding: gzip"], gz[: len(gz) // 2]), 0),
    parity(http_req("POST", "/v1/identify", ["Content-Encoding: br"], b"{}")
           + http_req("POST", "/v1/events", ["Content-Type: text/plain"], b"{}"), 0),
    b"GET\r\n\r\n",
    parity(http_req("POST", "/v1/events", ["Transfer-Encoding: chunked"], b"zz\r\nabc\r\n"), 1),
    parity(http_req("GET", "/v1/stream", ["Upgrade: websocket", "Connection: Upgrade",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]), 0),
    parity(http_req("POST", "/v1/alias", [], b'{"userId":"u","previousId":"a","writeKey":"nope"}'), 1),
]
for name, seeds in [("segment_fuzz", segment), ("native_fuzz", native), ("gzip_fuzz", gzips),
                    ("rules_fuzz", rules), ("config_fuzz", configs), ("stream_frame_fuzz", frames),
                    ("http_request_fuzz", https)]:
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(seeds):
        (d / f"seed_{i}").write_bytes(s)
