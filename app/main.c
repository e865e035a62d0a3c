/* main.c — the mailsim command line.
 *
 *   mailsim                       the default scenario: viewer when a display
 *                                 exists, else its transcript on stdout
 *   mailsim run FILE [options]    headless run: trace, transcript, Maildir, mbox
 *   mailsim check FILE...         validate scenarios
 *   mailsim view FILE             the interactive visualizer
 *   mailsim render FILE ...       one frame to PNG/BMP, headless
 *   mailsim serve FILE --host H   one scenario MTA on a real TCP socket (serve.c)
 *   mailsim verify FILE ADDR...   address verification in the world (verify_cmd.c)
 *
 *   mailsim help [COMMAND], mailsim COMMAND --help, mailsim --version
 *
 * FILE "@default" names the built-in scenario. Exit codes: 0 ok, 1 invalid
 * scenario, 2 usage error, 3 a run that lost track of a message, 4 I/O (a
 * scenario file that cannot be read counts as I/O). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "campaign.h"
#include "export.h"
#include "scenario.h"
#include "serve.h"
#include "util.h"
#include "verify_cmd.h"
#include "view.h"
#include "world.h"

#define DEFAULT_NAME "@default"
#ifndef MAILSIM_VERSION
#define MAILSIM_VERSION "unknown"
#endif

/* The subcommands that take options; an option lists those it applies to. */
enum { IN_RUN = 1u << 0, IN_VIEW = 1u << 1, IN_RENDER = 1u << 2 };

static const struct {
	const char *name;
	unsigned bit;
} option_cmds[] = {{"run", IN_RUN}, {"view", IN_VIEW}, {"render", IN_RENDER}};

enum opt_kind { OPT_FLAG, OPT_STR, OPT_SEED, OPT_NUMBER, OPT_SCALE, OPT_SIZE, OPT_INSPECT };

struct opt_def {
	const char *name;
	const char *arg;      /* the value's placeholder; NULL: a flag */
	enum opt_kind kind;
	size_t off;           /* the field in struct opts it sets */
	size_t has;           /* the bool saying it was given, or NO_HAS */
	unsigned cmds;        /* IN_* bits */
	const char *help;
};

/* Lines of the usage are wrapped here, continuing under the first option
 * (each "[--option]" item brings its own leading space). */
#define USAGE_WIDTH 88
#define USAGE_INDENT "                  "

static void print_usage(FILE *f);

/* `mailsim help COMMAND` and `mailsim COMMAND --help`. */
static const char help_run[] =
	"usage: mailsim run FILE [options]\n"
	"Run a scenario headless and account for every message.\n"
	"  --seed N            the PRNG seed (default: the scenario's)\n"
	"  --trace OUT.jsonl   the JSON Lines trace (\"-\" for stdout)\n"
	"  --transcript        the story, one line per event, on stdout\n"
	"  --maildir DIR       every mailbox as a Maildir tree under DIR\n"
	"  --report OUT.json   the campaigns' figures as JSON (delivery and placement)\n"
	"  --mbox DIR          every folder as an mbox file under DIR\n"
	"  --until SECONDS     stop at this simulated time\n"
	"  --quiet             no summary\n";
static const char help_check[] =
	"usage: mailsim check FILE...\n"
	"Validate scenarios: errors (exit 1) and warnings, with file:line:column.\n";
static const char help_view[] =
	"usage: mailsim view FILE [--seed N] [--size WxH] [--scale S] [--fullscreen]\n"
	"                    [--projector] [--beats]\n"
	"                    [--inspect host:NAME[/queue|/mailboxes|/zone] | msg:ID]\n"
	"Play a scenario in a window; without a usable display (DISPLAY or\n"
	"WAYLAND_DISPLAY answering), print its transcript instead.\n";
static const char help_render[] =
	"usage: mailsim render FILE (--at SECONDS | --event N)\n"
	"                      (--out FRAME.png|.bmp | --scene OUT.json)\n"
	"                      [--seed N] [--size WxH] [--scale S] [--projector] [--card]\n"
	"                      [--inspect WHAT]\n"
	"Draw the frame the viewer shows at that moment, headless.\n";
