-- A cancellation: the oldest added flight goes (nothing when none is left).
DELETE FROM flights WHERE id = (SELECT min(id) FROM flights WHERE id >= 1000000000);
