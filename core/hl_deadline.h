/*  hl_deadline: what the SLA policy and the working calendar say about a
 *  ticket's milestones, for hotlined.
 *
 *  The policy (sla.conf) and the calendar (one file per year) are loaded
 *  together and reloaded together; a generation number tells the daemon
 *  when deadlines armed earlier must be recomputed. The clock is
 *  injectable: a manual clock lets tests run days of working time in
 *  seconds.
 *
 *  The timers themselves live in Redis (hl_timers); this class only does
 *  the arithmetic.
 */
#ifndef HL_DEADLINE_H_INCLUDED
#define HL_DEADLINE_H_INCLUDED

#include "hl_calendar.h"
#include "hl_sla_policy.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hl_deadline hl_deadline_t;

//  What the policy needs to know of a ticket.
typedef struct {
    int request_type;            //  Hotline__RequestType
    int urgent;
    int enterprise;
    char tag[32];
} hl_deadline_facts_t;

//  Load the policy file and the calendar directory. CLOCK_START_MS > 0
//  makes the clock manual, starting there. NULL with ERR on error.
hl_deadline_t *hl_deadline_new (const char *policy, const char *calendar_dir,
                                int64_t clock_start_ms, char *err, size_t errlen);
void hl_deadline_destroy (hl_deadline_t **self_p);

//  Reload both files; on error nothing changes. 0 or -1 with ERR.
int hl_deadline_reload (hl_deadline_t *self, char *err, size_t errlen);

//  Bumped by every successful reload.
uint64_t hl_deadline_generation (const hl_deadline_t *self);

//  The daemon's clock.
int64_t hl_deadline_now (hl_deadline_t *self);
int hl_deadline_clock_is_manual (hl_deadline_t *self);
void hl_deadline_clock_set (hl_deadline_t *self, int64_t now_ms);

//  Milestone names as hotline uses them: "sign", "contact", "reply", "visit";
//  -1 if unknown.
int hl_deadline_milestone_parse (const char *name);
const char *hl_deadline_milestone_name (int milestone);

//  The deadline of MILESTONE for a clock started at START_MS, stopped
//  during the pauses in PAUSES ("from-to,from-to,..." in ms, an open one
//  written "from-"), and lengthened by EXTENSION_DAYS approved working days
//  (reply only). Returns 0, or -1 if the policy has nothing loaded.
int hl_deadline_compute (hl_deadline_t *self, const hl_deadline_facts_t *facts,
                         int milestone, int64_t start_ms, const char *pauses,
                         int extension_days, hl_sla_deadline_t *out);

//  Time left until OUT's due moment at NOW_MS, in the limit's own time.
int64_t hl_deadline_left (hl_deadline_t *self, const hl_sla_deadline_t *deadline,
                          int64_t now_ms);

//  Whole days from today (the clock's) until the loaded calendar files
//  end (hl_calendar_loaded_until); 0 if this year has no file. Deadlines
//  reaching past that day are provisional.
int64_t hl_deadline_calendar_days_left (hl_deadline_t *self);

//  The profile name for FACTS ("" if none).
const char *hl_deadline_profile (hl_deadline_t *self, const hl_deadline_facts_t *facts);

#endif