static const char help_serve[] =
	"usage:\n" SERVE_USAGE
	"Serve one MTA of a scenario on a real TCP socket (loopback unless\n"
	"--allow-remote); SIGINT or SIGTERM stops it cleanly.\n"
	"  --port-kind KIND        smtp (25), submission (587: AUTH only after\n"
	"                          STARTTLS) or submissions (465: TLS from the\n"
	"                          first byte, RFC 8314)\n"
	"  --imap, --pop3 [HOST:]PORT  IMAP (STARTTLS) and POP3 (STLS) on the host's\n"
	"                          mailboxes; --imaps, --pop3s the same with\n"
	"                          implicit TLS (as on 993 and 995)\n"
	"  --tls-cert/--tls-key FILE  PEM certificate and key; without them a\n"
	"                          self-signed certificate is made at start and its\n"
	"                          fingerprint printed\n"
	"  --allow-plain-auth      AUTH before TLS on submission (loopback only)\n"
	"  --spool DIR             accepted mail, fsync'ed there before the 250 and\n"
	"                          delivered from it after a crash (default:\n"
	"                          mailsim-spool next to --maildir, else\n"
	"                          $XDG_STATE_HOME/mailsim/spool or ~/.local/state/...)\n"
	"  --max-per-ip N          connections at once from one address (default 50)\n"
	"  --max-conn-rate N       connection attempts per minute from one address\n"
	"                          (default 0: off)\n"
	"  --max-auth-failures N   failed AUTH per minute from one address before\n"
	"                          421 4.7.0 and a close (default 5)\n"
	"  --idle-timeout SECONDS  a deadline per command line, not reset by partial\n"
	"                          lines (default: the host's, else 300)\n"
	"  --session-limit SECONDS the longest a session may last (default 1800)\n"
	"  --max-clients N         connections at once in all (default 1024)\n"
	"Over a limit: 421 and a close, traced as live.limit; 0 turns a per-address\n"
	"limit off.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "mailsim: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage(stderr);
	return 2;
}

static struct scenario *load(const char *path)
{
	if (strcmp(path, DEFAULT_NAME) == 0)
		return scn_parse(mailsim_default_scenario, strlen(mailsim_default_scenario),
				 "basic-delivery.json (built in)", stderr);
	return scn_load(path, stderr);
}

/* The exit code for a scenario that did not load: 4 when the file could
 * not be read at all, 1 when it is not a valid scenario. */
static int load_failure(const char *path)
{
	return strcmp(path, DEFAULT_NAME) != 0 && scn_unreadable(path) ? 4 : 1;
}

struct opts {
	const char *file;
	bool has_seed;
	uint64_t seed;
	const char *trace_path;
	bool transcript;
	const char *maildir;
	const char *report;
	const char *mbox;
	double until;
	bool has_until;
	bool quiet;
	int width, height;
	double scale;
	bool fullscreen;
	double at;
	bool has_at;
	double event_num;   /* --event N (its whole part) */
	bool has_event;
	const char *out;
	const char *scene;
	const char *inspect;
	bool projector, beats, card;
};

static bool parse_number(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0)
		return false;
	*out = v;
	return true;
}

#define OFF(f) offsetof(struct opts, f)
#define NO_HAS ((size_t)-1)

