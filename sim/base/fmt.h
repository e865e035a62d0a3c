/* fmt.h — snprintf for the formats the simulator writes per message.
 *
 * SMTP replies and commands, Received: lines, queue ids and trace texts
 * are literal text with %s and integers: glibc's vfprintf spends hundreds
 * of instructions per call on its general machinery (locale, flags,
 * FILE emulation) and was a fifth of a run's time. fmt_vsnprintf formats
 * literal text, %%, %s, %c and %d/%i/%u (with l, ll, or z for %zu) by
 * hand, and hands any other format (a width, a precision, a flag, %x, a
 * float...) to vsnprintf. Either way the contract is vsnprintf's: at most
 * cap - 1 bytes and a NUL into buf (nothing when cap is 0), and the length
 * the whole text has; a NULL %s argument prints "(null)", as glibc does. */
#ifndef MAILSIM_FMT_H
#define MAILSIM_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int fmt_snprintf(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
