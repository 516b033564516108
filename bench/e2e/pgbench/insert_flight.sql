-- A flight added to the day (a copy of a random one of the day's routes, new id from the sequence).
\set id random(:day_first, :day_last)
\set delay random(-20, 180)
INSERT INTO flights (date, delay, distance, origin, destination)
  SELECT date, :delay, distance, origin, destination FROM flights WHERE id = :id;
