-- 三率 and the 考核 score for any period, per lead unit, area or category
-- (docs/archive.md). hl_report_month (0002) is now this for one month per
-- unit, so both give the same figures by construction.
--
-- The tickets counted are those that came in on the local days
-- [LO_DAY, HI_DAY) (TZ_OFFSET_MIN east of UTC, 480 for Beijing), each once
-- with its final outcome; the last row (grp '*') is the whole hotline.
--   响应率 response rate     responded_on_time / dispatched
--   解决率 resolution rate   resolved / rated
--   满意率 satisfaction rate (satisfied + basically satisfied) / rated
--   考核 score               100 × the rates weighted by WEIGHTS (response,
--                            resolution, satisfaction; default 30/35/35),
--                            over the rates that have a denominator (their
--                            weights scaled to sum 1); NULL if none has
-- A rate whose denominator is 0 is NULL, never 0 or 1: show the counts.

CREATE FUNCTION hl_report(lo_day date, hi_day date, group_by text DEFAULT 'unit',
                          tz_offset_min integer DEFAULT 480,
                          weights numeric[] DEFAULT '{0.30,0.35,0.35}')
RETURNS TABLE (grp text, tickets bigint, dispatched bigint, responded_on_time bigint,
               rated bigint, resolved bigint, satisfied bigint, reopened bigint,
               closed bigint, response_rate numeric, resolution_rate numeric,
               satisfaction_rate numeric, score numeric)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    IF group_by NOT IN ('unit', 'area', 'category') THEN
        RAISE EXCEPTION 'group by unit, area or category, not %', group_by
            USING ERRCODE = '22023';
    END IF;
    IF array_length(weights, 1) IS DISTINCT FROM 3 OR weights[1] < 0 OR weights[2] < 0
       OR weights[3] < 0 OR weights[1] + weights[2] + weights[3] <= 0 THEN
        RAISE EXCEPTION 'weights: three numbers ≥ 0, not all 0' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    WITH bounds AS (
        SELECT (lo_day::timestamp - tz_offset_min * interval '1 minute') AT TIME ZONE 'UTC' AS lo,
               (hi_day::timestamp - tz_offset_min * interval '1 minute') AT TIME ZONE 'UTC' AS hi
    ), counted AS (
        SELECT coalesce(CASE group_by WHEN 'unit' THEN t.unit WHEN 'area' THEN t.area
                                ELSE t.category END, '-') AS g,
               t.dispatched_at IS NOT NULL AS dispatched,
               t.dispatched_at IS NOT NULL AND t.contact_met IS NOT NULL
                   AND (t.contact_due IS NULL OR t.contact_met <= t.contact_due) AS responded,
               t.satisfaction IS NOT NULL AS rated,
               t.satisfaction IS NOT NULL AND coalesce(t.resolved, false) AS resolved,
               t.satisfaction IN ('satisfied', 'basically_satisfied') AS satisfied,
               t.reopen_count > 0 AS reopened,
               t.closed_at IS NOT NULL AS closed
        FROM tickets AS t, bounds AS b
        WHERE t.created_at >= b.lo AND t.created_at < b.hi
    ), summed AS (
        SELECT CASE WHEN grouping(c.g) = 1 THEN '*' ELSE c.g END AS g,
               count(*) AS tickets,
               count(*) FILTER (WHERE c.dispatched) AS dispatched,
               count(*) FILTER (WHERE c.responded) AS responded_on_time,
               count(*) FILTER (WHERE c.rated) AS rated,
               count(*) FILTER (WHERE c.resolved) AS resolved,
               count(*) FILTER (WHERE c.satisfied) AS satisfied,
               count(*) FILTER (WHERE c.reopened) AS reopened,
               count(*) FILTER (WHERE c.closed) AS closed,
               grouping(c.g) AS total
        FROM counted AS c
        GROUP BY ROLLUP (c.g)
    ), rated AS (
        SELECT s.*,
               s.responded_on_time::numeric / nullif(s.dispatched, 0) AS r1,
               s.resolved::numeric / nullif(s.rated, 0) AS r2,
               s.satisfied::numeric / nullif(s.rated, 0) AS r3
        FROM summed AS s
    )
    SELECT r.g, r.tickets, r.dispatched, r.responded_on_time, r.rated, r.resolved,
           r.satisfied, r.reopened, r.closed,
           round(r.r1, 4), round(r.r2, 4), round(r.r3, 4),
           round(100 * (coalesce(weights[1] * r.r1, 0) + coalesce(weights[2] * r.r2, 0)
                        + coalesce(weights[3] * r.r3, 0))
                 / nullif(CASE WHEN r.r1 IS NULL THEN 0 ELSE weights[1] END
                          + CASE WHEN r.r2 IS NULL THEN 0 ELSE weights[2] END
                          + CASE WHEN r.r3 IS NULL THEN 0 ELSE weights[3] END, 0), 2)
    FROM rated AS r
    ORDER BY r.total, r.g;
END $$;

CREATE OR REPLACE FUNCTION hl_report_month(month text, tz_offset_min integer DEFAULT 480)
RETURNS TABLE (unit text, tickets bigint, dispatched bigint, responded_on_time bigint,
               rated bigint, resolved bigint, satisfied bigint, reopened bigint,
               closed bigint, response_rate numeric, resolution_rate numeric,
               satisfaction_rate numeric)
LANGUAGE sql STABLE AS $$
    SELECT r.grp, r.tickets, r.dispatched, r.responded_on_time, r.rated, r.resolved,
           r.satisfied, r.reopened, r.closed, r.response_rate, r.resolution_rate,
           r.satisfaction_rate
    FROM hl_report(to_date(month, 'YYYY-MM'),
                   (to_date(month, 'YYYY-MM') + interval '1 month')::date,
                   'unit', tz_offset_min) AS r;
$$;
