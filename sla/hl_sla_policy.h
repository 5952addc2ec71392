/*  hl_sla_policy: SLA profiles, and the deadlines they give a ticket.
 *
 *  A policy file (deploy/etc/sla.conf; format in docs/sla.md and in the
 *  file itself) defines named profiles. Each profile sets, for every
 *  request type, the limit of each milestone: sign (签收), first contact
 *  (响应), reply (答复) and follow-up visit (回访), in clock minutes or
 *  hours, calendar days, working minutes, working hours or working days;
 *  the share of the limit at which the reminder (催办) fires; and the
 *  escalation that follows overdue (督办) after a further amount. Select
 *  lines pick a ticket's profile from its urgency, enterprise flag and
 *  matter tag, first match wins.
 *
 *  Deadline arithmetic is separate from lookup: hl_sla_policy_rule()
 *  gives a self-contained rule (a value the daemon can store with the
 *  ticket), and hl_sla_rule_compute() turns a rule, a start moment and the
 *  ticket's pauses into moments, with the calendar. A pause stops the
 *  clock: the deadline moves by the time the pause took out of the
 *  limit's own time (working time for working units, clock time
 *  otherwise), and only pauses before the deadline count.
 *
 *  A policy is not locked: the owner serialises loads against lookups. A
 *  failed load leaves the policy exactly as it was.
 */
#ifndef HL_SLA_POLICY_H_INCLUDED
#define HL_SLA_POLICY_H_INCLUDED

#include "hl_calendar.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _hl_sla_policy_t hl_sla_policy_t;

//  Request types (诉求类型).
typedef enum {
    HL_SLA_INQUIRY = 0,             //  咨询
    HL_SLA_HELP = 1,                //  求助
    HL_SLA_COMPLAINT = 2,           //  投诉
    HL_SLA_REPORT = 3,              //  举报
    HL_SLA_SUGGESTION = 4,          //  建议
    HL_SLA_THANKS = 5,              //  感谢
    HL_SLA_OTHER = 6,               //  其他
    HL_SLA_TYPES = 7
} hl_sla_type_t;

//  Milestones that have a limit.
typedef enum {
    HL_SLA_SIGN = 0,                //  签收: unit accepts the ticket
    HL_SLA_CONTACT = 1,             //  响应: first contact with the caller
    HL_SLA_REPLY = 2,               //  答复: the unit's answer
    HL_SLA_VISIT = 3,               //  回访: the hotline's follow-up call
    HL_SLA_MILESTONES = 4
} hl_sla_milestone_t;

//  Units of a limit.
typedef enum {
    HL_SLA_NONE = 0,                //  no limit
    HL_SLA_CLOCK_MINUTES = 1,       //  "30min", 7x24
    HL_SLA_CLOCK_HOURS = 2,         //  "2h", 7x24
    HL_SLA_CALENDAR_DAYS = 3,       //  "7d", ends at midnight of day N
    HL_SLA_WORKING_MINUTES = 4,     //  "90wmin"
    HL_SLA_WORKING_HOURS = 5,       //  "1wh"
    HL_SLA_WORKING_DAYS = 6         //  "2wd", ends at the close of day N
} hl_sla_unit_t;

typedef struct {
    hl_sla_unit_t unit;
    int32_t amount;                 //  1..HL_SLA_AMOUNT_MAX, 0 for NONE
} hl_sla_limit_t;

#define HL_SLA_AMOUNT_MAX 9999

//  Longest profile or tag name, with its NUL.
#define HL_SLA_NAME_MAX 32

//  What selects a ticket's profile.
typedef struct {
    hl_sla_type_t type;
    bool urgent;                    //  紧急件
    bool enterprise;                //  涉企诉求
    const char *tag;                //  matter tag such as "utility-outage", or NULL
} hl_sla_ticket_t;

//  One milestone's rule for one ticket, as the policy said when asked.
typedef struct {
    char profile[HL_SLA_NAME_MAX];
    hl_sla_limit_t limit;
    hl_calendar_day1_t day1;        //  for day units, of the limit and escalation
    int warn_pct;                   //  催办 at this share of the limit; 0 = none
    hl_sla_limit_t escalate;        //  further escalation after the deadline
} hl_sla_rule_t;

//  A stretch of time the clock was stopped. TO_MS is HL_SLA_OPEN while the
//  ticket is still paused. Pauses may overlap and come in any order.
typedef struct {
    int64_t from_ms;
    int64_t to_ms;
} hl_sla_pause_t;

#define HL_SLA_OPEN INT64_MAX
//  A moment that never comes (no limit, or the clock is stopped).
#define HL_SLA_NEVER INT64_MAX

//  Flags of a computed deadline, besides HL_CALENDAR_PROVISIONAL.
#define HL_SLA_NO_LIMIT 0x10u       //  the milestone has no limit
#define HL_SLA_PAUSED   0x20u       //  an open pause stopped the clock first
#define HL_SLA_WORKING  0x40u       //  the limit runs in working time

