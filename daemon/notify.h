/*
 * notify.h - the systemd notify protocol (sd_notify(3)), without libsystemd.
 *
 * Sends "READY=1", "STOPPING=1", "WATCHDOG=1"... as one datagram to the
 * AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an abstract name when
 * it starts with '@').  Without $NOTIFY_SOCKET every call does nothing.
 */
#ifndef OKR_NOTIFY_H
#define OKR_NOTIFY_H

#include <stdint.h>

/* Send state; returns 1 sent, 0 not under systemd, -errno on failure. */
int notify_send(const char *state);

/* The watchdog ping interval in ms (half of $WATCHDOG_USEC, when it is set
 * and $WATCHDOG_PID, if set, is this process), or 0 when there is none. */
int64_t notify_watchdog_ms(void);

#endif
