-- The workload's most common write: a new delay estimate for a flight of the day.
\set id random(:day_first, :day_last)
\set delay random(-20, 180)
UPDATE flights SET delay = :delay WHERE id = :id;
