-- Loads the prepared base set (bench/e2e/prepare.mjs) scaled :scale times:
-- copy k (0 .. scale-1) of every flight has id + k * N and its date moved
-- k * :span_days days earlier, so the dataset grows by history while the
-- last day (the top-k view's day) and its flights' ids stay the same at every
-- scale. Run with psql -v airports_tsv=FILE -v scores_tsv=FILE -v flights_tsv=FILE
-- -v scale=N -v span_days=N -v day=YYYY-MM-DD (absolute paths: the server reads the files).
\set ON_ERROR_STOP on
BEGIN;
COPY airports FROM :'airports_tsv';
COPY airport_scores FROM :'scores_tsv';
CREATE TEMP TABLE base (LIKE flights) ON COMMIT DROP;
COPY base FROM :'flights_tsv';
INSERT INTO flights (id, date, delay, distance, origin, destination)
SELECT b.id + k * n.n, b.date - make_interval(days => k * :span_days), b.delay, b.distance, b.origin, b.destination
  FROM base b, generate_series(0, :scale - 1) AS k, (SELECT count(*) AS n FROM base) AS n
 ORDER BY k DESC, b.id;
-- The latency probes' flights (bench/e2e/probes.cc): eight SFO -> JFK flights
-- of the day, ids 900000001.., written only by the probes.
INSERT INTO flights (id, date, delay, distance, origin, destination)
SELECT 900000000 + i, :'day'::timestamp + make_interval(hours => 6 + i), 0, 2586, 'SFO', 'JFK'
  FROM generate_series(1, 8) AS i;
COMMIT;
-- What a DBA would add for the queries of "what users do today" (re-running
-- the views' SELECTs, refreshing materialized views, the triggers' max()
-- recomputation). rindled needs none of them.
CREATE INDEX flights_origin_delay ON flights (origin, delay);
CREATE INDEX flights_date_delay ON flights (date, delay);
VACUUM ANALYZE airports, airport_scores, flights;