static const struct opt_def opt_defs[] = {
	{"--seed", "N", OPT_SEED, OFF(seed), OFF(has_seed), IN_RUN | IN_VIEW | IN_RENDER,
	 "the PRNG seed (default: the scenario's \"seed\")"},
	{"--trace", "OUT.jsonl", OPT_STR, OFF(trace_path), NO_HAS, IN_RUN,
	 "write the JSON Lines trace (\"-\": stdout)"},
	{"--transcript", NULL, OPT_FLAG, OFF(transcript), NO_HAS, IN_RUN,
	 "print the story line by line on stdout"},
	{"--report", "OUT.json", OPT_STR, OFF(report), NO_HAS, IN_RUN,
	 "write the campaigns' report as JSON (\"-\": stdout)"},
	{"--maildir", "DIR", OPT_STR, OFF(maildir), NO_HAS, IN_RUN,
	 "write every mailbox as a Maildir tree under DIR"},
	{"--mbox", "DIR", OPT_STR, OFF(mbox), NO_HAS, IN_RUN,
	 "write every folder as an mbox file under DIR"},
	{"--until", "SECONDS", OPT_NUMBER, OFF(until), OFF(has_until), IN_RUN,
	 "stop the simulation at this time"},
	{"--quiet", NULL, OPT_FLAG, OFF(quiet), NO_HAS, IN_RUN, "no summary at the end"},
	{"--size", "WxH", OPT_SIZE, 0, NO_HAS, IN_VIEW | IN_RENDER,
	 "window or frame size, 320x200 to 7680x4320"},
	{"--scale", "S", OPT_SCALE, OFF(scale), NO_HAS, IN_VIEW | IN_RENDER,
	 "user interface scale, 0.25 to 8"},
	{"--fullscreen", NULL, OPT_FLAG, OFF(fullscreen), NO_HAS, IN_VIEW, "open full screen"},
	{"--at", "SECONDS", OPT_NUMBER, OFF(at), OFF(has_at), IN_RENDER,
	 "the frame at this simulated time (or --event)"},
	{"--event", "N", OPT_NUMBER, OFF(event_num), OFF(has_event), IN_RENDER,
	 "the frame of the N-th trace event (or --at)"},
	{"--out", "FRAME.png|.bmp", OPT_STR, OFF(out), NO_HAS, IN_RENDER,
	 "where render writes the frame (--out, --scene or both)"},
	{"--scene", "OUT.json", OPT_STR, OFF(scene), NO_HAS, IN_RENDER,
	 "write what the frame shows as JSON (hosts, moving things, decisions, texts)"},
	{"--projector", NULL, OPT_FLAG, OFF(projector), NO_HAS, IN_VIEW | IN_RENDER,
	 "projector mode: text at least 28 px, high contrast"},
	{"--card", NULL, OPT_FLAG, OFF(card), NO_HAS, IN_RENDER,
	 "open the decision card of the decision at (or last before) the frame, as key D does"},
	{"--beats", NULL, OPT_FLAG, OFF(beats), NO_HAS, IN_VIEW,
	 "autoplay pauses at each narration beat"},
	{"--inspect", "WHAT", OPT_INSPECT, OFF(inspect), NO_HAS, IN_VIEW | IN_RENDER,
	 "open an inspector: host:NAME[/queue|/mailboxes|/zone] or msg:ID"},
};

static const struct opt_def *find_opt(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(opt_defs); i++)
		if (strcmp(opt_defs[i].name, name) == 0)
			return &opt_defs[i];
	return NULL;
}

/* Store one option's value v (NULL for a flag); 0 or a usage error code. */
static int set_opt(struct opts *o, const struct opt_def *d, const char *v)
{
	char *field = (char *)o + d->off;
	double num = 0;
	char x;
	switch (d->kind) {
	case OPT_FLAG:
		*(bool *)field = true;
		break;
	case OPT_STR:
		*(const char **)field = v;
		break;
	case OPT_INSPECT:
		if (strncmp(v, "host:", 5) != 0 && strncmp(v, "msg:", 4) != 0)
			return usage_error("--inspect needs host:NAME[/queue|/mailboxes|/zone] or msg:ID, not '%s'", v);
		*(const char **)field = v;
		break;
	case OPT_SEED: {
		char *end;
		errno = 0;
		o->seed = strtoull(v, &end, 10);
		if (errno || *end || v[0] == '-')
			return usage_error("--seed needs a non-negative integer, not '%s'", v);
		break;
	}
	case OPT_NUMBER:
	case OPT_SCALE:
		if (!parse_number(v, &num))
			return usage_error("expected a non-negative number, not '%s'", v);
		if (d->kind == OPT_SCALE && (num < 0.25 || num > 8))
			return usage_error("--scale must be between 0.25 and 8, not '%s'", v);
		*(double *)field = num;
		break;
	case OPT_SIZE:
		if (sscanf(v, "%d%c%d", &o->width, &x, &o->height) != 3 || x != 'x' ||
		    o->width < 320 || o->height < 200 || o->width > 7680 || o->height > 4320)
			return usage_error("--size needs WxH between 320x200 and 7680x4320, not '%s'", v);
		break;
	}
	if (d->has != NO_HAS)
		*(bool *)((char *)o + d->has) = true;
	return 0;
}

