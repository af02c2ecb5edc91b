"""Case desk IO: tables, stores, Kafka intake and publishing."""
