-- step: merge-slots
-- grain: one row per candidate copy of a bucket row: every staged row, plus the
--        warehouse rows of the same slot
-- reads: staged_slots, existing_slots (one of org_usage, org_cost, member_daily)
-- writes: new_slots (the staged rows kept), removed_slots (per warehouse file, the rows
--         that lost)
-- One row per slot_key (export, bucket width, aligned bucket start, grouping values).
-- The same slot downloaded twice is kept once: the copy whose bucket spans the longest
-- time (a day downloaded before it was over ends early), then the copy read in this run
-- (a newer download: late usage can still be added to a past bucket), then the larger
-- file name (exports are usually named by date).
CREATE OR REPLACE TEMP TABLE slot_merge AS
WITH candidates AS (
    SELECT rowid AS _row, NULL::VARCHAR AS _part, NULL::BIGINT AS _prow,
        slot_key, bucket_end - bucket_start AS _span, source_file
    FROM staged_slots
    UNION ALL
    SELECT NULL, filename, file_row_number, slot_key, bucket_end - bucket_start, source_file
    FROM existing_slots
    WHERE slot_key IN (SELECT slot_key FROM staged_slots)
)
SELECT
    _row,
    _part,
    _prow,
    row_number() OVER (
        PARTITION BY slot_key ORDER BY _span DESC, _part IS NULL DESC, source_file DESC, _prow, _row
    ) = 1 AS _keep
FROM candidates;

CREATE OR REPLACE TEMP VIEW new_slots AS
SELECT * FROM staged_slots
WHERE rowid IN (SELECT _row FROM slot_merge WHERE _part IS NULL AND _keep);

CREATE OR REPLACE TEMP TABLE removed_slots AS
SELECT _part AS part, list(_prow ORDER BY _prow) AS rows
FROM slot_merge
WHERE _part IS NOT NULL AND NOT _keep
GROUP BY _part;