/* The options of one subcommand (cmd: an IN_* bit); each subcommand
 * rejects the ones it does not take. Returns 0 or a usage error code. */
static int parse_opts(int argc, char **argv, struct opts *o, unsigned cmd)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-' || strcmp(a, "-") == 0) {
			if (o->file)
				return usage_error("unexpected argument '%s'", a);
			o->file = a;
			continue;
		}
		const struct opt_def *d = find_opt(a);
		if (!d || !(d->cmds & cmd))
			return usage_error("unknown option '%s' for this command", a);
		if (d->arg && !v)
			return usage_error("option '%s' needs a value", a);
		int rc = set_opt(o, d, d->arg ? v : NULL);
		if (rc)
			return rc;
		if (d->arg)
			i++;
	}
	if (!o->file)
		return usage_error("%s", "missing scenario FILE (or @default)");
	return 0;
}

/* "  mailsim CMD FILE [--a X] [--b]..." from the option table, wrapped. */
static void print_cmd_usage(FILE *f, const char *cmd, unsigned bit)
{
	int col = fprintf(f, "  mailsim %s FILE", cmd);
	for (size_t i = 0; i < ARRAY_LEN(opt_defs); i++) {
		const struct opt_def *d = &opt_defs[i];
		if (!(d->cmds & bit))
			continue;
		char item[96];
		snprintf(item, sizeof item, " [%s%s%s]", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
		if (col + (int)strlen(item) > USAGE_WIDTH)
			col = fprintf(f, "\n%s", USAGE_INDENT) - 1;
		col += fprintf(f, "%s", item);
	}
	fputc('\n', f);
}

/* The whole usage, generated from option_cmds and opt_defs (and serve's own). */
static void print_usage(FILE *f)
{
	fputs("usage:\n"
	      "  mailsim                                  play the default scenario (window, or\n"
	      "                                           its transcript when there is no display)\n",
	      f);
	print_cmd_usage(f, option_cmds[0].name, option_cmds[0].bit);
	fputs("  mailsim check FILE...\n", f);
	for (size_t i = 1; i < ARRAY_LEN(option_cmds); i++)
		print_cmd_usage(f, option_cmds[i].name, option_cmds[i].bit);
	fputs(SERVE_USAGE, f);
	fputs(VERIFY_USAGE, f);
	fputs("options:\n", f);
	for (size_t i = 0; i < ARRAY_LEN(opt_defs); i++) {
		const struct opt_def *d = &opt_defs[i];
		char head[64], cmds[32] = "";
		snprintf(head, sizeof head, "%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
		for (size_t k = 0, o = 0; k < ARRAY_LEN(option_cmds); k++)
			if (d->cmds & option_cmds[k].bit)
				o += (size_t)snprintf(cmds + o, sizeof cmds - o, "%s%s", o ? "," : "",
						      option_cmds[k].name);
		fprintf(f, "  %-22s %-16s %s\n", head, cmds, d->help);
	}
	fputs("  mailsim help [COMMAND]    mailsim COMMAND --help    mailsim --version\n"
	      "FILE may be @default for the built-in scenario (scenarios/basic-delivery.json).\n"
	      "Exit codes: 0 ok, 1 invalid scenario, 2 usage error, 3 a message not accounted\n"
	      "for (a bug), 4 I/O error (a file that cannot be read or written).\n",
	      f);
}

static int cmd_check(int argc, char **argv)
{
	if (argc == 0)
		return usage_error("%s", "check needs at least one FILE");
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		struct scenario *s = load(argv[i]);
		if (!s) {
			int why = load_failure(argv[i]);
			rc = why > rc ? why : rc; /* an unreadable file (4) outranks an invalid one */
			continue;
		}
		/* Warnings do not change the exit status: the scenario runs. */
		fputs(s->warnings, stderr);
		printf("%s: ok (%zu hosts, %zu users, %zu messages", argv[i], s->nhosts, s->nusers,
		       s->nmessages);
		if (s->nwarnings)
			printf(", %d warning%s", s->nwarnings, s->nwarnings == 1 ? "" : "s");
		printf(")\n");
		scn_free(s);
	}
	return rc;
}

/* Write the mailboxes to dir (when given) with fn; false after saying why. */
static bool export_stores(bool (*fn)(struct sim *, const char *, char *, size_t), struct sim *sim,
			  const char *dir)
{
	char err[1024];
	if (!dir || fn(sim, dir, err, sizeof err))
		return true;
	fprintf(stderr, "mailsim: %s\n", err);
	return false;
}

static bool write_report(struct world *w, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	bool ok = f && campaigns_write_report(world_campaigns(w), world_sim(w)->scn->name,
						 world_receivers_json(w), f);
	if (f && f != stdout && fclose(f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, "mailsim: cannot write %s: %s\n", path, strerror(errno));
	return ok;
}

static int finish_run(struct world *w, const struct opts *o, FILE *trace_file)
{
	int rc = 0;
	if (trace_file && trace_file != stdout && fclose(trace_file) != 0) {
		fprintf(stderr, "mailsim: cannot write %s: %s\n", o->trace_path, strerror(errno));
		rc = 4;
	}
	if (!export_stores(export_maildir, world_sim(w), o->maildir) ||
	    !export_stores(export_mbox, world_sim(w), o->mbox))
		rc = 4;
	if (o->report && !write_report(w, o->report))
		rc = 4;
	struct world_summary s;
	world_summary(w, &s);
	fflush(stdout);
	if (!o->quiet)
		world_print_summary(w, o->transcript || (trace_file == stdout) ? stderr : stdout);
	if (!s.accounted) {
		fprintf(stderr, "mailsim: internal error: not every message is accounted for\n");
		rc = 3;
	}
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	struct opts o = {0};
	int rc = parse_opts(argc, argv, &o, IN_RUN);
	if (rc)
		return rc;
	struct scenario *s = load(o.file);
	if (!s)
		return load_failure(o.file);
	struct world *w = world_new(s, o.has_seed ? &o.seed : NULL);
	struct sim *sim = world_sim(w);
	FILE *tf = NULL;
	if (o.trace_path) {
		tf = strcmp(o.trace_path, "-") == 0 ? stdout : fopen(o.trace_path, "w");
		if (!tf) {
			fprintf(stderr, "mailsim: cannot open %s: %s\n", o.trace_path, strerror(errno));
			world_free(w);
			scn_free(s);
			return 4;
		}
		trace_set_jsonl(sim->trace, tf);
	}
	if (o.transcript)
		trace_set_transcript(sim->trace, stdout);
	world_run(w, o.has_until ? (int64_t)(o.until * 1e6) : -1);
	rc = finish_run(w, &o, tf);
	world_free(w);
	scn_free(s);
	return rc;
}

/* Run the scenario into memory and hand the trace to the renderer, with
 * the host list and each DNS host's zone records (for its inspector). */
static int with_trace(struct opts *o, int (*fn)(const struct view_input *, struct opts *))
{
	struct scenario *s = load(o->file);
	if (!s)
		return load_failure(o->file);
	struct world *w = world_new(s, o->has_seed ? &o->seed : NULL);
	struct strbuf buf;
	sb_init(&buf);
	trace_set_buffer(world_sim(w)->trace, &buf);
	world_run(w, -1);
	size_t nrec = 0, k = 0;
	for (size_t i = 0; i < s->nhosts; i++)
		for (size_t z = 0; z < s->hosts[i].nzones; z++)
			nrec += s->hosts[i].zones[z].nrecords;
	struct view_record *recs = xcalloc(nrec + 1, sizeof *recs);
	struct view_host *hosts = xcalloc(s->nhosts + 1, sizeof *hosts);
	for (size_t i = 0; i < s->nhosts; i++) {
		const struct scn_host *h = &s->hosts[i];
		hosts[i] = (struct view_host){h->name, scn_role_names[h->role], h->ip, h->has_pos, h->x, h->y,
					      h->nzones ? &recs[k] : NULL, 0};
		for (size_t z = 0; z < h->nzones; z++)
			for (size_t j = 0; j < h->zones[z].nrecords; j++, hosts[i].nrecords++)
				recs[k++] = (struct view_record){h->zones[z].records[j].name,
								 h->zones[z].records[j].type,
								 h->zones[z].records[j].data};
	}
	struct view_input in = {s->title, hosts, s->nhosts, buf.data ? buf.data : "", buf.len,
				o->inspect};
	int rc = fn(&in, o);
	free(hosts);
	free(recs);
	sb_free(&buf);
	world_free(w);
	scn_free(s);
	return rc;
}

/* view_run's failure: SDL could not open a window (the trace is ours). */
#define VIEW_NO_WINDOW 5

static int do_view(const struct view_input *in, struct opts *o)
{
	struct view_opts vo = {o->width, o->height, o->scale, o->fullscreen, o->projector,
			       o->beats};
	return view_run(in, &vo) ? VIEW_NO_WINDOW : 0;
}

static int do_render(const struct view_input *in, struct opts *o)
{
	char err[512] = "";
	int w = o->width ? o->width : 1280, h = o->height ? o->height : 720;
	struct view_frame_req req = {o->has_event ? (long)o->event_num : -1,
				     o->has_at ? (int64_t)(o->at * 1e6) : 0, w, h, o->scale,
				     o->projector, o->out, o->scene, o->card};
	if (view_render_frame(in, &req, err, sizeof err) != 0) {
		fprintf(stderr, "mailsim: render: %s\n", err);
		return 4;
	}
	if (o->out)
		printf("%s: %dx%d\n", o->out, w, h);
	if (o->scene)
		printf("%s: scene of %dx%d\n", o->scene, w, h);
	return 0;
}

static bool have_display(char *why, size_t whysz);
static int transcript_instead(const char *file, const struct opts *o, const char *why);

static int cmd_view(int argc, char **argv)
{
	struct opts o = {0};
	int rc = parse_opts(argc, argv, &o, IN_VIEW);
	if (rc)
		return rc;
	char why[256];
	if (!have_display(why, sizeof why))
		return transcript_instead(o.file, &o, why);
	rc = with_trace(&o, do_view);
	if (rc == VIEW_NO_WINDOW)
		return transcript_instead(o.file, &o, "the window could not open");
	return rc;
}

static int cmd_render(int argc, char **argv)
{
	struct opts o = {0};
	int rc = parse_opts(argc, argv, &o, IN_RENDER);
	if (rc)
		return rc;
	if (!o.out && !o.scene)
		return usage_error("%s", "render needs --out FRAME.png|.bmp, --scene OUT.json or both");
	if (o.has_at == o.has_event)
		return usage_error("%s", "render needs exactly one of --at SECONDS or --event N");
	return with_trace(&o, do_render);
}

/* ---- is there a display a window can open on? ------------------------------
 * SDL, when its X11 or Wayland driver cannot connect, may fall back to its
 * "offscreen" driver and play the story in a window nobody sees, forever.
 * So before the viewer starts, the display server must answer a connect()
 * (within a second), and SDL is then pinned to that driver so it fails
 * instead of falling back. */

/* connect() with a deadline; true when the server accepted. */
static bool connect_within(int fd, const struct sockaddr *sa, socklen_t len, int ms)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return false;
	if (connect(fd, sa, len) == 0)
		return true;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return false;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t elen = sizeof err;
	return poll(&p, 1, ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 &&
	       err == 0;
}

static bool unix_socket_answers(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return false;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	bool ok = connect_within(fd, (struct sockaddr *)&sa, sizeof sa, 1000);
	close(fd);
	return ok;
}

static bool tcp_answers(const char *host, int port)
{
	char service[16];
	snprintf(service, sizeof service, "%d", port);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return false;
	bool ok = false;
	for (struct addrinfo *a = res; a && !ok; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0)
			continue;
		ok = connect_within(fd, a->ai_addr, a->ai_addrlen, 1000);
		close(fd);
	}
	freeaddrinfo(res);
	return ok;
}

/* DISPLAY is "[host]:N[.screen]" (X(7)): a local server listens on
 * /tmp/.X11-unix/XN, a remote one on TCP port 6000 + N. */
static bool x11_answers(const char *display)
{
	const char *colon = strrchr(display, ':');
	if (!colon || colon[1] < '0' || colon[1] > '9')
		return false;
	int n = atoi(colon + 1);
	char host[256];
	size_t hl = (size_t)(colon - display);
	if (hl >= sizeof host)
		return false;
	memcpy(host, display, hl);
	host[hl] = '\0';
	if (hl == 0 || strcmp(host, "unix") == 0) {
		char path[64];
		snprintf(path, sizeof path, "/tmp/.X11-unix/X%d", n);
		return unix_socket_answers(path);
	}
	return tcp_answers(host, 6000 + n);
}

/* WAYLAND_DISPLAY is a socket name in $XDG_RUNTIME_DIR, or a path. */
static bool wayland_answers(const char *name)
{
	char path[512];
	const char *dir = getenv("XDG_RUNTIME_DIR");
	if (name[0] == '/')
		snprintf(path, sizeof path, "%s", name);
	else if (dir && *dir)
		snprintf(path, sizeof path, "%s/%s", dir, name);
	else
		return false;
	return unix_socket_answers(path);
}

static bool have_display(char *why, size_t whysz)
{
	const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
	const char *drv = getenv("SDL_VIDEODRIVER");
	bool has_x = x && *x, has_wl = wl && *wl;
	if (drv && *drv && strcmp(drv, "x11") != 0 && strcmp(drv, "wayland") != 0) {
		if (strcmp(drv, "offscreen") != 0 && strcmp(drv, "dummy") != 0)
			return true; /* kmsdrm and the like: SDL's own business */
		snprintf(why, whysz, "SDL_VIDEODRIVER=%s shows no window", drv);
		return false;
	}
	if (has_x && (!drv || strcmp(drv, "x11") == 0) && x11_answers(x)) {
		setenv("SDL_VIDEODRIVER", "x11", 1);
		return true;
	}
	if (has_wl && (!drv || strcmp(drv, "wayland") == 0) && wayland_answers(wl)) {
		setenv("SDL_VIDEODRIVER", "wayland", 1);
		return true;
	}
	if (has_x)
		snprintf(why, whysz, "DISPLAY=%s does not answer", x);
	else if (has_wl)
		snprintf(why, whysz, "WAYLAND_DISPLAY=%s does not answer", wl);
	else
		snprintf(why, whysz, "neither DISPLAY nor WAYLAND_DISPLAY is set");
	return false;
}

/* The fallback: one line on stderr, then the story as a transcript. */
static int transcript_instead(const char *file, const struct opts *o, const char *why)
{
	fprintf(stderr, "mailsim: no usable display (%s); printing the transcript instead\n", why);
	char seed[32];
	char *args[] = {(char *)file, "--transcript", "--seed", seed};
	snprintf(seed, sizeof seed, "%" PRIu64, o->seed);
	return cmd_run(o->has_seed ? 4 : 2, args);
}

/* No arguments: the default story, in a window when one can open. */
static int cmd_default(void)
{
	char *args[] = {DEFAULT_NAME};
	return cmd_view(1, args);
}

struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
};

