-- The archive: closed tickets and their full history, kept for years.
--
-- One row per ticket, one per history entry; both tables are partitioned
-- by month of the ticket's creation (UTC months), so a year is twelve
-- partitions that can be dumped, moved or dropped on their own, and a
-- ticket's history lives in the same month as the ticket. hotlined creates
-- partitions ahead (hl_ensure_months at start and daily) and the write
-- functions create a missing one on demand (a replay of an old ticket).
--
-- Writes are idempotent upserts: a replay of what is already archived
-- changes nothing, and an older version of a ticket never overwrites a
-- newer one (the version is the number of history entries it reflects).
-- Applied by hl_schema inside one transaction; no transaction control here.

CREATE TABLE tickets (
    number            text        NOT NULL,   -- the ticket number citizens see (no bucket tag)
    created_at        timestamptz NOT NULL,   -- intake; the partition key
    version           bigint      NOT NULL,   -- history entries reflected (last seq)
    state             text        NOT NULL,   -- docs/lifecycle.md state code
    type              text,                   -- 咨询, 求助, 投诉, ...
    category          text,
    area              text,
    unit              text,                   -- lead unit (主办)
    assist_units      text[]      NOT NULL DEFAULT '{}',   -- assisting units (协办)
    channel           text,
    dispatched_at     timestamptz,            -- first dispatch
    closed_at         timestamptz,
    sign_due          timestamptz,            -- SLA milestones: deadline and when met
    sign_met          timestamptz,
    contact_due       timestamptz,
    contact_met       timestamptz,
    reply_due         timestamptz,
    reply_met         timestamptz,
    visit_due         timestamptz,
    visit_met         timestamptz,
    satisfaction      text CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
    resolved          boolean,
    reopen_count      integer     NOT NULL DEFAULT 0,
    -- The caller: a keyed hash of the number finds a caller's tickets
    -- without the number; the readable fields are stored encrypted with a
    -- key that is not in the database.
    caller_hash       bytea,
    caller_phone_enc  bytea,
    caller_name_enc   bytea,
    content           text,
    archived_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (number, created_at)
) PARTITION BY RANGE (created_at);

CREATE INDEX tickets_caller ON tickets (caller_hash, created_at);
CREATE INDEX tickets_unit ON tickets (unit, created_at);
CREATE INDEX tickets_area ON tickets (area, created_at);
CREATE INDEX tickets_category ON tickets (category, created_at);
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_closed ON tickets (closed_at);

CREATE TABLE history (
    number            text        NOT NULL,
    created_at        timestamptz NOT NULL,   -- the ticket's (partition key)
    seq               integer     NOT NULL,   -- 1, 2, ... in the ticket's order
    at                timestamptz NOT NULL,
    actor             text        NOT NULL,   -- role:name
    action            text        NOT NULL,
    from_state        text,
    to_state          text,
    note              text,
    PRIMARY KEY (number, created_at, seq)
) PARTITION BY RANGE (created_at);

CREATE INDEX history_at ON history (at);

-- The partitions of the (UTC) month holding M, if missing. Concurrent
-- callers are serialised by an advisory lock held to their commit.
CREATE FUNCTION hl_ensure_month(m timestamp) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    lo timestamp := date_trunc('month', m);
    hi timestamp := date_trunc('month', m) + interval '1 month';
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tickets', 'history'] LOOP
        IF to_regclass(t || to_char(lo, '_YYYY_MM')) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtext('hl_ensure_month'));
            IF to_regclass(t || to_char(lo, '_YYYY_MM')) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                               t || to_char(lo, '_YYYY_MM'), t,
                               lo AT TIME ZONE 'UTC', hi AT TIME ZONE 'UTC');
            END IF;
        END IF;
    END LOOP;
END $$;

-- The partitions of N months from the one holding FROM_AT.
CREATE FUNCTION hl_ensure_months(from_at timestamptz, n integer) RETURNS void
LANGUAGE sql AS $$
    SELECT hl_ensure_month((from_at AT TIME ZONE 'UTC') + i * interval '1 month')
    FROM generate_series(0, n - 1) AS i;
$$;

-- Every month the rows of BATCH (a JSON array with created_at) fall in.
CREATE FUNCTION hl_ensure_batch(batch jsonb) RETURNS void
LANGUAGE sql AS $$
    SELECT hl_ensure_month(m)
    FROM (SELECT DISTINCT date_trunc('month', (e->>'created_at')::timestamptz AT TIME ZONE 'UTC') AS m
          FROM jsonb_array_elements(batch) AS e) AS months;
$$;

-- Upsert tickets: BATCH is a JSON array of objects named like the columns
-- (timestamps as ISO 8601 text, bytea as '\x...' hex). Returns the rows
-- written: a replay of the same or an older version writes none.
CREATE FUNCTION hl_put_tickets(batch jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    PERFORM hl_ensure_batch(batch);
    INSERT INTO tickets AS t
        (number, created_at, version, state, type, category, area, unit, assist_units,
         channel, dispatched_at, closed_at, sign_due, sign_met, contact_due, contact_met,
         reply_due, reply_met, visit_due, visit_met, satisfaction, resolved, reopen_count,
         caller_hash, caller_phone_enc, caller_name_enc, content)
    SELECT number, created_at, version, state, type, category, area, unit,
           coalesce(assist_units, '{}'), channel, dispatched_at, closed_at, sign_due, sign_met,
           contact_due, contact_met, reply_due, reply_met, visit_due, visit_met, satisfaction,
           resolved, coalesce(reopen_count, 0), caller_hash, caller_phone_enc, caller_name_enc,
           content
    FROM jsonb_populate_recordset(NULL::tickets, batch)
    ON CONFLICT (number, created_at) DO UPDATE SET
        version = EXCLUDED.version, state = EXCLUDED.state, type = EXCLUDED.type,
        category = EXCLUDED.category, area = EXCLUDED.area, unit = EXCLUDED.unit,
        assist_units = EXCLUDED.assist_units, channel = EXCLUDED.channel,
        dispatched_at = EXCLUDED.dispatched_at, closed_at = EXCLUDED.closed_at,
        sign_due = EXCLUDED.sign_due, sign_met = EXCLUDED.sign_met,
        contact_due = EXCLUDED.contact_due, contact_met = EXCLUDED.contact_met,
        reply_due = EXCLUDED.reply_due, reply_met = EXCLUDED.reply_met,
        visit_due = EXCLUDED.visit_due, visit_met = EXCLUDED.visit_met,
        satisfaction = EXCLUDED.satisfaction, resolved = EXCLUDED.resolved,
        reopen_count = EXCLUDED.reopen_count, caller_hash = EXCLUDED.caller_hash,
        caller_phone_enc = EXCLUDED.caller_phone_enc, caller_name_enc = EXCLUDED.caller_name_enc,
        content = EXCLUDED.content, archived_at = now()
    WHERE t.version < EXCLUDED.version;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- Insert history entries (immutable: a replayed entry is skipped).
-- Returns the entries written.
CREATE FUNCTION hl_put_history(batch jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    PERFORM hl_ensure_batch(batch);
    INSERT INTO history (number, created_at, seq, at, actor, action, from_state, to_state, note)
    SELECT number, created_at, seq, at, actor, action, from_state, to_state, note
    FROM jsonb_populate_recordset(NULL::history, batch)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
