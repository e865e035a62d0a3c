/* main.c — the mailsim command line.
 *
 *   mailsim                       the default scenario: viewer when a display
 *                                 exists, else its transcript on stdout
 *   mailsim run FILE [options]    headless run: trace, transcript, Maildir, mbox
 *   mailsim check FILE...         validate scenarios
 *   mailsim view FILE             the interactive visualizer
 *   mailsim render FILE ...       one frame to PNG/BMP, headless
 *   mailsim serve FILE --host H   one scenario MTA on a real TCP socket (serve.c)
 *
 * FILE "@default" names the built-in scenario. Exit codes: 0 ok, 1 invalid
 * scenario, 2 usage error, 3 a run that lost track of a message, 4 I/O. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "scenario.h"
#include "serve.h"
#include "util.h"
#include "view.h"
#include "world.h"

#define DEFAULT_NAME "@default"

static const char usage_text[] =
	"usage:\n"
	"  mailsim                                  play the default scenario (window, or\n"
	"                                           its transcript when there is no display)\n"
	"  mailsim run FILE [--seed N] [--trace OUT.jsonl] [--transcript] [--maildir DIR]\n"
	"                   [--mbox DIR] [--until SECONDS] [--quiet]\n"
	"  mailsim check FILE...\n"
	"  mailsim view FILE [--seed N] [--size WxH] [--scale S] [--fullscreen] [--projector]\n"
	"                   [--beats] [--inspect WHAT]\n"
	"  mailsim render FILE (--at SECONDS | --event N) (--out FRAME.png|.bmp | --scene OUT.json)\n"
	"                   [--seed N] [--size WxH] [--scale S] [--projector] [--inspect WHAT]\n"
	"                   WHAT: host:NAME[/queue|/mailboxes|/zone] or msg:ID\n"
	SERVE_USAGE
	"FILE may be @default for the built-in scenario (scenarios/basic-delivery.json).\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "mailsim: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	return 2;
}

static struct scenario *load(const char *path)
{
	if (strcmp(path, DEFAULT_NAME) == 0)
		return scn_parse(mailsim_default_scenario, strlen(mailsim_default_scenario),
				 "basic-delivery.json (built in)", stderr);
	return scn_load(path, stderr);
}

struct opts {
	const char *file;
	bool has_seed;
	uint64_t seed;
	const char *trace_path;
	bool transcript;
	const char *maildir;
	const char *mbox;
	double until;
	bool has_until;
	bool quiet;
	int width, height;
	double scale;
	bool fullscreen;
	double at;
	bool has_at;
	long event;
	bool has_event;
	const char *out;
	const char *scene;
	const char *inspect;
	bool projector, beats;
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

/* Options shared by the subcommands; each subcommand rejects the ones it
 * does not take. Returns 0 or a usage error code. */
