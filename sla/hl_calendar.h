/*  hl_calendar: the working calendar that SLA deadlines are counted in.
 *
 *  A calendar knows the office hours of a working day (default 08:30-12:00
 *  and 14:30-18:00), that Saturday and Sunday are off, and, from yearly
 *  calendar files, the public holidays and the make-up workdays (调休) that
 *  the State Council publishes each November. See docs/sla.md for the file
 *  format.
 *
 *  Time zone: all civil time is Asia/Shanghai, computed as a fixed UTC+8
 *  offset. China has observed no daylight saving time since 1991, so the
 *  offset is exact for every moment a ticket can have; nothing here reads
 *  TZ or the machine's zone database.
 *
 *  All moments are Unix milliseconds. Every operation is a pure function of
 *  the calendar's contents, O(1) or O(log n) in the distance covered (whole
 *  days are skipped with prefix counts, never walked minute by minute).
 *
 *  Years without a calendar file: intake never stops, so a deadline that
 *  runs into a year nobody has loaded yet is still computed, with the
 *  statutory rule (Monday to Friday are working days, minus the statutory
 *  holidays of hl_holidays and the weekdays that make up for those falling
 *  on a weekend (补假), no make-up workdays (调休); plain Monday to Friday
 *  outside that table's years), and marked provisional: every operation
 *  ORs HL_CALENDAR_PROVISIONAL into *flags (when FLAGS is not NULL) if any
 *  day it looked at lies in such a year. The owner recomputes provisional
 *  deadlines once the year is loaded.
 *
 *  Working-day counting (hl_calendar_add_working_days) follows one of two
 *  day-1 conventions:
 *    HL_CALENDAR_DAY1_RECEIPT  day 1 is the working day on which the first
 *      working moment at or after receipt falls: the day of receipt itself
 *      if the ticket arrives on a working day before its office hours end
 *      (lunch breaks included), else the next working day;
 *    HL_CALENDAR_DAY1_NEXT  day 1 is always the first working day after
 *      the calendar day of receipt (the Civil Code rule that the day an
 *      event happens is not counted).
 *  N working days then end at the close of office hours of the N-th
 *  working day counted from day 1 inclusive.
 *
 *  A calendar is not locked: the owner serialises loads against reads
 *  (hotlined does both on its loop thread). A failed load leaves the
 *  calendar exactly as it was.
 */
#ifndef HL_CALENDAR_H_INCLUDED
#define HL_CALENDAR_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _hl_calendar_t hl_calendar_t;

//  Flag ORed into *flags: the result depends on a year with no calendar file.
#define HL_CALENDAR_PROVISIONAL 1u

//  Most office intervals a working day may have.
#define HL_CALENDAR_MAX_INTERVALS 8

//  Shanghai's fixed offset from UTC.
#define HL_CALENDAR_UTC_OFFSET_MS (8 * 3600 * INT64_C (1000))

typedef enum {
    HL_CALENDAR_DAY1_RECEIPT = 0,
    HL_CALENDAR_DAY1_NEXT = 1
} hl_calendar_day1_t;

//  Create a calendar with the default office hours and no year loaded.
hl_calendar_t *
    hl_calendar_new (void);

//  Destroy a calendar; nulls the pointer, idempotent.
void
    hl_calendar_destroy (hl_calendar_t **self_p);

//  Set the office hours of every working day from SPEC, a list of
//  "HH:MM-HH:MM" intervals separated by commas or spaces, ascending and not
//  overlapping ("24:00" may end the last). Returns 0, or -1 with a message
//  in ERR and the hours unchanged.
int
    hl_calendar_set_hours (hl_calendar_t *self, const char *spec,
                           char *err, size_t errlen);

//  Write the office hours as a SPEC string into BUF; returns BUF.
char *
    hl_calendar_hours (hl_calendar_t *self, char *buf, size_t buflen);

//  Working milliseconds in one working day (7 h with the default hours).
int64_t
    hl_calendar_day_ms (hl_calendar_t *self);

//  Replace all years with the calendar files in directory DIR (every file
//  named YYYY.conf; other names ending in .conf are an error, other files
//  are ignored). Returns 0, or -1 with "file:line: message" in ERR and the
//  calendar untouched.
int
    hl_calendar_load_dir (hl_calendar_t *self, const char *dir,
                          char *err, size_t errlen);

