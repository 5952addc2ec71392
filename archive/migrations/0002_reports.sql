-- Monthly 三率 per lead unit, from the archive (docs/archive.md).
--
-- The tickets counted are those that came in during the month (local
-- time: TZ_OFFSET_MIN east of UTC, 480 for Beijing), each once with its
-- final outcome; the last row (unit '*') is the whole hotline.
--   响应率 response rate     responded_on_time / dispatched
--   解决率 resolution rate   resolved / rated
--   满意率 satisfaction rate (satisfied + basically satisfied) / rated
-- A rate whose denominator is 0 is NULL, never 0 or 1: show the counts.

CREATE FUNCTION hl_report_month(month text, tz_offset_min integer DEFAULT 480)
RETURNS TABLE (unit text, tickets bigint, dispatched bigint, responded_on_time bigint,
               rated bigint, resolved bigint, satisfied bigint, reopened bigint,
               closed bigint, response_rate numeric, resolution_rate numeric,
               satisfaction_rate numeric)
LANGUAGE sql STABLE AS $$
    WITH bounds AS (
        SELECT (d::timestamp - tz_offset_min * interval '1 minute') AT TIME ZONE 'UTC' AS lo,
               ((d + interval '1 month')::timestamp - tz_offset_min * interval '1 minute')
                   AT TIME ZONE 'UTC' AS hi
        FROM (SELECT to_date(month, 'YYYY-MM') AS d) AS m
    ), counted AS (
        SELECT coalesce(t.unit, '-') AS unit,
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
        SELECT CASE WHEN grouping(c.unit) = 1 THEN '*' ELSE c.unit END AS unit,
               count(*) AS tickets,
               count(*) FILTER (WHERE c.dispatched) AS dispatched,
               count(*) FILTER (WHERE c.responded) AS responded_on_time,
               count(*) FILTER (WHERE c.rated) AS rated,
               count(*) FILTER (WHERE c.resolved) AS resolved,
               count(*) FILTER (WHERE c.satisfied) AS satisfied,
               count(*) FILTER (WHERE c.reopened) AS reopened,
               count(*) FILTER (WHERE c.closed) AS closed,
               grouping(c.unit) AS total
        FROM counted AS c
        GROUP BY ROLLUP (c.unit)
    )
    SELECT s.unit, s.tickets, s.dispatched, s.responded_on_time, s.rated, s.resolved,
           s.satisfied, s.reopened, s.closed,
           round(s.responded_on_time::numeric / nullif(s.dispatched, 0), 4),
           round(s.resolved::numeric / nullif(s.rated, 0), 4),
           round(s.satisfied::numeric / nullif(s.rated, 0), 4)
    FROM summed AS s
    ORDER BY s.total, s.unit;
$$;
