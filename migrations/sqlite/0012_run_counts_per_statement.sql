-- PostgreSQL moves its run-count trigger to one run per statement here (see its 0012).
-- SQLite has no statement triggers; its row triggers run in-process and stay as they are.
SELECT 1;
