-- Removes the hand-written triggers and their summary tables (sql/triggers.sql).
\set ON_ERROR_STOP on
DROP TRIGGER IF EXISTS delayed_from_sfo ON flights;
DROP TRIGGER IF EXISTS california_to_new_york ON flights;
DROP TRIGGER IF EXISTS california_to_new_york_airports ON airports;
DROP TRIGGER IF EXISTS delay_by_origin ON flights;
DROP SCHEMA IF EXISTS trig CASCADE;