static int parse_opts(int argc, char **argv, struct opts *o, const char *allowed)
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
		char key[64];
		snprintf(key, sizeof key, " %s ", a);
		if (!strstr(allowed, key))
			return usage_error("unknown option '%s' for this command", a);
		bool takes_value = strcmp(a, "--transcript") && strcmp(a, "--quiet") &&
				   strcmp(a, "--fullscreen") && strcmp(a, "--projector") &&
				   strcmp(a, "--beats");
		if (takes_value && !v)
			return usage_error("option '%s' needs a value", a);
		double num = 0;
		if (strcmp(a, "--seed") == 0) {
			char *end;
			errno = 0;
			o->seed = strtoull(v, &end, 10);
			if (errno || *end || v[0] == '-')
				return usage_error("--seed needs a non-negative integer, not '%s'", v);
			o->has_seed = true;
		} else if (strcmp(a, "--trace") == 0) {
			o->trace_path = v;
		} else if (strcmp(a, "--maildir") == 0) {
			o->maildir = v;
		} else if (strcmp(a, "--mbox") == 0) {
			o->mbox = v;
		} else if (strcmp(a, "--out") == 0) {
			o->out = v;
		} else if (strcmp(a, "--scene") == 0) {
			o->scene = v;
		} else if (strcmp(a, "--projector") == 0) {
			o->projector = true;
		} else if (strcmp(a, "--beats") == 0) {
			o->beats = true;
		} else if (strcmp(a, "--inspect") == 0) {
			if (strncmp(v, "host:", 5) != 0 && strncmp(v, "msg:", 4) != 0)
				return usage_error("--inspect needs host:NAME[/queue|/mailboxes|/zone] or msg:ID, not '%s'", v);
			o->inspect = v;
		} else if (strcmp(a, "--transcript") == 0) {
			o->transcript = true;
		} else if (strcmp(a, "--quiet") == 0) {
			o->quiet = true;
		} else if (strcmp(a, "--fullscreen") == 0) {
			o->fullscreen = true;
		} else if (strcmp(a, "--until") == 0 || strcmp(a, "--at") == 0 ||
			   strcmp(a, "--scale") == 0 || strcmp(a, "--event") == 0) {
			if (!parse_number(v, &num))
				return usage_error("expected a non-negative number, not '%s'", v);
			if (strcmp(a, "--until") == 0) {
				o->until = num;
				o->has_until = true;
			} else if (strcmp(a, "--at") == 0) {
				o->at = num;
				o->has_at = true;
			} else if (strcmp(a, "--event") == 0) {
				o->event = (long)num;
				o->has_event = true;
			} else {
				if (num < 0.25 || num > 8)
					return usage_error("--scale must be between 0.25 and 8, not '%s'", v);
				o->scale = num;
			}
		} else if (strcmp(a, "--size") == 0) {
			char x;
			if (sscanf(v, "%d%c%d", &o->width, &x, &o->height) != 3 || x != 'x' ||
			    o->width < 320 || o->height < 200 || o->width > 7680 || o->height > 4320)
				return usage_error("--size needs WxH between 320x200 and 7680x4320, not '%s'", v);
		}
		if (takes_value)
			i++;
	}
	if (!o->file)
		return usage_error("%s", "missing scenario FILE (or @default)");
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	if (argc == 0)
		return usage_error("%s", "check needs at least one FILE");
	int bad = 0;
	for (int i = 0; i < argc; i++) {
		struct scenario *s = load(argv[i]);
		if (!s) {
			bad++;
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
	return bad ? 1 : 0;
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
	int rc = parse_opts(argc, argv, &o,
			    " --seed --trace --transcript --maildir --mbox --until --quiet ");
	if (rc)
		return rc;
	struct scenario *s = load(o.file);
	if (!s)
		return 1;
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
		return 1;
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
		hosts[i] = (struct view_host){h->name, h->role, h->ip, h->has_pos, h->x, h->y,
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

static int do_view(const struct view_input *in, struct opts *o)
{
	struct view_opts vo = {o->width, o->height, o->scale, o->fullscreen, o->projector,
			       o->beats};
	return view_run(in, &vo) ? 4 : 0;
}

static int do_render(const struct view_input *in, struct opts *o)
{
	char err[512] = "";
	int w = o->width ? o->width : 1280, h = o->height ? o->height : 720;
	struct view_frame_req req = {o->has_event ? o->event : -1,
				     o->has_at ? (int64_t)(o->at * 1e6) : 0, w, h, o->scale,
				     o->projector, o->out, o->scene};
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

static int cmd_view(int argc, char **argv)
{
	struct opts o = {0};
	int rc = parse_opts(argc, argv, &o,
			    " --seed --size --scale --fullscreen --projector --beats --inspect ");
	return rc ? rc : with_trace(&o, do_view);
}

static int cmd_render(int argc, char **argv)
{
	struct opts o = {0};
	int rc = parse_opts(argc, argv, &o,
			    " --seed --size --scale --at --event --out --scene --projector --inspect ");
	if (rc)
		return rc;
	if (!o.out && !o.scene)
		return usage_error("%s", "render needs --out FRAME.png|.bmp, --scene OUT.json or both");
	if (o.has_at == o.has_event)
		return usage_error("%s", "render needs exactly one of --at SECONDS or --event N");
	return with_trace(&o, do_render);
}

static bool have_display(void)
{
	const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
	return (x && *x) || (wl && *wl);
}

/* No arguments: the default story, in a window when one can open. */
static int cmd_default(void)
{
	if (have_display()) {
		struct opts o = {.file = DEFAULT_NAME};
		if (with_trace(&o, do_view) == 0)
			return 0;
		fprintf(stderr, "mailsim: no usable display; printing the transcript instead\n");
	}
	char *args[] = {DEFAULT_NAME, "--transcript"};
	return cmd_run(2, args);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cmd_default();
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {{"run", cmd_run}, {"check", cmd_check}, {"view", cmd_view}, {"render", cmd_render},
		    {"serve", serve_main}};
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			return cmds[i].fn(argc - 2, argv + 2);
	return usage_error("unknown command '%s'", cmd);
}
