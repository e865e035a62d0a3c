/* test_render_palette.c — every colour text is written in, in both
 * palettes, against every ground it is written on, meets WCAG 2.x's 4.5:1
 * for normal text; and the ratio itself is the standard's (black on white
 * 21:1, a colour on itself 1:1). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "palette.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

static void test_ratio_is_wcag(void **state)
{
	SDL_Color black = {0, 0, 0, 255}, white = {255, 255, 255, 255}, grey = {0x76, 0x76, 0x76, 255};

	(void)state;
	assert_true(pal_contrast(black, white) > 20.99 && pal_contrast(black, white) < 21.01);
	assert_true(pal_contrast(white, white) == 1.0);
	/* #767676 on white is the classic 4.54:1 */
	assert_true(pal_contrast(grey, white) > 4.5 && pal_contrast(grey, white) < 4.6);
}

static void check_palette(const char *name, const struct pal *p)
{
	const struct {
		const char *what;
		SDL_Color c;
	} inks[] = {
		{"text", p->text}, {"text_dim", p->text_dim}, {"accent", p->accent},
		{"dns", p->dns}, {"decision", p->decision}, {"lock", p->lock},
		{"cmd", p->cls[LAD_CMD]}, {"2xx", p->cls[LAD_2XX]}, {"3xx", p->cls[LAD_3XX]},
		{"4xx", p->cls[LAD_4XX]}, {"5xx", p->cls[LAD_5XX]}, {"info", p->cls[LAD_INFO]},
		{"msg0", p->msg[0]}, {"msg1", p->msg[1]}, {"msg2", p->msg[2]}, {"msg3", p->msg[3]},
		{"msg4", p->msg[4]}, {"dsn_failed", p->dsn_failed}, {"dsn_delayed", p->dsn_delayed},
		{"filter", p->filter},
	};
	const struct {
		const char *what;
		SDL_Color c;
	} grounds[] = {{"bg", p->bg}, {"panel", p->panel}, {"header", p->header}};

	for (size_t i = 0; i < sizeof inks / sizeof inks[0]; i++)
		for (size_t j = 0; j < sizeof grounds / sizeof grounds[0]; j++) {
			double r = pal_contrast(inks[i].c, grounds[j].c);
			if (r < 4.5)
				FAILF("%s: %s on %s is %.2f:1, want >= 4.5:1\n", name, inks[i].what,
				      grounds[j].what, r);
		}
}

static void test_text_contrast(void **state)
{
	(void)state;
	check_palette("default", &pal_high_contrast);
	check_palette("projector", &pal_projector);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratio_is_wcag),
		cmocka_unit_test(test_text_contrast),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