static const struct command commands[] = {
	{"run", cmd_run, help_run},       {"check", cmd_check, help_check},
	{"view", cmd_view, help_view},    {"render", cmd_render, help_render},
	{"serve", serve_main, help_serve}, {"verify", verify_main, verify_help},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

static bool is_help(const char *a)
{
	return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

/* `mailsim help [COMMAND]`. */
static int cmd_help(int argc, char **argv)
{
	if (argc == 0) {
		print_usage(stdout);
		return 0;
	}
	const struct command *c = find_command(argv[0]);
	if (!c || argc > 1)
		return usage_error("no help for '%s': commands are run, check, view, render, serve, verify",
				   argv[argc > 1 ? 1 : 0]);
	fputs(c->help, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cmd_default();
	const char *cmd = argv[1];
	if (is_help(cmd))
		return cmd_help(0, NULL);
	if (strcmp(cmd, "help") == 0)
		return cmd_help(argc - 2, argv + 2);
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("mailsim %s\n", MAILSIM_VERSION);
		return 0;
	}
	const struct command *c = find_command(cmd);
	if (!c)
		return usage_error("unknown command '%s'", cmd);
	for (int i = 2; i < argc; i++)
		if (is_help(argv[i])) {
			fputs(c->help, stdout);
			return 0;
		}
	return c->fn(argc - 2, argv + 2);
}
