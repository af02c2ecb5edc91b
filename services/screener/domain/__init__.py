"""Pure screening core: no Kafka, database, HTTP or environment access (see tests/test_architecture.py)."""