//  Add (or replace) the one year in calendar file PATH. Returns 0, or -1
//  with "file:line: message" in ERR and the calendar untouched.
int
    hl_calendar_load_file (hl_calendar_t *self, const char *path,
                           char *err, size_t errlen);

//  Same as hl_calendar_load_file for file contents held in memory; NAME is
//  used in error messages (and, if it is YYYY.conf, checked against the
//  year line).
int
    hl_calendar_load_string (hl_calendar_t *self, const char *text,
                             const char *name, char *err, size_t errlen);

//  True if a calendar file for YEAR is loaded.
bool
    hl_calendar_has_year (hl_calendar_t *self, int year);

//  The end of the loaded calendar files that T lies in: the midnight after
//  the last of the consecutive loaded years from T's year on, or T itself
//  if T's year has no file. From there on deadlines are provisional.
int64_t
    hl_calendar_loaded_until (hl_calendar_t *self, int64_t t);

//  Counter bumped by every change (load, office hours): a deadline
//  computed under an older generation may be stale.
uint64_t
    hl_calendar_generation (hl_calendar_t *self);

//  True if T is working time (a working day, inside an office interval;
//  intervals include their start and exclude their end).
bool
    hl_calendar_is_working (hl_calendar_t *self, int64_t t, unsigned *flags);

//  True if the Shanghai day containing T is a working day.
bool
    hl_calendar_is_working_day (hl_calendar_t *self, int64_t t, unsigned *flags);

//  The first working moment at or after T.
int64_t
    hl_calendar_next_working (hl_calendar_t *self, int64_t t, unsigned *flags);

//  Working milliseconds in [FROM, TO); negative if TO is before FROM, so
//  that "deadline minus now" reads as time left, or overdue if negative.
int64_t
    hl_calendar_working_between (hl_calendar_t *self, int64_t from, int64_t to,
                                 unsigned *flags);

//  The earliest moment at which MS (>= 0) working milliseconds have passed
//  since T. An amount that ends exactly with an office interval ends at its
//  close (12:00), not at the next opening.
int64_t
    hl_calendar_add_working_ms (hl_calendar_t *self, int64_t t, int64_t ms,
                                unsigned *flags);

//  Same in working minutes and working hours (N >= 0).
int64_t
    hl_calendar_add_working_minutes (hl_calendar_t *self, int64_t t, int64_t n,
                                     unsigned *flags);
int64_t
    hl_calendar_add_working_hours (hl_calendar_t *self, int64_t t, int64_t n,
                                   unsigned *flags);

//  The end of N (>= 1) working days from receipt at T: the close of office
//  hours on the N-th working day, day 1 chosen by CONV (see above).
int64_t
    hl_calendar_add_working_days (hl_calendar_t *self, int64_t t, int64_t n,
                                  hl_calendar_day1_t conv, unsigned *flags);

//  The opening of office hours on working day 1 for receipt at T: the
//  moment the working-day clock starts under CONV.
int64_t
    hl_calendar_day1_open (hl_calendar_t *self, int64_t t,
                           hl_calendar_day1_t conv, unsigned *flags);

//  The end (next midnight) of N (>= 1) calendar days from receipt at T,
//  day 1 being the day of receipt (RECEIPT) or the day after (NEXT).
//  Working calendar does not matter; only the time zone does.
int64_t
    hl_calendar_add_calendar_days (int64_t t, int64_t n, hl_calendar_day1_t conv);

//  Shanghai midnight starting the day that contains T.
int64_t
    hl_calendar_midnight (int64_t t);

//  Unix milliseconds of a Shanghai wall-clock time. The fields must form a
//  valid date and time (years 1970-9999; HOUR 24 with MINUTE 0 means the
//  next midnight).
int64_t
    hl_calendar_local_ms (int year, int month, int day, int hour, int minute);

//  Parse "YYYY-MM-DD", "YYYY-MM-DD HH:MM" or "YYYY-MM-DDTHH:MM[:SS]"
//  (Shanghai time) into *MS. Returns 0, or -1 if TEXT is not such a time.
int
    hl_calendar_parse_local (const char *text, int64_t *ms);

//  Write T as "YYYY-MM-DD HH:MM:SS" (Shanghai time) into BUF; returns BUF.
char *
    hl_calendar_format (int64_t t, char *buf, size_t buflen);

#endif
