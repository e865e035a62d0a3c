# deps.sh — sourced by scripts/run and scripts/test: make sure the Debian
# packages mailsim needs are installed. As root, install what is missing;
# otherwise print the exact command and stop.
MAILSIM_PACKAGES="gcc make cmake pkg-config libcjson-dev libsdl2-dev libsdl2-ttf-dev \
libsdl2-image-dev libcmocka-dev libssl-dev libgoogle-perftools-dev"
# Only scripts/test needs these: the live-mode tests (tests/live) drive
# `mailsim serve` with /usr/bin/python3's smtplib, imaplib, poplib and with
# swaks (libnet-ssleay-perl for swaks --tls); fetchmail fetches over POP3S.
# python3-dkim and python3-spf (dkimpy, pyspf) check our DKIM signatures and
# SPF results from the outside; mutt reads the Maildir and mbox exports;
# xvfb and xdotool drive a real window (tests/xvfb); clang builds the suite a
# second time under its sanitizers and the libFuzzer targets (tests/fuzz);
# jq reads every golden trace and the xvfb test's scenes.
MAILSIM_TEST_PACKAGES="python3 swaks libnet-ssleay-perl fetchmail python3-dkim python3-spf xvfb xdotool mutt clang jq"

mailsim_missing_packages() {
	local missing="" p
	for p in $MAILSIM_PACKAGES ${MAILSIM_EXTRA_PACKAGES:-}; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing="$missing $p"
		fi
	done
	echo "$missing"
}

mailsim_ensure_packages() {
	local missing
	missing=$(mailsim_missing_packages)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" = 0 ]; then
		echo "mailsim: installing missing packages:$missing" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >&2 || {
			echo "mailsim: apt-get failed" >&2
			return 1
		}
	else
		echo "mailsim: missing Debian packages:$missing" >&2
		echo "install them with:" >&2
		echo "  sudo apt-get install -y$missing" >&2
		return 1
	fi
}
