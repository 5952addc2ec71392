/*  hl_date: calendar dates as day numbers.
 *
 *  The one place where a date of the proleptic Gregorian calendar becomes
 *  a count of days since 1970-01-01 (and leap years are decided), for
 *  every parser of dates (articles, Open311 datetimes). Pure arithmetic:
 *  no time zone, no libc.
 */
#ifndef HL_DATE_H_INCLUDED
#define HL_DATE_H_INCLUDED

#include <stdint.h>

//  Days since 1970-01-01 of year Y, month M (1-12), day D (negative before).
int64_t hl_date_days (int64_t y, int m, int d);

//  The date of day number DAYS (days since 1970-01-01): the inverse of
//  hl_date_days.
void hl_date_civil (int64_t days, int64_t *y, int *m, int *d);

//  Days in month M (1-12) of year Y.
int hl_date_month_days (int64_t y, int m);

#endif
