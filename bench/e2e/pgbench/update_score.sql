-- "The model" writes a new score for an airport with departures.
\set n random(1, :active_airports)
UPDATE airport_scores SET score = random() WHERE n = :n;
