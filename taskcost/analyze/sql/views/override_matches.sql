-- view: override_matches
-- grain: one row per row of the --outcomes file and task it matches (task_id null: none)
-- reads: outcome_overrides (registered from the file; empty without one), task_facts
-- A row names a task by its id, or by its session and a time: the task of that session
-- in progress then (started at or before, the next one not yet started).
SELECT o.line, o.outcome, o.reason, o.confidence, f.task_id
FROM outcome_overrides AS o
LEFT JOIN task_facts AS f
    ON o.task_id = f.task_id
    OR (o.task_id IS NULL AND o.session_id = f.session_id AND o.at >= f.started_at
        AND (f.next_started_at IS NULL OR o.at < f.next_started_at))
