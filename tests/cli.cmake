# CLI behaviour: exit codes, the transcript, check's warnings, the Maildir and
# mbox exports.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(expect_rc rc want what)
  if(NOT rc EQUAL want)
    message(FATAL_ERROR "${what}: exit ${rc}, want ${want}")
  endif()
endfunction()

function(expect_in text needle what)
  string(FIND "${text}" "${needle}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "${what}: missing '${needle}' in:\n${text}")
  endif()
endfunction()

# Usage errors exit 2 and say what is wrong.
execute_process(COMMAND ${MAILSIM} frobnicate RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 2 "unknown command")
expect_in("${err}" "unknown command 'frobnicate'" "unknown command")
execute_process(COMMAND ${MAILSIM} run RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 2 "run without file")
execute_process(COMMAND ${MAILSIM} run @default --seed -3 RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 2 "negative seed")
execute_process(COMMAND ${MAILSIM} run @default --bogus RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 2 "unknown option")
expect_in("${err}" "unknown option '--bogus'" "unknown option")
# Options come from one table: each subcommand takes only its own, and
# --help lists every option with the subcommands that take it.
execute_process(COMMAND ${MAILSIM} run @default --fullscreen RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 2 "view option for run")
expect_in("${err}" "unknown option '--fullscreen' for this command" "view option for run")
execute_process(COMMAND ${MAILSIM} view @default --scale 9 RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 2 "scale out of range")
expect_in("${err}" "--scale must be between 0.25 and 8, not '9'" "scale out of range")
execute_process(COMMAND ${MAILSIM} render @default --event RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 2 "option without value")
expect_in("${err}" "option '--event' needs a value" "option without value")
execute_process(COMMAND ${MAILSIM} --help RESULT_VARIABLE rc OUTPUT_VARIABLE out)
expect_rc(${rc} 0 "help")
foreach(needle
    "  mailsim run FILE [--seed N] [--trace OUT.jsonl] [--transcript] [--report OUT.json]\n                   [--maildir DIR] [--mbox DIR] [--until SECONDS] [--quiet]\n"
    "  mailsim view FILE [--seed N] [--size WxH] [--scale S] [--fullscreen] [--projector]\n                   [--beats] [--inspect WHAT]\n"
    "  --seed N               run,view,render  the PRNG seed"
    "  --fullscreen           view             open full screen"
    "  --out FRAME.png|.bmp   render           where render writes the frame (--out, --scene or both)"
    "  --scene OUT.json       render           write what the frame shows as JSON"
    "  --projector            view,render      projector mode"
    "mailsim serve FILE --host NAME")
  expect_in("${out}" "${needle}" "help")
endforeach()
execute_process(COMMAND ${MAILSIM} render @default --out x.png RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 2 "render without --at/--event")

# The exit codes the README documents: 4 for a file that cannot be read or
# written, 1 for an invalid scenario (check: the worst of its files).
execute_process(COMMAND ${MAILSIM} run ${WORK}/missing.json RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 4 "missing file")
expect_in("${err}" "cannot open" "missing file")
foreach(cmd check view "render --at 1 --out ${WORK}/x.png")
  separate_arguments(cmd)
  execute_process(COMMAND ${MAILSIM} ${cmd} ${WORK}/missing.json RESULT_VARIABLE rc ERROR_VARIABLE err)
  expect_rc(${rc} 4 "${cmd} of a missing file")
endforeach()
execute_process(COMMAND ${MAILSIM} serve ${WORK}/missing.json --host mx1.example.net
                --listen 127.0.0.1:0 RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 4 "serve of a missing file")
execute_process(COMMAND ${MAILSIM} run ${WORK} RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 4 "a directory as the scenario")
execute_process(COMMAND ${MAILSIM} check ${SRC}/tests/bad/bad-ip.json RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 1 "check of an invalid scenario")
execute_process(COMMAND ${MAILSIM} run ${SRC}/tests/bad/bad-ip.json RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 1 "run of an invalid scenario")
execute_process(COMMAND ${MAILSIM} check ${SRC}/tests/bad/bad-ip.json ${WORK}/missing.json
                RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 4 "check: an unreadable file outranks an invalid one")
# A trace that cannot be opened: 4, and the world that never ran is freed
# whole (AddressSanitizer's leak check used to fail this: the scheduled
# submissions were never freed).
execute_process(COMMAND ${MAILSIM} run @default --trace ${WORK}/no-such-dir/x.jsonl
                RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 4 "unwritable trace")
expect_in("${err}" "cannot open ${WORK}/no-such-dir/x.jsonl" "unwritable trace")
execute_process(COMMAND ${MAILSIM} run @default --until 0.5 --quiet RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 0 "a run stopped before the first submission")
execute_process(COMMAND ${MAILSIM} run @default --maildir /dev/null/x --quiet
                RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 4 "unwritable Maildir")
expect_in("${err}" "cannot create directory" "unwritable Maildir")

# --version, help, COMMAND --help: exit 0 on stdout; help for nothing: 2.
execute_process(COMMAND ${MAILSIM} --version RESULT_VARIABLE rc OUTPUT_VARIABLE out)
expect_rc(${rc} 0 "--version")
if(NOT out MATCHES "^mailsim [0-9]+\\.[0-9]+\\.[0-9]+\n$")
  message(FATAL_ERROR "--version: got '${out}'")
endif()
foreach(args "help" "--help" "-h")
  execute_process(COMMAND ${MAILSIM} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  expect_rc(${rc} 0 "${args}")
  expect_in("${out}" "Exit codes: 0 ok, 1 invalid scenario, 2 usage error" "${args}")
endforeach()
foreach(cmd run check view render serve)
  execute_process(COMMAND ${MAILSIM} help ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE a)
  expect_rc(${rc} 0 "help ${cmd}")
  expect_in("${a}" "mailsim ${cmd} FILE" "help ${cmd}")
  execute_process(COMMAND ${MAILSIM} ${cmd} --help RESULT_VARIABLE rc OUTPUT_VARIABLE b)
  expect_rc(${rc} 0 "${cmd} --help")
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "help ${cmd} and ${cmd} --help differ:\n${a}\n---\n${b}")
  endif()
endforeach()
execute_process(COMMAND ${MAILSIM} run @default -h RESULT_VARIABLE rc OUTPUT_VARIABLE out)
expect_rc(${rc} 0 "run FILE -h")
expect_in("${out}" "--maildir DIR" "run FILE -h")
execute_process(COMMAND ${MAILSIM} help frobnicate RESULT_VARIABLE rc ERROR_VARIABLE err)
expect_rc(${rc} 2 "help for an unknown command")
expect_in("${err}" "no help for 'frobnicate'" "help for an unknown command")

# No usable display: `mailsim view` and bare `mailsim` say so in one line and
# print the transcript, promptly — never an invisible window (SDL's
# offscreen fallback) or a hang. A dead DISPLAY (no server on that number),
# none at all, and SDL_VIDEODRIVER=offscreen; each bounded by TIMEOUT.
set(dead 4242)
while(EXISTS /tmp/.X11-unix/X${dead})
  math(EXPR dead "${dead} + 1")
endwhile()
foreach(case "view-dead" "bare-none" "view-offscreen")
  if(case STREQUAL "view-dead")
    set(envs DISPLAY=:${dead} --unset=WAYLAND_DISPLAY --unset=SDL_VIDEODRIVER)
    set(args view @default)
    set(why "DISPLAY=:${dead} does not answer")
  elseif(case STREQUAL "bare-none")
    set(envs --unset=DISPLAY --unset=WAYLAND_DISPLAY --unset=SDL_VIDEODRIVER)
    set(args "")
    set(why "neither DISPLAY nor WAYLAND_DISPLAY is set")
  else()
    set(envs DISPLAY=:${dead} SDL_VIDEODRIVER=offscreen)
    set(args view ${SRC}/scenarios/basic-delivery.json --seed 42)
    set(why "SDL_VIDEODRIVER=offscreen shows no window")
  endif()
  string(TIMESTAMP t0 "%s")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ${envs} ${MAILSIM} ${args}
                  TIMEOUT 30 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(TIMESTAMP t1 "%s")
  math(EXPR took "${t1} - ${t0}")
  expect_rc("${rc}" 0 "${case} (took ${took} s)")
  expect_in("${err}" "mailsim: no usable display (${why}); printing the transcript instead"
            "${case}")
  expect_in("${out}" "S<- 220 mail.example.org ESMTP mailsim" "${case}")
  if(took GREATER 20)
    message(FATAL_ERROR "${case}: the fallback took ${took} s")
  endif()
endforeach()

# check: good files pass.
execute_process(COMMAND ${MAILSIM} check ${SRC}/scenarios/basic-delivery.json @default
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
expect_rc(${rc} 0 "check basic")
expect_in("${out}" "ok (6 hosts, 2 users, 1 messages)" "check basic")

# The transcript tells the whole story, line by line.
execute_process(COMMAND ${MAILSIM} run ${SRC}/scenarios/basic-delivery.json --transcript
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
expect_rc(${rc} 0 "transcript run")
foreach(needle
    "DNS? MX example.net"
    "DNS! MX example.net -> NOERROR 10 mx1.example.net., 20 mx2.example.net."
    "C-> EHLO alice-laptop.example.org"
    "C-> STARTTLS"
    "C~> AUTH PLAIN"
    "S<~ 235 2.7.0 Authentication successful"
    "C~> MAIL FROM:<alice@example.org>"
    "C~> RCPT TO:<bob@example.net>"
    "S<~ 250 2.1.5"
    "mail.example.org -> mx1.example.net"
    "STORE into INBOX of bob@example.net"
    "ROUTE example.net via 10 mx1.example.net., 20 mx2.example.net."
    "HEADER Received: from alice-laptop.example.org"
    "C-> a1 STARTTLS"
    "C~> a3 LOGIN"
    ">> Alice presses Send")
  expect_in("${out}" "${needle}" "transcript")
endforeach()
expect_in("${err}" "1  delivered to Inbox" "summary")
expect_in("${err}" "all recipients accounted for" "summary")

# The same seed gives the same trace; the trace goes to stdout with "-".
execute_process(COMMAND ${MAILSIM} run @default --trace - --quiet RESULT_VARIABLE rc OUTPUT_VARIABLE a)
execute_process(COMMAND ${MAILSIM} run ${SRC}/scenarios/basic-delivery.json --trace - --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE b)
if(NOT a STREQUAL b)
  message(FATAL_ERROR "built-in default and scenarios/basic-delivery.json differ")
endif()
expect_in("${a}" "\"kind\":\"sim.end\"" "trace to stdout")

# Maildir export: one new message for bob with both trace headers.
execute_process(COMMAND ${MAILSIM} run @default --maildir ${WORK}/maildir --quiet RESULT_VARIABLE rc)
expect_rc(${rc} 0 "maildir run")
foreach(d cur new tmp)
  if(NOT IS_DIRECTORY ${WORK}/maildir/bob@example.net/${d})
    message(FATAL_ERROR "maildir: no ${d}/ for bob")
  endif()
endforeach()
file(GLOB msgs ${WORK}/maildir/bob@example.net/cur/* ${WORK}/maildir/bob@example.net/new/*)
list(LENGTH msgs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "maildir: want 1 message for bob, got ${n}: ${msgs}")
endif()
file(READ ${msgs} m)
string(SUBSTRING "${m}" 0 32 head)
if(NOT head STREQUAL "Return-Path: <alice@example.org>")
  message(FATAL_ERROR "stored message must start with Return-Path, starts with: ${head}")
endif()
expect_in("${m}" "Received: from mail.example.org (mail.example.org [192.0.2.25])" "stored message")
expect_in("${m}" "by mx1.example.net (mailsim) with ESMTPS" "stored message")
expect_in("${m}" "by mail.example.org (mailsim) with ESMTPSA" "stored message")
expect_in("${m}" "Subject: Lunch on Friday?" "stored message")

# Warnings: `mailsim check` prints them as file:line:col: warning: and still
# exits 0; no shipped scenario has any.
execute_process(COMMAND ${MAILSIM} check ${SRC}/tests/cli-warnings.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
expect_rc(${rc} 0 "check with warnings")
expect_in("${out}" "ok (6 hosts, 4 users, 1 messages, 3 warnings)" "check with warnings")
foreach(needle
    "cli-warnings.json:62:23: warning: hosts[3].zones[0].records[1].data: A record for mail.example.org says 192.0.2.26, but host mail.example.org has the IP address 192.0.2.25"
    "cli-warnings.json:72:23: warning: hosts[3].zones[1].records[0].data: MX target \"mail.example.net\" is an alias (CNAME)"
    "cli-warnings.json:141:9: warning: messages[0].to[1]: recipient \"bob@EXAMPLE.net\" repeats to[0]")
  expect_in("${err}" "${needle}" "check with warnings")
endforeach()
file(GLOB shipped ${SRC}/scenarios/*.json)
execute_process(COMMAND ${MAILSIM} check ${shipped}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
expect_rc(${rc} 0 "check shipped scenarios")
string(FIND "${err}${out}" "warning" pos)
if(NOT pos EQUAL -1)
  message(FATAL_ERROR "a shipped scenario has warnings:\n${err}${out}")
endif()

# mbox export: one file per folder, From_ line from Return-Path and the
# simulated delivery date.
execute_process(COMMAND ${MAILSIM} run @default --mbox ${WORK}/mbox --quiet RESULT_VARIABLE rc)
expect_rc(${rc} 0 "mbox run")
file(READ ${WORK}/mbox/bob@example.net/INBOX m)
string(SUBSTRING "${m}" 0 81 head)
if(NOT head STREQUAL "From alice@example.org Tue May 14 08:15:01 2024\nReturn-Path: <alice@example.org>\n")
  message(FATAL_ERROR "mbox: bob's INBOX starts with: ${head}")
endif()
