"""`aml demo`: the whole pipeline on an embedded broker and SQLite, fed a synthetic workload."""
