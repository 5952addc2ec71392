/*  hl_holidays: the statutory public holidays of a year, as the national
 *  rules fix them before the State Council publishes the year's schedule.
 *
 *  全国年节及纪念日放假办法, as amended in 2024 (in force from 2025): 元旦
 *  1 day, 春节 4 days from 除夕 (the eve) to 初三, 清明 1 day (the day of
 *  the solar term), 劳动节 2 days (May 1-2), 端午 1 day (5th of the 5th
 *  lunar month), 中秋 1 day (15th of the 8th), 国庆 3 days (Oct 1-3).
 *  No make-up workdays (调休): nobody can know them in advance. A holiday
 *  that falls on a weekend is made up on a working day (补假, art. 6);
 *  the working calendar, which knows weekdays, adds those (hl_calendar.c).
 *
 *  The lunar dates and 清明 come from a table made by
 *  tools/gen-holidays-table for HL_HOLIDAYS_FIRST_YEAR..HL_HOLIDAYS_LAST_YEAR;
 *  outside that range there is nothing to say. The working calendar uses
 *  these days for years without a calendar file (see hl_calendar.h).
 */
#ifndef HL_HOLIDAYS_H_INCLUDED
#define HL_HOLIDAYS_H_INCLUDED

#define HL_HOLIDAYS_FIRST_YEAR 2025
#define HL_HOLIDAYS_LAST_YEAR 2050

//  Holidays (each one or more consecutive days) in a year.
#define HL_HOLIDAYS_PER_YEAR 7

//  One statutory holiday: NDAYS days from MONTH/DAY (Gregorian).
typedef struct {
    int month;
    int day;
    int ndays;
    const char *name;                   //  "春节"
} hl_holiday_t;

//  Fill HOLIDAYS with the statutory holidays of YEAR in the order of the
//  rules (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆). Returns
//  HL_HOLIDAYS_PER_YEAR, or 0 if the table does not cover YEAR. Two
//  holidays may share a day (中秋 can fall on Oct 1-3).
int
    hl_holidays_statutory (int year, hl_holiday_t holidays[HL_HOLIDAYS_PER_YEAR]);

#endif
