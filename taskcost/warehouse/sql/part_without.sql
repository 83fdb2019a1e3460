-- step: part-without
-- grain: one row per row of one warehouse file that is kept
-- reads: the Parquet file $part
-- params: $part VARCHAR (a part of requests or events), $rows BIGINT[] (row numbers to drop)
-- writes: part_rows
-- A part that lost rows to better copies, or is re-priced, is written again from this.
CREATE OR REPLACE TEMP TABLE part_rows AS
SELECT * EXCLUDE (file_row_number)
FROM read_parquet($part, file_row_number = true)
WHERE file_row_number <> ALL($rows);
