"""IO edges of the ledger: the SQL database (tables, migrations, store, queries) and Kafka records."""
