#!/usr/bin/python3
"""`mailsim render` draws the campaign panel for a campaign scenario and not
for another, in both modes.

For campaign-dirty-list at 30 s (just after the pause) the scene
description (--scene) must hold a `campaign` object whose box lies inside
the window, whose counters equal a count of the golden trace made here
(msg.compose of spring.N, the 5.x.x queue.bounce, up to 30 s), and the
PNG (decoded here with zlib, no imaging library) must show the bounce
curve's colour and the placement bar's colours inside that box. For
basic-delivery the scene's `campaign` is null, no text says "Campaigns",
and those colours do not appear where the panel would be.

usage: campaign_render_check.py MAILSIM SOURCE_DIR WORK_DIR"""
import json
import os
import re
import struct
import subprocess
import sys
import zlib

MAILSIM, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(SRC, "scripts"))
import trace_expand  # noqa: E402  (the trace's implied fields: ARCHITECTURE.md)
failures = []
CURVE = (0xf0, 0xe4, 0x42)          # the palettes' accent: the rate line
# Okabe-Ito bluish green (2xx), as each palette (render/sdl/palette.c) has it: Inbox
INBOX = {False: (0x00, 0xb8, 0x8a), True: (0x00, 0xc8, 0x96)}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, "unsupported PNG"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        ft, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def count_colour(rows, box, colour):
    x0, y0, bw, bh = (int(v) for v in box)
    return sum(1 for y in range(y0, y0 + bh) for x in range(x0, x0 + bw) if rows[y][x] == colour)


def render(name, when, projector, tag, size=None):
    d = os.path.join(WORK, tag)
    os.makedirs(d, exist_ok=True)
    png, scene = os.path.join(d, "frame.png"), os.path.join(d, "scene.json")
    size = ["--size", size or "1920x1080", "--projector"] if projector else ["--size", "1280x720"]
    subprocess.run([MAILSIM, "render", os.path.join(SRC, "scenarios", name + ".json")] + when +
                   size + ["--out", png, "--scene", scene], check=True, capture_output=True)
    with open(scene) as f:
        return json.load(f), png_pixels(png)


def golden_counts(t_limit):
    sent = hard = 0
    seen = set()
    for e in trace_expand.load(os.path.join(SRC, "tests", "golden", "campaign-dirty-list.jsonl")):
        if e["t"] > t_limit or not re.fullmatch(r"spring\.\d+", str(e.get("msg", ""))):
            continue
        if e["kind"] == "msg.compose":
            sent += 1
        elif e["kind"] == "queue.bounce" and e["msg"] not in seen:
            seen.add(e["msg"])
            hard += e["status"].startswith("5.") and e["status"] != "5.2.2"
    return sent, hard


def main():
    sent, hard = golden_counts(30.0)
    boxes = {}
    for projector in (False, True):
        mode = "projector" if projector else "default"
        sc, (w, h, rows) = render("campaign-dirty-list", ["--at", "30"], projector, "dirty-" + mode)
        p = sc.get("campaign")
        check(isinstance(p, dict), f"{mode}: no campaign panel in the scene of campaign-dirty-list")
        if not isinstance(p, dict):
            continue
        x, y, bw, bh = p["box"]
        boxes[mode] = p["box"]
        check(0 <= x and 0 <= y and x + bw <= w and y + bh <= h and bw > 0 and bh > 0,
              f"{mode}: panel box {p['box']} outside {w}x{h}")
        c = p["campaigns"][0]
        check((c["sent"], c["hard_bounced"]) == (sent, hard),
              f"{mode}: panel says sent {c['sent']} hard {c['hard_bounced']}, the trace {sent} {hard}")
        check(c["paused"] is True, f"{mode}: the pause is not shown at 30 s")
        texts = [t["text"] for t in sc["texts"]]
        check("Campaigns — C hides" in texts, f"{mode}: no panel header among the texts")
        inside = [t for t in sc["texts"] if t["box"][0] >= x and t["box"][1] >= y and
                  t["box"][0] + t["box"][2] <= x + bw + 1 and t["box"][1] + t["box"][3] <= y + bh + 1]
        check(any(t["text"].startswith("spring: PAUSED") for t in inside),
              f"{mode}: the paused status is not inside the panel")
        curve = count_colour(rows, p["box"], CURVE)
        inbox = count_colour(rows, p["box"], INBOX[projector])
        check(curve > 30, f"{mode}: {curve} pixels of the bounce curve's colour in the panel")
        check(inbox > 30, f"{mode}: {inbox} pixels of the Inbox colour in the panel")
        print(f"{mode}: panel {p['box']}, {curve} curve pixels, {inbox} Inbox pixels")
    # A list cut short says how much it leaves out: in the projector band
    # at the end of campaign-warmup the gauges shown and the "+N more"
    # add up to the keys the trace has updated by then (four): all shown
    # at 1920x1080, two and "+2 more" at 1600x900, none at 1280x720,
    # where the title counts them.
    keys = set()
    for e in trace_expand.load(os.path.join(SRC, "tests", "golden", "campaign-warmup.jsonl")):
        if e["kind"] == "rep.update" and e["t"] <= 2000:
            keys.add(e["key"])
    for size, want_shown in (("1920x1080", 4), ("1600x900", 2), ("1280x720", 0)):
        sc, _ = render("campaign-warmup", ["--at", "2000"], True, "warmup-" + size, size)
        texts = [t["text"] for t in sc["texts"]]
        shown = [t for t in texts if re.fullmatch(r"(ip|domain):\S+", t)]
        more = 0
        for t in texts:
            m = (re.fullmatch(r"\+(\d+) more gauges?", t) or re.fullmatch(r"Reputation: (\d+) gauges?, no room", t)
                 or re.fullmatch(r"\((\d+) gauges?: no room\)", t))
            more += int(m.group(1)) if m else 0
        check(len(keys) == 4 and set(shown) <= keys, f"warmup {size}: gauges {shown}, trace keys {sorted(keys)}")
        check(len(shown) == want_shown and len(shown) + more == len(keys),
              f"warmup band {size}: {len(shown)} gauges shown and {more} said left out, the trace has {len(keys)}")
    for projector in (False, True):
        mode = "projector" if projector else "default"
        sc, (w, h, rows) = render("basic-delivery", ["--event", "30"], projector, "basic-" + mode)
        check(sc.get("campaign") is None, f"{mode}: basic-delivery has a campaign panel")
        check(not any(t["text"].startswith("Campaigns") for t in sc["texts"]),
              f"{mode}: basic-delivery draws a campaign header")
        if mode in boxes:
            curve = count_colour(rows, boxes[mode], CURVE)
            check(curve < 30, f"{mode}: basic-delivery has {curve} curve-coloured pixels where the panel would be")
    print(f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


main()