typedef struct {
    int64_t start_ms;               //  when the limit's clock starts
    int64_t warn_ms;                //  催办 (yellow), or HL_SLA_NEVER
    int64_t due_ms;                 //  the deadline; 督办 (red) from here
    int64_t escalate_ms;            //  further escalation, or HL_SLA_NEVER
    int64_t paused_ms;              //  limit time taken out by closed pauses
    unsigned flags;                 //  HL_SLA_* and HL_CALENDAR_PROVISIONAL
} hl_sla_deadline_t;

//  Create a policy with no profiles (every lookup fails until a load).
hl_sla_policy_t *
    hl_sla_policy_new (void);

//  Destroy a policy; nulls the pointer, idempotent.
void
    hl_sla_policy_destroy (hl_sla_policy_t **self_p);

//  Replace the policy with the one in file PATH. Returns 0, or -1 with
//  "file:line: message" in ERR and the policy untouched.
int
    hl_sla_policy_load (hl_sla_policy_t *self, const char *path,
                        char *err, size_t errlen);

//  Same for file contents in memory; NAME is used in messages.
int
    hl_sla_policy_load_string (hl_sla_policy_t *self, const char *text,
                               const char *name, char *err, size_t errlen);

//  Counter bumped by every successful load: rules taken under an older
//  generation may be stale.
uint64_t
    hl_sla_policy_generation (hl_sla_policy_t *self);

//  Name of the profile TICKET gets, or NULL if nothing is loaded. The
//  string lives until the next load.
const char *
    hl_sla_policy_profile (hl_sla_policy_t *self, const hl_sla_ticket_t *ticket);

//  Fill *RULE for TICKET's MILESTONE. Returns 0, or -1 if nothing is loaded.
int
    hl_sla_policy_rule (hl_sla_policy_t *self, const hl_sla_ticket_t *ticket,
                        hl_sla_milestone_t milestone, hl_sla_rule_t *rule);

//  Fill *RULE with a limit of N (1..HL_SLA_AMOUNT_MAX) working days under
//  profile PROFILE's day-1 convention, without reminder or escalation:
//  what "N working days from receipt" means there. PROFILE NULL is the
//  profile an ordinary ticket gets (not urgent, not enterprise, no tag).
//  Returns 0, or -1 if nothing is loaded or there is no such profile.
int
    hl_sla_policy_working_days_rule (hl_sla_policy_t *self, const char *profile,
                                     int n, hl_sla_rule_t *rule);

//  Look up TICKET's MILESTONE and compute its deadline from START_MS with
//  the NPAUSES PAUSES. Returns 0, or -1 if nothing is loaded.
int
    hl_sla_policy_deadline (hl_sla_policy_t *self, hl_calendar_t *calendar,
                            const hl_sla_ticket_t *ticket,
                            hl_sla_milestone_t milestone, int64_t start_ms,
                            const hl_sla_pause_t *pauses, size_t npauses,
                            hl_sla_deadline_t *deadline);

//  All four milestones counted from one START_MS without pauses: what a
//  ticket is promised at intake. (Later milestones are usually recounted
//  from their own start: contact and reply from sign, visit from reply.)
int
    hl_sla_policy_deadlines (hl_sla_policy_t *self, hl_calendar_t *calendar,
                             const hl_sla_ticket_t *ticket, int64_t start_ms,
                             hl_sla_deadline_t deadlines[HL_SLA_MILESTONES]);

//  Compute RULE's deadline for a clock started at START_MS (receipt, for
//  day-1 purposes) and stopped during PAUSES. Pauses that end before they
//  begin are ignored.
void
    hl_sla_rule_compute (const hl_sla_rule_t *rule, hl_calendar_t *calendar,
                         int64_t start_ms, const hl_sla_pause_t *pauses,
                         size_t npauses, hl_sla_deadline_t *deadline);

//  Time left until DEADLINE's due moment at NOW_MS, in the limit's own
//  time (working ms for working limits); negative once overdue,
//  HL_SLA_NEVER if there is no due moment.
int64_t
    hl_sla_time_left (const hl_sla_deadline_t *deadline, hl_calendar_t *calendar,
                      int64_t now_ms);

//  Names. *_name gives the English word used in files and on the wire,
//  *_label the Chinese term; *_parse accepts either, -1 if unknown.
const char *
    hl_sla_type_name (hl_sla_type_t type);
const char *
    hl_sla_type_label (hl_sla_type_t type);
int
    hl_sla_type_parse (const char *text);
const char *
    hl_sla_milestone_name (hl_sla_milestone_t milestone);
const char *
    hl_sla_milestone_label (hl_sla_milestone_t milestone);
int
    hl_sla_milestone_parse (const char *text);

//  Parse a limit such as "2wd", "30min" or "-" (none). Returns 0 or -1.
int
    hl_sla_limit_parse (const char *text, hl_sla_limit_t *limit);

//  Write LIMIT in the same notation into BUF; returns BUF.
char *
    hl_sla_limit_format (hl_sla_limit_t limit, char *buf, size_t buflen);

#endif
