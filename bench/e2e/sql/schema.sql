-- The source tables of the end-to-end benchmark (one database per scale).
-- No foreign keys: their checks are triggers too, and would blur the
-- "write path with triggers vs without" comparison.
CREATE TABLE airports (
  iata      text PRIMARY KEY,
  name      text NOT NULL,
  city      text,
  state     text,
  country   text,
  latitude  double precision,
  longitude double precision
);

-- Written often, by "a model": a score per airport. `n` numbers the airports
-- (busiest first) so load generators can pick one with a random integer.
CREATE TABLE airport_scores (
  iata  text PRIMARY KEY,
  n     integer NOT NULL UNIQUE,
  score double precision NOT NULL
);

CREATE TABLE flights (
  id          bigint PRIMARY KEY,
  date        timestamp NOT NULL,  -- scheduled departure, local time
  delay       integer NOT NULL,    -- minutes
  distance    integer NOT NULL,    -- miles
  origin      text NOT NULL,
  destination text NOT NULL
);
-- New flights written by the workload take ids from here, far above the loaded ones.
CREATE SEQUENCE flights_new_id START 1000000000;
ALTER TABLE flights ALTER COLUMN id SET DEFAULT nextval('flights_new_id');
