/* anvil.h — per-client-address limits for `mailsim serve`, after Postfix's
 * anvil(8) server and the smtpd parameters that use it:
 *   - smtpd_client_connection_count_limit (50): connections open at once
 *     from one address;
 *   - smtpd_client_connection_rate_limit (Postfix: 0, off): connection
 *     attempts from one address per anvil_rate_time_unit (60 s). As in
 *     anvil, a counter starts with the first attempt and is reset once the
 *     time unit since then has passed; refused attempts count too;
 *   - failed AUTH attempts per time unit (like smtpd_client_auth_rate_limit,
 *     which counts AUTH commands; counting failures spares a client that
 *     logs in right).
 * Over a limit the client gets "421 4.7.0 <host> Error: too many ... from
 * <address>" and is closed; serve.c and mta_live.c trace it (live.limit).
 *
 * Times are µs on any monotonic clock; a limit of 0 is off. */
#ifndef MAILSIM_ANVIL_H
#define MAILSIM_ANVIL_H

#include <stdbool.h>
#include <stdint.h>

#include "mta_live.h"

#define ANVIL_TIME_UNIT_US 60000000 /* anvil_rate_time_unit: 60 s */

struct anvil_limits {
	long max_per_ip;        /* concurrent connections per address */
	long max_rate;          /* connection attempts per time unit */
	long max_auth_failures; /* failed AUTH per time unit; the last one gets 421 */
};

/* Which limit a connection attempt broke. */
enum anvil_verdict { ANVIL_OK, ANVIL_TOO_MANY, ANVIL_TOO_FAST };

struct anvil;

struct anvil *anvil_new(const struct anvil_limits *lim);
void anvil_free(struct anvil *a);
/* A connection attempt from ip: counted; ANVIL_OK when it may proceed (then
 * anvil_disconnect() once it ends), else the limit, with the count it
 * reached and the limit's value. */
enum anvil_verdict anvil_connect(struct anvil *a, const char *ip, int64_t now, long *count,
				 long *max);
void anvil_disconnect(struct anvil *a, const char *ip);
/* The AUTH gate for the served MTA (mta_live.h); ctx is the anvil, its
 * clock the one given to anvil_set_clock. */
void anvil_set_clock(struct anvil *a, int64_t (*now)(void *ctx), void *ctx);
bool anvil_auth_blocked(void *a, const char *ip, long *count, long *max);
bool anvil_auth_failed(void *a, const char *ip, long *count, long *max);

#endif
