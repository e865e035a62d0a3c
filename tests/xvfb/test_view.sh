#!/usr/bin/env bash
# test_view.sh MAILSIM SRC WORK — `mailsim view` in a real X window under
# Xvfb, driven with xdotool like a person at the keyboard: play and pause,
# step, step back, next and previous decision, speed, scale, fullscreen,
# an inspector, a screenshot (F12, checked for its size and the event it
# shows), then quit with Escape; a second session quits with Q. A third
# uses only the mouse: the on-screen buttons, clicked where the frame's own
# description (the scene JSON F12 writes beside each screenshot) says they
# are — step, next decision, "why?" (the decision card), a click on a
# decision badge (its card), the legend, projector mode — each checked in
# the next screenshot's description. All must exit 0 with nothing from the
# sanitizers on stderr.
#
# Skips (exit 77) when xvfb-run (Debian: xvfb) or xdotool is missing. The
# window uses SDL's software renderer, so no GL driver is loaded: what the
# sanitizers see is mailsim's own memory (tests/xvfb/lsan.supp names the
# X libraries' one-time allocations).
set -u

if [ "${1:-}" != "--inside" ]; then
	command -v xvfb-run >/dev/null 2>&1 || { echo "SKIPPED: xvfb-run not installed (Debian package xvfb)"; exit 77; }
	command -v xdotool >/dev/null 2>&1 || { echo "SKIPPED: xdotool not installed"; exit 77; }
	command -v jq >/dev/null 2>&1 || { echo "SKIPPED: jq not installed"; exit 77; }
	[ $# -eq 3 ] || { echo "usage: $0 MAILSIM SRC WORK" >&2; exit 2; }
	rm -rf "$3" && mkdir -p "$3"
	exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "$0" --inside "$@"
fi
shift
mailsim=$1 src=$2 work=$3
scenario="$src/scenarios/basic-delivery.json"
title="Alice writes to Bob"

# No GL at all: the software renderer, and no GL-backed window framebuffer.
export SDL_VIDEODRIVER=x11 SDL_RENDER_DRIVER=software SDL_FRAMEBUFFER_ACCELERATION=0
export MAILSIM_SCREENSHOT_DIR="$work"
export LSAN_OPTIONS="suppressions=$src/tests/xvfb/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

fail() { echo "FAIL: $*"; [ -f "$work/err.txt" ] && sed 's/^/  stderr: /' "$work/err.txt" | head -40; exit 1; }

# Start a session; sets pid and wid (the window), or fails.
start() {
	"$mailsim" view "$scenario" --size 1024x700 >"$work/out.txt" 2>"$work/err.txt" &
	pid=$!
	wid=$(timeout 30 xdotool search --sync --name "$title" | head -1)
	[ -n "$wid" ] || fail "no window titled '$title' within 30 s"
	xdotool windowfocus --sync "$wid" || fail "cannot focus the window"
	sleep 0.5
}

# Press keys one at a time, giving the viewer a moment for each.
keys() {
	for k in "$@"; do
		xdotool key "$k" || fail "xdotool key $k"
		sleep 0.25
	done
}

# Wait up to 15 s for the session to end; check its status and stderr.
finish() {
	local what=$1 i rc
	for i in $(seq 1 60); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.25
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		fail "$what: still running 15 s after the quit key"
	fi
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || fail "$what: exit status $rc, want 0"
	if grep -E "LeakSanitizer|AddressSanitizer|runtime error" "$work/err.txt" >/dev/null; then
		fail "$what: the sanitizers reported a problem"
	fi
}

# PNG width and height from the IHDR chunk.
png_size() {
	od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d\n", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}

# ---- session 1: everything, then Escape ----
start
keys space
sleep 1.5                               # playing
keys space                              # pause
keys Home period period period comma    # event 2 (. and , step one event)
keys Next Next Prior                    # narration beats (a presenter's remote)
keys Home period period
keys Down Down Up                       # the first decision
keys bracketright bracketright bracketleft
keys ctrl+plus ctrl+plus ctrl+minus ctrl+0
keys h Escape                           # help on, off
keys 2 m 0                              # list filters
keys i Tab Escape                       # an inspector, a tab, closed
keys f                                  # fullscreen
sleep 1
keys F12
shot="$work/mailsim-001.png"
# the JSON is renamed into place after the PNG is written: then both are whole
for _ in $(seq 1 40); do [ -f "$work/mailsim-001.json" ] && break; sleep 0.25; done
[ -f "$shot" ] || fail "F12 wrote no screenshot (stdout: $(cat "$work/out.txt"))"
size=$(png_size "$shot")
[ "$size" = "1280x800" ] || fail "fullscreen screenshot is $size, want the whole 1280x800 screen"
line=$(grep "screenshot" "$work/out.txt")
case "$line" in
*"at event 48"*) ;;                     # basic-delivery's first decision: route.mx
*) fail "screenshot taken at the wrong place: $line (want event 48)" ;;
esac
keys p l                                # projector mode, the legend
sleep 0.5
keys F12
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -f "$work/mailsim-002.json" ] && break; sleep 0.5; done
[ -f "$work/mailsim-002.png" ] || fail "F12 in projector mode with the legend wrote no screenshot"
keys l p                                # legend off, projector off
keys f                                  # back to a window
keys Escape                             # nothing open: quits
finish "session 1 (Escape)"
echo "session 1: $line"

