/*  hl_holidays: the statutory holidays. See hl_holidays.h. */
#include "hl_holidays.h"

#include <assert.h>
#include <stddef.h>

//  One year of the generated table: the dates that move.
typedef struct {
    int year;
    int eve_month, eve_day;             //  除夕, the eve of lunar 1/1
    int qingming_day;                   //  清明, in April
    int duanwu_month, duanwu_day;       //  lunar 5/5
    int zhongqiu_month, zhongqiu_day;   //  lunar 8/15
} s_moving_t;

static const s_moving_t s_table[] = {
#include "hl_holidays_table.inc"
};

#define S_YEARS (HL_HOLIDAYS_LAST_YEAR - HL_HOLIDAYS_FIRST_YEAR + 1)
_Static_assert (sizeof s_table / sizeof s_table[0] == S_YEARS,
                "hl_holidays_table.inc must cover HL_HOLIDAYS_FIRST_YEAR..LAST_YEAR");

int
hl_holidays_statutory (int year, hl_holiday_t holidays[HL_HOLIDAYS_PER_YEAR])
{
    assert (holidays);
    if (year < HL_HOLIDAYS_FIRST_YEAR || year > HL_HOLIDAYS_LAST_YEAR)
        return 0;
    const s_moving_t *m = &s_table[year - HL_HOLIDAYS_FIRST_YEAR];
    assert (m->year == year);
    const hl_holiday_t all[HL_HOLIDAYS_PER_YEAR] = {
        { 1, 1, 1, "元旦" },
        { m->eve_month, m->eve_day, 4, "春节" },
        { 4, m->qingming_day, 1, "清明" },
        { 5, 1, 2, "劳动节" },
        { m->duanwu_month, m->duanwu_day, 1, "端午" },
        { m->zhongqiu_month, m->zhongqiu_day, 1, "中秋" },
        { 10, 1, 3, "国庆" }
    };
    for (int i = 0; i < HL_HOLIDAYS_PER_YEAR; i++)
        holidays[i] = all[i];
    return HL_HOLIDAYS_PER_YEAR;
}