# ---- session 2: Q quits ----
start
keys Right Right q
finish "session 2 (Q)"
echo "session 2: quit with Q"

# ---- session 3: the mouse alone, checked through the scene JSON ----
# shot: F12, then wait for the numbered PNG and its JSON; sets $scene.
nshot=0
shot() {
	nshot=$((nshot + 1))
	local base
	base=$(printf "%s/s3-%03d" "$work" "$nshot")
	keys F12
	for _ in $(seq 1 20); do
		last=$(ls "$work"/mailsim-*.json 2>/dev/null | sort | tail -1)
		[ -n "$last" ] && [ "$last" != "${prev_json:-}" ] && break
		sleep 0.25
	done
	[ -n "$last" ] && [ "$last" != "${prev_json:-}" ] || fail "F12 wrote no scene JSON ($1)"
	prev_json=$last
	scene="$base.json"
	cp "$last" "$scene"
}
# click LABEL: the button whose text is LABEL, at the centre of its box.
click() {
	local xy
	xy=$(jq -r --arg t "$1" '[.texts[] | select(.text == $t)][0].box | select(. != null)
		| "\(.[0] + .[2] / 2 | floor) \(.[1] + .[3] / 2 | floor)"' "$scene")
	[ -n "$xy" ] || fail "no \"$1\" on screen to click"
	# shellcheck disable=SC2086
	xdotool mousemove --window "$wid" $xy click 1 || fail "xdotool click on $1"
	sleep 0.4
}
want() { # want JQ-EXPR WHAT: the last scene satisfies the expression
	jq -e "$1" "$scene" >/dev/null || fail "$2 (scene $scene)"
}
start
rm -f "$work"/mailsim-*.json
prev_json=
shot "start"
click "event ▶"; click "event ▶"; click "event ▶"
shot "three steps"
want '.event == 3' "three clicks on \"event ▶\" do not show event 3"
click "decision ▼"
shot "next decision"
dec=$(jq '.event' "$scene")
want '.card == null and (.decisions | length) > 0' "\"decision ▼\" shows no decision at event $dec"
click "why?"
shot "the card"
want ".card.trace_event == $dec and (.card.rule | length) > 0" "\"why?\" opened no card for event $dec"
want '[.texts[] | select(.text | startswith("Decision card"))] | length == 1' "the card is not drawn"
click "why?"
shot "card closed"
want '.card == null' "\"why?\" again did not close the card"
xy=$(jq -r '[.decisions[] | select(.box[2] > 0)][0] | "\(.box[0] + .box[2] / 2 | floor) \(.box[1] + .box[3] / 2 | floor) \(.trace_event)"' "$scene")
set -- $xy
xdotool mousemove --window "$wid" "$1" "$2" click 1 || fail "click on a badge"
sleep 0.4
shot "badge clicked"
want ".card.trace_event == $3" "a click on the decision badge of event $3 opened no card for it"
keys Escape
click "legend"
shot "legend"
want '.legend == true and ([.texts[] | select(.text == "Legend (L closes)")] | length == 1)' "the legend button opened no legend"
xdotool mousemove --window "$wid" 5 5 click 1; sleep 0.4   # a click closes it
click "projector"
shot "projector"
want '.projector == true and ([.texts[].px] | min) >= 28' "the projector button: not projector mode, or text under 28 px"
[ "$(png_size "${prev_json%.json}.png")" = "1024x700" ] || fail "the window changed size"
keys Escape
finish "session 3 (mouse)"
echo "session 3: buttons, card, badge, legend, projector by mouse, decision at event $dec"
echo "PASS"
